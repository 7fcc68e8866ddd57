"""Tensors as memory, as PyTorch code sees it: np.asarray / ufuncs on tensors, the error for writes whose
input overlaps the written tensor, data_ptr / untyped_storage, resize_, the default device, bool pow.
Compared with PyTorch when it is installed, else with what PyTorch 2.13 gives, written out."""
import numpy as np
import pytest

import facade
from tests.scenarios import Scenarios, check, observer, raised

try:
    import torch
except ImportError:
    torch = None

pytestmark = pytest.mark.filterwarnings("ignore:__array_wrap__ must accept:DeprecationWarning")  # PyTorch's signature too

S = Scenarios()
observe, normalise = observer()
OVERLAP = raised("RuntimeError", "unsupported operation: some elements of the input tensor and the written-to tensor "
                 "refer to a single memory location. Please clone() the tensor before performing the operation.")
NUMPY_RG = raised("RuntimeError", "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")


def _run(write):
    def scenario(T):
        x = T.arange(6.0)
        write(T, x)
        return x
    return scenario


# ---- np.asarray / np.array / ufuncs ----------------------------------------------------------
@S.scenario(NUMPY_RG)
def asarray_of_requires_grad(T):
    return np.asarray(T.ones(3, requires_grad=True)).tolist()


@S.scenario(NUMPY_RG)
def asarray_with_dtype_of_requires_grad(T):
    return np.asarray(T.ones(3, requires_grad=True), dtype=np.float64).tolist()


@S.scenario(NUMPY_RG)
def ufunc_of_requires_grad(T):
    return np.sin(T.ones(3, requires_grad=True))


@S.scenario([1.0, 1.0])
def asarray_of_detached(T):
    return np.asarray(T.ones(2, requires_grad=True).detach()).tolist()


@S.scenario([[5.0, 7.0, 1.0], [1.0, 1.0, 1.0], "float64"])
def asarray_shares_but_array_copies(T):
    u = T.ones(3)
    np.asarray(u)[0] = 5  # shares memory (numpy())
    np.asarray(u, dtype=np.float32)[1] = 7  # same dtype: still shared
    np.array(u)[2] = 9  # a copy
    w = T.ones(3)
    a = np.asarray(w, dtype=np.float64)  # another dtype: a copy
    a[0] = 3
    return [u.tolist(), w.tolist(), str(a.dtype)]


@S.scenario(["Tensor", "uint8", "Tensor"])
def ufuncs_give_tensors(T):
    x = T.tensor([1.0, 4.0])
    return [type(np.sqrt(x)).__name__, str(np.isnan(x).dtype).split(".")[-1], type(np.sin(x[0])).__name__]


@S.scenario(("tensor", [2.0, 1.0], "float32"))
def ufunc_values(T):
    return np.sqrt(T.tensor([4.0, 1.0]))


# ---- overlapping writes ----------------------------------------------------------------------
OVERLAPPING = {
    "setitem_shift": lambda T, x: x.__setitem__(slice(1, None), x[:-1]),
    "copy_shift": lambda T, x: x[1:].copy_(x[:-1]),
    "copy_transposed": lambda T, x: x[:4].view(2, 2).copy_(x[:4].view(2, 2).t()),
    "copy_broadcast_row": lambda T, x: x.view(3, 2).copy_(x[:2]),
    "add_shift": lambda T, x: x[1:].add_(x[:-1]),
    "iadd_shift": lambda T, x: x[1:].__iadd__(x[:-1]),
    "mul_0d_inside": lambda T, x: x[1:].mul_(x[2]),
    "add_other_strides": lambda T, x: x.view(1, 6).add_(x),
    "clamp_min_tensor": lambda T, x: x[1:].clamp_(min=x[:-1]),
    "lt_shift": lambda T, x: x[1:].lt_(x[:-1]),
    "lerp_shift": lambda T, x: x[1:].lerp_(x[:-1], 0.5),
    "addcmul_shift": lambda T, x: x[1:].addcmul_(x[:-1], x[:-1]),
    "neg_out": lambda T, x: T.neg(x[:-1], out=x[1:]),
    "add_out": lambda T, x: T.add(x[:-1], 1, out=x[1:]),
    "setitem_index_tensor": lambda T, x: x.__setitem__(T.tensor([1, 2, 3]), x[:3]),
    "setitem_index_self": lambda T, x: x.__setitem__(T.tensor([5, 4, 3, 2, 1, 0]), x),
    "index_put_self": lambda T, x: x.index_put_((T.tensor([5, 4, 3, 2, 1, 0]),), x),
    "scatter_self": lambda T, x: x.scatter_(0, T.tensor([5, 4, 3, 2, 1, 0]), x),
    "index_add_shift": lambda T, x: x[1:].index_add_(0, T.tensor([0, 1]), x[:2]),
    "index_copy_self": lambda T, x: x.index_copy_(0, T.tensor([5, 4, 3, 2, 1, 0]), x),
    "put_shift": lambda T, x: x[1:].put_(T.tensor([0, 1]), x[:2]),
    "setitem_row_from_flat": lambda T, x: x.view(2, 3).__setitem__(1, x[2:5]),
}
for _name, _write in OVERLAPPING.items():
    S[_name] = (_run(_write), OVERLAP)

