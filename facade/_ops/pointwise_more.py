"""More elementwise ops: logit, nan_to_num, sinc, deg2rad, polygamma, i0, frexp, ldexp, nextafter,
logaddexp, heaviside, gcd / lcm, isin, the infinity / realness predicates and the bit shifts.

Declared like the families of unary.py and pointwise.py (one `defop` each, PyTorch's promotion in the
frontend); where PyTorch's gradient differs from JAX's (logit outside [0, 1], nextafter,
frexp's mantissa) the implementation is written so JAX's derivative is PyTorch's.
"""
import math

import jax
import jax.numpy as jnp
from jax import lax

from .. import _dtype
from .._dispatch import record
from .frontend import METHODS, cast, export, inplace, is_tensor, operand, promote, type_name
from .pointwise import _binary, _no_derivative, tensor_other
from .reduce import _return_type
from .table import defop
from .unary import _BOOL_OUT, _float_of, _unary_family

_sg = lax.stop_gradient


# ---- unary -----------------------------------------------------------------------------
def _deg2rad(x):
    return x * jnp.asarray(math.pi / 180, x.dtype)


def _rad2deg(x):
    return x * jnp.asarray(180 / math.pi, x.dtype)


def _i0(x):
    # i0e(x) e^|x| with |x| as x sign(x): slope 0 at 0, so the derivative there is i1(0) = 0 (JAX's i0 gives 1)
    return jax.scipy.special.i0e(x) * jnp.exp(x * jnp.sign(x))


def _isneginf(x):
    return jnp.isneginf(x) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.zeros(jnp.shape(x), bool)


def _isposinf(x):
    return jnp.isposinf(x) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.zeros(jnp.shape(x), bool)


def _isreal(x):
    return jnp.imag(x) == 0 if jnp.issubdtype(x.dtype, jnp.complexfloating) else jnp.ones(jnp.shape(x), bool)


_BOOL_OUT.update({"isneginf", "isposinf", "isreal"})
for _name, _spec in {
    "sinc": (jnp.sinc, "SincBackward0", "in", True),
    "deg2rad": (_deg2rad, "Deg2RadBackward0", False, True),
    "rad2deg": (_rad2deg, "Rad2DegBackward0", False, True),
    "i0": (_i0, "I0Backward0", "in", True),
    "isneginf": (_isneginf, None, False, False),
    "isposinf": (_isposinf, None, False, False),
    "isreal": (_isreal, None, False, False),
}.items():
    _unary_family(_name, *_spec)


def _logit(x, eps, dt):
    x = cast(x, dt)
    if eps is not None:
        lo, hi = jnp.asarray(eps, dt), jnp.asarray(1 - eps, dt)
        x = jnp.where(x < lo, lo, jnp.where(x > hi, hi, x))  # no gradient outside [eps, 1 - eps]
    else:
        # PyTorch's gradient is NaN outside [0, 1] (where the value is NaN anyway): x scaled by NaN there
        x = x * jnp.where((x < 0) | (x > 1), jnp.asarray(jnp.nan, dt), jnp.asarray(1, dt))
    # at 0 and 1 the value is -inf / inf and the gradient inf, as PyTorch's 1 / (x (1 - x)): there log(x) - log(1 - x)
    # (each branch fed a constant where the other is taken, so neither leaks a NaN gradient)
    edge = (x == 0) | (x == 1)
    half = jnp.asarray(0.5, dt)
    inside = jnp.where(edge, half, x)
    at_edge = jnp.where(edge, x, half)
    return jnp.where(edge, jnp.log(at_edge) - jnp.log1p(-at_edge), jnp.log(inside / (1 - inside)))


LOGIT = defop("logit", _logit, grad_fn="LogitBackward0", saves="in")


@export("logit", inplace_names=("logit_",))
def logit(input, eps=None):
    d = _float_of(input.dtype)
    return record(LOGIT, (input,), (None if eps is None else float(eps), d.np))


def _nan_to_num(x, nan, posinf, neginf, dt):
    x = cast(x, dt)
    if not jnp.issubdtype(dt, jnp.inexact):
        return x + jnp.zeros((), dt) if dt != jnp.bool_ else jnp.array(x)
    info = jnp.finfo(dt)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    out = jnp.where(jnp.isnan(x), jnp.asarray(nan, dt), x)
    out = jnp.where(x == jnp.inf, jnp.asarray(hi, dt), out)
    return jnp.where(x == -jnp.inf, jnp.asarray(lo, dt), out)


NAN_TO_NUM = defop("nan_to_num", _nan_to_num, grad_fn="NanToNumBackward0", saves="in")


