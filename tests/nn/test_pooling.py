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
