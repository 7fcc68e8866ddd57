"""Loss functions with mixed or unusual input / target dtypes: the result dtype, or the error (type
and message), must be PyTorch's. Each case runs on facade and, when torch is importable, on torch;
without torch the expected observations below (taken from torch 2.13) are checked."""

import warnings

import numpy as np
import pytest

import facade

try:
    import torch
except ImportError:  # pragma: no cover - the oracle is optional
    torch = None

FLOATS = ("float32", "float64", "float16")


def make(lib, dtype, values=(1.0, 0.0)):
    if dtype == "bool":
        return lib.tensor([bool(v) for v in values])
    if dtype in FLOATS:
        return lib.tensor(list(values), dtype=getattr(lib, dtype))
    return lib.tensor([int(v) for v in values], dtype=getattr(lib, dtype))


def observe(lib, fn, di, dt, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(lib)(make(lib, di, (0.5, -1.0)), make(lib, dt), **kw)
        except Exception as e:  # noqa: BLE001 - the observation
            return type(e).__name__, str(e)
    return "ok", str(out.dtype).replace("torch.", "")


F = {
    "bce_with_logits": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits,
    "BCEWithLogitsLoss": lambda lib: lib.nn.BCEWithLogitsLoss(),
    "kl_div": lambda lib: lib.nn.functional.kl_div,
    "soft_margin": lambda lib: lib.nn.functional.soft_margin_loss,
    "huber": lambda lib: lib.nn.functional.huber_loss,
    "l1": lambda lib: lib.nn.functional.l1_loss,
    "bce": lambda lib: lib.nn.functional.binary_cross_entropy,
    "multilabel_soft_margin": lambda lib: lambda i, t: lib.nn.functional.multilabel_soft_margin_loss(i[None], t[None]),
}

CAST_FLOAT_LONG = ("RuntimeError", "result type Float can't be cast to the desired output type Long")
TWO_BOOLS = ("RuntimeError", "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                             "`logical_xor()` operator instead.")
ONE_BOOL = ("RuntimeError", "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                            "invert a mask, use the `~` or `logical_not()` operator instead.")
KL_INT = ("RuntimeError", "kl_div: Integral inputs not supported.")

CASES = [
    ("bce_with_logits", "float32", "int64", CAST_FLOAT_LONG),
    ("bce_with_logits", "float32", "int32", ("RuntimeError", "result type Float can't be cast to the desired output "
                                                             "type Int")),
    ("bce_with_logits", "float64", "int64", ("RuntimeError", "result type Double can't be cast to the desired output "
                                                             "type Long")),
    ("bce_with_logits", "float32", "bool", TWO_BOOLS),
    ("bce_with_logits", "float32", "float16", ("ok", "float16")),  # (1 - target).mul_(input): the target's dtype
    ("bce_with_logits", "float64", "float32", ("ok", "float32")),
    ("bce_with_logits", "float32", "float64", ("ok", "float64")),
    ("bce_with_logits", "int64", "float32", ("NotImplementedError", "\"log_sigmoid_cpu\" not implemented for 'Long'")),
    ("BCEWithLogitsLoss", "float32", "int64", CAST_FLOAT_LONG),
    ("kl_div", "float32", "int64", KL_INT),
    ("kl_div", "float32", "bool", KL_INT),
    ("kl_div", "int64", "float32", KL_INT),
    ("kl_div", "float32", "float64", ("ok", "float64")),
    ("soft_margin", "float32", "float64", ("ok", "float32")),  # written into a tensor of the input's dtype
    ("soft_margin", "float16", "float32", ("ok", "float16")),
    ("soft_margin", "float32", "bool", ("ok", "float32")),
    ("soft_margin", "int64", "float64", ("RuntimeError", "result type Double can't be cast to the desired output type "
                                                         "Long")),
    ("soft_margin", "int64", "int64", CAST_FLOAT_LONG),
    ("soft_margin", "bool", "float32", ("RuntimeError", "Negation, the `-` operator, on a bool tensor is not "
                                                        "supported. If you are trying to invert a mask, use the `~` or "
                                                        "`logical_not()` operator instead.")),
    ("huber", "float32", "float64", ("ok", "float32")),
    ("huber", "float16", "float64", ("ok", "float16")),
    ("huber", "int64", "float32", CAST_FLOAT_LONG),
    ("huber", "int64", "int64", ("NotImplementedError", "\"huber_cpu\" not implemented for 'Long'")),
    ("l1", "float32", "bool", ONE_BOOL),
    ("l1", "int64", "int64", ("RuntimeError", "mean(): could not infer output dtype. Input dtype must be either a "
                                              "floating point or complex dtype. Got: Long")),
    ("bce", "int64", "int64", ("NotImplementedError", "\"binary_cross_entropy\" not implemented for 'Long'")),
    ("multilabel_soft_margin", "float32", "bool", ONE_BOOL),
]


@pytest.mark.parametrize("name,di,dt,expected", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_loss_dtype(name, di, dt, expected):
    got = observe(facade, F[name], di, dt)
    if torch is not None:
        assert got == observe(torch, F[name], di, dt)
    assert got == expected


def weighted(lib, name):
    f = lib.nn.functional
    x = lib.tensor([0.5, -1.0, 2.0])
    t = lib.tensor([1.0, 0.0, 1.5])
    w = lib.tensor([1.0, 2.0, 0.5], dtype=lib.float64)
    fn = {"mse": f.mse_loss, "l1": f.l1_loss, "huber": f.huber_loss}[name]
    out = fn(x, t, weight=w)
    return str(out.dtype).replace("torch.", ""), float(out)


@pytest.mark.parametrize("name", ["mse", "l1", "huber"])
def test_weighted_regression_promotes_with_weight(name):
    got = weighted(facade, name)
    if torch is not None:
        exp = weighted(torch, name)
        assert got[0] == exp[0] and np.isclose(got[1], exp[1], rtol=1e-6)
    # hand-derived: |errors| (0.5, 1, 0.5), weights (1, 2, .5); mse and l1 'mean' divide by the total
    # weight 3.5, huber (delta 1: 0.5 d^2 for |d| < 1, |d| - 0.5 otherwise) by the element count
    assert got[0] == "float64"
    assert np.isclose(got[1], {"mse": 2.375 / 3.5, "l1": 2.75 / 3.5, "huber": (0.125 + 1.0 + 0.0625) / 3}[name])


def test_values_with_mixed_float_dtypes():
    """float32 input, float64 target: facade computes in the result dtype; values agree with torch at
    float32 precision (rtol 1e-6)."""
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal(6).astype(np.float32), rng.uniform(size=6)
    for name in ("bce_with_logits", "soft_margin"):
        outs = []
        for lib in [facade] + ([torch] if torch is not None else []):
            target = lib.tensor(np.sign(t - 0.5) if name == "soft_margin" else t)
            outs.append(F[name](lib)(lib.tensor(x), target))
        if torch is not None:
            assert outs[0].dtype == getattr(facade, str(outs[1].dtype).replace("torch.", ""))
            assert np.isclose(float(outs[0]), float(outs[1]), rtol=1e-6)
        ref = (np.logaddexp(0, -x) + (1 - t) * x if name == "bce_with_logits"
               else np.log1p(np.exp(-np.sign(t - 0.5) * x))).mean()
        assert np.isclose(float(outs[0]), ref, rtol=1e-6)


def one_hot(lib, *args):
    try:
        return "ok", tuple(lib.nn.functional.one_hot(*args).shape)
    except Exception as e:  # noqa: BLE001 - the observation
        return type(e).__name__, str(e)


@pytest.mark.parametrize("shape,n,expected", [
    ((0,), -1, ("RuntimeError", "Can not infer total number of classes from empty tensor.")),
    ((0, 2), -1, ("RuntimeError", "Can not infer total number of classes from empty tensor.")),
    ((0,), 3, ("ok", (0, 3))),
])
def test_one_hot_empty(shape, n, expected):
    got = one_hot(facade, facade.zeros(shape, dtype=facade.long), n)
    if torch is not None:
        assert got == one_hot(torch, torch.zeros(shape, dtype=torch.long), n)
    assert got == expected
