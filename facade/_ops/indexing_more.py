"""More indexing ops: index_add / index_copy / index_fill, masked_scatter, scatter_reduce (every reduction,
include_self), take, take_along_dim, searchsorted, bucketize, unique_consecutive.

Index values are read (synchronously, as PyTorch does) only to raise PyTorch's out-of-bounds errors or
where they decide the result's shape (unique_consecutive). scatter_reduce reduces each target position
over a dense membership mask, so JAX's derivative of the reduction (ties shared evenly by amax / amin,
zeros handled by prod) is PyTorch's.
"""
import jax
import jax.numpy as jnp
from jax import lax
import numpy as np

from .._device import to_numpy, values_to_check

from .. import _dtype
from .._dispatch import record
from .frontend import METHODS, cast, set_at, check_broadcast, export, is_tensor, operand, promote, type_name, wrap_dim
from .table import SCALAR, defop


def _values(t):
    """Values for a data-dependent check; inside a facade.jit trace an empty array (nothing to check)."""
    v = values_to_check(t.detach())
    return np.zeros((0,), np.int64) if v is None else v


def _vector_index(index, name, message=None):
    if index.ndim > 1:
        raise IndexError(message or f"{name}(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                         f"{type_name(index.dtype)} and size: {list(index.shape)}")


def _bounds(index, size, d, prefix="", negative_ok=False, error=IndexError):
    v = _values(index).reshape(-1)
    lo = -size if negative_ok else 0
    bad = v[(v < lo) | (v >= size)]
    if bad.size:
        raise error(f"{prefix}index {int(bad[0])} is out of bounds for dimension {d} with size {size}")


def _along(x, d):
    return jnp.moveaxis(jnp.asarray(x), d, 0)


# ---- index_add / index_copy / index_fill -----------------------------------------------
def _index_add(x, idx, src, d, alpha, dt):
    x, src = cast(x, dt), cast(src, dt)
    xm = _along(x, d) if x.ndim else x.reshape(1)
    sm = _along(src, d) if src.ndim else src.reshape(1)
    out = xm.at[jnp.reshape(idx, (-1,))].add(sm if alpha == 1 else cast(alpha, dt) * sm)
    return jnp.moveaxis(out, 0, d) if x.ndim else out.reshape(())


def _index_copy(x, idx, src, d, dt):
    xm = _along(x, d) if x.ndim else jnp.reshape(x, (1,))
    sm = _along(cast(src, dt), d) if jnp.ndim(src) else jnp.reshape(cast(src, dt), (1,))
    out = set_at(xm, jnp.reshape(idx, (-1,)), sm)
    return jnp.moveaxis(out, 0, d) if x.ndim else out.reshape(())


def _index_fill(x, idx, value, d, dt):
    xm = _along(x, d) if x.ndim else jnp.reshape(x, (1,))
    n = xm.shape[0]
    i = jnp.reshape(idx, (-1,))
    hit = jnp.zeros((n,), bool).at[jnp.where(i < 0, i + n, i)].set(True)
    hit = hit.reshape((n,) + (1,) * (xm.ndim - 1))
    out = jnp.where(hit, cast(value, dt), xm)
    return jnp.moveaxis(out, 0, d) if x.ndim else out.reshape(())


INDEX_ADD = defop("index_add", _index_add, grad_fn="IndexAddBackward0", saves=False)
INDEX_COPY = defop("index_copy", _index_copy, grad_fn="IndexCopyBackward0", saves=False)
INDEX_FILL = defop("index_fill", _index_fill, saves=False,
                   grad_fn=lambda n: "IndexFillBackward0" if n.args[2].op is SCALAR else "IndexFillBackward1")


def _slice_check(input, source, d):
    si = [s for k, s in enumerate(input.shape) if k != d]
    ss = [s for k, s in enumerate(source.shape) if k != d]
    if source.ndim and input.ndim and si != ss:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                           f"self.shape = {list(input.shape)} source.shape = {list(source.shape)}")


