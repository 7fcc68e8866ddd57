"""Backward: the grad-requiring part of the tape, replayed through `jax.vjp`.

`run_backward` walks the tape once from the roots and turns everything it needs into one
program (`_Fused`):

* pending work that needs no gradient (a parameter update through `.data`, a zeroed
  `.grad`, the incoming gradient) runs first;
* the grad-requiring nodes are re-run inside `jax.vjp`, as a function of the leaves'
  values (and of the values at hooked tensors, see below); nodes on that path that need no
  gradient are wrapped in `stop_gradient`;
* the leaves' gradients are summed per tensor and added to their current `.grad`.

The program is described by a structural key (as in `_engine.py`): the first time a key is
seen it runs op by op; when it recurs it is compiled once with `jax.jit`, so a training
step's forward-pending work, backward and gradient accumulation are one XLA call. JAX owns
every derivative.

With create_graph=True the same program becomes the implementation of one BACKWARD node
recorded on the tape, so the gradients are tensors that can be differentiated again (JAX
differentiates the vjp).
"""
import collections
import re

import jax
import jax.numpy as jnp
import numpy as np

from .. import _engine
from .._dispatch import wrap
from .._grad_mode import STATE as _GRAD
from .._ops.table import LEAF, SCALAR, defop
from .._tape import Node, new_generation, observed, source_like
from .._views import NO_GRAD_EDGE, NO_GRAD_VIEW_REBASE
from . import _replay
from ._complex import torch_convention
from .hooks import HOOKED, HOOKED_NODES, any_node_hooks

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)

_STATS = _engine._STATS
_compiled = collections.OrderedDict()  # key -> _Fused.compiled()
_programs = {}  # key -> _Fused
_seen = set()
BACKWARDS = [0]  # backwards run so far (facade.jit: did a traced step run one?)


def _clear():
    _compiled.clear()
    _programs.clear()
    _seen.clear()
    _replay.clear()


_engine._CLEARERS.append(_clear)


def _bad_version(vc, version, owner, what):
    """PyTorch's error for a saved value written to since `owner` (a node) saved it; `what` is
    the saved entry's node, or (index, shape, dtype) of one of owner's own outputs."""
    from .._device import _LEGACY

    from .graph import _output_index, wrap_node

    if what.__class__ is not tuple and what.op is NO_GRAD_EDGE:  # a view made under no_grad, its root since written
        return RuntimeError("A view was created in" + NO_GRAD_VIEW_REBASE)
    if what.__class__ is tuple:
        k, shape, dtype = what
        node, index = owner, dict(owner.op.saved_outputs or ()).get(k, k)
    else:
        node, shape, dtype, index = what, what.shape, what.dtype, _output_index(what)
    sizes = ", ".join(map(str, shape))
    # PyTorch names a complex tensor here by its backend type (CPUComplexFloatType), others by tensor type
    kind = f"CPU{_LEGACY[dtype.name][:-len('Tensor')]}Type" if dtype.is_complex else f"torch.{_LEGACY[dtype.name]}"
    desc = f"[{kind} [{sizes}]]"
    if node.op is not None and node.op is not LEAF and node.requires_grad:
        # PyTorch 2.13 names the producing node without its "Backward<N>" suffix here
        desc += f", which is output {index} of {re.sub(r'Backward[0-9]*$', '', wrap_node(node).name())},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{desc} is at version {vc[0]}; expected version {version} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


