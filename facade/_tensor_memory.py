"""Tensor's memory, as PyTorch code inspects it: data_ptr(), untyped_storage(), resize_ / resize_as_.

facade's tensors have no memory addresses of their own (a value is a JAX array, replaced by
every in-place op). What PyTorch users compare is modelled on the `Storage` a tensor shares
with its views and aliases: each storage gets a made-up base address once (spaced so that
storages never overlap), and a tensor's data_ptr() is that base plus its storage offset in
bytes, so views starting at the same element compare equal and clones differ.

A mixin of `Tensor` (facade/_tensor.py).
"""
import weakref

import jax.numpy as jnp

__all__ = ["Memory", "UntypedStorage"]

_BASES = weakref.WeakKeyDictionary()  # Storage -> its made-up base address
_NEXT = [0x7F0000000000]
_ALIGN = 64


def _base(t):
    """The storage's base address, allotted on first use; 0 for an empty storage (PyTorch's nullptr)."""
    st = t._storage
    base = _BASES.get(st)
    if base is None:
        root = t if t._view is None else t._view[0]
        node = root._node()
        nbytes = _numel(node.shape) * node.dtype.itemsize
        if not nbytes:
            return 0
        base = _BASES[st] = _NEXT[0]
        _NEXT[0] += (nbytes + 2 * _ALIGN - 1) // _ALIGN * _ALIGN
    return base


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _root_nbytes(t):
    root = t if t._view is None else t._view[0]
    node = root._node()
    return _numel(node.shape) * node.dtype.itemsize


class UntypedStorage:
    """What Tensor.untyped_storage() answers: the storage's address and size in bytes (read-only)."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor):
        self._tensor = tensor

    def data_ptr(self):
        return _base(self._tensor)

    def nbytes(self):
        return _root_nbytes(self._tensor)

    size = nbytes
    __len__ = nbytes

    def element_size(self):
        return 1

    @property
    def device(self):
        return self._tensor.device

    def __repr__(self):
        return f"facade UntypedStorage of {self.nbytes()} bytes at {hex(self.data_ptr())}"


class Memory:
    __slots__ = ()

    def data_ptr(self):
        base = _base(self)
        if not base:
            return 0
        return base + self.storage_offset() * self._node().dtype.itemsize

    def untyped_storage(self):
        return UntypedStorage(self)

    def resize_(self, *sizes, memory_format=None):
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        sizes = tuple(int(s) for s in sizes)
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {list(sizes)}")
        return _resize(self, sizes)

    def resize_as_(self, the_template, memory_format=None):
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        return _resize(self, tuple(the_template.shape))


def _resize(t, sizes):
    """t's storage (in order) cut or grown to numel(sizes), shaped as sizes. Elements cut off stay
    in the storage, as PyTorch's (which keeps its allocation): growing back shows them again;
    beyond that, new elements are zeros (PyTorch's are uninitialised memory)."""
    if tuple(t.shape) == sizes:
        return t
    if t._view is not None:
        raise NotImplementedError(f"facade cannot resize a view (of shape {list(t.shape)} to {list(sizes)}): resize the "
                                  "tensor it views, or clone() it first")
    from ._creation import wrap_value

    value = jnp.reshape(t._value(), (-1,))
    kept = t.__dict__.get("_resize_tail")  # what an earlier resize_ cut off, in storage order
    n, want = value.shape[0], _numel(sizes)
    if want > n:
        back = kept[: want - n] if kept is not None else value[:0]
        value = jnp.concatenate([value, back, jnp.zeros((want - n - back.shape[0],), value.dtype)])
        t.__dict__["_resize_tail"] = kept[want - n:] if kept is not None and kept.shape[0] > want - n else None
    elif want < n:
        cut = value[want:]
        t.__dict__["_resize_tail"] = cut if kept is None else jnp.concatenate([cut, kept])
        value = value[:want]
    t._set_node(wrap_value(jnp.reshape(value, sizes))._storage.node)
    return t
