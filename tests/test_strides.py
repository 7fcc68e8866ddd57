"""stride() and storage_offset() of tensors and views.

Every view below is taken of arange(n) reshaped, so each element's value is its position in
storage: the strides and offset must address it (value == offset + sum(index * stride)). With
torch installed they must also be PyTorch's (which fixes the strides of size-1 dims too)."""
import itertools

import numpy as np
import pytest

import facade
from facade.testing._differential import torch_or_none

VIEWS = {
    "contiguous": lambda x: x,
    "transpose": lambda x: x.transpose(0, 2),
    "permute": lambda x: x.permute(1, 2, 0),
    "slice_step": lambda x: x[:, 1:, ::2],
    "select": lambda x: x[1],
    "select_middle": lambda x: x[:, 2],
    "unsqueeze": lambda x: x.unsqueeze(1),
    "unsqueeze_last": lambda x: x.unsqueeze(-1),
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "view": lambda x: x.view(6, 4),
    "narrow": lambda x: x.narrow(2, 1, 2),
    "diagonal": lambda x: x[0].diagonal(),
    "diagonal_offset": lambda x: x[0].diagonal(1),
    "squeeze": lambda x: x[:, :1].squeeze(1),
    "mT": lambda x: x.mT,
    "chunk": lambda x: x.chunk(2, dim=2)[1],
    "split": lambda x: x.split(1, 1)[2],
    "unbind": lambda x: x.unbind(1)[1],
    "none": lambda x: x[None],
    "ellipsis": lambda x: x[..., 1],
    "reshape_of_slice": lambda x: x[:, 1:3, :].reshape(2, 8),
    "view_of_slice": lambda x: x.view(6, 4)[2:5].view(3, 4, 1),
    "size1_transpose": lambda x: x[:1, 0].t(),
    "transpose_then_slice_unsqueeze": lambda x: x.mT[..., 1:].unsqueeze(0),
}


def _root(T):
    return T.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_strides_address_the_elements(name):
    v = VIEWS[name](_root(facade))
    strides, offset = v.stride(), v.storage_offset()
    values = np.asarray(v.numpy())
    assert len(strides) == v.ndim
    for idx in itertools.product(*[range(s) for s in v.shape]):
        assert values[idx] == offset + sum(i * s for i, s in zip(idx, strides)), idx


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_strides_are_pytorchs(name):
    torch = torch_or_none()
    if torch is None:
        pytest.skip("torch is not installed")
    ours, theirs = VIEWS[name](_root(facade)), VIEWS[name](_root(torch))
    assert (ours.stride(), ours.storage_offset(), ours.is_contiguous()) == \
        (theirs.stride(), theirs.storage_offset(), theirs.is_contiguous())


def test_stride_of_one_dim_and_of_a_new_tensor():
    x = facade.zeros(2, 3, 4)
    assert x.stride() == (12, 4, 1) and x.stride(-1) == 1 and x.stride(0) == 12
    assert facade.tensor(1.0).stride() == ()
    with pytest.raises(IndexError):
        x.stride(3)
