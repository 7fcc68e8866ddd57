"""`facade.jit(fn)`: run a stateful PyTorch-style step as one XLA program.

How a call works:

1. **Discovery.** The first call is traced and compiled with only the tensor arguments and
   facade's RNG key as inputs, while every tensor it reads or writes is recorded (the
   `_tape.TRACKING` hook); see `discovery.py`. The tensors that existed before the call,
   plus those it created that are still alive afterwards (optimizer state, say), are the
   step's *state*.
2. **Trace.** The next call traces `fn` again under `jax.jit`: each state tensor's storage is
   pointed at a tracer input, as are the tensor arguments and facade's RNG key; `fn` runs
   unchanged (facade's tape records and evaluates on tracers); the outputs are `fn`'s
   result, every state tensor's final value, the final `.grad` of each state tensor, and the
   advanced RNG key. If the trace touched a tensor outside the state, it is added and the
   trace is redone; state no trace touched is dropped (`_prune`). The program is compiled
   from the traced jaxpr (`layout.py`), by the first call that runs it.
3. **Steady state.** Later calls with the same guards (argument shapes/dtypes, non-tensor
   arguments, the state tensors, which of them have a `.grad` and which require grad) call
   the compiled program directly and write its outputs back into the same Python objects, so
   parameters, `.grad`, optimizer state and the RNG look as after an eager call. The old
   state's buffers, and those of the `.grad` tensors the step replaces, are donated to the
   program when nothing else holds them (`holders.py`).

What a call returns that requires grad has a history on the tape: one COMPILED node whose
implementation is the traced jaxpr (`differentiable.py`), so `loss.backward()` after a call
to a compiled model works as in PyTorch.

Python side effects inside `fn` happen only while tracing (as with any tracing compiler).
"""
import gc
import sys
import warnings

import jax
import numpy as np

from .. import _dispatch, _engine, _random
from .._grad_mode import STATE as _GRAD
from .._tape import STATIC_READS, source_like
from . import differentiable as _diff
from . import holders
from . import live_numbers as _live
from .discovery import discover
from .errors import JitError, is_tracer
from .layout import Layout
from .tensors import ArgWrites, Results, Tracker, arg_tensors, live_tensors, run_traced, storage_tensors


def _arg_signature(args, kwargs):
    T = _dispatch.Tensor
    sig = []
    for a in (list(args) + [kwargs[k] for k in sorted(kwargs)]) if kwargs else args:
        if isinstance(a, T):
            n = a._storage.node if a._view is None else a._node()
            sig.append(("T", n.shape, n.dtype.name, a.requires_grad))
        else:
            try:
                hash(a)
                sig.append(("V", type(a).__name__, a))
            except TypeError:
                sig.append(("O", id(a)))
    return tuple(sig) + tuple(sorted(kwargs)) + (_GRAD[0],)


class _Entry:
    """One traced and compiled version of the step."""

    def __init__(self, state):
        self.state = state  # representative tensors of the state storages
        self.grad_owners = []  # state tensors whose .grad is set by the step
        self.grad_objects = []  # the tensor (or None) each of them ends with
        self.bumps = []  # (position, count) of the state tensors the step writes in place
        self.changed = []  # positions of the state tensors whose value the step changes
        # what the last call left behind, for the fast guard (see Jitted._unchanged_since)
        self.after_nodes, self.after_vals, self.after_grads, self.after_rg = [], [], [], []
        self.versions = []  # (version counter, bump) of the state tensors the step writes in place
        self.live_raw = None  # the live numbers as their containers held them (when plain numbers)
        self.arg_sig, self.live_zero = None, None
        self.key = None  # the full guard's key it is cached under
        self.results = None  # what the step returns (tensors.Results)
        self.touched_outside = []
        self.live = []  # (container, key) read through jit.live, in program-input order
        self.live_capacity = 0
        self.live_overflow = False
        self.live_last = None  # the live numbers of the last call, and that vector on the device
        self.live_array = None
        self.donated = ()  # state positions whose buffers the program takes over (see holders.donatable)
        self.layout = None  # how fn takes its inputs (layout.py)
        self.used = []  # positions in the traced state of the tensors the entry takes (see _prune)
        self.programs = {}  # the compiled step, each way a call may need it (see _program)
        self.recycles = []  # positions of the state tensors whose old .grad buffers a call may take over
        self.storage_ids = set()


