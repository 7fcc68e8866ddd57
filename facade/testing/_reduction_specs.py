"""Op specs for reductions and scans: sums, extremes, var / std, norms, cumulative ops, quantiles (see _op_specs.py)."""
import math

import numpy as np
import scipy.special as sp
from hypothesis import strategies as st

from ._case_builders import REAL, along_dim, array, binary, index_array, reduction, shape_of, shaped, unary
from ._domains import Domain
from ._op_specs import ALL, GRID_A, GRID_B, NUM, SMALL_INTS, axis, method, spec
from ._spec_helpers import INTS, LIN, NORM_VALUES, _one


# ---- reductions ----------------------------------------------------------------------------
FLOAT_SUM = ("float32", "float64", "int64", "bool")


def _sum_ref(fn):
    return lambda x, dim=None, keepdim=False: fn(x, axis=axis(dim, x.ndim), keepdims=keepdim)


spec("sum", method("sum"), reduction(tuple_dims=True), _sum_ref(np.sum), dtypes=FLOAT_SUM)
spec("sum.empty", lambda T, x: x.sum(), shaped(lambda draw, s: {}, min_side=0), lambda x: np.sum(x))
spec("mean", method("mean"), reduction(tuple_dims=True), _sum_ref(np.mean))
spec("nansum", method("nansum"), reduction(tuple_dims=True), _sum_ref(np.nansum))
spec("nanmean", method("nanmean"), reduction(tuple_dims=True), _sum_ref(np.nanmean))
spec("prod", method("prod"), reduction(Domain(-2.0, 2.0, kinks=(0.0,))), _sum_ref(np.prod), dtypes=NUM)
spec("amax", method("amax"), reduction(dim="required", tuple_dims=True, unique=True), _sum_ref(np.amax), dtypes=NUM)
spec("amin", method("amin"), reduction(dim="required", tuple_dims=True, unique=True), _sum_ref(np.amin), dtypes=NUM)
spec("amax.ties", lambda T, x: x.amax(), unary(SMALL_INTS), lambda x: np.amax(x), gradcheck=False)
spec("max", lambda T, x: x.max(), unary(unique=True), lambda x: np.max(x), dtypes=NUM)
spec("min", lambda T, x: x.min(), unary(unique=True), lambda x: np.min(x), dtypes=NUM)
spec("max.ties", lambda T, x: x.max(), unary(SMALL_INTS), lambda x: np.max(x), gradcheck=False)


def _dim_extreme_ref(fn, arg):
    def ref(x, dim, keepdim=False):
        a = axis(dim, x.ndim)
        if a is None:
            return x.copy(), np.zeros((), np.int64)
        return fn(x, axis=a, keepdims=keepdim), arg(x, axis=a, keepdims=keepdim)

    return ref


spec("max.dim", method("max"), reduction(dim="required", unique=True), _dim_extreme_ref(np.max, np.argmax), dtypes=NUM)
spec("min.dim", method("min"), reduction(dim="required", unique=True), _dim_extreme_ref(np.min, np.argmin), dtypes=NUM)
spec("max.binary", lambda T, a, b: T.max(a, b), binary(GRID_A, GRID_B), np.maximum)
spec("argmax", method("argmax"), reduction(SMALL_INTS), lambda x, dim=None, keepdim=False: _argext(np.argmax, x, dim, keepdim),
     dtypes=NUM, differentiable=False)
spec("argmin", method("argmin"), reduction(SMALL_INTS), lambda x, dim=None, keepdim=False: _argext(np.argmin, x, dim, keepdim),
     dtypes=NUM, differentiable=False)


def _argext(fn, x, dim, keepdim):
    if dim is None:
        r = np.asarray(fn(x.reshape(-1)))
        return r.reshape((1,) * x.ndim) if keepdim else r
    if x.ndim == 0:
        return np.zeros((), np.int64)
    return fn(x, axis=dim % x.ndim, keepdims=keepdim)


def _correction(draw, shape):
    from hypothesis import strategies as st

    return {"correction": draw(st.sampled_from([0, 1]))}


def _var_ref(fn):
    def ref(x, dim=None, keepdim=False, correction=1):
        with np.errstate(all="ignore"):
            return fn(x, axis=axis(dim, x.ndim), ddof=correction, keepdims=keepdim)

    return ref


spec("var", method("var"), reduction(tuple_dims=True, unique=True, min_size=2, min_dims=1, extra=_correction),
     _var_ref(np.var))
