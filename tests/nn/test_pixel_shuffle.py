"""F.pixel_shuffle / pixel_unshuffle and their modules against PyTorch: values, gradients,
grad_fn names, reprs and errors; gradients against finite differences in float64."""

import numpy as np
import pytest
from nn_compare import data, raises_like, run_both, to_facade, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional


@pytest.mark.parametrize("shape, r", [((1, 8, 2, 3), 2), ((2, 9, 1, 2), 3), ((4, 2, 2), 2), ((2, 1, 4, 3, 2), 2),
                                      ((1, 3, 2, 2), 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shuffle_matches_torch(shape, r, dtype):
    x = data(1, shape, dtype)
    run_both(lambda t: tF.pixel_shuffle(t, r), lambda t: fF.pixel_shuffle(t, r), [x])
    run_both(lambda t: torch.pixel_shuffle(t, r), lambda t: facade.pixel_shuffle(t, r), [x])


@pytest.mark.parametrize("shape, r", [((1, 2, 4, 6), 2), ((2, 1, 3, 6), 3), ((1, 4, 2), 2), ((2, 1, 1, 4, 2), 2),
                                      ((1, 3, 2, 2), 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unshuffle_matches_torch(shape, r, dtype):
    x = data(2, shape, dtype)
    run_both(lambda t: tF.pixel_unshuffle(t, r), lambda t: fF.pixel_unshuffle(t, r), [x])
    run_both(lambda t: torch.pixel_unshuffle(t, r), lambda t: facade.pixel_unshuffle(t, r), [x])


def test_round_trip_and_integer_dtypes():
    x = np.arange(2 * 8 * 2 * 3).reshape(2, 8, 2, 3)
    t, f = tF.pixel_shuffle(torch.tensor(x), 2), fF.pixel_shuffle(facade.tensor(x), 2)
    assert str(f.dtype) == str(t.dtype)
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    np.testing.assert_array_equal(fF.pixel_unshuffle(f, 2).numpy(), x)
    empty = fF.pixel_shuffle(facade.zeros(4, 0, 2), 2)
    assert tuple(empty.shape) == tuple(tF.pixel_shuffle(torch.zeros(4, 0, 2), 2).shape)


def test_modules():
    for tm, fm, shape in [(tnn.PixelShuffle(2), fnn.PixelShuffle(2), (1, 8, 2, 3)),
                          (tnn.PixelUnshuffle(3), fnn.PixelUnshuffle(3), (1, 2, 3, 6))]:
        assert repr(fm) == repr(tm)
        assert fm.state_dict().keys() == tm.state_dict().keys()
        run_both(tm, fm, [data(3, shape)])


@pytest.mark.parametrize("fn, shape, r", [
    ("pixel_shuffle", (1, 7, 2, 2), 2), ("pixel_shuffle", (7, 2), 2), ("pixel_shuffle", (1, 4, 4, 4), -1),
    ("pixel_shuffle", (1, 4, 2, 2), 2.0), ("pixel_shuffle", (4, 2, 2), True),
    ("pixel_unshuffle", (1, 1, 3, 4), 2), ("pixel_unshuffle", (1, 1, 4, 3), 2), ("pixel_unshuffle", (1, 4, 3), 2),
    ("pixel_unshuffle", (1, 1, 4, 4), 0), ("pixel_unshuffle", (4,), 2),
])
def test_errors(fn, shape, r):
    x = data(4, shape)
    raises_like(lambda: getattr(tF, fn)(torch.tensor(x), r), lambda: getattr(fF, fn)(facade.tensor(x), r))


def test_gradcheck():
    x = to_facade(data(5, (2, 8, 2, 3), "float64"), True)
    assert facade.autograd.gradcheck(lambda t: fF.pixel_shuffle(t, 2), (x,))
    y = to_facade(data(6, (1, 2, 4, 2), "float64"), True)
    assert facade.autograd.gradcheck(lambda t: fF.pixel_unshuffle(t, 2), (y,))
