"""Op specs for more shape and indexing ops: meshgrid, splits, as_strided, index_add, take (see _op_specs.py)."""
import itertools

import numpy as np
from hypothesis import strategies as st

from .. import _dtype
from ._case_builders import BOOL, REAL, array, binary, index_array, shape_of, shaped, unary
from ._domains import Domain
from ._op_specs import ALL, NUM, SMALL_INTS, function, method, spec
from ._spec_helpers import INTS, _one
from .strategies import mutually_broadcastable_shapes


# ---- shape ops -----------------------------------------------------------------------------
def _vectors(count_min, count_max, max_side=None):
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(count_min, count_max))
        side = st.integers(1, max_side or limits["max_side"])
        return tuple(array(draw, dtype, (draw(side),), REAL, smooth) for _ in range(n)), {}

    return build


def _np_meshgrid(indexing):
    return lambda *vs: tuple(np.meshgrid(*vs, indexing=indexing))


spec("meshgrid", lambda T, *vs: T.meshgrid(*vs, indexing="ij"), _vectors(1, 3), _np_meshgrid("ij"), dtypes=NUM)
spec("meshgrid.xy", lambda T, *vs: T.meshgrid(vs, indexing="xy"), _vectors(2, 3), _np_meshgrid("xy"))


def _repeats(draw, shape):
    kw = {"repeats": _one(draw, [0, 1, 2, 3])}
    if shape and draw(st.booleans()):
        kw["dim"] = draw(st.integers(-len(shape), len(shape) - 1))
    return kw


def _np_repeat(x, repeats, dim=None):
    return np.repeat(x, repeats, axis=None if dim is None else dim % max(x.ndim, 1))


spec("repeat_interleave", lambda T, x, **kw: x.repeat_interleave(**kw), shaped(_repeats), _np_repeat, dtypes=ALL)


def _tensor_repeats(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    d = draw(st.integers(-len(shape), len(shape) - 1))
    reps = index_array(draw, (shape[d],), 3)
    return (array(draw, dtype, shape, REAL, smooth), reps), {"dim": d}


spec("repeat_interleave.tensor", lambda T, x, r, dim: T.repeat_interleave(x, r, dim=dim), _tensor_repeats,
     lambda x, r, dim: np.repeat(x, r, axis=dim))
spec("repeat_interleave.indices", lambda T, r: T.repeat_interleave(r), lambda draw, dtype, limits, smooth: (
    (index_array(draw, (draw(st.integers(0, 4)),), 3),), {}), lambda r: np.repeat(np.arange(r.shape[0]), r),
     dtypes=INTS, differentiable=False)
spec("broadcast_tensors", lambda T, a, b: T.broadcast_tensors(a, b), binary(), lambda a, b: tuple(np.broadcast_arrays(a, b)),
     dtypes=NUM)
spec("ravel", lambda T, x: x.mT.ravel() if x.ndim >= 2 else x.ravel(), shaped(lambda d, s: {}),
     lambda x: np.swapaxes(x, -1, -2).reshape(-1) if x.ndim >= 2 else x.reshape(-1), dtypes=ALL)


def _rot(draw, shape):
    d0, d1 = draw(st.permutations(range(len(shape))))[:2]
    return {"k": draw(st.integers(-5, 5)), "dims": [d0, d1 - len(shape) * draw(st.booleans())]}


spec("rot90", lambda T, x, k, dims: x.rot90(k, dims), shaped(_rot, min_dims=2), lambda x, k, dims: np.rot90(x, k, dims),
     dtypes=ALL)


def _same_shapes(min_dims, max_dims):
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=min_dims, max_dims=max_dims)
        n = draw(st.integers(1, 3))
        return tuple(array(draw, dtype, shape, REAL, smooth) for _ in range(n)), {}

    return build


spec("dstack", lambda T, *ts: T.dstack(ts), _same_shapes(0, 3), lambda *ts: np.dstack(ts), dtypes=NUM)
spec("column_stack", lambda T, *ts: T.column_stack(ts), _same_shapes(0, 2), lambda *ts: np.column_stack(ts), dtypes=NUM)
spec("atleast_3d", lambda T, x: T.atleast_3d(x), shaped(lambda d, s: {}), np.atleast_3d, dtypes=NUM)


def _sections(dim):
    def make(draw, shape):
        size = shape[dim if len(shape) > 1 or dim != 1 else 0]
        divisors = [k for k in range(1, size + 1) if size % k == 0]
        return {"sections": _one(draw, divisors + [[1], [0, 2]])}

    return make


def _np_split(fn):
    return lambda x, sections: tuple(fn(x, sections))


