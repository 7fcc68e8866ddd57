"""facade.jit: a stateful step compiled whole gives the same results as eager steps and leaves
the same Python-visible state behind."""
import numpy as np
import pytest

import facade as torch
from facade.jit import JitError
from test_jit_first_call import training_step


def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    w = torch.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    x = torch.tensor(rng.standard_normal((16, 4)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((16, 3)).astype(np.float32))
    return w, b, x, y


def make_step(w, b, lr=0.05):
    def step(x, y):
        loss = ((torch.tanh(x @ w + b) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w.sub_(lr * w.grad)
            b.sub_(lr * b.grad)
        w.grad.zero_()
        b.grad.zero_()
        return loss

    return step


def eager_and_jitted_twins():
    """The same problem twice: ((w, b, eager step), (w, b, jitted step), x, y)."""
    w1, b1, x, y = make_problem()
    w2, b2, _, _ = make_problem()
    return (w1, b1, make_step(w1, b1)), (w2, b2, torch.jit.jit(make_step(w2, b2))), x, y


def test_jitted_steps_equal_eager_steps():
    (w1, b1, eager), (w2, b2, jitted), x, y = eager_and_jitted_twins()
    for _ in range(30):
        le, lj = eager(x, y), jitted(x, y)
        assert lj.item() == pytest.approx(le.item(), rel=1e-6)
    np.testing.assert_allclose(w2.detach().numpy(), w1.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(b2.detach().numpy(), b1.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(w2.grad.numpy(), w1.grad.numpy())
    assert w2._version == w1._version
    assert jitted.recompiles == 0


def test_state_touched_between_calls_is_read_and_written_as_eager():
    """Between jitted calls the user reads the parameters through ops (with grad enabled, so
    through their autograd LEAF nodes), writes one in place, replaces one through .data and
    keeps a pending result computed from the old values: each is seen as in the eager twin."""
    (w1, b1, eager), (w2, b2, jitted), x, y = eager_and_jitted_twins()
    for i in range(12):
        le, lj = eager(x, y), jitted(x, y)
        assert lj.item() == pytest.approx(le.item(), rel=1e-6)
        before1, before2 = (w1 * 2).sum(), (w2 * 2).sum()  # pending, read after the next step
        assert (w2 * 1).sum().item() == pytest.approx((w1 * 1).sum().item(), rel=1e-6)
        if i % 4 == 1:
            with torch.no_grad():
                w1.add_(0.01)
                w2.add_(0.01)
        if i % 4 == 3:
            b1.data = b1.detach() * 0.5
            b2.data = b2.detach() * 0.5
        eager(x, y), jitted(x, y)
        assert before2.item() == pytest.approx(before1.item(), rel=1e-6)
    np.testing.assert_allclose(w2.detach().numpy(), w1.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b2.detach().numpy(), b1.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_a_tensor_first_used_in_the_trace_becomes_state():
    """A tensor that existed before the call but that the first call did not touch
    (here: behind a Python flag that flips between calls 1 and 2) is found during the trace and
    made state, so a later write to it outside the step is seen; a tensor created inside the
    step stays a constant of the program."""
    def twin():
        w, b, x, y = make_problem()
        scale = torch.tensor([2.0, 0.5, 1.0])
        flag = {"on": False}

        def step(x, y):
            out = torch.tanh(x @ w + b)
            if flag["on"]:
                out = out * scale
            loss = ((out - y) ** 2).mean() + torch.ones(3).sum() * 0.0
            loss.backward()
            with torch.no_grad():
                w.sub_(0.05 * w.grad)
            w.grad = None
            b.grad = None
            return loss

        return w, scale, flag, step, x, y

    w1, s1, f1, eager, x, y = twin()
    w2, s2, f2, step, _, _ = twin()
    jitted = torch.jit.jit(step)
    for i in range(8):
        f1["on"] = f2["on"] = i >= 1
        if i == 4:
            s1.mul_(3.0)
            s2.mul_(3.0)
        assert jitted(x, y).item() == pytest.approx(eager(x, y).item(), rel=1e-6)
    np.testing.assert_allclose(w2.detach().numpy(), w1.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(s2.numpy(), s1.numpy())  # (its value once leaked a tracer from the trace)


def test_steady_state_is_one_cached_call():
    w, b, x, y = make_problem()
    step = torch.jit.jit(make_step(w, b))
    for _ in range(3):
        step(x, y)
    torch.engine.reset_stats()
    for _ in range(10):
        step(x, y)
    s = torch.engine.stats()
    assert s["compiles"] == 0 and s["eager_runs"] == 0


def test_a_grad_that_zero_grad_dropped_is_not_kept_alive():
    """The .grad tensors one call makes and the next call's zero_grad() drops are garbage as in
    eager code: the step does not keep them (or their memory) as state."""
    import gc
    import weakref

    model = torch.nn.Linear(4, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    _, _, x, y = make_problem()

    step = training_step(model, opt)

    jitted = torch.jit.jit(step)
    jitted(x, y)
    first = [weakref.ref(p.grad) for p in model.parameters()]
    for _ in range(3):
        jitted(x, y)
    gc.collect()
    assert all(r() is None for r in first)
    assert all(p.grad is not None for p in model.parameters())
    torch.engine.reset_stats()
    jitted(x, y)
    assert torch.engine.stats()["compiles"] == 0


def test_steady_calls_update_in_place_and_reuse_the_gradients_buffers():
    """Donation: each call writes the parameters into their own buffers and the new gradients
    into the buffers of the old ones (zero_grad() dropped them), so a step holds one copy of
    each, as PyTorch does. A .grad someone keeps is not reused: it keeps its values."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    _, _, x, y = make_problem()
    step = torch.jit.jit(training_step(model, opt))
    for _ in range(3):
        step(x, y)

    def buffers(get):
        return [get(p)._storage.node.value.unsafe_buffer_pointer() for p in model.parameters()]

    params, grads = buffers(lambda p: p), buffers(lambda p: p.grad)
    step(x, y)
    assert buffers(lambda p: p) == params
    assert sorted(buffers(lambda p: p.grad)) == sorted(grads)
    kept = model[0].weight.grad
    values = kept.numpy().copy()
    step(x, y)
    assert model[0].weight.grad is not kept
    np.testing.assert_array_equal(kept.numpy(), values)
    assert not np.array_equal(model[0].weight.grad.numpy(), values)


def test_freezing_a_parameter_between_calls_is_seen():
    """requires_grad_(False) on a parameter between calls: it gets no .grad and SGD leaves it
    alone from then on, as in eager code (the step is traced again for it)."""

    def run(jit):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        _, _, x, _ = make_problem()
        y = torch.zeros(16, 2)

        step = training_step(model, opt)

        f = torch.jit.jit(step) if jit else step
        losses = []
        for i in range(6):
            if i == 3:
                model[0].weight.requires_grad_(False)
            losses.append(f(x, y).item())
        return losses, model, f

    (l_e, m_e, _), (l_j, m_j, jitted) = run(False), run(True)
    assert jitted.recompiles == 1 and "(8, 4) requires grad: True -> False" in jitted.recompile_reasons[0]
    np.testing.assert_allclose(l_j, l_e, rtol=1e-5)
    assert m_j[0].weight.grad is None and m_e[0].weight.grad is None
    for p_e, p_j in zip(m_e.parameters(), m_j.parameters()):
        np.testing.assert_allclose(p_j.detach().numpy(), p_e.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_steps_touching_different_tensors_settle():
    """Two versions of a step (a Python flag picks which tensors it uses) each compile once,
    however the calls alternate; both give eager's results."""
    w, b, x, y = make_problem()
    extra = torch.ones(3, requires_grad=True)
    w_e, b_e, _, _ = make_problem()
    extra_e = torch.ones(3, requires_grad=True)

    def make(w, b, extra):
        def step(x, y, flag):
            out = x @ w + b
            if flag:
                out = out * extra
            loss = ((out - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                for t in (w, b, extra):
                    if t.grad is not None:
                        t.sub_(0.05 * t.grad)
                        t.grad = None
            return loss

        return step

    eager, jitted = make(w_e, b_e, extra_e), torch.jit.jit(make(w, b, extra))
    for i in range(10):
        flag = i % 3 == 0
        assert jitted(x, y, flag).item() == pytest.approx(eager(x, y, flag).item(), rel=1e-5)
    torch.engine.reset_stats()
    for i in range(6):
        jitted(x, y, i % 2 == 0)
        eager(x, y, i % 2 == 0)
    assert torch.engine.stats()["compiles"] == 0
    for a, e in ((w, w_e), (b, b_e), (extra, extra_e)):
        np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_new_shapes_retrace_and_count():
    w, b, x, y = make_problem()
    step = torch.jit.jit(make_step(w, b))
    for _ in range(3):
        step(x, y)
    step(x[:8], y[:8])
    assert step.recompiles == 1 and "argument signature" in step.recompile_reasons[0]


def test_random_ops_advance_the_rng_like_eager():
    def draw(shape):
        return torch.randn(shape) * 1.0

    torch.manual_seed(3)
    eager = [draw((4,)).tolist() for _ in range(4)]
    torch.manual_seed(3)
    jd = torch.jit.jit(draw)
    jitted = [jd((4,)).tolist() for _ in range(4)]
    assert jitted == eager
    assert len({tuple(v) for v in jitted}) == 4  # consecutive calls draw different numbers


def test_advanced_indexing_and_gather_inside_equal_eager():
    """Index tensors' bounds are checked from their values in eager code; inside the trace there
    are no values yet, so the check is left to eager calls instead of failing on a JAX tracer."""
    def make():
        w, b, x, _ = make_problem()
        labels = torch.tensor([0, 2, 1, 0] * 4)
        rows = torch.arange(16)

        def step(x):
            logp = torch.log_softmax(x @ w + b, dim=1)
            loss = -logp[rows, labels].mean() - logp.gather(1, labels[:, None]).mean()
            loss.backward()
            with torch.no_grad():
                w.sub_(0.1 * w.grad)
                b.sub_(0.1 * b.grad)
            w.grad = None
            b.grad = None
            return loss

        return w, step, x

    (w1, eager, x), (w2, step, _) = make(), make()
    jitted = torch.jit.jit(step)
    for _ in range(4):
        assert jitted(x).item() == pytest.approx(eager(x).item(), rel=1e-6)
    np.testing.assert_allclose(w2.detach().numpy(), w1.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert jitted.recompiles == 0


VALUE_CHECKED = {  # ops that check their operands' values in eager code (bounds, ranges)
    "one_hot": lambda x: torch.nn.functional.one_hot((x > 0).long(), 2).sum(),
    "take": lambda x: torch.take(x, torch.tensor([0, 5])).sum(),
    "quantile": lambda x: torch.quantile(x, torch.tensor([0.25, 0.5])).sum(),
    "index_select": lambda x: x.index_select(0, torch.tensor([1, 3])).sum(),
    "scatter": lambda x: torch.zeros(4, 3).scatter(0, torch.tensor([[1, 2, 3]]), x[:1]).sum(),
    "masked_scatter": lambda x: torch.zeros(4, 3).masked_scatter(x > 0, x * 2).sum(),
}
SHAPE_FROM_VALUES = {  # ops whose result's shape depends on the values: no trace can hold them
    "boolean mask": lambda x: x[x > 0].sum(),
    "nonzero": lambda x: torch.nonzero(x > 0).float().sum(),
    "masked_select": lambda x: torch.masked_select(x, x > 0).sum(),
    "unique": lambda x: torch.unique((x > 0).long()).sum(),
    "one_hot without num_classes": lambda x: torch.nn.functional.one_hot((x > 0).long()).sum(),
}


def test_a_tensor_built_from_tensors_inside_is_their_stacked_values():
    """torch.tensor([a, b]) copies the values on the host in eager code; inside a trace there
    is no host value, so it stacks the detached values instead (no gradient flows, as in eager)."""
    w = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)

    def fn(x):
        t = torch.tensor([(x * w).sum(), [x.max()][0], 2], dtype=torch.float64)
        return (t * w.double()).sum(), t

    step = torch.jit.jit(fn)
    for k in range(3):
        x = torch.randn(3)
        (je, te), (jj, tj) = fn(x), step(x)
        assert jj.item() == pytest.approx(je.item(), rel=1e-12)
        assert tj.dtype == te.dtype == torch.float64 and not tj.requires_grad
        np.testing.assert_array_equal(tj.numpy(), te.numpy())
    assert step.recompiles == 0


@pytest.mark.parametrize("name", sorted(VALUE_CHECKED))
def test_ops_that_check_values_run_inside(name):
    fn, x = VALUE_CHECKED[name], torch.randn(4, 3)
    step = torch.jit.jit(fn)
    for _ in range(3):
        assert step(x).item() == pytest.approx(fn(x).item(), rel=1e-6)
    assert step.recompiles == 0


@pytest.mark.parametrize("name", sorted(SHAPE_FROM_VALUES))
def test_ops_whose_shape_depends_on_values_are_a_clear_error(name):
    fn, x = SHAPE_FROM_VALUES[name], torch.randn(4, 3)
    step = torch.jit.jit(fn)
    for _ in range(2):  # the first call is traced too, and a failed call leaves nothing behind
        with pytest.raises(JitError, match=r"test_jit.py:\d+"):
            step(x)


def test_random_ops_with_value_checks_run_inside():
    x = torch.rand(4, 3) + 0.1
    for fn in (lambda x: torch.multinomial(x, 2), lambda x: torch.poisson(x)):
        step = torch.jit.jit(fn)
        draws = [step(x) for _ in range(3)]
        assert draws[-1].shape == fn(x).shape


def test_item_inside_is_a_clear_error():
    w, b, x, y = make_problem()

    def bad(x):
        v = (x @ w).sum()
        if v.item() > 0:  # data-dependent Python: needs a concrete value
            return v
        return -v

    step = torch.jit.jit(bad)
    bad(x)  # eager is fine
    w_before = w.detach().clone()
    with pytest.raises(JitError, match=r"test_jit.py:\d+"):
        step(x)  # the first call is traced too
    np.testing.assert_array_equal(w.detach().numpy(), w_before.numpy())
    assert w.grad is None and bad(x).item() == pytest.approx((x @ w).sum().abs().item(), rel=1e-6)


def test_data_parallel_over_eight_cpu_devices_equals_single_device():
    import os
    import subprocess
    import sys

    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8")
    script = os.path.join(os.path.dirname(__file__), "jit_sharding_script.py")
    proc = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok 8"


def test_arguments_written_in_place_are_written_back_as_eager():
    """A step that writes into its tensor arguments (one a view of a larger tensor) leaves them,
    and their versions, as the eager step does, on the first call, the traced one and later ones."""
    def step(x, row, y):
        x.mul_(0.5).add_(y)
        row.add_(x.sum())
        return (x * y).sum()

    x_e, x_j = torch.ones(3), torch.ones(3)
    base_e, base_j = torch.zeros(4, 3), torch.zeros(4, 3)
    y = torch.tensor([1.0, 2.0, 3.0])
    jitted = torch.jit.jit(step)
    for _ in range(4):
        out_e, out_j = step(x_e, base_e[2], y), jitted(x_j, base_j[2], y)
        assert out_j.item() == pytest.approx(out_e.item(), rel=1e-6)
        np.testing.assert_allclose(x_j.numpy(), x_e.numpy(), rtol=1e-6)
        np.testing.assert_allclose(base_j.numpy(), base_e.numpy(), rtol=1e-6)
        assert (x_j._version, base_j._version) == (x_e._version, base_e._version)
    assert jitted.recompiles == 0
