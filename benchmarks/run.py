#!/usr/bin/env python3
"""Run the facade benchmarks and print a comparison table.

    python benchmarks/run.py [--quick] [--only logreg,chain,mlp] [--impls facade,torch,jax]

The same PyTorch-style code (bench_*.py: torch_style(T, cfg)) runs once with
T = the real `torch` and once with T = `facade`; a hand-written JAX version
(jax_baseline(cfg)) is the third column.  An implementation that cannot be
imported is skipped with a note, one that fails at runtime is reported as an
error; the harness itself never crashes on them.

Results are also written to benchmarks/results.json.  See README.md.
"""

import argparse
import datetime
import importlib
import json
import os
import platform
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Make `import facade` (repo root or src/ layout) and `import bench_*` work
# whatever the current directory is.
for path in (os.path.join(ROOT, "src"), ROOT, HERE):
    if os.path.isdir(path) and path not in sys.path:
        sys.path.insert(0, path)

from _timing import measure  # noqa: E402

BENCHMARKS = ("logreg", "chain", "mlp", "jit_sgd", "jit_adam")
IMPLS = ("facade", "torch", "jax")
LABELS = {"facade": "facade", "torch": "torch eager", "jax": "jax.jit"}
RESULTS_PATH = os.path.join(HERE, "results.json")


# --------------------------------------------------------------------------
# backends

def _why(exc):
    return f"{type(exc).__name__}: {exc}".strip()[:200]


def load_backends(wanted):
    """Import what is available. Returns ({impl: module}, {impl: skip reason})."""
    mods, skipped = {}, {}
    if "jax" in wanted:
        try:
            import jax  # noqa: F401
            import optax  # noqa: F401
            mods["jax"] = jax
        except Exception as exc:
            skipped["jax"] = f"jax/optax not importable ({_why(exc)})"
    if "torch" in wanted:
        try:
            import torch
            mods["torch"] = torch
        except Exception as exc:
            skipped["torch"] = f"torch not installed ({_why(exc)})"
    if "facade" in wanted:
        try:
            import facade
            if getattr(facade, "__file__", None) is None:
                # a bare facade/ directory without __init__.py imports as an
                # empty namespace package: treat it as "not there yet"
                raise ImportError("facade/ has no __init__.py (namespace package)")
            mods["facade"] = facade
        except Exception as exc:
            skipped["facade"] = f"facade not importable ({_why(exc)})"
    for impl in IMPLS:
        if impl not in wanted:
            skipped[impl] = "not selected (--impls)"
    return mods, skipped


def facade_compile_counter(facade):
    """A callable returning facade.engine.stats()['compiles'], or None."""
    try:
        engine = getattr(facade, "engine", None)
        if engine is None:
            engine = importlib.import_module(facade.__name__ + ".engine")
        stats = engine.stats
        first = stats()
        if not isinstance(first, dict) or "compiles" not in first:
            return None
    except Exception:
        return None
    return lambda: int(stats()["compiles"])


def versions(mods):
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpu_count": os.cpu_count()}
    if "torch" in mods:
        info["torch"] = mods["torch"].__version__
        info["torch_threads"] = mods["torch"].get_num_threads()
    if "jax" in mods:
        jax = mods["jax"]
        info["jax"] = jax.__version__
        info["jax_backend"] = jax.default_backend()
        info["jax_enable_x64"] = bool(jax.config.jax_enable_x64)
    if "facade" in mods:
        info["facade"] = getattr(mods["facade"], "__version__", "unknown")
    return info


# --------------------------------------------------------------------------
# one benchmark

def cross_check(entries, rtol, atol):
    """Compare final values of every implementation with a reference one."""
    have = [i for i in ("jax", "torch", "facade") if "final" in entries.get(i, {})]
    if len(have) < 2:
        return {"reference": have[0] if have else None, "compared": [], "mismatches": []}
    ref = have[0]
    mismatches = []
    for impl in have[1:]:
        for key, want in entries[ref]["final"].items():
            got = entries[impl]["final"].get(key)
            if got is None or not abs(got - want) <= atol + rtol * abs(want):
                mismatches.append(f"{LABELS[impl]} {key}={got!r} vs {LABELS[ref]} {want!r}")
    return {"reference": ref, "compared": have[1:], "mismatches": mismatches}


def run_benchmark(mod, mods, skipped, quick):
    cfg = mod.config(quick)
    entries, workloads = {}, {}
    for impl in IMPLS:
        if impl not in mods:
            entries[impl] = {"status": "skipped", "reason": skipped[impl]}
            continue
        try:
            if impl == "jax":
                w = mod.jax_baseline(cfg)
            else:
                w = mod.torch_style(mods[impl], cfg)
        except Exception as exc:
            entries[impl] = {"status": "error", "error": "setup: " + _why(exc)}
            continue
        if impl == "facade":
            w.compile_count = facade_compile_counter(mods["facade"])
        workloads[impl] = w
    entries.update(measure(workloads, cfg["steps"], cfg["warmup"], cfg["repeats"]))

    ratios = {}
    fac = entries["facade"].get("median_s")
    for other in ("torch", "jax"):
        ref = entries[other].get("median_s")
        ratios[f"facade/{other}"] = fac / ref if fac and ref else None
        # paired: the ratio within each interleaved round, then the median over rounds (a slow phase
        # of the machine hits both sides of one round, so this moves less than the ratio of medians)
        a, b = entries["facade"].get("per_step_s"), entries[other].get("per_step_s")
        ratios[f"paired facade/{other}"] = statistics.median([x / y for x, y in zip(a, b)]) if a and b else None
    return {"name": mod.NAME, "title": mod.TITLE, "config": cfg,
            "impls": entries, "ratios": ratios,
            "check": cross_check(entries, mod.RTOL, mod.ATOL)}


