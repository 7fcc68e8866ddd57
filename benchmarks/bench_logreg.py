"""(a) logreg -- scalar logistic regression, the tutorial training step.

What is measured: one SGD step (forward, loss.backward(), manual update,
grad reset) on 0-d float32 tensors.  The arithmetic is trivial, so this is a
pure per-operation overhead benchmark: dispatch, autograd bookkeeping, and
(for facade) tracing / cache lookup.  One repeat = 1000 steps; the parameters
are read back once at the end of each repeat.
"""

from types import SimpleNamespace

from _timing import Workload

NAME = "logreg"
TITLE = "scalar logistic regression step (fwd + bwd + SGD)"
LR = 0.01
X, Y = 6.7, 0.0
# float32, same formula everywhere; differences come only from sigmoid/log
# implementations and accumulate over all steps of the run.
RTOL, ATOL = 1e-4, 1e-6


def config(quick):
    # three warm-up repeats: the end-of-repeat sync gives the next first step its own structure, which recurs
    # once a repeat and so is compiled in the second repeat that sees it (the third)
    return {"steps": 1000, "warmup": 3, "repeats": 3 if quick else 7}


def torch_style(T, cfg):
    """The tutorial code, verbatim, with `torch` replaced by `T`."""
    x = T.tensor(X)
    y = T.tensor(Y)
    w = T.tensor(1.0, requires_grad=True)
    b = T.tensor(0.0, requires_grad=True)

    def bce(p, t):
        eps = 1e-8
        p = T.clamp(p, eps, 1 - eps)
        return -(t * T.log(p) + (1 - t) * T.log(1 - p))

    def step():
        z = w * x + b
        y_pred = T.sigmoid(z)
        loss = bce(y_pred, y)
        loss.backward()
        w.data -= LR * w.grad.data
        b.data -= LR * b.grad.data
        w.grad.zero_()
        b.grad.zero_()

    def sync():
        w.item(), b.item()

    def final():
        return {"w": w.item(), "b": b.item()}

    return Workload(step, sync, final)


def jax_baseline(cfg):
    """jit(value_and_grad(loss)) per step, SGD update as eager jnp ops."""
    import jax
    import jax.numpy as jnp

    def loss_fn(w, b, x, y):
        z = w * x + b
        p = jax.nn.sigmoid(z)
        eps = 1e-8
        p = jnp.clip(p, eps, 1 - eps)
        return -(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))

    grad_fn = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1)))
    f32 = jnp.float32
    x, y = jnp.asarray(X, f32), jnp.asarray(Y, f32)
    s = SimpleNamespace(w=jnp.asarray(1.0, f32), b=jnp.asarray(0.0, f32))

    def step():
        _, (gw, gb) = grad_fn(s.w, s.b, x, y)
        s.w = s.w - LR * gw
        s.b = s.b - LR * gb

    def sync():
        s.w.block_until_ready(), s.b.block_until_ready()

    def final():
        return {"w": float(s.w), "b": float(s.b)}

    return Workload(step, sync, final)
