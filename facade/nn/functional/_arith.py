"""PyTorch's C++ loss kernels written as chains of ops: the arithmetic with a number they use
(`tensor + double` is AddBackward1, `tensor - double` SubBackward1, `double - tensor`
SubBackward0, `tensor * double` MulBackward1), and apply_loss_reduction."""

from ..._dispatch import record
from ..._ops import margin_ops as ops
from ..._ops.frontend import promote
from ..._ops.scans import _times


def plus(t, s):
    return record(ops.ADD_NUMBER, (t, float(s)), (promote(t, float(s)).np,))


def minus(t, s):
    return record(ops.SUB_NUMBER, (t, float(s)), (promote(t, float(s)).np,))


def number_minus(s, t):
    return record(ops.NUMBER_SUB, (float(s), t), (promote(t, float(s)).np,))


times = _times


def reduce_loss(loss, reduction):
    """apply_loss_reduction: 'mean' / 'sum' reduce, anything else is left unreduced."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