spec("hsplit", lambda T, x, sections: x.hsplit(sections), shaped(_sections(1), min_dims=1), _np_split(np.hsplit))
spec("vsplit", lambda T, x, sections: T.vsplit(x, sections), shaped(_sections(0), min_dims=2), _np_split(np.vsplit))
spec("dsplit", lambda T, x, sections: T.dsplit(x, sections), shaped(_sections(2), min_dims=3, max_dims=3),
     _np_split(np.dsplit))


def _blocks(draw, dtype, limits, smooth):
    n = draw(st.integers(1, 3))
    return tuple(array(draw, dtype, shape_of(draw, limits, max_dims=2), REAL, smooth) for _ in range(n)), {}


def _np_block_diag(*ts):
    import scipy.linalg

    return scipy.linalg.block_diag(*[np.atleast_2d(t) for t in ts])


spec("block_diag", lambda T, *ts: T.block_diag(*ts), _blocks, _np_block_diag, dtypes=NUM)


def _np_cartesian(*vs):
    if len(vs) == 1:
        return vs[0]
    return np.stack([g.reshape(-1) for g in np.meshgrid(*vs, indexing="ij")], 1)


spec("cartesian_prod", lambda T, *vs: T.cartesian_prod(*vs), _vectors(1, 3), _np_cartesian, dtypes=NUM)


def _comb_kw(draw, shape):
    return {"r": _one(draw, [1, 2, 3]), "with_replacement": draw(st.booleans())}


def _np_combinations(x, r, with_replacement):
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(x.shape[0]), r)), np.int64).reshape(-1, r)
    return x[idx]


spec("combinations", lambda T, x, **kw: T.combinations(x, **kw), shaped(_comb_kw, min_dims=1, max_dims=1),
     _np_combinations, dtypes=NUM)


def _np_vander(x, N=None, increasing=False):
    out = np.vander(x, N, increasing=increasing)
    return out.astype(np.int64) if x.dtype.kind in "biu" else out


spec("vander", lambda T, x, **kw: T.vander(x, **kw), shaped(lambda d, s: {"N": _one(d, [None, 1, 3]),
                                                                      "increasing": d(st.booleans())},
                                                          Domain(-2.0, 2.0), min_dims=1, max_dims=1),
     _np_vander, dtypes=NUM, differentiable=False)  # PyTorch 2.13's own backward of vander raises (its cumprod_)
spec("msort", method("msort"), unary(unique=True),
     lambda x: np.sort(x, axis=0) if x.ndim else x.copy(), dtypes=NUM)


def _strided(draw, shape):
    n = int(np.prod(shape))
    size = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    stride = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    need = sum((s - 1) * t for s, t in zip(size, stride)) + 1 if all(size) else 0
    return {"size": size, "stride": stride, "offset": draw(st.integers(0, max(n - need, 0)))} if need <= n else \
        {"size": (1,), "stride": (1,), "offset": 0}


def _np_as_strided(x, size, stride, offset):
    flat = x.reshape(-1)
    pos = offset + sum(np.arange(n).reshape([-1 if i == k else 1 for i in range(len(size))]) * s
                       for k, (n, s) in enumerate(zip(size, stride)))
    return flat[np.broadcast_to(pos, size)] if len(size) else flat[offset]


spec("as_strided", lambda T, x, size, stride, offset: x.as_strided(size, stride, offset), shaped(_strided),
     _np_as_strided, dtypes=NUM)
spec("as_strided.view", lambda T, x: x.mT.as_strided((2,), (2,)) if x.numel() >= 3 else x.as_strided((1,), (1,)),
     shaped(lambda d, s: {}, min_dims=2), lambda x: x.reshape(-1)[[0, 2]] if x.size >= 3 else x.reshape(-1)[:1])


def _tri_kw(draw, dtype, limits, smooth):
    return (), {"row": draw(st.integers(0, 4)), "col": draw(st.integers(0, 4)), "offset": draw(st.integers(-2, 2))}


spec("triu_indices", lambda T, **kw: T.triu_indices(**kw), _tri_kw,
     lambda row, col, offset: np.stack(np.triu_indices(row, offset, col)).reshape(2, -1), dtypes=INTS,
     differentiable=False)
spec("tril_indices", lambda T, **kw: T.tril_indices(**kw), _tri_kw,
     lambda row, col, offset: np.stack(np.tril_indices(row, offset, col)).reshape(2, -1), dtypes=INTS,
     differentiable=False)


def _unravel_args(draw, dtype, limits, smooth):
    shape = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(1, 3))))
    n = int(np.prod(shape))
    return (index_array(draw, shape_of(draw, limits), n),), {"shape": shape}


spec("unravel_index", lambda T, i, shape: T.unravel_index(i, shape), _unravel_args,
     lambda i, shape: np.unravel_index(i, shape), dtypes=INTS, differentiable=False)


