"""Backward: the grad-requiring part of the tape, replayed through `jax.vjp`.

`run_backward` walks back from the roots over nodes that require grad, down to LEAF nodes
(leaf tensors) and to values that need no grad (constants). That sub-tape becomes a
`_Program`; a single BACKWARD node — op "backward", static argument the program, arguments
the constants, the leaves' values, the incoming gradients and the current `.grad`s — is
evaluated by the ordinary engine. So backward is cached and compiled like any other
structure, and pending forward work (a parameter update through `.data`, say) is fused into
the same XLA call. The BACKWARD op's implementation re-runs the forward inside `jax.vjp`:
JAX owns every derivative.

With create_graph=True the BACKWARD node is recorded with requires_grad instead of being
evaluated, so the gradients are tensors on the tape and can be differentiated again (JAX
differentiates the vjp).

Hooks on intermediate tensors cut the graph: the part above the hooked tensors is run first,
the hooks see (and may replace) the gradient there, and backward continues from them.
"""
import jax
import jax.numpy as jnp

from .. import _engine
from .._dispatch import record_node
from .._grad_mode import STATE as _GRAD
from .._ops.table import LEAF, defop
from .._tape import Node, observed

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)


class _Program:
    """The structure of one backward: hashable, so it can be a static argument and a cache key."""

    def __init__(self, key, steps, nslots, n_const, n_leaf, root_slots, root_meta, probe_slots, probe_meta,
                 aux_slots, leaf_targets, n_targets, old_grad_targets, n_cot):
        self.key = key
        self._hash = hash(key)
        self.steps = steps  # (impl, statics, argslots, outslot)
        self.nslots = nslots
        self.n_const, self.n_leaf, self.n_cot = n_const, n_leaf, n_cot
        self.root_slots, self.root_meta = root_slots, root_meta
        self.probe_slots, self.probe_meta = probe_slots, probe_meta
        self.aux_slots = aux_slots
        self.leaf_targets, self.n_targets = leaf_targets, n_targets  # leaf i -> target index
        self.old_grad_targets = old_grad_targets  # target indices that have a .grad to add to

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return self is other or (isinstance(other, _Program) and self.key == other.key)

    def __call__(self, *vals):
        nc, nl, ncot = self.n_const, self.n_leaf, self.n_cot
        consts, leafv, cots, olds = vals[:nc], vals[nc:nc + nl], vals[nc + nl:nc + nl + ncot], vals[nc + nl + ncot:]
        probes = [jnp.zeros(shape, dt) for shape, dt in self.probe_meta]
        probe_at = dict(zip(self.probe_slots, range(len(self.probe_slots))))

        def forward(leafv, probes):
            slots = [None] * self.nslots
            slots[:nc] = consts
            slots[nc:nc + nl] = leafv
            for impl, statics, argslots, out in self.steps:
                r = impl(*[slots[a] for a in argslots], *statics)
                p = probe_at.get(out)
                slots[out] = r if p is None else r + probes[p]
            return [slots[s] for s in self.root_slots], [slots[s] for s in self.aux_slots]

        _, vjp, aux = jax.vjp(forward, list(leafv), probes, has_aux=True)
        cots = [c.astype(dt) if hasattr(c, "astype") else jnp.asarray(c, dt) for c, (_, dt) in zip(cots, self.root_meta)]
        g_leaf, g_probe = vjp(cots)
        totals = [None] * self.n_targets
        for i, g in zip(self.leaf_targets, g_leaf):
            totals[i] = g if totals[i] is None else totals[i] + g
        for t, old in zip(self.old_grad_targets, olds):
            totals[t] = old + totals[t]
        cut_grads = g_leaf[len(self.leaf_targets):]
        return tuple(totals), tuple(g_probe) + tuple(cut_grads), tuple(aux)


BACKWARD = defop("backward", lambda *a: a[-1](*a[:-1]), grad_fn="BackwardBackward", saves=False)
_PROGRAMS = {}


