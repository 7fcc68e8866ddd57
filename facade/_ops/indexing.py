"""Tensor indexing: `x[...]` and `x[...] = v`, plus gather/scatter/index_select/masked ops.

Basic indexing (ints, slices, None, Ellipsis) is a chain of views (select, slice,
unsqueeze), so it shares storage and shows PyTorch's grad_fn names. Advanced indexing
(integer tensors/lists, boolean masks) is one INDEX op; a boolean mask decides the result's
shape, so it is read (synchronously, as in PyTorch) and turned into integer indices.
"""
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype
from .._device import to_numpy
from .._dispatch import record
from .._overlap import check_args, check_write
from .._views import make_view
from .frontend import (check_broadcast, check_inplace, cpp_name, export, is_tensor, operand, type_name, wrap_dim,
                       check_fits, set_at, write_result)
from .convert import copy_into
from .index_items import as_items, first_out_of_bounds
from .shape import ALIAS, SLICE, UNSQUEEZE, select, slice_dim
from .table import defop


def _freeze(item):
    """An index item as a hashable static: slices become ("slice", start, stop, step)."""
    return ("slice", item.start, item.stop, item.step) if isinstance(item, slice) else item


def _key(spec, tensors):
    """The JAX index for a frozen spec: "t" marks where the next index tensor goes."""
    it = iter(tensors)
    return tuple(next(it) if s == "t" else slice(*s[1:]) if isinstance(s, tuple) else s for s in spec)


def _index_impl(x, *rest):
    *idx, spec = rest
    return x[_key(spec, idx)]


INDEX = defop("index", _index_impl, grad_fn="IndexBackward0", saves=False)


def _index_put_impl(x, v, *rest):
    *idx, spec, accumulate, dt = rest
    key = _key(spec, idx)
    x = jnp.asarray(x)  # a leaf's value may be a numpy array, which has no .at
    v = v.astype(dt) if hasattr(v, "astype") else jnp.asarray(v, dt)
    return x.at[key].add(v) if accumulate else set_at(x, key, v)


INDEX_PUT = defop("index_put", _index_put_impl, grad_fn="IndexPutBackward0", saves=False)


def _is_mask(i):
    return is_tensor(i) and (i.dtype is _dtype.bool_ or i.dtype is _dtype.uint8) and i.ndim > 0


def _check_masks(x, index):
    """PyTorch's IndexError for a boolean mask whose shape differs from the dims it indexes, in the
    tensor that the ints, slices and Nones of the index leave (that tensor's shape is in the message)."""
    consumed = sum(i.ndim if _is_mask(i) else 1 for i in index if i is not None and i is not Ellipsis
                   and not isinstance(i, bool))
    shape, dim, masks = [], 0, []
    for i in index:
        if i is None or isinstance(i, bool):
            shape.append(int(i is not False))
        elif i is Ellipsis:
            shape += x.shape[dim:dim + x.ndim - consumed]
            dim += max(x.ndim - consumed, 0)
        elif _is_mask(i):
            masks.append((len(shape), i))
            shape += x.shape[dim:dim + i.ndim]
            dim += i.ndim
        elif isinstance(i, slice):
            shape.append(len(range(*i.indices(x.shape[dim]))) if dim < x.ndim else 0)
            dim += 1
        else:
            if is_tensor(i) and i.ndim > 0:
                shape.append(x.shape[dim] if dim < x.ndim else 0)
            dim += 1
    shape += x.shape[dim:]
    for at, m in masks:
        for j, n in enumerate(m.shape):
            if at + j >= len(shape) or shape[at + j] != n:
                raise IndexError(f"The shape of the mask {list(m.shape)} at index {j} does not match the shape of the "
                                 f"indexed tensor {shape} at index {at + j}")


def _expand_index(x, index):
    """The items of an index already read by `as_items`, boolean masks as the positions they select."""
    if any(_is_mask(i) for i in index):
        _check_masks(x, index)
    out = []
    for i in index:
        if is_tensor(i) and i.dtype is _dtype.bool_ or is_tensor(i) and i.dtype is _dtype.uint8:
            if i.dtype is _dtype.uint8:
                import warnings

                warnings.warn(_UINT8_INDEX, UserWarning, stacklevel=4)
            if i.ndim == 0:
                out.append(i)
                continue
            nz = np.nonzero(to_numpy(i._value()))  # a mask's true count is the result's size
            from .._creation import tensor

            out.extend(tensor(a.astype(np.int64)) for a in nz)
            continue
        out.append(i)
    return out


