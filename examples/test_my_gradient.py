"""Testing your own function's gradient with hypothesis + gradcheck (see docs/testing.md).

Run:  PYTHONPATH=. python3 -m pytest examples/test_my_gradient.py
The same file runs against PyTorch if you replace `facade` by `torch` in the imports.
"""
from hypothesis import given, settings

import facade as torch
from facade.autograd.gradcheck import gradcheck
from facade.testing import strategies as fst


class Softplus(torch.autograd.Function):
    """log(1 + exp(x)) with a hand-written backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.log1p(x.exp())

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()


@settings(deadline=None, max_examples=25)
@given(fst.tensors(dtype=torch.float64, shape=fst.shapes(max_dims=2), requires_grad=True))
def test_softplus_gradient(x):
    assert gradcheck(Softplus.apply, (x,))
