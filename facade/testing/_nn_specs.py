"""Op specs for activations, losses, normalisation, linear, embedding, padding, distances (see _op_specs.py for the format).

Every op is called through torch.nn.functional (or nn.utils), as a user would, so the same
spec drives facade and PyTorch; the references are written out in numpy / scipy. In-place
forms that PyTorch has only as functions (F.elu_, F.hardtanh_, F.silu(inplace=True), ...) are
".graph" specs: applied to a computed tensor, so the write goes through autograd.

The last section ("core ops, explicit cases") draws core ops the generic specs reach only
rarely: advanced indexing, isclose, reshapes strides can or cannot express, split with sizes,
and views read after their base was written in place.
"""
import itertools
import math

import numpy as np
import scipy.special as sp
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import _dtype
from ._case_builders import array, index_array, shape_of
from ._domains import Domain
from ._op_specs import spec
from .strategies import dims, mutually_broadcastable_shapes

BOOL = _dtype.bool_
REDUCTIONS = ("none", "mean", "sum")


def F(T):
    return T.nn.functional


def _one(draw, choices):
    return draw(st.sampled_from(choices))


def kinked(lo, hi, *points, grid=0.25):
    """Values on a grid, so the kinks (points) are hit exactly by value checks; smooth draws avoid them."""
    return Domain(lo, hi, grid=grid, kinks=points)


def _reduce(loss, reduction):
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    return loss


def constants(call, build, ref, positions):
    """A spec's (call, build, ref) with the arrays at `positions` ({index: name}) passed as constants: keyword
    arguments (numpy), made tensors of the first input's dtype inside the call. They never require grad, and
    gradcheck leaves them alone: for arguments PyTorch has no derivative for (a loss weight, running statistics),
    which it refuses when they require grad."""
    order = sorted(positions)

    def build_(draw, dtype, limits, smooth):
        arrays, kw = build(draw, dtype, limits, smooth)
        kw = dict(kw, **{positions[i]: arrays[i] for i in order})
        return tuple(a for i, a in enumerate(arrays) if i not in positions), kw

    def insert(tensors, consts):
        out = list(tensors)
        for i, c in zip(order, consts):
            out.insert(i, c)
        return out

    def call_(T, *tensors, **kw):
        consts = [T.tensor(kw.pop(positions[i]), dtype=tensors[0].dtype) for i in order]
        return call(T, *insert(tensors, consts), **kw)

    def ref_(*arrays, **kw):
        return ref(*insert(arrays, [np.asarray(kw.pop(positions[i]), np.float64) for i in order]), **kw)

    return call_, build_, ref_


# ---- activations ---------------------------------------------------------------------------
AT_ZERO = kinked(-4.0, 4.0, 0.0)
REAL = Domain()


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

# ---- linear, bilinear, embedding -----------------------------------------------------------


def _linear_args(bias):
    def build(draw, dtype, limits, smooth):
        side = st.integers(1, limits["max_side"])
        k, m = draw(side), draw(side)
        batch = shape_of(draw, limits, max_dims=2)
        arrays = [array(draw, dtype, batch + (k,), REAL, smooth), array(draw, dtype, (m, k), REAL, smooth)]
        if bias:
            arrays.append(array(draw, dtype, (m,), REAL, smooth))
        return tuple(arrays), {}

    return build


spec("nn.functional.linear", lambda T, x, w, b: F(T).linear(x, w, b), _linear_args(True), lambda x, w, b: x @ w.T + b,
     rtol=1e-5, atol=1e-5)
spec("nn.functional.linear.nobias", lambda T, x, w: F(T).linear(x, w), _linear_args(False), lambda x, w: x @ w.T,
     rtol=1e-5, atol=1e-5)


def _bilinear_args(bias):
    def build(draw, dtype, limits, smooth):
        side = st.integers(1, limits["max_side"])
        i, j, o = draw(side), draw(side), draw(side)
        batch = shape_of(draw, limits, max_dims=2)
        arrays = [array(draw, dtype, batch + (i,), REAL, smooth), array(draw, dtype, batch + (j,), REAL, smooth),
                  array(draw, dtype, (o, i, j), REAL, smooth)]
        if bias:
            arrays.append(array(draw, dtype, (o,), REAL, smooth))
        return tuple(arrays), {}

    return build


def _bilinear_ref(x1, x2, w, b=None):
    y = np.einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


spec("nn.functional.bilinear", lambda T, x1, x2, w, b: F(T).bilinear(x1, x2, w, b), _bilinear_args(True),
     _bilinear_ref, rtol=1e-5, atol=1e-4)
spec("nn.functional.bilinear.nobias", lambda T, x1, x2, w: F(T).bilinear(x1, x2, w), _bilinear_args(False),
     _bilinear_ref, rtol=1e-5, atol=1e-4)


def _embedding_args(extra=None):
    def build(draw, dtype, limits, smooth):
        num, dim = draw(st.integers(1, 4)), draw(st.integers(1, limits["max_side"]))
        idx = index_array(draw, shape_of(draw, limits), num)
        kw = {} if extra is None else extra(draw, num)
        return (array(draw, dtype, (num, dim), REAL, smooth), idx), kw

    return build


def _embedding_ref(w, idx, padding_idx=None, scale_grad_by_freq=False):
    return w[idx]


def _renorm_ref(w, idx, max_norm, norm_type):
    norms = np.sum(np.abs(w) ** norm_type, axis=1) ** (1 / norm_type)
    used = np.zeros(len(w), bool)
    used[idx.reshape(-1)] = True
    scale = np.where(used & (norms > max_norm), max_norm / (norms + 1e-7), 1.0)
    new = w * scale[:, None]
    return new[idx], new


spec("nn.functional.embedding", lambda T, w, idx: F(T).embedding(idx, w), _embedding_args(), _embedding_ref)
# the padding row gets no gradient and scale_grad_by_freq divides each row's gradient by its count: PyTorch's
# gradients, not derivatives (finite differences cannot agree), checked against torch
spec("nn.functional.embedding.padding_idx",
     lambda T, w, idx, padding_idx, scale_grad_by_freq: F(T).embedding(idx, w, padding_idx,
                                                                       scale_grad_by_freq=scale_grad_by_freq),
     _embedding_args(lambda draw, num: {"padding_idx": draw(st.integers(-num, num - 1)),
                                        "scale_grad_by_freq": draw(st.booleans())}),
     _embedding_ref, gradcheck=False)
