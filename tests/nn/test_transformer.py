"""TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder and
Transformer against PyTorch: values, gradients of the input and every parameter, grad_fn names,
PyTorch's inference fast paths, reprs, warnings, errors.

Sizes follow test_attention.py (d_model 8, 2 heads, 2 sequences of 4): the compiled ops are shared."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_compare import copy_weights, data, raises_like, to_facade, torch
from test_attention import compare_modules

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional

E, H, FF, L, S, N = 8, 2, 16, 4, 3, 2


def _pair(name, *args, dtype="float64", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, fm = getattr(tnn, name)(*args, **kw), getattr(fnn, name)(*args, **kw)
    if dtype == "float64":
        tm, fm = tm.double(), fm.double()
    return tm, fm


def _src(batch_first=False, batched=True, n=L, dtype="float64", seed=0):
    shape = ((N, n) if batch_first else (n, N)) if batched else (n,)
    return data(seed, shape + (E,), dtype, -1, 1)


ENCODER_LAYER_CASES = [
    # norm_first, activation, batch_first, batched, dtype
    (False, "relu", False, True, "float64"),
    (True, "gelu", True, True, "float32"),
    (False, "callable", True, False, "float64"),
    (True, "module", False, True, "float64"),
]
_ACTIVATIONS = {"relu": lambda nn, F: "relu", "gelu": lambda nn, F: "gelu", "callable": lambda nn, F: F.silu,
                "module": lambda nn, F: nn.GELU(approximate="tanh")}


@pytest.mark.parametrize("norm_first, activation, batch_first, batched, dtype", ENCODER_LAYER_CASES)
def test_encoder_layer_matches_torch(norm_first, activation, batch_first, batched, dtype):
    kw = dict(dim_feedforward=FF, dropout=0.0, norm_first=norm_first, batch_first=batch_first)
    tm = tnn.TransformerEncoderLayer(E, H, activation=_ACTIVATIONS[activation](tnn, tF), **kw)
    fm = fnn.TransformerEncoderLayer(E, H, activation=_ACTIVATIONS[activation](fnn, fF), **kw)
    if dtype == "float64":
        tm, fm = tm.double(), fm.double()
    assert repr(fm) == repr(tm)
    assert fm.activation_relu_or_gelu == tm.activation_relu_or_gelu
    compare_modules(tm, fm, lambda m, x: m(x), [_src(batch_first, batched, dtype=dtype)], scale=10.0)


@pytest.mark.parametrize("masks", ["square_bool", "float_3d", "kpm_bool", "kpm_float_and_mask", "causal"])
def test_encoder_layer_masks(masks):
    tm, fm = _pair("TransformerEncoderLayer", E, H, FF, dropout=0.0)
    rng = np.random.default_rng(0)
    causal = np.triu(np.full((L, L), -np.inf), 1)
    kpm = np.array([[False, False, True, False], [False, True, True, True]])
    cases = {
        "square_bool": ({"src_mask": np.triu(np.ones((L, L), bool), 1)}, {}),
        "float_3d": ({"src_mask": rng.standard_normal((N * H, L, L))}, {}),
        "kpm_bool": ({"src_key_padding_mask": kpm}, {}),
        "kpm_float_and_mask": ({"src_key_padding_mask": np.where(kpm, -np.inf, 0.0), "src_mask": causal}, {}),
        "causal": ({"src_mask": causal}, {"is_causal": True}),
    }
    given_masks, extra = cases[masks]
    names = list(given_masks)
    compare_modules(tm, fm, lambda m, x, *ms: m(x, **dict(zip(names, ms)), **extra), [_src()],
                    masks=list(given_masks.values()))


def test_encoder_layer_eval_fast_path():
    """Eval mode without gradients (torch._transformer_encoder_layer_fwd): the same values, NaN for a
    sequence with nothing to attend to; with gradients, the composite path (0 there) as in PyTorch."""
    tm, fm = _pair("TransformerEncoderLayer", E, H, FF, batch_first=True)
    tm.eval(), fm.eval()
    x = _src(batch_first=True)
    kpm = np.array([[False, False, True, True], [True, True, True, True]])
    with torch.no_grad(), facade.no_grad():
        t, _ = compare_modules(tm, fm, lambda m, x, k: m(x, src_key_padding_mask=k), [x], masks=[kpm], grad=False)
        assert np.isnan(t[0].numpy()[1]).all()
        compare_modules(tm, fm, lambda m, x: m(x), [x], grad=False)
    t, _ = compare_modules(tm, fm, lambda m, x, k: m(x, src_key_padding_mask=k), [x], masks=[kpm])
    assert not np.isnan(t[0].detach().numpy()).any()


def test_encoder_stack_matches_torch():
    layer_kw = dict(dim_feedforward=FF, dropout=0.0)
    tl, fl = _pair("TransformerEncoderLayer", E, H, **layer_kw)
    copy_weights(tl, fl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = tnn.TransformerEncoder(tl, 2, norm=tnn.LayerNorm(E).double())
        fm = fnn.TransformerEncoder(fl, 2, norm=fnn.LayerNorm(E).double())
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    # the layers are deep copies of the one given (same values, their own parameters)
    assert fm.layers[0].linear1.weight is not fl.linear1.weight
    assert fm.layers[0].linear1.weight is not fm.layers[1].linear1.weight
    np.testing.assert_array_equal(fm.layers[1].linear1.weight.detach().numpy(), fl.linear1.weight.detach().numpy())
    causal = fnn.Transformer.generate_square_subsequent_mask(L).double().numpy()
    # a mask equal to the causal one is detected as causal (is_causal=None)
    compare_modules(tm, fm, lambda m, x, c: m(x, mask=c), [_src()], masks=[causal])
    compare_modules(tm, fm, lambda m, x: m(x), [_src()])


def test_encoder_nested_tensor_path():
    """Eval mode, no gradients, batch_first, a key padding mask: PyTorch runs the layers on nested
    tensors and pads the result with 0 (then the final norm)."""
    tl, fl = _pair("TransformerEncoderLayer", E, H, FF, batch_first=True)
    copy_weights(tl, fl)
    tm, fm = tnn.TransformerEncoder(tl, 2, norm=tnn.LayerNorm(E).double()), fnn.TransformerEncoder(
        fl, 2, norm=fnn.LayerNorm(E).double())
    tm.eval(), fm.eval()
    x = _src(batch_first=True)
    aligned = np.array([[False, False, True, True], [False, True, True, True]])
    ragged = np.array([[False, True, False, True], [False, False, False, False]])
    with torch.no_grad(), facade.no_grad():
        for kpm in (aligned, ragged):
            compare_modules(tm, fm, lambda m, x, k: m(x, src_key_padding_mask=k), [x], masks=[kpm], grad=False)
        tm.mask_check, fm.mask_check = False, False  # the mask is then taken as left aligned (its lengths)
        compare_modules(tm, fm, lambda m, x, k: m(x, src_key_padding_mask=k), [x], masks=[ragged], grad=False)
        tm.norm = fm.norm = None
        t, _ = compare_modules(tm, fm, lambda m, x, k: m(x, src_key_padding_mask=k), [x], masks=[aligned],
                               grad=False)
        np.testing.assert_array_equal(t[0].numpy()[aligned], 0)


def test_encoder_nested_tensor_warning():
    def messages(nn, **kw):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, **kw), 1)
        return [str(x.message) for x in w]

    for kw in [{}, {"batch_first": True}, {"batch_first": True, "norm_first": True},
               {"batch_first": True, "activation": fF.silu}, {"batch_first": True, "bias": False}]:
        t_kw = dict(kw, activation=tF.silu) if "activation" in kw else kw
        assert messages(fnn, **kw) == messages(tnn, **t_kw)
    fm = fnn.TransformerEncoder(fnn.TransformerEncoderLayer(E, H, FF, batch_first=True), 1)
    assert fm.use_nested_tensor and fm.enable_nested_tensor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not fnn.TransformerEncoder(fnn.TransformerEncoderLayer(E, H, FF), 1).use_nested_tensor


@pytest.mark.parametrize("norm_first, batch_first", [(False, False), (True, True)])
def test_decoder_layer_matches_torch(norm_first, batch_first):
    tm, fm = _pair("TransformerDecoderLayer", E, H, FF, dropout=0.0, norm_first=norm_first, batch_first=batch_first)
    assert repr(fm) == repr(tm)
    tgt, mem = _src(batch_first), _src(batch_first, n=S, seed=1)
    causal = np.triu(np.full((L, L), -np.inf), 1)
    kpm = np.array([[False, False, True], [False, False, False]])
    compare_modules(tm, fm, lambda m, t, mem, c, k: m(t, mem, tgt_mask=c, memory_key_padding_mask=k,
                                                      tgt_is_causal=True), [tgt, mem], masks=[causal, kpm])


def test_transformer_matches_torch():
    kw = dict(d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=FF, dropout=0.0)
    tm, fm = _pair("Transformer", **kw)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    src, tgt = _src(n=S, seed=1), _src()
    tgt_mask = tnn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64).numpy()
    compare_modules(tm, fm, lambda m, s, t, c: m(s, t, tgt_mask=c), [src, tgt], masks=[tgt_mask])


def test_square_subsequent_mask():
    for sz, dtype in [(4, None), (3, "float64"), (1, None)]:
        t = tnn.Transformer.generate_square_subsequent_mask(sz, dtype=getattr(torch, dtype) if dtype else None)
        f = fnn.Transformer.generate_square_subsequent_mask(sz, dtype=getattr(facade, dtype) if dtype else None)
        assert f.dtype.is_floating_point and repr(f) == repr(t)


def test_dropout_is_seeded_and_training_only():
    fm = fnn.TransformerEncoderLayer(E, H, FF, dropout=0.5).double()
    x = to_facade(_src())
    runs = []
    for _ in range(2):
        facade.manual_seed(11)
        runs.append(fm(x).detach().numpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    facade.manual_seed(12)
    assert not np.allclose(runs[0], fm(x).detach().numpy())


@settings(deadline=None, max_examples=4)
@given(seed=st.integers(0, 2**16))
def test_encoder_layer_values_vary(seed):
    """One layer, many inputs: after its first run facade replays one compiled program."""
    tm, fm = _pair("TransformerEncoderLayer", E, H, FF, dropout=0.0)
    compare_modules(tm, fm, lambda m, x: m(x), [_src(seed=seed)], seed=seed)


def test_errors():
    raises_like(lambda: tnn.TransformerEncoderLayer(E, H, activation="tanh"),
                lambda: fnn.TransformerEncoderLayer(E, H, activation="tanh"))
    raises_like(lambda: tnn.TransformerEncoderLayer(E, 3), lambda: fnn.TransformerEncoderLayer(E, 3))
    tm, fm = _pair("Transformer", d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=FF)
    copy_weights(tm, fm)
    for src, tgt in [(_src(), data(0, (L, 3, E), "float64")), (_src(), data(0, (L, N, 6), "float64"))]:
        raises_like(lambda src=src, tgt=tgt: tm(torch.tensor(src), torch.tensor(tgt)),
                    lambda src=src, tgt=tgt: fm(facade.tensor(src), facade.tensor(tgt)))
    tl, fl = _pair("TransformerEncoderLayer", E, H, FF)
    copy_weights(tl, fl)
    x = _src()
    for kw in [{"is_causal": True}, {"src_mask": np.zeros((L, L), np.int64)}, {"src_mask": np.zeros((3, 3), bool)},
               {"src_key_padding_mask": np.zeros((N, 3), bool)}]:
        def call(m, T, kw=kw):
            kw = {k: T.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
            return m(T.tensor(x), **kw)

        raises_like(lambda: call(tl, torch), lambda: call(fl, facade))
