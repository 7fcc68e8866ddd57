"""The engine: turns the pending part of the tape into values.

`evaluate(nodes)` walks back from the requested nodes to the nearest computed values and
replays the pending nodes in between as one pure JAX function. Every replay is described
by a structural key — op ids, wiring, static arguments, input shapes and dtypes, and which
values come out — so:

* a structure seen for the first time runs op by op (no compile: one-off graphs, such as a
  notebook cell, never pay XLA's compile time);
* a structure seen before is compiled once with `jax.jit` and replayed from the cache.

Python numbers used as operands are passed in as arguments (packed into one float and one
int array), never baked into the compiled program, so `x * lr` with a changing `lr` does
not recompile.

Values kept after a replay: the requested nodes and every node that is the current value
of a live tensor. Intermediates nobody can reach stay pending; their downstream values are
computed. A node that cannot need a gradient drops its arguments once computed, so a long
loop never keeps its history alive.
"""
import collections

import jax
import numpy as np

from ._ops.table import SCALAR
from ._tape import observed

__all__ = ["evaluate", "stats", "reset_stats", "set_cache_limit"]

_STATS = {"compiles": 0, "cache_hits": 0, "eager_runs": 0, "nodes_replayed": 0, "backward_replays": 0}
_compiled = collections.OrderedDict()  # key -> jitted replay
_seen = {}  # key -> True once run eagerly
_limits = {"cache": 1024, "seen": 16384}
MAX_PENDING_DEPTH = 400  # a longer chain of pending nodes is computed at once
# nonzero while facade.jit traces a step: a replay then only stages its ops into the trace (it
# is neither an op-by-op run nor a compile of its own, and is not a sight of its structure)
IN_TRACE = [0]


def stats():
    """Counters since the last reset: XLA compiles, compiled-cache hits, op-by-op replays, and
    backward_replays: backwards whose recurring structure was re-found without a walk (autograd/_replay.py)."""
    return dict(_STATS, cached_programs=len(_compiled))


def reset_stats():
    for k in _STATS:
        _STATS[k] = 0


def set_cache_limit(n):
    _limits["cache"] = int(n)


_CLEARERS = []  # other caches of compiled programs (backward's), cleared with this one


def clear_cache():
    """Forget every compiled program and every structure seen (the next runs are first sights)."""
    _compiled.clear()
    _seen.clear()
    for clear in _CLEARERS:
        clear()


def _schedule(roots):
    """Post-order walk of the pending nodes reachable from roots.

    Returns (slots, order, inputs, scalars, key, local): `order` lists pending nodes in
    topological order, `inputs` the computed nodes they read, `scalars` the Python-number
    operands, `key` a hashable description of the whole structure, and `local` how often each
    node is read inside this schedule.
    """
    slot = {}
    order, inputs, scalars, key = [], [], [], []
    local = {}  # id(node) -> uses by nodes in this schedule
    stack = list(roots)
    while stack:
        n = stack[-1]
        i = id(n)
        if i in slot:
            stack.pop()
            continue
        if n.value is not None:
            stack.pop()
            slot[i] = len(slot)
            if n.op is SCALAR and n.mk is not complex:  # a complex number is passed as an input value
                scalars.append(n)
                key.append(type(n.value))
            else:
                inputs.append(n)
                key.append((n.dtype._id, n.shape))
            continue
        ready = True
        for a in n.args:
            if id(a) not in slot:
                stack.append(a)
                ready = False
        if ready:
            stack.pop()
            slot[i] = len(slot)
            order.append(n)
            for a in n.args:
                local[id(a)] = local.get(id(a), 0) + 1
            key.append((n.op.id, n.statics, tuple([slot[id(a)] for a in n.args])))
    return slot, order, inputs, scalars, key, local


class _Program:
    """A replay plan: where inputs and scalars go, which op fills which slot, what comes out."""

    __slots__ = ("nslots", "in_slots", "float_slots", "int_slots", "steps", "outs", "ops")

    def __init__(self, slot, order, inputs, scalars, outs):
        self.nslots = len(slot)
        self.in_slots = [slot[id(n)] for n in inputs]
        self.float_slots, self.int_slots = [], []
        for n in scalars:
            (self.int_slots if isinstance(n.value, (bool, int)) else self.float_slots).append(slot[id(n)])
        self.steps = [(n.op.impl, n.statics, [slot[id(a)] for a in n.args], slot[id(n)]) for n in order]
        self.ops = [n.op for n in order]
        self.outs = outs

    def run(self, in_vals, floats, ints):
        vals = fill_slots(self, in_vals, floats, ints)
        for impl, statics, argslots, out in self.steps:
            vals[out] = impl(*[vals[a] for a in argslots], *statics)
        return [vals[s] for s in self.outs]

    def run_op_by_op(self, in_vals, floats, ints):
        """The same replay outside jit, each op as its own compiled computation (OpDef.kernel)."""
        vals = fill_slots(self, in_vals, floats, ints)
        for op, (_, statics, argslots, out) in zip(self.ops, self.steps):
            args = [vals[a] for a in argslots]
            vals[out] = op.kernel(len(args), len(statics))(*args, *statics)
        return [vals[s] for s in self.outs]



