"""Op specs for the layer ops of facade/_ops/fold_ops.py (see _op_specs.py for the format): F.unfold (im2col),
F.fold (col2im), channel_shuffle, native_channel_shuffle, torch.pdist and nn.CrossMapLRN2d.

The references loop over output positions, from PyTorch's documented definitions: unfold's block
(c, i, j) at output location l is input (c, oh * stride + i * dilation - padding, ...); fold sums the
blocks back; pdist is the upper triangle of the pairwise p-norm distances, row by row.
"""
import itertools

import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array
from ._op_specs import FLOAT, NUM, spec

_LRN_BACKWARD = ("PyTorch 2.13's CrossMapLRN2d has a hand-written backward that fails gradcheck; facade's gradient "
                 "is the derivative of the same forward (gradcheck here and in tests/nn/test_more_layers.py)")


# ---- im2col / col2im -----------------------------------------------------------------------------
def _blocks(draw, limits):
    """(H, W) and the block parameters, with at least one block position."""
    hw = tuple(draw(st.integers(1, limits["max_side"])) for _ in range(2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(2))
    if min(_positions(hw, kernel, dilation, padding, stride)) < 1:
        kernel, dilation = (1, 1), (1, 1)
    return hw, {"kernel_size": kernel, "dilation": dilation, "padding": padding, "stride": stride}


def _positions(hw, kernel_size, dilation, padding, stride):
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, d, p, s in zip(hw, kernel_size, dilation, padding, stride))


def _lead(draw):
    return tuple(draw(st.sampled_from([(), (1,), (2,)])))


def _unfold_args(draw, dtype, limits, smooth):
    hw, kw = _blocks(draw, limits)
    c = draw(st.integers(1, 2))
    return (array(draw, dtype, _lead(draw) + (c,) + hw, REAL, smooth),), kw


def _block_index(hw, kernel_size, dilation, padding, stride):
    """(row, column, h, w) for every entry of the unfolded matrix that reads inside the image."""
    oh, ow = _positions(hw, kernel_size, dilation, padding, stride)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    for i, j, a, b in itertools.product(range(kh), range(kw), range(oh), range(ow)):
        h, w = a * sh + i * dh - ph, b * sw + j * dw - pw
        if 0 <= h < hw[0] and 0 <= w < hw[1]:
            yield i * kw + j, a * ow + b, h, w


def _unfold_ref(x, **kw):
    *lead, c, h, w = x.shape
    k = kw["kernel_size"][0] * kw["kernel_size"][1]
    oh, ow = _positions((h, w), **kw)
    out = np.zeros(tuple(lead) + (c * k, oh * ow), x.dtype)
    for row, col, hh, ww in _block_index((h, w), **kw):
        out[..., row::k, col] = x[..., :, hh, ww]
    return out


def _fold_args(draw, dtype, limits, smooth):
    hw, kw = _blocks(draw, limits)
    c = draw(st.integers(1, 2))
    blocks = int(np.prod(_positions(hw, **kw)))
    k = kw["kernel_size"][0] * kw["kernel_size"][1]
    return (array(draw, dtype, _lead(draw) + (c * k, blocks), REAL, smooth),), dict(kw, output_size=hw)


def _fold_ref(x, output_size, **kw):
    *lead, ck, _ = x.shape
    k = kw["kernel_size"][0] * kw["kernel_size"][1]
    out = np.zeros(tuple(lead) + (ck // k,) + tuple(output_size), x.dtype)
    for row, col, hh, ww in _block_index(tuple(output_size), **kw):
        out[..., :, hh, ww] += x[..., row::k, col]
    return out


spec("nn.functional.unfold", lambda T, x, **kw: T.nn.functional.unfold(x, **kw), _unfold_args, _unfold_ref)
spec("nn.functional.fold", lambda T, x, **kw: T.nn.functional.fold(x, **kw), _fold_args, _fold_ref)


# ---- channel shuffles ----------------------------------------------------------------------------
def _shuffle_args(draw, dtype, limits, smooth):
    groups, per_group = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    spatial = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(1, 2))))  # PyTorch wants > 2 dims
    shape = (draw(st.integers(1, 2)), groups * per_group) + spatial
    return (array(draw, dtype, shape, REAL, smooth),), {"groups": groups}


def _shuffle_ref(x, groups):
    n, c, *rest = x.shape
    return x.reshape((n, groups, c // groups) + tuple(rest)).swapaxes(1, 2).reshape(x.shape)


spec("nn.functional.channel_shuffle", lambda T, x, groups: T.nn.functional.channel_shuffle(x, groups), _shuffle_args,
     _shuffle_ref, dtypes=NUM)
# no derivative in PyTorch (its grad_fn is NotImplemented): values only
spec("native_channel_shuffle", lambda T, x, groups: T.native_channel_shuffle(x, groups), _shuffle_args, _shuffle_ref,
     dtypes=NUM, differentiable=False)


# ---- pdist ---------------------------------------------------------------------------------------
def _pdist_args(draw, dtype, limits, smooth):
    shape = (draw(st.integers(1, limits["max_side"])), draw(st.integers(1, limits["max_side"])))
    return (array(draw, dtype, shape, REAL, smooth),), {"p": draw(st.sampled_from([2.0, 1.0, 1.5, 3.0, 0.0, np.inf]))}


def _pdist_ref(x, p):
    out = []
    for i, j in itertools.combinations(range(x.shape[0]), 2):
        d = np.abs(x[i] - x[j])
        out.append(d.max() if p == np.inf else np.count_nonzero(d) if p == 0 else (d ** p).sum() ** (1 / p))
    return np.array(out, x.dtype)


spec("pdist", lambda T, x, p: T.pdist(x, p), _pdist_args, _pdist_ref, dtypes=FLOAT)


# ---- CrossMapLRN2d -------------------------------------------------------------------------------
def _lrn_args(draw, dtype, limits, smooth):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kw = {"size": draw(st.integers(1, 4)), "alpha": draw(st.sampled_from([1e-4, 0.5])),
          "beta": draw(st.sampled_from([0.75, 0.5])), "k": draw(st.sampled_from([1.0, 2.0]))}
    return (array(draw, dtype, shape, REAL, smooth),), kw


def _lrn_ref(x, size, alpha, beta, k):
    """PyTorch's running window over channels: channel c sums the squares of channels max(c - pre + 1, 1) ..
    c + pre - 1 and, always, channel 0 (its legacy update never subtracts channel 0), pre = (size - 1) // 2 + 1."""
    pre, channels = (size - 1) // 2 + 1, x.shape[1]
    sq = x * x
    scale = np.empty_like(x)
    for c in range(channels):
        window = sorted({0} | set(range(max(c - pre + 1, 1), min(c + pre - 1, channels - 1) + 1)))
        scale[:, c] = k + alpha / size * sq[:, window].sum(axis=1)
    return x * scale ** -beta


spec("nn.CrossMapLRN2d", lambda T, x, size, alpha, beta, k: T.nn.CrossMapLRN2d(size, alpha, beta, k)(x), _lrn_args,
     _lrn_ref, xfail=(("torch", _LRN_BACKWARD), ("saves", _LRN_BACKWARD)))
