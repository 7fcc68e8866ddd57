"""facade.save / facade.load: round trips of tensors, Parameters, state_dicts and nested
containers; the documented file layout; no code execution; clear errors for corrupt and
foreign (PyTorch) files."""
import collections
import copy
import io
import json
import math
import pickle
import re
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import facade


def roundtrip(obj, **load_kw):
    buf = io.BytesIO()
    facade.save(obj, buf)
    buf.seek(0)
    return facade.load(buf, **load_kw)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8",
                                   "bool", "complex64", "complex128"])
def test_tensor_dtypes(dtype):
    d = getattr(facade, dtype)
    t = (facade.arange(6.0).reshape(2, 3) - 2.5).to(d)
    out = roundtrip(t)
    assert out.dtype is d and out.shape == t.shape
    assert out.tolist() == t.tolist()
    assert not out.requires_grad


def test_scalars_empty_and_views():
    for t in (facade.tensor(3.5), facade.zeros(0, 4), facade.arange(12.0).reshape(3, 4).t()[1:]):
        out = roundtrip(t)
        assert out.shape == t.shape and out.tolist() == t.tolist()


def test_requires_grad_and_identity_are_kept(tmp_path):
    w = facade.randn(3, requires_grad=True)
    path = tmp_path / "ckpt.pt"
    facade.save({"a": w, "b": [w, 2]}, path)
    out = facade.load(path)
    assert out["a"].requires_grad and out["a"].is_leaf
    assert out["b"][0] is out["a"]  # saved once, loaded as one tensor
    np.testing.assert_array_equal(out["a"].detach().numpy(), w.detach().numpy())


def test_parameters_stay_parameters():
    nn = pytest.importorskip("facade.nn")
    p = nn.Parameter(facade.randn(2, 2))
    frozen = nn.Parameter(facade.randn(2), requires_grad=False)
    out = roundtrip({"p": p, "frozen": frozen})
    assert type(out["p"]).__name__ == "Parameter" and out["p"].requires_grad
    assert type(out["frozen"]).__name__ == "Parameter" and not out["frozen"].requires_grad


