"""Activation functions (torch.nn.functional.relu, gelu, softmax, ...)."""

import warnings

from ..._dispatch import record
from ...amp._state import ON as _AMP, cast_args as _amp_cast
from ..._ops import nn_ops as ops
from ..._ops.frontend import FUNCTIONS, parse_dtype, wrap_dim
from ._common import apply, float_dtype

__all__ = [
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "leaky_relu_",
    "hardtanh",
    "hardtanh_",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "logsigmoid",
    "hardsigmoid",
    "hardswish",
    "threshold",
    "threshold_",
    "sigmoid",
    "tanh",
    "softsign",
    "tanhshrink",
    "softmax",
    "log_softmax",
    "softmin",
    "glu",
    "prelu",
]


def relu(input, inplace=False):
    return input.relu_() if inplace else FUNCTIONS["relu"](input)


def relu_(input):
    return input.relu_()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    d = float_dtype(input, "leaky_relu_cpu")
    return apply(ops.LEAKY_RELU, ops.LEAKY_RELU_, input, inplace, (float(negative_slope), d.np))


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return apply(ops.HARDTANH, ops.HARDTANH_, input, inplace, (min_val, max_val, input.dtype.np))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return hardtanh(input, 0, 6, inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _elu(input, alpha, scale, input_scale, kind, inplace):
    d = float_dtype(input, "elu_cpu")
    return apply(ops.ELU, ops.ELU_, input, inplace, (float(alpha), scale, input_scale, kind, d.np))


def elu(input, alpha=1.0, inplace=False):
    return _elu(input, alpha, 1.0, 1.0, "elu", inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, "selu", inplace)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu(input, alpha, 1.0, 1.0 / alpha, "celu", inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def threshold(input, threshold, value, inplace=False):
    return apply(ops.THRESHOLD, ops.THRESHOLD_, input, inplace, (threshold, value, input.dtype.np))


def threshold_(input, threshold, value):
    return apply(ops.THRESHOLD, ops.THRESHOLD_, input, True, (threshold, value, input.dtype.np))


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    d = float_dtype(input, "GeluKernelImpl")
    return record(ops.GELU, (input,), (approximate == "tanh", d.np))


def _simple(op, kernel):
    def fn(input, inplace=False):
        d = float_dtype(input, kernel)
        return apply(op, op, input, inplace, (d.np,))

    return fn


silu = _simple(ops.SILU, "silu_cpu")
mish = _simple(ops.MISH, "mish_cpu")
hardsigmoid = _simple(ops.HARDSIGMOID, "hardsigmoid_cpu")
hardswish = _simple(ops.HARDSWISH, "hardswish_cpu")
silu.__name__, mish.__name__, hardsigmoid.__name__, hardswish.__name__ = "silu", "mish", "hardsigmoid", "hardswish"


def logsigmoid(input):
    return record(ops.LOGSIGMOID, (input,), (float_dtype(input, "log_sigmoid_cpu").np,))


def softplus(input, beta=1.0, threshold=20.0):
    d = float_dtype(input, "softplus_cpu")
    return record(ops.SOFTPLUS, (input,), (float(beta), float(threshold), d.np))


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def _implicit_dim(name, ndim):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmax", input.ndim)
    return FUNCTIONS["softmax"](input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("log_softmax", input.ndim)
    return FUNCTIONS["log_softmax"](input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmin", input.ndim)
    if dtype is not None:
        input = input.to(parse_dtype(dtype))
    return FUNCTIONS["softmax"](-input, dim)


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return record(ops.GLU, (input,), (d, float_dtype(input, "glu_cpu").np))


def prelu(input, weight):
    if _AMP[0]:
        input, weight = _amp_cast("prelu", input, weight)
    n = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} and channel size = {channels}."
        )
    return record(ops.PRELU, (input, weight), (input.dtype.np,))
