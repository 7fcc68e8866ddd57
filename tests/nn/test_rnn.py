"""RNN, LSTM, GRU and RNNCell, LSTMCell, GRUCell against PyTorch.

Weights are copied from the torch module; outputs (values, grad_fn names, versions) and the
gradients of the input, the initial states and every parameter are compared, in float64 at
tight tolerance and in float32.

grad_fn names are PyTorch 2.x's CPU ones: RNN / GRU outputs StackBackward0 (TransposeBackward1
with batch_first: PyTorch transposes in place), float32 LSTM without projections
MkldnnRnnLayerBackward0 (oneDNN; StackBackward0 in float64 or with proj_size; TransposeBackward0
with batch_first), bidirectional CatBackward0, h_n / c_n StackBackward0, unbatched
SqueezeBackward1; cells TanhBackward0 / ReluBackward0, AddBackward0 (GRUCell, LSTMCell's c),
MulBackward0 (LSTMCell's h). Only the names are PyTorch's: the graphs behind them are facade's
(one fused op per layer and direction), so next_functions differ. Unlike PyTorch's, a batch_first
RNN / GRU output is contiguous (PyTorch's in-place transpose leaves it strided).
"""

import warnings

import numpy as np
import pytest
from nn_compare import TOL, copy_weights, data, grad_fn_name, raises_like, torch

import facade
import facade.nn as fnn

tnn = torch.nn


def _flat(result):
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flat(r)]
    return [result]


def _close(a, b, dtype, what):
    tol = TOL[np.dtype(dtype)]
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), err_msg=what, **tol)


def compare(kind, args, kwargs, x_shape, hx_shapes=(), dtype="float64", seed=0, train=False):
    """Build kind(*args, **kwargs) in both libraries (torch's weights copied), run on the same input and
    initial states, compare outputs, then the gradients of everything after one backward."""
    tm = getattr(tnn, kind)(*args, **kwargs)
    fm = getattr(fnn, kind)(*args, **kwargs)
    if dtype == "float64":
        tm, fm = tm.double(), fm.double()
    copy_weights(tm, fm)
    tm.train(train)
    fm.train(train)
    arrays = [data(seed, x_shape, dtype, -1, 1)] + [data(seed + 1 + i, s, dtype, -1, 1) for i, s in enumerate(hx_shapes)]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    f_in = [facade.tensor(a, requires_grad=True) for a in arrays]

    def call(m, ins):
        if len(ins) == 1:
            return m(ins[0])
        return m(ins[0], ins[1] if len(ins) == 2 else tuple(ins[1:]))

    t_out, f_out = call(tm, t_in), call(fm, f_in)
    assert type(f_out).__name__ == type(t_out).__name__ and len(_flat(f_out)) == len(_flat(t_out))
    if isinstance(t_out, tuple):
        assert [type(r).__name__ for r in f_out] == [type(r).__name__ for r in t_out]
    for i, (f, t) in enumerate(zip(_flat(f_out), _flat(t_out))):
        assert tuple(f.shape) == tuple(t.shape), f"output {i}"
        assert str(f.dtype) == str(t.dtype)
        _close(f, t, dtype, f"output {i}")
        assert grad_fn_name(f) == grad_fn_name(t), f"output {i}: {f.grad_fn} vs {t.grad_fn}"
        assert f._version == t._version, f"output {i}: version {f._version} vs {t._version}"
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(tuple(t.shape)) for t in _flat(t_out)]
    sum((t * torch.tensor(w, dtype=t.dtype)).sum() for t, w in zip(_flat(t_out), weights)).backward()
    sum((f * facade.tensor(w, dtype=f.dtype)).sum() for f, w in zip(_flat(f_out), weights)).backward()
    for i, (f, t) in enumerate(zip(f_in, t_in)):
        _close(f.grad, t.grad, dtype, f"grad of argument {i}")
    tparams = dict(tm.named_parameters())
    assert list(tparams) == [n for n, _ in fm.named_parameters()]
    for name, p in fm.named_parameters():
        _close(p.grad, tparams[name].grad, dtype, f"grad of {name}")
    return t_out, f_out


