"""More reductions and scans: cummax / cummin, mode, nanmedian, quantile / nanquantile, bincount, histc, diff,
renorm, trapezoid / cumulative_trapezoid.

Ops that return a value and its index (cummax, mode, nanmedian(dim)) read the value at the index they
found, so the gradient goes to that index, as PyTorch's. quantile is PyTorch's algorithm (sort, ranks,
gather, lerp) as one op under the grad_fn its last step shows. diff and the trapezoid rules are
compositions of facade ops, as PyTorch's are.
"""
import jax.numpy as jnp
import numpy as np

from .._device import to_numpy, values_to_check
from jax import lax

from .. import _dtype
from .._dispatch import record
from .frontend import FUNCTIONS, METHODS, cast, export, is_tensor, promote, type_name, wrap_dim
from .pointwise import _no_derivative
from .reduce import RETURN_TYPES, _return_type, _safe_norm
from .table import defop

_sg = lax.stop_gradient
RETURN_TYPES["nanmedian"] = _return_type("nanmedian", ("values", "indices"))


def _take(x, idx, d):
    return jnp.take_along_axis(x, idx, axis=d)  # the gradient goes to idx only


# ---- cummax / cummin -------------------------------------------------------------------
def _cum_extreme(x, d, better):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    pos = lax.broadcasted_iota(jnp.int64, x.shape, d)
    v0 = _sg(x)

    def combine(a, b):
        (va, ia), (vb, ib) = a, b
        take_b = better(vb, va)
        if jnp.issubdtype(va.dtype, jnp.floating):
            take_b = take_b | jnp.isnan(vb)  # a NaN wins, and the last NaN so far gives the index
        return jnp.where(take_b, vb, va), jnp.where(take_b, ib, ia)

    _, idx = lax.associative_scan(combine, (v0, pos), axis=d)
    return _take(x, idx, d), idx


CUMMAX = defop("cummax", lambda x, d: _cum_extreme(x, d, lambda b, a: b >= a), grad_fn="CummaxBackward0", nout=2,
               saves=False)
CUMMIN = defop("cummin", lambda x, d: _cum_extreme(x, d, lambda b, a: b <= a), grad_fn="CumminBackward0", nout=2,
               saves=False)


@export("cummax")
def cummax(input, dim):
    return RETURN_TYPES["cummax"](*record(CUMMAX, (input,), (wrap_dim(dim, input.ndim),)))


@export("cummin")
def cummin(input, dim):
    return RETURN_TYPES["cummin"](*record(CUMMIN, (input,), (wrap_dim(dim, input.ndim),)))


# ---- mode / nanmedian ------------------------------------------------------------------
def _mode(x, d, keep):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    xm = jnp.moveaxis(_sg(x), d, -1)
    order = jnp.argsort(xm, axis=-1, stable=True)
    s = jnp.take_along_axis(xm, order, axis=-1)
    k = lax.broadcasted_iota(jnp.int64, s.shape, s.ndim - 1)
    starts = jnp.concatenate([jnp.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]], axis=-1)
    run_start = lax.cummax(jnp.where(starts, k, 0), axis=s.ndim - 1)
    # the end of the first longest run: the smallest most frequent value, at its last position
    best = jnp.argmax(k - run_start, axis=-1, keepdims=True)
    idx = jnp.moveaxis(jnp.take_along_axis(order, best, axis=-1), -1, d).astype(jnp.int64)
    vals = _take(x, idx, d)
    return (vals, idx) if keep else (jnp.squeeze(vals, d), jnp.squeeze(idx, d))


MODE = defop("mode", _mode, grad_fn="ModeBackward0", nout=2, saves=False)


@export("mode")
def mode(input, dim=-1, keepdim=False):
    return RETURN_TYPES["mode"](*record(MODE, (input,), (wrap_dim(dim, input.ndim), bool(keepdim))))


def _nan_sorted(x, d):
    """Indices sorting x along d (NaN last, stable) and the lower-median position of the non-NaN values."""
    order = jnp.argsort(_sg(x), axis=d, stable=True)
    count = jnp.sum(~jnp.isnan(_sg(x)), axis=d, keepdims=True)
    k = jnp.maximum(count - 1, 0) // 2
    return order, k


