"""optim.LBFGS: the iterates, losses, closure-evaluation counts and state follow PyTorch's (float64 to
rounding; float32 within float32 noise), with and without the strong-Wolfe line search; the minimiser
of a convex quadratic is its closed-form solution; PyTorch's errors."""
import numpy as np
import pytest

import facade

X0 = np.array([-1.5, 2.0, 0.5, -0.3])


def _rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def _run(T, dtype, steps=4, problem=_rosenbrock, x0=X0, **kw):
    """Losses, (func_evals, n_iter) after each step(), the final parameters and the state."""
    x = T.tensor(x0, dtype=getattr(T, dtype), requires_grad=True)
    opt = T.optim.LBFGS([x], **kw)

    def closure():
        opt.zero_grad()
        loss = problem(x)
        loss.backward()
        return loss

    losses, counts = [], []
    for _ in range(steps):
        losses.append(opt.step(closure).item())
        counts.append((opt.state[x]["func_evals"], opt.state[x]["n_iter"]))
    return losses, counts, x.detach().numpy(), opt


CONFIGS = [
    dict(),
    dict(line_search_fn="strong_wolfe"),
    dict(history_size=3, max_iter=7, lr=0.5),
    dict(history_size=2, max_iter=9, line_search_fn="strong_wolfe", max_eval=12),
    dict(tolerance_change=1e-3, tolerance_grad=1e-2, max_iter=50),
]


@pytest.mark.parametrize("kw", CONFIGS, ids=[str(i) for i in range(len(CONFIGS))])
def test_float64_follows_pytorch(kw):
    torch = pytest.importorskip("torch")
    lt, ct, xt, ot = _run(torch, "float64", **kw)
    lf, cf, xf, of = _run(facade, "float64", **kw)
    assert cf == ct
    np.testing.assert_allclose(lf, lt, rtol=1e-12)
    np.testing.assert_allclose(xf, xt, rtol=1e-9, atol=1e-12)  # rounding, compounded over ~30 iterations
    st, sf = ot.state_dict()["state"][0], of.state_dict()["state"][0]
    assert sorted(sf) == sorted(st)
    assert len(sf["old_dirs"]) == len(st["old_dirs"]) <= kw.get("history_size", 100)
    np.testing.assert_allclose(sf["d"].numpy(), st["d"].numpy(), rtol=1e-9, atol=1e-12)


def _least_squares(T, seed=0):
    rng = np.random.default_rng(seed)
    a, b = T.tensor(rng.standard_normal((12, 5)), dtype=T.float32), T.tensor(rng.standard_normal(12), dtype=T.float32)
    return lambda x: ((a @ x - b) ** 2).mean() + 0.1 * (x ** 2).sum()


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
def test_float32_follows_pytorch(ls):
    torch = pytest.importorskip("torch")
    x0 = np.linspace(-1, 1, 5)
    lt, _, xt, _ = _run(torch, "float32", steps=2, problem=_least_squares(torch), x0=x0, line_search_fn=ls)
    lf, _, xf, _ = _run(facade, "float32", steps=2, problem=_least_squares(facade), x0=x0, line_search_fn=ls)
    np.testing.assert_allclose(lf, lt, rtol=1e-5)
    np.testing.assert_allclose(xf, xt, rtol=1e-4, atol=1e-5)


def test_minimiser_of_a_convex_quadratic_is_the_solution():
    rng = np.random.default_rng(3)
    m = rng.standard_normal((6, 6))
    a = m @ m.T + 6 * np.eye(6)
    b = rng.standard_normal(6)
    at, bt = facade.tensor(a), facade.tensor(b)
    _, _, x, _ = _run(facade, "float64", steps=3, problem=lambda x: 0.5 * x @ at @ x - bt @ x, x0=np.zeros(6),
                      line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-15)
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-7, atol=1e-8)


def test_several_and_complex_parameters_and_a_parameter_without_grad():
    torch = pytest.importorskip("torch")

    def run(T):
        w = T.tensor(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True)
        z = T.tensor(np.array([1 + 2j, -0.5j]), requires_grad=True)
        unused = T.zeros(3, dtype=T.float64, requires_grad=True)
        opt = T.optim.LBFGS([w, unused, z], line_search_fn="strong_wolfe", max_iter=6)

        def closure():
            opt.zero_grad()
            loss = ((w @ w - 1) ** 2).sum() + (z * z.conj()).real.sum() + (z.real - 0.3).pow(2).sum()
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(2)]
        return losses, w.detach().numpy(), z.detach().numpy(), unused.detach().numpy()

    for got, ref in zip(run(facade), run(torch)):
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


def test_already_optimal_returns_after_one_evaluation():
    x = facade.ones(3, requires_grad=True)
    opt = facade.optim.LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0 and len(calls) == 1
    assert opt.state[x] == {"func_evals": 1, "n_iter": 0}


def test_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for build in (lambda T: T.optim.LBFGS([{"params": [T.zeros(1, requires_grad=True)]},
                                           {"params": [T.zeros(1, requires_grad=True)]}]),
                  lambda T: T.optim.LBFGS([T.zeros(1, requires_grad=True)], lr=-1.0)):
        with pytest.raises(ValueError) as et:
            build(torch)
        with pytest.raises(ValueError) as ef:
            build(facade)
        assert str(ef.value) == str(et.value)
    x = facade.zeros(2, requires_grad=True)
    opt = facade.optim.LBFGS([x], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="^only 'strong_wolfe' is supported$"):
        opt.step(closure)
