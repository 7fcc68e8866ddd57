"""Acceptance: an op declared with a wrong broadcasting reduction in its gradient fails the op
suite's checks, and hypothesis shrinks the failure to a minimal broadcasting case.

The op is declared here with `defop`, like any facade op, but its JAX implementation carries a
hand-written (and wrong) VJP: the gradient of the broadcast operand is averaged over the
broadcast dims instead of summed. Its value is right, so only gradient checks can catch it.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import find, settings

import facade
import op_checks
from facade._dispatch import record
from facade._ops.frontend import cast, promote
from facade._ops.table import OPS, defop
from facade.autograd.gradcheck import GradcheckError
from facade.testing._case_builders import binary
from facade.testing._op_spec import OpSpec


def _unbroadcast_wrongly(g, shape):
    """Reduce g to `shape` over the broadcast dims with a mean (right: a sum)."""
    lead = g.ndim - len(shape)
    g = jnp.mean(g, axis=tuple(range(lead))) if lead else g
    dims = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return jnp.mean(g, axis=dims, keepdims=True) if dims else g


@jax.custom_vjp
def _mul(a, b):
    return a * b


def _mul_fwd(a, b):
    return a * b, (a, b)


def _mul_bwd(res, g):
    a, b = res
    return _unbroadcast_wrongly(g * b, a.shape), _unbroadcast_wrongly(g * a, b.shape)


_mul.defvjp(_mul_fwd, _mul_bwd)


@pytest.fixture(scope="module")
def broken_spec():
    op = defop("test_broken_mul", lambda a, b, dt: _mul(cast(a, dt), cast(b, dt)), grad_fn="MulBackward0")

    def call(T, a, b):
        if T is facade:
            return record(op, (a, b), (promote(a, b).np,))
        return T.mul(a, b)

    yield OpSpec("broken_mul", call, binary(), np.multiply, dtypes=("float64",))
    del OPS["test_broken_mul"]


def _fails(check, case):
    try:
        check(case)
    except (AssertionError, GradcheckError):
        return True
    return False


def _broadcasts(case):
    a, b = case.arrays
    shape = np.broadcast_shapes(a.shape, b.shape)
    return a.shape != shape or b.shape != shape


def test_values_are_right_so_the_value_check_passes(broken_spec):
    case = find(broken_spec.cases(), lambda c: _broadcasts(c) and c.arrays[0].size > 1)
    op_checks.check_reference(case)


def test_gradcheck_catches_it_and_shrinks_to_a_minimal_case(broken_spec):
    case = find(broken_spec.cases(smooth=True), lambda c: _fails(op_checks.check_gradcheck, c),
                settings=settings(max_examples=200, database=None))
    assert _broadcasts(case)
    a, b = case.arrays
    assert a.size + b.size <= 3  # e.g. a of shape (2,) and b of shape () or (1,)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input"):
        op_checks.check_gradcheck(case)


def test_comparison_with_torch_catches_it(broken_spec):
    pytest.importorskip("torch")
    case = find(broken_spec.cases(), lambda c: _fails(op_checks.check_torch, c),
                settings=settings(max_examples=200, database=None))
    assert _broadcasts(case)
    with pytest.raises(AssertionError, match=r"input\[\d\]\.grad: values differ"):
        op_checks.check_torch(case)


def test_unbroadcast_shapes_pass_everything(broken_spec):
    case = find(broken_spec.cases(), lambda c: not _broadcasts(c) and c.arrays[0].size > 2)
    op_checks.check_gradcheck(case)
