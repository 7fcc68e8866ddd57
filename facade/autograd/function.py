"""torch.autograd.Function.

Eager `MyFn.apply(*args)` does what PyTorch does: it runs the user's `forward` once, on the
very tensors it was given, under no_grad, so Python control flow, `.item()`, NumPy round trips,
in-place writes (`mark_dirty`) and the RNG work. The call is then one tape node whose arguments
are the inputs' nodes, the outputs' computed values and the other tensors forward saved
(sources), and a *token*: a source whose node object owns the call's state (ctx, what was
saved). Its implementation is a `jax.custom_vjp` whose forward returns the outputs it is given
(replaying the node never runs the user's forward again) and whose backward runs the user's
`backward` (`_backward_rule`):

* on concrete values (a backward replayed op by op, a create_graph gradient being computed): the
  user's backward runs on them, with the ctx of the call the token names, exactly once per
  backward, as in PyTorch. The tensors it is given hold their values through pending
  placeholder nodes: if the run reads a value (`.item()`, `.numpy()`, a branch on a tensor), a
  placeholder gets computed, and that structure of call is marked as not traceable;
* traced by JAX, with the call's non-tensor ctx attributes as constants, its saved inputs the
  traced inputs and its saved outputs this call's outputs again (so a second derivative is
  PyTorch's): when the backward program of a recurring structure is compiled, when JAX
  differentiates the backward again (create_graph), inside facade.jit.

A compiled backward program serves every later call of its structure, so two calls compare
equal (`_EagerCall`) only when op-by-op runs showed their backward traceable and their ctx
attributes are equal plain values; any other call equals only itself, so its backward always
runs op by op, on concrete values. (The user's backward thus runs once more when a structure is
compiled, and not at all on the compiled replays, as in facade's other compiled paths.)

Inside a facade.jit trace, or when an input is a traced value (facade.func, a Function applied
inside a traced backward), the user's forward and backward are traced by JAX instead
(`_TracedCall`): there `.item()` and friends raise facade.jit's error.

This is the one place where a derivative is written by hand — by the user.
"""
import functools
import inspect
import itertools
import weakref

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from .. import _dispatch, _dtype, _engine
from .._dispatch import output_ref, record, record_node, wrap
from .._grad_mode import STATE as _GRAD
from .._grad_mode import no_grad
from .._ops.table import DETACH, GETITEM, defop
from .._tape import IN_FUNCTION_BACKWARD, Node, Storage
from ._complex import torch_convention

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What forward and backward share (PyTorch's attribute names)."""

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    @property
    def saved_tensors(self):
        now = self.__dict__.get("_saved_now")
        if now is not None:
            return now
        return tuple(getattr(self, "to_save", ()))

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors):
        self.dirty_tensors = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors


# ---------------------------------------------------------------------------------------------
# what the user's backward gets and what it returns (shared by both kinds of call)

def _backward_fn(cls):
    backward, vjp = cls.backward, cls.vjp
    if backward is not Function.backward and vjp is not Function.vjp:
        raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not allowed. You should "
                           "only implement one of them.")
    return vjp if vjp is not Function.vjp else backward


def _once(cls):
    return bool(getattr(_backward_fn(cls), "_once_differentiable", False))


def _grads_in(out_layout, out_meta, cts, materialize):
    """The user's backward arguments: one per forward output (None for a non-tensor output; for a
    tensor output that received no gradient, zeros, or None without materialize_grads)."""
    from .._creation import wrap_value

    grads = []
    for k in out_layout:
        if k is None:
            grads.append(None)
            continue
        c = cts[k]
        if c is None:
            if not materialize:
                grads.append(None)
                continue
            shape, dt = out_meta[k]
            c = jnp.zeros(shape, dt)
        grads.append(wrap_value(torch_convention(c)))
    return grads


def _is_expandable(shape, to):
    if len(shape) > len(to):
        return False
    for a, b in zip(reversed(shape), reversed(to)):
        if a != b and a != 1:
            return False
    return True


def _sum_to(v, shape):
    lead = v.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and v.shape[lead + i] != 1)
    v = jnp.sum(v, axis=axes, keepdims=True) if axes else v
    return v.reshape(shape)


