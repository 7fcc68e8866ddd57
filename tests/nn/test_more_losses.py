"""The margin / likelihood losses, hardshrink / softshrink / rrelu and gumbel_softmax against PyTorch:
values, float64 gradients, grad_fn chains, errors, modules and the top-level torch aliases."""

import math
import warnings

import numpy as np
import pytest
from nn_compare import data, raises_like, run_both, to_facade, to_torch, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional
REDUCTIONS = ("mean", "sum", "none")


def chain(t, depth=7, cut=()):
    """The grad_fn tree below t as a string (AccumulateGrad left out; below a name in cut not followed)."""
    def walk(fn, d):
        if fn is None or d > depth:
            return "."
        if type(fn).__name__ in cut:
            return type(fn).__name__
        kids = [walk(n, d + 1) for n, _ in fn.next_functions if n is not None and type(n).__name__ != "AccumulateGrad"]
        return type(fn).__name__ + ("(" + ",".join(kids) + ")" if kids else "")

    return walk(t.grad_fn, 0)


def both(name, *consts, **kw):
    """tF.name / fF.name with constant (non-differentiated) arrays appended after the inputs, and keyword args."""
    def make(lib, to):
        c = [to(a) for a in consts]
        return lambda *a, **more: getattr(lib, name)(*a, *c, **kw, **more)

    return make(tF, to_torch), make(fF, to_facade)


def compare(name, arrays, *consts, chains=True, **kw):
    tfn, ffn = both(name, *consts, **kw)
    t_out, f_out = run_both(tfn, ffn, arrays)
    if chains:
        assert chain(f_out) == chain(t_out)


def signs(seed, shape):
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0)


# ---- composite losses: values, gradients, whole grad_fn chains -----------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_and_hinge(reduction):
    a, b = data(0, (5,), "float64"), data(1, (5,), "float64")
    compare("margin_ranking_loss", [a, b], signs(2, (5,)), margin=0.3, reduction=reduction)
    x = data(3, (3, 4), "float64")
    compare("hinge_embedding_loss", [x], signs(4, (3, 4)), margin=0.7, reduction=reduction)
    compare("hinge_embedding_loss", [x], np.array([1.0, -1.0, 1.0, 2.0]), reduction=reduction)  # broadcast; 2 hits both


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding(reduction):
    a, b = data(0, (4, 3), "float64"), data(1, (4, 3), "float64")
    compare("cosine_embedding_loss", [a, b], signs(2, (4,)), margin=0.2, reduction=reduction)
    compare("cosine_embedding_loss", [a[0], b[0]], np.array(-1.0), reduction=reduction)


NORM = ("NormBackward1",)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2.0, False), (1.0, True)])
def test_triplet(reduction, p, swap):
    a, pos, neg = (data(i, (4, 3), "float64") for i in range(3))
    # facade's pairwise_distance is one fused op (NormBackward1): the chain is compared to that depth
    tfn, ffn = both("triplet_margin_loss", margin=0.5, p=p, swap=swap, reduction=reduction)
    t_out, f_out = run_both(tfn, ffn, [a, pos, neg])
    assert chain(f_out, cut=NORM) == chain(t_out, cut=NORM)
    tfn, ffn = both("triplet_margin_with_distance_loss", margin=2.0, swap=swap, reduction=reduction)
    t_out, f_out = run_both(tfn, ffn, [a, pos, neg])
    assert chain(f_out, cut=NORM) == chain(t_out, cut=NORM)


def test_triplet_with_custom_distance():
    a, pos, neg = (data(i, (4, 3), "float64") for i in range(3))

    def dist(lib):
        return lambda x, y: 1.0 - lib.nn.functional.cosine_similarity(x, y)

    run_both(lambda *t: tF.triplet_margin_with_distance_loss(*t, distance_function=dist(torch), swap=True),
             lambda *t: fF.triplet_margin_with_distance_loss(*t, distance_function=dist(facade), swap=True), [a, pos, neg])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin(reduction):
    x, t = data(0, (3, 4), "float64"), (data(1, (3, 4), "float64") > 0).astype("float64")
    compare("multilabel_soft_margin_loss", [x, t], reduction=reduction)
    compare("multilabel_soft_margin_loss", [x], t, data(2, (4,), "float64", 0.1, 2.0), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll(reduction):
    x = data(0, (3, 4), "float64", -1.0, 1.0)
    t = data(1, (3, 4), "float64", 0.0, 4.0)
    t[0, :2] = (0.0, 1.0)  # the Stirling term is masked at target <= 1
    compare("poisson_nll_loss", [x, t], reduction=reduction)
    compare("poisson_nll_loss", [x, t], full=True, reduction=reduction)
    compare("poisson_nll_loss", [np.abs(x) + 0.1], t, log_input=False, eps=1e-3, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (3, 1)])
