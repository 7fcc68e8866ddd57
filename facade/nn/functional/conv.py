"""conv1d / conv2d / conv3d and conv_transpose1d / 2d / 3d.

The checks follow PyTorch's (at::conv*d, _convolution, check_shape_forward) in PyTorch's
order, with its messages. Unbatched input is recorded as PyTorch computes it: unsqueeze(0),
the convolution, squeeze(0) (grad_fn SqueezeBackward1); padding='same' with an odd total
padding pads the input first (constant_pad_nd), as PyTorch does.
"""

import warnings

from ... import _dtype
from ..._dispatch import record
from ...amp._state import ON as _AMP, cast_args as _amp_cast
from ..._ops import conv_ops as ops
from ..._ops.frontend import cpp_name, type_name

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def int_list(value, n):
    """An int-list argument as PyTorch's argument parser reads it: an int is repeated n times."""
    if isinstance(value, int):
        return [int(value)] * n
    return [int(v) for v in value]


def _expand(values, name, dim):
    if len(values) == 1:
        return values * dim
    if len(values) != dim:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {dim} values to match the convolution "
            f"dimensions, but got {name}={values}"
        )
    return values


def _tensor_type(t):
    """A tensor's type as PyTorch's Tensor::toString() writes it."""
    if t.dtype is _dtype.bfloat16:
        return "CPUBFloat16Type"
    from ..._device import legacy_type_name

    return legacy_type_name(t)


def _check_parameter_type(input, param, what):
    """PyTorch's check that weight / bias have the input's dtype (made by its kernels, after the shapes)."""
    if param is None or param.dtype is input.dtype:
        return
    if input.dtype in (_dtype.float32, _dtype.bfloat16):
        raise RuntimeError(
            f"Input type ({_tensor_type(input)}) and {what} type ({_tensor_type(param)}) should be the same or input "
            f"should be a MKLDNN tensor and {what} is a dense tensor"
        )
    raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found {type_name(param.dtype)}")


def _check_kernel_dtype(input):
    if input.dtype is _dtype.bool_:
        raise NotImplementedError(f"\"slow_conv{input.ndim - 2}d_cpu\" not implemented for 'Bool'")


def _batchify(input, nd, name):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of size: "
            f"{list(input.shape)}"
        )
    return input.ndim == nd + 2


def _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """PyTorch's _convolution on a batched input: parameter expansion and check_shape_forward."""
    k = weight.ndim
    dim = k - 2
    if dim <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    stride = _expand(stride, "stride", dim)
    padding = _expand(padding, "padding", dim)
    dilation = _expand(dilation, "dilation", dim)
    output_padding = _expand(output_padding, "output_padding", dim)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    ws = list(weight.shape)
    if input.ndim != k:
        raise RuntimeError(
            f"Expected {k}-dimensional input for {k}-dimensional weight {ws}, but got {input.ndim}-dimensional input "
            f"of size {list(input.shape)} instead"
        )
    if ws[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got weight of size "
            f"{ws} instead"
        )
    if ws[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of "
            f"size [{ws}] instead"
        )
    shape = list(input.shape)
    if not transposed:
        if shape[1] != ws[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {ws}, expected input{shape} to have {ws[1] * groups} "
                f"channels, but got {shape[1]} channels instead"
            )
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != ws[0]):
            raise RuntimeError(
                f"Given weight of size {ws}, expected bias to be 1-dimensional with {ws[0]} elements, but got bias of "
                f"size {list(bias.shape)} instead"
            )
        padded = [n + 2 * p for n, p in zip(shape[2:], padding)]
        kernel = [d * (kk - 1) + 1 for d, kk in zip(dilation, ws[2:])]
        if any(n < kk for n, kk in zip(padded, kernel)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                f"({' x '.join(map(str, kernel))}). Kernel size can't be greater than actual input size"
            )
    else:
        if shape[1] != ws[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {ws}, expected input{shape} to have {ws[0]} channels, but got "
                f"{shape[1]} channels instead"
            )
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != ws[1] * groups):
            raise RuntimeError(
                f"Given transposed=1, weight of size {ws}, expected bias to be 1-dimensional with {ws[1] * groups} "
                f"elements, but got bias of size {list(bias.shape)} instead"
            )
        _check_transposed_sizes(shape, ws, stride, padding, dilation, output_padding)
    if input.numel() == 0 and shape[0] != 0 and shape[1] != 0:
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got input shape: {shape}")
    _check_kernel_dtype(input)
    _check_parameter_type(input, weight, "weight")
    _check_parameter_type(input, bias, "bias")
    has_bias = bias is not None
    statics = (tuple(stride), tuple(padding), tuple(dilation), bool(transposed), tuple(output_padding), int(groups),
               has_bias, input.dtype.np)
    return record(ops.CONVOLUTION, (input, weight, bias if has_bias else 0), statics)


