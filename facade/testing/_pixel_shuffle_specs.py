"""Op specs for torch.nn.functional.pixel_shuffle / pixel_unshuffle (see _op_specs.py for the format).

The numpy reference moves element by element, from PyTorch's documented rule: output
(c, h * r + i, w * r + j) of pixel_shuffle is input (c * r * r + i * r + j, h, w);
pixel_unshuffle is the inverse map.
"""
import itertools

import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array
from ._op_specs import spec


def _shuffle_ref(x, upscale_factor):
    r = upscale_factor
    *lead, c, h, w = x.shape
    y = np.zeros(tuple(lead) + (c // (r * r), h * r, w * r), x.dtype)
    for oc, oh, ow in itertools.product(*[range(n) for n in y.shape[-3:]]):
        y[..., oc, oh, ow] = x[..., oc * r * r + (oh % r) * r + (ow % r), oh // r, ow // r]
    return y


def _unshuffle_ref(x, downscale_factor):
    r = downscale_factor
    *lead, c, h, w = x.shape
    y = np.zeros(tuple(lead) + (c * r * r, h // r, w // r), x.dtype)
    for ic, ih, iw in itertools.product(range(c), range(h), range(w)):
        y[..., ic * r * r + (ih % r) * r + (iw % r), ih // r, iw // r] = x[..., ic, ih, iw]
    return y


def _args(shuffle):
    def build(draw, dtype, limits, smooth):
        r = draw(st.integers(1, 3))
        lead = tuple(draw(st.integers(1, 2)) for _ in range(draw(st.integers(0, 2))))
        c, h, w = (draw(st.integers(1, 2)) for _ in range(3))
        shape = lead + ((c * r * r, h, w) if shuffle else (c, h * r, w * r))
        name = "upscale_factor" if shuffle else "downscale_factor"
        return (array(draw, dtype, shape, REAL, smooth),), {name: r}

    return build


spec("nn.functional.pixel_shuffle", lambda T, x, **kw: T.nn.functional.pixel_shuffle(x, **kw), _args(True),
     _shuffle_ref)
spec("nn.functional.pixel_unshuffle", lambda T, x, **kw: T.nn.functional.pixel_unshuffle(x, **kw), _args(False),
     _unshuffle_ref)
