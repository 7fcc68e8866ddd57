"""Max, average and adaptive pooling (functional and modules) against PyTorch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_compare import data, raises_like, run_both, run_modules, to_facade, to_torch, torch

import facade
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional

# each example compiles new programs: a few, on small tensors
FEW = settings(deadline=None, max_examples=max(3, settings.default.max_examples // 3))


def _f(T):
    return T.nn.functional


def ties(seed, shape, dtype="float64"):
    """Small integers as floats: windows hold repeated maxima."""
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(dtype)


def _compare(name, arrays, indices=False, **kw):
    """run_both on F.<name>; with indices, the indices too (and gradients through the values)."""
    tfn, ffn = getattr(tF, name), getattr(fF, name)
    if not indices:
        return run_both(lambda *t: tfn(*t, **kw), lambda *t: ffn(*t, **kw), arrays)
    (t_idx, f_idx) = [], []

    def values(fn, store):
        def run(*ts):
            out, idx = fn(*ts, return_indices=True, **kw)
            store.append(idx)
            return out
        return run

    out = run_both(values(tfn, t_idx), values(ffn, f_idx), arrays)
    assert f_idx[0].dtype is facade.int64 and not f_idx[0].requires_grad
    np.testing.assert_array_equal(f_idx[0].numpy(), t_idx[0].numpy())
    return out


# ---- max pooling -----------------------------------------------------------------------
@st.composite
def pool_args(draw, nd, dilation=True):
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 3)] * nd)))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if dilation else (1,) * nd
    pad = tuple(draw(st.integers(0, ((kk - 1) * dd + 1) // 2 if dilation else kk // 2)) for kk, dd in zip(k, d))
    if dilation:
        pad = tuple(min(p, kk // 2) for p, kk in zip(pad, k))
    sizes = tuple(max(draw(st.integers(1, 6)), dd * (kk - 1) + 1 - 2 * p) for kk, dd, p in zip(k, d, pad))
    batch = draw(st.sampled_from([(), (2,)]))
    kw = dict(kernel_size=k, stride=stride, padding=pad, ceil_mode=draw(st.booleans()))
    if dilation:
        kw["dilation"] = d
    return batch + (draw(st.integers(1, 2)),) + sizes, kw


@FEW
@given(args=pool_args(2), dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16),
       with_ties=st.booleans())
def test_max_pool2d_matches_torch(args, dtype, seed, with_ties):
    shape, kw = args
    x = ties(seed, shape, dtype) if with_ties else data(seed, shape, dtype)
    _compare("max_pool2d", [x], indices=True, **kw)


@FEW
@given(args=pool_args(1), seed=st.integers(0, 2**16))
def test_max_pool1d_matches_torch(args, seed):
    shape, kw = args
    x = ties(seed, shape)
    _compare("max_pool1d", [x], indices=seed % 2 == 0, **kw)


def test_max_pool_nan_and_inf():
    x = ties(0, (2, 2, 5, 6))
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = x[1, 1, 2, 3] = np.nan  # the last NaN of a window wins
    x[1, 0] = -np.inf  # windows of -inf only pick their first element
    x[0, 1, :2, :2] = np.inf
    _compare("max_pool2d", [x], indices=True, kernel_size=(2, 3), stride=1, padding=(1, 0), dilation=(2, 1))
    _compare("adaptive_max_pool2d", [x], indices=True, output_size=(3, 2))


def test_a_window_of_padding_only_is_minus_infinity():
    # dilation 2 skips the one element: the window holds the two padding entries. PyTorch's index for it points
    # past the row (its gradient lands in the next channel), so only values are compared
    x = np.arange(3, dtype=np.float32).reshape(3, 1, 1)
    kw = dict(kernel_size=(1, 2), padding=(0, 1), dilation=(1, 2))
    got, want = fF.max_pool2d(to_facade(x), **kw), torch.nn.functional.max_pool2d(to_torch(x), **kw)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert np.isneginf(got.numpy()).all()


def test_max_pool_without_grad_and_integers():
    x = ties(1, (2, 3, 5, 5))
    run_both(lambda a: tF.max_pool2d(a, 2), lambda a: fF.max_pool2d(a, 2), [x], grad=False)
    xi = x.astype(np.int64)
    run_both(lambda a: tF.max_pool2d(a, 3, 2, 1, return_indices=True)[1],
             lambda a: fF.max_pool2d(a, 3, 2, 1, return_indices=True)[1], [xi], grad=False)
    run_both(lambda a: tF.max_pool2d_with_indices(a, 2)[0], lambda a: fF.max_pool2d_with_indices(a, 2)[0], [x])
    run_both(lambda a: tF.max_pool2d(a, 2), lambda a: fF.max_pool2d(a, 2), [np.zeros((0, 2, 4, 4))])


# ---- average pooling -------------------------------------------------------------------
@FEW
@given(args=pool_args(2, dilation=False), dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16),
       count_include_pad=st.booleans(), divisor=st.sampled_from([None, None, 3, -2]))
def test_avg_pool2d_matches_torch(args, dtype, seed, count_include_pad, divisor):
    shape, kw = args
    _compare("avg_pool2d", [data(seed, shape, dtype)], count_include_pad=count_include_pad, divisor_override=divisor,
             **kw)


@FEW
@given(args=pool_args(1, dilation=False), seed=st.integers(0, 2**16), count_include_pad=st.booleans())
def test_avg_pool1d_matches_torch(args, seed, count_include_pad):
    shape, kw = args
    _compare("avg_pool1d", [data(seed, shape, "float64")], count_include_pad=count_include_pad, **kw)


def test_avg_pool_integers():
    x = np.arange(-30, 20).reshape(2, 1, 5, 5)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
               dict(kernel_size=2, divisor_override=3)):
        run_both(lambda a: tF.avg_pool2d(a, **kw), lambda a: fF.avg_pool2d(a, **kw), [x], grad=False)
    run_both(lambda a: tF.avg_pool1d(a, 3, 2, 1), lambda a: fF.avg_pool1d(a, 3, 2, 1), [x[:, 0]], grad=False)


# ---- adaptive pooling ------------------------------------------------------------------
@FEW
@given(shape=st.sampled_from([(2, 5, 7), (1, 2, 4, 6), (3, 3, 1), (2, 1, 6, 5)]),
       out=st.tuples(st.integers(1, 8), st.one_of(st.none(), st.integers(1, 8))), seed=st.integers(0, 2**16))
def test_adaptive_pool2d_matches_torch(shape, out, seed):
    x = ties(seed, shape)
    _compare("adaptive_avg_pool2d", [x], output_size=out)
    _compare("adaptive_max_pool2d", [x], indices=True, output_size=out)


def test_adaptive_pool1d():
    x = ties(0, (2, 3, 5))
    _compare("adaptive_avg_pool1d", [x], output_size=3)
    _compare("adaptive_max_pool1d", [x], indices=True, output_size=7)
    _compare("adaptive_avg_pool1d", [x[0]], output_size=1)  # unbatched; a mean (PyTorch's shortcut)


def test_adaptive_avg_pool_to_one_is_a_mean():
    x = data(0, (2, 3, 4, 5), "float64")
    for size in (1, (1, 1), (1, None)):
        _compare("adaptive_avg_pool2d", [x[:, :, :1] if size == (1, None) else x], output_size=size)
    run_both(lambda a: tF.adaptive_avg_pool2d(a, 1), lambda a: fF.adaptive_avg_pool2d(a, 1), [x[0, 0]])  # any rank
    # an empty output (PyTorch's backward refuses it: facade's gives zeros)
    run_both(lambda a: tF.adaptive_avg_pool2d(a, 0), lambda a: fF.adaptive_avg_pool2d(a, 0), [x], grad=False)


# ---- max unpooling ---------------------------------------------------------------------
def _distinct_indices(seed, lead, spatial, out):
    """Indices into each (N, C) plane of an output of spatial size `out`, distinct within a plane."""
    rng = np.random.default_rng(seed)
    per, plane = int(np.prod(spatial)), int(np.prod(out))
    return np.stack([rng.permutation(plane)[:per] for _ in range(int(np.prod(lead)))]).reshape(lead + spatial)


def _unpool_reference(x, idx, out):
    """numpy: every value of x written at its index in its plane, zeros elsewhere (loops)."""
    nd = len(out)
    lead = x.shape[:x.ndim - nd]
    y = np.zeros(lead + tuple(out), x.dtype)
    for plane in np.ndindex(*lead):
        flat = y[plane].reshape(-1)
        for pos in np.ndindex(*x.shape[x.ndim - nd:]):
            flat[idx[plane + pos]] = x[plane + pos]
    return y


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("form", ["default", "spatial", "full", "size"])
def test_max_unpool_matches_torch_and_numpy(nd, batched, form):
    k, s, p = (3, 2, 1, 2, 2)[:nd], (2, 1, 3)[:nd], (1, 0, 1)[:nd]
    spatial = (3, 2, 2)[:nd]
    lead = (2, 3) if batched else (3,)
    default = tuple((n - 1) * ss + kk - 2 * pp for n, ss, kk, pp in zip(spatial, s, k, p))
    out = default if form == "default" else tuple(d + (1 if ss > 1 else 0) for d, ss in zip(default, s))
    x = data(nd, lead + spatial, "float64")
    idx = _distinct_indices(nd, lead, spatial, out)

    def size(T):
        return {"default": None, "spatial": list(out), "full": (5, 5) + out, "size": T.Size((4, 1) + out)}[form]

    def run(T, a, i):
        return getattr(_f(T), f"max_unpool{nd}d")(a, i, k, s, p, size(T))

    _, f_out = run_both(lambda a, i: run(torch, a, i), lambda a, i: run(facade, a, i), [x, idx])
    np.testing.assert_array_equal(f_out.detach().numpy(), _unpool_reference(x, idx, out))
    assert tuple(f_out.shape) == lead + out


@FEW
@given(nd=st.sampled_from([1, 2, 3]), data_=st.data(), seed=st.integers(0, 2**16), with_ties=st.booleans(),
       full_size=st.booleans())
def test_max_pool_then_unpool_matches_torch(nd, data_, seed, with_ties, full_size):
    """The round trip: max_pool{nd}d(return_indices=True), then max_unpool{nd}d to the input's size. Overlapping
    windows can pick one element twice: PyTorch then writes it once and gathers the gradient into both."""
    shape, kw = data_.draw(pool_args(nd, dilation=False))
    x = ties(seed, shape) if with_ties else data(seed, shape, "float64")
    kw.pop("ceil_mode")
    unpool = dict(kw)

    def run(T, a):
        F = _f(T)
        out, idx = getattr(F, f"max_pool{nd}d")(a, return_indices=True, **kw)
        size = a.shape if full_size and a.ndim == nd + 2 else a.shape[a.ndim - nd:]
        return getattr(F, f"max_unpool{nd}d")(out, idx, output_size=size, **unpool)

    _, f_out = run_both(lambda a: run(torch, a), lambda a: run(facade, a), [x])
    assert tuple(f_out.shape) == x.shape


def test_max_unpool_duplicate_indices():
    # every input at index 0 (equal values, so the value is unambiguous): PyTorch's gradient gathers the output
    # gradient at the index for each of them
    x = np.full((2, 3, 2, 2), 1.5)
    idx = np.zeros((2, 3, 2, 2), np.int64)
    idx[1, 2] = 3
    run_both(lambda a, i: tF.max_unpool2d(a, i, 2), lambda a, i: fF.max_unpool2d(a, i, 2), [x, idx])
    run_both(lambda a, i: tF.max_unpool1d(a, i, 2), lambda a, i: fF.max_unpool1d(a, i, 2), [x[0], idx[0]])
    x3, idx3 = np.full((3, 2, 2, 2), -2.0), np.ones((3, 2, 2, 2), np.int64)
    run_both(lambda a, i: tF.max_unpool3d(a, i, 2), lambda a, i: fF.max_unpool3d(a, i, 2), [x3, idx3])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_max_unpool_dtypes(dtype):
    x = data(0, (2, 3, 2, 3), "float32")
    idx = _distinct_indices(0, (2, 3), (2, 3), (4, 6))
    t = tF.max_unpool2d(to_torch(x).to(getattr(torch, dtype)), to_torch(idx), 2)
    f = fF.max_unpool2d(to_facade(x).to(getattr(facade, dtype)), to_facade(idx), 2)
    assert f.dtype is getattr(facade, dtype)
    np.testing.assert_array_equal(f.float().numpy(), t.float().numpy())


def test_max_unpool_empty():
    # empty outputs check neither dtypes nor index values, as PyTorch's kernel is not called for them
    for shape, kw in (((0, 3, 2, 2), {}), ((2, 3, 2, 2), dict(padding=2)), ((2, 3, 2, 2), dict(kernel_size=0))):
        for dtype in ("float32", "int64"):
            def run(T, shape=shape, kw=kw, dtype=dtype):
                kw = {"kernel_size": 2, **kw}
                x = T.zeros(shape, dtype=getattr(T, dtype))
                return _f(T).max_unpool2d(x, T.full(shape, 99, dtype=T.int64), **kw)

            t, f = run(torch), run(facade)
            assert tuple(f.shape) == tuple(t.shape) and f.dtype is getattr(facade, dtype)


def test_max_unpool_saves_the_indices_only():
    """An in-place change to the indices before backward raises as PyTorch's; one to the input does not."""
    def run(T, change):
        x = T.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
        a = x * 1
        i = T.tensor([[[[0, 3], [9, 15]]]])
        y = _f(T).max_unpool2d(a, i, 2)
        (a.mul_(2) if change == "input" else i.add_(0))
        y.sum().backward()
        return x.grad

    np.testing.assert_array_equal(run(facade, "input").numpy(), run(torch, "input").numpy())
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as te:
        run(torch, "indices")
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as fe:
        run(facade, "indices")
    assert "[torch.LongTensor [1, 1, 2, 2]] is at version 1; expected version 0" in str(te.value)
    assert "[torch.LongTensor [1, 1, 2, 2]] is at version 1; expected version 0" in str(fe.value)


