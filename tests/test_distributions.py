"""facade.distributions against torch.distributions on the same parameters: log_prob, entropy,
moments, cdf / icdf, KL divergences and their gradients; shapes, repr, validation errors;
rsample gradients against finite differences; sample moments with a fixed seed."""
import math

import numpy as np
import pytest

import facade

torch = pytest.importorskip("torch")

FD = facade.distributions
TD = torch.distributions


@pytest.fixture(autouse=True)
def _torch_validates_arguments():
    """PyTorch validates distribution arguments by default, but the first torch.compile in a process
    (TorchDynamo's patching) turns its default off for good; tests elsewhere compile with torch."""
    before = TD.Distribution._validate_args
    TD.Distribution.set_default_validate_args(True)
    yield
    TD.Distribution.set_default_validate_args(before)

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3))
POS = np.exp(RNG.standard_normal((2, 3)) * 0.5)
PROB = 1 / (1 + np.exp(-RNG.standard_normal((2, 3))))
LOGITS4 = RNG.standard_normal((2, 4))
LOW = RNG.standard_normal((2, 3))
HIGH = LOW + POS
_M = RNG.standard_normal((2, 3, 3))
COV = _M @ np.swapaxes(_M, -1, -2) + 3 * np.eye(3)
TRIL = np.linalg.cholesky(COV)
LOC3 = RNG.standard_normal((2, 3))

# name: (builder(distributions, tensors), parameter arrays, a value in the support, methods defined)
CASES = {
    "normal": (lambda D, p: D.Normal(p[0], p[1]), (A, POS), A + 0.3, ("mean", "mode", "variance", "stddev", "cdf", "icdf")),
    "bernoulli_probs": (lambda D, p: D.Bernoulli(probs=p[0]), (PROB,), (PROB > 0.5) * 1.0, ("mean", "variance")),
    "bernoulli_logits": (lambda D, p: D.Bernoulli(logits=p[0]), (A,), (A > 0) * 1.0, ("mean", "variance")),
    "categorical_probs": (lambda D, p: D.Categorical(probs=p[0]), (np.exp(LOGITS4),), np.array([[0, 3], [1, 2]]), ("mode",)),
    "categorical_logits": (lambda D, p: D.Categorical(logits=p[0]), (LOGITS4,), np.array([1, 3]), ("mode",)),
    "onehot": (lambda D, p: D.OneHotCategorical(logits=p[0]), (LOGITS4,), np.eye(4)[[2, 0]], ("mean", "mode", "variance")),
    "uniform": (lambda D, p: D.Uniform(p[0], p[1]), (LOW, HIGH), LOW + 0.4 * (HIGH - LOW), ("mean", "variance", "stddev", "cdf", "icdf")),
    "mvn_cov": (lambda D, p: D.MultivariateNormal(p[0], covariance_matrix=p[1]), (LOC3, COV), LOC3[::-1] * 1.0,
                ("mean", "mode", "variance")),
    "mvn_tril": (lambda D, p: D.MultivariateNormal(p[0], scale_tril=p[1]), (LOC3, TRIL), LOC3[::-1] * 1.0, ("variance",)),
    "mvn_prec": (lambda D, p: D.MultivariateNormal(p[0], precision_matrix=p[1]), (LOC3[0], COV[0]), LOC3 * 1.0, ("variance",)),
    "independent": (lambda D, p: D.Independent(D.Normal(p[0], p[1]), 1), (A, POS), A + 0.3, ("mean", "variance")),
    "exponential": (lambda D, p: D.Exponential(p[0]), (POS,), POS * 0.7, ("mean", "mode", "variance", "stddev", "cdf", "icdf")),
    "laplace": (lambda D, p: D.Laplace(p[0], p[1]), (A, POS), A + 0.3 * POS, ("mean", "mode", "variance", "stddev", "cdf", "icdf")),
    "lognormal": (lambda D, p: D.LogNormal(p[0], p[1]), (A, POS), POS * 1.3, ("mean", "mode", "variance", "cdf", "icdf")),
    "gamma": (lambda D, p: D.Gamma(p[0], p[1]), (POS * 2, POS[::-1]), POS * 0.8, ("mean", "mode", "variance")),
    "dirichlet": (lambda D, p: D.Dirichlet(p[0]), (POS * 2,), PROB / PROB.sum(-1, keepdims=True), ("mean", "variance")),
    "beta": (lambda D, p: D.Beta(p[0], p[1]), (POS * 2, POS[::-1] + 1), PROB, ("mean", "mode", "variance")),
    "poisson": (lambda D, p: D.Poisson(p[0]), (POS * 3,), np.array([[0.0, 1.0, 4.0], [2.0, 7.0, 3.0]]), ("mean", "mode", "variance")),
}

