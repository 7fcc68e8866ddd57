"""The op suite: the checks of op_checks.py on every spec of facade/testing/_op_specs.py.

`test_op` draws one case per hypothesis example and runs every check of facade alone that applies
to the spec — value and autograd invariants against the reference, in-place variant — in order, so
the later checks replay graphs the first one compiled. `test_op_against_torch` (marked `oracle`)
draws its own and compares with PyTorch: values, gradients, grad_fn names, reprs, errors, and
outputs modified in place. `test_gradcheck` draws its own cases (float64, away from kinks). Checks
a spec declares as known failures (`xfail=`) are left out and run on their own in
`test_known_failure`, as xfail.
"""
import pytest
from hypothesis import Phase, given, settings
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


def _run_checks(spec, data, with_torch):
    names = [n for n in checks_for(spec, known_failures=False) if CHECKS[n][2] == with_torch]
    if not names:
        pytest.skip("torch is not installed" if with_torch and torch_or_none() is None else "no such check applies")
    case = data.draw(spec.cases(**LIMITS), label="case")
    for name in names:
        CHECKS[name][0](case)


@pytest.mark.parametrize("spec", [SPECS[n] for n in sorted(SPECS)], ids=sorted(SPECS))
@settings(max_examples=examples("op"))
@given(data=st.data())
def test_op(spec, data):
    _run_checks(spec, data, with_torch=False)


@pytest.mark.oracle
@pytest.mark.parametrize("spec", [SPECS[n] for n in sorted(SPECS)], ids=sorted(SPECS))
@settings(max_examples=examples("op"))
@given(data=st.data())
def test_op_against_torch(spec, data):
    _run_checks(spec, data, with_torch=True)


GRADCHECKED = [n for n in sorted(SPECS) if SPECS[n].differentiable and SPECS[n].gradcheck]


@pytest.mark.parametrize("spec", [SPECS[n] for n in GRADCHECKED], ids=GRADCHECKED)
@settings(max_examples=examples("gradcheck"))
@given(data=st.data())
def test_gradcheck(spec, data):
    case = data.draw(spec.cases(smooth=True, **LIMITS), label="case")
    op_checks.check_gradcheck(case)


def _known_marks(spec, check):
    marks = [pytest.mark.xfail(reason=spec.xfail_reason(check), strict=False)]
    if check in CHECKS and CHECKS[check][2]:
        marks.append(pytest.mark.oracle)
    return marks


KNOWN = [pytest.param(SPECS[n], check, id=f"{n}-{check}", marks=_known_marks(SPECS[n], check))
         for n in sorted(SPECS) for check, _ in SPECS[n].xfail]


# no shrinking: a known failure is expected to fail, and shrinking its counterexample took up to 20 s a spec
@pytest.mark.parametrize("spec, check", KNOWN)
@settings(max_examples=examples("op"), phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data())
def test_known_failure(spec, check, data):
    if check not in checks_for(spec, known_failures=True):
        pytest.skip(f"{check} does not run here")
    case = data.draw(spec.cases(smooth=check == "gradcheck", **LIMITS), label="case")
    (op_checks.check_gradcheck if check == "gradcheck" else CHECKS[check][0])(case)
