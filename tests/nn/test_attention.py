"""scaled_dot_product_attention and MultiheadAttention against PyTorch: values, gradients of the
inputs and of every parameter, grad_fn names, reprs, errors."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_compare import assert_close, copy_weights, data, grad_fn_name, raises_like, to_facade, to_torch, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional


def _outputs(r):
    return list(r) if isinstance(r, (tuple, list)) else [r]


def compare(tfn, ffn, arrays, grad=True, seed=0, scale=1.0, params=None, masks=()):
    """tfn / ffn on the arrays (tensors of each library; float arrays require grad if grad) and on
    the masks (never requiring grad): every output's value and grad_fn name, then, after backward
    of the same random weighting of the outputs, the gradients of the inputs and the parameters."""
    t_in = [to_torch(a, grad) for a in arrays] + [to_torch(m) for m in masks]
    f_in = [to_facade(a, grad) for a in arrays] + [to_facade(m) for m in masks]
    t_out, f_out = _outputs(tfn(*t_in)), _outputs(ffn(*f_in))
    assert len(t_out) == len(f_out)
    for i, (t, f) in enumerate(zip(t_out, f_out)):
        if t is None:
            assert f is None, f"output {i}: facade gives a tensor, torch None"
            continue
        assert_close(f, t, scale=scale, what=f"output {i}")
        assert grad_fn_name(f) == grad_fn_name(t), f"output {i}: {grad_fn_name(f)} != {grad_fn_name(t)}"
    pairs = [(t, f) for t, f in zip(t_out, f_out) if t is not None and t.requires_grad]
    if not pairs:
        return t_out, f_out
    rng = np.random.default_rng(seed)
    gs = [rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype) for t, _ in pairs]
    sum((t * torch.tensor(g)).sum() for (t, _), g in zip(pairs, gs)).backward()
    sum((f * facade.tensor(g)).sum() for (_, f), g in zip(pairs, gs)).backward()
    for i, (ti, fi) in enumerate(zip(t_in, f_in)):
        if ti.requires_grad:
            assert_close(fi.grad, ti.grad, scale=scale, what=f"grad of input {i}")
    for name, (tp, fp) in (params or {}).items():
        if tp.grad is None:
            assert fp.grad is None, f"{name}: facade has a gradient, torch none"
        else:
            assert_close(fp.grad, tp.grad, scale=scale, what=f"grad of {name}")
    return t_out, f_out


def compare_modules(tm, fm, call, arrays, masks=(), **kw):
    copy_weights(tm, fm)
    tp, fp = dict(tm.named_parameters()), dict(fm.named_parameters())
    assert list(tp) == list(fp)
    return compare(lambda *ts: call(tm, *ts), lambda *fs: call(fm, *fs), arrays, masks=masks,
                   params={k: (tp[k], fp[k]) for k in tp}, **kw)


# ---- scaled_dot_product_attention --------------------------------------------------------
# (the shapes MultiheadAttention(8, 2) gives for 2 sequences of 4 queries and 3 keys: compiled ops are shared)
SDPA_SHAPES = {
    # name: (query, key, value) shapes
    "4d": ((2, 2, 4, 4), (2, 2, 3, 4), (2, 2, 3, 4)),  # PyTorch's flash kernel
    "3d": ((4, 4, 4), (4, 3, 4), (4, 3, 4)),  # the math fallback from here on
    "2d": ((4, 4), (3, 4), (3, 4)),
    "value_dim": ((2, 2, 4, 4), (2, 2, 3, 4), (2, 2, 3, 2)),
    "broadcast": ((1, 2, 4, 4), (2, 2, 3, 4), (2, 2, 3, 4)),
}
SDPA_CASES = [
    # kind, mask, is_causal, scale, dtype
    ("4d", None, False, None, "float32"),
    ("4d", "bool", True, 0.7, "float64"),  # the flash kernel combines a mask with is_causal
    ("4d", "float", False, -0.4, "float64"),
    ("4d", "float_grad", False, 0.7, "float64"),  # a mask that needs a gradient: the math fallback
    ("3d", "bool", False, None, "float64"),
    ("3d", None, True, 0.7, "float32"),
    ("2d", "float", False, None, "float64"),
    ("value_dim", None, True, None, "float64"),
    ("broadcast", "float", False, -0.4, "float64"),
]


@pytest.mark.parametrize("kind, mask, causal, scale, dtype", SDPA_CASES)
def test_sdpa_matches_torch(kind, mask, causal, scale, dtype):
    seed = 0
    qs, ks, vs = SDPA_SHAPES[kind]
    arrays = [data(seed, qs, dtype, -2, 2), data(seed + 1, ks, dtype, -2, 2), data(seed + 2, vs, dtype, -2, 2)]
    masks = ()
    L, S = qs[-2], ks[-2]
    if mask == "bool":
        m = np.random.default_rng(seed).random((L, S)) > 0.4
        m[-1] = False  # a row with nothing to attend to: 0 in both kernels, and so is its gradient
        masks = (m,)
    elif mask == "float":
        masks = (data(seed + 3, (L, S), dtype, -1, 1),)
    elif mask == "float_grad":
        arrays.append(data(seed + 3, (L, S), dtype, -1, 1))

    def call(T):
        return lambda q, k, v, *m: T.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=m[0] if m else None, is_causal=causal, scale=scale)

    compare(call(torch), call(facade), arrays, masks=masks, scale=10.0)


@pytest.mark.parametrize("mask_shape", [(1, 3), (4, 1), (1, 1, 4, 3), (2, 1, 1, 3), (2, 2, 4, 3), (2, 4, 3)])
def test_sdpa_mask_shapes(mask_shape):
    qs, ks, vs = SDPA_SHAPES["4d"]
    arrays = [data(0, qs, "float64"), data(1, ks, "float64"), data(2, vs, "float64")]
    m = data(3, mask_shape, "float64")
    f = lambda T: lambda q, k, v, m: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m)
    compare(f(torch), f(facade), arrays, masks=(m,))


@pytest.mark.parametrize("shapes", [
    ((2, 4, 4, 4), (2, 2, 3, 4), (2, 2, 3, 4)),  # flash
    ((2, 4, 4, 4), (2, 2, 3, 4), (2, 1, 3, 4)),  # math: key and value head counts differ
])
def test_sdpa_grouped_query_attention(shapes):
    arrays = [data(i, s, "float64") for i, s in enumerate(shapes)]
    f = lambda T: lambda q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    compare(f(torch), f(facade), arrays)


def test_sdpa_flash_causal_with_negative_scale_is_nan():
    """PyTorch's flash kernel masks causally before it scales: with a scale <= 0 every row with a
    masked position is NaN (the values match; where the NaNs land in the gradients does not)."""
    arrays = [data(i, s, "float64") for i, s in enumerate(SDPA_SHAPES["4d"])]

    def f(T):
        return lambda q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, scale=-0.4)

    t, _ = compare(f(torch), f(facade), arrays, grad=False)
    assert np.isnan(t[0].numpy()).any()


@pytest.mark.parametrize("shapes", [((2, 2, 4, 4), (2, 2, 0, 4), (2, 2, 0, 2)), ((2, 0, 4), (2, 3, 4), (2, 3, 4))])
def test_sdpa_empty_inputs(shapes):
    """PyTorch returns zeros (AddBackward0), with zero gradients for every input."""
    f = lambda T: lambda q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v)
    compare(f(torch), f(facade), [data(i, s, "float64") for i, s in enumerate(shapes)])


def test_sdpa_transposed_input_leaves_the_flash_kernel():
    """PyTorch's flash kernel needs a last dimension of stride 1."""
    q = data(0, (2, 2, 4, 4), "float64")

    def f(T):
        return lambda q: T.nn.functional.scaled_dot_product_attention(q.transpose(-1, -2), q, q)

    compare(f(torch), f(facade), [q])


