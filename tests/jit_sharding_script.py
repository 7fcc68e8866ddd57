"""Run in a subprocess with XLA_FLAGS=--xla_force_host_platform_device_count=8 (see test_jit_sharding)."""
import sys

import jax
import numpy as np
from jax.sharding import Mesh

import facade as torch


def run(sharded):
    rng = np.random.default_rng(0)
    w = torch.tensor(rng.standard_normal((6, 2)).astype(np.float32), requires_grad=True)
    x = torch.tensor(rng.standard_normal((32, 6)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((32, 2)).astype(np.float32))
    if sharded:
        mesh = Mesh(np.array(jax.devices()), ("data",))
        torch.jit.shard_batch(x, mesh)
        torch.jit.shard_batch(y, mesh)
        torch.jit.replicate(w, mesh)

    def step(x, y):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w.sub_(0.1 * w.grad)
        w.grad = None
        return loss

    jstep = torch.jit.jit(step)
    losses = [jstep(x, y).item() for _ in range(5)]
    return losses, w.detach().numpy()


assert len(jax.devices()) == 8, jax.devices()
l1, w1 = run(False)
l8, w8 = run(True)
np.testing.assert_allclose(l8, l1, rtol=1e-5)
np.testing.assert_allclose(w8, w1, rtol=1e-5, atol=1e-6)
print("ok", len(jax.devices()))
sys.exit(0)
