"""scatter_reduce amax / amin at ties: the gradient is split among the tied values as PyTorch splits it.

With include_self=False PyTorch still counts self among the ties when it equals the result (and then
drops self's share), so a source tied with self gets half the gradient. facade does the same."""
import numpy as np
import pytest

import facade


def test_a_source_tied_with_an_excluded_self_gets_half_the_gradient():
    x = facade.tensor([0.25, 1.0], requires_grad=True)
    s = facade.tensor([0.25, 3.0, 3.0], requires_grad=True)
    y = x.scatter_reduce(0, facade.tensor([0, 1, 1]), s, "amax", include_self=False)
    assert y.tolist() == [0.25, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    assert s.grad.tolist() == [0.5, 0.5, 0.5]  # 1/2 (tied with self), 1/2 and 1/2 (tied with each other)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_gradients_at_ties_equal_pytorchs(reduce, include_self):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for _ in range(60):
        n, m = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        x_np, s_np = rng.integers(0, 3, n).astype(np.float64), rng.integers(0, 3, m).astype(np.float64)
        index, w = rng.integers(0, n, m), rng.standard_normal(n)
        got = []
        for T in (torch, facade):
            x, s = T.tensor(x_np, requires_grad=True), T.tensor(s_np, requires_grad=True)
            y = x.scatter_reduce(0, T.tensor(index), s, reduce, include_self=include_self)
            (y * T.tensor(w)).sum().backward()
            got.append([y.detach().numpy(), x.grad.numpy(), s.grad.numpy()])
        for t, f in zip(*got):
            np.testing.assert_allclose(f, t, rtol=1e-12, atol=1e-15)
