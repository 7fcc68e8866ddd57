"""Op specs for the margin losses, hardshrink / softshrink and rrelu (eval), see _op_specs.py.

Called through torch.nn.functional as a user would; the references are written out in numpy.
rrelu's training form draws random slopes: tests/nn/test_more_losses.py checks it (EXEMPT in
tests/ops/test_op_coverage.py)."""
import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array, index_array, shape_of
from ._domains import Domain
from ._op_specs import spec
from ._spec_helpers import F, _one, constants, kinked

REDUCTIONS = ("none", "mean", "sum")
SIGNS = Domain(choices=(-1.0, 1.0))


def _reduce(loss, reduction):
    return np.mean(loss) if reduction == "mean" else np.sum(loss) if reduction == "sum" else loss


def _hinge(z):
    return np.where(z > 0, z, 0.0)


def _rows(draw, dtype, smooth, limits):
    """A (C) or (N, C) input."""
    c = draw(st.integers(1, 4))
    shape = (c,) if draw(st.booleans()) else (draw(st.integers(1, 3)), c)
    return array(draw, dtype, shape, REAL, smooth)


# ---- soft margin ---------------------------------------------------------------------------------
def _soft_margin_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits)
    return (array(draw, dtype, shape, REAL, smooth), array(draw, dtype, shape, SIGNS, smooth)), \
        {"reduction": _one(draw, REDUCTIONS)}


def _soft_margin_ref(x, t, reduction):
    return _reduce(np.log1p(np.exp(-t * x)), reduction)


# PyTorch has no derivative for the target: it is passed as a constant
spec("nn.functional.soft_margin_loss",
     *constants(lambda T, x, t, reduction: F(T).soft_margin_loss(x, t, reduction=reduction), _soft_margin_args,
                _soft_margin_ref, {1: "target"}))


# ---- multilabel margin -----------------------------------------------------------------------------
def _multilabel_args(draw, dtype, limits, smooth):
    x = _rows(draw, dtype, smooth, limits)
    c = x.shape[-1]
    t = draw(st.lists(st.lists(st.integers(-1, c - 1), min_size=c, max_size=c), min_size=1, max_size=1)) \
        if x.ndim == 1 else draw(st.lists(st.lists(st.integers(-1, c - 1), min_size=c, max_size=c),
                                          min_size=x.shape[0], max_size=x.shape[0]))
    t = np.array(t, np.int64).reshape(x.shape)
    return (x, t), {"reduction": _one(draw, REDUCTIONS)}


def _multilabel_ref(x, t, reduction):
    x2, t2 = x.reshape(-1, x.shape[-1]), t.reshape(-1, x.shape[-1])
    out = []
    for row, tr in zip(x2, t2):
        k = list(tr).index(-1) if -1 in tr else len(tr)
        targets = tr[:k]
        others = [i for i in range(len(row)) if i not in set(targets)]
        out.append(sum(_hinge(1 - row[j] + row[i]) for j in targets for i in others) / len(row))
    loss = np.array(out, x.dtype)
    return loss.reshape(()) if reduction == "none" and x.ndim == 1 else _reduce(loss, reduction)


spec("nn.functional.multilabel_margin_loss",
     lambda T, x, t, reduction: F(T).multilabel_margin_loss(x, t, reduction=reduction), _multilabel_args,
     _multilabel_ref)


# ---- multi margin ---------------------------------------------------------------------------------
def _multi_margin_args(weight):
    def build(draw, dtype, limits, smooth):
        x = _rows(draw, dtype, smooth, limits)
        c = x.shape[-1]
        t = index_array(draw, () if x.ndim == 1 else (x.shape[0],), c)
        arrays = (x, t) + ((array(draw, dtype, (c,), Domain(0.25, 2.0), smooth),) if weight else ())
        return arrays, {"reduction": _one(draw, REDUCTIONS), "p": _one(draw, (1, 2)),
                        "margin": _one(draw, (1.0, 0.5))}

    return build