spec("std", method("std"), reduction(tuple_dims=True, unique=True, min_size=2, min_dims=1, extra=_correction),
     _var_ref(np.std))
spec("logsumexp", method("logsumexp"), reduction(dim="required", tuple_dims=True),
     lambda x, dim, keepdim=False: sp.logsumexp(x, axis=axis(dim, x.ndim), keepdims=keepdim) if x.ndim else x.copy())


def _norm_p(draw, shape):
    from hypothesis import strategies as st

    return {"p": draw(st.sampled_from([2, 1, 3, math.inf]))}


def _norm_ref(x, p=2, dim=None, keepdim=False):
    a = axis(dim, x.ndim)
    ax = np.abs(x)
    if p == math.inf:
        return np.max(ax, axis=a, keepdims=keepdim)
    return np.sum(ax**p, axis=a, keepdims=keepdim) ** (1.0 / p)


spec("norm", method("norm"), reduction(Domain(kinks=(0.0,), exclude=()), tuple_dims=True, unique=True, extra=_norm_p),
     _norm_ref)
spec("count_nonzero", method("count_nonzero"), reduction(SMALL_INTS, keepdim=False),
     lambda x, dim=None: np.count_nonzero(x, axis=axis(dim, x.ndim)), dtypes=ALL, differentiable=False)
spec("any", method("any"), reduction(SMALL_INTS), _sum_ref(np.any), dtypes=ALL, differentiable=False)
spec("all", method("all"), reduction(SMALL_INTS), _sum_ref(np.all), dtypes=ALL, differentiable=False)


def _scan_ref(fn):
    return lambda x, dim: fn(x, axis=axis(dim, x.ndim)) if x.ndim else x.copy()


spec("cumsum", method("cumsum"), along_dim(), _scan_ref(np.cumsum), dtypes=NUM, inplace="cumsum_")
spec("cumprod", method("cumprod"), along_dim(Domain(-2.0, 2.0, exclude=(0.0,))), _scan_ref(np.cumprod), dtypes=NUM)
spec("logcumsumexp", method("logcumsumexp"), along_dim(), _scan_ref(np.logaddexp.accumulate))


# ---- more reductions and scans -------------------------------------------------------------
def _np_cum_extreme(better):
    def ref(x, dim):
        if x.ndim == 0:
            return x.copy(), np.zeros((), np.int64)
        xm = np.moveaxis(x, dim, -1)
        vals, idx = np.empty_like(xm), np.zeros(xm.shape, np.int64)
        for pos in np.ndindex(*xm.shape[:-1]):
            best = 0
            for k in range(xm.shape[-1]):
                v = xm[pos + (k,)]
                if np.isnan(v) or better(v, xm[pos + (best,)]) and not np.isnan(xm[pos + (best,)]):
                    best = k
                vals[pos + (k,)], idx[pos + (k,)] = xm[pos + (best,)], best
        return np.moveaxis(vals, -1, dim), np.moveaxis(idx, -1, dim)

    return ref


TIES = Domain(-2.0, 2.0, grid=1.0)  # equal values are common
spec("cummax", method("cummax"), along_dim(TIES), _np_cum_extreme(lambda v, b: v >= b), dtypes=NUM, gradcheck=False)
spec("cummin", method("cummin"), along_dim(TIES), _np_cum_extreme(lambda v, b: v <= b), dtypes=NUM, gradcheck=False)
spec("cummax.nan", method("cummax"), along_dim(Domain(-2.0, 2.0, grid=1.0, special=True, inf=False)),
     _np_cum_extreme(lambda v, b: v >= b), differentiable=False)
spec("cummax.smooth", method("cummax"), along_dim(unique=True), _np_cum_extreme(lambda v, b: v >= b))


def _np_mode(x, dim, keepdim=False):
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    xm = np.moveaxis(x, dim, -1)
    vals, idx = np.empty(xm.shape[:-1], x.dtype), np.zeros(xm.shape[:-1], np.int64)
    for pos in np.ndindex(*xm.shape[:-1]):
        row = xm[pos]
        uniq, counts = np.unique(row, return_counts=True)
        v = uniq[np.argmax(counts)]  # the smallest most frequent value
        vals[pos], idx[pos] = v, np.nonzero(row == v)[0][-1]  # its last position
    if keepdim:
        vals, idx = np.expand_dims(vals, dim), np.expand_dims(idx, dim)
    return vals, idx


spec("mode", method("mode"), reduction(TIES, dim="required"), _np_mode, dtypes=NUM, gradcheck=False)


