"""Seed 002: grad_fn, mean, MSE gradient, backward(gradient=v), requires_grad_(False), detach,
no_grad, accumulation across epochs and zero_(). Values after randn are checked by relation."""
import re

import pytest

from notebook import Notebook, expect


@pytest.fixture(scope="module")
def nb():
    return Notebook()


def test_randn_and_graph(nb):
    out = nb.run("x = torch.randn(3)\nprint(x)")
    assert re.fullmatch(r"tensor\(\[ *-?\d+\.\d{4}, +-?\d+\.\d{4}, +-?\d+\.\d{4}\]\)\n", out), out
    out = nb.run("x =torch.randn(3,requires_grad=True)\nx")
    assert out.startswith("tensor([") and out.rstrip().endswith("requires_grad=True)")
    nb.run("y = x+2")
    out = nb.run("print(y)")
    assert out.rstrip().endswith("grad_fn=<AddBackward0>)")
    x = nb["x"].detach().numpy()
    assert nb["y"].detach().numpy() == pytest.approx(x + 2)
    out = nb.run("z = y*y\nz.grad_fn")
    # notebook shows '<MulBackward0 at 0x...>' (IPython's repr); Python's repr is '<MulBackward0 object at 0x...>'
    assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>\n", out)
    nb.run("loss = z.mean()")
    nb.run("loss.backward()")
    grad = nb["x"].grad.numpy()
    assert grad == pytest.approx(2 * (x + 2) / 3, rel=1e-5)


def test_mse_gradient(nb):
    cell = """y_true = torch.tensor([1.0,2.1,3.0],)
y_pred = torch.tensor([1.30,2.79,4.02],requires_grad=True)
MSE = torch.mean((y_pred - y_true)**2)
MSE.backward()
print(y_pred.grad)"""
    expect(nb, cell, "tensor([0.2000, 0.4600, 0.6800])")
    cell = """v = torch.tensor([1,10,100],dtype=torch.float32)
SR = (y_pred - y_true)**2
SR.backward(v)

print(y_pred.grad)"""
    expect(nb, cell, "tensor([  0.8000,  14.2600, 204.6800])")


def test_backward_with_gradient(nb):
    cell = """x = torch.tensor([2.,3.,4.],requires_grad=True)
y = x**2
equal_gradients = torch.tensor([1.,1.,1.],dtype=torch.float32)
y.backward(equal_gradients)
print("Equal gradients",x.grad)"""
    expect(nb, cell, "Equal gradients tensor([4., 6., 8.])")
    cell = """x = torch.tensor([2.,3.,4.],requires_grad=True)
y = x**2
gradients = torch.tensor([1.,.1,.01],dtype=torch.float32)

y.backward(gradients)
print("Weighted Gradients",x.grad)"""
    expect(nb, cell, "Weighted Gradients tensor([4.0000, 0.6000, 0.0800])")


def test_stop_tracking(nb):
    expect(nb, "x.requires_grad_(False)\nprint(x)", "tensor([2., 3., 4.])")
    cell = """t = torch.tensor([1,2,3],requires_grad=True,dtype=torch.float32)
print(t)
t0 = t.detach()
print(t0)"""
    expect(nb, cell, "tensor([1., 2., 3.], requires_grad=True)\ntensor([1., 2., 3.])")
    cell = """y = t+2
print(y)

with torch.no_grad():
    y = t+2
    print(y)"""
    expect(nb, cell, "tensor([3., 4., 5.], grad_fn=<AddBackward0>)\ntensor([3., 4., 5.])")


def test_accumulation_across_epochs(nb):
    cell = """weights = torch.ones(4,requires_grad=True)

for epoch in range(3):
    model_output = (weights*3).sum()
    model_output.backward()
    print(weights.grad)"""
    expect(nb, cell, "tensor([3., 3., 3., 3.])\ntensor([6., 6., 6., 6.])\ntensor([9., 9., 9., 9.])")
    cell = """weights = torch.ones(4,requires_grad=True)

for epoch in range(3):
    model_output = (weights*3).sum()
    model_output.backward()
    print(weights.grad)
    weights.grad.zero_() #resets the weights fo the next iteration"""
    expect(nb, cell, "tensor([3., 3., 3., 3.])\ntensor([3., 3., 3., 3.])\ntensor([3., 3., 3., 3.])")