# ---- indexing ops --------------------------------------------------------------------------
def _index_args(kind):
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=1)
        d = draw(st.integers(-len(shape), len(shape) - 1))
        size = shape[d]
        if kind == "copy":
            idx = np.array(draw(st.permutations(range(size)))[:draw(st.integers(0, size))], np.int64)
        else:
            idx = index_array(draw, (draw(st.integers(0, 4)),), size)
        src_shape = shape[:d % len(shape)] + (idx.shape[0],) + shape[d % len(shape) + 1:]
        arrays = (array(draw, dtype, shape, REAL, smooth), idx)
        if kind == "fill":
            return arrays, {"dim": d, "value": float(draw(REAL.elements(_dtype.float64))) if dtype.category >= 2 else 2}
        kw = {"dim": d}
        if kind == "add" and draw(st.booleans()):
            kw["alpha"] = 2 if dtype.category < 2 else 0.5
        return arrays + (array(draw, dtype, src_shape, REAL, smooth),), kw

    return build


def _np_index_add(x, idx, src, dim, alpha=1):
    out = np.moveaxis(x.copy(), dim, 0)
    np.add.at(out, idx, alpha * np.moveaxis(src, dim, 0))
    return np.moveaxis(out, 0, dim)


def _np_index_copy(x, idx, src, dim):
    out = np.moveaxis(x.copy(), dim, 0)
    out[idx] = np.moveaxis(src, dim, 0)
    return np.moveaxis(out, 0, dim)


def _np_index_fill(x, idx, dim, value):
    out = np.moveaxis(x.copy(), dim, 0)
    out[idx] = value
    return np.moveaxis(out, 0, dim)


spec("index_add", lambda T, x, i, s, **kw: x.index_add(kw.pop("dim"), i, s, **kw), _index_args("add"), _np_index_add,
     dtypes=NUM, inplace=None)
spec("index_add_.graph", lambda T, x, i, s, **kw: (x * 1).index_add_(kw.pop("dim"), i, s, **kw), _index_args("add"),
     _np_index_add)
spec("index_copy_.graph", lambda T, x, i, s, dim: (x * 1).index_copy_(dim, i, s), _index_args("copy"), _np_index_copy)
spec("index_copy", lambda T, x, i, s, dim: x.index_copy(dim, i, s), _index_args("copy"), _np_index_copy, dtypes=NUM)
spec("index_fill", lambda T, x, i, dim, value: x.index_fill(dim, i, value), _index_args("fill"), _np_index_fill,
     dtypes=NUM)
spec("index_fill.tensor", lambda T, x, i, dim, value: x.index_fill(dim, i, T.tensor(value, dtype=x.dtype)),
     _index_args("fill"), _np_index_fill)


def _masked_scatter_args(draw, dtype, limits, smooth):
    sx, sm = draw(mutually_broadcastable_shapes(2, max_dims=limits["max_dims"], max_side=limits["max_side"]))
    shape = np.broadcast_shapes(sx, sm)
    n = int(np.prod(shape))
    return (array(draw, dtype, sx, REAL, smooth), array(draw, BOOL, sm), array(draw, dtype, (n + draw(st.integers(0, 2)),),
                                                                                  REAL, smooth)), {}


def _np_masked_scatter(x, m, src):
    shape = np.broadcast_shapes(x.shape, m.shape)
    out = np.broadcast_to(x, shape).copy()
    mb = np.broadcast_to(m, shape)
    out[mb] = src[:int(mb.sum())]
    return out


spec("masked_scatter", lambda T, x, m, s: x.masked_scatter(m, s), _masked_scatter_args, _np_masked_scatter, dtypes=NUM)
spec("masked_scatter_.graph", lambda T, x, m, s: (x * 1).expand(np.broadcast_shapes(x.shape, m.shape)).clone()
     .masked_scatter_(m, s), _masked_scatter_args, _np_masked_scatter)


def _scatter_reduce_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    d = draw(st.integers(-len(shape), len(shape) - 1))
    k = d % len(shape)
    ishape = tuple(draw(st.integers(1, s)) if i != k else draw(st.integers(1, 4)) for i, s in enumerate(shape))
    dom = Domain(-3.0, 3.0, grid=0.5, offset=0.25)
    kw = {"dim": d, "reduce": _one(draw, list(_SR)), "include_self": draw(st.booleans())}
    return (array(draw, dtype, shape, dom, smooth), index_array(draw, ishape, shape[k]),
            array(draw, dtype, ishape, dom, smooth)), kw


_SR = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum, "mean": None}


