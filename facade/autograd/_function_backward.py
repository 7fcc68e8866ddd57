"""The backward of an eager Function call's node: its `jax.custom_vjp` (`_eager_rule`), whose
forward returns the outputs it is given and whose backward runs the user's `backward`
(`_backward_rule`):

* on concrete values (a backward replayed op by op, a create_graph gradient being computed): the
  user's backward runs on them, with the ctx of the call the token names, exactly once per
  backward, as in PyTorch. The tensors it is given hold their values through pending
  placeholder nodes: if the run reads a value (`.item()`, `.numpy()`, a branch on a tensor), a
  placeholder gets computed, and that structure of call is marked as not traceable (`_TRACEABLE`);
* traced by JAX, with the call's non-tensor ctx attributes as constants, its saved inputs the
  traced inputs and its saved outputs this call's outputs again (so a second derivative is
  PyTorch's): when the backward program of a recurring structure is compiled, when JAX
  differentiates the backward again (create_graph), inside facade.jit.
"""
import weakref

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from .. import _dtype, _engine
from .._grad_mode import STATE as _GRAD
from .._grad_mode import no_grad
from .._ops.table import DETACH
from .._tape import IN_FUNCTION_BACKWARD, Node
from . import _undefined
from ._complex import torch_convention
from ._function_grads import _backward_fn, _grads_in, _grads_out, _once
from .function import FunctionCtx

_STATES = weakref.WeakValueDictionary()  # token -> _State of a live call
# what an op-by-op run of a call's backward showed, by the call's structure (`_EagerCall.trace_key`): True when
# it read no value (so JAX can trace it), False once any run read one (sticky)
_TRACEABLE = {}


def _tie(outs, ins):
    """The outputs, made to depend on the inputs (for JAX's eyes only, values unchanged), so that an analysis of a
    traced program sees a Function's outputs depend on its inputs."""
    if not ins or not any(isinstance(v, jax.core.Tracer) for v in ins):
        return tuple(outs)
    return tuple(jax.lax.optimization_barrier((tuple(outs), tuple(ins)))[0])


_TRACE_ERRORS = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                 jax.errors.TracerBoolConversionError, jax.errors.TracerIntegerConversionError)


def _trace_errors():
    from ..jit.errors import JitError

    return _TRACE_ERRORS + (JitError,)


def _staged(tracers):
    """True when every tracer is one of a program being staged (jit, make_jaxpr), with no
    differentiation or batching on top."""
    return all(type(t).__name__ in ("DynamicJaxprTracer", "JaxprTracer") for t in tracers)


def _eager_rule(n_in, n_out, n_extra, call_ref):
    """The custom_vjp of an eager call: f(*inputs, *outputs, *extras, token) -> outputs."""

    @jax.custom_vjp
    def fn(*vals):
        return _tie(vals[n_in:n_in + n_out], vals[:n_in])

    def fwd(*prims):
        vals = [p.value for p in prims]
        ins, outs = vals[:n_in], vals[n_in:n_in + n_out]
        tracers = [v for v in ins if isinstance(v, jax.core.Tracer)]
        if tracers and not _staged(tracers):
            # an outer transformation differentiates this forward (create_graph's second derivative): the outputs
            # are this call again, so that their derivative is this call's backward (as in PyTorch), not the
            # derivative of the constants they are here
            res = fn(*vals)
        else:
            res = _tie(outs, ins)
        return res, (tuple(ins), tuple(outs), tuple(vals[n_in + n_out:-1]), vals[-1])

    def bwd(res, cts):
        ins, outs, extras, tok = res
        cts = [None if isinstance(c, SymbolicZero) or jnp.result_type(c) == jax.dtypes.float0 else c for c in cts]
        grads = _backward_rule(call_ref(), fn, ins, outs, extras, tok, cts)
        return tuple(grads) + (None,) * (n_out + n_extra + 1)

    fn.defvjp(fwd, bwd, symbolic_zeros=True)
    return fn


def _backward_rule(call, fn, ins, outs, extras, tok, cts):
    tracers = [v for v in (*ins, *outs, *extras, tok, *cts) if isinstance(v, jax.core.Tracer)]
    if not tracers:  # concrete values: the user's backward runs on them, with the ctx of the call the token names
        state = _STATES.get(int(np.asarray(tok)))
        if state is None:  # pragma: no cover - a node being differentiated keeps its token alive
            raise RuntimeError(f"facade: the state of a call of {call.cls.__name__} is gone")
        try:
            return _concrete_backward(call, state, cts)
        except Exception:
            _forget_first_sights()
            raise
    try:
        return _traced_backward(call, fn, ins, outs, extras, tok, cts)
    except _trace_errors() as e:
        if _staged(tracers) and _GRAD[0] and not _engine.IN_TRACE[0]:
            # create_graph's analysis of which gradients require grad (a program traced, never run): a backward that
            # reads values computes its gradients outside the graph (NumPy, Python numbers), as PyTorch would see it
            return _stand_ins(ins)
        name = call.cls.__name__
        raise RuntimeError(
            f"facade: the backward of {name} is traced by JAX here (differentiated again under create_graph=True, "
            f"or inside facade.jit), and it reads a value (`.item()`, `.numpy()`, a Python branch on a tensor): "
            "write it with tensor operations") from e