# --------------------------------------------------------------------------
# output

def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_cell(entry):
    status = entry.get("status")
    if status == "ok":
        return fmt_time(entry["median_s"])
    return "skipped" if status == "skipped" else "ERROR"


def print_report(meta, results, skipped):
    mode = "quick" if meta["quick"] else "full"
    print(f"\nfacade benchmarks ({mode} mode, median over timed repeats, "
          f"implementations interleaved)")
    v = meta["versions"]
    parts = [f"python {v['python']}", f"{v['cpu_count']} cpus"]
    if "torch" in v:
        parts.append(f"torch {v['torch']} ({v['torch_threads']} threads)")
    if "jax" in v:
        parts.append(f"jax {v['jax']} ({v['jax_backend']}, x64={v['jax_enable_x64']})")
    if "facade" in v:
        parts.append(f"facade {v['facade']}")
    print(" | ".join(parts))
    for impl in IMPLS:
        if impl in skipped:
            print(f"  {LABELS[impl]} column skipped: {skipped[impl]}")

    header = ["benchmark", "steps/rep", "facade", "torch eager", "jax.jit",
              "facade/torch", "facade/jax", "compiles", "agree"]
    rows = []
    for r in results:
        imp, ratios, check = r["impls"], r["ratios"], r["check"]
        fac = imp["facade"]
        if fac.get("status") != "ok":
            compiles = "n/a"
        else:
            compiles = str(fac.get("compiles_timed", "n/a"))
        if not check["compared"]:
            agree = "-"
        else:
            agree = "MISMATCH" if check["mismatches"] else f"ok ({1 + len(check['compared'])})"
        rows.append([
            r["name"], str(r["config"]["steps"]),
            fmt_cell(imp["facade"]), fmt_cell(imp["torch"]), fmt_cell(imp["jax"]),
            *(f"{x:.2f}x" if x else "-" for x in (ratios["facade/torch"], ratios["facade/jax"])),
            compiles, agree,
        ])
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    print()
    for row in [header] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths))))
    print("\ntimes: median wall time per step; ratios > 1 mean facade is slower.")
    paired = [f"{r['name']} {x:.2f}x / {y:.2f}x" for r in results
              for x, y in [(r["ratios"]["paired facade/torch"], r["ratios"]["paired facade/jax"])] if x and y]
    if paired:
        print("paired ratios (facade/torch / facade/jax within each interleaved round, median over rounds): "
              + ", ".join(paired))
    print("compiles: XLA compilations facade did during the timed repeats "
          "(after warm-up), from facade.engine.stats(); n/a if unavailable.")

    print("\nfinal values (cross-check; each implementation ran the same number of steps):")
    for r in results:
        for impl in IMPLS:
            e = r["impls"][impl]
            if "final" in e:
                vals = "  ".join(f"{k}={val:.7g}" for k, val in e["final"].items())
                print(f"  {r['name']:<8} {LABELS[impl]:<12} {vals}")
        for m in r["check"]["mismatches"]:
            print(f"  {r['name']:<8} MISMATCH: {m}")

    noisy = []
    for r in results:
        for impl in IMPLS:
            e = r["impls"][impl]
            if e.get("status") == "ok" and e["max_s"] > 1.5 * e["min_s"]:
                noisy.append(f"{r['name']} / {LABELS[impl]}: repeats ranged "
                             f"{fmt_time(e['min_s'])} .. {fmt_time(e['max_s'])} per step")
    if noisy:
        print("\nnoisy (max > 1.5x min over repeats; the median is still reported):")
        for n in noisy:
            print("  " + n)

    notes = []
    for r in results:
        for impl in IMPLS:
            e = r["impls"][impl]
            if e.get("status") == "error":
                notes.append(f"{r['name']} / {LABELS[impl]}: {e['error']}")
            if "final_error" in e:
                notes.append(f"{r['name']} / {LABELS[impl]}: final values: {e['final_error']}")
    if notes:
        print("\nerrors (tracebacks in results.json):")
        for n in notes:
            print("  " + n)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer repeats/steps (a smoke run, noisier numbers)")
    ap.add_argument("--only", default=",".join(BENCHMARKS),
                    help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    ap.add_argument("--impls", default=",".join(IMPLS),
                    help=f"comma-separated subset of {','.join(IMPLS)}")
    args = ap.parse_args(argv)

    names = [n.strip() for n in args.only.split(",") if n.strip()]
    wanted = {n.strip() for n in args.impls.split(",") if n.strip()}
    for bad in [n for n in names if n not in BENCHMARKS] + sorted(wanted - set(IMPLS)):
        ap.error(f"unknown benchmark/implementation {bad!r}")

    mods, skipped = load_backends(wanted)
    meta = {"timestamp": datetime.datetime.now().isoformat(timespec="seconds"),
            "quick": args.quick, "versions": versions(mods), "skipped": skipped}

    results = []
    for name in names:
        mod = importlib.import_module(f"bench_{name}")
        print(f"running {name}: {mod.TITLE} ...", flush=True)
        results.append(run_benchmark(mod, mods, skipped, args.quick))

    print_report(meta, results, skipped)
    with open(RESULTS_PATH, "w") as f:
        json.dump({"meta": meta, "benchmarks": results}, f, indent=1)
    print(f"\nwrote {os.path.relpath(RESULTS_PATH)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
