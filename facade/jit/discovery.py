"""The first call of a jitted step: one compiled program, traced while the state is found.

Before the first call nothing says which tensors a step reads or writes. The call traces the
step under `jax.jit` with only its tensor arguments and facade's RNG key as inputs; every
tensor that existed before the call stays a concrete array, so JAX captures what the trace
reads of them as constants of the jaxpr. Meanwhile:

* the `_tape.TRACKING` hook sees each tensor the step touches; on a pre-existing tensor's first
  touch its value is made concrete (computing pending ops, outside the trace) and its storage
  is pointed at a fresh node holding the same array, so that nodes the trace derives from it
  (LEAF nodes, views) are not mistaken for its own afterwards;
* once the step returns, the tensors that existed before and now hold a new value (a parameter
  updated in place, a gradient accumulated into an existing .grad) and the tensors the step
  created that are still alive (new .grad tensors, optimizer state) are the program's outputs,
  with the step's result and the advanced RNG key.

The captured constants that are the values of pre-existing tensors are then lifted into
inputs, so the program compiles without the parameters baked in and a result that requires
grad can be differentiated with respect to them (the COMPILED node of differentiable.py).
The program is compiled with XLA's usual settings although it runs once: at -O0 XLA's CPU
backend compiles in about 60% of the time, but its reductions then round differently from
every later call's and from eager code.

After the call the touched and created tensors are the step's state: the second call traces
the step with them as inputs (step.py), which gives the program later calls reuse.
"""
import gc

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import ClosedJaxpr, jaxpr_as_fun

from .. import _engine, _random
from .._ops.table import defop
from .._tape import Node, source, source_like
from . import differentiable as _diff
from . import live_numbers as _live
from .errors import JitError, is_tracer
from .tensors import ArgWrites, Results, arg_tensors, live_tensors, run_traced, storage_tensors

_NEVER_COMPUTED = (
    "facade.jit: this tensor was created inside a call of a jitted function that raised (see that error), so its "
    "value was never computed. Create it again (a new optimizer, for instance), or call the function without jit."
)


def _never_computed(message):
    raise JitError(message)


# what a tensor created by a failed first call holds: computing it raises the error above
NEVER_COMPUTED = defop("jit_never_computed", _never_computed, grad_fn=None, saves=False, differentiable=False, nout=None)


class Found:
    """What the first call found: the result it returned, the step's state (one tensor per
    storage) and the Python numbers it read through jit.live."""

    def __init__(self, result, state, live):
        self.result, self.state, self.live = result, state, live


class _Before:
    """The tensors alive before the call, and what each held then."""

    def __init__(self, tensors):
        self.tensors = tensors  # (strong references: no id is reused while the call runs)
        self.ids = {id(t) for t in tensors}
        self.nodes = [t._storage.node for t in tensors]
        self.grads = [t._grad for t in tensors]
        self.versions = [t._vc[0] for t in tensors]
        self.rebound = {}  # id(storage) -> the fresh node the first touch pointed it at

    def restore(self):
        """Undo what an interrupted trace did to them."""
        for t, n, g, v in zip(self.tensors, self.nodes, self.grads, self.versions):
            t._storage.set(n)
            t._grad = g
            t._vc[0] = v

    def written(self):
        """The tensors whose storage the call gives a new value: the step wrote it, or its value
        was pending before the call and the program computes it."""
        rebound = self.rebound
        out = []
        for t, n in zip(self.tensors, self.nodes):
            now = t._storage.node
            if now is not n and (now is not rebound.get(id(t._storage)) or is_tracer(now.value)):
                out.append(t)
        return out

    def unbind(self):
        """Point the storages the step only read back at their own nodes."""
        for t, n in zip(self.tensors, self.nodes):
            st = t._storage
            if st.node is self.rebound.get(id(st)) and not is_tracer(st.node.value):
                st.set(n)


