"""The lazy modules (nn.LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*, LazyInstanceNorm*) and
LazyModuleMixin, as scenarios run on facade and, when torch is installed, on PyTorch: printing before and
after the first call, the class they become, state_dict of the placeholders, loading state dicts in both
directions, building an optimizer before the first call, dtype conversion, the errors. Without torch the
observations are checked against the written-out ones (PyTorch 2.13's output).

Initial values: facade's generator is not PyTorch's bit stream, so a lazy layer's values are compared with
those of the non-lazy layer built at the same point of the stream in the same library (PyTorch gives
identical values there too: materializing draws nothing, reset_parameters is the non-lazy layer's)."""
import copy

import pytest

import facade
from scenarios import Scenarios, check, check_written, observer, raised

try:
    import torch
except ImportError:  # the plain test session: written-out expectations only
    torch = None

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer(digits=5)

SHAPE_ERROR = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
               "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
               "`forward` to initialize the parameters before accessing their attributes.")


def _state(m):
    """state_dict as (key, repr of a placeholder or the shape of a tensor)."""
    out = []
    for k, v in m.state_dict().items():
        name = type(v).__name__
        out.append((k, repr(v) if name.startswith("Uninitialized") else tuple(v.shape)))
    return out


def _lifecycle(make, shape):
    def run(T):
        m = make(T.nn)
        before = [repr(m), type(m).__name__, _state(m), m.has_uninitialized_params()]
        y = m(T.ones(*shape))
        return before + [repr(m), type(m).__name__, _state(m), tuple(y.shape), len(m._forward_pre_hooks),
                         len(m._load_state_dict_pre_hooks), hasattr(m, "_initialize_hook")]

    return run


