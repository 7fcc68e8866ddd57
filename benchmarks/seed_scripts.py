"""Wall time of each seed notebook run as a script: facade vs PyTorch.

    python benchmarks/seed_scripts.py [--seeds DIR] [--repeats N]

Each `In [n]:` cell of a seed dump becomes a try-block of one script (so a failing cell is
reported, not fatal); the script is run once with `import torch` and once with
`import facade as torch`, in fresh interpreters, and the median wall time of N runs is
reported. The goal (issue #2) is facade ≤ 1.5x PyTorch: one-off graphs must not compile.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def cells(path):
    return re.findall(r"In \[\d+\]:\n(.*?)(?=\n\n|\Z)", open(path).read(), re.S)


def script(path, facade):
    blocks = []
    for code in cells(path):
        body = "\n".join("    " + line for line in code.splitlines())
        blocks.append(f"try:\n    pass\n{body}\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    src = "\n".join(blocks)
    if facade:
        src = src.replace("import torch.nn as nn", "import facade.nn as nn").replace("import torch", "import facade as torch")
    return src


def run(src, repeats):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(src)
    times, out = [], ""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for _ in range(repeats):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, f.name], capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t)
        out = proc.stdout
    os.unlink(f.name)
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default=os.path.join(HERE, "..", "..", "shared", "seeds"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    print(f"{'seed':<28} {'facade':>8} {'torch':>8} {'ratio':>7}")
    for name in sorted(os.listdir(args.seeds)):
        if not name.endswith(".txt"):
            continue
        path = os.path.join(args.seeds, name)
        tf, _ = run(script(path, True), args.repeats)
        tt = run(script(path, False), args.repeats)[0] if have_torch else float("nan")
        print(f"{name:<28} {tf:>7.2f}s {tt:>7.2f}s {tf / tt:>6.2f}x")


if __name__ == "__main__":
    main()
