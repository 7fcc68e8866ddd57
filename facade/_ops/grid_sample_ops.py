"""The ops behind torch.nn.functional.affine_grid and grid_sample.

affine_grid maps a base grid of normalised coordinates in [-1, 1] (x, y[, z], 1) through
each batch's affine matrix. grid_sample reads its input at the grid's points: coordinates
are unnormalised to pixel positions, passed through the padding rule (zeros: points outside
read 0; border: clamped; reflection: mirrored at the borders, then clamped), and the taps
around each point (1 for nearest, 2 per dim for bilinear, 4 per dim for bicubic) are read
with one gather and blended. Everything is written as PyTorch's CPU kernels compute it
(clamps that give slope 0 on and past the border, the mirror's sign, floor / round-half-even
for the taps), so that JAX's derivative, with respect to both the input and the grid, is
PyTorch's backward. Argument checks live in `facade/nn/functional/grid_sample.py`.
"""

import itertools

import jax.numpy as jnp
from jax import lax

from .nn_ops import _op

_HI = lax.Precision.HIGHEST
_A = -0.75  # PyTorch's bicubic coefficient


# ---- affine_grid -------------------------------------------------------------------------
def _steps(n, align_corners, dt):
    """n coordinates from -1 to 1 (pixel centres unless align_corners); one point is 0."""
    if n <= 1:
        return jnp.zeros((n,), dt)
    line = jnp.linspace(-1.0, 1.0, n, dtype=dt)
    return line if align_corners else line * ((n - 1) / n)


def _affine_grid(theta, size, align_corners):
    spatial = size[2:]  # (H, W) or (D, H, W)
    dt = theta.dtype
    axes = [_steps(n, align_corners, dt) for n in reversed(spatial)]  # x (W) first
    mesh = jnp.meshgrid(*axes[::-1], indexing="ij")[::-1]  # each of shape spatial, x first
    base = jnp.stack(list(mesh) + [jnp.ones(spatial, dt)], axis=-1).reshape(-1, len(spatial) + 1)
    out = jnp.einsum("pk,njk->npj", base, theta, precision=_HI)
    return out.reshape((size[0],) + tuple(spatial) + (len(spatial),))


# ---- grid_sample -------------------------------------------------------------------------
def _unnormalize(coord, n, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (n - 1)
    return ((coord + 1) * n - 1) / 2


def _clip(x, n):
    """Clamped to [0, n - 1], with slope 0 on and past both ends (PyTorch's clip_coordinates)."""
    hi = jnp.asarray(n - 1, x.dtype)
    return jnp.where(x <= 0, jnp.zeros((), x.dtype), jnp.where(x >= hi, hi, x))


def _reflect(x, twice_low, twice_high):
    """Mirrored into [twice_low / 2, twice_high / 2] (PyTorch's reflect_coordinates)."""
    if twice_low == twice_high:
        return jnp.zeros_like(x) * x
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    x = x - low
    x = jnp.where(x < 0, -x, x)
    extra = jnp.fmod(x, span)
    flips = jnp.floor(lax.stop_gradient(x) / span)
    even = jnp.fmod(flips, 2) == 0
    return jnp.where(even, extra + low, span - extra + low)


def _source(coord, n, padding_mode, align_corners):
    x = _unnormalize(coord, n, align_corners)
    if padding_mode == "border":
        return _clip(x, n)
    if padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (n - 1)) if align_corners else _reflect(x, -1, 2 * n - 1)
        return _clip(x, n)
    return x


def _tap_index(i, n, padding_mode, align_corners):
    """An integer tap of a bicubic kernel moved by the padding rule (PyTorch's
    compute_coordinates on the integer position), and whether it is inside."""
    if padding_mode == "border":
        i = jnp.clip(i, 0, n - 1)
    elif padding_mode == "reflection":
        f = i.astype(jnp.float32) if i.dtype != jnp.float64 else i
        f = _reflect(f, 0, 2 * (n - 1)) if align_corners else _reflect(f, -1, 2 * n - 1)
        i = jnp.clip(f, 0, n - 1).astype(jnp.int32)
    return i, (i >= 0) & (i < n)


