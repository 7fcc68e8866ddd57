"""Op specs for linear, bilinear, embedding, normalisation (layer, group, batch, rms) and padding (see _op_specs.py).

Every op is called through torch.nn.functional, as a user would, so the same
spec drives facade and PyTorch; the references are written out in numpy / scipy.
"""
import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array, index_array, shape_of
from ._domains import Domain
from ._op_specs import spec
from ._spec_helpers import AT_ZERO, F, _one, constants
from .strategies import dims


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
# running statistics requiring grad: PyTorch has no derivative for them and refuses them. No reference: only the
# comparison with torch runs, and it compares the errors (type and message).
spec("nn.functional.batch_norm.running_requires_grad",
     lambda T, x, rm, rv, w, b, eps, training: F(T).batch_norm(x, rm, rv, w, b, training=training, eps=eps),
     _with_training(_batch_norm_args("both", True)), gradcheck=False)


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

del _mode
