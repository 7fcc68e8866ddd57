"""Elementwise unary math: one `defop` per function (its JAX implementation, grad_fn name and
what it saves), made into a function, a method and an in-place method by `_unary_family`,
which applies PyTorch's promotion (integers and bool become the default float where the
maths needs one). Where PyTorch's gradient at a kink differs from JAX's default, the
implementation is written so that JAX's derivative of it equals PyTorch's (abs and relu at 0).
"""
import jax
import jax.numpy as jnp
from jax import lax

from .. import _dispatch, _dtype
from .._dispatch import as_node, finish, record, record_node
from .frontend import cast, export, type_name
from .table import defop


def _float_of(d):
    """dtype an op that needs floats computes in: ints and bool become the default float."""
    return d if d.category >= 2 else _dtype.get_default_dtype()


# ---- unary -----------------------------------------------------------------------------
def _abs(x):
    return x * jnp.sign(x) if jnp.issubdtype(x.dtype, jnp.floating) else jnp.abs(x)  # d|x|/dx = 0 at 0


def _relu(x):
    # d/dx = 0 at 0, as in PyTorch, and relu(-0.) is -0.
    return jnp.where(x > 0, x, lax.stop_gradient(jnp.where(x == 0, x, jnp.zeros((), x.dtype))))


def _sign(x):
    if x.dtype == jnp.bool_:
        return x
    return jnp.where(x == 0, jnp.zeros_like(x), jnp.sign(x))  # sign(-0.) is 0., not -0.


def _round(x, decimals):
    if decimals == 0:
        return jnp.round(x)
    s = 10.0**decimals
    return jnp.round(x * s) / s


def _frac(x):
    return x - jnp.trunc(x)


# name: (jax function, grad_fn, saves, promote ints to float)
_UNARY = {
    "sin": (jnp.sin, "SinBackward0", "in", True),
    "cos": (jnp.cos, "CosBackward0", "in", True),
    "tan": (jnp.tan, "TanBackward0", "out", True),
    "asin": (jnp.arcsin, "AsinBackward0", "in", True),
    "acos": (jnp.arccos, "AcosBackward0", "in", True),
    "atan": (jnp.arctan, "AtanBackward0", "in", True),
    "sinh": (jnp.sinh, "SinhBackward0", "in", True),
    "cosh": (jnp.cosh, "CoshBackward0", "in", True),
    "tanh": (jnp.tanh, "TanhBackward0", "out", True),
    "asinh": (jnp.arcsinh, "AsinhBackward0", "in", True),
    "acosh": (jnp.arccosh, "AcoshBackward0", "in", True),
    "atanh": (jnp.arctanh, "AtanhBackward0", "in", True),
    "exp": (jnp.exp, "ExpBackward0", "out", True),
    "exp2": (jnp.exp2, "Exp2Backward0", "out", True),
    "expm1": (jnp.expm1, "Expm1Backward0", "out", True),
    "log": (jnp.log, "LogBackward0", "in", True),
    "log2": (jnp.log2, "Log2Backward0", "in", True),
    "log10": (jnp.log10, "Log10Backward0", "in", True),
    "log1p": (jnp.log1p, "Log1PBackward0", "in", True),
    "sqrt": (jnp.sqrt, "SqrtBackward0", "out", True),
    "rsqrt": (lax.rsqrt, "RsqrtBackward0", "out", True),
    "sigmoid": (jax.nn.sigmoid, "SigmoidBackward0", "out", True),
    "erf": (jax.scipy.special.erf, "ErfBackward0", "in", True),
    "erfc": (jax.scipy.special.erfc, "ErfcBackward0", "in", True),
    "erfinv": (jax.scipy.special.erfinv, "ErfinvBackward0", "in", True),
    "lgamma": (jax.scipy.special.gammaln, "LgammaBackward0", "in", True),
    "digamma": (jax.scipy.special.digamma, "DigammaBackward0", "in", True),
    "reciprocal": (jnp.reciprocal, "ReciprocalBackward0", "out", True),
    "neg": (jnp.negative, "NegBackward0", False, False),
    "abs": (_abs, "AbsBackward0", "in", False),
    "sign": (_sign, "SignBackward0", False, False),
    "sgn": (_sign, "SgnBackward0", True, False),
    "floor": (jnp.floor, "FloorBackward0", False, False),
    "ceil": (jnp.ceil, "CeilBackward0", False, False),
    "trunc": (jnp.trunc, "TruncBackward0", False, False),
    "frac": (_frac, "FracBackward0", False, False),
    "relu": (_relu, "ReluBackward0", "out", False),
    "square": (jnp.square, "PowBackward0", "in", False),
    "logical_not": (jnp.logical_not, None, False, False),
    "bitwise_not": (jnp.invert, None, False, False),
    "isnan": (jnp.isnan, None, False, False),
    "isinf": (jnp.isinf, None, False, False),
    "isfinite": (jnp.isfinite, None, False, False),
    "signbit": (jnp.signbit, None, False, False),
}
_ROUNDING = {"floor", "ceil", "trunc", "round"}
_BOOL_OUT = {"logical_not", "isnan", "isinf", "isfinite", "signbit"}
_ALIASES = {"abs": ("absolute",), "neg": ("negative",), "asin": ("arcsin",), "acos": ("arccos",), "atan": ("arctan",),
            "asinh": ("arcsinh",), "acosh": ("arccosh",), "atanh": ("arctanh",), "trunc": ("fix",)}


