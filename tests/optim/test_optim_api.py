"""facade.optim's Optimizer API: construction errors, groups, zero_grad, closures, hooks,
repr, state_dict round trips, and that steps never recompile once warmed up.

Expected messages are PyTorch 2.x's (checked against torch==2.13.0)."""
import copy
import re
import warnings

import numpy as np
import pytest

import facade
from facade import optim
from mlp_problem import loss_fn, make_data, make_params, train

ALL = [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
    lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
]
IDS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def leaf(*shape):
    return facade.randn(*shape, requires_grad=True)


# ---- construction --------------------------------------------------------------------
def test_empty_parameter_list():
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        optim.SGD([], lr=0.1)


def test_params_given_as_a_tensor():
    with pytest.raises(TypeError, match=re.escape(
            "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
            "torch.FloatTensor")):
        optim.Adam(leaf(2))


def test_non_leaf_and_non_tensor_params():
    x = leaf(2)
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        optim.SGD([x * 2], lr=0.1)
    with pytest.raises(TypeError, match="^optimizer can only optimize Tensors, but one of the params is int$"):
        optim.SGD([x, 1], lr=0.1)


def test_duplicate_parameters():
    x, y = leaf(2), leaf(2)
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
        optim.SGD([x, x], lr=0.1)
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter group$"):
        optim.SGD([{"params": [x]}, {"params": [y, x]}], lr=0.1)
    opt = optim.SGD([x], lr=0.1)
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter group$"):
        opt.add_param_group({"params": x})


def test_set_of_params_in_a_group():
    with pytest.raises(TypeError, match="optimizer parameters need to be organized in ordered collections"):
        optim.SGD([{"params": {leaf(2)}}], lr=0.1)


