"""Op specs for activations: elu, selu, gelu, glu, hardtanh, leaky_relu, softplus, prelu, ... (see _op_specs.py).

Every op is called through torch.nn.functional, as a user would, so the same
spec drives facade and PyTorch; the references are written out in numpy / scipy. In-place
forms that PyTorch has only as functions (F.elu_, F.hardtanh_, F.silu(inplace=True), ...) are
".graph" specs: applied to a computed tensor, so the write goes through autograd.
"""
import math

import numpy as np
import scipy.special as sp
from hypothesis import strategies as st

from ._case_builders import REAL, array, shape_of
from ._domains import Domain
from ._op_specs import spec
from ._spec_helpers import AT_ZERO, F, _one, kinked
from .strategies import dims


# ---- activations ---------------------------------------------------------------------------


def activation(kwargs=None, domain=REAL, min_dims=0):
    """One tensor; kwargs(draw) draws the keyword arguments (they may decide the domain: see kinks_of)."""
    def build(draw, dtype, limits, smooth):
        kw = {} if kwargs is None else kwargs(draw)
        dom = domain(kw) if callable(domain) else domain
        return (array(draw, dtype, shape_of(draw, limits, min_dims=min_dims), dom, smooth),), kw

    return build


def _elu_ref(x, alpha=1.0, scale=1.0, input_scale=1.0):
    return np.where(x > 0, scale * x, scale * alpha * np.expm1(np.minimum(x, 0) * input_scale))


_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)


def _alpha(draw):
    return {"alpha": _one(draw, (1.0, 0.5, 2.0))}


spec("nn.functional.elu", lambda T, x, alpha: F(T).elu(x, alpha), activation(_alpha, AT_ZERO),
     lambda x, alpha: _elu_ref(x, alpha))
spec("nn.functional.elu_.graph", lambda T, x, alpha: F(T).elu_(x * 1, alpha), activation(_alpha, AT_ZERO),
     lambda x, alpha: _elu_ref(x, alpha))
spec("nn.functional.elu.inplace_arg", lambda T, x: F(T).elu(x * 1, inplace=True), activation(None, AT_ZERO),
     _elu_ref)
spec("nn.functional.selu", lambda T, x: F(T).selu(x), activation(None, AT_ZERO),
     lambda x: _elu_ref(x, *_SELU))
spec("nn.functional.selu_.graph", lambda T, x: F(T).selu_(x * 1), activation(None, AT_ZERO),
     lambda x: _elu_ref(x, *_SELU))
spec("nn.functional.celu", lambda T, x, alpha: F(T).celu(x, alpha), activation(_alpha, AT_ZERO),
     lambda x, alpha: _elu_ref(x, alpha, 1.0, 1.0 / alpha))
spec("nn.functional.celu_.graph", lambda T, x, alpha: F(T).celu_(x * 1, alpha), activation(_alpha, AT_ZERO),
     lambda x, alpha: _elu_ref(x, alpha, 1.0, 1.0 / alpha))


def _gelu_ref(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + sp.erf(x / math.sqrt(2)))


spec("nn.functional.gelu", lambda T, x, approximate: F(T).gelu(x, approximate=approximate),
     activation(lambda d: {"approximate": _one(d, ("none", "tanh"))}), _gelu_ref)


def _glu_args(draw, dtype, limits, smooth):
    shape = list(shape_of(draw, limits, min_dims=1))
    d = draw(dims(shape))
    shape[d % len(shape)] = 2 * draw(st.integers(1, 2))
    return (array(draw, dtype, tuple(shape), REAL, smooth),), {"dim": d}


def _glu_ref(x, dim):
    a, b = np.split(x, 2, axis=dim)
    return a * sp.expit(b)


spec("nn.functional.glu", lambda T, x, dim: F(T).glu(x, dim), _glu_args, _glu_ref)

# hard activations: values on a grid through their corners (±3, the bounds)
CORNERS = kinked(-5.0, 5.0, -3.0, 3.0)
_hardsigmoid_ref = lambda x: np.clip(x / 6 + 0.5, 0, 1)
_hardswish_ref = lambda x: x * np.clip(x + 3, 0, 6) / 6
spec("nn.functional.hardsigmoid", lambda T, x: F(T).hardsigmoid(x), activation(None, CORNERS), _hardsigmoid_ref)
spec("nn.functional.hardsigmoid.inplace", lambda T, x: F(T).hardsigmoid(x * 1, inplace=True),
     activation(None, CORNERS), _hardsigmoid_ref)
spec("nn.functional.hardswish", lambda T, x: F(T).hardswish(x), activation(None, CORNERS), _hardswish_ref)
spec("nn.functional.hardswish.inplace", lambda T, x: F(T).hardswish(x * 1, inplace=True),
     activation(None, CORNERS), _hardswish_ref)


def _bounds(draw):
    lo = _one(draw, (-1.0, -2.0, 0.0))
    return {"min_val": lo, "max_val": lo + _one(draw, (1.0, 2.5))}


def _at_bounds(kw):
    return kinked(-4.0, 4.0, kw["min_val"], kw["max_val"])