def _unary_family(name, fn, grad_fn, saves, to_float):
    if name in _BOOL_OUT:
        op = defop(name, lambda x, dt: fn(x), grad_fn=grad_fn, saves=False, differentiable=False)
    else:
        op = defop(name, lambda x, dt: fn(cast(x, dt)), grad_fn=grad_fn, saves=saves)

    known = {}  # (input's shape and dtype, default dtype) -> (statics, result meta), for the plain case

    def frontend(input):
        if not isinstance(input, _dispatch.Tensor):
            return _unary_slow(input)
        n = as_node(input)
        key = (n.mk, _dtype._default[0])
        hit = known.get(key)
        if hit is not None:
            return finish(op, record_node(op, (n,), hit[0], meta=hit[1]), (input,), (n,))
        out = _unary_slow(input)
        node = out._storage.node
        if node.op is op:  # recorded (not a clone of an integer input, say): the same statics next time
            known[key] = (node.statics, (node.shape, node.dtype))
        return out

    def _unary_slow(input):
        x = input
        d = x.dtype
        if to_float:
            d = _float_of(d)
        elif name in _ROUNDING and d.category < 2:
            return x.clone()
        elif name == "neg" and d is _dtype.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
                "use the `~` or `logical_not()` operator instead."
            )
        elif name == "bitwise_not" and d.category > 1:
            raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{type_name(d)}\'')
        return record(op, (x,), (d.np,))

    frontend.__name__ = name
    names = (name,) + _ALIASES.get(name, ())
    inplace_names = () if name in _BOOL_OUT and name != "logical_not" else tuple(n + "_" for n in names)
    export(*names, inplace_names=inplace_names)(frontend)
    return frontend


for _n, _spec in _UNARY.items():
    _unary_family(_n, *_spec)

# statics (decimals, dtype, whether decimals= was given): PyTorch's round.decimals overload (RoundBackward1)
# is chosen by an explicit decimals argument, even decimals=0
_ROUND = defop("round", lambda x, decimals, dt, explicit=False: _round(cast(x, dt), decimals), saves=False,
               grad_fn=lambda node: "RoundBackward1" if node.statics[0] != 0 or node.statics[2:3] == (True,)
               else "RoundBackward0")


@export("round", inplace_names=("round_",))
def round(input, decimals=None):  # noqa: A001 - PyTorch's name
    if input.dtype.category < 2:
        if decimals is not None or input.dtype.name == "bool":
            kernel = "round_vml_cpu" if decimals in (None, 0) else "round_cpu"
            raise NotImplementedError(f'"{kernel}" not implemented for \'{type_name(input.dtype)}\'')
        return input.clone()
    if decimals is None:
        return record(_ROUND, (input,), (0, input.dtype.np))
    return record(_ROUND, (input,), (int(decimals), input.dtype.np, True))
