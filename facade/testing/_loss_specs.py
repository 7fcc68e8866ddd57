"""Op specs for losses (regression, BCE, kl_div, nll, cross-entropy), distances, gradient clipping (see _op_specs.py).

Every op is called through torch.nn.functional (or nn.utils), as a user would, so the same
spec drives facade and PyTorch; the references are written out in numpy / scipy.
"""
import math

import numpy as np
import scipy.special as sp
from hypothesis import strategies as st

from ._case_builders import REAL, array, index_array, shape_of
from ._domains import Domain
from ._op_specs import spec
from ._spec_helpers import F, _one, constants, kinked
from .strategies import dims, mutually_broadcastable_shapes

REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss, reduction):
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    return loss


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
