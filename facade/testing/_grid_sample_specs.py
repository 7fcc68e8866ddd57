"""Op specs for torch.nn.functional.affine_grid and grid_sample (see _op_specs.py for the format).

The numpy references follow PyTorch's documented rules point by point. affine_grid: the
base coordinates of each output dim are n evenly spaced values from -1 to 1 (times (n - 1) / n
unless align_corners; a single point is 0), mapped through theta. grid_sample: a
coordinate g becomes pixel position (g + 1) / 2 * (n - 1) with align_corners, else
((g + 1) * n - 1) / 2; 'border' clamps it to [0, n - 1], 'reflection' mirrors it at the
outermost pixel centres (align_corners) or edges, then clamps; 'nearest' reads the nearest
pixel (halves to even), 'bilinear' blends the 2 (per dim) neighbours by distance, 'bicubic'
the 4 neighbours with cubic convolution weights (A = -0.75), each tap moved by the padding
rule; with 'zeros', pixels outside read 0.

Grid values are drawn on a grid offset from every pixel position, pixel border and
half-way point of the sizes drawn, so that finite differences never straddle a kink.
"""
import itertools

import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array
from ._domains import Domain
from ._op_specs import spec

_COORDS = Domain(-1.3, 1.3, grid=1 / 64, offset=1 / 128)


def _base(n, align_corners):
    if n <= 1:
        return np.zeros(n)
    line = np.linspace(-1, 1, n)
    return line if align_corners else line * (n - 1) / n


def _affine_grid_ref(theta, size, align_corners):
    spatial = size[2:]
    nd = len(spatial)
    out = np.zeros((size[0],) + tuple(spatial) + (nd,), theta.dtype)
    axes = [_base(n, align_corners) for n in spatial]  # (z,) y, x
    for pos in itertools.product(*[range(n) for n in spatial]):
        point = np.array([axes[d][pos[d]] for d in reversed(range(nd))] + [1.0])  # x, y(, z), 1
        out[(slice(None),) + pos] = theta @ point
    return out


def _reflect(x, lo2, hi2):
    if lo2 == hi2:
        return 0.0
    lo, span = lo2 / 2, (hi2 - lo2) / 2
    x = abs(x - lo)
    flips, extra = np.floor(x / span), np.fmod(x, span)
    return extra + lo if flips % 2 == 0 else span - extra + lo


def _pad(x, n, padding_mode, align_corners):
    if padding_mode == "border":
        return min(max(x, 0.0), n - 1.0)
    if padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (n - 1)) if align_corners else _reflect(x, -1, 2 * n - 1)
        return min(max(x, 0.0), n - 1.0)
    return x


def _cubic(t):
    a, t = -0.75, abs(t)
    if t <= 1:
        return ((a + 2) * t - (a + 3)) * t * t + 1
    return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a if t < 2 else 0.0


def _grid_sample_ref(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    nd = x.ndim - 2
    sizes = x.shape[2:][::-1]  # per coordinate: W, H(, D)
    out = np.zeros(x.shape[:2] + grid.shape[1:-1], np.float64)
    for b in range(x.shape[0]):
        for pos in itertools.product(*[range(n) for n in grid.shape[1:-1]]):
            g = grid[(b,) + pos]
            u = [(g[k] + 1) / 2 * (sizes[k] - 1) if align_corners else ((g[k] + 1) * sizes[k] - 1) / 2
                 for k in range(nd)]
            if mode != "bicubic":
                u = [_pad(u[k], sizes[k], padding_mode, align_corners) for k in range(nd)]
            per = []  # per coordinate: {tap index: weight}
            for k in range(nd):
                if mode == "nearest":
                    per.append({int(np.round(u[k])): 1.0})
                elif mode == "bilinear":
                    lo = np.floor(u[k])
                    per.append({int(lo): lo + 1 - u[k], int(lo) + 1: u[k] - lo})
                else:
                    lo = np.floor(u[k])
                    taps = {}
                    for i in range(-1, 3):
                        j = int(_pad(lo + i, sizes[k], padding_mode, align_corners))
                        taps.setdefault(j, []).append(_cubic(u[k] - lo - i))
                    per.append(taps)
            for cell in itertools.product(*[list(p.items()) for p in per]):
                idx = [i for i, _ in cell]
                if any(not 0 <= i < s for i, s in zip(idx, sizes)):
                    continue
                w = np.prod([sum(v) if isinstance(v, list) else v for _, v in cell])
                out[(b, slice(None)) + pos] += w * x[(b, slice(None)) + tuple(idx[::-1])]
    return out.astype(x.dtype)


def _affine_args(nd):
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(1, 2))
        size = (n, draw(st.integers(1, 3))) + tuple(draw(st.integers(1, 4)) for _ in range(nd))
        theta = array(draw, dtype, (n, nd, nd + 1), REAL, smooth)
        return (theta,), {"size": size, "align_corners": draw(st.booleans())}

    return build


def _sample_args(nd, mode):
    def build(draw, dtype, limits, smooth):
        n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        x = array(draw, dtype, (n, c) + tuple(draw(st.integers(1, 4)) for _ in range(nd)), REAL, smooth)
        out = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        grid = array(draw, dtype, (n,) + out + (nd,), _COORDS, smooth)
        kw = {"mode": mode, "padding_mode": draw(st.sampled_from(("zeros", "border", "reflection"))),
              "align_corners": draw(st.booleans())}
        return (x, grid), kw

    return build


for _nd in (2, 3):
    spec(f"nn.functional.affine_grid.{_nd}d", lambda T, theta, **kw: T.nn.functional.affine_grid(theta, **kw),
         _affine_args(_nd), _affine_grid_ref)
for _nd, _mode in ((2, "bilinear"), (2, "nearest"), (2, "bicubic"), (3, "bilinear"), (3, "nearest")):
    spec(f"nn.functional.grid_sample.{_nd}d.{_mode}", lambda T, x, grid, **kw: T.nn.functional.grid_sample(x, grid, **kw),
         _sample_args(_nd, _mode), _grid_sample_ref, rtol=1e-5, atol=1e-5)