def test_max_unpool_indices_get_no_gradient():
    x = facade.randn(1, 2, 2, 2, requires_grad=True)
    out, idx = fF.max_pool2d(x, 1, return_indices=True)
    y = fF.max_unpool2d(out, idx, 1)
    assert not idx.requires_grad and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((1, 2, 2, 2)))


def test_max_unpool_in_jit_matches_eager():
    x = facade.tensor(data(3, (2, 3, 4, 6), "float64"))

    def step(x):
        out, idx = fF.max_pool2d(x, 2, return_indices=True)
        return fF.max_unpool2d(out * 2, idx, 2, output_size=x.shape)

    np.testing.assert_array_equal(facade.jit.jit(step)(x).numpy(), step(x).numpy())


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_modules(nd):
    spatial = (4, 6, 4)[:nd]
    pool, unpool = f"MaxPool{nd}d", f"MaxUnpool{nd}d"
    x = ties(nd, (2, 2) + spatial)
    tp, fp = getattr(tnn, pool)(2, return_indices=True), getattr(facade.nn, pool)(2, return_indices=True)
    tu, fu = getattr(tnn, unpool)(2), getattr(facade.nn, unpool)(2)
    assert repr(fu) == repr(tu)
    assert dict(fu.state_dict()) == {} and list(fu.parameters()) == []
    for attr in ("kernel_size", "stride", "padding"):
        assert getattr(fu, attr) == getattr(tu, attr)
    for size in (None, "shape", "spatial"):
        def run(p, u, a, size=size):
            out, idx = p(a)
            if size is None:
                return u(out, idx)
            return u(out, idx, output_size=a.size() if size == "shape" else list(a.shape[a.ndim - nd:]))

        run_both(lambda a: run(tp, tu, a), lambda a: run(fp, fu, a), [x])
        if size != "shape":  # unbatched: its whole shape is not an output_size
            run_both(lambda a: run(tp, tu, a), lambda a: run(fp, fu, a), [x[0]])


