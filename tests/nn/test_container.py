"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against PyTorch."""

from collections import OrderedDict

import numpy as np

from nn_compare import data, raises_like, run_modules, torch

import facade
import facade.nn as fnn

tnn = torch.nn


def pair(fn):
    return fn(tnn, torch), fn(fnn, facade)


def test_sequential_forward_and_indexing():
    t, f = pair(lambda nn, lib: nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2), nn.Tanh()))
    run_modules(t, f, [data(0, (3, 4))])
    assert repr(f) == repr(t)
    assert repr(f[1:]) == repr(t[1:]) and type(f[1:]) is fnn.Sequential
    assert repr(f[-1]) == repr(t[-1]) and len(f) == len(t) == 4
    assert [type(m).__name__ for m in f] == [type(m).__name__ for m in t]
    raises_like(lambda: t[7], lambda: f[7])
    f.append(fnn.ReLU())
    t.append(tnn.ReLU())
    assert repr(f) == repr(t)
    del f[0]
    del t[0]
    assert repr(f) == repr(t)
    f.insert(1, fnn.Sigmoid())
    t.insert(1, tnn.Sigmoid())
    assert repr(f) == repr(t)
    f[0] = fnn.Identity()
    t[0] = tnn.Identity()
    assert repr(f) == repr(t)
    assert repr(f + f) == repr(t + t)
    assert repr(fnn.Sequential()) == repr(tnn.Sequential())
    raises_like(lambda: tnn.Sequential(1), lambda: fnn.Sequential(1))


def test_sequential_from_ordered_dict():
    t, f = pair(lambda nn, lib: nn.Sequential(OrderedDict(a=nn.Linear(2, 2), b=nn.Tanh())))
    assert repr(f) == repr(t)
    assert list(f.state_dict()) == list(t.state_dict())
    assert repr(f[1:]) == repr(t[1:])
    run_modules(t, f, [data(1, (3, 2))])


def test_module_list():
    t, f = pair(lambda nn, lib: nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.Linear(2, 2)]))
    assert repr(f) == repr(t)
    assert repr(f[1:3]) == repr(t[1:3]) and type(f[1:3]) is fnn.ModuleList
    assert repr(fnn.ModuleList()) == repr(tnn.ModuleList()) and repr(fnn.ModuleList([fnn.ReLU()])) == repr(
        tnn.ModuleList([tnn.ReLU()])
    )
    raises_like(lambda: t[5], lambda: f[5])
    f.extend([fnn.Tanh()])
    t.extend([tnn.Tanh()])
    f += [fnn.ReLU()]
    t += [tnn.ReLU()]
    f.insert(0, fnn.Sigmoid())
    t.insert(0, tnn.Sigmoid())
    assert repr(f) == repr(t)
    assert repr(f.pop(1)) == repr(t.pop(1)) and repr(f) == repr(t)
    assert [n for n, _ in f.named_parameters()] == [n for n, _ in t.named_parameters()]


def test_module_dict():
    t, f = pair(lambda nn, lib: nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 1)}))
    assert repr(f) == repr(t)
    assert list(f.keys()) == list(t.keys()) and "a" in f and len(f) == 2
    f["c"] = fnn.Tanh()
    t["c"] = tnn.Tanh()
    f.update([("d", fnn.ReLU())])
    t.update([("d", tnn.ReLU())])
    assert repr(f) == repr(t)
    assert repr(f.pop("a")) == repr(t.pop("a")) and list(f) == list(t)
    raises_like(lambda: tnn.ModuleDict({"a": 1}), lambda: fnn.ModuleDict({"a": 1}))


def test_parameter_list_and_dict():
    t, f = pair(
        lambda nn, lib: nn.ParameterList(
            [nn.Parameter(lib.ones(2, 3)), lib.ones(2), nn.Parameter(lib.ones(1, dtype=lib.float64))]
        )
    )
    assert repr(f) == repr(t)
    assert type(f[1]) is fnn.Parameter and f[1].requires_grad and len(f) == 3
    assert [n for n, _ in f.named_parameters()] == [n for n, _ in t.named_parameters()]
    f.append(facade.zeros(1))
    t.append(torch.zeros(1))
    assert repr(f) == repr(t)
    td, fd = pair(lambda nn, lib: nn.ParameterDict({"a": nn.Parameter(lib.ones(2)), "b": lib.zeros(3)}))
    assert repr(fd) == repr(td)
    assert type(fd["b"]) is fnn.Parameter and list(fd.keys()) == ["a", "b"]

    class Holder(fnn.Module):
        def __init__(self):
            super().__init__()
            self.p = fnn.ParameterList([fnn.Parameter(facade.ones(1))])

    class THolder(tnn.Module):
        def __init__(self):
            super().__init__()
            self.p = tnn.ParameterList([tnn.Parameter(torch.ones(1))])

    assert repr(Holder()).replace("Holder", "X") == repr(THolder()).replace("THolder", "X")
    np.testing.assert_array_equal(f[0].detach().numpy(), np.ones((2, 3)))
