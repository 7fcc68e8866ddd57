"""Hypothesis profiles for the whole suite, chosen by the HYPOTHESIS_PROFILE environment variable
(default: "ci" when the CI variable is set, else "dev").

* ci  — few examples, small tensors: the whole project suite stays well inside ~20 minutes on
        two cores (the op suite under 5).
* dev — many more examples and larger tensors, for local bug hunting.
* triage — ci's budget without shrinking: lists every failing test quickly.

Failing examples are saved under .hypothesis/ (gitignored) and replayed first on the next run.
The op suite reads its own budget (examples per check, tensor sizes) from tests/ops/budget.py.

With FACADE_ORACLE set (nox -s oracle), torch must be importable: the differential tests would
otherwise skip silently.
"""
import functools
import importlib.util
import inspect
import os
import pathlib

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

_ROOT = pathlib.Path(__file__).resolve().parent.parent
_DATABASE = DirectoryBasedExampleDatabase(str(_ROOT / ".hypothesis" / "examples"))
_SLOW_IS_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

# ci: derandomized, so that a CI result is reproducible (the same examples on every run and on
# every machine; hypothesis allows no example database with it). dev explores new examples.
settings.register_profile("ci", max_examples=10, deadline=None, database=None, derandomize=True,
                          print_blob=True, suppress_health_check=_SLOW_IS_OK)
settings.register_profile("dev", max_examples=100, deadline=None, database=_DATABASE, print_blob=True,
                          suppress_health_check=_SLOW_IS_OK)

settings.register_profile("triage", settings.get_profile("ci"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
os.environ["HYPOTHESIS_PROFILE"] = PROFILE  # tests/ops/budget.py reads it
settings.load_profile(PROFILE)

if os.environ.get("FACADE_ORACLE") and importlib.util.find_spec("torch") is None:
    raise RuntimeError("FACADE_ORACLE is set but torch is not installed: the tests against PyTorch would be skipped")


# ---- the `oracle` marker -------------------------------------------------------------------------
# A test is marked `oracle` when it compares with PyTorch: its module imported torch (tests/nn/* through
# nn_compare, test_printing, ...), or it asks for torch itself (pytest.importorskip("torch"),
# torch_or_none()), or it carries the mark explicitly (the op suite's PyTorch checks). Without torch these
# tests skip, wholly or in part. CI runs the whole suite without torch (the README's command), then only
# `-m oracle` with torch installed, so nothing runs twice; `nox -s oracle` alone still runs everything.
_ASKS_FOR_TORCH = ('importorskip("torch")', "torch_or_none(")


def _compares_with_torch(item):
    module = getattr(item, "module", None)
    imported = getattr(module, "torch", None)
    if getattr(imported, "__name__", None) == "torch" or _skips_without_torch(module):
        return True
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        source = ""
    return any(s in source for s in _ASKS_FOR_TORCH)


@functools.cache
def _skips_without_torch(module):
    """The module calls pytest.importorskip("torch") at its top level without binding it (`torch = ...` is found
    by the module's `torch` attribute)."""
    try:
        lines = inspect.getsource(module).splitlines()
    except (OSError, TypeError):
        return False
    return any(line.startswith('pytest.importorskip("torch")') for line in lines)


def pytest_configure(config):
    config.addinivalue_line("markers", "oracle: compares with PyTorch (runs fully only with torch installed)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("oracle") is None and _compares_with_torch(item):
            item.add_marker(pytest.mark.oracle)
