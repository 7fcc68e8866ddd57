"""Op specs for the view-derived ops of facade/_ops/view_scatter_ops.py (see _op_specs.py for the format):
Tensor.unfold, the *_scatter functions (a view's positions written with src), the *_copy functions (a
view's values in fresh storage), the unsafe splits, fill_diagonal_ and put.

Each numpy reference is written from the view it derives from: numpy indexing, np.diagonal,
sliding_window_view, or the flat positions of torch's as_strided(size, stride, storage_offset).
"""
import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array, binary, shape_of, unary
from ._op_specs import ALL, NUM, spec
from .strategies import dims

_AS_STRIDED_GRAD = ("PyTorch 2.13 (CPU) gives as_strided_scatter's input the output's gradient at the positions src "
                    "wrote; facade gives the function's derivative (zero there, the output's gradient elsewhere): "
                    "tests/ops/test_view_scatter.py::test_as_strided_scatter checks facade's in closed form")


def _axis(d, ndim):
    return d % max(ndim, 1)


def _x(draw, dtype, limits, smooth, min_dims=1):
    return array(draw, dtype, shape_of(draw, limits, min_dims=min_dims), REAL, smooth)


# ---- Tensor.unfold / unfold_copy ----------------------------------------------------------------
def _unfold_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth, min_dims=0)
    d = draw(dims(x.shape))
    n = x.shape[_axis(d, x.ndim)] if x.ndim else 1
    return (x,), {"dimension": d, "size": draw(st.integers(1, n)), "step": draw(st.integers(1, 3))}


def _unfold_ref(x, dimension, size, step):
    if x.ndim == 0:
        return x.reshape(1)
    d = _axis(dimension, x.ndim)
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=d)
    return windows[(slice(None),) * d + (slice(None, None, step),)].copy()


spec("unfold", lambda T, x, dimension, size, step: x.unfold(dimension, size, step), _unfold_args, _unfold_ref,
     dtypes=ALL)
spec("unfold_copy", lambda T, x, dimension, size, step: T.unfold_copy(x, dimension, size, step), _unfold_args,
     _unfold_ref)


# ---- slices, selects, diagonals: the views and their scatters ---------------------------------------
def _slice_kw(draw, shape):
    d = draw(dims(shape))
    n = shape[_axis(d, len(shape))]
    start = draw(st.integers(0, n - 1))
    end = draw(st.integers(start + 1, n))
    if draw(st.booleans()):  # the same slice with negative bounds
        start, end = start - n, (end - n if end < n else end)
    return {"dim": d, "start": start, "end": end, "step": draw(st.integers(1, 3))}


def _slice_index(ndim, dim, start, end, step):
    return (slice(None),) * _axis(dim, ndim) + (slice(start, end, step),)


def _slice_args(scatter):
    def build(draw, dtype, limits, smooth):
        x = _x(draw, dtype, limits, smooth)
        kw = _slice_kw(draw, x.shape)
        if not scatter:
            return (x,), kw
        src = array(draw, dtype, x[_slice_index(x.ndim, **kw)].shape, REAL, smooth)
        return (x, src), kw

    return build


def _slice_scatter_ref(x, src, **kw):
    out = x.copy()
    out[_slice_index(x.ndim, **kw)] = src
    return out


spec("slice_scatter", lambda T, x, src, **kw: T.slice_scatter(x, src, **kw), _slice_args(True), _slice_scatter_ref,
     dtypes=NUM)
spec("slice_copy", lambda T, x, **kw: T.slice_copy(x, **kw), _slice_args(False),
     lambda x, **kw: x[_slice_index(x.ndim, **kw)].copy())


def _narrow_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth)
    d = draw(dims(x.shape))
    n = x.shape[_axis(d, x.ndim)]
    # start >= 0: with a negative start PyTorch 2.13's NarrowCopyBackward0 gives a zero gradient (facade gives the
    # derivative: tests/ops/test_view_scatter.py::test_narrow_copy_gradient_with_a_negative_start)
    start = draw(st.integers(0, n - 1))
    return (x,), {"dim": d, "start": start, "length": draw(st.integers(0, n - start))}


def _narrow_ref(x, dim, start, length):
    return x[_slice_index(x.ndim, dim, start, start + length, 1)].copy()


spec("narrow_copy", lambda T, x, dim, start, length: T.narrow_copy(x, dim, start, length), _narrow_args, _narrow_ref)