@pytest.mark.parametrize("make,msg", [
    (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda p: optim.AdamW(p, weight_decay=-1e-2), "Invalid weight_decay value: -0.01"),
    (lambda p: optim.RMSprop(p, alpha=-0.9), "Invalid alpha value: -0.9"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
])
def test_hyperparameter_errors(make, msg):
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        make([leaf(2)])


def test_fused_and_foreach_together():
    with pytest.raises(RuntimeError, match=re.escape("`fused` and `foreach` cannot be `True` together.")):
        optim.Adam([leaf(2)], fused=True, foreach=True)


def test_defaults_and_group_options():
    x, y = leaf(2), leaf(3)
    opt = optim.SGD([{"params": [x]}, {"params": [y], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9
    assert opt.defaults == {"lr": 0.1, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": False,
                            "maximize": False, "foreach": None, "differentiable": False, "fused": None}
    opt.add_param_group({"params": leaf(1), "momentum": 0.0})
    assert len(opt.param_groups) == 3 and opt.param_groups[2]["lr"] == 0.1


def test_required_default():
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        optim.Optimizer([leaf(2)], {"lr": optim.optimizer.required})


def test_named_parameters():
    opt = optim.SGD([("w", leaf(2)), ("b", leaf(1))], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_repr():
    opt = optim.SGD([leaf(2)], lr=0.1)
    assert repr(opt) == ("SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n"
                         "    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n"
                         "    weight_decay: 0\n)")


# ---- steps -----------------------------------------------------------------------------
def test_zero_grad():
    x = leaf(3)
    opt = optim.SGD([x], lr=0.1)
    (x * x).sum().backward()
    g = x.grad
    opt.zero_grad(set_to_none=False)
    assert x.grad is g and x.grad.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert x.grad is None


def test_step_with_closure_returns_the_loss():
    x = facade.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([x], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with facade.no_grad():  # step() turns grad on for the closure, as PyTorch does
        loss = opt.step(closure)
    assert loss.item() == 5.0
    assert x.tolist() == [0.5, -1.0]
    assert opt.step() is None


def test_step_updates_in_place_and_bumps_the_version():
    x = leaf(2)
    alias = x.detach()
    v = x._version
    x.grad = facade.ones(2)
    optim.SGD([x], lr=0.5).step()
    assert x._version > v
    np.testing.assert_allclose(alias.numpy(), x.detach().numpy())
    assert x.is_leaf and x.requires_grad and x.grad_fn is None


def test_step_hooks():
    x = leaf(2)
    x.grad = facade.ones(2)
    opt = optim.SGD([x], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", o is opt)))
    opt.register_step_post_hook(lambda o, a, k: calls.append(("post", o is opt)))
    opt.step()
    h1.remove()
    opt.step()
    assert calls == [("pre", True), ("post", True), ("post", True)]


def test_differentiable_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.SGD([leaf(2)], lr=0.1, differentiable=True)


def test_lr_as_tensor():
    x = facade.tensor([1.0, 2.0], requires_grad=True)
    x.grad = facade.ones(2)
    optim.SGD([x], lr=facade.tensor(0.5)).step()
    assert x.tolist() == [0.5, 1.5]


def test_state_is_keyed_by_parameter_with_pytorch_names():
    ps = make_params(facade)
    x, y = make_data(facade)
    opt = optim.Adam(ps, lr=0.01, amsgrad=True)
    loss_fn(facade, ps, x, y).backward()
    opt.step()
    st = opt.state[ps[0]]
    assert list(st) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert repr(st["step"]) == "tensor(1.)" and st["step"].dtype is facade.float32
    assert list(optim.Adagrad(ps).state[ps[1]]) == ["step", "sum"]  # Adagrad's state exists before any step


# ---- compilation -------------------------------------------------------------------------
@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_no_recompilation_after_warmup_even_with_a_changing_lr(make):
    ps = make_params(facade)
    x, y = make_data(facade)
    opt = make(ps)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.97)

    def step():
        opt.zero_grad()
        loss = loss_fn(facade, ps, x, y)
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    for _ in range(4):
        step()
    before = facade.engine.stats()["compiles"]
    losses = [step() for _ in range(15)]
    assert facade.engine.stats()["compiles"] == before
    assert losses[-1] < losses[0]


# ---- state_dict -------------------------------------------------------------------------------
def test_state_dict_layout():
    ps = [leaf(2), leaf(3), leaf(1)]
    opt = optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.01}], lr=0.1, momentum=0.9)
    for p in ps[:2]:
        p.grad = facade.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert list(sd["state"]) == [0, 1]
    assert list(sd["state"][0]) == ["momentum_buffer"]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.01


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_state_dict_round_trip_reproduces_the_trajectory(make):
    full = train(facade, lambda T, ps: make(ps), steps=20)

    def first_half(T, ps):
        return make(ps)

    losses, params, opt = train(facade, first_half, steps=10)
    saved = copy.deepcopy(opt.state_dict())
    resumed_params = [facade.tensor(p, requires_grad=True) for p in params]
    # a fresh optimizer on fresh tensors, loaded from the checkpoint, continues identically
    fresh = []

    def resumed(T, ps):
        o = make(ps)
        o.load_state_dict(saved)
        fresh.append(o)
        return o

    rest, end, _ = train(facade, resumed, steps=10, params=resumed_params)
    np.testing.assert_allclose(np.concatenate([losses, rest]), full[0], rtol=1e-6)
    for a, b in zip(end, full[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert fresh[0].state_dict()["param_groups"] == saved["param_groups"]


def test_load_state_dict_errors():
    opt = optim.SGD([leaf(2), leaf(2)], lr=0.1)
    other = optim.SGD([{"params": [leaf(2)]}, {"params": [leaf(2)]}], lr=0.1)
    with pytest.raises(ValueError, match="^loaded state dict has a different number of parameter groups$"):
        opt.load_state_dict(other.state_dict())
    with pytest.raises(ValueError, match="^loaded state dict contains a parameter group that doesn't match the size of "
                                         "optimizer's group$"):
        opt.load_state_dict(optim.SGD([leaf(2)], lr=0.1).state_dict())


def test_load_state_dict_casts_state_but_not_step():
    x = facade.randn(3, dtype=facade.float64, requires_grad=True)
    opt = optim.Adam([x])
    sd = {"state": {0: {"step": facade.tensor(3.0), "exp_avg": facade.ones(3), "exp_avg_sq": facade.ones(3)}},
          "param_groups": opt.state_dict()["param_groups"]}
    opt.load_state_dict(sd)
    st = opt.state[x]
    assert st["exp_avg"].dtype is facade.float64 and st["step"].dtype is facade.float32
    x.grad = facade.ones(3, dtype=facade.float64)
    opt.step()
    assert st["step"].item() == 4.0


def test_state_dict_hooks():
    opt = optim.SGD([leaf(2)], lr=0.1)
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: dict(sd, extra=1))
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append("load-pre"))
    opt.register_load_state_dict_post_hook(lambda o: seen.append("load-post"))
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert seen == ["pre", "load-pre", "load-post"]


def test_no_warnings_in_a_plain_loop():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(facade, lambda T, ps: optim.Adam(ps), steps=3)


def test_user_defined_optimizer():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        @facade.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self.state[p]["n"] = self.state[p].get("n", 0) + 1
                        p.add_(p.grad.sign(), alpha=-group["lr"])

    x = facade.tensor([1.0, -1.0], requires_grad=True)
    opt = SignSGD([x], lr=0.25)
    calls = []
    opt.register_step_post_hook(lambda *a: calls.append(1))
    (x * 3).sum().backward()
    opt.step()
    assert x.tolist() == [0.75, -1.25] and calls == [1]
    assert opt.state_dict()["state"] == {0: {"n": 1}}


def test_integer_and_float_hyperparameters_share_a_program():
    ps = make_params(facade)
    x, y = make_data(facade)
    opt = optim.SGD(ps, lr=1, momentum=0.5)

    def step(lr):
        opt.param_groups[0]["lr"] = lr
        opt.zero_grad()
        loss_fn(facade, ps, x, y).backward()
        opt.step()
        return ps[0].sum().item()

    for lr in (1, 0.5, 0.25):
        step(lr)
    before = facade.engine.stats()["compiles"]
    step(0)
    step(0.125)
    assert facade.engine.stats()["compiles"] == before


def test_hooks_run_once_when_a_subclass_calls_super_step():
    class Clipped(optim.SGD):
        def step(self, closure=None):
            for p in self.param_groups[0]["params"]:
                p.grad.clamp_(-1, 1)
            return super().step(closure)

    x = facade.tensor([0.0, 0.0], requires_grad=True)
    x.grad = facade.tensor([5.0, -0.5])
    opt = Clipped([x], lr=1.0)
    calls = []
    opt.register_step_pre_hook(lambda *a: calls.append("pre"))
    opt.register_step_post_hook(lambda *a: calls.append("post"))
    opt.step()
    assert x.tolist() == [-1.0, 0.5] and calls == ["pre", "post"]