def _stand_ins(ins):
    """Gradients for an analysis of a traced program (never run): NaN, depending on nothing."""
    return [jax.lax.stop_gradient(jnp.full(jnp.shape(v), jnp.nan, jnp.result_type(v)))
            if jnp.issubdtype(jnp.result_type(v), jnp.inexact) else None for v in ins]


def _forget_first_sights():
    """A backward whose user code raised on its op-by-op run must not count as a sight of its structure (the next
    one would be compiled, tracing the user's code again). Forgetting the sights (not the compiled programs) makes
    the next backward of that structure run op by op again, raising the user's own exception."""
    from . import engine

    engine._seen.clear()


def _placeholder(value, requires_grad=False):
    """A tensor holding `value` through a pending node: if anything reads its value, the node gets computed, which is
    how an op-by-op run tells that the user's backward read a value (and so cannot be traced)."""
    from .._tensor import Tensor

    src = Node(None, (), (), value, tuple(jnp.shape(value)), _dtype.from_numpy(jnp.result_type(value)))
    src.device = next(iter(value.devices())) if hasattr(value, "devices") else None
    node = Node(DETACH, (src,), (), None, src.shape, src.dtype)
    node.device, node.depth = src.device, 1
    src.uses = 1
    t = Tensor._wrap(node)
    t._rg = requires_grad
    return t


def _concrete_backward(call, state, cts):
    ctx = state.ctx
    placeholders = []

    def hold(value, requires_grad=False):
        t = _placeholder(value, requires_grad)
        placeholders.append(t._storage.node)
        return t

    grads_in = []
    materialize = getattr(ctx, "materialize_grads", True)
    for pos, k in enumerate(call.out_layout):
        c = None if k is None else cts[k]
        if k is None or (c is None and not materialize):
            grads_in.append(None)
            continue
        if c is None:
            v = state.out_values[k]
            c = jnp.zeros(jnp.shape(v), jnp.result_type(v))
        grads_in.append(hold(torch_convention(jnp.asarray(c))))
    saved = []
    for ref in state.saved:
        if ref is None:
            saved.append(None)
        elif ref[0] == "out":
            t = ref[2]()
            saved.append(hold(state.out_values[ref[1]], t is not None and t.requires_grad))
        else:
            saved.append(hold(ref[2]._value(), ref[2].requires_grad))
    old = ctx.__dict__.get("_saved_now")
    ctx._saved_now = tuple(saved)
    try:
        with no_grad():
            grads = _backward_fn(call.cls)(ctx, *grads_in)
    finally:
        if old is None:
            ctx.__dict__.pop("_saved_now", None)
        else:
            ctx._saved_now = old
    if call.trace_key is not None:
        read = any(n.value is not None for n in placeholders)
        if read:
            _TRACEABLE[call.trace_key] = False
        elif call.trace_key not in _TRACEABLE:
            if len(_TRACEABLE) > 4096:
                _TRACEABLE.clear()
            _TRACEABLE[call.trace_key] = True
    grads = _grads_out(call.cls.__name__ + "Backward", grads, call.tensor_pos, call.n_args, call.needs, call.in_meta)
    _undefined.record(call, grads)
    return grads


def _traced_backward(call, fn, ins, outs, extras, tok, cts):
    """The user's backward traced by JAX: the call's own ctx attributes (equal for every call a compiled program
    serves), saved inputs as the traced inputs, saved outputs as this call's outputs again (their derivative goes
    through this backward, as a saved output's grad_fn does in PyTorch), other saved tensors as program inputs."""
    from .._creation import wrap_value

    state = call.state_ref()
    ctx = FunctionCtx()
    ctx.__dict__.update(vars(state.ctx) if state is not None else call.attrs)
    ctx.__dict__.pop("_saved_now", None)
    ctx.needs_input_grad = call.needs
    again = None
    saved = []
    for kind, i in call.saved_kinds:
        if kind is None:
            saved.append(None)
        elif kind == "in":
            saved.append(wrap_value(ins[i]))
        elif kind == "out":
            if again is None:
                again = fn(*ins, *outs, *extras, tok)
            saved.append(wrap_value(again[i]))
        else:
            saved.append(wrap_value(extras[i]))
    ctx._saved_now = tuple(saved)
    out_meta = [(jnp.shape(v), jnp.result_type(v)) for v in outs]
    grads_in = _grads_in(call.out_layout, out_meta, cts, getattr(ctx, "materialize_grads", True))
    IN_FUNCTION_BACKWARD[0] += 1  # detach() must cut JAX's gradient, as PyTorch's cuts its graph
    try:
        with no_grad():
            grads = _backward_fn(call.cls)(ctx, *grads_in)
    finally:
        IN_FUNCTION_BACKWARD[0] -= 1
    meta = tuple((tuple(jnp.shape(v)), jnp.result_type(v), jnp.issubdtype(jnp.result_type(v), jnp.inexact))
                 for v in ins)
    grads = _grads_out(call.cls.__name__ + "Backward", grads, call.tensor_pos, call.n_args, call.needs, meta)
    _undefined.record(call, grads)
    if _once(call.cls):
        grads = [None if g is None else jax.lax.stop_gradient(g) for g in grads]
    return grads