_CDF_AT = {"icdf": PROB}


def _params(arrays, lib, grad=False):
    out = []
    for a in arrays:
        t = lib.tensor(np.ascontiguousarray(a), dtype=lib.float64)
        if grad:
            t.requires_grad_(True)
        out.append(t)
    return out


def _close(f, t, **kw):
    np.testing.assert_allclose(np.asarray(f.detach().tolist(), dtype=np.float64),
                               t.detach().double().numpy(), rtol=1e-6, atol=1e-9, **kw)


def _value(lib, v, name):
    dtype = lib.int64 if name.startswith("categorical") else lib.float64
    return lib.tensor(np.ascontiguousarray(v).tolist(), dtype=dtype)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch(name):
    build, arrays, value, methods = CASES[name]
    fp, tp = _params(arrays, facade, True), _params(arrays, torch, True)
    fd, td = build(FD, fp), build(TD, tp)
    assert fd.batch_shape == tuple(td.batch_shape) and fd.event_shape == tuple(td.event_shape)
    assert repr(fd) == repr(td)
    fv, tv = _value(facade, value, name), _value(torch, value, name)
    f_terms, t_terms = [fd.log_prob(fv)], [td.log_prob(tv)]
    try:
        t_terms.append(td.entropy())
    except NotImplementedError:  # torch has no closed form (Poisson): neither has facade
        with pytest.raises(NotImplementedError):
            fd.entropy()
    else:
        f_terms.append(fd.entropy())
    for m in methods:
        if m in ("cdf", "icdf"):
            arg = PROB if m == "icdf" else value
            f_terms.append(getattr(fd, m)(facade.tensor(arg, dtype=facade.float64)))
            t_terms.append(getattr(td, m)(torch.tensor(arg, dtype=torch.float64)))
        else:
            f_terms.append(getattr(fd, m))
            t_terms.append(getattr(td, m))
    for f, t in zip(f_terms, t_terms):
        assert tuple(f.shape) == tuple(t.shape)
        assert f.dtype == facade.int64 if t.dtype == torch.int64 else f.dtype == facade.float64
        _close(f, t)
    f_loss = sum((f * (i + 1)).sum() for i, f in enumerate(f_terms) if f.dtype.is_floating_point)
    t_loss = sum((t * (i + 1)).sum() for i, t in enumerate(t_terms) if t.dtype.is_floating_point)
    f_loss.backward()
    t_loss.backward()
    for f, t in zip(fp, tp):
        _close(f.grad, t.grad)


