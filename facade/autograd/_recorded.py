"""create_graph=True: the whole backward program recorded as one node on the tape.

The node (`_RECORDED`, grad_fn BackwardBackward) takes the program's inputs, the leaves' uses,
the cuts and the incoming gradients that require grad as arguments, and its implementation
re-runs the `_Fused` program reading each of them through its argument, so the gradients it
gives are tensors JAX can differentiate again (differentiating the vjp). Which of them require
grad is asked of the program itself (`_dependence.py`), as PyTorch's backward formulas decide.
"""
import jax
import jax.numpy as jnp

from .._dispatch import wrap
from .._ops.table import defop
from .._tape import Node
from ._fused import _Fused, _leaf_meta


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
