"""Op specs for the core ops added after the first table (see _op_specs.py for the format): more
elementwise ops, linear algebra (torch.linalg), reductions and scans, shape and indexing ops,
random sampling.

Decompositions whose outputs are unique only up to signs (eigenvectors, singular vectors) are
checked through sign-free functions of them (u @ vh, v * v), as their gradients are.
"""
import itertools
import math

import numpy as np
import scipy.special as sp
from hypothesis import strategies as st

from .. import _dtype
from ._case_builders import REAL, array, binary, index_array, shape_of, shaped, unary, with_scalar
from ._domains import Domain
from ._op_specs import ALL, NUM, axis, function, method, spec
from ._op_spec import FLOAT
from .strategies import mutually_broadcastable_shapes

LONG = _dtype.int64
BOOL = _dtype.bool_
INTS = ("int64",)
OPEN_UNIT = Domain(0.05, 0.95)
POSITIVE = Domain(0.1, 4.0)
SPECIAL = Domain(special=True)
SMALL_INTS = Domain(-2, 2, grid=1.0)


def _one(draw, choices):
    return draw(st.sampled_from(choices))


# ---- elementwise ---------------------------------------------------------------------------
def _np_logit(x, eps=None):
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    with np.errstate(all="ignore"):
        return np.log(x / (1 - x))


spec("logit", method("logit"), unary(OPEN_UNIT), _np_logit, inplace="logit_")
spec("logit.int", method("logit"), unary(Domain(0, 1)), _np_logit, dtypes=INTS, differentiable=False)
spec("logit.eps", lambda T, x: T.logit(x, eps=0.2), unary(Domain(0.0, 1.0, kinks=(0.2, 0.8))),
     lambda x: _np_logit(x, 0.2), inplace=None)
spec("nan_to_num", method("nan_to_num"), unary(SPECIAL), lambda x: np.nan_to_num(x), dtypes=ALL,
     inplace="nan_to_num_")
spec("nan_to_num.values", lambda T, x: x.nan_to_num(1.5, posinf=2.0, neginf=-3.0), unary(SPECIAL),
     lambda x: np.nan_to_num(x, nan=1.5, posinf=2.0, neginf=-3.0))
spec("sinc", method("sinc"), unary(), np.sinc, dtypes=NUM, inplace="sinc_", atol=1e-6, rtol=1e-5)
spec("deg2rad", method("deg2rad"), unary(), np.deg2rad, dtypes=NUM, inplace="deg2rad_")
spec("rad2deg", method("rad2deg"), unary(), np.rad2deg, dtypes=NUM, inplace="rad2deg_")
spec("i0", method("i0"), unary(), sp.i0, dtypes=NUM, inplace="i0_")
spec("polygamma", lambda T, x, n: T.polygamma(n, x), shaped(lambda draw, s: {"n": _one(draw, [0, 1, 2])}, POSITIVE),
     lambda x, n: sp.polygamma(n, x), rtol=1e-4, atol=1e-5)
spec("polygamma.method", lambda T, x: x.polygamma(1), unary(POSITIVE), lambda x: sp.polygamma(1, x),
     dtypes=("float64",), inplace=None)
spec("polygamma_.graph", lambda T, x: (x * 1).polygamma_(1), unary(POSITIVE), lambda x: sp.polygamma(1, x), **dict(
    rtol=1e-4, atol=1e-5))
spec("positive", method("positive"), unary(), lambda x: x, dtypes=NUM)
spec("isneginf", method("isneginf"), unary(SPECIAL), np.isneginf, dtypes=ALL, differentiable=False)
spec("isposinf", method("isposinf"), unary(SPECIAL), np.isposinf, dtypes=ALL, differentiable=False)
spec("isreal", method("isreal"), unary(SPECIAL), np.isreal, dtypes=ALL, differentiable=False)
POWERS_OF_TWO = (0.0,) + tuple(s * 2.0**k for k in range(-2, 4) for s in (1, -1))  # frexp's jumps
spec("frexp", method("frexp"), unary(Domain(-8.0, 8.0, kinks=POWERS_OF_TWO)), lambda x: tuple(np.frexp(x)))
spec("ldexp", function("ldexp"), binary(REAL, Domain(-3, 3, grid=1.0)), lambda a, b: a * np.exp2(b),
     dtypes=FLOAT, inplace="ldexp_")
