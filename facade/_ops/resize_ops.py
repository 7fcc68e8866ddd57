"""The resampling op behind torch.nn.functional.interpolate (nearest, linear and cubic modes).

One op per call, as the other nn ops: a pure JAX implementation and the grad_fn name PyTorch
shows (UpsampleBilinear2DBackward0, ...). Argument parsing and PyTorch's errors live in the
frontend (`facade/nn/functional/interpolate.py`); 'area' is adaptive average pooling there.

Each output element reads a few input elements (its taps: per spatial dim 1, 2 or 4
positions, crossed) and sums them with weights. Taps and weights depend on sizes only, so
they are computed here in numpy with PyTorch's index maths, in the precision its CPU
kernels use (see `_taps`). The input is then read with one gather, so JAX's derivative is
PyTorch's backward: each output gradient added into its taps, times their weights, in
PyTorch's order. No derivative is written by hand; where
PyTorch's backward kernel reads other taps than its forward (see `_backward_dims`), the
value is the forward's and the derivative that of the taps its backward reads.
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from .nn_ops import _op

_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic coefficient
_LINEAR = ("linear", "bilinear", "trilinear")


def _scale(n_in, n_out, scale_factor, align_corners, ftype):
    """PyTorch's area_pixel_compute_scale: source step per output step, in ftype."""
    if align_corners:
        return ftype(n_in - 1) / ftype(n_out - 1) if n_out > 1 else ftype(0)
    if scale_factor is not None and scale_factor > 0:
        return ftype(1.0 / scale_factor)
    return ftype(n_in) / ftype(n_out)


def _nearest_taps(n_in, n_out, scale_factor, exact, shortcuts, ftype):
    """Source index of every output position: floor(dst * scale) ('nearest'), or
    floor((dst + 0.5) * scale) ('nearest-exact'), as PyTorch's kernels compute them: the scale
    in ftype, the product rounded to float32 before the floor. With `shortcuts` (PyTorch's
    nearest_idx), a kept size copies and a doubled one halves the index, whatever the factor."""
    dst = np.arange(n_out)
    if shortcuts and n_out == n_in:
        return dst[:, None]
    if shortcuts and n_out == 2 * n_in:
        return (dst >> 1)[:, None]
    scale = _scale(n_in, n_out, scale_factor, False, ftype)
    if exact:
        src = ((dst + 0.5) * np.float64(scale)).astype(np.float32)
    else:
        src = (dst.astype(ftype) * scale).astype(np.float32)
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)[:, None]


def _source(n_in, n_out, scale_factor, align_corners, cubic, ftype):
    """PyTorch's area_pixel_compute_source_index for every output position, then the index
    below it and the fraction past it (guard_index_and_lambda)."""
    scale = _scale(n_in, n_out, scale_factor, align_corners, ftype)
    dst = np.arange(n_out).astype(ftype)
    if align_corners:
        real = scale * dst
    else:
        real = scale * (dst + ftype(0.5)) - ftype(0.5)
        if not cubic:
            real = np.maximum(real, ftype(0))
    index = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    lam = np.clip(real - index.astype(ftype), ftype(0), ftype(1)).astype(ftype)
    return index, lam


def _linear_taps(n_in, n_out, scale_factor, align_corners, ftype):
    index, lam = _source(n_in, n_out, scale_factor, align_corners, False, ftype)
    upper = np.minimum(index + 1, n_in - 1)
    return np.stack([index, upper], 1), np.stack([ftype(1) - lam, lam], 1)


def _cubic_weights(t, ftype):
    """PyTorch's get_cubic_upsample_coefficients for fractions t (A = -0.75)."""
    a = ftype(_CUBIC_A)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    one = ftype(1)
    return np.stack([far(t + one), near(t), near(one - t), far(ftype(2) - t)], 1).astype(ftype)


def _cubic_taps(n_in, n_out, scale_factor, align_corners, ftype):
    index, lam = _source(n_in, n_out, scale_factor, align_corners, True, ftype)
    taps = np.clip(index[:, None] + np.arange(-1, 3)[None, :], 0, n_in - 1)  # borders repeat
    return taps, _cubic_weights(lam, ftype)


def _accumulation_type(dtype):
    """The type PyTorch's kernels compute weights and sums in (float32 for half precision)."""
    return jnp.float64 if dtype == jnp.float64 else jnp.float32


