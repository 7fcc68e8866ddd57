"""Elementwise ops of several operands: binary arithmetic, clamp, where, lerp, addcmul,
isclose (unary math: `unary.py`; comparisons: `compare.py`).

Each op is one `defop` line (its JAX implementation and grad_fn name) plus, per family, one
frontend that applies PyTorch's type promotion. Where PyTorch's gradient at a kink or tie
differs from JAX's default, the implementation is written so that JAX's derivative of it
equals PyTorch's (clamp at its bounds, maximum and fmax at ties).
"""
import jax
import jax.numpy as jnp
from jax import lax

from .. import _dispatch, _dtype, _engine
from .._dispatch import _saved, as_node, finish, infer, record, record_node, scalar_node, wrap
from .._grad_mode import STATE as _GRAD
from .frontend import METHODS as _METHODS
from .frontend import _inplace_saved, cast, check_fits, export, is_tensor, operand, promote, promote_nodes, type_name
from .table import SCALAR, defop
from .unary import _float_of


# ---- binary arithmetic -----------------------------------------------------------------
def _rsub_name(node):
    return "RsubBackward1" if node.args[1].op is SCALAR else "RsubBackward0"


def _div_name(node):
    return "MulBackward0" if node.args[0].op is SCALAR else "DivBackward0"  # 2 / x is 2 * x.reciprocal()


ADD = defop("add", lambda a, b, dt: cast(a, dt) + cast(b, dt), grad_fn="AddBackward0", saves=False)
ADD_ALPHA = defop("add_alpha", lambda a, b, c, dt: cast(a, dt) + cast(c, dt) * cast(b, dt), grad_fn="AddBackward0", saves=False)
SUB = defop("sub", lambda a, b, dt: cast(a, dt) - cast(b, dt), grad_fn="SubBackward0", saves=False)
SUB_ALPHA = defop("sub_alpha", lambda a, b, c, dt: cast(a, dt) - cast(c, dt) * cast(b, dt), grad_fn="SubBackward0", saves=False)
RSUB = defop("rsub", lambda a, b, dt: cast(b, dt) - cast(a, dt), grad_fn="RsubBackward1", saves=False)
MUL = defop("mul", lambda a, b, dt: cast(a, dt) * cast(b, dt), grad_fn="MulBackward0", saves="cross")
DIV = defop("div", lambda a, b, dt: _true_div(cast(a, dt), cast(b, dt)), grad_fn="DivBackward0", saves="div")
DIV_TRUNC = defop("div_trunc", lambda a, b, dt: _div_trunc(cast(a, dt), cast(b, dt)), grad_fn="DivBackward2", saves=False)
DIV_FLOOR = defop("div_floor", lambda a, b, dt: _floor_div(cast(a, dt), cast(b, dt)), grad_fn="DivBackward2", saves=False)


def _no_derivative(fn, aten_name):
    """fn, whose backward raises PyTorch's 'derivative for aten::... is not implemented'."""
    @jax.custom_vjp
    def f(a, b):
        return fn(a, b)

    def bwd(res, g):
        raise RuntimeError(f"derivative for aten::{aten_name} is not implemented")

    f.defvjp(lambda a, b: (fn(a, b), None), bwd)
    return f


# PyTorch has no derivative for floor_divide, nor for remainder with a number as the dividend
_floor_divide = _no_derivative(lambda a, b: _floor_div(a, b), "floor_divide")
_rremainder = _no_derivative(lambda a, b: _remainder(a, b), "remainder")
FLOOR_DIVIDE = defop("floor_divide", lambda a, b, dt: _floor_divide(cast(a, dt), cast(b, dt)), grad_fn="NotImplemented",
                     saves=False)
REMAINDER_OF_NUMBER = defop("remainder_of_number", lambda a, b, dt: _rremainder(cast(a, dt), cast(b, dt)),
                            grad_fn="NotImplemented", saves=False)
REMAINDER = defop("remainder", lambda a, b, dt: _remainder(cast(a, dt), cast(b, dt)), saves=False,
                  grad_fn=lambda n: _by_operands(n, "RemainderBackward0", "RemainderBackward1"))
FMOD = defop("fmod", lambda a, b, dt: jnp.fmod(cast(a, dt), cast(b, dt)), saves=False,
             grad_fn=lambda n: _by_operands(n, "FmodBackward0", "FmodBackward1"))
