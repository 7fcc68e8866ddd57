"""linear, bilinear, dropout, embedding, pad, normalize, distances, one_hot."""

import warnings

import math

from ... import _dtype, _grad_mode
from ..._dispatch import record, record_node
from ...amp._state import ON as _AMP, cast_args as _amp_cast
from ..._ops import nn_ops as ops
from ..._ops.frontend import type_name, wrap_dim, write_result
from ..._ops.sorting import one_hot  # noqa: F401 - re-exported as F.one_hot
from ._common import apply, broadcast_shape, value_range

__all__ = [
    "linear",
    "bilinear",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "embedding",
    "pad",
    "normalize",
    "pairwise_distance",
    "cosine_similarity",
    "one_hot",
]


def linear(input, weight, bias=None):
    if _AMP[0]:
        input, weight, bias = _amp_cast("linear", input, weight, bias)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and {weight.ndim}D"
        )
    if weight.ndim != 2:
        if weight.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
        out = input.matmul(weight)
        return out if bias is None else out + bias
    k = input.shape[-1]
    if k != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {weight.shape[1]}x{weight.shape[0]})"
        )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {type_name(input.dtype)} and {type_name(weight.dtype)}"
        )
    if bias is None:
        return record(ops.LINEAR, (input, weight, 0), (False, input.dtype.np))
    if bias.dtype is not input.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {type_name(bias.dtype)} and {type_name(input.dtype)}"
        )
    if input.ndim == 2:
        _check_addmm_bias(bias, (input.shape[0], weight.shape[0]))
        return record(ops.LINEAR, (input, weight, bias), (True, input.dtype.np))
    if input.is_contiguous() and bias.ndim == 1:
        # PyTorch flattens the input, addmm, and views the result back: the output is a view
        _check_addmm_bias(bias, (math.prod(input.shape[:-1]), weight.shape[0]))
        out = record(ops.LINEAR, (input, weight, bias), (True, input.dtype.np))
        return out.view(out.shape)
    # otherwise matmul, then the bias added in place (broadcast into the result). PyTorch also takes the
    # flattening path for some biases of more dims (such as [1, m]): there facade adds in place instead
    return record(ops.LINEAR, (input, weight, 0), (False, input.dtype.np)).add_(bias)


def _check_addmm_bias(bias, target):
    """addmm's check that the bias expands to the (rows, out_features) result, with PyTorch's messages."""
    if bias.ndim > 2:
        raise RuntimeError(
            f"expand({bias.type()}{{{list(bias.shape)}}}, size={list(target)}): the number of sizes provided (2) must "
            f"be greater or equal to the number of dimensions in the tensor ({bias.ndim})"
        )
    shape = (1,) * (2 - bias.ndim) + tuple(bias.shape)
    for i in (1, 0):
        if shape[i] not in (1, target[i]):
            raise RuntimeError(
                f"The expanded size of the tensor ({target[i]}) must match the existing size ({shape[i]}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(target)}.  Tensor sizes: {list(bias.shape)}"
            )


def bilinear(input1, input2, weight, bias=None):
    if _AMP[0]:
        input1, input2, weight, bias = _amp_cast("bilinear", input1, input2, weight, bias)
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match at dim {i}: got {input1.shape[i]} and {input2.shape[i]}"
            )
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected {weight.shape[1]}"
        )
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected {weight.shape[2]}"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected {weight.shape[0]}"
        )
    if bias is not None:
        return record(ops.BILINEAR, (input1, input2, weight, bias), (True, input1.dtype.np))
    out = record(ops.BILINEAR, (input1, input2, weight, 0), (False, input1.dtype.np))
    return out.view(out.shape)  # PyTorch's result is a view of the trilinear product