def test_gaussian_nll(reduction, var_shape):
    x, t = data(0, (3, 4), "float64"), data(1, (3, 4), "float64")
    var = data(2, var_shape, "float64", 0.0, 2.0)
    var.reshape(-1)[0] = 1e-9  # clamped to eps: gradient of the clamped formula, through the clone
    tfn, ffn = both("gaussian_nll_loss", full=reduction == "sum", reduction=reduction)
    t_out, f_out = run_both(tfn, ffn, [x, t, var])
    assert chain(f_out, 2) == chain(t_out, 2)  # below: facade's no_grad clamp_ shows RebindBackward0
    run_both(lambda a, b: tF.gaussian_nll_loss(a, b, 0.5), lambda a, b: fF.gaussian_nll_loss(a, b, 0.5), [x, t])


def test_gaussian_nll_closed_form():
    x = facade.tensor([1.0, 2.0], dtype=facade.float64, requires_grad=True)
    var = facade.tensor([0.5, 2.0], dtype=facade.float64, requires_grad=True)
    loss = fF.gaussian_nll_loss(x, facade.zeros(2, dtype=facade.float64), var, reduction="sum", full=True)
    loss.backward()
    v, m = np.array([0.5, 2.0]), np.array([1.0, 2.0])
    np.testing.assert_allclose(loss.item(), np.sum(0.5 * (np.log(v) + m**2 / v) + 0.5 * math.log(2 * math.pi)))
    np.testing.assert_allclose(x.grad.numpy(), m / v)
    np.testing.assert_allclose(var.grad.numpy(), 0.5 * (1 / v - m**2 / v**2))


# ---- fused margin kernels ------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin(reduction):
    x = data(0, (3, 4), "float64")
    compare("soft_margin_loss", [x], signs(1, (3, 4)), reduction=reduction)
    compare("soft_margin_loss", [x], signs(1, (4,)), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin(reduction):
    x = data(0, (3, 5), "float64")
    x[0, 1] = x[0, 3] + 1.0  # a hinge exactly at its kink (PyTorch: gradient 0)
    t = np.array([[3, 0, -1, 1, 2], [4, 4, 1, -1, -1], [0, 1, 2, 3, 4]])  # -1 ends; a duplicate counts twice
    compare("multilabel_margin_loss", [x], t, reduction=reduction)
    compare("multilabel_margin_loss", [x[1]], t[1], reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 0.5, True), (1, 2.0, True)])
def test_multi_margin(reduction, p, margin, weighted):
    x = data(0, (4, 5), "float64")
    t = np.array([0, 4, 2, 2])
    x[1, 0] = x[1, 4] - margin  # at the kink
    w = {"weight": data(1, (5,), "float64", 0.1, 2.0)} if weighted else {}
    tfn, ffn = both("multi_margin_loss", t, p=p, margin=margin, reduction=reduction)
    run_both(lambda a: tfn(a, **{k: to_torch(v) for k, v in w.items()}),
             lambda a: ffn(a, **{k: to_facade(v) for k, v in w.items()}), [x])
    compare("multi_margin_loss", [x[2]], np.array(2), p=p, margin=margin, reduction=reduction)


def test_margin_kernels_against_finite_differences():
    rng = np.random.default_rng(0)
    x = facade.tensor(rng.uniform(-1, 1, (3, 4)), requires_grad=True)
    target = facade.tensor([[2, 0, -1, 3], [1, -1, 0, 0], [3, 2, 1, -1]])
    assert facade.autograd.gradcheck(lambda a: fF.multilabel_margin_loss(a, target), (x,))
    assert facade.autograd.gradcheck(lambda a: fF.multi_margin_loss(a, facade.tensor([0, 3, 1]), p=2), (x,))
    assert facade.autograd.gradcheck(lambda a: fF.soft_margin_loss(a, facade.tensor([1.0, -1.0, 1.0, 1.0])), (x,))


# ---- activations ----------------------------------------------------------------------------------
def test_shrink_values_and_kinks():
    x = np.array([-1.0, -0.5, -0.2, 0.0, 0.3, 0.5, 0.9])
    for name in ("hardshrink", "softshrink"):
        for lambd in (0.5, 0.0, 0.3):
            compare(name, [x], lambd)
    run_both(lambda a: torch.hardshrink(a, 0.3), lambda a: facade.hardshrink(a, 0.3), [x])
    run_both(lambda a: a.hardshrink(), lambda a: a.hardshrink(), [x.astype("float32")])


def test_rrelu_eval_and_inplace():
    x = data(0, (3, 4), "float64")
    x[0, 0] = 0.0
    compare("rrelu", [x], 0.1, 0.3)
    run_both(lambda a: torch.rrelu(a, 0.2, 0.4), lambda a: facade.rrelu(a, 0.2, 0.4), [x])
    for lib in (torch, facade):
        y = lib.tensor(x, requires_grad=True) * 1
        lib.nn.functional.rrelu_(y)
        assert chain(y) == "RreluWithNoiseBackward1(MulBackward0)"
    run_both(lambda a: tF.rrelu(a * 1, inplace=True), lambda a: fF.rrelu(a * 1, inplace=True), [x])


def test_rrelu_training_statistics():
    facade.manual_seed(0)
    x = facade.tensor(np.linspace(-2.0, 2.0, 4001), requires_grad=True)
    y = fF.rrelu(x, 0.1, 0.3, training=True)
    assert type(y.grad_fn).__name__ == "RreluWithNoiseBackward0"
    y.sum().backward()
    xv, yv, g = x.detach().numpy(), y.detach().numpy(), x.grad.numpy()
    neg = xv < 0
    slopes = yv[neg] / xv[neg]
    assert ((slopes >= 0.1) & (slopes <= 0.3)).all() and abs(slopes.mean() - 0.2) < 0.01 and slopes.std() > 0.05
    np.testing.assert_allclose(g[neg], slopes)  # the gradient is each entry's own slope
    np.testing.assert_array_equal(yv[xv > 0], xv[xv > 0])
    np.testing.assert_array_equal(g[xv > 0], 1.0)
    m = fnn.RReLU(0.1, 0.3)
    assert not np.array_equal(m(x).detach().numpy(), m(x).detach().numpy())  # a new draw each call
    m.eval()
    np.testing.assert_allclose(m(x).detach().numpy(), np.where(xv > 0, xv, 0.2 * xv))


def test_gumbel_softmax_statistics():
    facade.manual_seed(0)
    logits = facade.tensor(np.log(np.array([[0.6, 0.3, 0.1]] * 3000)), requires_grad=True)
    soft = fF.gumbel_softmax(logits, tau=0.5)
    assert type(soft.grad_fn).__name__ == "SoftmaxBackward0"
    np.testing.assert_allclose(soft.detach().numpy().sum(1), 1.0)
    hard = fF.gumbel_softmax(logits, hard=True)
    assert type(hard.grad_fn).__name__ == "AddBackward0"
    h = hard.detach().numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and (h.sum(1) == 1).all()
    np.testing.assert_allclose(h.mean(0), [0.6, 0.3, 0.1], atol=0.03)  # P(argmax) = softmax(logits)
    (hard[:, 0]).sum().backward()  # straight through: the gradient of the soft sample
    g = logits.grad.numpy()
    np.testing.assert_allclose(g.sum(1), 0.0, atol=1e-12)
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
        fF.gumbel_softmax(logits, eps=1e-3)


# ---- errors -----------------------------------------------------------------------------------
def _errors():
    x, v = np.zeros((3, 4), "float32"), np.zeros(4, "float32")
    L = lambda *a: np.array(a, dtype=np.int64)
    return [
        ("soft_margin_loss", (x, np.ones((3, 5), "float32")), {}),
        ("soft_margin_loss", (x, x), {"reduction": "bad"}),
        ("multilabel_margin_loss", (x, np.ones((3, 4), "float32")), {}),
        ("multilabel_margin_loss", (x, np.ones((2, 4), np.int64)), {}),
        ("multilabel_margin_loss", (x, np.full((3, 4), 5)), {}),
        ("multilabel_margin_loss", (x, np.full((3, 4), -2)), {}),
        ("multilabel_margin_loss", (np.zeros((2, 3, 4), "float32"), np.zeros((2, 3, 4), np.int64)), {}),
        ("multilabel_margin_loss", (x, np.ones((3, 4), np.int32)), {}),
        ("multilabel_margin_loss", (x.astype(np.int64), np.ones((3, 4), np.int64)), {}),
        ("multi_margin_loss", (x, L(1, 2, 3).astype("float32")), {}),
        ("multi_margin_loss", (x, L(1, 2)), {}),
        ("multi_margin_loss", (x, L(1, 2, 4)), {}),
        ("multi_margin_loss", (x, L(1, 2, -1)), {}),
        ("multi_margin_loss", (x, L(1, 2, 3)), {"p": 3}),
        ("multi_margin_loss", (x, L([1, 2, 3])), {}),
        ("multi_margin_loss", (x, L(1, 2, 3)), {"weight": np.ones(3, "float32")}),
        ("multi_margin_loss", (x, L(1, 2, 3)), {"weight": np.ones((2, 2), "float32")}),
        ("multi_margin_loss", (x.astype(np.int64), L(1, 2, 3)), {}),
        ("softshrink", (x, -1.0), {}),
        ("softshrink", (x.astype("float64"), -0.5), {}),
        ("softshrink", (x.astype(np.int64),), {}),
        ("hardshrink", (x.astype(np.int64),), {}),
        ("rrelu", (x, 0.5, 0.1), {}),
        ("rrelu", (x.astype(np.int64),), {}),
        ("rrelu", (x.astype(np.int64),), {"training": True}),
        ("margin_ranking_loss", (v, v, np.ones((4, 1), "float32")), {}),
        ("margin_ranking_loss", (v, np.zeros(3, "float32"), v), {}),
        ("hinge_embedding_loss", (x, np.ones((3, 5), "float32")), {}),
        ("cosine_embedding_loss", (x, x, np.ones((3, 1), "float32")), {}),
        ("cosine_embedding_loss", (x, v, np.ones(3, "float32")), {}),
        ("cosine_embedding_loss", (v, v, np.ones(3, "float32")), {}),
        ("cosine_embedding_loss", (x, x, np.ones(4, "float32")), {}),
        ("triplet_margin_loss", (x, x, v), {}),
        ("triplet_margin_loss", (x, x, x), {"margin": 0.0}),
        ("triplet_margin_loss", (x, x, x), {"reduction": "bad"}),
        ("triplet_margin_with_distance_loss", (x, x, x), {"margin": -1.0}),
        ("triplet_margin_with_distance_loss", (x, x, v), {}),
        ("triplet_margin_with_distance_loss", (x, x, x), {"reduction": "bad"}),
        ("poisson_nll_loss", (x, x), {"reduction": "bad"}),
        ("gaussian_nll_loss", (x, x, -np.ones((3, 4), "float32")), {}),
        ("gaussian_nll_loss", (x, x, np.ones((3, 4), "float32")), {"reduction": "bad"}),
        ("gaussian_nll_loss", (x, x, np.ones((1, 1), "float32")), {}),
        ("gaussian_nll_loss", (x, x, np.ones(4, "float32")), {}),
        ("gaussian_nll_loss", (x, x, -1.0), {}),
        ("gaussian_nll_loss", (x, x, 2), {}),
        ("multilabel_soft_margin_loss", (x, x), {"reduction": "bad"}),
    ]


@pytest.mark.parametrize("name,args,kw", _errors(), ids=lambda v: v if isinstance(v, str) else "")
def test_errors(name, args, kw):
    def call(lib, to):
        conv = [to(a) if isinstance(a, np.ndarray) else a for a in args]
        kwc = {k: to(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        return lambda: getattr(lib, name)(*conv, **kwc)

    raises_like(call(tF, to_torch), call(fF, to_facade))


def test_undifferentiable_arguments():
    x = data(0, (3, 4))
    raises_like(lambda: tF.soft_margin_loss(to_torch(x), to_torch(x, True)),
                lambda: fF.soft_margin_loss(to_facade(x), to_facade(x, True)))
    t, w = np.array([1, 2, 3]), np.ones(4, "float32")
    raises_like(lambda: tF.multi_margin_loss(to_torch(x), to_torch(t), weight=to_torch(w, True)),
                lambda: fF.multi_margin_loss(to_facade(x), to_facade(t), weight=to_facade(w, True)))
    raises_like(lambda: tnn.TripletMarginLoss(margin=0.0), lambda: fnn.TripletMarginLoss(margin=0.0))
    raises_like(lambda: tnn.TripletMarginWithDistanceLoss(margin=0.0), lambda: fnn.TripletMarginWithDistanceLoss(margin=0.0))
    raises_like(lambda: tnn.MultiMarginLoss(p=3), lambda: fnn.MultiMarginLoss(p=3))
    raises_like(lambda: tnn.MultiMarginLoss(weight=torch.ones(2, 2)), lambda: fnn.MultiMarginLoss(weight=facade.ones(2, 2)))


# ---- top-level torch forms (integer reductions) and torch.group_norm ----------------------------
@pytest.mark.parametrize("r", (0, 1, 2))
def test_torch_alias_reductions(r):
    x, y = data(0, (3, 4), "float64"), data(1, (3, 4), "float64")
    s = signs(2, (3, 4))
    run_both(lambda a: torch.hinge_embedding_loss(a, torch.tensor(s), 0.5, r),
             lambda a: facade.hinge_embedding_loss(a, facade.tensor(s), 0.5, r), [x])
    run_both(lambda a, b: torch.margin_ranking_loss(a, b, torch.tensor(s), 0.1, r),
             lambda a, b: facade.margin_ranking_loss(a, b, facade.tensor(s), 0.1, r), [x, y])
    run_both(lambda a, b: torch.cosine_embedding_loss(a, b, torch.tensor(s[:, 0]), 0.1, r),
             lambda a, b: facade.cosine_embedding_loss(a, b, facade.tensor(s[:, 0]), 0.1, r), [x, y])
    run_both(lambda a, b: torch.triplet_margin_loss(a, b, b * 2, 1.0, 2, 1e-6, True, r),
             lambda a, b: facade.triplet_margin_loss(a, b, b * 2, 1.0, 2, 1e-6, True, r), [x, y])
    run_both(lambda a, b: torch.poisson_nll_loss(a, b.abs(), True, True, 1e-8, r),
             lambda a, b: facade.poisson_nll_loss(a, b.abs(), True, True, 1e-8, r), [x, y])


def test_torch_aliases():
    x, y = data(0, (3, 4), "float64"), data(1, (3, 4), "float64")
    s = signs(2, (3, 4))
    # no Python-side checks at this level: broadcasting targets and a non-positive margin are accepted; the
    # reduction left out is no reduction
    run_both(lambda a: torch.margin_ranking_loss(a[0], a[1], torch.ones(4, 1, dtype=torch.float64)),
             lambda a: facade.margin_ranking_loss(a[0], a[1], facade.ones(4, 1, dtype=facade.float64)), [x])
    run_both(lambda a, b: torch.triplet_margin_loss(a, b, b, margin=0.0),
             lambda a, b: facade.triplet_margin_loss(a, b, b, margin=0.0), [x, y])
    raises_like(lambda: torch.hinge_embedding_loss(to_torch(x), to_torch(s), 1.0, "mean"),
                lambda: facade.hinge_embedding_loss(to_facade(x), to_facade(s), 1.0, "mean"))


def test_torch_group_norm_cudnn_enabled():
    x = data(0, (2, 4, 3), "float64")
    w, b = data(1, (4,), "float64"), data(2, (4,), "float64")
    run_both(lambda a, c, d: torch.group_norm(a, 2, c, d, 1e-5, False),
             lambda a, c, d: facade.group_norm(a, 2, c, d, 1e-5, False), [x, w, b])
    run_both(lambda a: torch.group_norm(a, 4, None, None, 1e-3, True),
             lambda a: facade.group_norm(a, 4, None, None, 1e-3, True), [x])


# ---- modules -----------------------------------------------------------------------------------
def _modules(lib):
    n = lib.nn
    w = lib.tensor([1.0, 2.0, 0.5, 1.5], dtype=lib.float64)
    return [n.SoftMarginLoss(), n.MultiLabelMarginLoss(), n.MultiMarginLoss(p=2, margin=0.5, weight=w),
            n.MarginRankingLoss(0.2), n.HingeEmbeddingLoss(0.5), n.CosineEmbeddingLoss(0.1),
            n.TripletMarginLoss(margin=0.5, p=1.0, swap=True), n.TripletMarginWithDistanceLoss(margin=0.5),
            n.MultiLabelSoftMarginLoss(weight=w), n.PoissonNLLLoss(log_input=False, full=True, eps=1e-3),
            n.GaussianNLLLoss(full=True, eps=1e-3), n.Hardshrink(0.3), n.Softshrink(), n.RReLU(0.1, 0.3, inplace=True),
            n.MultiMarginLoss(size_average=False), n.HingeEmbeddingLoss(reduce=False)]


def test_modules():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tms, fms = _modules(torch), _modules(facade)
    for tm, fm in zip(tms, fms):
        assert repr(fm) == repr(tm)
        assert getattr(fm, "reduction", None) == getattr(tm, "reduction", None)
        assert [k for k, _ in fm.named_buffers()] == [k for k, _ in tm.named_buffers()]
    x, y, z = data(0, (3, 4), "float64"), data(1, (3, 4), "float64"), data(2, (3, 4), "float64", 0.1, 2.0)
    t = np.array([[3, 0, -1, 1], [1, -1, 0, 0], [2, 3, 1, 0]])
    cases = [(x, signs(3, (3, 4))), (x, t), (x, np.array([0, 3, 1])), (x[0], y[0], signs(4, (4,))),
             (x, signs(5, (3, 4))), (x, y, signs(6, (3,))), (x, y, z), (x, y, z), (x, (z > 1).astype("float64")),
             (z, y * y), (x, y, z), (x,), (x,), (x * 1,), (x, np.array([0, 3, 1])), (x, signs(7, (3, 4)))]
    for tm, fm, arrays in zip(tms, fms, cases):
        floats = [a for a in arrays if a.dtype.kind == "f"][:1 if tm.__class__.__name__.endswith("Loss") else None]
        rest = arrays[len(floats):]
        tm.eval(), fm.eval()  # RReLU: the mean slope (training draws are checked above)
        copy = isinstance(tm, tnn.RReLU)  # in place: not on a leaf
        run_both(_called(tm, copy, [to_torch(r) for r in rest]), _called(fm, copy, [to_facade(r) for r in rest]),
                 floats)


def _called(module, copy, rest):
    return lambda a, *b: module(a * 1 if copy else a, *b, *rest)


def test_legacy_reduction_warning():
    x = facade.zeros(3, 4)
    with pytest.warns(UserWarning, match=r"size_average and reduce args will be deprecated, please use "
                                         r"reduction='sum' instead."):
        out = fF.soft_margin_loss(x, x, size_average=False)
    assert type(out).__name__ == "Tensor" and out.shape == ()


def test_margin_kernels_empty_batch_and_scalars():
    x, e = np.zeros((0, 4), "float32"), np.zeros((0, 4), np.int64)
    for reduction in REDUCTIONS:
        if reduction == "none":  # reduced, PyTorch's result for an empty batch is uninitialised memory (facade: 0)
            run_both(*both("multilabel_margin_loss", e, reduction=reduction), [x])
            run_both(*both("multi_margin_loss", np.zeros(0, np.int64), reduction=reduction), [x])
        else:  # (multi_margin_loss too: 0.0 or 15.94 from run to run in torch 2.13)
            assert fF.multilabel_margin_loss(to_facade(x), to_facade(e), reduction=reduction).item() == 0.0
            assert fF.multi_margin_loss(to_facade(x), to_facade(np.zeros(0, np.int64)), reduction=reduction).item() == 0.0
        run_both(*both("multilabel_margin_loss", np.array(0), reduction=reduction), [np.array(0.5)])
        run_both(*both("multi_margin_loss", np.array(0), reduction=reduction), [np.array(0.5)])
