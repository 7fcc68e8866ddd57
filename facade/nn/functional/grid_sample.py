"""affine_grid and grid_sample: spatial transformer sampling.

affine_grid(theta, size) gives, for an output of `size` (N, C, H, W) or (N, C, D, H, W), the
normalised input coordinates (x, y[, z]) in [-1, 1] that each output point reads, through the
affine matrices theta (N, 2, 3) or (N, 3, 4). grid_sample(input, grid) reads input at those
points: modes 'bilinear' (trilinear on 5-D inputs), 'nearest' and 'bicubic' (4-D only);
padding_mode 'zeros', 'border' or 'reflection' for points outside; align_corners=True puts
-1 and 1 on the corner pixels' centres, False on their outer edges. Gradients flow to both
input and grid. The checks, messages and warnings are PyTorch's.
"""

import warnings

from ..._dispatch import record
from ..._ops import grid_sample_ops as ops
from ..._ops.frontend import type_name

__all__ = ["affine_grid", "grid_sample"]

_DEFAULT = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
            "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for details.")


def _shape(t):
    return "torch.Size([" + ", ".join(str(n) for n in t.shape) + "])"


def _sizes(t):
    return "[" + ", ".join(str(n) for n in t.shape) + "]"


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of the affine maps theta for an output of `size`."""
    if align_corners is None:
        warnings.warn(_DEFAULT)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(n) for n in size)
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got {_shape(theta)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got {_shape(theta)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
            f"Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. "
            "This is not an intended use case of affine_grid. See the documentation of affine_grid for details.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, "
                           f"{theta.shape[2]}] but got: [{theta.shape[0]}, {theta.shape[2]}].")
    return record(ops.AFFINE_GRID, (theta,), (size, bool(align_corners)))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input (N, C, H, W) or (N, C, D, H, W) read at grid's (N, H', W', 2) or (N, D', H', W', 3) points."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_DEFAULT)
        align_corners = False
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found {type_name(grid.dtype)}")
    where = f"input with sizes {_sizes(input)} and grid with sizes {_sizes(grid)}"
    if input.ndim and grid.ndim and input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got {where}")
    if grid.ndim and grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but got "
                           f"grid with sizes {_sizes(grid)}")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got "
                           + where)
    if mode == "bicubic" and input.ndim == 5:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    for d in range(2, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {_sizes(input)} with dimension {d} being empty")
    if not input.dtype.is_floating_point:
        kernel = f"grid_sampler_{input.ndim - 2}d_cpu_kernel_impl" if input.ndim == 4 else "grid_sampler_3d_cpu"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{type_name(input.dtype)}\'')
    return record(ops.GRID_SAMPLE, (input, grid), (mode, padding_mode, bool(align_corners)))
