"""facade.testing.strategies: valid draws, small shrunk examples, usable without pytest."""
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import facade
from facade.testing import strategies as fst
from facade.testing._op_specs import SPECS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@given(fst.shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
def test_shapes_respect_bounds(shape):
    assert 1 <= len(shape) <= 3 and all(2 <= s <= 4 for s in shape)


@given(fst.shapes().flatmap(lambda s: st.tuples(st.just(s), fst.broadcastable_shapes(s))))
def test_broadcastable_shapes_broadcast(pair):
    np.broadcast_shapes(*pair)


@given(fst.tensors(dtype="float64", shape=fst.shapes()).flatmap(lambda x: st.tuples(st.just(x), fst.dims(x.shape))))
def test_dims_are_valid_dims(pair):
    x, dim = pair
    assert tuple(x.sum(dim).shape) == tuple(np.sum(x.numpy(), axis=dim % x.ndim if x.ndim else None).shape)


@given(fst.shapes().flatmap(lambda s: st.tuples(st.just(s), fst.dims_and_keepdim(s, allow_none=True,
                                                                                  allow_tuple=True))))
def test_dims_and_keepdim(pair):
    shape, (dim, keepdim) = pair
    assert isinstance(keepdim, bool)
    x = facade.zeros(shape)
    x.sum(dim, keepdim) if dim is not None else x.sum()


@given(fst.tensors(dtype=fst.dtypes(("float32", "float64", "int64", "bool")), shape=fst.shapes(), requires_grad=True))
def test_tensors_are_finite_and_bounded_by_default(x):
    v = np.array(x.detach().numpy())
    if x.dtype.is_floating_point:
        assert x.requires_grad and np.all(np.isfinite(v)) and np.all(np.abs(v) <= 10)
    else:
        assert not x.requires_grad


@given(fst.tensors(dtype="float32", shape=(2, 3), min_value=0.5, max_value=1.0, device="cpu"))
def test_tensor_options(x):
    assert tuple(x.shape) == (2, 3) and x.dtype is facade.float32
    assert np.all((np.array(x.numpy()) >= 0.5) & (np.array(x.numpy()) <= 1.0))


@given(fst.tensors(dtype="float64", allow_nan=True, allow_infinity=True, shape=(50,)))
def test_special_values_when_asked(x):
    pass  # drawing must work; nan / inf may appear


@given(fst.shapes(max_dims=3).flatmap(lambda s: st.tuples(st.just(s), fst.index_expressions(s))))
def test_index_expressions_index_like_numpy(pair):
    shape, index = pair
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    assert np.array_equal(np.array(facade.tensor(a)[index].numpy()), a[index])


@given(fst.shapes(max_dims=3).flatmap(lambda s: st.tuples(st.just(s), fst.index_expressions(s))))
def test_index_expressions_are_valid_torch_indices(pair):
    torch = pytest.importorskip("torch")
    shape, index = pair
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    assert np.array_equal(torch.tensor(a)[index].numpy(), a[index])


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_op_spec_draws_cases(name):
    # generation only: `find` with an always-true condition would spend seconds shrinking each spec's case
    @settings(max_examples=3, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(fst.op_inputs(name, max_dims=2, max_side=2))
    def draws(case):
        assert case.spec.name == name and all(isinstance(a, np.ndarray) for a in case.arrays)

    draws()


def test_a_failing_property_shrinks_to_a_minimal_tensor():
    x = find(fst.tensors(dtype="float64", shape=fst.shapes()), lambda t: bool((t > 1).any()))
    assert tuple(x.shape) == ()  # the fewest dims
    assert 1 < x.item() <= 2  # the simplest value above 1


def test_a_failing_op_case_shrinks_to_a_small_readable_case():
    # "exp is wrong above 2": the minimal case is a 0-d tensor just above 2
    case = find(fst.op_inputs("exp"), lambda c: bool((c.arrays[0] > 2).any()))
    assert case.arrays[0].shape == () and 2 < float(case.arrays[0]) <= 3
    assert repr(case).startswith("OpCase('exp', array(")


def test_smooth_cases_avoid_kinks():
    case = find(fst.op_inputs("abs", smooth=True), lambda c: c.arrays[0].size >= 4)
    assert np.all(np.abs(case.arrays[0]) >= 0.05)


def test_strategies_work_in_plain_given_without_pytest():
    script = textwrap.dedent("""
        import sys
        from hypothesis import given, settings
        import facade
        from facade.testing import strategies as fst

        @settings(max_examples=20, database=None)
        @given(fst.tensors(dtype="float64", shape=fst.shapes(max_dims=2)), fst.op_inputs("sin"))
        def check(x, case):
            assert (x.sin().abs() <= 1).all()
            case.run(facade)

        check()
        assert "pytest" not in sys.modules
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_domains_keep_inputs_in_the_op_domain():
    case = find(fst.op_inputs("acos"), lambda c: c.arrays[0].size >= 3)
    assert np.all(np.abs(case.arrays[0]) < 1)
    case = find(fst.op_inputs("log"), lambda c: c.arrays[0].size >= 3)
    assert np.all(case.arrays[0] > 0)
    assert not math.isnan(float(np.sum(np.log(case.arrays[0]))))
