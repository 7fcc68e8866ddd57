"""torch.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against torch."""
import numpy as np
import pytest

import facade as ft

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
A = rng.standard_normal((3,))
B = rng.standard_normal((2, 3))
W = rng.standard_normal((3, 3))


def pair(x, requires_grad=False):
    return (ft.tensor(x, dtype=ft.float64, requires_grad=requires_grad),
            torch.tensor(x, dtype=torch.float64, requires_grad=requires_grad))


def assert_same(a, b):
    if isinstance(b, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape)
    assert a.requires_grad == b.requires_grad
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def both(name, make_func, args, **kw):
    """Call the same function on facade and torch; args are numpy arrays or tuples of them."""
    out = []
    for k, lib in ((0, ft), (1, torch)):
        def conv(a):
            return tuple(pair(x)[k] for x in a) if isinstance(a, tuple) else pair(a)[k]
        kw2 = {key: conv(val) if key == "v" else val for key, val in kw.items()}
        out.append(getattr(lib.autograd.functional, name)(make_func(lib), conv(args), **kw2))
    return out


def f_single(lib):
    return lambda x: x.exp() * x.sin()


def f_multi(lib):
    return lambda x, y: (y @ x.sin(), (x * x).sum())


def f_scalar(lib):
    return lambda x: (x ** 3).sum() + x.prod()


def f_scalar2(lib):
    return lambda x, y: (y @ x.sin()).pow(2).sum()


@pytest.mark.parametrize("make, args", [(f_single, A), (f_multi, (A, B)), (f_single, (A,))])
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_structure_and_values(make, args, vectorize):
    a, b = both("jacobian", make, args, vectorize=vectorize)
    assert_same(a, b)


def test_jacobian_forward_mode_matches():
    a, b = both("jacobian", f_multi, (A, B), vectorize=True, strategy="forward-mode")
    assert_same(a, b)


@pytest.mark.parametrize("make, args", [(f_scalar, A), (f_scalar2, (A, B))])
def test_hessian(make, args):
    a, b = both("hessian", make, args)
    assert_same(a, b)


@pytest.mark.parametrize("args", [A, (A,)])
def test_jacobian_forward_mode_containers(args):
    a, b = both("jacobian", f_single, args, vectorize=True, strategy="forward-mode")
    assert_same(a, b)


def test_hessian_forward_outer():
    a, b = both("hessian", f_scalar2, (A, B), vectorize=True, outer_jacobian_strategy="forward-mode")
    assert_same(a, b)


@pytest.mark.parametrize("name, make, args, v", [
    ("vjp", f_single, A, A), ("vjp", f_multi, (A, B), (A[:2], np.array(1.5))),
    ("jvp", f_single, A, A), ("jvp", f_multi, (A, B), (A, B)),
    ("vhp", f_scalar, A, A), ("vhp", f_scalar2, (A, B), (A, B)),
    ("hvp", f_scalar, A, A), ("hvp", f_scalar2, (A, B), (A, B)),
])
def test_products(name, make, args, v):
    a, b = both(name, make, args, v=v)
    assert_same(a, b)


def test_v_none_for_scalar():
    a, b = both("vjp", f_scalar, A)
    assert_same(a, b)
    a, b = both("jvp", lambda lib: (lambda x: x * 3), np.array([2.0]))
    assert_same(a, b)


@pytest.mark.parametrize("name", ["jacobian", "hessian"])
def test_create_graph_gradients(name):
    """create_graph=True: the result carries a graph back to the inputs, with torch's gradients."""
    grads = []
    for k, lib in ((0, ft), (1, torch)):
        x = pair(A, requires_grad=True)[k]
        w = pair(W)[k]  # captured from outside: a constant
        res = getattr(lib.autograd.functional, name)(lambda t: (w @ t.sin()).pow(2).sum(), x, create_graph=True)
        assert res.requires_grad
        (res * res).sum().backward()
        grads.append(x.grad)
    np.testing.assert_allclose(grads[0].numpy(), grads[1].numpy(), rtol=1e-10)


def test_no_create_graph_detaches():
    x = ft.tensor(A, requires_grad=True)
    out, g = ft.autograd.functional.vjp(lambda t: t.exp(), x, ft.ones(3))
    assert not out.requires_grad and not g.requires_grad
    assert x.grad is None


def test_captured_parameter_gets_no_grad_and_is_constant():
    for k, lib in ((0, ft), (1, torch)):
        w = pair(W, requires_grad=True)[k]
        j = lib.autograd.functional.jacobian(lambda t: w @ t, pair(A)[k])
        np.testing.assert_allclose(j.numpy(), W)
        assert w.grad is None


