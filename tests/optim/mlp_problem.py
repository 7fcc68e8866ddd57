"""A small regression problem written once for any torch-like module `T` (facade or torch).

The model is a two-layer MLP made of plain leaf tensors, x @ W1 + b1 -> tanh -> @ W2 + b2,
trained on mean squared error; weights and data come from seeded numpy, so facade and
PyTorch start from identical float32 values.
"""
import numpy as np

SHAPES = [(4, 8), (8,), (8, 3), (3,)]


def make_params(T, seed=0):
    rng = np.random.default_rng(seed)
    return [T.tensor((rng.standard_normal(s) * 0.5).astype(np.float32), requires_grad=True) for s in SHAPES]


def make_data(T, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = np.tanh(x @ rng.standard_normal((4, 3))).astype(np.float32)
    return T.tensor(x), T.tensor(y)


def loss_fn(T, params, x, y):
    w1, b1, w2, b2 = params
    return ((T.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()


def train(T, make_opt, steps=50, make_sched=None, before_step=None, params=None):
    """Run `steps` optimizer steps; return (losses, final parameters as numpy, optimizer)."""
    params = make_params(T) if params is None else params
    x, y = make_data(T)
    opt = make_opt(T, params)
    sched = make_sched(T, opt) if make_sched is not None else None
    losses = []
    for i in range(steps):
        if before_step is not None:
            before_step(i, opt)
        opt.zero_grad()
        loss = loss_fn(T, params, x, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if sched is not None:
            if isinstance(sched, T.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(losses[-1])
            else:
                sched.step()
    return np.array(losses), [p.detach().numpy().copy() for p in params], opt