KL_PAIRS = {
    "normal": ("normal", (A * 0.5, POS[::-1])),
    "bernoulli": ("bernoulli_probs", (PROB[::-1],)),
    "bernoulli_logits": ("bernoulli_logits", (-A,)),
    "categorical": ("categorical_logits", (LOGITS4[::-1],)),
    "onehot": ("onehot", (LOGITS4[::-1],)),
    "uniform": ("uniform", (LOW - 0.5, HIGH + 0.5)),
    "uniform_inf": ("uniform", (LOW + 0.1, HIGH + 0.5)),
    "mvn": ("mvn_cov", (LOC3[::-1], COV[::-1])),
    "mvn_tril_vs_cov": ("mvn_tril", (LOC3[0], TRIL[1])),
    "independent": ("independent", (A * 0.5, POS[::-1])),
    "exponential": ("exponential", (POS[::-1],)),
    "laplace": ("laplace", (A * 0.5, POS[::-1])),
    "lognormal": ("lognormal", (A * 0.5, POS[::-1])),
    "poisson": ("poisson", (POS[::-1] * 2,)),
    "gamma": ("gamma", (POS[::-1], POS * 1.5)),
    "dirichlet": ("dirichlet", (POS[::-1],)),
    "beta": ("beta", (POS[::-1], POS * 1.5)),
}


@pytest.mark.parametrize("pair", sorted(KL_PAIRS))
def test_kl_divergence_and_gradients_match_torch(pair):
    name, q_arrays = KL_PAIRS[pair]
    build, p_arrays = CASES[name][:2]
    fp, tp = _params(p_arrays, facade, True), _params(p_arrays, torch, True)
    fq, tq = _params(q_arrays, facade, True), _params(q_arrays, torch, True)
    f = FD.kl_divergence(build(FD, fp), build(FD, fq))
    t = TD.kl_divergence(build(TD, tp), build(TD, tq))
    assert tuple(f.shape) == tuple(t.shape)
    _close(f, t)
    if not np.all(np.isfinite(t.detach().numpy())):
        return
    f.sum().backward()
    t.sum().backward()
    for a, b in zip(fp + fq, tp + tq):
        _close(a.grad, b.grad)


def test_kl_missing_pair_and_register_kl():
    p, q = FD.Normal(0.0, 1.0), FD.Categorical(facade.ones(2))
    with pytest.raises(NotImplementedError) as fe:
        FD.kl_divergence(p, q)
    with pytest.raises(NotImplementedError) as te:
        TD.kl_divergence(TD.Normal(0.0, 1.0), TD.Categorical(torch.ones(2)))
    assert str(fe.value) == str(te.value)

    class MyNormal(FD.Normal):
        pass

    # a subclass uses its parent's formula until it registers its own
    assert float(FD.kl_divergence(MyNormal(0.0, 1.0), FD.Normal(1.0, 1.0))) == pytest.approx(0.5)

    @FD.register_kl(MyNormal, FD.Normal)
    def _kl(p, q):
        return facade.tensor(42.0)

    assert float(FD.kl_divergence(MyNormal(0.0, 1.0), FD.Normal(1.0, 1.0))) == 42.0
    assert float(FD.kl_divergence(FD.Normal(0.0, 1.0), FD.Normal(1.0, 1.0))) == pytest.approx(0.5)


SAMPLE_SHAPES = [(2, 4)]  # () is checked in test_sample_shape_empty (each shape compiles its own graphs)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("sample_shape", SAMPLE_SHAPES)
def test_sample_shapes_dtypes_and_grad(name, sample_shape):
    build, arrays = CASES[name][:2]
    fp, tp = _params(arrays, facade, True), _params(arrays, torch, True)
    fd, td = build(FD, fp), build(TD, tp)
    fs, ts = fd.sample(sample_shape), td.sample(sample_shape)
    assert tuple(fs.shape) == tuple(ts.shape) and str(fs.dtype) == str(ts.dtype)
    assert not fs.requires_grad
    assert fd.has_rsample == td.has_rsample
    if td.has_rsample:
        fr, tr = fd.rsample(sample_shape), td.rsample(sample_shape)
        assert tuple(fr.shape) == tuple(tr.shape) and fr.requires_grad
    assert bool(fd.support.check(fs).all())


