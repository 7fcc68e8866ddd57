"""compare_with_torch: agreement passes, and each kind of difference is reported readably."""
import unittest

import numpy as np
import pytest

import facade
from facade._ops.table import OPS
from facade.testing import _differential, compare_with_torch

pytest.importorskip("torch")


def test_agreement_returns_both_results():
    r = compare_with_torch(lambda T, x, y: (x * y).sin(), np.ones(3), np.arange(3.0))
    assert isinstance(r.facade, facade.Tensor) and type(r.torch).__module__.startswith("torch")
    assert r.facade_inputs[0].grad is not None


def test_non_array_arguments_pass_through():
    compare_with_torch(lambda T, x, dim, keepdim: x.sum(dim, keepdim), np.ones((2, 3)), 1, True)


def test_same_error_on_both_sides_is_agreement():
    compare_with_torch(lambda T, x: x.reshape(5), np.ones(3))


def test_different_grad_fn_is_reported(monkeypatch):
    monkeypatch.setattr(OPS["sin"], "grad_fn", "CosBackward0")
    with pytest.raises(AssertionError) as info:
        compare_with_torch(lambda T, x: x.sin(), np.ones(2))
    assert "output: grad_fn: facade 'CosBackward0' != torch 'SinBackward0'" in str(info.value)
    assert "output: repr differs" in str(info.value)


def test_different_values_are_reported():
    with pytest.raises(AssertionError) as info:
        compare_with_torch(lambda T, x: x * (2.0 if T is facade else 3.0), np.ones(2), grad=False)
    assert "output: values differ:\n    Tensor-likes are not close!" in str(info.value)


def test_different_gradients_are_reported():
    def fn(T, x):
        return x * 2 if T is facade else x + x.detach()  # same value, gradient 2 vs 1

    with pytest.raises(AssertionError) as info:
        compare_with_torch(fn, np.ones(2))
    assert "input[0].grad: values differ" in str(info.value)


def test_one_sided_exception_is_reported():
    with pytest.raises(AssertionError) as info:
        compare_with_torch(lambda T, x: x.reshape(7 if T is facade else 3), np.ones(3))
    assert "only facade raised: RuntimeError: shape '[7]' is invalid for input of size 3" in str(info.value)


def test_different_messages_are_reported():
    with pytest.raises(AssertionError) as info:
        compare_with_torch(lambda T, x: x.reshape(7 if T is facade else 5), np.ones(3))
    assert "exception: message: facade \"shape '[7]'" in str(info.value)


def test_dtype_and_structure_differences_are_reported():
    with pytest.raises(AssertionError, match="output: dtype: facade 'torch.float64' != torch 'torch.float32'"):
        compare_with_torch(lambda T, x: x.double() if T is facade else x, np.ones(2, np.float32), grad=False)
    with pytest.raises(AssertionError, match="output: type: facade 'tuple' != torch 'torch.return_types.sort'"):
        compare_with_torch(lambda T, x: tuple(x.sort()) if T is facade else x.sort(), np.ones(2), grad=False)


def test_version_counters_are_compared():
    with pytest.raises(AssertionError, match="_version: facade 0 != torch 1"):
        compare_with_torch(lambda T, x: x * 1 if T is facade else (x * 1).add_(0), np.ones(2))


def test_without_torch_it_skips(monkeypatch):
    monkeypatch.setattr(_differential, "_TORCH", [None])
    with pytest.raises(unittest.SkipTest):
        compare_with_torch(lambda T, x: x, np.ones(1))
