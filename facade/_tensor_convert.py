"""Tensor's conversions: to NumPy (numpy(), __array__), to Python (item, tolist, float, int, bool ...),
copies (pickling, deepcopy) and printing.

A mixin of `Tensor` (facade/_tensor.py).
"""
import warnings

import numpy as np
from jax.core import Tracer as _Tracer

from . import _device, _dispatch, _dtype
from ._grad_mode import STATE as _GRAD

__all__ = ["Conversions"]


class Conversions:
    __slots__ = ()

    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        value = self._value()
        if self.device.type != "cpu" or isinstance(value, _Tracer):
            return _device.to_numpy(value)  # (a traced value: the error that says why it has none)
        from ._shared import share

        return share(self)

    def _array(self):
        """The value as a NumPy array to read (not to write into, and not sharing memory as numpy() does)."""
        return _device.to_numpy(self._value())

    def tolist(self):
        a = _device.to_numpy(self._value())
        if self.dtype is _dtype.bfloat16 or self.dtype is _dtype.float16:
            a = a.astype(np.float32)
        return a.tolist()

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        a = _device.to_numpy(self._value())
        if self.dtype is _dtype.bfloat16 or self.dtype is _dtype.float16:
            a = a.astype(np.float32)
        return a.reshape(()).item()

    def __float__(self):
        if self.requires_grad and _GRAD[0]:
            _warn_scalar_once()
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if self.dtype.category != 1 or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        if self.requires_grad and _GRAD[0]:
            _warn_scalar_once()
        return complex(self._scalar("complex"))

    def __bool__(self):
        n = self.numel()
        if n != 1:
            if n == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def _scalar(self, kind):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __format__(self, spec):
        if self.dim() == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    __array_priority__ = 1000  # numpy_scalar * tensor is the tensor's op (NumPy would take it, dropping the graph)

    def __array__(self, dtype=None):
        # PyTorch's: numpy() (so the error for a tensor that requires grad, and the array shares the tensor's
        # memory), cast without a copy where the dtype is already right. No `copy` parameter, as PyTorch's:
        # NumPy then copies itself for np.array(t) and refuses np.array(t, copy=False)
        a = self.numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __array_wrap__(self, array):
        # a NumPy ufunc applied to a tensor (np.sin(t)) gives a tensor, as PyTorch's (bool results as uint8)
        from ._creation import from_numpy

        if array.dtype == bool:
            array = array.astype("uint8")
        return from_numpy(array)

    def __iter__(self):
        if self.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, proto):
        from ._creation import _rebuild

        return (_rebuild, (self._array(), self.dtype.name, self.requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment.  "
                "If you were attempting to deepcopy a module, this may be because of a torch.nn.utils.weight_norm usage, "
                "see https://github.com/pytorch/pytorch/pull/103001"
            )
        from ._creation import _from_array

        t = _from_array(self._value(), self.dtype, self.requires_grad)
        if type(self) is not _dispatch.Tensor:
            t = type(self)._wrap_like(t) if hasattr(type(self), "_wrap_like") else t
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    # ---- printing ----------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None):
        from ._printing import format_tensor

        gf = self.grad_fn
        dev = self.device
        return format_tensor(
            _device.to_numpy(self._value()),
            dtype=self.dtype.name,
            device=None if dev.type == "cpu" else str(dev),
            requires_grad=self.requires_grad and gf is None,
            grad_fn=type(gf).__name__ if gf is not None else None,
            default_dtype=_dtype.get_default_dtype().name,
            is_parameter=self.__dict__.get("_is_param", False),
        )

    __str__ = __repr__


_SCALAR_WARNED = []


def _warn_scalar_once():
    """PyTorch's warning for float() / complex() of a tensor that requires grad, once per process."""
    if not _SCALAR_WARNED:
        _SCALAR_WARNED.append(True)
        warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                      "Consider using tensor.detach() first.", UserWarning, stacklevel=3)
