"""torch.func over containers and untransformed arguments: dict key order kept (torch's pytrees; JAX's
sort), OrderedDict / namedtuple / nested lists rebuilt as given, untransformed tensors reaching the
function as the caller's own Tensor objects, non-tensors passed through, stack_module_state, and the
model-ensembling and per-sample-gradient tutorial patterns. Each check runs on facade and, when it is
installed, on torch with the same written-out expectations.
"""
import collections
import copy

import numpy as np
import pytest

import facade
from facade.testing._differential import torch_or_none

torch = torch_or_none()
LIBS = [facade] + ([torch] if torch is not None else [])
ids = [lib.__name__ for lib in LIBS]
Pair = collections.namedtuple("Pair", "first second")


def arr(t):
    return np.asarray(t.detach().numpy(), np.float64)


@pytest.fixture(params=LIBS, ids=ids)
def T(request):
    return request.param


def test_grad_keeps_dict_order(T):
    p = {"weight": T.ones(2), "bias": T.zeros(2), "alpha": T.full((1,), 3.0)}
    g = T.func.grad(lambda p: (p["weight"] * 2 + p["bias"] * p["alpha"]).sum())(p)
    assert type(g) is dict and list(g) == ["weight", "bias", "alpha"]
    np.testing.assert_array_equal(arr(g["weight"]), [2, 2])
    np.testing.assert_array_equal(arr(g["bias"]), [3, 3])
    np.testing.assert_array_equal(arr(g["alpha"]), [0])


def test_grad_and_value_argnums_containers(T):
    od = collections.OrderedDict([("z", T.tensor(2.0)), ("a", T.tensor(3.0))])
    pair = Pair(T.tensor(1.0), [T.tensor(4.0), (T.tensor(5.0),)])

    def f(od, pair):
        return od["z"] * od["a"] * pair.first + pair.second[0] * pair.second[1][0]

    (g1, g2), v = T.func.grad_and_value(f, argnums=(0, 1))(od, pair)
    assert arr(v) == 26.0
    assert type(g1) is collections.OrderedDict and list(g1) == ["z", "a"]
    assert [arr(g1["z"]), arr(g1["a"])] == [3.0, 2.0]
    assert type(g2) is Pair and isinstance(g2.second, list) and isinstance(g2.second[1], tuple)
    assert [arr(g2.first), arr(g2.second[0]), arr(g2.second[1][0])] == [6.0, 5.0, 4.0]


def test_vmap_vjp_jacobians_keep_dict_order(T):
    x = T.arange(6.0).reshape(3, 2)
    out = T.func.vmap(lambda v: {"z": v.sum(), "a": v * 2, "m": [v[0]]})(x)
    assert list(out) == ["z", "a", "m"] and isinstance(out["m"], list)
    np.testing.assert_array_equal(arr(out["z"]), [1, 5, 9])
    d = {"w": T.tensor([1.0, 2.0]), "b": T.tensor([3.0])}

    def f(d):
        return {"y": d["w"] * d["b"], "s": (d["w"] ** 2).sum()}

    for jac in (T.func.jacrev, T.func.jacfwd):
        j = jac(f)(d)
        assert list(j) == ["y", "s"] and list(j["y"]) == ["w", "b"] and list(j["s"]) == ["w", "b"]
        np.testing.assert_array_equal(arr(j["y"]["w"]), [[3, 0], [0, 3]])
        np.testing.assert_array_equal(arr(j["s"]["w"]), [2, 4])
    out, fn = T.func.vjp(f, d)
    assert list(out) == ["y", "s"]
    (gd,) = fn({"y": T.ones(2), "s": T.tensor(1.0)})
    assert list(gd) == ["w", "b"]
    np.testing.assert_array_equal(arr(gd["w"]), [3 + 2, 3 + 4])
    np.testing.assert_array_equal(arr(gd["b"]), [3])
    with pytest.raises(RuntimeError, match="Expected pytree structure of cotangents to be the same"):
        fn({"s": T.tensor(1.0), "y": T.ones(2)})


def test_vmap_dict_in_dims_and_out_dims(T):
    d = {"a": T.ones(3, 2), "b": T.arange(2.0)}
    out = T.func.vmap(lambda d: d["a"] + d["b"], in_dims=({"a": 0, "b": None},))(d)
    np.testing.assert_array_equal(arr(out), [[1, 2]] * 3)
    # torch pairs a dict of in_dims with the input dict by position, not by key
    out = T.func.vmap(lambda d: d["a"] + d["b"], in_dims=({"b": None, "a": 0},))(d)
    np.testing.assert_array_equal(arr(out), [np.ones((3, 2)), 2 * np.ones((3, 2))])
    with pytest.raises(ValueError, match="in_dims is not compatible with the structure of `inputs`"):
        T.func.vmap(lambda d: d["a"], in_dims=({"a": 0},))(d)
    out = T.func.vmap(lambda x: {"z": x, "a": x}, out_dims={"a": 0, "z": 1})(T.arange(6.0).reshape(3, 2))
    assert list(out) == ["z", "a"] and tuple(out["z"].shape) == (3, 2) and tuple(out["a"].shape) == (2, 3)  # by position


