"""The ops behind torch.nn.functional.pixel_shuffle and pixel_unshuffle.

Both are pure rearrangements (a reshape, a transpose, a reshape), one op each so that the
grad_fn PyTorch shows (PixelShuffleBackward0 / PixelUnshuffleBackward0) is recorded.
Argument checks and PyTorch's messages live in `facade/nn/functional/pixel_shuffle.py`.
"""

import jax.numpy as jnp

from .nn_ops import _op


def _pixel_shuffle(x, r):
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r)."""
    lead, (c, h, w) = x.shape[:-3], x.shape[-3:]
    oc = c // (r * r)
    n = len(lead)
    y = x.reshape(lead + (oc, r, r, h, w))
    y = jnp.transpose(y, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return y.reshape(lead + (oc, h * r, w * r))


def _pixel_unshuffle(x, r):
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W)."""
    lead, (c, h, w) = x.shape[:-3], x.shape[-3:]
    oh, ow = h // r, w // r
    n = len(lead)
    y = x.reshape(lead + (c, oh, r, ow, r))
    y = jnp.transpose(y, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return y.reshape(lead + (c * r * r, oh, ow))


# saves=False: PyTorch's backward keeps the factor only
PIXEL_SHUFFLE = _op("pixel_shuffle", _pixel_shuffle, 1, saves=False, grad_fn="PixelShuffleBackward0")
PIXEL_UNSHUFFLE = _op("pixel_unshuffle", _pixel_unshuffle, 1, saves=False, grad_fn="PixelUnshuffleBackward0")

__all__ = ["PIXEL_SHUFFLE", "PIXEL_UNSHUFFLE"]
