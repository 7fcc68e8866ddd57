"""nn.utils.spectral_norm (hook-based) and nn.utils.parametrizations.spectral_norm against torch:
forward values, u/v buffers over several calls in train and eval mode, gradients, state_dict
keys and metadata, loading (including a pre-version-1 checkpoint), remove_spectral_norm."""
import numpy as np
import pytest

import facade

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((2, 4))


def _pair(make_t, make_f):
    torch.manual_seed(0)
    t = make_t(torch).double()
    f = make_f(facade).double()
    f.load_state_dict({k: facade.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, f


def _np(t):
    return t.detach().numpy()


def _legacy(lib, n=1, dim=None):
    return lib.nn.utils.spectral_norm(lib.nn.Linear(4, 3), n_power_iterations=n, dim=dim)


@pytest.mark.parametrize("n", [1, 3])
def test_legacy_train_eval_buffers_and_grads(n):
    t, f = _pair(lambda lib: _legacy(lib, n), lambda lib: _legacy(lib, n))
    assert list(f.state_dict()) == list(t.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    for mode in (True, True, False, True):
        t.train(mode), f.train(mode)
        yt, yf = t(torch.tensor(X)), f(facade.tensor(X))
        np.testing.assert_allclose(_np(yf), _np(yt), rtol=1e-10, atol=1e-12)
        for b in ("weight_u", "weight_v", "weight"):
            np.testing.assert_allclose(_np(getattr(f, b)), _np(getattr(t, b)), rtol=1e-10, atol=1e-12)
    yt.sum().backward(), yf.sum().backward()
    np.testing.assert_allclose(_np(f.weight_orig.grad), _np(t.weight_orig.grad), rtol=1e-9, atol=1e-12)
    assert type(f.weight.grad_fn).__name__ == type(t.weight.grad_fn).__name__ == "DivBackward0"


def test_legacy_sigma_is_spectral_norm():
    f = _legacy(facade, n=50).double()
    f(facade.tensor(X))
    s = np.linalg.svd(_np(f.weight_orig), compute_uv=False)[0]
    np.testing.assert_allclose(np.linalg.svd(_np(f.weight), compute_uv=False)[0], 1.0, rtol=1e-5)
    assert s > 0


def test_legacy_conv_transpose_dim_and_metadata():
    mk = lambda lib: lib.nn.utils.spectral_norm(lib.nn.ConvTranspose2d(2, 3, 2))  # noqa: E731
    t, f = _pair(mk, mk)
    assert tuple(f.weight_u.shape) == tuple(t.weight_u.shape) == (3,)
    x = np.random.default_rng(1).standard_normal((1, 2, 3, 3))
    np.testing.assert_allclose(_np(f(facade.tensor(x))), _np(t(torch.tensor(x))), rtol=1e-10, atol=1e-12)
    assert f.state_dict()._metadata == t.state_dict()._metadata
    assert t.state_dict()._metadata[""]["spectral_norm"] == {"weight.version": 1}


def test_legacy_load_state_dict_and_old_checkpoint():
    t, f = _pair(_legacy, _legacy)
    t(torch.tensor(X)), f(facade.tensor(X))
    sd_t = t.state_dict()
    # a checkpoint from before version 1: weight instead of weight_v, no metadata
    old_t = {k: v for k, v in sd_t.items() if k != "weight_v"}
    old_t["weight"] = t.weight.detach().clone()
    old_f = {k: facade.tensor(v.detach().numpy()) for k, v in old_t.items()}
    t2, f2 = _legacy(torch).double(), _legacy(facade).double()
    t2.load_state_dict(old_t), f2.load_state_dict(old_f)
    np.testing.assert_allclose(_np(f2.weight_v), _np(t2.weight_v), rtol=1e-6, atol=1e-9)
    assert "weight" not in old_f and "weight_v" in old_f  # the hook rewrites the dict, as torch's does
    bad = {k: v for k, v in old_f.items() if k != "weight_v"}
    with pytest.raises(RuntimeError, match='Missing key.*"weight", "weight_v"'):
        f2.load_state_dict(bad)


def test_legacy_remove_and_errors():
    t, f = _pair(_legacy, _legacy)
    t(torch.tensor(X)), f(facade.tensor(X))
    t.eval(), f.eval()
    torch.nn.utils.remove_spectral_norm(t), facade.nn.utils.remove_spectral_norm(f)
    assert list(f.state_dict()) == list(t.state_dict())
    assert isinstance(f.weight, facade.nn.Parameter)
    np.testing.assert_allclose(_np(f.weight), _np(t.weight), rtol=1e-10)
    with pytest.raises(ValueError) as et:
        torch.nn.utils.remove_spectral_norm(t)
    with pytest.raises(ValueError) as ef:
        facade.nn.utils.remove_spectral_norm(f)
    assert str(ef.value) == str(et.value)
    for lib in (torch, facade):
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
            lib.nn.utils.spectral_norm(_legacy(lib))
        with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)


def _param(lib, n=1):
    return lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(4, 3), n_power_iterations=n)


def test_parametrization_train_eval_and_grads():
    torch.manual_seed(0)
    t = _param(torch).double()
    f = _param(facade).double()
    sd = t.state_dict()
    assert list(f.state_dict()) == list(sd)
    f.load_state_dict({k: facade.tensor(v.detach().numpy()) for k, v in sd.items()})
    pre = "parametrizations.weight.0."
    for mode in (True, True, False, True):
        t.train(mode), f.train(mode)
        yt, yf = t(torch.tensor(X)), f(facade.tensor(X))
        np.testing.assert_allclose(_np(yf), _np(yt), rtol=1e-10, atol=1e-12)
        for b in ("_u", "_v"):
            np.testing.assert_allclose(_np(f.state_dict()[pre + b]), _np(t.state_dict()[pre + b]), rtol=1e-10,
                                       atol=1e-12)
    yt.sum().backward(), yf.sum().backward()
    orig = "original"
    gt = t.parametrizations.weight.original.grad
    gf = getattr(f.parametrizations.weight, orig).grad
    np.testing.assert_allclose(_np(gf), _np(gt), rtol=1e-9, atol=1e-12)
    # a 1-D weight is just normalised
    v = np.array([3.0, 4.0])
    assert np.allclose(_np(facade.nn.utils.parametrizations._SpectralNorm(facade.tensor(v))(facade.tensor(v))),
                       [0.6, 0.8])


def test_parametrization_sigma_finite_difference():
    f = _param(facade, n=30).double()
    f.eval()
    w = f.parametrizations.weight.original
    y = f.weight.sum()
    y.backward()
    g = _np(w.grad)
    base = _np(w).copy()
    eps = 1e-6
    num = np.zeros_like(base)
    for i in np.ndindex(base.shape):
        for s in (1, -1):
            d = base.copy()
            d[i] += s * eps
            with facade.no_grad():
                w.copy_(facade.tensor(d))
                num[i] += s * float(f.weight.sum()) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-6)