# integer exponents (gradcheck: off, the exponent goes through .long(), a step function; the "ldexp" spec gradchecks
# the same op): PyTorch's gradient for a negative integer exponent is 0, as it takes 2 ** other in integer arithmetic;
# facade's is 2 ** other
spec("ldexp.int", lambda T, a, b: T.ldexp(a, b.long()), binary(REAL, Domain(0, 3, grid=1.0)),
     lambda a, b: a * np.exp2(b), dtypes=("float64",), gradcheck=False)
spec("ldexp.int.negative", lambda T, a, b: T.ldexp(a, b.long()), binary(REAL, Domain(-3, -1, grid=1.0)),
     lambda a, b: a * np.exp2(b), dtypes=("float64",), gradcheck=False,
     xfail=(("torch", "PyTorch's gradient of ldexp for a negative integer exponent is 0 (2 ** other in integer "
                      "arithmetic); facade's is 2 ** other, the derivative"),))
# a step function: no gradcheck; input never 0 (the next value is subnormal: facade's gradient there is 0, as XLA
# on CPU flushes subnormal arithmetic)
spec("nextafter", function("nextafter"), binary(Domain(-2, 2, grid=1.0, exclude=(0.0,)), SMALL_INTS), np.nextafter,
     inplace="nextafter_", gradcheck=False)
spec("nextafter.zero", lambda T, a, b: T.nextafter(a, b), binary(Domain(0, 0, grid=1.0), SMALL_INTS), np.nextafter,
     differentiable=False)
spec("logaddexp", function("logaddexp"), binary(), np.logaddexp)
spec("logaddexp2", function("logaddexp2"), binary(), np.logaddexp2)
spec("heaviside", function("heaviside"), binary(SMALL_INTS, REAL),
     lambda a, b: np.heaviside(a, b).astype(a.dtype), dtypes=NUM, inplace="heaviside_",
     differentiable=False)  # PyTorch has no derivative: tests/ops/test_more_ops_errors.py checks its error
spec("heaviside_.graph", lambda T, a, b: (a * 1).heaviside_(b), binary(SMALL_INTS, REAL, into_first=True),
     lambda a, b: np.heaviside(a, b).astype(a.dtype), differentiable=False)
spec("gcd", function("gcd"), binary(Domain(-12, 12), Domain(-12, 12)), np.gcd, dtypes=INTS, differentiable=False,
     inplace="gcd_")
spec("lcm", function("lcm"), binary(Domain(-12, 12), Domain(-12, 12)), np.lcm, dtypes=INTS, differentiable=False,
     inplace="lcm_")
SHIFTS = Domain(0, 5)
spec("bitwise_left_shift", function("bitwise_left_shift"), binary(Domain(-8, 8), SHIFTS), np.left_shift,
     dtypes=INTS, differentiable=False, inplace="bitwise_left_shift_")
spec("bitwise_right_shift", function("bitwise_right_shift"), binary(Domain(-64, 64), SHIFTS), np.right_shift,
     dtypes=INTS, differentiable=False, inplace="bitwise_right_shift_")
spec("__lshift__", lambda T, a, b: a << b, binary(Domain(-8, 8), SHIFTS), np.left_shift, dtypes=INTS,
     differentiable=False)
spec("__rshift__.scalar", lambda T, a, other: a >> other, with_scalar(Domain(-64, 64), SHIFTS), 
     lambda a, other: np.right_shift(a, other), dtypes=INTS, differentiable=False)
spec("__rlshift__", lambda T, a, other: other << a, with_scalar(SHIFTS, Domain(-8, 8)),
     lambda a, other: np.left_shift(other, a), dtypes=INTS, differentiable=False)


def _isin_args(draw, dtype, limits, smooth):
    x = array(draw, dtype, shape_of(draw, limits), SMALL_INTS)
    test = array(draw, dtype, shape_of(draw, limits, max_dims=1), SMALL_INTS)
    return (x, test), {"invert": draw(st.booleans())}


spec("isin", function("isin"), _isin_args, lambda e, t, invert: np.isin(e, t, invert=invert), dtypes=NUM,
     differentiable=False)
spec("isin.scalar", lambda T, x: T.isin(x, 1), unary(SMALL_INTS), lambda x: np.isin(x, 1), dtypes=NUM,
     differentiable=False)


# ---- linear algebra ------------------------------------------------------------------------
def _eye(T, a):
    return T.eye(a.shape[-1], dtype=a.dtype)


def _np_eye(a):
    return np.eye(a.shape[-1], dtype=a.dtype)


