"""Ops for convolutions and pooling (torch.nn.functional.conv*, *_pool*).

One op per layer call, as in nn_ops.py: a pure JAX implementation and the grad_fn name
PyTorch shows. Argument parsing and PyTorch's errors live in the frontends
(`facade/nn/functional/conv.py` and `pooling.py`); the 1-d forms are recorded there as
PyTorch computes them (unsqueeze, the 2-d op, squeeze), so their graphs match.

No derivative is written by hand. Pooling windows are read from the input (a strided slice
per kernel offset; a gather for adaptive windows), so JAX's derivative of a max is the
gradient sent to the one element PyTorch picks — the first maximum in scan order, or the
last NaN — and an average's is the sum over the windows that cover an element.
"""

import itertools

import jax.numpy as jnp
import numpy as np
from jax import lax

from .frontend import cast
from .nn_ops import _HI, _op

_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def _dimension_numbers(nd):
    s = _SPATIAL[nd]
    return ("NC" + s, "OI" + s, "NC" + s)


# ---- convolution -----------------------------------------------------------------------
def _convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups, has_bias, dt):
    """PyTorch's convolution on batched input (N, C, *spatial); weight (out, in / groups, *k),
    or (in, out / groups, *k) when transposed."""
    x, w = cast(x, dt), cast(w, dt)
    nd = w.ndim - 2
    dn = _dimension_numbers(nd)
    if not transposed:
        y = lax.conv_general_dilated(x, w, stride, [(p, p) for p in padding], rhs_dilation=dilation,
                                     dimension_numbers=dn, feature_group_count=groups, precision=_HI)
    else:
        # the transposed convolution is the gradient of a convolution: a convolution of the input
        # dilated by the stride with the flipped kernel, its in/out channels swapped within each group
        cin, cout_g = w.shape[:2]
        k = w.shape[2:]
        w = w.reshape((groups, cin // groups, cout_g) + k)
        w = jnp.swapaxes(w, 1, 2).reshape((groups * cout_g, cin // groups) + k)
        w = jnp.flip(w, axis=tuple(range(2, 2 + nd)))
        pads = [(d * (kk - 1) - p, d * (kk - 1) - p + op)
                for kk, p, d, op in zip(k, padding, dilation, output_padding)]
        y = lax.conv_general_dilated(x, w, (1,) * nd, pads, lhs_dilation=stride, rhs_dilation=dilation,
                                     dimension_numbers=dn, feature_group_count=groups, precision=_HI)
    if has_bias:
        y = y + cast(b, dt).reshape((-1,) + (1,) * nd)
    return y


CONVOLUTION = _op("convolution", _convolution, 3, grad_fn="ConvolutionBackward0", saves="in")


# ---- pooling windows -------------------------------------------------------------------
def _regular_windows(n, k, s, p, d, out):
    """Positions (out, k) in an input of size n read by a sliding window, and which are inside."""
    pos = np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d
    return pos, (pos >= 0) & (pos < n)


def _adaptive_windows(n, out):
    """PyTorch's adaptive windows: output i averages [floor(i n / out), ceil((i + 1) n / out))."""
    i = np.arange(out)
    start = (i * n) // out
    end = -((-(i + 1) * n) // out)
    k = int((end - start).max()) if out else 1
    pos = start[:, None] + np.arange(k)[None, :]
    return pos, pos < end[:, None]


def _window_masks(sizes, windows):
    """Which elements of each window are inside the input, and their flat indices in it:
    (o_1, ..., o_nd, K) each, the K = k_1 * ... * k_nd elements of a window in scan order."""
    nd = len(windows)
    valid = np.ones((), bool)
    flat = np.zeros((), np.int64)
    for i, (pos, ok) in enumerate(windows):
        # axis layout (o_1..o_nd, k_1..k_nd): dimension i's (o, k) goes to axes i and nd + i
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = pos.shape
        valid = valid & ok.reshape(shape)
        flat = flat * sizes[i] + pos.reshape(shape)
    outs = tuple(pos.shape[0] for pos, _ in windows)
    full = outs + tuple(pos.shape[1] for pos, _ in windows)
    size = int(np.prod(full[nd:]))
    return np.broadcast_to(valid, full).reshape(outs + (size,)), np.broadcast_to(flat, full).reshape(outs + (size,))


def _gather_windows(x, windows):
    """x (..., n_1, ..., n_nd) -> (..., o_1, ..., o_nd, K): every window's elements in scan order
    (positions outside the input read a clipped position: mask them with _window_masks)."""
    nd = len(windows)
    sizes = x.shape[x.ndim - nd:]
    lead = x.shape[: x.ndim - nd]
    for i, (pos, _) in enumerate(windows):
        idx = np.clip(pos, 0, sizes[i] - 1).reshape(-1)
        x = jnp.take(x, idx, axis=len(lead) + i, mode="clip")
    x = x.reshape(lead + tuple(s for pos, _ in windows for s in pos.shape))
    nl = len(lead)
    order = tuple(range(nl)) + tuple(nl + 2 * i for i in range(nd)) + tuple(nl + 2 * i + 1 for i in range(nd))
    outs = tuple(pos.shape[0] for pos, _ in windows)
    size = int(np.prod([pos.shape[1] for pos, _ in windows]))
    return jnp.transpose(x, order).reshape(lead + outs + (size,))


def _sliced_windows(x, kernel, stride, padding, dilation, out):
    """_gather_windows for sliding windows, as one strided slice of the padded input per kernel
    offset (cheaper to compile and differentiate than a gather)."""
    nd = len(kernel)
    lead = x.shape[: x.ndim - nd]
    pads = [(0, 0, 0)] * len(lead)
    for n, k, s, p, d, o in zip(x.shape[len(lead):], kernel, stride, padding, dilation, out):
        pads.append((p, max(0, (o - 1) * s + (k - 1) * d + 1 - n - p), 0))
    xp = lax.pad(x, jnp.zeros((), x.dtype), pads)
    parts = []
    for offsets in itertools.product(*[range(k) for k in kernel]):
        start = [0] * len(lead) + [i * d for i, d in zip(offsets, dilation)]
        limit = list(lead) + [i * d + (o - 1) * s + 1 for i, d, o, s in zip(offsets, dilation, out, stride)]
        parts.append(lax.slice(xp, start, limit, [1] * len(lead) + list(stride)))
    return jnp.stack(parts, axis=-1)


def _lowest(dt):
    return -jnp.inf if jnp.issubdtype(dt, jnp.floating) else jnp.iinfo(dt).min


def _window_max(w, valid, flat):
    """(max, index) of every window (w: (..., o_1, ..., o_nd, K)): PyTorch's choice of element,
    the first maximum in scan order or, where the window holds NaN, its last NaN; the value is
    read at that element only, so the gradient goes there."""
    fixed = lax.stop_gradient(w)
    wm = jnp.where(valid, fixed, jnp.asarray(_lowest(w.dtype), w.dtype))
    top = jnp.max(wm, axis=-1, keepdims=True)
    pick = jnp.argmax(valid & (wm == top), axis=-1)
    if jnp.issubdtype(w.dtype, jnp.floating):
        nan = jnp.isnan(wm)
        last_nan = nan.shape[-1] - 1 - jnp.argmax(nan[..., ::-1], axis=-1)
        pick = jnp.where(jnp.any(nan, axis=-1), last_nan, pick)
    pick = pick[..., None]
    value = jnp.take_along_axis(w, pick, axis=-1)[..., 0]
    # a window of padding only (possible with dilation): PyTorch's maximum is -inf (its initial value)
    value = jnp.where(jnp.any(valid, axis=-1), value, jnp.asarray(_lowest(w.dtype), w.dtype))
    index = jnp.take_along_axis(jnp.broadcast_to(jnp.asarray(flat), w.shape), pick, axis=-1)[..., 0]
    return value, index.astype(jnp.int64)


def _window_sum(w, valid):
    return jnp.sum(jnp.where(valid, w, jnp.zeros((), w.dtype)), axis=-1)


def _divide(total, divisor):
    """total / divisor as PyTorch's kernels compute it (integers divide truncating)."""
    d = jnp.broadcast_to(jnp.asarray(divisor, total.dtype), total.shape)
    return total / d if jnp.issubdtype(total.dtype, jnp.floating) else lax.div(total, d)


def _spatial(x, nd):
    return x.shape[x.ndim - nd:]


def _opmath(x):
    """x in the dtype PyTorch's kernels accumulate in (float32 for half precision)."""
    return x.astype(jnp.float32) if x.dtype in (jnp.float16, jnp.bfloat16) else x


# ---- max / avg pooling -----------------------------------------------------------------
def _max_pool(x, kernel, stride, padding, dilation, out):
    """Max pooling over the last len(kernel) dims (out: the output sizes, from the frontend)."""
    sizes = _spatial(x, len(kernel))
    windows = [_regular_windows(*a) for a in zip(sizes, kernel, stride, padding, dilation, out)]
    valid, flat = _window_masks(sizes, windows)
    return _window_max(_sliced_windows(x, kernel, stride, padding, dilation, out), valid, flat)


def _avg_divisor(n, k, s, p, out, count_include_pad):
    start = np.arange(out) * s - p
    end = np.minimum(start + k, n + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def _avg_pool(x, kernel, stride, padding, out, ceil_mode, count_include_pad, divisor_override):
    nd = len(kernel)
    sizes = _spatial(x, nd)
    windows = [_regular_windows(n, k, s, p, 1, o) for n, k, s, p, o in zip(sizes, kernel, stride, padding, out)]
    valid, _ = _window_masks(sizes, windows)
    total = _window_sum(_sliced_windows(_opmath(x), kernel, stride, padding, (1,) * nd, out), valid)
    if divisor_override is not None:
        return _divide(total, divisor_override).astype(x.dtype)
    divisor = np.ones((), np.int64)
    for i, (n, k, s, p, o) in enumerate(zip(sizes, kernel, stride, padding, out)):
        shape = [1] * nd
        shape[i] = o
        divisor = divisor * _avg_divisor(n, k, s, p, o, count_include_pad).reshape(shape)
    return _divide(total, divisor).astype(x.dtype)


def _nd_name(template):
    return lambda node: template.format(len(node.statics[0]))


MAX_POOL = _op("max_pool", _max_pool, 1, nout=2, saves="in", grad_fn=_nd_name("MaxPool{}DWithIndicesBackward0"))
AVG_POOL = _op("avg_pool", _avg_pool, 1, saves="in", grad_fn=_nd_name("AvgPool{}DBackward0"))


# ---- adaptive pooling ------------------------------------------------------------------
def _adaptive_avg_pool(x, out):
    nd = len(out)
    sizes = _spatial(x, nd)
    windows = [_adaptive_windows(n, o) for n, o in zip(sizes, out)]
    total = _window_sum(_gather_windows(_opmath(x), windows), _window_masks(sizes, windows)[0])
    # PyTorch divides the window sum by each window side in turn
    for i, ((pos, ok), o) in enumerate(zip(windows, out)):
        shape = [1] * nd
        shape[i] = o
        total = _divide(total, ok.sum(axis=1).reshape(shape))
    return total.astype(x.dtype)


def _adaptive_max_pool(x, out):
    sizes = _spatial(x, len(out))
    windows = [_adaptive_windows(n, o) for n, o in zip(sizes, out)]
    return _window_max(_gather_windows(x, windows), *_window_masks(sizes, windows))


ADAPTIVE_AVG_POOL = _op("adaptive_avg_pool", _adaptive_avg_pool, 1, saves="in",
                        grad_fn=_nd_name("AdaptiveAvgPool{}DBackward0"))
ADAPTIVE_MAX_POOL = _op("adaptive_max_pool", _adaptive_max_pool, 1, nout=2, saves="in",
                        grad_fn=_nd_name("AdaptiveMaxPool{}DBackward0"))


# ---- max unpooling ---------------------------------------------------------------------
def _max_unpool(x, indices, out):
    """PyTorch's max_unpool{2,3}d: every input value written at its flat index within its (N, C)
    plane of an output of spatial size `out`, zeros elsewhere.

    The scatter is declared unique: JAX's derivative of it is then the gather of the output
    gradient at the indices, for every input (duplicates included), as PyTorch's
    max_pool_double_backward. Which of two inputs at one index is written is unspecified, as in
    PyTorch (its kernel is nondeterministic there). Indices outside the plane (refused by the
    frontend wherever it can read their values) are dropped."""
    nd = len(out)
    lead = x.shape[: x.ndim - nd]
    rows, per, plane = int(np.prod(lead)), int(np.prod(x.shape[x.ndim - nd:])), int(np.prod(out))
    idx = indices.reshape(rows, per)
    idx = jnp.where((idx >= 0) & (idx < plane), idx, plane)  # negative ones would wrap around
    y = jnp.zeros((rows, plane), x.dtype)
    y = y.at[jnp.arange(rows)[:, None], idx].set(x.reshape(rows, per), unique_indices=True, mode="drop")
    return y.reshape(lead + tuple(out))


# saves="div": the indices (the second input) only, as PyTorch's MaxUnpool*Backward0
MAX_UNPOOL = _op("max_unpool", _max_unpool, 2, saves="div", grad_fn=_nd_name("MaxUnpool{}DBackward0"))


def pooling_output_size(n, k, pad, stride, dilation, ceil_mode):
    """PyTorch's pooling_output_shape: floor (or ceil) division, the last window starting
    inside the input or its left padding."""
    out = (n + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return out


__all__ = ["CONVOLUTION", "MAX_POOL", "AVG_POOL", "ADAPTIVE_AVG_POOL", "ADAPTIVE_MAX_POOL", "MAX_UNPOOL",
           "pooling_output_size"]
