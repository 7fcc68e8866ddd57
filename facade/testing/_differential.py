"""`compare_with_torch`: run one function against facade and against PyTorch and compare.

    from facade.testing import compare_with_torch

    compare_with_torch(lambda T, x, y: (x * y).sin(), np.ones(3), np.arange(3.0))

The function gets the module (facade or torch) as its first argument and the inputs, each
converted for that module: numpy arrays (and facade tensors) become tensors — floating ones
requiring grad — other values pass unchanged. Compared, output by output: the structure
(tuple / namedtuple types), shape, dtype, values, requires_grad, is_leaf, grad_fn name,
`_version` and the printed repr; then the inputs' gradients after backward of a weighted
sum of the outputs (fixed, non-uniform weights, so a misplaced gradient shows). If one side
raises, the other must raise the same exception type with the same message.

Raises AssertionError listing every difference; returns a `Comparison` (both results) when
all agree; raises unittest.SkipTest when torch is not installed.
"""
import dataclasses
import re
import unittest

import numpy as np

from ._comparison import assert_close

__all__ = ["Comparison", "compare_with_torch", "torch_or_none"]

_TORCH = []


def torch_or_none():
    """The torch module if it can be imported, else None."""
    if not _TORCH:
        try:
            import torch
        except ImportError:
            torch = None
        _TORCH.append(torch)
    return _TORCH[0]


@dataclasses.dataclass
class Comparison:
    facade: object  # facade's result
    torch: object  # torch's result
    facade_inputs: list
    torch_inputs: list


class _Outcome:
    """A run of fn on one module: its result or exception, and its tensor inputs."""

    def __init__(self, T, fn, inputs, requires_grad):
        self.T = T
        self.inputs = [_convert(T, x, rg) for x, rg in zip(inputs, requires_grad)]
        self.error = None
        try:
            self.result = fn(T, *self.inputs)
        except Exception as e:  # noqa: BLE001 - compared with the other side's
            self.result, self.error = None, e


def _convert(T, x, requires_grad):
    from .._tensor import Tensor

    if isinstance(x, Tensor):
        requires_grad = x.requires_grad if requires_grad is None else requires_grad
        x = np.array(x.detach().numpy())
    if not isinstance(x, np.ndarray):
        return x
    from ._op_spec import _tensor

    t = _tensor(T, x)
    if requires_grad is not False and t.dtype.is_floating_point:
        t.requires_grad_()
    return t


def _leaves(result, path="output"):
    """(path, value) for every tensor or number in a nest of tuples / lists / namedtuples."""
    if isinstance(result, (tuple, list)):
        out = [(path, result)]
        for i, r in enumerate(result):
            out += _leaves(r, f"{path}[{i}]")
        return out
    return [(path, result)]


def _type_name(x):
    t = type(x)
    if isinstance(x, tuple) and t is not tuple:  # torch.return_types.*
        return f"{t.__module__}.{t.__name__}"
    return t.__name__ if not _is_tensor(x) else "Tensor"


def _is_tensor(x):
    return type(x).__name__ == "Tensor"


def _numpy(t):
    t = t.detach().cpu()
    if str(t.dtype) == "torch.bfloat16":
        t = t.float()
    try:
        return np.array(t.numpy(force=True))  # torch: also reads its lazy zero tensors
    except TypeError:
        return np.array(t.numpy())


class _Diff:
    def __init__(self):
        self.lines = []

    def check(self, where, what, a, b):
        if a != b:
            self.lines.append(f"{where}: {what}: facade {a!r} != torch {b!r}")

    def close(self, where, a, b, **tol):
        try:
            assert_close(a, b, check_dtype=False, equal_nan=True, **tol)
        except AssertionError as e:
            self.lines.append(f"{where}: values differ:\n    " + str(e).replace("\n", "\n    "))


def _compare_tensor(diff, where, f, t, tol, check_repr, check_version):
    diff.check(where, "shape", tuple(f.shape), tuple(t.shape))
    diff.check(where, "dtype", str(f.dtype), str(t.dtype))
    diff.check(where, "requires_grad", f.requires_grad, t.requires_grad)
    diff.check(where, "is_leaf", f.is_leaf, t.is_leaf)
    diff.check(where, "grad_fn", type(f.grad_fn).__name__ if f.grad_fn is not None else None,
               type(t.grad_fn).__name__ if t.grad_fn is not None else None)
    if check_version:
        diff.check(where, "_version", f._version, t._version)
    if tuple(f.shape) != tuple(t.shape):
        return
    fv, tv = _numpy(f), _numpy(t)
    tv = tv.astype(fv.dtype) if fv.dtype != tv.dtype else tv
    diff.close(where, fv, tv, **tol)
    if check_repr:
        _compare_repr(diff, where, f, t, fv, tv)


def _compare_repr(diff, where, f, t, fv, tv):
    """Printed forms must be equal; where the values differ (within tolerance), only in their digits."""
    rf, rt = repr(f), repr(t)
    if rf == rt:
        return
    if not np.array_equal(fv, tv, equal_nan=fv.dtype.kind in "fc") and _digits_masked(rf) == _digits_masked(rt):
        return
    if _unsigned_zeros(rf) == _unsigned_zeros(rt):
        return  # only the sign of zeros differs: PyTorch's own kernels disagree on it (gemm keeps -0., dot does not)
    diff.lines.append(f"{where}: repr differs:\n    facade: {rf}\n    torch:  {rt}")


