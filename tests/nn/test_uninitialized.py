"""nn.parameter.UninitializedParameter / UninitializedBuffer (the lazy modules' placeholders) against torch:
printing, the shape error, deepcopy, materialize turning them into a Parameter / Tensor in place."""
import copy

import pytest

import facade

torch = pytest.importorskip("torch")


def _both(fn):
    return fn(torch), fn(facade)


@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameter_placeholder_prints_refuses_its_shape_and_materializes(requires_grad):
    for lib in (torch, facade):
        p = lib.nn.parameter.UninitializedParameter(requires_grad=requires_grad)
        assert repr(p) == "<UninitializedParameter>"
        assert isinstance(p, lib.nn.Parameter) and p.requires_grad is requires_grad
        assert type(copy.deepcopy(p)).__name__ == "UninitializedParameter"
    with pytest.raises(RuntimeError) as et:
        torch.nn.parameter.UninitializedParameter().shape
    with pytest.raises(RuntimeError) as ef:
        facade.nn.parameter.UninitializedParameter().shape
    assert str(ef.value) == str(et.value)
    pt, pf = _both(lambda lib: lib.nn.parameter.UninitializedParameter(requires_grad=requires_grad))
    pt.materialize((2, 3), dtype=torch.float64)
    pf.materialize((2, 3), dtype=facade.float64)
    assert type(pf) is facade.nn.Parameter and type(pt) is torch.nn.Parameter
    assert tuple(pf.shape) == tuple(pt.shape) == (2, 3)
    assert str(pf.dtype) == str(pt.dtype) == "torch.float64"
    assert pf.requires_grad is pt.requires_grad is requires_grad


def test_buffer_placeholder_materializes_into_a_tensor():
    bt, bf = _both(lambda lib: lib.nn.parameter.UninitializedBuffer())
    assert repr(bf) == repr(bt) == "<UninitializedBuffer>"
    bt.materialize((4,)), bf.materialize((4,))
    assert type(bt) is torch.Tensor and type(bf) is facade.Tensor
    assert tuple(bf.shape) == tuple(bt.shape) == (4,)
    assert bf.requires_grad is bt.requires_grad is False


def test_spectral_norm_rejects_a_placeholder_weight():
    for lib in (torch, facade):
        m = lib.nn.Linear(2, 2)
        m.weight = lib.nn.parameter.UninitializedParameter()
        with pytest.raises(ValueError, match="can't have uninitialized parameters"):
            lib.nn.utils.spectral_norm(m)