class _Walk:
    """One post-order walk of everything a backward needs, with its structural key.

    Nodes are numbered in place (`node.tag`/`node.sl`) rather than in a dict: this walk runs
    on every backward, so it is written for speed.
    """

    __slots__ = ("gen", "n", "key", "inputs", "scalars", "pre", "fwd", "diff", "in_fwd", "in_fwd_rg")

    def __init__(self, roots, extra, cuts, ggen):
        gen = self.gen = new_generation()
        key = self.key = []
        inputs, scalars, pre, fwd, diff = self.inputs, self.scalars, self.pre, self.fwd, self.diff = [], [], [], [], []
        in_fwd = self.in_fwd = set()  # slots whose value depends on a differentiable input
        in_fwd_rg = self.in_fwd_rg = set()  # ... and through which the gradient flows
        for c in cuts:
            c.gtag = -ggen  # marks a cut for this walk
        count = 0
        stack = list(extra) + list(roots)
        while stack:
            n = stack[-1]
            if n.tag == gen:
                stack.pop()
                continue
            g = n.gtag
            if g == -ggen:  # a hooked tensor: a differentiable input holding its own value
                stack.pop()
                n.tag, n.sl = gen, count
                inputs.append(n)
                diff.append((n, count, count))
                in_fwd.add(count)
                key.append(("x", n.mk))
                count += 1
                continue
            rg = g == ggen  # on a path the gradient flows along (not merely a value we read)
            if rg and n.op is LEAF:
                v = n.args[0]
                if v.tag != gen:
                    stack.append(v)
                    continue
                stack.pop()
                n.tag, n.sl = gen, count
                diff.append((n, count, v.sl))
                in_fwd.add(count)
                key.append(("l", v.sl))
                count += 1
                continue
            if not rg and n.value is not None:
                stack.pop()
                n.tag, n.sl = gen, count
                (scalars if n.op is SCALAR and n.mk is not complex else inputs).append(n)
                key.append(n.mk)
                count += 1
                continue
            ready = True
            for a in n.args:
                if a.tag != gen:
                    stack.append(a)
                    ready = False
            if not ready:
                continue
            stack.pop()
            argslots = tuple([a.sl for a in n.args])
            n.tag, n.sl = gen, count
            if rg:
                fwd.append(n)
                in_fwd.add(count)
                in_fwd_rg.add(count)
                key.append((n.op.id, n.statics, argslots, True))
            elif in_fwd and not in_fwd.isdisjoint(argslots):
                fwd.append(n)  # needs no gradient, but reads values only known inside the vjp
                in_fwd.add(count)
                key.append((n.op.id, n.statics, argslots, False))
            else:
                pre.append(n)
                key.append((n.op.id, n.statics, argslots))
            count += 1
        self.n = count

    def slot(self, node):
        return node.sl if node.tag == self.gen else None


def _grad_graph(roots, cuts):
    """Mark (node.gtag) the nodes the gradient flows through: from the roots along
    requires-grad edges, stopping at leaves and cuts; return the generation and the LEAF
    nodes found. Raises PyTorch's errors for freed graphs and stale saved values."""
    gen = new_generation()
    for c in cuts:
        c.gtag = -gen
    leaves = []
    stack = [r for r in roots if r.requires_grad]
    while stack:
        n = stack.pop()
        if n.gtag == gen or n.gtag == -gen:
            continue
        n.gtag = gen
        if n.op is LEAF:
            leaves.append(n)
            continue
        if n.freed:
            raise RuntimeError(SECOND_BACKWARD)
        saved = n.saved
        if saved:
            for vc, version, a in saved:
                if vc[0] != version:
                    raise _bad_version(vc, version, n, a)
        for a in n.args:
            if a.requires_grad:
                stack.append(a)
    return gen, leaves