def _states(kind, layers, batch, hidden, proj=0):
    lead = (layers,) if batch is None else (layers, batch)
    if kind == "LSTM":
        return [lead + (proj or hidden,), lead + (hidden,)]
    return [lead + (hidden,)]


# kind, constructor kwargs, batched, with initial states
LAYERS = [
    ("RNN", {}, True, False),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}, True, True),
    ("RNN", {"batch_first": True, "bidirectional": True}, True, True),
    ("RNN", {"bidirectional": True}, False, True),
    ("GRU", {}, True, True),
    ("GRU", {"num_layers": 2, "bidirectional": True, "bias": False}, True, False),
    ("GRU", {"batch_first": True}, False, True),
    ("LSTM", {}, True, True),
    ("LSTM", {"num_layers": 2, "batch_first": True, "bidirectional": True}, True, False),
    ("LSTM", {"bias": False}, False, False),
    ("LSTM", {"proj_size": 2, "num_layers": 2}, True, True),
    ("LSTM", {"proj_size": 3, "bidirectional": True}, False, False),
]


def _layer_case(kind, kwargs, batched, with_h0, dtype):
    steps, batch, size, hidden = 4, 2, 3, 4
    dirs = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("num_layers", 1)
    bf = kwargs.get("batch_first", False)
    x_shape = ((batch, steps) if bf else (steps, batch)) + (size,) if batched else (steps, size)
    hx = _states(kind, layers * dirs, batch if batched else None, hidden, kwargs.get("proj_size", 0)) if with_h0 else []
    return compare(kind, (size, hidden), kwargs, x_shape, hx, dtype)


@pytest.mark.parametrize("kind, kwargs, batched, with_h0", LAYERS, ids=lambda v: str(v))
def test_layer_matches_torch_float64(kind, kwargs, batched, with_h0):
    _layer_case(kind, kwargs, batched, with_h0, "float64")


@pytest.mark.parametrize("kind, kwargs, batched, with_h0", [LAYERS[i] for i in (1, 6, 7, 10)], ids=lambda v: str(v))
def test_layer_matches_torch_float32(kind, kwargs, batched, with_h0):
    _layer_case(kind, kwargs, batched, with_h0, "float32")


def test_grad_fn_names():
    """The names PyTorch 2.x prints on CPU (see the module docstring)."""
    x = facade.randn(3, 2, 4)
    out, (h, c) = fnn.LSTM(4, 5)(x)
    assert [grad_fn_name(t) for t in (out, h, c)] == ["MkldnnRnnLayerBackward0", "StackBackward0", "StackBackward0"]
    out, (h, c) = fnn.LSTM(4, 5).double()(x.double())
    assert [grad_fn_name(t) for t in (out, h, c)] == ["StackBackward0"] * 3
    out, h = fnn.GRU(4, 5, batch_first=True)(x)
    assert (grad_fn_name(out), out._version, grad_fn_name(h)) == ("TransposeBackward1", 1, "StackBackward0")
    out, h = fnn.RNN(4, 5, bidirectional=True)(x)
    assert grad_fn_name(out) == "CatBackward0"
    with facade.no_grad():
        out, (h, c) = fnn.LSTM(4, 5)(x)
    assert not out.requires_grad and out.grad_fn is None and h.grad_fn is None


CELLS = [
    ("RNNCell", {}, True, True),
    ("RNNCell", {"nonlinearity": "relu"}, False, False),
    ("GRUCell", {}, True, True),
    ("GRUCell", {"bias": False}, False, True),
    ("LSTMCell", {}, True, True),
    ("LSTMCell", {}, False, False),
]