ALLOWED = {  # PyTorch computes these: the same memory exactly, disjoint, or a tensor it cannot judge
    "add_self": (lambda T, x: x.add_(x), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
    "add_same_view": (lambda T, x: x[1:].add_(x[1:]), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
    "setitem_same": (lambda T, x: x.__setitem__(slice(None), x), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
    "add_disjoint": (lambda T, x: x[3:].add_(x[:3]), [0.0, 1.0, 2.0, 3.0, 5.0, 7.0]),
    "copy_strided_slices": (lambda T, x: x.view(2, 3)[:, :2].copy_(x.view(2, 3)[:, 1:]), [1.0, 2.0, 2.0, 4.0, 5.0, 5.0]),
    "setitem_0d_inside": (lambda T, x: x.__setitem__(slice(1, None), x[2]), [0.0, 2.0, 2.0, 2.0, 2.0, 2.0]),
    "setitem_mask_0d": (lambda T, x: x.__setitem__(x > 1, x[2:3]), [0.0, 1.0, 2.0, 2.0, 2.0, 2.0]),
    "setitem_broadcast": (lambda T, x: x.view(3, 2).__setitem__(slice(1, None), x[:2]), [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]),
    "fill_from_inside": (lambda T, x: x[1:].fill_(x[3]), [0.0, 3.0, 3.0, 3.0, 3.0, 3.0]),
    "masked_fill_0d": (lambda T, x: x.masked_fill_(x > 2, x[3]), [0.0, 1.0, 2.0, 3.0, 3.0, 3.0]),
    "index_fill_0d": (lambda T, x: x[1:].index_fill_(0, T.tensor([0, 1]), x[0]), [0.0, 0.0, 0.0, 3.0, 4.0, 5.0]),
    "index_put_mask_0d": (lambda T, x: x.index_put_((x > 2,), x[0]), [0.0, 1.0, 2.0, 0.0, 0.0, 0.0]),
    "relu_self": (lambda T, x: x[1:].relu_(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
}
for _name, (_write, _expect) in ALLOWED.items():
    S[_name] = (_run(_write), ("tensor", _expect, "float32"))


# ---- data_ptr / untyped_storage --------------------------------------------------------------
@S.scenario([True, 12, False, 0, True, 24, True])
def data_pointers(T):
    x = T.arange(6.0).view(2, 3)
    y = x.detach()
    y.add_(1)
    return [x.data_ptr() == x[0].data_ptr(), x[1].data_ptr() - x.data_ptr(), x.clone().data_ptr() == x.data_ptr(),
            T.empty(0).data_ptr(), x[1].untyped_storage().data_ptr() == x.data_ptr(), x.untyped_storage().nbytes(),
            y.data_ptr() == x.data_ptr()]


# ---- resize_ ---------------------------------------------------------------------------------
@S.scenario(raised("RuntimeError", "cannot resize variables that require grad"))
def resize_requires_grad(T):
    return T.ones(2, requires_grad=True).resize_(3)


@S.scenario(raised("RuntimeError", "cannot resize variables that require grad"))
def resize_as_non_leaf(T):
    return (T.ones(2, requires_grad=True) * 2).resize_as_(T.ones(2))


@S.scenario([[0.0, 1.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], True,
             [[0.0, 1.0], [2.0, 3.0]]])
def resize_values(T):
    z = T.arange(6.0)
    out = [z.resize_(2).tolist(), z.resize_(6).tolist(), z.resize_(2, 3).tolist()]  # shrunk elements come back
    w = T.arange(6.0)
    out.append(w.resize_((3, 2)) is w)
    out.append(w.resize_as_(T.ones(2, 2)).tolist())
    return out


# ---- default device, bool pow ----------------------------------------------------------------
@S.scenario(["cpu", "cpu", "cpu"])
def default_device(T):
    out = [str(T.get_default_device())]
    T.set_default_device("cpu")
    try:
        out.append(str(T.ones(1).device))
    finally:
        T.set_default_device(None)
    out.append(str(T.get_default_device()))
    return out


@S.scenario([("tensor", [1.0, 0.0], "bool"), ("tensor", [1.0, 1.0], "bool"), ("tensor", [1.0, 0.0], "int64"),
             ("tensor", [1.0, 0.0], "bool"), ("tensor", [1.0, 0.0], "bool")])
def bool_pow(T):
    b = T.tensor([True, False])
    return [T.pow(b, True), T.pow(b, False), T.pow(b, 2), b ** True, b.clone().pow_(True)]


@pytest.mark.parametrize("name", list(S))
def test_scenario(name):
    check(S[name], observe, normalise, facade, torch)


def test_cuda_default_device_without_a_gpu():
    if facade.cuda.is_available():
        pytest.skip("a GPU is present")
    facade.set_default_device("cuda")
    try:
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            facade.get_default_device()
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            facade.ones(2)
    finally:
        facade.set_default_device(None)
    assert str(facade.ones(1).device) == "cpu"


def test_overlap_check_leaves_disjoint_views_alone():
    x = facade.arange(8.0)
    x[4:].add_(x[:4])
    x[::2].copy_(x[1::2])
    assert x.tolist() == [1.0, 1.0, 3.0, 3.0, 6.0, 6.0, 10.0, 10.0]  # strided views: PyTorch does not judge them
