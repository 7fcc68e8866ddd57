"""max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d (3-d: pooling3d.py).

The checks are PyTorch's (the pooling meta functions, pooling_output_shape,
pool2d_shape_check), in its order, with its messages. The 1-d forms are recorded as PyTorch
computes them: unsqueeze(-2), the 2-d op, squeeze(-2) (grad_fn SqueezeBackward1); an adaptive
average to 1 x 1 is a mean over the last two dims (MeanBackward1), as in PyTorch.
"""

from ... import _dtype, _grad_mode
from ..._dispatch import record
from ..._ops import conv_ops as ops
from ..._ops.frontend import type_name, wrap_dim

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
]


def _ints(value):
    """An int-list argument as PyTorch's argument parser reads it (an int is a list of one)."""
    if value is None:
        return []
    if isinstance(value, int):
        return [int(value)]
    return [int(v) for v in value]


def _trunc_div(a, b):
    """C++ integer division (truncates towards zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _output_size(n, k, pad, stride, dilation, ceil_mode):
    """PyTorch's pooling_output_shape, with its checks."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > _trunc_div((k - 1) * dilation + 1, 2):
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={pad}, kernel_size={k} and "
            f"dilation={dilation}"
        )
    return ops.pooling_output_size(n, k, pad, stride, dilation, ceil_mode)


def _pool2d_shape_check(input, k, s, p, d, out):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, s, p, d
    if kw <= 0 or kh <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sw <= 0 or sh <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} dilationW: {dw}")
    shape = input.shape
    nd = input.ndim
    valid = nd in (3, 4) and shape[1] != 0 and shape[2] != 0
    if not ((nd == 3 and shape[0] != 0 and valid) or (nd == 4 and valid and shape[3] != 0)):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:"
            f"{list(shape)}"
        )
    if _trunc_div(kw, 2) < pw or _trunc_div(kh, 2) < ph:
        raise RuntimeError(
            f"pad should be smaller than or equal to half of kernel size, but got padW = {pw}, padH = {ph}, "
            f"kW = {kw}, kH = {kh}"
        )
    if out[0] < 1 or out[1] < 1:
        c, h, w = shape[-3], shape[-2], shape[-1]
        raise RuntimeError(
            f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{out[0]}x{out[1]}). Output size is too small"
        )


def _pair_args(name, kernel_size, stride, padding, dilation=None):
    """kernel, stride, padding (and dilation) of a 2-d pooling, as the meta functions read them."""
    k = _ints(kernel_size)
    if len(k) not in (1, 2):
        raise RuntimeError(f"{name}: kernel_size must either be a single int, or a tuple of two ints")
    k = k * 2 if len(k) == 1 else k
    s = _ints(stride)
    if len(s) not in (0, 1, 2):
        raise RuntimeError(f"{name}: stride must either be omitted, a single int, or a tuple of two ints")
    s = list(k) if not s else s * 2 if len(s) == 1 else s
    p = _ints(padding)
    if len(p) not in (1, 2):
        raise RuntimeError(f"{name}: padding must either be a single int, or a tuple of two ints")
    p = p * 2 if len(p) == 1 else p
    if dilation is None:
        return k, s, p
    d = _ints(dilation)
    if len(d) not in (1, 2):
        raise RuntimeError(f"{name}: dilation must be either a single int, or a tuple of two ints")
    return k, s, p, d * 2 if len(d) == 1 else d


def _not_implemented(input, kernel, bad):
    if bad(input.dtype):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")


def _is_bool(d):
    return d is _dtype.bool_ or d.is_complex


def _not_floating(d):
    return not d.is_floating_point


# ---- max pooling -----------------------------------------------------------------------
def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    k, s, p, d = _pair_args("max_pool2d", kernel_size, stride, padding, dilation)
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    out = [_output_size(n, *args, ceil_mode) for n, args in zip(input.shape[-2:], zip(k, p, s, d))]
    _pool2d_shape_check(input, k, s, p, d, out)
    _not_implemented(input, "max_pool2d", _is_bool)
    return record(ops.MAX_POOL, (input,), (tuple(k), tuple(s), tuple(p), tuple(d), tuple(out)))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    result = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return result if return_indices else result[0]


