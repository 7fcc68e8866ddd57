"""Seed 001: polynomial gradients, a linear model, a one-hidden-layer net,
binary_cross_entropy_with_logits, no_grad/detach, nn.Linear + MSELoss + optim.SGD and a loop.
Cells whose values came from randn are checked by the relationships the tutorial states."""
import re

import numpy as np
import pytest

from notebook import Notebook, expect


@pytest.fixture(scope="module")
def nb():
    return Notebook()


def test_example1_scalar(nb):
    expect(nb, "x=torch.tensor(7.0,requires_grad=True)\nf = (x**2)+3\nf.backward()\nprint(x.grad)", "tensor(14.)")


def test_example2_polynomial(nb):
    cell = """x = torch_input=torch.tensor([[1.0,2.0,3.0],
                              [4.0,5.0,6.0],
                              [7.0,8.0,9.0]],requires_grad=True)

def f(x):
    return (x**3) + 7*(x**2) + 5*x + 10

z=f(x).sum()
z.backward()
print(x.grad)
print(3*x**2+14*x+5)"""
    expect(nb, cell, """tensor([[ 22.,  45.,  74.],
        [109., 150., 197.],
        [250., 309., 374.]])
tensor([[ 22.,  45.,  74.],
        [109., 150., 197.],
        [250., 309., 374.]], grad_fn=<AddBackward0>)""")


def test_example3_linear_model(nb):
    # The seed's cell uses a `z` defined in a later cell (Example 5); define it the same way first.
    nb.run("z = torch.matmul(torch.ones(5), torch.randn(5, 3, requires_grad=True)) + torch.randn(3, requires_grad=True)")
    cell = """x = torch.tensor(5., requires_grad=True)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(3., requires_grad=True)
y = w * x + b
y.backward()
print("Gradient of x:", x.grad)
print("Gradient of b:", b.grad)
print("Gradient of w:", w.grad)
w.data -= 0.01 * w.grad.data
b.data -= 0.01 * b.grad.data
y1 = torch.zeros(3)  # expected output
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y1)
print("y:",y)
print("Updated b:", b.data)
print("Updated W:", w.data)"""
    expect(nb, cell, """Gradient of x: tensor(2.)
Gradient of b: tensor(1.)
Gradient of w: tensor(5.)
y: tensor(13., grad_fn=<AddBackward0>)
Updated b: tensor(2.9900)
Updated W: tensor(1.9500)""")
    z = nb["z"].detach().numpy().astype(np.float64)
    loss = nb["loss"]
    assert loss.item() == pytest.approx(np.mean(np.log1p(np.exp(z))), rel=1e-5)
    assert nb.run('print("Loss:",loss)').rstrip().endswith("grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)")
    out = nb.run('print(f"Gradient function for z = {z.grad_fn}")\nprint(f"Gradient function for loss = {loss.grad_fn}")')
    assert re.fullmatch(
        r"Gradient function for z = <AddBackward0 object at 0x[0-9a-f]+>\n"
        r"Gradient function for loss = <BinaryCrossEntropyWithLogitsBackward0 object at 0x[0-9a-f]+>\n",
        out,
    )


