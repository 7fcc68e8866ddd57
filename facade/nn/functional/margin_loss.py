"""Margin losses: soft margin, multilabel margin and multi margin are fused ops (see
facade/_ops/margin_ops.py); margin ranking, hinge embedding, cosine embedding and the triplet
losses are the chains of ops PyTorch builds them from, so their grad_fn chains are PyTorch's.

The `*_core` functions take the reduction as a string that PyTorch's kernel would get as an
enum: torch.margin_ranking_loss etc. (integer reductions) call them too."""

from ... import _dtype
from ..._dispatch import record
from ..._ops import margin_ops as ops
from ..._ops.frontend import FUNCTIONS, can_cast, promote, type_name
from ._arith import minus, number_minus, plus, reduce_loss
from ._common import broadcast_shape, host_values, not_differentiable
from .loss import _reduction

__all__ = [
    "soft_margin_loss",
    "multilabel_margin_loss",
    "multi_margin_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]


# ---- fused kernels -----------------------------------------------------------------------
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    broadcast_shape(input.shape, target.shape)
    # PyTorch: neg_out(output, input * target).exp_().log1p_(), output of the input's dtype
    if input.dtype is _dtype.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use "
            "the `~` or `logical_not()` operator instead."
        )
    d = promote(input, target)
    if not can_cast(d, input.dtype):
        raise RuntimeError(f"result type {type_name(d)} can't be cast to the desired output type "
                           f"{type_name(input.dtype)}")
    if input.dtype.category < 2:  # exp_ in place on an integral tensor
        raise RuntimeError(f"result type {type_name(_dtype.get_default_dtype())} can't be cast to the desired "
                           f"output type {type_name(input.dtype)}")
    not_differentiable("soft_margin_loss", "target", target)
    return record(ops.SOFT_MARGIN_LOSS, (input, target), (reduction, input.dtype.np))


def _check_vector_or_matrix(input):
    if input.ndim > 2 or (input.ndim >= 1 and input.shape[-1] == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(input.shape)}"
        )


def _long_target(target):
    if target.dtype is not _dtype.int64:
        raise RuntimeError(f"expected scalar type Long but found {type_name(target.dtype)}")


def _in_range(target, low, high, message):
    v = host_values(target)
    if v is not None and v.size and ((v < low) | (v >= high)).any():
        raise RuntimeError(message)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_vector_or_matrix(input)
    _long_target(target)
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    d = ops._float_kernel(input, "multilabel_margin_loss_forward_out_frame")
    c = input.shape[-1] if input.ndim else 1
    _in_range(target, -1, c, "argument #2 'target' is out of range")
    return record(ops.MULTILABEL_MARGIN_LOSS, (input, target), (reduction, d.np))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _check_vector_or_matrix(input)
    n = input.shape[0] if input.ndim == 2 else 1
    c = input.shape[-1] if input.ndim else 1
    if target.ndim > 1 or target.numel() != n:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch "
            f"size). Expected target size [{n}], but got {list(target.shape)}. Input has shape {list(input.shape)}."
        )
    not_differentiable("multi_margin_loss", "weight", weight)
    _long_target(target)
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    d = ops._float_kernel(input, "multi_margin_loss_cpu_kernel")
    _in_range(target, 0, c, "target out of range")
    return record(
        ops.MULTI_MARGIN_LOSS,
        (input, target, 0 if weight is None else weight),
        (reduction, int(p), float(margin), weight is not None, d.np),
    )


# ---- composites ----------------------------------------------------------------------------
def margin_ranking_core(input1, input2, target, margin, reduction):
    return reduce_loss(plus((-target) * (input1 - input2), margin).clamp_min(0), reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return margin_ranking_core(input1, input2, target, margin, reduction)


def hinge_embedding_core(input, target, margin, reduction):
    where = FUNCTIONS["where"]
    zeros = FUNCTIONS["zeros_like"](input)
    margin_part = where(target != 1, number_minus(margin, input).clamp_min(0), zeros)
    return reduce_loss(margin_part + where(target != -1, input, zeros), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    return hinge_embedding_core(input, target, margin, _reduction(size_average, reduce, reduction))


_EPSILON = 1e-12


def cosine_embedding_core(input1, input2, target, margin, reduction):
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if target.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(
            f"{target.ndim}D target tensor expects {want}D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    dim = target.ndim
    prod_sum = (input1 * input2).sum(dim)
    mag1 = plus((input1 * input1).sum(dim), _EPSILON)
    mag2 = plus((input2 * input2).sum(dim), _EPSILON)
    cos = prod_sum / (mag1 * mag2).sqrt()
    where = FUNCTIONS["where"]
    zeros = FUNCTIONS["zeros_like"](cos)
    pos = where(target == 1, number_minus(1.0, cos), zeros)
    neg = where(target == -1, minus(cos, margin).clamp_min(0), zeros)
    return reduce_loss(pos + neg, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    return cosine_embedding_core(input1, input2, target, margin, _reduction(size_average, reduce, reduction))


def _same_ndim(anchor, positive, negative):
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p and p == n):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {a}D, positive {p}D, and negative {n}D inputs"
        )


def _check_margin(margin):
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")


def triplet_margin_core(anchor, positive, negative, margin, p, eps, swap, reduction):
    from .layers import pairwise_distance

    _same_ndim(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = FUNCTIONS["minimum"](dist_neg, pairwise_distance(positive, negative, p, eps))
    return reduce_loss((plus(dist_pos, margin) - dist_neg).clamp_min(0), reduction)


def triplet_margin_loss(
    anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"
):
    reduction = _reduction(size_average, reduce, reduction)
    _check_margin(margin)
    return triplet_margin_core(anchor, positive, negative, margin, p, eps, swap, reduction)


def triplet_margin_with_distance_loss(
    anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False, reduction="mean"
):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _check_margin(margin)
    _same_ndim(anchor, positive, negative)
    if distance_function is None:
        from .layers import pairwise_distance as distance_function
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = FUNCTIONS["minimum"](dist_neg, distance_function(positive, negative))
    return reduce_loss(FUNCTIONS["clamp_min"](margin + dist_pos - dist_neg, 0), reduction)
