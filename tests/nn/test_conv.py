"""Conv1d/2d/3d, ConvTranspose1d/2d/3d and F.conv* against PyTorch."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_compare import data, raises_like, run_both, run_modules, to_facade, to_torch, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional

# each example compiles new programs: a few, on small tensors
FEW = settings(deadline=None, max_examples=max(3, settings.default.max_examples // 3))


def _f(T):
    return T.nn.functional


# ---- functional, drawn arguments -------------------------------------------------------
@st.composite
def conv_args(draw, nd, transposed=False):
    groups = draw(st.sampled_from([1, 1, 2]))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    if transposed:
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
        sizes = tuple(draw(st.integers(1, 4)) for _ in range(nd))
        # keep the output non-empty
        sizes = tuple(max(n, 1 + -(-(2 * p - d * (kk - 1) - o) // s) if 2 * p > d * (kk - 1) + o else n)
                      for n, p, d, kk, o, s in zip(sizes, padding, dilation, k, output_padding, stride))
        wshape = (cin, cout // groups) + k
        kw = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    else:
        sizes = tuple(max(draw(st.integers(1, 5)), d * (kk - 1) + 1 - 2 * p)
                      for kk, d, p in zip(k, dilation, padding))
        wshape = (cout, cin // groups) + k
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    bias = draw(st.booleans())
    return batch + (cin,) + sizes, wshape, (cout,) if bias else None, kw


def _run_conv(name, args, dtype, seed):
    xshape, wshape, bshape, kw = args
    arrays = [data(seed, xshape, dtype), data(seed + 1, wshape, dtype)]
    if bshape is not None:
        arrays.append(data(seed + 2, bshape, dtype))
    run_both(lambda *ts: getattr(tF, name)(*ts, **kw), lambda *ts: getattr(fF, name)(*ts, **kw), arrays, seed=seed)


@FEW
@given(args=conv_args(1), dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_conv1d_matches_torch(args, dtype, seed):
    _run_conv("conv1d", args, dtype, seed)


@FEW
@given(args=conv_args(2), dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_conv2d_matches_torch(args, dtype, seed):
    _run_conv("conv2d", args, dtype, seed)


@FEW
@given(args=conv_args(1, transposed=True), dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_conv_transpose1d_matches_torch(args, dtype, seed):
    _run_conv("conv_transpose1d", args, dtype, seed)


@FEW
@given(args=conv_args(2, transposed=True), dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_conv_transpose2d_matches_torch(args, dtype, seed):
    _run_conv("conv_transpose2d", args, dtype, seed)


def test_conv3d_and_transpose3d():
    x, w, b = data(0, (1, 2, 4, 3, 4), "float64"), data(1, (4, 1, 2, 2, 1), "float64"), data(2, (4,), "float64")
    run_both(lambda *t: tF.conv3d(*t, stride=(1, 2, 1), padding=1, groups=2),
             lambda *t: fF.conv3d(*t, stride=(1, 2, 1), padding=1, groups=2), [x, w, b])
    wt = data(3, (2, 3, 2, 1, 2), "float64")
    run_both(lambda *t: tF.conv_transpose3d(*t, stride=2, output_padding=1),
             lambda *t: fF.conv_transpose3d(*t, stride=2, output_padding=1), [x, wt])


@pytest.mark.parametrize("nd,k,dilation", [(1, 2, 3), (2, 3, 1), (2, 4, 2)])
def test_padding_same_and_valid(nd, k, dilation):
    x = data(0, (2, 2) + (7,) * nd, "float64")
    w = data(1, (3, 2) + (k,) * nd, "float64")
    name = f"conv{nd}d"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for padding in ("same", "valid"):
            t_out, f_out = run_both(lambda a, b: getattr(tF, name)(a, b, padding=padding, dilation=dilation),
                                    lambda a, b: getattr(fF, name)(a, b, padding=padding, dilation=dilation), [x, w])
            # an odd total padding is applied to the input first, as PyTorch does
            t_next = [type(f[0]).__name__ for f in t_out.grad_fn.next_functions if f[0] is not None]
            f_next = [type(f[0]).__name__ for f in f_out.grad_fn.next_functions if f[0] is not None]
            assert f_next == t_next


def test_integer_and_empty_inputs():
    x = np.arange(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) - 40
    w = np.arange(3 * 2 * 2 * 2).reshape(3, 2, 2, 2) - 10
    run_both(lambda a, b: tF.conv2d(a, b, stride=2), lambda a, b: fF.conv2d(a, b, stride=2), [x, w], grad=False)
    run_both(lambda a, b: tF.conv_transpose2d(a, b.transpose(0, 1)),
             lambda a, b: fF.conv_transpose2d(a, b.transpose(0, 1)), [x[:, :, :2, :2], w], grad=False)
    e = np.zeros((0, 2, 4, 4))
    run_both(lambda a, b: tF.conv2d(a, b), lambda a, b: fF.conv2d(a, b), [e, data(0, (3, 2, 2, 2), "float64")])


# ---- errors ----------------------------------------------------------------------------
def _z(T, *shape, dtype=None):
    return T.zeros(*shape, dtype=dtype)


X4 = (2, 3, 5, 5)
W4 = (4, 3, 3, 3)
FUNCTIONAL_ERRORS = {
    "channels": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 2, 3, 3)),
    "channels unbatched": lambda T: _f(T).conv2d(_z(T, 3, 5, 5), _z(T, 4, 2, 3, 3)),
    "rank 5": lambda T: _f(T).conv2d(_z(T, 1, 2, 3, 5, 5), _z(T, *W4)),
    "rank 2": lambda T: _f(T).conv2d(_z(T, 5, 5), _z(T, *W4)),
    "weight rank 3": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 3, 3)),
    "weight rank 3, lists": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 3, 3), stride=[1], padding=[0], dilation=[1]),
    "weight rank 2": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 3)),
    "weight rank 4 for conv1d": lambda T: _f(T).conv1d(_z(T, 2, 3, 5), _z(T, *W4)),
    "kernel too big": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 3, 6, 6)),
    "kernel too big unbatched": lambda T: _f(T).conv2d(_z(T, 3, 5, 5), _z(T, 4, 3, 6, 6)),
    "kernel too big padded": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 3, 8, 8), padding=1),
    "kernel too big dilated": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), dilation=3),
    "conv1d kernel too big": lambda T: _f(T).conv1d(_z(T, 2, 3, 2), _z(T, 4, 3, 3)),
    "groups divide": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 1, 3, 3), groups=3),
    "groups at least": lambda T: _f(T).conv2d(_z(T, 2, 8, 5, 5), _z(T, 4, 1, 3, 3), groups=8),
    "groups 0": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), groups=0),
    "stride 0": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), stride=0),
    "stride -1": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), stride=-1),
    "padding -1": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), padding=-1),
    "dilation 0": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), dilation=0),
    "stride of 3": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), stride=(1, 1, 1)),
    "padding of 3": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), padding=(1, 1, 1)),
    "bias size": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), _z(T, 3)),
    "bias 2-d": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), _z(T, 4, 1)),
    "bias size and kernel": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 3, 6, 6), _z(T, 3)),
    "input double": lambda T: _f(T).conv2d(_z(T, *X4, dtype=T.float64), _z(T, *W4)),
    "weight double": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4, dtype=T.float64)),
    "bias double": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), _z(T, 4, dtype=T.float64)),
    "bias double, bad rank": lambda T: _f(T).conv2d(_z(T, 5, 5), _z(T, *W4), _z(T, 4, dtype=T.float64)),
    "input long": lambda T: _f(T).conv2d(_z(T, *X4, dtype=T.int64), _z(T, *W4)),
    "weight long": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4, dtype=T.int64)),
    "double and kernel": lambda T: _f(T).conv2d(_z(T, *X4, dtype=T.float64), _z(T, 4, 3, 6, 6)),
    "bool": lambda T: _f(T).conv2d(_z(T, *X4, dtype=T.bool), _z(T, *W4, dtype=T.bool)),
    "empty spatial": lambda T: _f(T).conv2d(_z(T, 1, 3, 0, 5), _z(T, 4, 3, 2, 2), padding=1),
    "same strided": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), padding="same", stride=2),
    "same, weight rank 3": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 3, 3), padding="same"),
    "same, bad rank": lambda T: _f(T).conv2d(_z(T, 3, 5), _z(T, *W4), padding="same"),
    "same, groups 0": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), padding="same", groups=0),
    "same, stride of 3": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), padding="same", stride=(1, 1, 1)),
    "valid, kernel too big": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, 4, 3, 7, 7), padding="valid"),
    "bad padding string": lambda T: _f(T).conv2d(_z(T, *X4), _z(T, *W4), padding="foo"),
    "transposed channels": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 4, 3, 3, 3)),
    "transposed output_padding": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 3, 4, 3, 3), output_padding=1),
    "transposed output_padding 2": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 3, 4, 3, 3), stride=2,
                                                                    output_padding=(1, 2)),
    "transposed 1-d output_padding": lambda T: _f(T).conv_transpose1d(_z(T, 1, 3, 4), _z(T, 3, 4, 1),
                                                                      output_padding=1),
    "transposed 3-d output_padding": lambda T: _f(T).conv_transpose3d(_z(T, 1, 3, 2, 2, 2), _z(T, 3, 4, 1, 1, 1),
                                                                      output_padding=1),
    "transposed rank": lambda T: _f(T).conv_transpose2d(_z(T, 5, 5), _z(T, 3, 4, 3, 3)),
    "transposed output too small": lambda T: _f(T).conv_transpose2d(_z(T, 1, 3, 1, 1), _z(T, 3, 4, 1, 1), padding=1),
    "transposed output 0": lambda T: _f(T).conv_transpose2d(_z(T, 1, 3, 1, 1), _z(T, 3, 4, 2, 2), padding=1),
    "transposed 1-d output too small": lambda T: _f(T).conv_transpose1d(_z(T, 1, 3, 1), _z(T, 3, 4, 1), padding=1),
    "transposed bias": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 3, 4, 3, 3), _z(T, 3)),
    "transposed bias double": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 3, 4, 3, 3),
                                                               _z(T, 4, dtype=T.float64)),
    "transposed groups": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 3, 4, 3, 3), groups=2),
    "transposed padding string": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 3, 4, 3, 3), padding="same"),
    "transposed 1-d rank": lambda T: _f(T).conv_transpose1d(_z(T, *X4), _z(T, 3, 3, 3)),
    "transposed weight double": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 3, 4, 3, 3, dtype=T.float64)),
    "transposed input double": lambda T: _f(T).conv_transpose2d(_z(T, *X4, dtype=T.float64), _z(T, 3, 4, 3, 3)),
    "transposed negative output_padding": lambda T: _f(T).conv_transpose2d(_z(T, *X4), _z(T, 3, 4, 3, 3),
                                                                           output_padding=-1),
    "conv3d channels": lambda T: _f(T).conv3d(_z(T, 2, 3, 5, 5), _z(T, 4, 3, 3, 3, 3)),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_ERRORS))
def test_functional_errors(name):
    fn = FUNCTIONAL_ERRORS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(lambda: fn(torch), lambda: fn(facade))


MODULE_ERRORS = {
    "groups 0": lambda T: T.nn.Conv2d(4, 4, 3, groups=0),
    "in_channels % groups": lambda T: T.nn.Conv2d(3, 4, 3, groups=2),
    "out_channels % groups": lambda T: T.nn.Conv2d(4, 3, 3, groups=2),
    "padding string": lambda T: T.nn.Conv2d(4, 4, 3, padding="full"),
    "same strided": lambda T: T.nn.Conv1d(4, 4, 3, stride=2, padding="same"),
    "transposed padding_mode": lambda T: T.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
    "wrong channels": lambda T: T.nn.Conv2d(4, 4, 3)(T.zeros(1, 3, 5, 5)),
    "wrong rank": lambda T: T.nn.Conv1d(4, 4, 3)(T.zeros(1, 4, 5, 5)),
    "kernel too big": lambda T: T.nn.Conv2d(3, 4, 7)(T.zeros(1, 3, 5, 5)),
    "dtype": lambda T: T.nn.Conv2d(3, 4, 3)(T.zeros(1, 3, 5, 5, dtype=T.float64)),
    "reflect too big": lambda T: T.nn.Conv1d(2, 2, 3, padding=4, padding_mode="reflect")(T.zeros(1, 2, 3)),
    "output_size length": lambda T: T.nn.ConvTranspose2d(3, 4, 3, stride=2)(T.zeros(1, 3, 4, 4), output_size=[9]),
    "output_size range": lambda T: T.nn.ConvTranspose2d(3, 4, 3, stride=2)(T.zeros(1, 3, 4, 4),
                                                                           output_size=[12, 9]),
    "output_size unbatched": lambda T: T.nn.ConvTranspose1d(3, 4, 3, stride=2)(T.zeros(3, 4), output_size=[1, 2, 3]),
}


@pytest.mark.parametrize("name", list(MODULE_ERRORS))
def test_module_errors(name):
    fn = MODULE_ERRORS[name]
    raises_like(lambda: fn(torch), lambda: fn(facade))


def test_padding_mode_error():
    """PyTorch's message prints a set of four strings: its order varies with the hash seed and with how
    the set literal was compiled (torch's .pyc), so the elements are compared, not their order."""
    errors = []
    for T in (torch, facade):
        with pytest.raises(ValueError) as e:
            T.nn.Conv2d(4, 4, 3, padding_mode="mirror")
        errors.append(str(e.value))
    head, tail = "padding_mode must be one of {", "}, but got padding_mode='mirror'"
    for text in errors:
        assert text.startswith(head) and text.endswith(tail), text
    assert sorted(errors[0][len(head):-len(tail)].split(", ")) == sorted(errors[1][len(head):-len(tail)].split(", "))


# ---- modules ---------------------------------------------------------------------------
REPRS = [
    lambda T: T.nn.Conv2d(3, 16, 3, padding=1),
    lambda T: T.nn.Conv2d(3, 16, 3),
    lambda T: T.nn.Conv2d(4, 8, (3, 2), stride=2, dilation=2, groups=2, bias=False),
    lambda T: T.nn.Conv2d(3, 3, 3, padding="same"),
    lambda T: T.nn.Conv2d(3, 3, 3, padding="valid"),
    lambda T: T.nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect"),
    lambda T: T.nn.Conv1d(3, 4, 3),
    lambda T: T.nn.Conv1d(3, 4, 3, stride=2, padding=1),
    lambda T: T.nn.Conv3d(2, 2, 2),
    lambda T: T.nn.ConvTranspose2d(3, 4, 3),
    lambda T: T.nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1),
    lambda T: T.nn.ConvTranspose1d(3, 4, 3, dilation=2, bias=False),
    lambda T: T.nn.ConvTranspose3d(2, 4, 2, groups=2),
    lambda T: T.nn.Sequential(T.nn.Conv2d(1, 2, 3), T.nn.ReLU(), T.nn.Conv2d(2, 2, 1)),
]