# ---- errors ----------------------------------------------------------------------------
def _z(T, *shape, dtype=None, rg=False):
    return T.zeros(*shape, dtype=dtype, requires_grad=rg)


X4 = (2, 3, 5, 5)
ERRORS = {}
for _name in ("max_pool2d", "avg_pool2d"):
    for _rg in (False, True):
        _p = f"{_name}{' grad' if _rg else ''}"
        ERRORS.update({
            f"{_p} rank 2": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, 5, 5, rg=g), 2),
            f"{_p} rank 1": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, 5, rg=g), 2),
            f"{_p} rank 5": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, 1, 2, 3, 5, 5, rg=g), 2),
            f"{_p} kernel too big": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 6),
            f"{_p} kernel too big unbatched": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, 3, 5, 5, rg=g), 6),
            f"{_p} pad": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 2, padding=2),
            f"{_p} pad 3": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 3, padding=2),
            f"{_p} pad negative": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 2, padding=-1),
            f"{_p} stride 0": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 2, stride=0),
            f"{_p} stride -1": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 2, stride=-1),
            f"{_p} kernel 0": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 0),
            f"{_p} kernel 0 stride 1": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 0, 1),
            f"{_p} kernel -1": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), -1),
            f"{_p} kernel of 3": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), (2, 2, 2)),
            f"{_p} stride of 3": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 2, (2, 2, 2)),
            f"{_p} padding of 3": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, *X4, rg=g), 2, 2, (0, 0, 0)),
            f"{_p} empty channels": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, 2, 0, 4, 4, rg=g), 2),
            f"{_p} empty height": lambda T, n=_name, g=_rg: getattr(_f(T), n)(_z(T, 2, 3, 0, 4, rg=g), 2),
            f"{_p} bool": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X4, dtype=T.bool), 2),
        })