class _Fused:
    """The replay plan of one backward (see the module docstring)."""

    def __init__(self, w, roots, cots, olds, probes, aux, pre_out, leaf_targets, n_targets, old_targets):
        self.nslots = w.n
        self.in_slots = [n.sl for n in w.inputs]
        self.float_slots = [n.sl for n in w.scalars if not isinstance(n.value, (bool, int))]
        self.int_slots = [n.sl for n in w.scalars if isinstance(n.value, (bool, int))]
        self.pre = [(n.op.impl, n.statics, [a.sl for a in n.args], n.sl) for n in w.pre]
        probe_slots = {n.sl: k for k, n in enumerate(probes)}
        self.fwd = [(n.op.impl, n.statics, [a.sl for a in n.args], n.sl, n.sl in w.in_fwd_rg,
                     probe_slots.get(n.sl, -1)) for n in w.fwd]
        # op by op (a structure's first run): each op as its own compiled kernel, shared by every
        # graph that uses the op on those shapes, instead of one kernel per JAX primitive inside it
        self.pre_kernels = [n.op.kernel(len(n.args), len(n.statics)) for n in w.pre]
        self.fwd_kernels = [n.op.kernel(len(n.args), len(n.statics)) for n in w.fwd]
        self.diff = [(own, val) for _, own, val in w.diff]
        # the walk meets leaves' uses and cuts in any order: which primal is which
        self.leaf_rows = [k for k, (n, _, _) in enumerate(w.diff) if n.op is LEAF]
        self.cut_rows = [k for k, (n, _, _) in enumerate(w.diff) if n.op is not LEAF]
        self.roots = [r.sl for r in roots]
        self.root_meta = [(r.shape, r.dtype.np) for r in roots]
        self.cots = [c.sl for c in cots]
        self.olds = [o.sl for o in olds]
        self.probe_meta = [(n.shape, n.dtype.np) for n in probes]
        self.aux = [n.sl for n in aux]
        self.pre_out = [n.sl for n in pre_out]
        self.leaf_targets, self.n_targets, self.old_targets = leaf_targets, n_targets, old_targets

    def compiled(self):
        """`run` compiled with jax.jit. The program outputs the gradients deepest leaf first (the
        reverse of the walk's order from the root), and the returned callable puts them back in
        order. XLA schedules a program's work in the order of its outputs, so this order runs the
        backward's critical path (each layer's input gradient) before the weight gradients that
        branch off it. The mlp benchmark's program ran 15-20% faster on CPU in that order."""
        program = jax.jit(lambda in_vals, floats, ints: self._deepest_first(in_vals, floats, ints))

        def call(in_vals, floats, ints):
            totals, probes, aux, pre = program(in_vals, floats, ints)
            return totals[::-1], probes, aux, pre

        call.program = program
        return call

    def _deepest_first(self, in_vals, floats, ints):
        totals, probes, aux, pre = self.run(in_vals, floats, ints)
        return totals[::-1], probes, aux, pre

    def run(self, in_vals, floats, ints, overrides=(), leaf_values=(), op_by_op=False):
        vals = _engine.fill_slots(self, in_vals, floats, ints)
        pre_fns = self.pre_kernels if op_by_op else [impl for impl, *_ in self.pre]
        fwd_fns = self.fwd_kernels if op_by_op else [impl for impl, *_ in self.fwd]
        for (_, statics, argslots, out), fn in zip(self.pre, pre_fns):
            vals[out] = fn(*[vals[a] for a in argslots], *statics)
        for slot, value in overrides:  # create_graph: values reached through the recorded node's arguments
            vals[slot] = value
        primals = [vals[v] for _, v in self.diff]
        for k, value in leaf_values:  # create_graph: a leaf's use takes its value from the leaf's own argument
            primals[k] = value
        probes = [jnp.zeros(shape, dt) for shape, dt in self.probe_meta]

        def forward(primals, probes):
            s = list(vals)
            for (own, _), p in zip(self.diff, primals):
                s[own] = p
            for (_, statics, argslots, out, rg, probe), fn in zip(self.fwd, fwd_fns):
                r = fn(*[s[a] for a in argslots], *statics)
                if not rg:
                    r = jax.lax.stop_gradient(r)
                elif probe >= 0:
                    r = r + probes[probe]
                s[out] = r
            return [s[r] for r in self.roots], [s[a] for a in self.aux]

        _, vjp, aux = jax.vjp(forward, primals, probes, has_aux=True)
        cots = [torch_convention(jnp.broadcast_to(jnp.asarray(vals[c]).astype(dt), shape))
                for c, (shape, dt) in zip(self.cots, self.root_meta)]
        g_diff, g_probe = vjp(cots)
        g_diff, g_probe = [torch_convention(g) for g in g_diff], [torch_convention(g) for g in g_probe]
        totals = [None] * self.n_targets
        for i, k in zip(self.leaf_targets, self.leaf_rows):
            g = g_diff[k]
            totals[i] = g if totals[i] is None else totals[i] + g
        for t, o in zip(self.old_targets, self.olds):
            totals[t] = vals[o] + totals[t]
        cut_grads = [g_diff[k] for k in self.cut_rows]
        return (totals, list(g_probe) + list(cut_grads), aux, [vals[s] for s in self.pre_out])


