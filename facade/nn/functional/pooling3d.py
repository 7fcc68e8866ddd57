"""max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d.

The same n-d pooling ops as the 1-d and 2-d forms (`_ops/conv_ops.py`), with PyTorch's 3-d
checks (the pooling meta functions and pool3d_shape_check), in its order, with its messages.
"""

from ..._dispatch import record
from ..._ops import conv_ops as ops
from .pooling import (_ints, _is_bool, _list_with_default, _nonempty, _not_floating, _not_implemented, _output_size,
                      _trunc_div, adaptive_max_check)

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
           "adaptive_max_pool3d_with_indices"]


def _triple(name, what, value, allow_empty=False, verb="must either be", also=""):
    v = _ints(value)
    if len(v) not in ((0, 1, 3) if allow_empty else (1, 3)):
        raise RuntimeError(f"{name}: {what} {verb} {also}a single int, or a tuple of three ints")
    return v * 3 if len(v) == 1 else v


def _ndim_check(input):
    if input.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")


def _shape_check(input, k, s, p, d, out, fn, check_input_size=False):
    """PyTorch's pool3d_shape_check."""
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {k[0]} kH: {k[1]} kW: {k[2]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dT: {s[0]} dH: {s[1]} dW: {s[2]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationT: {d[0]} dilationH: {d[1]} "
                           f"dilationW: {d[2]}")
    shape = list(input.shape)
    if 0 in shape[input.ndim - 4:]:  # PyTorch's message names dimension 0 whichever it is
        raise RuntimeError(f"{fn}: Expected input's non-batch dimensions to have positive length, but input has "
                           f"a shape of {shape} and non-batch dimension 0 has length zero!")
    t, h, w = shape[-3:]
    if check_input_size and (t < k[0] or h < k[1] or w < k[2]):
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {k[0]} kH: {k[1]} "
                           f"kW: {k[2]})")
    if any(_trunc_div(kk, 2) < pp for kk, pp in zip(k, p)):
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got kT: {k[0]} kW: "
                           f"{k[2]} kH: {k[1]} padT: {p[0]} padW: {p[2]} padH: {p[1]}")
    if min(out) < 1:
        c = shape[-4]
        raise RuntimeError(f"Given input size: ({c}x{t}x{h}x{w}). Calculated output size: "
                           f"({c}x{out[0]}x{out[1]}x{out[2]}). Output size is too small")


# ---- max pooling -----------------------------------------------------------------------
def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    k = _triple("max_pool3d", "kernel_size", kernel_size)
    s = _triple("max_pool3d", "stride", stride, allow_empty=True, also="omitted, ") or list(k)
    p = _triple("max_pool3d", "padding", padding)
    d = _triple("max_pool3d", "dilation", dilation, verb="must be either")
    _ndim_check(input)
    out = [_output_size(n, *args, ceil_mode) for n, args in zip(input.shape[-3:], zip(k, p, s, d))]
    _shape_check(input, k, s, p, d, out, "max_pool3d_with_indices_out_cpu_template()")
    _not_implemented(input, "max_pool3d", _is_bool)
    return record(ops.MAX_POOL, (input,), (tuple(k), tuple(s), tuple(p), tuple(d), tuple(out)))


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    result = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return result if return_indices else result[0]


# ---- average pooling -------------------------------------------------------------------
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    k = _triple("avg_pool3d", "kernel_size", kernel_size, verb="must be")
    s = _triple("avg_pool3d", "stride", stride, allow_empty=True, verb="must be", also="omitted, ") or list(k)
    p = _triple("avg_pool3d", "padding", padding, verb="must be")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _ndim_check(input)
    out = [_output_size(n, kk, pp, ss, 1, ceil_mode) for n, kk, pp, ss in zip(input.shape[-3:], k, p, s)]
    _shape_check(input, k, s, p, (1, 1, 1), out, "avg_pool3d()", check_input_size=True)
    _not_implemented(input, "avg_pool3d_out_frame", _is_bool)
    div = None if divisor_override is None else int(divisor_override)
    return record(ops.AVG_POOL, (input,), (tuple(k), tuple(s), tuple(p), tuple(out), bool(ceil_mode),
                                           bool(count_include_pad), div))


# ---- adaptive pooling ------------------------------------------------------------------
def _adaptive_size(output_size, input):
    size = _list_with_default(output_size, input.shape)
    return [size] * 3 if isinstance(size, int) else list(size)


def adaptive_avg_pool3d(input, output_size):
    size = _adaptive_size(output_size, input)
    if len(size) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if min(size) < 0:
        raise RuntimeError(f"adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{size[0]}, {size[1]},{size[2]}}}")  # (PyTorch's spacing)
    if size == [1, 1, 1]:
        return input.mean((-1, -2, -3), keepdim=True)  # PyTorch's shortcut
    if input.ndim not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {list(input.shape)}")
    _nonempty("adaptive_avg_pool3d", input)
    _not_implemented(input, "adaptive_avg_pool3d_cpu", _not_floating)
    return record(ops.ADAPTIVE_AVG_POOL, (input,), (tuple(size),))


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    size = _adaptive_size(output_size, input)
    adaptive_max_check(input, size, 3, "adaptive_max_pool3d_cpu")
    return record(ops.ADAPTIVE_MAX_POOL, (input,), (tuple(size),))


def adaptive_max_pool3d(input, output_size, return_indices=False):
    result = adaptive_max_pool3d_with_indices(input, output_size)
    return result if return_indices else result[0]
