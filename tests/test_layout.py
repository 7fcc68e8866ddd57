"""torch.layout values and the dense-tensor flags, against torch."""
import pickle

import pytest

import facade

NAMES = ["strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "jagged"]


def test_layouts_print_compare_and_pickle_as_torch_does():
    torch = pytest.importorskip("torch")
    for name in NAMES:
        ours, theirs = getattr(facade, name), getattr(torch, name)
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert isinstance(ours, facade.layout)
        assert pickle.loads(pickle.dumps(ours)) is ours
    assert facade.strided == facade.strided and facade.strided != facade.sparse_coo


def test_a_tensor_is_dense_and_strided():
    torch = pytest.importorskip("torch")
    t, f = torch.ones(2, 3), facade.ones(2, 3)
    assert f.layout is facade.strided and repr(f.layout) == repr(t.layout)
    for flag in ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn", "is_nested", "is_mps"):
        assert getattr(f, flag) is getattr(t, flag) is False, flag
    assert f[0].is_sparse is False and f.T.layout is facade.strided  # views too