def _wc(T, a):
    """a made diagonally dominant (invertible, well conditioned): a + (4n + 1) I."""
    return a + (4 * a.shape[-1] + 1) * _eye(T, a)


def _np_wc(a):
    return a + (4 * a.shape[-1] + 1) * _np_eye(a)


def _pd(T, a):
    """a a^T + I: symmetric positive-definite."""
    return a @ a.mT + _eye(T, a)


def _np_pd(a):
    return a @ np.swapaxes(a, -1, -2) + _np_eye(a)


def _spread(T, a):
    """Symmetric, with well separated eigenvalues: (a + a^T) / 2 + diag(0, 30, 60, ...)."""
    n = a.shape[-1]
    return (a + a.mT) / 2 + T.diag(T.arange(n, dtype=a.dtype) * 30)


def _np_spread(a):
    n = a.shape[-1]
    return (a + np.swapaxes(a, -1, -2)) / 2 + np.diag(np.arange(n, dtype=a.dtype) * 30)


def _separated(T, a):
    """a with well separated, nonzero singular values: a + 30 (i + 1) on its main diagonal."""
    m, n = a.shape[-2:]
    return a + T.eye(m, n, dtype=a.dtype) * (T.arange(1, n + 1, dtype=a.dtype) * 30)


def _generic_offsets(m, n):
    return (np.arange(m * n).reshape(m, n) * 0.6180339887 % 1 + 0.1) * 0.37


def _generic(T, a):
    """a plus fixed, irregular offsets in [0.04, 0.41): no exact zeros, no structure."""
    return a + T.tensor(_generic_offsets(*a.shape[-2:]), dtype=a.dtype)


def _np_generic(a):
    return a + _generic_offsets(*a.shape[-2:]).astype(a.dtype)


def _np_separated(a):
    m, n = a.shape[-2:]
    return a + np.eye(m, n, dtype=a.dtype) * (np.arange(1, n + 1, dtype=a.dtype) * 30)


def _repeat_first_row(T, a):
    """a with its last row replaced by its first: singular (for n >= 2), of rank n - 1 mostly."""
    return T.cat([a[..., :-1, :], a[..., :1, :]], dim=-2)


def _np_repeat_first_row(a):
    return np.concatenate([a[..., :-1, :], a[..., :1, :]], axis=-2)


def square(batch=True, extra=None):
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(1, limits["max_side"]))
        lead = (draw(st.integers(1, 2)),) if batch and draw(st.booleans()) else ()
        return (array(draw, dtype, lead + (n, n), REAL, smooth),), ({} if extra is None else extra(draw, (n, n)))

    return build


def rect(batch=True):
    def build(draw, dtype, limits, smooth):
        m, n = (draw(st.integers(1, limits["max_side"])) for _ in range(2))
        lead = (draw(st.integers(1, 2)),) if batch and draw(st.booleans()) else ()
        return (array(draw, dtype, lead + (m, n), REAL, smooth),), {}

    return build


def square_and(rhs):
    """A square matrix (batched or not) and a right-hand side rhs(draw, batch, n, limits) -> shape."""
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(1, limits["max_side"]))
        lead = (draw(st.integers(1, 2)),) if draw(st.booleans()) else ()
        a = array(draw, dtype, lead + (n, n), REAL, smooth)
        return (a, array(draw, dtype, rhs(draw, lead, n, limits), REAL, smooth)), {}

    return build


def _batched(fn):
    """fn of one matrix applied to each matrix of a batch (numpy references)."""
    def ref(a, *rest):
        if a.ndim == 2:
            return fn(a, *rest)
        outs = [fn(m, *rest) for m in a]
        return tuple(np.stack(o) for o in zip(*outs)) if isinstance(outs[0], tuple) else np.stack(outs)

    return ref


LIN = dict(rtol=1e-4, atol=1e-5)
# core (facade/autograd/engine.py, _bad_version): the "modified by an inplace operation" error always says "output 0
# of ..."; PyTorch names the modified output's index (S is output 1 of LinalgSvdBackward0, also for svdvals)
_OUTPUT_INDEX = (("saves", "core: the in-place-modified error names output 0, PyTorch the output's own index"),)
spec("linalg.inv", lambda T, a: T.linalg.inv(_wc(T, a)), square(), lambda a: np.linalg.inv(_np_wc(a)), **LIN)
spec("inverse", lambda T, a: _wc(T, a).inverse(), square(), lambda a: np.linalg.inv(_np_wc(a)), **LIN)
spec("linalg.det", lambda T, a: T.linalg.det(_wc(T, a)), square(), lambda a: np.linalg.det(_np_wc(a)), **LIN)
# an exactly singular matrix: PyTorch's gradient is det * A^-H through an LU solve, 0 there; facade's is the cofactor
# matrix (JAX's), the derivative, which is not 0 where the rank is n - 1
spec("linalg.det.singular", lambda T, a: T.linalg.det(_repeat_first_row(T, a)), square(batch=False),
     lambda a: np.linalg.det(_np_repeat_first_row(a)), gradcheck=False,
     xfail=(("torch", "PyTorch's det gradient at an exactly singular matrix is 0; facade's is the cofactor matrix"),),
     **LIN)