def _grads_out(name, grads, tensor_pos, n_args, needs, in_meta):
    """Check the user's backward result as PyTorch does; the gradient value (in JAX's complex
    convention) for each tensor input, or None."""
    from .._tensor import Tensor

    grads = grads if isinstance(grads, tuple) else (grads,)
    if len(grads) > n_args and all(g is None for g in grads[n_args:]):
        grads = grads[:n_args]
    if len(grads) != n_args:
        raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected {n_args}, "
                           f"got {len(grads)})")
    index = {p: i for i, p in enumerate(tensor_pos)}
    out = [None] * len(tensor_pos)
    for pos, g in enumerate(grads):
        i = index.get(pos)
        if i is None:
            if g is not None:
                raise RuntimeError(f"function {name} returned a gradient different than None at position {pos + 1}, "
                                   "but the corresponding forward input was not a Variable")
            continue
        if g is None:
            continue
        if not isinstance(g, Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
        if not needs[pos]:
            continue  # PyTorch does not look at a gradient nobody asked for
        shape, dt, differentiable = in_meta[i]
        if not differentiable:
            continue
        v = g._value()
        gshape = tuple(jnp.shape(v))
        if gshape != tuple(shape):
            if not _is_expandable(shape, gshape):
                raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got {list(gshape)} "
                                   f"but expected shape compatible with {list(shape)}")
            v = _sum_to(v, tuple(shape))
        out[i] = torch_convention(jnp.asarray(v).astype(dt))
    return out


# ---------------------------------------------------------------------------------------------
# eager calls

_STATES = weakref.WeakValueDictionary()  # token -> _State of a live call
_tokens = itertools.count(1)
# what an op-by-op run of a call's backward showed, by the call's structure (`_EagerCall.trace_key`): True when
# it read no value (so JAX can trace it), False once any run read one (sticky)
_TRACEABLE = {}
_INTERNAL = frozenset(("needs_input_grad", "_saved_now"))


class _State:
    """One eager call: its ctx, what it saved, and the values of its outputs."""

    __slots__ = ("cls", "ctx", "saved", "out_values", "__weakref__")


class _StateNode(Node):
    """The token argument of an eager call's node: a source holding the token's number, owning the call's state
    (so the state lives exactly as long as the graph that can reach the call)."""

    __slots__ = ("state",)


class _EagerCall:
    """Static part of an eager call's node: what its backward needs besides the values.

    Two calls are equal (so that a recurring backward is compiled once, tracing the user's backward) only when
    op-by-op runs of that structure showed a backward JAX can trace, and their non-tensor ctx attributes are equal
    (a compiled program holds them as constants). Any other call equals only itself: its backward runs op by op,
    on concrete values, every time."""

    __slots__ = ("cls", "n_in", "n_out", "n_extra", "needs", "tensor_pos", "n_args", "out_layout", "saved_kinds",
                 "in_meta", "attrs", "trace_key", "state_ref", "_fn", "_key", "_hash", "__weakref__")

    def __init__(self, cls, state, *, n_in, n_out, n_extra, needs, tensor_pos, n_args, out_layout, saved_kinds,
                 in_meta):
        self.cls, self.n_in, self.n_out, self.n_extra, self.needs = cls, n_in, n_out, n_extra, needs
        self.in_meta = in_meta
        self.tensor_pos, self.n_args, self.out_layout, self.saved_kinds = tensor_pos, n_args, out_layout, saved_kinds
        self.state_ref = weakref.ref(state)
        self._fn = None
        attrs = {k: v for k, v in vars(state.ctx).items() if k not in _INTERNAL}
        self.trace_key = (cls, n_in, n_out, n_extra, needs, tensor_pos, n_args, out_layout, saved_kinds,
                          tuple(sorted(attrs)))
        self._key, self.attrs, self._hash = None, None, id(self)
        if _TRACEABLE.get(self.trace_key):
            try:
                self._key = self.trace_key + (tuple((k, _fingerprint(attrs[k])) for k in sorted(attrs)),)
            except TypeError:  # a ctx attribute that a compiled program cannot hold as a constant
                return
            self.attrs, self._hash = attrs, hash(self._key)

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return self is other or (self._key is not None and type(other) is _EagerCall and self._key == other._key)

    def run(self, *vals):
        fn = self._fn
        if fn is None:
            fn = self._fn = _eager_rule(self.n_in, self.n_out, self.n_extra, weakref.ref(self))
        return fn(*vals)


