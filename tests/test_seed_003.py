"""Seed 003: version and CUDA query, x**2, sin(x**2), manual vs autograd BCE, vector mean, zero_()."""
import pytest

from notebook import Notebook, expect

BINARY_LOSS = '''
def binary_loss(prediction, target):
    epsilon = 1e-8  # To prevent Log(0)
    prediction = torch.clamp(prediction, epsilon, 1 - epsilon)

    return -(target*torch.log(prediction) + (1-target)*torch.log(1-prediction))
'''


@pytest.fixture(scope="module")
def nb():
    return Notebook()


def test_version_and_cuda(nb):
    out = nb.run('print(torch.__version__)\nprint("CUDA Available:", torch.cuda.is_available())')
    version, cuda = out.splitlines()
    assert version and version[0].isdigit()
    assert cuda in ("CUDA Available: True", "CUDA Available: False")


def test_manual_derivative(nb):
    expect(nb, "def dy_dx(x):\n    return 2*x\n\ndy_dx(3)", "6")


def test_autograd(nb):
    nb.run("x = torch.tensor(3.0, requires_grad=True)\ny = x**2")
    expect(nb, "print(x)\nprint(y)", "tensor(3., requires_grad=True)\ntensor(9., grad_fn=<PowBackward0>)")
    expect(nb, "y.backward()\nx.grad", "tensor(6.)")


def test_nested(nb):
    nb.run("x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2\nz = torch.sin(y)")
    expect(nb, "print(x,y,z)", "tensor(3., requires_grad=True) tensor(9., grad_fn=<PowBackward0>) tensor(0.4121, grad_fn=<SinBackward0>)")
    expect(nb, "z.backward()", "")
    expect(nb, "print(x.grad)", "tensor(-5.4668)")


def test_manual_network(nb):
    nb.run("x = torch.tensor(6.7)\ny = torch.tensor(0.0)\nw = torch.tensor(1.0)\nb = torch.tensor(0.0)")
    nb.run(BINARY_LOSS)
    nb.run("z = w*x + b\ny_pred = torch.sigmoid(z)\nloss = binary_loss(y_pred, y)")
    expect(nb, "loss", "tensor(6.7012)")
    nb.run(
        "dloss_dy_pred = (y_pred - y)/(y_pred*(1-y_pred))\ndy_pred_dz = y_pred * (1 - y_pred)\ndz_dw = x\ndz_db = 1\n"
        "dL_dw = dloss_dy_pred * dy_pred_dz * dz_dw\ndL_db = dloss_dy_pred * dy_pred_dz * dz_db"
    )
    expect(
        nb,
        'print(f"Manual Gradient of loss w.r.t weight (dw): {dL_dw}")\nprint(f"Manual Gradient of loss w.r.t bias (db): {dL_db}")',
        "Manual Gradient of loss w.r.t weight (dw): 6.691762447357178\nManual Gradient of loss w.r.t bias (db): 0.998770534992218",
    )


def test_autograd_network(nb):
    nb.run("x = torch.tensor(6.7)\ny = torch.tensor(0.0)\nw = torch.tensor(1.0, requires_grad=True)\nb = torch.tensor(0.0, requires_grad=True)")
    expect(nb, "print(w,b)", "tensor(1., requires_grad=True) tensor(0., requires_grad=True)")
    expect(nb, "z = w*x + b\nprint(z)", "tensor(6.7000, grad_fn=<AddBackward0>)")
    expect(nb, "y_pred = torch.sigmoid(z)\ny_pred", "tensor(0.9988, grad_fn=<SigmoidBackward0>)")
    expect(nb, "loss = binary_loss(y_pred, y)\nloss", "tensor(6.7012, grad_fn=<NegBackward0>)")
    expect(nb, "loss.backward()", "")
    expect(nb, "print(w.grad)  # dLoss/dw\nprint(b.grad)  # dLoss/db", "tensor(6.6918)\ntensor(0.9988)")


def test_vectors(nb):
    nb.run("x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = (x**2).mean()")
    expect(nb, "print(x, y)", "tensor([1., 2., 3.], requires_grad=True) tensor(4.6667, grad_fn=<MeanBackward0>)")
    expect(nb, "y.backward()", "")
    expect(nb, "x.grad", "tensor([0.6667, 1.3333, 2.0000])")
    expect(nb, "x.grad.zero_() # Resets the Tensors Inplace", "tensor([0., 0., 0.])")
