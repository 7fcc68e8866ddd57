"""Op specs for torch.nn.functional.ctc_loss (see _op_specs.py for the format).

The numpy reference sums, in float64, the probabilities of every alignment by the forward
(alpha) recursion over the targets extended with blanks, in probability space: a label may
repeat the previous symbol, follow the blank, or (if it differs from the label two back)
skip the blank between. 'mean' divides each loss by its target length (at least 1) and
averages. The spec feeds log_softmax of its input, as CTC is used: PyTorch's ctc_loss
gradient is only the derivative of the loss there (see facade/_ops/ctc_ops.py).
"""
import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array
from ._op_specs import spec


def _nll(p, target, steps, blank):
    ext = [blank]
    for c in target:
        ext += [int(c), blank]
    alpha = np.zeros(len(ext))
    alpha[0] = p[0, ext[0]]
    if len(ext) > 1:
        alpha[1] = p[0, ext[1]]
    for t in range(1, steps):
        new = np.zeros_like(alpha)
        for s, c in enumerate(ext):
            a = alpha[s] + (alpha[s - 1] if s else 0)
            if s >= 2 and c != blank and c != ext[s - 2]:
                a += alpha[s - 2]
            new[s] = a * p[t, c]
        alpha = new
    total = alpha[-1] + (alpha[-2] if len(ext) > 1 else 0)
    return -np.log(total) if total > 0 else np.inf


def _ctc_ref(x, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    z = x.astype(np.float64)
    p = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    losses = np.array([_nll(p[:, b], targets[b][: target_lengths[b]], input_lengths[b], blank)
                       for b in range(x.shape[1])])
    if zero_infinity:
        losses[np.isinf(losses)] = 0
    if reduction == "mean":
        return np.asarray(np.mean(losses / np.maximum(target_lengths, 1)), x.dtype)
    if reduction == "sum":
        return np.asarray(losses.sum(), x.dtype)
    return losses.astype(x.dtype)


def _args(draw, dtype, limits, smooth):
    steps, n, classes = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(2, 4))
    x = array(draw, dtype, (steps, n, classes), REAL, smooth)
    blank = draw(st.integers(0, classes - 1))
    others = [c for c in range(classes) if c != blank]
    width = draw(st.integers(0, 3))
    il = [draw(st.integers(1, steps)) for _ in range(n)]
    tl = [draw(st.integers(0, min(width, il[b]) // 2 + (1 if width and il[b] >= 3 else 0))) for b in range(n)]
    tl = [min(t, width) for t in tl]
    targets = np.array([[draw(st.sampled_from(others)) for _ in range(width)] for _ in range(n)], np.int64)
    kw = {"input_lengths": tuple(il), "target_lengths": tuple(tl), "blank": blank,
          "reduction": draw(st.sampled_from(("none", "mean", "sum"))), "zero_infinity": True}
    return (x, targets.reshape(n, width)), kw


def _call(T, x, targets, **kw):
    return T.nn.functional.ctc_loss(x.log_softmax(2), targets, **kw)


spec("nn.functional.ctc_loss", _call, _args, _ctc_ref)
