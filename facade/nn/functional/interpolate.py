"""interpolate (and the deprecated upsample, upsample_nearest, upsample_bilinear).

The checks are PyTorch's, in its order and with its messages: F.interpolate's argument
handling first (align_corners only for the interpolating modes, exactly one of size and
scale_factor, their lengths, recompute_scale_factor), then the C++ kernels' checks (sizes
above 0, a non-empty input, the dtypes each kernel has). Nearest, linear and cubic modes
are one recorded op (`_ops/resize_ops.py`); 'area' is adaptive average pooling, as in
PyTorch (its grad_fn is the pooling's).
"""

import math
import numbers
import warnings

from ... import _dtype
from ..._dispatch import record
from ..._ops import resize_ops as ops
from ..._ops.frontend import type_name
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d
from .pooling3d import adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
# mode -> (the input's dim it needs, PyTorch's function, the name its dtype error gives)
_KERNELS = {"linear": (3, "upsample_linear1d", "compute_indices_weights_linear"),
            "bilinear": (4, "upsample_bilinear2d", "upsample_bilinear2d_channels_last"),
            "bicubic": (4, "upsample_bicubic2d", "compute_indices_weights_cubic"),
            "trilinear": (5, "upsample_trilinear3d", "compute_indices_weights_linear")}
_AXES = {1: "W", 2: "HW", 3: "DHW"}


def _is_integer(x):
    """F._is_integer: ints (bools too), numpy integers and integer tensors count as sizes."""
    if isinstance(x, numbers.Integral):
        return True
    dtype = getattr(x, "dtype", None)
    return getattr(dtype, "is_floating_point", True) is False and not dtype.is_complex and x.ndim == 0


def _per_dim(input, value, what, shown, form):
    """size or scale_factor as one value per spatial dim (a number is repeated)."""
    dim = input.ndim - 2
    if not isinstance(value, (list, tuple)):
        return [value] * dim
    if len(value) != dim:
        raise ValueError(
            f"Input and {what} must have the same number of spatial dimensions, but got input with spatial dimensions "
            f"of {list(input.shape[2:])} and {shown} {value}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
            f"format and {form} format."
        )
    return list(value)


def _output_and_scales(input, size, scale_factor, recompute_scale_factor):
    """F.interpolate's handling of size / scale_factor: (output sizes or None, scales or None)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        output = _per_dim(input, size, "output", "output size of", "output size in (o1, o2, ...,oK)")
        if isinstance(size, (list, tuple)) and not all(_is_integer(x) for x in size):
            raise TypeError(
                "expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], but "
                f"got size with types {[type(x) for x in size]}"
            )
        scales = None
    elif scale_factor is not None:
        scales = _per_dim(input, scale_factor, "scale_factor", "scale_factor of shape", "scale_factor in (s1, s2, ...,sK)")
        output = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor:
        output = [int(n * s) for n, s in zip(input.shape[2:], scales)]
        scales = None
    return output, scales


def _invalid(fn, args):
    got = ", ".join(["Tensor"] + [type(a).__name__ for a in args])
    return TypeError(f"{fn}() received an invalid combination of arguments - got ({got}), but expected one of: "
                     "(Tensor input, tuple of ints output_size, ..., tuple of floats scale_factors)")


def _kernel_args(fn, input, output, scales, args):
    """The C++ upsample functions' argument parsing: output sizes ints, scale factors floats (a
    bad first element fails the overload match, a later one names its position)."""
    if output is not None:
        if output and not _is_integer(output[0]) or any(isinstance(v, bool) for v in output):
            raise _invalid(fn, args)
        return [int(v) for v in output], None
    for i, v in enumerate(scales):
        if not isinstance(v, numbers.Real) and not (hasattr(v, "dtype") and v.ndim == 0):
            if i == 0:
                raise _invalid(fn, args)
            raise TypeError(f"{fn}(): argument 'scale_factors' must be tuple of floats, but found element of type "
                            f"{type(v).__name__} at pos {i + 1}")
    scales = [float(v) for v in scales]
    # the C++ output size: the spatial size times the factor, truncated
    return [math.trunc(n * s) for n, s in zip(input.shape[2:], scales)], scales


def _common_check(input, output):
    """PyTorch's upsample_{1,2,3}d_common_check."""
    nd = len(output)
    spatial = input.shape[2:]
    if min(spatial) <= 0 or min(output) <= 0:
        axes = _AXES[nd]
        ins = ", ".join(f"{a}: {n}" for a, n in zip(axes, spatial))
        outs = ", ".join(f"{a}: {n}" for a, n in zip(axes, output))
        joiner = " and " if nd == 1 else " "
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({ins}){joiner}"
                           f"output ({outs})")
    if input.shape[1] == 0:  # an empty batch is allowed
        raise RuntimeError(f"Non-empty {nd + 2}D data tensor expected but got a tensor with sizes {list(input.shape)}")


def _upsample(input, mode, output, scales, align_corners):
    nd = input.ndim - 2
    if mode.startswith("nearest"):
        fn = f"upsample_nearest{nd}d" if mode == "nearest" else f"_upsample_nearest_exact{nd}d"
        kernel = "upsample_nearest2d_channels_last" if nd == 2 else "compute_indices_weights_nearest"
        args = (output, scales)
    else:
        fn, kernel = _KERNELS[mode][1:]
        args = (output, align_corners, scales)
    output, scales = _kernel_args(fn, input, output, scales, args)
    _common_check(input, output)
    d = input.dtype
    uint8_ok = mode.startswith("nearest") or mode in ("bilinear", "bicubic")
    if d.is_complex or not (d.is_floating_point or (d is _dtype.uint8 and uint8_ok)):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(d)}'")
    if d is _dtype.uint8 and not mode.startswith("nearest"):
        raise NotImplementedError(f"interpolate(mode={mode!r}) on uint8 tensors is not implemented in facade "
                                  "(PyTorch uses its own fixed-point kernel); convert the input to float first")
    statics = (mode, tuple(output), tuple(scales) if scales is not None else (None,) * nd, bool(align_corners))
    return record(ops.UPSAMPLE, (input,), statics)


def _area(input, output):
    pool = {3: adaptive_avg_pool1d, 4: adaptive_avg_pool2d, 5: adaptive_avg_pool3d}[input.ndim]
    return pool(input, output)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resamples input (N, C, *spatial) to `size`, or its spatial size times `scale_factor`."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if mode == "area" and size is None and scale_factor is not None:
        recompute_scale_factor = True  # area needs a size: PyTorch computes it from the factor
    output, scales = _output_and_scales(input, size, scale_factor, recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         "4-D tensor as input")
    if mode == "lanczos" and input.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if antialias:
        raise NotImplementedError(f"interpolate(antialias=True) (mode={mode!r}) is not implemented in facade; "
                                  "use antialias=False")
    nd = input.ndim
    if nd in (3, 4, 5):
        if mode in ("nearest", "nearest-exact"):
            return _upsample(input, mode, output, scales, False)
        if mode == "area":
            return _area(input, output)
        need = _KERNELS.get(mode, (None,))[0]
        if need == nd:
            return _upsample(input, mode, output, scales, align_corners)
        if need is not None and mode != "bicubic":
            raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {need}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the modes: "
                              f"{_MODES} (got {mode})")


def _deprecated(name):
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated: interpolate."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(mode='nearest')."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(mode='bilinear', align_corners=True)."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
