"""PyTorch's error for nested data that is not a regular grid (`torch.tensor([[1, 2], [3]])`).

torch.tensor takes its shape from the first element at each depth (compute_sizes: it follows a
sequence's first item while that item is a sequence; tensors are not sequences there), then walks
the data against that shape (recursive_store): a sequence of the wrong length, a non-sequence where
a sequence belongs, or a sequence where a scalar belongs each raise their own error. facade builds
the array with numpy, so this walk only runs when numpy has refused the data.
"""
import math

import numpy as np

from ._ops.index_items import is_sequence


def shape_error(data, dtype):
    """The exception PyTorch raises for `data` (nested lists) as `dtype`; None when the data is a regular
    grid. `empty` is returned instead when the grid has no elements: PyTorch then stores nothing and
    never reaches the mismatch."""
    sizes, seq = [], data
    while is_sequence(seq) and not hasattr(seq, "_node"):
        n = len(seq)  # a 0-d numpy array raises PyTorch's "len() of unsized object" here
        sizes.append(n)
        if n == 0:
            break
        seq = seq[0]
    if math.prod(sizes) == 0:
        return "empty", tuple(sizes)
    try:
        _store(data, sizes, 0, dtype)
    except (TypeError, ValueError) as e:
        return e
    return None


def _store(obj, sizes, dim, dtype):
    if dim == len(sizes):
        _scalar(obj, dtype)
        return
    try:
        items = list(obj)
    except TypeError:
        raise TypeError("not a sequence") from None
    if len(items) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(items)})")
    for item in items:
        _store(item, sizes, dim + 1, dtype)


def _scalar(obj, dtype):
    integral = dtype.category <= 1
    if hasattr(obj, "_node"):
        if obj.numel() != 1:
            if integral:
                raise TypeError("only integer tensors of a single element can be converted to an index")
            raise ValueError("only one element tensors can be converted to Python scalars")
    elif isinstance(obj, np.ndarray):
        import operator

        (operator.index if integral else float)(obj)
    elif is_sequence(obj):
        if integral:
            raise TypeError(f"'{type(obj).__name__}' object cannot be interpreted as an integer")
        raise TypeError(f"must be real number, not {type(obj).__name__}")
