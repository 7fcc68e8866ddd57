"""`out=` on torch functions: the result is written into the given tensor (cast, resized, through a
view) and that tensor is returned, as PyTorch does; with autograd it raises PyTorch's error. Each
scenario runs on facade and, when torch is installed, on PyTorch; without torch the expected
values are the maths written beside it."""
import warnings

import numpy as np
import pytest

import facade

try:
    import torch
except ImportError:
    torch = None


def observe(fn, T):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = fn(T)
        except (RuntimeError, TypeError) as e:
            return ("raised", type(e).__name__, str(e))
    resized = any("was resized" in str(w.message) for w in caught)
    return [(np.asarray(t.numpy(), np.float64).tolist(), str(t.dtype)) if hasattr(t, "numpy") else t
            for t in got] + [resized]


SCENARIOS = {
    "add_into": (lambda T: (lambda o: [o, T.add(T.tensor([1.0, 2.0]), T.tensor([3.0, 4.0]), alpha=2, out=o) is o])(
        T.zeros(2)), [([7.0, 10.0], "torch.float32"), True, False]),
    "mul_ints_into_float": (lambda T: [T.mul(T.tensor([1, 2]), T.tensor([3, 4]), out=T.zeros(2))],
                            [([3.0, 8.0], "torch.float32"), False]),
    "div_into_double": (lambda T: [T.div(T.tensor([1.0, 3.0]), 2, out=T.zeros(2, dtype=T.float64))],
                        [([0.5, 1.5], "torch.float64"), False]),
    "sub_cannot_cast": (lambda T: [T.sub(T.tensor([1.0]), 1, out=T.zeros(1, dtype=T.long))],
                        ("raised", "RuntimeError", "result type Float can't be cast to the desired output type Long")),
    "resized_with_warning": (lambda T: [T.exp(T.zeros(3), out=T.ones(2))], [([1.0, 1.0, 1.0], "torch.float32"), True]),
    "empty_out_resized_quietly": (lambda T: [T.cat([T.ones(2), T.zeros(1)], out=T.empty(0))],
                                  [([1.0, 1.0, 0.0], "torch.float32"), False]),
    "stack_into": (lambda T: [T.stack([T.ones(2), T.zeros(2)], out=T.empty(2, 2))],
                   [([[1.0, 1.0], [0.0, 0.0]], "torch.float32"), False]),
    "into_a_view": (lambda T: (lambda base: [T.add(T.ones(2), 1, out=base[::2]), base])(T.zeros(4)),
                    [([2.0, 2.0], "torch.float32"), ([2.0, 0.0, 2.0, 0.0], "torch.float32"), False]),
    "reduction_into": (lambda T: [T.sum(T.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, out=T.zeros(2))],
                       [([3.0, 7.0], "torch.float32"), False]),
    "tuple_out": (lambda T: _max_out(T), [([5.0, 3.0], "torch.float32"), ([1.0, 0.0], "torch.int64"), True, False]),
    "requires_grad_input": (lambda T: [T.exp(T.ones(2, requires_grad=True), out=T.zeros(2))],
                            ("raised", "RuntimeError", "exp(): functions with out=... arguments don't support automatic "
                             "differentiation, but one of the arguments requires grad.")),
    "requires_grad_out": (lambda T: [T.add(T.ones(2), 1, out=T.zeros(2, requires_grad=True))],
                          ("raised", "RuntimeError", "add(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")),
    "requires_grad_under_no_grad": (lambda T: [_no_grad(T, lambda: T.add(T.ones(2, requires_grad=True), 1, out=T.zeros(2)))],
                                    [([2.0, 2.0], "torch.float32"), False]),
    "not_a_tensor": (lambda T: [T.add(T.ones(1), 1, out=[1])],
                     ("raised", "TypeError", "add(): argument 'out' must be Tensor, not list")),
}


def _max_out(T):
    v, i = T.zeros(2), T.zeros(2, dtype=T.long)
    r = T.max(T.tensor([[1.0, 5.0], [3.0, 2.0]]), 1, out=(v, i))
    return [r.values, r.indices, r.values is v and r.indices is i]


def _no_grad(T, fn):
    with T.no_grad():
        return fn()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_out(name):
    fn, expected = SCENARIOS[name]
    got = observe(fn, facade)
    if isinstance(expected, tuple):
        assert got == expected
    else:
        assert got == expected, got
    if torch is not None:
        assert got == observe(fn, torch)
