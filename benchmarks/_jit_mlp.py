"""Shared code of the facade.jit benchmarks: the 784-256-256-10 MLP training step (batch 128)
written once in PyTorch style with nn.Sequential, CrossEntropyLoss and an optimizer.

facade runs it under `facade.jit` (one XLA program per step); PyTorch runs it eagerly; the JAX
baseline is `jax.jit` of value_and_grad + the optax optimizer, written by hand. All three start
from the same weights (numpy) and see the same batch.
"""
from types import SimpleNamespace

import numpy as np

from _timing import Workload

SIZES = (784, 256, 256, 10)
BATCH = 128
RTOL, ATOL = 2e-3, 1e-5


def make_data(width=None):
    sizes = SIZES if width is None else (SIZES[0], width, width, SIZES[-1])
    rng = np.random.default_rng(0)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                        rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    x = rng.standard_normal((BATCH, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], BATCH).astype(np.int64)
    return sizes, weights, x, labels


def torch_style(T, cfg, optimizer, width=None, device=None):
    sizes, weights, x_np, labels_np = make_data(width)
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = T.nn.Linear(w.shape[1], w.shape[0])
        with T.no_grad():
            lin.weight.copy_(T.tensor(w))
            lin.bias.copy_(T.tensor(b))
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(T.nn.ReLU())
    model = T.nn.Sequential(*layers)
    x, labels = T.tensor(x_np), T.tensor(labels_np)
    if device is not None:
        model.to(device)
        x, labels = x.to(device), labels.to(device)
    opt = optimizer(T, model.parameters())
    loss_fn = T.nn.CrossEntropyLoss()

    def train_step(x, labels):
        opt.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()
        return loss

    if T.__name__ == "facade":
        train_step = T.jit.jit(train_step)
    s = SimpleNamespace(loss=None)

    def step():
        s.loss = train_step(x, labels).item()

    def sync():
        next(model.parameters()).sum().item()

    def final():
        return {"loss": s.loss, "weight0_l1": float(next(model.parameters()).detach().abs().sum().item())}

    return Workload(step, sync, final)


def jax_baseline(cfg, make_opt, width=None, device=None):
    import jax
    import jax.numpy as jnp
    import optax

    sizes, weights, x_np, labels_np = make_data(width)
    dev = jax.devices("gpu" if device is not None and device.startswith("cuda") else "cpu")[0]
    x, labels = jax.device_put(x_np, dev), jax.device_put(labels_np.astype(np.int32), dev)

    def loss_fn(params, x, labels):
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w.T + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        return optax.softmax_cross_entropy_with_integer_labels(h, labels).mean()

    opt = make_opt(optax)

    @jax.jit
    def train_step(params, opt_state, x, labels):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, labels)
        updates, opt_state = opt.update(grads, opt_state, params)
        return loss, optax.apply_updates(params, updates), opt_state

    params = [(jax.device_put(w, dev), jax.device_put(b, dev)) for w, b in weights]
    s = SimpleNamespace(params=params, opt_state=opt.init(params), loss=None)

    def step():
        loss, s.params, s.opt_state = train_step(s.params, s.opt_state, x, labels)
        s.loss = float(loss)

    def sync():
        jax.block_until_ready(s.params)

    def final():
        return {"loss": s.loss, "weight0_l1": float(jnp.abs(s.params[0][0]).sum())}

    return Workload(step, sync, final)


def config(quick):
    # 21 repeats: the goal (within 5% of JAX) is smaller than what the median of 7 moved by
    # from one run to the next on the project's 2-core machines (a repeat costs ~60 ms)
    return {"steps": 10 if quick else 30, "warmup": 2, "repeats": 3 if quick else 21}