spec("nn.functional.embedding.scale_grad_by_freq",
     lambda T, w, idx: F(T).embedding(idx, w, scale_grad_by_freq=True), _embedding_args(), _embedding_ref,
     gradcheck=False)


def _renorm(T, w, idx, max_norm, norm_type):
    table = w * 1  # max_norm renormalises the used rows of the weight in place, outside autograd
    return F(T).embedding(idx, table, max_norm=max_norm, norm_type=norm_type), table


# the renormalisation is not differentiated (PyTorch's documented gradient): no gradcheck
spec("nn.functional.embedding.max_norm", _renorm,
     _embedding_args(lambda draw, num: {"max_norm": _one(draw, (0.5, 2.0, 100.0)),
                                        "norm_type": _one(draw, (2.0, 1.0))}),
     _renorm_ref, gradcheck=False)

# ---- normalisation -------------------------------------------------------------------------


def _standardize(x, axes, eps):
    mean = np.mean(x, axis=axes, keepdims=True)
    var = np.mean((x - mean) ** 2, axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


# Normalising subtracts a mean: where an input equals it, facade's result is 0 and PyTorch's a rounding residue
# (~1e-7 of the values, divided by the deviation), which prints differently ("0." against "3.0518e-05"). Inputs
# are kept away from their group's mean (the values still cover the domain; only exact cancellations are moved).
_APART = 0.05


def _spread(x, axes):
    """x with every element at least _APART from the mean of its group (the elements along `axes`)."""
    keep = [d for d in range(x.ndim) if d not in axes]
    size = int(np.prod([x.shape[d] for d in axes]))
    if x.size == 0 or size < 2:
        return x
    moved = np.transpose(x, keep + list(axes))
    rows = moved.reshape(-1, size).astype(np.float64)
    for r in rows:
        for _ in range(20):
            dev = np.abs(r - r.mean())
            if dev.min() >= _APART:
                break
            r[np.argmin(dev)] += 0.3
    return np.transpose(rows.reshape(moved.shape), np.argsort(keep + list(axes))).astype(x.dtype)


def _apart(rm, x):
    """Running means at least _APART from every input of their channel (eval mode subtracts them)."""
    rm = rm.astype(np.float64)
    values = np.moveaxis(x, 1, 0).reshape(x.shape[1], -1).astype(np.float64)
    for c in range(len(rm)):
        for _ in range(50):
            if np.abs(values[c] - rm[c]).min() >= _APART:
                break
            rm[c] += 0.07
    return rm.astype(x.dtype)


def _affine_arrays(draw, dtype, shape, smooth, affine):
    """weight and / or bias of `shape`, as affine says: "both", "weight" or "none"."""
    out = []
    if affine in ("both", "weight"):
        out.append(array(draw, dtype, shape, Domain(-2.0, 2.0), smooth))
    if affine == "both":
        out.append(array(draw, dtype, shape, Domain(-2.0, 2.0), smooth))
    return out


def _layer_norm_args(affine):
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=1)
        nd = draw(st.integers(1, len(shape)))
        if int(np.prod(shape[len(shape) - nd:])) == 1:
            # two values at least: of one, facade's output is 0, PyTorch's a rounding residue (see _spread)
            shape = shape[:-1] + (2,)
        normalized = shape[len(shape) - nd:]
        x = _spread(array(draw, dtype, shape, REAL, smooth), tuple(range(len(shape) - nd, len(shape))))
        arrays = [x] + _affine_arrays(draw, dtype, normalized, smooth, affine)
        return tuple(arrays), {"normalized_shape": normalized, "eps": _one(draw, (1e-5, 0.1))}

    return build