def _select_args(scatter):
    def build(draw, dtype, limits, smooth):
        x = _x(draw, dtype, limits, smooth)
        d = draw(dims(x.shape))
        n = x.shape[_axis(d, x.ndim)]
        kw = {"dim": d, "index": draw(st.integers(-n, n - 1))}
        if not scatter:
            return (x,), kw
        a = _axis(d, x.ndim)
        return (x, array(draw, dtype, x.shape[:a] + x.shape[a + 1:], REAL, smooth)), kw

    return build


def _select_index(ndim, dim, index):
    return (slice(None),) * _axis(dim, ndim) + (index,)


def _select_scatter_ref(x, src, dim, index):
    out = x.copy()
    out[_select_index(x.ndim, dim, index)] = src
    return out


spec("select_scatter", lambda T, x, src, dim, index: T.select_scatter(x, src, dim, index), _select_args(True),
     _select_scatter_ref, dtypes=NUM)
spec("select_copy", lambda T, x, dim, index: T.select_copy(x, dim, index), _select_args(False),
     lambda x, dim, index: np.array(x[_select_index(x.ndim, dim, index)]))


def _diagonal_kw(draw, shape):
    dim1, dim2 = draw(st.lists(dims(shape), min_size=2, max_size=2, unique_by=lambda d: d % len(shape)))
    rows, cols = shape[dim1 % len(shape)], shape[dim2 % len(shape)]
    return {"offset": draw(st.integers(-rows, cols)), "dim1": dim1, "dim2": dim2}


def _diagonal_positions(shape, offset, dim1, dim2):
    """The flat positions torch.diagonal reads, in its output's order (the diagonal last, as np.diagonal)."""
    return np.diagonal(np.arange(int(np.prod(shape))).reshape(shape), offset, dim1 % len(shape), dim2 % len(shape))


def _diagonal_args(scatter):
    def build(draw, dtype, limits, smooth):
        x = _x(draw, dtype, limits, smooth, min_dims=2)
        kw = _diagonal_kw(draw, x.shape)
        if not scatter:
            return (x,), kw
        return (x, array(draw, dtype, _diagonal_positions(x.shape, **kw).shape, REAL, smooth)), kw

    return build


def _diagonal_scatter_ref(x, src, **kw):
    out = x.copy().reshape(-1)
    out[_diagonal_positions(x.shape, **kw)] = src
    return out.reshape(x.shape)


spec("diagonal_scatter", lambda T, x, src, **kw: T.diagonal_scatter(x, src, **kw), _diagonal_args(True),
     _diagonal_scatter_ref, dtypes=NUM)
spec("diagonal_copy", lambda T, x, **kw: T.diagonal_copy(x, **kw), _diagonal_args(False),
     lambda x, **kw: x.reshape(-1)[_diagonal_positions(x.shape, **kw)])


# ---- as_strided_scatter / as_strided_copy -----------------------------------------------------------
def _strided_positions(size, stride, storage_offset):
    grids = np.meshgrid(*[np.arange(n) * s for n, s in zip(size, stride)], indexing="ij")
    return storage_offset + sum(grids, np.zeros(size, np.int64))


def _as_strided_args(scatter):
    """size / stride / storage_offset inside x's storage; a scatter's positions are distinct (with
    repeated ones, which write wins is unspecified in PyTorch)."""
    def build(draw, dtype, limits, smooth):
        x = _x(draw, dtype, limits, smooth)
        size = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
        stride = tuple(draw(st.integers(0 if not scatter else 1, 4)) for _ in size)
        span = sum((n - 1) * s for n, s in zip(size, stride))
        offset = draw(st.integers(0, max(x.size - 1 - span, 0)))
        positions = _strided_positions(size, stride, offset)
        if positions.max(initial=0) >= x.size or (scatter and len(np.unique(positions)) != positions.size):
            size, stride, offset = (1,), (1,), 0
        kw = {"size": size, "stride": stride, "storage_offset": offset}
        if not scatter:
            return (x,), kw
        return (x, array(draw, dtype, size, REAL, smooth)), kw

    return build


def _as_strided_scatter_ref(x, src, size, stride, storage_offset):
    out = x.copy().reshape(-1)
    out[_strided_positions(size, stride, storage_offset)] = src
    return out.reshape(x.shape)


