"""nn.parameter.UninitializedParameter / UninitializedBuffer: placeholders of the lazy modules.

They hold an empty tensor until `materialize(shape)` gives them storage and turns them into a
Parameter / plain Tensor (their class changes in place, as in PyTorch). Before that they print
as ``<UninitializedParameter>`` and reading their shape raises PyTorch's RuntimeError.
Limitation: PyTorch also rejects every other torch function on them (through
__torch_function__, with a ValueError); facade has no such hook, so other ops see an empty tensor.
"""
from .parameter import Parameter
from .._tensor import Tensor

__all__ = ["UninitializedTensorMixin", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]


class UninitializedTensorMixin:
    def materialize(self, shape, device=None, dtype=None):
        """Give the placeholder an (uninitialised) value of `shape`; it becomes `cls_to_become`."""
        from .. import _creation

        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        self.data = _creation.empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. "
            "This error usually happens in `load_state_dict` when trying to load "
            "an uninitialized parameter into an initialized one. "
            "Call `forward` to initialize the parameters before accessing their attributes."
        )

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. "
            "Call `forward` to initialize the parameters before calling `module.share_memory()`."
        )

    def __repr__(self):
        return f"<{self.__class__.__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (self.__class__, (self.requires_grad,))


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .. import _creation

        return Parameter.__new__(cls, _creation.empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, *args, **kwargs):
        pass

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from .. import _creation

        t = _creation.empty(0, device=device, dtype=dtype).requires_grad_(requires_grad)
        t.__class__ = cls
        t.__dict__["_is_buffer"] = True
        t.__dict__["_persistent"] = persistent
        t.persistent = persistent
        return t

    def __init__(self, *args, **kwargs):
        pass


def is_lazy(param):
    """Whether `param` is an uninitialised placeholder of a lazy module."""
    return isinstance(param, UninitializedTensorMixin)
