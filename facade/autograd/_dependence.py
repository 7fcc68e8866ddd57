"""Which outputs of a JAX function depend differentiably on which of its inputs.

With create_graph=True, PyTorch's gradients require grad only when the backward formula
actually used a tensor that requires grad: the gradient of `(w * x).sum()` with respect to
x is `w`, which requires grad only if w does. facade records the whole backward program as
one node, so it asks the program itself: the jaxpr is walked forward from the inputs that
require grad, and an output requires grad when it is reached. `stop_gradient` (a
`detach()`) ends a path, as PyTorch's detach ends its graph; nested programs (`jit`, custom
rules) are walked inside, other higher-order primitives conservatively (any input reached
reaches every output).
"""
import jax
from jax.extend import core as _core

__all__ = ["reached_outputs"]

_STOPS = ("stop_gradient",)
_INTEGER_KINDS = "biu"


def reached_outputs(fn, args, differentiable):
    """A flag per flattened output of fn(*args): whether it depends on an argument whose position is
    in `differentiable`. `args` are jax.ShapeDtypeStruct (or arrays); returns (flags, output treedef)."""
    closed, shape = jax.make_jaxpr(fn, return_shape=True)(*args)
    flags = _walk(closed.jaxpr, [i in differentiable for i in range(len(closed.jaxpr.invars))])
    return flags, jax.tree_util.tree_structure(shape)


def _walk(jaxpr, inputs):
    reached = {v for v, r in zip(jaxpr.invars, inputs) if r}
    for eqn in jaxpr.eqns:
        ins = [not isinstance(v, _core.Literal) and v in reached for v in eqn.invars]
        if not any(ins) or eqn.primitive.name in _STOPS:
            continue
        inner = _inner(eqn)
        outs = _walk(inner, ins) if inner is not None else [True] * len(eqn.outvars)
        for v, r in zip(eqn.outvars, outs):
            if r and not _integer(v):
                reached.add(v)
    return [not isinstance(v, _core.Literal) and v in reached for v in jaxpr.outvars]


def _inner(eqn):
    """The program a call-like primitive runs on exactly its inputs (jit, custom_jvp/vjp calls), if any."""
    for name in ("jaxpr", "call_jaxpr", "fun_jaxpr"):
        j = eqn.params.get(name)
        if j is None:
            continue
        j = getattr(j, "jaxpr", j)
        if len(j.invars) == len(eqn.invars) and len(j.outvars) == len(eqn.outvars):
            return j
    return None


def _integer(v):
    dtype = getattr(v.aval, "dtype", None)
    return dtype is not None and dtype.kind in _INTEGER_KINDS
