"""Seed 000: scalar autograd, chain rule, manual vs autograd BCE, mean, accumulation, the three
ways to stop tracking. Expected outputs are those PyTorch printed in the seed notebook."""
import pytest

from notebook import Notebook, expect


@pytest.fixture(scope="module")
def nb():
    return Notebook()


def test_device_query(nb):
    # The seed ran on a GPU; on a machine without one facade answers as PyTorch's CPU build does.
    nb.run('device = "cuda" if torch.cuda.is_available() else "cpu"')
    if nb["device"] == "cpu":
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            nb.run("print(torch.cuda.get_device_name())")
    else:
        out = nb.run("print(torch.cuda.get_device_name())\nprint(torch.cuda.get_device_capability())")
        assert out.splitlines()[1].startswith("(")


def test_scalar_autograd(nb):
    dev = nb.run("print(device)").strip()
    suffix = ", device='cuda:0'" if dev == "cuda" else ""
    expect(nb, "x = torch.tensor(3.0, requires_grad=True, device=device)\nx", f"tensor(3.{suffix}, requires_grad=True)")
    expect(nb, "y = x**2\ny", f"tensor(9.{suffix}, grad_fn=<PowBackward0>)")
    expect(nb, "y.backward(retain_graph = True)", "")
    expect(nb, "x.grad", f"tensor(6.{suffix})")


def test_chain_rule(nb):
    expect(nb, "x = torch.tensor(4.0, requires_grad=True)\ny = 2 * x * (torch.cos(x) ** 2)\nz = torch.sin(y)", "")
    expect(nb, "x", "tensor(4., requires_grad=True)")
    expect(nb, "y", "tensor(3.4180, grad_fn=<MulBackward0>)")
    expect(nb, "z", "tensor(-0.2729, grad_fn=<SinBackward0>)")
    expect(nb, "z.backward()", "")
    expect(nb, "x.grad", "tensor(6.7924)")


BCE = '''
def binary_cross_entropy_loss(prediction, target):
    epsilon = 1e-8  # To prevent log(0)
    prediction = torch.clamp(prediction, epsilon, 1 - epsilon)
    return -(target * torch.log(prediction) + (1 - target) * torch.log(1 - prediction))
'''


def test_manual_bce_gradients(nb):
    nb.run("x = torch.tensor(6.7)\ny = torch.tensor(0.0)\nw = torch.tensor(1.0)\nb = torch.tensor(0.0)")
    nb.run(BCE)
    expect(nb, "z = w * x + b\ny_pred = torch.sigmoid(z)\nloss = binary_cross_entropy_loss(y_pred, y)\nloss", "tensor(6.7012)")
    nb.run(
        "dloss_dy_pred = (y_pred - y)/(y_pred*(1-y_pred))\ndy_pred_dz = y_pred * (1 - y_pred)\n"
        "dz_dw = x\ndz_db = 1\ndL_dw = dloss_dy_pred * dy_pred_dz * dz_dw\ndL_db = dloss_dy_pred * dy_pred_dz * dz_db"
    )
    expect(
        nb,
        'print(f"Manual Gradient of loss w.r.t weight (dw): {dL_dw}")\nprint(f"Manual Gradient of loss w.r.t bias (db): {dL_db}")',
        "Manual Gradient of loss w.r.t weight (dw): 6.691762447357178\nManual Gradient of loss w.r.t bias (db): 0.998770534992218",
    )


def test_autograd_bce(nb):
    nb.run("x = torch.tensor(6.7)\ny = torch.tensor(0.0)\nw = torch.tensor(1.0, requires_grad=True)\nb = torch.tensor(0.0, requires_grad=True)")
    expect(nb, "z = w*x + b\nz", "tensor(6.7000, grad_fn=<AddBackward0>)")
    expect(nb, "y_pred = torch.sigmoid(z)\ny_pred", "tensor(0.9988, grad_fn=<SigmoidBackward0>)")
    expect(nb, "loss = binary_cross_entropy_loss(y_pred, y)\nloss", "tensor(6.7012, grad_fn=<NegBackward0>)")
    expect(nb, "loss.backward()", "")
    expect(nb, "print(w.grad)\nprint(b.grad)", "tensor(6.6918)\ntensor(0.9988)")


def test_tensor_mean(nb):
    expect(
        nb,
        "x = torch.tensor([[1.0, 2.0, 3.0], [2.5, 9.8, 5.7]], requires_grad = True)\nx",
        "tensor([[1.0000, 2.0000, 3.0000],\n        [2.5000, 9.8000, 5.7000]], requires_grad=True)",
    )
    expect(nb, "y = (x**2).mean()\ny", "tensor(24.7967, grad_fn=<MeanBackward0>)")
    expect(nb, "y.backward()", "")
    expect(nb, "x.grad", "tensor([[0.3333, 0.6667, 1.0000],\n        [0.8333, 3.2667, 1.9000]])")


def test_accumulation_and_zero(nb):
    expect(nb, "x = torch.tensor(2.0, requires_grad = True)\nx", "tensor(2., requires_grad=True)")
    expect(nb, "y = x ** 2\ny", "tensor(4., grad_fn=<PowBackward0>)")
    expect(nb, "y.backward(retain_graph=True)", "")
    expect(nb, "x.grad", "tensor(4.)")
    expect(nb, "x.grad.zero_()", "tensor(0.)")


def test_disable_tracking(nb):
    expect(nb, "x = torch.tensor(2.0, requires_grad=True)\ny = x ** 2\n\ny.backward(retain_graph=True)\nx.grad", "tensor(4.)")
    expect(nb, "x.requires_grad_(False)", "tensor(2.)")
    cell = "y = x ** 2\n\ntry:\n    y.backward()\nexcept Exception as e:\n    print(e)"
    expect(nb, cell, "element 0 of tensors does not require grad and does not have a grad_fn")
    expect(nb, "x = torch.tensor(2.0, requires_grad=True)\ny = x ** 2\n\ny.backward()\nx.grad", "tensor(4.)")
    expect(nb, "z = x.detach()\nz", "tensor(2.)")
    expect(nb, "y = z ** 2\ny", "tensor(4.)")
    expect(nb, "try:\n    y.backward()\nexcept Exception as e:\n    print(e)", "element 0 of tensors does not require grad and does not have a grad_fn")
    cell = '''
x = torch.tensor([1.0, 2.0], requires_grad=True)
x = torch.tensor(2.4, requires_grad=True)
y = x ** 2
y.backward()
print(x.grad)
with torch.no_grad():
    y = x + 10
    try:
        y.backward()
        print(x.grad())
    except Exception as e:
        print(e)
'''
    expect(nb, cell, "tensor(4.8000)\nelement 0 of tensors does not require grad and does not have a grad_fn")