@export("nan_to_num", inplace_names=("nan_to_num_",))
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    f = lambda v: None if v is None else float(v)  # noqa: E731
    return record(NAN_TO_NUM, (input,), (float(nan), f(posinf), f(neginf), input.dtype.np))


@export("positive")
def positive(input):
    if input.dtype is _dtype.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


POLYGAMMA = defop("polygamma", lambda x, n, dt: jax.scipy.special.polygamma(n, cast(x, dt)),
                  grad_fn="PolygammaBackward0", saves="in")
POLYGAMMA_ = defop("polygamma_", lambda x, n, dt: jax.scipy.special.polygamma(n, cast(x, dt)),
                   grad_fn="PolygammaBackward1", saves="in")  # PyTorch's in-place polygamma_ has its own backward


def _polygamma(n, input, op=POLYGAMMA):
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return record(op, (input,), (int(n), _float_of(input.dtype).np))


export("polygamma", method=False)(_polygamma)
export("polygamma", function=False)(lambda self, n: _polygamma(n, self))
METHODS["polygamma_"] = inplace(lambda self, n: _polygamma(n, self, POLYGAMMA_), "polygamma_")


def _frexp(x):
    m, e = jnp.frexp(x)
    scale = _sg(jnp.exp2(-e.astype(x.dtype)))
    # the mantissa as x * 2^-e: its gradient is 2^-e, PyTorch's (JAX has none for frexp)
    m = jnp.where(jnp.isfinite(x), _sg(m) + (x - _sg(x)) * scale, _sg(m))
    return m, e.astype(jnp.int32)


FREXP = defop("frexp", _frexp, grad_fn="FrexpBackward0", nout=2, saves=False)
_FREXP_TYPE = _return_type("frexp", ("mantissa", "exponent"))


@export("frexp")
def frexp(input):
    if input.dtype.category != 2:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return _FREXP_TYPE(*record(FREXP, (input,), ()))


# ---- binary ----------------------------------------------------------------------------
def _nextafter(a, b):
    a0, b0 = _sg(a), _sg(b)
    r = jnp.nextafter(a0, b0)
    tiny = jnp.asarray(jnp.finfo(a.dtype).smallest_subnormal, a.dtype)
    # from 0 the next value is subnormal, which XLA's CPU arithmetic flushes to 0: select it instead
    from_zero = (a0 == 0) & (b0 != 0)
    r = jnp.where(from_zero, jnp.where(b0 > 0, tiny, -tiny), r)
    # PyTorch's gradient: 1 into input where input != other, none into other (lost where the result is
    # subnormal: adding the gradient path would flush it)
    t = jnp.where((a0 != b0) & jnp.isfinite(a0) & ~from_zero, a, a0)
    return jnp.where(from_zero | jnp.isinf(a0), r, _sg(r - t) + t)


LDEXP = defop("ldexp", lambda a, b, dt: cast(a, dt) * jnp.exp2(cast(b, dt)), grad_fn="LdexpBackward0")
NEXTAFTER = defop("nextafter", lambda a, b, dt: _nextafter(cast(a, dt), cast(b, dt)), grad_fn="NextafterBackward0",
                  saves="in")
LOGADDEXP = defop("logaddexp", lambda a, b, dt: jnp.logaddexp(cast(a, dt), cast(b, dt)), grad_fn="LogaddexpBackward0",
                  saves="in")
LOGADDEXP2 = defop("logaddexp2", lambda a, b, dt: jnp.logaddexp2(cast(a, dt), cast(b, dt)),
                   grad_fn="Logaddexp2Backward0", saves="in")
def _heaviside_values(x, v):
    return jnp.where(x == 0, v, (x > 0).astype(x.dtype))


_heaviside = _no_derivative(_heaviside_values, "heaviside")
_heaviside_ = _no_derivative(_heaviside_values, "heaviside_")  # the in-place form's message names heaviside_
HEAVISIDE = defop("heaviside", lambda a, b, dt: _heaviside(cast(a, dt), cast(b, dt)), grad_fn="NotImplemented",
                  saves=False)
HEAVISIDE_ = defop("heaviside_", lambda a, b, dt: _heaviside_(cast(a, dt), cast(b, dt)), grad_fn="NotImplemented",
                   saves=False)
GCD = defop("gcd", lambda a, b, dt: jnp.gcd(cast(a, dt), cast(b, dt)), saves=False, differentiable=False)
LCM = defop("lcm", lambda a, b, dt: jnp.lcm(cast(a, dt), cast(b, dt)), saves=False, differentiable=False)


