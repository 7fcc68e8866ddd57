"""Repeated backward without zero_grad keeps memory bounded, as in PyTorch.

When backward adds into an existing .grad outside the backward program (a leaf with a hook,
backward(inputs=...), a graph cut at a hooked intermediate), facade's lazy in-place add must not
leave a chain of pending sums: each one would keep the previous step's gradient (and its node)
alive until .grad is read. Each step's .grad node is weakly referenced and must be gone a few
steps later; the gradient values are PyTorch's (compared with torch when installed, else with the
values PyTorch 2.13 printed: 30 steps of d(sum(x @ w))/dw = [[1.5]*2, [1]*2], times the hooks).
"""
import gc
import weakref

import numpy as np
import pytest

import facade

try:
    import torch
except ImportError:
    torch = None

MODES = {"leaf_hook": 2.0, "intermediate_hook": 3.0, "inputs": 1.0, "plain": 1.0}


def _steps(lib, mode, steps=30, track=False):
    w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = lib.tensor([[1.0, -1.0], [0.5, 2.0]])
    if mode == "leaf_hook":
        w.register_hook(lambda g: g * 2)
    refs = []
    for _ in range(steps):
        y = x @ w
        if mode == "intermediate_hook":
            y.register_hook(lambda g: g * 3)
        if mode == "inputs":
            y.sum().backward(inputs=[w])
        else:
            y.sum().backward()
        if track:
            refs.append(weakref.ref(w.grad._node()))
    return w, refs


@pytest.mark.parametrize("mode", sorted(MODES))
def test_old_gradient_nodes_are_released(mode):
    w, refs = _steps(facade, mode, track=True)
    gc.collect()
    alive = [k for k, r in enumerate(refs[:-2]) if r() is not None]
    assert alive == [], f"the .grad nodes of steps {alive} are still alive"
    expect = np.array([[1.5, 1.5], [1.0, 1.0]]) * 30 * MODES[mode]
    np.testing.assert_allclose(w.grad.numpy(), expect)
    if torch is not None:
        tw, _ = _steps(torch, mode)
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())


def test_many_steps_keep_the_grad_graph_small():
    w, _ = _steps(facade, "leaf_hook", steps=120)
    seen, stack = set(), [w.grad._node()]
    while stack:
        n = stack.pop()
        if id(n) not in seen:
            seen.add(id(n))
            stack.extend(n.args)
    assert len(seen) <= 4
