"""The public API derived from the op table.

Importing this package declares every op (one module per family) and attaches the derived
API to `Tensor`: methods, in-place variants, Python operators (including the reflected and
augmented ones) and indexing.
"""
from ._ops import complex_ops, compare, convert, indexing, linalg, nn_ops, optim_ops, pointwise, reduce, shape, sorting, unary  # noqa: F401 - declarations
from ._ops import optim_more_ops  # noqa: F401 - declarations (the Adamax ... ASGD updates)
from ._ops import view_scatter_ops  # noqa: E402,F401 - *_scatter, *_copy, unfold, put, fill_diagonal_
from ._ops import margin_ops  # noqa: F401 - declarations (torch.hardshrink, Tensor.hardshrink)
from ._ops import special_ops  # noqa: F401 - declarations (torch.igamma, torch.mvlgamma, torch.special natives)
from ._ops.aliases import numpy_names
from ._ops.frontend import FUNCTIONS, METHODS
from ._ops.table import OPS

__all__ = ["FUNCTIONS", "METHODS", "OPS", "attach"]


def _reflected(fn):
    return lambda self, other: fn(other, self)


_T_WARNED = []


def _transposed(self):
    """Tensor.T: t() of a matrix; on other tensors their dims reversed, with PyTorch's deprecation warning (once)."""
    if self.ndim == 2:
        return self.t()
    if not _T_WARNED:
        import warnings

        _T_WARNED.append(True)
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it "
                      "will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
                      "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=2)
    return self.permute(*reversed(range(self.ndim)))


def _equality(fn):
    """== / != against None or a string: Python's answer by identity (False / True), as PyTorch's."""
    def op(self, other):
        if other is None or isinstance(other, str):
            return NotImplemented
        return fn(self, other)

    op.__name__ = fn.__name__
    return op


def attach(tensor_cls):
    """Install the op-table methods and operators on the Tensor class."""
    for name, fn in METHODS.items():
        setattr(tensor_cls, name, numpy_names(fn))
    m = METHODS
    ops = {
        "__add__": m["add"], "__radd__": _reflected(m["add"]), "__iadd__": m["add_"],
        "__sub__": m["sub"], "__rsub__": pointwise.rsub_operator, "__isub__": m["sub_"],
        "__mul__": m["mul"], "__rmul__": _reflected(m["mul"]), "__imul__": m["mul_"],
        "__truediv__": m["div"], "__rtruediv__": _reflected(m["div"]), "__itruediv__": m["div_"],
        "__floordiv__": m["floor_divide"], "__rfloordiv__": _reflected(m["floor_divide"]), "__ifloordiv__": m["floor_divide_"],
        "__mod__": m["remainder"], "__rmod__": _reflected(m["remainder"]), "__imod__": m["remainder_"],
        "__pow__": m["pow"], "__rpow__": _reflected(m["pow"]), "__ipow__": m["pow_"],
        "__matmul__": m["matmul"], "__rmatmul__": _reflected(m["matmul"]),
        "__and__": m["bitwise_and"], "__rand__": _reflected(m["bitwise_and"]), "__iand__": m["bitwise_and_"],
        "__or__": m["bitwise_or"], "__ror__": _reflected(m["bitwise_or"]), "__ior__": m["bitwise_or_"],
        "__xor__": m["bitwise_xor"], "__rxor__": _reflected(m["bitwise_xor"]), "__ixor__": m["bitwise_xor_"],
        "__eq__": _equality(m["eq"]), "__ne__": _equality(m["ne"]), "__lt__": m["lt"], "__le__": m["le"], "__gt__": m["gt"], "__ge__": m["ge"],
        "__neg__": m["neg"], "__abs__": m["abs"], "__pos__": lambda self: self,
        "__invert__": lambda self: m["logical_not"](self) if self.dtype.name == "bool" else m["bitwise_not"](self),
        "__getitem__": indexing.getitem, "__setitem__": indexing.setitem,
    }
    for name, fn in ops.items():
        setattr(tensor_cls, name, fn)
    tensor_cls.T = property(_transposed)
    tensor_cls.real = property(complex_ops.real)
    tensor_cls.imag = property(complex_ops.imag)
    tensor_cls.mT = property(lambda self: self.transpose(-2, -1))
    tensor_cls.H = property(lambda self: self.T.conj() if self.is_complex() else self.T)
    tensor_cls.mH = property(lambda self: self.mT)
    tensor_cls.is_contiguous = lambda self, memory_format=None: shape.is_contiguous(self)