POW = defop("pow", lambda a, b, dt: _pow(cast(a, dt), cast(b, dt)), grad_fn=lambda n: _pow_name(n))
# x ** 2: PyTorch saves only the base (a tensor exponent also saves the result)
POW_SCALAR = defop("pow_scalar", lambda a, b, dt: _pow(cast(a, dt), cast(b, dt)), grad_fn="PowBackward0", saves="in")
def _atan2(a, b):
    """arctan2 with PyTorch's gradient at (0, 0): zero (JAX's is 0/0, NaN)."""
    origin = (a == 0) & (b == 0)
    safe = jnp.arctan2(jnp.where(origin, 1, a), jnp.where(origin, 1, b))
    return jnp.where(origin, jnp.arctan2(lax.stop_gradient(a), lax.stop_gradient(b)), safe)


ATAN2 = defop("atan2", lambda a, b, dt: _atan2(cast(a, dt), cast(b, dt)), grad_fn="Atan2Backward0", saves="in")
MAXIMUM = defop("maximum", lambda a, b, dt: jnp.maximum(cast(a, dt), cast(b, dt)), grad_fn="MaximumBackward0", saves="in")
MINIMUM = defop("minimum", lambda a, b, dt: jnp.minimum(cast(a, dt), cast(b, dt)), grad_fn="MinimumBackward0", saves="in")
HYPOT = defop("hypot", lambda a, b, dt: jnp.hypot(cast(a, dt), cast(b, dt)), grad_fn="HypotBackward0")
COPYSIGN = defop("copysign", lambda a, b, dt: jnp.copysign(cast(a, dt), cast(b, dt)),
                 grad_fn=lambda n: _by_operands(n, "CopysignBackward1", "CopysignBackward0"))
XLOGY = defop("xlogy", lambda a, b, dt: jax.scipy.special.xlogy(cast(a, dt), cast(b, dt)), saves="in",
              grad_fn=lambda n: "XlogyBackward1" if n.args[0].op is SCALAR else _by_operands(n, "XlogyBackward2", "XlogyBackward0"))
# fmax / fmin ignore NaN; at a tie the gradient goes to the first operand, as in PyTorch
FMAX = defop("fmax", lambda a, b, dt: _fmax(cast(a, dt), cast(b, dt)), grad_fn="FmaxBackward0", saves="in")
FMIN = defop("fmin", lambda a, b, dt: _fmin(cast(a, dt), cast(b, dt)), grad_fn="FminBackward0", saves="in")


def _by_operands(node, scalar_other, tensor_other):
    """grad_fn name by whether the second operand is a Python number or a tensor."""
    return scalar_other if node.args[1].op is SCALAR else tensor_other


def _fmax(a, b):
    return jnp.where((a >= b) | jnp.isnan(b), a, b)


def _fmin(a, b):
    return jnp.where((a <= b) | jnp.isnan(b), a, b)


def _true_div(a, b):
    """a / b as PyTorch divides. XLA rewrites a division by a broadcast divisor (x / 3.0, x / x.sum())
    as a multiplication by its reciprocal, which rounds differently in about half the elements; the
    barrier keeps the division (it costs the broadcast divisor's buffer)."""
    shape = jnp.broadcast_shapes(a.shape, b.shape)
    if b.shape != shape and jnp.issubdtype(b.dtype, jnp.floating):
        b = lax.optimization_barrier(jnp.broadcast_to(b, shape))
    return a / b


def _div_trunc(a, b):
    if jnp.issubdtype(a.dtype, jnp.integer):
        a, b = jnp.broadcast_arrays(a, b)  # (lax.div does not broadcast)
        return lax.div(a, b)
    return jnp.trunc(a / b)


def _floor_div(a, b):
    return jnp.floor_divide(a, b) if jnp.issubdtype(a.dtype, jnp.integer) else jnp.floor(a / b)


def _remainder(a, b):
    return jnp.remainder(a, b)


