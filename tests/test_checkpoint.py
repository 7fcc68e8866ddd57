"""torch.utils.checkpoint against torch: outputs, gradients, warnings and errors."""
import warnings

import numpy as np
import pytest

import facade as ft
import facade.utils.checkpoint as fcp

torch = pytest.importorskip("torch")
import torch.utils.checkpoint as tcp  # noqa: E402

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3))
W1 = rng.standard_normal((5, 3))
W2 = rng.standard_normal((2, 5))


def setup(lib, x_grad):
    x = lib.tensor(X, dtype=lib.float64, requires_grad=x_grad)
    l1 = lib.nn.Linear(3, 5).double()
    l2 = lib.nn.Linear(5, 2).double()
    with lib.no_grad():
        l1.weight.copy_(lib.tensor(W1))
        l2.weight.copy_(lib.tensor(W2))
        l1.bias.fill_(0.1)
        l2.bias.fill_(-0.2)
    return x, l1, l2


def run(lib, cp, x_grad, reentrant):
    x, l1, l2 = setup(lib, x_grad)

    def block(t, scale=1.0):
        return l2(l1(t).tanh()) * scale

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = cp.checkpoint(block, x, use_reentrant=reentrant)
    out = {"y": y.detach().numpy(), "rg": y.requires_grad}
    if y.requires_grad:
        y.pow(2).sum().backward()
    for name, t in (("x", x), ("w1", l1.weight), ("b2", l2.bias)):
        out[name] = None if t.grad is None else t.grad.numpy()
    return out


@pytest.mark.parametrize("x_grad", [True, False])
@pytest.mark.parametrize("reentrant", [True, False])
def test_outputs_and_gradients_match_torch(x_grad, reentrant):
    a, b = run(ft, fcp, x_grad, reentrant), run(torch, tcp, x_grad, reentrant)
    assert a["rg"] == b["rg"]
    for k in b:
        if k == "rg":
            continue
        if b[k] is None:
            assert a[k] is None, k
        else:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-10, err_msg=k)


def test_kwargs_passed_non_reentrant():
    res = []
    for lib, cp in ((ft, fcp), (torch, tcp)):
        x = lib.tensor(X, requires_grad=True)
        y = cp.checkpoint(lambda t, scale: t * scale, x, scale=3.0, use_reentrant=False)
        y.sum().backward()
        res.append(x.grad.numpy())
    np.testing.assert_allclose(res[0], res[1])


def test_gradcheck_float64():
    _, l1, l2 = setup(ft, False)
    x = ft.tensor(X, dtype=ft.float64, requires_grad=True)
    for reentrant in (True, False):
        assert ft.autograd.gradcheck(lambda t: fcp.checkpoint(lambda u: l2(l1(u).tanh()), t,
                                                              use_reentrant=reentrant), (x,))


def test_dropout_same_mask_as_plain_call():
    ft.manual_seed(0)
    x = ft.ones(50, 20, requires_grad=True)
    drop = ft.nn.Dropout(0.5)
    y = fcp.checkpoint(drop, x, use_reentrant=False, preserve_rng_state=True)
    y.sum().backward()
    # gradient of sum(dropout(x)) is exactly the mask scaled by 2: the draws seen by backward
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    ft.manual_seed(0)
    np.testing.assert_array_equal(drop(ft.ones(50, 20)).numpy(), y.detach().numpy())


def caught(call):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            call()
            err = None
        except Exception as e:  # noqa: BLE001
            err = (type(e), str(e))
    return [(m.category, str(m.message)) for m in w], err


@pytest.mark.parametrize("case", [
    lambda lib, cp, x: cp.checkpoint(lambda t: t * 2, x),
    lambda lib, cp, x: cp.checkpoint(lambda t: t * 2, x, use_reentrant=True),
    lambda lib, cp, x: cp.checkpoint(lambda t: t * 2, x.requires_grad_(), use_reentrant=True),
    lambda lib, cp, x: cp.checkpoint(lambda t: t * 2, x, use_reentrant=False),
    lambda lib, cp, x: cp.checkpoint(lambda t, s: t * s, x, s=2, use_reentrant=True),
    lambda lib, cp, x: cp.checkpoint(lambda t: t, x, use_reentrant=True, context_fn=lambda: None),
    lambda lib, cp, x: cp.checkpoint_sequential([lib.nn.Tanh(), lib.nn.ReLU()], 2, x),
    lambda lib, cp, x: cp.checkpoint_sequential([lib.nn.Tanh()], 1, x, use_reentrant=False, foo=1),
])
def test_warnings_and_errors_match_torch(case):
    a = caught(lambda: case(ft, fcp, ft.tensor(X)))
    b = caught(lambda: case(torch, tcp, torch.tensor(X)))
    assert a == b


@pytest.mark.parametrize("segments", [1, 2, 3])
@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_sequential(segments, reentrant):
    res = []
    for lib, cp in ((ft, fcp), (torch, tcp)):
        x, l1, l2 = setup(lib, True)
        model = lib.nn.Sequential(l1, lib.nn.Tanh(), l2, lib.nn.Sigmoid())
        y = cp.checkpoint_sequential(model, segments, x, use_reentrant=reentrant)
        y.sum().backward()
        res.append((y.detach().numpy(), x.grad.numpy(), l1.weight.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10)
