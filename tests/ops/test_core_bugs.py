"""Core-engine bugs found by the op suite, as minimal repros.

Open bugs are strict xfail (they must fail until fixed); fixed ones stay as regression tests.
Each repro runs in a fresh interpreter, so what earlier tests compiled or imported cannot hide
or cause it. Expected behaviour is PyTorch's (checked against torch 2.13).
"""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_fresh(code):
    """Run code with `import facade as torch` in a new interpreter; fail with its stderr if it fails."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", "import facade as torch\n" + textwrap.dedent(code)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


def test_view_leaf_can_require_grad():
    run_fresh("""
        x = torch.zeros(2, 6)[..., ::2]
        x.requires_grad_()
        (x * 2).sum().backward()
        assert x.grad.tolist() == [[2.0] * 3] * 2
    """)


def test_autograd_gradcheck_is_the_function():
    run_fresh("""
        x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(torch.sin, (x,))
        assert callable(torch.autograd.gradgradcheck)
        from facade.autograd import gradcheck
        assert gradcheck(torch.sin, (x,))
    """)


def test_integer_outputs_of_multi_output_ops_do_not_require_grad():
    run_fresh("""
        x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
        for out in (x.sort(), x.topk(2), x.max(0)):
            assert out.values.requires_grad
            assert not out.indices.requires_grad and out.indices.grad_fn is None
    """)


def test_inplace_write_through_a_view_of_a_new_tensor():
    run_fresh("""
        z = torch.zeros(2, 3)
        z[0].add_(1)
        assert z.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    """)


def test_detach_inside_function_backward_under_create_graph():
    run_fresh("""
        class FirstOrderOnly(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.sin()

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * x.detach().cos()

        x = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(FirstOrderOnly.apply(x).sum(), x, create_graph=True)
        assert not g.requires_grad  # as in PyTorch: nothing in the backward depends on x differentiably
    """)


@pytest.mark.xfail(strict=True, reason="core: gradients computed with create_graph=True show grad_fn=<GetitemBackward0> "
                                       "instead of the backward formula's last op")
def test_create_graph_gradient_grad_fn_name():
    run_fresh("""
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (g,) = torch.autograd.grad((x * x).sum(), x, create_graph=True)
        assert type(g.grad_fn).__name__ == "AddBackward0", type(g.grad_fn).__name__  # x*x: two uses
    """)


def test_modified_by_inplace_message():
    run_fresh("""
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        try:
            y.sum().backward()
        except RuntimeError as e:
            assert str(e) == (
                "one of the variables needed for gradient computation has been modified by an inplace operation: "
                "[torch.FloatTensor [2]], which is output 0 of Exp, is at version 1; expected version 0 instead. "
                "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False)."), str(e)
        else:
            raise AssertionError("no error")
    """)


def test_half_precision_results_are_rounded_in_compiled_replays():
    run_fresh("""
        for _ in range(3):  # the first run is op by op; the next ones are compiled
            y = torch.tensor([1.0]).bfloat16().sin().float()
            assert y.tolist() == [0.83984375], y.tolist()
    """)


@pytest.mark.xfail(strict=True, reason="core: XLA on CPU flushes float32 subnormals to zero (torch keeps them)")
def test_float32_subnormals_survive():
    run_fresh("""
        x = torch.tensor([3.361e-41])
        assert (x * 1).double().item() != 0.0
    """)


def test_create_graph_gradient_depends_on_grad_outputs():
    run_fresh("""
        x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        go = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(x.sin(), x, go, create_graph=True)
        dx, dgo = torch.autograd.grad(g.sum(), [x, go])
        assert torch.allclose(dgo, x.cos())
        assert torch.autograd.gradgradcheck(torch.sin, (x,))
    """)


def test_clamp_with_numpy_scalar_bounds_keeps_the_input_dtype():
    # torch 2.13: numpy scalars are Python numbers to type promotion, so a float32 input stays float32
    run_fresh("""
        import numpy as np
        x = torch.tensor([0.05, 0.5, 2.0])
        for lo, hi in [(np.int64(0), np.float32(1.5)), (np.float64(0.1), 0.9), (None, np.float64(1.0))]:
            for _ in range(2):  # the second call takes the memoised path
                r = torch.clamp(x, lo, hi)
                assert r.dtype == torch.float32, (lo, hi, r.dtype)
        assert torch.clamp(x, np.int64(0), np.float32(1.5)).tolist() == [0.05000000074505806, 0.5, 1.5]
        xi = torch.tensor([1, 5, 9])
        r = torch.clamp(xi, np.float64(2.5), 7)
        assert r.dtype == torch.float32 and r.tolist() == [2.5, 5.0, 7.0], (r.dtype, r.tolist())
    """)
