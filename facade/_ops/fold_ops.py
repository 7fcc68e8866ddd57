"""The native ops behind nn.functional.unfold / fold (im2col / col2im), channel_shuffle, pdist and
nn.CrossMapLRN2d. Argument checks and PyTorch's messages live in `facade/nn/functional/fold_pool.py`.

im2col gathers one strided slice per kernel offset; col2im adds them back (its transpose), so JAX's
derivative of each is the other, as in PyTorch.
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from .nn_ops import _op
from .unary import _abs


def _offsets(k, d):
    return [(i * d[0], j * d[1]) for i in range(k[0]) for j in range(k[1])]


def _im2col(x, k, d, p, s, out):
    """(N, C, H, W) -> (N, C * kh * kw, L), channel-major then kernel row, kernel column."""
    unbatched = x.ndim == 3
    x = x[None] if unbatched else x
    n, c = x.shape[:2]
    x = jnp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh, ow = out
    cols = [x[:, :, a: a + s[0] * (oh - 1) + 1: s[0], b: b + s[1] * (ow - 1) + 1: s[1]] for a, b in _offsets(k, d)]
    y = jnp.stack(cols, axis=2).reshape(n, c * k[0] * k[1], oh * ow)
    return y[0] if unbatched else y


def _col2im(x, size, k, d, p, s, blocks):
    """(N, C * kh * kw, L) -> (N, C, H, W): each block's values added where im2col took them."""
    unbatched = x.ndim == 2
    x = x[None] if unbatched else x
    n = x.shape[0]
    c = x.shape[1] // (k[0] * k[1])
    oh, ow = blocks
    x = x.reshape(n, c, k[0] * k[1], oh, ow)
    y = jnp.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), x.dtype)
    for i, (a, b) in enumerate(_offsets(k, d)):
        y = y.at[:, :, a: a + s[0] * (oh - 1) + 1: s[0], b: b + s[1] * (ow - 1) + 1: s[1]].add(x[:, :, i])
    y = y[:, :, p[0]: p[0] + size[0], p[1]: p[1] + size[1]]
    return y[0] if unbatched else y


def _channel_shuffle(x, groups):
    n, c = x.shape[:2]
    rest = x.shape[2:]
    return jnp.swapaxes(x.reshape((n, groups, c // groups) + rest), 1, 2).reshape(x.shape)


def _pow_zero_at_zero(s, e):
    """s ** e (s >= 0) that is 0, with a zero gradient, where s is 0 (PyTorch's pdist gives 0 for equal rows)."""
    zero = s == 0
    return jnp.where(zero, 0.0, jnp.where(zero, 1.0, s) ** e)


def _pdist(x, p):
    """The upper-triangle row distances, in PyTorch's order (i < j, row by row)."""
    i, j = np.triu_indices(x.shape[0], 1)
    diff = _abs(x[i] - x[j])  # d|d|/dd = 0 at 0, as PyTorch's pdist backward
    if p == 0:
        return jnp.sum((diff != 0).astype(x.dtype), axis=-1) + 0 * jnp.sum(diff, axis=-1)
    if p == float("inf"):
        m = lax.stop_gradient(jnp.max(diff, axis=-1))
        ties = diff == m[:, None]  # every entry attaining the maximum gets the whole gradient, as in PyTorch
        return m + jnp.sum(jnp.where(ties, diff - lax.stop_gradient(diff), 0.0), axis=-1)
    if p == 1:
        return jnp.sum(diff, axis=-1)
    return _pow_zero_at_zero(jnp.sum(_pow_zero_at_zero(diff, p), axis=-1), 1.0 / p)


def _lrn_window(channels, size):
    """Which squared channels each output channel's scale sums: PyTorch's running-sum recurrence
    (add the channel entering the window, drop the one leaving it), replayed on counts."""
    pre = int((size - 1) / 2 + 1)
    m = np.zeros((channels, channels))
    m[0, : min(pre, channels)] = 1
    for c in range(1, channels):
        m[c] = m[c - 1]
        if c < channels - pre + 1:
            m[c, c + pre - 1] += 1
        if c > pre:
            m[c, c - pre] -= 1
    return m


def _cross_map_lrn(x, size, alpha, beta, k):
    """x * (k + alpha / size * (sum of x^2 over the channel window)) ** -beta."""
    window = jnp.asarray(_lrn_window(x.shape[1], size), x.dtype)
    scale = jnp.einsum("cj,njhw->nchw", window, x * x) * (alpha / size) + k
    return x * scale ** (-beta)


IM2COL = _op("im2col", _im2col, 1, saves=False, grad_fn="Im2ColBackward0")
COL2IM = _op("col2im", _col2im, 1, saves=False, grad_fn="Col2ImBackward0")
CHANNEL_SHUFFLE = _op("channel_shuffle", _channel_shuffle, 1, saves=False, grad_fn="ChannelShuffleBackward0")
PDIST = _op("pdist", _pdist, 1, saves=True, grad_fn="PdistBackward0")
CROSS_MAP_LRN = _op("cross_map_lrn2d", _cross_map_lrn, 1, saves=True, grad_fn="CrossMapLRN2dBackward")
# torch.native_channel_shuffle has no derivative formula: its grad_fn is autograd's NotImplemented node
NATIVE_CHANNEL_SHUFFLE = _op("native_channel_shuffle", _channel_shuffle, 1, saves=False, grad_fn="NotImplemented")

__all__ = ["IM2COL", "COL2IM", "CHANNEL_SHUFFLE", "PDIST", "CROSS_MAP_LRN", "NATIVE_CHANNEL_SHUFFLE"]
