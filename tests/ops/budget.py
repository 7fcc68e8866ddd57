"""How hard the op suite tries, per hypothesis profile (see tests/conftest.py).

Each check of each op spec runs `examples[check]` hypothesis examples on tensors of at most
`max_dims` dims and `max_side` elements per side.
"""
import os

_BUDGETS = {
    "ci": {"max_dims": 2, "max_side": 3,
           "examples": {"reference": 4, "torch": 4, "gradcheck": 2, "inplace": 2, "saves": 1}},
    "dev": {"max_dims": 3, "max_side": 4,
            "examples": {"reference": 30, "torch": 30, "gradcheck": 10, "inplace": 10, "saves": 5}},
}

_BUDGETS["triage"] = _BUDGETS["ci"]
BUDGET = _BUDGETS.get(os.environ.get("HYPOTHESIS_PROFILE", "dev"), _BUDGETS["dev"])
LIMITS = {"max_dims": BUDGET["max_dims"], "max_side": BUDGET["max_side"]}


def examples(check):
    return BUDGET["examples"][check]
