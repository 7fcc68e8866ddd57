"""Loss functions: each is one fused op (see facade/_ops/nn_ops.py); here the argument
handling and PyTorch's checks, warnings and errors."""

import warnings

from ... import _dtype
from ..._dispatch import record
from ...amp._state import ON as _AMP, cast_args as _amp_cast
from ..._ops import nn_ops as ops
from ..._ops.frontend import can_cast, promote, type_name
from ._common import broadcast_shape, check_reduction, host_values, legacy_reduction, not_differentiable, value_range

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "nll_loss",
    "cross_entropy",
]


def _reduction(size_average, reduce, reduction):
    return check_reduction(legacy_reduction(size_average, reduce, reduction))


def _regression(kind, kernel, input, target, reduction, param=None, weight=None):
    """mse / l1 / smooth_l1 / huber: PyTorch's broadcast warning, then one op."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). This will "
            "likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )
        broadcast_shape(input.shape, target.shape)
    d = promote(input, target)
    if kind == "l1":  # PyTorch's l1_loss is (input - target).abs() and a reduction, integers allowed
        _check_subtraction(input, target)
        if d.category < 2:
            if reduction == "mean":
                raise RuntimeError(
                    "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                    f"dtype. Got: {type_name(d)}"
                )
            if weight is None:
                return record(ops.REGRESSION_LOSS, (input, target), (reduction, kind, param, d.np))
    if d.category < 2:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(d)}'")
    if kind == "huber":
        # PyTorch's huber kernel writes into a tensor of the input's dtype; a weight multiplies that
        if not can_cast(d, input.dtype) or input.dtype.category < 2:
            raise RuntimeError(f"result type {type_name(d)} can't be cast to the desired output type "
                               f"{type_name(input.dtype)}")
        d = input.dtype if weight is None else _dtype.promote_types(input.dtype, weight.dtype)
    if weight is None:
        return record(ops.REGRESSION_LOSS, (input, target), (reduction, kind, param, d.np))
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    if kind != "huber":  # PyTorch multiplies the elementwise loss by the weight: promoted with it
        d = _dtype.promote_types(d, weight.dtype)
    return record(ops.WEIGHTED_REGRESSION_LOSS, (input, target, weight), (reduction, kind, param, d.np))


def _check_subtraction(a, b):
    """PyTorch's errors for `a - b` with bool tensors."""
    if a.dtype is _dtype.bool_ and b.dtype is _dtype.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
            "operator instead."
        )
    if a.dtype is _dtype.bool_ or b.dtype is _dtype.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
            "use the `~` or `logical_not()` operator instead."
        )