spec("det", lambda T, a: _wc(T, a).det(), square(), lambda a: np.linalg.det(_np_wc(a)), **LIN)
spec("linalg.slogdet", lambda T, a: T.linalg.slogdet(_wc(T, a) - 8 * _eye(T, a)), square(),
     lambda a: tuple(np.linalg.slogdet(_np_wc(a) - 8 * _np_eye(a))), **LIN)
spec("slogdet", lambda T, a: T.slogdet(_wc(T, a)), square(), lambda a: tuple(np.linalg.slogdet(_np_wc(a))), **LIN)
spec("logdet", lambda T, a: T.logdet(_wc(T, a)), square(), lambda a: _logdet(_np_wc(a)), **LIN)
spec("logdet.negative", lambda T, a: T.logdet(_wc(T, a) - 8 * _eye(T, a)), square(),
     lambda a: _logdet(_np_wc(a) - 8 * _np_eye(a)), gradcheck=False, **LIN)  # NaN where the determinant is < 0


def _logdet(a):
    sign, logabs = np.linalg.slogdet(a)
    return np.where(sign < 0, np.nan, logabs)


def _rhs_matrix(draw, lead, n, limits):
    return lead + (n, draw(st.integers(1, limits["max_side"])))


def _rhs_vector(draw, lead, n, limits):
    return lead + (n,)


spec("linalg.solve", lambda T, a, b: T.linalg.solve(_wc(T, a), b), square_and(_rhs_matrix),
     lambda a, b: np.linalg.solve(_np_wc(a), b), **LIN)
spec("linalg.solve.vector", lambda T, a, b: T.linalg.solve(_wc(T, a), b), square_and(_rhs_vector),
     lambda a, b: np.linalg.solve(_np_wc(a), b[..., None])[..., 0], **LIN)
spec("linalg.solve.left", lambda T, a, b: T.linalg.solve(_wc(T, a), b.mT, left=False), square_and(_rhs_matrix),
     lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(_np_wc(a), -1, -2), b), -1, -2), **LIN)
spec("linalg.cholesky", lambda T, a: T.linalg.cholesky(_pd(T, a)), square(),
     lambda a: np.linalg.cholesky(_np_pd(a)), **LIN)
spec("linalg.cholesky.upper", lambda T, a: T.linalg.cholesky(_pd(T, a), upper=True), square(),
     lambda a: np.swapaxes(np.linalg.cholesky(_np_pd(a)), -1, -2), **LIN)
spec("cholesky", lambda T, a: _pd(T, a).cholesky(), square(), lambda a: np.linalg.cholesky(_np_pd(a)), **LIN)
spec("linalg.qr", lambda T, a: T.linalg.qr(_separated(T, a)), rect(batch=False),
     lambda a: tuple(np.linalg.qr(_np_separated(a))), **LIN)
spec("linalg.qr.complete", lambda T, a: T.linalg.qr(_separated(T, a).mT[:2], mode="complete"), rect(batch=False),
     lambda a: tuple(np.linalg.qr(np.swapaxes(_np_separated(a), -1, -2)[:2], mode="complete")), **LIN)
spec("qr", lambda T, a: _separated(T, a).qr(), rect(batch=False), lambda a: tuple(np.linalg.qr(_np_separated(a))),
     **LIN)


def _svd_parts(T, u, s, vh):
    k = s.shape[-1]
    return s, u[..., :, :k] @ vh[..., :k, :]  # free of the singular vectors' signs


def _np_svd(a):
    u, s, vh = np.linalg.svd(_np_separated(a), full_matrices=False)
    return s, u @ vh


spec("linalg.svd", lambda T, a: _svd_parts(T, *T.linalg.svd(_separated(T, a), full_matrices=False)),
     rect(batch=False), _np_svd, xfail=_OUTPUT_INDEX, **LIN)
