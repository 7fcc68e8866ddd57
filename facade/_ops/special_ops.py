"""The native ops of torch.special (its aliases of other ops are in facade/special.py): entr, erfcx, i0e,
i1, i1e, ndtri, log_ndtr, xlog1py, zeta, igamma / igammac (torch.igamma, torch.special.gammainc, ...),
the Bessel and Airy functions and the orthogonal polynomials.

Values come from jax.scipy.special where it has the function, else from special_bessel.py and
special_polynomials.py. PyTorch has no derivative of zeta in its first argument nor of igamma /
igammac in theirs: `_underivable` gates that argument so backward raises PyTorch's error, while the
other argument keeps JAX's derivative. The Bessel functions and polynomials are not differentiable
in PyTorch (their outputs never require grad): declared with differentiable=False.
"""
import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from .._dispatch import record
from . import special_bessel as _bessel
from .frontend import cast, export, is_tensor, operand, promote
from .pointwise import _binary, tensor_other
from .pointwise_more import _float_binary
from .special_polynomials import POLYNOMIALS
from .table import SCALAR, defop
from .unary import _float_of


def _underivable(message):
    """identity whose backward raises PyTorch's NotImplementedError(message)."""
    @jax.custom_vjp
    def gate(a):
        return a

    def bwd(res, g):
        raise NotImplementedError(message)

    gate.defvjp(lambda a: (a, None), bwd)
    return gate


# ---- unary ---------------------------------------------------------------------------------------
def _entr(x):
    # -x log x, 0 at 0 (where facade's gradient is 0, PyTorch's -(1 + log 0) = inf), -inf below 0
    pos = x > 0
    safe = jnp.where(pos, x, 1)
    out = jnp.where(pos, -x * jnp.log(safe), jnp.where(x == 0, x * 0, -jnp.inf))
    return jnp.where(jnp.isnan(x), x, out)


def _zeta(x, q):
    """Hurwitz zeta with PyTorch's (Cephes') domain: inf at x = 1 and at integer q <= 0, NaN for x < 1 and for
    q <= 0 with x not an integer."""
    out = jsp.zeta(_zeta_gate(x), q)
    bad_q = q <= 0
    out = jnp.where(bad_q & (x != jnp.floor(x)), jnp.nan, out)
    out = jnp.where(bad_q & (q == jnp.floor(q)), jnp.inf, out)
    out = jnp.where(x < 1, jnp.nan, out)
    return jnp.where(x == 1, jnp.inf, out)


def _erfcx(x):
    return jsp.erfcx(x)


_UNARY = {
    # name: (implementation on the cast input, grad_fn; None: not differentiable)
    "entr": (_entr, "SpecialEntrBackward0"),
    "erfcx": (_erfcx, "SpecialErfcxBackward0"),
    "i0e": (jsp.i0e, "SpecialI0EBackward0"),
    "i1": (jsp.i1, "SpecialI1Backward0"),
    "i1e": (jsp.i1e, "SpecialI1EBackward0"),
    "ndtri": (jsp.ndtri, "SpecialNdtriBackward0"),
    "log_ndtr": (jsp.log_ndtr, "SpecialLogNdtrBackward0"),
    # (the Bessel and Airy functions below save nothing: not differentiable)
    "bessel_j0": (_bessel.bessel_j0, None),
    "bessel_j1": (_bessel.bessel_j1, None),
    "bessel_y0": (_bessel.bessel_y0, None),
    "bessel_y1": (_bessel.bessel_y1, None),
    "modified_bessel_i0": (lambda x: jsp.i0(x.astype(jnp.float64)), None),
    "modified_bessel_i1": (lambda x: jsp.i1(x.astype(jnp.float64)), None),
    "modified_bessel_k0": (lambda x: _bessel.modified_bessel_k(x, 0.0), None),
    "modified_bessel_k1": (lambda x: _bessel.modified_bessel_k(x, 1.0), None),
    "scaled_modified_bessel_k0": (lambda x: _bessel.scaled_k(x, 0.0), None),
    "scaled_modified_bessel_k1": (lambda x: _bessel.scaled_k(x, 1.0), None),
    "spherical_bessel_j0": (lambda x: _spherical_j0(x.astype(jnp.float64)), None),
    "airy_ai": (_bessel.airy_ai, None),
}


def _spherical_j0(x):
    small = jnp.abs(x) < 0.5
    xs = jnp.where(small, x, 0.0)
    x2 = xs * xs
    series = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110))))
    xl = jnp.where(small, 1.0, x)
    return jnp.where(small, series, jnp.sin(xl) / xl)


def _unary_impl(fn):
    return lambda x, dt: fn(cast(x, dt)).astype(dt)


# what PyTorch's derivative formulas save: the input, the result (ndtri) or both (True)
_SAVES = {"entr": "in", "erfcx": True, "i0e": True, "i1": True, "i1e": True, "ndtri": "out", "log_ndtr": True}
UNARY_OPS = {}
for _name, (_fn, _grad_fn) in _UNARY.items():
    UNARY_OPS[_name] = defop("special_" + _name, _unary_impl(_fn), grad_fn=_grad_fn, saves=_SAVES.get(_name, False),
                             differentiable=_grad_fn is not None)


def unary(name):
    op = UNARY_OPS[name]

    def fn(input, *, out=None):
        _no_out(out)
        return record(op, (input,), (_float_of(input.dtype).np,))

    fn.__name__ = name
    return fn


def _no_out(out):
    if out is not None:
        raise NotImplementedError("facade.special: the out= argument is not supported")