def _taps(mode, nd, n_in, n_out, scale_factor, align_corners, ftype):
    """(out, k) source indices and weights (None: a plain copy) of one of nd spatial dims, as
    PyTorch's forward kernels read them. Its 2-d nearest kernels take the scale in float32 and
    (not nearest-exact) the shortcuts; the 1-d and 3-d ones take it in ftype, without them."""
    if mode in ("nearest", "nearest-exact"):
        if nd == 2:
            return _nearest_taps(n_in, n_out, scale_factor, mode == "nearest-exact", mode == "nearest", np.float32), None
        return _nearest_taps(n_in, n_out, scale_factor, mode == "nearest-exact", False, ftype), None
    if mode in _LINEAR:
        if n_in == n_out:  # PyTorch's linear kernels copy a dim whose size is kept, whatever the factor
            return np.arange(n_out)[:, None], None
        return _linear_taps(n_in, n_out, scale_factor, align_corners, ftype)
    if mode == "bicubic":
        return _cubic_taps(n_in, n_out, scale_factor, align_corners, ftype)
    raise ValueError(f"unknown resampling mode {mode!r}")


def _apply(y, dims, acc):
    """y with its spatial dims resampled (dims: per dim, its indices and weights), all at once:
    each output element the weighted sum of its taps (every dim's, crossed), read with one
    gather. Its derivative adds each output's gradient into its taps in output order, taps
    innermost, as PyTorch's backward kernels do (float32 sums then agree to the last bits)."""
    nd = len(dims)
    lead, sizes = y.shape[: y.ndim - nd], y.shape[y.ndim - nd:]
    outs = tuple(idx.shape[0] for idx, _ in dims)
    full = outs + tuple(idx.shape[1] for idx, _ in dims)  # (o_1, ..., o_nd, k_1, ..., k_nd)
    flat = np.zeros(full, np.int64)
    weight = np.ones(full, np.dtype(acc))
    for i, (idx, w) in enumerate(dims):
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = idx.shape
        flat = flat * sizes[i] + idx.reshape(shape)
        if w is not None:
            weight = weight * w.reshape(shape).astype(weight.dtype)
    k = int(np.prod(full[nd:]))
    plane = y.reshape(lead + (int(np.prod(sizes)),))
    taps = jnp.take(plane, flat.reshape(-1), axis=len(lead)).reshape(lead + outs + (k,))
    if all(w is None for _, w in dims):
        return taps[..., 0]
    return jnp.sum(taps * jnp.asarray(weight.reshape(outs + (k,)), acc), axis=-1)


def _backward_dims(mode, x, out, scale_factors, dims):
    """The resampling PyTorch's backward kernels differentiate, where it is not their forward's:
    the nearest backwards take the scale in float32 and (not nearest-exact) the shortcuts in
    every dim count, and the bicubic backward copies when no size changes, although the
    forward then follows the scale factor. None where the two agree."""
    nd = len(out)
    if mode in ("nearest", "nearest-exact") and nd != 2:
        spatial = x.shape[x.ndim - nd:]
        other = [(_nearest_taps(n, o, sf, mode == "nearest-exact", mode == "nearest", np.float32), None)
                 for n, o, sf in zip(spatial, out, scale_factors)]
        same = all(np.array_equal(i, j) for (i, _), (j, _) in zip(dims, other))
        return None if same else other
    if mode == "bicubic" and tuple(x.shape[-nd:]) == tuple(out):
        return [(np.arange(o)[:, None], None) for o in out]
    return None


def _resample(x, mode, out, scale_factors, align_corners):
    """x (N, C, *spatial) resampled to spatial size `out`; scale_factors: per dim, the user's
    factor (which sets the source step when given) or None (step = in / out)."""
    nd = len(out)
    acc = _accumulation_type(x.dtype)
    ftype = np.dtype(acc).type
    y = x if mode.startswith("nearest") else x.astype(acc)
    dims = [_taps(mode, nd, n, o, sf, align_corners, ftype) for n, o, sf in zip(x.shape[x.ndim - nd:], out, scale_factors)]
    result = _apply(y, dims, acc)
    other = _backward_dims(mode, x, out, scale_factors, dims)
    if other is not None:
        # the forward's values, the other resampling's derivative: (b - b) is an exact zero
        # (where b is finite), subtracted so that a -0.0 stays -0.0
        b = _apply(y, other, acc)
        fixed = lax.stop_gradient(b)
        result = lax.stop_gradient(result) - jnp.where(jnp.isfinite(fixed), fixed - b, jnp.zeros((), b.dtype))
    return result.astype(x.dtype)


_NAMES = {"nearest": "UpsampleNearest{}DBackward0", "nearest-exact": "UpsampleNearestExact{}DBackward0",
          "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
          "trilinear": "UpsampleTrilinear3DBackward0", "bicubic": "UpsampleBicubic2DBackward0"}


def _grad_fn(node):
    mode, out = node.statics[0], node.statics[1]
    return _NAMES[mode].format(len(out))


# saves=False: PyTorch's backward keeps sizes and scales only (no tensor), so a second backward
# without retain_graph works and in-place changes to the input are allowed
UPSAMPLE = _op("upsample", _resample, 1, saves=False, grad_fn=_grad_fn)

__all__ = ["UPSAMPLE"]
