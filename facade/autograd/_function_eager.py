"""Eager `MyFn.apply(*args)`: the call recorded as one tape node.

It does what PyTorch does: it runs the user's `forward` once, on the very tensors it was given,
under no_grad, so Python control flow, `.item()`, NumPy round trips, in-place writes
(`mark_dirty`) and the RNG work. The call is then one tape node whose arguments are the inputs'
nodes, the outputs' computed values and the other tensors forward saved (sources), and a
*token*: a source whose node object owns the call's state (ctx, what was saved). Its
implementation is a `jax.custom_vjp` whose forward returns the outputs it is given (replaying
the node never runs the user's forward again) and whose backward runs the user's `backward`
(`_function_backward.py`).

A compiled backward program serves every later call of its structure, so two calls compare
equal (`_EagerCall`) only when op-by-op runs showed their backward traceable and their ctx
attributes are equal plain values; any other call equals only itself, so its backward always
runs op by op, on concrete values. (The user's backward thus runs once more when a structure is
compiled, and not at all on the compiled replays, as in facade's other compiled paths.)

Also here, shared with traced calls: the FUNCTION ops and a Function's grad_fn class.
"""
import itertools
import weakref

import jax.numpy as jnp
import numpy as np

from .. import _dispatch, _dtype
from .._dispatch import output_ref, record_node, wrap
from .._grad_mode import STATE as _GRAD
from .._grad_mode import no_grad
from .._ops.table import GETITEM, defop
from .._tape import Node, Storage
from ._function_backward import _STATES, _TRACEABLE, _eager_rule
from .function import FunctionCtx

_tokens = itertools.count(1)
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
                 "in_meta", "attrs", "trace_key", "state_ref", "nones", "_fn", "_key", "_hash", "__weakref__")

    def __init__(self, cls, state, *, n_in, n_out, n_extra, needs, tensor_pos, n_args, out_layout, saved_kinds,
                 in_meta):
        self.cls, self.n_in, self.n_out, self.n_extra, self.needs = cls, n_in, n_out, n_extra, needs
        self.in_meta = in_meta
        self.tensor_pos, self.n_args, self.out_layout, self.saved_kinds = tensor_pos, n_args, out_layout, saved_kinds
        self.state_ref = weakref.ref(state)
        self._fn = None
        self.nones = None  # which inputs the last run of the user's backward gave None (see _undefined.py)
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
