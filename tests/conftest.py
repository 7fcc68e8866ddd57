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
import importlib.util
import os
import pathlib

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

_ROOT = pathlib.Path(__file__).resolve().parent.parent
_DATABASE = DirectoryBasedExampleDatabase(str(_ROOT / ".hypothesis" / "examples"))
_SLOW_IS_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("ci", max_examples=10, deadline=None, database=_DATABASE, print_blob=True,
                          suppress_health_check=_SLOW_IS_OK)
settings.register_profile("dev", max_examples=100, deadline=None, database=_DATABASE, print_blob=True,
                          suppress_health_check=_SLOW_IS_OK)

settings.register_profile("triage", settings.get_profile("ci"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
os.environ["HYPOTHESIS_PROFILE"] = PROFILE  # tests/ops/budget.py reads it
settings.load_profile(PROFILE)

if os.environ.get("FACADE_ORACLE") and importlib.util.find_spec("torch") is None:
    raise RuntimeError("FACADE_ORACLE is set but torch is not installed: the tests against PyTorch would be skipped")