U, B = "<UninitializedParameter>", "<UninitializedBuffer>"
CONV_STATE = [("weight", U), ("bias", U)]
LAYERS = {
    "linear": (lambda nn: nn.LazyLinear(3), (2, 5), [
        "LazyLinear(in_features=0, out_features=3, bias=True)", "LazyLinear", CONV_STATE,
        "Linear(in_features=5, out_features=3, bias=True)", "Linear", [("weight", (3, 5)), ("bias", (3,))], (2, 3)]),
    "linear_no_bias": (lambda nn: nn.LazyLinear(3, bias=False), (4,), [
        "LazyLinear(in_features=0, out_features=3, bias=False)", "LazyLinear", [("weight", U)],
        "Linear(in_features=4, out_features=3, bias=False)", "Linear", [("weight", (3, 4))], (3,)]),
    "conv1d": (lambda nn: nn.LazyConv1d(4, 3), (2, 3, 8), [
        "LazyConv1d(0, 4, kernel_size=(3,), stride=(1,))", "LazyConv1d", CONV_STATE,
        "Conv1d(3, 4, kernel_size=(3,), stride=(1,))", "Conv1d", [("weight", (4, 3, 3)), ("bias", (4,))],
        (2, 4, 6)]),
    "conv2d_groups": (lambda nn: nn.LazyConv2d(4, 3, padding=1, groups=2, bias=False), (2, 6, 5, 5), [
        "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2, bias=False)", "LazyConv2d",
        [("weight", U)], "Conv2d(6, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2, bias=False)",
        "Conv2d", [("weight", (4, 3, 3, 3))], (2, 4, 5, 5)]),
    "conv3d_unbatched": (lambda nn: nn.LazyConv3d(2, 1), (3, 2, 2, 2), [
        "LazyConv3d(0, 2, kernel_size=(1, 1, 1), stride=(1, 1, 1))", "LazyConv3d", CONV_STATE,
        "Conv3d(3, 2, kernel_size=(1, 1, 1), stride=(1, 1, 1))", "Conv3d",
        [("weight", (2, 3, 1, 1, 1)), ("bias", (2,))], (2, 2, 2, 2)]),
    "conv_transpose1d": (lambda nn: nn.LazyConvTranspose1d(4, 3), (2, 3, 8), [
        "LazyConvTranspose1d(0, 4, kernel_size=(3,), stride=(1,))", "LazyConvTranspose1d", CONV_STATE,
        "ConvTranspose1d(3, 4, kernel_size=(3,), stride=(1,))", "ConvTranspose1d",
        [("weight", (3, 4, 3)), ("bias", (4,))], (2, 4, 10)]),
    "conv_transpose2d": (lambda nn: nn.LazyConvTranspose2d(4, 3, stride=2), (2, 3, 4, 4), [
        "LazyConvTranspose2d(0, 4, kernel_size=(3, 3), stride=(2, 2))", "LazyConvTranspose2d", CONV_STATE,
        "ConvTranspose2d(3, 4, kernel_size=(3, 3), stride=(2, 2))", "ConvTranspose2d",
        [("weight", (3, 4, 3, 3)), ("bias", (4,))], (2, 4, 9, 9)]),
    "conv_transpose3d": (lambda nn: nn.LazyConvTranspose3d(2, 1, groups=2), (1, 4, 2, 2, 2), [
        "LazyConvTranspose3d(0, 2, kernel_size=(1, 1, 1), stride=(1, 1, 1), groups=2)", "LazyConvTranspose3d",
        CONV_STATE, "ConvTranspose3d(4, 2, kernel_size=(1, 1, 1), stride=(1, 1, 1), groups=2)", "ConvTranspose3d",
        [("weight", (4, 1, 1, 1, 1)), ("bias", (2,))], (1, 2, 2, 2, 2)]),
    "batchnorm1d": (lambda nn: nn.LazyBatchNorm1d(), (4, 3), [
        "LazyBatchNorm1d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)",
        "LazyBatchNorm1d",
        [("weight", U), ("bias", U), ("running_mean", B), ("running_var", B), ("num_batches_tracked", ())],
        "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)", "BatchNorm1d",
        [("weight", (3,)), ("bias", (3,)), ("running_mean", (3,)), ("running_var", (3,)),
         ("num_batches_tracked", ())], (4, 3)]),
    "batchnorm2d_no_affine": (lambda nn: nn.LazyBatchNorm2d(affine=False), (2, 3, 2, 2), [
        "LazyBatchNorm2d(0, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=True)",
        "LazyBatchNorm2d", [("running_mean", B), ("running_var", B), ("num_batches_tracked", ())],
        "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=True)",
        "BatchNorm2d", [("running_mean", (3,)), ("running_var", (3,)), ("num_batches_tracked", ())],
        (2, 3, 2, 2)]),
    "batchnorm3d_no_stats": (lambda nn: nn.LazyBatchNorm3d(track_running_stats=False), (2, 3, 1, 2, 2), [
        "LazyBatchNorm3d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=False)",
        "LazyBatchNorm3d", [("weight", U), ("bias", U)],
        "BatchNorm3d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=False)",
        "BatchNorm3d", [("weight", (3,)), ("bias", (3,))], (2, 3, 1, 2, 2)]),
    "instancenorm1d": (lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 4), [
        "LazyInstanceNorm1d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)",
        "LazyInstanceNorm1d",
        [("weight", U), ("bias", U), ("running_mean", B), ("running_var", B), ("num_batches_tracked", ())],
        "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)",
        "InstanceNorm1d", [("weight", (3,)), ("bias", (3,)), ("running_mean", (3,)), ("running_var", (3,)),
                           ("num_batches_tracked", ())], (2, 3, 4)]),
    "instancenorm2d_no_bias": (lambda nn: nn.LazyInstanceNorm2d(bias=False, track_running_stats=False),
                               (2, 3, 2, 2), [
        "LazyInstanceNorm2d(0, eps=1e-05, momentum=0.1, affine=True, bias=False, track_running_stats=False)",
        "LazyInstanceNorm2d", [("weight", U)],
        "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=False, track_running_stats=False)",
        "InstanceNorm2d", [("weight", (3,))], (2, 3, 2, 2)]),
    "instancenorm3d": (lambda nn: nn.LazyInstanceNorm3d(affine=False), (1, 2, 2, 2, 2), [
        "LazyInstanceNorm3d(0, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=True)",
        "LazyInstanceNorm3d", [("running_mean", B), ("running_var", B), ("num_batches_tracked", ())],
        "InstanceNorm3d(2, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=True)",
        "InstanceNorm3d", [("running_mean", (2,)), ("running_var", (2,)), ("num_batches_tracked", ())],
        (1, 2, 2, 2, 2)]),
}

for _name, (_make, _shape, _obs) in LAYERS.items():
    _fn = _lifecycle(_make, _shape)
    _fn.__name__ = "lifecycle_" + _name
    # before: repr, class, state, has_uninitialized_params; after: repr, class, state, output shape, hooks left
    scenario(expect=_obs[:3] + [True] + _obs[3:] + [0, 0, False])(_fn)


# ---- initial values: those of the non-lazy layer at the same point of the RNG stream -----------------


def _same_init(make_lazy, make_plain, shape):
    def run(T):
        x = T.ones(*shape)
        T.manual_seed(7)
        lazy = make_lazy(T.nn)
        lazy(x)
        T.manual_seed(7)
        plain = make_plain(T.nn)
        return [(k, T.equal(v, plain.state_dict()[k])) for k, v in lazy.state_dict().items()]

    return run