@export("index_add", inplace_names=("index_add_",))
def index_add(input, dim, index, source, *, alpha=1):
    d = wrap_dim(dim, input.ndim)
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {type_name(index.dtype)}")
    _vector_index(index, "index_add_")
    n_src = source.shape[d] if source.ndim else 1
    if index.numel() != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to source.size(dim): "
                           f"({n_src}), for dim: {d}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({type_name(input.dtype)}) and source ({type_name(source.dtype)}) must "
                           "have the same scalar type")
    _slice_check(input, source, d)
    _bounds(index, input.shape[d] if input.ndim else 1, d, error=RuntimeError)
    alpha = alpha.item() if hasattr(alpha, "item") else alpha
    return record(INDEX_ADD, (input, index, source), (d, alpha, input.dtype.np))


@export("index_copy", inplace_names=("index_copy_",))
def index_copy(input, dim, index, source):
    d = wrap_dim(dim, input.ndim)
    if index.dtype is not _dtype.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got " + type_name(index.dtype))
    _vector_index(index, "index_copy_", "index_copy_(): Index should have dimension 1 or 0 (got "
                  f"{index.ndim})")
    n_src = source.shape[d] if source.ndim else 1
    if index.numel() != n_src:
        raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be equal to source.size(dim) "
                         f"({n_src})")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{type_name(input.dtype)} and (source) {type_name(source.dtype)}")
    si = [s for k, s in enumerate(input.shape) if k != d]
    ss = [s for k, s in enumerate(source.shape) if k != d]
    if source.ndim and si != ss:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {' '.join(map(str, si))} at dimension {d} and source slice shape: "
                           f"{' '.join(map(str, ss))} at dimension 0.")
    _bounds(index, input.shape[d] if input.ndim else 1, d, "index_copy_(): ")
    return record(INDEX_COPY, (input, index, source), (d, input.dtype.np))


@export("index_fill", inplace_names=("index_fill_",))
def index_fill(input, dim, index, value):
    d = wrap_dim(dim, input.ndim)
    if index.dtype is not _dtype.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if is_tensor(value) and value.ndim != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} "
                           "dimension(s).")
    _bounds(index, input.shape[d] if input.ndim else 1, d, negative_ok=True)
    return record(INDEX_FILL, (input, index, operand(value)), (d, input.dtype.np))


# ---- masked_scatter --------------------------------------------------------------------
def _masked_scatter(x, mask, src, shape, dt):
    x = jnp.broadcast_to(cast(x, dt), shape)
    m = jnp.broadcast_to(mask, shape).reshape(-1)
    pos = jnp.cumsum(m.astype(jnp.int64)) - 1
    s = jnp.reshape(cast(src, dt), (-1,))
    taken = s[jnp.clip(pos, 0, max(s.shape[0] - 1, 0))] if s.shape[0] else jnp.zeros(m.shape, dt)
    return jnp.where(m, taken, x.reshape(-1)).reshape(shape)


MASKED_SCATTER = defop("masked_scatter", _masked_scatter, grad_fn="MaskedScatterBackward0", saves=False)