def test_module_state_dict_round_trip():
    nn = pytest.importorskip("facade.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("facade.nn.Linear not available yet")
    model = nn.Linear(3, 2)
    other = nn.Linear(3, 2)
    other.load_state_dict(roundtrip(model.state_dict()))
    for a, b in zip(model.parameters(), other.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_nested_python_values():
    obj = {
        "ints": [1, -2, 10**30], "floats": (0.1, -0.0, math.inf, -math.inf), "none": None, "s": "héllo",
        "bools": [True, False], 3: "int key", (1, "a"): "tuple key", "c": 1 + 2j, "bytes": b"\x00\xff",
        "od": collections.OrderedDict([("z", 1), ("a", 2)]), "dtype": facade.bfloat16, "dev": facade.device("cpu"),
        "size": facade.Size([2, 3]), "np": np.arange(6, dtype=np.int16).reshape(2, 3), "npf": np.float32(1.5),
    }
    out = roundtrip(obj)
    assert out.keys() == obj.keys()
    for k in obj:
        if k in ("np",):
            assert out[k].dtype == np.int16 and out[k].tolist() == obj[k].tolist()
        elif k == "npf":
            assert out[k] == 1.5
        else:
            assert out[k] == obj[k] and type(out[k]) is type(obj[k]), k
    assert math.copysign(1, out["floats"][1]) == -1
    assert math.isnan(roundtrip(float("nan")))


def test_optimizer_state_dict_round_trip_resumes_training():
    from facade import optim

    def loss_of(w):
        return ((w - facade.tensor([1.0, -1.0, 2.0])) ** 2).sum()

    w = facade.zeros(3, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    for _ in range(4):
        opt.zero_grad()
        loss_of(w).backward()
        opt.step()
        sched.step()
    ckpt = roundtrip({"w": w, "opt": opt.state_dict(), "sched": sched.state_dict()})
    assert list(ckpt["opt"]["state"]) == [0] and isinstance(ckpt["opt"]["param_groups"][0]["betas"], tuple)
    assert ckpt["opt"]["state"][0]["step"].dtype is facade.float32

    w2 = ckpt["w"]
    opt2 = optim.Adam([w2], lr=0.1)
    opt2.load_state_dict(ckpt["opt"])
    sched2 = optim.lr_scheduler.StepLR(opt2, step_size=3, gamma=0.5)
    sched2.load_state_dict(ckpt["sched"])
    for o, s, p in ((opt, sched, w), (opt2, sched2, w2)):
        for _ in range(3):
            o.zero_grad()
            loss_of(p).backward()
            o.step()
            s.step()
    np.testing.assert_allclose(w2.detach().numpy(), w.detach().numpy(), rtol=1e-6)
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_map_location_and_weights_only():
    t = facade.arange(3.0)
    for ml in ("cpu", facade.device("cpu"), {"cpu": "cpu"}, lambda tensor, loc: tensor * 2):
        out = roundtrip(t, map_location=ml, weights_only=True)
        expected = [0.0, 2.0, 4.0] if callable(ml) else [0.0, 1.0, 2.0]
        assert out.tolist() == expected and out.device.type == "cpu"
    assert roundtrip(t, weights_only=False).tolist() == [0.0, 1.0, 2.0]


def test_documented_layout(tmp_path):
    path = tmp_path / "x.pt"
    facade.save({"w": facade.ones(2, 2, requires_grad=True), "n": 3}, path)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("facade/manifest.json"))
        assert manifest["format"] == "facade" and manifest["version"] == 1
        assert manifest["root"] == {"dict": [["w", {"tensor": 0}], ["n", 3]]}
        entry = manifest["arrays"][0]
        assert entry["dtype"] == "float32" and entry["shape"] == [2, 2] and entry["requires_grad"]
        with zf.open(entry["file"]) as fh:  # plain .npy, readable without facade
            assert np.lib.format.read_array(fh, allow_pickle=False).tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_unsupported_objects_are_refused():
    class Custom:
        pass

    with pytest.raises(TypeError, match="facade.save cannot save an object of type .*Custom"):
        facade.save({"x": Custom()}, io.BytesIO())
    with pytest.raises(TypeError, match="numpy arrays of Python objects"):
        facade.save(np.array([object()]), io.BytesIO())


def _zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    buf.seek(0)
    return buf


def test_loading_never_unpickles():
    # a manifest can only name arrays; a pickled payload inside the archive is never read
    evil = pickle.dumps(print)
    buf = _zip({"facade/manifest.json": json.dumps({"format": "facade", "version": 1, "arrays": [],
                                                    "root": {"pickle": "x"}}), "data.bin": evil})
    with pytest.raises(RuntimeError, match="corrupt facade checkpoint .*unknown entry type 'pickle'"):
        facade.load(buf)
    npy = io.BytesIO()
    np.lib.format.write_array(npy, np.array([print], dtype=object), allow_pickle=True)
    buf = _zip({"facade/manifest.json": json.dumps({"format": "facade", "version": 1, "root": {"ndarray": 0},
                                                    "arrays": [{"file": "a.npy", "dtype": "|O", "shape": [1],
                                                                "kind": "ndarray"}]}),
                "a.npy": npy.getvalue()})
    with pytest.raises(RuntimeError, match="corrupt facade checkpoint"):
        facade.load(buf)


def test_pytorch_checkpoints_are_recognised(tmp_path):
    torch = pytest.importorskip("torch")
    for kw in ({}, {"_use_new_zipfile_serialization": False}):
        path = tmp_path / "model.pt"
        torch.save({"w": torch.ones(2)}, path, **kw)
        with pytest.raises(RuntimeError, match=re.escape(f"'{path}' is a ")) as info:
            facade.load(path)
        msg = str(info.value)
        assert "PyTorch checkpoint" in msg or "legacy PyTorch checkpoint" in msg
        assert "torch.load" in msg and ".numpy()" in msg


def test_pytorch_zip_layout_recognised_without_torch():
    buf = _zip({"archive/data.pkl": b"\x80\x02}q\x00.", "archive/version": b"3\n"})
    with pytest.raises(RuntimeError, match="is a PyTorch checkpoint \\(torch.save zip format\\), not a facade"):
        facade.load(buf)


@pytest.mark.parametrize("content,what", [
    (b"", "not a zip archive"),
    (b"hello world, not a checkpoint", "not a zip archive"),
    (b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19.", "is a pickle file"),
])
def test_foreign_files(tmp_path, content, what):
    path = tmp_path / "f.bin"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=re.escape(f"facade.load: '{path}' ") + ".*" + re.escape(what)):
        facade.load(path)


def test_corrupt_facade_files(tmp_path):
    path = tmp_path / "good.pt"
    facade.save({"w": facade.ones(3)}, path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match=re.escape(f"'{truncated}'")):
        facade.load(truncated)
    no_manifest = _zip({"other.txt": b"x"})
    with pytest.raises(RuntimeError, match="zip archive without a facade manifest"):
        facade.load(no_manifest)
    bad_json = _zip({"facade/manifest.json": b"{not json"})
    with pytest.raises(RuntimeError, match="corrupt facade checkpoint \\(unreadable manifest"):
        facade.load(bad_json)
    missing_array = _zip({"facade/manifest.json": json.dumps(
        {"format": "facade", "version": 1, "root": {"tensor": 0},
         "arrays": [{"file": "facade/arrays/0.npy", "dtype": "float32", "shape": [3], "kind": "tensor"}]})})
    with pytest.raises(RuntimeError, match="corrupt facade checkpoint \\(array 0"):
        facade.load(missing_array)
    future = _zip({"facade/manifest.json": json.dumps({"format": "facade", "version": 99, "root": None, "arrays": []})})
    with pytest.raises(RuntimeError, match="has facade checkpoint version 99"):
        facade.load(future)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        facade.load("/nonexistent/dir/ckpt.pt")


def test_cuda_location_without_a_gpu(tmp_path):
    if facade.cuda.is_available():
        pytest.skip("a GPU is present")
    buf = io.BytesIO()
    facade.save(facade.ones(2), buf)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
        facade.load(buf, map_location="cuda")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.integers() | st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=40, deadline=None)
@given(json_values)
def test_python_values_round_trip(obj):
    assert roundtrip(obj) == obj


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=6), st.booleans())
def test_tensor_values_round_trip(values, requires_grad):
    t = facade.tensor(values, requires_grad=requires_grad)
    out = roundtrip(copy.deepcopy([t]))[0]
    assert out.requires_grad == requires_grad
    np.testing.assert_array_equal(out.detach().numpy(), t.detach().numpy())
