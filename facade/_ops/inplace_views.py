"""In-place changes of a tensor's shape: t_, transpose_ (swapaxes_, swapdims_), squeeze_, unsqueeze_.

PyTorch changes only the tensor's sizes and strides: its memory and version counter stay, its
version goes up by one, and its grad_fn becomes the in-place op's (TBackward1, TransposeBackward1,
SqueezeBackward3/4/5, UnsqueezeBackward1). Here:

- a view gets one more op at the end of its chain: it still reads and writes its root's
  storage, as PyTorch's view does;
- a tensor that owns its storage gets the new layout as its storage's value. Any alias of that
  storage (a view, detach(), .data) would then see the new layout where PyTorch's keeps its
  own, so facade refuses the call while one exists, and says to use the out-of-place op.
"""
import sys

import jax.numpy as jnp

from .._dispatch import record_node
from .._grad_mode import STATE as _GRAD
from .frontend import check_inplace, export, wrap_dim
from .table import defop

T_ = defop("t_", lambda x: x.T, grad_fn="TBackward1", saves=False, view=True)
TRANSPOSE_ = defop("transpose_", lambda x, a, b: jnp.swapaxes(x, a, b) if x.ndim else x,
                   grad_fn="TransposeBackward1", saves=False, view=True)
# statics (dims to drop, PyTorch's overload: 3 no dim, 4 one dim, 5 a tuple of dims)
SQUEEZE_ = defop("squeeze_", lambda x, dims, form: jnp.squeeze(x, dims), saves=False, view=True,
                 grad_fn=lambda n: f"SqueezeBackward{n.statics[1]}")
UNSQUEEZE_ = defop("unsqueeze_", lambda x, d: jnp.expand_dims(x, d), grad_fn="UnsqueezeBackward1", saves=False,
                   view=True)


def _relayout(self, op, statics, name):
    view = self._view
    if view is None:
        # references to the storage: this tensor's attribute and getrefcount's argument; any more are aliases
        if sys.getrefcount(self._storage) > 2:
            raise RuntimeError(
                f"facade: {name}() would change the shape of a tensor that shares its memory with another tensor "
                f"(a view, detach() or .data of it); facade cannot change the shape of one of them only. Use the "
                f"out-of-place {name[:-1]}() instead.")
        node = record_node(op, (self._input_node() if _GRAD[0] else self._node(),), statics)
        self._set_node(node)
        return self
    root, chain, _ = view
    tracks = _GRAD[0] and root.requires_grad
    node = record_node(op, (self._node(),), statics)
    self._view = (root, chain + ((op, statics),), tracks and node.requires_grad)
    self._vc[0] += 1
    self._vver = self._vc[0]
    self._vcache = (node.args[0] if len(chain) == 0 else None, node)
    return self


@export("t_", function=False)
def t_(self):
    check_inplace(self)  # PyTorch checks this before the arguments
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return _relayout(self, T_, (), "t_")


@export("transpose_", "swapaxes_", "swapdims_", function=False)
def transpose_(self, dim0, dim1):
    check_inplace(self)  # PyTorch checks this before the arguments
    n = self.ndim
    return _relayout(self, TRANSPOSE_, (wrap_dim(dim0, n), wrap_dim(dim1, n)), "transpose_")


@export("squeeze_", function=False)
def squeeze_(self, dim=None):
    check_inplace(self)  # PyTorch checks this before the arguments
    shape = tuple(self.shape)
    if dim is None:
        return _relayout(self, SQUEEZE_, (tuple(i for i, s in enumerate(shape) if s == 1), 3), "squeeze_")
    ds = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = tuple(d for d in (wrap_dim(d, len(shape)) for d in ds) if shape and shape[d] == 1)
    return _relayout(self, SQUEEZE_, (dims, 4 if isinstance(dim, int) else 5), "squeeze_")


@export("unsqueeze_", function=False)
def unsqueeze_(self, dim):
    check_inplace(self)  # PyTorch checks this before the arguments
    return _relayout(self, UNSQUEEZE_, (wrap_dim(dim, self.ndim + 1),), "unsqueeze_")