@export("masked_scatter", inplace_names=("masked_scatter_",))
def masked_scatter(input, mask, source):
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{type_name(mask.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{type_name(input.dtype)} and {type_name(source.dtype)}")
    check_broadcast(input, mask)
    shape = tuple(np.broadcast_shapes(tuple(input.shape), tuple(mask.shape)))
    m = values_to_check(mask.detach())
    if m is not None and source.numel() < int(np.broadcast_to(m, shape).sum()):
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return record(MASKED_SCATTER, (input, mask, source), (shape, input.dtype.np))


# ---- scatter_reduce --------------------------------------------------------------------
_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}


def _scatter_reduce(x, idx, src, d, reduce, include_self, dt):
    x = jnp.asarray(cast(x, dt))
    src = cast(src, dt)
    if x.ndim == 0:
        x, idx, src = x.reshape(1), jnp.reshape(idx, (1,)), jnp.reshape(src, (1,))
        return _scatter_reduce(x, idx, src, 0, reduce, include_self, dt).reshape(())
    lead = idx.shape
    # the region of x the index reaches (all of dim d), the source cut to the index's shape
    region = tuple(slice(0, s) if k != d else slice(None) for k, s in enumerate(lead))
    src = src[tuple(slice(0, s) for s in lead)]
    xr = jnp.moveaxis(x[region], d, -1)  # (..., n)
    im, sm = jnp.moveaxis(idx, d, -1), jnp.moveaxis(src, d, -1)  # (..., m)
    n = xr.shape[-1]
    member = im[..., None, :] == jnp.arange(n)[:, None]  # (..., n, m): source j lands on target t
    vals = jnp.broadcast_to(sm[..., None, :], member.shape)
    if include_self:  # self as one more member of every target's set
        member = jnp.concatenate([member, jnp.ones(member.shape[:-1] + (1,), bool)], axis=-1)
        vals = jnp.concatenate([vals, xr[..., None]], axis=-1)
    count = jnp.sum(member, axis=-1)
    hit = count > 0
    if reduce in ("sum", "mean"):
        out = jnp.sum(jnp.where(member, vals, jnp.zeros((), dt)), axis=-1)
        if reduce == "mean":
            c = jnp.maximum(count, 1).astype(dt)
            out = jnp.floor_divide(out, c) if jnp.issubdtype(dt, jnp.integer) else out / c
    elif reduce == "prod":
        out = jnp.prod(jnp.where(member, vals, jnp.ones((), dt)), axis=-1)
    else:
        fill = _extreme_fill(dt, reduce == "amax")
        red = jnp.max if reduce == "amax" else jnp.min
        masked = jnp.where(member, vals, fill)
        out = red(masked, axis=-1)
        if not include_self:
            # PyTorch splits the gradient among the tied sources and self even when self is not included
            # (self's share is then dropped): self joins the ties, as a constant, only where it equals the result
            tie = jnp.where(hit & (xr == lax.stop_gradient(out)), lax.stop_gradient(xr), fill)
            out = red(jnp.concatenate([masked, tie[..., None]], axis=-1), axis=-1)
    out = jnp.where(hit, out, xr)
    return x.at[region].set(jnp.moveaxis(out, -1, d))


def _extreme_fill(dt, low):
    if jnp.issubdtype(dt, jnp.floating):
        return jnp.asarray(-jnp.inf if low else jnp.inf, dt)
    info = jnp.iinfo(dt) if dt != jnp.bool_ else None
    if info is None:
        return jnp.asarray(not low)
    return jnp.asarray(info.min if low else info.max, dt)


SCATTER_REDUCE = defop("scatter_reduce", _scatter_reduce, grad_fn="ScatterReduceBackward0")
_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


@export("scatter_reduce", inplace_names=("scatter_reduce_",))
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = wrap_dim(dim, input.ndim)
    if index.ndim != input.ndim and index.numel():
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for k in range(index.ndim):
        if (k != d and index.shape[k] > input.shape[k]) or index.shape[k] > src.shape[k]:
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} apart "
                               f"from dimension {d} and to be no larger size than src {list(src.shape)}")
    size = input.shape[d] if input.ndim else 1
    v = _values(index).reshape(-1)
    bad = v[(v < 0) | (v >= size)]
    if bad.size:
        raise RuntimeError(f"index {int(bad[0])} is out of bounds for dimension {d} with size {size}")
    if index.numel() == 0:
        return input.clone()
    return record(SCATTER_REDUCE, (input, index, src), (d, reduce, bool(include_self), input.dtype.np))