for _rg in (False, True):
    _p = f"max_pool1d{' grad' if _rg else ''}"
    ERRORS.update({
        f"{_p} rank 1": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 5, rg=g), 2),
        f"{_p} rank 4": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, 5, rg=g), 2),
        f"{_p} kernel too big": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 6),
        f"{_p} pad": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 2, padding=2),
        f"{_p} stride 0": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 2, stride=0),
        f"{_p} kernel 0": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 0),
        f"{_p} kernel of 2": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), (2, 2)),
        f"{_p} stride of 2": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 2, (1, 1)),
        f"{_p} padding of 2": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 2, 1, (1, 1)),
        f"{_p} dilation of 2": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 2, 1, 0, (1, 1)),
        f"{_p} dilation 0": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 2, dilation=0),
        f"{_p} dilation too big": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 2, dilation=5),
        f"{_p} pad negative": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 5, rg=g), 2, padding=-1),
        f"{_p} empty channels": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 0, 4, rg=g), 2),
        f"{_p} empty length": lambda T, g=_rg: _f(T).max_pool1d(_z(T, 2, 3, 0, rg=g), 2),
    })
ERRORS.update({
    "max_pool1d long": lambda T: _f(T).max_pool1d(_z(T, 2, 3, 5, dtype=T.int64), 2),
    "max_pool1d indices rank 1": lambda T: _f(T).max_pool1d(_z(T, 5), 2, return_indices=True),
    "max_pool1d indices rank 4": lambda T: _f(T).max_pool1d(_z(T, 2, 3, 5, 5), 2, return_indices=True),
    "max_pool1d indices kernel too big": lambda T: _f(T).max_pool1d(_z(T, 2, 3, 5), 6, return_indices=True),
    "max_pool1d indices pad": lambda T: _f(T).max_pool1d(_z(T, 2, 3, 5), 2, padding=2, return_indices=True),
    "max_pool1d indices kernel of 2": lambda T: _f(T).max_pool1d(_z(T, 2, 3, 5), (2, 2), return_indices=True),
    "max_pool1d indices stride 0": lambda T: _f(T).max_pool1d(_z(T, 2, 3, 5), 2, 0, return_indices=True),
    "max_pool2d dilation 0": lambda T: _f(T).max_pool2d(_z(T, *X4), 2, dilation=0),
    "max_pool2d dilation of 3": lambda T: _f(T).max_pool2d(_z(T, *X4), 2, dilation=(1, 1, 1)),
    "max_pool2d dilation too big": lambda T: _f(T).max_pool2d(_z(T, *X4), 2, dilation=5),
    "max_pool2d dilated pad": lambda T: _f(T).max_pool2d(_z(T, *X4, rg=True), 2, padding=2, dilation=3),
    "avg_pool2d divisor 0": lambda T: _f(T).avg_pool2d(_z(T, *X4), 2, divisor_override=0),
    "avg_pool1d rank 1": lambda T: _f(T).avg_pool1d(_z(T, 5), 2),
    "avg_pool1d rank 4": lambda T: _f(T).avg_pool1d(_z(T, 2, 3, 5, 5), 2),
    "avg_pool1d kernel too big": lambda T: _f(T).avg_pool1d(_z(T, 2, 3, 5), 6),
    "avg_pool1d pad": lambda T: _f(T).avg_pool1d(_z(T, 2, 3, 5), 2, padding=2),
    "avg_pool1d stride 0": lambda T: _f(T).avg_pool1d(_z(T, 2, 3, 5), 2, stride=0),
    "avg_pool1d kernel of 2": lambda T: _f(T).avg_pool1d(_z(T, 2, 3, 5), (2, 2)),
    "avg_pool1d stride of 2": lambda T: _f(T).avg_pool1d(_z(T, 2, 3, 5), 2, (1, 1)),
    "avg_pool1d empty channels": lambda T: _f(T).avg_pool1d(_z(T, 2, 0, 4), 2),
    "avg_pool1d pad negative": lambda T: _f(T).avg_pool1d(_z(T, 2, 3, 5), 2, padding=-1),
})
for _name in ("adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool1d", "adaptive_max_pool1d"):
    _one = _name.endswith("1d")
    _x = (2, 3, 5) if _one else X4
    ERRORS.update({
        f"{_name} rank 5": lambda T, n=_name: getattr(_f(T), n)(_z(T, 5, 5, 5, 5, 5), 2),
        f"{_name} rank 1": lambda T, n=_name: getattr(_f(T), n)(_z(T, 5), 2),
        f"{_name} output of 3": lambda T, n=_name, x=_x: getattr(_f(T), n)(_z(T, *x), (2, 2, 2)),
        f"{_name} negative": lambda T, n=_name, x=_x: getattr(_f(T), n)(_z(T, *x), -1),
        f"{_name} None": lambda T, n=_name, x=_x: getattr(_f(T), n)(_z(T, *x), None),
        f"{_name} float": lambda T, n=_name, x=_x: getattr(_f(T), n)(_z(T, *x), 2.0),
        f"{_name} empty size": lambda T, n=_name, x=_x: getattr(_f(T), n)(_z(T, 2, 3, 0, *x[3:]), 2),
        f"{_name} long": lambda T, n=_name, x=_x: getattr(_f(T), n)(_z(T, *x, dtype=T.int64), 2),
    })