def _nanmedian_dim(x, d, keep):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    order, k = _nan_sorted(x, d)
    idx = jnp.take_along_axis(order, k, axis=d).astype(jnp.int64)
    vals = _take(x, idx, d)
    return (vals, idx) if keep else (jnp.squeeze(vals, d), jnp.squeeze(idx, d))


def _nanmedian_all(x):
    flat = x.reshape(-1)
    if not flat.shape[0]:
        return jnp.asarray(jnp.nan, x.dtype)
    order, k = _nan_sorted(flat, 0)
    value = _sg(flat[order[k[0]]])
    # the gradient is shared evenly by the elements equal to the median (the NaNs when it is NaN), as PyTorch's
    equal = jnp.where(jnp.isnan(value), jnp.isnan(x), x == value)
    return jnp.where(jnp.any(equal), jnp.sum(jnp.where(equal, x, jnp.zeros_like(x))) / jnp.sum(equal).astype(x.dtype),
                     value)


NANMEDIAN = defop("nanmedian", _nanmedian_all, grad_fn="NanmedianBackward0")
NANMEDIAN_DIM = defop("nanmedian_dim", _nanmedian_dim, grad_fn="NanmedianBackward1", nout=2, saves=False)


@export("nanmedian")
def nanmedian(input, dim=None, keepdim=False):
    if dim is None:
        return record(NANMEDIAN, (input,), ())
    d = wrap_dim(dim, input.ndim)
    return RETURN_TYPES["nanmedian"](*record(NANMEDIAN_DIM, (input,), (d, bool(keepdim))))


# ---- quantile --------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _lerp(a, b, w):
    """PyTorch's lerp: from a for weights below 0.5, from b above (its rounding)."""
    return jnp.where(w < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


def _quantile(x, q, dim, keep, interpolation, ignore_nan, q_scalar):
    dt = x.dtype
    q = cast(q, dt)
    if dim is None:
        src = x.reshape(-1)
        out_shape = (1,) * x.ndim if keep else ()
    else:
        src = jnp.moveaxis(x, dim, -1)
        out_shape = tuple(1 if i == dim else s for i, s in enumerate(x.shape)) if keep else \
            tuple(s for i, s in enumerate(x.shape) if i != dim)
    order = jnp.argsort(_sg(src), axis=-1, stable=True)
    srt = jnp.take_along_axis(src, order, axis=-1)  # sort: the gradient goes back to each sorted position
    srt = srt.reshape(out_shape + (srt.shape[-1],))
    qs = jnp.reshape(q, (-1,))  # the quantiles, last
    nan = jnp.isnan(_sg(srt))
    last = srt.shape[-1] - 1
    if ignore_nan:
        ranks = qs * (jnp.sum(~nan, axis=-1, keepdims=True) - 1).astype(dt)
        ranks = jnp.where(ranks < 0, jnp.zeros((), dt), ranks)
    else:
        ranks = jnp.where(jnp.any(nan, axis=-1, keepdims=True), jnp.asarray(last, dt), qs * jnp.asarray(last, dt))
    if interpolation == "lower":
        ranks = jnp.floor(ranks)
    elif interpolation == "higher":
        ranks = jnp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = jnp.round(ranks)
    below = _sg(ranks).astype(jnp.int64)
    values = jnp.take_along_axis(srt, below, axis=-1)
    if interpolation in ("linear", "midpoint"):
        weights = jnp.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below.astype(dt)
        above = jnp.ceil(_sg(ranks)).astype(jnp.int64)
        values = _lerp(values, jnp.take_along_axis(srt, above, axis=-1), weights)
    if q_scalar:
        return values[..., 0]
    return jnp.moveaxis(values, -1, 0)


QUANTILE = defop("quantile", _quantile, grad_fn="SqueezeBackward4", saves=False)


def _quantile_frontend(name, ignore_nan):
    def frontend(input, q, dim=None, keepdim=False, *, interpolation="linear"):
        if input.numel() == 0:
            raise RuntimeError(f"{name}() input tensor must be non-empty")
        if input.dtype not in (_dtype.float32, _dtype.float64):
            raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
        if interpolation not in _INTERPOLATIONS:
            raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                               f"got {interpolation}")
        scalar = not is_tensor(q)
        if scalar:
            if not 0 <= q <= 1:
                raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
            q = float(q)
        else:
            if q.ndim > 1:
                raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
            if q.dtype is not input.dtype:
                raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
            qv = values_to_check(q.detach())
            if qv is not None and qv.size and not np.all((qv >= 0) & (qv <= 1)):
                raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
            scalar = q.ndim == 0
        d = None if dim is None else wrap_dim(dim, input.ndim)
        out = record(QUANTILE, (input, q), (d, bool(keepdim), interpolation, ignore_nan, scalar))
        # PyTorch's result was written in place: lerp_ (linear, midpoint), then squeeze_ (or unsqueeze_, transpose_,
        # squeeze_ for a tensor of quantiles); its version counter says so
        out._vc[0] = (interpolation in ("linear", "midpoint")) + (1 if scalar else 3)
        return out

    frontend.__name__ = name
    return frontend