@pytest.mark.parametrize("i", range(len(REPRS)))
def test_repr_and_state(i):
    tm, fm = REPRS[i](torch), REPRS[i](facade)
    assert repr(fm) == repr(tm)
    assert list(fm.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        assert tuple(fm.state_dict()[k].shape) == tuple(v.shape), k
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "output_padding",
                 "groups", "padding_mode", "transposed", "_reversed_padding_repeated_twice"):
        if hasattr(tm, attr):
            assert getattr(fm, attr) == getattr(tm, attr), attr


def test_default_initialisation():
    m = fnn.Conv2d(4, 8, (3, 2), groups=2)
    fan_in = 2 * 3 * 2
    bound = 1 / np.sqrt(fan_in)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and w.std() > bound / 4
    assert np.abs(b).max() <= bound and b.std() > 0
    assert isinstance(m.weight, fnn.Parameter) and m.weight.is_leaf and m.weight.requires_grad
    t = fnn.ConvTranspose1d(3, 6, 3, groups=3)
    assert tuple(t.weight.shape) == (3, 2, 3)
    bound = 1 / np.sqrt(2 * 3)  # fan_in of a transposed weight is its dim 1 times the kernel
    assert np.abs(t.weight.detach().numpy()).max() <= bound and np.abs(t.bias.detach().numpy()).max() <= bound
    assert fnn.Conv1d(2, 2, 1, dtype=facade.float64).weight.dtype is facade.float64
    assert fnn.Conv2d(2, 2, 1, bias=False).bias is None


