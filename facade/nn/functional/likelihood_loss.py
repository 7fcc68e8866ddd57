"""Likelihood losses written as PyTorch's chains of ops: poisson_nll_loss (its C++ kernel's
chain), gaussian_nll_loss and multilabel_soft_margin_loss (PyTorch's Python ones)."""

import math

from ... import _grad_mode
from ..._ops.frontend import FUNCTIONS, is_tensor
from ._arith import plus, reduce_loss, times
from ._common import legacy_reduction
from .loss import _reduction

__all__ = ["poisson_nll_loss", "gaussian_nll_loss", "multilabel_soft_margin_loss"]


def poisson_nll_core(input, target, log_input, full, eps, reduction):
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * plus(input, eps).log()
    if full:
        stirling = target * target.log() - target + times(times(target, 2 * math.pi).log(), 0.5)
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return reduce_loss(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    return poisson_nll_core(input, target, log_input, full, eps, reduction)


_ANY_ERROR = (
    "any() received an invalid combination of arguments - got (bool), but expected one of:\n"
    " * (Tensor input, *, Tensor out = None)\n"
    " * (Tensor input, tuple of ints dim = None, bool keepdim = False, *, Tensor out = None)\n"
    " * (Tensor input, int dim, bool keepdim = False, *, Tensor out = None)\n"
)


def _checked_var(input, var):
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return var * FUNCTIONS["ones_like"](input)
    if not is_tensor(var):
        raise TypeError(_ANY_ERROR)
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    isize, vsize = tuple(input.shape), tuple(var.shape)
    if vsize == isize:
        return var
    if isize[:-1] == vsize:
        return var.unsqueeze(-1)
    if input.ndim == var.ndim and sum(v for i, v in zip(isize, vsize) if i != v) == 1:
        return var  # one dimension of size 1 to broadcast
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    var = _checked_var(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with _grad_mode.no_grad():
        var.clamp_(min=eps)  # for stability, behind autograd's back: the gradient is the unclamped formula's
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    from .activation import logsigmoid

    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return reduce_loss(loss, reduction)
