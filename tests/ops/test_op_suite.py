"""The op suite: every check of op_checks.py on every spec of facade/testing/_op_specs.py.

One parametrised family per check; hypothesis draws each spec's cases from its spec
(`spec.cases`). Known failures are declared on the spec (`xfail=`) and show as xfail here.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import op_checks
from budget import LIMITS, examples
from facade.testing._op_specs import SPECS


def params(check, applies=lambda spec: True):
    out = []
    for name in sorted(SPECS):
        spec = SPECS[name]
        if not applies(spec):
            continue
        reason = spec.xfail_reason(check)
        marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
        out.append(pytest.param(spec, id=name, marks=marks))
    return out


@pytest.mark.parametrize("spec", params("reference", lambda s: s.ref is not None))
@settings(max_examples=examples("reference"))
@given(data=st.data())
def test_value_and_autograd_invariants(spec, data):
    """Value vs numpy reference; inputs untouched; grads shaped like inputs; no_grad records nothing."""
    case = data.draw(spec.cases(**LIMITS), label="case")
    op_checks.check_invariants(case)


@pytest.mark.parametrize("spec", params("gradcheck", lambda s: s.differentiable))
@settings(max_examples=examples("gradcheck"))
@given(data=st.data())
def test_gradcheck(spec, data):
    case = data.draw(spec.cases(smooth=True, **LIMITS), label="case")
    op_checks.check_gradcheck(case)


@pytest.mark.parametrize("spec", params("torch"))
@settings(max_examples=examples("torch"))
@given(data=st.data())
def test_matches_torch(spec, data):
    pytest.importorskip("torch")
    case = data.draw(spec.cases(**LIMITS), label="case")
    op_checks.check_torch(case)


@pytest.mark.parametrize("spec", params("inplace", lambda s: s.inplace is not None))
@settings(max_examples=examples("inplace"))
@given(data=st.data())
def test_inplace_variant(spec, data):
    case = data.draw(spec.cases(**LIMITS), label="case")
    op_checks.check_inplace(case)


@pytest.mark.parametrize("spec", params("saves", lambda s: s.differentiable))
@settings(max_examples=examples("saves"))
@given(data=st.data())
def test_outputs_modified_in_place_like_torch(spec, data):
    """What an op saves for backward decides whether an in-place change of its output breaks backward."""
    pytest.importorskip("torch")
    case = data.draw(spec.cases(**LIMITS), label="case")
    op_checks.check_torch_output_modified(case)
