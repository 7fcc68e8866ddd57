"""Ops behind torch.nn.utils.rnn: packing padded sequences, padding packed ones, pad_sequence.

A PackedSequence's layout is fixed by its batch sizes, a host tuple (static here): step t
holds the first batch_sizes[t] sequences of the batch, one after another. Packing and padding
are therefore gathers with an index built on the host once per layout; JAX differentiates
them (the transpose of a gather is the scatter that PyTorch's backward does). The grad_fn names
are PyTorch's: PackPaddedSequenceBackward0, and CopySlices for the two that PyTorch builds by
copying into slices of a filled tensor.
"""

import functools

import jax.numpy as jnp
import numpy as np

from .frontend import cast
from .table import defop


@functools.lru_cache(maxsize=256)
def pack_index(batch_sizes, batch, steps, batch_first):
    """Flat positions, in a padded (steps, batch) grid (or (batch, steps)), of a packed layout's rows."""
    t = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    b = np.concatenate([np.arange(n) for n in batch_sizes])
    return b * steps + t if batch_first else t * batch + b


@functools.lru_cache(maxsize=256)
def unpack_index(batch_sizes, steps, batch_first):
    """For each cell of the padded (steps, batch) grid (or (batch, steps)), the packed row it
    comes from, or the row count for a padding cell (a padding row is appended there)."""
    rows = sum(batch_sizes)
    idx = np.full((steps, batch_sizes[0]), rows, np.int64)
    start = 0
    for t, n in enumerate(batch_sizes):
        idx[t, :n] = np.arange(start, start + n)
        start += n
    return idx.T.copy() if batch_first else idx


@functools.lru_cache(maxsize=256)
def step_mask(batch_sizes):
    """(steps, batch) booleans: which sequences are still running at each step."""
    return np.arange(batch_sizes[0])[None, :] < np.asarray(batch_sizes)[:, None]


def pack(x, batch_sizes, batch_first):
    """The packed rows of a padded (T, B, *) input ((B, T, *) when batch_first)."""
    b, t = (x.shape[0], x.shape[1]) if batch_first else (x.shape[1], x.shape[0])
    flat = x.reshape((b * t,) + x.shape[2:])
    return flat[pack_index(batch_sizes, b, t, batch_first)]


def unpack(data, batch_sizes, batch_first, padding_value, steps):
    """The padded (steps, B, *) form ((B, steps, *) when batch_first) of packed rows."""
    pad = jnp.full((1,) + data.shape[1:], padding_value, data.dtype)
    return jnp.concatenate([data, pad])[unpack_index(batch_sizes, steps, batch_first)]


def _pad_sequence(*args):
    """Sequences (L_i, *) broadcast to (L_i, *trailing), padded to max_len, stacked on dim 1 (0)."""
    *seqs, batch_first, padding_value, left, max_len, trailing, dt = args
    rows = []
    for s in seqs:
        s = jnp.broadcast_to(cast(s, dt), (s.shape[0],) + trailing)
        fill = jnp.full((max_len - s.shape[0],) + trailing, padding_value, dt)
        rows.append(jnp.concatenate([fill, s] if left else [s, fill]))
    return jnp.stack(rows, axis=0 if batch_first else 1)


# saves="meta": PyTorch's backward keeps only sizes / batch_sizes, not the inputs, so a second
# backward raises but an in-place change to an input before backward does not
PACK = defop("pack_padded_sequence", pack, grad_fn="PackPaddedSequenceBackward0", saves="meta")
PAD_PACKED = defop("pad_packed_sequence", unpack, grad_fn="CopySlices", saves="meta")
PAD_SEQUENCE = defop("pad_sequence", _pad_sequence, grad_fn="CopySlices", saves="meta")
