"""The op behind torch.nn.functional.embedding_bag: sums, means or maxima of bags of rows.

The frontend (`facade/nn/functional/embedding_bag.py`) turns every form of the input (1-D with
offsets, 2-D without) into flat indices and per-bag start offsets, and checks PyTorch's
errors. Here each index is assigned to its bag (the last offset at or before its position),
its row read (times its per-sample weight in 'sum' mode), padding rows left out, and the rows
reduced per bag with segment sums. 'max' reads, per bag and column, the first row holding the
maximum (PyTorch's kernel keeps the first of equal values), so the gradient goes to that row
only. Empty bags give zeros. No derivative is written by hand.
"""

import jax
import jax.numpy as jnp

from .nn_ops import _op


def _embedding_bag(w, idx, offsets, psw, mode, nbags, padding_idx, has_psw):
    n = idx.shape[0]
    pos = jnp.arange(n)
    # the bag of each position; positions at or past a bag count (include_last_offset) are dropped
    bag = jnp.searchsorted(offsets, pos, side="right") - 1
    keep = jnp.ones((n,), bool) if padding_idx is None else idx != padding_idx
    rows = jnp.take(w, idx, axis=0)
    if mode == "max":
        low = jnp.asarray(-jnp.inf, w.dtype)
        cand = jnp.where(keep[:, None], rows, low)
        top = jax.ops.segment_max(jax.lax.stop_gradient(cand), bag, nbags)
        hit = keep[:, None] & (cand == top[jnp.clip(bag, 0, nbags - 1)])
        first = jax.ops.segment_min(jnp.where(hit, pos[:, None], n), bag, nbags)  # (nbags, dim)
        found = first < n
        picked = jnp.take_along_axis(rows, jnp.clip(first, 0, max(n - 1, 0)), axis=0) if n else jnp.zeros(first.shape, w.dtype)
        return jnp.where(found, picked, jnp.zeros((), w.dtype))
    if has_psw:
        rows = rows * psw.astype(w.dtype)[:, None]
    rows = jnp.where(keep[:, None], rows, jnp.zeros((), w.dtype))
    total = jax.ops.segment_sum(rows, bag, nbags)
    if mode == "sum":
        return total
    count = jax.ops.segment_sum(keep.astype(w.dtype), bag, nbags)
    return total / jnp.maximum(count, 1)[:, None]


# PyTorch's backward keeps the indices, offsets and (for the weights' gradient) the weight
EMBEDDING_BAG = _op("embedding_bag", _embedding_bag, 4, grad_fn="EmbeddingBagBackward0", saves="in")

__all__ = ["EMBEDDING_BAG"]
