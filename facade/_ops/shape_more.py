"""More shape ops: meshgrid, repeat_interleave, broadcast_tensors, ravel, rot90, atleast_3d, dstack,
column_stack, hsplit / vsplit / dsplit, block_diag, cartesian_prod, combinations, triu_ / tril_indices,
vander, unravel_index, msort, as_strided.

Most are PyTorch's own compositions of views and copies (so their grad_fn names are PyTorch's);
rot90 and block_diag are one op each; as_strided is a view of its root's storage.
"""
import itertools
import math
import warnings

import jax.numpy as jnp
import numpy as np

from .._device import to_numpy

from .. import _dtype
from .._dispatch import record
from .._views import make_view
from .frontend import FUNCTIONS, METHODS, cast, check_broadcast, export, is_tensor, parse_dtype, promote, type_name, wrap_dim
from .table import defop


def _tensor_list(tensors):
    return list(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else list(tensors)


# ---- meshgrid / broadcast_tensors ------------------------------------------------------
@export("meshgrid", method=False)
def meshgrid(*tensors, indexing=None):
    tensors = _tensor_list(tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    for t in tensors[1:]:
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    n = len(tensors)
    shape = tuple(t.numel() for t in tensors)
    grids = []
    for i, t in enumerate(tensors):
        view = [1] * n
        view[i] = -1
        grids.append(t.view(view).expand(*shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


@export("broadcast_tensors", method=False)
def broadcast_tensors(*tensors):
    tensors = _tensor_list(tensors)
    check_broadcast(*tensors)
    shape = tuple(np.broadcast_shapes(*[tuple(t.shape) for t in tensors]))
    return tuple(t if tuple(t.shape) == shape else t.expand(*shape) for t in tensors)


# ---- repeat_interleave -----------------------------------------------------------------
@export("repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    from .._creation import arange, tensor

    if repeats is None:  # torch.repeat_interleave(repeats): the indices repeated
        return repeat_interleave(arange(input.shape[0] if input.ndim else 1), input)
    if not is_tensor(repeats):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        x = input if dim is not None else input.reshape(-1)
        d = wrap_dim(0 if dim is None else dim, input.ndim)
        x = x.unsqueeze(d + 1)
        shape = list(x.shape)
        shape[d + 1] = int(repeats)
        return x.expand(*shape).clone().flatten(d, d + 1)
    if repeats.dtype.category != 1:
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{type_name(repeats.dtype)}'")
    if repeats.ndim > 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    x = input if dim is not None else input.reshape(-1)
    d = wrap_dim(0 if dim is None else dim, x.ndim)
    size = x.shape[d] if x.ndim else 1
    counts = to_numpy(repeats.detach()._value()).reshape(-1)  # the result's length depends on them
    if repeats.ndim == 0:
        counts = np.full(size, int(counts[0]))
    elif counts.shape[0] != size:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{counts.shape[0]} and input.size({d}) = {size}")
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeats can not be negative")
    index = tensor(np.repeat(np.arange(size), counts).astype(np.int64))
    return METHODS["index_select"](x, d, index)


# ---- ravel / rot90 / stacking ----------------------------------------------------------
@export("ravel")
def ravel(input):
    return input.contiguous().view(-1)


ROT90 = defop("rot90", lambda x, k, dims: jnp.rot90(x, k, axes=dims), grad_fn="Rot90Backward0", saves=False)


@export("rot90")
def rot90(input, k=1, dims=(0, 1)):
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = wrap_dim(dims[0], input.ndim), wrap_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return record(ROT90, (input,), (int(k) % 4, (d0, d1)))


@export("atleast_3d", method=False)
def atleast_3d(*tensors):
    if len(tensors) == 1 and is_tensor(tensors[0]):
        t = tensors[0]
        if t.ndim == 0:
            return t.reshape(1, 1, 1)
        if t.ndim == 1:
            return t.unsqueeze(0).unsqueeze(-1)
        return t.unsqueeze(-1) if t.ndim == 2 else t
    return tuple(atleast_3d(t) for t in _tensor_list(tensors))


@export("dstack", method=False)
def dstack(tensors):
    return FUNCTIONS["cat"]([atleast_3d(t) for t in tensors], 2)


@export("column_stack", method=False)
def column_stack(tensors):
    return FUNCTIONS["hstack"]([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors])


def _directional_split(name, dim, min_dims):
    def split(input, indices_or_sections):
        if input.ndim < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                               f"with {input.ndim} dimensions!")
        d = dim if input.ndim > 1 or name != "hsplit" else 0
        if isinstance(indices_or_sections, int):
            size = input.shape[d]
            if indices_or_sections == 0 or size % indices_or_sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                                   f"{size} is not divisible by the split_size {indices_or_sections}!")
        return METHODS["tensor_split"](input, indices_or_sections, d)

    split.__name__ = name
    return split


export("hsplit")(_directional_split("hsplit", 1, 1))
export("vsplit")(_directional_split("vsplit", 0, 2))
export("dsplit")(_directional_split("dsplit", 2, 3))


def _block_diag(*args):
    *mats, shapes, dt = args
    rows = sum(s[0] for s in shapes)
    cols = sum(s[1] for s in shapes)
    out = jnp.zeros((rows, cols), dt)
    r = c = 0
    for m, (h, w) in zip(mats, shapes):
        if h and w:
            out = out.at[r:r + h, c:c + w].set(cast(jnp.reshape(m, (h, w)), dt))
        r, c = r + h, c + w
    return out


BLOCK_DIAG = defop("block_diag", _block_diag, grad_fn="BlockDiagBackward0", saves=False)


@export("block_diag", method=False)
def block_diag(*tensors):
    from .._creation import zeros

    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t.ndim} "
                               "dimensions")
    if not tensors:
        return zeros(1, 0)
    shapes = tuple((1, 1) if t.ndim == 0 else (1, t.shape[0]) if t.ndim == 1 else tuple(t.shape) for t in tensors)
    d = promote(*tensors)
    return record(BLOCK_DIAG, tuple(tensors), (shapes, d.np))


# ---- cartesian_prod / combinations -----------------------------------------------------
def _check_vector(t):
    if t.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


@export("cartesian_prod", method=False)
def cartesian_prod(*tensors):
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return FUNCTIONS["stack"]([g.flatten() for g in grids], 1)


@export("combinations", method=False)
def combinations(input, r=2, with_replacement=False):
    from .._creation import empty, tensor

    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return empty(0, dtype=input.dtype)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    cols = [METHODS["index_select"](input, 0, tensor(idx[:, k].copy())) for k in range(r)]
    return FUNCTIONS["stack"](cols, 1)


# ---- triu_indices / tril_indices / vander / unravel_index ------------------------------
def _tri_indices(name, fn):
    def indices(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
        from .._creation import _from_array

        d = parse_dtype(dtype) or _dtype.int64
        if d.category != 1:
            raise NotImplementedError(f"\"{name}\" not implemented for '{type_name(d)}'")
        if row < 0:
            raise RuntimeError(f"row must be non-negative, got{row}")
        if col < 0:
            raise RuntimeError(f"col must be non-negative, got{col}")
        r, c = fn(row, offset, col)
        return _from_array(np.stack([r, c]).astype(d.np).reshape(2, -1), d, device=device)

    return indices


export("triu_indices", method=False)(_tri_indices("triu_indices", np.triu_indices))
export("tril_indices", method=False)(_tri_indices("tril_indices", np.tril_indices))


@export("vander", method=False)
def vander(x, N=None, increasing=False):
    from .._creation import ones

    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    d = promote(x, 0) if x.dtype.category >= 2 else _dtype.int64
    result = ones(x.shape[0], n, dtype=d)
    if n > 1:
        part = METHODS["narrow"](result, 1, 1, n - 1)
        part.copy_(x.unsqueeze(1))
        part.cumprod_(1)
    return result if increasing else FUNCTIONS["flip"](result, 1)


@export("unravel_index", method=False)
def unravel_index(indices, shape):
    if not is_tensor(indices):
        raise AttributeError(f"'{type(indices).__name__}' object has no attribute 'is_complex'")
    if indices.dtype.category != 1:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    return _unravel_tensors(indices.long(), shape)


def _unravel_tensors(indices, shape):
    total = math.prod(shape)
    i = FUNCTIONS["remainder"](indices, total) if total > 0 else indices
    out = []
    for s in reversed(shape):
        out.append(FUNCTIONS["remainder"](i, s) if s else i)
        i = FUNCTIONS["floor_divide"](i, s) if s else i
    return tuple(reversed(out))


@export("msort")
def msort(input):
    return METHODS["sort"](input, 0).values


# ---- as_strided ------------------------------------------------------------------------
def _as_strided(x, size, stride, offset):
    flat = jnp.reshape(x, (-1,))
    pos = jnp.full(size, offset, jnp.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[k] = n
        pos = pos + (jnp.arange(n, dtype=jnp.int64) * s).reshape(shape)
    return flat[pos]


AS_STRIDED = defop("as_strided", _as_strided, grad_fn="AsStridedBackward0", saves=False, view=True)


def _storage_offset(t):
    if t._view is None or t.numel() == 0:
        return 0
    from .._views import _positions

    root, chain, _ = t._view
    return int(np.asarray(_positions(tuple(root.shape), chain)).reshape(-1)[0])


@export("as_strided")
def as_strided(input, size, stride, storage_offset=None):
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    root = input._view[0] if input._view is not None else input
    offset = _storage_offset(input) if storage_offset is None else int(storage_offset)
    storage = root.numel()
    need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if need > storage:
        item = input.dtype.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {need * item} are out of bounds for storage of "
                           f"size {storage * item}")
    return make_view(root, AS_STRIDED, (size, stride, offset))



@export("broadcast_shapes", method=False)
def broadcast_shapes(*shapes):
    """The shape the given shapes broadcast to (ints count as 1-d shapes), with PyTorch's error."""
    from .._tensor import Size

    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    out = [1] * max((len(s) for s in shapes), default=0)
    for k, s in enumerate(shapes):
        for i in range(-1, -len(s) - 1, -1):
            n = s[i]
            if n < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(s)}")
            if out[i] == 1 or n == out[i]:
                out[i] = n
            elif n != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {n} at {i}! Mismatching argument at "
                                   f"index {k} had {s}; but expected shape should be broadcastable to {out}")
    return Size(out)


@export("is_nonzero")
def is_nonzero(input):
    return bool(input)