def _fingerprint(v):
    """A ctx attribute as a key: equal for values a compiled program may hold as the same constant (TypeError for
    anything else: a tensor, an array, an object)."""
    if v is None or type(v) in (bool, int, float, complex, str, bytes):
        return (type(v), v)
    if type(v) in (tuple, list) or type(v).__name__ == "Size":
        return (type(v), tuple(_fingerprint(x) for x in v))
    if isinstance(v, _dtype.dtype):
        return (_dtype.dtype, v.name)
    raise TypeError


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
    return _grads_out(call.cls.__name__ + "Backward", grads, call.tensor_pos, call.n_args, call.needs, call.in_meta)


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
    if _once(call.cls):
        grads = [None if g is None else jax.lax.stop_gradient(g) for g in grads]
    return grads


def _check_saved(to_save):
    for i, t in enumerate(to_save):
        if t is not None and not isinstance(t, _dispatch.Tensor):
            raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                            f"{type(t).__name__}")


def _apply_eager(cls, args, setup, tensors):
    from .._tensor import Tensor

    grad_on = _GRAD[0]
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    requires = grad_on and any(needs)
    in_nodes = [_dispatch.as_node(t) for t in tensors] if requires else None  # the inputs' values before forward
    ctx = FunctionCtx()
    ctx.needs_input_grad = needs
    with no_grad():
        if setup:
            out = cls.forward(*args)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args)
    single = not isinstance(out, tuple)
    outs = (out,) if single else tuple(out)
    dirty = tuple(getattr(ctx, "dirty_tensors", ()) or ())
    if dirty and not all(any(d is o for o in outs) for d in dirty):
        raise RuntimeError("Some elements marked as dirty during the forward method were not returned as output. The "
                           "inputs that are modified inplace must all be outputs of the Function.")
    if not requires:
        for d in dirty:
            d._vc[0] += 1  # PyTorch bumps a dirty tensor's version once more
        results = list(outs)
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and any(o is t for t in tensors) and not any(o is d for d in dirty):
                # an input returned as is: as in PyTorch, an alias outside the graph when grad mode is off and it
                # requires grad, else a view of it
                results[i] = o.detach() if o.requires_grad else o.view_as(o)
        return results[0] if single else tuple(results)
    to_save = tuple(getattr(ctx, "to_save", ()) or ())
    _check_saved(to_save)
    for d in dirty:
        if d._view is None and d._rg:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
    _grad_fn_class(cls.__name__ + "Backward")

    out_layout, out_tensors = [], []
    for o in outs:
        if isinstance(o, Tensor):
            out_layout.append(len(out_tensors))
            out_tensors.append(o)
        else:
            out_layout.append(None)
    if not out_tensors:
        return out
    values = [o._value() for o in out_tensors]
    metas = [(o._node().shape, o._node().dtype) for o in out_tensors]
    non_diff = tuple(getattr(ctx, "non_differentiable", ()) or ())
    for attr in ("to_save", "dirty_tensors", "non_differentiable"):  # consumed (as PyTorch does): they would hold
        ctx.__dict__.pop(attr, None)  # the outputs, whose node holds the ctx

    # what forward saved: an output by its index (and weakly: the output holds the node that holds this), an input
    # (not modified in place) by itself, anything else (a tensor made in forward: a constant of backward) by itself
    saved, kinds, refs, extras = [], [], [], []
    for t in to_save:
        if t is None:
            saved.append(None)
            kinds.append((None, 0))
            continue
        k = next((k for k, o in enumerate(out_tensors) if o is t), None)
        if k is not None:
            saved.append(("out", k, None))
            kinds.append(("out", k))
            refs.append(("out", k))
            continue
        i = next((i for i, a in enumerate(tensors) if a is t), None)
        if i is not None:
            saved.append(("in", i, t))
            kinds.append(("in", i))
            refs.append(("in", i))
        else:
            saved.append(("other", len(extras), t))
            kinds.append(("other", len(extras)))
            extras.append(t._value())
    state = _State()
    state.cls, state.ctx, state.out_values = cls, ctx, tuple(values)
    token = next(_tokens)
    tok = _StateNode(None, (), (), np.asarray(token, np.int64), (), _dtype.int64)
    tok.state = state
    _STATES[token] = state
    in_meta = tuple((tuple(t.shape), t.dtype.np, t.dtype.category >= 2) for t in tensors)
    call = _EagerCall(cls, state, n_in=len(tensors), n_out=len(out_tensors), n_extra=len(extras), needs=needs,
                      tensor_pos=tuple(i for i, a in enumerate(args) if isinstance(a, Tensor)), n_args=len(args),
                      out_layout=tuple(out_layout), saved_kinds=tuple(kinds), in_meta=in_meta)
    sources = [_source(v, shape, dt) for v, (shape, dt) in zip(values, metas)]
    sources += [_source(v, tuple(jnp.shape(v)), _dtype.from_numpy(jnp.result_type(v))) for v in extras]
    node = record_node(FUNCTION if refs else FUNCTION_UNSAVED, tuple(in_nodes) + tuple(sources) + (tok,), (call,))
    node.value = tuple(values)
    node.depth = 0
    node.shape, node.dtype = metas[0]  # nominal; the parts carry their own

    results = list(outs)
    taken = set()
    out_objects = []
    for k, (o, v, (shape, dt)) in enumerate(zip(out_tensors, values, metas)):
        rg = node.requires_grad and dt.category >= 2 and not any(o is n for n in non_diff)
        part = Node(GETITEM, (node,), (k,), v, shape, dt, rg)
        node.uses += 1
        part.device = sources[k].device
        if any(o is d for d in dirty):
            o._set_node(part)  # the input now holds the output, with this call as its history
            o._leafuse = None
            t = o
        elif (o._view is None and type(o._storage) is Storage and id(o._storage) not in taken
              and not any(o._storage is a._storage for a in tensors)):
            # a tensor forward made: it becomes the output itself (PyTorch returns the same object)
            taken.add(id(o._storage))
            o._storage.set(part)
            o._grad_fn = part if rg else None
            o._rg = False
            o._vcache = None
            o._leafuse = None
            t = o
        else:
            t = wrap(part)
        out_objects.append(t)
    for pos, k in enumerate(out_layout):
        if k is not None:
            results[pos] = out_objects[k]
    state.saved = tuple(None if r is None else (r[0], r[1], weakref.ref(out_objects[r[1]])) if r[0] == "out" else r
                        for r in saved)
    if node.requires_grad and refs:
        checks = []
        for kind, i in refs:
            if kind == "in":
                vc = tensors[i]._vc
                checks.append((vc, vc[0], in_nodes[i]))
            else:
                o = out_objects[i]
                checks.append((o._vc, o._vc[0], output_ref(i, o)))
        node.saved = tuple(checks)
    return results[0] if single else tuple(results)


