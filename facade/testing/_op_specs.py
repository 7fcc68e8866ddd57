"""The op spec table: for every op of facade's table, how to call it, draw its arguments and
compute a reference value.

`SPECS[name]` is an `OpSpec` (see `_op_spec.py`). Names are the PyTorch function or method,
with a suffix for a variant: "sum.dim", "add.scalar", "pow.scalar_base". The op test suite
(tests/ops) runs every check on every spec; `strategies.op_inputs(name)` draws its cases.

Domains keep inputs where the op is defined (log > 0, acos in (-1, 1)) and name its kinks
(abs at 0, floor at integers) so gradcheck can avoid them while value checks still hit them.
"""
import numpy as np
import scipy.special as sp

from .. import _dtype
from ._case_builders import (REAL, along_dim, binary, gather_args, index_select_args, masked_args, matmul_args,
                             matrices, scatter_args, several, shaped, ternary, unary, where_args,
                             with_scalar)
from ._domains import Domain
from ._op_spec import FLOAT, OpSpec

SPECS = {}

NUM = FLOAT + ("int64",)
ALL = NUM + ("bool",)
INT = ("int64", "bool")


# Known failures, by check (see tests/ops/test_core_bugs.py for minimal repros of core bugs)
_T_NAME = "core: Tensor.T on a 2-d tensor is t() (TBackward0); PyTorch's is a permute (PermuteBackward0) (_api.py)"


def spec(name, call, build, ref=None, **kw):
    if name in SPECS:
        raise ValueError(f"spec {name!r} declared twice")
    SPECS[name] = OpSpec(name, call, build, ref, **kw)


def method(name):
    """call for `x.name(*rest, **kwargs)`."""
    return lambda T, x, *rest, **kw: getattr(x, name)(*rest, **kw)


def function(name):
    """call for `T.name(*tensors, **kwargs)`."""
    return lambda T, *args, **kw: getattr(T, name)(*args, **kw)


def axis(dim, ndim):
    """numpy axis for a PyTorch dim (0-d tensors accept dim 0 / -1 and reduce nothing)."""
    if dim is None or ndim == 0:
        return None
    return tuple(d % ndim for d in dim) if isinstance(dim, tuple) else dim % ndim


# ---- unary elementwise ---------------------------------------------------------------------
POSITIVE = Domain(0.1, 4.0)
UNIT = Domain(-0.9, 0.9)
NONZERO = Domain(exclude=(0.0,))
AT_ZERO = Domain(kinks=(0.0,))
STEPS = Domain(kinks="integers")
SPECIAL = Domain(special=True)

_UNARY = {
    # name: (numpy reference, domain, dtypes)
    "sin": (np.sin, REAL, NUM), "cos": (np.cos, REAL, NUM), "tan": (np.tan, Domain(-1.2, 1.2), NUM),
    "asin": (np.arcsin, UNIT, NUM), "acos": (np.arccos, UNIT, NUM), "atan": (np.arctan, REAL, NUM),
    "sinh": (np.sinh, REAL, NUM), "cosh": (np.cosh, REAL, NUM), "tanh": (np.tanh, REAL, NUM),
    "asinh": (np.arcsinh, REAL, NUM), "acosh": (np.arccosh, Domain(1.1, 4.0), FLOAT),
    "atanh": (np.arctanh, UNIT, NUM), "exp": (np.exp, REAL, NUM), "exp2": (np.exp2, REAL, NUM),
    "expm1": (np.expm1, REAL, NUM), "log": (np.log, POSITIVE, NUM), "log2": (np.log2, POSITIVE, NUM),
    "log10": (np.log10, POSITIVE, NUM), "log1p": (np.log1p, Domain(-0.9, 4.0), NUM),
    "sqrt": (np.sqrt, POSITIVE, NUM), "rsqrt": (lambda x: 1 / np.sqrt(x), POSITIVE, NUM),
    "sigmoid": (sp.expit, REAL, NUM), "erf": (sp.erf, REAL, NUM), "erfc": (sp.erfc, REAL, NUM),
    "erfinv": (sp.erfinv, UNIT, FLOAT), "lgamma": (sp.gammaln, POSITIVE, FLOAT),
    "digamma": (sp.digamma, POSITIVE, FLOAT), "reciprocal": (np.reciprocal, NONZERO, FLOAT),
    "neg": (np.negative, REAL, NUM), "abs": (np.abs, AT_ZERO, NUM), "sign": (np.sign, AT_ZERO, NUM),
    "sgn": (np.sign, AT_ZERO, NUM), "floor": (np.floor, STEPS, NUM), "ceil": (np.ceil, STEPS, NUM),
    "trunc": (np.trunc, STEPS, NUM), "frac": (lambda x: x - np.trunc(x), STEPS, FLOAT),
    "round": (np.round, Domain(kinks="half-integers"), NUM), "relu": (lambda x: np.maximum(x, 0), AT_ZERO, NUM),
    "square": (np.square, REAL, NUM),
}
for _name, (_ref, _dom, _dtypes) in _UNARY.items():
    spec(_name, method(_name), unary(_dom), _ref, dtypes=_dtypes, inplace=_name + "_")
    spec(_name + ".function", function(_name), unary(_dom), _ref, dtypes=("float32",))