def fill_slots(prog, in_vals, floats, ints):
    """The slot list of a replay with its inputs and scalar operands in place (prog has
    nslots, in_slots, float_slots and int_slots)."""
    vals = [None] * prog.nslots
    for s, v in zip(prog.in_slots, in_vals):
        vals[s] = v
    for j, s in enumerate(prog.float_slots):
        vals[s] = floats[j]
    for j, s in enumerate(prog.int_slots):
        vals[s] = ints[j]
    return vals


def as_jax(inputs):
    """Input values as JAX arrays. CPU sources start as numpy arrays (creating a tensor stays
    cheap); the first replay that reads one converts it once and keeps the JAX array, so a
    tensor used every step is not copied into every call."""
    vals = []
    for n in inputs:
        v = n.value
        if type(v) is np.ndarray:
            v = jax.device_put(v)  # (jnp.asarray would compile a staging step per shape)
            if not isinstance(v, jax.core.Tracer):  # inside a jit trace device_put gives a tracer: never kept
                n.value = v
        vals.append(v)
    return vals


def _split_scalars(scalars):
    floats, ints = [], []
    for n in scalars:
        v = n.value
        (ints if isinstance(v, (bool, int)) else floats).append(v)
    return floats, ints


def replay(nodes):
    """The values of the pending `nodes`, computed as one pure function of the values they
    depend on, with nothing stored on the tape. facade.jit's first call uses it inside its
    trace for tensors that were pending before the call: their values become part of the
    compiled program, and the nodes stay as they were. Inputs held as numpy arrays are moved to
    the device once, outside the trace, so that they are inputs of the program, not constants
    compiled into it."""
    slot, order, inputs, scalars, _, _ = _schedule(nodes)
    with jax.ensure_compile_time_eval():
        in_vals = as_jax(inputs)
    prog = _Program(slot, order, inputs, scalars, tuple(slot[id(n)] for n in nodes))
    return prog.run(in_vals, *_split_scalars(scalars))


def evaluate(nodes, compile=False):
    """Compute the values of `nodes` (and of every live tensor's pending value they depend on).
    compile=True: as one compiled program even at a structure's first sight (for a graph known to
    be worth it, such as many pending ops needed at once)."""
    roots = [n for n in nodes if n.value is None]
    if not roots:
        return
    slot, order, inputs, scalars, key, local = _schedule(roots)
    want = {id(n) for n in roots}
    # keep: what was asked for, live tensors' values, and any node that other (still pending)
    # nodes read — its history must never be replayed again when those are computed later
    out_nodes = [n for n in order if id(n) in want or n.uses > local.get(id(n), 0) or observed(n)]
    outs = tuple(slot[id(n)] for n in out_nodes)
    key = (tuple(key), outs)
    in_vals = as_jax(inputs)
    floats, ints = _split_scalars(scalars)
    fn = _compiled.get(key)
    if IN_TRACE[0]:
        results = _Program(slot, order, inputs, scalars, outs).run(in_vals, floats, ints)
    elif fn is not None:
        _compiled.move_to_end(key)
        _STATS["cache_hits"] += 1
        results = fn(in_vals, np.asarray(floats, np.float64), np.asarray(ints, np.int64))
    elif compile or key in _seen:
        prog = _Program(slot, order, inputs, scalars, outs)
        fn = jax.jit(prog.run)
        _STATS["compiles"] += 1
        _compiled[key] = fn
        if len(_compiled) > _limits["cache"]:
            _compiled.popitem(last=False)
        results = fn(in_vals, np.asarray(floats, np.float64), np.asarray(ints, np.int64))
    else:
        if len(_seen) > _limits["seen"]:
            _seen.clear()
        _seen[key] = True
        _STATS["eager_runs"] += 1
        results = _Program(slot, order, inputs, scalars, outs).run_op_by_op(in_vals, floats, ints)
    _STATS["nodes_replayed"] += len(order)
    for n, v in zip(out_nodes, results):
        n.value = v
        if not n.requires_grad:
            n.args = ()
