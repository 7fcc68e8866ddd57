"""Ops built from the view ops: Tensor.unfold (a view), the *_scatter functions (slice, select,
diagonal, as_strided), the *_copy functions, unsafe_split / unsafe_chunk / unsafe_split_with_sizes,
split_with_sizes, narrow_copy, fill_diagonal_ and put / put_.

The scatter ops write `src` at the positions a view op selects. The positions come from running
the view op's own impl on an index array (as `_views._positions` does for writes through views),
so no view op needs a hand-written inverse, and JAX's gradient of the scatter is PyTorch's: the
overwritten positions of `input` get zero, `src` gets the gradient at its positions.

A *_copy function (PyTorch's "view_copy" family) is the view op's value as a new tensor: the same
impl declared once more as a copy op, under PyTorch's grad_fn name for it ("ViewBackward0_copy").
The view's frontend is called for its argument checks and statics, so each copy is derived from
its view in one place (`_copy_of`); unsafe_split & co. are the same split pieces as copies.
"""
import jax.numpy as jnp
import numpy as np

from .._dispatch import finish, record, record_node
from .._grad_mode import STATE as _GRAD
from .._overlap import check_args
from .._views import make_view
from .frontend import FUNCTIONS, METHODS, check_inplace, export, set_at, type_name, wrap_dim, write_result
from .table import OPS, defop