def test_untransformed_args_are_the_callers_tensors(T):
    F = T.nn.functional
    assert tuple(T.func.vmap(F.linear, in_dims=(None, 0))(T.ones(5, 3), T.ones(4, 2, 3)).shape) == (4, 5, 2)
    w, seen = T.ones(2), []

    def f(x, w, n, s, z):
        seen.append((w, n, s, z))
        return (x * w * n).sum()

    T.func.vmap(f, in_dims=(0, None, None, None, None))(T.ones(3, 2), w, 2, "s", None)
    T.func.grad(f)(T.ones(2), w, 2, "s", None)
    assert seen[0][0] is w  # vmap hands over an unmapped tensor as is (grad: torch wraps it at its level)
    for got in seen:
        assert isinstance(got[0], T.Tensor) and got[1:] == (2, "s", None)
        np.testing.assert_array_equal(arr(got[0]), [1, 1])
    g = T.func.grad(lambda x, y: (x * y).sum(), argnums=1)(T.tensor([1.0, 2.0]), T.tensor([3.0, 4.0]))
    np.testing.assert_array_equal(arr(g), [1, 2])


def test_errors(T):
    vm = T.func.vmap(lambda x, n: x * n, in_dims=(0, 0))
    with pytest.raises(ValueError, match=r"Got in_dim=0 for an input but the input is of type <class 'int'>"):
        vm(T.ones(3), 2)
    with pytest.raises(ValueError, match="Thing passed to transform API must be Tensor, got <class 'int'>"):
        T.func.grad(lambda x, n: (x * n).sum(), argnums=1)(T.ones(3), 2)
    with pytest.raises(ValueError, match="Expected all tensors to have the same size in the mapped dimension"):
        T.func.vmap(lambda x, y: x + y)(T.ones(3), T.ones(4))
    with pytest.raises(ValueError, match="Expected at least one Tensor to vmap over"):
        T.func.vmap(lambda x: x, in_dims=(None,))(T.ones(3))
    with pytest.raises(RuntimeError, match="Got argnum=2, but only 1 positional inputs"):
        T.func.grad(lambda x: x.sum(), argnums=2)(T.ones(2))


def _models(T, n=3):
    models = []
    for s in range(n):
        rng = np.random.default_rng(s)
        m = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.BatchNorm1d(4), T.nn.Linear(4, 2)).eval()
        with T.no_grad():
            for p in list(m.parameters()) + [m[2].running_mean, m[2].running_var]:
                p.copy_(T.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)).abs_())
        models.append(m)
    return models


def test_stack_module_state(T):
    models = _models(T)
    params, buffers = T.func.stack_module_state(models)
    assert list(params) == ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"]
    assert list(buffers) == ["2.running_mean", "2.running_var", "2.num_batches_tracked"]
    assert tuple(params["0.weight"].shape) == (3, 4, 3) and tuple(buffers["2.num_batches_tracked"].shape) == (3,)
    for p in params.values():
        assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not any(b.requires_grad for b in buffers.values())
    np.testing.assert_array_equal(arr(params["3.bias"]), np.stack([arr(m[3].bias) for m in models]))
    with pytest.raises(RuntimeError, match="Expected at least one model, got 0"):
        T.func.stack_module_state([])
    with pytest.raises(RuntimeError, match="Expected all models to be of the same class"):
        T.func.stack_module_state([T.nn.Linear(1, 1), T.nn.Sequential(T.nn.Linear(1, 1))])
    frozen = copy.deepcopy(models[:2])
    frozen[0][0].weight.requires_grad_(False)
    with pytest.raises(RuntimeError, match="Expected 0.weight from each model to have the same .requires_grad"):
        T.func.stack_module_state(frozen)


def test_model_ensembling_tutorial(T):
    models = _models(T, 4)
    x = T.tensor(np.random.default_rng(9).standard_normal((5, 3)).astype(np.float32))
    params, buffers = T.func.stack_module_state(models)
    base = copy.deepcopy(models[0])  # the tutorial uses .to("meta")

    def fmodel(params, buffers, x):
        return T.func.functional_call(base, (params, buffers), (x,))

    want = np.stack([arr(m(x)) for m in models])
    np.testing.assert_allclose(arr(T.func.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, x)), want, rtol=1e-5)
    xs = x.expand(4, 5, 3)
    np.testing.assert_allclose(arr(T.func.vmap(fmodel)(params, buffers, xs)), want, rtol=1e-5)


def test_per_sample_grads_tutorial(T):
    model = _models(T, 1)[0]
    data = T.tensor(np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32))
    targets = T.tensor([0, 1, 1, 0])
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        pred = T.func.functional_call(model, (params, buffers), (sample.unsqueeze(0),))
        return T.nn.functional.cross_entropy(pred, target.unsqueeze(0))

    ft = T.func.vmap(T.func.grad(compute_loss), in_dims=(None, None, 0, 0))(params, buffers, data, targets)
    assert list(ft) == list(params)
    loop = []
    for i in range(4):
        loss = T.nn.functional.cross_entropy(model(data[i:i + 1]), targets[i:i + 1])
        loop.append(T.autograd.grad(loss, list(model.parameters())))
    for per_sample, ft_grad in zip(zip(*loop), ft.values()):
        np.testing.assert_allclose(arr(T.stack(per_sample)), arr(ft_grad), rtol=1e-5, atol=1e-6)
