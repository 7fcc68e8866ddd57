"""gradcheck / gradgradcheck: they pass correct gradients and name what is wrong in wrong ones."""
import inspect
import warnings

import numpy as np
import pytest

import facade
from facade.autograd import Function
from facade.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck


def leaf(values):
    return facade.tensor(values, dtype=facade.float64, requires_grad=True)


class WrongSecondInput(Function):
    """x * y whose backward gives y's gradient as x's (d/dy should be x)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * y


class WrongSquare(Function):
    """x * x with a wrong backward (3x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x


class CubeOverThree(Function):
    """x^3 / 3 with a right backward (x^2) computed by WrongSquare: the second derivative is wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x / 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * WrongSquare.apply(x)


def test_correct_gradients_pass():
    x, y = leaf([0.3, -1.2, 2.0]), leaf([1.5, 0.5, -0.7])
    assert gradcheck(lambda a, b: (a * b).sin() + a.exp() / (1 + b * b), (x, y))
    assert gradcheck(lambda a, b: (a * b).sin(), (x, y), fast_mode=True)
    assert gradcheck(lambda a: a.sum(), x)  # a single tensor is accepted as the inputs


def test_wrong_backward_names_output_input_and_element():
    x, y = leaf([0.3, -1.2, 2.0]), leaf([1.5, 0.5, -0.7])
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSecondInput.apply, (x, y))
    text = str(info.value)
    assert text.startswith("Jacobian mismatch for output 0 with respect to input 1,\nnumerical:tensor([[")
    assert "\nanalytical:tensor([[" in text
    assert "for input 1 element (" in text and "output 0 element (" in text
    assert isinstance(info.value, RuntimeError)


def test_input_index_counts_only_differentiated_inputs():
    x, y = leaf([0.3, -1.2]), leaf([1.5, 0.5])
    constant = facade.tensor([1.0, 2.0], dtype=facade.float64)
    with pytest.raises(GradcheckError, match="with respect to input 1,"):
        gradcheck(lambda a, n, c, b: WrongSecondInput.apply(a, b) * n + c, (x, 3, constant, y))


def test_fast_mode_failure_reports_the_projection_then_the_full_jacobians():
    x, y = leaf([0.3, -1.2, 2.0]), leaf([1.5, 0.5, -0.7])
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSecondInput.apply, (x, y), fast_mode=True)
    text = str(info.value)
    assert text.startswith("Jacobian mismatch for output 0 with respect to input 1,\nnumerical:")
    assert "computed \nin fast mode" in text and "Numerical:\n tensor(" in text and "Analytical:\ntensor(" in text
    assert "The max per-element difference (slow mode) is:" in text


def test_raise_exception_false_returns_false():
    x, y = leaf([0.3, -1.2]), leaf([1.5, 0.5])
    assert gradcheck(WrongSecondInput.apply, (x, y), raise_exception=False) is False


def test_caller_tensors_are_not_modified():
    x = leaf([0.3, -1.2, 2.0])
    before = np.array(x.detach().numpy())
    gradcheck(lambda a: a.exp(), (x,))
    assert np.array_equal(np.array(x.detach().numpy()), before)
    assert x._version == 0 and x.grad is None


def test_single_precision_inputs_warn_like_torch():
    x = facade.tensor([0.3, 1.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradcheck(lambda a: a * 2, (x,), raise_exception=False)
    assert any("Input #0 requires gradient and is not a double precision floating point" in str(w.message)
               for w in caught)


def test_nothing_to_check_is_an_error():
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require gradient"):
        gradcheck(lambda a: a.sin(), (facade.tensor([1.0], dtype=facade.float64),))


def test_outputs_that_do_not_require_grad_must_not_depend_on_inputs():
    x = leaf([0.3, -1.2])
    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be zero"):
        gradcheck(lambda a: a.detach() * 2, (x,))
    assert gradcheck(lambda a: (a * 2, a.argmax()), (x,))


class NonZeroForZeroGrad(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos() + 1e-9


def test_zero_grad_outputs_must_give_zero_grads():
    x = leaf([0.3, -1.2])
    with pytest.raises(GradcheckError, match="Expected all input grads to be undefined or zero"):
        gradcheck(NonZeroForZeroGrad.apply, (x,))
    assert gradcheck(NonZeroForZeroGrad.apply, (x,), check_undefined_grad=False)


class Nondeterministic(Function):
    calls = [0]

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        Nondeterministic.calls[0] += 1
        return g * (2 + 1e-9 * Nondeterministic.calls[0])


@pytest.mark.xfail(strict=False, reason="facade design: a custom Function's backward is traced when its graph "
                   "structure recurs (compiled replay), so Python side effects in it (this call counter) run once "
                   "per trace; the nondeterminism is seen only on op-by-op replays")
def test_nondeterministic_backward_is_reported():
    x = leaf([0.3, -1.2])
    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        gradcheck(Nondeterministic.apply, (x,))
    assert gradcheck(Nondeterministic.apply, (x,), nondet_tol=1e-6)


def test_gradgradcheck_checks_second_derivatives():
    x, y = leaf([0.3, -1.2]), leaf([1.5, 0.5])
    assert gradgradcheck(lambda a, b: (a * b).sin() * a.exp(), (x, y))
    assert gradcheck(CubeOverThree.apply, (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradgradcheck(CubeOverThree.apply, (x,))


def test_gradgradcheck_accepts_grad_outputs():
    x = leaf([0.3, -1.2])
    assert gradgradcheck(lambda a: a.pow(3), (x,), (leaf([1.0, -2.0]),))


def test_signatures_match_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((gradcheck, torch.autograd.gradcheck), (gradgradcheck, torch.autograd.gradgradcheck)):
        mine = inspect.signature(ours).parameters
        for name, p in inspect.signature(theirs).parameters.items():
            assert name in mine, f"{ours.__name__} lacks {name}"
            assert mine[name].default == p.default, f"{ours.__name__}({name}=...) default differs"


def test_forward_ad_is_refused_explicitly():
    with pytest.raises(NotImplementedError, match="forward-mode AD"):
        gradcheck(lambda a: a * 2, (leaf([1.0]),), check_forward_ad=True)