def _hardtanh_ref(x, min_val=-1.0, max_val=1.0):
    return np.clip(x, min_val, max_val)


spec("nn.functional.hardtanh", lambda T, x, min_val, max_val: F(T).hardtanh(x, min_val, max_val),
     activation(_bounds, _at_bounds), _hardtanh_ref)
spec("nn.functional.hardtanh_.graph", lambda T, x, min_val, max_val: F(T).hardtanh_(x * 1, min_val, max_val),
     activation(_bounds, _at_bounds), _hardtanh_ref)
spec("nn.functional.relu6", lambda T, x: F(T).relu6(x), activation(None, kinked(-2.0, 8.0, 0.0, 6.0)),
     lambda x: np.clip(x, 0, 6))
spec("nn.functional.relu6.inplace", lambda T, x: F(T).relu6(x * 1, inplace=True),
     activation(None, kinked(-2.0, 8.0, 0.0, 6.0)), lambda x: np.clip(x, 0, 6))


def _slope(draw):
    return {"negative_slope": _one(draw, (0.01, 0.2, -0.5, 1.5))}


def _leaky_ref(x, negative_slope):
    return np.where(x > 0, x, x * negative_slope)


spec("nn.functional.leaky_relu", lambda T, x, negative_slope: F(T).leaky_relu(x, negative_slope),
     activation(_slope, AT_ZERO), _leaky_ref)
spec("nn.functional.leaky_relu_.graph", lambda T, x, negative_slope: F(T).leaky_relu_(x * 1, negative_slope),
     activation(lambda d: {"negative_slope": _one(d, (0.01, 0.2, 1.5))}, AT_ZERO), _leaky_ref)
# a negative slope in place: PyTorch's backward (computed from the output, which cannot tell the input's sign)
# raises; facade's backward is right but raises nothing, and an op cannot raise at backward time (the engine has
# no hook for it)
_BACKWARD_ERROR = "core: PyTorch raises in backward (in-place leaky_relu_ with a negative slope); facade's engine " \
                  "has no way for an op to raise at backward time"
spec("nn.functional.leaky_relu_.negative_slope",
     lambda T, x, negative_slope: F(T).leaky_relu_(x * 1, negative_slope),
     activation(lambda d: {"negative_slope": _one(d, (-0.5, -2.0))}, AT_ZERO), _leaky_ref,
     xfail=(("torch", _BACKWARD_ERROR), ("saves", _BACKWARD_ERROR)))
spec("nn.functional.logsigmoid", lambda T, x: F(T).logsigmoid(x), activation(None, Domain(-30.0, 30.0)),
     lambda x: -np.logaddexp(0, -x))


def _mish_ref(x):
    return x * np.tanh(np.logaddexp(0, x))


spec("nn.functional.mish", lambda T, x: F(T).mish(x), activation(), _mish_ref)
spec("nn.functional.mish.inplace", lambda T, x: F(T).mish(x * 1, inplace=True), activation(), _mish_ref)
spec("nn.functional.silu", lambda T, x: F(T).silu(x), activation(), lambda x: x * sp.expit(x))
spec("nn.functional.silu.inplace", lambda T, x: F(T).silu(x * 1, inplace=True), activation(),
     lambda x: x * sp.expit(x))


def _softplus_args(draw):
    return dict(zip(("beta", "threshold"), _one(draw, ((1.0, 20.0), (2.0, 1.0), (0.5, 1.0)))))


def _softplus_ref(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.logaddexp(0, x * beta) / beta)


# the switch to the linear branch at threshold / beta is a (tiny) jump: a kink for gradcheck
spec("nn.functional.softplus", lambda T, x, beta, threshold: F(T).softplus(x, beta, threshold),
     activation(_softplus_args, lambda kw: kinked(-4.0, 4.0, kw["threshold"] / kw["beta"])), _softplus_ref)


def _threshold_args(draw):
    return {"threshold": _one(draw, (0.0, 0.5, -1.0)), "value": _one(draw, (0.0, -2.0, 1.5))}


def _threshold_ref(x, threshold, value):
    return np.where(x > threshold, x, value)


spec("nn.functional.threshold", lambda T, x, threshold, value: F(T).threshold(x, threshold, value),
     activation(_threshold_args, lambda kw: kinked(-4.0, 4.0, kw["threshold"])), _threshold_ref)
spec("nn.functional.threshold_.graph", lambda T, x, threshold, value: F(T).threshold_(x * 1, threshold, value),
     activation(_threshold_args, lambda kw: kinked(-4.0, 4.0, kw["threshold"])), _threshold_ref)


def _prelu_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    channels = shape[1] if len(shape) >= 2 else 1
    n = _one(draw, (1, channels))
    return (array(draw, dtype, shape, AT_ZERO, smooth), array(draw, dtype, (n,), Domain(-1.0, 1.0), smooth)), {}


def _prelu_ref(x, w):
    if x.ndim >= 2:
        w = w.reshape((-1,) + (1,) * (x.ndim - 2))
    return np.where(x > 0, x, w * x)


spec("nn.functional.prelu", lambda T, x, w: F(T).prelu(x, w), _prelu_args, _prelu_ref)
