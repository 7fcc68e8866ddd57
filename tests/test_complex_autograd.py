"""Complex gradients follow PyTorch's convention, not JAX's.

For a real loss L of z = x + iy, PyTorch's z.grad is dL/dx + i dL/dy; JAX's vjp gives the
conjugate. An incoming gradient v of a complex output y stands for the real loss
L = sum(Re(conj(v) * y)). Each case is checked against central finite differences of that
real loss in complex128 and, where torch is installed, against torch on the same inputs.
"""
import importlib

import numpy as np
import pytest

import facade

Z = np.array([1 + 2j, 3 - 1j, -0.5 + 0.25j])
W = np.array([2 - 1j, 0.5 + 0.5j, -1 + 3j])


def torch_or_none():
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


CASES = {
    "abs_squared": (lambda M, z: (z.abs() ** 2).sum(), None),
    "abs_of_square": (lambda M, z: (z * z).abs().sum(), None),
    "abs_of_product": (lambda M, z: (z * M.tensor(W)).abs().sum(), None),
    "log_abs_of_exp": (lambda M, z: (z.exp() * z).abs().log().sum(), None),
    "holomorphic_with_gradient": (lambda M, z: (z * M.tensor(W)).exp(), np.array([1 + 1j, -0.5 + 2j, 0.25 - 1j])),
    "division": (lambda M, z: (M.tensor(W) / (z + 3)), np.array([1 - 1j, 2 + 0j, 0.5j])),
}


def _loss_np(fn, z, v):
    """The real loss a (fn, v) case stands for, evaluated with facade in complex128 without autograd."""
    with facade.no_grad():
        y = fn(facade, facade.tensor(z)).numpy()
    return float(np.real(np.sum(np.conj(v) * y))) if v is not None else float(np.real(y))


def _finite_differences(fn, z, v, h=1e-6):
    g = np.zeros_like(z)
    for k in range(z.size):
        e = np.zeros_like(z)
        e.flat[k] = 1
        dx = (_loss_np(fn, z + h * e, v) - _loss_np(fn, z - h * e, v)) / (2 * h)
        dy = (_loss_np(fn, z + 1j * h * e, v) - _loss_np(fn, z - 1j * h * e, v)) / (2 * h)
        g.flat[k] = dx + 1j * dy
    return g


def _backward(M, fn, z, v):
    leaf = M.tensor(z, requires_grad=True)
    out = fn(M, leaf)
    out.backward(M.tensor(v) if v is not None else None)
    return leaf.grad.detach().numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_complex_leaf_gradient_is_pytorchs(name):
    fn, v = CASES[name]
    got = _backward(facade, fn, Z, v)
    np.testing.assert_allclose(got, _finite_differences(fn, Z, v), rtol=1e-6, atol=1e-7)
    torch = torch_or_none()
    if torch is not None:
        np.testing.assert_allclose(got, _backward(torch, fn, Z, v), rtol=1e-12, atol=1e-12)


