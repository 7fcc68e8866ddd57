"""nn.init (distributions, gains, fans, errors) and nn.utils (gradient clipping, vector conversion)."""

import math

import numpy as np
import pytest

from nn_compare import assert_close, data, raises_like, to_facade, to_torch, torch

import facade
import facade.nn as fnn
from facade.nn import init as finit
from facade.nn import utils as futils

tinit, tutils = torch.nn.init, torch.nn.utils


@pytest.mark.parametrize(
    "args",
    [
        ("linear",),
        ("conv2d",),
        ("sigmoid",),
        ("tanh",),
        ("relu",),
        ("leaky_relu",),
        ("leaky_relu", 0.2),
        ("leaky_relu", 3),
        ("selu",),
    ],
)
def test_calculate_gain(args):
    assert finit.calculate_gain(*args) == tinit.calculate_gain(*args)


def test_gain_and_fan_errors():
    raises_like(lambda: tinit.calculate_gain("foo"), lambda: finit.calculate_gain("foo"))
    raises_like(lambda: tinit.calculate_gain("leaky_relu", True), lambda: finit.calculate_gain("leaky_relu", True))
    raises_like(lambda: tinit.xavier_uniform_(torch.ones(3)), lambda: finit.xavier_uniform_(facade.ones(3)))
    raises_like(
        lambda: tinit.kaiming_normal_(torch.ones(3, 2), mode="foo"),
        lambda: finit.kaiming_normal_(facade.ones(3, 2), mode="foo"),
    )
    raises_like(lambda: tinit.eye_(torch.ones(3)), lambda: finit.eye_(facade.ones(3)))
    raises_like(lambda: tinit.orthogonal_(torch.ones(3)), lambda: finit.orthogonal_(facade.ones(3)))
    assert finit._calculate_fan_in_and_fan_out(facade.ones(4, 3, 2, 5)) == tinit._calculate_fan_in_and_fan_out(
        torch.ones(4, 3, 2, 5)
    )


def _moments(t):
    a = t.detach().numpy().astype(np.float64)
    return a.mean(), a.std(), a.min(), a.max()


def test_random_inits_have_the_right_distribution():
    facade.manual_seed(0)
    w = facade.empty(200, 300)
    mean, std, lo, hi = _moments(finit.uniform_(w, -2.0, 3.0))
    assert abs(mean - 0.5) < 0.05 and lo >= -2 and hi <= 3 and abs(std - 5 / math.sqrt(12)) < 0.05
    mean, std, *_ = _moments(finit.normal_(w, 1.0, 2.0))
    assert abs(mean - 1) < 0.05 and abs(std - 2) < 0.05
    mean, std, lo, hi = _moments(finit.trunc_normal_(w, 0.0, 1.0, -1.0, 2.0))
    assert lo >= -1 and hi <= 2 and abs(mean - 0.23) < 0.05
    bound = math.sqrt(6 / 500)
    mean, std, lo, hi = _moments(finit.xavier_uniform_(w))
    assert -bound <= lo and hi <= bound and abs(std - bound / math.sqrt(3)) < 0.01
    _, std, *_ = _moments(finit.xavier_normal_(w, gain=2.0))
    assert abs(std - 2 * math.sqrt(2 / 500)) < 0.01
    _, std, *_ = _moments(finit.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"))
    assert abs(std - math.sqrt(2 / 200)) < 0.005
    _, _, lo, hi = _moments(finit.kaiming_uniform_(w, a=math.sqrt(5)))
    assert max(-lo, hi) <= 1 / math.sqrt(300)


def test_inits_are_in_place_and_untracked():
    p = fnn.Parameter(facade.empty(3, 5))
    for fn in (
        finit.uniform_,
        finit.normal_,
        finit.xavier_uniform_,
        finit.kaiming_uniform_,
        finit.orthogonal_,
        finit.zeros_,
        finit.ones_,
        finit.eye_,
        lambda t: finit.constant_(t, 0.5),
        finit.trunc_normal_,
    ):
        assert fn(p) is p
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
    np.testing.assert_array_equal(finit.eye_(p).detach().numpy(), np.eye(3, 5))
    np.testing.assert_array_equal(finit.constant_(p, 0.5).detach().numpy(), np.full((3, 5), 0.5))
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        finit.kaiming_uniform_(facade.empty(0, 3))


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3)])
def test_orthogonal(shape):
    w = finit.orthogonal_(facade.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    small = min(w.shape)
    gram = w @ w.T if w.shape[0] == small else w.T @ w
    np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-5)