def _pow(a, b):
    if a.dtype == jnp.bool_:  # bool ** True (the only bool pow PyTorch allows): x ** True is x, x ** False is True
        return a | ~b
    if jnp.issubdtype(a.dtype, jnp.integer):
        return _int_pow(a, b)
    if jnp.issubdtype(a.dtype, jnp.complexfloating):
        return jnp.power(a, b)
    # PyTorch's gradients where JAX's are NaN: none into the base where the exponent is 0, none into
    # the exponent where the base is 0 and the exponent >= 0
    b = jnp.where((a == 0) & (b >= 0), lax.stop_gradient(b), b)
    a = jnp.where(b == 0, lax.stop_gradient(a), a)
    return jnp.power(a, b)


def _int_pow(a, b):
    """Integer power; a negative exponent gives PyTorch's integer results (0, except for bases 1 and -1)."""
    pos = jnp.power(a, jnp.maximum(b, 0))
    one = jnp.ones_like(a)
    neg = jnp.where(a == 1, one, jnp.where(a == -1, jnp.where(b % 2 == 0, one, -one), jnp.zeros_like(a)))
    return jnp.where(b >= 0, pos, neg)


def _pow_name(node):
    a, b = node.args
    if b.op is SCALAR:
        return "PowBackward0"
    return "PowBackward2" if a.op is SCALAR else "PowBackward1"


POW.grad_fn = _pow_name
DIV.grad_fn = _div_name
RSUB.grad_fn = _rsub_name


_BINARY_META = {}  # (op id, float_out, operand kinds, default dtype) -> (statics, (shape, dtype) of the result)


def _binary(op, a, b, *, float_out=False):
    """The hot path of every binary arithmetic op: operands → nodes → promoted dtype and result
    shape (one dictionary lookup) → record."""
    na, nb = as_node(a), as_node(b)
    key = (op.id, float_out, na.mk, nb.mk, _dtype._default[0])
    hit = _BINARY_META.get(key)
    if hit is None:
        if na.op is SCALAR and nb.op is SCALAR:
            from .._creation import tensor

            a = tensor(a)
            return _binary(op, a, b, float_out=float_out)
        d = promote_nodes(na, nb)
        if float_out and d.category < 2:
            d = _dtype.get_default_dtype()
        statics = (d.np,)
        hit = _BINARY_META[key] = (statics, infer(op, (na, nb), statics))
    return finish(op, record_node(op, (na, nb), hit[0], meta=hit[1]), (a, b), (na, nb))


def _inplace_binary(op, generic, *, float_out=False):
    """`t.add_(x)`, `t -= x`, ... in their common form (a plain tensor, not a view or a leaf that
    requires grad; a tensor or Python number operand; a result of t's own shape and dtype) without
    the out-of-place op's intermediate tensor. Anything else takes `generic`, the derived in-place
    method, which raises PyTorch's errors. Operand kinds the out-of-place op refuses (bool
    subtraction) never reach its shape cache, so they always take `generic`."""
    saves = op.saves

    def method(self, other, **kwargs):
        if kwargs or self._view is not None or (self._rg and _GRAD[0]) or not isinstance(other, (_dispatch.Tensor, float, int)):
            return generic(self, other, **kwargs)
        na, nb = as_node(self), as_node(other)
        hit = _BINARY_META.get((op.id, float_out, na.mk, nb.mk, _dtype._default[0]))
        if hit is None or hit[1][0] != na.shape or hit[1][1] is not na.dtype:
            return generic(self, other, **kwargs)
        node = record_node(op, (na, nb), hit[0], meta=hit[1])
        if node.requires_grad and saves:
            node.saved = _saved(op, (self, other), (na, nb), node, ())
        self._set_node(node)
        if node.saved:
            node.saved = _inplace_saved(self, node)
        if node.depth > _engine.MAX_PENDING_DEPTH:
            _engine.evaluate([node])
        return self

    method.__name__ = generic.__name__
    return method


def _check_alpha(alpha, a, b):
    d = promote(a, b) if alpha is not None else None
    if isinstance(alpha, float) and d is not None and d.category < 2:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, bool) is False and d is _dtype.bool_ and alpha not in (1, True):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


@export("add", inplace_names=("add_",))
def add(input, other, *, alpha=1, out=None):
    if alpha == 1 and not isinstance(alpha, float) or alpha == 1.0 and isinstance(alpha, float):
        return _binary(ADD, input, other)
    input, other = operand(input), operand(other)
    _check_alpha(alpha, input, other)
    d = promote(input, other)
    return record(ADD_ALPHA, (input, other, alpha), (d.np,))


