"""nn.Module.compile(): the module's call compiled in place (facade.jit under torch.compile's name), as
scenarios run on facade and, when torch is installed, on PyTorch (backend="eager", which facade accepts
and ignores): the module keeps its class, repr and state_dict keys; outputs and parameter gradients equal
an eager twin's on the first (discovery), second (trace) and later (compiled) calls; train()/eval() are
respected (batch-norm statistics, dropout); training steps with an optimizer match eager ones; copies
run eagerly. Without torch the observations are checked against the written-out ones."""
import copy
import pickle

import pytest

import facade
from scenarios import Scenarios, check, check_written, observer

try:
    import torch
except ImportError:  # the plain test session: written-out expectations only
    torch = None

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer(digits=5)


def _net(T, dropout=0.0):
    """A small MLP with batch norm and fixed weights: two calls give two identical models."""
    net = T.nn.Sequential(T.nn.Linear(4, 6), T.nn.BatchNorm1d(6), T.nn.ReLU(), T.nn.Dropout(dropout),
                          T.nn.Linear(6, 3))
    with T.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(T.sin(T.arange(float(p.numel())) * (i + 1.3)).view(p.shape))
    return net


def _x(T, k=0):
    return T.cos(T.arange(20.0) * 0.7 + k).view(5, 4)


def _same(T, a, b):
    return bool(T.allclose(a, b, atol=1e-5, rtol=1e-5))


@scenario(expect=[None, "Sequential", True, True, ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                                   "1.running_var", "1.num_batches_tracked", "4.weight", "4.bias"],
                  True])
def compile_keeps_the_module(T):
    net = _net(T)
    before = repr(net)
    res = net.compile(backend="eager")
    net(_x(T))
    return [res, type(net).__name__, repr(net) == before, net._compiled_call_impl is not None, list(net.state_dict()),
            all(type(p).__name__ == "Parameter" for p in net.parameters())]


@scenario(expect=[[True] * 7] * 4)
def outputs_and_gradients_equal_eager_on_every_call(T):
    net, eager = _net(T), _net(T)
    net.compile(backend="eager")
    out = []
    for k in range(4):  # discovery, trace, compiled, compiled on other values
        for m in (net, eager):
            m.zero_grad()
        x = _x(T, k)
        y, ye = net(x), eager(x)
        (y * y).sum().backward()
        (ye * ye).sum().backward()
        grads = [_same(T, p.grad, q.grad) for p, q in zip(net.parameters(), eager.parameters())]
        out.append([_same(T, y, ye)] + grads)
    return out


@scenario(expect=[[True, True], [True, True], [True, True], True])
def train_and_eval_follow_the_training_flag(T):
    net, eager = _net(T), _net(T)
    net.compile(backend="eager")
    out = []
    for mode in (True, False, True):
        net.train(mode), eager.train(mode)
        y, ye = net(_x(T, 1)), eager(_x(T, 1))
        out.append([_same(T, y, ye), _same(T, net[1].running_mean, eager[1].running_mean)])
    return out + [int(net[1].num_batches_tracked) == int(eager[1].num_batches_tracked) == 2]


@scenario(expect=[True, True, True, True, True])
def dropout_is_on_in_training_only(T):
    net, ref = (T.nn.Sequential(T.nn.Linear(4, 50), T.nn.Dropout(0.5)) for _ in range(2))
    with T.no_grad():
        for p, q in zip(net.parameters(), ref.parameters()):
            p.copy_(T.sin(T.arange(float(p.numel()))).view(p.shape) + 2.0), q.copy_(p)
    net.compile(backend="eager")
    x = T.cos(T.arange(40.0)).view(10, 4) + 1.0
    net.eval(), ref.eval()
    y_eval = net(x)
    out = [_same(T, y_eval, ref(x)), _same(T, net(x), y_eval)]
    net.train()
    y = net(x)
    kept = y != 0
    out += [bool((~kept).any()), _same(T, y[kept], 2 * y_eval[kept])]  # the kept entries are scaled by 1/(1-p)
    net.eval()
    return out + [_same(T, net(x), y_eval)]


@scenario(expect=[True] * 9)
def sgd_steps_match_eager(T):
    net, eager = _net(T), _net(T)
    net.compile(backend="eager")
    opts = [T.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in (net, eager)]
    for k in range(3):
        for m, opt in zip((net, eager), opts):
            opt.zero_grad()
            m(_x(T, k)).pow(2).mean().backward()
            opt.step()
    return ([_same(T, p, q) for p, q in zip(net.parameters(), eager.parameters())]
            + [_same(T, net[1].running_var, eager[1].running_var), _same(T, net(_x(T)), eager(_x(T)))]
            + [net[1].num_batches_tracked.item() == 4])


@scenario(expect=[True, True, True])
def copies_run_eagerly(T):
    net = _net(T)
    net.compile(backend="eager")
    net(_x(T)), net(_x(T))
    c = copy.deepcopy(net)
    p = pickle.loads(pickle.dumps(net))
    return [c._compiled_call_impl is None, p._compiled_call_impl is None, _same(T, c(_x(T, 2)), p(_x(T, 2)))]


@scenario(expect=[(2, 3), "Linear(in_features=4, out_features=3, bias=True)", True])
def compiling_a_lazy_module(T):
    T.manual_seed(0)
    m = T.nn.LazyLinear(3)
    m.compile(backend="eager")
    x = T.ones(2, 4)
    y1 = m(x)
    y2 = m(x)
    return [tuple(y1.shape), repr(m), _same(T, y1, y2)]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_maths(name):
    """The written-out expectations hold for facade too (they are what PyTorch 2.13 gives)."""
    check_written(SCENARIOS[name], observe, normalise, facade)


def test_the_call_goes_through_facade_jit():
    net = _net(facade)
    net.compile()
    compiled = net._compiled_call_impl
    assert isinstance(compiled, facade.jit.Jitted)
    for _ in range(4):
        net(_x(facade))
    assert compiled.calls == 4 and compiled.recompiles == 0
    net.eval()
    net(_x(facade))
    assert compiled.calls == 5 and compiled.recompiles == 1  # the training flag is one of the guards
    assert "training flag" in compiled.recompile_reasons[-1]
