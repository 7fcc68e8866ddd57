"""Issue 5 acceptance: 100 jitted training steps equal 100 eager steps — losses, parameters,
.grad, optimizer state and buffers — for the seed's Linear+MSE+SGD loop, an MLP with Adam and
a scheduler, and a model with Dropout and BatchNorm. Tolerance: 2e-5 relative (float32; the
compiled step fuses differently from op-by-op execution, so the last bits may differ)."""
import numpy as np
import pytest

import facade as torch

nn = torch.nn
RTOL, ATOL = 2e-5, 1e-6
STEPS = 100


def build(kind, seed=0):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if kind == "seed":
        model = nn.Linear(3, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        sched = None
        x, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 2))
        loss_fn = nn.MSELoss()
    elif kind == "adam":
        model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 4))
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
        x, y = rng.standard_normal((32, 8)), rng.integers(0, 4, 32)
        loss_fn = nn.CrossEntropyLoss()
    else:
        model = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        sched = None
        x, y = rng.standard_normal((32, 8)), rng.integers(0, 3, 32)
        loss_fn = nn.CrossEntropyLoss()
    x = torch.tensor(x.astype(np.float32))
    y = torch.tensor(y.astype(np.float32) if kind == "seed" else y)
    return model, opt, sched, loss_fn, x, y


def run(model, opt, sched, loss_fn, x, y, jitted, steps):
    """`steps` training steps (eager or under facade.jit), the scheduler stepping after each;
    returns the losses and the step."""

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if jitted:
        step = torch.jit(step)
    losses = []
    for _ in range(steps):
        losses.append(step(x, y).item())
        if sched is not None:
            sched.step()
    return losses, step


def train(kind, jitted):
    model, opt, sched, loss_fn, x, y = build(kind)
    losses, step = run(model, opt, sched, loss_fn, x, y, jitted, STEPS)
    return model, opt, losses, step


def _state_arrays(opt):
    out = []
    for st in opt.state_dict()["state"].values():
        for k in sorted(st):
            v = st[k]
            out.append((k, np.asarray(v.detach().numpy() if hasattr(v, "detach") else v, dtype=np.float64)))
    return out


@pytest.mark.parametrize("kind", ["seed", "adam", "dropout_batchnorm"])
def test_jitted_training_equals_eager(kind):
    m_e, o_e, l_e, _ = train(kind, jitted=False)
    m_j, o_j, l_j, step = train(kind, jitted=True)
    np.testing.assert_allclose(l_j, l_e, rtol=RTOL, atol=ATOL)
    for (name, p_e), (_, p_j) in zip(m_e.state_dict().items(), m_j.state_dict().items()):
        np.testing.assert_allclose(p_j.numpy(), p_e.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)
    for p_e, p_j in zip(m_e.parameters(), m_j.parameters()):
        assert (p_e.grad is None) == (p_j.grad is None)
        if p_e.grad is not None:
            np.testing.assert_allclose(p_j.grad.numpy(), p_e.grad.numpy(), rtol=1e-4, atol=1e-6)
    for (k_e, a_e), (k_j, a_j) in zip(_state_arrays(o_e), _state_arrays(o_j)):
        assert k_e == k_j
        np.testing.assert_allclose(a_j, a_e, rtol=1e-4, atol=1e-6, err_msg=k_e)
    assert o_e.state_dict()["param_groups"] == o_j.state_dict()["param_groups"]
    assert step.recompiles <= 1  # the first optimizer step creates state; later steps reuse one program


OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"]


def _train_with(name, jitted, steps=10):
    """`steps` steps of a BatchNorm/Dropout model with optimizer `name` and a StepLR schedule."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    # (no bias before the BatchNorm: its gradient is zero up to rounding, which the adaptive
    # optimizers would blow up into updates that differ with the order of summation)
    model = nn.Sequential(nn.Linear(4, 8, bias=False), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
    options = {"momentum": 0.9, "nesterov": True} if name == "SGD" else {}
    opt = getattr(torch.optim, name)(model.parameters(), lr=0.01, **options)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    x = torch.tensor(rng.standard_normal((16, 4)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((16, 2)).astype(np.float32))
    losses, _ = run(model, opt, sched, nn.MSELoss(), x, y, jitted, steps)
    return model, opt, losses


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_jitted_equals_eager(name):
    """Each optimizer's state (momentum buffers, step counts, squared averages...) goes through
    the compiled step, donated and written back, as eager code leaves it."""
    m_e, o_e, l_e = _train_with(name, jitted=False)
    m_j, o_j, l_j = _train_with(name, jitted=True)
    np.testing.assert_allclose(l_j, l_e, rtol=RTOL, atol=ATOL)
    for (key, v_e), (_, v_j) in zip(m_e.state_dict().items(), m_j.state_dict().items()):
        np.testing.assert_allclose(v_j.numpy(), v_e.numpy(), rtol=1e-4, atol=1e-6, err_msg=key)
    for (k_e, a_e), (k_j, a_j) in zip(_state_arrays(o_e), _state_arrays(o_j)):
        assert k_e == k_j
        np.testing.assert_allclose(a_j, a_e, rtol=1e-4, atol=1e-6, err_msg=k_e)
    assert o_e.state_dict()["param_groups"] == o_j.state_dict()["param_groups"]