spec("round.decimals", method("round"), shaped(lambda draw, s: {"decimals": 2}, Domain(kinks=())),
     lambda x, decimals: np.round(x, decimals), rtol=1e-5, atol=1e-3, differentiable=False)
spec("rsqrt.float16", method("rsqrt"), unary(POSITIVE), lambda x: 1 / np.sqrt(x), dtypes=("float16",),
     differentiable=False)
spec("sin.bfloat16", method("sin"), unary(REAL), np.sin, dtypes=("bfloat16",), differentiable=False)

_PREDICATES = {"isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite, "signbit": np.signbit,
               "logical_not": np.logical_not}
for _name, _ref in _PREDICATES.items():
    spec(_name, method(_name), unary(SPECIAL), _ref, dtypes=ALL, differentiable=False)
spec("bitwise_not", method("bitwise_not"), unary(), np.invert, dtypes=INT, differentiable=False,
     inplace="bitwise_not_")

# ---- binary elementwise --------------------------------------------------------------------
DIVISOR = Domain(exclude=(0.0,), kinks=())
BASE = Domain(0.5, 3.0)
EXPONENT = Domain(-2.0, 2.0)
# maximum/minimum: the two inputs live on interleaved grids, so they never tie
GRID_A = Domain(-4.0, 4.0, grid=0.25)
GRID_B = Domain(-4.0, 4.0, grid=0.25, offset=0.125)
# remainder/fmod: a on k + 1/4, b in {±1.5, ±2.5}: a / b is never an integer (a kink)
DIVIDEND = Domain(-5.0, 5.0, grid=1.0, offset=0.25)
MODULUS = Domain(choices=(-2.5, -1.5, 1.5, 2.5))


def _np_floor_divide(a, b):
    return np.floor_divide(a, b)


_BINARY = {
    # name: (numpy reference, domain a, domain b, dtypes)
    "add": (np.add, REAL, REAL, ALL[:3]), "sub": (np.subtract, REAL, REAL, NUM), "mul": (np.multiply, REAL, REAL, ALL),
    "div": (np.true_divide, REAL, DIVISOR, NUM), "true_divide": (np.true_divide, REAL, DIVISOR, FLOAT),
    "remainder": (np.remainder, DIVIDEND, MODULUS, NUM), "fmod": (np.fmod, DIVIDEND, MODULUS, NUM),
    "pow": (np.power, BASE, EXPONENT, FLOAT), "atan2": (np.arctan2, AT_ZERO, DIVISOR, FLOAT),
    "maximum": (np.maximum, GRID_A, GRID_B, NUM), "minimum": (np.minimum, GRID_A, GRID_B, NUM),
    "fmax": (np.fmax, GRID_A, GRID_B, FLOAT), "fmin": (np.fmin, GRID_A, GRID_B, FLOAT),
    "hypot": (np.hypot, NONZERO, REAL, FLOAT), "copysign": (np.copysign, NONZERO, NONZERO, FLOAT),
    "xlogy": (sp.xlogy, REAL, POSITIVE, FLOAT), "float_power": (lambda a, b: np.power(a, b), BASE, EXPONENT, FLOAT),
}
_NO_INPLACE = ("maximum", "minimum", "fmax", "fmin")  # PyTorch has no maximum_ ...
_TENSOR_OTHER = ("atan2", "maximum", "minimum", "fmax", "fmin", "hypot", "logical_and", "logical_or", "logical_xor")
for _name, (_ref, _da, _db, _dtypes) in _BINARY.items():
    spec(_name, function(_name), binary(_da, _db), _ref, dtypes=_dtypes,
         inplace=None if _name in _NO_INPLACE else _name + "_")
    if _name in _TENSOR_OTHER:
        continue
    spec(_name + ".scalar", lambda T, x, other, _n=_name: getattr(T, _n)(x, other), with_scalar(_da, _db),
         lambda x, other, _r=_ref: _r(x, other), dtypes=_dtypes)

