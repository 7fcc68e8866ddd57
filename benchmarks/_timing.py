"""Shared timing helpers for the facade benchmarks.

Every benchmark builds one `Workload` per implementation (facade, torch eager,
jax.jit).  `measure()` then

  1. runs `warmup` untimed repeats of each workload (JIT compilation, trace
     caches, allocator warm-up happen here),
  2. runs `repeats` timed repeats, *interleaving* the implementations
     (facade, torch, jax, then torch, jax, facade, then jax, facade, torch, ...)
     so that slow phases of a noisy machine hit all of them alike, and none
     always runs right after the same other one,
  3. reports the median time per step (plus min/max and the raw repeats).

A timed repeat is `steps` calls of `step()` followed by one `sync()`, which
waits for all work queued by the steps (JAX and facade dispatch
asynchronously, so without it we would time only the dispatch).  The Python
garbage collector is disabled inside a timed repeat (as `timeit` does).

An implementation that raises is dropped from the rest of the run and its
error recorded; it never takes the harness down.
"""

import gc
import statistics
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Dict, Optional


@dataclass
class Workload:
    """One implementation of one benchmark, ready to run.

    step():   one step -- the unit that is timed.
    sync():   block until everything queued by step() has finished.
    final():  {name: float} read at the end, to cross-check implementations.
    compile_count(): optional, the backend's running count of XLA
              compilations (set by run.py for facade); read just before and
              just after the timed repeats.
    """
    step: Callable[[], None]
    sync: Callable[[], None]
    final: Callable[[], Dict[str, float]]
    compile_count: Optional[Callable[[], Optional[int]]] = None


def run_repeat(w: Workload, steps: int) -> float:
    """Wall-clock seconds for `steps` steps plus one sync."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(steps):
            w.step()
        w.sync()
        return time.perf_counter() - t0
    finally:
        if was_enabled:
            gc.enable()


def _error(exc: BaseException) -> dict:
    return {
        "status": "error",
        "error": f"{type(exc).__name__}: {exc}".strip()[:300],
        "traceback": traceback.format_exc(),
    }


def _read_counter(w: Workload) -> Optional[int]:
    if w.compile_count is None:
        return None
    try:
        return w.compile_count()
    except Exception:
        return None


def measure(workloads: Dict[str, Workload], steps: int, warmup: int,
            repeats: int) -> Dict[str, dict]:
    """Time every workload; return {impl: result dict} (see module doc)."""
    results = {name: {"status": "ok"} for name in workloads}
    live = dict(workloads)
    times = {name: [] for name in workloads}

    def each_live(fn, turn=0):
        # the order rotates from one round to the next, so that no implementation always runs
        # right after the same other one (PyTorch's OpenMP threads keep spinning for a while
        # after its last op, which slows whatever runs next)
        order = list(live.items())
        turn %= max(len(order), 1)
        for name, w in order[turn:] + order[:turn]:
            try:
                fn(name, w)
            except Exception as exc:  # broken implementation: drop it
                results[name] = _error(exc)
                del live[name]

    for _ in range(warmup):
        each_live(lambda name, w: run_repeat(w, steps))

    before = {name: _read_counter(w) for name, w in live.items()}
    for r in range(repeats):
        each_live(lambda name, w: times[name].append(run_repeat(w, steps)), turn=r)
    after = {name: _read_counter(w) for name, w in live.items()}

    for name, w in live.items():
        per_step = [t / steps for t in times[name]]
        res = results[name]
        res.update(
            median_s=statistics.median(per_step),
            min_s=min(per_step),
            max_s=max(per_step),
            per_step_s=per_step,
        )
        if before.get(name) is not None and after.get(name) is not None:
            res["compiles_timed"] = after[name] - before[name]
        try:
            res["final"] = {k: float(v) for k, v in w.final().items()}
        except Exception as exc:
            res["final_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return results