spec("as_strided_scatter", lambda T, x, src, **kw: T.as_strided_scatter(x, src, **kw), _as_strided_args(True),
     _as_strided_scatter_ref, xfail=(("torch", _AS_STRIDED_GRAD), ("saves", _AS_STRIDED_GRAD)))
spec("as_strided_copy", lambda T, x, **kw: T.as_strided_copy(x, **kw), _as_strided_args(False),
     lambda x, size, stride, storage_offset: x.reshape(-1)[_strided_positions(size, stride, storage_offset)])


# ---- reshapes and permutations -------------------------------------------------------------------
def _view_shape_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth, min_dims=0)
    options = [(x.size,), (-1,), tuple(reversed(x.shape)), (1,) + x.shape, (x.size, 1) if x.size else (0,)]
    return (x,), {"size": draw(st.sampled_from(options))}


spec("view_copy", lambda T, x, size: T.view_copy(x, size), _view_shape_args, lambda x, size: x.reshape(size).copy(),
     dtypes=ALL)


def _permute_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth, min_dims=0)
    perm = draw(st.permutations(range(x.ndim)))
    return (x,), {"dims": tuple(p - x.ndim if draw(st.booleans()) else p for p in perm)}


spec("permute_copy", lambda T, x, dims: T.permute_copy(x, dims), _permute_args,
     lambda x, dims: np.transpose(x, [d % x.ndim for d in dims]).copy())


def _transpose_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth, min_dims=0)
    return (x,), {"dim0": draw(dims(x.shape)), "dim1": draw(dims(x.shape))}


def _transpose_ref(x, dim0, dim1):
    return x.copy() if x.ndim == 0 else np.swapaxes(x, _axis(dim0, x.ndim), _axis(dim1, x.ndim)).copy()


spec("transpose_copy", lambda T, x, dim0, dim1: T.transpose_copy(x, dim0, dim1), _transpose_args, _transpose_ref)


def _t_args(draw, dtype, limits, smooth):
    return (array(draw, dtype, shape_of(draw, limits, max_dims=2), REAL, smooth),), {}


spec("t_copy", lambda T, x: T.t_copy(x), _t_args, lambda x: x.T.copy(), dtypes=ALL)


def _squeeze_args(draw, dtype, limits, smooth):
    shape = list(shape_of(draw, limits, min_dims=0))
    for _ in range(draw(st.integers(0, 2))):
        shape.insert(draw(st.integers(0, len(shape))), 1)
    x = array(draw, dtype, tuple(shape), REAL, smooth)
    return (x,), ({"dim": draw(dims(x.shape))} if draw(st.booleans()) else {})


def _squeeze_ref(x, dim=None):
    if dim is None:
        return np.squeeze(x)
    d = _axis(dim, x.ndim)
    return np.squeeze(x, d) if x.ndim and x.shape[d] == 1 else x.copy()


spec("squeeze_copy", lambda T, x, **kw: T.squeeze_copy(x, **kw), _squeeze_args, _squeeze_ref)


def _unsqueeze_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth, min_dims=0)
    return (x,), {"dim": draw(st.integers(-x.ndim - 1, x.ndim))}


spec("unsqueeze_copy", lambda T, x, dim: T.unsqueeze_copy(x, dim), _unsqueeze_args,
     lambda x, dim: np.expand_dims(x, dim % (x.ndim + 1)))


def _expand_args(draw, dtype, limits, smooth):
    shape = tuple(1 if draw(st.booleans()) else n for n in shape_of(draw, limits, min_dims=0))
    x = array(draw, dtype, shape, REAL, smooth)
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=1)))
    size = lead + tuple(draw(st.sampled_from([-1, n])) if n != 1 else draw(st.sampled_from([-1, 1, 2, 3]))
                        for n in shape)
    return (x,), {"size": size}


def _expand_ref(x, size):
    lead = len(size) - x.ndim
    target = size[:lead] + tuple(x.shape[i] if s == -1 else s for i, s in enumerate(size[lead:]))
    return np.broadcast_to(x, target).copy()


spec("expand_copy", lambda T, x, size: T.expand_copy(x, size), _expand_args, _expand_ref, dtypes=ALL)
spec("alias_copy", lambda T, x: T.alias_copy(x), unary(), lambda x: x.copy(), dtypes=ALL)


# ---- splits --------------------------------------------------------------------------------------
def _dim_of(draw, x):
    d = draw(dims(x.shape))
    return d, x.shape[_axis(d, x.ndim)]