def _layer_norm_ref(x, w=None, b=None, *, normalized_shape, eps):
    nd = len(normalized_shape)
    y = _standardize(x, tuple(range(x.ndim - nd, x.ndim)), eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def _norm_tol(**kw):
    # dividing by a standard deviation of a few (float32) values amplifies rounding
    return dict(rtol=1e-4, atol=1e-4, grad_atol=1e-4, **kw)


spec("nn.functional.layer_norm",
     lambda T, x, w, b, normalized_shape, eps: F(T).layer_norm(x, normalized_shape, w, b, eps),
     _layer_norm_args("both"), _layer_norm_ref, **_norm_tol())
spec("nn.functional.layer_norm.weight",
     lambda T, x, w, normalized_shape, eps: F(T).layer_norm(x, normalized_shape, w, eps=eps),
     _layer_norm_args("weight"), _layer_norm_ref, **_norm_tol())
spec("nn.functional.layer_norm.noaffine",
     lambda T, x, normalized_shape, eps: F(T).layer_norm(x, normalized_shape, eps=eps),
     _layer_norm_args("none"), _layer_norm_ref, **_norm_tol())


def _channels_first(draw, limits, channels, min_values=1):
    """(N, C, *spatial) with N * prod(spatial) >= min_values."""
    n = draw(st.integers(1, 3))
    spatial = shape_of(draw, limits, max_dims=1)
    if n * int(np.prod(spatial)) < min_values:
        n = min_values
    return (n, channels) + spatial


def _group_norm_args(affine):
    def build(draw, dtype, limits, smooth):
        groups, per = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        shape = _channels_first(draw, limits, groups * per)
        if per * int(np.prod(shape[2:])) == 1:
            # two values per group at least: with one, the output is 0 for facade and a rounding residue of
            # x * rstd - mean * rstd for PyTorch (and with one value in all, PyTorch refuses, as batch_norm)
            shape = (shape[0], groups * 2) + shape[2:]
        x = array(draw, dtype, shape, REAL, smooth)
        x = _spread(x.reshape((shape[0], groups, -1)), (2,)).reshape(shape)
        arrays = [x] + _affine_arrays(draw, dtype, (shape[1],), smooth, affine)
        return tuple(arrays), {"num_groups": groups, "eps": _one(draw, (1e-5, 0.1))}

    return build


def _channel(v, ndim):
    return v.reshape((-1,) + (1,) * (ndim - 2))


def _group_norm_ref(x, w=None, b=None, *, num_groups, eps):
    y = _standardize(x.reshape(x.shape[0], num_groups, -1), (2,), eps).reshape(x.shape)
    return y * (1 if w is None else _channel(w, x.ndim)) + (0 if b is None else _channel(b, x.ndim))


spec("nn.functional.group_norm",
     lambda T, x, w, b, num_groups, eps: F(T).group_norm(x, num_groups, w, b, eps),
     _group_norm_args("both"), _group_norm_ref, **_norm_tol())
spec("nn.functional.group_norm.noaffine",
     lambda T, x, num_groups, eps: F(T).group_norm(x, num_groups, eps=eps),
     _group_norm_args("none"), _group_norm_ref, **_norm_tol())


def _batch_norm_args(affine, running):
    def build(draw, dtype, limits, smooth):
        shape = _channels_first(draw, limits, draw(st.integers(1, 3)), min_values=2)
        c = (shape[1],)
        x = _spread(array(draw, dtype, shape, REAL, smooth), (0,) + tuple(range(2, len(shape))))
        arrays = [x]
        if running:
            rm = _apart(array(draw, dtype, c, Domain(-1.0, 1.0), smooth), x)
            arrays += [rm, array(draw, dtype, c, Domain(0.25, 2.0), smooth)]
        arrays += _affine_arrays(draw, dtype, c, smooth, affine)
        return tuple(arrays), {"eps": _one(draw, (1e-5, 0.1))}

    return build


def _bn_train_ref(x, w=None, b=None, *, eps):
    y = _standardize(x, (0,) + tuple(range(2, x.ndim)), eps)
    return y * (1 if w is None else _channel(w, x.ndim)) + (0 if b is None else _channel(b, x.ndim))


def _bn_eval_ref(x, rm, rv, w=None, b=None, *, eps):
    y = (x - _channel(rm, x.ndim)) / np.sqrt(_channel(rv, x.ndim) + eps)
    return y * (1 if w is None else _channel(w, x.ndim)) + (0 if b is None else _channel(b, x.ndim))


def _bn_running_ref(x, rm, rv, w, b, *, eps, momentum):
    axes = (0,) + tuple(range(2, x.ndim))
    n = x.size // x.shape[1]
    new_rm = (1 - momentum) * rm + momentum * np.mean(x, axis=axes)
    new_rv = (1 - momentum) * rv + momentum * np.var(x, axis=axes) * n / (n - 1)
    return _bn_train_ref(x, w, b, eps=eps), new_rm, new_rv


def _bn_running(T, x, rm, rv, w, b, eps, momentum):
    # the running statistics (constants made inside the call) are updated in place: returned
    return F(T).batch_norm(x, rm, rv, w, b, training=True, momentum=momentum, eps=eps), rm, rv


spec("nn.functional.batch_norm.train",
     lambda T, x, w, b, eps: F(T).batch_norm(x, None, None, w, b, training=True, eps=eps),
     _batch_norm_args("both", False), _bn_train_ref, **_norm_tol())
spec("nn.functional.batch_norm.train_noaffine",
     lambda T, x, eps: F(T).batch_norm(x, None, None, training=True, eps=eps),
     _batch_norm_args("none", False), _bn_train_ref, **_norm_tol())
# eval mode normalises with the running statistics; they are buffers (PyTorch refuses ones requiring grad)
_RUNNING = {1: "running_mean", 2: "running_var"}
spec("nn.functional.batch_norm.eval",
     *constants(lambda T, x, rm, rv, w, b, eps: F(T).batch_norm(x, rm, rv, w, b, training=False, eps=eps),
                _batch_norm_args("both", True), _bn_eval_ref, _RUNNING), **_norm_tol())
spec("nn.functional.batch_norm.eval_noaffine",
     *constants(lambda T, x, rm, rv, eps: F(T).batch_norm(x, rm, rv, eps=eps),
                _batch_norm_args("none", True), _bn_eval_ref, _RUNNING), **_norm_tol())


def _with_training(build):
    def wrapped(draw, dtype, limits, smooth):
        arrays, kw = build(draw, dtype, limits, smooth)
        return arrays, dict(kw, training=draw(st.booleans()))

    return wrapped


def _with_momentum(build):
    def wrapped(draw, dtype, limits, smooth):
        arrays, kw = build(draw, dtype, limits, smooth)
        return arrays, dict(kw, momentum=_one(draw, (0.1, 0.5, 1.0)))

    return wrapped


# the update of the running statistics is outside autograd: the output's gradient is gradchecked by ".train"
spec("nn.functional.batch_norm.running",
     *constants(_bn_running, _with_momentum(_batch_norm_args("both", True)), _bn_running_ref, _RUNNING),
     gradcheck=False, **_norm_tol())


def _rms_norm_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    nd = draw(st.integers(1, len(shape)))
    normalized = shape[len(shape) - nd:]
    # a zero row is a kink when eps is tiny (eps=None: the dtype's machine epsilon)
    arrays = [array(draw, dtype, shape, AT_ZERO, smooth), array(draw, dtype, normalized, Domain(-2.0, 2.0), smooth)]
    return tuple(arrays), {"normalized_shape": normalized, "eps": _one(draw, (None, 1e-5, 0.1))}


def _rms_norm_ref(x, w=None, *, normalized_shape, eps):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    eps = np.finfo(np.float32).eps if eps is None else eps  # the reference runs in float64; see the spec
    y = x / np.sqrt(np.mean(x * x, axis=axes, keepdims=True) + eps)
    return y * (1 if w is None else w)


# eps=None is the input dtype's machine epsilon: the float64 reference uses float32's, which is far below
# the tolerance either way
spec("nn.functional.rms_norm", lambda T, x, w, normalized_shape, eps: F(T).rms_norm(x, normalized_shape, w, eps),
     _rms_norm_args, _rms_norm_ref, **_norm_tol())
spec("nn.functional.rms_norm.noweight",
     lambda T, x, w, normalized_shape, eps: F(T).rms_norm(x, normalized_shape, eps=eps),
     _rms_norm_args, lambda x, w, **kw: _rms_norm_ref(x, None, **kw), **_norm_tol())


def _normalize_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    kw = {"p": _one(draw, (2.0, 1.0, 3.0)), "dim": draw(dims(shape))}
    return (array(draw, dtype, shape, AT_ZERO, smooth),), kw


def _normalize_ref(x, p, dim, eps=1e-12):
    n = np.sum(np.abs(x) ** p, axis=dim, keepdims=True) ** (1 / p)
    return x / np.maximum(n, eps)


spec("nn.functional.normalize", lambda T, x, p, dim: F(T).normalize(x, p, dim), _normalize_args, _normalize_ref)

# ---- padding -------------------------------------------------------------------------------


def _constant_pad_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    n = draw(st.integers(1, len(shape)))
    pad = []
    for size in reversed(shape[len(shape) - n:]):  # (left, right) pairs from the last dim backwards
        lo = draw(st.integers(-min(size, 1), 2))
        pad += [lo, draw(st.integers(max(-1, -(size + lo)), 2))]
    return (array(draw, dtype, shape, REAL, smooth),), {"pad": tuple(pad), "value": _one(draw, (0.0, -1.5, 2.0))}


def _pairs(x, pad):
    n = len(pad) // 2
    return [(0, 0)] * (x.ndim - n) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(n))]