def _cubic_weights(t):
    a = _A

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _gather(x, flat):
    """x (N, C, P_in) read at flat (N, P_out) indices -> (N, C, P_out)."""
    return jnp.take_along_axis(x, flat[:, None, :], axis=2)


def _grid_sample(x, grid, mode, padding_mode, align_corners):
    n, c = x.shape[:2]
    spatial = x.shape[2:]  # (H, W) or (D, H, W)
    nd = len(spatial)
    out_spatial = grid.shape[1:-1]
    g = grid.reshape(n, -1, nd)
    sizes = spatial[::-1]  # per grid coordinate (x: W, y: H, z: D)
    if mode == "bicubic":  # PyTorch pads the bicubic taps, not the point
        src = [_unnormalize(g[..., k], sizes[k], align_corners) for k in range(nd)]
    else:
        src = [_source(g[..., k], sizes[k], padding_mode, align_corners) for k in range(nd)]
    plane = x.reshape(n, c, -1)
    strides = [1] * nd  # flat stride of coordinate k's dim
    for k in range(1, nd):
        strides[k] = strides[k - 1] * sizes[k - 1]

    def read(indices, inside):
        flat = sum(jnp.clip(i, 0, s - 1) * st for i, s, st in zip(indices, sizes, strides))
        vals = _gather(plane, flat.astype(jnp.int32))
        return jnp.where(inside[:, None, :], vals, jnp.zeros((), x.dtype))

    if mode == "nearest":
        idx = [jnp.round(lax.stop_gradient(s)).astype(jnp.int32) for s in src]
        inside = jnp.all(jnp.stack([(i >= 0) & (i < s) for i, s in zip(idx, sizes)]), axis=0)
        out = read(idx, inside)
    elif mode == "bilinear":
        low = [jnp.floor(lax.stop_gradient(s)) for s in src]
        # per coordinate: (index, weight) of its lower and upper tap
        taps = [((lo.astype(jnp.int32), (lo + 1) - s), ((lo + 1).astype(jnp.int32), s - lo)) for s, lo in zip(src, low)]
        out = 0
        # PyTorch's corner order: the last coordinate (y, or z) outermost, lower tap first
        for combo in itertools.product(*[range(2)] * nd):
            pick = [taps[k][combo[nd - 1 - k]] for k in range(nd)]
            idx = [p[0] for p in pick]
            w = pick[0][1]
            for p in pick[1:]:
                w = w * p[1]
            inside = jnp.all(jnp.stack([(i >= 0) & (i < s) for i, s in zip(idx, sizes)]), axis=0)
            out = out + read(idx, inside) * w[:, None, :]
    else:  # bicubic, 2-d only
        low = [jnp.floor(lax.stop_gradient(s)) for s in src]
        coeffs = [_cubic_weights(s - lo) for s, lo in zip(src, low)]
        bases = [lo.astype(jnp.int32) - 1 for lo in low]
        out = 0
        for j in range(4):  # y taps outermost
            row = 0
            for i in range(4):
                ix, in_x = _tap_index(bases[0] + i, sizes[0], padding_mode, align_corners)
                iy, in_y = _tap_index(bases[1] + j, sizes[1], padding_mode, align_corners)
                row = row + read([ix, iy], in_x & in_y) * coeffs[0][i][:, None, :]
            out = out + row * coeffs[1][j][:, None, :]
    return out.reshape((n, c) + tuple(out_spatial))


def _grid_sample_name(node):
    return f"GridSampler{len(node.args[0].shape) - 2}DBackward0"


AFFINE_GRID = _op("affine_grid", _affine_grid, 1, saves=False, grad_fn="AffineGridGeneratorBackward0")
GRID_SAMPLE = _op("grid_sample", _grid_sample, 2, saves="in", grad_fn=_grid_sample_name)

__all__ = ["AFFINE_GRID", "GRID_SAMPLE"]