def _check1d(name, arg, values):
    if len(values) != 1:
        raise RuntimeError(f"{name}() argument '{arg}' should contain one int (got {len(values)})")


def _check_dim_range(name, input, lo, hi):
    if not lo <= input.ndim < hi:
        raise RuntimeError(
            f"Expected {lo} to {hi - 1} dimensions, but got {input.ndim}-dimensional tensor for argument #1 'self' "
            f"(while checking arguments for {name})"
        )


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    k, s, p, d = _ints(kernel_size), _ints(stride), _ints(padding), _ints(dilation)
    s = s or k
    _check_dim_range("max_pool1d", input, 2, 4)
    for arg, v in (("kernel_size", k), ("stride", s), ("padding", p), ("dilation", d)):
        _check1d("max_pool1d", arg, v)
    out, idx = max_pool2d_with_indices(input.unsqueeze(-2), [1, k[0]], [1, s[0]], [0, p[0]], [1, d[0]], ceil_mode)
    return out.squeeze(-2), idx.squeeze(-2)


def _check_max_pool1d(input, k, s, p, d, ceil_mode):
    if len(k) != 1:
        raise RuntimeError(
            f"max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got size {len(k)}"
        )
    if len(s) not in (0, 1):
        raise RuntimeError(
            f"max_pool1d() stride must be None, an int, list of ints, or tuple of ints of size 1 but got size {len(s)}"
        )
    if len(p) != 1:
        raise RuntimeError(
            f"max_pool1d() padding must be an int, list of ints, or tuple of ints of size 1 but got size {len(p)}"
        )
    if len(d) != 1:
        raise RuntimeError(
            f"max_pool1d() dilation must be an int, list of ints or tuple of ints of size 1 but got size {len(d)}"
        )
    s = s or k
    if k[0] <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k[0]}")
    if s[0] <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s[0]}")
    if p[0] < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p[0]}")
    if p[0] > _trunc_div(k[0], 2):
        raise RuntimeError(
            f"max_pool1d() padding should be at most half of kernel size, but got padding={p[0]} and "
            f"kernel_size={k[0]}"
        )
    if d[0] <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d[0]}")
    ow = ops.pooling_output_size(input.shape[-1], k[0], p[0], s[0], d[0], ceil_mode)
    if ow <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {ow}")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    shape = input.shape
    if not ((input.ndim == 2 and shape[0] != 0 and shape[1] != 0) or
            (input.ndim == 3 and shape[1] != 0 and shape[2] != 0)):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:"
            f"{list(shape)}"
        )
    k, s, p, d = _ints(kernel_size), _ints(stride), _ints(padding), _ints(dilation)
    _check_max_pool1d(input, k, s, p, d, ceil_mode)
    if not (input.requires_grad and _grad_mode.is_grad_enabled()):
        _not_implemented(input, "max_pool1d_impl", _not_floating)  # PyTorch's kernel without indices
    return max_pool1d_with_indices(input, k, s, p, d, ceil_mode)[0]


# ---- average pooling -------------------------------------------------------------------
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    k, s, p = _pair_args("avg_pool2d", kernel_size, stride, padding)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    wrap_dim(-3, input.ndim)  # PyTorch reads the plane count from size(-3)
    out = [_output_size(n, kk, pp, ss, 1, ceil_mode) for n, kk, pp, ss in zip(input.shape[-2:], k, p, s)]
    _pool2d_shape_check(input, k, s, p, (1, 1), out)
    _not_implemented(input, "avg_pool2d", _is_bool)
    div = None if divisor_override is None else int(divisor_override)
    return record(ops.AVG_POOL, (input,), (tuple(k), tuple(s), tuple(p), tuple(out), bool(ceil_mode),
                                           bool(count_include_pad), div))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    k, s, p = _ints(kernel_size), _ints(stride), _ints(padding)
    s = s or k
    _check_dim_range("avg_pool1d", input, 2, 4)
    for arg, v in (("kernel_size", k), ("stride", s), ("padding", p)):
        _check1d("avg_pool1d", arg, v)
    out = avg_pool2d(input.unsqueeze(-2), [1, k[0]], [1, s[0]], [0, p[0]], ceil_mode, count_include_pad)
    return out.squeeze(-2)


