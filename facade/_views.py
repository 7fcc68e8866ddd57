"""Views: tensors that share their root's storage through a chain of view ops.

A view's value is its chain of view ops (select, slice, transpose, reshape, expand ...)
applied to the root's current value, so a write through the root is seen by the view. A
write through a view is turned into a write of the root: `view_scatter` places the new view
values at the root positions the chain selects. Those positions are found by running the
chain on an index array (iota), so no view op needs a hand-written inverse, and autograd
through the write is JAX's derivative of a scatter (PyTorch's CopySlices).
"""
import re

import jax.numpy as jnp
from jax import lax

from ._dispatch import record_node
from ._grad_mode import STATE as _GRAD
from ._ops.table import defop


def _positions(shape, chain):
    """Where each element of the view lies in the root, in the root's elements; a chain that starts
    with view_as_real counts in real numbers (two per complex element), as PyTorch's strides do."""
    if chain and chain[0][0].name == "view_as_real":
        shape, chain = tuple(shape) + (2,), chain[1:]
    size = 1
    for s in shape:
        size *= s
    idx = jnp.arange(size, dtype=jnp.int32).reshape(shape)
    for op, statics in chain:
        if op.name == "view_as_complex":  # pairs of real numbers: a complex element's position is its first
            idx = idx[..., 0] // 2
        elif op.name == "conj":
            continue
        else:
            idx = op.impl(idx, *statics)
    return idx


def _view_scatter(root, new, chain):
    idx = _positions(root.shape, chain).reshape(-1)
    if chain and chain[0][0].name == "view_as_real":  # z.real, z.imag, view_as_real(z)[...]: write the real pairs
        pairs = jnp.stack([jnp.real(root), jnp.imag(root)], axis=-1)
        pairs = pairs.reshape(-1).at[idx].set(new.astype(pairs.dtype).reshape(-1)).reshape(pairs.shape)
        return lax.complex(pairs[..., 0], pairs[..., 1]).astype(root.dtype)
    return root.reshape(-1).at[idx].set(new.astype(root.dtype).reshape(-1)).reshape(root.shape)


NO_GRAD_VIEW_WRITE = (
    " no_grad mode and is being modified inplace with grad mode enabled. Given that this use case is ambiguous and "
    "error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both "
    "inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace "
    "to be tracked)."
)

# PyTorch's error where it would regenerate the grad_fn of such a view after its root was written in place
NO_GRAD_VIEW_REBASE = (
    " no_grad mode and its base or another view of its base has been modified inplace with grad mode enabled. Given "
    "that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the "
    "view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both "
    "outside (if you want the inplace to be tracked)."
)

VIEW_SCATTER = defop("view_scatter", _view_scatter, grad_fn="CopySlices", saves=False)


def _as_strided(root, chain):
    for op, statics in chain:
        root = op.impl(root, *statics)
    return root


# a view's whole chain as one node: how a view that tracks grad reads its root once either was written in place
AS_STRIDED = defop("as_strided_view", _as_strided, grad_fn="AsStridedBackward0", saves=False)

# a value that requires grad without a path to any leaf: how a view made under no_grad of a tensor that requires
# grad enters ops (PyTorch: the view requires grad, its grad_fn is None and it has no AccumulateGrad, so the ops'
# edges to it lead to no function); grad_fn objects show it as None (autograd/graph.py)
NO_GRAD_EDGE = defop("no_grad_edge", lambda v: lax.stop_gradient(v), saves=False)

LEAF_VIEW_WRITE = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def make_view(base, op, statics):
    """Record view op on `base` and return the view tensor sharing base's storage."""
    from ._tensor import Tensor

    tracks = _GRAD[0] and base.requires_grad
    node = record_node(op, (base._input_node() if tracks else base._node(),), statics)
    t = Tensor._wrap_view(base, ((op, statics),), node)
    if not _GRAD[0]:
        t.__dict__["_nograd_view"] = "A view was created in"  # PyTorch's CreationMeta::NO_GRAD_MODE
    elif base._view is not None and "_nograd_view" in base.__dict__:  # a view of such a view inherits it
        name = re.sub(r"Backward[0-9]*$", "", op.grad_fn_name(node) or op.name.capitalize())
        t.__dict__["_nograd_view"] = f"Output 0 of {name} is a view of a view which was created in"
    bv = base._view
    gv = t._gv
    if (bv is not None and not base._rg and base._vcache is not None and bv[2] == t._view[2]
            and (gv is None or gv[0] is not base)):
        # a view of a view: its node stays `op` applied to the base view's node (as PyTorch's grad_fn
        # chains through the base view's), so hooks and retain_grad on the base view see the gradient
        # that flows through it; valid while the root's node is the one the base view read
        t._vcache = (base._vcache[0], node)
    return t


def _check_writable(chain):
    for k, (op, statics) in enumerate(chain):
        if op.name in ("conj", "view_as_complex") or (op.name == "view_as_real" and k > 0):
            what = {"conj": "a conj() view", "view_as_complex": "a view_as_complex view"}.get(op.name, "view_as_real of a view")
            raise NotImplementedError(f"facade cannot write in place through {what}; write the tensor it was taken "
                                      "from instead (or clone() the view first)")
        if op.name == "expand":
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation."
            )


def write_through(view, new_node):
    """Write `new_node` (the view's new value) into the view's root."""
    root, chain, tracks = view._view
    if _GRAD[0]:
        gv = view._gv
        if view._rg or gv is not None and gv[0] is not None and gv[0]._rg and gv[2] is chain:
            raise RuntimeError(LEAF_VIEW_WRITE)  # a leaf that is a view (w = b.view(2, 3).requires_grad_()) or a view of it
    _check_writable(chain)
    grad = _GRAD[0] and (root.requires_grad or new_node.requires_grad)
    if grad and "_nograd_view" in view.__dict__:
        # the write would be recorded (CopySlices) into a root whose history the view never tracked
        raise RuntimeError(view.__dict__["_nograd_view"] + NO_GRAD_VIEW_WRITE)
    base = root._input_node() if grad else root._storage.node
    saved = _GRAD[0]
    _GRAD[0] = grad
    try:
        node = record_node(VIEW_SCATTER, (base, new_node), (chain,))
    finally:
        _GRAD[0] = saved
    root._storage.set(node)
    if node.requires_grad:
        root._grad_fn = node
        view._view = (root, chain, True)
        view._gv = None
        view._vver = -1
    view._vcache = None
