"""instance_norm and local_response_norm, as PyTorch builds them from other ops: instance_norm is
batch_norm over the input viewed as one sample of batch * channels (weights and running statistics
repeated per sample), local_response_norm a chain of pad / avg_pool / pow / div."""

import math

from ... import _grad_mode
from .layers import pad
from .normalization import batch_norm
from .pooling import avg_pool2d
from .pooling3d import avg_pool3d

__all__ = ["instance_norm", "local_response_norm"]


def _verify_spatial_size(size):
    if math.prod(size[2:]) == 1 or len(size) <= 2:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {_size_repr(size)}")


def _size_repr(size):
    from ..._tensor import Size

    return repr(Size(size))


def instance_norm_core(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps):
    """torch.instance_norm: no spatial-size check of its own (batch_norm's applies)."""
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    shape = tuple(input.shape)
    b, c = shape[0], shape[1] if len(shape) > 1 else 1
    flat = input.contiguous().view((1, b * c) + shape[2:])

    def per_sample(t):
        return None if t is None else t.repeat(b)

    with _grad_mode.no_grad():
        rm, rv = per_sample(running_mean), per_sample(running_var)
    out = batch_norm(flat, rm, rv, per_sample(weight), per_sample(bias), use_input_stats, momentum, eps)
    with _grad_mode.no_grad():
        for buf, rep in ((running_mean, rm), (running_var, rv)):
            if buf is not None:
                buf.copy_(rep.view(b, c).mean(0))
    return out.view(shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    if use_input_stats:
        _verify_spatial_size(tuple(input.shape))
    return instance_norm_core(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.size()
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div
