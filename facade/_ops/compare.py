"""Comparisons, logical and bitwise ops: elementwise, with bool (or integer) results and no
derivative. Operands are promoted as for arithmetic before comparing, as in PyTorch."""
import jax.numpy as jnp

from .._dispatch import record, record_node
from .frontend import METHODS as _METHODS
from .._overlap import check_args
from .frontend import TO_DTYPE, cast, check_inplace, export, operand, promote, type_name, write_result
from .pointwise import tensor_other
from .table import defop


# ---- comparisons and logical ops -------------------------------------------------------
_CMP = {"eq": jnp.equal, "ne": jnp.not_equal, "lt": jnp.less, "le": jnp.less_equal, "gt": jnp.greater,
        "ge": jnp.greater_equal, "logical_and": jnp.logical_and, "logical_or": jnp.logical_or,
        "logical_xor": jnp.logical_xor}
_CMP_ALIASES = {"ne": ("not_equal",), "lt": ("less",), "le": ("less_equal",), "gt": ("greater",),
                "ge": ("greater_equal",)}


def _cmp_family(name, fn):
    op = defop(name, lambda a, b, dt: fn(cast(a, dt), cast(b, dt)), saves=False, differentiable=False)

    def frontend(input, other):
        input, other = operand(input), operand(other)
        return record(op, (input, other), (promote(input, other).np,))

    frontend.__name__ = name

    def inplace_cmp(self, other):
        check_inplace(self)
        check_args(self, (other,), {})  # PyTorch refuses an `other` that overlaps self partially
        out = frontend(self, other)
        node = record_node(TO_DTYPE, (out._node(),), (self.dtype.np,))
        return write_result(self, node)

    names = (name,) + _CMP_ALIASES.get(name, ())
    if name.startswith("logical_"):
        tensor_other(name, frontend)
    else:
        export(*names)(frontend)
    for n in names:
        _METHODS[n + "_"] = inplace_cmp
    return frontend



for _n, _f in _CMP.items():
    _cmp_family(_n, _f)

_BITWISE = {"bitwise_and": jnp.bitwise_and, "bitwise_or": jnp.bitwise_or, "bitwise_xor": jnp.bitwise_xor}
for _n, _f in _BITWISE.items():
    def _make_bitwise(name, fn):
        op = defop(name, lambda a, b, dt: fn(cast(a, dt), cast(b, dt)), saves=False, differentiable=False)

        def frontend(input, other):
            input, other = operand(input), operand(other)
            d = promote(input, other)
            if d.category > 1:
                raise NotImplementedError(f'"{name}_cpu" not implemented for \'{type_name(d)}\'')
            return record(op, (input, other), (d.np,))

        return frontend

    export(_n, inplace_names=(_n + "_",))(_make_bitwise(_n, _f))


@export("equal")
def equal(input, other):
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(_METHODS["eq"](input, other).all())