@export("sub", "subtract", inplace_names=("sub_", "subtract_"))
def sub(input, other, *, alpha=1, out=None):
    input, other = operand(input), operand(other)
    _check_bool_sub(input, other)
    if alpha == 1:
        return _binary(SUB, input, other)
    _check_alpha(alpha, input, other)
    d = promote(input, other)
    return record(SUB_ALPHA, (input, other, alpha), (d.np,))


def _check_bool_sub(a, b):
    """PyTorch refuses subtraction with a bool operand (a tensor, or Python's True/False with a tensor)."""
    bools = [isinstance(x, bool) or is_tensor(x) and x._node().dtype is _dtype.bool_ for x in (a, b)]
    if all(bools) and is_tensor(a) and is_tensor(b):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if any(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
            "mask, use the `~` or `logical_not()` operator instead."
        )


def _check_not_bool(kernel, a, b):
    """PyTorch has no bool kernel for //, % and **: a bool result type raises NotImplementedError."""
    if promote(operand(a), operand(b)) is _dtype.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


@export("rsub", method=False)
def rsub(input, other, *, alpha=1):
    _check_bool_sub(input, operand(other))
    if alpha != 1:
        return sub(other, input * alpha) if is_tensor(other) else add(-alpha * input, other)
    return _binary(RSUB, input, other)


def rsub_operator(self, other):
    """`other - self` for a number `other` (Tensor.__rsub__): rsub without its alpha argument."""
    _check_bool_sub(self, other)
    return _binary(RSUB, self, other)


@export("mul", "multiply", inplace_names=("mul_", "multiply_"))
def mul(input, other, *, out=None):
    return _binary(MUL, input, other)


@export("div", "divide", inplace_names=("div_", "divide_"))
def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return _binary(DIV, input, other, float_out=True)
    if rounding_mode == "trunc":
        return _binary(DIV_TRUNC, input, other)
    if rounding_mode == "floor":
        return _binary(DIV_FLOOR, input, other)
    raise RuntimeError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
    )


export("true_divide", inplace_names=("true_divide_",))(lambda input, other: div(input, other))


@export("floor_divide", inplace_names=("floor_divide_",))
def floor_divide(input, other):
    _check_not_bool("div_floor_cpu", input, other)
    return _binary(FLOOR_DIVIDE, input, other)


@export("remainder", inplace_names=("remainder_",))
def remainder(input, other):
    _check_not_bool("remainder_cpu", input, other)
    return _binary(REMAINDER_OF_NUMBER if not is_tensor(operand(input)) else REMAINDER, input, other)


@export("fmod", inplace_names=("fmod_",))
def fmod(input, other):
    return _binary(FMOD, input, other)


@export("pow", inplace_names=("pow_",))
def pow(input, exponent):  # noqa: A001
    exponent = operand(exponent)
    if is_tensor(exponent):
        _check_not_bool("pow", input, exponent)
    if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent < 0 and is_tensor(input) \
            and input.dtype.category < 2:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _binary(POW if is_tensor(exponent) else POW_SCALAR, input, exponent)


@export("float_power")
def float_power(input, exponent):
    input, exponent = operand(input), operand(exponent)
    cplx = any((is_tensor(x) and x.dtype.is_complex) or isinstance(x, complex) for x in (input, exponent))
    d = _dtype.complex128 if cplx else _dtype.float64
    return record(POW if is_tensor(exponent) else POW_SCALAR, (input, exponent), (d.np,))


def float_power_(self, exponent):
    """In place, the result is float64 (complex128): self must already have that dtype, as in PyTorch."""
    out = float_power(self, exponent)
    if self.dtype is not out.dtype:
        raise RuntimeError(f"the base given to float_power_ has dtype {type_name(self.dtype)} but the operation's "
                           f"result requires dtype {type_name(out.dtype)}")
    from .frontend import inplace

    return inplace(float_power)(self, exponent)


_METHODS["float_power_"] = float_power_