spec("linalg.svd.full", lambda T, a: _svd_parts(T, *T.linalg.svd(_separated(T, a))), rect(batch=False), _np_svd,
     xfail=_OUTPUT_INDEX, **LIN)
spec("svd", lambda T, a: _svd_parts(T, *(lambda r: (r.U, r.S, r.V.mT))(_separated(T, a).svd())), rect(batch=False),
     _np_svd, xfail=_OUTPUT_INDEX, **LIN)
spec("linalg.svdvals", lambda T, a: T.linalg.svdvals(_separated(T, a)), rect(batch=False),
     lambda a: np.linalg.svd(_np_separated(a), compute_uv=False), xfail=_OUTPUT_INDEX, **LIN)


def _eigh_parts(r):
    w, v = r
    return w, v * v  # free of the eigenvectors' signs


spec("linalg.eigh", lambda T, a: _eigh_parts(T.linalg.eigh(_spread(T, a))), square(batch=False),
     lambda a: _eigh_parts(np.linalg.eigh(_np_spread(a))), **LIN)
spec("linalg.eigh.upper", lambda T, a: _eigh_parts(T.linalg.eigh(_spread(T, a), UPLO="U")), square(batch=False),
     lambda a: _eigh_parts(np.linalg.eigh(_np_spread(a), UPLO="U")), **LIN)
spec("linalg.eigvalsh", lambda T, a: T.linalg.eigvalsh(_spread(T, a)), square(batch=False),
     lambda a: np.linalg.eigvalsh(_np_spread(a)), **LIN)
# pinv: off the grid (_generic), so no entry of the result is an exact 0 in one library and a rounding residue of
# the SVD (1e-11) in the other, which would print differently
spec("linalg.pinv", lambda T, a: T.linalg.pinv(_generic(T, _separated(T, a))), rect(),
     _batched(lambda a: np.linalg.pinv(_np_generic(_np_separated(a)))), **LIN)
spec("linalg.pinv.atol", lambda T, a: T.linalg.pinv(_generic(T, _separated(T, a)), atol=1.0), rect(batch=False),
     lambda a: np.linalg.pinv(_np_generic(_np_separated(a))), **LIN)
spec("linalg.pinv.hermitian", lambda T, a: T.linalg.pinv(_spread(T, a) + 1, hermitian=True), square(batch=False),
     lambda a: np.linalg.pinv(_np_spread(a) + 1, hermitian=True), **LIN)
spec("linalg.matrix_rank", lambda T, a: T.linalg.matrix_rank(a), rect(), _batched(np.linalg.matrix_rank),
     differentiable=False)


def _tall(draw, dtype, limits, smooth):
    n = draw(st.integers(1, 2))
    m = draw(st.integers(n, limits["max_side"]))
    return (array(draw, dtype, (m, n), REAL, smooth), array(draw, dtype, (m, draw(st.integers(1, 2))), REAL, smooth)), {}


spec("linalg.lstsq", lambda T, a, b: T.linalg.lstsq(_separated(T, a), b).solution, _tall,
     lambda a, b: np.linalg.lstsq(_np_separated(a), b, rcond=None)[0], **LIN)
spec("linalg.lstsq.gelsd", lambda T, a, b: T.linalg.lstsq(_separated(T, a), b, driver="gelsd")[:2], _tall,
     lambda a, b: _np_lstsq(_np_separated(a), b), **LIN)


def _np_lstsq(a, b):
    x, res, _, _ = np.linalg.lstsq(a, b, rcond=None)
    return x, res if a.shape[0] > a.shape[1] else np.zeros((0,), a.dtype)


def _mat_ord(ords):
    return lambda draw, shape: {"ord": _one(draw, ords), "keepdim": draw(st.booleans())}


def _np_matrix_norm(a, ord, keepdim):
    return np.linalg.norm(a, ord, axis=(-2, -1), keepdims=keepdim)


def _vec_ord(draw, shape):
    # not ord 0: PyTorch's gradient is None there, facade's zeros
    return {"ord": _one(draw, [2, 1, 3, math.inf, -math.inf]), "dim": -1, "keepdim": draw(st.booleans())}


def _np_vector_norm(a, ord, dim, keepdim):
    return np.linalg.norm(a, ord, axis=dim, keepdims=keepdim)