def _multi_margin_ref(x, t, w=None, *, reduction, p, margin):
    x2, t2 = x.reshape(-1, x.shape[-1]), t.reshape(-1)
    c = x2.shape[1]
    h = _hinge(margin - np.take_along_axis(x2, t2[:, None], 1) + x2) ** p
    if w is not None:
        h = h * w[t2][:, None]
    h[np.arange(len(t2)), t2] = 0
    loss = (h.sum(1) / c).astype(x.dtype)
    return loss.reshape(()) if reduction == "none" and t.ndim == 0 else _reduce(loss, reduction)


def _multi_margin(T, x, t, w=None, *, reduction, p, margin):
    return F(T).multi_margin_loss(x, t, p=p, margin=margin, weight=w, reduction=reduction)


spec("nn.functional.multi_margin_loss", _multi_margin, _multi_margin_args(False), _multi_margin_ref)
spec("nn.functional.multi_margin_loss.weight",
     *constants(_multi_margin, _multi_margin_args(True), _multi_margin_ref, {2: "w"}))


# ---- composites with C++ number arithmetic (AddBackward1, SubBackward1, SubBackward0) -----------------
def _ranking_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits)
    a, b = array(draw, dtype, shape, REAL, smooth), array(draw, dtype, shape, REAL, smooth)
    return (a, b, array(draw, dtype, shape, SIGNS, smooth)), {"reduction": _one(draw, REDUCTIONS),
                                                               "margin": _one(draw, (0.3, 0.7))}  # off the kink at a == b


spec("nn.functional.margin_ranking_loss",
     lambda T, a, b, t, reduction, margin: F(T).margin_ranking_loss(a, b, t, margin, reduction=reduction),
     _ranking_args, lambda a, b, t, reduction, margin: _reduce(_hinge(-t * (a - b) + margin), reduction))


def _cosine_args(draw, dtype, limits, smooth):
    n, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dom = Domain(0.25, 2.0)  # away from zero vectors
    a, b = array(draw, dtype, (n, d), dom, smooth), array(draw, dtype, (n, d), Domain(-2.0, -0.25), smooth)
    return (a, b, array(draw, dtype, (n,), SIGNS, smooth)), {"reduction": _one(draw, REDUCTIONS),
                                                             "margin": _one(draw, (0.0, -0.9))}


def _cosine_ref(a, b, t, reduction, margin):
    cos = np.sum(a * b, 1) / np.sqrt((np.sum(a * a, 1) + 1e-12) * (np.sum(b * b, 1) + 1e-12))
    return _reduce(np.where(t == 1, 1 - cos, 0) + np.where(t == -1, _hinge(cos - margin), 0), reduction)


spec("nn.functional.cosine_embedding_loss",
     *constants(lambda T, a, b, t, reduction, margin: F(T).cosine_embedding_loss(a, b, t, margin, reduction=reduction),
                _cosine_args, _cosine_ref, {2: "t"}))


# ---- shrink, rrelu -----------------------------------------------------------------------------------
def _shrink_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits)
    return (array(draw, dtype, shape, kinked(-2.0, 2.0, -0.5, 0.5), smooth),), {}


spec("nn.functional.hardshrink", lambda T, x: F(T).hardshrink(x), _shrink_args,
     lambda x: np.where(np.abs(x) <= 0.5, 0.0, x).astype(x.dtype))
spec("nn.functional.softshrink", lambda T, x: F(T).softshrink(x), _shrink_args,
     lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)).astype(x.dtype))


def _rrelu_args(draw, dtype, limits, smooth):
    return (array(draw, dtype, shape_of(draw, limits), kinked(-4.0, 4.0, 0.0), smooth),), {}


def _rrelu_ref(x):
    return np.where(x > 0, x, x * ((0.1 + 0.3) / 2)).astype(x.dtype)


spec("nn.functional.rrelu", lambda T, x: F(T).rrelu(x, 0.1, 0.3), _rrelu_args, _rrelu_ref)
spec("nn.functional.rrelu_.graph", lambda T, x: F(T).rrelu_(x * 1, 0.1, 0.3), _rrelu_args, _rrelu_ref)