def test_dirac():
    w = finit.dirac_(facade.empty(2, 2, 3)).numpy()
    np.testing.assert_array_equal(w, tinit.dirac_(torch.empty(2, 2, 3)).numpy())


def test_default_inits_of_layers():
    ln, bn, emb = fnn.LayerNorm(4), fnn.BatchNorm1d(4), fnn.Embedding(400, 50)
    assert ln.weight.detach().numpy().tolist() == [1.0] * 4 and not ln.bias.detach().numpy().any()
    assert bn.running_var.numpy().tolist() == [1.0] * 4 and bn.num_batches_tracked.item() == 0
    _, std, *_ = _moments(emb.weight)
    assert abs(std - 1) < 0.05


# ---- utils -----------------------------------------------------------------------------
def _pair_with_grads(seed):
    tm, fm = torch.nn.Linear(4, 3), fnn.Linear(4, 3)
    fm.load_state_dict({k: facade.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = data(seed, (5, 4), high=10)
    (tm(to_torch(x)) ** 2).sum().backward()
    (fm(to_facade(x)) ** 2).sum().backward()
    return tm, fm


@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm(norm_type, max_norm):
    tm, fm = _pair_with_grads(0)
    tn = tutils.clip_grad_norm_(tm.parameters(), max_norm, norm_type)
    fn = futils.clip_grad_norm_(fm.parameters(), max_norm, norm_type, foreach=True)
    assert_close(fn, tn)
    assert fn.grad_fn is None and fn.dtype is facade.float32
    for tp, fp in zip(tm.parameters(), fm.parameters()):
        assert_close(fp.grad, tp.grad)


def test_clip_grad_norm_edge_cases():
    assert futils.clip_grad_norm_([], 1.0).item() == 0.0
    assert futils.clip_grad_norm_(fnn.Linear(2, 2).parameters(), 1.0).item() == 0.0  # no grads yet
    tm, fm = _pair_with_grads(1)
    assert_close(futils.clip_grad_norm_(fm.weight, 1.0), tutils.clip_grad_norm_(tm.weight, 1.0))
    with torch.no_grad():
        tm.weight.grad[0, 0] = float("nan")
    with facade.no_grad():
        fm.weight.grad[0, 0] = float("nan")
    raises_like(
        lambda: tutils.clip_grad_norm_(tm.parameters(), 1.0, error_if_nonfinite=True),
        lambda: futils.clip_grad_norm_(fm.parameters(), 1.0, error_if_nonfinite=True),
    )
    assert math.isnan(futils.clip_grad_norm_(fm.parameters(), 1.0).item())
    with pytest.warns(FutureWarning):
        futils.clip_grad_norm(fm.parameters(), 1.0)


def test_clip_grad_value():
    tm, fm = _pair_with_grads(2)
    assert tutils.clip_grad_value_(tm.parameters(), 0.3) is None
    assert futils.clip_grad_value_(fm.parameters(), 0.3) is None
    for tp, fp in zip(tm.parameters(), fm.parameters()):
        assert_close(fp.grad, tp.grad)


def test_parameters_vector_round_trip():
    tm, fm = _pair_with_grads(3)
    tv, fv = tutils.parameters_to_vector(tm.parameters()), futils.parameters_to_vector(fm.parameters())
    assert_close(fv, tv)
    assert type(fv.grad_fn).__name__ == type(tv.grad_fn).__name__
    new = facade.arange(15, dtype=facade.float32)
    futils.vector_to_parameters(new, fm.parameters())
    assert fm.weight.detach().numpy().tolist() == np.arange(12.0).reshape(3, 4).tolist()
    assert fm.bias.detach().numpy().tolist() == [12.0, 13.0, 14.0] and isinstance(fm.bias, fnn.Parameter)
    raises_like(
        lambda: tutils.vector_to_parameters([1], tm.parameters()),
        lambda: futils.vector_to_parameters([1], fm.parameters()),
    )
