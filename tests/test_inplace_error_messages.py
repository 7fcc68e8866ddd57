"""The error for a saved tensor modified in place names what PyTorch names.

PyTorch's message describes the saved tensor and, when it has one, its grad_fn *at the time of
backward* with the index it was saved at ("which is output 0 of Add"; a view written through any
alias has a regenerated AsStrided grad_fn; a base written through a view, CopySlices, qualified as
PyTorch's C++ nodes are). Each scenario raises on both libraries; the expectations are PyTorch
2.13's messages (everything before the anomaly-detection hint, which is checked once in full).
"""
import pytest
from scenarios import Scenarios, check, observer

import facade

try:
    import torch
except ImportError:
    torch = None

SCENARIOS = Scenarios()
observe, normalise = observer()
PREFIX = "one of the variables needed for gradient computation has been modified by an inplace operation: "
HINT = (" Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def error(fn, T):
    try:
        fn(T)
    except RuntimeError as e:
        msg = str(e)
        assert msg.startswith(PREFIX) and msg.endswith(HINT), msg
        return msg[len(PREFIX):-len(HINT)]
    return "no error"


def pair(T, n=3):
    return T.ones(n, requires_grad=True), T.ones(n, requires_grad=True)


@SCENARIOS.scenario("[torch.FloatTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 instead.")
def saved_output_of_exp(T):
    def fn(T):
        x, _ = pair(T)
        a = x.exp()
        b = a * 2 + a.exp()
        a.add_(1)
        b.sum().backward()
    return error(fn, T)


@SCENARIOS.scenario("[torch.FloatTensor [3]], which is output 0 of Sigmoid, is at version 1; expected version 0 "
                    "instead.")
def sigmoid_output_written(T):
    def fn(T):
        x, _ = pair(T)
        b = (x * 1).sigmoid()
        b.add_(1)
        b.sum().backward()
    return error(fn, T)


@SCENARIOS.scenario("[torch.FloatTensor [3]], which is output 0 of Add, is at version 3; expected version 2 instead.")
def grad_fn_at_backward_not_at_save(T):
    def fn(T):
        x, _ = pair(T)
        a = x.exp()
        a.add_(1)
        a.mul_(3)  # saved here, as output of Mul
        b = a * a
        a.add_(1)  # now output of Add
        b.sum().backward()
    return error(fn, T)


@SCENARIOS.scenario("[torch.FloatTensor [3]], which is output 0 of Add, is at version 2; expected version 0 instead.")
def no_grad_write_keeps_grad_fn(T):
    def fn(T):
        x, y = pair(T)
        a = x * 1
        b = a * y
        a.add_(1)
        with T.no_grad():
            a.mul_(2)
        b.sum().backward()
    return error(fn, T)


@SCENARIOS.scenario("[torch.FloatTensor [3]], which is output 0 of torch::autograd::CopySlices, is at version 1; "
                    "expected version 0 instead.")
def base_written_through_a_view(T):
    def fn(T):
        x, y = pair(T)
        a = x * 1
        b = a * y
        a[0].mul_(2)
        b.sum().backward()
    return error(fn, T)


@SCENARIOS.scenario("[torch.FloatTensor [3]], which is output 0 of torch::autograd::CopyBackwards, is at version 1; "
                    "expected version 0 instead.")
def copy_into_saved(T):
    def fn(T):
        x, y = pair(T)
        a = x * 1
        b = a * y
        a.copy_(y * 2)
        b.sum().backward()
    return error(fn, T)


@SCENARIOS.scenario("[torch.FloatTensor [2]], which is output 0 of AsStrided, is at version 1; expected version 0 "
                    "instead.")
def saved_view_of_a_written_base(T):
    def fn(T):
        x, _ = pair(T)
        y = T.ones(2, requires_grad=True)
        a = x * 1
        v = a[0:2]
        b = v * y
        a.mul_(2)
        b.sum().backward()
    return error(fn, T)


@SCENARIOS.scenario("[torch.FloatTensor [2, 2]], which is output 0 of AsStrided, is at version 1; expected version 0 "
                    "instead.")
def saved_transpose_view(T):
    def fn(T):
        x, y = T.ones(2, 2, requires_grad=True), T.ones(2, 2, requires_grad=True)
        a = x * 1
        b = a.t() * y
        a.add_(1)
        b.sum().backward()
    return error(fn, T)


@SCENARIOS.scenario("[torch.FloatTensor [3]] is at version 1; expected version 0 instead.")
def saved_tensor_without_grad_fn(T):
    def fn(T):
        w = T.ones(3, requires_grad=True)
        x = T.ones(3)
        b = w * x
        x.add_(1)
        b.sum().backward()
    return error(fn, T)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_expectation(name):
    fn, expect = SCENARIOS[name]
    assert observe(fn, facade) == normalise(expect)


def test_copy_slices_name_is_qualified_as_pytorchs():
    """PyTorch's CopySlices is a C++ node: name() is 'torch::autograd::CopySlices', while the tensor's repr
    and the node's repr use the class name."""
    for T in [facade] + ([torch] if torch is not None else []):
        x = T.zeros(3, requires_grad=True).clone()
        x[0] = 1
        assert x.grad_fn.name() == "torch::autograd::CopySlices"
        assert repr(x) == "tensor([1., 0., 0.], grad_fn=<CopySlices>)"
        assert repr(x.grad_fn).startswith("<CopySlices object at 0x")
        assert (x * 2).grad_fn.name() == "MulBackward0"