NORM_VALUES = Domain(-4.0, 4.0, grid=0.5, offset=0.25)  # never 0, no ties of |x|: no kinks
spec("linalg.matrix_norm", lambda T, a, ord, keepdim: T.linalg.matrix_norm(_separated(T, a), ord, keepdim=keepdim),
     shaped(_mat_ord(["fro", 1, -1, math.inf, -math.inf]), NORM_VALUES, min_dims=2, max_dims=3),
     lambda a, ord, keepdim: _np_matrix_norm(_np_separated(a), ord, keepdim), **LIN)
spec("linalg.matrix_norm.svd", lambda T, a, ord, keepdim: T.linalg.matrix_norm(_separated(T, a), ord, keepdim=keepdim),
     shaped(_mat_ord(["nuc", 2, -2]), NORM_VALUES, min_dims=2, max_dims=3),
     lambda a, ord, keepdim: _np_matrix_norm(_np_separated(a), ord, keepdim), xfail=_OUTPUT_INDEX, **LIN)
spec("linalg.vector_norm", lambda T, a, **kw: T.linalg.vector_norm(a, **kw), shaped(_vec_ord, NORM_VALUES, min_dims=1),
     _np_vector_norm, **LIN)
spec("linalg.norm", lambda T, a: (T.linalg.norm(a), T.linalg.norm(a, dim=-1), T.linalg.norm(a, 1)),
     shaped(lambda draw, s: {}, NORM_VALUES, min_dims=2, max_dims=2),
     lambda a: (np.linalg.norm(a), np.linalg.norm(a, axis=-1), np.linalg.norm(a, 1)), **LIN)
spec("norm.nuc", lambda T, a: _separated(T, a).norm("nuc"), rect(batch=False),
     lambda a: np.linalg.norm(_np_separated(a), "nuc"), xfail=_OUTPUT_INDEX, **LIN)


def _cross_args(draw, dtype, limits, smooth):
    lead = shape_of(draw, limits, max_dims=1)
    return (array(draw, dtype, lead + (3,), REAL, smooth), array(draw, dtype, lead + (3,), REAL, smooth)), {}


spec("linalg.cross", lambda T, a, b: T.linalg.cross(a, b), _cross_args, lambda a, b: np.cross(a, b), dtypes=NUM)
spec("cross", lambda T, a, b: T.cross(a.mT, b.mT, dim=0) if a.ndim == 2 else T.cross(a, b, dim=0), _cross_args,
     lambda a, b: np.cross(a, b, axis=-1).T if a.ndim == 2 else np.cross(a, b))


def _power(draw, shape):
    return {"n": _one(draw, [0, 1, 2, 3, 4, 5, -1, -2])}


spec("linalg.matrix_power", lambda T, a, n: T.linalg.matrix_power(_wc(T, a) / 10, n), square(extra=_power),
     lambda a, n: np.linalg.matrix_power(_np_wc(a) / 10, n), **LIN)
spec("matrix_power.int", lambda T, a, n: a.matrix_power(n), square(batch=False, extra=lambda d, s: {"n": _one(d, [0, 2, 5])}),
     lambda a, n: np.linalg.matrix_power(a, n), dtypes=INTS, differentiable=False)


def _chain(draw, dtype, limits, smooth):
    k = draw(st.integers(2, 4))
    sides = [draw(st.integers(1, limits["max_side"])) for _ in range(k + 1)]
    shapes = [(sides[i], sides[i + 1]) for i in range(k)]
    if draw(st.booleans()):
        shapes[0] = shapes[0][1:]
    if draw(st.booleans()):
        shapes[-1] = shapes[-1][:1]
    return tuple(array(draw, dtype, s, REAL, smooth) for s in shapes), {}


spec("linalg.multi_dot", lambda T, *ts: T.linalg.multi_dot(ts), _chain, lambda *ts: np.linalg.multi_dot(ts), **LIN)
def _as_matrices(ts):
    first, *mid, last = ts
    return [first.reshape(1, -1) if first.ndim == 1 else first, *mid, last.reshape(-1, 1) if last.ndim == 1 else last]


spec("chain_matmul", lambda T, *ts: T.chain_matmul(*_as_matrices(ts)), _chain,
     lambda *ts: np.linalg.multi_dot(_as_matrices(ts)), **LIN)
spec("linalg.diagonal", lambda T, a: T.linalg.diagonal(a, offset=1), shaped(lambda d, s: {}, min_dims=2),
     lambda a: np.diagonal(a, 1, -2, -1).copy())
spec("trace", method("trace"), shaped(lambda d, s: {}, min_dims=2, max_dims=2), np.trace, dtypes=NUM)


