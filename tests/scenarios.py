"""The harness the differential scenario tests share: a scenario is a function of the library (`T`:
facade, or torch when it is installed) returning what a user can observe; `observe` runs one and turns
tensors into comparable tuples and an exception into ("raised", type, message)."""
import numpy as np
import pytest


class Scenarios(dict):
    """name -> (scenario, expected observation or None); `scenario(expect)` is the registering decorator."""

    def scenario(self, expect=None):
        def deco(fn):
            self[fn.__name__] = (fn, expect)
            return fn

        return deco


def raised(kind, message):
    return ("raised", kind, message)


def observer(digits=6, first_line=False, with_requires_grad=False):
    """(observe, normalise) for one file's conventions: tensors as float64 lists rounded to `digits`,
    with their dtype (and requires_grad); an error's whole message, or its first line."""

    def normalise(x):
        if isinstance(x, tuple) and x and isinstance(x[0], str) and x[0] in ("tensor", "raised"):
            return x
        if isinstance(x, (list, tuple)):
            return [normalise(v) for v in x]
        if hasattr(x, "detach") and hasattr(x, "shape"):
            out = ("tensor", np.asarray(x.detach().numpy(), dtype=np.float64).round(digits).tolist(),
                   str(x.dtype).split(".")[-1])
            return out + (bool(x.requires_grad),) if with_requires_grad else out
        if with_requires_grad and isinstance(x, float):
            return round(x, digits)
        return x

    def observe(fn, T):
        try:
            out = fn(T)
        except Exception as e:  # noqa: BLE001 - the error itself is the observation
            return raised(type(e).__name__, str(e).split("\n")[0] if first_line else str(e))
        return normalise(out)

    return observe, normalise


def check(entry, observe, normalise, lib, torch):
    """Run one (scenario, expect) entry on facade (`lib`): its observation equals PyTorch's when torch is
    installed, else the written-out expectation (skipped where a scenario has none)."""
    fn, expect = entry
    got = observe(fn, lib)
    if torch is not None:
        assert got == observe(fn, torch)
    elif expect is not None:
        assert got == normalise(expect)
    else:
        pytest.skip("checked against PyTorch under the oracle session")


def check_written(entry, observe, normalise, lib):
    """The written-out expectation of one (scenario, expect) entry holds for facade (`lib`) whether or not
    torch is installed (they are what PyTorch 2.13 gives)."""
    fn, expect = entry
    assert observe(fn, lib) == normalise(expect)
