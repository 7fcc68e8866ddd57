"""ctc_loss: the Connectionist Temporal Classification loss.

log_probs (T, N, C) (or (T, C) for one sequence) are per-step log probabilities, e.g. from
log_softmax; targets are padded (N, S) or all sequences concatenated (1-D, cut by
target_lengths); input_lengths and target_lengths are tensors or sequences of ints.
reduction 'mean' divides each loss by its target length (at least 1), then averages, as
PyTorch does; 'sum' adds; 'none' keeps one loss per sequence. zero_infinity replaces
infinite losses (impossible alignments) and their gradients by zeros.
"""

import numpy as np

from ... import _dtype
from ..._creation import tensor
from ..._dispatch import record
from ..._ops import ctc_ops as ops

__all__ = ["ctc_loss"]


def _ints(value):
    if hasattr(value, "_node"):
        return value._array().astype(np.int64).reshape(-1)
    return np.asarray(list(value) if isinstance(value, (list, tuple)) else [value], np.int64).reshape(-1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """The CTC loss of log_probs against targets (see the module docstring)."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if targets.ndim == 1:
            targets = targets.unsqueeze(0)
    if log_probs.ndim != 3:
        raise RuntimeError(f"ctc_loss expects log_probs to be 2-D or 3-D, got {log_probs.ndim}-D")
    steps, n, classes = log_probs.shape
    il, tl = _ints(input_lengths), _ints(target_lengths)
    if len(il) != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    for b in range(n):
        if il[b] > steps:
            raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got value {il[b]} "
                               f"(while checking arguments for ctc_loss_allocate_outputs)")
    values = targets._array().astype(np.int64)
    if targets.ndim == 1:  # concatenated
        width = int(tl.max()) if n and tl.size else 0
        padded = np.zeros((n, width), np.int64)
        start = 0
        for b in range(n):
            padded[b, : tl[b]] = values[start:start + tl[b]]
            start += tl[b]
        values = padded
    else:
        for b in range(n):
            if tl[b] > values.shape[1]:
                raise RuntimeError(f"Expected tensor to have size at least {tl[b]} at dimension 1, but got size "
                                   f"{values.shape[1]} for argument #2 'targets' (while checking arguments for "
                                   "ctc_loss_allocate_outputs)")
    tgt = tensor(values[:, : max(int(tl.max()) if tl.size else 0, 0)] if values.size else values, dtype=_dtype.int64)
    loss = record(ops.CTC_LOSS, (log_probs, tgt, tensor(il), tensor(tl)), (int(blank), bool(zero_infinity)))
    if reduction == "mean":
        lengths = tensor(np.maximum(tl, 1)).to(loss.dtype)
        return (loss / lengths).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss
