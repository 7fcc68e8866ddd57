"""Loss functions and layers against PyTorch: values, gradients (input, target), grad_fn names, errors."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_compare import data, raises_like, run_both, to_facade, to_torch, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional
REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def _both(name, **kw):
    """The torch and facade forms of functional loss `name`, with keyword arguments kw
    (numpy arrays among them become tensors of each library)."""

    def conv(to):
        return {k: to(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}

    tkw, fkw = conv(to_torch), conv(to_facade)
    return (lambda *a: getattr(tF, name)(*a, **tkw)), (lambda *a: getattr(fF, name)(*a, **fkw))


def _ties(x, t, seed):
    """Make some input entries equal to the target (the kink of l1 / smooth_l1 / huber)."""
    mask = np.random.default_rng(seed).random(x.shape) < 0.25
    x[mask] = t[mask]
    return x


@pytest.mark.parametrize(
    "name,kw",
    [
        ("mse_loss", {}),
        ("l1_loss", {}),
        ("smooth_l1_loss", {}),
        ("smooth_l1_loss", {"beta": 0.5}),
        ("smooth_l1_loss", {"beta": 0.0}),
        ("huber_loss", {}),
        ("huber_loss", {"delta": 0.3}),
    ],
)
@settings(deadline=None)
@given(seed=st.integers(0, 2**16), reduction=REDUCTIONS)
def test_regression_losses(name, kw, seed, reduction):
    t = data(seed + 1, (3, 4), "float64")
    x = _ties(data(seed, (3, 4), "float64"), t, seed)
    run_both(*_both(name, reduction=reduction, **kw), [x, t], seed=seed)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_regression_losses(name, reduction):
    t = data(1, (3, 4), "float64")
    x = _ties(data(0, (3, 4), "float64"), t, 0)
    w = data(2, (3, 4), "float64", 0.0, 2.0)
    run_both(*_both(name, reduction=reduction, weight=w), [x, t])
    tfn, ffn = _both(name, weight=np.ones(4))
    raises_like(lambda: tfn(to_torch(x), to_torch(t)), lambda: ffn(to_facade(x), to_facade(t)))


def test_regression_loss_broadcast_warning_and_float32():
    x, t = data(0, (4, 1)), data(1, (4,))
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[4\]\)\) that is different"):
        run_both(*_both("mse_loss"), [x, t])
    bad = data(2, (3,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(
            lambda: tF.mse_loss(to_torch(data(0, (4, 2))), to_torch(bad)),
            lambda: fF.mse_loss(to_facade(data(0, (4, 2))), to_facade(bad)),
        )
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        run_both(*_both(name), [data(3, (2, 5)), data(4, (2, 5))])


@settings(deadline=None)
@given(seed=st.integers(0, 2**16), reduction=REDUCTIONS, weighted=st.booleans(), edge=st.booleans())
def test_binary_cross_entropy(seed, reduction, weighted, edge):
    x = data(seed, (3, 4), "float64", 0.0, 1.0)
    if edge:  # exact 0 / 1 probabilities: PyTorch clamps the log at -100 and the gradient's denominator at 1e-12
        x[0, :2], x[1, :2] = 0.0, 1.0
    t = data(seed + 1, (3, 4), "float64", 0.0, 1.0)
    kw = {"weight": data(seed + 2, (4,), "float64", 0.0, 2.0)} if weighted else {}
    tfn, ffn = _both("binary_cross_entropy", reduction=reduction, **kw)
    if edge:  # the target's gradient is infinite there in PyTorch (not matched): target without grad
        tt, ft = to_torch(t), to_facade(t)
        run_both(lambda a: tfn(a, tt), lambda a: ffn(a, ft), [x], seed=seed)
    else:
        run_both(tfn, ffn, [x, t], seed=seed)


@settings(deadline=None)
@given(seed=st.integers(0, 2**16), reduction=REDUCTIONS, weighted=st.booleans(), pos=st.booleans())
def test_binary_cross_entropy_with_logits(seed, reduction, weighted, pos):
    x = data(seed, (3, 4), "float64", -30, 30)
    t = data(seed + 1, (3, 4), "float64", 0.0, 1.0)
    kw = {}
    if weighted:
        kw["weight"] = data(seed + 2, (3, 1), "float64", 0.0, 2.0)
    if pos:
        kw["pos_weight"] = data(seed + 3, (4,), "float64", 0.0, 3.0)
    run_both(*_both("binary_cross_entropy_with_logits", reduction=reduction, **kw), [x, t], seed=seed)


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(["mean", "sum", "none", "batchmean"]),
    log_target=st.booleans(),
)
def test_kl_div(seed, reduction, log_target):
    x = np.log(data(seed, (3, 4), "float64", 0.01, 1.0))
    t = data(seed + 1, (3, 4), "float64", 0.0, 1.0)
    t[0, 0] = 0.0  # 0 * log 0 = 0
    if log_target:
        t = np.log(t + 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_both(*_both("kl_div", reduction=reduction, log_target=log_target), [x, t], seed=seed)


def _class_case(seed, shape, classes, ignore, weighted):
    x = data(seed, shape, "float64")
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = np.random.default_rng(seed).integers(0, classes, tshape)
    if ignore is not None and t.size:
        t.reshape(-1)[::3] = ignore
    kw = {"weight": data(seed + 1, (classes,), "float64", 0.1, 2.0)} if weighted else {}
    if ignore is not None:
        kw["ignore_index"] = ignore
    return x, t, kw


CLASS_SHAPES = st.sampled_from([(4, 3), (2, 3, 4), (2, 3, 2, 2), (3,)])


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**16),
    shape=CLASS_SHAPES,
    reduction=REDUCTIONS,
    weighted=st.booleans(),
    ignore=st.sampled_from([None, 1, -100]),
    smoothing=st.sampled_from([0.0, 0.2]),
)
def test_cross_entropy_class_indices(seed, shape, reduction, weighted, ignore, smoothing):
    x, t, kw = _class_case(seed, shape, 3, ignore, weighted)
    tfn, ffn = _both("cross_entropy", reduction=reduction, label_smoothing=smoothing, **kw)
    tt, ft = torch.tensor(t), facade.tensor(t)
    run_both(lambda a: tfn(a, tt), lambda a: ffn(a, ft), [x], seed=seed)


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**16),
    shape=CLASS_SHAPES,
    reduction=REDUCTIONS,
    weighted=st.booleans(),
    ignore=st.sampled_from([None, 2]),
)
def test_nll_loss(seed, shape, reduction, weighted, ignore):
    x, t, kw = _class_case(seed, shape, 3, ignore, weighted)
    tfn, ffn = _both("nll_loss", reduction=reduction, **kw)
    tt, ft = torch.tensor(t), facade.tensor(t)
    run_both(lambda a: tfn(a, tt), lambda a: ffn(a, ft), [x], seed=seed)


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**16),
    shape=st.sampled_from([(4, 3), (2, 3, 2)]),
    reduction=REDUCTIONS,
    weighted=st.booleans(),
    smoothing=st.sampled_from([0.0, 0.3]),
)
def test_cross_entropy_probabilities(seed, shape, reduction, weighted, smoothing):
    x = data(seed, shape, "float64")
    p = data(seed + 1, shape, "float64", 0.0, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    kw = {"weight": data(seed + 2, (3,), "float64", 0.1, 2.0)} if weighted else {}
    run_both(*_both("cross_entropy", reduction=reduction, label_smoothing=smoothing, **kw), [x, p], seed=seed)


def test_cross_entropy_all_ignored_is_nan():
    x, t = data(0, (3, 4)), np.array([1, 1, 1])
    for ls in (0.0, 0.2):
        tl = tF.cross_entropy(to_torch(x), torch.tensor(t), ignore_index=1, label_smoothing=ls)
        fl = fF.cross_entropy(to_facade(x), facade.tensor(t), ignore_index=1, label_smoothing=ls)
        assert np.isnan(tl.item()) and np.isnan(fl.item())


@pytest.mark.parametrize(
    "case",
    [
        ("ce", (3, 4), np.array([0, 4, 1]), {}),
        ("ce", (3, 4), np.array([0, -1, 1]), {}),
        ("ce", (3, 4), np.array([0, 1]), {}),
        ("ce", (3, 4), np.array([0, 1, 1], np.int32), {}),
        ("ce", (3, 4), np.array([0.0, 1, 1]), {}),
        ("ce", (3, 4), np.zeros((3, 4), np.int64), {}),
        ("ce", (3, 4), np.full((3, 4), 0.25), {"ignore_index": 1}),
        ("ce", (3, 4), np.array([0, 1, 1]), {"label_smoothing": 1.5}),
        ("ce", (3, 4), np.array([0, 1, 1]), {"weight": np.ones(3, np.float32)}),
        ("ce", (2, 3, 4), np.zeros((3, 4), np.int64), {}),
        ("nll", (2, 3, 4, 5), np.zeros((2, 4, 4), np.int64), {}),
        ("nll", (3, 4), np.zeros((3, 1), np.int64), {}),
        ("nll", (2, 3, 2, 2), np.full((2, 2, 2), 7), {}),
        ("ce", (3, 4), np.array([0, 1, 1]), {"reduction": "foo"}),
        ("nll", (3, 4), np.array([0, 7, 1]), {"ignore_index": 7, "reduction": "bar"}),
    ],
)
def test_classification_errors(case):
    kind, shape, t, kw = case
    fn = "cross_entropy" if kind == "ce" else "nll_loss"
    x = data(0, shape)
    tkw = {k: to_torch(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    fkw = {k: to_facade(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    raises_like(
        lambda: getattr(tF, fn)(to_torch(x), torch.tensor(t), **tkw),
        lambda: getattr(fF, fn)(to_facade(x), facade.tensor(t), **fkw),
    )


def test_other_loss_errors():
    r = data(0, (3,), low=0, high=1)
    raises_like(
        lambda: tF.binary_cross_entropy(to_torch(r), to_torch(data(1, (3, 1), low=0, high=1))),
        lambda: fF.binary_cross_entropy(to_facade(r), to_facade(data(1, (3, 1), low=0, high=1))),
    )
    raises_like(
        lambda: tF.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0])),
        lambda: fF.binary_cross_entropy(facade.tensor([1.5]), facade.tensor([1.0])),
    )
    raises_like(
        lambda: tF.binary_cross_entropy_with_logits(to_torch(r), to_torch(r[:, None])),
        lambda: fF.binary_cross_entropy_with_logits(to_facade(r), to_facade(r[:, None])),
    )
    raises_like(
        lambda: tF.huber_loss(to_torch(r), to_torch(r), delta=-1.0),
        lambda: fF.huber_loss(to_facade(r), to_facade(r), delta=-1.0),
    )
    raises_like(
        lambda: tF.smooth_l1_loss(to_torch(r), to_torch(r), beta=-1.0),
        lambda: fF.smooth_l1_loss(to_facade(r), to_facade(r), beta=-1.0),
    )
    raises_like(
        lambda: tF.mse_loss(to_torch(r), to_torch(r), reduction="foo"),
        lambda: fF.mse_loss(to_facade(r), to_facade(r), reduction="foo"),
    )
    i = np.ones(3, np.int64)
    raises_like(lambda: tF.mse_loss(to_torch(i), to_torch(i)), lambda: fF.mse_loss(to_facade(i), to_facade(i)))


MODULES = [
    ("MSELoss", {}),
    ("L1Loss", {"reduction": "sum"}),
    ("SmoothL1Loss", {"beta": 0.5}),
    ("HuberLoss", {"delta": 2.0}),
    ("BCELoss", {}),
    ("BCEWithLogitsLoss", {"pos_weight": np.full(4, 2.0)}),
    ("KLDivLoss", {"reduction": "batchmean"}),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}),
    ("CrossEntropyLoss", {"weight": np.arange(1.0, 5.0)}),
    ("NLLLoss", {"ignore_index": 1}),
]


@pytest.mark.parametrize("name,kw", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules(name, kw):
    tm = getattr(tnn, name)(**{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
    fm = getattr(fnn, name)(**{k: facade.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
    assert repr(fm) == repr(tm)
    x = data(0, (3, 4), "float64", 0.05, 0.95)
    if name in ("CrossEntropyLoss", "NLLLoss"):
        t = np.array([0, 3, 1])
        tt, ft = torch.tensor(t), facade.tensor(t)
        run_both(lambda a: tm(a, tt), lambda a: fm(a, ft), [x])
    else:
        run_both(tm, fm, [x, data(1, (3, 4), "float64", 0.0, 1.0)])
    assert [k for k, _ in fm.named_buffers()] == [k for k, _ in tm.named_buffers()]


def test_legacy_reduction_arguments():
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        m = fnn.MSELoss(size_average=False)
    assert m.reduction == "sum"
    with pytest.warns(UserWarning):
        assert fnn.L1Loss(reduce=False).reduction == "none"


def test_mean_loss_backward_twice_raises_like_torch():
    x = data(0, (3,), "float64")
    tl = tF.mse_loss(to_torch(x, True), to_torch(x * 2))
    fl = fF.mse_loss(to_facade(x, True), to_facade(x * 2))
    tl.backward()
    fl.backward()
    raises_like(tl.backward, fl.backward)
