"""Activation layers and functions against PyTorch: values, gradients (kinks included), grad_fn names, reprs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_compare import data, raises_like, run_both, run_modules, to_facade, to_torch, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional

# (name, constructor arguments): the same call builds the torch and the facade layer
LAYERS = [
    ("ReLU", ()),
    ("ReLU6", ()),
    ("LeakyReLU", ()),
    ("LeakyReLU", (0.2,)),
    ("Hardtanh", ()),
    ("Hardtanh", (-2.0, 0.5)),
    ("ELU", ()),
    ("ELU", (0.5,)),
    ("SELU", ()),
    ("CELU", (1.5,)),
    ("GELU", ()),
    ("GELU", ("tanh",)),
    ("SiLU", ()),
    ("Mish", ()),
    ("Softplus", ()),
    ("Softplus", (2.0, 1.0)),
    ("Tanh", ()),
    ("Sigmoid", ()),
    ("LogSigmoid", ()),
    ("Hardsigmoid", ()),
    ("Hardswish", ()),
    ("Softsign", ()),
    ("Tanhshrink", ()),
    ("Threshold", (0.1, 20.0)),
    ("Softmax", (1,)),
    ("LogSoftmax", (1,)),
    ("Softmin", (1,)),
    ("Softmax", (-1,)),
    ("GLU", (1,)),
    ("PReLU", ()),
]
INPLACE = ["ReLU", "ReLU6", "LeakyReLU", "Hardtanh", "ELU", "SELU", "CELU", "SiLU", "Mish", "Hardsigmoid", "Hardswish"]


def _special(x, seed):
    """Put PyTorch's kinks and bounds into x (0, +-1, +-3, 6, the threshold 0.1) so their gradients are compared."""
    flat = x.reshape(-1)
    picks = np.random.default_rng(seed).choice([0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 0.1, 0.5, -2.0], size=flat.size)
    mask = np.random.default_rng(seed + 1).random(flat.size) < 0.3
    flat[mask] = picks[mask]
    return x


# Values are drawn by hypothesis; shapes come from a small set, since every new shape costs
# XLA compiles (that is what keeps this file fast).
@pytest.mark.parametrize("name,args", LAYERS, ids=[f"{n}{a}" for n, a in LAYERS])
@settings(deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.sampled_from([1.0, 8.0, 40.0]))
def test_layer_matches_torch_float64(name, args, seed, scale):
    tm, fm = getattr(tnn, name)(*args).double(), getattr(fnn, name)(*args).double()
    x = _special(data(seed, (3, 4), "float64", -scale, scale), seed)
    run_modules(tm, fm, [x], seed=seed)


@pytest.mark.parametrize("name,args", LAYERS, ids=[f"{n}{a}" for n, a in LAYERS])
def test_layer_matches_torch_float32(name, args):
    x = _special(data(7, (2, 6), "float32", -8, 8), 7)
    run_modules(getattr(tnn, name)(*args), getattr(fnn, name)(*args), [x], seed=7)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_matches_torch(name):
    x = _special(data(3, (3, 4), "float64", -8, 8), 3)
    tm, fm = getattr(tnn, name)(inplace=True), getattr(fnn, name)(inplace=True)

    def both(m, to):
        a = to(x, True)
        y = a.clone()  # in-place on a non-leaf
        out = m(y)
        assert out is y
        return a, out

    ta, tout = both(tm, to_torch)
    fa, fout = both(fm, to_facade)
    assert type(fout.grad_fn).__name__ == type(tout.grad_fn).__name__
    np.testing.assert_allclose(fout.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    tout.sum().backward()
    fout.sum().backward()
    np.testing.assert_allclose(fa.grad.numpy(), ta.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name,args", LAYERS, ids=[f"{n}{a}" for n, a in LAYERS])
def test_repr(name, args):
    assert repr(getattr(fnn, name)(*args)) == repr(getattr(tnn, name)(*args))


def test_repr_inplace():
    for name in INPLACE:
        assert repr(getattr(fnn, name)(inplace=True)) == repr(getattr(tnn, name)(inplace=True))
    assert repr(fnn.LeakyReLU(0.2, True)) == repr(tnn.LeakyReLU(0.2, True))
    assert repr(fnn.Softmax()) == repr(tnn.Softmax())


@pytest.mark.parametrize("fn", ["leaky_relu", "gelu", "silu", "elu", "softplus", "mish", "logsigmoid", "hardswish"])
def test_integer_input_errors(fn):
    x = np.ones(3, dtype=np.int64)
    raises_like(lambda: getattr(tF, fn)(to_torch(x)), lambda: getattr(fF, fn)(to_facade(x)))


def test_functional_errors():
    x = data(0, (3, 3))
    raises_like(lambda: tF.gelu(to_torch(x), approximate="foo"), lambda: fF.gelu(to_facade(x), approximate="foo"))
    raises_like(lambda: tF.glu(to_torch(x)), lambda: fF.glu(to_facade(x)))
    raises_like(lambda: tF.prelu(to_torch(x[:2]), torch.ones(2)), lambda: fF.prelu(to_facade(x[:2]), facade.ones(2)))


def test_functional_forms():
    x = data(1, (3, 4), "float64")
    run_both(lambda a: tF.relu6(a), lambda a: fF.relu6(a), [x])
    run_both(lambda a: tF.hardtanh(a, -0.5, 0.5), lambda a: fF.hardtanh(a, -0.5, 0.5), [x])
    run_both(
        lambda a: tF.softmax(a, 0, dtype=torch.float32),
        lambda a: fF.softmax(a, 0, dtype=facade.float32),
        [x],
        scale=1e5,
    )
    run_both(lambda a: tF.threshold(a, 0.5, -1.0), lambda a: fF.threshold(a, 0.5, -1.0), [x])
    run_both(lambda a: tF.glu(a, 0 if a.shape[0] % 2 == 0 else 1), lambda a: fF.glu(a, 1), [x])
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        fF.softmax(to_facade(x))


def test_dropout_like_identity_returns_input():
    x = facade.ones(3, requires_grad=True)
    assert fF.dropout(x, 0.0) is x
    assert fF.dropout(x, 0.5, training=False) is x