def _bad_version(vc, version, node):
    from .._device import _LEGACY

    desc = f"[torch.{_LEGACY[node.dtype.name]} [{', '.join(map(str, node.shape))}]]"
    if node.op is not None and node.op is not LEAF and node.requires_grad:
        from .graph import wrap_node

        desc += f", which is output 0 of {wrap_node(node).name()},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{desc} is at version {vc[0]}; expected version {version} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True)."
    )


def collect(roots, stop=()):
    """Walk the grad graph above `roots`. Nodes in `stop` are treated as inputs (cut points).

    Returns (order, leaves, cuts, consts, slot, key): rg nodes in topological order, LEAF
    nodes, the stop nodes reached, constant nodes, slot numbers and the structural key.
    """
    slot = {}
    leaves, cuts, consts, order, key = [], [], [], [], []
    stop_ids = {id(n) for n in stop}
    # first pass: classify the frontier so that constants and leaves get the low slot numbers
    stack = list(roots)
    seen = set()
    rg_nodes = []
    while stack:
        n = stack.pop()
        i = id(n)
        if i in seen:
            continue
        seen.add(i)
        if not n.requires_grad:
            consts.append(n)
            continue
        if i in stop_ids:
            cuts.append(n)
            continue
        if n.op is LEAF:
            leaves.append(n)
            continue
        if n.freed:
            raise RuntimeError(SECOND_BACKWARD)
        saved = n.saved
        if saved:
            for vc, version, a in saved:
                if vc[0] != version:
                    raise _bad_version(vc, version, a)
        rg_nodes.append(n)
        stack.extend(n.args)
    for n in consts:
        slot[id(n)] = len(slot)
        key.append((n.dtype._id, n.shape))
    for n in leaves + cuts:
        slot[id(n)] = len(slot)
        key.append(("l", n.dtype._id, n.shape))
    # second pass: topological order of the rg nodes
    pending = {id(n) for n in rg_nodes}
    stack = list(roots)
    while stack:
        n = stack[-1]
        i = id(n)
        if i in slot or i not in pending:
            stack.pop()
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
            key.append((n.op.id, n.statics, tuple([slot[id(a)] for a in n.args])))
    return order, leaves, cuts, consts, slot, key


