"""Linear, Bilinear, Identity, Flatten, Unflatten against PyTorch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_compare import data, raises_like, run_modules, to_facade, to_torch, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**16),
    lead=st.sampled_from([(), (3,), (2, 3)]),
    bias=st.booleans(),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_linear_matches_torch(seed, lead, bias, dtype):
    tm, fm = tnn.Linear(4, 3, bias=bias), fnn.Linear(4, 3, bias=bias)
    if dtype == "float64":
        tm, fm = tm.double(), fm.double()
    run_modules(tm, fm, [data(seed, lead + (4,), dtype)], seed=seed)


@settings(deadline=None)
@given(seed=st.integers(0, 2**16), lead=st.sampled_from([(), (3,), (2, 3)]), bias=st.booleans())
def test_bilinear_matches_torch(seed, lead, bias):
    tm, fm = tnn.Bilinear(2, 3, 4, bias=bias).double(), fnn.Bilinear(2, 3, 4, bias=bias).double()
    run_modules(tm, fm, [data(seed, lead + (2,), "float64"), data(seed + 1, lead + (3,), "float64")], seed=seed)


def test_linear_without_input_grad_has_same_grad_fn():
    tm, fm = tnn.Linear(4, 3), fnn.Linear(4, 3)
    run_modules(tm, fm, [data(0, (2, 4))], grad=False)
    run_modules(tm, fm, [data(0, (2, 2, 4))], grad=False)


@pytest.mark.parametrize("shape", [(4, 5), (2, 4, 5), (5,), ()])
def test_linear_shape_errors(shape):
    tm, fm = tnn.Linear(3, 2), fnn.Linear(3, 2)
    x = data(0, shape)
    raises_like(lambda: tm(to_torch(x)), lambda: fm(to_facade(x)))


def test_linear_dtype_and_bias_errors():
    tm, fm = tnn.Linear(3, 2), fnn.Linear(3, 2)
    x = data(0, (4, 3), "float64")
    raises_like(lambda: tm(to_torch(x)), lambda: fm(to_facade(x)))
    xi = np.ones((4, 3), np.int64)
    raises_like(lambda: tm(to_torch(xi)), lambda: fm(to_facade(xi)))
    w, b = data(1, (2, 3)), data(2, (3,))
    raises_like(
        lambda: tF.linear(to_torch(data(0, (4, 3))), to_torch(w), to_torch(b)),
        lambda: fF.linear(to_facade(data(0, (4, 3))), to_facade(w), to_facade(b)),
    )


def test_bilinear_errors():
    tm, fm = tnn.Bilinear(3, 4, 2), fnn.Bilinear(3, 4, 2)
    for a, b in [((5, 3), (5, 5)), ((5, 3), (6, 4)), ((5, 2), (5, 4))]:
        x1, x2 = data(0, a), data(1, b)
        raises_like(lambda: tm(to_torch(x1), to_torch(x2)), lambda: fm(to_facade(x1), to_facade(x2)))


def test_linear_init_bounds_and_parameters():
    m = fnn.Linear(16, 4)
    bound = 1 / np.sqrt(16)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    assert m.weight.detach().numpy().std() > bound / 4  # actually random, not constant
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert isinstance(m.weight, fnn.Parameter) and m.weight.requires_grad and m.weight.is_leaf
    assert repr(m) == repr(tnn.Linear(16, 4))
    assert repr(fnn.Linear(2, 3, bias=False)) == repr(tnn.Linear(2, 3, bias=False))
    assert repr(fnn.Bilinear(2, 3, 4)) == repr(tnn.Bilinear(2, 3, 4))
    assert fnn.Linear(2, 3, dtype=facade.float64).weight.dtype is facade.float64


@pytest.mark.parametrize("args,shape", [((), (2, 3, 4)), ((0, -1), (2, 3, 4)), ((1, 2), (2, 3, 4, 5)), ((), (2, 3))])
def test_flatten(args, shape):
    x = data(0, shape, "float64")
    run_modules(tnn.Flatten(*args), fnn.Flatten(*args), [x])
    assert repr(fnn.Flatten(*args)) == repr(tnn.Flatten(*args))


def test_flatten_errors_and_identity():
    x = data(0, (2, 3, 4))
    raises_like(lambda: tnn.Flatten(2, 1)(to_torch(x)), lambda: fnn.Flatten(2, 1)(to_facade(x)))
    f = to_facade(x, True)
    assert fnn.Identity(3, foo=1)(f) is f
    assert repr(fnn.Identity()) == repr(tnn.Identity())


def test_unflatten():
    x = data(0, (2, 6), "float64")
    run_modules(tnn.Unflatten(1, (2, 3)), fnn.Unflatten(1, (2, 3)), [x])
    assert repr(fnn.Unflatten(1, (2, 3))) == repr(tnn.Unflatten(1, (2, 3)))
    raises_like(lambda: tnn.Unflatten(1, (2, 2))(to_torch(x)), lambda: fnn.Unflatten(1, (2, 2))(to_facade(x)))


def test_linear_trains_like_torch():
    """A few manual SGD steps give the same losses and weights as PyTorch."""
    tm, fm = tnn.Linear(3, 2), fnn.Linear(3, 2)
    from nn_compare import copy_weights

    copy_weights(tm, fm)
    x, y = data(0, (10, 3)), data(1, (10, 2))
    tx, ty, fx, fy = to_torch(x), to_torch(y), to_facade(x), to_facade(y)
    for _ in range(3):
        tl, fl = tnn.MSELoss()(tm(tx), ty), fnn.MSELoss()(fm(fx), fy)
        np.testing.assert_allclose(fl.item(), tl.item(), rtol=1e-6)
        tl.backward()
        fl.backward()
        with torch.no_grad():
            for p in tm.parameters():
                p -= 0.1 * p.grad
        with facade.no_grad():
            for p in fm.parameters():
                p -= 0.1 * p.grad
        tm.zero_grad()
        fm.zero_grad()
        assert all(p.grad is None for p in fm.parameters())
    np.testing.assert_allclose(fm.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-5)
