"""How PyTorch reads the items of `x[index]` before indexing (torch/csrc/autograd/python_variable_indexing.cpp).

* The index: a tuple is the items; a tensor or numpy array is one item; another sequence (list, range,
  ...) shorter than 32 is, with a deprecation warning, the items when any of its entries is a tensor,
  a sequence, a slice, None or Ellipsis (numpy's old heuristic); else it is one item.
* An item that is a sequence (list, tuple, range, numpy array, ...) becomes an index tensor: bool or
  uint8 when its elements are, else int64 (float elements are truncated, as PyTorch's
  indexing_tensor_from_data does).

Also here: which index PyTorch names when several are out of bounds (`first_out_of_bounds`).
"""
import warnings

import numpy as np

from .. import _dtype
from .._device import to_numpy
from .frontend import is_tensor

NON_TUPLE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in pytorch 2.9; "
    "use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, "
    "x[torch.tensor(seq)], which will result either in an error or a different result (Triggered internally at "
    "/__w/pytorch/pytorch/torch/csrc/autograd/python_variable_indexing.cpp:349.)")

try:  # Python's own sequence test, the one PyTorch's C++ makes
    import ctypes

    _seq_check = ctypes.pythonapi.PySequence_Check
    _seq_check.argtypes = [ctypes.py_object]
    _seq_check.restype = ctypes.c_int

    def is_sequence(obj):
        return _seq_check(obj) == 1
except (ImportError, AttributeError):  # not CPython: the common sequence types
    from collections.abc import Sequence

    def is_sequence(obj):
        return isinstance(obj, (Sequence, np.ndarray)) and not isinstance(obj, dict)


_PLAIN = (int, slice, bool, type(None), type(Ellipsis))


def _tuple_like(index):
    """PyTorch's treatSequenceAsTuple, for an index that is not a tuple, tensor or array."""
    if isinstance(index, _PLAIN) or not is_sequence(index):
        return False
    try:
        n = len(index)
        if n >= 32:
            return False
        items = [index[k] for k in range(n)]
    except Exception:  # noqa: BLE001 - PyTorch clears the error and treats the index as one item
        return False
    return any(is_tensor(i) or isinstance(i, slice) or i is None or i is Ellipsis or is_sequence(i) for i in items)


def as_items(index, stacklevel):
    """The index's items as a tuple, sequence items turned into index tensors. `stacklevel` points the
    deprecation warning at the user's `x[...]` line."""
    if type(index) is not tuple:
        if type(index) is int or type(index) is slice:
            return (index,)
        if isinstance(index, tuple):
            index = tuple(index)
        elif is_tensor(index) or isinstance(index, np.ndarray) or not _tuple_like(index):
            index = (index,)
        else:
            warnings.warn(NON_TUPLE_WARNING, UserWarning, stacklevel=stacklevel + 1)
            index = tuple(index)
    for k, i in enumerate(index):
        if not isinstance(i, _PLAIN) and not is_tensor(i) and is_sequence(i):
            return index[:k] + tuple(i if isinstance(i, _PLAIN) or is_tensor(i) or not is_sequence(i)
                                     else index_tensor(i) for i in index[k:])
    return index


def index_tensor(seq):
    """PyTorch's indexing_tensor_from_data: a bool or uint8 tensor for such elements, else int64."""
    from .._creation import _infer_dtype, tensor

    if isinstance(seq, np.ndarray):
        d = _dtype.from_numpy(seq.dtype)
    elif isinstance(seq, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(seq).__name__}'")
    else:
        d = _infer_dtype(seq)
    if d is _dtype.bool_ or d is _dtype.uint8:
        return tensor(seq, dtype=d)
    if d.category >= 3:  # complex elements cannot become int64 indices
        raise TypeError("'complex' object cannot be interpreted as an integer")
    return tensor(seq, dtype=_dtype.int64)


def first_out_of_bounds(x, tensors):
    """(k, value, size) of the first index out of bounds in PyTorch's order: element by element of the
    broadcast indices, tensor by tensor within an element; None when they do not broadcast."""
    try:
        values = np.broadcast_arrays(*(np.asarray(to_numpy(t._value())) for _, t in tensors))
    except Exception:  # noqa: BLE001 - shapes that do not broadcast, or a traced value: the caller's message
        return None
    sizes = np.array([x.shape[d] for d, _ in tensors]).reshape((-1,) + (1,) * values[0].ndim)
    v = np.stack(values)
    bad = ((v >= sizes) | (v < -sizes)).reshape(len(tensors), -1)
    at = np.argwhere(bad.T)  # (element, k) pairs, element-major
    if not len(at):
        return None
    e, k = at[0]
    return int(k), int(v.reshape(len(tensors), -1)[k, e]), x.shape[tensors[k][0]]
