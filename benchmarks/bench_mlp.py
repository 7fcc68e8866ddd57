"""(c) mlp -- 784-256-256-10 MLP training step, batch 128.

What is measured: forward (3 matmuls, ReLU, log_softmax), a hand-written
cross-entropy (label columns picked by advanced indexing, mean),
loss.backward(), manual SGD under no_grad with grad reset, and
loss.item() every step -- i.e. one host sync per step, as in a typical
training loop that logs its loss.  Unlike logreg/chain, real arithmetic
(~100 MFLOP per step) is involved, so this shows whether facade keeps
per-step overhead small relative to compute.

The JAX baseline is one jitted function (value_and_grad + optax.sgd update)
and calls float(loss) each step, so it pays the same sync.

Parameters (randn * 0.05 weights, zero biases), inputs and labels are built
once with numpy (seeded) and converted, so all implementations train on
identical data.  The same fixed batch is used every step.
"""

from types import SimpleNamespace

import numpy as np

from _timing import Workload

NAME = "mlp"
TITLE = "MLP 784-256-256-10, batch 128, fwd + bwd + SGD + loss.item()"
SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.05
# Different matmul libraries (MKL/oneDNN vs XLA) round differently; the
# difference grows a little over hundreds of SGD steps.
RTOL, ATOL = 1e-3, 1e-5


def make_data():
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * 0.05).astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    return params, x, labels


def config(quick):
    # three warm-up repeats: the end-of-repeat sync evaluates one parameter's pending update,
    # which gives the first step of the next repeat a structure of its own; it recurs once a
    # repeat, so it is seen again, and compiled, in the third (measured: compiles at repeat 0
    # step 2 and repeat 2 step 0, none after)
    return {"steps": 10 if quick else 30, "warmup": 3,
            "repeats": 3 if quick else 7}


def torch_style(T, cfg):
    arrays, x_np, labels_np = make_data()
    params = [T.tensor(a, requires_grad=True) for a in arrays]
    x, labels = T.tensor(x_np), T.tensor(labels_np)
    rows = T.arange(BATCH)
    s = SimpleNamespace(loss=None)

    def forward():
        w1, b1, w2, b2, w3, b3 = params
        h = T.relu(x @ w1 + b1)
        h = T.relu(h @ w2 + b2)
        logits = h @ w3 + b3
        logp = T.log_softmax(logits, dim=1)
        return -logp[rows, labels].mean()

    def step():
        loss = forward()
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        s.loss = loss.item()

    def sync():
        # loss.item() already synced the forward; make sure the last
        # parameter update has landed too.
        params[-1].sum().item()

    def final():
        biases_l1 = sum(p.abs().sum().item() for p in params[1::2])
        return {"loss": s.loss, "biases_l1": biases_l1}

    return Workload(step, sync, final)


def jax_baseline(cfg):
    """One jitted step: value_and_grad + optax.sgd update; float(loss) per step."""
    import jax
    import jax.numpy as jnp
    import optax

    arrays, x_np, labels_np = make_data()
    x = jnp.asarray(x_np)
    labels = jnp.asarray(labels_np.astype(np.int32))  # x64 is off in JAX by default

    def loss_fn(params, x, labels):
        w1, b1, w2, b2, w3, b3 = params
        h = jax.nn.relu(x @ w1 + b1)
        h = jax.nn.relu(h @ w2 + b2)
        logits = h @ w3 + b3
        logp = jax.nn.log_softmax(logits, axis=1)
        return -logp[jnp.arange(x.shape[0]), labels].mean()

    opt = optax.sgd(LR)

    @jax.jit
    def train_step(params, opt_state, x, labels):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, labels)
        updates, opt_state = opt.update(grads, opt_state, params)
        return loss, optax.apply_updates(params, updates), opt_state

    params = tuple(jnp.asarray(a) for a in arrays)
    s = SimpleNamespace(params=params, opt_state=opt.init(params), loss=None)

    def step():
        loss, s.params, s.opt_state = train_step(s.params, s.opt_state, x, labels)
        s.loss = float(loss)

    def sync():
        jax.block_until_ready(s.params)

    def final():
        biases_l1 = sum(float(jnp.abs(p).sum()) for p in s.params[1::2])
        return {"loss": s.loss, "biases_l1": biases_l1}

    return Workload(step, sync, final)
