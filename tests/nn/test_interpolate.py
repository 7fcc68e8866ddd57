"""F.interpolate and the Upsample modules against PyTorch: values, gradients, grad_fn names,
output shapes, module reprs and errors; gradients against finite differences in float64."""

import warnings

import numpy as np
import pytest
from nn_compare import data, raises_like, run_both, to_facade, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional

# mode -> input shapes it takes (N, C, *spatial)
SHAPES = {
    "nearest": [(2, 2, 5), (1, 2, 4, 5), (1, 1, 3, 4, 2)],
    "nearest-exact": [(2, 2, 5), (1, 2, 4, 5), (1, 1, 3, 4, 2)],
    "area": [(2, 2, 5), (1, 2, 4, 5), (1, 1, 3, 4, 2)],
    "linear": [(2, 2, 5)],
    "bilinear": [(1, 2, 4, 5)],
    "bicubic": [(1, 2, 4, 5)],
    "trilinear": [(1, 1, 3, 4, 2)],
}
INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def _sizes(nd):
    """size / scale_factor arguments for nd spatial dims: a size tuple (up in some dims, down in
    others), an int factor, and factors whose step 1 / factor differs from in / out."""
    return [
        dict(size=(3, 7, 1)[:nd]),
        dict(scale_factor=2),
        dict(scale_factor=(2.3, 0.6, 1.7)[:nd]),
    ]


CASES = [(mode, shape, kw, ac)
         for mode, shapes in SHAPES.items() for shape in shapes for kw in _sizes(len(shape) - 2)
         for ac in ((None, False, True) if mode in INTERPOLATING else (None,))]
CASES += [("bilinear", (1, 2, 4, 5), dict(size=7), None), ("nearest", (1, 2, 4, 5), dict(size=1), None),
          ("bicubic", (1, 2, 4, 5), dict(scale_factor=1.7, recompute_scale_factor=True), False),
          ("nearest-exact", (2, 2, 5), dict(scale_factor=3, recompute_scale_factor=False), None),
          ("area", (1, 2, 4, 5), dict(scale_factor=0.6), None), ("linear", (2, 2, 5), dict(size=1), True)]


def _ids(case):
    mode, shape, kw, ac = case
    return f"{mode}-{len(shape) - 2}d-{'-'.join(f'{k}={v}' for k, v in kw.items())}-ac={ac}"


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_torch(case):
    """Values, output shape, grad_fn name and input gradient, each mode and size argument."""
    mode, shape, kw, ac = case
    x = data(len(shape), shape)
    run_both(lambda t: tF.interpolate(t, mode=mode, align_corners=ac, **kw),
             lambda t: fF.interpolate(t, mode=mode, align_corners=ac, **kw), [x])


