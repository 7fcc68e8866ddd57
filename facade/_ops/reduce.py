"""Reductions: sum, mean, prod, std/var, max/min (all three PyTorch forms), argmax, norm, ...

Gradients at ties follow PyTorch: a full `max()`/`amax` splits the gradient evenly between
tied elements (JAX's rule for reduce_max), while `max(dim)` sends it to the returned index
(implemented as a gather at that index).
"""
import collections

import jax
import jax.numpy as jnp

from .. import _dtype
from .._dispatch import record
from .frontend import cast, dims_arg, export, parse_dtype, plus_zero as _plus_zero, type_name, wrap_dim
from .table import defop


def _sum_name(node):
    return "SumBackward0" if node.statics[0] is None else "SumBackward1"


def _mean_name(node):
    return "MeanBackward0" if node.statics[0] is None else "MeanBackward1"


SUM = defop("sum", lambda x, dims, keep, dt: _plus_zero(jnp.sum(cast(x, dt), axis=dims, keepdims=keep)),
            grad_fn=_sum_name, saves=False)
MEAN = defop("mean", lambda x, dims, keep, dt: _plus_zero(jnp.mean(cast(x, dt), axis=dims, keepdims=keep)),
             grad_fn=_mean_name, saves=False)
PROD = defop("prod", lambda x, dims, keep, dt: jnp.prod(cast(x, dt), axis=dims, keepdims=keep),
             grad_fn=lambda n: "ProdBackward0" if n.statics[0] is None else "ProdBackward1")
NANSUM = defop("nansum", lambda x, dims, keep, dt: _plus_zero(jnp.nansum(cast(x, dt), axis=dims, keepdims=keep)),
                grad_fn="NansumBackward0",
                saves="in")
NANMEAN = defop("nanmean", lambda x, dims, keep, dt: _plus_zero(jnp.nanmean(cast(x, dt), axis=dims, keepdims=keep)),
                 grad_fn="DivBackward0",
                 saves="in")


def _sum_dtype(x, dtype):
    if dtype is not None:
        return parse_dtype(dtype)
    return _dtype.int64 if x.dtype.category < 2 else x.dtype


def _dims(x, dim):
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        return None
    dims = dims_arg(dim, x.ndim)
    return () if dims is not None and x.ndim == 0 else dims  # a 0-d tensor accepts dim 0 / -1: reduce nothing


@export("sum")
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    return record(SUM, (input,), (_dims(input, dim), bool(keepdim), _sum_dtype(input, dtype).np))


@export("nansum")
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    return record(NANSUM, (input,), (_dims(input, dim), bool(keepdim), _sum_dtype(input, dtype).np))


@export("prod")
def prod(input, dim=None, keepdim=False, *, dtype=None):
    dims = None if dim is None else _dims(input, wrap_dim(dim, input.ndim))
    return record(PROD, (input,), (dims, bool(keepdim), _sum_dtype(input, dtype).np))


def _float_reduce_dtype(x, dtype, name):
    d = parse_dtype(dtype) if dtype is not None else x.dtype
    if d.category < 2:
        raise RuntimeError(
            f"{name}(): could not infer output dtype. {'Input' if dtype is None else 'Optional'} dtype must be either "
            f"a floating point or complex dtype. Got: {type_name(d)}"
        )
    return d


@export("mean")
def mean(input, dim=None, keepdim=False, *, dtype=None):
    d = _float_reduce_dtype(input, dtype, "mean")
    return record(MEAN, (input,), (_dims(input, dim), bool(keepdim), d.np))


@export("nanmean")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    d = _float_reduce_dtype(input, dtype, "nanmean")
    return record(NANMEAN, (input,), (_dims(input, dim), bool(keepdim), d.np))


def _var(x, dims, correction, keep):
    return jnp.var(x, axis=dims, ddof=correction, keepdims=keep)


VAR = defop("var", lambda x, dims, c, keep: _var(x, dims, c, keep), grad_fn="VarBackward0", saves="in")
STD = defop("std", lambda x, dims, c, keep: _safe_sqrt(_var(x, dims, c, keep)), grad_fn="StdBackward0")


def _safe_sqrt(v):
    """sqrt whose gradient at 0 is 0 (PyTorch's std backward), not inf."""
    zero = v == 0
    return jnp.where(zero, jnp.zeros_like(v), jnp.sqrt(jnp.where(zero, jnp.ones_like(v), v)))