def _np_nanmedian_dim(x, dim, keepdim=False):
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    xm = np.moveaxis(x, dim, -1)
    order = np.argsort(xm, axis=-1, kind="stable")
    k = np.maximum((~np.isnan(xm)).sum(-1, keepdims=True) - 1, 0) // 2
    idx = np.take_along_axis(order, k, -1)
    vals = np.take_along_axis(xm, idx, -1)
    vals, idx = np.moveaxis(vals, -1, dim), np.moveaxis(idx, -1, dim)
    return (vals, idx) if keepdim else (np.squeeze(vals, dim), np.squeeze(idx, dim))


def _np_nanmedian(x):
    v = np.sort(x.reshape(-1))
    v = v[~np.isnan(v)]
    return v[(v.size - 1) // 2] if v.size else np.array(np.nan, x.dtype)


SOME_NAN = Domain(special=True, inf=False)
spec("nanmedian", lambda T, x: x.nanmedian(), unary(SOME_NAN, unique=True), _np_nanmedian, gradcheck=False)
spec("nanmedian.smooth", lambda T, x: x.nanmedian(), unary(unique=True), _np_nanmedian)
spec("nanmedian.dim", method("nanmedian"), reduction(SOME_NAN, dim="required", unique=True), _np_nanmedian_dim,
     gradcheck=False)
spec("nanmedian.dim_smooth", method("nanmedian"), reduction(dim="required", unique=True), _np_nanmedian_dim)

_NP_METHODS = {"linear": "linear", "lower": "lower", "higher": "higher", "midpoint": "midpoint", "nearest": "nearest"}


def _quantile_kw(draw, shape):
    kw = {"q": _one(draw, [0.0, 0.25, 0.4, 0.5, 1.0]), "interpolation": _one(draw, list(_NP_METHODS))}
    if shape and draw(st.booleans()):
        kw["dim"] = draw(st.integers(-len(shape), len(shape) - 1))
        kw["keepdim"] = draw(st.booleans())
    return kw


def _np_quantile(fn):
    def ref(x, q, interpolation, dim=None, keepdim=False):
        a = None if dim is None else dim % max(x.ndim, 1)
        if x.ndim == 0:
            return x.copy()
        return fn(x, q, axis=a, method=interpolation, keepdims=keepdim)

    return ref


spec("quantile", lambda T, x, q, **kw: T.quantile(x, q, **kw), shaped(_quantile_kw, Domain(grid=0.5)),
     _np_quantile(np.quantile), gradcheck=False)  # the sorted values tie on the grid
spec("quantile.smooth", lambda T, x, q, **kw: T.quantile(x, q, **kw), shaped(_quantile_kw, min_dims=1),
     _np_quantile(np.quantile))
spec("nanquantile", lambda T, x, q, **kw: T.nanquantile(x, q, **kw), shaped(_quantile_kw, SOME_NAN),
     _np_quantile(np.nanquantile), gradcheck=False)


def _q_tensor(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    return (array(draw, dtype, shape, REAL, smooth), np.array([0.1, 0.5, 0.8], dtype.np)), {"dim": -1}


spec("quantile.tensor_q", lambda T, x, q, dim: T.quantile(x, q, dim=dim), _q_tensor,
     lambda x, q, dim: np.quantile(x, q, axis=dim))


def _bincount_args(weighted):
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(0, 5))
        x = index_array(draw, (n,), 5)
        kw = {"minlength": _one(draw, [0, 3, 7])}
        if not weighted:
            return (x,), kw
        return (x, array(draw, dtype, (n,), REAL, smooth)), kw

    return build


spec("bincount", lambda T, x, minlength: T.bincount(x, minlength=minlength), _bincount_args(False),
     lambda x, minlength: np.bincount(x, minlength=minlength), dtypes=INTS, differentiable=False)
spec("bincount.weights", lambda T, x, w, minlength: T.bincount(x, w, minlength), _bincount_args(True),
     lambda x, w, minlength: np.bincount(x, w, minlength=minlength), differentiable=False)


def _histc_kw(draw, shape):
    return _one(draw, [{"bins": 4, "min": -2.0, "max": 2.0}, {"bins": 3}, {"bins": 5, "min": 0.0, "max": 4.0}])


def _np_histc(x, bins, min=0.0, max=0.0):  # noqa: A002
    if min == max:
        min, max = (x.min(), x.max()) if x.size else (0.0, 0.0)
        if min == max:
            min, max = min - 1, max + 1
    return np.histogram(x, bins, range=(min, max))[0].astype(x.dtype)


spec("histc", lambda T, x, **kw: T.histc(x, **kw), shaped(_histc_kw, Domain(-4.0, 4.0, grid=0.375)), _np_histc,
     differentiable=False)


def _diff_kw(draw, shape):
    kw = {"n": _one(draw, [1, 2, 0]), "dim": draw(st.integers(-len(shape), len(shape) - 1))}
    return kw


spec("diff", lambda T, x, n, dim: T.diff(x, n, dim), shaped(_diff_kw, min_dims=1),
     lambda x, n, dim: np.diff(x, n, dim), dtypes=ALL)


def _diff_ends(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    pre = shape[:-1] + (draw(st.integers(1, 2)),)
    return tuple(array(draw, dtype, s, REAL, smooth) for s in (shape, pre, pre)), {}


spec("diff.prepend_append", lambda T, x, p, a: T.diff(x, prepend=p, append=a), _diff_ends,
     lambda x, p, a: np.diff(x, prepend=p, append=a))


def _renorm_kw(draw, shape):
    return {"p": _one(draw, [1.0, 2.0, 3.0]), "dim": draw(st.integers(-len(shape), len(shape) - 1)),
            "maxnorm": _one(draw, [0.5, 2.0, 100.0])}


def _np_renorm(x, p, dim, maxnorm):
    dims = tuple(i for i in range(x.ndim) if i != dim % x.ndim)
    norm = np.sum(np.abs(x) ** p, axis=dims, keepdims=True) ** (1 / p)
    return x * np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)


spec("renorm", lambda T, x, **kw: x.renorm(**kw), shaped(_renorm_kw, NORM_VALUES, min_dims=2), _np_renorm,
     inplace=None, rtol=1e-4, atol=1e-5)
spec("renorm_.graph", lambda T, x, **kw: (x * 1).renorm_(**kw), shaped(_renorm_kw, NORM_VALUES, min_dims=2),
     _np_renorm, rtol=1e-4, atol=1e-5)


def _trapz_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    d = draw(st.integers(-len(shape), len(shape) - 1))
    xs = np.cumsum(array(draw, dtype, (shape[d],), Domain(0.25, 2.0), smooth)).astype(dtype.np)
    return (array(draw, dtype, shape, REAL, smooth), xs), {"dim": d}


def _np_cumtrapz(y, x=None, dx=1.0, dim=-1):
    import scipy.integrate

    return scipy.integrate.cumulative_trapezoid(y, x, dx=dx, axis=dim)


spec("trapezoid", lambda T, y, x, dim: T.trapezoid(y, x, dim=dim), _trapz_args,
     lambda y, x, dim: np.trapezoid(y, x, axis=dim), **LIN)
spec("trapezoid.dx", lambda T, y, dx: T.trapezoid(y, dx=dx), shaped(lambda d, s: {"dx": _one(d, [0.5, 2])}, min_dims=1),
     lambda y, dx: np.trapezoid(y, dx=dx, axis=-1), **LIN)
spec("cumulative_trapezoid", lambda T, y, x, dim: T.cumulative_trapezoid(y, x, dim=dim), _trapz_args,
     lambda y, x, dim: _np_cumtrapz(y, x, dim=dim), **LIN)
spec("cumulative_trapezoid.dx", lambda T, y: T.cumulative_trapezoid(y, dx=0.5), shaped(lambda d, s: {}, min_dims=1),
     lambda y: _np_cumtrapz(y, dx=0.5), **LIN)


def _vm_ref(fn):
    def ref(x, dim=None, keepdim=False, correction=1):
        a = axis(dim, x.ndim)
        with np.errstate(all="ignore"):
            return fn(x, axis=a, ddof=correction, keepdims=keepdim), np.mean(x, axis=a, keepdims=keepdim)

    return ref


spec("var_mean", lambda T, x, **kw: T.var_mean(x, **kw), reduction(tuple_dims=True, unique=True, min_size=2,
                                                                   min_dims=1, extra=_correction), _vm_ref(np.var))
spec("std_mean", lambda T, x, **kw: T.std_mean(x, **kw), reduction(tuple_dims=True, unique=True, min_size=2,
                                                                   min_dims=1, extra=_correction), _vm_ref(np.std))
spec("aminmax", lambda T, x, **kw: T.aminmax(x, **kw), reduction(unique=True),
     lambda x, dim=None, keepdim=False: (np.amin(x, axis=axis(dim, x.ndim), keepdims=keepdim),
                                         np.amax(x, axis=axis(dim, x.ndim), keepdims=keepdim)), dtypes=NUM)
