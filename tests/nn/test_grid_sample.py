"""F.affine_grid and F.grid_sample against PyTorch: values, gradients w.r.t. input, grid and
theta, grid_fn names, warnings and errors; gradients against finite differences in float64.

Grids include points on pixel centres, borders and half-way points (the ties where the
floors, rounds, clamps and mirrors of PyTorch's kernels have a kink): PyTorch's backward
there is matched exactly."""

import warnings

import numpy as np
import pytest
from nn_compare import data, raises_like, run_both, to_facade, torch

import facade
import facade.nn.functional as fF

tF = torch.nn.functional


def _tie_grid(n, nd, dtype):
    """n batches of points from -1.5 to 1.5 in steps of 0.25 (every coordinate), in (n, P, 1, nd) or 3-d."""
    pts = np.linspace(-1.5, 1.5, 13)
    g = np.stack(np.meshgrid(*[pts] * nd, indexing="ij"), -1).reshape(1, -1, 1, nd)
    g = np.repeat(g, n, 0).astype(dtype)
    return g if nd == 2 else g[:, :, :, None, :]


# every mode and padding in 2-d, align_corners alternating (both for reflection, whose mirror
# depends on it most), and 3-d's trilinear and nearest: each case compiles its own kernels, so
# the full product (checked once against torch, float32 and float64, all passing) is not run in CI
CASES = [(2, mode, pad, (i + j) % 2 == 1) for i, mode in enumerate(("bilinear", "nearest", "bicubic"))
         for j, pad in enumerate(("zeros", "border", "reflection"))]
CASES += [(2, mode, "reflection", (i + 2) % 2 == 0) for i, mode in enumerate(("bilinear", "nearest", "bicubic"))]
CASES += [(3, "bilinear", "zeros", False), (3, "bilinear", "reflection", True), (3, "nearest", "border", False)]


@pytest.mark.parametrize("nd, mode, pad, ac", CASES)
def test_grid_sample_matches_torch(nd, mode, pad, ac):
    """Random points and the tie points together, in one grid."""
    shape = (2, 2, 4, 5) if nd == 2 else (2, 2, 3, 4, 5)
    x = data(nd, shape)
    grid = data(nd + 1, (2, 6, 1, nd), low=-1.6, high=1.6)
    ties = _tie_grid(2, nd, "float32")
    if nd == 3:
        grid = grid[:, :, :, None, :]
    g = np.concatenate([grid, ties], axis=1)
    run_both(lambda a, b: tF.grid_sample(a, b, mode=mode, padding_mode=pad, align_corners=ac),
             lambda a, b: fF.grid_sample(a, b, mode=mode, padding_mode=pad, align_corners=ac), [x, g], scale=4)


