"""Gradient clipping: clip_grad_norm_, clip_grad_value_."""

import warnings

from ... import _creation, _grad_mode
from ..._dispatch import record
from ..._ops import nn_ops as ops
from ..._ops.frontend import promote
from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their total norm is at most max_norm; returns
    the total norm before clipping. `foreach` is accepted (facade fuses the work anyway)."""
    grads = _grads(parameters)
    if not grads:
        return _creation.tensor(0.0)
    norm_type = float(norm_type)
    with _grad_mode.no_grad():
        total = record(ops.TOTAL_NORM, tuple(grads), (norm_type, promote(*grads).np))
        if error_if_nonfinite and not bool(total.isfinite()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
                "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
                "`error_if_nonfinite=False`"
            )
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
    with _grad_mode.no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)
