"""facade.func: torch.func's transforms on JAX's; compared with torch.func when installed,
and with closed-form derivatives always."""
import numpy as np
import pytest

import facade
from facade import func as F

X = [0.5, -1.0, 2.0]


def f(T, x):
    return (x.sin() * x).sum()


def df(x):
    x = np.asarray(x)
    return np.sin(x) + x * np.cos(x)


def test_grad_closed_form():
    np.testing.assert_allclose(F.grad(lambda x: f(facade, x))(facade.tensor(X, dtype=facade.float64)).numpy(), df(X), rtol=1e-12)


def test_hessian_closed_form():
    h = F.hessian(lambda x: (x**3).sum())(facade.tensor(X, dtype=facade.float64)).numpy()
    np.testing.assert_allclose(h, np.diag(6 * np.asarray(X)), rtol=1e-12)


def test_vmap_of_grad_closed_form():
    xs = facade.arange(6.0, dtype=facade.float64).reshape(2, 3)
    np.testing.assert_allclose(F.vmap(F.grad(lambda v: (v**2).sum()))(xs).numpy(), 2 * xs.numpy())


def test_vjp_and_jvp_closed_form():
    x = facade.tensor(X, dtype=facade.float64)
    out, fn = F.vjp(lambda x: x**2, x)
    (g,) = fn(facade.ones(3, dtype=facade.float64))
    np.testing.assert_allclose(g.numpy(), 2 * np.asarray(X))
    _, t = F.jvp(lambda x: x**2, (x,), (facade.ones(3, dtype=facade.float64),))
    np.testing.assert_allclose(t.numpy(), 2 * np.asarray(X))


def test_grad_requires_scalar_output():
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
        F.grad(lambda x: x * 2)(facade.ones(2))


CASES = {
    "grad": lambda T, M: M.grad(lambda x: (x.sin() * x).sum())(T.tensor(X)),
    "grad_argnums": lambda T, M: M.grad(lambda a, b: (a * b.exp()).sum(), argnums=(0, 1))(T.tensor(X), T.tensor(X) * 2),
    "grad_and_value_aux": lambda T, M: M.grad_and_value(lambda x: ((x**2).sum(), x.mean()), has_aux=True)(T.tensor(X)),
    "jacrev": lambda T, M: M.jacrev(lambda x: x.tanh() * x)(T.tensor(X)),
    "jacfwd": lambda T, M: M.jacfwd(lambda x: x.tanh() * x)(T.tensor(X)),
    "hessian": lambda T, M: M.hessian(lambda x: (x.exp() * x).sum())(T.tensor(X)),
    "vmap": lambda T, M: M.vmap(lambda v: (v * v).sum())(T.arange(6.0).reshape(2, 3)),
    "vmap_in_dims": lambda T, M: M.vmap(lambda a, b: a * b, in_dims=(0, None))(T.arange(6.0).reshape(2, 3), T.tensor(X)),
    "jvp": lambda T, M: M.jvp(lambda x: x.sin(), (T.tensor(X),), (T.ones(3),)),
}


def _values(tree):
    if isinstance(tree, (tuple, list)):
        return [_values(t) for t in tree]
    return np.asarray(tree.detach().numpy(), np.float64)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch_func(name):
    torch = pytest.importorskip("torch")
    got = _values(CASES[name](facade, F))
    want = _values(CASES[name](torch, torch.func))
    np.testing.assert_allclose(np.concatenate([np.ravel(a) for a in _flatten(got)]),
                               np.concatenate([np.ravel(a) for a in _flatten(want)]), rtol=1e-5, atol=1e-6)


def _flatten(tree):
    if isinstance(tree, list):
        return [leaf for t in tree for leaf in _flatten(t)]
    return [tree]