@pytest.mark.parametrize("kind, kwargs, batched, with_h0", CELLS, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cell_matches_torch(kind, kwargs, batched, with_h0, dtype):
    size, hidden = 3, 4
    lead = (2,) if batched else ()
    hx = [lead + (hidden,)] * ((2 if kind == "LSTMCell" else 1) if with_h0 else 0)
    compare(kind, (size, hidden), kwargs, lead + (size,), hx, dtype)


def test_empty_batch():
    for kind in ("RNN", "GRU", "LSTM"):
        _t_out, f_out = compare(kind, (3, 4), {}, (2, 0, 3), dtype="float64")
        assert tuple(f_out[0].shape) == (2, 0, 4)


# ---- construction, parameters, repr --------------------------------------------------------
MODULES = [
    ("LSTM", (10, 20), {"num_layers": 2, "batch_first": True}),
    ("LSTM", (10, 20, 2, False, True, 0.5, True, 3), {}),
    ("RNN", (10, 20), {"nonlinearity": "relu"}),
    ("RNN", (10, 20, 2, "relu", False), {}),
    ("RNN", (10, 20), {"dropout": 1}),
    ("GRU", (10, 20), {"dropout": 0.25, "bias": False, "bidirectional": True, "num_layers": 3}),
    ("RNNCell", (10, 20), {"nonlinearity": "relu", "bias": False}),
    ("LSTMCell", (10, 20), {"bias": False}),
    ("GRUCell", (10, 20), {}),
]


@pytest.mark.parametrize("kind, args, kwargs", MODULES, ids=lambda v: str(v))
def test_construction_matches_torch(kind, args, kwargs):
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        tm = getattr(tnn, kind)(*args, **kwargs)
    with warnings.catch_warnings(record=True) as fw:
        warnings.simplefilter("always")
        fm = getattr(fnn, kind)(*args, **kwargs)
    assert [(w.category, str(w.message)) for w in fw] == [(w.category, str(w.message)) for w in tw]
    assert repr(fm) == repr(tm)
    assert [(n, tuple(p.shape)) for n, p in fm.named_parameters()] == [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert list(fm.state_dict()) == list(tm.state_dict())
    for p in fm.parameters():
        assert isinstance(p, fnn.Parameter) and p.requires_grad and p.is_leaf and p.dtype is facade.float32
    if hasattr(tm, "all_weights"):
        assert fm._flat_weights_names == tm._flat_weights_names
        assert [[tuple(p.shape) for p in ws] for ws in fm.all_weights] == [[tuple(p.shape) for p in ws] for ws in tm.all_weights]
        assert fm.flatten_parameters() is None
    for attr in ("input_size", "hidden_size", "bias", "num_layers", "batch_first", "dropout", "bidirectional",
                 "proj_size", "mode", "nonlinearity"):
        if hasattr(tm, attr):
            assert getattr(fm, attr) == getattr(tm, attr), attr


def test_default_init_is_uniform_in_one_over_sqrt_hidden():
    facade.manual_seed(0)
    m = fnn.LSTM(16, 16)
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    bound = 1 / np.sqrt(16)
    assert np.abs(values).max() <= bound
    assert values.std() == pytest.approx(bound / np.sqrt(3), rel=0.1)  # the standard deviation of U(-b, b)
    cell = fnn.GRUCell(4, 9, dtype=facade.float64)
    assert all(p.dtype is facade.float64 for p in cell.parameters())


CONSTRUCTOR_ERRORS = [
    ("LSTM", (3, 4), {"dropout": 2}), ("LSTM", (3, 4), {"dropout": True}), ("LSTM", (3, 4), {"dropout": "a"}),
    ("LSTM", (3, 0), {}), ("LSTM", (0, 3), {}), ("LSTM", (3, 4), {"num_layers": 0}), ("LSTM", (3.0, 4), {}),
    ("LSTM", (3, 4.0), {}), ("LSTM", (3, 4), {"num_layers": 2.0}), ("LSTM", (3, 4), {"bias": 1}),
    ("LSTM", (3, 4), {"batch_first": 1}), ("LSTM", (3, 4), {"proj_size": -1}), ("LSTM", (3, 4), {"proj_size": 4}),
    ("GRU", (3, 4), {"proj_size": 2}), ("RNN", (3, 4), {"proj_size": 2}), ("RNN", (3, 4), {"nonlinearity": "sigmoid"}),
]


@pytest.mark.parametrize("kind, args, kwargs", CONSTRUCTOR_ERRORS, ids=lambda v: str(v))
def test_constructor_errors(kind, args, kwargs):
    raises_like(lambda: getattr(tnn, kind)(*args, **kwargs), lambda: getattr(fnn, kind)(*args, **kwargs))


# ---- forward errors ------------------------------------------------------------------------
def _layer_errors(T, kind):
    """(label, thunk) for bad calls of a kind(10, 20) layer of module T."""
    T.manual_seed(0)
    m = getattr(T.nn, kind)(10, 20)
    md = getattr(T.nn, kind)(10, 20).double()
    x = T.randn(5, 3, 10)
    r = T.randn

    def hx(*shapes, dtypes=None):
        ts = [r(*s) if dtypes is None or dtypes[i] is None else r(*s).to(dtypes[i]) for i, s in enumerate(shapes)]
        return tuple(ts) if kind == "LSTM" else ts[0]

    two = 2 if kind == "LSTM" else 1
    cases = [
        ("size(-1)", lambda: m(r(5, 3, 7))), ("4-D", lambda: m(r(5, 3, 10, 1))), ("1-D", lambda: m(r(10))),
        ("0-D", lambda: m(T.tensor(1.0))), ("float64 input", lambda: m(x.double())),
        ("int input", lambda: m(x.long())), ("no steps", lambda: m(r(0, 3, 10))),
        ("no steps, batch_first", lambda: getattr(T.nn, kind)(10, 20, batch_first=True)(r(3, 0, 10))),
        ("no steps, unbatched", lambda: m(r(0, 10))),
        ("hidden batch", lambda: m(x, hx(*[(1, 4, 20)] * two))),
        ("hidden layers", lambda: m(x, hx(*[(2, 3, 20)] * two))),
        ("hidden 2-D", lambda: m(x, hx(*[(3, 20)] * two))),
        ("unbatched hidden 3-D", lambda: m(x[:, 0], hx(*[(1, 1, 20)] * two))),
        ("unbatched hidden size", lambda: m(x[:, 0], hx(*[(1, 21)] * two))),
        ("hidden float64", lambda: m(x, hx(*[(1, 3, 20)] * two, dtypes=[T.float64] * two))),
        ("hidden float32, model float64", lambda: md(x.double(), hx(*[(1, 3, 20)] * two))),
    ]
    if kind == "LSTM":
        proj = T.nn.LSTM(10, 20, proj_size=3)
        cases += [
            ("cell size", lambda: m(x, (r(1, 3, 20), r(1, 3, 21)))),
            ("h 2-D c 3-D", lambda: m(x, (r(3, 20), r(1, 3, 20)))),
            ("c float64", lambda: m(x, (r(1, 3, 20), r(1, 3, 20).double()))),
            ("hx a tensor", lambda: m(x, r(1, 3, 20))), ("hx of one", lambda: m(x, (r(1, 3, 20),))),
            ("proj: h of hidden size", lambda: proj(x, (r(1, 3, 20), r(1, 3, 20)))),
            ("proj: h float64", lambda: proj(x, (r(1, 3, 3).double(), r(1, 3, 20)))),
            ("proj: c float64", lambda: proj(x, (r(1, 3, 3), r(1, 3, 20).double()))),
            ("float64 model, c float32", lambda: md(x.double(), (r(1, 3, 20).double(), r(1, 3, 20)))),
        ]
    else:
        cases += [("hx a tuple", lambda: m(x, (r(1, 3, 20),))), ("hx int", lambda: m(x, T.ones(1, 3, 20).long()))]
    return cases


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_layer_forward_errors(kind):
    for (label, tcall), (_, fcall) in zip(_layer_errors(torch, kind), _layer_errors(facade, kind)):
        try:
            tcall()
        except Exception:  # noqa: BLE001 - an error case: facade must raise the same
            raises_like(tcall, fcall)
            continue
        fcall()  # PyTorch accepts it (a float32 cell state in a float64 LSTM): so must facade


def _cell_errors(T, kind):
    m = getattr(T.nn, kind)(10, 20)
    r = T.randn
    lstm = kind == "LSTMCell"

    def h(*s):
        return (r(*s), r(*s)) if lstm else r(*s)

    cases = [
        lambda: m(r(3, 7)), lambda: m(r(7)), lambda: m(r(1, 3, 10)), lambda: m(T.tensor(1.0)),
        lambda: m(r(3, 10).double()), lambda: m(T.ones(3, 10).long()), lambda: m(r(3, 10), h(4, 20)),
        lambda: m(r(3, 10), h(3, 21)), lambda: m(r(3, 10), h(1, 3, 20)), lambda: m(r(3, 10), h(20)),
        lambda: m(r(20, 10), h(20)), lambda: m(r(10), h(1, 20)),
        lambda: m(r(3, 10), (r(3, 20).double(),) * 2 if lstm else r(3, 20).double()),
    ]
    if lstm:
        cases += [
            lambda: m(r(3, 10), (r(3, 20), r(3, 21))), lambda: m(r(3, 10), (r(3, 20), r(2, 20))),
            lambda: m(r(3, 10), (r(3, 20), r(1, 3, 20))), lambda: m(r(3, 10), (r(3, 20),)),
            lambda: m(r(3, 10), (r(3, 20),) * 3), lambda: m(r(3, 10), r(2, 3, 20)), lambda: m(r(10), (r(20),)),
            lambda: m(r(10), (r(20), r(1, 20))),
        ]
    bad_bias = getattr(T.nn, kind)(10, 20)
    bad_bias.bias_hh.data = bad_bias.bias_hh.data.double()
    cases.append(lambda: bad_bias(r(3, 10)))
    if kind == "RNNCell":
        bad = T.nn.RNNCell(10, 20)
        bad.nonlinearity = "foo"
        cases.append(lambda: bad(r(3, 10)))
    return cases


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_forward_errors(kind):
    for tcall, fcall in zip(_cell_errors(torch, kind), _cell_errors(facade, kind)):
        raises_like(tcall, fcall)


# ---- dropout between layers ----------------------------------------------------------------
def test_dropout_one_matches_torch_in_training():
    """p = 1 zeroes every input of the upper layers: deterministic, so comparable with PyTorch."""
    compare("GRU", (3, 4), {"num_layers": 3, "dropout": 1.0}, (4, 2, 3), [(3, 2, 4)], train=True)
    compare("LSTM", (3, 4), {"num_layers": 2, "dropout": 1.0, "bidirectional": True}, (4, 2, 3), train=True)


def test_dropout_is_off_in_eval_mode():
    compare("LSTM", (3, 4), {"num_layers": 2, "dropout": 0.5}, (4, 2, 3), train=False)


def _relu_stack(p):
    """A 2-layer relu RNN whose second layer passes its (dropped-out) input through: its output is
    relu(mask * out0 / (1 - p)), out0 the first layer's output, positive everywhere."""
    m = fnn.RNN(6, 6, num_layers=2, nonlinearity="relu", dropout=p).double()
    with facade.no_grad():
        for name, w in m.named_parameters():
            w.zero_()
        m.weight_ih_l0.fill_(0.5)
        m.bias_ih_l0.fill_(0.25)
        m.weight_ih_l1.copy_(facade.eye(6, dtype=facade.float64))
    return m


def test_dropout_statistics_and_rng():
    p = 0.3
    m = _relu_stack(p)
    x = facade.rand(40, 25, 6, dtype=facade.float64, requires_grad=True)
    facade.manual_seed(1)
    out, h = m(x)
    first = 0.5 * x.detach().numpy().sum(-1) + 0.25  # the first layer's output (every unit alike)
    ratio = out.detach().numpy() / first[..., None]
    kept = ratio > 0
    np.testing.assert_allclose(ratio[kept], 1 / (1 - p), rtol=1e-12)  # survivors scaled by 1 / (1 - p)
    assert abs((~kept).mean() - p) < 0.03  # 6000 draws
    np.testing.assert_array_equal(h.detach().numpy()[1], out.detach().numpy()[-1])
    out.sum().backward()
    # the gradient reaches x only through the kept units
    expected = 0.5 * (kept / (1 - p)).sum(-1, keepdims=True) * np.ones(6)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
    facade.manual_seed(1)
    again, _ = m(x)
    np.testing.assert_array_equal(again.detach().numpy(), out.detach().numpy())  # same seed, same mask
    other, _ = m(x)
    assert not np.array_equal(other.detach().numpy(), out.detach().numpy())  # a fresh mask per call
    m.eval()
    plain, _ = m(x)
    np.testing.assert_allclose(plain.detach().numpy(), np.broadcast_to(first[..., None], (40, 25, 6)), rtol=1e-12)


def test_single_layer_dropout_warns_and_does_nothing():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        m = fnn.GRU(3, 4, dropout=0.5)
    x = facade.randn(3, 2, 3)
    a, _ = m(x)
    b, _ = m(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


# ---- autograd behaviour --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_writing_into_the_output_before_backward(dtype):
    """PyTorch's float32 LSTM (oneDNN) saves its output: writing into it before backward raises;
    float64 (and h_n / c_n always) do not."""
    for T in (torch, facade):
        m = T.nn.LSTM(3, 4).to(getattr(T, dtype))
        x = T.randn(2, 1, 3, dtype=getattr(T, dtype), requires_grad=True)
        out, (h, c) = m(x)
        h.mul_(2)
        c.mul_(2)
        (out.sum() + h.sum() + c.sum()).backward(retain_graph=True)
        out.mul_(2)
        if dtype == "float32":
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                out.sum().backward()
        else:
            out.sum().backward()


def test_module_conversions():
    tm, fm = tnn.GRU(3, 4, num_layers=2), fnn.GRU(3, 4, num_layers=2)
    copy_weights(tm, fm)
    tm, fm = tm.double(), fm.to(facade.float64)
    x = data(0, (4, 2, 3), "float64")
    t_out, _ = tm(torch.tensor(x))
    f_out, _ = fm(facade.tensor(x))
    _close(f_out, t_out, "float64", "output")


def test_jitted_training_step_matches_eager():
    def train(jitted, steps=2):
        facade.manual_seed(0)
        rnn = fnn.GRU(2, 3, num_layers=2, dropout=0.25, batch_first=True)
        opt = facade.optim.SGD(rnn.parameters(), lr=0.1)
        x = facade.randn(2, 4, 2)

        def step(x):
            opt.zero_grad()
            out, h = rnn(x)
            loss = out.pow(2).mean() + h.sum()
            loss.backward()
            opt.step()
            return loss

        step = facade.jit.jit(step) if jitted else step
        return [step(x).item() for _ in range(steps)], {k: v.numpy() for k, v in rnn.state_dict().items()}

    eager, eager_state = train(False)
    jitted, jit_state = train(True)
    np.testing.assert_allclose(jitted, eager, rtol=1e-5)
    for k in eager_state:
        np.testing.assert_allclose(jit_state[k], eager_state[k], rtol=1e-5, atol=1e-6, err_msg=k)
