"""Seed 004: 2*dot(x,x), the second-backward RuntimeError, non-scalar backward with gradient=,
detach inside a computation, gradients through Python control flow."""
import pytest

from notebook import Notebook, expect

SECOND = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)


@pytest.fixture(scope="module")
def nb():
    return Notebook()


def test_dot_gradient(nb):
    expect(nb, "x = torch.arange(4.0)\nx", "tensor([0., 1., 2., 3.])")
    expect(nb, "x.requires_grad_(True) # Alt is torch.arange(4.0, requires_grad = True)\nx.grad # None by default", "")
    expect(nb, "y = 2 * torch.dot(x,x)\ny", "tensor(28., grad_fn=<MulBackward0>)")
    expect(nb, "y.backward()\nx.grad", "tensor([ 0.,  4.,  8., 12.])")
    expect(nb, "x.grad == 4*x", "tensor([True, True, True, True])")


def test_second_backward_raises(nb):
    with pytest.raises(RuntimeError) as e:
        nb.run("y.backward()\nz = x.grad\nprint('Z : ', z)\n\ny.backward()")
    assert str(e.value) == SECOND


def test_sum_and_nonscalar(nb):
    expect(nb, "x.grad.zero_() # Reset it\n\ny = x.sum()\ny.backward()\nx.grad", "tensor([1., 1., 1., 1.])")
    expect(nb, "x.grad.zero_()\ny = x * x\ny.backward(gradient = torch.ones(len(y))) # Alt - y.sum().backward()\nx.grad",
           "tensor([0., 2., 4., 6.])")


def test_detach_in_computation(nb):
    cell = "x.grad.zero_()\ny = x*x\nu = y.detach()\nz = u*x\n\nz.sum().backward()\n\nx.grad ==u"
    expect(nb, cell, "tensor([True, True, True, True])")
    expect(nb, "x.grad.zero_()\ny.sum().backward()\nx.grad == 2 * x", "tensor([True, True, True, True])")


def test_control_flow(nb):
    nb.run('''
def f(a):
    b = a*2
    while b.norm() < 1000:
        b = b * 2

    if b.sum() > 0:
        c = b

    else:
        c = 100*b

    return c
''')
    out = nb.run("a = torch.randn(size = (), requires_grad = True)\nprint(a)\n\nd = f(a)\nd.backward()")
    assert out.startswith("tensor(") and out.rstrip().endswith("requires_grad=True)")
    a, d = nb["a"], nb["d"]
    # replay f's control flow on the float value: d = k * a, so the gradient is exactly k
    b, k = 2 * a.item(), 2.0
    while abs(b) < 1000:
        b, k = 2 * b, 2 * k
    if b <= 0:
        k *= 100
    assert a.grad.item() == k
    assert d.item() == pytest.approx(k * a.item(), rel=1e-6)
    expect(nb, "type(a.grad == d/a).__name__", "'Tensor'")
    assert nb.run("d/a").rstrip().endswith("grad_fn=<DivBackward0>)")
