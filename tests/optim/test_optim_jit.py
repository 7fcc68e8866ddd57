"""Optimizers inside facade.jit: a whole training step (forward, backward, optimizer update)
compiled as one program gives the eager trajectory, optimizer state included."""
import numpy as np
import pytest

import facade
from facade import optim
from facade.jit import jit
from mlp_problem import loss_fn, make_data, make_params

MAKERS = {
    "SGD": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True),
    "Adam": lambda ps, lr: optim.Adam(ps, lr=lr, amsgrad=True),
    "RMSprop": lambda ps, lr: optim.RMSprop(ps, lr=lr, centered=True, momentum=0.5),
    "Adagrad": lambda ps, lr: optim.Adagrad(ps, lr=lr),
}


def run(name, compiled, tensor_lr=False, schedule=False, steps=12):
    ps = make_params(facade)
    x, y = make_data(facade)
    opt = MAKERS[name](ps, facade.tensor(0.01) if tensor_lr else 0.01)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.8) if schedule else None

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(facade, ps, x, y)
        loss.backward()
        opt.step()
        return loss

    fn = jit(step) if compiled else step
    losses = []
    for _ in range(steps):
        losses.append(fn(x, y).item())
        if sched is not None:
            sched.step()
    state = [t.numpy() for st in opt.state.values() for t in st.values()]
    return np.array(losses), [p.detach().numpy() for p in ps] + state


def assert_close(a, b):
    """Same losses and tensors, up to float32 noise (XLA fuses the jitted step differently)."""
    np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
    for u, v in zip(a[1], b[1]):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(v).max()))


@pytest.mark.parametrize("name", list(MAKERS))
def test_jitted_step_matches_eager(name):
    assert_close(run(name, compiled=True), run(name, compiled=False))


def test_jitted_step_with_a_tensor_lr_follows_the_schedule():
    # a tensor lr is state of the jitted step: the scheduler's fill_ reaches the compiled program
    assert_close(run("Adam", compiled=True, tensor_lr=True, schedule=True),
                 run("Adam", compiled=False, tensor_lr=True, schedule=True))


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_jitted_step_with_a_float_lr_follows_the_schedule(name):
    # optimizers read hyperparameters through facade.jit.live: a scheduler's change reaches the program
    assert_close(run(name, compiled=True, schedule=True), run(name, compiled=False, schedule=True))