def _source(value, shape, dtype):
    s = Node(None, (), (), value, shape, dtype)
    s.device = next(iter(value.devices())) if hasattr(value, "devices") else None
    return s


# ---------------------------------------------------------------------------------------------
# traced calls (inside facade.jit, or on traced values): forward and backward traced by JAX

class _TracedCall:
    """Static description of one kind of traced Function call: the class and the non-tensor arguments."""

    def __init__(self, cls, layout, needs_input_grad, setup):
        self.cls, self.layout, self.needs_input_grad, self.setup = cls, layout, needs_input_grad, setup
        self.attrs = {}
        self.single = True
        self.non_diff = ()
        self.out_layout = ()
        self.out_meta = ()
        try:
            self._key = hash((cls, layout, needs_input_grad, setup))
            self._hashable = True
        except TypeError:
            self._key, self._hashable = id(self), False
        self.fn = self._build()

    def __hash__(self):
        return self._key

    def __eq__(self, other):
        if self is other:
            return True
        return (self._hashable and isinstance(other, _TracedCall) and other._hashable
                and (self.cls, self.layout, self.needs_input_grad, self.setup)
                == (other.cls, other.layout, other.needs_input_grad, other.setup))

    def run(self, *vals):
        return self.fn(*vals)

    def _args(self, vals):
        from .._creation import wrap_value

        it = iter(vals)
        return [wrap_value(next(it)) if is_t else v for is_t, v in self.layout]

    def _forward(self, vals):
        from .._tensor import Tensor

        ctx = FunctionCtx()
        ctx.needs_input_grad = self.needs_input_grad
        args = self._args(vals)
        with no_grad():
            if self.setup:
                out = self.cls.forward(*args)
                self.cls.setup_context(ctx, tuple(args), out)
            else:
                out = self.cls.forward(ctx, *args)
        self.single = not isinstance(out, tuple)
        outs = (out,) if self.single else out
        layout, tensors = [], []
        for o in outs:
            if isinstance(o, Tensor):
                layout.append(("t", len(tensors)))
                tensors.append(o)
            else:
                layout.append(("v", o))
        self.out_layout = tuple(layout)
        non_diff = {id(t) for t in (getattr(ctx, "non_differentiable", ()) or ())}
        self.non_diff = tuple(k for k, o in enumerate(tensors) if id(o) in non_diff)
        to_save = tuple(getattr(ctx, "to_save", ()) or ())
        _check_saved(to_save)
        self.saved_refs = _saved_refs(to_save, [a for a, (is_t, _) in zip(args, self.layout) if is_t], tensors)
        saved = tuple(t._value() if t is not None else None for t in to_save)
        self.attrs = {k: v for k, v in vars(ctx).items() if k not in ("to_save", "non_differentiable",
                                                                      "needs_input_grad")}
        values = tuple(o._value() for o in tensors)
        self.out_meta = tuple((tuple(jnp.shape(v)), jnp.result_type(v)) for v in values)
        return values, saved

    def _build(self):
        @jax.custom_vjp
        def fn(*vals):
            return self._forward(vals)[0]

        def fwd(*prims):
            vals = [p.value for p in prims]
            outs, saved = self._forward(vals)
            self.in_meta = tuple((tuple(jnp.shape(v)), jnp.result_type(v)) for v in vals)
            return outs, saved

        def bwd(res, cts):
            from .._creation import wrap_value

            saved, in_meta = res, self.in_meta
            ctx = FunctionCtx()
            ctx.__dict__.update(self.attrs)
            ctx.needs_input_grad = self.needs_input_grad
            ctx._saved_now = tuple(wrap_value(s) if s is not None else None for s in saved)
            cts = [None if isinstance(c, SymbolicZero) or jnp.result_type(c) == jax.dtypes.float0 else c for c in cts]
            out_layout = [k if kind == "t" else None for kind, k in self.out_layout]
            grads_in = _grads_in(out_layout, self.out_meta, cts, getattr(ctx, "materialize_grads", True))
            IN_FUNCTION_BACKWARD[0] += 1
            try:
                grads = _backward_fn(self.cls)(ctx, *grads_in)
            finally:
                IN_FUNCTION_BACKWARD[0] -= 1
            tensor_pos = tuple(i for i, (is_t, _) in enumerate(self.layout) if is_t)
            meta = tuple((shape, dt, jnp.issubdtype(dt, jnp.inexact)) for shape, dt in in_meta)
            # JAX asks for exactly the gradients it needs here (facade.func differentiates inputs that do not
            # require grad): give every one the backward returned
            grads = _grads_out(self.cls.__name__ + "Backward", grads, tensor_pos, len(self.layout),
                               (True,) * len(self.layout), meta)
            if _once(self.cls):
                grads = [None if g is None else jax.lax.stop_gradient(g) for g in grads]
            return tuple(grads)

        fn.defvjp(fwd, bwd, symbolic_zeros=True)
        return fn