def _constant_pad_ref(x, pad, value):
    pairs = _pairs(x, pad)
    out = np.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in pairs], constant_values=value)
    crop = tuple(slice(-min(lo, 0), out.shape[i] + min(hi, 0)) for i, (lo, hi) in enumerate(pairs))
    return out[crop]


spec("nn.functional.pad", lambda T, x, pad, value: F(T).pad(x, pad, value=value), _constant_pad_args,
     _constant_pad_ref, dtypes=("float32", "float64", "int64"))
spec("nn.functional.pad.default_value", lambda T, x, pad, value: F(T).pad(x, pad), _constant_pad_args,
     lambda x, pad, value: _constant_pad_ref(x, pad, 0))


def _mode_pad_args(mode):
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(1, 2))
        lead = draw(st.integers(1, 2))
        shape = shape_of(draw, limits, min_dims=n + lead, max_dims=n + lead)
        pad = []
        for size in reversed(shape[lead:]):
            top = min(size - 1, 2) if mode == "reflect" else min(size, 2)
            pad += [draw(st.integers(0, top)), draw(st.integers(0, top))]
        return (array(draw, dtype, shape, REAL, smooth),), {"pad": tuple(pad), "mode": mode}

    return build


def _mode_pad_ref(x, pad, mode):
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    return np.pad(x, _pairs(x, pad), mode=np_mode)


for _mode in ("reflect", "replicate", "circular"):
    spec(f"nn.functional.pad.{_mode}", lambda T, x, pad, mode: F(T).pad(x, pad, mode=mode), _mode_pad_args(_mode),
         _mode_pad_ref)

# ---- distances -----------------------------------------------------------------------------
# on a grid: a vector is 0 (the eps clamp) or of norm >= 1/8; a tiny one would make the gradient (~1 / norm)
# mostly float32 rounding
NONZERO_ENTRIES = Domain(grid=0.125, kinks=(0.0,))


def _cosine_args(draw, dtype, limits, smooth):
    sa, sb = draw(mutually_broadcastable_shapes(2, min_dims=1, max_dims=limits["max_dims"],
                                                max_side=limits["max_side"]))
    d = draw(dims(np.broadcast_shapes(sa, sb)))
    a = _general(array(draw, dtype, sa, NONZERO_ENTRIES, smooth))
    return (a, _general(array(draw, dtype, sb, NONZERO_ENTRIES, smooth), 0.5)), {"dim": d}


def _general(x, phase=0.0):
    """Grid values moved off the grid by distinct small amounts (zeros stay): vectors like (1, 1) and (1, -1) are
    exactly orthogonal, and the cancelling sum prints as 0. for one library and as a rounding residue (-1.3e-08)
    for the other (XLA contracts the products into fused multiply-adds)."""
    jitter = 1e-3 * ((np.arange(x.size) * 0.6180339887 + phase) % 1 + 0.1).reshape(x.shape)
    return np.where(x == 0, x, x + np.sign(x) * jitter).astype(x.dtype)


def _cosine_ref(a, b, dim, eps=1e-8):
    a, b = np.broadcast_arrays(a, b)
    na = np.maximum(np.sqrt(np.sum(a * a, axis=dim, keepdims=True)), eps)
    nb = np.maximum(np.sqrt(np.sum(b * b, axis=dim, keepdims=True)), eps)
    return np.sum((a / na) * (b / nb), axis=dim)


spec("nn.functional.cosine_similarity", lambda T, a, b, dim: F(T).cosine_similarity(a, b, dim), _cosine_args,
     _cosine_ref)


def _pair_with_delta(delta_domain, a_domain=REAL, min_dims=0, extra=None):
    """a, and b = a - delta with delta from delta_domain: the kinks of the op are at chosen values of a - b."""
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=min_dims)
        a = array(draw, dtype, shape, a_domain, smooth)
        delta = array(draw, dtype, shape, delta_domain, smooth)
        b = np.asarray(a.astype(np.float64) - delta.astype(np.float64)).astype(a.dtype)
        return (a, b), ({} if extra is None else extra(draw, shape))

    return build


def _pairwise_ref(a, b, p, keepdim, eps=1e-6):
    d = np.abs(a - b + eps)
    axis = -1 if d.ndim else None
    return np.sum(d**p, axis=axis, keepdims=keepdim and d.ndim > 0) ** (1 / p)