INIT = {
    "linear": (lambda nn: nn.LazyLinear(3), lambda nn: nn.Linear(5, 3), (2, 5), ["weight", "bias"]),
    "conv2d": (lambda nn: nn.LazyConv2d(4, 2, groups=2), lambda nn: nn.Conv2d(6, 4, 2, groups=2), (1, 6, 3, 3),
               ["weight", "bias"]),
    "conv_transpose1d": (lambda nn: nn.LazyConvTranspose1d(2, 3), lambda nn: nn.ConvTranspose1d(5, 2, 3),
                         (1, 5, 4), ["weight", "bias"]),
    "batchnorm2d": (lambda nn: nn.LazyBatchNorm2d(), lambda nn: nn.BatchNorm2d(3), (2, 3, 2, 2),
                    ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]),
}
for _name, (_lazy, _plain, _shape, _keys) in INIT.items():
    _fn = _same_init(_lazy, _plain, _shape)
    _fn.__name__ = "same_initial_values_" + _name
    # (the batch norm's running stats differ: the lazy one has run a training step)
    _eq = {"running_mean": False, "running_var": False, "num_batches_tracked": False}
    scenario(expect=[(k, _eq.get(k, True)) for k in _keys])(_fn)


@scenario(expect=[True, True, True])
def lazy_initial_values_are_kaiming_uniform_within_bound(T):
    T.manual_seed(0)
    m = T.nn.LazyLinear(2)
    m(T.ones(1, 4))
    bound = 0.5  # 1/sqrt(in_features)
    return [bool((m.bias.abs() <= bound).all()), bool((m.weight.abs() <= bound).all()), bool(m.weight.std() > 0.05)]


# ---- state dicts ---------------------------------------------------------------------------------


def _linear(T, i, o, scale=1.0):
    m = T.nn.Linear(i, o)
    with T.no_grad():
        m.weight.copy_(T.arange(float(i * o)).view(o, i) * scale)
        m.bias.copy_(T.arange(float(o)) - 1)
    return m


@scenario(expect=["<All keys matched successfully>", "LazyLinear",
                  "LazyLinear(in_features=0, out_features=3, bias=True)", False,
                  ("tensor", [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], "float32"), "Linear",
                  "Linear(in_features=2, out_features=3, bias=True)", ("tensor", [[0.0, 5.0, 10.0]], "float32")])
def loading_an_initialized_state_materializes_the_placeholders(T):
    m = T.nn.LazyLinear(3)
    res = repr(m.load_state_dict(_linear(T, 2, 3).state_dict()))
    out = [res, type(m).__name__, repr(m), m.has_uninitialized_params(), m.weight.detach()]
    y = m(T.ones(1, 2))
    return out + [type(m).__name__, repr(m), y.detach()]


@scenario(expect=raised("AssertionError", "The in_features inferred from input: 5 is not equal to in_features from "
                                          "self.weight: 2"))
def loaded_weight_must_match_the_first_input(T):
    m = T.nn.LazyLinear(3)
    m.load_state_dict(_linear(T, 2, 3).state_dict())
    m(T.ones(1, 5))


@scenario(expect=raised("RuntimeError", SHAPE_ERROR))
def loading_placeholders_into_an_initialized_module_raises(T):
    _linear(T, 2, 3).load_state_dict(T.nn.LazyLinear(3).state_dict())


@scenario(expect=["<All keys matched successfully>", True, [("weight", U), ("bias", U)], (1, 3)])
def loading_placeholders_into_placeholders(T):
    m = T.nn.LazyLinear(3)
    res = repr(m.load_state_dict(T.nn.LazyLinear(3).state_dict()))
    return [res, m.has_uninitialized_params(), _state(m), tuple(m(T.ones(1, 4)).shape)]


@scenario(expect=[[("weight", U), ("bias", U)], ["UninitializedParameter", "UninitializedParameter"]])
def state_dict_keeps_the_placeholders_with_or_without_keep_vars(T):
    m = T.nn.LazyLinear(3)
    return [_state(m), [type(v).__name__ for v in m.state_dict(keep_vars=True).values()]]


@scenario(expect=["Sequential(\n  (0): LazyLinear(in_features=0, out_features=3, bias=True)\n  (1): ReLU()\n"
                  "  (2): LazyLinear(in_features=0, out_features=1, bias=True)\n)",
                  [("0.weight", U), ("0.bias", U), ("2.weight", U), ("2.bias", U)],
                  "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): ReLU()\n"
                  "  (2): Linear(in_features=3, out_features=1, bias=True)\n)", (2, 1)])
def a_network_of_lazy_layers_prints_and_initializes(T):
    net = T.nn.Sequential(T.nn.LazyLinear(3), T.nn.ReLU(), T.nn.LazyLinear(1))
    before = [repr(net), _state(net)]
    y = net(T.ones(2, 4))
    return before + [repr(net), tuple(y.shape)]


# ---- optimizers, dtypes, copies ------------------------------------------------------------------


@scenario(expect=[["<UninitializedParameter>", "<UninitializedParameter>"], True, True,
                  ("tensor", [-0.5, -0.5], "float32")])
