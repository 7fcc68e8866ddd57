"""Op specs for torch.nn.functional.interpolate, one per mode (see _op_specs.py for the format).

The numpy reference works output element by output element, from PyTorch's documented
rules: the output size (the given size, or floor(in * scale_factor)); 'nearest' reads input
floor(dst * scale) and 'nearest-exact' floor((dst + 0.5) * scale), scale = 1 / scale_factor
when a factor is given (and not recomputed), else in / out, in float32 as PyTorch's kernels
(its 2-d 'nearest' copies a kept size and halves the index of a doubled one); the linear
modes and bicubic take the source coordinate scale * (dst + 0.5) - 0.5 (negative ones
clamped to 0 for the linear modes), or dst * (in - 1) / (out - 1) with align_corners, and
blend the neighbouring inputs with tent or cubic (A = -0.75) weights, border inputs repeated;
the linear modes copy a dim whose size is kept. 'area' averages adaptive windows.

The drawn scale factors are powers of two (and 1), or recomputed into sizes: PyTorch's
backward of some kernels reads other taps than its forward for other factors
(tests/nn/test_interpolate.py checks those against torch), and finite differences can only
check the forward's derivative.
"""
import itertools
import math

import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array
from ._op_specs import spec

_NDIM = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _output_sizes(spatial, size, scale_factor, recompute):
    nd = len(spatial)
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nd
        return sizes, (None,) * nd
    factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd
    sizes = tuple(math.floor(n * f) for n, f in zip(spatial, factors))
    return sizes, ((None,) * nd if recompute else factors)


def _step(n_in, n_out, factor, align_corners=False):
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / factor if factor else n_in / n_out


def _nearest_source(d, n_in, n_out, factor, exact, nd, double):
    """The input index output d reads along one dim."""
    if not exact and nd == 2 and n_out in (n_in, 2 * n_in):
        return d if n_out == n_in else d // 2
    step = np.float64(_step(n_in, n_out, factor)) if double and nd != 2 else np.float32(_step(n_in, n_out, factor))
    if exact:
        pos = np.float32((d + 0.5) * np.float64(step))
    else:
        pos = np.float32(step.dtype.type(d) * step)
    return min(int(np.floor(pos)), n_in - 1)


def _cubic(t):
    a = -0.75
    t = abs(t)
    if t <= 1:
        return ((a + 2) * t - (a + 3)) * t * t + 1
    if t < 2:
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return 0.0


def _blend_weights(d, n_in, n_out, factor, mode, align_corners):
    """{input index: weight} output d blends along one dim."""
    if mode != "bicubic" and n_in == n_out:
        return {d: 1.0}
    step = _step(n_in, n_out, factor, align_corners)
    src = step * d if align_corners else step * (d + 0.5) - 0.5
    if mode != "bicubic":
        src = max(src, 0.0)
    base = min(int(np.floor(src)), n_in - 1)
    t = src - base
    weights = {}
    if mode == "bicubic":
        taps = [(base + k, _cubic(t - k)) for k in (-1, 0, 1, 2)]
    else:
        taps = [(base, 1.0 - t), (base + 1, t)]
    for i, w in taps:
        j = min(max(i, 0), n_in - 1)
        weights[j] = weights.get(j, 0.0) + w
    return weights


def _interpolate_ref(mode):
    def ref(x, size=None, scale_factor=None, mode=mode, align_corners=None, recompute_scale_factor=None):
        spatial = x.shape[2:]
        nd = len(spatial)
        if mode == "area":
            recompute_scale_factor = True
        outs, factors = _output_sizes(spatial, size, scale_factor, recompute_scale_factor)
        y = np.zeros(x.shape[:2] + outs, np.float64)
        for pos in itertools.product(*[range(o) for o in outs]):
            per_dim = []
            for d, n_in, n_out, f in zip(pos, spatial, outs, factors):
                if mode in ("nearest", "nearest-exact"):
                    i = _nearest_source(d, n_in, n_out, f, mode == "nearest-exact", nd, x.dtype == np.float64)
                    per_dim.append({i: 1.0})
                elif mode == "area":
                    lo, hi = (d * n_in) // n_out, -((-(d + 1) * n_in) // n_out)
                    per_dim.append({i: 1.0 / (hi - lo) for i in range(lo, hi)})
                else:
                    per_dim.append(_blend_weights(d, n_in, n_out, f, mode, bool(align_corners)))
            for cell in itertools.product(*[w.items() for w in per_dim]):
                idx = tuple(i for i, _ in cell)
                y[(Ellipsis,) + pos] += np.prod([w for _, w in cell]) * x[(Ellipsis,) + idx]
        return y.astype(x.dtype)

    return ref


def _interpolate_args(mode):
    def build(draw, dtype, limits, smooth):
        nd = _NDIM.get(mode) or draw(st.integers(1, 3))
        side = max(2, limits["max_side"])
        spatial = tuple(draw(st.integers(1, side)) for _ in range(nd))
        shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + spatial
        kw = {"mode": mode}
        how = draw(st.sampled_from(("size", "sizes", "factor", "factors", "recompute")))
        if how == "size":
            kw["size"] = draw(st.integers(1, side + 2))
        elif how == "sizes":
            kw["size"] = tuple(draw(st.integers(1, side + 2)) for _ in range(nd))
        elif how == "factor":
            kw["scale_factor"] = draw(st.sampled_from((1.0, 2.0, 4.0)))
        elif how == "factors":
            kw["scale_factor"] = tuple(draw(st.sampled_from((1.0, 2.0))) for _ in range(nd))
        else:
            kw["scale_factor"] = draw(st.sampled_from((1.5, 2.5, 0.75)))
            spatial = tuple(max(n, 2) for n in spatial)
            shape = shape[:2] + spatial
            if mode != "area":
                kw["recompute_scale_factor"] = True
        if mode in _NDIM and draw(st.booleans()):
            kw["align_corners"] = draw(st.booleans())
        return (array(draw, dtype, shape, REAL, smooth),), kw

    return build


def _interpolate(T, x, **kw):
    return T.nn.functional.interpolate(x, **kw)


# an input's gradient sums up to a few hundred output gradients: float32 summation order shows
# in the last digits (rtol 1e-5 rather than float32's default 1.3e-6)
for _mode in ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"):
    spec(f"nn.functional.interpolate.{_mode}", _interpolate, _interpolate_args(_mode), _interpolate_ref(_mode),
         rtol=1e-5, atol=1e-5)
