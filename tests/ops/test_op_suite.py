"""The op suite: the checks of op_checks.py on every spec of facade/testing/_op_specs.py.

`test_op` draws one case per hypothesis example and runs every check that applies to the spec
on it, in order — value and autograd invariants, PyTorch comparison, in-place variant, outputs
modified in place — so the later checks replay graphs the first one compiled. `test_gradcheck`
draws its own cases (float64, away from kinks). Checks a spec declares as known failures
(`xfail=`) are left out of `test_op` and run on their own in `test_known_failure`, as xfail.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import op_checks
from budget import LIMITS, examples
from facade.testing._differential import torch_or_none
from facade.testing._op_specs import SPECS

# check name -> (function, applies to spec, needs torch)
CHECKS = {
    "reference": (op_checks.check_invariants, lambda s: s.ref is not None, False),
    "torch": (op_checks.check_torch, lambda s: True, True),
    "inplace": (op_checks.check_inplace, lambda s: s.inplace is not None, False),
    "saves": (op_checks.check_torch_output_modified, lambda s: s.differentiable, True),
}


def checks_for(spec, *, known_failures):
    """The checks that apply to spec: those it declares as failing, or all the others."""
    have_torch = torch_or_none() is not None
    return [name for name, (_, applies, needs_torch) in CHECKS.items()
            if applies(spec) and (have_torch or not needs_torch)
            and (spec.xfail_reason(name) is not None) == known_failures]


@pytest.mark.parametrize("spec", [SPECS[n] for n in sorted(SPECS)], ids=sorted(SPECS))
@settings(max_examples=examples("op"))
@given(data=st.data())
def test_op(spec, data):
    case = data.draw(spec.cases(**LIMITS), label="case")
    for name in checks_for(spec, known_failures=False):
        CHECKS[name][0](case)


GRADCHECKED = [n for n in sorted(SPECS) if SPECS[n].differentiable and SPECS[n].gradcheck]


@pytest.mark.parametrize("spec", [SPECS[n] for n in GRADCHECKED], ids=GRADCHECKED)
@settings(max_examples=examples("gradcheck"))
@given(data=st.data())
def test_gradcheck(spec, data):
    case = data.draw(spec.cases(smooth=True, **LIMITS), label="case")
    op_checks.check_gradcheck(case)


KNOWN = [pytest.param(SPECS[n], check, id=f"{n}-{check}",
                      marks=pytest.mark.xfail(reason=SPECS[n].xfail_reason(check), strict=False))
         for n in sorted(SPECS) for check, _ in SPECS[n].xfail]


@pytest.mark.parametrize("spec, check", KNOWN)
@settings(max_examples=examples("op"))
@given(data=st.data())
def test_known_failure(spec, check, data):
    if check not in checks_for(spec, known_failures=True):
        pytest.skip(f"{check} does not run here")
    case = data.draw(spec.cases(smooth=check == "gradcheck", **LIMITS), label="case")
    (op_checks.check_gradcheck if check == "gradcheck" else CHECKS[check][0])(case)
