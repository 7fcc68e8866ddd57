"""Two indexing rules of PyTorch's: a value written by x[...] = v loses its leading size-1 dims first
(out[i] = model(x_i) with a (1, 1) result), and a boolean mask must have the shape of the dims it
indexes (IndexError otherwise, never a silent selection) — against PyTorch when it is installed."""
import pytest

import facade

try:
    import torch
except ImportError:
    torch = None


def observe(fn, T):
    try:
        out = fn(T)
    except (IndexError, RuntimeError) as e:
        return (type(e).__name__, str(e))
    return out.tolist() if hasattr(out, "tolist") else out


def _set(T, shape, index, value):
    x = T.zeros(*shape)
    x[index(T)] = value(T)
    return x


SCENARIOS = {
    "scalar_from_1x1": (lambda T: _set(T, (3,), lambda T: 0, lambda T: T.tensor([[1.5]])), [1.5, 0.0, 0.0]),
    "row_from_1xn": (lambda T: _set(T, (2, 3), lambda T: 0, lambda T: T.ones(1, 3)), [[1.0] * 3, [0.0] * 3]),
    "column_from_1x1xn": (lambda T: _set(T, (2, 3), lambda T: (slice(None), 0), lambda T: T.ones(1, 1, 2)),
                          [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]),
    "advanced_from_1x1xn": (lambda T: _set(T, (2, 3), lambda T: T.tensor([1]), lambda T: T.ones(1, 1, 3)),
                            [[0.0] * 3, [1.0] * 3]),
    "mask_too_short": (lambda T: T.arange(4)[T.tensor([True, False])],
                       ("IndexError", "The shape of the mask [2] at index 0 does not match the shape of the indexed "
                                      "tensor [4] at index 0")),
    "mask_after_none": (lambda T: T.arange(24).reshape(2, 3, 4)[None, T.tensor([True, False, True])],
                        ("IndexError", "The shape of the mask [3] at index 0 does not match the shape of the indexed "
                                       "tensor [1, 2, 3, 4] at index 1")),
    "mask_2d_wrong_second_dim": (lambda T: T.arange(12).reshape(3, 4)[T.ones(3, 3, dtype=T.bool)],
                                 ("IndexError", "The shape of the mask [3, 3] at index 1 does not match the shape of "
                                                "the indexed tensor [3, 4] at index 1")),
    "mask_assignment": (lambda T: _set(T, (4,), lambda T: T.tensor([True, True]), lambda T: T.tensor(9.0)),
                        ("IndexError", "The shape of the mask [2] at index 0 does not match the shape of the indexed "
                                       "tensor [4] at index 0")),
    "mask_that_fits": (lambda T: T.arange(12).reshape(3, 4)[1:, T.tensor([True, False, False, True])], [[4, 7], [8, 11]]),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_indexing_rule(name):
    fn, expected = SCENARIOS[name]
    got = observe(fn, facade)
    assert got == expected
    if torch is not None:
        assert got == observe(fn, torch)
