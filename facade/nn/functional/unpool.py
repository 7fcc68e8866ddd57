"""max_unpool1d, max_unpool2d, max_unpool3d: the partial inverses of max pooling.

As PyTorch computes them: F's _unpool_output_size (the output size, or output_size checked
against it, with its ValueErrors), then the C++ max_unpooling{2,3}d checks in their order with
their messages, then one recorded op (`_ops/conv_ops.py`). The 1-d form is PyTorch's: the 2-d
op on input.unsqueeze(-1) (an output_size of (L, 1)), then squeeze(-1) (SqueezeBackward1).
An index outside its output plane is refused where its value can be read (eager, on CPU) with
PyTorch's message, naming the last such index in memory order (PyTorch's on one thread).
"""

import collections.abc

from ... import _dtype
from ..._dispatch import record
from ..._ops import conv_ops as ops
from ..._ops.frontend import type_name
from ._common import host_values, value_range

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _ntuple(x, n):
    """PyTorch's _single / _pair / _triple."""
    return tuple(x) if isinstance(x, collections.abc.Iterable) else (x,) * n


def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    """The spatial output size, as PyTorch's F computes it: by default the size max pooling with these
    arguments would have come from; a given output_size (with or without its N, C sizes) must lie
    strictly within one stride of that default."""
    nd = len(kernel_size)
    sizes = tuple(input.size())
    # indexed, not zipped: too short a stride or padding, or too few input dims, raise IndexError as in PyTorch
    default = [(sizes[d - nd] - 1) * stride[d] + kernel_size[d] - 2 * padding[d] for d in range(nd)]
    size = default
    if output_size is not None:
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                             f"length of '{len(output_size)}'")
        for d in range(nd):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
        size = output_size
    for d, n in enumerate(size):
        if n < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={n}")
    return size


def _int_list(fn, value, arg, position):
    """An int[] argument as PyTorch's argument parser reads it."""
    for i, v in enumerate(value):
        if not isinstance(v, int):
            raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be tuple of ints, but found element "
                            f"of type {type(v).__name__} at pos {i}")
    return [int(v) for v in value]


def _same_shape_nonempty(input, indices, nd):
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] <= 0:
            raise RuntimeError(f"max_unpooling{nd}d_forward_out_cpu(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but got {list(input.shape)} with dimension {i} being empty.")


def _unpool(input, indices, size, nd):
    """The kernel's part: its dtypes and index bounds (neither checked for an empty output), then the op."""
    plane = 1
    for s in size:
        plane *= s
    if plane and input.numel():
        if not input.dtype.is_floating_point:
            raise NotImplementedError(f"\"max_unpool{nd}d\" not implemented for '{type_name(input.dtype)}'")
        r = value_range(indices)
        v = host_values(indices) if r and (r[0] < 0 or r[1] >= plane) else None
        if v is not None:
            bad = v[(v < 0) | (v >= plane)]
            if bad.size:
                raise RuntimeError(f"Found an invalid max index: {int(bad[-1])} (output volumes are of size "
                                   f"{'x'.join(str(s) for s in size)})")
    return record(ops.MAX_UNPOOL, (input, indices), (tuple(size),))


def _max_unpool2d(input, indices, output_size):
    """torch._C._nn.max_unpool2d."""
    size = _int_list("max_unpool2d", output_size, "output_size", 3)
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {type_name(indices.dtype)}")
    if len(size) != 2:
        raise RuntimeError(f"There should be exactly two elements (height, width) in output_size, but got "
                           f"{len(size)} elements.")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with "
                           f"{input.ndim} dimensions.")
    _same_shape_nonempty(input, indices, 2)
    return _unpool(input, indices, size, 2)


def _max_unpool3d(input, indices, output_size, stride, padding):
    """torch._C._nn.max_unpool3d (max_unpooling3d_shape_check)."""
    size = _int_list("max_unpool3d", output_size, "output_size", 3)
    stride = _int_list("max_unpool3d", stride, "stride", 4)
    padding = _int_list("max_unpool3d", padding, "padding", 5)
    if indices.dtype is not _dtype.int64:
        raise RuntimeError("elements in indices should be type int64")
    if input.ndim not in (4, 5):
        raise RuntimeError(f"Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with "
                           f"{input.ndim} dimensions.")
    for what, v, sep in (("output_size", size, ""), ("stride", stride, ":"), ("padding", padding, ":")):
        if len(v) != 3:
            raise RuntimeError(f"There should be exactly three elements (depth, height, width) in {what}, but "
                               f"got{sep} {len(v)} elements.")
    _same_shape_nonempty(input, indices, 3)
    if min(stride) <= 0:
        raise RuntimeError(f"strides should be greater than zero, but got stride: {stride}")
    return _unpool(input, indices, size, 3)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    kernel_size = _ntuple(kernel_size, 1)
    _stride = _ntuple(stride, 1) if stride is not None else kernel_size
    padding = _ntuple(padding, 1)
    output_size = _unpool_output_size(input, kernel_size, _stride, padding, output_size)
    output_size = output_size + [1] if isinstance(output_size, list) else output_size + (1,)
    return _max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), output_size).squeeze(-1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    kernel_size = _ntuple(kernel_size, 2)
    _stride = _ntuple(stride, 2) if stride is not None else kernel_size
    padding = _ntuple(padding, 2)
    output_size = _unpool_output_size(input, kernel_size, _stride, padding, output_size)
    return _max_unpool2d(input, indices, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    kernel_size = _ntuple(kernel_size, 3)
    _stride = _ntuple(stride, 3) if stride is not None else kernel_size
    padding = _ntuple(padding, 3)
    output_size = _unpool_output_size(input, kernel_size, _stride, padding, output_size)
    return _max_unpool3d(input, indices, output_size, _stride, padding)
