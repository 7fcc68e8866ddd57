"""nn.Parameter and nn.Buffer.

A Parameter is a leaf Tensor that a Module registers as trainable. Like PyTorch's, it
aliases the data it is built from (same storage and version counter), prints as
"Parameter containing:", survives deepcopy/pickle as a Parameter, and the results of
operations on it are plain Tensors (ops always build `Tensor`s).
"""

from .._tape import Storage
from .._tensor import Tensor

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter", "empty_param", "is_lazy"]


def _alias(cls, data, requires_grad):
    """A new leaf handle of class cls on data's value (shared storage unless data is a view)."""
    t = data.detach()
    if t._view is not None:  # a view's value is computed from its root: the parameter gets its own copy
        t._storage, t._vc, t._view, t._vcache = Storage(t._node()), [0], None, None
    t.__class__ = cls
    if requires_grad:
        if t.dtype.category < 2:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._rg = True
    return t


class Parameter(Tensor):
    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .. import _creation

            data = _creation.empty(0)
        t = _alias(cls, data, requires_grad)
        t.__dict__["_is_param"] = True
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    @classmethod
    def _wrap_like(cls, t):
        """The deepcopy of a parameter: t's value as a Parameter with the same requires_grad."""
        return cls(t, requires_grad=t.requires_grad)

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach(), self.requires_grad))

    def __repr__(self, *, tensor_contents=None):
        return Tensor.__repr__(self)

    __str__ = __repr__


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class _BufferMeta(type(Tensor)):
    # Buffer(...) returns a plain Tensor marked as a buffer; isinstance() looks at the mark.
    def __instancecheck__(cls, obj):
        if cls is Buffer:
            return isinstance(obj, Tensor) and obj.__dict__.get("_is_buffer", False)
        return super().__instancecheck__(obj)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .. import _creation

            data = _creation.empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.__dict__["_is_buffer"] = True
        t.__dict__["_persistent"] = persistent
        return t


def empty_param(shape, device=None, dtype=None, requires_grad=True):
    """An uninitialised Parameter (layers fill theirs in reset_parameters)."""
    from .. import _creation

    return Parameter(_creation.empty(*shape, device=device, dtype=dtype), requires_grad)


from ._uninitialized import UninitializedBuffer, UninitializedParameter, UninitializedTensorMixin, is_lazy  # noqa: E402,F401