# ---- take / take_along_dim -------------------------------------------------------------
def _take(x, idx):
    flat = jnp.reshape(x, (-1,))
    n = flat.shape[0]
    return flat[jnp.where(idx < 0, idx + n, idx)]


TAKE = defop("take", _take, grad_fn="TakeBackward0", saves=False)


@export("take")
def take(input, index):
    if index.dtype is not _dtype.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {type_name(index.dtype)}")
    n = input.numel()
    v = _values(index).reshape(-1)
    bad = v[(v < -n) | (v >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor of {n} elements.")
    return record(TAKE, (input, index), ())


@export("take_along_dim")
def take_along_dim(input, indices, dim=None):
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{type_name(indices.dtype)}")
    gather = METHODS["gather"]
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    d = wrap_dim(dim, input.ndim)
    sizes = list(input.shape)
    sizes[d] = indices.shape[d]
    shape = list(np.broadcast_shapes(tuple(sizes), tuple(indices.shape)))
    idx = indices if list(indices.shape) == shape else indices.expand(*shape)
    shape[d] = input.shape[d]
    x = input if list(input.shape) == shape else input.expand(*shape)
    return gather(x, d, idx)


# ---- searchsorted / bucketize ----------------------------------------------------------
def _searchsorted(seq, values, right, dt, out):
    seq, values = cast(seq, dt), cast(values, dt)
    side = "right" if right else "left"
    if seq.ndim <= 1:
        return jnp.searchsorted(seq, values, side=side).astype(out)
    lead = seq.shape[:-1]
    n = int(np.prod(lead))
    fs = seq.reshape((n, seq.shape[-1]))
    fv = values.reshape((n, values.shape[-1]))
    if not seq.shape[-1]:
        return jnp.zeros(values.shape, out)
    r = jax.vmap(lambda s, v: jnp.searchsorted(s, v, side=side))(fs, fv)
    return r.reshape(lead + values.shape[-1:]).astype(out)


SEARCHSORTED = defop("searchsorted", _searchsorted, saves=False, differentiable=False)


@export("searchsorted", method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left while "
                               "right was True")
        right = side == "right"
    values = operand(input)
    seq = sorted_sequence
    if sorter is not None:
        seq = METHODS["gather"](seq, -1, sorter)
    if seq.ndim > 1 and (not is_tensor(values) or tuple(values.shape[:-1]) != tuple(seq.shape[:-1])):
        shown = list(values.shape) if is_tensor(values) else []
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {shown}")
    d = promote(seq, values)
    out_dt = np.int32 if out_int32 else np.int64
    return record(SEARCHSORTED, (seq, values), (bool(right), d.np, np.dtype(out_dt)))


@export("bucketize", method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ---- unique_consecutive ----------------------------------------------------------------
@export("unique_consecutive")
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    from .._creation import tensor

    v = to_numpy(input.detach()._value())  # the result's length depends on the values
    if dim is None:
        flat = v.reshape(-1)
        starts = np.ones(flat.shape, bool)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
        inverse_shape = v.shape
    else:
        d = wrap_dim(dim, input.ndim)
        moved = np.moveaxis(v, d, 0)
        starts = np.ones(moved.shape[0], bool)
        if moved.shape[0] > 1:
            starts[1:] = np.any((moved[1:] != moved[:-1]).reshape(moved.shape[0] - 1, -1), axis=1)
        values = np.moveaxis(moved[starts], 0, d)
        inverse_shape = (moved.shape[0],)
    inverse = (np.cumsum(starts) - 1).reshape(inverse_shape).astype(np.int64)
    counts = np.diff(np.append(np.nonzero(starts)[0], starts.shape[0])).astype(np.int64)
    out = tensor(values, dtype=input.dtype)
    if not return_inverse and not return_counts:
        return out
    extras = ([tensor(inverse)] if return_inverse else []) + ([tensor(counts)] if return_counts else [])
    return (out, *extras)
