"""F.ctc_loss and nn.CTCLoss against PyTorch: values, gradients (float32 and float64), grad_fn
names, reprs and errors; gradients against finite differences in float64.

PyTorch's gradient with respect to log_probs is the loss's derivative plus exp(log_probs)
inside each input length (its formula assumes log_softmax outputs): raw inputs are compared
with torch too, to check facade returns the same."""

import numpy as np
import pytest
from nn_compare import data, raises_like, run_both, to_facade, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional

TARGETS = np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]])
IL, TL = [7, 5, 6], [3, 2, 0]


def _log_softmax(x):
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("raw", [False, True])
def test_matches_torch(reduction, dtype, raw):
    x = data(1, (7, 3, 5), dtype)
    x = x if raw else _log_softmax(x)
    run_both(lambda t: tF.ctc_loss(t, torch.tensor(TARGETS), torch.tensor(IL), torch.tensor(TL), reduction=reduction),
             lambda t: fF.ctc_loss(t, facade.tensor(TARGETS), tuple(IL), facade.tensor(TL), reduction=reduction), [x])


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_concatenated_targets_blank_and_infinity(zero_infinity):
    """1-D targets cut by target_lengths; blank 2; the first sequence cannot be aligned (6 labels in 4 steps)."""
    x = _log_softmax(data(2, (4, 2, 5), "float64"))
    flat, tl = np.array([1, 3, 4, 1, 1, 3, 4]), (6, 1)
    t = tF.ctc_loss(torch.tensor(x), torch.tensor(flat), (4, 3), tl, blank=2, reduction="none", zero_infinity=zero_infinity)
    f = fF.ctc_loss(facade.tensor(x), facade.tensor(flat), (4, 3), tl, blank=2, reduction="none", zero_infinity=zero_infinity)
    np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=1e-12)
    if zero_infinity:
        run_both(lambda a: tF.ctc_loss(a, torch.tensor(flat), (4, 3), tl, blank=2, reduction="sum", zero_infinity=True),
                 lambda a: fF.ctc_loss(a, facade.tensor(flat), (4, 3), tl, blank=2, reduction="sum", zero_infinity=True),
                 [x])
        run_both(lambda a: tF.ctc_loss(a, torch.tensor(flat), (4, 3), tl, blank=2, reduction="none", zero_infinity=True),
                 lambda a: fF.ctc_loss(a, facade.tensor(flat), (4, 3), tl, blank=2, reduction="none", zero_infinity=True),
                 [x])


def test_unbatched_and_module():
    x = _log_softmax(data(3, (5, 4), "float64"))
    run_both(lambda t: tF.ctc_loss(t, torch.tensor([1, 2]), torch.tensor(5), torch.tensor(2), reduction="none"),
             lambda t: fF.ctc_loss(t, facade.tensor([1, 2]), facade.tensor(5), facade.tensor(2), reduction="none"), [x])
    tm, fm = tnn.CTCLoss(blank=1, reduction="sum", zero_infinity=True), fnn.CTCLoss(blank=1, reduction="sum",
                                                                                    zero_infinity=True)
    assert repr(fm) == repr(tm) == "CTCLoss()"
    assert (fm.blank, fm.reduction, fm.zero_infinity) == (tm.blank, tm.reduction, tm.zero_infinity)
    y = _log_softmax(data(4, (6, 3, 5)))
    tgt = np.array([[2, 3], [4, 0], [2, 2]])
    run_both(lambda t: tm(t, torch.tensor(tgt), (6, 6, 5), (2, 2, 2)),
             lambda t: fm(t, facade.tensor(tgt), (6, 6, 5), (2, 2, 2)), [y])


@pytest.mark.parametrize("kw", [
    dict(il=[5, 4]), dict(il=[4, 4, 4]), dict(reduction="foo"), dict(tl=[3, 1]), dict(blank=5),
])
def test_errors(kw):
    x = _log_softmax(data(5, (4, 2, 5)))
    il, tl = kw.pop("il", [4, 4]), kw.pop("tl", [2, 1])
    tgt = np.array([[1, 2], [1, 2]])
    raises_like(lambda: tF.ctc_loss(torch.tensor(x), torch.tensor(tgt), il, tl, **kw),
                lambda: fF.ctc_loss(facade.tensor(x), facade.tensor(tgt), il, tl, **kw))


def test_gradcheck():
    x = to_facade(data(6, (5, 2, 4), "float64"), True)
    tgt = facade.tensor([[1, 3], [2, 2]])
    for reduction in ("none", "mean"):
        assert facade.autograd.gradcheck(
            lambda t: fF.ctc_loss(t.log_softmax(2), tgt, (5, 4), (2, 2), reduction=reduction), (x,))
