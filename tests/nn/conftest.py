"""Hypothesis example counts for the nn tests.

The tests only set `deadline=None` and take their example counts from the active profile.
When no project profile has changed hypothesis's stock default (100 examples), a small one
is loaded here so the nn suite stays within its CI budget."""

import pytest
from hypothesis import settings

if settings.default.max_examples == 100:
    settings.register_profile("nn-quick", max_examples=12)
    settings.load_profile("nn-quick")

pytest.register_assert_rewrite("nn_compare")