_UINT8_INDEX = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead. (Triggered "
                "internally at /__w/pytorch/pytorch/aten/src/ATen/native/IndexingUtils.h:37.)")


def _is_scalar_mask(i):
    """A 0-d bool (or uint8) tensor index: like a bool, a new dim of size 1 or 0, but indexed (a copy)."""
    return is_tensor(i) and i.ndim == 0 and (i.dtype is _dtype.bool_ or i.dtype is _dtype.uint8)


def _is_advanced(i):
    return is_tensor(i) and (i.ndim > 0 or i.dtype.category >= 2 or _is_scalar_mask(i))


def _count_dims(idx):
    n = 0
    for i in idx:
        if i is None or i is Ellipsis:
            continue
        if isinstance(i, bool) or _is_scalar_mask(i):
            continue
        n += 1
    return n


def _split_basic(x, index):
    """Resolve Ellipsis; returns the list of index items, each int/slice/None/tensor."""
    idx = _expand_index(x, index)
    if sum(1 for i in idx if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    n = _count_dims(idx)
    if n > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    if Ellipsis in [i for i in idx if not is_tensor(i)]:
        pos = next(k for k, i in enumerate(idx) if i is Ellipsis and not is_tensor(i))
        idx = idx[:pos] + [slice(None)] * (x.ndim - n) + idx[pos + 1:]
    return idx


def getitem(self, index):
    out, advanced = _basic_view(self, _split_basic(self, as_items(index, 2)))
    if out is self and not advanced:  # no view was needed: x[:] is still a slice, x[...] an alias
        if isinstance(index, slice) and self.ndim:
            return make_view(self, SLICE, (0, 0, self.shape[0], 1))
        return make_view(self, ALIAS, ())
    if not advanced:
        return out
    return _advanced(out, advanced)


def _basic_view(self, idx):
    """PyTorch's first step of indexing: the view that the ints, slices, None and bools of the index
    select (self itself where they select everything), and the tensor indices, as (dim in that view,
    tensor) pairs, left for the second step."""
    out, dim = self, 0
    advanced = []
    for i in idx:
        if i is None:
            out = make_view(out, UNSQUEEZE, (dim,))
            dim += 1
        elif isinstance(i, bool):
            out = make_view(out, UNSQUEEZE, (dim,))
            if not i:
                out = slice_dim(out, dim, 0, 0, 1)
            dim += 1
        elif isinstance(i, slice):
            step = 1 if i.step is None else _int(i.step)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            start = None if i.start is None else _int(i.start)
            stop = None if i.stop is None else _int(i.stop)
            if not (start in (None, 0) and (stop is None or stop >= out.shape[dim]) and step == 1):
                out = slice_dim(out, dim, start, stop, step)  # PyTorch skips a slice of the whole dim
            dim += 1
        elif _is_scalar_mask(i):
            from .._creation import tensor

            out = make_view(out, UNSQUEEZE, (dim,))
            advanced.append((dim, tensor(np.arange(int(bool(i.item())), dtype=np.int64))))
            dim += 1
        elif is_tensor(i) and i.ndim > 0 or is_tensor(i) and i.dtype.category >= 2:
            if i.dtype.category != 1:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            advanced.append((dim, i))
            dim += 1
        else:
            k = _int(i)
            size = out.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            out = select(out, dim, k)
    return out, advanced


def _int(i):
    if is_tensor(i):
        if i.numel() != 1 or i.dtype.category != 1:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got " + type_name(i.dtype) + ")")
        return int(i.item())
    if hasattr(i, "__index__"):
        return i.__index__()
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got "
        f"{type(i).__name__})"
    )


def _advanced_spec(x, advanced):
    spec = [_freeze(slice(None))] * x.ndim
    tensors = []
    for dim, t in advanced:
        spec[dim] = "t"
        tensors.append((dim, t))
    return tuple(spec), tensors


_RANGES = weakref.WeakKeyDictionary()  # computed index Node -> (min, max) of its values, or None if empty


