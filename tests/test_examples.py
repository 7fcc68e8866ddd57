"""The scripts in examples/ run (a smoke test in every session) and, where torch is installed,
print what their PyTorch twins print: the same script with its facade imports turned into
torch imports, run on the same machine. Printed numbers are compared to their printed
precision (float32 sums may differ in the last bit between the two libraries)."""
import pathlib
import re
import subprocess
import sys

import pytest

from facade.testing._differential import torch_or_none

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
# script -> (a check of facade's own output, what its PyTorch twin must print alike: None (nothing: the tour
# prints randn draws and versions), "numbers" (every line, numbers to their printed precision), "text" (every
# line with its numbers left out: dropout draws from each library's own generator))
SCRIPTS = {
    "autograd_tour.py": (lambda out: "fitted w=3.0000 b=-0.5000" in out, None),
    "linear_regression.py": (
        lambda out: _numbers(_line(out, "Epoch [50/50]"))[-1] < _numbers(_line(out, "Epoch [10/50]"))[-1], "numbers"),
    "two_moons_classifier.py": (lambda out: _numbers(_line(out, "test accuracy"))[-1] >= 0.95, "numbers"),
    "cnn_synthetic_images.py": (lambda out: _numbers(_line(out, "final test accuracy"))[-1] >= 0.9, "text"),
}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _line(out, start):
    return next(line for line in out.splitlines() if line.startswith(start))


def _numbers(line):
    return [float(x) for x in _NUMBER.findall(line)]


def _run(source, tmp_path, name):
    path = tmp_path / name
    path.write_text(source)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=600,
                          cwd=EXAMPLES.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def as_torch(source):
    """The PyTorch twin: every facade import becomes the same torch import."""
    return "\n".join(re.sub(r"\bfacade\b", "torch", line) if re.match(r"\s*(import|from) facade\b", line) else line
                     for line in source.splitlines()) + "\n"


def same_print(ours, theirs, numbers=True):
    """Line by line: the same text, and (numbers=True) numbers equal up to one unit of their last printed digit."""
    a, b = ours.splitlines(), theirs.splitlines()
    assert len(a) == len(b), f"{len(a)} lines printed, PyTorch printed {len(b)}"
    for la, lb in zip(a, b):
        assert _NUMBER.sub("#", la) == _NUMBER.sub("#", lb), f"\nfacade:  {la}\nPyTorch: {lb}"
        for x, y in zip(_NUMBER.findall(la), _NUMBER.findall(lb)) if numbers else ():
            digits = len(x.split(".")[1].split("e")[0]) if "." in x else 0
            assert abs(float(x) - float(y)) <= 1.01 * 10.0**-digits + 1e-6 * abs(float(y)), f"\nfacade:  {la}\nPyTorch: {lb}"


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_example(name, tmp_path):
    source = (EXAMPLES / name).read_text()
    ours = _run(source, tmp_path, name)
    check, twin = SCRIPTS[name]
    assert check(ours), ours
    if twin is not None and torch_or_none() is not None:
        theirs = _run(as_torch(source), tmp_path, "twin_" + name)
        same_print(ours, theirs, numbers=twin == "numbers")
        assert check(theirs), theirs  # the twin itself does what the example claims


def test_every_example_is_run():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("test_")}
    assert scripts <= set(SCRIPTS), "an example no test runs"