ERRORS.update({
    "adaptive_max_pool2d empty channels": lambda T: _f(T).adaptive_max_pool2d(_z(T, 2, 0, 5, 5), 2),
    "adaptive_max_pool1d empty channels": lambda T: _f(T).adaptive_max_pool1d(_z(T, 2, 0, 5), 2),
    "adaptive_avg_pool2d rank 2": lambda T: _f(T).adaptive_avg_pool2d(_z(T, 5, 5), 2),
    "adaptive_max_pool2d rank 2": lambda T: _f(T).adaptive_max_pool2d(_z(T, 5, 5), 2),
    "adaptive_avg_pool2d output longer than input": lambda T: _f(T).adaptive_avg_pool2d(_z(T, 5, 5), (1, 2, 3)),
    "adaptive_avg_pool1d output of 2": lambda T: _f(T).adaptive_avg_pool1d(_z(T, 2, 3, 5), (2, 2)),
    "adaptive_max_pool1d None entry": lambda T: _f(T).adaptive_max_pool1d(_z(T, 2, 3, 5), (None,)),
})


X5 = (2, 3, 4, 5, 5)
for _name in ("max_pool3d", "avg_pool3d"):
    ERRORS.update({
        f"{_name} rank 3": lambda T, n=_name: getattr(_f(T), n)(_z(T, 3, 5, 5), 2),
        f"{_name} rank 6": lambda T, n=_name: getattr(_f(T), n)(_z(T, 1, *X5), 2),
        f"{_name} kernel too big": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), 5),
        f"{_name} kernel too big unbatched": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5[1:]), (2, 6, 2)),
        f"{_name} pad": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5, rg=True), 2, padding=2),
        f"{_name} pad of one side": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), 3, 1, (1, 1, 2)),
        f"{_name} stride 0": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), 2, stride=0),
        f"{_name} kernel 0": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), 0),
        f"{_name} kernel -1 stride 1": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), -1, 1),
        f"{_name} kernel of 2": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), (2, 2)),
        f"{_name} stride of 2": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), 2, (2, 2)),
        f"{_name} padding of 2": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), 2, 2, (0, 0)),
        f"{_name} empty channels": lambda T, n=_name: getattr(_f(T), n)(_z(T, 2, 0, 4, 4, 4), 2),
        f"{_name} empty depth unbatched": lambda T, n=_name: getattr(_f(T), n)(_z(T, 3, 0, 4, 4), 2),
        f"{_name} empty width": lambda T, n=_name: getattr(_f(T), n)(_z(T, 2, 3, 4, 4, 0), 2),
        f"{_name} bool": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5, dtype=T.bool), 2),
    })