class Jitted:
    """The callable returned by facade.jit / facade.compile."""

    def __init__(self, fn, *, max_recompiles=8, donate=True):
        self.fn = fn
        self.max_recompiles = max_recompiles
        self.donate = donate
        self.recompiles = 0
        self.recompile_reasons = []
        self.calls = 0
        self._state = None  # discovered state (list of tensors), None before the first call
        self._live = []  # (container, key) of the Python numbers read through jit.live
        self._statics = []  # (container, key) of the Python values some trace branched on (module.training)
        self._live_values = (None, [])  # (pairs, their values) as read by the last guard
        self._entries = {}
        self._fast = None  # the entry the last call ran, while nothing has touched its state since
        self._touched = set()  # ids of the state storages some trace has read or written

    def reset(self):
        """Forget discovered state and compiled programs (e.g. after swapping model parameters)."""
        self._state = None
        self._live = []
        self._statics = []
        self._entries.clear()
        self._fast = None
        self._touched = set()

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self._state is None:
            return self._discover(args, kwargs)
        entry = self._fast
        if entry is not None and self._unchanged_since(entry, args, kwargs):
            return self._call(entry, args, kwargs, fresh=False)
        key = self._guard(args, kwargs)
        entry = self._entries.get(key)
        if entry is None:
            if self._entries:
                self._note_recompile(key)
            entry = self._trace(args, kwargs)
            key = entry.key = self._guard(args, kwargs)
            self._entries[key] = entry
            return entry.last_result
        return self._call(entry, args, kwargs)

    # ---- guards ------------------------------------------------------------------------
    def _guard(self, args, kwargs):
        state = []
        ids = {id(t._storage) for t in self._state}
        for t in self._state:
            st, g = t._storage, t._grad
            # a .grad the step reads (its storage is state) counts by identity; one it only
            # replaces (zero_grad(set_to_none=True), then backward) by its presence alone
            grad = None if g is None else id(g) if id(g._storage) in ids else True
            state.append((id(st), st.node.shape, st.node.dtype.name, grad, t._rg))
        values = _live.read(self._live)
        self._live_values = (self._live, values)  # read once per call: _inputs passes them in
        statics = tuple(c[k] for c, k in self._statics)
        return _arg_signature(args, kwargs), tuple(state), tuple(v == 0 for v in values), statics

    def _unchanged_since(self, entry, args, kwargs):
        """The fast guard: True when the state is exactly as the last call left it (the same
        nodes in the same storages, the same .grad objects) and the arguments and the zero
        pattern of the live numbers match, so the full guard would pick `entry` again."""
        pairs = self._live
        if entry.live is not pairs or len(entry.state) != len(self._state):
            return False
        for t, n, g, r in zip(entry.state, entry.after_nodes, entry.after_grads, entry.after_rg):
            if t._storage.node is not n or t._grad is not g or t._rg is not r:
                return False
        if _arg_signature(args, kwargs) != entry.arg_sig:
            return False
        if entry.key is not None and any(c[k] is not v for (c, k), v in zip(self._statics, entry.key[3])):
            return False
        raw = entry.live_raw
        if raw is not None and [c[k] for c, k in pairs] == raw:
            values = entry.live_last  # (the same numbers: no float() of each)
        else:
            values = _live.read(pairs)
            if values != entry.live_last and entry.live_zero != tuple(v == 0 for v in values):
                return False
            entry.live_raw = _plain([c[k] for c, k in pairs])
        self._live_values = (pairs, values)
        return True

    def _note_recompile(self, key):
        self.recompiles += 1
        reason = "arguments or state changed: " + self._describe_change(key)
        self.recompile_reasons.append(reason)
        if self.recompiles > self.max_recompiles:
            warnings.warn(
                f"facade.jit: {getattr(self.fn, '__name__', 'function')} recompiled {self.recompiles} times "
                f"(last reason: {reason}). Keep argument shapes/dtypes and Python arguments fixed between calls.",
                RuntimeWarning,
                stacklevel=3,
            )

    def _describe_change(self, key):
        """What differs between `key` and the guards of the entry that ran last."""
        last = self._fast
        old = last.key if last is not None and last.key is not None else next(reversed(self._entries))
        if old[0] != key[0]:
            return f"argument signature {old[0]} -> {key[0]}"
        if old[3] != key[3]:
            return "a module's training flag changed (train() / eval())"
        before, now = old[1], key[1]
        if [s[0] for s in before] != [s[0] for s in now]:
            return f"the state is other tensors ({len(before)} -> {len(now)})"
        for (_, shape, dtype, grad, rg), (_, shape2, dtype2, grad2, rg2) in zip(before, now):
            what = f"a state tensor of shape {tuple(shape)}"
            if (shape, dtype) != (shape2, dtype2):
                return f"{what} is now {tuple(shape2)} {dtype2} (was {dtype})"
            if (grad is None) != (grad2 is None):
                return f"{what} {'has no .grad now' if grad2 is None else 'has a .grad now'}"
            if grad != grad2:
                return f"{what} has another .grad"
            if rg != rg2:
                return f"{what} requires grad: {rg} -> {rg2}"
        return "a live number (a learning rate, say) became zero, or stopped being zero"

    # ---- 1. discovery ------------------------------------------------------------------
    def _discover(self, args, kwargs):
        found = discover(self.fn, args, kwargs)
        self._state, self._live = found.state, found.live
        return found.result

    # ---- 2. trace ----------------------------------------------------------------------
    def _trace(self, args, kwargs):
        slack = 16
        for _ in range(4):
            entry = _Entry(list(self._state))
            entry.live_capacity = len(_live.read(self._live)) + slack
            result = self._trace_once(entry, args, kwargs)
            if not entry.touched_outside and not entry.live_overflow:
                entry.last_result = result
                return entry
            self._state = storage_tensors(self._state + entry.touched_outside)
            slack *= 4
        raise JitError("facade.jit: the set of tensors the function uses did not settle after 4 traces")

    def _trace_once(self, entry, args, kwargs):
        """Trace fn with the state as inputs (lower, no execution), then compile and run it once."""
        collecting = gc.isenabled()
        gc.disable()  # until the trace has run: no tensor alive now is collected and its id reused
        try:
            ready = self._trace_paused(entry, args, kwargs)
        finally:
            if collecting:
                gc.enable()
        # (run from here, with the trace's frame gone: it held the state's old values, which
        # a donating program may only take over when nothing else holds them)
        return self._call(entry, args, kwargs) if ready else None

    def _trace_paused(self, entry, args, kwargs):
        state = entry.state
        state_ids = {id(t._storage) for t in state}
        originals = [t._storage.node for t in state]
        grads_before = [t._grad for t in state]
        versions_before = [t._vc[0] for t in state]
        _engine.evaluate([n for n in originals if n.value is None])
        before_ids = {id(t) for t in live_tensors(collect=False)}  # (a collection here cost ~100 ms)
        all_args = list(args) + list(kwargs.values())

        def traced(state_vals, arg_vals, key, live_vals):
            tracker = Tracker()
            provider = _live.Provider(live_vals)
            for t, v in zip(state, state_vals):
                t._storage.set(source_like(v, t._storage.node))
            statics = {}
            STATIC_READS[0] = lambda container, k: statics.setdefault((id(container), k), (container, k))
            try:
                out, entry.ran_backward, given = run_traced(self.fn, args, kwargs, arg_vals, key, tracker, provider)
            finally:
                STATIC_READS[0] = None
            seen = {(id(c), k) for c, k in self._statics}
            self._statics = self._statics + [p for i, p in statics.items() if i not in seen]
            writes = entry.arg_writes = ArgWrites(given)
            del given
            entry.live, entry.live_overflow = provider.seen, provider.overflow
            self._touched.update(id(t._storage) for t in tracker.seen.values())
            outside = [(t, node) for t, st, node, _, _ in tracker.first if id(st) not in state_ids and id(t) in before_ids]
            entry.touched_outside = [t for t, node in outside if not is_tracer(node.value) and not any(t is a for a in all_args)]
            trackers.append(tracker)
            results = entry.results = Results(out)
            final = [t._storage.node for t in state]
            entry.grad_owners = [k for k, t in enumerate(state) if t._grad is not grads_before[k]]
            entry.grad_objects = [state[k]._grad for k in entry.grad_owners]
            grad_nodes = [g._node() for g in entry.grad_objects if g is not None]
            _engine.evaluate([n for n in final + grad_nodes + results.nodes + writes.nodes if n.value is None])
            entry.bumps = [(k, t._vc[0] - v) for k, (t, v) in enumerate(zip(state, versions_before)) if t._vc[0] != v]
            # a state tensor the step leaves alone is not an output: its value stays where it is
            # (an output equal to an input would be a copy of it every call)
            entry.changed = [k for k, (n, v) in enumerate(zip(final, state_vals)) if n.value is not v]
            # a step that draws no random numbers hands the key back untouched: then it is no
            # output (None), and the write-back leaves facade's key as it is
            out_key = _random._STATE["key"]
            return ([final[k].value for k in entry.changed], [n.value for n in grad_nodes],
                    results.values(), writes.values(), None if out_key is key else out_key)

        def restore():
            for tracker in trackers:  # tensors outside the state that the trace wrote
                tracker.undo(state_ids, before_ids)
            for t, n in zip(state, originals):  # leave the program's tensors as they were
                t._storage.set(n)
            for t, g in zip(state, grads_before):
                t._grad = g
            for t, v in zip(state, versions_before):  # the trace's own writes are replayed by _write_back
                t._vc[0] = v
            _random._STATE["key"] = key_before

        donate = bool(self.donate)
        trackers = []
        key_before = _random._STATE["key"]
        entry.live = list(self._live)
        inputs = self._inputs(entry, args, kwargs)
        _engine.IN_TRACE[0] += 1
        try:
            stage = jax.jit(traced).trace(*inputs)
        finally:
            _engine.IN_TRACE[0] -= 1
            restore()
        if entry.touched_outside or entry.live_overflow:
            return False
        inputs = self._prune(entry, inputs)
        layout = entry.layout = Layout(stage, entry.used, entry.changed)
        n_changed, n_grads = len(entry.changed), sum(g is not None for g in entry.grad_objects)
        entry.program = _diff.Program(layout.replay, n_changed + n_grads, n_changed + n_grads + len(entry.results.meta))
        # outputs with a history read the call's inputs again at backward: then nothing is
        # donated (unless the step ran its own backward, which freed that history)
        if donate and entry.changed and (entry.ran_backward or not any(entry.results.requires_grad)):
            entry.donated = tuple(entry.changed)
        if entry.donated:
            entry.recycles = [k for k, g in zip(entry.grad_owners, entry.grad_objects) if g is not None]
        entry.storage_ids = {id(t._storage) for t in entry.state}
        # (compiled by the first call, which runs next: only then is it known whether that call
        # can donate, and recycle the old gradients' buffers)
        self._live = entry.live
        return True

    def _prune(self, entry, inputs):
        """Drop from the state the tensors no trace of this step has touched (the `.grad` a
        call made and the next call's zero_grad() dropped, say): the entry's program does not
        take them, and nothing here keeps their memory alive. Returns the inputs without them."""
        state, touched = entry.state, self._touched
        keep = set(entry.changed) | set(entry.grad_owners) | {k for k, _ in entry.bumps}
        used = entry.used = [k for k, t in enumerate(state) if k in keep or id(t._storage) in touched]
        if len(used) == len(state):
            return inputs
        at = {k: i for i, k in enumerate(used)}
        entry.state = self._state = [state[k] for k in used]
        entry.changed = [at[k] for k in entry.changed]
        entry.grad_owners = [at[k] for k in entry.grad_owners]
        entry.bumps = [(at[k], b) for k, b in entry.bumps]
        return ([inputs[0][k] for k in used],) + tuple(inputs[1:])

    # ---- 3. steady state -----------------------------------------------------------------
    def _inputs(self, entry, args, kwargs, nodes=None):
        """The program's inputs. `nodes`: the state's current nodes, when the fast guard has
        just found them to be the ones the last call left behind (whose values the write-back
        kept in `after_vals`)."""
        if nodes is None:
            nodes = [t._storage.node for t in entry.state]
            pending = [n for n in nodes if n.value is None]
            if pending:
                _engine.evaluate(pending)
            state_vals = _engine.as_jax(nodes)
        else:
            state_vals = list(entry.after_vals)
        arg_vals = [a._value() for a in arg_tensors(args, kwargs)]
        key = _random._STATE["key"]
        if key is None:
            _random.manual_seed(_random._STATE["seed"])
            key = _random._STATE["key"]
        pairs, values = self._live_values
        if pairs is not entry.live:
            values = _live.read(entry.live)
        if values != entry.live_last:  # a scheduler changed a number: send the new vector
            padded = np.asarray(values + [0.0] * (entry.live_capacity - len(values)), np.float64)
            device = next(iter(state_vals[0].devices()), None) if state_vals and hasattr(state_vals[0], "devices") else None
            entry.live_last, entry.live_array = list(values), jax.device_put(padded, device)
        return state_vals, arg_vals, key, entry.live_array

    def _call(self, entry, args, kwargs, fresh=True):
        inputs = self._inputs(entry, args, kwargs, None if fresh else entry.after_nodes)
        history = None
        if entry.results.wanted():
            # a step that ran backward itself freed its graph: the outputs' node needs no inputs
            history = _diff.FREED if entry.ran_backward else self._history(entry, args, kwargs, inputs)
        extra = ()
        if not entry.donated or not holders.donatable(entry, self._entries.values(), self._fast, inputs[0]):
            fn = self._program(entry, "keep", inputs)
        else:
            recycled = holders.recycled(entry, self._entries.values()) if entry.recycles else None
            if recycled is None:
                fn = self._program(entry, "donate", inputs)
            else:
                fn, extra = self._program(entry, "recycle", inputs, recycled), (recycled,)
            del recycled
        outs = fn(*entry.layout.arrange(inputs), *extra)
        del extra
        return self._write_back(entry, outs, args, kwargs, fresh, history)

    @staticmethod
    def _program(entry, kind, inputs, recycled=None):
        """The entry's program compiled one way (once, on first need): "donate" (the replaced
        state), "recycle" (that and the old gradients' buffers) or "keep" (nothing: for an
        entry that never donates, or a call whose old values something else still holds)."""
        fn = entry.programs.get(kind)
        if fn is None:
            fn = entry.programs[kind] = entry.layout.compile(inputs, donate=kind != "keep", recycled=recycled)
            _engine._STATS["compiles"] += 1
        return fn

    def _history(self, entry, args, kwargs, inputs):
        """What the outputs' COMPILED node reads (see differentiable.py), taken before the call
        writes the state: each state and argument tensor's autograd-aware node and version."""
        args = arg_tensors(args, kwargs)
        state_nodes = [t._input_node() for t in entry.state]
        arg_nodes = [a._input_node() for a in args]
        versions = [(t._vc, t._vc[0]) for t in entry.state] + [(a._vc, a._vc[0]) for a in args]
        return state_nodes + arg_nodes, versions, inputs[2], inputs[3]

    def _write_back(self, entry, outs, args, kwargs, fresh=True, history=None):
        """Point the state's storages (and the .grad tensors') at new source nodes holding the
        program's outputs. (Not at the old nodes with a new value, unless nothing but the
        storage holds them: tensors cache the LEAF or view nodes made from a value node by its
        identity, and pending ops read it.) `fresh`: the full guard ran, so
        the fast guard's record of what this call leaves behind starts again from the state."""
        state_vals, grad_vals, out_vals, arg_vals, key = outs
        state = entry.state
        if fresh:
            entry.after_nodes = [t._storage.node for t in state]
            entry.after_vals = [n.value for n in entry.after_nodes]  # (as _inputs left them: arrays)
            entry.after_grads = [t._grad for t in state]
            entry.after_rg = [t._rg for t in state]
            entry.versions = [(state[k]._vc, bump) for k, bump in entry.bumps]
            entry.arg_sig = _arg_signature(args, kwargs)
            raw = [c[k] for c, k in entry.live]
            entry.live_zero = tuple(v == 0 for v in _live.read(entry.live))
            entry.live_raw = _plain(raw)
        after, after_vals = entry.after_nodes, entry.after_vals
        getrefcount = sys.getrefcount
        for k, v in zip(entry.changed, state_vals):
            n = after[k]
            # held only by the storage, the record, `n` and getrefcount's argument: nothing can
            # tell the node's old value from its new one, so it takes the new value in place
            # (the fast guard found each storage holding its record; the full guard did not
            # look, and then the record was just taken from the storages)
            if getrefcount(n) == 4:
                n.value = v
            else:
                n = after[k] = source_like(v, n)
                state[k]._storage.set(n)
            after_vals[k] = v
        for vc, bump in entry.versions:
            vc[0] += bump
        gi, after_grads, objects = iter(grad_vals), entry.after_grads, entry.grad_objects
        others = [e for e in self._entries.values() if e is not entry]
        for i, k in enumerate(entry.grad_owners):
            g = objects[i]
            if g is not None:
                if getrefcount(g) != holders.grad_holders(entry, others, k, g) or getrefcount(g._storage) != 2:
                    # someone kept the last call's .grad (or an alias of it, p.grad.detach()): as
                    # in PyTorch, where backward makes a new one, that tensor keeps its values and
                    # the new gradient is a new tensor
                    g = objects[i] = _dispatch.wrap(source_like(next(gi), g._storage.node))
                else:
                    st = g._storage
                    n = st.node
                    if n.op is None and getrefcount(n) == 3:  # the storage, `n`, the argument
                        n.value = next(gi)
                    else:
                        st.set(source_like(next(gi), n))
            state[k]._grad = after_grads[k] = g
        if entry.arg_writes.bumps:
            entry.arg_writes.write(arg_tensors(args, kwargs), arg_vals)
        if key is not None:
            _random._STATE["key"] = key
        self._fast = entry
        return entry.results.build(out_vals, entry.program, history)


def _plain(raw):
    """`raw` (live numbers as their containers hold them) when each is a Python number or a
    tuple of them, which cannot change without the container being written; else None (a
    list or a tensor could change in place, and must be read every call)."""
    for v in raw:
        if type(v) is tuple:
            if not all(type(x) in (float, int, bool) for x in v):
                return None
        elif type(v) not in (float, int, bool):
            return None
    return raw