def _saved_refs(saved, inputs, outs):
    """What ctx.save_for_backward saved, in its order, as ("in", i) / ("out", k) for the i-th
    tensor input / k-th output (PyTorch checks the versions of exactly these), and ("other",)
    for a tensor made inside forward."""
    refs = []
    for t in saved:
        if t is None:
            continue
        where = next((("in", i) for i, a in enumerate(inputs) if a is t), None)
        refs.append(where or next((("out", k) for k, o in enumerate(outs) if o is t), ("other",)))
    return tuple(refs)


def _apply_traced(cls, args, setup):
    from .._tensor import Tensor

    layout, tensors = [], []
    for a in args:
        if isinstance(a, Tensor):
            layout.append((True, None))
            tensors.append(a)
        else:
            layout.append((False, a))
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    call = _TracedCall(cls, tuple(layout), needs, setup)
    _grad_fn_class(cls.__name__ + "Backward")
    try:
        outs = record(FUNCTION, tuple(tensors), (call,))
    except RuntimeError as e:
        # shape inference ran the user's forward: its own exception (facade.jit's JitError for an `.item()`) is
        # what PyTorch would show, not the "invalid arguments" wrapper
        cause = e.__context__
        if cause is not None and str(e).startswith(FUNCTION.name + ": invalid arguments"):
            raise cause.with_traceback(cause.__traceback__) from None
        raise
    if outs:
        node = outs[0]._storage.node.args[0]  # the call's node (each output is a part of it)
        if node.requires_grad:
            _version_checks(node, call.saved_refs, tensors, outs)
        for i in call.non_diff:
            outs[i]._grad_fn = None
    results = [outs[k] if kind == "t" else k for kind, k in call.out_layout]
    return results[0] if call.single else tuple(results)