class _FirstTouch:
    """The TRACKING hook of the first call: records the pre-existing tensors the step touches
    and gets each one's value ready for the trace to capture (see the module docstring)."""

    def __init__(self, before):
        self.before = before
        self.seen = {}
        self.claimed = {}  # id(array) -> the storage whose fresh node holds it

    def __call__(self, t):
        i = id(t)
        if i in self.seen or i not in self.before.ids:
            return
        self.seen[i] = t
        st = t._storage
        n = st.node
        if id(st) in self.before.rebound or is_tracer(n.value):
            return
        if n.value is None:
            # pending since before the call: computed inside the program, written back after it
            value = _engine.replay([n])[0]
            if not is_tracer(value):  # no op computed it (a copy_ of an existing array): that is its value
                n.value = value
        else:
            if type(n.value) is np.ndarray:
                with jax.ensure_compile_time_eval():  # on the device once, as eager code would
                    _engine.as_jax([n])
            value = n.value
        if not is_tracer(value):
            # one array object per storage: the trace captures an array once, however many
            # tensors hold it (a deepcopy's parameters hold their original's arrays), and _lift
            # finds the tensor a constant belongs to by the array's identity
            if self.claimed.setdefault(id(value), st) is not st:
                with jax.ensure_compile_time_eval():
                    value = jnp.array(value, copy=True)
                self.claimed[id(value)] = st
        fresh = source_like(value, n)
        self.before.rebound[id(st)] = fresh
        st.set(fresh)


def discover(fn, args, kwargs):
    """Run `fn(*args, **kwargs)` as one compiled program and find its state; returns a Found."""
    collecting = gc.isenabled()
    gc.disable()  # until the trace has run: what the step creates stays in the young generation
    try:
        return _discover(fn, args, kwargs)
    finally:
        if collecting:
            gc.enable()


def _discover(fn, args, kwargs):
    arg_ids = {id(a) for a in list(args) + list(kwargs.values())}
    args_t = arg_tensors(args, kwargs)
    arg_vals = [a._value() for a in args_t]
    if _random._STATE["key"] is None:
        _random.manual_seed(_random._STATE["seed"])
    key_before = _random._STATE["key"]
    for attempt in range(2):
        before = _Before([t for t in live_tensors(collect=False) if id(t) not in arg_ids])
        trace = _Trace(fn, args, kwargs, before)
        try:
            try:
                stage = jax.jit(trace).trace(arg_vals, key_before)
            finally:
                _random._STATE["key"] = key_before  # (the trace's key is a tracer)
            # (the second trace finds those leaves computed: nothing is late then)
            late = [] if attempt else trace.computed_leaves()
            if not late:
                break
        except BaseException:
            before.restore()
            _mark_never_computed(before)
            raise
        # The result needs a history through leaves whose values were pending before the call and
        # that the program computed: a gradient reaches a leaf only through an input. Compute them
        # now (one compiled program) and trace again.
        before.restore()
        _engine.evaluate([t._storage.node for t in late], compile=True)
    try:
        before.unbind()
        program, lifted, lifted_vals = _lift(stage, before, list(trace.hook.seen.values()))
        flat = lifted_vals + list(arg_vals) + [key_before]
        compiled = jax.jit(program).lower(*flat).compile()
        target_vals, out_vals, arg_vals_out, key = jax.tree_util.tree_unflatten(
            jax.tree_util.tree_structure(stage.out_info), compiled(*flat))
    except BaseException:
        before.restore()
        _mark_never_computed(before)
        raise
    _engine._STATS["compiles"] += 1
    results = trace.results
    history = None
    if results.wanted():
        history = _diff.FREED if trace.ran_backward else _history(lifted, lifted_vals, before, args_t, key_before)
    for (t, n), v in zip(trace.targets, target_vals):
        t._storage.set(source_like(v, n))
        if t._grad_fn is not None:  # a kept result of the step keeps its value, not its history
            t._grad_fn = None
    trace.arg_writes.write(args_t, arg_vals_out)
    if key is not None:
        _random._STATE["key"] = key
    n_targets = len(trace.targets)
    # the COMPILED node passes the live numbers last (see differentiable.attach): this program has none
    prog = _diff.Program(lambda *flat: program(*flat[:-1]), n_targets, n_targets + len(out_vals))
    return Found(results.build(out_vals, prog, history), trace.state, trace.recorder.pairs)