def index_range(t):
    """(min, max) of an integer tensor's values, for PyTorch's bounds checks; None when it is empty,
    and False inside a facade.jit trace (no values yet: the check is left out, as PyTorch's CUDA
    kernels leave it to the device). A computed value never changes, so the range is read from the
    device once per value and kept with its node: an index tensor used every step costs one read."""
    node = t._node()
    known = _RANGES.get(node)
    if known is not None or node in _RANGES:
        return known
    value = t._value()
    if isinstance(value, jax.core.Tracer):
        return False
    v = np.asarray(value)
    known = (v.min(), v.max()) if v.size else None
    if node.value is not None and not isinstance(node.value, jax.core.Tracer):
        _RANGES[node] = known
    return known


def _check_bounds(x, tensors):
    # PyTorch numbers the dimension among the tensor indices (x[:, :, t] reports "dimension 0")
    for k, (dim, t) in enumerate(tensors):
        r = index_range(t)
        if not r:
            continue
        lo, hi = r
        size = x.shape[dim]
        if hi >= size or lo < -size:
            bad = int(hi) if hi >= size else int(lo)
            k, bad, size = first_out_of_bounds(x, tensors) or (k, bad, size)
            raise IndexError(f"index {bad} is out of bounds for dimension {k} with size {size}")


def _advanced(x, advanced):
    spec, tensors = _advanced_spec(x, advanced)
    _check_bounds(x, tensors)
    return record(INDEX, (x,) + tuple(t for _, t in tensors), (spec,))


def setitem(self, index, value):
    index = as_items(index, 2)
    value = operand(value)
    if is_tensor(value) and value.ndim and value.shape[0] == 1:  # PyTorch drops the value's leading 1-dims
        shape = tuple(value.shape)
        while shape and shape[0] == 1:
            shape = shape[1:]
        value = value.reshape(shape)
    idx = _split_basic(self, index)
    has_adv = any(_is_advanced(i) for i in idx)
    if has_adv:
        # as PyTorch: index_put_ of the tensor indices into the view the rest of the index selects
        # (a write through a view, CopySlices, unless that view is self: IndexPutBackward0)
        target, advanced = _basic_view(self, idx)
        indices = [slice(None)] * (max(d for d, _ in advanced) + 1)
        for d, t in advanced:
            indices[d] = t
        _index_put(target, tuple(indices), value, False, not _mask_fill(index, value))
    elif all(isinstance(i, slice) and _whole(i, self.shape[d]) for d, i in enumerate(idx)):
        _set_whole(self, value)  # x[...] = v, x[:] = v, x[()] = v, x[0:n] = v
    else:
        dst = getitem(self, index)
        copy_into(dst, value, _copied_as_is(dst, value))


def _whole(i, size):
    """Whether slice i selects the whole of a dim of `size` (start 0, stop at or past the end, step 1)."""
    return ((i.start is None or _int(i.start) == 0) and (i.stop is None or _int(i.stop) >= size)
            and (i.step is None or _int(i.step) == 1))


def _copied_as_is(dst, value):
    """Whether PyTorch's x[i] = v copies v as it is (and so checks it against x for overlap): not when
    it fills from a 0-d tensor or copies v broadcast (an expanded tensor, never checked)."""
    if not is_tensor(value):
        return False
    if tuple(value.shape) == tuple(dst.shape):
        return True
    return value.ndim > 0 and value.numel() == dst.numel()


def _set_whole(self, value):
    """Write every element, as PyTorch: a fill (FillBackward3) for a number or 0-d tensor into a tensor
    with dims, else a copy (CopyBackwards)."""
    from .convert import FILL_TENSOR
    from .._creation import tensor
    from .._dispatch import record_node

    if not is_tensor(value):
        value = tensor(value, dtype=self.dtype)
    check_inplace(self)
    if self.ndim and value.ndim == 0:
        return write_result(self, record_node(FILL_TENSOR, (self._input_node(), value._input_node()),
                                              (self.dtype.np,)))
    return copy_into(self, value, _copied_as_is(self, value))


def _mask_fill(index, value):
    """Whether PyTorch's x[index] = value is a masked_fill_ (which has no overlap check): one boolean
    mask (besides slices and Ellipsis) and a one-element tensor value."""
    if not is_tensor(value) or value.numel() != 1:
        return False
    items = index
    masks = [i for i in items if is_tensor(i)]
    return len(masks) == 1 and masks[0].dtype is _dtype.bool_ and all(
        is_tensor(i) or isinstance(i, slice) and i == slice(None) or i is Ellipsis for i in items)


