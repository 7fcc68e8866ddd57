"""A recurring backward re-found by its template (autograd/_replay.py) gives what the general
path gives: same gradients, same errors, in any sequence of structures that look alike to the
template lookup (same root op, shapes and dtypes) but differ in sharing, leaves, pending
values or .grad state."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import facade as torch
from facade import _engine
from facade.autograd import _replay

X = np.array([0.5, -1.5, 2.0])  # float64: the two runs differ only by op-by-op vs compiled rounding


def _variant(k, w, b, x):
    """Steps whose losses all end in the same op on the same shapes."""
    if k == 0:
        z = w * x + b
    elif k == 1:
        z = w * x + w  # one leaf twice where variant 0 has two
    elif k == 2:
        z = b * x + w  # the leaves swapped
    elif k == 3:
        u = w * x
        z = u * u + b  # one node read twice
    elif k == 4:
        z = (w * x) * (w * x) + b  # two equal nodes
    elif k == 5:
        z = w * (x * 2.0) + b  # a pending input
    elif k == 6:
        z = w.detach() * x + b  # w's value, outside the gradient
    else:
        z = torch.sigmoid(w) * x + b
    return torch.tanh(z).sum()


class _Run:
    def __init__(self, replay):
        self.replay = replay
        self.w = torch.tensor([1.0, 2.0, -0.5], dtype=torch.float64, requires_grad=True)
        self.b = torch.tensor([0.1, 0.0, 0.3], dtype=torch.float64, requires_grad=True)
        self.x = torch.tensor(X)

    def step(self, k, reset, tamper):
        w, b = self.w, self.b
        if reset == 1:
            w.grad = None
        elif reset == 2 and w.grad is not None:
            w.grad.zero_()
        elif reset == 3:
            b.grad = None
        loss = _variant(k, w, b, self.x)
        if tamper == 1:
            self.x.add_(0.0)  # x saved by mul: its version changes, as in PyTorch
        if not self.replay:
            _replay.clear()
        try:
            loss.backward()
        except RuntimeError as e:
            return ("error", str(e).split(":")[0])
        if tamper == 2:
            try:
                loss.backward()
            except RuntimeError as e:
                return ("second", str(e)[:40])
        with torch.no_grad():
            w.data -= 0.01 * w.grad if w.grad is not None else 0
        return tuple(None if t.grad is None else t.grad.numpy().copy() for t in (w, b)) + (loss.item(),)


def _same(a, b):
    assert type(a) is type(b) and len(a) == len(b)
    for u, v in zip(a, b):
        if isinstance(u, np.ndarray):
            np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)
        elif isinstance(u, float):
            assert u == pytest.approx(v, rel=1e-10)  # op by op in one run, compiled in the other
        else:
            assert u == v


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 3), st.sampled_from([0, 0, 0, 1, 2])),
                min_size=2, max_size=14))
def test_any_sequence_of_lookalike_steps_matches_the_general_path(seq):
    _engine.clear_cache()
    fast, slow = _Run(True), _Run(False)
    for k, reset, tamper in seq * 2:  # each structure at least twice, so compiled ones recur
        _same(fast.step(k, reset, tamper), slow.step(k, reset, tamper))


def test_a_training_loop_skips_the_walk_from_its_third_step():
    _engine.clear_cache()
    torch.engine.reset_stats()
    r = _Run(True)
    for _ in range(6):
        r.step(0, 2, 0)
    s = torch.engine.stats()
    assert s["backward_replays"] >= 3
    assert s["compiles"] <= 2


def test_a_saved_tensor_modified_in_place_raises_on_a_replayed_structure():
    r = _Run(True)
    for _ in range(4):
        r.step(0, 2, 0)
    out = r.step(0, 2, 1)
    assert out[0] == "error" and out[1].startswith("one of the variables needed for gradient computation")


def test_a_second_backward_raises_on_a_replayed_structure():
    r = _Run(True)
    for _ in range(4):
        r.step(0, 2, 0)
    out = r.step(0, 2, 2)
    assert out[0] == "second" and out[1] == "Trying to backward through the graph a s"


def test_a_hook_added_later_runs():
    r = _Run(True)
    for _ in range(4):
        r.step(0, 1, 0)
    seen = []
    r.w.register_hook(lambda g: seen.append(g.clone()) or g * 2)
    r.w.grad = None
    loss = _variant(0, r.w, r.b, r.x)
    loss.backward()
    assert len(seen) == 1
    np.testing.assert_allclose(r.w.grad.numpy(), 2 * seen[0].numpy(), rtol=1e-6)


def test_retain_grad_added_later_is_filled():
    r = _Run(True)
    for _ in range(4):
        r.step(0, 1, 0)
    z = r.w * r.x + r.b
    z.retain_grad()
    torch.tanh(z).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 1 - np.tanh(z.detach().numpy()) ** 2, rtol=1e-5)


@pytest.mark.parametrize("retain", [False, True])
def test_retain_graph_on_a_replayed_structure(retain):
    r = _Run(True)
    for _ in range(4):
        r.step(0, 2, 0)
    r.w.grad.zero_()
    r.b.grad.zero_()
    loss = _variant(0, r.w, r.b, r.x)
    loss.backward(retain_graph=retain)
    g1 = r.w.grad.numpy().copy()
    if retain:
        loss.backward()
        np.testing.assert_allclose(r.w.grad.numpy(), 2 * g1, rtol=1e-6)
    else:
        with pytest.raises(RuntimeError, match="second time"):
            loss.backward()


def test_a_post_accumulate_hook_runs_on_a_replayed_structure():
    r = _Run(True)
    for _ in range(4):
        r.step(0, 2, 0)
    seen = []
    r.b.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    for _ in range(3):
        r.step(0, 2, 0)
    assert len(seen) == 3
    np.testing.assert_allclose(seen[-1].numpy(), r.b.grad.numpy())


def test_gradients_of_a_compiled_backward_reach_their_own_leaves():
    """The compiled program outputs the gradients in the reverse of the leaves' order (the
    deepest first); each .grad must still be its own leaf's."""
    ws = [torch.tensor(np.full(3, 0.4 + 0.2 * k), requires_grad=True) for k in range(4)]
    x = torch.tensor(X)

    def loss():
        h = x
        for k, w in enumerate(ws):
            h = torch.tanh(h * w + 0.1 * k)
        return h.sum()

    expected = None
    for _ in range(4):
        for w in ws:
            w.grad = None
        loss().backward()
        got = [w.grad.numpy().copy() for w in ws]
        if expected is None:
            expected = got
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-9)  # op by op the first time, compiled later
    assert len({float(g.sum()) for g in expected}) == 4