@pytest.mark.parametrize("name", ["bernoulli_probs", "categorical_logits", "onehot"])
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support(name, expand):
    build, arrays = CASES[name][:2]
    f = build(FD, _params(arrays, facade)).enumerate_support(expand)
    t = build(TD, _params(arrays, torch)).enumerate_support(expand)
    assert tuple(f.shape) == tuple(t.shape) and str(f.dtype) == str(t.dtype)
    np.testing.assert_array_equal(np.asarray(f.tolist()), t.numpy())


@pytest.mark.parametrize("name", ["normal", "categorical_logits", "bernoulli_probs", "mvn_cov", "uniform",
                                  "independent", "onehot", "laplace"])
def test_expand(name):
    build, arrays = CASES[name][:2]
    fd, td = build(FD, _params(arrays, facade)), build(TD, _params(arrays, torch))
    fe, te = fd.expand((4,) + tuple(fd.batch_shape)), td.expand((4,) + tuple(td.batch_shape))
    assert fe.batch_shape == tuple(te.batch_shape) and fe.event_shape == tuple(te.event_shape)
    v = CASES[name][2]
    _close(fe.log_prob(_value(facade, v, name)), te.log_prob(_value(torch, v, name)))
    assert tuple(fe.sample((2,)).shape) == tuple(te.sample((2,)).shape)


def test_repr_scalar_and_one_element():
    for build in (lambda D, T: D.Normal(0.0, 1.0), lambda D, T: D.Bernoulli(T.tensor(0.5)),
                  lambda D, T: D.Bernoulli(T.tensor([0.5])), lambda D, T: D.Normal(T.tensor([[0.0]]), T.tensor(2.0)),
                  lambda D, T: D.Categorical(logits=T.ones(2, 3)), lambda D, T: D.Exponential(1.0),
                  lambda D, T: D.Uniform(0.0, 2.0), lambda D, T: D.OneHotCategorical(T.ones(3)),
                  lambda D, T: D.LogNormal(0.0, 1.0), lambda D, T: D.Beta(1.0, 2.0),
                  lambda D, T: D.Dirichlet(T.ones(3)), lambda D, T: D.Gamma(1.0, 2.0)):
        assert repr(build(FD, facade)) == repr(build(TD, torch))


def test_constraint_reprs():
    for name in ("real", "positive", "unit_interval", "simplex", "boolean", "nonnegative_integer", "lower_cholesky",
                 "positive_definite", "real_vector", "nonnegative", "one_hot"):
        assert repr(getattr(FD.constraints, name)) == repr(getattr(TD.constraints, name))
    assert repr(FD.constraints.integer_interval(0, 3)) == repr(TD.constraints.integer_interval(0, 3))
    assert repr(FD.constraints.interval(0.0, 1.5)) == repr(TD.constraints.interval(0.0, 1.5))
    assert repr(FD.constraints.independent(FD.constraints.real, 2)) == repr(TD.constraints.independent(TD.constraints.real, 2))
    assert repr(FD.Uniform(0.0, 2.0).support) == repr(TD.Uniform(0.0, 2.0).support)
    assert repr(FD.Categorical(facade.ones(3)).support) == repr(TD.Categorical(torch.ones(3)).support)


def test_constraint_checks_match_torch():
    x = [[1.0, -1.0, 0.0], [0.5, float("nan"), 2.0]]
    for name in ("real", "positive", "unit_interval", "boolean", "nonnegative_integer", "nonnegative"):
        f = getattr(FD.constraints, name).check(facade.tensor(x))
        t = getattr(TD.constraints, name).check(torch.tensor(x))
        np.testing.assert_array_equal(np.asarray(f.tolist()), t.numpy())
    mats = [np.eye(2), [[1.0, 0.0], [2.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.0], [0.0, -1.0]]]
    for name in ("lower_cholesky", "positive_definite", "lower_triangular", "symmetric"):
        f = getattr(FD.constraints, name).check(facade.tensor(mats, dtype=facade.float64))
        t = getattr(TD.constraints, name).check(torch.tensor(np.array(mats), dtype=torch.float64))
        np.testing.assert_array_equal(np.asarray(f.tolist()), t.numpy())
    sx = [[0.2, 0.8], [0.5, 0.6], [-0.1, 1.1]]
    np.testing.assert_array_equal(np.asarray(FD.constraints.simplex.check(facade.tensor(sx)).tolist()),
                                  TD.constraints.simplex.check(torch.tensor(sx)).numpy())