spec("floor_divide", function("floor_divide"), binary(DIVIDEND, MODULUS), _np_floor_divide, dtypes=NUM,
     differentiable=False, inplace="floor_divide_")
spec("div.trunc", lambda T, a, b: T.div(a, b, rounding_mode="trunc"), binary(DIVIDEND, MODULUS),
     lambda a, b: np.trunc(a / b), dtypes=NUM, differentiable=False)
spec("div.floor", lambda T, a, b: T.div(a, b, rounding_mode="floor"), binary(DIVIDEND, MODULUS),
     lambda a, b: np.floor(a / b), dtypes=NUM, differentiable=False)
spec("add.alpha", lambda T, a, b: T.add(a, b, alpha=2), binary(), lambda a, b: a + 2 * b, dtypes=NUM)
spec("sub.alpha", lambda T, a, b: T.sub(a, b, alpha=2), binary(), lambda a, b: a - 2 * b, dtypes=NUM)
spec("rsub", lambda T, x, other: T.rsub(x, other), with_scalar(), lambda x, other: other - x, dtypes=NUM)
spec("pow.scalar_base", lambda T, x, base: T.pow(base, x), with_scalar(EXPONENT, BASE, "base"),
     lambda x, base: np.power(base, x))
spec("pow.int", lambda T, x, exponent: x.pow(exponent), with_scalar(REAL, Domain(0, 3, grid=1.0), "exponent"),
     lambda x, exponent: np.power(x, exponent), dtypes=NUM)
spec("lerp", lambda T, a, b: T.lerp(a, b, 0.25), binary(same_shape=True), lambda a, b: a + 0.25 * (b - a))
spec("lerp.tensor", function("lerp"), ternary(), lambda a, b, w: a + w * (b - a))
spec("addcmul", lambda T, a, b, c: T.addcmul(a, b, c, value=0.5), ternary(), lambda a, b, c: a + 0.5 * b * c)
spec("addcdiv", lambda T, a, b, c: T.addcdiv(a, b, c, value=0.5), ternary(REAL, REAL, DIVISOR),
     lambda a, b, c: a + 0.5 * b / c)
spec("where", function("where"), where_args(), np.where, dtypes=ALL)
spec("where.scalar", lambda T, c, x: T.where(c, x, 0.5), where_args(scalar=True), lambda c, x: np.where(c, x, 0.5))

# ---- comparisons and logical ops -----------------------------------------------------------
SMALL_INTS = Domain(-2, 2, grid=1.0)  # equal elements are common
_COMPARE = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
            "ge": np.greater_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
            "logical_xor": np.logical_xor}
for _name, _ref in _COMPARE.items():
    spec(_name, function(_name), binary(SMALL_INTS, SMALL_INTS), _ref, dtypes=ALL, differentiable=False)
    if _name in _TENSOR_OTHER:
        continue
    spec(_name + ".scalar", lambda T, x, other, _n=_name: getattr(T, _n)(x, other), with_scalar(SMALL_INTS, SMALL_INTS),
         lambda x, other, _r=_ref: _r(x, other), dtypes=NUM, differentiable=False)
for _name, _ref in {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor}.items():
    spec(_name, function(_name), binary(), _ref, dtypes=INT, differentiable=False, inplace=_name + "_")

# ---- clamp ---------------------------------------------------------------------------------
# x on a grid offset from the bounds' grid: x never equals a bound (a kink)
X_OFF = Domain(-4.0, 4.0, grid=0.25, offset=0.125)
BOUND = Domain(-3.0, 3.0, grid=0.5)
LOWER, UPPER = Domain(-3.0, 0.0, grid=0.5), Domain(0.25, 3.0, grid=0.5, offset=0.25)  # min < max: no kink at min == max


def _clamp_ref(x, min=None, max=None):  # noqa: A002
    out = x if min is None else np.maximum(x, min)
    return out if max is None else np.minimum(out, max)


def _bounds(draw, shape):
    from hypothesis import strategies as st

    lo, hi = draw(st.sampled_from([(True, True), (True, False), (False, True)]))
    kw = {}
    if lo:
        kw["min"] = float(draw(BOUND.elements(_dtype.float64)))
    if hi:
        kw["max"] = float(draw(BOUND.elements(_dtype.float64)))
    return kw