def _check_transposed_sizes(shape, ws, stride, padding, dilation, output_padding):
    """The slow_conv_transpose kernels' checks (1-d runs as 2-d there, with a height of 1)."""
    names = {1: ("height", "width"), 2: ("height", "width"), 3: ("depth", "height", "width")}[len(stride)]
    lift = (lambda v, one: [one] + list(v)) if len(stride) == 1 else (lambda v, one: list(v))
    st, pd, dl, op = lift(stride, 1), lift(padding, 0), lift(dilation, 1), lift(output_padding, 0)
    sizes, k = lift(shape[2:], 1), lift(ws[2:], 1)
    if any(not (o < s or o < d) for o, s, d in zip(op, st, dl)):
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, op)]
        parts += [f"stride_{n}: {v}" for n, v in zip(names, st)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(names, dl)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    out = [(n - 1) * s - 2 * p + d * (kk - 1) + o + 1 for n, s, p, d, kk, o in zip(sizes, st, pd, dl, k, op)]
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output size per channel: "
            f"({' x '.join(map(str, out))}). Output size is too small"
        )


def _conv(nd, input, weight, bias, stride, padding, dilation, groups):
    if _AMP[0]:
        input, weight, bias = _amp_cast(f"conv{nd}d", input, weight, bias)
    name = f"conv{nd}d"
    if isinstance(padding, str):
        return _conv_padding_mode(nd, name, input, weight, bias, stride, padding, dilation, groups)
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(
            f"Input type ({cpp_name(input.dtype)}) and bias type ({cpp_name(bias.dtype)}) should be the same"
        )
    batched = _batchify(input, nd, name)
    x = input if batched else input.unsqueeze(0)
    out = _convolution(x, weight, bias, int_list(stride, nd), int_list(padding, nd), int_list(dilation, nd), False,
                       [0] * nd, groups)
    return out if batched else out.squeeze(0)


_WARNED = []


def _conv_padding_mode(nd, name, input, weight, bias, stride, padding, dilation, groups):
    """conv with padding='same' or 'valid' (PyTorch's _convolution_mode / convolution_same)."""
    batched = _batchify(input, nd, name)
    x = input if batched else input.unsqueeze(0)
    stride, dilation = int_list(stride, nd), int_list(dilation, nd)
    if padding == "valid":
        out = _convolution(x, weight, bias, stride, [0] * nd, dilation, False, [0] * nd, groups)
    elif padding == "same":
        out = _conv_same(x, weight, bias, stride, dilation, groups)
    else:
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    return out if batched else out.squeeze(0)


def _conv_same(x, weight, bias, stride, dilation, groups):
    for s in stride:
        if s != 1:
            raise RuntimeError("padding='same' is not supported for strided convolutions")
    k = weight.ndim
    if k <= 2:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    dim = k - 2
    if k != x.ndim:
        raise RuntimeError(
            f"Expected {k}-dimensional input for {k}-dimensional weight{list(weight.shape)}, but got {x.ndim}-dimensional "
            f"input of size {list(x.shape)} instead"
        )
    if len(stride) not in (dim, 1):
        raise RuntimeError(f"stride cannot broadcast to {dim} dimensions")
    if len(dilation) not in (dim, 1):
        raise RuntimeError(f"dilation cannot broadcast to {dim} dimensions")
    dilation = dilation * dim if len(dilation) == 1 else dilation
    left, right = [], []
    for d, kk in zip(dilation, weight.shape[2:]):
        total = d * (kk - 1)
        left.append(total // 2)
        right.append(total - total // 2)
    if left == right:
        return _convolution(x, weight, bias, stride, left, dilation, False, [0] * dim, groups)
    if not _WARNED:
        _WARNED.append(True)
        warnings.warn(
            "Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy of the "
            "input be created",
            UserWarning,
            stacklevel=4,
        )
    from .layers import pad

    pads = []
    for lo, hi in reversed(list(zip(left, right))):
        pads += [0, hi - lo]  # the difference on the right; the symmetric part stays in the convolution
    return _convolution(pad(x, pads), weight, bias, stride, left, dilation, False, [0] * dim, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    if _AMP[0]:
        input, weight, bias = _amp_cast(f"conv_transpose{nd}d", input, weight, bias)
    name = f"conv_transpose{nd}d"
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    batched = _batchify(input, nd, name)
    x = input if batched else input.unsqueeze(0)
    out = _convolution(x, weight, bias, int_list(stride, nd), int_list(padding, nd), int_list(dilation, nd), True,
                       int_list(output_padding, nd), groups)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)
