"""Values of the creation functions that PyTorch computes by a rule of its own: linspace (first half
from start, second from end, one fused multiply-add per value) and the dtype torch.tensor infers
from nested data — against PyTorch when it is installed, and against the rule's maths without it."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import facade

try:
    import torch
except ImportError:
    torch = None

ENDS = st.floats(-100, 100, allow_nan=False).map(lambda v: float(np.float32(v)))


@settings(deadline=None)
@given(start=ENDS, end=ENDS, steps=st.integers(0, 40), dtype=st.sampled_from(["float32", "float64", "float16"]))
def test_linspace(start, end, steps, dtype):
    got = facade.linspace(start, end, steps, dtype=getattr(facade, dtype)).numpy().astype(np.float64)
    assert got.shape == (steps,)
    if steps:
        assert got[0] == np.float64(np.asarray(start).astype(dtype))  # the first value is start (one step too)
    if steps > 1:
        assert got[-1] == np.float64(np.asarray(end).astype(dtype))
        exact = np.linspace(start, end, steps)
        assert np.allclose(got, exact, rtol=1e-2 if dtype == "float16" else 1e-5, atol=0.1 if dtype == "float16" else 1e-4)
    if torch is not None:
        want = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy().astype(np.float64)
        np.testing.assert_array_equal(got, want)


def test_linspace_of_one_step_is_start():
    assert facade.linspace(0, 1, 1).tolist() == [0.0]
    assert facade.linspace(3, -1, 1, dtype=facade.int64).tolist() == [3]


CASES = [  # (data, the dtype PyTorch infers: the promotion of every element's own type)
    (np.float64(0.1), "float64"), ([np.float64(0.1), 1.0], "float64"), (np.int32(1), "int32"),
    ([np.int32(1), 2], "int64"), ([np.int64(2), 2.5], "float32"), ([True, np.int8(3)], "int8"),
    ([np.float16(1), 2], "float16"), ([np.uint8(3), -1], "int64"), (range(4), "int64"), ([True, 2.5], "float32"),
    ([np.float32(1), 1j], "complex64"), ([[]], "float32"),
]


@pytest.mark.parametrize("data, dtype", CASES, ids=[repr(c[0]) for c in CASES])
def test_inferred_dtype(data, dtype):
    assert str(facade.tensor(data).dtype) == "torch." + dtype
    if torch is not None:
        assert str(torch.tensor(data).dtype) == "torch." + dtype


@pytest.mark.parametrize("make", [lambda T: [T.tensor(1, dtype=T.int32), 2], lambda T: [T.tensor(1.0, dtype=T.float16), 2.5]])
def test_inferred_dtype_with_tensors_inside(make):
    got = str(facade.tensor(make(facade)).dtype)
    assert got in ("torch.int64", "torch.float32")
    if torch is not None:
        assert got == str(torch.tensor(make(torch)).dtype)