# ---- adaptive pooling ------------------------------------------------------------------
def _list_with_default(output_size, defaults):
    """F's _list_with_default: None entries of output_size take the input's size."""
    if isinstance(output_size, int):
        return output_size
    if len(defaults) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return [d if v is None else v for v, d in zip(output_size, defaults[-len(output_size):])]


def _int_list_arg(fn, value):
    """An int-list argument of a PyTorch C++ function (output_size): an int, or a sequence of ints."""
    if isinstance(value, int):
        return [value]
    if value is None or isinstance(value, (float, str)):
        raise TypeError(f"{fn}(): argument 'output_size' (position 2) must be tuple of ints, not "
                        f"{type(value).__name__}")
    for i, v in enumerate(value):
        if not isinstance(v, int):
            raise TypeError(f"{fn}(): argument 'output_size' (position 2) must be tuple of ints, but found element "
                            f"of type {type(v).__name__} at pos {i}")
    return [int(v) for v in value]


def _adaptive_avg_pool2d(input, size):
    """The C++ adaptive_avg_pool2d (output_size already a list)."""
    size = size * 2 if len(size) == 1 else size
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if size[0] < 0 or size[1] < 0:
        raise RuntimeError(
            f"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received "
            f"{{{size[0]}, {size[1]}}}"
        )
    if size == [1, 1]:
        return input.mean((-1, -2), keepdim=True)  # PyTorch's shortcut
    nd = input.ndim
    if nd not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    for i in (-2, -1):
        if input.shape[i] <= 0:
            raise RuntimeError(
                f"adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has "
                f"sizes {list(input.shape)} with dimension {i + nd} being empty"
            )
    _not_implemented(input, "adaptive_avg_pool2d", _not_floating)
    return record(ops.ADAPTIVE_AVG_POOL, (input,), (tuple(size),))


def adaptive_avg_pool2d(input, output_size):
    size = _list_with_default(output_size, input.shape)
    return _adaptive_avg_pool2d(input, [size] if isinstance(size, int) else list(size))


def adaptive_avg_pool1d(input, output_size):
    size = _int_list_arg("adaptive_avg_pool1d", output_size)
    _check_dim_range("adaptive_avg_pool1d", input, 2, 4)
    _check1d("adaptive_avg_pool1d", "output_size", size)
    return _adaptive_avg_pool2d(input.unsqueeze(-2), [1, size[0]]).squeeze(-2)


def _nonempty(name, input):
    for i in range(1, input.ndim):
        if input.shape[i] <= 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                f"{list(input.shape)} with dimension {i} being empty"
            )


def adaptive_max_check(input, size, nd, kernel):
    """PyTorch's adaptive_max_pool{nd}d checks, in its order (kernel: the name its dtype error gives)."""
    name = f"adaptive_max_pool{nd}d"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    _nonempty(name, input)
    if len(size) != nd:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
    for v in size:
        if v < 0:
            shape = list(input.shape[:-nd]) + list(size)
            raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {shape}")
    _not_implemented(input, kernel, _not_floating)


def _adaptive_max_pool2d(input, size):
    size = size * 2 if len(size) == 1 else size
    adaptive_max_check(input, size, 2, "adaptive_max_pool2d")
    return record(ops.ADAPTIVE_MAX_POOL, (input,), (tuple(size),))


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    size = _list_with_default(output_size, input.shape)
    return _adaptive_max_pool2d(input, [size] if isinstance(size, int) else list(size))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    result = adaptive_max_pool2d_with_indices(input, output_size)
    return result if return_indices else result[0]


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    size = _int_list_arg("adaptive_max_pool1d", output_size)
    _check_dim_range("adaptive_max_pool1d", input, 2, 4)
    _check1d("adaptive_max_pool1d", "output_size", size)
    _nonempty("adaptive_max_pool1d", input)
    out, idx = _adaptive_max_pool2d(input.unsqueeze(-2), [1, size[0]])
    return out.squeeze(-2), idx.squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    result = adaptive_max_pool1d_with_indices(input, output_size)
    return result if return_indices else result[0]
