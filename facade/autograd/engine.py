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

The parts live beside this file: the walks over the tape (`_walk.py`) and the errors they raise
(`_backward_errors.py`), the program (`_fused.py`), the create_graph node (`_recorded.py`), the
part of the graph a backward with inputs runs (`_needed.py`), PyTorch's undefined gradients
(`_undefined.py`) and the template path of a recurring backward (`_replay.py`). Here: running
the program, writing its results back, and the template path's entry points.
"""
import collections

import numpy as np

from .. import _engine
from .._dispatch import wrap
from .._grad_mode import STATE as _GRAD
from .._ops.table import LEAF
from .._tape import observed, source_like
from . import _replay, _undefined
from ._fused import _Fused, _leaf_meta
from ._needed import all_needed, needed_nodes, runs
from ._recorded import _recorded
from ._walk import _grad_graph, _Walk, collect  # noqa: F401 - importable from here, as before
from .hooks import HOOKED, HOOKED_NODES, any_node_hooks

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
    defined = None
    if create_graph:
        totals, probe_grads = _recorded(w, roots, cotangents, probes, leaf_tensors, leaf_targets, cut_nodes)
        if _undefined.ANY[0]:
            defined = _undefined.defined_nodes(w, roots)
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
        if _undefined.ANY[0]:  # the user's backwards have run: which gradients they left undefined
            defined = _undefined.defined_nodes(w, roots)
        fn = _compiled.get(structure) if replayable and defined is None else None
        if fn is not None:  # compiled: the next backward of this structure can skip the walk
            _replay.install(fn, structure, w, roots[0], cotangents[0], olds, old_targets, leaf_tensors, leaf_of, aux,
                            pre_out, accumulate)
        totals, probe_grads = _write_back(outs, aux, pre_out, leaf_tensors, old_targets, probes + cut_nodes)
    if defined is not None:  # PyTorch's None for what only undefined gradients reached
        for k in _undefined.undefined_leaves(w, defined, len(leaf_tensors), leaf_targets):
            totals[k] = None
            if k in old_targets:
                old_targets = [t for t in old_targets if t != k]
        probe_grads = [g if id(n) in defined else None for n, g in zip(probes + cut_nodes, probe_grads)]
    if not retain_graph:
        if needed is None and inputs and not all_needed(inputs, leaf_tensors):
            needed = needed_nodes(roots, inputs)
        for n in w.fwd:
            if n.op.saves and n.sl in rg and (needed is None or runs(n, needed)):
                n.freed = True
    return _result(leaf_tensors, totals, probes + cut_nodes, probe_grads, old_targets)


_NO_INTS = np.zeros((0,), np.int64)


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


def _result(leaf_tensors, totals, probe_nodes, probe_grads, old_targets):
    result = {}
    for k, t in enumerate(leaf_tensors):
        if totals[k] is not None:
            result[id(t)] = totals[k]
    for n, g in zip(probe_nodes, probe_grads):
        if g is not None:
            result[id(n)] = g
    return result, leaf_tensors, {id(leaf_tensors[k]) for k in old_targets}


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