def _call(key, w, build):
    """Run the program for `key`: op by op the first time, compiled from the second."""
    in_vals = _engine.as_jax(w.inputs)
    floats = [n.value for n in w.scalars if not isinstance(n.value, (bool, int))]
    ints = [n.value for n in w.scalars if isinstance(n.value, (bool, int))]
    if _engine.IN_TRACE[0]:  # facade.jit is tracing: the program's ops go into the trace
        return build().run(in_vals, floats, ints)
    fn = _compiled.get(key)
    if fn is not None:
        _STATS["cache_hits"] += 1
        return fn(in_vals, np.asarray(floats, np.float64), np.asarray(ints, np.int64))
    prog = build()
    if key in _seen:
        fn = _compiled[key] = prog.compiled()
        _STATS["compiles"] += 1
        if len(_compiled) > _engine._limits["cache"]:
            _compiled.popitem(last=False)
        return fn(in_vals, np.asarray(floats, np.float64), np.asarray(ints, np.int64))
    if len(_seen) > _engine._limits["seen"]:
        _seen.clear()
    _seen.add(key)
    _STATS["eager_runs"] += 1
    return prog.run(in_vals, floats, ints, op_by_op=True)


def run_backward(roots, cotangents, *, retain_graph=False, create_graph=False, targets=None, accumulate=True, cuts=(),
                 inputs=None, needed=None):
    """Differentiate `roots` (Nodes) with `cotangents` (Nodes).

    inputs: the tensors whose gradients are wanted (autograd.grad, backward(inputs=)), else None;
    `needed`: the ids of the nodes above them (`needed_nodes`), found here when not given and some
    node is not above them: only the nodes PyTorch's engine would run free their saved values.

    targets: None → every leaf tensor in the graph gets its gradient (backward); otherwise
    intermediate Nodes among `targets` get theirs too (autograd.grad, `inputs=`).
    `cuts`: gradient-path Nodes treated as differentiable inputs (hooked tensors, see
    autograd/__init__.py). Returns ({id(leaf tensor) or id(node): grad Tensor}, leaf
    tensors, indices of the leaves whose .grad the program already accumulated into).
    """
    BACKWARDS[0] += 1
    replayable = (not create_graph and not cuts and targets is None and len(roots) == 1 and len(cotangents) == 1
                  and not HOOKED and not (HOOKED_NODES and any_node_hooks()))
    if replayable:
        found = _replay.find(roots[0], cotangents[0], accumulate)
        if found is not None:
            return _run_template(found, retain_graph)
    if cuts:
        _engine.evaluate(list(cuts))
    ggen, leaf_nodes = _grad_graph(roots, cuts)
    leaf_tensors, leaf_of = [], {}
    for n in leaf_nodes:
        t = n.leaf
        if id(t) not in leaf_of:
            leaf_of[id(t)] = len(leaf_tensors)
            leaf_tensors.append(t)
    olds, old_targets = [], []
    if accumulate and not create_graph:
        for k, t in enumerate(leaf_tensors):
            g = t._grad
            if g is not None and not t.__dict__.get("_hooks_pre"):
                olds.append(g._node())
                old_targets.append(k)
    if create_graph:
        _engine.evaluate([n for n in _Walk(roots, cotangents, cuts, ggen).pre])
    w = _Walk(roots, list(cotangents) + olds, cuts, ggen)
    fixed = [c for c in cotangents if c.sl in w.in_fwd and not (create_graph and c.requires_grad)]
    if fixed:
        # an incoming gradient computed from the graph being differentiated (`y.backward(y)`, a hook's result
        # in a later stage, see autograd/__init__.py) is a constant of this backward unless create_graph
        # differentiates through it (then it is an argument of the recorded node, see _recorded): it enters
        # as its value, computed first, not as a node the program would compute inside the vjp
        _engine.evaluate([c for c in fixed if c.value is None])
        cotangents = [source_like(c.value, c) if any(c is f for f in fixed) else c for c in cotangents]
        w = _Walk(roots, list(cotangents) + olds, cuts, ggen)
    leaf_targets = [leaf_of[id(n.leaf)] for n, _, _ in w.diff if n.op is LEAF]
    rg = w.in_fwd_rg
    probes = [n for n in (targets or ()) if n.tag == w.gen and n.sl in rg] + _retained(w, targets)
    cut_nodes = [n for n, _, _ in w.diff if n.op is not LEAF]  # the cuts this walk met, in the program's order
    if create_graph:
        totals, probe_grads = _recorded(w, roots, cotangents, probes, leaf_tensors, leaf_targets, cut_nodes)
    else:
        # values kept from the replay: the roots (a loss is read right after backward); other
        # live intermediates stay pending and are recomputed if ever read, which keeps the
        # program's outputs (each costs per call) to what training loops use
        aux = [n for n in roots if n.value is None and n.out is not None and observed(n)]
        # an old .grad's pending value (a zero_()) is replaced by the new total before anyone can read it
        replaced = {id(o) for o in olds}
        pre_out = [n for n in w.pre if n.out is not None and id(n) not in replaced and observed(n)]
        structure = (tuple(w.key), tuple([r.sl for r in roots]), tuple([c.sl for c in cotangents]),
                     tuple([o.sl for o in olds]), tuple([n.sl for n in probes]), tuple([n.sl for n in aux]),
                     tuple([n.sl for n in pre_out]), tuple(leaf_targets), tuple(old_targets))

        def build():
            prog = _programs.get(structure)
            if prog is None:
                prog = _Fused(w, roots, cotangents, olds, probes, aux, pre_out, leaf_targets, len(leaf_tensors), old_targets)
                if len(_programs) > 4096:
                    _programs.clear()
                _programs[structure] = prog
            return prog

        grad_mode = _GRAD[0]
        _GRAD[0] = False
        try:
            outs = _call(structure, w, build)
        finally:
            _GRAD[0] = grad_mode
        fn = _compiled.get(structure) if replayable else None
        if fn is not None:  # compiled: the next backward of this structure can skip the walk
            _replay.install(fn, structure, w, roots[0], cotangents[0], olds, old_targets, leaf_tensors, leaf_of, aux,
                            pre_out, accumulate)
        totals, probe_grads = _write_back(outs, aux, pre_out, leaf_tensors, old_targets, probes + cut_nodes)
    if not retain_graph:
        if needed is None and inputs and not all_needed(inputs, leaf_tensors):
            needed = needed_nodes(roots, inputs)
        for n in w.fwd:
            if n.op.saves and n.sl in rg and (needed is None or runs(n, needed)):
                n.freed = True
    return _result(leaf_tensors, totals, probes + cut_nodes, probe_grads, old_targets)