def _offset(draw, shape):
    return {"diagonal": draw(st.integers(-2, 2))}


spec("diag", method("diag"), shaped(_offset, min_dims=1, max_dims=2),
     lambda x, diagonal: np.diag(x, diagonal), dtypes=NUM)


def _embed(draw, shape):
    n = len(shape) + 1
    d1, d2 = draw(st.permutations(range(n)))[:2]
    return {"offset": draw(st.integers(-2, 2)), "dim1": d1 - n * draw(st.booleans()), "dim2": d2}


def _np_diag_embed(x, offset, dim1, dim2):
    n = x.shape[-1] if x.ndim else 1
    out = np.zeros(x.shape[:-1] + (n + abs(offset),) * 2, x.dtype)
    for i in range(n):
        out[..., i + max(-offset, 0), i + max(offset, 0)] = x[..., i]
    return np.moveaxis(out, (-2, -1), (dim1 % (x.ndim + 1), dim2))


spec("diag_embed", method("diag_embed"), shaped(_embed, min_dims=1), _np_diag_embed, dtypes=NUM)
spec("diagflat", lambda T, x, diagonal: x.diagflat(diagonal), shaped(_offset),
     lambda x, diagonal: np.diagflat(x, diagonal), dtypes=NUM)


def _tensordot_args(draw, dtype, limits, smooth):
    k = draw(st.integers(0, 2))
    common = tuple(draw(st.integers(1, limits["max_side"])) for _ in range(k))
    fa = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1))))
    fb = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1))))
    return (array(draw, dtype, fa + common, REAL, smooth), array(draw, dtype, common + fb, REAL, smooth)), {"dims": k}


spec("tensordot", lambda T, a, b, dims: T.tensordot(a, b, dims), _tensordot_args,
     lambda a, b, dims: np.tensordot(a, b, dims), **LIN)
def _fixed(*shapes):
    """Arrays of fixed shapes (ops whose compile time makes every new shape costly)."""
    return lambda draw, dtype, limits, smooth: (tuple(array(draw, dtype, s, REAL, smooth) for s in shapes), {})


spec("tensordot.lists", lambda T, a, b: T.tensordot(a, b.mT, ([0], [1])), _fixed((2, 3), (2, 2)),
     lambda a, b: np.tensordot(a, b.T, ([0], [1])), **LIN)
spec("kron", function("kron"), lambda draw, dtype, limits, smooth: (
    tuple(array(draw, dtype, shape_of(draw, limits), REAL, smooth) for _ in range(2)), {}), np.kron, dtypes=NUM)


def _products(kind):
    def build(draw, dtype, limits, smooth):
        side = st.integers(1, limits["max_side"])
        n, k, m, b = (draw(side) for _ in range(4))
        if kind == "addmv":
            shapes = [_one(draw, [(n,), (1,), ()]), (n, k), (k,)]
        elif kind == "addr":
            shapes = [_one(draw, [(n, m), (m,), ()]), (n,), (m,)]
        elif kind == "addbmm":
            shapes = [_one(draw, [(n, m), (m,)]), (b, n, k), (b, k, m)]
        else:
            shapes = [_one(draw, [(b, n, m), (n, m), (1, m)]), (b, n, k), (b, k, m)]
        kw = {"beta": _one(draw, [1, 0, 0.5]), "alpha": _one(draw, [1, 2.0])} if dtype.category >= 2 else {}
        return tuple(array(draw, dtype, s, REAL, smooth) for s in shapes), kw

    return build


def _np_scaled(c, p, beta=1, alpha=1):
    return (beta * c if beta else 0) + alpha * p


spec("addmv", function("addmv"), _products("addmv"), lambda c, a, b, **kw: _np_scaled(c, a @ b, **kw), dtypes=NUM,
     inplace=None, **LIN)
spec("addr", function("addr"), _products("addr"), lambda c, a, b, **kw: _np_scaled(c, np.outer(a, b), **kw),
     dtypes=NUM, **LIN)
spec("addbmm", function("addbmm"), _products("addbmm"), lambda c, a, b, **kw: _np_scaled(c, (a @ b).sum(0), **kw),
     dtypes=NUM, **LIN)
spec("baddbmm", function("baddbmm"), _products("baddbmm"), lambda c, a, b, **kw: _np_scaled(c, a @ b, **kw),
     dtypes=NUM, **LIN)
