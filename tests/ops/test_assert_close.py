"""facade.testing.assert_close: PyTorch's semantics and messages.

Expected messages are torch.testing.assert_close's (torch 2.13), written out so the tests run
without torch; `test_same_message_as_torch` also compares live when torch is installed.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import facade
from facade.testing import assert_close, default_tolerances
from facade.testing import strategies as fst


def message(actual, expected, **kwargs):
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, **kwargs)
    return str(info.value)


T = facade.tensor

CASES = {
    "one of three": ([1.0, 2.0, 3.0], [1.0, 2.5, 3.0], {}, "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 "
                     "(33.3%)\nGreatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\nGreatest "
                     "relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)"),
    "2-d index": ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]], {}, "Tensor-likes are not close!\n\nMismatched "
                  "elements: 1 / 4 (25.0%)\nGreatest absolute difference: 1.0 at index (1, 1) (up to 1e-05 allowed)\n"
                  "Greatest relative difference: 0.20000000298023224 at index (1, 1) (up to 1.3e-06 allowed)"),
    "0-d": (1.0, 2.0, {}, "Scalars are not close!\n\nExpected 2.0 but got 1.0.\nAbsolute difference: 1.0 (up to 1e-05 "
            "allowed)\nRelative difference: 0.5 (up to 1.3e-06 allowed)"),
    "integers": ([1, 2, 3], [1, 2, 4], {}, "Tensor-likes are not equal!\n\nMismatched elements: 1 / 3 (33.3%)\n"
                 "Greatest absolute difference: 1 at index (2,)\nGreatest relative difference: 0.25 at index (2,)"),
    "nan": ([1.0, math.nan], [1.0, math.nan], {}, "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\n"
            "Greatest absolute difference: nan at index (1,) (up to 1e-05 allowed)\nGreatest relative difference: nan "
            "at index (1,) (up to 1.3e-06 allowed)"),
    "bool": ([True, False], [True, True], {}, "Tensor-likes are not equal!\n\nMismatched elements: 1 / 2 (50.0%)\n"
             "Greatest absolute difference: 1 at index (1,)\nGreatest relative difference: 1.0 at index (1,)"),
    "exact floats": ([1.0, 2.0], [1.0, 3.0], {"rtol": 0, "atol": 0}, "Tensor-likes are not equal!\n\nMismatched "
                     "elements: 1 / 2 (50.0%)\nGreatest absolute difference: 1.0 at index (1,)\nGreatest relative "
                     "difference: 0.3333333432674408 at index (1,)"),
    "given tolerances": ([1, 2], [1, 5], {"rtol": 0.1, "atol": 0.5}, "Tensor-likes are not close!\n\nMismatched "
                         "elements: 1 / 2 (50.0%)\nGreatest absolute difference: 3 at index (1,) (up to 0.5 allowed)\n"
                         "Greatest relative difference: 0.6000000238418579 at index (1,) (up to 0.1 allowed)"),
    "infinities": ([math.inf, 1.0], [math.inf, 2.0], {}, "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 "
                   "(50.0%)\nGreatest absolute difference: 1.0 at index (1,) (up to 1e-05 allowed)\nGreatest relative "
                   "difference: 0.5 at index (1,) (up to 1.3e-06 allowed)"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tensor_messages(name):
    a, e, kwargs, expected = CASES[name]
    assert message(T(a), T(e), **kwargs) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_message_as_torch(name):
    torch = pytest.importorskip("torch")
    a, e, kwargs, _ = CASES[name]
    with pytest.raises(AssertionError) as theirs:
        torch.testing.assert_close(torch.tensor(a), torch.tensor(e), **kwargs)
    assert message(T(a), T(e), **kwargs) == str(theirs.value)


def test_default_tolerances_follow_torchs_table():
    assert default_tolerances(facade.float16) == (1e-3, 1e-5)
    assert default_tolerances(facade.bfloat16) == (1.6e-2, 1e-5)
    assert default_tolerances(facade.float32) == (1.3e-6, 1e-5)
    assert default_tolerances(facade.float64) == (1e-7, 1e-7)
    assert default_tolerances(facade.int64) == (0.0, 0.0)
    assert default_tolerances(facade.float32, facade.float64) == (1.3e-6, 1e-5)


def test_within_tolerance_passes():
    assert_close(T([1.0, 2.0]), T([1.0, 2.0 + 1e-6]))
    assert_close(T([1.0]), T([1.1]), rtol=0.2, atol=0.0)
    assert_close(T([math.nan]), T([math.nan]), equal_nan=True)
    assert_close(T([]), T([]))


def test_attributes_checked_first():
    assert message(T([1.0, 2.0]), T([1.0, 2.0, 3.0], dtype=facade.float64)) == \
        "The values for attribute 'shape' do not match: torch.Size([2]) != torch.Size([3])."
    assert message(T([1.0, 2.0]), T([1.0, 2.0], dtype=facade.float64)) == \
        "The values for attribute 'dtype' do not match: torch.float32 != torch.float64."
    assert_close(T([1, 2]), T([1.0, 2.0]), check_dtype=False)


def test_mixed_dtypes_compare_in_promoted_dtype_with_looser_tolerance():
    assert message(T([1, 2]), T([1.0, 2.1]), check_dtype=False) == (
        "Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)\nGreatest absolute difference: "
        "0.09999990463256836 at index (1,) (up to 1e-05 allowed)\nGreatest relative difference: 0.04761900380253792 "
        "at index (1,) (up to 1.3e-06 allowed)")


def test_numbers():
    assert message(1.0, 1.1) == ("Scalars are not close!\n\nExpected 1.1 but got 1.0.\nAbsolute difference: "
                                 "0.10000000000000009 (up to 1e-07 allowed)\nRelative difference: 0.09090909090909098 "
                                 "(up to 1e-07 allowed)")
    assert message(1, 2) == "Scalars are not equal!\n\nExpected 2 but got 1.\nAbsolute difference: 1\nRelative difference: 0.5"
    assert message(True, False) == "Booleans mismatch: True is not False"
    assert message(1, 1.0) == "The (d)types do not match: <class 'int'> != <class 'float'>."
    assert_close(2, 2.0, check_dtype=False)


def test_containers_name_the_failing_item():
    assert message([[T(1.0)], {"x": [T(1.0), T(2.0)]}], [[T(1.0)], {"x": [T(1.0), T(3.0)]}]) == (
        "Scalars are not close!\n\nExpected 3.0 but got 2.0.\nAbsolute difference: 1.0 (up to 1e-05 allowed)\n"
        "Relative difference: 0.3333333333333333 (up to 1.3e-06 allowed)\n\nThe failure occurred for item [1]['x'][1]")
    assert message([1, 2], (1, 3)).endswith("The failure occurred for item [1]")
    assert message([T(1.0)], [T(1.0), T(2.0)]) == "The length of the sequences mismatch: 1 != 2"
    assert message({"a": 1}, {"b": 1, "a": 1}) == ("The keys of the mappings do not match:\nMissing keys in the actual "
                                                   "mapping: ['b']\nAdditional keys in the actual mapping: []")


def test_msg_replaces_or_edits_the_message():
    assert message(T([1.0, 2.0]), T([1.0, 3.0]), msg="custom") == "custom"
    assert message(T([1.0]), T([2.0]), msg=lambda m: m + " XX").endswith("(up to 1.3e-06 allowed) XX")


def test_argument_errors():
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified or omitted, but got no atol."):
        assert_close(T([1.0]), T([1.0]), rtol=0.1)
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type"):
        assert_close(T([1.0]), 1.0)
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(T([1.0]), np.array([1.0]))


def test_numpy_arrays_compare_like_tensors():
    assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    assert "up to 1e-07 allowed" in message(np.array([1.0, 2.0]), np.array([1.0, 3.0]))


def test_requires_grad_is_not_compared():
    assert_close(T([1.0, 2.0], requires_grad=True) * 1, T([1.0, 2.0]))


@given(fst.tensors(dtype=fst.dtypes(("float32", "float64", "int64")), shape=fst.shapes()))
def test_a_tensor_is_close_to_itself(x):
    assert_close(x, x.clone())


@given(fst.tensors(dtype="float64", shape=fst.shapes(min_dims=1)), st.data())
def test_one_changed_element_is_reported_at_its_index(x, data):
    flat = np.array(x.numpy()).reshape(-1)
    i = data.draw(st.integers(0, flat.size - 1))
    changed = flat.copy()
    changed[i] += 1.0
    text = message(T(changed.reshape(tuple(x.shape))), x)
    assert f"Mismatched elements: 1 / {flat.size}" in text
    assert f"at index {tuple(int(k) for k in np.unravel_index(i, tuple(x.shape)))}" in text