# ---- binary: xlog1py, zeta -----------------------------------------------------------------------
def _by_scalar(node, names):
    """grad_fn name by which operand is a Python number: (neither, the first, the second)."""
    return names[1] if node.args[0].op is SCALAR else names[2] if node.args[1].op is SCALAR else names[0]


_zeta_gate = _underivable("the derivative for 'zeta' is not implemented.")
XLOG1PY = defop("special_xlog1py", lambda a, b, dt: jsp.xlog1py(cast(a, dt), cast(b, dt)), saves="in",
                grad_fn=lambda n: _by_scalar(n, ("SpecialXlog1PyBackward0", "SpecialXlog1PyBackward1",
                                                 "SpecialXlog1PyBackward2")))
ZETA = defop("special_zeta", lambda a, b, dt: _zeta(cast(a, dt), cast(b, dt)), saves="in",
             grad_fn=lambda n: _by_scalar(n, ("SpecialZetaBackward0", "SpecialZetaBackward1", "SpecialZetaBackward2")))


def _two_numbers(name, first, second):
    """PyTorch's TypeError when both operands of special_<name> are Python numbers."""
    return TypeError(
        f"special_{name}() received an invalid combination of arguments - got ({type(first).__name__}, "
        f"{type(second).__name__}), but expected one of:\n"
        f" * (Tensor {_ARGS[name][0]}, Tensor {_ARGS[name][1]}, *, Tensor out = None)\n"
        f" * (Number {_ARGS[name][2]}, Tensor {_ARGS[name][1]}, *, Tensor out = None)\n"
        f" * (Tensor {_ARGS[name][0]}, Number {_ARGS[name][1]}, *, Tensor out = None)\n")


_ARGS = {"xlog1py": ("input", "other", "self"), "zeta": ("input", "other", "self")}
_ARGS.update({name: ("x", "n", "x") for name in POLYNOMIALS})


def _number_or_tensor(name, op):
    def fn(input, other, *, out=None):
        _no_out(out)
        if not is_tensor(input) and not is_tensor(other):
            raise _two_numbers(name, input, other)
        return _binary(op, operand(input), operand(other), float_out=True)

    fn.__name__ = name
    return fn


xlog1py = _number_or_tensor("xlog1py", XLOG1PY)
zeta = _number_or_tensor("zeta", ZETA)


# ---- igamma / igammac ----------------------------------------------------------------------------
_igamma_gate = _underivable("the derivative for 'igamma: input' is not implemented.")
_igammac_gate = _underivable("the derivative for 'igammac: input' is not implemented.")
IGAMMA = defop("igamma", lambda a, b, dt: jsp.gammainc(_igamma_gate(cast(a, dt)), cast(b, dt)),
               grad_fn="IgammaBackward0", saves="in")
IGAMMAC = defop("igammac", lambda a, b, dt: jsp.gammaincc(_igammac_gate(cast(a, dt)), cast(b, dt)),
                grad_fn="IgammacBackward0", saves="in")
igamma = _float_binary(IGAMMA, "igamma")
igammac = _float_binary(IGAMMAC, "igammac")
tensor_other("igamma", igamma, ("igamma_",))
tensor_other("igammac", igammac, ("igammac_",))


def _tensors_only(name, fn):
    def checked(input, other, *, out=None):
        _no_out(out)
        for arg, value, position in (("input", input, 1), ("other", other, 2)):
            if not is_tensor(value):
                raise TypeError(f"special_{name}(): argument '{arg}' (position {position}) must be Tensor, not "
                                f"{type(value).__name__}")
        return fn(input, other)

    checked.__name__ = name
    return checked


gammainc = _tensors_only("gammainc", igamma)
gammaincc = _tensors_only("gammaincc", igammac)


# ---- orthogonal polynomials ----------------------------------------------------------------------
def _polynomial_impl(fn):
    return lambda x, n, dt: fn(cast(x, dt), n, dt)


POLYNOMIAL_OPS = {name: defop("special_" + name, _polynomial_impl(fn), saves=False, differentiable=False)
                  for name, fn in POLYNOMIALS.items()}


def polynomial(name):
    op = POLYNOMIAL_OPS[name]

    def fn(input, n, *, out=None):
        _no_out(out)
        if not is_tensor(input) and not is_tensor(n):
            raise _two_numbers(name, input, n)
        input, n = operand(input), operand(n)
        d = _float_of(promote(input, n))
        return record(op, (input, n), (d.np,))

    fn.__name__ = name
    return fn


__all__ = [
    "POLYNOMIAL_OPS",
    "UNARY_OPS",
    "gammainc",
    "gammaincc",
    "igamma",
    "igammac",
    "polynomial",
    "unary",
    "xlog1py",
    "zeta",
]


# ---- mvlgamma (torch.special.multigammaln) -------------------------------------------------------
def _mvlgamma(x, p, dt):
    x = cast(x, dt)
    j = jnp.arange(p, dtype=dt) / 2
    const = jnp.asarray(p * (p - 1) / 4 * math.log(math.pi), dt)
    return jnp.sum(jsp.gammaln(x[..., None] - j), axis=-1) + const


MVLGAMMA = defop("mvlgamma", _mvlgamma, grad_fn="MvlgammaBackward0", saves="in")


@export("mvlgamma", inplace_names=("mvlgamma_",))
def mvlgamma(input, p):
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return record(MVLGAMMA, (input,), (int(p), _float_of(input.dtype).np))
