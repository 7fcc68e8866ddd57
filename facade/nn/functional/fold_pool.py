"""unfold / fold (im2col / col2im), lp_pool1d/2d/3d, channel_shuffle, pdist, alpha_dropout and
feature_alpha_dropout, with PyTorch's checks and messages. lp_pool and the alpha dropouts are
PyTorch's chains of ops (so grad_fn chains match); the rest are native ops (facade/_ops/fold_ops.py)."""

import math

from ... import _creation
from ..._dispatch import record
from ..._ops import fold_ops as ops
from ..._ops.frontend import type_name
from ._common import float_dtype
from .activation import relu
from .pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .pooling3d import avg_pool3d, max_pool3d

__all__ = ["unfold", "fold", "lp_pool1d", "lp_pool2d", "lp_pool3d", "channel_shuffle", "native_channel_shuffle",
           "pdist", "alpha_dropout", "feature_alpha_dropout"]


def _pair(v):
    return (int(v), int(v)) if isinstance(v, int) else tuple(int(a) for a in v)


def _positive(k, s, d, p):
    for name, short, v, bad in (("kernel size", "kernel", k, lambda a: a <= 0), ("stride", "stride", s, lambda a: a <= 0),
                                ("dilation", "dilation", d, lambda a: a <= 0),
                                ("padding", "pad", p, lambda a: a < 0)):
        if bad(v[0]) or bad(v[1]):
            what = "should be non-negative" if name == "padding" else "should be greater than zero"
            raise RuntimeError(f"{name} {what}, but got {short}_height: {v[0]} {short}_width: {v[1]}")


def _blocks(size, k, d, p, s):
    return tuple(int((n + 2 * pp - dd * (kk - 1) - 1) / ss) + 1 for n, kk, dd, pp, ss in zip(size, k, d, p, s))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    _positive(k, s, d, p)
    if input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{input.ndim}, {input.ndim - 1}], "
                         "but got 2)")
    if input.ndim != 4 and input.ndim != 3 or 0 in input.shape[input.ndim - 3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    out = _blocks(input.shape[-2:], k, d, p, s)
    if out[0] < 1 or out[1] < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(input.shape[-2:])}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as {out}, but its components "
                           "must be at least one.")
    float_dtype(input, "im2col_out_cpu")
    return record(ops.IM2COL, (input,), (k, d, p, s, out))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    size, k, d, p, s = _pair(output_size), _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    _positive(k, s, d, p)
    if input.ndim not in (2, 3) or 0 in input.shape[input.ndim - 2:]:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    batch = input.ndim - 2
    if input.shape[batch] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension {batch} to be divisible by the product of "
                           f"kernel_size, but got input.size({batch})={input.shape[batch]} and kernel_size={k}.")
    blocks = _blocks(size, k, d, p, s)
    if blocks[0] < 1 or blocks[1] < 1 or blocks[0] * blocks[1] != input.shape[batch + 1]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, expected "
                           f"size of input's dimension {batch + 1} to match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size({batch + 1})={input.shape[batch + 1]}.")
    float_dtype(input, "col2im_out_cpu")
    return record(ops.COL2IM, (input,), (size, k, d, p, s, blocks))


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg, maxp, window):
    if isinstance(norm_type, (int, float)) and math.isinf(norm_type):
        if norm_type > 0:
            return maxp(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return -maxp(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    powered = input.pow(norm_type)
    out = avg(powered, kernel_size, stride, 0, ceil_mode) if stride is not None else \
        avg(powered, kernel_size, padding=0, ceil_mode=ceil_mode)
    return (out.sign() * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool1d, max_pool1d, kernel_size)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kw, kh = _pair(kernel_size)
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool2d, max_pool2d, kw * kh)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kw, kh = (kernel_size,) * 3 if isinstance(kernel_size, int) else tuple(kernel_size)
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool3d, max_pool3d, kd * kw * kh)


def _shuffle(input, groups, op):
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
                           f"{groups} groups.")
    return record(op, (input,), (int(groups),))


def channel_shuffle(input, groups):
    return _shuffle(input, groups, ops.CHANNEL_SHUFFLE)


def native_channel_shuffle(input, groups):
    return _shuffle(input, groups, ops.NATIVE_CHANNEL_SHUFFLE)


def pdist(input, p=2):
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input.dtype.category != 2:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return record(ops.PDIST, (input,), (float(p),))


_SELU_ALPHA = 1.7580993408473766  # SELU's scale * alpha: the value a dropped unit is set to is -this


def _alpha_dropout(input, p, training, inplace, feature):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input  # PyTorch hands back the input itself
    if p == 1:
        zero = _creation.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input.mul(zero)
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    if input.dtype.category != 2:  # PyTorch's noise takes the input's dtype; scaling it in place fails
        raise RuntimeError(f"result type Float can't be cast to the desired output type {type_name(input.dtype)}")
    noise = _creation.empty(shape, dtype=input.dtype).bernoulli_(1 - p)
    a = 1.0 / math.sqrt((_SELU_ALPHA * _SELU_ALPHA * p + 1) * (1 - p))
    b = noise.add(-1).mul_(_SELU_ALPHA * a).add_(_SELU_ALPHA * a * p)
    noise.mul_(a)
    return input.mul_(noise).add_(b) if inplace else input.mul(noise).add_(b)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, inplace, True)
