"""Op specs for more elementwise ops (logit, frexp, ldexp, shifts, isin, ...) and random sampling (see _op_specs.py)."""
import numpy as np
import scipy.special as sp
from hypothesis import strategies as st

from ._case_builders import REAL, array, binary, index_array, shape_of, shaped, unary, with_scalar
from ._domains import Domain
from ._op_specs import ALL, NUM, POSITIVE, SMALL_INTS, SPECIAL, function, method, spec
from ._op_spec import FLOAT
from ._spec_helpers import INTS, _fixed, _one

OPEN_UNIT = Domain(0.05, 0.95)


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