# ---- unfold ------------------------------------------------------------------------------
def _unfold(x, d, size, step):
    if x.ndim == 0:
        return jnp.reshape(x, (size,))
    n = (x.shape[d] - size) // step + 1
    idx = (np.arange(n)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
    y = jnp.take(x, idx, axis=d)
    y = jnp.reshape(y, x.shape[:d] + (n, size) + x.shape[d + 1:])
    return jnp.moveaxis(y, d + 1, -1)


UNFOLD = defop("unfold", _unfold, grad_fn="UnfoldBackward0", saves=False, view=True)


@export("unfold", function=False)
def unfold(self, dimension, size, step):
    d = wrap_dim(dimension, self.ndim)
    have = self.shape[d] if self.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > have:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {have} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return make_view(self, UNFOLD, (d, int(size), int(step)))


# ---- *_scatter -----------------------------------------------------------------------------
def _positions(shape, view_op, statics):
    size = int(np.prod(shape))
    return view_op.impl(jnp.arange(size, dtype=jnp.int64).reshape(shape), *statics)


def _scatter_impl(view_name):
    def impl(x, src, *statics):
        pos = _positions(x.shape, OPS[view_name], statics).reshape(-1)
        return x.reshape(-1).at[pos].set(src.astype(x.dtype).reshape(-1)).reshape(x.shape)

    return impl


SLICE_SCATTER = defop("slice_scatter", _scatter_impl("slice"), grad_fn="SliceScatterBackward0", saves=False)
SELECT_SCATTER = defop("select_scatter", _scatter_impl("select"), grad_fn="SelectScatterBackward0", saves=False)
DIAGONAL_SCATTER = defop("diagonal_scatter", _scatter_impl("diagonal"), grad_fn="DiagonalScatterBackward0", saves=False)
AS_STRIDED_SCATTER = defop("as_strided_scatter", _scatter_impl("as_strided"), grad_fn="AsStridedScatterBackward0",
                           saves=False)


def _scatter(op, input, src, view):
    """Record `op` writing src where `view` (the view the frontend made of input) lies."""
    if tuple(src.shape) != tuple(view.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(view.shape)}")
    return record(op, (input, src), view._view[1][-1][1])


@export("slice_scatter")
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    from .shape import slice_dim

    d = wrap_dim(dim, input.ndim)
    return _scatter(SLICE_SCATTER, input, src, slice_dim(input.detach(), d, start, end, step))


@export("select_scatter")
def select_scatter(input, src, dim, index):
    return _scatter(SELECT_SCATTER, input, src, METHODS["select"](input.detach(), dim, index))


@export("diagonal_scatter")
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    return _scatter(DIAGONAL_SCATTER, input, src, METHODS["diagonal"](input.detach(), offset, dim1, dim2))


@export("as_strided_scatter")
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """Positions count in input's row-major order (as PyTorch's for a contiguous input)."""
    flat = input.detach().clone()
    return _scatter(AS_STRIDED_SCATTER, input, src, METHODS["as_strided"](flat, size, stride, storage_offset or 0))


# ---- *_copy and unsafe splits ----------------------------------------------------------------
def _renamed(view_op, suffix, prefix=""):
    g = view_op.grad_fn
    if isinstance(g, str):
        name = prefix + g + suffix
        return name
    return lambda n: prefix + g(n) + suffix


def _declare(view_name, name, grad_fn):
    return defop(name, OPS[view_name].impl, grad_fn=grad_fn, saves=False)


_COPIES = {n: _declare(n, n + "_copy", _renamed(OPS[n], "_copy")) for n in (
    "view", "permute", "transpose", "squeeze", "unsqueeze", "expand", "t", "diagonal", "select", "slice", "unbind",
    "split", "split_with_sizes", "alias", "as_strided", "unfold", "view_as_real", "view_as_complex")}
_UNSAFE = {
    "split": _declare("split", "unsafe_split", "UnsafeSplitBackward0"),
    "split_with_sizes": _declare("split_with_sizes", "unsafe_split_with_sizes", "UnsafeSplitWithSizesBackward0"),
}


def _copy_of(views, table):
    """The view(s) a view frontend returned, each recorded again as its copy op in `table`."""
    if isinstance(views, (tuple, list)):
        return tuple(_copy_of(v, table) for v in views)
    node = views._node()
    op = table[node.op.name]
    return finish(op, record_node(op, node.args, node.statics), (), ())


def _copy_function(view_fn, table=_COPIES):
    def fn(*args, **kwargs):
        return _copy_of(view_fn(*args, **kwargs), table)

    return fn


for _name, _view in (("view_copy", "view"), ("permute_copy", "permute"), ("transpose_copy", "transpose"),
                     ("squeeze_copy", "squeeze"), ("unsqueeze_copy", "unsqueeze"), ("expand_copy", "expand"),
                     ("t_copy", "t"), ("diagonal_copy", "diagonal"), ("select_copy", "select"),
                     ("unbind_copy", "unbind"), ("split_copy", "split"),
                     ("as_strided_copy", "as_strided"), ("unfold_copy", "unfold")):
    export(_name, method=False)(_copy_function(METHODS[_view]))


@export("split_with_sizes")
def split_with_sizes(input, split_sizes, dim=0):
    return METHODS["split"](input, list(split_sizes), dim)


FUNCTIONS["split_with_sizes_copy"] = _copy_function(split_with_sizes)


@export("slice_copy", method=False)
def slice_copy(input, dim=0, start=None, end=None, step=1):
    from .shape import slice_dim

    return _copy_of(slice_dim(input, wrap_dim(dim, input.ndim), start, end, step), _COPIES)


@export("alias_copy", method=False)
def alias_copy(input):
    from .shape import ALIAS

    return _copy_of(make_view(input, ALIAS, ()), _COPIES)


@export("view_as_real_copy", method=False)
def view_as_real_copy(input):
    return _copy_of(FUNCTIONS["view_as_real"](input), _COPIES)


@export("view_as_complex_copy", method=False)
def view_as_complex_copy(input):
    if input.requires_grad and _GRAD[0]:  # as PyTorch 2.13: its copy has no complex-output derivative
        raise RuntimeError("view_as_complex_copy does not support automatic differentiation for outputs with complex dtype.")
    return _copy_of(FUNCTIONS["view_as_complex"](input), _COPIES)


@export("detach_copy", method=False)
def detach_copy(input):
    """A copy outside the graph (PyTorch's result claims requires_grad but has no usable grad_fn)."""
    return input.detach().clone()


@export("unsafe_split")
def unsafe_split(input, split_size, dim=0):
    return _copy_of(METHODS["split"](input, split_size, dim), _UNSAFE)


@export("unsafe_split_with_sizes")
def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return _copy_of(METHODS["split"](input, list(split_sizes), dim), _UNSAFE)


@export("unsafe_chunk")
def unsafe_chunk(input, chunks, dim=0):
    return _copy_of(METHODS["chunk"](input, chunks, dim), _UNSAFE)


NARROW_COPY = _declare("slice", "narrow_copy", "NarrowCopyBackward0")


@export("narrow_copy")
def narrow_copy(input, dim, start, length):
    return _copy_of(METHODS["narrow"](input, dim, start, length), {"slice": NARROW_COPY})


# ---- fill_diagonal_ ------------------------------------------------------------------------
FILL_DIAGONAL = defop("fill_diagonal", lambda x, v, pos: x.reshape(-1).at[np.asarray(pos, np.int64)].set(
    jnp.asarray(v, x.dtype)).reshape(x.shape), grad_fn="CopySlices", saves=False)


@export("fill_diagonal_", function=False)
def fill_diagonal_(self, fill_value, wrap=False):
    if _GRAD[0] and self._rg and self._view is None:  # PyTorch fills a strided view of self
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    check_inplace(self)
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    n = min(shape)
    if len(shape) == 2:
        h, w = shape
        step = w + 1
        end = h * w if wrap and h > w + 1 else min(h, w) * w
        pos = tuple(range(0, end, step)) if n else ()
    else:
        step = sum(int(np.prod(shape[k + 1:])) for k in range(len(shape)))
        pos = tuple(i * step for i in range(n))
    return write_result(self, record(FILL_DIAGONAL, (self, fill_value), (pos,))._storage.node)


# ---- put / put_ --------------------------------------------------------------------------------
def _put(x, index, source, accumulate):
    flat = x.reshape(-1)
    idx = jnp.where(index < 0, index + flat.shape[0], index).reshape(-1)
    src = source.astype(x.dtype).reshape(-1)
    if accumulate:
        return flat.at[idx].add(src).reshape(x.shape)
    return set_at(flat, idx, src).reshape(x.shape)


PUT = defop("put", _put, grad_fn="PutBackward0", saves=False)


def _check_put(self, index, source):
    if index.dtype.name != "int64":
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {type_name(index.dtype)}")
    if self.dtype is not source.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{type_name(self.dtype)} and source.dtype = {type_name(source.dtype)}")
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    n = self.numel()
    if index.numel():
        from .._device import to_numpy

        bad = [int(i) for i in to_numpy(index.detach()._value()).reshape(-1) if not -n <= i < n]
        if bad:
            raise IndexError(f"out of range: tried to access index {bad[0]} on a tensor of {n} elements.")


@export("put")
def put(input, index, source, accumulate=False):
    _check_put(input, index, source)
    return record(PUT, (input, index, source), (bool(accumulate),))


@export("put_", function=False)
def put_(self, index, source, accumulate=False):
    check_inplace(self)
    check_args(self, (source,), {}, any_overlap=True)  # PyTorch refuses a source sharing any memory with self
    return write_result(self, put(self, index, source, accumulate)._storage.node)


# ---- torch.index_put_ -----------------------------------------------------------------------
FUNCTIONS["index_put_"] = METHODS["index_put_"]