@pytest.mark.parametrize("mode, shape, factor", [
    # sizes kept or doubled by a factor whose step is not in / out: PyTorch's nearest backward
    # takes shortcuts its 1-d / 3-d forward does not; its float64 forward takes the step in double
    ("nearest", (1, 2, 20), 1.04), ("nearest", (1, 2, 20), (2.09,)), ("nearest", (1, 1, 5, 3, 6), (1.1, 2.3, 1.04)),
    ("nearest", (1, 2, 20, 3), (1.04, 2.09)), ("nearest-exact", (1, 2, 20), 2.3), ("nearest-exact", (1, 1, 20, 3, 1), 2.3),
    ("nearest", (1, 1, 33), 1.04), ("nearest", (1, 1, 33), 2.3),
    # linear modes copy a kept size; the bicubic backward copies when every size is kept
    ("linear", (1, 2, 6), 1.1), ("bilinear", (1, 1, 3, 2), (1.1, 1.6)), ("trilinear", (1, 1, 3, 2, 2), (1.1, 1.1, 1.6)),
    ("bicubic", (1, 1, 5, 3), 1.1), ("bicubic", (1, 1, 5, 3), (1.1, 1.6)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pytorch_index_maths_corners(mode, shape, factor, dtype):
    x = data(3, shape, dtype)
    run_both(lambda t: tF.interpolate(t, scale_factor=factor, mode=mode),
             lambda t: fF.interpolate(t, scale_factor=factor, mode=mode), [x])


@pytest.mark.parametrize("mode, shape, kw", [
    ("nearest", (1, 2, 3, 4), dict(size=(5, 7))), ("nearest-exact", (2, 1, 3), dict(scale_factor=2.5)),
    ("linear", (1, 2, 4), dict(size=7, align_corners=True)), ("bilinear", (1, 1, 3, 4), dict(size=(5, 3))),
    ("bicubic", (1, 1, 3, 4), dict(size=(6, 2), align_corners=True)), ("bicubic", (1, 2, 4, 4), dict(scale_factor=2)),
    ("trilinear", (1, 1, 2, 3, 2), dict(size=(3, 2, 4))), ("area", (1, 2, 5, 4), dict(size=(3, 2))),
])
def test_gradcheck_float64(mode, shape, kw):
    x = to_facade(data(1, shape, "float64"), requires_grad=True)
    assert facade.autograd.gradcheck(lambda t: fF.interpolate(t, mode=mode, **kw), (x,))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("mode, shape", [("nearest", (1, 2, 3, 4)), ("bilinear", (1, 2, 3, 4)),
                                         ("bicubic", (1, 1, 3, 4)), ("linear", (1, 2, 5))])
def test_half_precision(dtype, mode, shape):
    x = data(0, shape)
    t = tF.interpolate(torch.tensor(x).to(getattr(torch, dtype)), scale_factor=1.5, mode=mode)
    f = fF.interpolate(facade.tensor(x).to(getattr(facade, dtype)), scale_factor=1.5, mode=mode)
    assert f.dtype is getattr(facade, dtype) and tuple(f.shape) == tuple(t.shape)
    np.testing.assert_allclose(f.float().numpy(), t.float().numpy(), rtol=2e-2, atol=2e-2)


def test_uint8_nearest():
    x = np.random.default_rng(0).integers(0, 256, (1, 2, 3, 4)).astype(np.uint8)
    for mode in ("nearest", "nearest-exact"):
        t = tF.interpolate(torch.tensor(x), scale_factor=1.7, mode=mode)
        f = fF.interpolate(facade.tensor(x), scale_factor=1.7, mode=mode)
        assert f.dtype is facade.uint8
        np.testing.assert_array_equal(f.numpy(), t.numpy())


def test_empty_batch():
    x = np.zeros((0, 2, 3, 4), np.float32)
    for mode in ("nearest", "bilinear", "bicubic"):
        t = tF.interpolate(torch.tensor(x), size=(2, 5), mode=mode)
        f = fF.interpolate(facade.tensor(x), size=(2, 5), mode=mode)
        assert tuple(f.shape) == tuple(t.shape) == (0, 2, 2, 5)


def test_default_align_corners_does_not_warn():
    x = facade.ones(1, 1, 2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mode in INTERPOLATING[1:3]:
            fF.interpolate(x, scale_factor=2, mode=mode)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_backward_saves_no_input(mode):
    """PyTorch's upsample backwards keep sizes only: changing the input in place is allowed, and
    so is a second backward without retain_graph."""
    grads = []
    for T, F in ((torch, tF), (facade, fF)):
        x = T.ones(1, 1, 2, 2, requires_grad=True)
        g = T.arange(16.0).reshape(1, 1, 4, 4)
        h = x.clone()
        z = F.interpolate(h, scale_factor=2, mode=mode)
        h.add_(1)
        z.backward(g)
        y = F.interpolate(x, scale_factor=2, mode=mode)
        y.backward(g)
        y.backward(g)
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)


# ---- errors --------------------------------------------------------------------------------
X3, X4, X5 = (1, 2, 3), (1, 2, 3, 4), (1, 2, 3, 4, 5)
ERRORS = [
    (X4, dict(size=2, scale_factor=2)),
    (X4, dict()),
    (X4, dict(size=(2, 3, 4))),
    (X4, dict(scale_factor=(2, 3, 4))),
    (X4, dict(size=(2.0, 3))),
    (X4, dict(size=[2, None])),
    (X4, dict(size=2, align_corners=True)),
    (X4, dict(size=2, mode="area", align_corners=False)),
    (X4, dict(size=2, mode="nearest-exact", align_corners=True)),
    (X4, dict(size=2, recompute_scale_factor=True)),
    (X4, dict(size=2, mode="linear")),
    (X4, dict(size=2, mode="trilinear")),
    (X3, dict(size=2, mode="bilinear")),
    (X3, dict(size=2, mode="trilinear")),
    (X5, dict(size=2, mode="linear")),
    (X5, dict(size=2, mode="bilinear")),
    (X5, dict(size=2, mode="bicubic")),
    (X3, dict(size=2, mode="bicubic")),
    (X4, dict(size=2, mode="bogus")),
    ((2, 3), dict(size=2)),
    ((2, 3), dict(size=2, mode="bilinear")),
    (X4, dict(size=2, mode="nearest", antialias=True)),
    (X3, dict(size=2, mode="linear", antialias=True)),
    (X4, dict(size=2, mode="lanczos")),
    (X4, dict(size=0)),
    (X4, dict(size=-1, mode="bilinear")),
    (X4, dict(scale_factor=0.1)),
    (X3, dict(size=0, mode="linear")),
    (X5, dict(size=0, mode="trilinear")),
    (X5, dict(scale_factor=0.2, mode="nearest-exact")),
    ((1, 0, 3, 4), dict(size=2)),
    ((2, 0, 3), dict(size=2, mode="linear")),
    ((1, 2, 0, 4), dict(size=2, mode="bicubic")),
    (X4, dict(scale_factor=[2, None])),
    (X4, dict(scale_factor=[2, "a"])),
]


@pytest.mark.parametrize("shape, kw", ERRORS, ids=[f"{len(s)}d-{kw}" for s, kw in ERRORS])
def test_errors_match_torch(shape, kw):
    x = np.zeros(shape, np.float32)
    raises_like(lambda: tF.interpolate(torch.tensor(x), **kw), lambda: fF.interpolate(facade.tensor(x), **kw))


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "complex64"])
@pytest.mark.parametrize("mode, shape", [("nearest", X3), ("nearest", X4), ("nearest-exact", X5), ("linear", X3),
                                         ("bilinear", X4), ("bicubic", X4), ("trilinear", X5), ("area", X4)])
def test_dtype_errors_match_torch(dtype, mode, shape):
    x = np.zeros(shape, dtype)
    raises_like(lambda: tF.interpolate(torch.tensor(x), scale_factor=2, mode=mode),
                lambda: fF.interpolate(facade.tensor(x), scale_factor=2, mode=mode))


def test_uint8_linear_modes():
    x = np.zeros(X3, np.uint8)
    raises_like(lambda: tF.interpolate(torch.tensor(x), size=4, mode="linear"),
                lambda: fF.interpolate(facade.tensor(x), size=4, mode="linear"))
    with pytest.raises(NotImplementedError, match="uint8"):
        fF.interpolate(facade.zeros(X4, dtype=facade.uint8), size=4, mode="bilinear")


def test_antialias_not_implemented():
    with pytest.raises(NotImplementedError, match="antialias"):
        fF.interpolate(facade.zeros(X4), size=2, mode="bilinear", antialias=True)


# ---- deprecated aliases and modules -------------------------------------------------------
@pytest.mark.parametrize("name", ["upsample", "upsample_nearest", "upsample_bilinear"])
def test_deprecated_functions_warn_and_match(name):
    x = data(0, (1, 2, 3, 3))
    with pytest.warns(UserWarning) as fw:
        f = getattr(fF, name)(to_facade(x), scale_factor=2)
    with pytest.warns(UserWarning) as tw:
        t = getattr(tF, name)(torch.tensor(x), scale_factor=2)
    assert str(fw[0].message) == str(tw[0].message)
    np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


MODULES = [
    ("Upsample", dict(scale_factor=2)),
    ("Upsample", dict(size=3, mode="bilinear")),
    ("Upsample", dict(size=(3, 5), mode="bilinear", align_corners=True)),
    ("Upsample", dict(scale_factor=(2, 3))),
    ("Upsample", dict(scale_factor=2.5, mode="bicubic", recompute_scale_factor=True)),
    ("Upsample", dict(size=(2, 3), mode="area")),
    ("Upsample", dict(scale_factor=1.5, mode="nearest-exact")),
    ("UpsamplingNearest2d", dict(scale_factor=2)),
    ("UpsamplingNearest2d", dict(size=(2, 3))),
    ("UpsamplingBilinear2d", dict(size=4)),
    ("UpsamplingBilinear2d", dict(scale_factor=(2, 2))),
]


@pytest.mark.parametrize("name, kw", MODULES, ids=[f"{n}-{kw}" for n, kw in MODULES])
def test_modules_match_torch(name, kw):
    tm, fm = getattr(tnn, name)(**kw), getattr(fnn, name)(**kw)
    assert repr(fm) == repr(tm)
    for attr in ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "name"):
        assert getattr(fm, attr) == getattr(tm, attr), attr
    run_both(tm, fm, [data(2, (1, 2, 3, 4))])


def test_module_reprs():
    assert repr(fnn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(fnn.UpsamplingBilinear2d(size=4)) == "UpsamplingBilinear2d(size=4, mode='bilinear')"
    assert repr(fnn.Upsample()) == repr(tnn.Upsample()) == "Upsample(size=None, mode='nearest')"


def test_module_errors_match_torch():
    x = np.zeros(X4, np.float32)
    raises_like(lambda: tnn.Upsample(size=2, mode="linear")(torch.tensor(x)),
                lambda: fnn.Upsample(size=2, mode="linear")(facade.tensor(x)))
    raises_like(lambda: tnn.Upsample(scale_factor=[2, 3]), lambda: fnn.Upsample(scale_factor=[2, 3]))