_NO_INTS = np.zeros((0,), np.int64)


def needed_nodes(roots, inputs):
    """ids of the gradient-path nodes from which one of `inputs` (tensors) is reached: the part of the
    graph PyTorch's engine runs for autograd.grad and backward(inputs=...), so the only nodes whose
    tensors' hooks run and whose retain_grad() fills .grad."""
    from .hooks import grad_node

    leaf_ids = {id(t) for t in inputs if t.is_leaf}
    start = {id(n) for n in (grad_node(t) for t in inputs if not t.is_leaf) if n is not None}
    users, seen, found = {}, set(), []
    stack = [r for r in roots if r.requires_grad]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if id(n) in start or (n.op is LEAF and id(n.leaf) in leaf_ids):
            found.append(n)
        if n.op is LEAF:
            continue
        for a in n.args:
            if a.requires_grad:
                users.setdefault(id(a), []).append(n)
                stack.append(a)
    needed = set()
    while found:
        n = found.pop()
        if id(n) not in needed:
            needed.add(id(n))
            found += users.get(id(n), ())
    return needed


def all_needed(inputs, leaf_tensors):
    """True when every node of the graph leads to one of `inputs`: they are all leaves and include every
    leaf the graph reaches (`leaf_tensors`; every node on a gradient path leads to a leaf)."""
    ids = set()
    for t in inputs:
        if not t.is_leaf:
            return False
        ids.add(id(t))
    for t in leaf_tensors:
        if id(t) not in ids:
            return False
    return True


def runs(node, needed):
    """Whether PyTorch's engine runs `node`'s backward when only the nodes in `needed` lead to an input:
    one of its arguments on the gradient path does (an input itself whose history is not needed is
    only captured)."""
    for a in node.args:
        if a.requires_grad and id(a) in needed:
            return True
    return False


def plain_backward(root, cot):
    """`loss.backward()` of a structure seen before, on the template path (see _replay.py): the
    gradients of the leaves whose .grad is None, as (leaf tensors, gradients, indices already
    accumulated into .grad); None when no template matches (the caller takes the general path)."""
    found = _replay.find(root, cot, True)
    if found is None:
        return None
    BACKWARDS[0] += 1
    totals, leaf_tensors, old_targets = _template_totals(found, False)
    return leaf_tensors, totals, old_targets


