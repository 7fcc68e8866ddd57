"""Dropout, Embedding, pad, normalize, cosine_similarity, one_hot against PyTorch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_compare import assert_close, copy_weights, data, raises_like, run_both, run_modules, to_facade, to_torch, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional


# ---- dropout ---------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_masks_and_scales(p):
    x = facade.tensor(data(0, (50, 40), low=1, high=2), requires_grad=True)
    m = fnn.Dropout(p)
    y = m(x)
    assert type(y.grad_fn).__name__ == "MulBackward0"
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - (1 - p)) < 0.05  # the mask is Bernoulli(1 - p)
    np.testing.assert_allclose(y.detach().numpy()[kept], x.detach().numpy()[kept] / (1 - p), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / np.float32(1 - p), rtol=1e-6)  # same mask in backward
    assert not np.array_equal(m(x).detach().numpy() != 0, kept)  # a fresh mask per call


def test_dropout_edge_cases_and_modes():
    x = facade.tensor([1.0, float("nan"), 3.0], requires_grad=True)
    assert fnn.Dropout(0.0)(x) is x
    m = fnn.Dropout(0.5).eval()
    assert m(x) is x
    t = torch.tensor([1.0, float("nan"), 3.0], requires_grad=True)
    run_both(lambda a: tF.dropout(a, 1.0), lambda a: fF.dropout(a, 1.0), [np.array([1.0, np.nan, 3.0])])
    assert repr(fnn.Dropout(0.2, True)) == repr(tnn.Dropout(0.2, True)) and repr(fnn.Dropout()) == repr(tnn.Dropout())
    raises_like(lambda: tnn.Dropout(1.5), lambda: fnn.Dropout(1.5))
    raises_like(lambda: tF.dropout(t, -0.1), lambda: fF.dropout(x, -0.1))
    facade.manual_seed(3)
    a = fF.dropout(facade.ones(100), 0.5).numpy()
    facade.manual_seed(3)
    assert np.array_equal(fF.dropout(facade.ones(100), 0.5).numpy(), a)  # reproducible under a seed


def test_dropout_inplace():
    x = facade.ones(20, 20, requires_grad=True)
    y = x.clone()
    out = fF.dropout(y, 0.5, inplace=True)
    assert out is y and type(y.grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())  # gradient 2 where kept (x = 1)


# ---- embedding -------------------------------------------------------------------------
@settings(deadline=None)
@given(seed=st.integers(0, 2**16), padding=st.sampled_from([None, 0, -1]), by_freq=st.booleans())
def test_embedding(seed, padding, by_freq):
    tm, fm = (
        tnn.Embedding(6, 3, padding_idx=padding, scale_grad_by_freq=by_freq),
        fnn.Embedding(6, 3, padding_idx=padding, scale_grad_by_freq=by_freq),
    )
    assert repr(fm) == repr(tm)
    idx = np.random.default_rng(seed).integers(0, 6, (3, 4))
    ti, fi = torch.tensor(idx), facade.tensor(idx)
    copy_weights(tm, fm)
    run_both(lambda: tm(ti), lambda: fm(fi), [], params={"weight": (tm.weight, fm.weight)}, seed=seed)


def test_embedding_init_and_padding_row():
    m = fnn.Embedding(10, 4, padding_idx=2)
    assert not m.weight[2].detach().numpy().any() and m.weight.detach().numpy().std() > 0.3
    e = fnn.Embedding.from_pretrained(facade.ones(3, 2))
    assert not e.weight.requires_grad
    assert repr(fnn.Embedding(5, 3, padding_idx=0, max_norm=1.0, scale_grad_by_freq=True, sparse=True)) == repr(
        tnn.Embedding(5, 3, padding_idx=0, max_norm=1.0, scale_grad_by_freq=True, sparse=True)
    )
    assert repr(fnn.Embedding(5, 3, norm_type=3.0)) == repr(tnn.Embedding(5, 3, norm_type=3.0))


def test_embedding_max_norm_renormalises_used_rows():
    tm, fm = tnn.Embedding(5, 3, max_norm=1.0), fnn.Embedding(5, 3, max_norm=1.0)
    with torch.no_grad():
        tm.weight.mul_(3)
    copy_weights(tm, fm)
    idx = np.array([[0, 2], [2, 4]])
    run_both(lambda: tm(torch.tensor(idx)), lambda: fm(facade.tensor(idx)), [], params={"w": (tm.weight, fm.weight)})
    assert_close(fm.weight, tm.weight)


def test_embedding_errors():
    tm, fm = tnn.Embedding(5, 3), fnn.Embedding(5, 3)
    for bad in (np.array([5]), np.array([-1])):
        raises_like(lambda: tm(torch.tensor(bad)), lambda: fm(facade.tensor(bad)))
    raises_like(lambda: tm(torch.tensor([1.0])), lambda: fm(facade.tensor([1.0])))
    raises_like(lambda: tnn.Embedding(5, 3, padding_idx=5), lambda: fnn.Embedding(5, 3, padding_idx=5))
    raises_like(
        lambda: tF.embedding(torch.tensor([1]), torch.ones(3)), lambda: fF.embedding(facade.tensor([1]), facade.ones(3))
    )


# ---- pad -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape,pad,mode",
    [
        ((3, 4), (1, 2), "constant"),
        ((3, 4), (1, 1, 2, 0), "constant"),
        ((2, 3, 4), (-1, 2), "constant"),
        ((2, 3, 4), (0, 0, 1, 1, 1, 0), "constant"),
        ((2, 3, 4), (2, 1), "reflect"),
        ((1, 2, 3, 4), (1, 2, 2, 1), "reflect"),
        ((2, 3, 4), (1, 2), "replicate"),
        ((1, 2, 3, 4), (1, 1, 2, 2), "replicate"),
        ((1, 1, 2, 3, 4), (1, 1, 1, 1, 1, 1), "replicate"),
        ((2, 3, 4), (1, 2), "circular"),
        ((1, 2, 3, 4), (1, 1, 2, 2), "circular"),
    ],
)
def test_pad(shape, pad, mode):
    x = data(0, shape, "float64")
    kw = {"value": 2.5} if mode == "constant" else {}
    run_both(lambda a: tF.pad(a, pad, mode=mode, **kw), lambda a: fF.pad(a, pad, mode=mode, **kw), [x])


@pytest.mark.parametrize(
    "shape,pad,mode",
    [
        ((3, 3), (1,), "constant"),
        ((3, 3), (1, 1, 1, 1, 1, 1), "constant"),
        ((3, 3), (-2, -2), "constant"),
        ((3, 3), (1, 1), "foo"),
        ((2, 3), (1, 1, 1, 1), "reflect"),
        ((1, 1, 2, 3), (1, 1), "replicate"),
        ((1, 2, 3), (3, 3), "reflect"),
    ],
)
def test_pad_errors(shape, pad, mode):
    x = data(0, shape)
    raises_like(lambda: tF.pad(to_torch(x), pad, mode=mode), lambda: fF.pad(to_facade(x), pad, mode=mode))


# ---- normalize, cosine similarity, one_hot ---------------------------------------------
@settings(deadline=None)
@given(
    seed=st.integers(0, 2**16),
    dim=st.sampled_from([0, 1, -1]),
    p=st.sampled_from([1.0, 2.0, 3.0]),
    zero_row=st.booleans(),
)
def test_normalize(seed, dim, p, zero_row):
    x = data(seed, (3, 4), "float64")
    if zero_row:
        x[1] = 0.0
        x[:, 2] = 0.0
    run_both(lambda a: tF.normalize(a, p, dim), lambda a: fF.normalize(a, p, dim), [x], seed=seed)


@settings(deadline=None)
@given(seed=st.integers(0, 2**16), dim=st.sampled_from([0, 1]), zero_row=st.booleans())
def test_cosine_similarity(seed, dim, zero_row):
    a, b = data(seed, (3, 4), "float64"), data(seed + 1, (3, 4), "float64")
    if zero_row:
        a[1] = 0.0
    run_both(
        lambda x, y: tF.cosine_similarity(x, y, dim), lambda x, y: fF.cosine_similarity(x, y, dim), [a, b], seed=seed
    )


def test_cosine_similarity_broadcast_and_errors():
    run_both(
        lambda x, y: tF.cosine_similarity(x, y),
        lambda x, y: fF.cosine_similarity(x, y),
        [data(0, (3, 4)), data(1, (1, 4))],
    )
    raises_like(
        lambda: tF.cosine_similarity(torch.ones(3, 4), torch.ones(2, 4)),
        lambda: fF.cosine_similarity(facade.ones(3, 4), facade.ones(2, 4)),
    )
    i = np.ones(3, np.int64)
    raises_like(
        lambda: tF.cosine_similarity(to_torch(i), to_torch(i), 0),
        lambda: fF.cosine_similarity(to_facade(i), to_facade(i), 0),
    )


def test_one_hot():
    idx = np.array([0, 2, 1])
    assert np.array_equal(fF.one_hot(facade.tensor(idx)).numpy(), tF.one_hot(torch.tensor(idx)).numpy())
    assert np.array_equal(fF.one_hot(facade.tensor(idx), 5).numpy(), tF.one_hot(torch.tensor(idx), 5).numpy())
    raises_like(lambda: tF.one_hot(torch.tensor([1.0])), lambda: fF.one_hot(facade.tensor([1.0])))


# ---- layers over the functions above ---------------------------------------------------
PAD_LAYERS = [
    ("ZeroPad1d", (2,), (2, 3, 4)),
    ("ConstantPad2d", ((1, 0, 2, 1), 2.5), (1, 2, 3, 4)),
    ("ConstantPad3d", (1, 0.5), (1, 1, 2, 3, 4)),
    ("ReflectionPad1d", ((2, 1),), (2, 3, 4)),
    ("ReflectionPad2d", (1,), (1, 2, 3, 4)),
    ("ReplicationPad3d", (1,), (1, 1, 2, 3, 4)),
    ("CircularPad2d", ((1, 1, 0, 2),), (1, 2, 3, 4)),
    ("ZeroPad3d", ((1, 0, 0, 1, 1, 0),), (1, 2, 2, 3)),
]


@pytest.mark.parametrize("name,args,shape", PAD_LAYERS, ids=[p[0] for p in PAD_LAYERS])
def test_padding_layers(name, args, shape):
    tm, fm = getattr(tnn, name)(*args), getattr(fnn, name)(*args)
    assert repr(fm) == repr(tm)
    run_both(tm, fm, [data(0, shape, "float64")])


def test_distance_layers():
    for args in [(), (0, 1e-3)]:
        tm, fm = tnn.CosineSimilarity(*args), fnn.CosineSimilarity(*args)
        assert repr(fm) == repr(tm)
        run_both(tm, fm, [data(0, (3, 4), "float64"), data(1, (3, 4), "float64")])
    for args in [(), (1.0, 1e-3, True), (3.0,)]:
        tm, fm = tnn.PairwiseDistance(*args), fnn.PairwiseDistance(*args)
        assert repr(fm) == repr(tm)
        run_both(tm, fm, [data(0, (3, 4), "float64"), data(1, (3, 4), "float64")])
    run_both(
        lambda a, b: tF.pairwise_distance(a, b),
        lambda a, b: fF.pairwise_distance(a, b),
        [data(2, (4,), "float64"), data(3, (4,), "float64")],
    )


@settings(deadline=None)
@given(seed=st.integers(0, 2**16), eps=st.sampled_from([None, 0.1]), affine=st.booleans())
def test_rms_norm(seed, eps, affine):
    tm, fm = tnn.RMSNorm(4, eps, affine).double(), fnn.RMSNorm(4, eps, affine).double()
    assert repr(fm) == repr(tm) and list(fm.state_dict()) == list(tm.state_dict())
    if affine:
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(data(seed + 1, (4,), "float64")))
    run_modules(tm, fm, [data(seed, (3, 4), "float64")], seed=seed)


def test_rms_norm_float32_and_errors():
    run_modules(tnn.RMSNorm((3, 4)), fnn.RMSNorm((3, 4)), [data(0, (2, 3, 4))])
    raises_like(lambda: tF.rms_norm(torch.ones(2, 3), (4,)), lambda: fF.rms_norm(facade.ones(2, 3), (4,)))


@pytest.mark.parametrize("n,shape", [(1, (8, 30, 5)), (1, (30, 5)), (2, (8, 30, 2, 3)), (3, (30, 2, 2, 2))])
def test_channel_dropout_drops_whole_channels(n, shape):
    m = getattr(fnn, f"Dropout{n}d")(0.5)
    assert repr(m) == repr(getattr(tnn, f"Dropout{n}d")(0.5))
    x = facade.ones(*shape, requires_grad=True)
    y = m(x).detach().numpy()
    per_channel = y.reshape(shape[: len(shape) - n] + (-1,))
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()  # each channel all dropped or all kept
    assert 0.2 < (per_channel[..., 0] == 0).mean() < 0.8
    assert m.eval()(x) is x


def test_channel_dropout_errors_and_warnings():
    raises_like(lambda: tF.dropout1d(torch.ones(2)), lambda: fF.dropout1d(facade.ones(2)))
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        fF.dropout2d(facade.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout3d"):
        fF.dropout3d(facade.ones(2, 3))
    raises_like(lambda: tnn.Softmax2d()(torch.ones(2, 3)), lambda: fnn.Softmax2d()(facade.ones(2, 3)))
    run_both(tnn.Softmax2d(), fnn.Softmax2d(), [data(0, (2, 3, 4), "float64")])
