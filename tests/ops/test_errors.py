"""facade raises what PyTorch raises: the same exception type and message, for common mistakes.

Each case is one call written against the torch API; compare_with_torch runs it on both
libraries and compares the exceptions (both must raise).
"""
import numpy as np
import pytest

from facade.testing import compare_with_torch

pytest.importorskip("torch")

A = np.arange(6.0).reshape(2, 3)
V = np.array([1.0, 2.0, 3.0])

CASES = {
    # broadcasting and shapes
    "add broadcast": (lambda T, a, v: a + T.ones(2), A, V),
    "mm shapes": (lambda T, a, v: T.mm(a, a), A, V),
    "matmul 0-d": (lambda T, a, v: T.matmul(a, T.tensor(1.0)), A, V),
    "dot sizes": (lambda T, a, v: T.dot(v, T.ones(2)), A, V),
    "bmm rank": (lambda T, a, v: T.bmm(a, a), A, V),
    "view size": (lambda T, a, v: a.view(4), A, V),
    "reshape two -1": (lambda T, a, v: a.reshape(-1, -1), A, V),
    "view of transposed": (lambda T, a, v: a.t().view(6), A, V),
    "expand mismatch": (lambda T, a, v: a.expand(3, 3), A, V),
    "permute duplicate": (lambda T, a, v: a.permute(0, 0), A, V),
    "permute length": (lambda T, a, v: a.permute(0), A, V),
    "cat dims": (lambda T, a, v: T.cat([a, v]), A, V),
    "cat sizes": (lambda T, a, v: T.cat([a, a.t()], 0), A, V),
    "cat empty list": (lambda T, a, v: T.cat([]), A, V),
    "stack sizes": (lambda T, a, v: T.stack([v, v[:2]]), A, V),
    "repeat too few": (lambda T, a, v: a.repeat(2), A, V),
    "split sizes": (lambda T, a, v: v.split([1, 1]), A, V),
    "chunk zero": (lambda T, a, v: v.chunk(0), A, V),
    "narrow too long": (lambda T, a, v: v.narrow(0, 2, 2), A, V),
    "t of 3-d": (lambda T, a, v: a.reshape(1, 2, 3).t(), A, V),
    "flatten order": (lambda T, a, v: a.flatten(1, 0), A, V),
    # dims and indices
    "sum dim range": (lambda T, a, v: a.sum(2), A, V),
    "sum dim repeated": (lambda T, a, v: a.sum((0, 0)), A, V),
    "softmax dim range": (lambda T, a, v: a.softmax(-3), A, V),
    "select range": (lambda T, a, v: a.select(1, 3), A, V),
    "index range": (lambda T, a, v: a[2], A, V),
    "index too many": (lambda T, a, v: a[0, 0, 0], A, V),
    "index float": (lambda T, a, v: a[v], A, V),
    "index array range": (lambda T, a, v: a[T.tensor([0, 5])], A, V),
    # PyTorch numbers the dimension among the tensor indices, not among the input's dims
    "index array range, second dim": (lambda T, a, v: a[:, T.tensor([3])], A, V),
    "index array range, two arrays": (lambda T, a, v: a[T.tensor([0]), T.tensor([-4])], A, V),
    "index array range after int": (lambda T, a, v: a.reshape(1, 2, 3)[0, :, T.tensor([7])], A, V),
    "index_put_ range": (lambda T, a, v: a.clone().index_put_((T.tensor([0]), T.tensor([3])), T.ones((), dtype=a.dtype)), A, V),
    "setitem array range": (lambda T, a, v: a.clone().__setitem__((slice(None), T.tensor([9])), 1.0), A, V),
    "gather range": (lambda T, a, v: a.gather(1, T.tensor([[3]])), A, V),
    "gather dtype": (lambda T, a, v: a.gather(0, T.tensor([[0.0]])), A, V),
    "gather rank": (lambda T, a, v: a.gather(0, T.tensor([0])), A, V),
    "index_select rank": (lambda T, a, v: a.index_select(0, T.tensor([[0]])), A, V),
    "topk k": (lambda T, a, v: v.topk(4), A, V),
    "kthvalue k": (lambda T, a, v: v.kthvalue(0), A, V),
    "max of empty": (lambda T, a, v: T.ones(0).max(), A, V),
    "argmax empty dim": (lambda T, a, v: T.ones(0, 2).max(0), A, V),
    # dtypes
    "mean of ints": (lambda T, a, v: T.tensor([1, 2]).mean(), A, V),
    "std of ints": (lambda T, a, v: T.tensor([1, 2]).std(), A, V),
    "softmax of ints": (lambda T, a, v: T.tensor([1, 2]).softmax(0), A, V),
    "neg of bool": (lambda T, a, v: -T.tensor([True]), A, V),
    "sub of bool": (lambda T, a, v: T.tensor([True]) - T.tensor([False]), A, V),
    "bitwise of float": (lambda T, a, v: v & v, A, V),
    "where condition": (lambda T, a, v: T.where(v, v, v), A, V),
    "masked_fill mask": (lambda T, a, v: v.masked_fill(T.tensor([1, 0, 1]), 0.0), A, V),
    "int alpha float": (lambda T, a, v: T.tensor([1]).add(T.tensor([1]), alpha=0.5), A, V),
    "in-place float into int": (lambda T, a, v: T.tensor([1]).add_(0.5), A, V),
    "in-place broadcast": (lambda T, a, v: v.add_(a), A, V),
    "int negative power": (lambda T, a, v: T.tensor([2]) ** -1, A, V),
    "dot dtypes": (lambda T, a, v: T.dot(v, v.float()), A, V),
    "mm dtypes": (lambda T, a, v: T.mm(a, a.t().float()), A, V),
    "clamp no bounds": (lambda T, a, v: v.clamp(), A, V),
    "div rounding mode": (lambda T, a, v: v.div(2, rounding_mode="round"), A, V),
    "atan2 number": (lambda T, a, v: T.atan2(v, 1.0), A, V),
    "maximum number": (lambda T, a, v: v.maximum(1.0), A, V),
    # autograd
    "in-place on leaf": (lambda T, a, v: v.add_(1), A, V),
    "in-place on leaf view": (lambda T, a, v: v[0].add_(1), A, V),
    "backward twice": (lambda T, a, v: _backward_twice(v.exp().sum()), A, V),
    "backward of non-scalar": (lambda T, a, v: (v * 2).backward(), A, V),
    "grad of int tensor": (lambda T, a, v: T.tensor([1, 2]).requires_grad_(), A, V),
    "grad of int tensor (setter)": (lambda T, a, v: setattr(T.tensor([1, 2]), "requires_grad", True), A, V),
    "int tensor created requiring grad": (lambda T, a, v: T.tensor([1, 2], requires_grad=True), A, V),
    "requires_grad of non-leaf": (lambda T, a, v: setattr(v * 2, "requires_grad", False), A, V),
    "grad without graph": (lambda T, a, v: T.autograd.grad(v.detach().sum(), v), A, V),
    "unused input": (lambda T, a, v: T.autograd.grad((v * 2).sum(), [v, a]), A, V),
    "modified saved input": (lambda T, a, v: _modify_then_backward(T, v), A, V),
    "in-place into a split piece": (lambda T, a, v: (v * 1).split(1)[0].mul_(2), A, V),
    # conversions
    "item of many": (lambda T, a, v: v.item(), A, V),
    "bool of many": (lambda T, a, v: bool(v > 0), A, V),
    "len of 0-d": (lambda T, a, v: len(v.sum()), A, V),
    "numpy with grad": (lambda T, a, v: v.numpy(), A, V),
}


CORE = {  # core-engine differences (facade/_tensor.py, facade/_dispatch.py, facade/autograd/__init__.py)
}


def _backward_twice(y):
    y.backward()
    y.backward()


def _modify_then_backward(T, v):
    y = v.sin()
    v2 = y * 1
    y.add_(1)
    (v2 * y).sum().backward()


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=CORE[n])) if n in CORE
                                  else n for n in sorted(CASES)])
def test_same_error_as_torch(name):
    fn, *inputs = CASES[name]
    compare_with_torch(fn, *inputs, grad=False, requires_grad=[True] * len(inputs))