def run_backward(roots, cotangents, *, retain_graph=False, create_graph=False, targets=None, accumulate=True, stop=()):
    """Differentiate `roots` (Nodes) with `cotangents` (Tensors).

    targets: None → every leaf tensor in the graph receives its gradient in .grad (backward);
    otherwise a list of Nodes (LEAF nodes or intermediate nodes) whose gradients are returned
    (autograd.grad, `inputs=`). Returns {id(target node): gradient Tensor or None}.
    """
    from .._tensor import Tensor

    order, leaves, cuts, consts, slot, key = collect(roots, stop)
    # which tensors receive gradients, and which intermediate nodes need a probe
    leaf_tensors, leaf_targets, target_of = [], [], {}
    probe_nodes = []
    want = None if targets is None else {id(n) for n in targets}
    for n in leaves:
        t = n.leaf
        if want is not None and id(n) not in want:
            # a LEAF node not asked for: its gradient is computed but dropped
            pass
        k = target_of.get(id(t))
        if k is None:
            k = target_of[id(t)] = len(leaf_tensors)
            leaf_tensors.append(t)
        leaf_targets.append(k)
    if want is not None:
        probe_nodes = [n for n in order if id(n) in want]
    probe_nodes += [n for n in _retained(order) if n not in probe_nodes]
    aux_nodes = [n for n in order if n.value is None and observed(n)]
    olds, old_targets = [], []
    if targets is None and accumulate and not create_graph:
        for k, t in enumerate(leaf_tensors):
            g = t._grad
            if g is not None and not t.__dict__.get("_hooks_pre"):
                olds.append(g._node())
                old_targets.append(k)
    root_meta = tuple((r.shape, r.dtype.np) for r in roots)
    full_key = (tuple(key), len(cuts), tuple(slot[id(r)] for r in roots), tuple(slot[id(n)] for n in probe_nodes),
                tuple(slot[id(n)] for n in aux_nodes), tuple(leaf_targets), tuple(old_targets), len(cotangents))
    prog = _PROGRAMS.get(full_key)
    if prog is None:
        steps = [(n.op.impl, n.statics, [slot[id(a)] for a in n.args], slot[id(n)]) for n in order]
        prog = _Program(
            full_key, steps, len(slot), len(consts), len(leaves) + len(cuts), [slot[id(r)] for r in roots], root_meta,
            [slot[id(n)] for n in probe_nodes], [(n.shape, n.dtype.np) for n in probe_nodes],
            [slot[id(n)] for n in aux_nodes], leaf_targets, len(leaf_tensors), old_targets, len(cotangents))
        if len(_PROGRAMS) > 4096:
            _PROGRAMS.clear()
        _PROGRAMS[full_key] = prog
    grad_mode = _GRAD[0]
    _GRAD[0] = bool(create_graph)
    try:
        args = tuple(consts) + tuple(leaves) + tuple(cuts) + tuple(c._input_node() if create_graph else c._node() for c in cotangents) + tuple(olds)
        node = Node(BACKWARD, args, (prog,), None, None, None, bool(create_graph) and any(a.requires_grad for a in args))
        node.device = roots[0].device
        if create_graph:
            totals, probes = _differentiable_outputs(node, leaf_tensors, probe_nodes + cuts)
        else:
            _engine.evaluate([node])
            totals_v, probes_v, aux_v = node.value
            node.value = None
            node.args = ()
            for n, v in zip(aux_nodes, aux_v):
                n.value = v
            totals = [_leaf_grad_tensor(v, t) for v, t in zip(totals_v, leaf_tensors)]
            probes = [Tensor._wrap(_source_like(v, n)) for v, n in zip(probes_v, probe_nodes + cuts)]
    finally:
        _GRAD[0] = grad_mode
    if not retain_graph:
        for n in order:
            if n.op.saves:
                n.freed = True
    result = {}
    for k, t in enumerate(leaf_tensors):
        result[id(t)] = totals[k]
    for n, g in zip(probe_nodes + cuts, probes):
        result[id(n)] = g
    return result, leaf_tensors, set(old_targets)


def _source_like(v, like):
    n = Node(None, (), (), v, like.shape, like.dtype)
    n.device = like.device
    return n


def _leaf_grad_tensor(v, t):
    from .._tensor import Tensor

    n = _source_like(v, t._storage.node)
    return Tensor._wrap(n)


def _differentiable_outputs(node, leaf_tensors, probe_nodes):
    """create_graph: the gradients as tensors recorded on the tape (GETITEM of the BACKWARD node)."""
    from .._tensor import Tensor

    totals = []
    for k, t in enumerate(leaf_tensors):
        tot = _getitem(node, 0, None)
        g = _getitem(tot, k, t._storage.node)
        totals.append(Tensor._wrap(g))
    probes = []
    for j, pn in enumerate(probe_nodes):
        pr = _getitem(node, 1, None)
        probes.append(Tensor._wrap(_getitem(pr, j, pn)))
    return totals, probes


def _getitem(node, i, like):
    from .._ops.table import GETITEM

    n = Node(GETITEM, (node,), (i,), None, like.shape if like is not None else None,
             like.dtype if like is not None else None, node.requires_grad)
    n.device = node.device
    n.depth = node.depth + 1
    return n


def _retained(order):
    """Nodes of non-leaf tensors that retain_grad() or have hooks: their gradient is taken out."""
    from .hooks import HOOKED

    if not HOOKED:
        return []
    ids = {id(n) for n in order}
    return [t._grad_fn for t in list(HOOKED) if t._grad_fn is not None and id(t._grad_fn) in ids]