@pytest.mark.parametrize("mode,nd", [("zeros", 2), ("reflect", 1), ("replicate", 2), ("circular", 1)])
def test_padding_modes(mode, nd):
    cls = f"Conv{nd}d"
    kw = dict(stride=2, padding=(1,) * (nd - 1) + (2,), padding_mode=mode)
    tm, fm = getattr(tnn, cls)(2, 3, 3, **kw).double(), getattr(fnn, cls)(2, 3, 3, **kw).double()
    batch = (2,) if mode in ("zeros", "reflect") else ()  # batched and unbatched
    run_modules(tm, fm, [data(0, batch + (2,) + (5,) * nd, "float64")])


def test_padding_same_module():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in ("circular",):
            tm, fm = tnn.Conv2d(2, 3, (2, 3), padding="same", padding_mode=mode), \
                fnn.Conv2d(2, 3, (2, 3), padding="same", padding_mode=mode)
            run_modules(tm, fm, [data(0, (1, 2, 4, 5))])


MODULES = [
    (lambda T: T.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 7), "float32"),
    (lambda T: T.nn.Conv2d(3, 4, (3, 2), dilation=(1, 2), bias=False), (2, 3, 5, 6), "float64"),
    (lambda T: T.nn.Conv2d(3, 4, 3, padding=1), (3, 5, 5), "float32"),
    (lambda T: T.nn.ConvTranspose1d(4, 2, 3, stride=2, groups=2, output_padding=1), (2, 4, 3), "float64"),
    (lambda T: T.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, dilation=2), (2, 3, 3, 4), "float32"),
    (lambda T: T.nn.ConvTranspose2d(3, 2, 2), (3, 2, 2), "float64"),
]