def _split_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth)
    d, n = _dim_of(draw, x)
    return (x,), {"split_size": draw(st.integers(1, n + 1)), "dim": d}


def _sizes_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth)
    d, n = _dim_of(draw, x)
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    return (x,), {"split_sizes": [b - a for a, b in zip([0] + cuts, cuts + [n])], "dim": d}


def _split_ref(x, split_size, dim):
    d = _axis(dim, x.ndim)
    return tuple(np.split(x, range(split_size, x.shape[d], split_size), axis=d))


def _sizes_ref(x, split_sizes, dim):
    return tuple(np.split(x, np.cumsum(split_sizes)[:-1], axis=_axis(dim, x.ndim)))


def _unbind_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth)
    return (x,), {"dim": draw(dims(x.shape))}


spec("split_copy", lambda T, x, split_size, dim: T.split_copy(x, split_size, dim), _split_args, _split_ref)
spec("unsafe_split", lambda T, x, split_size, dim: T.unsafe_split(x, split_size, dim), _split_args, _split_ref)
spec("split_with_sizes_copy", lambda T, x, split_sizes, dim: T.split_with_sizes_copy(x, split_sizes, dim), _sizes_args,
     _sizes_ref)
spec("unsafe_split_with_sizes", lambda T, x, split_sizes, dim: T.unsafe_split_with_sizes(x, split_sizes, dim),
     _sizes_args, _sizes_ref)
spec("unbind_copy", lambda T, x, dim: T.unbind_copy(x, dim), _unbind_args,
     lambda x, dim: tuple(np.moveaxis(x, _axis(dim, x.ndim), 0)))


# ---- fill_diagonal_ and put --------------------------------------------------------------------------
def _fill_diagonal_args(draw, dtype, limits, smooth):
    ndim = draw(st.integers(2, 3))
    if ndim == 3:
        shape = (draw(st.integers(1, limits["max_side"])),) * 3
    else:
        shape = (draw(st.integers(1, 7)), draw(st.integers(1, limits["max_side"])))
    value = int(draw(st.integers(-5, 5))) if dtype.category < 2 else draw(st.sampled_from([2.5, -1.0, 0.0]))
    return (array(draw, dtype, shape, REAL, smooth),), {"fill_value": value, "wrap": draw(st.booleans())}


def _fill_diagonal_ref(x, fill_value, wrap):
    out = x.copy()
    np.fill_diagonal(out, fill_value, wrap=wrap)
    return out


spec("fill_diagonal_", lambda T, x, fill_value, wrap: (x * 1).fill_diagonal_(fill_value, wrap), _fill_diagonal_args,
     _fill_diagonal_ref, dtypes=NUM)


def _put_args(draw, dtype, limits, smooth):
    x = _x(draw, dtype, limits, smooth, min_dims=0)
    accumulate = draw(st.booleans())
    n = draw(st.integers(0, x.size if not accumulate else 2 * limits["max_side"]))
    flat = draw(st.lists(st.integers(0, x.size - 1), min_size=n, max_size=n, unique=not accumulate))
    index = np.array([i - x.size if draw(st.booleans()) else i for i in flat], np.int64)
    index = index.reshape(draw(st.sampled_from([(n,), (1, n)])))
    source = array(draw, dtype, draw(st.sampled_from([(n,), (n, 1)])), REAL, smooth)
    return (x, index, source), {"accumulate": accumulate}


def _put_ref(x, index, source, accumulate):
    out = x.copy().reshape(-1)
    positions = index.reshape(-1) % max(x.size, 1)
    if accumulate:
        np.add.at(out, positions, source.reshape(-1))
    else:
        out[positions] = source.reshape(-1)
    return out.reshape(x.shape)


spec("put", lambda T, x, index, source, accumulate: T.put(x, index, source, accumulate), _put_args, _put_ref,
     dtypes=NUM, inplace="put_")


# ---- complex views' copies: built from real tensors, read back as real numbers (as _complex_specs.py) ----
spec("view_as_real_copy", lambda T, a, b: T.view_as_real_copy(T.complex(a, b) * 2j), binary(same_shape=True),
     lambda a, b: np.stack([-2 * b, 2 * a], axis=-1))
spec("view_as_complex_copy", lambda T, a, b: (T.view_as_complex_copy(T.stack([a, b], -1)) * 2j).real, binary(same_shape=True),
     lambda a, b: -2 * b, differentiable=False)  # PyTorch raises for an input that requires grad (as facade)
