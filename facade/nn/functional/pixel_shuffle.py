"""pixel_shuffle and pixel_unshuffle: moving channels into space and back.

pixel_shuffle turns an input (*, C * r * r, H, W) into (*, C, H * r, W * r) (each group of
r * r channels becomes an r x r block of pixels); pixel_unshuffle is its inverse. Any number
of leading batch dims is allowed. The checks are PyTorch's, with its messages.
"""

import numbers

from ..._dispatch import record
from ..._ops import pixel_shuffle_ops as ops

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _factor(fn, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be int, not {type(value).__name__}")
    value = int(value)
    if value <= 0:
        raise RuntimeError(f"{fn} expects a positive {name}, but got {value}")
    return value


def _rank(fn, input):
    if input.ndim < 3:
        raise RuntimeError(f"{fn} expects input to have at least 3 dimensions, but got input with {input.ndim} dimension(s)")


def pixel_shuffle(input, upscale_factor):
    """Rearranges (*, C * r * r, H, W) into (*, C, H * r, W * r), r = upscale_factor."""
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    _rank("pixel_shuffle", input)
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    return record(ops.PIXEL_SHUFFLE, (input,), (r,))


def pixel_unshuffle(input, downscale_factor):
    """Rearranges (*, C, H * r, W * r) into (*, C * r * r, H, W), r = downscale_factor."""
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    _rank("pixel_unshuffle", input)
    for what, dim in (("height", -2), ("width", -1)):
        n = input.shape[dim]
        if n % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but input.size({dim})={n} "
                f"is not divisible by {r}"
            )
    return record(ops.PIXEL_UNSHUFFLE, (input,), (r,))
