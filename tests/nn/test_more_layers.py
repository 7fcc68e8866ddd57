"""InstanceNorm, LocalResponseNorm, CrossMapLRN2d, Fold/Unfold, LPPool, ChannelShuffle, pdist and the alpha
dropouts against PyTorch: values, grad_fn names, gradients (float64), running statistics, errors."""
import numpy as np
import pytest

from nn_compare import run_both, torch

import facade

TN, FN = torch.nn, facade.nn
TF, FF = torch.nn.functional, facade.nn.functional


def arr(*shape, seed=0, dtype="float64"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def errors_match(tcall, fcall):
    with pytest.raises(Exception) as te:
        tcall()
    with pytest.raises(type(te.value)) as fe:
        fcall()
    assert str(fe.value) == str(te.value)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,shape", [(1, (3, 4, 7)), (2, (2, 3, 5, 4)), (3, (2, 2, 3, 4, 3)), (2, (3, 5, 4))])
@pytest.mark.parametrize("affine,track", [(False, False), (True, False), (True, True), (False, True)])
def test_instance_norm_module(kind, shape, affine, track, dtype):
    tm = getattr(TN, f"InstanceNorm{kind}d")(shape[-kind - 1], affine=affine, track_running_stats=track).to(
        getattr(torch, dtype))
    fm = getattr(FN, f"InstanceNorm{kind}d")(shape[-kind - 1], affine=affine, track_running_stats=track,
                                               dtype=getattr(facade, dtype))
    if affine:
        with torch.no_grad():
            tm.weight.uniform_(0.5, 1.5)
            tm.bias.uniform_(-0.5, 0.5)
    fm.load_state_dict({k: facade.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = arr(*shape, dtype=dtype) * 2 + 1
    params = {"weight": (tm.weight, fm.weight), "bias": (tm.bias, fm.bias)} if affine else None
    run_both(tm, fm, [x], params=params)
    if track:
        np.testing.assert_allclose(fm.running_mean.numpy(), tm.running_mean.numpy(), rtol=1e-5)
        np.testing.assert_allclose(fm.running_var.numpy(), tm.running_var.numpy(), rtol=1e-5)
        tm.eval(), fm.eval()
        run_both(tm, fm, [x], params=params)
    assert repr(fm) == repr(tm)


def test_instance_norm_functional_and_errors():
    x = arr(2, 3, 4, 5)
    run_both(lambda a: TF.instance_norm(a), lambda a: FF.instance_norm(a), [x])
    run_both(lambda a: torch.instance_norm(a, None, None, None, None, True, 0.1, 1e-5, False),
             lambda a: facade.instance_norm(a, None, None, None, None, True, 0.1, 1e-5, False), [x])
    errors_match(lambda: TF.instance_norm(torch.zeros(2, 3, 1, 1)), lambda: FF.instance_norm(facade.zeros(2, 3, 1, 1)))
    errors_match(lambda: TN.InstanceNorm2d(3)(torch.zeros(2, 3)), lambda: FN.InstanceNorm2d(3)(facade.zeros(2, 3)))
    errors_match(lambda: TN.InstanceNorm1d(3, affine=True)(torch.zeros(2, 4, 5)),
                 lambda: FN.InstanceNorm1d(3, affine=True)(facade.zeros(2, 4, 5)))
    with pytest.warns(UserWarning):
        FN.InstanceNorm1d(3)(facade.zeros(2, 4, 5) + facade.arange(5.0))


@pytest.mark.parametrize("shape", [(2, 7, 5), (2, 6, 3, 4), (1, 5, 2, 3, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_local_response_norm(shape, size):
    run_both(TN.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5), FN.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5),
             [arr(*shape)])
    assert repr(FN.LocalResponseNorm(size)) == repr(TN.LocalResponseNorm(size))
    errors_match(lambda: TF.local_response_norm(torch.zeros(2, 3), 2), lambda: FF.local_response_norm(facade.zeros(2, 3), 2))


@pytest.mark.parametrize("size", [2, 3, 5, 6])
def test_cross_map_lrn2d(size):
    """Forward as torch's; the gradient is the true one (torch 2.13's hand-written CrossMapLRN2d backward fails
    gradcheck for every size, and its size-1 forward raises), checked by finite differences."""
    run_both(TN.CrossMapLRN2d(size, alpha=0.2, beta=0.7, k=2), FN.CrossMapLRN2d(size, alpha=0.2, beta=0.7, k=2),
             [arr(2, 5, 3, 2)], grad=False, check_grad_fn=False)
    x = facade.tensor(arr(2, 5, 3, 2), requires_grad=True)
    assert facade.autograd.gradcheck(FN.CrossMapLRN2d(size, alpha=0.2, beta=0.7, k=2), (x,))
    errors_match(lambda: TN.CrossMapLRN2d(2)(torch.zeros(2, 3, 4)), lambda: FN.CrossMapLRN2d(2)(facade.zeros(2, 3, 4)))


@pytest.mark.parametrize("k,d,p,s", [(2, 1, 0, 1), (3, 1, 1, 2), ((2, 3), (2, 1), (1, 0), (1, 2)), (1, 1, 0, 1)])
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_fold(k, d, p, s, batched):
    shape = (2, 3, 7, 6) if batched else (3, 7, 6)
    kw = dict(kernel_size=k, dilation=d, padding=p, stride=s)
    tu, fu = run_both(TN.Unfold(**kw), FN.Unfold(**kw), [arr(*shape)])
    cols = tu.detach().numpy()
    run_both(TN.Fold((7, 6), **kw), FN.Fold((7, 6), **kw), [cols])
    assert repr(FN.Fold((7, 6), **kw)) == repr(TN.Fold((7, 6), **kw))
    assert repr(FN.Unfold(**kw)) == repr(TN.Unfold(**kw))


def test_fold_unfold_errors():
    errors_match(lambda: TF.unfold(torch.zeros(1, 2, 3, 3), 4), lambda: FF.unfold(facade.zeros(1, 2, 3, 3), 4))
    errors_match(lambda: TF.unfold(torch.zeros(1, 2, 3, 3), 0), lambda: FF.unfold(facade.zeros(1, 2, 3, 3), 0))
    errors_match(lambda: TF.fold(torch.zeros(1, 5, 4), (3, 3), 2), lambda: FF.fold(facade.zeros(1, 5, 4), (3, 3), 2))
    errors_match(lambda: TF.fold(torch.zeros(1, 4, 5), (3, 3), 2), lambda: FF.fold(facade.zeros(1, 4, 5), (3, 3), 2))


@pytest.mark.parametrize("norm", [1.0, 2.0, 3.0, float("inf")])
@pytest.mark.parametrize("dim,shape", [(1, (2, 3, 9)), (2, (2, 3, 6, 7)), (3, (1, 2, 4, 5, 4))])
@pytest.mark.parametrize("stride", [None, 1])
@pytest.mark.parametrize("ceil", [False, True])
def test_lp_pool(norm, dim, shape, stride, ceil):
    x = np.abs(arr(*shape)) + 0.1
    tm = getattr(TN, f"LPPool{dim}d")(norm, 2, stride=stride, ceil_mode=ceil)
    fm = getattr(FN, f"LPPool{dim}d")(norm, 2, stride=stride, ceil_mode=ceil)
    run_both(tm, fm, [x])
    assert repr(fm) == repr(tm)


@pytest.mark.parametrize("groups", [1, 2, 3])
def test_channel_shuffle(groups):
    run_both(TN.ChannelShuffle(groups), FN.ChannelShuffle(groups), [arr(2, 6, 3, 2)])
    run_both(lambda a: torch.channel_shuffle(a, groups), lambda a: facade.channel_shuffle(a, groups), [arr(2, 6, 3)])
    assert repr(FN.ChannelShuffle(groups)) == repr(TN.ChannelShuffle(groups))
    errors_match(lambda: TF.channel_shuffle(torch.zeros(2, 5, 3), 2), lambda: FF.channel_shuffle(facade.zeros(2, 5, 3), 2))
    errors_match(lambda: TF.channel_shuffle(torch.zeros(2, 6), 2), lambda: FF.channel_shuffle(facade.zeros(2, 6), 2))


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, float("inf")])
def test_pdist(p):
    x = arr(5, 3)
    x[3] = x[1]  # equal rows: the distance's gradient is zero there, as in PyTorch
    run_both(lambda a: TF.pdist(a, p), lambda a: FF.pdist(a, p), [x])
    run_both(lambda a: torch.pdist(a, p), lambda a: facade.pdist(a, p), [x])
    errors_match(lambda: TF.pdist(torch.zeros(3), p), lambda: FF.pdist(facade.zeros(3), p))


@pytest.mark.parametrize("feature", [False, True])
@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_statistics(feature, p):
    """Alpha dropout keeps zero mean and unit variance of a standard normal input (its purpose), drops units to
    a' = -selu_scale * selu_alpha * a + b, and is the identity in eval mode."""
    m = (FN.FeatureAlphaDropout if feature else FN.AlphaDropout)(p)
    facade.manual_seed(0)
    x = facade.randn(400, 50, 4, 4) if feature else facade.randn(200000)
    y = m(x)
    assert abs(float(y.mean())) < 0.02 and abs(float(y.std()) - 1) < 0.02
    tx = torch.tensor(x.numpy())
    t = (TN.FeatureAlphaDropout if feature else TN.AlphaDropout)(p)
    torch.manual_seed(0)
    ty = t(tx)
    # the same affine map for kept and dropped units: the set of values y - x * scale takes is {b, dropped}
    a = 1.0 / np.sqrt((1.7580993408473766 ** 2 * p + 1) * (1 - p))
    for out in (y.numpy(), ty.numpy()):
        kept = np.isclose(out, x.numpy() * a + 1.7580993408473766 * a * p, atol=1e-5)
        dropped = np.isclose(out, -1.7580993408473766 * a + 1.7580993408473766 * a * p, atol=1e-5)
        assert np.all(kept | dropped)
        assert abs(dropped.mean() - p) < 0.02
    m.eval()
    assert m(x) is x
    errors_match(lambda: TF.alpha_dropout(torch.zeros(3), 1.5, True), lambda: FF.alpha_dropout(facade.zeros(3), 1.5, True))
    x = facade.randn(4, 3, requires_grad=True)
    y = FF.alpha_dropout(x, 0.5, True)
    assert y.grad_fn is not None
    y.sum().backward()
    assert x.grad is not None