def _error(fn, lib):
    D = FD if lib is facade else TD
    with pytest.raises(Exception) as e:
        fn(D, lib)
    return type(e.value), str(e.value)


@pytest.mark.parametrize("fn", [
    lambda D, T: D.Normal(T.zeros(2), T.tensor([1.0, -1.0])),
    lambda D, T: D.Normal(T.zeros(2), T.tensor(-1.0)),
    lambda D, T: D.Normal(0.0, 1.0).log_prob(T.tensor(float("nan"))),
    lambda D, T: D.Normal(T.zeros(3), 1.0).log_prob(T.ones(2, 2)),
    lambda D, T: D.Normal(T.zeros(3), 1.0).log_prob([1.0]),
    lambda D, T: D.Bernoulli(T.tensor([0.5])).log_prob(T.tensor([0.3])),
    lambda D, T: D.Bernoulli(T.tensor([1.5])),
    lambda D, T: D.Bernoulli(T.tensor([0.5]), logits=T.tensor([0.5])),
    lambda D, T: D.Categorical(T.tensor([0.5, 0.5]), logits=T.tensor([0.5, 0.5])),
    lambda D, T: D.Categorical(T.tensor(0.5)),
    lambda D, T: D.Categorical(T.tensor([0.5, -0.5])),
    lambda D, T: D.Categorical(T.ones(3)).log_prob(T.tensor(3)),
    lambda D, T: D.MultivariateNormal(T.zeros(2)),
    lambda D, T: D.MultivariateNormal(T.zeros(2), T.eye(2), scale_tril=T.eye(2)),
    lambda D, T: D.MultivariateNormal(T.tensor(0.0), T.eye(2)),
    lambda D, T: D.MultivariateNormal(T.zeros(2), scale_tril=T.ones(2)),
    lambda D, T: D.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda D, T: D.Independent(D.Normal(0.0, 1.0), 1),
    lambda D, T: D.Exponential(T.tensor([-1.0])),
    lambda D, T: D.Exponential(T.tensor([1.0])).log_prob(T.tensor([-1.0])),
    lambda D, T: D.OneHotCategorical(T.ones(3)).log_prob(T.tensor([1.0, 1.0, 0.0])),
    lambda D, T: D.Normal(0.0, 1.0).expand((2,)).log_prob(T.zeros(3)),
    lambda D, T: D.LogNormal(0.0, -1.0),
    lambda D, T: D.Poisson(T.tensor([-1.0])),
    lambda D, T: D.Gamma(T.tensor([1.0]), T.tensor([-1.0])),
    lambda D, T: D.Dirichlet(T.tensor(1.0)),
    lambda D, T: D.Dirichlet(T.tensor([1.0, -1.0])),
    lambda D, T: D.Dirichlet(T.tensor([1.0, 1.0])).log_prob(T.tensor([0.5, 0.6])),
    lambda D, T: D.Beta(T.tensor([1.0]), T.tensor([-1.0])),
    lambda D, T: D.Gamma(T.tensor([1.0]), T.tensor([1.0])).log_prob(T.tensor([-1.0])),
    lambda D, T: D.Poisson(T.tensor([1.0])).log_prob(T.tensor([0.5])),
    lambda D, T: D.LogNormal(0.0, 1.0).log_prob(T.tensor(-1.0)),
])
def test_validation_errors_match_torch(fn):
    assert _error(fn, facade) == _error(fn, torch)


