"""Division by a broadcast divisor (x / 3.0, x / row_sums, x / tensor(2.5)) is IEEE division, rounded
once, as PyTorch's and NumPy's. XLA rewrites a / broadcast(b) as a * broadcast(1 / b), which gave a
different last bit in about half the elements."""
import numpy as np
import pytest

import facade

try:
    import torch
except ImportError:
    torch = None

A = np.random.default_rng(0).standard_normal((64, 33)).astype(np.float32)


def _divisors(T):
    return {"python float": 3.0, "small float": 0.1, "0-d tensor": T.tensor(1.7), "column": T.tensor(A[:, :1]),
            "row": T.tensor(A[:1, :])}


@pytest.mark.parametrize("name", ["python float", "small float", "0-d tensor", "column", "row"])
@pytest.mark.parametrize("path", ["first sight", "compiled replay", "facade.jit"])
def test_division_is_rounded_once(name, path):
    divisor = _divisors(facade)[name]
    np_divisor = np.asarray(divisor.numpy() if hasattr(divisor, "numpy") else np.float32(divisor))
    expected = A / np_divisor  # float32 / float32: IEEE division
    assert expected.dtype == np.float32
    x = facade.tensor(A)
    if path == "facade.jit":
        got = facade.jit(lambda x: x / divisor)(x)
        got = facade.jit(lambda x: x / divisor)(x)
    else:
        for _ in range(3 if path == "compiled replay" else 1):
            got = x / divisor
    np.testing.assert_array_equal(got.numpy(), expected)
    if torch is not None:
        t_divisor = _divisors(torch)[name]
        np.testing.assert_array_equal(got.numpy(), (torch.tensor(A) / t_divisor).numpy())


def test_gradient_through_a_broadcast_divisor():
    x = facade.tensor(A[:4, :3].astype(np.float64), requires_grad=True)
    s = facade.tensor(2.5, dtype=facade.float64, requires_grad=True)
    (x / s).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((4, 3), 1 / 2.5))
    np.testing.assert_allclose(s.grad.item(), -A[:4, :3].astype(np.float64).sum() / 2.5 ** 2)
