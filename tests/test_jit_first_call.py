"""facade.jit's first call: one compiled program, traced while the step's state is found
(facade/jit/discovery.py). It leaves behind what an eager call leaves, and compiles nothing op by op."""
import numpy as np
import pytest

import facade as torch
from facade.jit import JitError


def make_model(seed, evaluate=True):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    if evaluate:  # (otherwise the parameters' initial values are still pending ops at the first call)
        for p in model.parameters():
            p.detach().numpy()
    else:  # one of them a pending copy_ of values made from numpy
        with torch.no_grad():
            model[0].weight.copy_(torch.tensor(np.linspace(-1, 1, 40, dtype=np.float32).reshape(8, 5)))
    return model


def data():
    rng = np.random.default_rng(3)
    return (torch.tensor(rng.standard_normal((6, 5)).astype(np.float32)),
            torch.tensor(rng.standard_normal((6, 2)).astype(np.float32)))


def training_step(model, opt):
    """The usual eager step: zero_grad, MSE loss, backward, opt.step; returns the loss."""

    def step(x, y):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


@pytest.mark.parametrize("evaluate", [True, False], ids=["concrete", "pending"])
def test_first_call_is_one_program_and_leaves_what_eager_leaves(evaluate):
    x, y = data()
    m_e, m_j = make_model(0, evaluate), make_model(0, evaluate)
    o_e = torch.optim.SGD(m_e.parameters(), lr=0.1, momentum=0.9)
    o_j = torch.optim.SGD(m_j.parameters(), lr=0.1, momentum=0.9)
    eager, jitted = training_step(m_e, o_e), torch.jit.jit(training_step(m_j, o_j))
    torch.engine.reset_stats()
    loss_j = jitted(x, y)
    stats = torch.engine.stats()
    assert stats["compiles"] == 1 and stats["eager_runs"] == 0, stats
    loss_e = eager(x, y)
    assert loss_j.item() == pytest.approx(loss_e.item(), rel=1e-6)
    for p_e, p_j in zip(m_e.parameters(), m_j.parameters()):
        np.testing.assert_allclose(p_j.detach().numpy(), p_e.detach().numpy(), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(p_j.grad.numpy(), p_e.grad.numpy(), rtol=1e-6, atol=1e-7)
        assert p_j._version == p_e._version
    s_e, s_j = o_e.state_dict()["state"], o_j.state_dict()["state"]
    assert sorted(s_j) == sorted(s_e)
    for k in s_e:
        np.testing.assert_allclose(s_j[k]["momentum_buffer"].numpy(), s_e[k]["momentum_buffer"].numpy(),
                                   rtol=1e-6, atol=1e-7)
    for _ in range(3):  # the second call traces the steady program, the third reuses it
        assert jitted(x, y).item() == pytest.approx(eager(x, y).item(), rel=1e-5)
    assert jitted.recompiles == 0


@pytest.mark.parametrize("evaluate", [True, False], ids=["concrete", "pending"])
def test_first_output_of_a_compiled_model_has_the_compiled_history(evaluate):
    x, y = data()
    m_e, m_c = make_model(1, evaluate), make_model(1, evaluate)
    out = torch.compile(m_c)(x)
    assert type(out.grad_fn).__name__ == "CompiledFunctionBackward"
    leaves = {id(f.variable) for f, _ in out.grad_fn.next_functions if f is not None and hasattr(f, "variable")}
    assert leaves == {id(p) for p in m_c.parameters()}
    torch.nn.functional.mse_loss(out, y).backward()
    torch.nn.functional.mse_loss(m_e(x), y).backward()
    for p_e, p_c in zip(m_e.parameters(), m_c.parameters()):
        np.testing.assert_allclose(p_c.grad.numpy(), p_e.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_a_pending_result_from_before_the_first_call_reads_the_old_values():
    x, y = data()
    model = make_model(2)
    w = model[0].weight
    before = (w * 2).sum()  # pending until read, after the step has changed w
    expected = float((w.detach().numpy() * 2).sum())
    step = torch.jit.jit(training_step(model, torch.optim.SGD(model.parameters(), lr=0.5)))
    step(x, y)
    assert float(w.detach().numpy().sum() * 2) != pytest.approx(expected)
    assert before.item() == pytest.approx(expected, rel=1e-6)


def test_tensors_the_first_call_creates_and_keeps_hold_values():
    x, y = data()

    def twin():
        model = make_model(4)
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        kept = {"losses": []}

        def step(x, y):
            opt.zero_grad()
            out = model(x)
            loss = torch.nn.functional.mse_loss(out, y)
            loss.backward()
            opt.step()
            kept["losses"].append(loss.detach())
            kept["out"] = out  # kept with its history: after a jitted call, its value only
            return loss

        return model, opt, kept, step

    m_e, o_e, k_e, eager = twin()
    m_j, o_j, k_j, step = twin()
    eager(x, y)
    torch.jit.jit(step)(x, y)
    assert k_j["losses"][0].item() == pytest.approx(k_e["losses"][0].item(), rel=1e-6)
    np.testing.assert_allclose(k_j["out"].detach().numpy(), k_e["out"].detach().numpy(), rtol=1e-6, atol=1e-7)
    assert not k_j["out"].requires_grad
    for p_e, p_j in zip(m_e.parameters(), m_j.parameters()):
        st_e, st_j = o_e.state[p_e], o_j.state[p_j]
        assert float(st_j["step"]) == float(st_e["step"]) == 1.0
        np.testing.assert_allclose(st_j["exp_avg_sq"].numpy(), st_e["exp_avg_sq"].numpy(), rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(p_j.detach().numpy(), p_e.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_a_failed_first_call_leaves_the_state_as_it_was():
    model = make_model(5)
    x, _ = data()
    w = model[0].weight
    values, version = w.detach().clone(), w._version
    torch.manual_seed(9)
    key_draw = torch.rand(3)

    def step(x):
        with torch.no_grad():
            w.mul_(torch.rand(()))  # an in-place write and a random draw, then a failure
        out = model(x).sum()
        if out > 0:
            return out
        return -out

    torch.manual_seed(9)
    with pytest.raises(JitError, match=r"test_jit_first_call.py:\d+"):
        torch.jit.jit(step)(x)
    np.testing.assert_array_equal(w.detach().numpy(), values.numpy())
    assert w._version == version and w.grad is None
    np.testing.assert_array_equal(torch.rand(3).numpy(), key_draw.numpy())  # the RNG did not advance
    step(x)  # eager code still runs on the same objects
    assert w._version == version + 1


def test_state_made_by_a_failed_first_call_is_a_clear_error_to_read():
    """A first call that fails after the optimizer made its state (here: .item() inside the step)
    leaves that state without values: reading it says so, and a new optimizer trains as eager."""
    x, y = data()
    model = make_model(6)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)

    def step(x, y):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    with pytest.raises(JitError, match=r"test_jit_first_call.py:\d+"):
        torch.jit.jit(step)(x, y)
    exp_avg = opt.state[model[0].weight]["exp_avg"]
    with pytest.raises(JitError, match="created inside a call of a jitted function that raised"):
        exp_avg.sum().item()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    twin = make_model(6)
    opt_e = torch.optim.Adam(twin.parameters(), lr=0.01)
    eager = training_step(twin, opt_e)
    jitted = torch.jit.jit(training_step(model, opt))
    for _ in range(3):
        assert jitted(x, y).item() == pytest.approx(eager(x, y).item(), rel=1e-5)
