"""torch.nn.utils.parametrize against torch: values, gradients, reprs, state_dict keys, errors."""
import numpy as np
import pytest

import facade as ft

torch = pytest.importorskip("torch")

W = np.random.default_rng(0).standard_normal((3, 3))


def make(lib):
    class Sym(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Scale(lib.nn.Module):
        def forward(self, X):
            return X * 3

        def right_inverse(self, X):
            return X / 3

    class Split(lib.nn.Module):
        def forward(self, a, b):
            return a + b

        def right_inverse(self, X):
            return (X * 0.25, X * 0.75)

    m = lib.nn.Linear(3, 3).double()
    with lib.no_grad():
        m.weight.copy_(lib.tensor(W))
        m.bias.fill_(0.5)
    return m, Sym, Scale, Split


def both(body):
    return [body(lib, *make(lib)) for lib in (ft, torch)]


def check_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(y, np.ndarray):
            np.testing.assert_allclose(x, y, rtol=1e-12)
        else:
            assert x == y


def test_register_value_grad_repr_state_dict():
    def body(lib, m, Sym, Scale, Split):
        P = lib.nn.utils.parametrize
        orig = m.weight
        P.register_parametrization(m, "weight", Sym())
        out = [repr(m), list(m.state_dict()), P.is_parametrized(m), P.is_parametrized(m, "weight"),
               P.is_parametrized(m, "bias"), m.parametrizations.weight.original is orig,
               m.weight.detach().numpy(), m.weight.requires_grad, type(m).__name__,
               [n for n, _ in m.named_parameters()]]
        m(lib.ones(2, 3, dtype=lib.float64)).pow(2).sum().backward()
        out.append(m.parametrizations.weight.original.grad.numpy())
        return out
    check_same(*both(body))


def test_chained_right_inverse_and_assignment():
    def body(lib, m, Sym, Scale, Split):
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", Scale())
        P.register_parametrization(m, "weight", Scale())
        out = [repr(m), m.weight.detach().numpy(), m.parametrizations.weight.original.detach().numpy()]
        m.weight = lib.tensor(W.T.copy())  # goes through right_inverse of each parametrization
        out += [m.parametrizations.weight.original.detach().numpy(), m.weight.detach().numpy()]
        return out
    check_same(*both(body))


def test_tuple_right_inverse():
    def body(lib, m, Sym, Scale, Split):
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", Split())
        out = [list(m.state_dict()), m.parametrizations.weight.original0.detach().numpy(),
               m.weight.detach().numpy()]
        P.remove_parametrizations(m, "weight")
        out += [list(m.state_dict()), type(m).__name__, type(m.weight).__name__, m.weight.detach().numpy()]
        return out
    check_same(*both(body))


@pytest.mark.parametrize("leave", [True, False])
def test_remove(leave):
    def body(lib, m, Sym, Scale, Split):
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", Sym())
        P.register_parametrization(m, "bias", Scale())
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        out = [repr(m), list(m.state_dict()), m.weight.detach().numpy(), type(m.weight).__name__]
        P.remove_parametrizations(m, "bias", leave_parametrized=leave)
        out += [repr(m), type(m).__name__, hasattr(m, "parametrizations"), m.bias.detach().numpy()]
        return out
    check_same(*both(body))


def test_cached():
    def body(lib, m, Sym, Scale, Split):
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", Sym())
        with P.cached():
            same = m.weight is m.weight
        return [same, m.weight is m.weight]
    check_same(*both(body))


def test_gradcheck_through_parametrization():
    m, Sym, Scale, Split = make(ft)
    ft.nn.utils.parametrize.register_parametrization(m, "weight", Sym())
    x = ft.ones(2, 3, dtype=ft.float64)
    orig = m.parametrizations.weight.original
    assert ft.autograd.gradcheck(lambda w: ft.nn.functional.linear(x, Sym()(w)).tanh(), (orig.detach().requires_grad_(),))


@pytest.mark.parametrize("case", [
    lambda lib, m, Sym, Scale, Split: lib.nn.utils.parametrize.register_parametrization(m, "nope", Sym()),
    lambda lib, m, Sym, Scale, Split: lib.nn.utils.parametrize.remove_parametrizations(m, "weight"),
    lambda lib, m, Sym, Scale, Split: setattr(
        lib.nn.utils.parametrize.register_parametrization(m, "weight", Sym()), "weight", m.bias),
    lambda lib, m, Sym, Scale, Split: lib.nn.utils.parametrize.remove_parametrizations(
        lib.nn.utils.parametrize.register_parametrization(m, "weight", Split()), "weight", leave_parametrized=False),
])
def test_errors_match_torch(case):
    errs = []
    for lib in (ft, torch):
        with pytest.raises(Exception) as e:
            case(lib, *make(lib))
        errs.append((type(e.value), str(e.value)))
    assert errs[0] == errs[1]


CW = np.random.default_rng(1).standard_normal((4, 3, 2))


@pytest.mark.parametrize("dim", [0, 1, 2, None, -1])
def test_weight_norm_parametrization(dim):
    res = []
    for lib in (ft, torch):
        m = lib.nn.Conv1d(3, 4, 2).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor(CW))
            m.bias.fill_(0.1)
        lib.nn.utils.parametrizations.weight_norm(m, dim=dim)
        g, v = m.parametrizations.weight.original0, m.parametrizations.weight.original1
        out = [repr(m), list(m.state_dict()), g.detach().numpy(), m.weight.detach().numpy()]
        x = lib.tensor(np.linspace(-1, 1, 30).reshape(1, 3, 10))
        m(x).tanh().sum().backward()
        res.append(out + [g.grad.numpy(), v.grad.numpy()])
    check_same(*res)


def test_weight_norm_gradcheck():
    wn = ft.nn.utils.parametrizations._WeightNorm(0)
    g = ft.tensor(np.abs(CW[:, :1, :1]) + 0.5, requires_grad=True)
    v = ft.tensor(CW, requires_grad=True)
    assert ft.autograd.gradcheck(wn, (g, v))


def test_not_implemented_parametrizations_say_so():
    with pytest.raises(NotImplementedError):
        ft.nn.utils.parametrizations.orthogonal(ft.nn.Linear(2, 2))


@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm(dim):
    import warnings
    res = []
    for lib in (ft, torch):
        m = lib.nn.Conv1d(3, 4, 2).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor(CW))
            m.bias.fill_(0.1)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.utils.weight_norm(m, dim=dim)
        out = [[(x.category, str(x.message)) for x in w], repr(m), list(m.state_dict()),
               [n for n, _ in m.named_parameters()], m.weight_g.detach().numpy().copy(), m.weight.detach().numpy().copy()]
        x = lib.tensor(np.linspace(-1, 1, 30).reshape(1, 3, 10))
        with lib.no_grad():
            m.weight_g.mul_(2)  # the pre-hook recomputes weight on the next call
        m(x).tanh().sum().backward()
        out += [m.weight.detach().numpy().copy(), m.weight_g.grad.numpy(), m.weight_v.grad.numpy()]
        with pytest.raises(RuntimeError) as e:
            lib.nn.utils.weight_norm(m, dim=dim)
        out.append(str(e.value))
        lib.nn.utils.remove_weight_norm(m)
        out += [list(m.state_dict()), type(m.weight).__name__, m.weight.detach().numpy().copy()]
        with pytest.raises(ValueError) as e:
            lib.nn.utils.remove_weight_norm(m)
        out.append(str(e.value))
        res.append(out)
    check_same(*res)
