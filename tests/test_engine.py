"""The replay engine: one-off structures run op by op, recurring ones compile once, Python
numbers are runtime inputs, and long loops keep neither the tape nor the cache growing."""
import gc

import numpy as np
import pytest

import facade as torch
from facade import _engine
from facade._tape import Node


@pytest.fixture(autouse=True)
def fresh_engine():
    _engine.clear_cache()
    torch.engine.reset_stats()
    yield


def live_nodes():
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Node)


def test_first_sight_runs_op_by_op_then_compiles_once():
    x = torch.arange(5.0)
    for _ in range(6):
        (x * 2 + 1).sin().sum().item()
    s = torch.engine.stats()
    assert s["eager_runs"] == 1  # first sight: no compile
    assert s["compiles"] == 1  # second sight: compiled
    assert s["cache_hits"] == 4  # then replayed


def test_equal_python_numbers_in_two_places_do_not_make_a_new_structure():
    x = torch.arange(5.0, requires_grad=True)
    for a, b in [(0.5, 0.25), (0.5, 0.75), (0.5, 0.5), (0.25, 0.25), (2.0, 3.0)]:
        ((x * a + b).sin() * a).sum().backward()
        (x * a + b).sum().item()
    assert torch.engine.stats()["compiles"] == 2  # one forward, one backward program


def test_changing_python_numbers_do_not_recompile():
    x = torch.arange(5.0)
    values = []
    for i in range(8):
        values.append((x * (0.5 * i) + i).sum().item())
    assert torch.engine.stats()["compiles"] == 1
    assert values == pytest.approx([float(np.sum(np.arange(5.0) * 0.5 * i + i)) for i in range(8)])


def test_different_shapes_are_different_structures():
    for n in (3, 4, 3, 4):
        torch.ones(n).mul(2).sum().item()
    assert torch.engine.stats()["compiles"] == 2


def test_training_step_compiles_once_and_fuses():
    w = torch.zeros(3, requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0])
    for _ in range(20):
        loss = ((w * x).sum() - 1) ** 2
        loss.backward()
        with torch.no_grad():
            w -= 0.01 * w.grad
        w.grad.zero_()
    s = torch.engine.stats()
    # steady state: one call per step (pending update + forward + backward + accumulation)
    assert s["compiles"] <= 3
    torch.engine.reset_stats()
    for _ in range(10):
        loss = ((w * x).sum() - 1) ** 2
        loss.backward()
        with torch.no_grad():
            w -= 0.01 * w.grad
        w.grad.zero_()
    s = torch.engine.stats()
    assert s["compiles"] == 0 and s["eager_runs"] == 0 and s["cache_hits"] == 10


def _step(w, x):
    loss = ((x @ w).tanh() ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
    return loss.item()


def test_long_loop_keeps_tape_and_cache_bounded():
    torch.manual_seed(0)
    w = torch.randn(4, 3, requires_grad=True)
    x = torch.randn(8, 4)
    for _ in range(50):
        _step(w, x)
    nodes, programs = live_nodes(), torch.engine.stats()["cached_programs"]
    for _ in range(500):
        _step(w, x)
    assert live_nodes() <= nodes + 5
    assert torch.engine.stats()["cached_programs"] == programs


def test_unread_chain_is_computed_in_bounded_pieces():
    x = torch.zeros(3)
    for _ in range(3 * _engine.MAX_PENDING_DEPTH + 7):
        x = x + 1
    assert x._node().depth <= _engine.MAX_PENDING_DEPTH + 1
    assert x.tolist() == [3.0 * _engine.MAX_PENDING_DEPTH + 7] * 3


def test_values_agree_between_op_by_op_and_compiled_replay():
    x = torch.linspace(-2, 2, 7, dtype=torch.float64, requires_grad=True)
    results = []
    for _ in range(3):  # eager, compiled, cached
        y = (x.sin() * x.exp() - x.clamp(-1, 1)).sum()
        g, = torch.autograd.grad(y, x)
        results.append((y.item(), g.numpy()))
    for y, g in results[1:]:
        assert y == results[0][0]
        np.testing.assert_allclose(g, results[0][1], rtol=1e-15, atol=0)


def test_a_structure_seen_once_never_compiles():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    ((a * 3).exp().sum()).backward()
    print(a.grad)
    assert torch.engine.stats()["compiles"] == 0


def test_an_index_tensor_written_in_place_is_bounds_checked_again():
    """Bounds checks read an index's values once per value (kept with its tape node); writing the
    index in place gives it a new value, which is checked again, as PyTorch checks every call."""
    x = torch.arange(12.0).reshape(4, 3)
    idx = torch.tensor([0, 3])
    for _ in range(2):
        assert x[idx].tolist() == [[0.0, 1.0, 2.0], [9.0, 10.0, 11.0]]
        assert x.gather(0, idx[None]).tolist() == [[0.0, 10.0]]
    idx[1] = 4
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 0 with size 4"):
        x[idx]
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 3"):
        x.gather(1, idx[None])
    idx.sub_(2)
    assert x[idx].tolist() == [[6.0, 7.0, 8.0], [6.0, 7.0, 8.0]]  # [-2, 2]


def test_a_dropped_graph_is_freed_without_the_garbage_collector():
    """As in PyTorch, a graph goes away when its last tensor does: no reference cycle keeps its
    arrays alive until the next gc run (ops that save their own outputs once made one, and so
    did a leaf with its LEAF node, and a node with its grad_fn object)."""
    w = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    x = torch.randn(5, 6, dtype=torch.float64)

    def step(backward):
        b = torch.zeros(4, dtype=torch.float64, requires_grad=True)  # a leaf made and dropped each step
        h = (x @ w + b).sigmoid().tanh().exp()  # each saves its output
        lo, hi = torch.aminmax(h, dim=0)  # a multi-output op that saves its outputs
        s, m = torch.std_mean(h, dim=1)
        loss = lo.sum() + hi.sum() + s.sum() + m.sum()
        repr(h), loss.grad_fn.next_functions  # grad_fn objects made for printing and inspection
        if backward:
            loss.backward()
        return loss.item()

    for backward in (True, False):
        step(backward)
        gc.collect()
        was = gc.isenabled()
        gc.disable()
        try:
            gc.set_debug(gc.DEBUG_SAVEALL)
            step(backward)
            gc.collect()
            cyclic = [o for o in gc.garbage if type(o) is Node]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            if was:
                gc.enable()
        assert cyclic == [], f"backward={backward}: {len(cyclic)} nodes were left in reference cycles: {cyclic[:3]}"



def test_register_hook_then_retain_grad_on_a_tensor_of_several_elements():
    """Both put the tensor in the hooked set; that set once compared two references to it with ==
    (elementwise for tensors) and raised "Boolean value of Tensor ... is ambiguous"."""
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 2)
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 2.0, 2.0])  # retain_grad's hook runs last, as in PyTorch
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 4.0])
