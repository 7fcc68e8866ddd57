"""`assert_close`: torch.testing.assert_close for facade tensors, numpy arrays, numbers and
(nested) sequences and mappings of them.

Tolerances default per dtype (PyTorch's table below); two different dtypes (check_dtype=False)
use the looser of the two and are compared in their promoted dtype. Messages follow PyTorch's
wording, so a failing facade test reads like a failing PyTorch test.
"""
import collections.abc
import math

import numpy as np

from .. import _dtype

__all__ = ["assert_close", "default_tolerances"]

# dtype name -> (rtol, atol); anything not listed (integers, bool) compares exactly
_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex32": (1e-3, 1e-5),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


def default_tolerances(*dtypes):
    """(rtol, atol) PyTorch uses for these dtypes: the loosest of their defaults."""
    pairs = [_TOLERANCES.get(d.name, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


class _Mismatch(Exception):
    """A comparison failure: the message and the exception type to raise it as."""

    def __init__(self, message, kind=AssertionError):
        super().__init__(message)
        self.message, self.kind = message, kind


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless `actual` and `expected` are close (see torch.testing.assert_close)."""
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    opts = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device, check_dtype=check_dtype)
    try:
        _compare(actual, expected, (), opts)
    except _Mismatch as m:
        if m.kind is not AssertionError:
            raise m.kind(m.message) from None
        text = m.message
        if callable(msg):
            text = msg(text)
        elif msg is not None:
            text = msg
        raise AssertionError(text) from None


# ---- dispatch on the kind of input ---------------------------------------------------------
def _is_tensor_like(x):
    from .._tensor import Tensor

    return isinstance(x, (Tensor, np.ndarray))


def _is_number(x):
    return isinstance(x, (bool, int, float, complex))


def _is_sequence(x):
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, str)


def _where(path):
    return "".join(f"[{p!r}]" for p in path)


def _fail(message, path):
    if path:
        message += f"\n\nThe failure occurred for item {_where(path)}"
    raise _Mismatch(message)


def _compare(actual, expected, path, opts):
    if actual is None and expected is None:
        return
    if _is_tensor_like(actual) and _is_tensor_like(expected) and type(actual) is type(expected):
        return _compare_tensors(actual, expected, path, opts)
    if _is_number(actual) and _is_number(expected):
        return _compare_numbers(actual, expected, path, opts)
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (i,), opts)
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        if set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual), key=repr)
            extra = sorted(set(actual) - set(expected), key=repr)
            _fail("The keys of the mappings do not match:\n"
                  f"Missing keys in the actual mapping: {missing}\nAdditional keys in the actual mapping: {extra}", path)
        for k in expected:
            _compare(actual[k], expected[k], path + (k,), opts)
        return
    raise _Mismatch(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.",
                    TypeError)


# ---- numbers -------------------------------------------------------------------------------
def _number_dtype(x):
    if isinstance(x, bool):
        return _dtype.bool_
    if isinstance(x, int):
        return _dtype.int64
    return _dtype.float64 if isinstance(x, float) else _dtype.complex128


def _compare_numbers(actual, expected, path, opts):
    if isinstance(actual, bool) and isinstance(expected, bool):
        if actual is not expected:
            _fail(f"Booleans mismatch: {actual} is not {expected}", path)
        return
    if opts["check_dtype"] and type(actual) is not type(expected):
        _fail(f"The (d)types do not match: {type(actual)} != {type(expected)}.", path)
    rtol, atol = _tolerances(opts, _number_dtype(actual), _number_dtype(expected))
    if _numbers_close(actual, expected, rtol, atol, opts["equal_nan"]):
        return
    diff = abs(actual - expected)
    rel = diff / abs(expected) if expected != 0 else (math.inf if diff else math.nan)
    exact = rtol == 0 and atol == 0
    lines = [f"Scalars are not {'equal' if exact else 'close'}!", "", f"Expected {expected} but got {actual}.",
             f"Absolute difference: {diff}" + _allowed(atol, exact),
             f"Relative difference: {rel}" + _allowed(rtol, exact)]
    _fail("\n".join(lines), path)


def _numbers_close(a, e, rtol, atol, equal_nan):
    if a == e:
        return True
    if equal_nan and _isnan(a) and _isnan(e):
        return True
    if not (_isfinite(a) and _isfinite(e)):
        return False
    return abs(a - e) <= atol + rtol * abs(e)


def _isnan(x):
    return isinstance(x, (float, complex)) and x != x


def _isfinite(x):
    return not isinstance(x, (float, complex)) or (math.isfinite(x.real) and math.isfinite(x.imag))


def _allowed(tol, exact):
    return "" if exact else f" (up to {tol} allowed)"


def _tolerances(opts, *dtypes):
    if opts["rtol"] is not None:
        return opts["rtol"], opts["atol"]
    return default_tolerances(*dtypes)


# ---- tensors -------------------------------------------------------------------------------
def _tensor_meta(x):
    """(numpy values, shape repr, facade dtype, device) of a facade tensor or numpy array."""
    from .._tensor import Size, Tensor

    if isinstance(x, Tensor):
        return np.asarray(x.detach().numpy() if x.device.type == "cpu" else x.detach().cpu().numpy()), \
            x.shape, x.dtype, x.device
    return x, Size(x.shape), _dtype.from_numpy(x.dtype), "cpu"


def _compare_tensors(actual, expected, path, opts):
    a, a_shape, a_dtype, a_dev = _tensor_meta(actual)
    e, e_shape, e_dtype, e_dev = _tensor_meta(expected)
    checks = [("shape", a_shape, e_shape, True), ("device", a_dev, e_dev, opts["check_device"]),
              ("dtype", a_dtype, e_dtype, opts["check_dtype"])]
    for name, x, y, enabled in checks:
        if enabled and x != y:
            _fail(f"The values for attribute '{name}' do not match: {x} != {y}.", path)
    rtol, atol = _tolerances(opts, a_dtype, e_dtype)
    if a_dtype is not e_dtype:
        common = _dtype.promote_types(a_dtype, e_dtype).np
        a, e = a.astype(common), e.astype(common)
    if a.ndim == 0:
        return _compare_numbers(a.item(), e.item(), path, dict(opts, rtol=rtol, atol=atol, check_dtype=False))
    if a.size == 0:
        return
    mismatch = ~_isclose(a, e, rtol, atol, opts["equal_nan"])
    count = int(mismatch.sum())
    if count == 0:
        return
    abs_diff, rel_diff = _differences(a, e)
    exact = rtol == 0 and atol == 0
    i_abs = _worst(abs_diff, mismatch)
    i_rel = _worst(rel_diff, mismatch)
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {count} / {a.size} ({100 * count / a.size:.1f}%)",
             f"Greatest absolute difference: {abs_diff[i_abs].item()} at index {i_abs}" + _allowed(atol, exact),
             f"Greatest relative difference: {rel_diff[i_rel].item()} at index {i_rel}" + _allowed(rtol, exact)]
    _fail("\n".join(lines), path)


def _isclose(a, e, rtol, atol, equal_nan):
    if a.dtype.kind in "biu":
        if rtol == 0 and atol == 0:
            return a == e
        a, e = a.astype(np.float64), e.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = a == e
        finite = np.isfinite(a) & np.isfinite(e)
        close |= finite & (np.abs(a - e) <= atol + rtol * np.abs(e))
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
    return close


def _differences(a, e):
    """|a - e| and |a - e| / |e| as PyTorch reports them (integers widened, ratios in float32)."""
    with np.errstate(all="ignore"):
        if a.dtype.kind in "biu":
            a, e = a.astype(np.int64), e.astype(np.int64)
            abs_diff = np.abs(a - e)
            return abs_diff, (abs_diff / np.abs(e)).astype(np.float32)
        abs_diff = np.abs(a - e)
        return abs_diff, abs_diff / np.abs(e)


def _worst(diff, mismatch):
    """Index (a tuple) of the greatest difference among mismatched elements; NaN counts as greatest."""
    masked = np.where(mismatch, diff, np.zeros((), diff.dtype))
    flat = int(np.argmax(masked.reshape(-1)))
    return tuple(int(i) for i in np.unravel_index(flat, diff.shape))