def dropout(input, p=0.5, training=True, inplace=False, *, _mask_dims=None):
    """`_mask_dims` (facade's own): how many leading dimensions the mask covers (all by default)."""
    mask_dims = input.ndim if _mask_dims is None else _mask_dims
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input  # PyTorch hands back the input itself
    if p == 1:
        return input.mul_(0.0) if inplace else input * 0.0
    d = input.dtype
    if d.category < 2:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {type_name(d)}")
    return apply(ops.DROPOUT, ops.DROPOUT, input, inplace, (float(p), mask_dims, d.np), extra=(ops.key_tensor(),))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    if input.dtype is not _dtype.int64 and input.dtype is not _dtype.int32:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
            f"{input.type()} instead (while checking arguments for embedding)"
        )
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % num
    r = value_range(input)
    if r and (r[0] < 0 or r[1] >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        with _grad_mode.no_grad():
            node = record_node(
                ops.EMBEDDING_RENORM, (weight._node(), input._node()), (float(max_norm), float(norm_type))
            )
            write_result(weight, node)
    return record(ops.EMBEDDING, (weight, input), (padding_idx, bool(scale_grad_by_freq)))


def _feature_dropout(n, input, p, training, inplace):
    """dropout1d / 2d / 3d: whole channels are dropped (the mask covers batch and channel)."""
    name = f"dropout{n}d"
    batched = input.ndim == n + 2
    if n == 1 and input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional "
            "batch dimension (i.e. 2D or 3D inputs)."
        )
    if n > 1 and input.ndim not in (n + 1, n + 2):
        warnings.warn(
            f"{name}: Received a {input.ndim}-D input to {name}, which is deprecated and will result in an error in a "
            f"future release. To retain the behavior and silence this warning, please use dropout instead. Note that "
            f"{name} exists to provide channel-wise dropout on inputs with {n} spatial dimensions, a channel "
            f"dimension, and an optional batch dimension (i.e. {n + 1}D or {n + 2}D inputs).",
            stacklevel=3,
        )
        batched = True
    elif n == 2 and input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will change "
            "in a future release to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To "
            "maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=3,
        )
        batched = True
    return dropout(input, p, training, inplace, _mask_dims=min(2 if batched else 1, input.ndim))


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(1, input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(2, input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(3, input, p, training, inplace)


# ---- pad -------------------------------------------------------------------------------
_MODE_DIMS_HELP = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def pad(input, pad, mode="constant", value=None):  # noqa: A002 - PyTorch's name
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    if n > input.ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but got padding length "
            f"{len(pad)} and input of dimension {input.ndim}"
        )
    # pad lists (left, right) pairs from the last dimension backwards
    pairs = [(0, 0)] * (input.ndim - n) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(n))]
    if mode == "constant":
        for (lo, hi), size in zip(pairs, input.shape):
            if size + lo + hi < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
        return record(ops.CONSTANT_PAD, (input, 0 if value is None else value), (tuple(pairs), input.dtype.np))
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if input.ndim not in (n + 1, n + 2) or n > 3:
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n{_MODE_DIMS_HELP}"
        )
    if mode == "reflect":
        for i, ((lo, hi), size) in enumerate(zip(pairs, input.shape)):
            if lo >= size or hi >= size:
                raise RuntimeError(
                    f"Argument #{2 + 2 * n}: Padding size should be less than the corresponding input dimension, "
                    f"but got: padding ({lo}, {hi}) at dimension {i} of input {list(input.shape)}"
                )
    return record(ops.MODE_PAD, (input,), (tuple(pairs), mode, n))


# ---- normalize / cosine similarity -----------------------------------------------------
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    d = wrap_dim(dim, input.ndim)
    return record(ops.NORMALIZE, (input,), (float(p), d, float(eps), input.dtype.np))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    from ..._ops.frontend import promote

    broadcast_shape(x1.shape, x2.shape)
    return record(ops.PAIRWISE_DISTANCE, (x1, x2), (float(p), float(eps), bool(keepdim), promote(x1, x2).np))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    from ..._ops.frontend import promote

    shape = broadcast_shape(x1.shape, x2.shape)
    dt = promote(x1, x2)
    if dt.category < 2:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {type_name(dt)}")
    return record(ops.COSINE_SIMILARITY, (x1, x2), (wrap_dim(dim, len(shape)), float(eps), dt.np))