spec("clamp", method("clamp"), shaped(_bounds, X_OFF), _clamp_ref, inplace="clamp_")
spec("clip", method("clip"), shaped(_bounds, X_OFF), _clamp_ref, inplace="clip_")
# bounds broadcast into x's shape: PyTorch's backward fails when they would enlarge it
spec("clamp.tensor", lambda T, x, lo, hi: T.clamp(x, lo, hi), ternary(X_OFF, LOWER, UPPER, into_first=True),
     lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi))
spec("clamp_min", lambda T, x: T.clamp_min(x, 0.5), unary(X_OFF), lambda x: np.maximum(x, 0.5), inplace=None)
spec("clamp_max", lambda T, x: T.clamp_max(x, 0.5), unary(X_OFF), lambda x: np.minimum(x, 0.5))

# ---- softmax, sorting ----------------------------------------------------------------------


def _softmax(x, dim):
    a = axis(dim, x.ndim)
    e = np.exp(x - np.max(x, axis=a, keepdims=True))
    return e / np.sum(e, axis=a, keepdims=True)


spec("softmax", method("softmax"), along_dim(), _softmax)
spec("log_softmax", method("log_softmax"), along_dim(), lambda x, dim: np.log(_softmax(x, dim)))


def _sort_ref(x, dim=-1, descending=False):
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    idx = np.argsort(-x if descending else x, axis=dim, kind="stable")
    return np.take_along_axis(x, idx, dim), idx


def _descending(draw, shape, dim):
    from hypothesis import strategies as st

    return {"descending": draw(st.booleans())}


def _k(draw, shape, dim):
    from hypothesis import strategies as st

    size = shape[dim % len(shape)] if shape else 1
    return {"k": draw(st.integers(0, size)), "largest": draw(st.booleans())}


def _topk_ref(x, k, dim, largest):
    v, i = _sort_ref(x, dim, largest)
    if x.ndim == 0:
        return v, i
    return np.take(v, np.arange(k), axis=dim), np.take(i, np.arange(k), axis=dim)


def _kth(draw, shape, dim):
    from hypothesis import strategies as st

    size = shape[dim % len(shape)] if shape else 1
    return {"k": draw(st.integers(1, size))}


def _kthvalue_ref(x, k, dim):
    v, i = _sort_ref(x, dim)
    if x.ndim == 0:
        return v, i
    return np.take(v, k - 1, axis=dim), np.take(i, k - 1, axis=dim)


spec("sort", method("sort"), along_dim(unique=True, extra=_descending), _sort_ref, dtypes=NUM)
spec("argsort", method("argsort"), along_dim(unique=True, extra=_descending),
     lambda x, dim, descending: _sort_ref(x, dim, descending)[1], dtypes=NUM, differentiable=False)