def test_example4_hidden_layer(nb):
    cell = """x = torch.randn(1, 10, requires_grad=True)
w1 = torch.randn(10, 5, requires_grad=True)
b1 = torch.randn(5, requires_grad=True)
h = x @ w1 + b1
h = torch.relu(h)
w2 = torch.randn(5, 1, requires_grad=True)
b2 = torch.randn(1, requires_grad=True)
y = h @ w2 + b2
y.backward()
g = [t.grad.clone() for t in (w1, b1, w2, b2)]
w1.data -= 0.01 * w1.grad.data
b1.data -= 0.01 * b1.grad.data
w2.data -= 0.01 * w2.grad.data
b2.data -= 0.01 * b2.grad.data"""
    nb.run(cell)
    x, w1, b1, w2 = (nb[k].detach().numpy().astype(np.float64) for k in ("x", "w1", "b1", "w2"))
    gw1, gb1, gw2, gb2 = (t.numpy() for t in nb["g"])
    pre = x @ (w1 + 0.01 * gw1) + (b1 + 0.01 * gb1)  # the weights before the update
    active = (pre > 0).astype(np.float64)
    w2_before = w2 + 0.01 * gw2
    np.testing.assert_allclose(gb1, (active * w2_before.T).ravel(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gw1, x.T @ (active * w2_before.T), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gw2.ravel(), np.maximum(pre, 0).ravel(), rtol=1e-5, atol=1e-6)
    assert gb2.tolist() == [1.0]
    assert nb.run('print("Gradient of b2:", b2.grad)').strip() == "Gradient of b2: tensor([1.])"


def test_example5_bce_with_logits(nb):
    cell = """x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w)+b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
loss.backward()"""
    nb.run(cell)
    z = nb["z"].detach().numpy().astype(np.float64)
    expected = 1 / (1 + np.exp(-z)) / 3  # d mean(BCE)/dz = sigmoid(z) / n
    np.testing.assert_allclose(nb["b"].grad.numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(nb["w"].grad.numpy(), np.tile(expected, (5, 1)), rtol=1e-5)
    expect(nb, "z = torch.matmul(x, w)+b\nprint(z.requires_grad)\n\nwith torch.no_grad():\n    z = torch.matmul(x, w)+b\nprint(z.requires_grad)", "True\nFalse")
    expect(nb, "z = torch.matmul(x, w)+b\nz_det = z.detach()\nprint(z_det.requires_grad)", "False")


def test_example6_linear_mse_sgd(nb):
    cell = """import torch.nn as nn
x = torch.randn(10,3)
y = torch.randn(10,2)
linear = nn.Linear(3,2)
print("w:", linear.weight)
print("b:", linear.bias)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(linear.parameters(), lr = 0.01)
pred = linear(x)
loss = criterion(pred, y)
print("Loss:", loss.item())
loss.backward()
print("dL/dw:", linear.weight.grad)
print("dL/db:", linear.bias.grad)
optimizer.step()
pred = linear(x)
loss = criterion(pred, y)
print("Loss after 1 step optimization:", loss.item())"""
    out = nb.run(cell.replace("import torch.nn as nn", "nn = torch.nn"))
    lines = out.splitlines()
    assert lines[0].startswith("w: Parameter containing:") and lines[1].startswith("tensor([[")
    assert lines[2].rstrip().endswith("requires_grad=True)")
    assert lines[3] == "b: Parameter containing:" and lines[4].endswith("requires_grad=True)")
    loss0 = float(lines[5].split(": ")[1])
    loss1 = float(lines[-1].split(": ")[1])
    x, y = nb["x"].numpy().astype(np.float64), nb["y"].numpy().astype(np.float64)
    w, b = nb["linear"].weight.detach().numpy(), nb["linear"].bias.detach().numpy()
    gw, gb = nb["linear"].weight.grad.numpy(), nb["linear"].bias.grad.numpy()
    w0, b0 = w + 0.01 * gw, b + 0.01 * gb  # before the SGD step
    assert loss0 == pytest.approx(np.mean((x @ w0.T + b0 - y) ** 2), rel=1e-5)
    assert loss1 == pytest.approx(np.mean((x @ w.T + b - y) ** 2), rel=1e-5)
    assert loss1 < loss0
    np.testing.assert_allclose(gw, 2 * ((x @ w0.T + b0 - y).T @ x) / y.size, rtol=1e-4, atol=1e-6)


def test_example6_training_loop(nb):
    cell = """x = torch.randn(10,3)
y = torch.randn(10,2)
linear = nn.Linear(3,2)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(linear.parameters(), lr = 0.01)
epochs = 10
for epoch in range(epochs):
    pred = linear(x)
    loss = criterion(pred, y)
    print(f"Epoch [{epoch+1}/{epochs}], Loss: {loss.item()}")
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
print("Final Loss after all epochs:", loss.item())"""
    out = nb.run(cell).splitlines()
    losses = [float(line.split("Loss: ")[1]) for line in out[:10]]
    assert [line.split(",")[0] for line in out[:10]] == [f"Epoch [{i}/10]" for i in range(1, 11)]
    assert all(b < a for a, b in zip(losses, losses[1:]))  # gradient descent on a convex loss
    assert out[10] == f"Final Loss after all epochs: {losses[-1]}"
