"""Gradients through cuts of the graph: hooked non-leaf tensors, and non-leaf inputs of
autograd.grad under create_graph. Each case has a closed form (written out in the test) and,
where torch is installed, is compared with torch on the same inputs."""
import importlib

import numpy as np
import pytest

import facade

X = np.array([0.3, 0.7])  # float64 on both sides


def torch_or_none():
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def _both(case):
    got = case(facade)
    torch = torch_or_none()
    if torch is not None:
        want = case(torch)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    return got


def _np(t):
    return t.detach().numpy()


def test_hooks_with_several_leaves_of_several_elements():
    """The leaves met by the stages were told apart with ==, which is elementwise for tensors."""
    def case(M):
        x = M.tensor(X, requires_grad=True)
        w = M.tensor([1.5, -2.0], dtype=M.float64, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g * 3)
        ((y * w).sum() + (x * x * w).sum()).backward()
        return _np(x.grad), _np(w.grad)

    gx, gw = _both(case)
    w = np.array([1.5, -2.0])
    np.testing.assert_allclose(gx, 3 * 2 * w + 2 * X * w)
    np.testing.assert_allclose(gw, 2 * X + X * X)


@pytest.mark.parametrize("scale", [None, 1.0, 3.0])
def test_create_graph_through_a_hooked_tensor(scale):
    """loss = sum(sin(v)^2), v = 2x, with a hook scaling v's gradient by s (None: observes only).
    First order 2 s sin(4x); the hook also runs in the second backward, so d/dx of its sum is 8 s^2 cos(4x)."""
    def case(M):
        x = M.tensor(X, requires_grad=True)
        v = x * 2
        seen = []
        v.register_hook((lambda g: seen.append(1)) if scale is None else (lambda g: g * scale))
        g, = M.autograd.grad((v.sin() ** 2).sum(), x, create_graph=True)
        g2, = M.autograd.grad(g.sum(), x)
        return _np(g), _np(g2)

    s = 1.0 if scale is None else scale
    g, g2 = _both(case)
    np.testing.assert_allclose(g, 2 * s * np.sin(4 * X), rtol=1e-12)
    np.testing.assert_allclose(g2, 8 * s * s * np.cos(4 * X), rtol=1e-12)


def test_create_graph_gradient_with_respect_to_a_non_leaf():
    """g = d sum(sin(v)^2) / dv = sin(2v) for v = 2x: differentiable again with respect to v
    (2 cos(2v)) and to x (4 cos(2v)). It was None with respect to v."""
    def case(M):
        x = M.tensor(X, requires_grad=True)
        v = x * 2
        g, = M.autograd.grad((v.sin() ** 2).sum(), v, create_graph=True)
        dv, = M.autograd.grad(g.sum(), v, retain_graph=True)
        dx, = M.autograd.grad(g.sum(), x)
        return _np(g), _np(dv), _np(dx)

    g, dv, dx = _both(case)
    v = 2 * X
    np.testing.assert_allclose(g, np.sin(2 * v), rtol=1e-12)
    np.testing.assert_allclose(dv, 2 * np.cos(2 * v), rtol=1e-12)
    np.testing.assert_allclose(dx, 4 * np.cos(2 * v), rtol=1e-12)


def test_create_graph_with_respect_to_a_leaf_and_a_non_leaf_together():
    def case(M):
        x = M.tensor(X, requires_grad=True)
        v = x * 2
        loss = (v.sin() ** 2).sum() + (x ** 3).sum()
        gv, gx = M.autograd.grad(loss, (v, x), create_graph=True)
        h, = M.autograd.grad((gv * gx).sum(), x)
        return _np(gv), _np(gx), _np(h)

    gv, gx, h = _both(case)
    v = 2 * X
    np.testing.assert_allclose(gv, np.sin(2 * v), rtol=1e-12)
    np.testing.assert_allclose(gx, 2 * np.sin(2 * v) + 3 * X ** 2, rtol=1e-12)
    # d/dx [sin(4x) (2 sin(4x) + 3x^2)]
    expected = 4 * np.cos(4 * X) * gx + np.sin(4 * X) * (8 * np.cos(4 * X) + 6 * X)
    np.testing.assert_allclose(h, expected, rtol=1e-10)


def test_a_detached_use_backward_then_a_second_backward_through_the_tensor():
    """A GAN step: D(fake.detach()).backward() computed fake's value as part of its program and then
    dropped fake's graph, so the next backward through fake (to G's weights) raised a JAX TypeError.
    Closed form: d = w*x; loss2 = sum(v * d) with v updated by the first backward -> x.grad-free,
    w.grad = sum(v_new * x)."""
    def case(M):
        x = M.tensor(X, dtype=M.float64)
        w = M.tensor(1.5, dtype=M.float64, requires_grad=True)
        v = M.tensor(-0.5, dtype=M.float64, requires_grad=True)
        fake = w * x
        (v * fake.detach()).sum().backward()
        with M.no_grad():
            v -= 0.1 * v.grad
        (v * fake).sum().backward()
        return [w.grad.numpy(), v.grad.numpy()]

    w_grad, v_grad = _both(case)
    v_new = -0.5 - 0.1 * X.sum() * 1.5
    np.testing.assert_allclose(w_grad, v_new * X.sum(), rtol=1e-12)
    np.testing.assert_allclose(v_grad, 2 * 1.5 * X.sum(), rtol=1e-12)