# the distance has a kink where a - b + eps = 0 in some entry (p = 1) or in all of them: a - b = -eps is drawn
spec("nn.functional.pairwise_distance",
     lambda T, a, b, p, keepdim: F(T).pairwise_distance(a, b, p, keepdim=keepdim),
     _pair_with_delta(Domain(-2.0, 2.0, grid=0.25, offset=-1e-6, kinks=(-1e-6,)), min_dims=1,
                      extra=lambda draw, s: {"p": _one(draw, (2.0, 1.0, 3.0)), "keepdim": draw(st.booleans())}),
     _pairwise_ref)

# ---- regression losses ---------------------------------------------------------------------
DIFF = kinked(-3.0, 3.0, 0.0)  # input - target: the absolute error's kink at 0


def _reduction(draw, shape):
    return {"reduction": _one(draw, REDUCTIONS)}


def _regression_terms(x, t, kind, param=None):
    d = x - t
    a = np.abs(d)
    if kind == "mse":
        return d * d
    if kind == "l1":
        return a
    if kind == "smooth_l1":
        return np.where(a < param, 0.5 * d * d / param, a - 0.5 * param) if param else a
    return np.where(a < param, 0.5 * d * d, param * (a - 0.5 * param))


def _loss_kw(draw, shape, name=None, choices=None):
    kw = _reduction(draw, shape)
    if name is not None:
        kw[name] = _one(draw, choices)
    return kw


spec("nn.functional.mse_loss", lambda T, x, t, reduction: F(T).mse_loss(x, t, reduction=reduction),
     _pair_with_delta(DIFF, extra=_reduction), lambda x, t, reduction: _reduce(_regression_terms(x, t, "mse"), reduction))
spec("nn.functional.l1_loss", lambda T, x, t, reduction: F(T).l1_loss(x, t, reduction=reduction),
     _pair_with_delta(DIFF, extra=_reduction), lambda x, t, reduction: _reduce(_regression_terms(x, t, "l1"), reduction))
spec("nn.functional.smooth_l1_loss",
     lambda T, x, t, reduction, beta: F(T).smooth_l1_loss(x, t, reduction=reduction, beta=beta),
     _pair_with_delta(DIFF, extra=lambda d, s: _loss_kw(d, s, "beta", (1.0, 0.5, 0.0))),
     lambda x, t, reduction, beta: _reduce(_regression_terms(x, t, "smooth_l1", beta), reduction))
spec("nn.functional.huber_loss",
     lambda T, x, t, reduction, delta: F(T).huber_loss(x, t, reduction=reduction, delta=delta),
     _pair_with_delta(DIFF, extra=lambda d, s: _loss_kw(d, s, "delta", (1.0, 0.5, 2.0))),
     lambda x, t, reduction, delta: _reduce(_regression_terms(x, t, "huber", delta), reduction))


def _weighted(build):
    """A positive elementwise weight added to a pair builder's arrays."""
    def wrapped(draw, dtype, limits, smooth):
        (x, t), kw = build(draw, dtype, limits, smooth)
        return (x, t, array(draw, dtype, x.shape, Domain(0.25, 2.0), smooth)), kw

    return wrapped


def _weighted_ref(kind, param_name=None):
    def ref(x, t, w, reduction, **kw):
        loss = _regression_terms(x, t, kind, kw.get(param_name)) * w
        if reduction == "mean" and kind != "huber":
            return np.sum(loss) / np.sum(w)  # 'mean' of a weighted loss divides by the total weight ...
        return _reduce(loss, reduction)  # ... except Huber's, by the element count

    return ref


spec("nn.functional.mse_loss.weight",
     lambda T, x, t, w, reduction: F(T).mse_loss(x, t, reduction=reduction, weight=w),
     _weighted(_pair_with_delta(DIFF, extra=_reduction)), _weighted_ref("mse"))
spec("nn.functional.l1_loss.weight",
     lambda T, x, t, w, reduction: F(T).l1_loss(x, t, reduction=reduction, weight=w),
     _weighted(_pair_with_delta(DIFF, extra=_reduction)), _weighted_ref("l1"))
spec("nn.functional.huber_loss.weight",
     lambda T, x, t, w, reduction, delta: F(T).huber_loss(x, t, reduction=reduction, delta=delta, weight=w),
     _weighted(_pair_with_delta(DIFF, extra=lambda d, s: _loss_kw(d, s, "delta", (1.0, 0.5)))),
     _weighted_ref("huber", "delta"))

# ---- binary cross-entropy ------------------------------------------------------------------
PROB = Domain(0.0, 1.0)
INSIDE = Domain(0.02, 0.98)  # BCE's input, where log(x) and log(1 - x) are not clamped


def _bce_args(input_domain, weight):
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits)
        arrays = [array(draw, dtype, shape, input_domain, smooth), array(draw, dtype, shape, PROB, smooth)]
        if weight:
            ws = draw(st.sampled_from([shape, shape[len(shape) - 1:], ()]))
            arrays.append(array(draw, dtype, ws, Domain(0.0, 2.0), smooth))
        return tuple(arrays), _reduction(draw, shape)

    return build


def _bce_ref(x, t, w=None, *, reduction):
    loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    return _reduce(loss * (1 if w is None else w), reduction)


spec("nn.functional.binary_cross_entropy",
     lambda T, x, t, reduction: F(T).binary_cross_entropy(x, t, reduction=reduction), _bce_args(INSIDE, False),
     _bce_ref)
# PyTorch has no derivative for BCE's weight (nor for pos_weight, nor for the class weight of nll_loss): it
# refuses one that requires grad, so these specs pass the weights as constants
spec("nn.functional.binary_cross_entropy.weight",
     *constants(lambda T, x, t, w, reduction: F(T).binary_cross_entropy(x, t, w, reduction=reduction),
                _bce_args(INSIDE, True), _bce_ref, {2: "weight"}))
# inputs at 0 and 1: the logs are clamped at -100 and the input's gradient divides by max(x (1 - x), 1e-12).
# The target is a constant here: PyTorch's gradient for it is log(1 - x) - log(x), infinite at these points.
spec("nn.functional.binary_cross_entropy.edges",
     lambda T, x, t, reduction: F(T).binary_cross_entropy(x, t.detach(), reduction=reduction),
     _bce_args(Domain(choices=(0.0, 1.0, 0.5, 1e-3)), False), _bce_ref, gradcheck=False)


