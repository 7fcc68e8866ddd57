"""facade.jit / torch.compile of a model: what a call returns has a history, so the usual
loop (`out = compiled(x); loss_fn(out, y).backward(); opt.step()`) trains as eager code does."""
import numpy as np
import pytest

import facade as torch


def make_model(seed, dropout=False, batchnorm=False):
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(6, 16)]
    if batchnorm:
        layers.append(torch.nn.BatchNorm1d(16))
    layers.append(torch.nn.Tanh())
    if dropout:
        layers.append(torch.nn.Dropout(0.3))
    layers.append(torch.nn.Linear(16, 3))
    return torch.nn.Sequential(*layers)


def train(compiled, steps=12, **kind):
    model = make_model(0, **kind)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((8, 6)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((8, 3)).astype(np.float32))
    forward = torch.compile(model) if compiled else model
    torch.manual_seed(5)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(forward(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses, forward


@pytest.mark.parametrize("kind", [{}, {"dropout": True}, {"batchnorm": True}], ids=["plain", "dropout", "batchnorm"])
def test_compiled_model_trains_as_eager(kind):
    m_e, l_e, _ = train(False, **kind)
    m_c, l_c, forward = train(True, **kind)
    np.testing.assert_allclose(l_c, l_e, rtol=1e-5, atol=1e-6)
    for (name, p_e), p_c in zip(m_e.named_parameters(), m_c.parameters()):
        np.testing.assert_allclose(p_c.detach().numpy(), p_e.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(p_c.grad.numpy(), p_e.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    for b_e, b_c in zip(m_e.buffers(), m_c.buffers()):
        np.testing.assert_allclose(b_c.numpy(), b_e.numpy(), rtol=1e-5, atol=1e-6)
    assert forward.recompiles == 0


def compiled_and_called():
    """A compiled model called three times (discovery, trace, steady state): the last output."""
    model = make_model(0)
    forward = torch.compile(model)
    x = torch.randn(4, 6)
    for _ in range(3):
        out = forward(x)
    return model, forward, x, out


def test_outputs_have_pytorchs_compiled_grad_fn():
    model, forward, x, out = compiled_and_called()
    assert out.requires_grad
    assert type(out.grad_fn).__name__ == "CompiledFunctionBackward"
    assert repr(out.grad_fn).startswith("<torch.autograd.function.CompiledFunctionBackward object at 0x")
    assert "grad_fn=<CompiledFunctionBackward>" in repr(out)
    leaves = {id(f.variable) for f, _ in out.grad_fn.next_functions if f is not None}
    assert leaves == {id(p) for p in model.parameters()}
    with torch.no_grad():
        assert not forward(x).requires_grad


def test_gradients_through_a_compiled_function_match_finite_differences():
    """float64, two outputs used together, a tensor argument that requires grad."""
    w = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)

    def f(x):
        h = torch.sin(x @ w)
        return h.sum(), (h * x).mean()

    cf = torch.compile(f)
    x = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    for _ in range(2):
        a, b = cf(x)
    assert type(a.grad_fn).__name__ == "CompiledFunctionBackward"
    assert torch.autograd.gradcheck(lambda x_: cf(x_)[1], (x.detach().requires_grad_(),))
    gx, gw = torch.autograd.grad(a * 2 + b, (x, w))
    ea, eb = f(x)
    ex, ew = torch.autograd.grad(ea * 2 + eb, (x, w))
    np.testing.assert_allclose(gx.numpy(), ex.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), ew.numpy(), rtol=1e-12)


def _training_step(model, opt, **options):
    """torch.compile of the usual step: zero_grad, MSE loss, backward, opt.step; returns the loss."""
    from test_jit_first_call import training_step

    return torch.compile(training_step(model, opt), **options)


def test_a_step_that_ran_backward_frees_its_graph():
    model = make_model(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(4, 6), torch.randn(4, 3)
    step = _training_step(model, opt)
    for _ in range(3):
        loss = step(x, y)
    assert type(loss.grad_fn).__name__ == "CompiledFunctionBackward"
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        loss.backward()


def test_parameter_changed_in_place_before_backward_is_pytorchs_error():
    model, forward, x, out = compiled_and_called()
    with torch.no_grad():
        model[0].weight.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def _model_step(seed, donate):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, opt, _training_step(model, opt, donate=donate)


def test_a_donating_step_never_takes_over_a_value_that_is_still_read():
    """A step that returns its loss after its own backward donates its state (the loss's
    history is freed, so nothing reads the old values again). Between calls the user keeps
    things that still read the old parameters: a pending clone, a pending eager forward, a
    deepcopy, the optimizer's state_dict, a numpy view. Each must see what it saw without
    donation; the calls after them donate again."""
    import copy

    x, y = torch.randn(6, 5), torch.randn(6, 2)
    runs = {}
    for donate in (True, False):
        model, opt, step = _model_step(3, donate)
        for _ in range(3):
            step(x, y)
        entry = step._fast
        donating = bool(entry.donated) and "keep" not in entry.programs
        w = model[0].weight
        kept = dict(clone=w.clone(), forward=model(x), deep=copy.deepcopy(model), view=w.detach().numpy())
        sd = opt.state_dict()
        losses = [step(x, y).item() for _ in range(3)]
        runs[donate] = dict(
            donating=donating, losses=losses, clone=kept["clone"].detach().numpy(), forward=kept["forward"].detach().numpy(),
            deep=kept["deep"][0].weight.detach().numpy(), view=np.array(kept["view"]),
            momentum=sd["state"][0]["momentum_buffer"].numpy(), weight=w.detach().numpy(),
            grad=w.grad.numpy())
    assert runs[True]["donating"] and not runs[False]["donating"]
    for name in ("losses", "clone", "forward", "deep", "view", "momentum", "weight", "grad"):
        np.testing.assert_array_equal(runs[True][name], runs[False][name], err_msg=name)
    # the deepcopy is the weight before the last three steps; the state_dict aliases the live buffer
    assert not np.array_equal(runs[True]["deep"], runs[True]["weight"])
    np.testing.assert_array_equal(runs[True]["deep"], runs[True]["clone"])


def test_a_kept_grad_keeps_its_values_as_in_pytorch():
    """zero_grad() then backward makes a new .grad tensor each step: one the user kept from an
    earlier step still holds that step's gradient. The jitted step agrees with the eager one,
    and keeping a .grad (also across an in-place write to a parameter, which sends the next
    call through the full guard) does not recompile."""
    x, y = torch.randn(6, 5), torch.randn(6, 2)
    seen = {}
    for jitted in (True, False):
        model, opt, step = _model_step(4, False)
        if not jitted:
            step = step.fn
        for _ in range(3):
            step(x, y)
        w = model[0].weight
        kept, kept_values = w.grad, w.grad.clone()
        alias = model[0].bias.grad.detach()
        alias_values = alias.clone()
        step(x, y)
        assert w.grad is not kept
        np.testing.assert_array_equal(kept.numpy(), kept_values.numpy())
        np.testing.assert_array_equal(alias.numpy(), alias_values.numpy())
        with torch.no_grad():
            w.mul_(0.5)
        kept2 = w.grad
        step(x, y)
        step(x, y)
        seen[jitted] = (kept.numpy(), kept2.numpy(), w.grad.numpy(), w.detach().numpy())
        if jitted:
            assert step.recompiles == 0
    for a, b in zip(seen[True], seen[False]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("donate", [True, False])
def test_donated_state_steps_equal_eager(donate):
    """donate=True (the default) and donate=False give the same steps; a
    compiled model whose outputs have a history donates nothing (backward reads its inputs)."""
    from test_jit import eager_and_jitted_twins, make_step

    (w1, b1, eager), (w2, b2, _), x, y = eager_and_jitted_twins()
    jitted = torch.jit.jit(make_step(w2, b2), donate=donate)
    for _ in range(5):
        assert jitted(x, y).item() == pytest.approx(eager(x, y).item(), rel=1e-6)
    np.testing.assert_allclose(w2.detach().numpy(), w1.detach().numpy(), rtol=1e-6)
    model = make_model(0)
    forward = torch.jit.jit(model, donate=donate)
    x6 = torch.randn(4, 6)
    for _ in range(3):
        forward(x6).sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    for p in model.parameters():
        p.grad = None
    for _ in range(3):
        model(x6).sum().backward()
    # the first two backwards through the compiled node are first sights of their structures
    # (the first call's program, then the steady one), run op by op: each rounds within ~1.2e-7
    # of eager float32, the compiled third exactly as eager
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=1e-6, atol=3e-7)


def _held_between_calls(jit, optimizer):
    """24 steps of a small model, two batch sizes taking turns (two compiled entries), with
    what a training loop does between calls: reading a .grad, keeping one, and a pending op on
    one evaluated only after the next call. Returns the losses, what was read, the parameters."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((32, 4)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((32, 2)).astype(np.float32))
    from test_jit_first_call import training_step

    step = _training_step(model, opt) if jit else training_step(model, opt)
    losses, read, kept = [], [], []
    for i in range(24):
        n = 32 if i % 3 else 20
        losses.append(step(x[:n], y[:n]).item())
        if i % 4 == 1:
            read.append(model[0].weight.grad.norm().item())
        if i % 5 == 2:
            kept.append((model[2].weight.grad, model[2].weight.grad.numpy().copy()))
        if i == 10:
            pending = model[0].bias.grad * 2
        if i == 11:
            read.append(pending.sum().item())
    for g, values in kept:  # a kept .grad keeps its values: its buffer was not reused
        np.testing.assert_array_equal(g.numpy(), values)
    return losses, read, [p.detach().numpy() for p in model.parameters()]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_donating_steps_equal_eager_whatever_is_held_between_calls(optimizer):
    (losses_e, read_e, params_e), (losses_j, read_j, params_j) = (_held_between_calls(jit, optimizer) for jit in (False, True))
    np.testing.assert_allclose(losses_j, losses_e, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(read_j, read_e, rtol=1e-5, atol=1e-6)
    for e, j in zip(params_e, params_j):
        np.testing.assert_allclose(j, e, rtol=1e-5, atol=1e-6)
