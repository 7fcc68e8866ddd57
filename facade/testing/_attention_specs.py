"""Op specs for attention (see _op_specs.py for the format).

scaled_dot_product_attention takes PyTorch's flash kernel (one fused op in facade) for 4-d inputs
with a mask that needs no gradient, and the composed math fallback (safe softmax) otherwise: one
spec for each, against a numpy reference of softmax(q k^T * scale + mask) v.
"""
import math

import numpy as np
from hypothesis import strategies as st

from ._case_builders import BOOL, array
from ._domains import Domain
from ._op_specs import spec

_VALUES = Domain(-2.0, 2.0)


def _np_sdpa(q, k, v, mask=None, is_causal=False, scale=None):
    """The reference: a row with nothing to attend to is 0 (PyTorch's safe softmax)."""
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = np.matmul(q, np.swapaxes(k, -1, -2)) * scale
    if mask is not None:
        s = s + (np.where(mask, 0.0, -np.inf) if mask.dtype == np.bool_ else mask)
    if is_causal:
        L, S = s.shape[-2:]
        s = np.where(np.tril(np.ones((L, S), bool)), s, -np.inf)
    empty = np.all(s == -np.inf, axis=-1, keepdims=True)
    s = np.where(empty, 0.0, s)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    p = np.where(empty, 0.0, e / e.sum(axis=-1, keepdims=True))
    return np.matmul(p, v)


def _sdpa_args(rank, mask):
    """query, key, value of the given rank (batch dims, L or S, E) and, if asked, a mask:
    "bool" (L, S) or a float one broadcast over the batch; is_causal only without a mask."""
    def build(draw, dtype, limits, smooth):
        side = st.integers(1, max(2, min(3, limits["max_side"])))
        batch = tuple(draw(side) for _ in range(rank - 2))
        L, S, E, Ev = (draw(side) for _ in range(4))
        arrays = [array(draw, dtype, batch + (L, E), _VALUES, smooth), array(draw, dtype, batch + (S, E), _VALUES, smooth),
                  array(draw, dtype, batch + (S, E if rank == 4 else Ev), _VALUES, smooth)]
        kwargs = {"scale": draw(st.sampled_from([None, 0.5]))}
        if mask == "bool":
            arrays.append(array(draw, BOOL, (L, S)))
        elif mask == "float":
            arrays.append(array(draw, dtype, (1,) * draw(st.integers(0, rank - 2)) + (L, S), _VALUES, smooth))
        if mask is None or draw(st.booleans()) and mask == "bool" and rank == 4:
            kwargs["is_causal"] = draw(st.booleans())
        return arrays, kwargs

    return build


def _call(T, q, k, v, mask=None, **kw):
    return T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kw)


# 4-d, no mask or a bool one: PyTorch's flash kernel (ScaledDotProductFlashAttentionForCpuBackward0)
spec("scaled_dot_product_attention", _call, _sdpa_args(4, None), _np_sdpa, rtol=1e-5, atol=1e-5)
spec("scaled_dot_product_attention.bool_mask", _call, _sdpa_args(4, "bool"), _np_sdpa, rtol=1e-5, atol=1e-5)
# 3-d, or a float mask that requires grad: the math fallback (matmul, add, _safe_softmax, matmul)
spec("scaled_dot_product_attention.math", _call, _sdpa_args(3, None), _np_sdpa, rtol=1e-5, atol=1e-5)
spec("scaled_dot_product_attention.float_mask", _call, _sdpa_args(4, "float"), _np_sdpa, rtol=1e-5, atol=1e-5)