@export("index_put_", function=False)
def index_put_(self, indices, values, accumulate=False):
    check = accumulate or not _mask_fill(tuple(indices), values)
    if any(_is_mask(i) and i.ndim for i in indices):  # boolean masks as the positions they select
        _check_masks(self, tuple(indices))
        indices = _expand_index(self, tuple(indices))
    return _index_put(self, indices, values, accumulate, check)


def _index_put(self, indices, values, accumulate, check_overlap):
    check_inplace(self)
    values = operand(values)
    if check_overlap and is_tensor(values):
        check_write(self, values, any_overlap=True)  # PyTorch refuses values sharing any memory with self
    dim, spec, tensors = 0, [], []
    for i in indices:
        if i is None:
            raise IndexError("None is not supported in index assignment by facade")
        if isinstance(i, slice):
            spec.append(_freeze(i))
        elif is_tensor(i) and (i.ndim > 0 or i.dtype.category >= 2):
            spec.append("t")
            tensors.append((dim, i))
        else:
            spec.append(_int(i))
        dim += 1
    _check_bounds(self, tensors)
    from .._dispatch import record_node

    check_fits(values, self.dtype)
    args = (self._input_node(), values._input_node() if is_tensor(values) else _scalar(values)) + tuple(t._input_node() for _, t in tensors)
    node = record_node(INDEX_PUT, args, (tuple(spec), bool(accumulate), self.dtype.np))
    return write_result(self, node)


def _scalar(v):
    from .._dispatch import scalar_node

    return scalar_node(v)


@export("index_put", function=True)
def index_put(input, indices, values, accumulate=False):
    return index_put_(input.clone(), indices, values, accumulate)


# ---- gather / scatter / index_select / masked ------------------------------------------
GATHER = defop("gather", lambda x, i, d: _gather(x, i, d), grad_fn="GatherBackward0", saves="in")


def _gather(x, idx, d):
    """out[i][j] = x[idx[i][j]][j] (d = 0); idx may be smaller than x in the other dims."""
    x = x[tuple(slice(0, s) if k != d else slice(None) for k, s in enumerate(idx.shape))]
    return jnp.take_along_axis(x, idx, axis=d)
INDEX_SELECT = defop("index_select", lambda x, i, d: jnp.take(x, i, axis=d), grad_fn="IndexSelectBackward0", saves="in")
MASKED_FILL = defop("masked_fill", lambda x, m, v, dt: jnp.where(m, jnp.asarray(v).astype(dt) if not hasattr(v, "astype") else v.astype(dt), x),
                    grad_fn="MaskedFillBackward0", saves=False)


def _scatter_impl(x, idx, src, d, reduce, dt):
    x = jnp.asarray(x)  # a leaf's value may be a numpy array, which has no .at
    src = src.astype(dt) if hasattr(src, "astype") else jnp.asarray(src, dt)
    src = jnp.broadcast_to(src, idx.shape)
    grid = list(jnp.meshgrid(*[jnp.arange(s) for s in idx.shape], indexing="ij"))
    grid[d] = idx
    key = tuple(grid)
    if reduce is None:
        return set_at(x, key, src)
    if reduce in ("add", "sum"):
        return x.at[key].add(src)
    if reduce in ("multiply", "prod"):
        return x.at[key].multiply(src)
    if reduce == "amax":
        return x.at[key].max(src)
    if reduce == "amin":
        return x.at[key].min(src)
    raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")


SCATTER = defop("scatter", _scatter_impl, saves=False,
                grad_fn=lambda n: "ScatterAddBackward0" if n.statics[1] == "add" else ("ScatterBackward1" if n.args[2].op.name == "scalar" else "ScatterBackward0"))


def _check_index(index, name="gather"):
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")


def _check_gather_index(input, index, d):
    """PyTorch's checks: index no larger than input apart from dim d, values in [0, size)."""
    for k, (i, s) in enumerate(zip(index.shape, input.shape)):
        if k != d and i > s:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be no "
                               f"larger than self {list(input.shape)} apart from dimension {d}")
    size = input.shape[d] if input.ndim else 1
    r = index_range(index)
    if not r or (r[0] >= 0 and r[1] < size):
        return
    values = np.asarray(index._value())
    bad = values[(values < 0) | (values >= size)]
    if bad.size:
        raise RuntimeError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension {d} with size {size}")


