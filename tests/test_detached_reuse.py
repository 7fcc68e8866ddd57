"""A detach()ed tensor used by several graphs, one of them kept alive and computed later: the
Neural Style Transfer tutorial's pattern (`ContentLoss.target = target.detach()`, then LBFGS
closures that each build a new graph from it). Its cached detach node had its arguments dropped
once computed, and the next use read them (IndexError)."""
import numpy as np
import pytest

import facade
from scenarios import Scenarios, check, observer

try:
    import torch
except ImportError:
    torch = None

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer()


@scenario(expect=[12.0, 12.0, -6.0, facade.tensor([-4.0, -4.0, -4.0])])
def reused_after_a_kept_graph(T):
    w = T.ones(3, requires_grad=True)
    t = (w * 2).detach()
    x = T.zeros(3, requires_grad=True)
    kept = (x - t).sum()  # another graph using t, alive and not computed yet
    first = ((x - t) ** 2).sum().item()
    second = ((x - t) ** 2).sum()
    out = [first, second.item(), kept.item()]
    second.backward()
    return out + [x.grad]


# (by hand: target = W @ [0.5, 0.1] = [0.55, -0.15]; the first loss is ((0.2 - 0.55)^2 + (-0.35 + 0.15)^2) / 2
# and its gradient W^T @ diff, |diff| sums to 0.55; each step moves the image half its gradient)
@scenario(expect=[0.08125, facade.tensor([-0.25, -0.375]), 0.011426, facade.tensor([-0.09375, -0.140625]), 0.001607,
                  facade.tensor([-0.035156, -0.052734]), 0.55, 0.20625, 0.077344])
def closure_losses_against_a_detached_target(T):
    """Three closures, as LBFGS calls them, each a new graph against one detached target, the
    image updated between them."""
    feature = T.nn.Linear(2, 2)
    with T.no_grad():
        feature.weight.copy_(T.tensor([[1.0, 0.5], [-0.5, 1.0]]))
        feature.bias.zero_()
    target = feature(T.tensor([0.5, 0.1], requires_grad=True)).detach()
    image = T.tensor([0.3, -0.2], requires_grad=True)
    seen, kept = [], []
    for _ in range(3):
        image.grad = None
        kept.append((feature(image) - target).abs().sum())  # a module's `self.loss`, read later
        loss = T.nn.functional.mse_loss(feature(image), target)
        loss.backward()
        seen += [round(loss.item(), 6), image.grad.clone()]
        with T.no_grad():
            image -= 0.5 * image.grad
    return seen + [round(k.item(), 6) for k in kept]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)


def test_values_agree_with_numpy():
    w = facade.ones(3, requires_grad=True)
    t = (w * 2).detach()
    x = facade.tensor([1.0, 2.0, 3.0], requires_grad=True)
    kept = (x * t).sum()
    for _ in range(3):
        assert ((x - t) ** 2).sum().item() == pytest.approx(float(np.sum((np.array([1.0, 2, 3]) - 2) ** 2)))
    assert kept.item() == pytest.approx(12.0)
