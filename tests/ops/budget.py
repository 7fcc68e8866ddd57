"""How hard the op suite tries, per hypothesis profile (see tests/conftest.py).

Each op spec gets `examples["op"]` hypothesis examples (each running every check) and
`examples["gradcheck"]` gradcheck examples, on tensors of at most `max_dims` dims and
`max_side` elements per side.
"""
import os

_BUDGETS = {
    # ci: 2 examples of each check per spec (the value/autograd checks, then PyTorch's in the oracle session) and
    # one gradcheck: ~560 specs, the op suite's share of a CI run about 10 minutes on 2 cores
    "ci": {"max_dims": 2, "max_side": 3,
           "examples": {"op": 2, "gradcheck": 1}},
    "dev": {"max_dims": 3, "max_side": 4,
            "examples": {"op": 30, "gradcheck": 10}},
}

_BUDGETS["triage"] = _BUDGETS["ci"]
BUDGET = _BUDGETS.get(os.environ.get("HYPOTHESIS_PROFILE", "dev"), _BUDGETS["dev"])
LIMITS = {"max_dims": BUDGET["max_dims"], "max_side": BUDGET["max_side"]}


def examples(check):
    return BUDGET["examples"][check]