def optimizer_built_before_the_first_call_steps_the_materialized_parameters(T):
    m = T.nn.LazyLinear(2)
    opt = T.optim.SGD(m.parameters(), lr=0.25)
    held = [repr(p) for p in opt.param_groups[0]["params"]]
    m(T.ones(3, 4)).sum().backward()
    w0, b0 = m.weight.detach().clone(), m.bias.detach().clone()
    opt.step()
    same = all(p is q for p, q in zip(opt.param_groups[0]["params"], m.parameters()))
    # d(sum)/d(weight) = 3 per entry: SGD moves each weight by -0.75
    return [held, same, T.allclose(m.weight - w0, T.full((2, 4), -0.75)), (m.bias - b0).detach() / 1.5]


@scenario(expect=["torch.float64", "UninitializedParameter", "torch.float64", "Parameter", "torch.float64"])
def dtype_conversion_before_the_first_call(T):
    m = T.nn.LazyLinear(3).double()
    out = [str(m.weight.dtype), type(m.weight).__name__]
    m(T.ones(1, 2, dtype=T.float64))
    return out + [str(m.weight.dtype), type(m.weight).__name__, str(m.bias.dtype)]


@scenario(expect=["torch.float64", True, "Parameter"])
def factory_dtype_and_requires_grad(T):
    m = T.nn.LazyConv1d(2, 1, dtype=T.float64)
    m(T.ones(1, 3, 2, dtype=T.float64))
    return [str(m.weight.dtype), m.weight.requires_grad, type(m.bias).__name__]


@scenario(expect=["LazyLinear", "<UninitializedParameter>", 1, "Linear(in_features=2, out_features=3, bias=True)",
                  "LazyLinear"])
def a_deep_copy_stays_lazy(T):
    m = T.nn.LazyLinear(3)
    c = copy.deepcopy(m)
    out = [type(c).__name__, repr(c.weight), len(c._forward_pre_hooks)]
    c(T.ones(2, 2))
    return out + [repr(c), type(m).__name__]


@scenario(expect=("tensor", [[3.0, 3.0, 3.0, 3.0]], "float32"))
def gradients_reach_the_input_through_the_first_call(T):
    x = T.ones(1, 4, requires_grad=True)
    m = T.nn.LazyLinear(3)
    m(x).sum().backward()
    with T.no_grad():
        return (x.grad - m.weight.sum(0) + 3).view(1, 4)


# ---- errors --------------------------------------------------------------------------------------


@scenario(expect=raised("RuntimeError", "Expected 3D (unbatched) or 4D (batched) input to LazyConv2d, but got input "
                                        "of size: torch.Size([2, 3])"))
def conv_input_of_the_wrong_rank(T):
    T.nn.LazyConv2d(4, 3)(T.ones(2, 3))


@scenario(expect=raised("ValueError", "in_channels must be divisible by groups"))
def conv_channels_not_divisible_by_groups(T):
    T.nn.LazyConv2d(4, 3, groups=2)(T.ones(1, 3, 4, 4))


@scenario(expect=raised("ValueError", "expected input's size at dim=0 to match num_features (2), but got: 3."))
def lazy_instance_norm_reads_features_from_dim_1_even_unbatched(T):
    T.nn.LazyInstanceNorm3d()(T.ones(3, 2, 2, 2))


def _mixin_module(T, initializes):
    class M(T.nn.modules.lazy.LazyModuleMixin, T.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = T.nn.parameter.UninitializedParameter()

        def forward(self, x):
            return x

    if initializes:
        M.initialize_parameters = lambda self, x: None
    return M()


@scenario(expect=raised("NotImplementedError", "initialize_parameters is not implemented for M"))
def mixin_without_initialize_parameters(T):
    _mixin_module(T, False)(T.ones(1))


@scenario(expect=raised("RuntimeError", "module M has not been fully initialized"))
def mixin_leaving_a_placeholder(T):
    _mixin_module(T, True)(T.ones(1))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_maths(name):
    """The written-out expectations hold for facade too (they are what PyTorch 2.13 gives)."""
    check_written(SCENARIOS[name], observe, normalise, facade)


def test_no_warning_on_construction_and_module_paths():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        facade.nn.LazyLinear(2), facade.nn.LazyBatchNorm1d(), facade.nn.LazyConvTranspose3d(1, 1)
    assert facade.nn.LazyLinear.cls_to_become is facade.nn.Linear
    assert facade.nn.LazyInstanceNorm2d.cls_to_become is facade.nn.InstanceNorm2d
    assert issubclass(facade.nn.LazyConv1d, facade.nn.modules.lazy.LazyModuleMixin)
    assert issubclass(facade.nn.LazyConv1d, facade.nn.Conv1d)