@pytest.mark.parametrize("i", range(len(MODULES)))
def test_modules_match_torch(i):
    make, shape, dtype = MODULES[i]
    tm, fm = make(torch), make(facade)
    if dtype == "float64":
        tm, fm = tm.double(), fm.double()
    run_modules(tm, fm, [data(0, shape, dtype)])


def test_conv_transpose_output_size():
    tm, fm = tnn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), fnn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    for size in ([7, 8], [1, 2, 8, 7]):
        from nn_compare import copy_weights

        copy_weights(tm, fm)
        x = data(0, (1, 3, 4, 4))
        run_both(lambda a: tm(a, output_size=size), lambda a: fm(a, output_size=size), [x])


def test_small_cnn_trains_like_torch():
    """A conv net (conv, relu, max pool, adaptive avg pool, linear) over a few SGD steps."""
    from nn_compare import copy_weights

    def net(T):
        n = T.nn
        return n.Sequential(n.Conv2d(1, 3, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.AdaptiveAvgPool2d(1),
                            n.Flatten(), n.Linear(3, 3))

    tm, fm = net(torch).double(), net(facade).double()
    copy_weights(tm, fm)
    x, y = data(0, (4, 1, 8, 8), "float64"), np.array([0, 1, 2, 1])
    tx, fx = to_torch(x), to_facade(x)
    ty, fy = torch.tensor(y), facade.tensor(y)
    for _ in range(2):
        tl = tnn.CrossEntropyLoss()(tm(tx), ty)
        fl = fnn.CrossEntropyLoss()(fm(fx), fy)
        np.testing.assert_allclose(fl.item(), tl.item(), rtol=1e-10)
        tl.backward()
        fl.backward()
        with torch.no_grad():
            for p in tm.parameters():
                p -= 0.1 * p.grad
                p.grad = None
        with facade.no_grad():
            for p in fm.parameters():
                p -= 0.1 * p.grad
                p.grad = None
    for tp, fp in zip(tm.parameters(), fm.parameters()):
        np.testing.assert_allclose(fp.detach().numpy(), tp.detach().numpy(), rtol=1e-9, atol=1e-12)