def _needs(category, kernel):
    """fn(input, other) recording op once PyTorch's result dtype has the kernel's category, else its error."""
    def check(input, other):
        d = promote(operand(input), operand(other))
        ok = d.category >= 2 if category == "float" else d.category == 1
        if not ok:
            raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{type_name(d)}\'')
        return d

    return check


def _float_binary(op, kernel):
    check = _needs("float", kernel)

    def fn(input, other):
        check(input, other)
        return _binary(op, input, other)

    return fn


def _int_binary(op, kernel):
    check = _needs("int", kernel)

    def fn(input, other):
        check(input, other)
        return _binary(op, input, other)

    return fn


tensor_other("ldexp", lambda a, b: _binary(LDEXP, a, b, float_out=True), ("ldexp_",))
tensor_other("nextafter", _float_binary(NEXTAFTER, "nextafter"), ("nextafter_",))
tensor_other("logaddexp", _float_binary(LOGADDEXP, "logaddexp"))
tensor_other("logaddexp2", _float_binary(LOGADDEXP2, "logaddexp2"))
tensor_other("gcd", _int_binary(GCD, "gcd"), ("gcd_",))
tensor_other("lcm", _int_binary(LCM, "lcm"), ("lcm_",))


def _heaviside_frontend(position, op=HEAVISIDE):
    def fn(input, values):
        if not is_tensor(values):
            raise TypeError(f"heaviside(): argument 'values' (position {position}) must be Tensor, not "
                            f"{type(values).__name__}")
        if input.dtype is not values.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
        return record(op, (input, values), (input.dtype.np,))

    return fn


export("heaviside", method=False)(_heaviside_frontend(2))
export("heaviside", function=False)(_heaviside_frontend(1))
METHODS["heaviside_"] = inplace(_heaviside_frontend(1, HEAVISIDE_), "heaviside_")


# ---- bit shifts ------------------------------------------------------------------------
def _shift_left(a, b):
    a, b = jnp.broadcast_arrays(a, b)
    bits = jnp.iinfo(a.dtype).bits
    out = lax.shift_left(a, b)
    return jnp.where((b < 0) | (b >= bits), jnp.zeros_like(a), out)


def _shift_right(a, b):
    a, b = jnp.broadcast_arrays(a, b)
    bits = jnp.iinfo(a.dtype).bits
    big = (b < 0) | (b >= bits)
    if jnp.issubdtype(a.dtype, jnp.signedinteger):
        return lax.shift_right_arithmetic(a, jnp.where(big, bits - 1, b).astype(a.dtype))
    return jnp.where(big, jnp.zeros_like(a), lax.shift_right_logical(a, b))


LSHIFT = defop("bitwise_left_shift", lambda a, b, dt: _shift_left(cast(a, dt), cast(b, dt)), saves=False,
               differentiable=False)
RSHIFT = defop("bitwise_right_shift", lambda a, b, dt: _shift_right(cast(a, dt), cast(b, dt)), saves=False,
               differentiable=False)
_lshift = _int_binary(LSHIFT, "lshift")
_rshift = _int_binary(RSHIFT, "rshift")
export("bitwise_left_shift", inplace_names=("bitwise_left_shift_", "__ilshift__"))(_lshift)
export("bitwise_right_shift", inplace_names=("bitwise_right_shift_", "__irshift__"))(_rshift)
METHODS["__lshift__"] = _lshift
METHODS["__rshift__"] = _rshift
METHODS["__rlshift__"] = lambda self, other: _lshift(other, self)
METHODS["__rrshift__"] = lambda self, other: _rshift(other, self)


# ---- isin ------------------------------------------------------------------------------
def _isin(e, t, invert, dt):
    e, t = cast(e, dt), cast(t, dt)
    hit = jnp.any(jnp.expand_dims(e, -1) == jnp.reshape(t, (-1,)), axis=-1) if jnp.size(t) else \
        jnp.zeros(jnp.shape(e), bool)
    return ~hit if invert else hit


ISIN = defop("isin", _isin, saves=False, differentiable=False)


@export("isin", method=False)
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    if not is_tensor(elements) and not is_tensor(test_elements):
        raise TypeError(
            f"isin() received an invalid combination of arguments - got ({type(elements).__name__}, "
            f"{type(test_elements).__name__}), but expected one of:\n"
            " * (Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = False, Tensor out = None)\n"
            " * (Number element, Tensor test_elements, *, bool assume_unique = False, bool invert = False, Tensor out = None)\n"
            " * (Tensor elements, Number test_element, *, bool assume_unique = False, bool invert = False, Tensor out = None)\n")
    e, t = operand(elements), operand(test_elements)
    return record(ISIN, (e, t), (bool(invert), promote(e, t).np))