def tensor_other(name, fn, inplace_names=()):
    """Export fn(input, other) where PyTorch requires `other` to be a tensor, with its TypeError for a
    number ("position 2" for torch.name, "position 1" for the method)."""
    def checked(position):
        def frontend(input, other):
            if not is_tensor(other):
                raise TypeError(f"{name}(): argument 'other' (position {position}) must be Tensor, not "
                                f"{type(other).__name__}")
            return fn(input, other)

        return frontend

    export(name, method=False)(checked(2))
    export(name, function=False, inplace_names=inplace_names)(checked(1))


for _name, _op in (("atan2", ATAN2), ("maximum", MAXIMUM), ("minimum", MINIMUM), ("hypot", HYPOT),
                   ("copysign", COPYSIGN), ("xlogy", XLOGY), ("arctan2", ATAN2), ("fmax", FMAX), ("fmin", FMIN)):
    def _make(op, float_out):
        return lambda input, other: _binary(op, input, other, float_out=float_out)

    _fn = _make(_op, _name in ("atan2", "arctan2", "hypot", "copysign", "xlogy"))
    _inplace = () if _name in ("fmax", "fmin", "maximum", "minimum") else (_name + "_",)  # as in PyTorch
    if _name in ("copysign", "xlogy"):  # these take numbers too
        export(_name, inplace_names=_inplace)(_fn)
    else:
        tensor_other(_name, _fn, _inplace)

# ---- clamp -----------------------------------------------------------------------------
def _clamp(x, lo, hi, has_lo, has_hi, named, dt):
    x = cast(x, dt)
    out = x
    if has_lo:
        lo = cast(lo, dt)
        out = jnp.where(x < lo, lo, out)  # at x == lo the gradient goes to x, as in PyTorch
    if has_hi:
        hi = cast(hi, dt)
        out = jnp.where(x > hi, hi, out)
    if has_lo and has_hi:
        # PyTorch gives x < lo == hi no gradient at all (not to lo): the value lo, as a constant
        out = jnp.where((x < lo) & (lo == hi), lax.stop_gradient(lo), out)
        out = jnp.where(lo > hi, hi, out)
    # NaN stays NaN, with no gradient (x >= lo is False), as in PyTorch
    return jnp.where(jnp.isnan(x), lax.stop_gradient(x), out) if jnp.issubdtype(dt, jnp.inexact) else out


def _clamp_name(node):
    """ClampBackward1 when every given bound is a number, ClampBackward0 when one is a tensor."""
    if node.statics[2]:
        return "ClampMinBackward0" if node.statics[0] else "ClampMaxBackward0"
    given = [a for a, has in zip(node.args[1:], node.statics[:2]) if has]
    return "ClampBackward1" if all(a.op is SCALAR for a in given) else "ClampBackward0"


CLAMP = defop("clamp", _clamp, grad_fn=_clamp_name, saves="in")


@export("clamp", "clip", inplace_names=("clamp_", "clip_"))
def clamp(input, min=None, max=None, *, _named=False):  # noqa: A002
    tlo, thi = type(min), type(max)
    if (tlo is float or tlo is int) and (thi is float or thi is int) and isinstance(input, _dispatch.Tensor):
        args = (as_node(input), scalar_node(min), scalar_node(max))  # both bounds numbers: the common call
        key = (args[0].mk, False, False, tlo, thi, _named, _dtype._default[0])
        hit = _CLAMP_META.get(key)
        if hit is not None:
            node = record_node(CLAMP, args, hit[0], meta=hit[1])
            if node.requires_grad:
                vc = input._vc
                node.saved = ((vc, vc[0], args[0]),)  # what _saved gives for "in": the one tensor input
            if node.depth > _engine.MAX_PENDING_DEPTH:
                _engine.evaluate([node])
            return wrap(node)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    lo = operand(min) if min is not None else 0
    hi = operand(max) if max is not None else 0
    bounds = [b for b, given in ((lo, min), (hi, max)) if given is not None]  # as Python numbers or tensors
    if isinstance(input, _dispatch.Tensor) and type(lo) in (float, int) and type(hi) in (float, int):
        args = (as_node(input), as_node(lo), as_node(hi))
        key = (args[0].mk, min is None, max is None, type(lo), type(hi), _named, _dtype._default[0])
        hit = _CLAMP_META.get(key)
        if hit is None:
            statics = (min is not None, max is not None, _named, promote(input, *bounds).np)
            hit = _CLAMP_META[key] = (statics, infer(CLAMP, args, statics))
        return finish(CLAMP, record_node(CLAMP, args, hit[0], meta=hit[1]), (input, lo, hi), args)
    d = promote(operand(input), *bounds)
    return record(CLAMP, (input, lo, hi), (min is not None, max is not None, _named, d.np))