def test_validation_switches():
    FD.Normal(facade.zeros(2), facade.tensor([1.0, -1.0]), validate_args=False)  # no error
    try:
        FD.Distribution.set_default_validate_args(False)
        d = FD.Normal(facade.zeros(2), facade.tensor([1.0, -1.0]))
        d.log_prob(facade.tensor([float("nan"), 0.0]))
        with pytest.raises(ValueError):
            FD.Normal(facade.zeros(2), facade.tensor([1.0, -1.0]), validate_args=True)
    finally:
        FD.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        FD.Normal(facade.zeros(2), facade.tensor([1.0, -1.0]))
    with pytest.raises(ValueError):
        FD.Distribution.set_default_validate_args(3)


def test_not_implemented_methods():
    d = FD.Categorical(facade.ones(3))
    with pytest.raises(NotImplementedError):
        d.cdf(facade.tensor(1))
    with pytest.raises(NotImplementedError):
        d.rsample()
    with pytest.raises(NotImplementedError):
        FD.Bernoulli(facade.tensor(0.5)).icdf(facade.tensor(0.5))


def test_perplexity_and_sample_n():
    fd = FD.Categorical(logits=facade.tensor(LOGITS4))
    td = TD.Categorical(logits=torch.tensor(LOGITS4))
    _close(fd.perplexity(), td.perplexity())
    with pytest.warns(UserWarning):
        assert tuple(fd.sample_n(3).shape) == (3, 2)


def test_torch_namespace():
    assert facade.distributions is FD
    assert FD.Normal(0.0, 1.0).log_prob(facade.tensor(0.0)).grad_fn is None


# rsample gradients against finite differences: the same seed before each call gives the same noise
RSAMPLE = {
    "normal": (lambda D, a, b: D.Normal(a, b), (A[0], POS[0])),
    "uniform": (lambda D, a, b: D.Uniform(a, a + b), (LOW[0], POS[0])),
    "mvn_tril": (lambda D, a, b: D.MultivariateNormal(a, scale_tril=b.tril()), (LOC3[0], TRIL[0])),
    "exponential": (lambda D, a: D.Exponential(a), (POS[0],)),
    "laplace": (lambda D, a, b: D.Laplace(a, b), (A[0], POS[0])),
    "lognormal": (lambda D, a, b: D.LogNormal(a, b), (A[0], POS[0])),
}


@pytest.mark.parametrize("name", sorted(RSAMPLE))
def test_rsample_gradcheck(name):
    build, arrays = RSAMPLE[name]
    params = tuple(facade.tensor(a, dtype=facade.float64, requires_grad=True) for a in arrays)

    def fn(*p):
        facade.manual_seed(123)
        return build(FD, *p).rsample((4,))

    assert facade.autograd.gradcheck(fn, params, eps=1e-6, atol=1e-5)


MOMENTS = [
    ("normal", lambda: FD.Normal(facade.tensor([0.5, -2.0]), facade.tensor([1.0, 3.0]))),
    ("uniform", lambda: FD.Uniform(facade.tensor([0.0, -1.0]), facade.tensor([1.0, 3.0]))),
    ("bernoulli", lambda: FD.Bernoulli(facade.tensor([0.2, 0.7]))),
    ("exponential", lambda: FD.Exponential(facade.tensor([0.5, 2.0]))),
    ("laplace", lambda: FD.Laplace(facade.tensor([0.5, -1.0]), facade.tensor([1.0, 0.5]))),
    ("lognormal", lambda: FD.LogNormal(facade.tensor([0.0, -0.5]), facade.tensor([0.25, 0.5]))),
    ("gamma", lambda: FD.Gamma(facade.tensor([0.5, 3.0]), facade.tensor([1.0, 2.0]))),
    ("beta", lambda: FD.Beta(facade.tensor([0.5, 3.0]), facade.tensor([1.0, 2.0]))),
    ("dirichlet", lambda: FD.Dirichlet(facade.tensor([0.5, 3.0, 1.5]))),
    ("poisson", lambda: FD.Poisson(facade.tensor([0.5, 4.0]))),
    ("mvn", lambda: FD.MultivariateNormal(facade.tensor([1.0, -1.0]), facade.tensor([[2.0, 0.5], [0.5, 1.0]]))),
    ("onehot", lambda: FD.OneHotCategorical(facade.tensor([0.1, 0.3, 0.6]))),
]