def _version_checks(node, refs, tensors, outs):
    """Check at backward exactly the versions of what forward saved, as PyTorch does."""
    if not refs:
        node.op = FUNCTION_UNSAVED
        node.saved = ()
        return
    saved = []
    for ref in refs:
        if ref[0] == "in":
            vc = tensors[ref[1]]._vc
            saved.append((vc, vc[0], node.args[ref[1]]))
        elif ref[0] == "out":
            saved.append((outs[ref[1]]._vc, 0, output_ref(ref[1], outs[ref[1]])))
    node.saved = tuple(saved)


def _function_op(saves):
    return defop("function" if saves else "function_unsaved", lambda *a: a[-1].run(*a[:-1]), nout=None, saves=saves,
                 grad_fn=lambda node: node.statics[0].cls.__name__ + "Backward")


# A call whose forward saved tensors frees them at backward (a second backward raises, a
# saved tensor written in place raises); one that saved nothing can be backpropagated again.
FUNCTION, FUNCTION_UNSAVED = _function_op(True), _function_op(False)


def _grad_fn_class(name):
    """The grad_fn class of a Function: PyTorch defines it in Python, in torch.autograd.function."""
    from . import graph

    if name not in graph._CLASSES:
        def __repr__(self):
            return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

        def next_functions(self):
            node = self._node
            call = node.statics[0]
            args = node.args[:call.n_in] if isinstance(call, _EagerCall) else node.args  # not the outputs and token
            return tuple((graph.wrap_node(a), graph._output_index(a)) if a.requires_grad else (None, 0) for a in args)

        graph._CLASSES[name] = type(name, (graph.Node,), {"__slots__": (), "__repr__": __repr__,
                                                          "next_functions": property(next_functions),
                                                          "__module__": "torch.autograd.function"})


# ---------------------------------------------------------------------------------------------
# the user's API

def _flatten_kwargs(forward, args, kwargs, skip_ctx):
    """Keyword arguments of apply as positional ones, by forward's signature (as PyTorch's apply does)."""
    params = list(inspect.signature(forward).parameters.values())
    if skip_ctx:
        params = params[1:]
    names = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        names.append(p.name)
    placed = {}
    for key, v in kwargs.items():
        if key not in names:
            raise TypeError(f"forward() got an unexpected keyword argument '{key}'")
        i = names.index(key)
        if i < len(args):
            raise TypeError(f"forward() got multiple values for argument '{key}'")
        placed[i] = v
    out = list(args)
    for i in range(len(args), max(placed) + 1):
        if i not in placed:
            raise TypeError(f"forward() missing required argument: '{names[i]}' (position {i})")
        out.append(placed[i])
    return tuple(out)


class _FunctionMeta(type):
    pass


class Function(metaclass=_FunctionMeta):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grads) — or forward(*args) and
    setup_context(ctx, inputs, output) — and call with .apply."""

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor

        setup = cls.setup_context is not Function.setup_context
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        if kwargs:
            args = _flatten_kwargs(cls.forward, args, kwargs, not setup)
        if _engine.IN_TRACE[0]:
            return _apply_traced(cls, args, setup)
        tensors = [a for a in args if isinstance(a, Tensor)]
        if any(_traced_value(t) for t in tensors):
            return _apply_traced(cls, args, setup)
        return _apply_eager(cls, args, setup, tensors)


def _traced_value(t):
    """Whether t's value is (or would be computed from) a traced value, without computing it (an op-by-op run of a
    backward tells whether it reads a value by whether its inputs got computed)."""
    stack, seen = [t._node()], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.value is not None:
            if isinstance(n.value, jax.core.Tracer):
                return True
            continue
        stack.extend(n.args)
    return False


def once_differentiable(fn):
    """A backward that is not differentiable again: it runs under no_grad, and its gradients have no derivative."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    wrapper._once_differentiable = True
    return wrapper