_CLAMP_META = {}  # (input's shape and dtype, bound types, named, default dtype) -> (statics, result meta)


export("clamp_min", inplace_names=("clamp_min_",))(lambda input, min: clamp(input, min=min, _named=True))
export("clamp_max", inplace_names=("clamp_max_",))(lambda input, max: clamp(input, max=max, _named=True))


# ---- where / lerp / addcmul ------------------------------------------------------------
WHERE = defop("where", lambda c, a, b, dt: jnp.where(c, cast(a, dt), cast(b, dt)), grad_fn="WhereBackward0", saves="in")


@export("where", method=False)
def where(condition, input=None, other=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition.dtype is not _dtype.bool_ and condition.dtype is not _dtype.uint8:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {type_name(condition.dtype)}")
    input, other = operand(input), operand(other)
    dt = promote(input, other)
    check_fits(input, dt)
    check_fits(other, dt)
    return record(WHERE, (condition, input, other), (dt.np,))


def _where_method(self, condition, other):
    return where(condition, self, other)


_METHODS["where"] = _where_method

LERP = defop("lerp", lambda a, b, w, dt: cast(a, dt) + cast(w, dt) * (cast(b, dt) - cast(a, dt)), saves="in",
             grad_fn=lambda n: "LerpBackward0" if n.args[2].op is SCALAR else "LerpBackward1")


@export("lerp", inplace_names=("lerp_",))
def lerp(input, end, weight):
    weight = operand(weight)
    return record(LERP, (input, end, weight), (promote(input, end).np,))


ADDCMUL = defop("addcmul", lambda a, b, c, v, dt: cast(a, dt) + cast(v, dt) * cast(b, dt) * cast(c, dt),
                grad_fn="AddcmulBackward0", saves="in")
ADDCDIV = defop("addcdiv", lambda a, b, c, v, dt: cast(a, dt) + cast(v, dt) * (cast(b, dt) / cast(c, dt)),
                grad_fn="AddcdivBackward0", saves="in")


@export("addcmul", inplace_names=("addcmul_",))
def addcmul(input, tensor1, tensor2, *, value=1):
    return record(ADDCMUL, (input, tensor1, tensor2, value), (promote(input, tensor1, tensor2).np,))


@export("addcdiv", inplace_names=("addcdiv_",))
def addcdiv(input, tensor1, tensor2, *, value=1):
    return record(ADDCDIV, (input, tensor1, tensor2, value), (_float_of(promote(input, tensor1, tensor2)).np,))


# ---- closeness -------------------------------------------------------------------------
def _isclose(a, b, rtol, atol, equal_nan, dt):
    a, b = cast(a, dt), cast(b, dt)
    diff = jnp.abs(a - b)
    close = jnp.isfinite(diff) & (diff <= atol + rtol * jnp.abs(b))  # an infinite error is never within tolerance
    close = close | (a == b)  # equal infinities
    if equal_nan:
        close = close | (jnp.isnan(a) & jnp.isnan(b))
    return close & ~((jnp.isnan(a) | jnp.isnan(b)) & (not equal_nan))


ISCLOSE = defop("isclose", _isclose, saves=False, differentiable=False)


@export("isclose")
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    other = operand(other)
    if is_tensor(other) and input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    return record(ISCLOSE, (input, other), (float(rtol), float(atol), bool(equal_nan), promote(input, other).np))


@export("allclose")
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


for _name, _op, _kw in (("add_", ADD, {}), ("sub_", SUB, {}), ("subtract_", SUB, {}),
                        ("mul_", MUL, {}), ("multiply_", MUL, {}), ("div_", DIV, {"float_out": True}),
                        ("divide_", DIV, {"float_out": True})):
    assert _op.saves in (False, "cross", "div")  # what _inplace_binary's saved-tensor bookkeeping covers
    _METHODS[_name] = _inplace_binary(_op, _METHODS[_name], **_kw)

from . import pointwise_more  # noqa: E402,F401 - more elementwise ops (logit, sinc, shifts, ...)