def test_sdpa_saves_its_output_and_inputs():
    """The flash op saves its output: modifying it in place before backward is PyTorch's error."""
    for T in (torch, facade):
        q = T.ones(1, 1, 2, 2, dtype=T.float64, requires_grad=True)
        out = T.nn.functional.scaled_dot_product_attention(q, q, q)
        out.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


def test_sdpa_without_grad_and_half_precision():
    qs, ks, vs = SDPA_SHAPES["4d"]
    arrays = [data(0, qs), data(1, ks), data(2, vs)]
    f = lambda T: lambda q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v)
    compare(f(torch), f(facade), arrays, grad=False)
    tq = [torch.tensor(a).to(torch.bfloat16) for a in arrays]
    fq = [facade.tensor(a).to(facade.bfloat16) for a in arrays]
    t, fo = tF.scaled_dot_product_attention(*tq), fF.scaled_dot_product_attention(*fq)
    assert fo.dtype is facade.bfloat16
    np.testing.assert_allclose(fo.float().numpy(), t.float().numpy(), atol=2e-2, rtol=2e-2)


def test_sdpa_dropout():
    """Dropout (training) takes the math path; the values are seeded by facade's generator."""
    qs, ks, vs = SDPA_SHAPES["4d"]
    q, k, v = (to_facade(data(i, s), True) for i, s in enumerate((qs, ks, vs)))
    facade.manual_seed(3)
    a = fF.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    facade.manual_seed(3)
    b = fF.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    t = tF.scaled_dot_product_attention(*(to_torch(data(i, s), True) for i, s in enumerate((qs, ks, vs))),
                                        dropout_p=0.5)
    assert grad_fn_name(a) == grad_fn_name(t)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    c = fF.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert not np.array_equal(a.detach().numpy(), c.detach().numpy())
    # p = 1 drops everything
    z = fF.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    np.testing.assert_array_equal(z.detach().numpy(), 0)
    # the kept attention weights are scaled by 1 / (1 - p): on average the output is unchanged
    # (uniform attention over 400 keys of value 1: the output's standard deviation is about 0.03)
    ones = facade.ones(1, 1, 1, 1, dtype=facade.float64)
    vals = facade.ones(1, 1, 400, 1, dtype=facade.float64)
    out = fF.scaled_dot_product_attention(ones, facade.zeros(1, 1, 400, 1, dtype=facade.float64), vals,
                                          dropout_p=0.3)
    assert abs(out.item() - 1.0) < 0.15


