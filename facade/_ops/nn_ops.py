"""Ops for torch.nn: linear layers, activations, normalisation, dropout, embedding, losses, padding.

Each layer is one fused op (one tape entry per call), declared here with its pure JAX
implementation and the grad_fn name PyTorch shows for it; argument parsing and PyTorch's
errors live in the frontends in `facade/nn/functional/`. As everywhere in facade, no
derivative is written by hand: where PyTorch's gradient at a kink differs from JAX's
default, the implementation is arranged (branch order of `jnp.where`, clamps inside the
unused branch) so that JAX's derivative is PyTorch's.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .frontend import cast
from .table import defop

_HI = lax.Precision.HIGHEST  # PyTorch does not use TF32 for float32 matmuls by default


def _op(name, impl, arrays, **kw):
    """defop with impl compiled as one XLA computation (per shapes and statics): replaying a
    new graph op by op then costs one compile per op, not one per JAX primitive inside it.
    The first `arrays` arguments are operands, the rest statics."""
    statics = tuple(range(arrays, impl.__code__.co_argcount))
    return defop(name, jax.jit(impl, static_argnums=statics), **kw)


def _zero(dt):
    return jnp.zeros((), dt)


def _norm(x, p, axes, keep):
    """The p-norm over axes with PyTorch's gradients: an entry that is 0 gets gradient 0
    (|x| is written x * sign(x): JAX's |x| has slope 1 at 0), and so does a zero vector."""
    a = x * jnp.sign(x)
    if p == float("inf"):
        return jnp.max(a, axis=axes, keepdims=keep)
    if p == 1:
        return jnp.sum(a, axis=axes, keepdims=keep)
    s = jnp.sum(a**p, axis=axes, keepdims=keep)
    zero = s == 0
    return jnp.where(zero, jnp.zeros_like(s), jnp.where(zero, jnp.ones_like(s), s) ** (1.0 / p))


# ---- linear ----------------------------------------------------------------------------
def _half(dt):
    """Whether dt is a 16-bit float: PyTorch's gemm accumulates it in float32 and rounds once."""
    return jnp.dtype(dt) in (jnp.dtype(jnp.bfloat16), jnp.dtype(jnp.float16))


def _linear(x, w, b, has_bias, dt):
    if has_bias and _half(dt):  # addmm: x @ w.T + b in float32, rounded once to dt (not the product first)
        y = jnp.matmul(cast(x, dt), cast(w, dt).T, precision=_HI, preferred_element_type=jnp.float32)
        return (y + cast(b, jnp.float32)).astype(dt)
    y = jnp.matmul(cast(x, dt), cast(w, dt).T, precision=_HI)
    return y + cast(b, dt) if has_bias else y


def _linear_name(node):
    """PyTorch's linear is addmm / mm on a 2-D view of the input. With a bias, other ranks view the
    result back (the frontend records that view); without one, matmul's folding ends in
    _unsafe_view (ranks > 2) or squeeze (a vector input), neither of them a view."""
    nd, has_bias = len(node.args[0].shape), node.statics[0]
    if has_bias:
        return "AddmmBackward0"
    if nd == 2:
        return "MmBackward0"
    return "SqueezeBackward4" if nd == 1 else "UnsafeViewBackward0"


LINEAR = _op("linear", _linear, 3, grad_fn=_linear_name, saves="in")


def _bilinear(x1, x2, w, b, has_bias, dt):
    y = jnp.einsum("...i,oij,...j->...o", cast(x1, dt), cast(w, dt), cast(x2, dt), precision=_HI)
    return y + cast(b, dt) if has_bias else y


# without a bias PyTorch's result is a view of the trilinear product (the frontend records the view)
BILINEAR = _op(
    "bilinear", _bilinear, 4, saves="in", grad_fn=lambda n: "AddBackward0" if n.statics[0] else "TrilinearBackward0"
)


# ---- activations -----------------------------------------------------------------------
def _leaky_relu(x, slope, dt):
    x = cast(x, dt)
    return jnp.where(x > 0, x, x * cast(slope, dt))  # slope at 0, as in PyTorch


def _hardtanh(x, lo, hi, dt):
    x = cast(x, dt)
    lo, hi = cast(lo, dt), cast(hi, dt)
    inside = (x > lo) & (x < hi)  # gradient 0 at the bounds themselves
    return jnp.where(inside, x, jnp.where(x <= lo, lo, jnp.where(x >= hi, hi, x)))


def _elu(x, alpha, scale, input_scale, kind, dt):
    x = cast(x, dt)
    neg = jnp.where(x > 0, _zero(dt), x)  # keeps exp() of the unused branch finite
    return jnp.where(x > 0, x * cast(scale, dt), cast(alpha * scale, dt) * jnp.expm1(neg * cast(input_scale, dt)))


def _softplus(x, beta, threshold, dt):
    x = cast(x, dt)
    bx = x * cast(beta, dt)
    linear = bx > threshold
    safe = jnp.where(linear, _zero(dt), bx)
    return jnp.where(linear, x, jnp.log1p(jnp.exp(safe)) / cast(beta, dt))


def _threshold(x, threshold, value, dt):
    x = cast(x, dt)
    return jnp.where(x > cast(threshold, dt), x, cast(value, dt))


def _hardsigmoid(x, dt):
    x = cast(x, dt)
    inside = (x > -3) & (x < 3)
    # inside, PyTorch's gradient is grad * (1/6 rounded to float32), in float64 too
    fixed = lax.stop_gradient(x)
    mid = (fixed + 3) / 6 + (x - fixed) * jnp.asarray(np.float32(1 / 6), dt)
    return jnp.where(inside, mid, jnp.where(x <= -3, _zero(dt), jnp.ones((), dt)))


def _hardswish(x, dt):
    x = cast(x, dt)
    return jnp.where(x <= -3, _zero(dt), jnp.where(x < 3, x * (x + 3) / 6, x))  # gradient 0 at -3, 1 at 3


def _prelu(x, w, dt):
    x, w = cast(x, dt), cast(w, dt)
    if x.ndim >= 2 and w.size > 1:
        w = w.reshape((-1,) + (1,) * (x.ndim - 2))
    return jnp.where(x > 0, x, w * x)


def _glu(x, dim, dt):
    a, b = jnp.split(cast(x, dt), 2, axis=dim)
    return a * jax.nn.sigmoid(b)


def _unary(name, fn, grad_fn, saves="in", arrays=1):
    return _op(name, fn, arrays, grad_fn=grad_fn, saves=saves)


def _elu_name(n, inplace):
    kind = n.statics[3]
    return ("CeluBackward" if kind == "celu" else "EluBackward") + ("1" if inplace else "0")


LEAKY_RELU = _unary("leaky_relu", _leaky_relu, "LeakyReluBackward0")
LEAKY_RELU_ = _unary("leaky_relu_", _leaky_relu, "LeakyReluBackward1", "out")
HARDTANH = _unary("hardtanh", _hardtanh, "HardtanhBackward0")
HARDTANH_ = _unary("hardtanh_", _hardtanh, "HardtanhBackward0")  # PyTorch saves a copy of the input
ELU = _unary("elu", _elu, lambda n: _elu_name(n, False))
ELU_ = _unary("elu_", _elu, lambda n: _elu_name(n, True), "out")
THRESHOLD = _unary("threshold", _threshold, "ThresholdBackward0")
THRESHOLD_ = _unary("threshold_", _threshold, "ThresholdBackward1")  # PyTorch saves a copy of the input
GELU = _unary("gelu", lambda x, approx, dt: jax.nn.gelu(cast(x, dt), approximate=approx), "GeluBackward0")
SILU = _unary("silu", lambda x, dt: jax.nn.silu(cast(x, dt)), "SiluBackward0")
MISH = _unary("mish", lambda x, dt: cast(x, dt) * jnp.tanh(jax.nn.softplus(cast(x, dt))), "MishBackward0")
SOFTPLUS = _unary("softplus", _softplus, "SoftplusBackward0")
LOGSIGMOID = _unary("log_sigmoid", lambda x, dt: jax.nn.log_sigmoid(cast(x, dt)), "LogSigmoidBackward0")
HARDSIGMOID = _unary("hardsigmoid", _hardsigmoid, "HardsigmoidBackward0")
HARDSWISH = _unary("hardswish", _hardswish, "HardswishBackward0")
PRELU = _unary("prelu", _prelu, "PreluKernelBackward0", arrays=2)
GLU = _unary("glu", _glu, "GluBackward0")


# ---- dropout ---------------------------------------------------------------------------
def key_tensor(generator=None):
    """A fresh PRNG key from facade's generator as an int64 tensor: an op input, so a new key
    never recompiles (and under facade.jit it is traced like any other input)."""
    from .._creation import wrap_value
    from .convert import _key_operand

    return wrap_value(_key_operand(generator))


def _key(k):
    return jax.random.wrap_key_data(k.astype(jnp.uint32))


def _dropout(x, key, p, mask_dims, dt):
    """x times a Bernoulli(1 - p) mask scaled by 1 / (1 - p). The mask covers the leading
    mask_dims dimensions (all of them for dropout; batch and channel for dropout1d/2d/3d,
    which drop whole channels) and is broadcast over the rest."""
    x = cast(x, dt)
    if p == 1.0:
        return x * _zero(dt)  # PyTorch multiplies by zeros (NaN stays NaN)
    shape = x.shape[:mask_dims] + (1,) * (x.ndim - mask_dims)
    keep = jax.random.bernoulli(_key(key), 1.0 - p, shape)
    scale = jnp.ones((), dt) / jnp.asarray(1.0 - p, dt)
    return x * jnp.where(keep, scale, _zero(dt))


DROPOUT = _op("dropout", _dropout, 2, grad_fn="MulBackward0", saves=False)


# ---- embedding -------------------------------------------------------------------------
def _embedding(w, idx, padding_idx, by_freq):
    rows = jnp.take(w, idx, axis=0)
    if by_freq:  # each row's gradient divided by how often its index occurs in the batch
        counts = jnp.zeros((w.shape[0],), w.dtype).at[idx.reshape(-1)].add(1)
        fixed = lax.stop_gradient(rows)
        rows = fixed + (rows - fixed) / counts[idx][..., None]
    if padding_idx is None:
        return rows
    # the padding row receives no gradient
    return jnp.where((idx == padding_idx)[..., None], lax.stop_gradient(rows), rows)


def _embedding_renorm(w, idx, max_norm, norm_type):
    used = jnp.zeros((w.shape[0],), bool).at[idx.reshape(-1)].set(True)
    norms = _norm(w, norm_type, (1,), False)
    too_big = used & (norms > max_norm)
    # PyTorch reads each norm as a double and computes the scale in double, then multiplies the row by it
    scale = jnp.where(too_big, max_norm / (norms.astype(jnp.float64) + 1e-7), 1.0).astype(w.dtype)
    return w * scale[:, None]


# PyTorch saves the indices (when the weight requires grad), not the weight
EMBEDDING = _op("embedding", _embedding, 2, grad_fn="EmbeddingBackward0", saves="cross")
EMBEDDING_RENORM = _op("embedding_renorm", _embedding_renorm, 2, saves=False, differentiable=False)


# ---- normalisation ---------------------------------------------------------------------
def _affine(y, w, b, has_w, has_b, shape, dt):
    if has_w:
        y = y * cast(w, dt).reshape(shape)
    if has_b:
        y = y + cast(b, dt).reshape(shape)
    return y


def _rms_norm(x, w, nd, eps, has_w, dt):
    x = cast(x, dt)
    axes = tuple(range(x.ndim - nd, x.ndim))
    y = x * lax.rsqrt(jnp.mean(jnp.square(x), axis=axes, keepdims=True) + eps)
    return y * cast(w, dt) if has_w else y


def _standardize(x, axes, eps):
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    return (x - mean) * lax.rsqrt(var + eps)


def _layer_norm(x, w, b, nd, eps, has_w, has_b, dt):
    x = cast(x, dt)
    axes = tuple(range(x.ndim - nd, x.ndim))
    return _affine(_standardize(x, axes, eps), w, b, has_w, has_b, x.shape[x.ndim - nd :], dt)


def _group_norm(x, w, b, groups, eps, has_w, has_b, dt):
    x = cast(x, dt)
    n, c = x.shape[0], x.shape[1]
    g = x.reshape((n, groups, -1))
    y = _standardize(g, (2,), eps).reshape(x.shape)
    return _affine(y, w, b, has_w, has_b, (c,) + (1,) * (x.ndim - 2), dt)


def _bn_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _batch_norm(x, w, b, rm, rv, use_batch_stats, eps, has_w, has_b, dt):
    x = cast(x, dt)
    shape = (x.shape[1],) + (1,) * (x.ndim - 2)
    if use_batch_stats:
        y = _standardize(x, _bn_axes(x), eps)
    else:
        y = (x - cast(rm, dt).reshape(shape)) * lax.rsqrt(cast(rv, dt).reshape(shape) + eps)
    return _affine(y, w, b, has_w, has_b, shape, dt)


def _bn_running(x, r, factor, is_var, cumulative, dt):
    """One running statistic after a training step: (1 - f) * r + f * batch_stat."""
    x = cast(x, dt)
    axes = _bn_axes(x)
    if is_var:
        n = x.size // x.shape[1]
        stat = jnp.var(x, axis=axes) * (n / max(n - 1, 1))  # running var is unbiased
    else:
        stat = jnp.mean(x, axis=axes)
    f = 1.0 / factor.astype(dt) if cumulative else cast(factor, dt)  # cumulative: f = 1 / batches seen
    r = cast(r, dt)
    return (f * stat + (1 - f) * r).astype(r.dtype)


LAYER_NORM = _op("layer_norm", _layer_norm, 3, grad_fn="NativeLayerNormBackward0", saves="in")
GROUP_NORM = _op("group_norm", _group_norm, 3, grad_fn="NativeGroupNormBackward0", saves="in")
BATCH_NORM = _op("batch_norm", _batch_norm, 5, grad_fn="NativeBatchNormBackward0", saves="in")
RMS_NORM = _op("rms_norm", _rms_norm, 2, grad_fn="MulBackward0", saves="in")
BN_RUNNING = _op("batch_norm_running_stat", _bn_running, 3, saves=False, differentiable=False)


# ---- padding, normalize, cosine similarity ---------------------------------------------
def _constant_pad(x, value, pads, dt):
    x = cast(x, dt)
    return lax.pad(x, cast(value, dt), [(lo, hi, 0) for lo, hi in pads])


CONSTANT_PAD = _op("constant_pad_nd", _constant_pad, 2, grad_fn="ConstantPadNdBackward0", saves=False)

_PAD_MODES = {
    "reflect": ("reflect", "ReflectionPad{}DBackward0"),
    "replicate": ("edge", "ReplicationPad{}DBackward0"),
    "circular": ("wrap", "CopySlices"),
}


def _mode_pad(x, pads, mode, nspatial):
    return jnp.pad(x, pads, mode=_PAD_MODES[mode][0])


MODE_PAD = _op(
    "mode_pad", _mode_pad, 1, saves=False, grad_fn=lambda n: _PAD_MODES[n.statics[1]][1].format(n.statics[2])
)


def _clamped_norm(x, p, dim, eps):
    n = _norm(x, p, (dim,), True)
    return jnp.where(n < eps, jnp.asarray(eps, x.dtype), n)  # clamp_min: the gradient passes at the tie


def _normalize_p(x, p, dim, eps, dt):
    x = cast(x, dt)
    return x / _clamped_norm(x, p, dim, eps)


NORMALIZE = _op("normalize", _normalize_p, 1, grad_fn="DivBackward0", saves="in")


def _cosine_similarity(a, b, dim, eps, dt):
    a, b = jnp.broadcast_arrays(cast(a, dt), cast(b, dt))
    return jnp.sum((a / _clamped_norm(a, 2.0, dim, eps)) * (b / _clamped_norm(b, 2.0, dim, eps)), axis=dim)


def _pairwise_distance(a, b, p, eps, keep, dt):
    d = cast(a, dt) - cast(b, dt) + eps
    return _norm(d, p, (d.ndim - 1,), keep) if d.ndim else _norm(d, p, None, keep)


# PyTorch's norm saves its result (and the difference, which no one else can modify)
PAIRWISE_DISTANCE = _op("pairwise_distance", _pairwise_distance, 2, grad_fn="NormBackward1", saves="out")
COSINE_SIMILARITY = _op("cosine_similarity", _cosine_similarity, 2, grad_fn="SumBackward1", saves="in")


# ---- losses ----------------------------------------------------------------------------
def _reduce(loss, reduction):
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


def _by_reduction(none, mean, total):
    names = {"none": none, "mean": mean, "sum": total}
    return lambda n: names[n.statics[0]]


def _regression_terms(kind, x, t, param, dt):
    """The elementwise loss between input and target: squared / absolute / smooth-L1 / Huber error."""
    d = cast(x, dt) - cast(t, dt)
    if kind == "mse":
        return d * d
    a = d * jnp.sign(d)  # |d| with gradient sign(d): 0 where x == target, as in PyTorch
    if kind == "l1":
        return a
    if kind == "smooth_l1":
        return jnp.where(a < param, 0.5 * d * d / param, a - 0.5 * param)
    return jnp.where(a < param, 0.5 * d * d, param * (a - 0.5 * param))  # huber


def _regression(x, t, reduction, kind, param, dt):
    return _reduce(_regression_terms(kind, x, t, param, dt), reduction)


def _weighted_regression(x, t, w, reduction, kind, param, dt):
    """Elementwise-weighted form: 'mean' divides by the total weight (by the element count for Huber)."""
    w = cast(w, dt)
    loss = _regression_terms(kind, x, t, param, dt) * w
    if reduction == "mean" and kind != "huber":
        return jnp.sum(loss) / jnp.sum(w)
    return _reduce(loss, reduction)


def _bce(x, t, w, reduction, has_w, dt):
    x, t = cast(x, dt), cast(t, dt)
    xs = lax.stop_gradient(x)
    # PyTorch's value clamps the logs at -100, but its gradient w.r.t. input is not the
    # derivative of that: it is (x - t) / max(x (1 - x), eps), eps being 1e-12 rounded to
    # float32 (in float64 too). The value is built from the stopped input and that gradient
    # enters through a term that is zero in value. (W.r.t. target the gradient is the
    # derivative of the clamped value; PyTorch's is infinite where x is exactly 0 or 1.)
    loss = (t - 1) * jnp.maximum(jnp.log1p(-xs), -100.0) - t * jnp.maximum(jnp.log(xs), -100.0)
    dx = (xs - t) / jnp.maximum((1 - xs) * xs, jnp.asarray(np.float32(1e-12), dt))
    loss = loss + (x - xs) * lax.stop_gradient(dx)
    if has_w:
        loss = loss * cast(w, dt)
    return _reduce(loss, reduction)


def _bce_logits(x, t, w, pw, reduction, has_w, has_pw, dt):
    x, t = cast(x, dt), cast(t, dt)
    log_sig = jax.nn.log_sigmoid(x)
    if has_pw:
        log_sig = log_sig * ((cast(pw, dt) - 1) * t + 1)
    loss = (1 - t) * x - log_sig
    if has_w:
        loss = loss * cast(w, dt)
    return _reduce(loss, reduction)


def _kl_div(x, t, reduction, log_target, dt):
    x, t = cast(x, dt), cast(t, dt)
    loss = jnp.exp(t) * (t - x) if log_target else jax.scipy.special.xlogy(t, t) - t * x
    if reduction == "batchmean":
        return jnp.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def _class_axis(logp):
    return 1 if logp.ndim >= 2 else 0


def _pick(logp, target, ignore_index, w, has_w, dt):
    """(-logp[target] * weight[target], weight[target]) with ignored targets at 0."""
    ax = _class_axis(logp)
    valid = target != ignore_index
    safe = jnp.where(valid, target, 0)
    picked = jnp.squeeze(jnp.take_along_axis(logp, jnp.expand_dims(safe, ax), axis=ax), ax)
    wt = lax.stop_gradient(cast(w, dt))[safe] if has_w else jnp.ones((), dt)
    wt = jnp.where(valid, wt, _zero(dt))
    return jnp.where(valid, -picked * wt, _zero(dt)), wt


def _nll_reduce(loss, wt, reduction):
    if reduction == "mean":
        return jnp.sum(loss) / jnp.sum(jnp.broadcast_to(wt, loss.shape))
    return jnp.sum(loss) if reduction == "sum" else loss


def _nll(logp, target, w, reduction, ignore_index, has_w, dt):
    logp = cast(logp, dt)
    loss, wt = _pick(logp, target, ignore_index, w, has_w, dt)
    return _nll_reduce(loss, wt, reduction)


def _cross_entropy(x, target, w, reduction, ignore_index, smoothing, has_w, dt):
    x = cast(x, dt)
    ax = _class_axis(x)
    logp = jax.nn.log_softmax(x, axis=ax)
    loss, wt = _pick(logp, target, ignore_index, w, has_w, dt)
    nll = _nll_reduce(loss, wt, reduction)
    if not smoothing:
        return nll
    n_classes = x.shape[ax]
    if has_w:
        shape = [1] * x.ndim
        shape[ax] = n_classes
        logp = logp * lax.stop_gradient(cast(w, dt)).reshape(shape)
    smooth = jnp.where(target != ignore_index, -jnp.sum(logp, axis=ax), _zero(dt))
    if reduction == "mean":
        smooth = jnp.sum(smooth) / jnp.sum(jnp.broadcast_to(wt, smooth.shape) if has_w else (target != ignore_index))
    elif reduction == "sum":
        smooth = jnp.sum(smooth)
    return (1 - smoothing) * nll + smooth * (smoothing / n_classes)


def _cross_entropy_probs(x, target, w, reduction, smoothing, has_w, dt):
    x, target = cast(x, dt), cast(target, dt)
    ax = _class_axis(x)
    n_classes = x.shape[ax]
    logp = jax.nn.log_softmax(x, axis=ax)
    if smoothing:
        target = target * (1 - smoothing) + smoothing / n_classes
    prod = logp * target
    if has_w:
        shape = [1] * x.ndim
        shape[ax] = n_classes
        prod = prod * cast(w, dt).reshape(shape)
    loss = -jnp.sum(prod, axis=ax)
    if reduction == "mean":
        return jnp.sum(loss) / (x.size // n_classes) if x.size else jnp.sum(loss) / 0
    return jnp.sum(loss) if reduction == "sum" else loss


def _nll_name(node):
    """NllLoss for (C) / (N, C) inputs; the 2-D kernel for K-dim inputs (for 'none' with K != 2 its
    result is viewed back, a view the frontend records)."""
    return "NllLossBackward0" if len(node.args[0].shape) <= 2 else "NllLoss2DBackward0"


def _ce_name(node):
    return "AddBackward0" if node.statics[2] else _nll_name(node)


_REGRESSION_NAMES = {"mse": "MseLossBackward0", "smooth_l1": "SmoothL1LossBackward0", "huber": "HuberLossBackward0"}


def _regression_name(node):
    reduction, kind = node.statics[:2]
    if kind == "l1":
        return {"none": "AbsBackward0", "mean": "MeanBackward0", "sum": "SumBackward0"}[reduction]
    return _REGRESSION_NAMES[kind]


def _weighted_regression_name(node):
    reduction, kind = node.statics[:2]
    mean = "MeanBackward0" if kind == "huber" else "DivBackward0"
    return {"none": "MulBackward0", "mean": mean, "sum": "SumBackward0"}[reduction]


REGRESSION_LOSS = _op("regression_loss", _regression, 2, grad_fn=_regression_name, saves="in")
WEIGHTED_REGRESSION_LOSS = _op(
    "weighted_regression_loss", _weighted_regression, 3, grad_fn=_weighted_regression_name, saves="in"
)
BCE_LOSS = _op("binary_cross_entropy", _bce, 3, grad_fn="BinaryCrossEntropyBackward0", saves="in")
BCE_LOGITS_LOSS = _op(
    "binary_cross_entropy_with_logits", _bce_logits, 4, grad_fn="BinaryCrossEntropyWithLogitsBackward0", saves="in"
)
KL_DIV_LOSS = _op(
    "kl_div",
    _kl_div,
    2,
    saves="in",
    grad_fn=lambda n: {
        "none": "MulBackward0" if n.statics[1] else "SubBackward0",
        "mean": "MeanBackward0",
        "sum": "SumBackward0",
        "batchmean": "DivBackward0",
    }[n.statics[0]],
)
NLL_LOSS = _op("nll_loss", _nll, 3, grad_fn=_nll_name, saves="in")
CROSS_ENTROPY = _op("cross_entropy", _cross_entropy, 3, grad_fn=_ce_name, saves="in")
CROSS_ENTROPY_PROBS = _op(
    "cross_entropy_probs",
    _cross_entropy_probs,
    3,
    saves="in",
    grad_fn=_by_reduction("NegBackward0", "DivBackward1", "NegBackward0"),
)


# ---- gradient clipping -----------------------------------------------------------------
def _total_norm(*args):
    """The norm of the per-tensor norms of all arguments (clip_grad_norm_)."""
    grads, p = args[:-2], args[-2]
    dt = args[-1]
    norms = jnp.stack([_norm(g, p, None, False).astype(dt) for g in grads])
    return _norm(norms, p, None, False)


TOTAL_NORM = defop("total_norm", _total_norm, saves=False, differentiable=False)


def _clip_coef(total, max_norm):
    """The factor clip_grad_norm_ scales gradients by: max_norm / (total + 1e-6), at most 1."""
    return jnp.minimum(max_norm / (total + 1e-6), 1.0).astype(total.dtype)


CLIP_COEF = _op("clip_coef", _clip_coef, 1, saves=False, differentiable=False)