ERRORS.update({
    "max_pool3d dilation 0": lambda T: _f(T).max_pool3d(_z(T, *X5), 2, dilation=0),
    "max_pool3d dilation of 2": lambda T: _f(T).max_pool3d(_z(T, *X5), 2, dilation=(1, 1)),
    "avg_pool3d divisor 0": lambda T: _f(T).avg_pool3d(_z(T, *X5), 2, divisor_override=0),
})
for _name in ("adaptive_avg_pool3d", "adaptive_max_pool3d"):
    ERRORS.update({
        f"{_name} rank 3": lambda T, n=_name: getattr(_f(T), n)(_z(T, 5, 5, 5), 2),
        f"{_name} rank 6": lambda T, n=_name: getattr(_f(T), n)(_z(T, 1, *X5), 2),
        f"{_name} output of 2": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), (2, 2)),
        f"{_name} negative": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5), (2, -1, 2)),
        f"{_name} empty size": lambda T, n=_name: getattr(_f(T), n)(_z(T, 2, 3, 0, 4, 4), 2),
        f"{_name} long": lambda T, n=_name: getattr(_f(T), n)(_z(T, *X5, dtype=T.int64), 2),
    })


def _unpool_call(T, nd, shape, idx_shape=None, idx_dtype=None, dtype=None, index=0, bad_at=None, **kw):
    """F.max_unpool{nd}d on zeros of `shape` with indices all `index`; the one at `bad_at` out of range
    (10 ** 6, or -7 at the first position)."""
    x = _z(T, *shape, dtype=dtype)
    idx = T.full(idx_shape or shape, index, dtype=T.int64)
    if bad_at is not None:
        idx[bad_at] = 10 ** 6 if bad_at != (0,) * len(shape) else -7
    if idx_dtype is not None:
        idx = idx.to(getattr(T, idx_dtype))
    kernel = kw.pop("kernel_size", 2)
    return getattr(_f(T), f"max_unpool{nd}d")(x, idx, kernel, **kw)


