"""Gradient clipping: clip_grad_norm_, clip_grad_value_."""

import types
import warnings

from ... import _creation, _grad_mode
from ..._dispatch import record
from ..._ops import nn_ops as ops
from ..._ops.frontend import promote
from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

_NONFINITE = (
    "The total norm of order {} for gradients from `parameters` is non-finite, so it cannot be clipped. To disable "
    "this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
)


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _total_norm(tensors, norm_type, error_if_nonfinite):
    """The norm of the norms of tensors (one fused op), with PyTorch's non-finite error."""
    norm_type = float(norm_type)
    total = record(ops.TOTAL_NORM, tuple(tensors), (norm_type, promote(*tensors).np))
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(_NONFINITE.format(norm_type))
    return total


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the tensors' norms (PyTorch 2.6+): the norm of all of them viewed as one vector."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if not tensors:
        return _creation.tensor(0.0)
    for i, t in enumerate(tensors):
        if t is None:  # PyTorch's foreach kernels reject it
            raise RuntimeError(
                f"Tensors of the first list of nested Tensor lists are supposed to be defined but the {i}-th Tensor "
                "is not."
            )
    with _grad_mode.no_grad():
        return _total_norm(tensors, norm_type, error_if_nonfinite)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by min(max_norm / (total_norm + 1e-6), 1) (PyTorch 2.6+)."""
    grads = _grads(parameters)
    if not grads:
        return None
    if not isinstance(total_norm, Tensor):  # PyTorch clamps max_norm / (total_norm + 1e-6) as a tensor
        raise TypeError(
            "clamp() received an invalid combination of arguments - got (float, max=float), but expected one of:\n"
            " * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
            " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n"
        )
    with _grad_mode.no_grad():
        coef = record(ops.CLIP_COEF, (total_norm,), (float(max_norm),))
        for g in grads:
            g.mul_(coef)
    return None


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their total norm is at most max_norm; returns
    the total norm before clipping. `foreach` is accepted (facade fuses the work anyway)."""
    if not isinstance(parameters, Tensor):
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)  # a generator is read once
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = _grads(parameters)
    if not grads:
        return _creation.tensor(0.0)
    with _grad_mode.no_grad():
        total = _total_norm(grads, norm_type, error_if_nonfinite)
        coef = record(ops.CLIP_COEF, (total,), (float(max_norm),))
        for g in grads:
            g.mul_(coef)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    clip_value = float(clip_value)
    grads = _grads(parameters)
    if not grads:  # PyTorch's grouping of the gradients for its foreach kernels refuses an empty list
        raise RuntimeError(
            "Expected !nested_tensorlist[0].empty() to be true, but got false.  (Could this error message be "
            "improved?  If so, please report an enhancement request to PyTorch.)"
        )
    with _grad_mode.no_grad():
        for g in grads:
            g.clamp_(min=-clip_value, max=clip_value)