spec("topk", method("topk"), along_dim(unique=True, extra=_k), _topk_ref, dtypes=NUM)
spec("kthvalue", method("kthvalue"), along_dim(unique=True, extra=_kth), _kthvalue_ref)
spec("median", lambda T, x: x.median(), unary(unique=True), lambda x: np.sort(x.reshape(-1))[(x.size - 1) // 2])
spec("median.dim", method("median"), along_dim(unique=True),
     lambda x, dim: _kthvalue_ref(x, ((x.shape[dim] if x.ndim else 1) + 1) // 2, dim))


def _one_hot(T, x, num_classes):
    return T.nn.functional.one_hot(x, num_classes)


spec("one_hot", _one_hot, shaped(lambda draw, s: {"num_classes": 4}, Domain(0, 3)),
     lambda x, num_classes: np.eye(num_classes, dtype=np.int64)[x], dtypes=("int64",), differentiable=False)

# ---- linear algebra ------------------------------------------------------------------------
_EINSUM_VIEW = "PyTorch's einsum result is a view: written in place, it shows AsStridedBackward0"
spec("matmul", function("matmul"), matmul_args(), np.matmul, rtol=1e-5, atol=1e-5)
spec("matmul.operator", lambda T, a, b: a @ b, matmul_args(), np.matmul, rtol=1e-5, atol=1e-5)
spec("mm", function("mm"), matrices(lambda n, k, m, b: (n, k), lambda n, k, m, b: (k, m)), np.matmul)
spec("bmm", function("bmm"), matrices(lambda n, k, m, b: (b, n, k), lambda n, k, m, b: (b, k, m)), np.matmul)
spec("mv", function("mv"), matrices(lambda n, k, m, b: (n, k), lambda n, k, m, b: (k,)), np.matmul)
spec("dot", function("dot"), matrices(lambda n, k, m, b: (k,), lambda n, k, m, b: (k,)), np.dot)
spec("inner", function("inner"), matrices(lambda n, k, m, b: (k,), lambda n, k, m, b: (k,)), np.inner,
     xfail=(("saves", _EINSUM_VIEW),))
spec("outer", function("outer"), matrices(lambda n, k, m, b: (n,), lambda n, k, m, b: (m,)), np.outer)
spec("addmm", function("addmm"), matrices(lambda n, k, m, b: (n, m), lambda n, k, m, b: (n, k), lambda n, k, m, b: (k, m)),
     lambda c, a, b: c + a @ b)
spec("addmm.scaled", lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2.0),
     matrices(lambda n, k, m, b: (m,), lambda n, k, m, b: (n, k), lambda n, k, m, b: (k, m)),
     lambda c, a, b: 0.5 * c + 2.0 * (a @ b))
spec("einsum", lambda T, a, b: T.einsum("ij,jk->ik", a, b),
     matrices(lambda n, k, m, b: (n, k), lambda n, k, m, b: (k, m)), np.matmul, xfail=(("saves", _EINSUM_VIEW),))

# ---- shape ops -----------------------------------------------------------------------------


def _same_numel(draw, shape):
    from hypothesis import strategies as st

    n = int(np.prod(shape))
    return {"shape": draw(st.sampled_from([(-1,), (n,), (1, n), (n, 1), tuple(reversed(shape)), shape + (1,)]))}


def _permutation(draw, shape):
    from hypothesis import strategies as st

    return {"dims": tuple(draw(st.permutations(range(len(shape)))))}


def _two_dims(draw, shape):

    from .strategies import dims

    return {"dim0": draw(dims(shape)), "dim1": draw(dims(shape))}


def _one_dim(draw, shape):
    from .strategies import dims

    return {"dim": draw(dims(shape))}


def _new_dim(draw, shape):
    from hypothesis import strategies as st

    return {"dim": draw(st.integers(-len(shape) - 1, len(shape)))}


def _expand_to(draw, shape):
    from hypothesis import strategies as st

    extra = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    return {"size": extra + tuple(draw(st.integers(1, 3)) if s == 1 else s for s in shape)}


def _reps(draw, shape):
    from hypothesis import strategies as st

    return {"reps": tuple(draw(st.lists(st.integers(1, 2), min_size=len(shape), max_size=len(shape) + 1)))}


def _flatten_dims(draw, shape):
    from hypothesis import strategies as st

    n = max(len(shape), 1)
    a, b = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2)))
    return {"start_dim": a, "end_dim": b}


def _split_size(draw, shape, dim):
    from hypothesis import strategies as st

    return {"split_size": draw(st.integers(1, max(shape[dim % len(shape)], 1)))}


def _chunks(draw, shape, dim):
    from hypothesis import strategies as st

    return {"chunks": draw(st.integers(1, 4))}


def _narrow(draw, shape, dim):
    from hypothesis import strategies as st

    size = shape[dim % len(shape)]
    start = draw(st.integers(0, size))
    return {"start": start, "length": draw(st.integers(0, size - start))}


def _select(draw, shape, dim):
    from hypothesis import strategies as st

    size = shape[dim % len(shape)]
    return {"index": draw(st.integers(-size, size - 1))}


def _diag(draw, shape):
    from hypothesis import strategies as st

    return {"offset": draw(st.integers(-2, 2))}


def _diagonal(draw, shape):
    from hypothesis import strategies as st

    return {"diagonal": draw(st.integers(-2, 2))}


def _shift(draw, shape):
    from hypothesis import strategies as st

    from .strategies import dims

    return {"shifts": draw(st.integers(-3, 3)), "dims": draw(dims(shape))}


def _np_split(x, split_size, dim):
    d = dim % x.ndim
    return tuple(np.take(x, range(i, min(i + split_size, x.shape[d])), axis=d) for i in range(0, x.shape[d], split_size))