def test_real_leaf_through_complex_values():
    def run(M):
        x = M.tensor([0.5, -1.0, 2.0], dtype=M.float64, requires_grad=True)
        ((x * M.tensor(W)).exp().abs() ** 2).sum().backward()
        return x.grad.numpy()

    got = run(facade)
    assert got.dtype == np.float64
    x0, h = np.array([0.5, -1.0, 2.0]), 1e-6
    loss = lambda x: float(np.sum(np.abs(np.exp(x * W)) ** 2))  # noqa: E731
    fd = [(loss(x0 + h * e) - loss(x0 - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(got, fd, rtol=1e-6)
    torch = torch_or_none()
    if torch is not None:
        np.testing.assert_allclose(got, run(torch), rtol=1e-12)


def _second_order(M):
    z = M.tensor(Z, requires_grad=True)
    g, = M.autograd.grad((z * z).abs().sum(), z, create_graph=True)
    g2, = M.autograd.grad((g * M.tensor(W)).abs().sum(), z)
    return g.detach().numpy(), g2.numpy()


def test_create_graph_second_order():
    g, g2 = _second_order(facade)
    np.testing.assert_allclose(g, _finite_differences(lambda M, z: (z * z).abs().sum(), Z, None), rtol=1e-6)
    torch = torch_or_none()
    if torch is not None:
        tg, tg2 = _second_order(torch)
        np.testing.assert_allclose(g, tg, rtol=1e-12)
        np.testing.assert_allclose(g2, tg2, rtol=1e-10)


def _hooked_and_accumulated(M):
    z = M.tensor(Z, requires_grad=True)
    seen = []
    y = z * M.tensor(W)
    y.register_hook(lambda g: seen.append(g.detach().numpy()))
    y.retain_grad()
    y.abs().sum().backward()
    (z * z).abs().sum().backward()  # accumulates into z.grad
    return seen[0], y.grad.numpy(), z.grad.numpy()


def test_hooks_retained_grads_and_accumulation_see_pytorchs_convention():
    hook, retained, acc = _hooked_and_accumulated(facade)
    y0 = Z * W
    np.testing.assert_allclose(hook, y0 / np.abs(y0), rtol=1e-12)  # d|y|: y / |y| in PyTorch's convention
    np.testing.assert_allclose(retained, hook, rtol=1e-12)
    expected = _finite_differences(lambda M, z: (z * M.tensor(W)).abs().sum() + (z * z).abs().sum(), Z, None)
    np.testing.assert_allclose(acc, expected, rtol=1e-6)
    torch = torch_or_none()
    if torch is not None:
        for a, b in zip((hook, retained, acc), _hooked_and_accumulated(torch)):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def _function_case(M):
    class Scale(M.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, grad):
            z, = ctx.saved_tensors
            ctx.seen = grad.detach().clone()
            return grad * 2 * z.conj()  # PyTorch's rule for a holomorphic f: grad * conj(f'(z))

    z = M.tensor(Z, requires_grad=True)
    Scale.apply(z).abs().sum().backward()
    return z.grad.numpy()


def test_autograd_function_speaks_pytorchs_convention():
    got = _function_case(facade)
    np.testing.assert_allclose(got, _finite_differences(lambda M, z: (z * z).abs().sum(), Z, None), rtol=1e-6)
    torch = torch_or_none()
    if torch is not None:
        np.testing.assert_allclose(got, _function_case(torch), rtol=1e-12)


def test_func_grad_and_vjp():
    z = facade.tensor(Z)
    g = facade.func.grad(lambda z: (z * z).abs().sum())(z)
    np.testing.assert_allclose(g.numpy(), _finite_differences(lambda M, z: (z * z).abs().sum(), Z, None), rtol=1e-6)
    v = np.array([1 + 1j, 2 - 0.5j, -1j])
    _, fn = facade.func.vjp(lambda z: (z * facade.tensor(W)).exp(), z)
    got, = fn(facade.tensor(v))
    np.testing.assert_allclose(got.numpy(), _finite_differences(lambda M, z: (z * M.tensor(W)).exp(), Z, v), rtol=1e-6)
    torch = torch_or_none()
    if torch is not None:
        tz = torch.tensor(Z)
        np.testing.assert_allclose(g.numpy(), torch.func.grad(lambda z: (z * z).abs().sum())(tz).numpy(), rtol=1e-12)
        _, tfn = torch.func.vjp(lambda z: (z * torch.tensor(W)).exp(), tz)
        np.testing.assert_allclose(got.numpy(), tfn(torch.tensor(v))[0].numpy(), rtol=1e-12)


# ---- complex views and numbers ------------------------------------------------------------------


def _views_case(M):
    z = M.tensor([1 + 2j, 4 - 1j])
    z.real.mul_(3)
    z.imag[1] = 7.0
    r = z.real
    z.mul_(2)  # seen through the earlier view
    v = M.view_as_real(z)
    return z.numpy(), r.numpy(), v.numpy(), v.stride(), z.imag.stride(), z.imag.storage_offset()


def test_real_imag_and_view_as_real_share_storage():
    z, r, v, vs, istride, ioff = _views_case(facade)
    np.testing.assert_array_equal(z, np.array([6 + 4j, 24 + 14j]))
    np.testing.assert_array_equal(r, z.real)
    np.testing.assert_array_equal(v, np.stack([z.real, z.imag], -1))
    assert (vs, istride, ioff) == ((2, 1), (2,), 1)
    torch = torch_or_none()
    if torch is not None:
        tz, tr, tv, tvs, tistride, tioff = _views_case(torch)
        np.testing.assert_array_equal(z, tz)
        assert (vs, istride, ioff) == (tvs, tistride, tioff)


def _grad_fn_names(M):
    a = M.tensor([1.0, 2.0], requires_grad=True)
    c = M.complex(a, a * 2)
    v = M.view_as_real(c)
    names = [type(c.real.grad_fn).__name__, type(c.conj().grad_fn).__name__, type(v.grad_fn).__name__]
    v.mul_(1)
    names += [type(v.grad_fn).__name__, type(c.grad_fn).__name__, c.conj().is_conj(), c.is_conj(),
              c.conj().resolve_conj().is_conj()]
    return names


def test_view_grad_fns_before_and_after_an_inplace_write():
    names = _grad_fn_names(facade)
    assert names == ["SelectBackward0", "ConjBackward0", "ViewAsRealBackward0", "ViewAsRealBackward0", "CopySlices",
                     True, False, False]
    torch = torch_or_none()
    if torch is not None:
        assert names == _grad_fn_names(torch)


def test_writing_through_a_conj_view_raises_instead_of_writing_the_wrong_value():
    z = facade.tensor([1 + 2j])
    with pytest.raises(NotImplementedError, match="conj"):
        z.conj().mul_(2)
    np.testing.assert_array_equal(z.numpy(), [1 + 2j])


@pytest.mark.parametrize("call", [
    lambda M: M.ones(2).imag, lambda M: M.view_as_real(M.ones(2)), lambda M: M.view_as_complex(M.ones(3)),
    lambda M: M.complex(M.ones(2), M.ones(2, dtype=M.float64)),
    lambda M: M.complex(M.ones(2, dtype=M.int64), M.ones(2, dtype=M.int64)),
])
def test_complex_errors(call):
    with pytest.raises(RuntimeError) as e:
        call(facade)
    torch = torch_or_none()
    if torch is not None:
        with pytest.raises(RuntimeError) as t:
            call(torch)
        assert str(e.value) == str(t.value)


def test_real_of_a_real_tensor_is_itself_and_angle_of_reals():
    x = facade.tensor([1.0, -2.0, 0.0])
    assert x.real is x and x.conj() is x
    np.testing.assert_array_equal(x.angle().numpy(), np.angle(np.array([1.0, -2.0, 0.0], np.float32)))


def test_complex_python_numbers_in_a_recurring_graph():
    """A complex Python operand is an input of the compiled program (it has no place in the float vector)."""
    facade.engine.clear_cache()
    z = facade.tensor(Z, requires_grad=True)
    for _ in range(4):  # the structure recurs: compiled from the second step
        (z * 2j + (1 - 1j)).abs().sum().backward()
    expected = 4 * _finite_differences(lambda M, z: (z * 2j + (1 - 1j)).abs().sum(), Z, None)
    np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-6)
    with facade.no_grad():
        for k in range(3):  # a forward that recurs, with a different number each time
            np.testing.assert_allclose((z * complex(k, 1)).numpy(), Z * complex(k, 1))