def _bce_logits_args(weight, pos_weight):
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits)
        arrays = [array(draw, dtype, shape, Domain(-6.0, 6.0), smooth), array(draw, dtype, shape, PROB, smooth)]
        for present in (weight, pos_weight):
            if present:
                ws = draw(st.sampled_from([shape, shape[len(shape) - 1:], ()]))
                arrays.append(array(draw, dtype, ws, Domain(0.0, 3.0), smooth))
        return tuple(arrays), _reduction(draw, shape)

    return build


def _bce_logits_ref(x, t, w=None, pw=None, *, reduction):
    log_sig, log_one_minus = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    loss = -((1 if pw is None else pw) * t * log_sig + (1 - t) * log_one_minus)
    return _reduce(loss * (1 if w is None else w), reduction)


spec("nn.functional.binary_cross_entropy_with_logits",
     lambda T, x, t, reduction: F(T).binary_cross_entropy_with_logits(x, t, reduction=reduction),
     _bce_logits_args(False, False), _bce_logits_ref)
spec("nn.functional.binary_cross_entropy_with_logits.weights",
     *constants(lambda T, x, t, w, pw, reduction: F(T).binary_cross_entropy_with_logits(
         x, t, w, reduction=reduction, pos_weight=pw), _bce_logits_args(True, True), _bce_logits_ref,
                {2: "weight", 3: "pos_weight"}))
spec("nn.functional.binary_cross_entropy_with_logits.pos_weight",
     *constants(lambda T, x, t, pw, reduction: F(T).binary_cross_entropy_with_logits(
         x, t, reduction=reduction, pos_weight=pw), _bce_logits_args(False, True),
                lambda x, t, pw, reduction: _bce_logits_ref(x, t, None, pw, reduction=reduction), {2: "pos_weight"}))

# ---- kl_div --------------------------------------------------------------------------------


def _kl_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits)
    log_target = draw(st.booleans())
    target = Domain(-4.0, 0.0) if log_target else Domain(0.0, 1.0, kinks=(0.0,))
    kw = {"reduction": _one(draw, REDUCTIONS + ("batchmean",)), "log_target": log_target}
    return (array(draw, dtype, shape, Domain(-4.0, 0.0), smooth), array(draw, dtype, shape, target, smooth)), kw


def _kl_ref(x, t, reduction, log_target):
    loss = np.exp(t) * (t - x) if log_target else sp.xlogy(t, t) - t * x
    if reduction == "batchmean":
        return np.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


# a target of 0 (log_target=False) is a kink: t log t has an infinite slope there
spec("nn.functional.kl_div",
     lambda T, x, t, reduction, log_target: F(T).kl_div(x, t, reduction=reduction, log_target=log_target),
     _kl_args, _kl_ref)

# ---- classification losses -----------------------------------------------------------------


def _class_args(weight, probabilities=False, extra=None):
    """Inputs (C), (N, C) or (N, C, d) and class-index targets () / (N) / (N, d), or probabilities of the input's shape."""
    def build(draw, dtype, limits, smooth):
        c = draw(st.integers(1, 4))
        layout = draw(st.sampled_from(["C", "NC", "NCd"]))
        n, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        shape = {"C": (c,), "NC": (n, c), "NCd": (n, c, d)}[layout]
        x = array(draw, dtype, shape, REAL, smooth)
        if probabilities:
            target = array(draw, dtype, shape, PROB, smooth)
        else:
            target = index_array(draw, {"C": (), "NC": (n,), "NCd": (n, d)}[layout], c)
        arrays = [x, target] + ([array(draw, dtype, (c,), Domain(0.25, 2.0), smooth)] if weight else [])
        kw = _reduction(draw, shape)
        if extra is not None:
            kw.update(extra(draw, c))
        if smooth and not probabilities and (target == kw.get("ignore_index")).all():
            kw["ignore_index"] = -100  # every target ignored: a 'mean' of 0 / 0 is NaN, with no derivative
        return tuple(arrays), kw

    return build


def _log_softmax(x, axis):
    return x - sp.logsumexp(x, axis=axis, keepdims=True)


def _nll_ref(logp, target, w=None, *, reduction, ignore_index=-100):
    ax = 1 if logp.ndim >= 2 else 0
    c = logp.shape[ax]
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    picked = np.squeeze(np.take_along_axis(logp, np.expand_dims(safe, ax), axis=ax), ax)
    wt = np.where(valid, (np.ones(c) if w is None else w)[safe], 0.0)
    loss = -picked * wt
    if reduction == "mean":
        with np.errstate(all="ignore"):
            return np.sum(loss) / np.sum(wt)
    return _reduce(loss, reduction)


def _ce_ref(x, target, w=None, *, reduction, ignore_index=-100, label_smoothing=0.0):
    ax = 1 if x.ndim >= 2 else 0
    c = x.shape[ax]
    logp = _log_softmax(x, ax)
    nll = _nll_ref(logp, target, w, reduction=reduction, ignore_index=ignore_index)
    if not label_smoothing:
        return nll
    valid = target != ignore_index
    wshape = [1] * x.ndim
    wshape[ax] = c
    weighted = logp * (1 if w is None else w.reshape(wshape))
    smooth = np.where(valid, -np.sum(weighted, axis=ax), 0.0)
    if reduction == "mean":
        safe = np.where(valid, target, 0)
        total = np.sum(np.where(valid, (np.ones(c) if w is None else w)[safe], 0.0))
        with np.errstate(all="ignore"):
            smooth = np.sum(smooth) / total
    else:
        smooth = _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * label_smoothing / c


def _ignore(draw, c):
    return {"ignore_index": _one(draw, (-100, 0, c - 1))}


def _ce_extra(draw, c):
    return dict(_ignore(draw, c), label_smoothing=_one(draw, (0.0, 0.0, 0.2)))


spec("nn.functional.nll_loss",
     lambda T, x, t, reduction, ignore_index: F(T).nll_loss(x, t, reduction=reduction, ignore_index=ignore_index),
     _class_args(False, extra=_ignore), _nll_ref)