def _np_chunk(x, chunks, dim):
    size = x.shape[dim % x.ndim]
    return _np_split(x, -(-size // chunks) if size else 1, dim)


def _np_squeeze(x, dim=None):
    if dim is None:
        return np.squeeze(x)
    d = axis(dim, x.ndim)
    return np.squeeze(x, d) if d is not None and x.shape[d] == 1 else x


def _tri(fn):
    return lambda x, diagonal: fn(x, diagonal)


spec("reshape", lambda T, x, shape: x.reshape(shape), shaped(_same_numel), lambda x, shape: x.reshape(shape), dtypes=ALL)
spec("view", lambda T, x, shape: x.view(shape), shaped(_same_numel), lambda x, shape: x.reshape(shape), dtypes=ALL)
spec("flatten", method("flatten"), shaped(_flatten_dims),
     lambda x, start_dim, end_dim: x.reshape(x.shape[:start_dim] + (-1,) + x.shape[end_dim + 1:]) if x.ndim else x.reshape(1))
spec("squeeze", lambda T, x: x.squeeze(), shaped(lambda d, s: {}), np.squeeze, dtypes=ALL)
spec("squeeze.dim", method("squeeze"), shaped(_one_dim), _np_squeeze, dtypes=ALL)
spec("unsqueeze", method("unsqueeze"), shaped(_new_dim), lambda x, dim: np.expand_dims(x, dim % (x.ndim + 1)), dtypes=ALL)
spec("transpose", method("transpose"), shaped(_two_dims),
     lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1) if x.ndim else x)
spec("permute", lambda T, x, dims: x.permute(dims), shaped(_permutation), lambda x, dims: np.transpose(x, dims))
# in-place shape changes, on a copy (x * 1: an in-place op on a leaf that requires grad raises)
spec("squeeze_", lambda T, x: (x * 1).squeeze_(), shaped(lambda d, s: {}), np.squeeze)
spec("squeeze_.dim", lambda T, x, dim: (x * 1).squeeze_(dim), shaped(_one_dim), _np_squeeze)
spec("unsqueeze_", lambda T, x, dim: (x * 1).unsqueeze_(dim), shaped(_new_dim),
     lambda x, dim: np.expand_dims(x, dim % (x.ndim + 1)))
spec("transpose_", lambda T, x, dim0, dim1: (x * 1).transpose_(dim0, dim1), shaped(_two_dims),
     lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1) if x.ndim else x)
spec("t_", lambda T, x: (x * 1).t_(), shaped(lambda d, s: {}, max_dims=2), lambda x: x.T)
spec("t", lambda T, x: x.t(), shaped(lambda d, s: {}, max_dims=2), lambda x: x.T)
spec("T", lambda T, x: x.T, shaped(lambda d, s: {}, min_dims=2, max_dims=2), lambda x: x.T,
     xfail=(("torch", _T_NAME),))
spec("mT", lambda T, x: x.mT, shaped(lambda d, s: {}, min_dims=2), lambda x: np.swapaxes(x, -1, -2))
spec("expand", lambda T, x, size: x.expand(size), shaped(_expand_to), lambda x, size: np.broadcast_to(x, size))
spec("repeat", lambda T, x, reps: x.repeat(reps), shaped(_reps), lambda x, reps: np.tile(x, reps))
spec("movedim", lambda T, x, dim0, dim1: x.movedim(dim0, dim1), shaped(_two_dims, min_dims=1),
     lambda x, dim0, dim1: np.moveaxis(x, dim0, dim1))
spec("flip", lambda T, x, dim: x.flip(dim), shaped(_one_dim, min_dims=1), lambda x, dim: np.flip(x, dim))
spec("roll", lambda T, x, shifts, dims: x.roll(shifts, dims), shaped(_shift, min_dims=1),
     lambda x, shifts, dims: np.roll(x, shifts, dims))
spec("diagonal", method("diagonal"), shaped(_diag, min_dims=2), lambda x, offset: np.diagonal(x, offset).copy())
spec("tril", method("tril"), shaped(_diagonal, min_dims=2), lambda x, diagonal: np.tril(x, diagonal), inplace="tril_")
spec("triu", method("triu"), shaped(_diagonal, min_dims=2), lambda x, diagonal: np.triu(x, diagonal), inplace="triu_")
spec("clone", method("clone"), unary(), np.copy, dtypes=ALL)
spec("contiguous", lambda T, x: x.transpose(0, -1).contiguous(), shaped(lambda d, s: {}, min_dims=1),
     lambda x: np.swapaxes(x, 0, -1))
spec("cat", lambda T, *xs, dim: T.cat(xs, dim), several(), lambda *xs, dim: np.concatenate(xs, dim), dtypes=NUM)
spec("stack", lambda T, *xs, dim: T.stack(xs, dim), several(dim_arg="stack"),
     lambda *xs, dim: np.stack(xs, dim % (xs[0].ndim + 1)), dtypes=NUM)