@pytest.mark.parametrize("name,build", MOMENTS, ids=[m[0] for m in MOMENTS])
def test_sample_moments(name, build):
    facade.manual_seed(0)
    d = build()
    n = 20000
    s = np.asarray(d.sample((n,)).tolist(), dtype=np.float64)
    mean, var = np.asarray(d.mean.tolist()), np.asarray(d.variance.tolist())
    # 6 standard errors of the mean: with a fixed seed this is a deterministic check, far from the edge
    np.testing.assert_array_less(np.abs(s.mean(0) - mean), 6 * np.sqrt(var / n) + 1e-12)
    np.testing.assert_allclose(s.var(0), var, rtol=0.1)
    if name == "mvn":
        np.testing.assert_allclose(np.cov(s.T), np.asarray(d.covariance_matrix.tolist()), atol=0.1)


def test_categorical_sample_frequencies():
    facade.manual_seed(0)
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    s = np.asarray(FD.Categorical(facade.tensor(p)).sample((20000,)).tolist())
    freq = np.stack([(s == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(freq, p, atol=6 * math.sqrt(0.25 / 20000))


@pytest.mark.parametrize("name", ["normal", "categorical_logits", "mvn_tril", "onehot", "dirichlet"])
def test_sample_shape_empty(name):
    build, arrays = CASES[name][:2]
    fd, td = build(FD, _params(arrays, facade)), build(TD, _params(arrays, torch))
    assert tuple(fd.sample().shape) == tuple(td.sample().shape)
    if td.has_rsample:
        assert tuple(fd.rsample().shape) == tuple(td.rsample().shape)


def test_seed_reproducible():
    d = FD.Normal(facade.zeros(3), facade.ones(3))
    facade.manual_seed(5)
    a = d.sample((2,)).tolist()
    facade.manual_seed(5)
    assert d.sample((2,)).tolist() == a


def test_standard_gamma_reparameterized_gradient():
    """The sampler's gradient is the implicit one: E[dx/da] = dE[x]/da = 1 and
    E[d(x^2)/da] = d(a^2 + a)/da = 2a + 1 (a fixed seed, many samples)."""
    facade.manual_seed(0)
    a = facade.tensor([0.3, 1.0, 4.0], dtype=facade.float64, requires_grad=True)
    n = 20000
    x = facade._standard_gamma(a.expand(n, 3))
    assert x.grad_fn.name() == "StandardGammaBackward0"
    (g1,) = facade.autograd.grad(x.sum() / n, a, retain_graph=True)
    (g2,) = facade.autograd.grad((x ** 2).sum() / n, a)
    np.testing.assert_allclose(np.asarray(g1.tolist()), [1.0, 1.0, 1.0], rtol=0.05)
    np.testing.assert_allclose(np.asarray(g2.tolist()), 2 * np.array([0.3, 1.0, 4.0]) + 1, rtol=0.1)
    with pytest.raises(NotImplementedError):
        facade._standard_gamma(facade.tensor([1, 2]))


def test_gamma_rsample_gradient_flows_to_both_parameters():
    facade.manual_seed(1)
    c = facade.tensor([2.0], dtype=facade.float64, requires_grad=True)
    r = facade.tensor([4.0], dtype=facade.float64, requires_grad=True)
    FD.Gamma(c, r).rsample((20000,)).mean().backward()
    # E[x] = c / r: d/dc = 1 / r, d/dr = -c / r^2
    np.testing.assert_allclose(c.grad.tolist(), [0.25], rtol=0.05)
    np.testing.assert_allclose(r.grad.tolist(), [-0.125], rtol=0.05)