spec("nn.functional.nll_loss.weight",
     *constants(lambda T, x, t, w, reduction, ignore_index: F(T).nll_loss(x, t, w, reduction=reduction,
                                                                          ignore_index=ignore_index),
                _class_args(True, extra=_ignore), _nll_ref, {2: "weight"}))
spec("nn.functional.cross_entropy",
     lambda T, x, t, reduction, ignore_index, label_smoothing: F(T).cross_entropy(
         x, t, reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing),
     _class_args(False, extra=_ce_extra), _ce_ref)
spec("nn.functional.cross_entropy.weight",
     *constants(lambda T, x, t, w, reduction, ignore_index, label_smoothing: F(T).cross_entropy(
         x, t, w, reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing),
                _class_args(True, extra=_ce_extra), _ce_ref, {2: "weight"}))


def _ce_probs_ref(x, target, w=None, *, reduction, label_smoothing=0.0):
    ax = 1 if x.ndim >= 2 else 0
    c = x.shape[ax]
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / c
    wshape = [1] * x.ndim
    wshape[ax] = c
    loss = -np.sum(_log_softmax(x, ax) * target * (1 if w is None else w.reshape(wshape)), axis=ax)
    if reduction == "mean":
        return np.sum(loss) / (x.size // c)
    return _reduce(loss, reduction)


def _smoothing(draw, c):
    return {"label_smoothing": _one(draw, (0.0, 0.3))}


spec("nn.functional.cross_entropy.probs",
     lambda T, x, t, reduction, label_smoothing: F(T).cross_entropy(x, t, reduction=reduction,
                                                                   label_smoothing=label_smoothing),
     _class_args(False, True, _smoothing), _ce_probs_ref)
spec("nn.functional.cross_entropy.probs_weight",
     lambda T, x, t, w, reduction, label_smoothing: F(T).cross_entropy(x, t, w, reduction=reduction,
                                                                      label_smoothing=label_smoothing),
     _class_args(True, True, _smoothing), _ce_probs_ref)

# ---- arguments PyTorch does not differentiate, requiring grad: its error --------------------------
# No reference: only the comparison with torch runs, and it compares the errors (type and message).
spec("nn.functional.binary_cross_entropy.weight_requires_grad",
     lambda T, x, t, w, reduction: F(T).binary_cross_entropy(x, t, w, reduction=reduction), _bce_args(INSIDE, True),
     gradcheck=False)
spec("nn.functional.binary_cross_entropy_with_logits.weights_requires_grad",
     lambda T, x, t, w, pw, reduction: F(T).binary_cross_entropy_with_logits(x, t, w, reduction=reduction,
                                                                             pos_weight=pw),
     _bce_logits_args(True, True), gradcheck=False)
spec("nn.functional.binary_cross_entropy_with_logits.pos_weight_requires_grad",
     lambda T, x, t, pw, reduction: F(T).binary_cross_entropy_with_logits(x, t, reduction=reduction, pos_weight=pw),
     _bce_logits_args(False, True), gradcheck=False)
spec("nn.functional.nll_loss.weight_requires_grad",
     lambda T, x, t, w, reduction, ignore_index: F(T).nll_loss(x, t, w, reduction=reduction,
                                                               ignore_index=ignore_index),
     _class_args(True, extra=_ignore), gradcheck=False)
spec("nn.functional.cross_entropy.weight_requires_grad",
     lambda T, x, t, w, reduction, ignore_index, label_smoothing: F(T).cross_entropy(
         x, t, w, reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing),
     _class_args(True, extra=_ce_extra), gradcheck=False)
spec("nn.functional.batch_norm.running_requires_grad",
     lambda T, x, rm, rv, w, b, eps, training: F(T).batch_norm(x, rm, rv, w, b, training=training, eps=eps),
     _with_training(_batch_norm_args("both", True)), gradcheck=False)

# ---- gradient clipping ---------------------------------------------------------------------


def _clip_args(draw, dtype, limits, smooth):
    grads = tuple(array(draw, dtype, shape_of(draw, limits), REAL, smooth) for _ in range(draw(st.integers(1, 3))))
    return grads, {"max_norm": _one(draw, (0.5, 3.0, 100.0)), "norm_type": _one(draw, (2.0, 1.0, math.inf))}


def _clip(T, *grads, max_norm, norm_type):
    params = [T.zeros_like(g).requires_grad_() for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = T.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    return (total,) + tuple(p.grad for p in params)


def _clip_ref(*grads, max_norm, norm_type):
    if norm_type == math.inf:
        total = max(np.max(np.abs(g)) for g in grads)
    else:
        total = sum(np.sum(np.abs(g) ** norm_type) for g in grads) ** (1 / norm_type)
    coef = min(max_norm / (total + 1e-6), 1.0)
    return (np.asarray(total),) + tuple(g * coef for g in grads)


# an optimizer-side utility: the gradients are data here, nothing is differentiated
spec("nn.utils.clip_grad_norm_", _clip, _clip_args, _clip_ref, differentiable=False)

# ---- core ops, explicit cases --------------------------------------------------------------


def _advanced_args(draw, dtype, limits, smooth):
    """x and an integer index tensor placed after `lead` full slices (x[:, idx] for lead=1)."""
    shape = shape_of(draw, limits, min_dims=1)
    lead = draw(st.integers(0, len(shape) - 1))
    size = shape[lead]
    ishape = shape_of(draw, limits, max_dims=2)
    idx = draw(hnp.arrays(np.int64, ishape, elements=st.integers(-size, size - 1)))
    return (array(draw, dtype, shape, REAL, smooth), idx), {"lead": lead}


def _two_index_args(draw, dtype, limits, smooth):
    """x and two broadcastable index tensors, for dims 0 and 1 (adjacent) or 0 and 2 (a slice between)."""
    apart = draw(st.booleans())
    shape = shape_of(draw, limits, min_dims=3 if apart else 2, max_dims=3)
    # index tensors of at least one dim: PyTorch reads a 0-d one as an integer (a select before the advanced
    # indexing), numpy as an advanced index, and the two place the result's dims differently
    sa, sb = draw(mutually_broadcastable_shapes(2, min_dims=1, max_dims=2, max_side=limits["max_side"]))
    second = 2 if apart else 1
    i = draw(hnp.arrays(np.int64, sa, elements=st.integers(-shape[0], shape[0] - 1)))
    j = draw(hnp.arrays(np.int64, sb, elements=st.integers(-shape[second], shape[second] - 1)))
    return (array(draw, dtype, shape, REAL, smooth), i, j), {"apart": apart}


def _mask_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    k = draw(st.integers(1, len(shape)))
    return (array(draw, dtype, shape, REAL, smooth), draw(hnp.arrays(np.bool_, shape[:k]))), {}


def _two_index(x, i, j, apart):
    return x[i, :, j] if apart else x[i, j]


spec("getitem.advanced", lambda T, x, idx, lead: x[(slice(None),) * lead + (idx,)], _advanced_args,
     lambda x, idx, lead: x[(slice(None),) * lead + (idx,)], dtypes=("float32", "float64", "int64"))
spec("getitem.advanced_pair", lambda T, x, i, j, apart: _two_index(x, i, j, apart), _two_index_args, _two_index)
spec("getitem.mask", lambda T, x, mask: x[mask], _mask_args, lambda x, mask: x[mask],
     dtypes=("float32", "float64", "int64"))


def _isclose_args(draw, dtype, limits, smooth):
    """Values 0.5 apart (and nan / ±inf): the tolerances decide which neighbours are close, never at a tie."""
    sa, sb = draw(mutually_broadcastable_shapes(2, max_dims=limits["max_dims"], max_side=limits["max_side"]))
    dom = Domain(-2.0, 2.0, grid=0.5, special=dtype.category >= 2)
    kw = {"rtol": _one(draw, (1e-5, 0.07)), "atol": _one(draw, (1e-8, 0.3, 0.6)), "equal_nan": draw(st.booleans())}
    return (array(draw, dtype, sa, dom), array(draw, dtype, sb, dom)), kw


spec("isclose", lambda T, a, b, rtol, atol, equal_nan: T.isclose(a, b, rtol, atol, equal_nan), _isclose_args,
     lambda a, b, rtol, atol, equal_nan: np.isclose(a, b, rtol, atol, equal_nan),
     dtypes=("float32", "float64", "int64"), differentiable=False)


def _transposed_shape(draw, limits):
    """A shape of at least two dims of at least 2: its transpose is not contiguous."""
    return shape_of(draw, limits, min_dims=2, min_side=2)


def _reshape_args(expressible):
    def build(draw, dtype, limits, smooth):
        shape = _transposed_shape(draw, limits)
        t = (shape[-1],) + shape[1:-1] + (shape[0],)  # the shape of x.transpose(0, -1)
        if expressible:  # size-1 dims added, or the leading dim split: strides can still express them
            new = draw(st.sampled_from([t + (1,), (1,) + t, t[:1] + (1,) + t[1:]]))
        else:  # dims merged across the transpose: needs a copy
            new = draw(st.sampled_from([(-1,), (t[0] * t[1],) + t[2:]]))
        return (array(draw, dtype, shape, REAL, smooth),), {"shape": new}

    return build


spec("reshape.noncontiguous", lambda T, x, shape: x.transpose(0, -1).reshape(shape), _reshape_args(True),
     lambda x, shape: np.swapaxes(x, 0, -1).reshape(shape), dtypes=("float32", "float64", "int64"))
spec("reshape.copy", lambda T, x, shape: x.transpose(0, -1).reshape(shape), _reshape_args(False),
     lambda x, shape: np.swapaxes(x, 0, -1).reshape(shape), dtypes=("float32", "float64", "int64"))


def _split_sizes_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    d = draw(dims(shape))
    size = shape[d % len(shape)]
    cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3)))
    bounds = [0] + cuts + [size]
    sizes = [b - a for a, b in itertools.pairwise(bounds)]
    return (array(draw, dtype, shape, REAL, smooth),), {"sizes": sizes, "dim": d}


