"""hardshrink, softshrink, rrelu (fused ops in facade/_ops/margin_ops.py) and gumbel_softmax
(PyTorch's chain: Gumbel noise, softmax, the straight-through hard sample)."""

import warnings

from ..._dispatch import record
from ..._ops import margin_ops as ops
from ..._ops.frontend import FUNCTIONS
from ..._ops.margin_ops import hardshrink
from ..._ops.nn_ops import key_tensor
from ._common import apply

__all__ = ["hardshrink", "softshrink", "rrelu", "rrelu_", "gumbel_softmax"]

_FLOAT_MAX = {"float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308, "float16": 65504.0,
              "bfloat16": 3.3895313892515355e38}


def softshrink(input, lambd=0.5):
    d = ops._float_kernel(input, "softshrink_check")
    top = _FLOAT_MAX.get(d.name)
    if top is not None and not 0 <= lambd <= top:
        kind = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}[d.name]
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {kind}, but found {lambd:g}")
    return record(ops.SOFTSHRINK, (input,), (float(lambd), d.np))


def rrelu_core(input, lower, upper, training, inplace, generator=None):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if training:
        d = ops._float_kernel(input, "rrelu_with_noise_out_cpu")
        statics = (float(lower), float(upper), d.np)
        return apply(ops.RRELU_TRAIN, ops.RRELU_TRAIN_, input, inplace, statics, (key_tensor(generator),))
    d = ops._float_kernel(input, "leaky_relu_cpu")
    return apply(ops.RRELU, ops.RRELU_, input, inplace, (float(lower), float(upper), d.np))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    return rrelu_core(input, lower, upper, training, inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu_core(input, lower, upper, training, True)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -FUNCTIONS["empty_like"](logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = FUNCTIONS["zeros_like"](logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