def test_jacobian_create_graph_gradcheck():
    x = ft.tensor(A, dtype=ft.float64, requires_grad=True)
    w = ft.tensor(W, dtype=ft.float64)
    assert ft.autograd.gradcheck(
        lambda t: ft.autograd.functional.jacobian(lambda u: (w @ u).tanh(), t, create_graph=True), (x,))
    assert ft.autograd.gradcheck(
        lambda t: ft.autograd.functional.hvp(lambda u: (w @ u).tanh().sum(), t, t, create_graph=True)[1], (x,))


def same_error(call):
    errs = []
    for k, lib in ((0, ft), (1, torch)):
        with pytest.raises(Exception) as e:
            call(lib, k)
        errs.append(e.value)
    assert type(errs[0]) is type(errs[1])
    assert str(errs[0]) == str(errs[1])


F = lambda lib: lib.autograd.functional  # noqa: E731


@pytest.mark.parametrize("case", [
    lambda lib, k: F(lib).jacobian(lambda x: x.detach() * 2, pair(A)[k], strict=True),
    lambda lib, k: F(lib).jacobian(lambda x, y: x * 2, (pair(A)[k], pair(B)[k]), strict=True),
    lambda lib, k: F(lib).jacobian(lambda x: x * 2, pair(A)[k], strict=True, vectorize=True),
    lambda lib, k: F(lib).jacobian(lambda x: x * 2, pair(A)[k], strict=True, vectorize=True,
                                   strategy="forward-mode"),
    lambda lib, k: F(lib).jacobian(lambda x: x * 2, pair(A)[k], strategy="forward-mode"),
    lambda lib, k: F(lib).jacobian(lambda x: x * 2, pair(A)[k], strategy="forward-mode", create_graph=True),
    lambda lib, k: F(lib).jacobian(lambda x: x * 2, pair(A)[k], strategy="sideways"),
    lambda lib, k: F(lib).jacobian(lambda x: x * 2, pair(A)[k], strict=True, create_graph=True),
    lambda lib, k: F(lib).jacobian(lambda x: x * 2, [1, 2]),
    lambda lib, k: F(lib).jacobian(lambda x: x * 2, (pair(A)[k], 3)),
    lambda lib, k: F(lib).jacobian(lambda x: 3, pair(A)[k]),
    lambda lib, k: F(lib).vjp(lambda x: x * 2, pair(A)[k]),
    lambda lib, k: F(lib).vjp(lambda x: x * 2, pair(A)[k], pair(B)[k]),
    lambda lib, k: F(lib).vjp(lambda x: (x, x), pair(A)[k], (pair(A)[k],)),
    lambda lib, k: F(lib).vjp(lambda x: (x, x), pair(A)[k], (pair(A)[k], pair(B)[k])),
    lambda lib, k: F(lib).vjp(lambda x: x * 2, pair(A)[k], (pair(A)[k], pair(A)[k])),
    lambda lib, k: F(lib).vjp(lambda x, y: x * 2, (pair(A)[k], pair(B)[k]), pair(A)[k], strict=True),
    lambda lib, k: F(lib).jvp(lambda x: x * 2, pair(A)[k]),
    lambda lib, k: F(lib).jvp(lambda x: x.detach(), pair(A)[k], pair(A)[k], strict=True),
    lambda lib, k: F(lib).hessian(lambda x: x * 2, pair(A)[k]),
    lambda lib, k: F(lib).hessian(lambda x: (x.sum(), x.sum()), pair(A)[k]),
    lambda lib, k: F(lib).hessian(lambda x: (x * 2).sum(), pair(A)[k], strict=True),
    lambda lib, k: F(lib).hessian(lambda x: x.sum(), pair(A)[k], outer_jacobian_strategy="x"),
    lambda lib, k: F(lib).hvp(lambda x: x * 2, pair(A)[k], pair(A)[k]),
    lambda lib, k: F(lib).vhp(lambda x: (x, x), pair(A)[k], pair(A)[k]),
    lambda lib, k: F(lib).hvp(lambda x: x.sum(), pair(A)[k]),
    lambda lib, k: F(lib).hvp(lambda x: (x * 2).sum(), pair(A)[k], pair(A)[k], strict=True),
    lambda lib, k: F(lib).vhp(lambda x: (x * 2).sum(), pair(A)[k], pair(A)[k], strict=True),
])
def test_errors_match_torch(case):
    same_error(case)