spec("split", lambda T, x, dim, split_size: x.split(split_size, dim), along_dim(min_dims=1, extra=_split_size), _np_split)
spec("chunk", lambda T, x, dim, chunks: x.chunk(chunks, dim), along_dim(min_dims=1, extra=_chunks), _np_chunk)
spec("unbind", method("unbind"), along_dim(min_dims=1),
     lambda x, dim: tuple(np.take(x, i, axis=dim) for i in range(x.shape[dim])))
spec("narrow", method("narrow"), along_dim(min_dims=1, extra=_narrow),
     lambda x, dim, start, length: np.take(x, range(start, start + length), axis=dim))
spec("select", method("select"), along_dim(min_dims=1, extra=_select), lambda x, dim, index: np.take(x, index, axis=dim))

# ---- indexing ------------------------------------------------------------------------------


def _index(draw, shape):
    from .strategies import index_expressions

    return {"index": draw(index_expressions(shape))}


def _np_index(x, index):
    return np.array(x[index])


spec("getitem", lambda T, x, index: x[index], shaped(_index), _np_index, dtypes=NUM)
def _np_gather(x, idx, dim):
    d = dim % x.ndim
    x = x[tuple(slice(0, s) if k != d else slice(None) for k, s in enumerate(idx.shape))]
    return np.take_along_axis(x, idx, d)


spec("gather", lambda T, x, idx, dim: x.gather(dim, idx), gather_args(), _np_gather)
spec("index_select", lambda T, x, idx, dim: x.index_select(dim, idx), index_select_args(),
     lambda x, idx, dim: np.take(x, idx, axis=dim))


def _np_scatter(x, idx, src, dim, reduce=None):
    out = x.copy()
    for pos in np.ndindex(*idx.shape):
        target = list(pos)
        target[dim % x.ndim] = idx[pos]
        target = tuple(target)
        v = src[pos] if isinstance(src, np.ndarray) else src
        out[target] = v if reduce is None else out[target] + v
    return out


spec("scatter", lambda T, x, idx, src, dim: x.scatter(dim, idx, src), scatter_args(unique_targets=True), _np_scatter)
spec("scatter.value", lambda T, x, idx, dim, value: x.scatter(dim, idx, value), scatter_args(unique_targets=True, src=False),
     lambda x, idx, dim, value: _np_scatter(x, idx, value, dim))
spec("scatter_add", lambda T, x, idx, src, dim: x.scatter_add(dim, idx, src), scatter_args(),
     lambda x, idx, src, dim: _np_scatter(x, idx, src, dim, "add"))
spec("masked_fill", lambda T, x, mask, value: x.masked_fill(mask, value), masked_args(),
     lambda x, mask, value: np.where(mask, value, x), dtypes=NUM)
spec("masked_select", lambda T, x, mask: x.masked_select(mask), masked_args(value=False),
     lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
         np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))])

# ---- conversions ---------------------------------------------------------------------------
spec("double", lambda T, x: x.double(), unary(), lambda x: x.astype(np.float64), dtypes=("float32",))
spec("float", lambda T, x: x.float(), unary(), lambda x: x.astype(np.float32), dtypes=("float64",),
     grad_eps=1e-3, grad_atol=1e-3, grad_rtol=1e-3)  # finite differences of a float32 result
spec("to.int", lambda T, x: x.to(T.int64), unary(), lambda x: x.astype(np.int64), dtypes=FLOAT, differentiable=False)

