"""(b) chain -- a 200-op elementwise chain, forward + backward.

What is measured: building a 200-node autograd graph on a 1000-element
float32 vector, .sum(), .backward(), then dropping the gradient
(x.grad = None).  Per-op work is tiny, so eager torch pays ~400 kernel
launches + graph bookkeeping per step, while jax.jit fuses the whole chain
and its gradient into one compiled call.  This is where a tracing/fusing
facade should shine.

Each step's gradient is added into a running sum `gsum` (one extra
elementwise add) so that every step's result stays live: a lazy backend
cannot skip steps whose outputs are never read.  gsum is read once per
repeat (sync) and used, with the last loss, to cross-check implementations.
"""

from types import SimpleNamespace

import numpy as np

from _timing import Workload

NAME = "chain"
TITLE = "200-op elementwise chain on float32[1000], fwd + bwd"
N, DEPTH = 1000, 200
RTOL, ATOL = 1e-4, 0.0

# One cycle of 8 ops, repeated 25 times.  Written against a namespace `m`
# (torch, facade or jax.numpy) so all implementations run the same chain.
# Values stay bounded: sin/cos/tanh squash, exp only ever sees tanh's
# output in [-1, 1].
CYCLE = (
    lambda m, v: v * 1.01,
    lambda m, v: m.sin(v),
    lambda m, v: v + 0.1,
    lambda m, v: m.tanh(v),
    lambda m, v: m.exp(v),
    lambda m, v: v * 0.5,
    lambda m, v: m.cos(v),
    lambda m, v: v - 0.2,
)


def chain(m, v):
    for i in range(DEPTH):
        v = CYCLE[i % len(CYCLE)](m, v)
    return v


def make_input():
    return np.random.default_rng(0).uniform(-1, 1, N).astype(np.float32)


def config(quick):
    # two warm-up repeats: the end-of-repeat sync gives the next first step its own structure
    return {"steps": 10 if quick else 30, "warmup": 2,
            "repeats": 3 if quick else 7}


def torch_style(T, cfg):
    x = T.tensor(make_input(), requires_grad=True)
    s = SimpleNamespace(loss=None, gsum=T.zeros(N))

    def step():
        loss = chain(T, x).sum()
        loss.backward()
        g = x.grad
        x.grad = None
        s.gsum = s.gsum + g  # g does not require grad: no graph is built
        s.loss = loss

    def sync():
        s.gsum.sum().item()

    def final():
        return {"loss": s.loss.item(), "grad_l1": s.gsum.abs().sum().item()}

    return Workload(step, sync, final)


def jax_baseline(cfg):
    """jit(value_and_grad(chain.sum)), with the gsum accumulation inside the jit."""
    import jax
    import jax.numpy as jnp

    value_and_grad = jax.value_and_grad(lambda v: chain(jnp, v).sum())

    @jax.jit
    def step_fn(x, gsum):
        loss, g = value_and_grad(x)
        return loss, gsum + g

    x = jnp.asarray(make_input())
    s = SimpleNamespace(loss=None, gsum=jnp.zeros(N, jnp.float32))

    def step():
        s.loss, s.gsum = step_fn(x, s.gsum)

    def sync():
        s.gsum.block_until_ready()

    def final():
        return {"loss": float(s.loss), "grad_l1": float(jnp.abs(s.gsum).sum())}

    return Workload(step, sync, final)