class _Trace:
    """The function jax traces: the user's step on the arguments' tracers and the RNG key, with
    the first-touch hook on; returns the new values of the call's targets (see the module
    docstring), the step's result and the advanced key."""

    def __init__(self, fn, args, kwargs, before):
        self.fn, self.args, self.kwargs, self.before = fn, args, kwargs, before
        self.hook, self.recorder = _FirstTouch(before), _live.Recorder()
        self.results = self.state = self.targets = None
        self.ran_backward = False

    def __call__(self, arg_vals, key):
        _engine.IN_TRACE[0] += 1
        try:
            return self._step(arg_vals, key)
        finally:
            _engine.IN_TRACE[0] -= 1

    def _step(self, arg_vals, key):
        args, kwargs, before = self.args, self.kwargs, self.before
        out, self.ran_backward, given = run_traced(self.fn, args, kwargs, arg_vals, key, self.hook, self.recorder)
        results = self.results = Results(out)
        writes = self.arg_writes = ArgWrites(given)
        skip = {id(a) for a in list(args) + list(kwargs.values()) + given} | results.ids
        del out, given
        gc.collect(0)  # the step's garbage (a full collection would cost ~100 ms)
        created = [t for t in live_tensors(collect=False) if id(t) not in before.ids and id(t) not in skip]
        written = before.written()
        self.state = storage_tensors(list(self.hook.seen.values()) + written + created)
        targets = storage_tensors(written + created)
        nodes = [t._storage.node for t in targets]
        _engine.evaluate([n for n in nodes + results.nodes + writes.nodes if n.value is None])
        # targets whose new value is concrete (a tensor made from constants) keep their node
        self.targets = [(t, n) for t, n in zip(targets, nodes) if is_tracer(n.value)]
        out_key = _random._STATE["key"]
        return ([n.value for _, n in self.targets], results.values(), writes.values(),
                None if out_key is key else out_key)

    def computed_leaves(self):
        """Leaves that require grad, were pending before the call and got their values inside
        the program, when the result needs a history through them."""
        if self.ran_backward or not self.results.wanted():
            return []
        rebound = self.before.rebound
        return [t for t in self.hook.seen.values()
                if t._rg and is_tracer(getattr(rebound.get(id(t._storage)), "value", None))]


def _mark_never_computed(before):
    """After a failed first call: the tensors it created that something still holds (optimizer
    state it made before the failure) have no values; make reading one a clear error rather
    than a JAX error about a leaked tracer."""
    gc.collect(0)
    for t in live_tensors(collect=False):
        n = t._storage.node
        if id(t) not in before.ids and (n.value is None or is_tracer(n.value)):
            bad = Node(NEVER_COMPUTED, (), (_NEVER_COMPUTED,), None, n.shape, n.dtype)
            bad.device = n.device
            t._storage.set(bad)
            t._grad_fn = None


def _lift(stage, before, seen):
    """The traced step as a function of (the device arrays it captured as constants, then its
    own inputs), so that no array is compiled into the program; for each such array the
    pre-existing tensor whose value it is (None for others: arrays facade made from numpy); the
    arrays."""
    closed = stage.jaxpr
    owners = {}
    # a tensor the step touched owns the array it was read as (its first touch made that array
    # its own); other pre-existing tensors own what pending ops replayed inside the trace read
    by_touch = set()
    touched = [(t, before.rebound.get(id(t._storage))) for t in seen]
    for pairs, first in ((touched, True), (zip(before.tensors, before.nodes), False)):
        for t, n in pairs:
            v = getattr(n, "value", None)
            if isinstance(v, jax.Array) and not is_tracer(v):
                i = id(v)
                other = owners.get(i)
                if other is None or (first or i not in by_touch) and t._rg and not other._rg:
                    owners[i] = t  # (the leaf that requires grad, as storage_tensors)
                if first:
                    by_touch.add(i)
    consts = list(closed.consts)
    positions = [i for i, c in enumerate(consts) if isinstance(c, jax.Array) and not is_tracer(c)]
    jaxpr, n = closed.jaxpr, len(positions)

    def program(*flat):
        values = list(consts)
        for i, v in zip(positions, flat[:n]):
            values[i] = v
        return jaxpr_as_fun(ClosedJaxpr(jaxpr, values))(*flat[n:])

    return program, [owners.get(id(consts[i])) for i in positions], [consts[i] for i in positions]


def _history(lifted, lifted_vals, before, args_t, key):
    """What the result's COMPILED node reads (differentiable.attach): each lifted array through
    its tensor's autograd-aware node as the call read it (or as a constant), the arguments, the
    key; no live numbers."""
    index = {id(t): k for k, t in enumerate(before.tensors)}
    nodes, versions = [], []
    for t, v in zip(lifted, lifted_vals):
        if t is None:
            nodes.append(source(v, _diff.CARRIED))
            continue
        k = index[id(t)]
        # (a tensor the step wrote enters with the value it read, without history)
        nodes.append(t._input_node() if t._storage.node is before.nodes[k] else before.nodes[k])
        versions.append((t._vc, before.versions[k]))
    nodes += [a._input_node() for a in args_t]
    versions += [(a._vc, a._vc[0]) for a in args_t]
    return nodes, versions, key, jax.device_put(np.zeros(0, np.float64))
