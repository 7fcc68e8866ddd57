"""layer_norm, rms_norm, group_norm, batch_norm."""

import math

import numpy as np

from ... import _grad_mode
from ..._dispatch import as_node, record, record_node
from ..._ops import nn_ops as ops
from ..._ops.frontend import write_result
from ._common import float_dtype, not_differentiable

__all__ = ["layer_norm", "rms_norm", "group_norm", "batch_norm"]


def _operand(t):
    return 0 if t is None else t


def _affine_norm(op, kernel, input, weight, bias, layout, eps):
    """Record a layer / group norm op: `layout` (dims or groups), then eps and which affine parts are given."""
    d = float_dtype(input, kernel)
    statics = (layout, float(eps), weight is not None, bias is not None, d.np)
    return record(op, (input, _operand(weight), _operand(bias)), statics)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    nd = len(shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape {list(t.shape)} "
                f"and normalized_shape = {list(shape)}"
            )
    if input.ndim < nd or tuple(input.shape[input.ndim - nd :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    return _affine_norm(ops.LAYER_NORM, "LayerNormKernelImpl", input, weight, bias, nd, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    nd = len(shape)
    if input.ndim < nd or tuple(input.shape[input.ndim - nd :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*{', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    d = float_dtype(input, "rms_norm")
    if eps is None:
        eps = float(np.finfo(d.np).eps)
    return record(ops.RMS_NORM, (input, _operand(weight)), (nd, float(eps), weight is not None, d.np))


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    c = input.shape[1]
    # PyTorch's check, as F.group_norm makes it (the size of each group's slice, before divisibility)
    size = [input.shape[0] * c // num_groups, num_groups] + list(input.shape[2:])
    if size[0] * math.prod(size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, but got {name} "
                f"of shape {list(t.shape)} and input of shape {list(input.shape)}"
            )
    return _affine_norm(ops.GROUP_NORM, "GroupNormKernelImpl", input, weight, bias, int(num_groups), eps)


def batch_norm(
    input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5, _batches_seen=None
):
    """PyTorch's batch_norm. `_batches_seen` (facade's own) is the num_batches_tracked buffer
    of a module whose momentum is None: the running averages are then cumulative."""
    c = input.shape[1] if input.ndim > 1 else 0
    if training:
        per_channel = math.prod(input.shape) // max(c, 1) if input.ndim > 1 else 1
        if per_channel == 1 or input.ndim < 2:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    not_differentiable("native_batch_norm", "running_mean", running_mean)
    not_differentiable("native_batch_norm", "running_var", running_var)
    d = float_dtype(input, "batch_norm")
    use_batch_stats = training or running_mean is None or running_var is None
    # with batch statistics the running ones are not inputs (their update below is not a
    # modification of something this op saved)
    stats = (0, 0) if use_batch_stats else (running_mean, running_var)
    out = record(
        ops.BATCH_NORM,
        (input, _operand(weight), _operand(bias)) + stats,
        (use_batch_stats, float(eps), weight is not None, bias is not None, d.np),
    )
    if training and running_mean is not None and running_var is not None:
        cumulative = _batches_seen is not None
        factor = _batches_seen if cumulative else (0.0 if momentum is None else float(momentum))
        with _grad_mode.no_grad():
            x, f = as_node(input), as_node(factor)
            for buf, is_var in ((running_mean, False), (running_var, True)):
                write_result(buf, record_node(ops.BN_RUNNING, (x, buf._node(), f), (is_var, cumulative, d.np)))
    return out
