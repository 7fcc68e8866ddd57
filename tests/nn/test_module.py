"""nn.Module machinery and nn.Parameter against PyTorch (no numerics: registration, traversal,
state_dict, hooks, conversions, reprs and errors)."""

import copy
import pickle

import numpy as np
import pytest

from nn_compare import raises_like, torch

import facade
import facade.nn as fnn

tnn = torch.nn


def build(nn, lib):
    """The same small model in either library: nested modules, a shared module, buffers."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("scratch", lib.ones(2), persistent=False)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.fc(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.scale = nn.Parameter(lib.ones(1))
            self.head = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
            self.shared = self.block.fc  # the same module twice
            self.register_parameter("unused", None)

        def forward(self, x):
            return self.head(self.block(x) * self.scale)

    return Net()


@pytest.fixture
def nets():
    return build(tnn, torch), build(fnn, facade)


def names(it):
    return [n for n, _ in it]


def test_traversal_matches_torch(nets):
    t, f = nets
    assert names(f.named_parameters()) == names(t.named_parameters())
    assert names(f.named_parameters(remove_duplicate=False)) == names(t.named_parameters(remove_duplicate=False))
    assert names(f.named_parameters(prefix="m", recurse=False)) == names(t.named_parameters(prefix="m", recurse=False))
    assert names(f.named_buffers()) == names(t.named_buffers())
    assert names(f.named_modules()) == names(t.named_modules())
    assert names(f.named_modules(prefix="root", remove_duplicate=False)) == names(
        t.named_modules(prefix="root", remove_duplicate=False)
    )
    assert names(f.named_children()) == names(t.named_children())
    assert len(list(f.parameters())) == len(list(t.parameters()))
    assert len(list(f.modules())) == len(list(t.modules()))
    assert [type(m).__name__ for m in f.children()] == [type(m).__name__ for m in t.children()]
    assert list(f.state_dict()) == list(t.state_dict())
    assert list(f.state_dict()._metadata) == list(t.state_dict()._metadata)
    assert all(isinstance(p, fnn.Parameter) for p in f.parameters())


def test_repr_and_dir_match_torch(nets):
    t, f = nets
    assert repr(f).replace("build.<locals>.", "") == repr(t).replace("build.<locals>.", "")
    assert [k for k in dir(f) if not k.startswith("_")] == [
        k for k in dir(t) if not k.startswith("_") and hasattr(f, k)
    ]
    s = fnn.Sequential(fnn.Linear(2, 2), fnn.Sequential(fnn.ReLU(), fnn.Linear(2, 3)))
    assert repr(s) == repr(tnn.Sequential(tnn.Linear(2, 2), tnn.Sequential(tnn.ReLU(), tnn.Linear(2, 3))))


def test_getattr_setattr_errors(nets):
    t, f = nets
    raises_like(lambda: t.foo, lambda: f.foo)
    raises_like(lambda: setattr(t, "scale", torch.ones(1)), lambda: setattr(f, "scale", facade.ones(1)))
    raises_like(lambda: setattr(t, "head", 3), lambda: setattr(f, "head", 3))
    raises_like(lambda: setattr(t.block, "steps", 3), lambda: setattr(f.block, "steps", 3))
    raises_like(lambda: t.register_buffer("scale", torch.ones(1)), lambda: f.register_buffer("scale", facade.ones(1)))
    raises_like(lambda: t.register_buffer("a.b", torch.ones(1)), lambda: f.register_buffer("a.b", facade.ones(1)))
    raises_like(lambda: t.register_buffer("", torch.ones(1)), lambda: f.register_buffer("", facade.ones(1)))
    raises_like(lambda: t.register_buffer(1, torch.ones(1)), lambda: f.register_buffer(1, facade.ones(1)))
    raises_like(lambda: t.register_buffer("z", 3), lambda: f.register_buffer("z", 3))
    raises_like(lambda: t.register_parameter("w", torch.ones(1)), lambda: f.register_parameter("w", facade.ones(1)))
    raises_like(lambda: t.add_module("x", 3), lambda: f.add_module("x", 3))
    raises_like(lambda: t.add_module("a.b", tnn.ReLU()), lambda: f.add_module("a.b", fnn.ReLU()))
    raises_like(lambda: t.get_submodule("block.nope"), lambda: f.get_submodule("block.nope"))
    raises_like(lambda: t.get_submodule("scale"), lambda: f.get_submodule("scale"))
    raises_like(lambda: t.get_parameter("block.steps"), lambda: f.get_parameter("block.steps"))
    raises_like(lambda: t.train("yes"), lambda: f.train("yes"))
    raises_like(lambda: tnn.Module()(1), lambda: fnn.Module()(1))

    class Early(fnn.Module):
        def __init__(self):
            self.w = fnn.Parameter(facade.ones(1))

    class TEarly(tnn.Module):
        def __init__(self):
            self.w = tnn.Parameter(torch.ones(1))

    raises_like(TEarly, Early)


def test_registration_changes_kind(nets):
    _, f = nets
    f.extra = fnn.Linear(1, 1)
    assert "extra" in f._modules
    del f.extra
    assert "extra" not in f._modules and not hasattr(f, "extra")
    f.block.steps = facade.ones(1) * 5  # replacing a buffer keeps it a buffer
    assert f.block._buffers["steps"].item() == 5
    f.b = fnn.Buffer(facade.ones(2), persistent=False)
    assert "b" in f._buffers and "b" not in f.state_dict()
    assert f.get_submodule("block.fc") is f.shared
    assert f.get_parameter("block.fc.bias") is f.shared.bias
    assert f.get_buffer("block.steps") is f.block.steps


def test_train_eval_requires_grad_zero_grad_apply(nets):
    _, f = nets
    assert f.training and f.block.act.training
    assert f.eval() is f and not f.block.act.training
    f.train()
    f(facade.ones(2, 3)).sum().backward()
    assert all(p.grad is not None for p in f.parameters())
    f.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in f.parameters())
    f.zero_grad()
    assert all(p.grad is None for p in f.parameters())
    f.requires_grad_(False)
    assert not any(p.requires_grad for p in f.parameters())
    seen = []
    f.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"


def test_conversions_keep_parameter_objects(nets):
    _, f = nets
    params = list(f.parameters())
    f(facade.ones(2, 3)).sum().backward()
    assert f.double() is f
    assert [p is q for p, q in zip(params, f.parameters())] == [True] * len(params)
    assert all(p.dtype is facade.float64 and p.grad.dtype is facade.float64 for p in f.parameters())
    assert f.block.steps.dtype is facade.float64
    f.to(facade.float32)
    assert all(p.dtype is facade.float32 for p in f.parameters())
    f.half().float()
    f.to("cpu")
    f.cpu()
    assert isinstance(f.block.fc.weight, fnn.Parameter)
    raises_like(lambda: tnn.Linear(1, 1).to(torch.int64), lambda: fnn.Linear(1, 1).to(facade.int64))
    bn = fnn.BatchNorm1d(2).double()
    assert bn.num_batches_tracked.dtype is facade.int64


def test_state_dict_round_trip(nets):
    t, f = nets
    sd = f.state_dict()
    assert all(type(v) is facade.Tensor and not v.requires_grad for v in sd.values())
    assert isinstance(f.state_dict(keep_vars=True)["scale"], fnn.Parameter)
    g = build(fnn, facade)
    result = g.load_state_dict(sd)
    assert repr(result) == repr(t.load_state_dict(t.state_dict())) == "<All keys matched successfully>"
    for (k, a), (_, b) in zip(f.state_dict().items(), g.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    # loading copies values into the existing parameters (no aliasing of the source)
    w = g.block.fc.weight
    g.load_state_dict(f.state_dict())
    assert g.block.fc.weight is w


def _torch_sd(sd):
    return {k: torch.tensor(v.numpy()) if hasattr(v, "numpy") else v for k, v in sd.items()}


@pytest.mark.parametrize("edit", ["shape", "missing", "unexpected", "child_unexpected", "not_tensor", "all"])
def test_load_state_dict_errors(edit):
    sd = {"0.weight": np.ones((2, 3), np.float32), "0.bias": np.ones(2, np.float32)}
    if edit in ("shape", "all"):
        sd["0.weight"] = np.ones((2, 4), np.float32)
    if edit in ("missing", "all"):
        del sd["0.bias"]
    if edit in ("unexpected", "all"):
        sd["foo"] = np.ones(1, np.float32)
    if edit == "child_unexpected":
        sd["1.foo"] = np.ones(1, np.float32)
        sd["z.w"] = np.ones(1, np.float32)
    if edit == "not_tensor":
        sd["0.bias"] = 3
    tm, fm = tnn.Sequential(tnn.Linear(3, 2), tnn.ReLU()), fnn.Sequential(fnn.Linear(3, 2), fnn.ReLU())
    tsd = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in sd.items()}
    fsd = {k: facade.tensor(v) if isinstance(v, np.ndarray) else v for k, v in sd.items()}
    raises_like(lambda: tm.load_state_dict(tsd), lambda: fm.load_state_dict(fsd))
    if edit in ("missing", "unexpected", "child_unexpected"):
        assert repr(fm.load_state_dict(fsd, strict=False)) == repr(tm.load_state_dict(tsd, strict=False))


def test_load_state_dict_linear_message():
    msg = (
        "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
        "torch.Size([2, 4]) from checkpoint, the shape in current model is torch.Size([2, 3])."
    )
    with pytest.raises(RuntimeError) as e:
        fnn.Linear(3, 2).load_state_dict({"weight": facade.ones(2, 4), "bias": facade.ones(2)})
    assert str(e.value) == msg
    raises_like(lambda: tnn.Linear(1, 1).load_state_dict([1]), lambda: fnn.Linear(1, 1).load_state_dict([1]))


def test_load_state_dict_assign():
    m = fnn.Linear(2, 2)
    w = facade.ones(2, 2, dtype=facade.float64)
    m.load_state_dict({"weight": w, "bias": facade.zeros(2, dtype=facade.float64)}, assign=True)
    assert isinstance(m.weight, fnn.Parameter) and m.weight.dtype is facade.float64 and m.weight.requires_grad


def test_forward_hooks():
    m = fnn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre") or (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("post") or out + 1)
    h3 = m.register_forward_pre_hook(lambda mod, args: calls.append("first"), prepend=True)
    out = m(facade.ones(1, 2))
    assert calls == ["first", "pre", "post"]
    np.testing.assert_allclose(out.detach().numpy(), m.bias.detach().numpy()[None] + 1, rtol=1e-6)
    for h in (h1, h2, h3):
        h.remove()
    calls.clear()
    m(facade.ones(1, 2))
    assert calls == []
    with m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(sorted(kwargs)), with_kwargs=True):
        m(input=facade.ones(1, 2))
    m(facade.ones(1, 2))
    assert calls == [["input"]]


def test_always_call_hook_runs_on_error():
    class Boom(fnn.Module):
        def forward(self, x):
            raise ValueError("boom")

    calls = []
    b = Boom()
    b.register_forward_hook(lambda *a: calls.append(1), always_call=True)
    with pytest.raises(ValueError):
        b(1)
    assert calls == [1]


def test_parameter_behaviour():
    data = facade.ones(3)
    p = fnn.Parameter(data)
    tp = tnn.Parameter(torch.ones(3))
    assert repr(p) == repr(tp) and str(p) == str(tp)
    assert repr(fnn.Parameter(facade.ones(2), requires_grad=False)) == repr(
        tnn.Parameter(torch.ones(2), requires_grad=False)
    )
    assert repr(fnn.Parameter()) == repr(tnn.Parameter())
    data.add_(1)  # shares storage with the data it wraps
    assert p.detach().numpy().tolist() == [2.0, 2.0, 2.0]
    assert p.is_leaf and p.requires_grad and isinstance(p, facade.Tensor)
    for out in (p * 2, p.detach(), p.data, p[0], p + p):
        assert type(out) is facade.Tensor
    with facade.no_grad():
        p.add_(1)
    assert type(p) is fnn.Parameter
    q = copy.deepcopy(p)
    assert type(q) is fnn.Parameter and q is not p and q.requires_grad
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is fnn.Parameter and r.detach().numpy().tolist() == p.detach().numpy().tolist()
    raises_like(
        lambda: tnn.Parameter(torch.ones(2, dtype=torch.int64)),
        lambda: fnn.Parameter(facade.ones(2, dtype=facade.int64)),
    )
    nl = facade.ones(2, requires_grad=True) * 2
    assert fnn.Parameter(nl).is_leaf
    assert isinstance(fnn.Buffer(facade.ones(1)), fnn.Buffer) and type(fnn.Buffer(facade.ones(1))) is facade.Tensor


def test_deepcopy_module(nets):
    _, f = nets
    g = copy.deepcopy(f)
    assert g.shared is g.block.fc and g.block.fc is not f.block.fc
    assert isinstance(g.scale, fnn.Parameter)
    g.scale.data.fill_(3)
    assert f.scale.item() == 1
