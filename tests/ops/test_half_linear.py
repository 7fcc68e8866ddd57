"""bfloat16 / float16 linear, addmm, addmv, addbmm, baddbmm: PyTorch's CPU gemm accumulates a 16-bit
product in float32, adds the (beta-scaled) input in float32 and rounds once (addbmm: once per batch,
as its addmm loop does). Compared with torch when installed, and always with that rule written out in
numpy: the operands are multiples of 1/16 of small size, so every float32 sum is exact and the
expected result is the exact one rounded once. float32/float64 keep their plain (unconverted) graph.
"""
import jax
import ml_dtypes
import numpy as np
import pytest

import facade
from facade._ops import linalg, nn_ops
from facade.testing._differential import torch_or_none

torch = torch_or_none()
NP = {"bfloat16": ml_dtypes.bfloat16, "float16": np.float16}
DTYPES = sorted(NP)


def grid(shape, seed):
    """Multiples of 1/16 in [-4, 4]: exact in both 16-bit types; their products need up to 13 bits."""
    return (np.random.default_rng(seed).integers(-64, 65, shape) / 16).astype(np.float64)


def once(exact, dt):
    return np.asarray(np.asarray(exact, np.float32).astype(NP[dt]), np.float64)


def lib_values(T, fn, dt, arrays):
    ts = [T.tensor(a, dtype=getattr(T, dt)) for a in arrays]
    out = fn(T, *ts)
    assert out.dtype == getattr(T, dt)
    return np.asarray(out.detach().float().numpy(), np.float64)


X, W, B = grid((6, 8), 0), grid((5, 8), 1), grid((5,), 2)
V, C = grid((8,), 3), grid((6,), 4)
B1, B2, CC = grid((3, 6, 8), 5), grid((3, 8, 5), 6), grid((6, 5), 7)


def _addbmm_ref(c, a, b, beta, alpha, dt):
    r = np.broadcast_to(c, (a.shape[1], b.shape[2]))
    for i in range(a.shape[0]):
        r = once(alpha * (a[i] @ b[i]) + (beta if i == 0 else 1) * r, dt)
    return r


# name -> (facade/torch call, inputs, the rule written out)
CASES = {
    "linear": (lambda T, x, w, b: T.nn.functional.linear(x, w, b), (X, W, B), lambda dt: once(X @ W.T + B, dt)),
    "linear_3d": (lambda T, x, w, b: T.nn.functional.linear(x.view(2, 3, 8), w, b).view(6, 5), (X, W, B),
                  lambda dt: once(X @ W.T + B, dt)),
    "linear_1d": (lambda T, x, w, b: T.nn.functional.linear(x[1], w, b), (X, W, B), lambda dt: once(X[1] @ W.T + B, dt)),
    "nn_linear": (lambda T, x, w, b: _module(T, w, b)(x), (X, W, B), lambda dt: once(X @ W.T + B, dt)),
    "addmm": (lambda T, x, w, b: T.addmm(b, x, w.t()), (X, W, B), lambda dt: once(X @ W.T + B, dt)),
    "addmm_scaled": (lambda T, x, w, b: T.addmm(b, x, w.t(), beta=0.5, alpha=2.0), (X, W, B),
                     lambda dt: once(2.0 * (X @ W.T) + 0.5 * B, dt)),
    "addmv": (lambda T, x, v, c: T.addmv(c, x, v), (X, V, C), lambda dt: once(X @ V + C, dt)),
    "addmv_scaled": (lambda T, x, v, c: T.addmv(c, x, v, beta=0.5, alpha=2.0), (X, V, C),
                     lambda dt: once(2.0 * (X @ V) + 0.5 * C, dt)),
    "baddbmm": (lambda T, a, b, c: T.baddbmm(c, a, b), (B1, B2, CC), lambda dt: once(B1 @ B2 + CC, dt)),
    "addbmm": (lambda T, a, b, c: T.addbmm(c, a, b), (B1, B2, CC), lambda dt: _addbmm_ref(CC, B1, B2, 1, 1, dt)),
    "addbmm_scaled": (lambda T, a, b, c: T.addbmm(c, a, b, beta=0.5, alpha=2.0), (B1, B2, CC),
                      lambda dt: _addbmm_ref(CC, B1, B2, 0.5, 2.0, dt)),
}


def _module(T, w, b):
    m = T.nn.Linear(8, 5).to(w.dtype)
    with T.no_grad():
        m.weight.copy_(w)
        m.bias.copy_(b)
    return m


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_rounds_once(name, dt):
    fn, arrays, rule = CASES[name]
    got = lib_values(facade, fn, dt, arrays)
    np.testing.assert_array_equal(got, rule(dt))
    if torch is not None:
        np.testing.assert_array_equal(got, lib_values(torch, fn, dt, arrays))


def test_sweep_repro_printed_values():
    """The sweep's example (F8): PyTorch prints these; rounding the product first gave -1.5625 / -0.9453."""
    T = facade
    x = T.tensor([[0.3, -1.2, 0.7, 2.1], [1.1, 0.4, -0.6, 0.9]]).bfloat16()
    w = T.tensor([[0.11, -0.45, 0.31, 0.27], [-0.2, 0.33, 0.18, -0.41]]).bfloat16()
    b = T.tensor([0.123, -0.377]).bfloat16()
    want = "tensor([[ 1.4766, -1.5703],\n        [ 0.1196, -0.9414]], dtype=torch.bfloat16)"
    assert repr(T.nn.functional.linear(x, w, b)) == want
    assert repr(T.addmm(b, x, w.t())) == want


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("how", ["linear", "addmm", "linear_3d"])
def test_gradients(how, dt):
    """Each gradient is a 16-bit gemm (or bias sum) rounded once, as PyTorch's backward computes it."""
    g = grid((6, 5), 9)

    def run(T):
        x, w, b = (T.tensor(a, dtype=getattr(T, dt), requires_grad=True) for a in (X, W, B))
        if how == "linear":
            y = T.nn.functional.linear(x, w, b)
        elif how == "addmm":
            y = T.addmm(b, x, w.t())
        else:
            y = T.nn.functional.linear(x.view(2, 3, 8), w, b).view(6, 5)
        y.backward(T.tensor(g, dtype=getattr(T, dt)))
        return [np.asarray(t.grad.float().numpy(), np.float64) for t in (x, w, b)]

    got = run(facade)
    for a, want in zip(got, (once(g @ W, dt), once(g.T @ X, dt), once(g.sum(0), dt))):
        np.testing.assert_array_equal(a, want)
    if torch is not None:
        for a, want in zip(got, run(torch)):
            np.testing.assert_array_equal(a, want)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_full_precision_graph_unchanged(dt):
    """float32 / float64: one dot and one add in the input dtype, no dtype conversion."""
    x, w, b = (np.asarray(a, dt) for a in (X, W, B))
    graphs = [jax.make_jaxpr(nn_ops._linear, static_argnums=(3, 4))(x, w, b, True, np.dtype(dt)),
              jax.make_jaxpr(linalg._addmm1, static_argnums=(3,))(b, x, w.T, np.dtype(dt)),
              jax.make_jaxpr(linalg._addmm, static_argnums=(3, 4, 5))(b, x, w.T, 0.5, 2.0, np.dtype(dt))]
    for jaxpr in graphs:
        text = str(jaxpr)
        assert "convert_element_type" not in text
        assert text.count("dot_general") == 1 and "preferred_element_type=" + np.dtype(dt).name in text
