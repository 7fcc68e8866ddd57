"""The facade.jit MLP step at a width of your choosing, on a GPU (or any device), against
hand-written jax.jit(value_and_grad) + optax and PyTorch eager on the same device.

    python benchmarks/jit_gpu.py                         # width 4096, batch 128, on cuda (issue #5)
    python benchmarks/jit_gpu.py --device cpu --width 512 --steps 5 --repeats 3   # a smoke run

For each optimizer (SGD with momentum, Adam) it prints the median time per step of each
implementation (interleaved repeats, see _timing.py) and facade's ratios. PyTorch is left out
when it cannot use the device (a CPU-only build asked for cuda). Goal (issue #5): facade.jit
≤ 1.05x jax.jit and ahead of PyTorch eager CUDA.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

import _jit_mlp as M  # noqa: E402
from _timing import measure  # noqa: E402

OPTIMIZERS = {
    "sgd": (lambda T, p: T.optim.SGD(p, lr=0.05, momentum=0.9), lambda optax: optax.sgd(0.05, momentum=0.9)),
    "adam": (lambda T, p: T.optim.Adam(p, lr=1e-3), lambda optax: optax.adam(1e-3)),
}


def workloads(opt, width, device):
    import facade

    make_t, make_j = OPTIMIZERS[opt]
    out = {"facade": M.torch_style(facade, {}, make_t, width, device),
           "jax": M.jax_baseline({}, make_j, width, device)}
    try:
        import torch
        if not device.startswith("cuda") or torch.cuda.is_available():
            w = M.torch_style(torch, {}, make_t, width, device)
            sync = w.sync
            w.sync = (lambda: (sync(), torch.cuda.synchronize())) if device.startswith("cuda") else sync
            out["torch"] = w
    except ImportError:
        pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--width", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    import jax

    print(f"device {args.device} ({jax.devices()[0].device_kind}), MLP 784-{args.width}-{args.width}-10, "
          f"batch {M.BATCH}, {args.steps} steps x {args.repeats} repeats, medians per step")
    for opt in OPTIMIZERS:
        res = measure(workloads(opt, args.width, args.device), args.steps, args.warmup, args.repeats)
        times = {k: r["median_s"] for k, r in res.items() if r.get("status") == "ok"}
        for k, r in res.items():
            if r.get("status") != "ok":
                print(f"  {opt} {k}: {r.get('error')}")
        line = "  ".join(f"{k} {v * 1e3:.3f} ms" for k, v in times.items())
        ratios = "  ".join(f"facade/{k} {times['facade'] / v:.3f}x" for k, v in times.items() if k != "facade"
                           and "facade" in times)
        losses = "  ".join(f"{k} {r['final']['loss']:.6g}" for k, r in res.items() if "final" in r)
        print(f"{opt:5s} {line}  |  {ratios}  |  final loss: {losses}")


if __name__ == "__main__":
    main()