def _np_scatter_reduce(x, idx, src, dim, reduce, include_self):
    xm = np.moveaxis(x, dim, -1)
    im, sm = np.moveaxis(idx, dim, -1), np.moveaxis(src, dim, -1)
    out = xm.copy()
    for pos in np.ndindex(*im.shape[:-1]):
        for t in range(xm.shape[-1]):
            vals = list(sm[pos][im[pos] == t])
            if not vals:
                continue
            if include_self:
                vals.append(xm[pos + (t,)])
            if reduce == "mean":
                r = np.sum(vals) / len(vals)
                out[pos + (t,)] = r // 1 if x.dtype.kind in "iu" else r
            else:
                out[pos + (t,)] = _SR[reduce].reduce(np.array(vals, x.dtype))
    return np.moveaxis(out, -1, dim)


spec("scatter_reduce", lambda T, x, i, s, **kw: x.scatter_reduce(kw.pop("dim"), i, s, **kw), _scatter_reduce_args,
     _np_scatter_reduce, dtypes=NUM, gradcheck=False)  # amax / amin tie on the grid: checked against torch instead
spec("scatter_reduce.smooth", lambda T, x, i, s, **kw: x.scatter_reduce(kw.pop("dim"), i, s, **kw),
     lambda draw, dtype, limits, smooth: _smooth_scatter(draw, dtype, limits, smooth), _np_scatter_reduce)


def _smooth_scatter(draw, dtype, limits, smooth):
    arrays, kw = _scatter_reduce_args(draw, dtype, limits, smooth)
    x, i, s = arrays
    n = x.size + s.size
    vals = np.linspace(0.5, 3.0, n).astype(dtype.np) * np.where(np.arange(n) % 2, -1, 1).astype(dtype.np)
    vals = draw(st.permutations(list(vals)))
    return (np.array(vals[:x.size], dtype.np).reshape(x.shape), i, np.array(vals[x.size:], dtype.np).reshape(s.shape)), kw


def _take_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits)
    n = int(np.prod(shape))
    idx = draw(st.lists(st.integers(-n, n - 1), max_size=4))
    return (array(draw, dtype, shape, REAL, smooth), np.array(idx, np.int64)), {}


spec("take", function("take"), _take_args, lambda x, i: x.reshape(-1)[i], dtypes=NUM)


def _tad_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    d = draw(st.integers(-len(shape), len(shape) - 1))
    k = d % len(shape)
    ishape = tuple(_one(draw, [1, s]) if i != k else draw(st.integers(1, 3)) for i, s in enumerate(shape))
    return (array(draw, dtype, shape, REAL, smooth), index_array(draw, ishape, shape[k])), {"dim": d}


def _np_tad(x, i, dim=None):
    if dim is None:
        return np.take_along_axis(x.reshape(-1), i.reshape(-1), 0)
    return np.take_along_axis(x, i, dim)


spec("take_along_dim", lambda T, x, i, dim: T.take_along_dim(x, i, dim), _tad_args, _np_tad, dtypes=NUM)
spec("take_along_dim.flat", lambda T, x, i, dim: x.take_along_dim(i), _tad_args, lambda x, i, dim: _np_tad(x, i))


def _sorted_args(nd):
    def build(draw, dtype, limits, smooth):
        m = draw(st.integers(0, limits["max_side"]))
        lead = (draw(st.integers(1, 2)),) if nd else ()
        seq = np.sort(array(draw, dtype, lead + (m,), SMALL_INTS), axis=-1)
        vals = array(draw, dtype, lead + (draw(st.integers(1, 3)),) if nd else shape_of(draw, limits), SMALL_INTS)
        return (seq, vals), {"right": draw(st.booleans())}

    return build


def _np_searchsorted(seq, v, right):
    side = "right" if right else "left"
    if seq.ndim <= 1:
        return np.searchsorted(seq, v, side)
    return np.stack([np.searchsorted(s, x, side) for s, x in zip(seq, v)])


spec("searchsorted", lambda T, s, v, right: T.searchsorted(s, v, right=right), _sorted_args(False), _np_searchsorted,
     dtypes=NUM, differentiable=False)
spec("searchsorted.batched", lambda T, s, v, right: T.searchsorted(s, v, side="right" if right else "left"),
     _sorted_args(True), _np_searchsorted, differentiable=False)
spec("bucketize", lambda T, s, v, right: T.bucketize(v, s, right=right), _sorted_args(False), _np_searchsorted,
     dtypes=NUM, differentiable=False)


def _np_unique_consecutive(x):
    flat = x.reshape(-1)
    keep = np.ones(flat.shape, bool)
    keep[1:] = flat[1:] != flat[:-1]
    counts = np.diff(np.append(np.nonzero(keep)[0], flat.size))
    return flat[keep], (np.cumsum(keep) - 1).reshape(x.shape), counts


spec("unique_consecutive", lambda T, x: T.unique_consecutive(x, return_inverse=True, return_counts=True),
     unary(SMALL_INTS), _np_unique_consecutive, dtypes=NUM, differentiable=False)