@pytest.mark.parametrize("mode, pad, ac", [("bilinear", "reflection", True), ("bicubic", "border", False)])
def test_grid_sample_float64_and_one_pixel(mode, pad, ac):
    for shape in [(1, 2, 4, 5), (1, 1, 1, 3)]:
        x, g = data(5, shape, "float64"), _tie_grid(1, 2, "float64")
        if True:
            run_both(lambda a, b: tF.grid_sample(a, b, mode=mode, padding_mode=pad, align_corners=ac),
                     lambda a, b: fF.grid_sample(a, b, mode=mode, padding_mode=pad, align_corners=ac), [x, g])


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 1, 3, 1, 4)])
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_affine_grid_matches_torch(size, ac, dtype):
    nd = len(size) - 2
    theta = data(7, (2, nd, nd + 1), dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_both(lambda t: tF.affine_grid(t, size, align_corners=ac), lambda t: fF.affine_grid(t, size, align_corners=ac),
                 [theta])


def test_spatial_transformer_end_to_end():
    """affine_grid then grid_sample: gradients reach theta through the grid."""
    x, theta = data(8, (2, 3, 5, 6)), data(9, (2, 2, 3), low=-1, high=1)
    run_both(lambda a, t: tF.grid_sample(a, tF.affine_grid(t, (2, 3, 4, 4), align_corners=False), align_corners=False),
             lambda a, t: fF.grid_sample(a, fF.affine_grid(t, (2, 3, 4, 4), align_corners=False), align_corners=False),
             [x, theta])


def test_default_align_corners_warns():
    x, g = facade.zeros(1, 1, 2, 2), facade.zeros(1, 1, 1, 2)
    for call in (lambda: fF.grid_sample(x, g), lambda: fF.affine_grid(facade.zeros(1, 2, 3), (1, 1, 2, 2))):
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            call()
    with pytest.warns(UserWarning, match="unit-size grids"):
        fF.affine_grid(facade.zeros(1, 2, 3), (1, 1, 1, 2), align_corners=True)


GS_ERRORS = [
    dict(mode="foo"), dict(padding_mode="foo"), dict(grid=(2, 3, 3, 2), grid_dtype="float64"), dict(grid=(3, 3, 2)),
    dict(grid=(1, 3, 3, 2)), dict(grid=(2, 3, 3, 3)), dict(x=(1, 2, 1, 4, 5), grid=(2, 3, 3, 3, 2)),
    dict(x=(2, 1, 2, 4, 5), grid=(2, 3, 3, 3, 3), mode="bicubic"), dict(x=(2, 1, 0, 5)), dict(x_dtype="int64", grid_dtype="int64"),
]


@pytest.mark.parametrize("err", GS_ERRORS)
def test_grid_sample_errors(err):
    err = dict(err)
    x = data(1, err.pop("x", (2, 1, 4, 5)), err.pop("x_dtype", "float32"))
    g = data(2, err.pop("grid", (2, 3, 3, 2)), err.pop("grid_dtype", "float32"))
    raises_like(lambda: tF.grid_sample(torch.tensor(x), torch.tensor(g), align_corners=False, **err),
                lambda: fF.grid_sample(facade.tensor(x), facade.tensor(g), align_corners=False, **err))


@pytest.mark.parametrize("theta, size", [
    ((2, 2, 3), (2, 1, 4)), ((2, 2, 3), (2, 1, 3, 4, 5)), ((2, 2, 3), (3, 1, 4, 5)), ((2, 2, 3), (2, 1, 0, 5)),
    ((2, 3), (2, 1, 4, 5)), ((2, 3, 4), (2, 1, 4, 5)), ("int", (2, 1, 4, 5)),
])
def test_affine_grid_errors(theta, size):
    t = np.arange(12).reshape(2, 2, 3) if theta == "int" else data(3, theta)
    raises_like(lambda: tF.affine_grid(torch.tensor(t), size, align_corners=False),
                lambda: fF.affine_grid(facade.tensor(t), size, align_corners=False))


def test_gradcheck():
    x = to_facade(data(4, (1, 2, 3, 4), "float64"), True)
    g = to_facade(data(5, (1, 2, 3, 2), "float64", low=-1.2, high=1.2), True)
    for mode, pad, ac in (("bilinear", "zeros", True), ("bicubic", "reflection", False)):
        assert facade.autograd.gradcheck(
            lambda a, b: fF.grid_sample(a, b, mode=mode, padding_mode=pad, align_corners=ac), (x, g))
    x3 = to_facade(data(6, (1, 1, 2, 3, 2), "float64"), True)
    g3 = to_facade(data(7, (1, 2, 1, 2, 3), "float64", low=-1.2, high=1.2), True)
    assert facade.autograd.gradcheck(lambda a, b: fF.grid_sample(a, b, padding_mode="border", align_corners=False),
                                     (x3, g3))
    theta = to_facade(data(8, (2, 2, 3), "float64"), True)
    assert facade.autograd.gradcheck(lambda t: fF.affine_grid(t, (2, 1, 3, 2), align_corners=False), (theta,))