export("quantile")(_quantile_frontend("quantile", False))
export("nanquantile")(_quantile_frontend("nanquantile", True))


# ---- bincount / histc ------------------------------------------------------------------
def _bincount(x, w, length, dt):
    weights = jnp.ones(x.shape, dt) if w is None else cast(w, dt)
    return jnp.zeros((length,), dt).at[x].add(weights)


_bincount_weighted = _no_derivative(lambda x, w: (x, w), "bincount")
BINCOUNT = defop("bincount", lambda x, length: _bincount(x, None, length, jnp.int64), saves=False,
                 differentiable=False)
BINCOUNT_WEIGHTED = defop("bincount_weighted", lambda x, w, length, dt: _bincount(*_bincount_weighted(x, w), length, dt),
                          grad_fn="NotImplemented", saves=False)


@export("bincount")
def bincount(input, weights=None, minlength=0):
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.dtype.category != 1 and input.dtype is not _dtype.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{type_name(input.dtype)}'")
    values = to_numpy(input._value())  # the result's length depends on the values, as in PyTorch
    if input.ndim != 1 or values.size and values.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    length = max(int(values.max()) + 1 if values.size else 0, int(minlength))
    if weights is None or not values.size:  # PyTorch: an empty input counts in int64, weights or not
        if weights is not None:
            from .._creation import zeros

            return zeros(length, dtype=_dtype.int64)
        return record(BINCOUNT, (input,), (length,))
    d = weights.dtype if weights.dtype in (_dtype.float32, _dtype.float64) else _dtype.float64
    return record(BINCOUNT_WEIGHTED, (input, weights), (length, d.np))


def _histc(x, bins, lo, hi):
    x = _sg(x).reshape(-1)
    if lo == hi:  # the data's range (PyTorch: min = max = 0 means "use the data")
        lo_v, hi_v = jnp.min(x) if x.size else jnp.zeros((), x.dtype), jnp.max(x) if x.size else jnp.zeros((), x.dtype)
    else:
        lo_v, hi_v = jnp.asarray(lo, x.dtype), jnp.asarray(hi, x.dtype)
    same = lo_v == hi_v
    lo_v, hi_v = jnp.where(same, lo_v - 1, lo_v), jnp.where(same, hi_v + 1, hi_v)
    inside = (x >= lo_v) & (x <= hi_v)
    pos = jnp.floor((x - lo_v) * bins / (hi_v - lo_v)).astype(jnp.int64)
    pos = jnp.clip(pos, 0, bins - 1)
    return jnp.zeros((bins,), x.dtype).at[pos].add(inside.astype(x.dtype))


HISTC = defop("histc", _histc, saves=False, differentiable=False)


