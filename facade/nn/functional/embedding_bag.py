"""embedding_bag: the sums, means or maxima of bags of embedding rows, without the rows.

A 1-D input is a flat list of indices cut into bags at `offsets` (bag b starts at
offsets[b]); a 2-D input (B, N) is B bags of N indices each (then offsets must be None). With
include_last_offset, the last offset closes the last bag: indices past it belong to no bag.
(PyTorch's CPU kernels disagree with themselves there: 'sum' leaves them out, 'mean' counts
them, 'max' reads them; facade follows the documented rule.)
per_sample_weights scales each row before the sum ('sum' mode only); rows at padding_idx take
no part (nor count for 'mean'); empty bags give zeros. The checks and messages are PyTorch's.
Not supported: scale_grad_by_freq=True (NotImplementedError); sparse=True gives a dense
gradient, as facade's embedding does.
"""

import numpy as np

from ... import _dtype, _grad_mode
from ..._creation import tensor
from ..._dispatch import record, record_node
from ..._ops import embedding_bag_ops as ops
from ..._ops import nn_ops
from ..._ops.frontend import write_result
from ._common import value_range

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


def _check_indices(t):
    if t.dtype is not _dtype.int64 and t.dtype is not _dtype.int32:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
            f"{t.type()} instead (while checking arguments for embedding_bag)"
        )


def _host(t):
    """The values of an integer tensor, or None inside a facade.jit trace."""
    import jax

    value = t._value()
    return None if isinstance(value, jax.core.Tracer) else np.asarray(value)


def _check_offsets(offsets, n):
    values = _host(offsets)
    if values is None or values.size == 0:
        return
    if values[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
            f"However, got {values[0]}\n[ torch.LongTensor{{}} ]"
        )
    if values[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of {values[-1]}")


def _check_range(input, num):
    r = value_range(input)
    if r and (r[0] < 0 or r[1] >= num):
        values = _host(input)
        bad = int(np.flatnonzero((values < 0) | (values >= num))[0])
        raise RuntimeError(f"Index {bad} of input takes value {values[bad]} which is not in the valid range [0, {num})")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Per bag of indices into weight's rows, their sum, mean or maximum (see the module docstring)."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it must have the "
            f"same shape as the input ({input.shape})"
        )
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if input.ndim == 2:
        if offsets is not None:
            shown = "<class 'torch.Tensor'>" if hasattr(offsets, "_node") else str(type(offsets))
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {shown}"
            )
        bags, length = input.shape
        offsets = tensor(np.arange(0, bags * length, max(length, 1))[:bags], dtype=_dtype.int64)
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}'). Please open a feature request on GitHub."
        )
    if scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq=True is not supported by facade")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(
                f"padding_idx must be within the number of embeddings, {-num} through {num - 1}, but got {padding_idx}"
            )
        padding_idx %= num
    _check_indices(input)
    _check_indices(offsets)
    _check_offsets(offsets, input.shape[0])
    _check_range(input, num)
    if max_norm is not None:
        with _grad_mode.no_grad():
            node = record_node(nn_ops.EMBEDDING_RENORM, (weight._node(), input._node()), (float(max_norm), float(norm_type)))
            write_result(weight, node)
    nbags = offsets.shape[0] - (1 if include_last_offset else 0)
    if nbags < 0:
        nbags = 0
    psw = 0 if per_sample_weights is None else per_sample_weights
    return record(ops.EMBEDDING_BAG, (weight, input, offsets, psw),
                  (mode, nbags, padding_idx, per_sample_weights is not None))
