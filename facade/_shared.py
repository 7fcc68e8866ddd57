"""NumPy arrays that share a tensor's memory: what `t.numpy()` returns.

In PyTorch `t.numpy()` is a second name for the tensor's memory: a write into the array shows
in the tensor, and an in-place op on the tensor shows in the array, at once. facade's values are
immutable JAX arrays computed lazily, so the sharing is modelled on the storage:

- `share(t)` gives the storage a writable copy of its value, the *array*, which from then on is
  the storage's authority: the storage becomes a `SharedStorage`.
- Reading a SharedStorage's node first compares the array with the values the node holds. After
  a write into the array the node is a new source holding a copy of it; ops recorded before the
  write keep the old node and see the old values, as PyTorch's ops, which had already run, did.
- Pointing a SharedStorage at a new node (an in-place op, a jitted step's write-back) computes
  the node and copies its value into the array.
- Once nothing but the storage holds the array, the storage is a plain `Storage` again, and
  reading it costs nothing more.
"""
import sys
import weakref

import jax
import numpy as np

from ._tape import TRACKING, Storage, source_like

__all__ = ["share"]

_SLOT = Storage.__dict__["node"]  # Storage's own `node` slot, under SharedStorage's property


class SharedStorage(Storage):
    """A Storage whose memory is a NumPy array the user holds. `shared` is (array, the values
    the node holds, the node): holding the node once more tells code that would give a node
    held only by its storage a new value in place (facade.jit's write-back) that something
    else observes it, so that the new value comes through `set`."""

    __slots__ = ()

    @property
    def node(self):
        node = _SLOT.__get__(self)
        array, seen, _ = self.shared
        if not _same(array, seen):
            copy = array.copy()
            node = source_like(copy, node)
            node.out = weakref.ref(self)
            _SLOT.__set__(self, node)
            self.shared = (array, copy, node)
        if sys.getrefcount(array) <= 3:  # held only by `shared`, this frame and getrefcount's argument
            self.__class__ = Storage
            self.shared = None
        return node

    @node.setter
    def node(self, node):
        self.set(node)

    def set(self, node):
        _SLOT.__set__(self, node)
        node.out = weakref.ref(self)
        self.shared = self.shared[:2] + (node,)
        if TRACKING[0] is not None:
            return  # facade.jit is tracing a step: its write-back after the call lands here again
        value = _computed(node)
        if isinstance(value, jax.core.Tracer):
            return  # the same, while the step's program is traced
        array = self.shared[0]
        value = np.asarray(value)
        if value.shape != array.shape or value.dtype != array.dtype:
            self.__class__ = Storage  # the storage now holds something else: the array is on its own
            self.shared = None
            return
        np.copyto(array, value)
        self.shared = (array, value, node)


def _computed(node):
    """The node's value, computing it (and what it waits on) if it is pending."""
    if node.value is None:
        from ._engine import evaluate

        evaluate([node])
    return node.value


def _same(a, b):
    """Bit-for-bit equality of two C-contiguous arrays of one shape and dtype (NaN equals itself)."""
    if a.nbytes <= 4096:
        return a.tobytes() == b.tobytes()
    return np.array_equal(a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8))


def share(t):
    """A NumPy array sharing the memory of the CPU tensor `t` (a view of its root's array for a view)."""
    root = t if t._view is None else t._view[0]
    st = root._storage
    if type(st) is not SharedStorage:
        node = st.node
        value = np.asarray(_computed(node))
        st.shared = (np.array(value), value, node)
        st.__class__ = SharedStorage
    array = st.shared[0]
    if root is t:
        return array.view()
    value = np.asarray(t._value())
    view = _strided(array, value, *t._layout())
    if view is None:
        return np.array(value)  # a view facade cannot express as strides over the root: a copy, not shared
    return view


def _strided(array, value, strides, offset):
    """The view of the root's `array` at `strides` and `offset` (in elements of the view's dtype,
    as PyTorch counts them) with the shape and dtype of `value`; None unless it holds `value`."""
    if array.nbytes % value.itemsize:
        return None
    flat = array.reshape(-1).view(value.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(value.shape, strides)) if value.size else offset
    if offset < 0 or min(strides, default=0) < 0 or last >= max(flat.size, 1):
        return None
    view = np.lib.stride_tricks.as_strided(flat[offset:], value.shape, tuple(s * value.itemsize for s in strides))
    return view if _same(np.ascontiguousarray(view), np.ascontiguousarray(value)) else None