def _weighted_reduction(size_average, reduce, reduction, weight):
    reduction = legacy_reduction(size_average, reduce, reduction)
    if weight is not None and reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    return check_reduction(reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    if _AMP[0]:
        input, target = _amp_cast("mse_loss", input, target)
    reduction = _weighted_reduction(size_average, reduce, reduction, weight)
    return _regression("mse", "mse_cpu", input, target, reduction, weight=weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    if _AMP[0]:
        input, target = _amp_cast("l1_loss", input, target)
    reduction = _weighted_reduction(size_average, reduce, reduction, weight)
    return _regression("l1", "abs_cpu", input, target, reduction, weight=weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    if _AMP[0]:
        input, target = _amp_cast("smooth_l1_loss", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return _regression("l1", "abs_cpu", input, target, reduction)
    return _regression("smooth_l1", "smooth_l1_cpu", input, target, reduction, float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if _AMP[0]:
        input, target, weight = _amp_cast("huber_loss", input, target, weight)
    reduction = _weighted_reduction(None, None, reduction, weight)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _regression("huber", "huber_cpu", input, target, reduction, float(delta), weight)


def _optional(t):
    return 0 if t is None else t


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    if _AMP[0]:
        input, target, weight = _amp_cast("binary_cross_entropy", input, target, weight)
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is deprecated. "
            "Please ensure they have the same size."
        )
    if weight is not None:
        broadcast_shape(weight.shape, input.shape)
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {type_name(target.dtype)} but expected {type_name(input.dtype)}")
    if input.dtype.category != 2:
        raise NotImplementedError(f"\"binary_cross_entropy\" not implemented for '{type_name(input.dtype)}'")
    not_differentiable("binary_cross_entropy", "weight", weight)
    # PyTorch's range check, when the input is already computed (checking a pending input
    # would cut the fused forward in two)
    v = host_values(input) if input._node().value is not None else None
    if v is not None and v.size and not ((v >= 0) & (v <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    return record(ops.BCE_LOSS, (input, target, _optional(weight)), (reduction, weight is not None, input.dtype.np))


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    if _AMP[0]:
        input, target, weight, pos_weight = _amp_cast("binary_cross_entropy_with_logits", input, target, weight, pos_weight)
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    for t in (weight, pos_weight):
        if t is not None:
            broadcast_shape(input.shape, t.shape)
    not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    d = _bce_logits_dtype(input, target, pos_weight)
    return record(
        ops.BCE_LOGITS_LOSS,
        (input, target, _optional(weight), _optional(pos_weight)),
        (reduction, weight is not None, pos_weight is not None, d.np),
    )


def _bce_logits_dtype(input, target, pos_weight):
    """The result dtype of PyTorch's composite: log_sigmoid(input) (floating input only), then
    (1 - target).mul_(input).sub_(...) in place, so the loss has the target's dtype, and an integral
    target cannot hold the product."""
    if input.dtype.category != 2:
        raise NotImplementedError(f"\"log_sigmoid_cpu\" not implemented for '{type_name(input.dtype)}'")
    if pos_weight is not None and pos_weight.dtype is _dtype.bool_:
        _check_subtraction(pos_weight, input)  # pos_weight - 1
    if target.dtype is _dtype.bool_:
        _check_subtraction(target, target)
    d = promote(target, input)
    if not can_cast(d, target.dtype):
        raise RuntimeError(f"result type {type_name(d)} can't be cast to the desired output type "
                           f"{type_name(target.dtype)}")
    return target.dtype


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if _AMP[0]:
        input, target = _amp_cast("kl_div", input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the support size."
                "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                UserWarning,
                stacklevel=2,
            )
        if reduction == "batchmean" and input.ndim == 0:
            reduction = "sum"
    check_reduction(reduction, ("none", "mean", "sum", "batchmean"))
    if input.dtype.is_complex or target.dtype.is_complex:
        raise RuntimeError("kl_div: Complex inputs not supported.")
    if input.dtype.category < 2 or target.dtype.category < 2:
        raise RuntimeError("kl_div: Integral inputs not supported.")
    broadcast_shape(input.shape, target.shape)
    return record(ops.KL_DIV_LOSS, (input, target), (reduction, bool(log_target), promote(input, target).np))


# ---- classification losses -------------------------------------------------------------
def _check_classes(input, target, weight, ignore_index):
    """PyTorch's nll_loss argument checks (shapes, target dtype, weight size, target bounds)."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if target.dtype is not _dtype.int64 and target.dtype is not _dtype.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_name(target.dtype)}")
    if input.ndim >= 2 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]})."
        )
    # autograd's check, before the kernel's below (inputs of 3 or more dims go to the 2-d kernel)
    not_differentiable("nll_loss2d_forward" if input.ndim > 2 else "nll_loss_forward", "weight", weight)
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim > 2 and (target.ndim != input.ndim - 1 or tuple(target.shape[1:]) != tuple(input.shape[2:])):
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}")
    classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes but got weight tensor "
            f"of shape: {list(weight.shape)}"
        )
    r = value_range(target)
    t = host_values(target) if r and (r[0] < 0 or r[1] >= classes) else None
    if t is not None and t.size:
        bad = ((t < 0) | (t >= classes)) & (t != ignore_index)
        if bad.any():
            raise IndexError(f"Target {t.reshape(-1)[bad.reshape(-1).argmax()]} is out of bounds.")
    if input.ndim == 1 and target.ndim == 1:
        target = target.reshape(())
    return target


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    if _AMP[0]:
        input, target, weight = _amp_cast("nll_loss", input, target, weight)
    reduction = _reduction(size_average, reduce, reduction)
    target = _check_classes(input, target, weight, ignore_index)
    out = record(
        ops.NLL_LOSS,
        (input, target, _optional(weight)),
        (reduction, int(ignore_index), weight is not None, input.dtype.np),
    )
    return _viewed_back(out, input, reduction)


def _viewed_back(out, input, reduction):
    """PyTorch runs K-dim inputs (K != 2) through the 2-D kernel on a reshaped input: with reduction
    'none' the loss is a view of that kernel's result."""
    return out.view(out.shape) if reduction == "none" and input.ndim > 2 and input.ndim != 4 else out


def cross_entropy(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0
):
    if _AMP[0]:
        input, target, weight = _amp_cast("cross_entropy", input, target, weight)
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    smoothing = float(label_smoothing)
    if input.ndim >= 1 and tuple(input.shape) == tuple(target.shape):  # class probabilities
        if target.dtype.category < 2:
            raise RuntimeError(
                f"Expected floating point type for target with class probabilities, got {type_name(target.dtype)}"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
        if weight is not None and weight.numel() != classes:
            raise RuntimeError(
                f"weight tensor should be defined either for all {classes} classes or no classes but got weight "
                f"tensor of shape: {list(weight.shape)}"
            )
        return record(
            ops.CROSS_ENTROPY_PROBS,
            (input, target, _optional(weight)),
            (reduction, smoothing, weight is not None, promote(input, target).np),
        )
    target = _check_classes(input, target, weight, ignore_index)
    out = record(
        ops.CROSS_ENTROPY,
        (input, target, _optional(weight)),
        (reduction, int(ignore_index), smoothing, weight is not None, input.dtype.np),
    )
    return out if smoothing else _viewed_back(out, input, reduction)
