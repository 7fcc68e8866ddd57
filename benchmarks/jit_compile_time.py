"""First-call cost of facade.jit vs hand-written jax.jit, each in a fresh interpreter.

    python benchmarks/jit_compile_time.py [--optimizer sgd|adam]

facade.jit's first call traces and compiles the step while it finds its state (parameters,
optimizer state); the second call traces and compiles it again with that state as inputs (the
program later calls reuse); jax.jit's first call traces and compiles. Reported: facade's call 1,
call 2, and their sum, against JAX's first call (goal, issue #5: first call ≤ 1.5x JAX's).
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

FACADE = r"""
import sys, time; sys.path.insert(0, {here!r})
import facade as T, _jit_mlp as M
w = M.torch_style(T, {{}}, {opt})
t = time.perf_counter(); w.step(); t1 = time.perf_counter() - t
t = time.perf_counter(); w.step(); t2 = time.perf_counter() - t
t = time.perf_counter(); w.step(); t3 = time.perf_counter() - t
print(t1, t2, t3)
"""

JAX = r"""
import sys, time; sys.path.insert(0, {here!r})
import _jit_mlp as M
w = M.jax_baseline({{}}, {opt})
t = time.perf_counter(); w.step(); t1 = time.perf_counter() - t
t = time.perf_counter(); w.step(); t2 = time.perf_counter() - t
print(t1, t2)
"""

OPTS = {
    "sgd": ("lambda T, p: T.optim.SGD(p, lr=0.05, momentum=0.9)", "lambda optax: optax.sgd(0.05, momentum=0.9)"),
    "adam": ("lambda T, p: T.optim.Adam(p, lr=1e-3)", "lambda optax: optax.adam(1e-3)"),
}


def run(src):
    # FACADE_CACHE_DIR=0: facade's persistent compilation cache off, so every run compiles, as the JAX one does
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               FACADE_CACHE_DIR="0")
    out = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return [float(x) for x in out.stdout.split()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--optimizer", choices=sorted(OPTS), default="sgd")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    f_opt, j_opt = OPTS[args.optimizer]
    fac, jx = [], []
    for _ in range(args.repeats):  # interleaved, so that a noisy stretch of the machine hits both
        fac.append(run(FACADE.format(here=HERE, opt=f_opt)))
        jx.append(run(JAX.format(here=HERE, opt=j_opt)))
    f, j = [statistics.median(col) for col in zip(*fac)], [statistics.median(col) for col in zip(*jx)]
    print(f"optimizer {args.optimizer} (medians over {args.repeats} fresh interpreters each)")
    print(f"facade.jit: call 1 (trace + compile, finding the state) {f[0]:.3f}s, "
          f"call 2 (trace + compile, state as inputs) {f[1]:.3f}s, call 3 {f[2] * 1e3:.2f}ms")
    print(f"jax.jit:    call 1 (trace + compile) {j[0]:.3f}s, call 2 {j[1] * 1e3:.2f}ms")
    print(f"ratio to jax.jit's call 1: facade's call 1 {f[0] / j[0]:.2f}x, call 2 {f[1] / j[0]:.2f}x, "
          f"the two together {(f[0] + f[1]) / j[0]:.2f}x")


if __name__ == "__main__":
    main()