def _split_sizes_ref(x, sizes, dim):
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))


spec("split.sizes", lambda T, x, sizes, dim: x.split(sizes, dim), _split_sizes_args, _split_sizes_ref)

_VIEWS = {  # how the view is taken: (facade / torch, numpy)
    "select": (lambda y: y[0], lambda y: y[0]),
    "transpose": (lambda y: y.transpose(0, -1), lambda y: np.swapaxes(y, 0, -1)),
    "slice": (lambda y: y[..., 1:], lambda y: y[..., 1:]),
    "diagonal": (lambda y: y.diagonal(), lambda y: np.diagonal(y)),
    "two_views": (lambda y: y[0].unsqueeze(0)[:, ::2], lambda y: y[0][None][:, ::2]),
}


def _view_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=2)
    kw = {"view": _one(draw, sorted(_VIEWS)), "write": _one(draw, ("base", "view", "sibling"))}
    return (array(draw, dtype, shape, REAL, smooth), array(draw, dtype, shape, REAL, smooth)), kw


def _view_after_inplace(T, x, other, view, write):
    """A view of a computed tensor, then an in-place write of its base (or of the view, or of another view of
    the same base): the view reads its base afresh, through one AsStridedBackward0 node. Returns (view, base)."""
    y = x * 1
    v = _VIEWS[view][0](y)
    if write == "base":
        y.mul_(other)
    elif write == "view":
        v.mul_(2.0)
    else:
        y[0].add_(other[0])
    return v, y


def _view_after_inplace_ref(x, other, view, write):
    y = x.copy()
    if write == "base":
        y = y * other
    elif write == "view":
        v = _VIEWS[view][1](y)
        v *= 2.0  # numpy views too
    else:
        y[0] += other[0]
    return np.array(_VIEWS[view][1](y)), y


spec("view_after_inplace", lambda T, x, other, view, write: _view_after_inplace(T, x, other, view, write)[0],
     _view_args, lambda x, other, view, write: _view_after_inplace_ref(x, other, view, write)[0])
spec("view_after_inplace.with_base", _view_after_inplace, _view_args, _view_after_inplace_ref)

del _mode