def _unsigned_zeros(text):
    """text without the sign of printed zeros and without the spacing that sign changes."""
    return re.sub(r"\s+", "", re.sub(r"-(0(\.0*)?(e[+-]00)?)(?![0-9])", r"\1", text))


def _digits_masked(text):
    return re.sub(r"[0-9]", "0", text)


def _compare_results(diff, f_res, t_res, tol, check_repr, check_version):
    fl, tl = _leaves(f_res), _leaves(t_res)
    if len(fl) != len(tl):
        diff.lines.append(f"output structure differs: facade {f_res!r} vs torch {t_res!r}")
        return
    for (where, f), (_, t) in zip(fl, tl):
        diff.check(where, "type", _type_name(f), _type_name(t))
        if _is_tensor(f) and _is_tensor(t):
            _compare_tensor(diff, where, f, t, tol, check_repr, check_version)
        elif not isinstance(f, (tuple, list)) and type(f) is type(t):
            if isinstance(f, float) and isinstance(t, float):
                diff.close(where, f, t, **tol)
            else:
                diff.check(where, "value", f, t)


def _weights(shape, k):
    """Fixed, non-uniform weights for output k: 1, 1.5, 2, ... cycling."""
    n = int(np.prod(shape))
    return (1.0 + 0.5 * ((np.arange(n) + k) % 5)).reshape(shape)


def weighted_sum(T, outs):
    """A scalar of module T depending on every element of the tensors `outs` with a different weight."""
    total = None
    for k, t in enumerate(outs):
        term = (t * T.tensor(_weights(tuple(t.shape), k), dtype=t.dtype)).sum()
        total = term if total is None else total + term
    return total


def _backward(outcome):
    """Run backward of the weighted sum of every output that requires grad; the error if it raises."""
    outs = [t for _, t in _leaves(outcome.result) if _is_tensor(t) and t.requires_grad]
    if not outs:
        return None
    total = weighted_sum(outcome.T, outs)
    try:
        total.backward()
    except Exception as e:  # noqa: BLE001 - compared with the other side's
        return e
    return None


def _compare_errors(diff, fe, te, error_text=str):
    if fe is None and te is None:
        return
    if fe is None or te is None:
        side, err = ("torch", te) if fe is None else ("facade", fe)
        diff.lines.append(f"only {side} raised: {type(err).__name__}: {err}")
        return
    diff.check("exception", "type", type(fe).__name__, type(te).__name__)
    diff.check("exception", "message", error_text(fe), error_text(te))


def compare_with_torch(fn, *inputs, grad=True, requires_grad=None, check_repr=True, check_version=True, rtol=None,
                       atol=None, error_text=str):
    """Run fn(T, *inputs) with T = facade and T = torch and compare everything (see the module doc).

    requires_grad: None (floating inputs require grad when grad=True), or one bool per input.
    check_version: compare `_version` of the outputs (PyTorch's internal in-place ops can bump it).
    error_text: how an exception's message is read on both sides before comparing (default: str).
    rtol / atol: value tolerances (default: the dtype's, as assert_close).
    """
    import facade

    torch = torch_or_none()
    if torch is None:
        raise unittest.SkipTest("compare_with_torch needs torch, which is not installed")
    if requires_grad is None:
        requires_grad = [None if grad else False] * len(inputs)
    f = _Outcome(facade, fn, inputs, requires_grad)
    t = _Outcome(torch, fn, inputs, requires_grad)
    diff = _Diff()
    tol = {} if rtol is None else {"rtol": rtol, "atol": atol}
    _compare_errors(diff, f.error, t.error, error_text)
    if f.error is None and t.error is None:
        _compare_results(diff, f.result, t.result, tol, check_repr, check_version)
        if grad:
            _compare_errors(diff, _backward(f), _backward(t), error_text)
            for i, (a, b) in enumerate(zip(f.inputs, t.inputs)):
                if _is_tensor(a) and _is_tensor(b):
                    _compare_grad(diff, f"input[{i}].grad", a, b, tol)
    if diff.lines:
        raise AssertionError("facade and torch differ:\n" + "\n".join(diff.lines))
    return Comparison(f.result, t.result, f.inputs, t.inputs)


def _compare_grad(diff, where, a, b, tol):
    ga, gb = a.grad, b.grad
    if (ga is None) != (gb is None):
        diff.lines.append(f"{where}: facade {'None' if ga is None else 'a tensor'}, torch "
                          f"{'None' if gb is None else 'a tensor'}")
        return
    if ga is not None:
        diff.check(where, "shape", tuple(ga.shape), tuple(gb.shape))
        diff.check(where, "dtype", str(ga.dtype), str(gb.dtype))
        if tuple(ga.shape) == tuple(gb.shape):
            fv = _numpy(ga)
            diff.close(where, fv, _numpy(gb).astype(fv.dtype), **tol)