U4, U5 = (2, 3, 2, 2), (2, 3, 2, 2, 2)
_UNPOOL_ERRORS = {
    # (nd, shape, keyword arguments of _unpool_call)
    "indices int32": (2, U4, dict(idx_dtype="int32")),
    "indices float": (2, U4, dict(idx_dtype="float32")),
    "indices int32 rank 5": (2, (1,) + U4, dict(idx_dtype="int32")),
    "indices shape": (2, U4, dict(idx_shape=(2, 2, 2, 2))),
    "indices rank": (2, U4, dict(idx_shape=(3, 2, 2))),
    "rank 2": (2, (3, 4), {}),
    "rank 2 indices shape": (2, (3, 4), dict(idx_shape=(1, 3, 4))),
    "rank 5": (2, (1,) + U4, {}),
    "rank 1": (2, (4,), {}),
    "index too big": (2, U4, dict(index=16)),
    "index negative": (2, U4, dict(index=-1)),
    "one index too big": (2, U4, dict(bad_at=(1, 2, 1, 0))),
    "one index negative": (2, U4, dict(bad_at=(0, 0, 0, 0))),
    "index too big unbatched": (2, U4[1:], dict(bad_at=(2, 1, 1))),
    "index past output_size": (2, U4, dict(index=15, output_size=(3, 5))),
    "empty channels": (2, (2, 0, 2, 2), {}),
    "empty height": (2, (2, 3, 0, 2), {}),
    "long": (2, U4, dict(dtype="int64")),
    "bool": (2, U4, dict(dtype="bool")),
    "complex": (2, U4, dict(dtype="complex64")),
    "long shape": (2, U4, dict(dtype="int64", idx_shape=(2, 2, 2, 2))),
    "kernel of 3": (2, U4, dict(kernel_size=(2, 2, 2))),
    "kernel of 1": (2, U4, dict(kernel_size=(2,))),
    "stride of 1": (2, U4, dict(stride=(1,))),
    "output_size of 3": (2, U4, dict(output_size=(2, 4, 4))),
    "output_size of 1": (2, U4, dict(output_size=[4])),
    "output_size int": (2, U4, dict(output_size=4)),
    "output_size too big": (2, U4, dict(output_size=[6, 4])),
    "output_size too small": (2, U4, dict(output_size=(4, 2))),
    "output_size of 4 too big": (2, U4, dict(output_size=(2, 3, 4, 6))),
    "output_size float": (2, U4, dict(output_size=(4.0, 4))),
    "negative size": (2, U4, dict(kernel_size=1, padding=2)),
    "1d rank 1": (1, (4,), {}),
    "1d rank 4": (1, U4, {}),
    "1d indices int32": (1, (2, 3, 4), dict(idx_dtype="int32")),
    "1d indices shape": (1, (2, 3, 4), dict(idx_shape=(2, 3, 3))),
    "1d index too big": (1, (2, 3, 4), dict(index=8)),
    "1d one index too big": (1, (3, 4), dict(bad_at=(2, 1))),
    "1d kernel of 2": (1, (2, 3, 4), dict(kernel_size=(2, 2))),
    "1d output_size of 2": (1, (2, 3, 4), dict(output_size=[2, 8])),
    "1d output_size too big": (1, (2, 3, 4), dict(output_size=[10])),
    "1d output_size of 3 too small": (1, (2, 3, 4), dict(output_size=(2, 3, 6))),
    "1d long": (1, (2, 3, 4), dict(dtype="int64")),
    "1d empty length": (1, (2, 3, 0), {}),
    "1d negative size": (1, (2, 3, 4), dict(kernel_size=1, padding=3)),
    "3d indices int32": (3, U5, dict(idx_dtype="int32")),
    "3d indices int32 rank 3": (3, U5[2:], dict(idx_dtype="int32")),
    "3d rank 3": (3, U5[2:], {}),
    "3d rank 6": (3, (1,) + U5, {}),
    "3d rank 3 kernel of 2": (3, U5[2:], dict(kernel_size=(2, 2))),
    "3d kernel of 2": (3, U5, dict(kernel_size=(2, 2))),
    "3d kernel of 1": (3, U5, dict(kernel_size=(2,))),
    "3d stride of 4": (3, U5, dict(stride=(1, 1, 1, 1))),
    "3d stride of 2": (3, U5, dict(stride=(1, 1))),
    "3d padding of 4": (3, U5, dict(padding=(0, 0, 0, 0))),
    "3d indices shape": (3, U5, dict(idx_shape=(2, 1, 2, 2, 2))),
    "3d indices shape stride 0": (3, U5, dict(idx_shape=(2, 1, 2, 2, 2), stride=0)),
    "3d stride 0": (3, U5, dict(stride=0)),
    "3d stride negative": (3, U5, dict(stride=(1, -1, 1))),
    "3d empty channels": (3, (2, 0, 2, 2, 2), {}),
    "3d empty depth unbatched": (3, (3, 0, 2, 2), {}),
    "3d index too big": (3, U5, dict(index=64)),
    "3d one index negative": (3, U5, dict(bad_at=(0, 0, 0, 0, 0))),
    "3d one index too big unbatched": (3, U5[1:], dict(bad_at=(1, 0, 1, 0))),
    "3d output_size too small": (3, U5, dict(output_size=(3, 4, 2))),
    "3d long": (3, U5, dict(dtype="int64")),
    "3d bool": (3, U5, dict(dtype="bool")),
    "3d complex": (3, U5, dict(dtype="complex128")),
}
for _name, (_nd, _shape, _kw) in _UNPOOL_ERRORS.items():
    def _call(T, nd=_nd, shape=_shape, kw=_kw):
        kw = dict(kw)
        if "dtype" in kw:
            kw["dtype"] = getattr(T, kw["dtype"])
        return _unpool_call(T, nd, shape, **kw)
    ERRORS[f"max_unpool {_name}"] = _call


@pytest.mark.parametrize("name", list(ERRORS))
def test_functional_errors(name):
    fn = ERRORS[name]
    raises_like(lambda: fn(torch), lambda: fn(facade))