def _run_template(found, retain_graph):
    """run_backward for a structure re-found by its template (see _replay.py)."""
    totals, leaf_tensors, old_targets = _template_totals(found, retain_graph)
    return _result(leaf_tensors, totals, (), (), old_targets)


def _template_totals(found, retain_graph):
    tpl, (inputs, floats, ints, leaf_tensors, pre_out, aux, free) = found
    in_vals = _engine.as_jax(inputs)
    _STATS["cache_hits"] += 1
    _STATS["backward_replays"] += 1
    grad_mode = _GRAD[0]
    _GRAD[0] = False
    try:
        outs = tpl.fn(in_vals, tpl.numbers(floats), np.asarray(ints, np.int64) if ints else _NO_INTS)
    finally:
        _GRAD[0] = grad_mode
    totals, _ = _write_back(outs, aux, pre_out, leaf_tensors, tpl.old_targets, ())
    if not retain_graph:
        for n in free:
            n.freed = True
    return totals, leaf_tensors, tpl.old_targets


def _write_back(outs, aux, pre_out, leaf_tensors, old_targets, probes):
    """Store a backward program's results: kept values on their nodes, gradients added into the
    existing .grad tensors; returns the other gradients as new tensors."""
    totals_v, probes_v, aux_v, pre_v = outs
    for n, v in zip(aux, aux_v):
        n.value = v
    for n, v in zip(pre_out, pre_v):
        n.value = v
        if not n.requires_grad:  # a node that requires grad keeps its graph: another backward may pass through it
            n.args = ()
    for k in old_targets:  # PyTorch adds into an existing .grad in place: same tensor, new version
        g = leaf_tensors[k]._grad
        if g._view is None:
            g._storage.set(source_like(totals_v[k], g._storage.node))
            g._vc[0] += 1
        else:  # a .grad that is a view (assigned by the user): written through to its root
            g._set_node(source_like(totals_v[k], g._node()))
        totals_v[k] = None
    totals = [None if v is None else wrap(source_like(v, _leaf_meta(t))) for v, t in zip(totals_v, leaf_tensors)]
    return totals, [wrap(source_like(v, n)) for v, n in zip(probes_v, probes)]


def _leaf_meta(t):
    """The node whose shape, dtype and device a leaf's gradient takes: the leaf's own (a leaf that is a
    view, `x[:, :2].requires_grad_()`, has its view's shape, not its root's)."""
    return t._storage.node if t._view is None else t._node()


def _result(leaf_tensors, totals, probe_nodes, probe_grads, old_targets):
    result = {}
    for k, t in enumerate(leaf_tensors):
        if totals[k] is not None:
            result[id(t)] = totals[k]
    for n, g in zip(probe_nodes, probe_grads):
        result[id(n)] = g
    return result, leaf_tensors, {id(leaf_tensors[k]) for k in old_targets}


def _recorded(w, roots, cotangents, probes, leaf_tensors, leaf_targets, cut_nodes=()):
    """create_graph: record the whole backward program as one node on the tape.

    The node's arguments are the program's inputs plus the leaves' LEAF nodes, and its
    implementation feeds each leaf's value through the LEAF argument, so JAX sees how the
    gradients depend on the leaves: differentiating them again is differentiating the vjp.
    """
    prog = _Fused(w, roots, cotangents, (), probes, (), (), leaf_targets, len(leaf_tensors), ())
    # the leaves' uses and the cuts (hooked tensors, create_graph's non-leaf inputs): each reads its value
    # through its own argument, so the recorded gradients depend on it
    leaves = [n for n, _, _ in w.diff]
    leaf_pos = tuple(range(len(w.diff)))  # their places among the primals
    floats = [n for n in w.scalars if not isinstance(n.value, (bool, int))]
    ints = [n for n in w.scalars if isinstance(n.value, (bool, int))]
    # incoming gradients that require grad (gradgradcheck's grad_outputs) are arguments too
    cots = [c for c in cotangents if c.requires_grad]
    cot_slots = tuple(c.sl for c in cots)
    args = tuple(w.inputs) + tuple(floats) + tuple(ints) + tuple(leaves) + tuple(cots)
    statics = (len(w.inputs), len(floats), len(ints), leaf_pos, cot_slots, prog)
    structure = (tuple(w.key), tuple([r.sl for r in roots]), tuple([c.sl for c in cotangents]),
                 tuple([n.sl for n in probes]), tuple(leaf_targets), len(leaf_tensors), cot_slots)
    total_rg, probe_rg = _requires_grad_of_gradients(structure, args, statics)
    node = Node(_RECORDED, args, statics, None, None, None, any(total_rg) or any(probe_rg))
    node.device = roots[0].device
    totals = [wrap(_part(_part(node, 0, None), k, _leaf_meta(t), total_rg[k])) for k, t in enumerate(leaf_tensors)]
    probe_grads = [wrap(_part(_part(node, 1, None), j, n, probe_rg[j])) for j, n in enumerate(list(probes) + list(cut_nodes))]
    return totals, probe_grads