spec("addmv_.graph", lambda T, c, a, b, **kw: (c * 1).expand(a.shape[0]).clone().addmv_(a, b, **kw),
     _products("addmv"), lambda c, a, b, **kw: _np_scaled(np.broadcast_to(c, (a.shape[0],)), a @ b, **kw), **LIN)


def _p(draw, shape):
    return {"p": _one(draw, [2, 1, 3, math.inf, 0])}


DISTINCT = Domain(-4.0, 4.0, grid=0.5, offset=0.25)
OTHER_GRID = Domain(-4.0, 4.0, grid=0.5)  # never equal to a DISTINCT value: no zero differences


def _np_dist(a, b, p):
    d = np.abs(a - b).reshape(-1)
    return np.count_nonzero(d).astype(a.dtype) if p == 0 else np.linalg.norm(d, p)


spec("dist", lambda T, a, b, p: T.dist(a, b, p), lambda draw, dtype, limits, smooth: (
    binary(DISTINCT, OTHER_GRID)(draw, dtype, limits, smooth)[0], _p(draw, ())), _np_dist, **LIN)


def _cdist_args(p_choices, rows=None):
    def build(draw, dtype, limits, smooth):
        c = draw(st.integers(1, limits["max_side"]))
        lead = _one(draw, [(), (2,)])
        r1 = rows or draw(st.integers(1, limits["max_side"]))
        r2 = draw(st.integers(1, limits["max_side"]))
        return (array(draw, dtype, lead + (r1, c), DISTINCT, smooth), array(draw, dtype, lead + (r2, c), OTHER_GRID, smooth)), \
            {"p": _one(draw, p_choices)}

    return build


def _np_cdist(a, b, p, **kw):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    return np.count_nonzero(d, axis=-1).astype(a.dtype) if p == 0 else np.linalg.norm(d, p, axis=-1)


spec("cdist", lambda T, a, b, p: T.cdist(a, b, p), _cdist_args([2.0, 1.0, 3.0, math.inf, 0.0]), _np_cdist, **LIN)
spec("cdist.mm", lambda T, a, b, p: T.cdist(a, b, p, compute_mode="use_mm_for_euclid_dist"), _cdist_args([2.0]),
     _np_cdist, **LIN)


# ---- reductions and scans ------------------------------------------------------------------
from ._case_builders import along_dim, reduction  # noqa: E402


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


def _correction(draw, shape):
    return {"correction": _one(draw, [0, 1])}


spec("var_mean", lambda T, x, **kw: T.var_mean(x, **kw), reduction(tuple_dims=True, unique=True, min_size=2,
                                                                   min_dims=1, extra=_correction), _vm_ref(np.var))
spec("std_mean", lambda T, x, **kw: T.std_mean(x, **kw), reduction(tuple_dims=True, unique=True, min_size=2,
                                                                   min_dims=1, extra=_correction), _vm_ref(np.std))
spec("aminmax", lambda T, x, **kw: T.aminmax(x, **kw), reduction(unique=True),
     lambda x, dim=None, keepdim=False: (np.amin(x, axis=axis(dim, x.ndim), keepdims=keepdim),
                                         np.amax(x, axis=axis(dim, x.ndim), keepdims=keepdim)), dtypes=NUM,
     xfail=_OUTPUT_INDEX)


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


# ---- random sampling -----------------------------------------------------------------------
# Samples differ from PyTorch's generator; these draws are determined by the inputs: one-hot probability rows
# (every sample is the hot category) and zero Poisson rates.
def _one_hot_rows(draw, dtype, limits, smooth):
    rows = _one(draw, [(), (draw(st.integers(1, 3)),)])
    k = draw(st.integers(1, 4))
    hot = index_array(draw, rows, k)
    p = (np.arange(k) == np.asarray(hot)[..., None]).astype(dtype.np) * np.asarray(draw(st.sampled_from([0.5, 1.0, 3.0])),
                                                                                   dtype.np)
    if draw(st.booleans()):
        return (p,), {"n": draw(st.integers(1, 4)), "replacement": True}
    return (p,), {"n": 1, "replacement": False}


def _np_multinomial(p, n, replacement):
    return np.repeat(np.argmax(p, -1)[..., None], n, -1)


spec("multinomial", lambda T, p, n, replacement: p.multinomial(n, replacement), _one_hot_rows, _np_multinomial,
     differentiable=False)
spec("poisson", lambda T, x: T.poisson(x * 0), _fixed((2, 3)), np.zeros_like)  # jax's sampler compiles slowly
