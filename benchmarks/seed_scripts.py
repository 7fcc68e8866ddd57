"""Wall time of each seed notebook run as a script: facade vs PyTorch.

    python benchmarks/seed_scripts.py [--seeds DIR] [--repeats N]

Each `In [n]:` cell of a seed dump becomes a try-block of one script (so a failing cell is
reported, not fatal); the script is run once with `import torch` and once with
`import facade as torch`, in fresh interpreters, and the median wall time of N runs is
reported. The goal (issue #2) is facade ≤ 1.5x PyTorch: one-off graphs must not compile.

facade's first run of a script compiles JAX's small per-primitive kernels for its op-by-op
runs and writes them to the persistent compilation cache (facade/_compile_cache.py); later
runs load them. The first run is reported separately (`facade 1st`) and the median is over
the runs after it, so run with --repeats 4 or more.
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


_OUTPUT = re.compile(r"^(tensor\(|True|False|None|\(|\d|\[|<|Parameter|[A-Za-z ]+: )")


def cells(path):
    """The code of each `In [n]:` cell: the longest blank-line-ended prefix of the block that
    compiles as Python and does not run into what looks like printed output."""
    blocks = re.split(r"\nIn \[\d+\]:\n", "\n" + open(path).read())[1:]
    out = []
    for block in blocks:
        lines = block.split("\n")
        best = []
        for k in range(1, len(lines) + 1):
            if k < len(lines) and lines[k].strip():
                continue  # a cell ends at a blank line
            added = [ln for ln in lines[len(best):k] if ln.strip()]
            if best and added and _OUTPUT.match(added[0]):
                break
            try:
                compile("\n".join(lines[:k]), "<cell>", "exec")
            except SyntaxError:
                continue
            best = lines[:k]
        out.append("\n".join(best))
    return out


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
    return times[0], statistics.median(times[1:] or times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default=os.path.join(HERE, "..", "..", "shared", "seeds"))
    ap.add_argument("--repeats", type=int, default=4)
    args = ap.parse_args()
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    print(f"{'seed':<28} {'facade 1st':>10} {'facade':>8} {'torch':>8} {'ratio':>7}")
    for name in sorted(os.listdir(args.seeds)):
        if not name.endswith(".txt"):
            continue
        path = os.path.join(args.seeds, name)
        first, tf, _ = run(script(path, True), args.repeats)
        tt = run(script(path, False), args.repeats)[1] if have_torch else float("nan")
        print(f"{name:<28} {first:>9.2f}s {tf:>7.2f}s {tt:>7.2f}s {tf / tt:>6.2f}x")


if __name__ == "__main__":
    main()