# ---- operators -----------------------------------------------------------------------------
def _power(a, b):
    """numpy's power, with PyTorch's integer results for negative integer exponents."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind not in "iu" or b.dtype.kind not in "iu":
        return np.power(a, b)
    neg = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(b >= 0, np.power(a, np.maximum(b, 0)), neg)


_OPERATORS = {  # name: (the operator, its numpy reference, domain a, domain b)
    "__add__": (lambda a, b: a + b, np.add, REAL, REAL), "__sub__": (lambda a, b: a - b, np.subtract, REAL, REAL),
    "__mul__": (lambda a, b: a * b, np.multiply, REAL, REAL),
    "__truediv__": (lambda a, b: a / b, np.true_divide, REAL, DIVISOR),
    "__pow__": (lambda a, b: a**b, _power, BASE, EXPONENT), "__mod__": (lambda a, b: a % b, np.remainder, DIVIDEND, MODULUS),
    "__floordiv__": (lambda a, b: a // b, np.floor_divide, DIVIDEND, MODULUS),
}
for _name, (_fn, _ref, _da, _db) in _OPERATORS.items():
    _nd = _name == "__floordiv__"  # no derivative in PyTorch: floor_divide, remainder of a number
    spec(_name, lambda T, a, b, _f=_fn: _f(a, b), binary(_da, _db), _ref, dtypes=NUM, differentiable=not _nd)
    spec(_name.replace("__", "__r", 1), lambda T, x, other, _f=_fn: _f(other, x), with_scalar(_db, _da),
         lambda x, other, _r=_ref: _r(other, x), dtypes=NUM, differentiable=not (_nd or _name == "__mod__"))
spec("__neg__", lambda T, x: -x, unary(), np.negative, dtypes=NUM)
spec("__abs__", lambda T, x: abs(x), unary(AT_ZERO), np.abs, dtypes=NUM)
spec("__invert__", lambda T, x: ~x, unary(), np.invert, dtypes=INT, differentiable=False)
spec("__and__", lambda T, a, b: a & b, binary(), np.bitwise_and, dtypes=INT, differentiable=False)
spec("__or__", lambda T, a, b: a | b, binary(), np.bitwise_or, dtypes=INT, differentiable=False)
spec("__xor__", lambda T, a, b: a ^ b, binary(), np.bitwise_xor, dtypes=INT, differentiable=False)
spec("__lt__", lambda T, a, b: a < b, binary(SMALL_INTS, SMALL_INTS), np.less, dtypes=NUM, differentiable=False)
spec("__eq__", lambda T, a, b: a == b, binary(SMALL_INTS, SMALL_INTS), np.equal, dtypes=ALL, differentiable=False)

# ---- in-place ops on a computed tensor (autograd through the in-place write) ---------------
_INPLACE = {
    "add_": (lambda x, y: x.add_(y), np.add), "sub_": (lambda x, y: x.sub_(y), np.subtract),
    "mul_": (lambda x, y: x.mul_(y), np.multiply), "div_": (lambda x, y: x.div_(y), np.divide),
    "copy_": (lambda x, y: x.copy_(y), lambda x, y: y + 0 * x),
}
for _name, (_fn, _ref) in _INPLACE.items():
    spec(_name + ".graph", lambda T, a, b, _f=_fn: _f(a * 1, b),
         binary(REAL, DIVISOR if _name == "div_" else REAL, same_shape=True), _ref)
spec("zero_.graph", lambda T, x: (x * 1).zero_(), unary(), np.zeros_like)
# the fills as in-place variants of their out-of-place equivalents (returned object, version bump)
spec("zero_", lambda T, x: T.zeros_like(x), unary(), np.zeros_like, dtypes=ALL, differentiable=False, inplace="zero_")
spec("fill_", lambda T, x, value: T.full_like(x, value), with_scalar(name="value"),
     lambda x, value: np.full_like(x, value), dtypes=NUM, differentiable=False, inplace="fill_")
spec("copy_", lambda T, x, src: src.expand_as(x).to(x.dtype), binary(into_first=True),
     lambda x, src: np.broadcast_to(src, x.shape).astype(x.dtype), dtypes=NUM, differentiable=False, inplace="copy_")
spec("fill_.graph", lambda T, x: (x * 1).fill_(1.5), unary(), lambda x: np.full_like(x, 1.5))
spec("fill_.tensor", lambda T, x: (x * 1).fill_(x.sum() * 0.5), unary(), lambda x: np.full_like(x, x.sum() * 0.5))
spec("clamp_.graph", lambda T, x: (x * 1).clamp_(-1.0, 1.0), unary(X_OFF), lambda x: np.clip(x, -1, 1))
spec("sin_.graph", lambda T, x: (x * 1).sin_(), unary(), np.sin)
spec("setitem.graph", lambda T, x, index: _setitem(x * 1, index), shaped(_index), None)


def _setitem(x, index):
    x[index] = 0.5
    return x


del _name, _ref, _dom, _dtypes, _da, _db, _fn, _nd
SPECS.pop(None, None)

# the other families' specs, one module each (they call spec() above)
from . import _activation_specs, _attention_specs, _conv_specs, _core_cases_specs, _layer_specs  # noqa: E402,F401
from . import _linalg_specs, _loss_specs, _pointwise_random_specs, _reduction_specs, _rnn_specs  # noqa: E402,F401
from . import _complex_specs, _ctc_specs, _embedding_bag_specs, _grid_sample_specs, _pixel_shuffle_specs  # noqa: E402,F401
from . import _resize_specs, _shape_index_specs  # noqa: E402,F401
from . import _special_specs  # noqa: E402,F401
from . import _margin_specs  # noqa: E402,F401
from . import _fold_specs, _view_scatter_specs  # noqa: E402,F401