# ---- modules ---------------------------------------------------------------------------
MODULES = [
    (lambda T: T.nn.MaxPool2d(3, 2, 1), (3, 6, 5)),
    (lambda T: T.nn.MaxPool2d((2, 3), return_indices=True, ceil_mode=True), (1, 2, 5, 7)),
    (lambda T: T.nn.MaxPool1d(2), (2, 3, 5)),
    (lambda T: T.nn.MaxPool1d(3, 1, 1, 2, True, True), (3, 6)),
    (lambda T: T.nn.AvgPool2d(3, 2, 1, True, False, 2), (2, 3, 5, 5)),
    (lambda T: T.nn.AvgPool1d(3, 2, 1, True, False), (2, 3, 7)),
    (lambda T: T.nn.AdaptiveAvgPool2d((2, None)), (2, 3, 5, 5)),
    (lambda T: T.nn.AdaptiveAvgPool1d(3), (2, 3, 7)),
    (lambda T: T.nn.AdaptiveMaxPool2d((2, 3), True), (2, 3, 5, 5)),
    (lambda T: T.nn.AdaptiveMaxPool1d(2), (3, 7)),
    (lambda T: T.nn.MaxPool3d(2), (2, 2, 4, 5, 4)),
    (lambda T: T.nn.MaxPool3d((1, 2, 3), 1, (0, 1, 1), 1, True, True), (2, 3, 5, 4)),
    (lambda T: T.nn.AvgPool3d(3, 2, 1, True, False, 2), (1, 2, 5, 5, 5)),
    (lambda T: T.nn.AvgPool3d((2, 1, 2)), (2, 4, 3, 4)),
    (lambda T: T.nn.AdaptiveAvgPool3d((2, None, 3)), (2, 2, 4, 5, 5)),
    (lambda T: T.nn.AdaptiveAvgPool3d(1), (2, 3, 3, 3)),
    (lambda T: T.nn.AdaptiveMaxPool3d((2, 3, 1), True), (2, 2, 4, 5, 5)),
]
REPRS = [  # more constructor forms, printed only
    lambda T: T.nn.MaxPool2d(2), lambda T: T.nn.MaxPool2d(2, (1, 2), (1, 0), 2), lambda T: T.nn.MaxPool1d(3, 2),
    lambda T: T.nn.AvgPool2d(2), lambda T: T.nn.AvgPool2d((2, 3), ceil_mode=True), lambda T: T.nn.AvgPool1d(3),
    lambda T: T.nn.AvgPool1d((3,), 1, 1), lambda T: T.nn.AdaptiveAvgPool2d(1), lambda T: T.nn.AdaptiveMaxPool2d(2),
    lambda T: T.nn.AdaptiveMaxPool1d(2, return_indices=True),
    lambda T: T.nn.MaxUnpool2d(2), lambda T: T.nn.MaxUnpool2d([2, 3]), lambda T: T.nn.MaxUnpool2d((2, 3), 1, 1),
    lambda T: T.nn.MaxUnpool1d(2), lambda T: T.nn.MaxUnpool1d((2,), [1], 0),
    lambda T: T.nn.MaxUnpool3d(2), lambda T: T.nn.MaxUnpool3d(2, (1, 2, 3), 1),
]


def test_reprs():
    for make in REPRS:
        tm, fm = make(torch), make(facade)
        assert repr(fm) == repr(tm)
        assert {k: v for k, v in vars(fm).items() if not k.startswith("_") and k != "training"} == \
            {k: v for k, v in vars(tm).items() if not k.startswith("_") and k != "training"}


@pytest.mark.parametrize("i", range(len(MODULES)))
def test_modules(i):
    make, shape = MODULES[i]
    tm, fm = make(torch), make(facade)
    assert repr(fm) == repr(tm)
    assert dict(fm.state_dict()) == {} and list(fm.parameters()) == []
    for attr in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices", "count_include_pad",
                 "divisor_override", "output_size"):
        if hasattr(tm, attr):
            assert getattr(fm, attr) == getattr(tm, attr), attr
    x = ties(i, shape)
    if getattr(tm, "return_indices", False):
        t_out, f_out = tm(to_torch(x)), fm(to_facade(x))
        assert isinstance(f_out, tuple) and len(f_out) == 2
        np.testing.assert_array_equal(f_out[1].numpy(), t_out[1].numpy())
        run_both(lambda a: tm(a)[0], lambda a: fm(a)[0], [x])
    else:
        run_modules(tm, fm, [x])


def test_module_repr_in_a_model():
    def net(T):
        n = T.nn
        return n.Sequential(n.Conv2d(1, 2, 3), n.MaxPool2d(2, 1), n.AvgPool2d(2), n.AdaptiveMaxPool2d((1, 1)))

    assert repr(net(facade)) == repr(net(torch))
    raises_like(lambda: net(torch)(torch.zeros(1, 1, 3, 3)), lambda: net(facade)(facade.zeros(1, 1, 3, 3)))