def test_sdpa_errors():
    f64 = lambda s: data(0, s, "float64")
    cases = [
        ((f64((2, 3, 4)), f64((2, 5, 4)).astype("float32"), f64((2, 5, 4))), {}),
        ((f64((4,)), f64((5, 4)), f64((5, 4))), {}),
        ((f64((2, 3, 4)), f64((2, 5, 4)), f64((2, 5, 4))), {"attn_mask": np.zeros((3, 5), np.int64)}),
        ((f64((2, 3, 4)), f64((2, 5, 4)), f64((2, 5, 4))), {"attn_mask": np.zeros((3, 5), np.float32),
                                                            "is_causal": True}),
        ((f64((2, 2, 3, 4)), f64((2, 2, 5, 4)), f64((2, 2, 5, 4))), {"attn_mask": np.zeros((3, 4))}),
        ((f64((2, 2, 3, 4)), f64((2, 2, 5, 4)), f64((2, 2, 5, 4))), {"attn_mask": np.zeros((1, 2, 2, 3, 5))}),
        ((f64((2, 2, 3, 4)), f64((2, 2, 5, 4)), f64((2, 2, 5, 4))), {"attn_mask": np.zeros((5,))}),
        ((f64((2, 2, 3, 4)), f64((3, 2, 5, 4)), f64((3, 2, 5, 4))), {}),
        ((f64((2, 4, 3, 4)), f64((2, 2, 5, 4)), f64((2, 2, 5, 4))), {}),
        ((f64((2, 3, 3, 4)), f64((2, 2, 5, 4)), f64((2, 2, 5, 4))), {"enable_gqa": True}),
        ((f64((3, 4)), f64((5, 4)), f64((5, 4))), {"enable_gqa": True}),
        ((f64((2, 2, 3, 4)), f64((2, 2, 5, 3)), f64((2, 2, 5, 4))), {}),
        ((f64((2, 2, 3, 4)), f64((2, 2, 5, 4)), f64((2, 2, 5, 4))), {"dropout_p": 1.5}),
        ((f64((2, 2, 3, 4)), f64((2, 2, 5, 4)), f64((2, 2, 5, 4))), {"dropout_p": -0.5}),
    ]
    for arrays, kw in cases:
        def call(T, arrays=arrays, kw=kw):
            kw = {k: T.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
            return T.nn.functional.scaled_dot_product_attention(*(T.tensor(a) for a in arrays), **kw)

        raises_like(lambda: call(torch), lambda: call(facade))


# ---- MultiheadAttention ------------------------------------------------------------------
def _mha_pair(dtype="float64", **kw):
    tm, fm = tnn.MultiheadAttention(**kw), fnn.MultiheadAttention(**kw)
    if dtype == "float64":
        tm, fm = tm.double(), fm.double()
    return tm, fm


MHA_CASES = [
    # self_attention, batch_first, batched, need_weights, average_attn_weights, bias, dtype
    ("self", False, True, True, True, True, "float64"),
    ("self", True, True, True, False, True, "float32"),
    ("kv", False, True, False, True, False, "float64"),
    ("separate", True, False, True, True, True, "float64"),
]


@pytest.mark.parametrize("self_attention, batch_first, batched, need_weights, average, bias, dtype", MHA_CASES)
def test_mha_matches_torch(self_attention, batch_first, batched, need_weights, average, bias, dtype):
    seed = 0
    E, H, L, S, N = 8, 2, 4, 3, 2
    tm, fm = _mha_pair(dtype, embed_dim=E, num_heads=H, bias=bias, batch_first=batch_first)
    lead = lambda n: ((N, n) if batch_first else (n, N)) if batched else (n,)
    if self_attention == "self":
        arrays = [data(seed, lead(L) + (E,), dtype, -1, 1)]
        split = lambda x: (x, x, x)
    elif self_attention == "kv":
        arrays = [data(seed, lead(L) + (E,), dtype, -1, 1), data(seed + 1, lead(S) + (E,), dtype, -1, 1)]
        split = lambda q, kv: (q, kv, kv)
    else:
        arrays = [data(seed + i, lead(n) + (E,), dtype, -1, 1) for i, n in enumerate((L, S, S))]
        split = lambda q, k, v: (q, k, v)

    def call(m, *xs):
        return m(*split(*xs), need_weights=need_weights, average_attn_weights=average)

    compare_modules(tm, fm, call, arrays, seed=seed, scale=10.0)


@settings(deadline=None, max_examples=4)
@given(seed=st.integers(0, 2**16), low=st.sampled_from([-1.0, -4.0]))
def test_mha_values_vary(seed, low):
    """One layer, many inputs (one structure: after its first run, facade replays one compiled program)."""
    tm, fm = _mha_pair(embed_dim=8, num_heads=2)
    kpm = np.random.default_rng(seed).random((2, 4)) > 0.7
    kpm[:, 0] = False
    compare_modules(tm, fm, lambda m, x, k: m(x, x, x, key_padding_mask=k), [data(seed, (4, 2, 8), "float64", low, 1)],
                    masks=[kpm], seed=seed)


@pytest.mark.parametrize("masks, need_weights", [
    ("attn_bool", True), ("attn_float", False), ("attn_3d", True), ("kpm_bool", False), ("kpm_float", True),
    ("both", True), ("both", False), ("causal", True), ("causal", False),
])
def test_mha_masks(masks, need_weights):
    E, H, L, N = 8, 2, 4, 2
    tm, fm = _mha_pair(embed_dim=E, num_heads=H)
    x = data(0, (L, N, E), "float64", -1, 1)
    rng = np.random.default_rng(1)
    attn = rng.random((L, L)) > 0.6
    attn[:, 0] = False  # every query attends somewhere
    kpm = np.array([[False, False, True, True], [False, True, False, False]])
    causal_mask = np.triu(np.full((L, L), -np.inf), 1)
    kw_masks = {
        "attn_bool": ({"attn_mask": attn}, {}),
        "attn_float": ({"attn_mask": rng.standard_normal((L, L))}, {}),
        "attn_3d": ({"attn_mask": rng.standard_normal((N * H, L, L))}, {}),
        "kpm_bool": ({"key_padding_mask": kpm}, {}),
        "kpm_float": ({"key_padding_mask": np.where(kpm, -np.inf, 0.0)}, {}),
        "both": ({"attn_mask": attn, "key_padding_mask": kpm}, {}),
        "causal": ({"attn_mask": causal_mask}, {"is_causal": True}),
    }[masks]
    names = list(kw_masks[0])

    def call(m, x, *ms):
        return m(x, x, x, need_weights=need_weights, **dict(zip(names, ms)), **kw_masks[1])

    compare_modules(tm, fm, call, [x], masks=list(kw_masks[0].values()))


def test_mha_fully_masked_rows():
    """A query with nothing to attend to: NaN with the weights (softmax), 0 without (sdpa)."""
    E, H, L, N = 8, 2, 4, 2
    kpm = np.array([[False, False, False, True], [True, True, True, True]])
    for need_weights in (True, False):
        tm, fm = _mha_pair(embed_dim=E, num_heads=H)
        compare_modules(tm, fm, lambda m, x, k, nw=need_weights: m(x, x, x, key_padding_mask=k, need_weights=nw),
                        [data(0, (L, N, E), "float64")], masks=[kpm], grad=False)


@pytest.mark.parametrize("options", [{"add_bias_kv": True, "add_zero_attn": True}, {"kdim": 3, "vdim": 5, "bias": False}])
def test_mha_options(options):
    E, H, L, S, N = 8, 2, 4, 3, 2
    tm, fm = _mha_pair(embed_dim=E, num_heads=H, **options)
    kd, vd = options.get("kdim", E), options.get("vdim", E)
    arrays = [data(0, (L, N, E), "float64"), data(1, (S, N, kd), "float64"), data(2, (S, N, vd), "float64")]
    kpm = np.zeros((N, S), bool)
    kpm[1, -1] = True
    compare_modules(tm, fm, lambda m, q, k, v, p: m(q, k, v, key_padding_mask=p), arrays, masks=[kpm])
    compare_modules(tm, fm, lambda m, q, k, v: m(q, k, v, need_weights=False), arrays)


def test_mha_eval_fast_path():
    """Eval mode without gradients: PyTorch's fused kernel (same values; a fully masked row is NaN)."""
    E, H, L, N = 8, 2, 4, 2
    tm, fm = _mha_pair(embed_dim=E, num_heads=H, batch_first=True)
    tm.eval(), fm.eval()
    x = data(0, (N, L, E), "float64")
    kpm = np.array([[False, False, True, True], [True, True, True, True]])
    with torch.no_grad(), facade.no_grad():
        for need_weights in (True, False):
            compare_modules(tm, fm, lambda m, x, k, nw=need_weights: m(x, x, x, key_padding_mask=k, need_weights=nw), [x],
                            masks=[kpm], grad=False)
            compare_modules(tm, fm, lambda m, x, nw=need_weights: m(x, x, x, need_weights=nw, average_attn_weights=False),
                            [x], grad=False)
    # eval with gradients: the composite path, as in PyTorch
    compare_modules(tm, fm, lambda m, x: m(x, x, x), [x])


def test_mha_dropout_is_seeded_and_training_only():
    E, H, L, N = 8, 2, 4, 2
    fm = fnn.MultiheadAttention(E, H, dropout=0.5).double()
    x = to_facade(data(0, (L, N, E), "float64"))
    outs = []
    for _ in range(2):
        facade.manual_seed(7)
        outs.append(fm(x, x, x)[1].detach().numpy())
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.allclose(outs[0], fm(x, x, x)[1].detach().numpy())
    fm.eval()
    a, b = fm(x, x, x)[1].detach().numpy(), fm(x, x, x)[1].detach().numpy()
    np.testing.assert_allclose(a, b, rtol=1e-6)  # no dropout in eval mode
    np.testing.assert_allclose(a.sum(-1), 1.0, rtol=1e-6)


def test_mha_init_parameters_repr():
    for kw in [dict(embed_dim=8, num_heads=2), dict(embed_dim=8, num_heads=2, kdim=3, vdim=5, add_bias_kv=True),
               dict(embed_dim=6, num_heads=3, bias=False), dict(embed_dim=4, num_heads=1, batch_first=True)]:
        tm, fm = tnn.MultiheadAttention(**kw), fnn.MultiheadAttention(**kw)
        assert repr(fm) == repr(tm)
        assert [(n, tuple(p.shape)) for n, p in fm.named_parameters()] == \
               [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
        assert list(fm.state_dict()) == list(tm.state_dict())
        assert type(fm.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
        assert isinstance(fm.out_proj, fnn.Linear)
        assert fm._qkv_same_embed_dim == tm._qkv_same_embed_dim and fm.head_dim == tm.head_dim
    m = fnn.MultiheadAttention(16, 4)
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6.0 / (16 + 48))  # xavier_uniform_ of the (48, 16) packed weight
    assert np.abs(w).max() <= bound and w.std() > bound / 4
    np.testing.assert_array_equal(m.in_proj_bias.detach().numpy(), 0)
    np.testing.assert_array_equal(m.out_proj.bias.detach().numpy(), 0)
    assert m.bias_k is None and m.bias_v is None
    assert np.abs(m.out_proj.weight.detach().numpy()).max() <= 1 / 4  # Linear's own init
    m = fnn.MultiheadAttention(16, 4, add_bias_kv=True)
    assert m.bias_k.shape == (1, 1, 16) and float(m.bias_k.detach().numpy().std()) > 0


def test_mha_errors():
    raises_like(lambda: tnn.MultiheadAttention(5, 2), lambda: fnn.MultiheadAttention(5, 2))
    raises_like(lambda: tnn.MultiheadAttention(0, 2), lambda: fnn.MultiheadAttention(0, 2))
    tm, fm = _mha_pair(embed_dim=4, num_heads=2)
    copy_weights(tm, fm)
    q3, q2 = data(0, (3, 2, 4), "float64"), data(0, (3, 4), "float64")
    cases = [
        ((q3, data(1, (3, 4), "float64"), q3), {}),
        ((data(0, (1, 3, 2, 4), "float64"),) * 3, {}),
        ((q2, q3, q3), {}),
        ((q3, q3, q3), {"key_padding_mask": np.zeros((3,), bool)}),
        ((q2, q2, q2), {"key_padding_mask": np.zeros((2, 3), bool)}),
        ((q3, q3, q3), {"key_padding_mask": np.zeros((3, 3), bool)}),
        ((q3, q3, q3), {"key_padding_mask": np.zeros((2, 4), bool)}),
        ((q3, q3, q3), {"attn_mask": np.zeros((3,), bool)}),
        ((q3, q3, q3), {"attn_mask": np.zeros((3, 4), bool)}),
        ((q3, q3, q3), {"attn_mask": np.zeros((2, 3, 3), bool)}),
        ((q2, q2, q2), {"attn_mask": np.zeros((3, 3, 3), bool)}),
        ((q3, q3, q3), {"attn_mask": np.zeros((3, 3), np.int64)}),
        ((q3, q3, q3), {"is_causal": True}),
        ((data(0, (3, 2, 6), "float64"),) * 3, {}),
        ((q3, data(1, (5, 2, 4), "float64"), data(1, (4, 2, 4), "float64")), {}),
    ]
    for arrays, kw in cases:
        def call(m, T, arrays=arrays, kw=kw):
            kw = {k: T.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
            return m(*(T.tensor(a) for a in arrays), **kw)

        raises_like(lambda: call(tm, torch), lambda: call(fm, facade))


def test_mha_mismatched_mask_types_warn():
    tm, fm = _mha_pair(embed_dim=8, num_heads=2)
    x = data(0, (4, 2, 8), "float64")
    kpm, attn = np.zeros((2, 4), bool), np.zeros((4, 4))
    messages = []
    for m, T in ((tm, torch), (fm, facade)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m(T.tensor(x), T.tensor(x), T.tensor(x), key_padding_mask=T.tensor(kpm), attn_mask=T.tensor(attn))
        messages.append(sorted({str(x.message) for x in w}))
    assert messages[0] == messages[1] and messages[0]


def test_multi_head_attention_forward_static_kv():
    E, H, L, S, N = 8, 2, 4, 3, 2
    tm, fm = _mha_pair(embed_dim=E, num_heads=H)
    copy_weights(tm, fm)
    q = data(0, (L, N, E), "float64")
    sk, sv = data(1, (N * H, S, E // H), "float64"), data(2, (N * H, S, E // H), "float64")

    def call(T, m):
        def run(q, k, v):
            return T.nn.functional.multi_head_attention_forward(
                q, q, q, E, H, m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0, m.out_proj.weight,
                m.out_proj.bias, static_k=k, static_v=v)
        return run

    compare(call(torch, tm), call(facade, fm), [q, sk, sv])
