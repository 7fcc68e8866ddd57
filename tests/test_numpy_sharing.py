"""t.numpy() shares the tensor's memory, as in PyTorch: writes into the array show in the tensor,
in-place ops on the tensor show in the array, and an op computed before a write keeps the old
values (facade computes lazily; PyTorch had already run it). Each scenario returns what a user
sees (copies of the arrays and tensors at the end); it is compared with PyTorch on the same code
when torch is installed, and with the values PyTorch's semantics give, written out, without."""
import copy
import pickle

import numpy as np
import pytest

import facade

try:
    import torch
except ImportError:
    torch = None

SCENARIOS = {}


def scenario(*expected):
    def deco(fn):
        SCENARIOS[fn.__name__] = (fn, expected)
        return fn

    return deco


def seen(*xs):
    """Copies of what the scenario shows: NumPy arrays and tensors as float64 arrays."""
    return [np.array(x.detach().numpy() if hasattr(x, "detach") else x, dtype=np.complex128).round(6) for x in xs]


@scenario([2, 2, 2, 2, 2], [2, 2, 2, 2, 2])
def tutorial_bridge(T):  # the "Bridge with NumPy" cell of PyTorch's tensor tutorial
    t = T.ones(5)
    n = t.numpy()
    t.add_(1)
    return seen(t, n)


@scenario([1, 1, 1], [5, 0, 0], [11, 1, 1])
def op_before_write_keeps_old_values(T):
    t = T.zeros(3)
    u = t * 2 + 1
    a = t.numpy()
    a[0] = 5
    return seen(u, t, t * 2 + 1)


@scenario([1, 1, 1], [0, 5, 0])
def op_after_numpy_before_write(T):
    t = T.zeros(3)
    a = t.numpy()
    u = t * 2 + 1
    a[1] = 5
    return seen(u, t)


@scenario([[0, 1, 2, 3], [100, 5, 6, 7], [8, 9, -1, 11]], [[0, 200, 16], [2, 10, 18], [4, 12, -2], [6, 14, 22]])
def views_share_with_their_root(T):
    t = T.arange(12.0).reshape(3, 4)
    t[1].numpy()[0] = 100
    n = t.T.numpy()
    n[2, 2] = -1
    t.mul_(2)
    return seen(t / 2, n)


@scenario([0, 1, 10, 3, 4, 50, 6, 7, 8, 9], [[1, 1, 1], [4, 4, 4]])
def strided_slices_and_expand(T):
    x = T.arange(10.0)
    s = x[2:8:3].numpy()
    s[:] = [10, 50]
    y = T.arange(4.0)
    e = y[::3, None].expand(2, 3).numpy()
    y.add_(1)
    return seen(x, e)


@scenario([1 + 9j, 3 - 1j, 0 + 0.5j], [[50, 1, 2], [3, 51, 5]])
def imag_and_diagonal_views(T):
    z = T.tensor([1 + 2j, 3 - 1j, 0.5j])
    z.imag.numpy()[0] = 9
    x = T.arange(6.0).reshape(2, 3)
    d = x.diagonal().numpy()
    d[:] = [50, 51]
    return seen(z, x)


@scenario([5, 5, 5], [0, 0, 0])
def grad_accumulates_into_the_array(T):
    w = T.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    g = w.grad.numpy()
    (w * 3).sum().backward()
    accumulated = np.array(g)
    with T.no_grad():
        w.grad.zero_()
    return seen(accumulated, g)


@scenario([0.8, 0.8], [2, 2], [4, 4])
def optimizer_step_shows_in_a_parameter_array(T):
    w = T.nn.Parameter(T.ones(2))
    n = w.detach().numpy()
    opt = T.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    after_step = np.array(n)
    n[:] = 2  # a write into the array is the parameter's new value
    opt.zero_grad()
    (w * w).sum().backward()
    return seen(after_step, w, w.grad)


@scenario([7, 1])
def asarray_shares_too(T):
    t = T.ones(2)
    np.asarray(t)[0] = 7
    return seen(t)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_numpy_sharing(name):
    fn, expected = SCENARIOS[name]
    got = fn(facade)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, np.asarray(e, dtype=np.complex128), atol=1e-6)
    assert len(got) == len(expected)
    if torch is not None:
        want = fn(torch)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=1e-6)


def test_the_array_is_checked_only_while_somebody_holds_it():
    from facade._shared import SharedStorage
    from facade._tape import Storage

    t = facade.ones(4)
    n = t.numpy()
    m = n[1:]
    del n
    t.add_(1)
    assert type(t._storage) is SharedStorage and m.tolist() == [2, 2, 2]
    del m
    assert t.shape == (4,) and type(t._storage) is Storage  # nobody can write into it: a plain storage again
    t.add_(1)
    assert t.tolist() == [3, 3, 3, 3]


def test_copies_do_not_share():
    t = facade.ones(3)
    n = t.numpy()
    for other in (copy.deepcopy(t), pickle.loads(pickle.dumps(t)), t.clone(), facade.from_numpy(n)):
        n[0] = 9
        assert other.tolist() == [1, 1, 1]
        n[0] = 1
    assert t.tolist() == [1, 1, 1]


def test_a_jitted_step_updates_an_array_the_loop_holds():
    facade.manual_seed(0)
    model = facade.nn.Linear(3, 2)
    opt = facade.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    weight = model.weight.detach().numpy()
    x, y = facade.randn(4, 3), facade.randn(4, 2)

    @facade.compile
    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    reference = facade.nn.Linear(3, 2)
    reference.load_state_dict(model.state_dict())
    ref_opt = facade.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    for i in range(4):
        step(x, y)
        ref_opt.zero_grad()
        ((reference(x) - y) ** 2).mean().backward()
        ref_opt.step()
        np.testing.assert_allclose(weight, reference.weight.detach()._array(), rtol=1e-6)
        if i == 2:  # a write into the array between calls is the parameter's value for the next one
            weight[0, 0] = 10.0
            with facade.no_grad():
                reference.weight[0, 0] = 10.0
    np.testing.assert_array_equal(weight, model.weight.detach()._array())