_GRADIENT_DEPENDENCE = {}  # recorded backward structure -> (requires_grad per total, per probe)


def _requires_grad_of_gradients(structure, args, statics):
    """Which gradients of a create_graph backward require grad: those the backward program computes
    from a tensor that requires grad (see _dependence.py), as PyTorch's backward formulas decide."""
    known = _GRADIENT_DEPENDENCE.get(structure)
    if known is None:
        from .._dispatch import _spec
        from ._dependence import reached_outputs

        differentiable = {i for i, a in enumerate(args) if a.requires_grad}
        flags, tree = reached_outputs(lambda *xs: _recorded_impl(*xs, *statics), [_spec(a) for a in args],
                                      differentiable)
        totals, probes = jax.tree_util.tree_unflatten(tree, flags)[:2]
        known = ([bool(f) for f in totals], [bool(f) for f in probes])  # a None total (no path) does not
        if len(_GRADIENT_DEPENDENCE) > 1024:
            _GRADIENT_DEPENDENCE.clear()
        _GRADIENT_DEPENDENCE[structure] = known
    return known


def _recorded_impl(*a):
    n_in, n_f, n_i, leaf_pos, cot_slots, prog = a[-6:]
    ins = list(a[:n_in])
    fl, it = a[n_in:n_in + n_f], a[n_in + n_f:n_in + n_f + n_i]
    rest = a[n_in + n_f + n_i:-6]
    leafv, cotv = rest[:len(leaf_pos)], rest[len(leaf_pos):]
    # the leaves' uses read their values through the leaves' own arguments, so JAX sees how the gradients
    # depend on the leaves; anything reading the same value outside the graph (a detach()ed alias) does not
    return prog.run(ins, jnp.stack([jnp.asarray(x, jnp.float64) for x in fl]) if fl else jnp.zeros((0,)),
                    jnp.stack([jnp.asarray(x, jnp.int64) for x in it]) if it else jnp.zeros((0,), jnp.int64),
                    overrides=tuple(zip(cot_slots, cotv)), leaf_values=tuple(zip(leaf_pos, leafv)))


_RECORDED = defop("backward_graph", _recorded_impl, grad_fn="BackwardBackward", saves=False, nout=None)


def _part(node, i, like, requires_grad=None):
    from .._ops.table import GETITEM

    n = Node(GETITEM, (node,), (i,), None, like.shape if like is not None else None,
             like.dtype if like is not None else None, node.requires_grad if requires_grad is None else requires_grad)
    n.device = node.device
    n.depth = node.depth + 1
    return n


def _retained(w, targets):
    """Nodes of non-leaf tensors that retain_grad(): their gradient is taken out."""
    from .hooks import HOOKED, grad_node

    if not HOOKED:
        return []
    want = {id(n) for n in targets or ()}
    out = []
    for t in list(HOOKED):
        n = grad_node(t)  # a view's own node (its grad_fn), not its root's
        if n is not None and n.tag == w.gen and n.sl in w.in_fwd_rg and id(n) not in want and n not in out:
            out.append(n)
    return out


def collect(roots):
    """The nodes the gradient flows through above roots, in topological order (hooks, freeing)."""
    ggen, _ = _grad_graph(roots, ())
    w = _Walk(roots, (), (), ggen)
    return [n for n in w.fwd if n.sl in w.in_fwd_rg]