@export("gather")
def gather(input, dim, index, *, sparse_grad=False):
    _check_index(index)
    d = wrap_dim(dim, input.ndim)
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    _check_gather_index(input, index, d)
    return record(GATHER, (input, index), (d,))


@export("index_select")
def index_select(input, dim, index):
    if index.dtype.category != 1:
        raise RuntimeError("index_select(): Expected dtype int32/int64 for index")
    d = wrap_dim(dim, input.ndim) if input.ndim else 0
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    return record(INDEX_SELECT, (input, index.reshape(-1) if index.ndim == 0 else index), (d,))


def _scatter(input, dim, index, src=None, value=None, reduce=None):
    _check_index(index, "scatter")
    d = wrap_dim(dim, input.ndim)
    s = src if src is not None else value
    s = operand(s)
    return record(SCATTER, (input, index, s), (d, reduce, input.dtype.np))


@export("scatter", inplace_names=())
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    if src is not None and not is_tensor(src):
        value, src = src, None
    return _scatter(input, dim, index, src, value, reduce)


@export("scatter_add")
def scatter_add(input, dim, index, src):
    return _scatter(input, dim, index, src, None, "add")


def _inplace_of(fn, check_overlap=False):
    def method(self, *args, **kwargs):
        check_inplace(self)
        if check_overlap:  # scatter_ and scatter_add_ refuse a src that shares any memory with self
            check_args(self, args, kwargs, any_overlap=True)
        return write_result(self, fn(self, *args, **kwargs)._storage.node)

    return method


from .frontend import METHODS  # noqa: E402

METHODS["scatter_"] = _inplace_of(scatter, True)
METHODS["scatter_add_"] = _inplace_of(scatter_add, True)


@export("masked_fill")
def masked_fill(input, mask, value):
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {cpp_name(mask.dtype)}")
    if is_tensor(value) and value.ndim != 0:
        raise RuntimeError(
            f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
        )
    check_broadcast(mask, input)
    value = operand(value)
    check_fits(value, input.dtype)
    return record(MASKED_FILL, (input, mask, value), (input.dtype.np,))


METHODS["masked_fill_"] = _inplace_of(masked_fill)


@export("masked_select")
def masked_select(input, mask):
    from .._creation import tensor

    if mask.dtype is not _dtype.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast_shape(tuple(mask.shape), tuple(input.shape))
    # the result's length depends on the mask's values: read them, as PyTorch does
    flat = np.broadcast_to(to_numpy(mask._value()), shape).reshape(-1)
    positions = tensor(np.nonzero(flat)[0].astype(np.int64))
    return record(MASKED_SELECT, (input, positions), (shape,))


def _broadcast_shape(a, b):
    """np.broadcast_shapes with PyTorch's error."""
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and 1 not in (a[-i], b[-i]):
            raise RuntimeError(f"The size of tensor a ({a[-i]}) must match the size of tensor b ({b[-i]}) at "
                               f"non-singleton dimension {max(len(a), len(b)) - i}")
    return np.broadcast_shapes(a, b)


MASKED_SELECT = defop("masked_select", lambda x, pos, shape: jnp.broadcast_to(x, shape).reshape(-1)[pos],
                      grad_fn="MaskedSelectBackward0", saves=False)


NONZERO_NOTE = "nonzero reads the values: the result's shape depends on them"


@export("nonzero")
def nonzero(input, *, as_tuple=False):
    from .._creation import tensor

    v = to_numpy(input._value())
    nz = np.nonzero(v.reshape(input.shape) if input.ndim else np.atleast_1d(v))
    if as_tuple:
        return tuple(tensor(a.astype(np.int64)) for a in nz)
    return tensor(np.stack(nz, axis=1).astype(np.int64) if nz else np.zeros((0, 0), np.int64))


@export("argwhere")
def argwhere(input):
    return nonzero(input)


from . import indexing_more  # noqa: E402,F401 - index_add / copy / fill, masked_scatter, scatter_reduce, take, ...