@export("histc")
def histc(input, bins=100, min=0, max=0):  # noqa: A002
    if input.dtype.category != 2:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{type_name(input.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if max < min:
        raise RuntimeError("torch.histc: max must be larger than min")
    return record(HISTC, (input,), (int(bins), float(min), float(max)))


# ---- diff ------------------------------------------------------------------------------
@export("diff")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    for t in (prepend, append):
        if t is not None and t.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    x = FUNCTIONS["cat"](parts, d) if len(parts) > 1 else input
    if n == 0:
        return FUNCTIONS["zeros_like"](x).copy_(x)
    length = x.shape[d] - 1
    out = x
    for _ in range(min(n, x.shape[d])):
        hi, lo = METHODS["narrow"](out, d, 1, length), METHODS["narrow"](out, d, 0, length)
        out = FUNCTIONS["logical_xor"](hi, lo) if x.dtype is _dtype.bool_ else hi - lo
        length -= 1
    return out


# ---- renorm ----------------------------------------------------------------------------
def _renorm(x, p, d, maxnorm):
    dims = tuple(i for i in range(x.ndim) if i != d)
    norm = _safe_norm(x, p, dims, True)
    factor = jnp.where(norm > maxnorm, maxnorm / (norm + jnp.asarray(1e-7, x.dtype)), jnp.ones((), x.dtype))
    return x * factor


RENORM = defop("renorm", _renorm, grad_fn="RenormBackward0", saves="in")


@export("renorm", inplace_names=("renorm_",))
def renorm(input, p, dim, maxnorm):
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {_fmt(maxnorm)}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if input.dtype.category < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(input.dtype)}")
    return record(RENORM, (input,), (float(p), wrap_dim(dim, input.ndim), float(maxnorm)))


def _fmt(x):
    return str(int(x)) if float(x).is_integer() else str(x)


# ---- trapezoid rules -------------------------------------------------------------------
# PyTorch's C++ `tensor * double` / `tensor / double`: MulBackward1 / DivBackward1 (facade's mul / div by a Python
# number show MulBackward0 / DivBackward0, as PyTorch's Python operators do)
MUL_SCALAR = defop("mul_scalar", lambda a, s, dt: cast(a, dt) * cast(s, dt), grad_fn="MulBackward1", saves=False)
DIV_SCALAR = defop("div_scalar", lambda a, s, dt: cast(a, dt) / cast(s, dt), grad_fn="DivBackward1", saves=False)


def _times(t, s):
    d = promote(t, float(s))
    return record(MUL_SCALAR, (t, float(s)), (d.np,))


def _halved(t):
    d = promote(t, 2.0)
    return record(DIV_SCALAR, (t, 2.0), (d.np,))


def _x_steps(y, x, d):
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[d] = x.shape[0]
        x = x.view(shape)
    elif x.ndim < y.ndim:
        x = x.view((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    n = x.shape[d]
    return METHODS["narrow"](x, d, 1, n - 1) - METHODS["narrow"](x, d, 0, n - 1)


def _pairs(y, d):
    n = y.shape[d]
    return METHODS["narrow"](y, d, 1, n - 1) + METHODS["narrow"](y, d, 0, n - 1)


def _empty_integral(y, d):
    from .._creation import zeros

    shape = tuple(s for i, s in enumerate(y.shape) if i != d)
    return zeros(shape, dtype=y.dtype if y.dtype.category >= 2 else _dtype.get_default_dtype())


@export("trapezoid", "trapz", method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1):
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, y.ndim)
    if y.dtype is _dtype.bool_:
        raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not supported")
    if y.shape[d] == 0:
        return _empty_integral(y, d)
    if x is not None and is_tensor(x):
        return _halved((_x_steps(y, x, d) * _pairs(y, d)).sum(d))
    step = 1.0 if dx is None and x is None else float(x if dx is None else dx)
    first, last = METHODS["select"](y, d, 0), METHODS["select"](y, d, -1)
    return _times(y.sum(d) - _times(first + last, 0.5), step)


@export("cumulative_trapezoid", method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    if y.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, y.ndim)
    if y.dtype is _dtype.bool_:
        raise RuntimeError("cumulative_trapezoid: received a bool input for `y`, but bool is not supported")
    if x is not None and is_tensor(x):
        return _halved((_x_steps(y, x, d) * _pairs(y, d)).cumsum(d))
    step = 1.0 if dx is None and x is None else float(x if dx is None else dx)
    return _times(_pairs(y, d), step / 2.0).cumsum(d)