def _correction(unbiased, correction):
    if correction is not None:
        return int(correction) if float(correction).is_integer() else float(correction)
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _var_args(input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(x, False): the positional unbiased flag
        dim, unbiased = None, dim
    if input.dtype.category < 2:
        raise RuntimeError(f"std and var only support floating point and complex dtypes")
    return (_dims(input, dim), _correction(unbiased, correction), bool(keepdim))


@export("var")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return record(VAR, (input,), _var_args(input, dim, unbiased, keepdim, correction))


@export("std")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return record(STD, (input,), _var_args(input, dim, unbiased, keepdim, correction))


def _var_mean(x, dims, c, keep):
    return _var(x, dims, c, keep), _plus_zero(jnp.mean(x, axis=dims, keepdims=keep))


def _std_mean(x, dims, c, keep):
    v, m = _var_mean(x, dims, c, keep)
    return _safe_sqrt(v), m


VAR_MEAN = defop("var_mean", _var_mean, grad_fn="VarMeanBackward0", nout=2, saves="in")
STD_MEAN = defop("std_mean", _std_mean, grad_fn="StdMeanBackward0", nout=2, saved_outputs=((0, 0),))  # not the mean


@export("var_mean", method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return record(VAR_MEAN, (input,), _var_args(input, dim, unbiased, keepdim, correction))


@export("std_mean", method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return record(STD_MEAN, (input,), _var_args(input, dim, unbiased, keepdim, correction))


# ---- max / min -------------------------------------------------------------------------
def _return_type(name, fields):
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "torch.return_types"
    cls.__repr__ = lambda self: f"torch.return_types.{name}(\n" + ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields) + ")"
    return cls


RETURN_TYPES = {n: _return_type(n, ("values", "indices")) for n in ("max", "min", "sort", "topk", "kthvalue", "mode", "median", "cummax", "cummin", "aminmax")}
RETURN_TYPES["aminmax"] = _return_type("aminmax", ("min", "max"))


def _full_extreme(x, fn):
    return fn(x)


def _dim_extreme(x, dim, keep, arg):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    idx = arg(x, axis=dim, keepdims=True)
    vals = jnp.take_along_axis(x, idx, axis=dim)  # gradient to the returned index only
    if not keep:
        vals, idx = jnp.squeeze(vals, dim), jnp.squeeze(idx, dim)
    return vals, idx.astype(jnp.int64)


def _nan_argmax(x, axis, keepdims):
    # PyTorch propagates NaN: the first NaN wins
    if jnp.issubdtype(x.dtype, jnp.floating):
        isnan = jnp.isnan(x)
        return jnp.where(jnp.any(isnan, axis=axis, keepdims=True), jnp.argmax(isnan, axis=axis, keepdims=True), jnp.argmax(x, axis=axis, keepdims=True))
    return jnp.argmax(x, axis=axis, keepdims=keepdims)


def _nan_argmin(x, axis, keepdims):
    if jnp.issubdtype(x.dtype, jnp.floating):
        isnan = jnp.isnan(x)
        return jnp.where(jnp.any(isnan, axis=axis, keepdims=True), jnp.argmax(isnan, axis=axis, keepdims=True), jnp.argmin(x, axis=axis, keepdims=True))
    return jnp.argmin(x, axis=axis, keepdims=keepdims)


MAX_ALL = defop("max_all", lambda x: jnp.max(x), grad_fn="MaxBackward1")
MIN_ALL = defop("min_all", lambda x: jnp.min(x), grad_fn="MinBackward1")
# PyTorch saves only the indices; a table op saves all its outputs or none, so none:
# changing the values in place before backward is allowed, as in PyTorch
MAX_DIM = defop("max_dim", lambda x, d, k: _dim_extreme(x, d, k, _nan_argmax), grad_fn="MaxBackward0", nout=2, saves=False)
MIN_DIM = defop("min_dim", lambda x, d, k: _dim_extreme(x, d, k, _nan_argmin), grad_fn="MinBackward0", nout=2, saves=False)
AMAX = defop("amax", lambda x, d, k: jnp.max(x, axis=d, keepdims=k), grad_fn="AmaxBackward0")
AMIN = defop("amin", lambda x, d, k: jnp.min(x, axis=d, keepdims=k), grad_fn="AminBackward0")
ARGMAX = defop("argmax", lambda x, d, k: _argext(x, d, k, _nan_argmax), differentiable=False, saves=False)
ARGMIN = defop("argmin", lambda x, d, k: _argext(x, d, k, _nan_argmin), differentiable=False, saves=False)


def _argext(x, d, k, fn):
    if d is None:
        r = fn(x.reshape(-1), 0, True).reshape(())
        return (r.reshape((1,) * x.ndim) if k else r).astype(jnp.int64)
    if x.ndim == 0:
        return jnp.zeros((), jnp.int64)
    r = fn(x, d, True)
    return (r if k else jnp.squeeze(r, d)).astype(jnp.int64)


def _check_nonempty(x, name, dim=None):
    if x.numel() == 0 and (dim is None or x.shape[dim] == 0):
        if dim is None:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


def _extreme(name, full_op, dim_op, binary):
    def frontend(input, dim=None, keepdim=False, *, out=None):
        from .frontend import is_tensor

        if is_tensor(dim):
            return binary(input, dim)
        if dim is None:
            _check_nonempty(input, name)
            return record(full_op, (input,), ())
        d = wrap_dim(dim, input.ndim)
        _check_nonempty(input, name, d)
        vals, idx = record(dim_op, (input,), (d, bool(keepdim)))
        return RETURN_TYPES[name](vals, idx)

    frontend.__name__ = name
    return frontend


def _binary_max(a, b):
    from .frontend import FUNCTIONS

    return FUNCTIONS["maximum"](a, b)


def _binary_min(a, b):
    from .frontend import FUNCTIONS

    return FUNCTIONS["minimum"](a, b)


max = export("max")(_extreme("max", MAX_ALL, MAX_DIM, _binary_max))  # noqa: A001
min = export("min")(_extreme("min", MIN_ALL, MIN_DIM, _binary_min))  # noqa: A001


@export("amax")
def amax(input, dim=(), keepdim=False):
    return record(AMAX, (input,), (_dims(input, dim), bool(keepdim)))


@export("amin")
def amin(input, dim=(), keepdim=False):
    return record(AMIN, (input,), (_dims(input, dim), bool(keepdim)))


AMINMAX = defop("aminmax", lambda x, d, k: (jnp.min(x, axis=d, keepdims=k), jnp.max(x, axis=d, keepdims=k)),
                 grad_fn="AminmaxBackward0", nout=2, saved_outputs=((1, 1), (0, 0)))


@export("aminmax")
def aminmax(input, *, dim=None, keepdim=False):
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        dims = None if input.ndim else ()
    else:
        d = wrap_dim(dim, input.ndim)
        if input.ndim and input.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
        dims = (d,) if input.ndim else ()
    return RETURN_TYPES["aminmax"](*record(AMINMAX, (input,), (dims, bool(keepdim))))


def _check_arg_nonempty(x, name, dim):
    """argmax/argmin's IndexErrors for an empty input (shorter than max()'s message without a dim)."""
    if x.numel() == 0:
        if dim is None:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        if x.ndim and x.shape[dim] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


@export("argmax")
def argmax(input, dim=None, keepdim=False):
    d = None if dim is None else wrap_dim(dim, input.ndim)
    _check_arg_nonempty(input, "argmax", d)
    return record(ARGMAX, (input,), (d, bool(keepdim)))


@export("argmin")
def argmin(input, dim=None, keepdim=False):
    d = None if dim is None else wrap_dim(dim, input.ndim)
    _check_arg_nonempty(input, "argmin", d)
    return record(ARGMIN, (input,), (d, bool(keepdim)))


# ---- logical reductions ----------------------------------------------------------------
ANY = defop("any", lambda x, d, k: jnp.any(x, axis=d, keepdims=k), differentiable=False, saves=False)
ALL = defop("all", lambda x, d, k: jnp.all(x, axis=d, keepdims=k), differentiable=False, saves=False)


def _bool_out(op):
    def frontend(input, dim=None, keepdim=False):
        out = record(op, (input,), (_dims(input, dim), bool(keepdim)))
        return out if input.dtype is not _dtype.uint8 else out.to(_dtype.uint8)

    return frontend


export("any")(_bool_out(ANY))
export("all")(_bool_out(ALL))

COUNT_NONZERO = defop("count_nonzero", lambda x, d: jnp.count_nonzero(x, axis=d).astype(jnp.int64), differentiable=False, saves=False)


@export("count_nonzero")
def count_nonzero(input, dim=None):
    return record(COUNT_NONZERO, (input,), (_dims(input, dim),))


# ---- logsumexp, norm -------------------------------------------------------------------
LOGSUMEXP = defop("logsumexp", lambda x, d, k, dt: jax.nn.logsumexp(cast(x, dt), axis=d, keepdims=k), grad_fn="LogsumexpBackward0")


@export("logsumexp")
def logsumexp(input, dim, keepdim=False):
    d = input.dtype if input.dtype.category >= 2 else _dtype.get_default_dtype()
    return record(LOGSUMEXP, (input,), (_dims(input, dim), bool(keepdim), d.np))


def _safe_norm(x, p, dims, keep):
    """p-norm whose gradient at the zero vector is 0 (PyTorch's subgradient), not NaN."""
    # |x| as x * sign(x) for reals: its slope at 0 is 0, PyTorch's subgradient (jnp.abs has slope 1)
    ax = x * jnp.sign(x) if jnp.issubdtype(x.dtype, jnp.floating) else jnp.abs(x)
    if p == float("inf"):
        return jnp.max(ax, axis=dims, keepdims=keep)
    if p == float("-inf"):
        return jnp.min(ax, axis=dims, keepdims=keep)
    if p == 0:
        return jnp.sum((ax != 0).astype(x.dtype), axis=dims, keepdims=keep)
    if p == 1:
        return jnp.sum(ax, axis=dims, keepdims=keep)
    s = jnp.sum(ax**p, axis=dims, keepdims=True)
    zero = s == 0
    safe = jnp.where(zero, jnp.ones_like(s), s)
    out = jnp.where(zero, jnp.zeros_like(s), safe ** (1.0 / p))
    return out if keep else (jnp.squeeze(out, dims) if dims is not None else out.reshape(()))


def _abs_pgrad(x):
    return x


NORM = defop("norm", lambda x, p, d, k, dt: _safe_norm(cast(x, dt), p, d, k), grad_fn="LinalgVectorNormBackward0")
LINALG_VECTOR_NORM = defop("linalg_vector_norm", lambda x, p, d, k, dt: _safe_norm(cast(x, dt), p, d, k), grad_fn="LinalgVectorNormBackward0")


@export("norm")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        from .linalg_products import matrix_norm

        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if input.dtype.category < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {type_name(input.dtype)}")
    d = parse_dtype(dtype) or input.dtype
    return record(NORM, (input,), (float(p), _dims(input, dim), bool(keepdim), d.np))


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    d = parse_dtype(dtype) or x.dtype
    if x.dtype.category < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {type_name(x.dtype)}")
    return record(LINALG_VECTOR_NORM, (x,), (float(ord), _dims(x, dim), bool(keepdim), d.np))


# ---- scans -----------------------------------------------------------------------------
def _scan(fn):
    """A scan along dim d that treats a 0-d tensor as one element (PyTorch accepts dim 0 / -1 there)."""
    def impl(x, d):
        return fn(x, d) if jnp.ndim(x) else x  # a scan over one element is that element

    return impl


_cumsum = _scan(lambda x, d: _plus_zero(jnp.cumsum(x, axis=d)))
_cumprod = _scan(lambda x, d: jnp.cumprod(x, axis=d))
_logcumsumexp = _scan(lambda x, d: jax.lax.cumlogsumexp(x, axis=d))
CUMSUM = defop("cumsum", lambda x, d, dt: _cumsum(cast(x, dt), d), grad_fn="CumsumBackward0", saves=False)
CUMPROD = defop("cumprod", lambda x, d, dt: _cumprod(cast(x, dt), d), grad_fn="CumprodBackward0")
LOGCUMSUMEXP = defop("logcumsumexp", lambda x, d: _logcumsumexp(x, d), grad_fn="LogcumsumexpBackward0")


@export("cumsum", inplace_names=("cumsum_",))
def cumsum(input, dim, *, dtype=None):
    return record(CUMSUM, (input,), (wrap_dim(dim, input.ndim), _sum_dtype(input, dtype).np))


@export("cumprod", inplace_names=("cumprod_",))
def cumprod(input, dim, *, dtype=None):
    return record(CUMPROD, (input,), (wrap_dim(dim, input.ndim), _sum_dtype(input, dtype).np))


@export("logcumsumexp")
def logcumsumexp(input, dim):
    return record(LOGCUMSUMEXP, (input,), (wrap_dim(dim, input.ndim),))


from . import scans  # noqa: E402,F401 - cummax, mode, quantile, bincount, diff, trapezoid, ...
