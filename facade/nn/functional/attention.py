"""scaled_dot_product_attention, multi_head_attention_forward.

scaled_dot_product_attention follows PyTorch's CPU dispatch: where PyTorch runs its flash
kernel (4-d inputs, no dropout, one head size for query, key and value, equal batch sizes and
head counts or grouped query attention, a 2-d or 4-d mask that needs no gradient) it records
one fused op (grad_fn ScaledDotProductFlashAttentionForCpuBackward0); elsewhere it composes
PyTorch's math fallback (scale, matmul, add the mask, safe softmax, dropout, matmul), so the
graph and grad_fn names are PyTorch's (UnsafeViewBackward0 / MmBackward0 from the last matmul).

multi_head_attention_forward is PyTorch's composition step by step (in-projection, masks
merged, bias_k / bias_v, zero attention, the explicit softmax when the weights are needed,
scaled_dot_product_attention when they are not, out-projection).
(PyTorch also leaves the flash kernel for inputs whose last dimension is not contiguous, a
transposed view: so does facade, from Tensor.stride().)
"""

import math
import warnings

import numpy as np

from ... import _creation, _dtype, _grad_mode
from ..._dispatch import record
from ...amp._state import ON as _AMP, cast_args as _amp_cast, off as _amp_off
from ..._ops import attention_ops as ops

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_FLASH_DTYPES = ("float32", "float64", "float16", "bfloat16")

# PyTorch's C++ type names (caffe2::TypeMeta), as its sdpa input checks print them
_CPP_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
    "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
}


def _cpp(d):
    return _CPP_NAMES.get(d.name, d.name)


def _dim_error(ndim, dim):
    if ndim == 0:
        return IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")


# ---- scaled_dot_product_attention ------------------------------------------------------
def _validate_sdpa_input(query, key, value, attn_mask):
    if not (query.dtype is key.dtype and query.dtype is value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_cpp(query.dtype)} key.dtype: {_cpp(key.dtype)} and value.dtype: {_cpp(value.dtype)} instead."
        )
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if attn_mask is not None:
        m = attn_mask.dtype
        if not (m is _dtype.bool_ or m is _dtype.float32 or m is query.dtype):
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
                f"{_cpp(m)} and  query.dtype: {_cpp(query.dtype)} instead."
            )


def _use_flash(query, key, value, attn_mask, dropout_p, enable_gqa):
    """Whether PyTorch's CPU dispatch (sdp_utils_cpp) picks the flash kernel, in its order of checks."""
    if dropout_p > 0.0:
        return False
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        return False
    if not (query.shape[0] == key.shape[0] == value.shape[0]):
        return False
    hq, hk, hv = query.shape[1], key.shape[1], value.shape[1]
    if enable_gqa:
        if hk != hv or hq % hk:
            return False
    elif not hq == hk == hv:
        return False
    if attn_mask is not None:
        if attn_mask.requires_grad:
            return False
        if attn_mask.ndim < 2:
            raise _dim_error(attn_mask.ndim, -2)
        if attn_mask.shape[-2] not in (query.shape[2], 1) or attn_mask.shape[-1] not in (key.shape[2], 1):
            return False
        if attn_mask.ndim == 4:
            if attn_mask.shape[0] not in (1, query.shape[0]) or attn_mask.shape[1] not in (1, hq):
                return False
        elif attn_mask.ndim != 2:
            return False
    if not (query.shape[-1] == key.shape[-1] == value.shape[-1]):
        return False
    if query.shape[2] == 0 or key.shape[2] == 0:
        return False
    if query.stride(-1) != 1 or key.stride(-1) != 1 or value.stride(-1) != 1:
        return False
    return query.dtype.name in _FLASH_DTYPES


def _bool_to_float_mask(mask, dtype):
    """PyTorch's convert_boolean_attn_mask: True attends (0), False does not (-inf)."""
    return _creation.zeros(tuple(mask.shape), dtype=dtype).masked_fill_(mask.logical_not(), float("-inf"))


def _check_batch_broadcast(a, b):
    """matmul's broadcast of the batch dims of a and b, with PyTorch's error."""
    sa, sb = tuple(a.shape[:-2]), tuple(b.shape[:-2])
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    for i, (x, y) in enumerate(zip(sa, sb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )


def _repeat_heads(t, times):
    """t.repeat_interleave(times, dim=-3)."""
    if times == 1:
        return t
    shape = tuple(t.shape)
    lead, h = shape[:-3], shape[-3]
    expanded = t.unsqueeze(-3).expand(*lead, h, times, *shape[-2:])
    return expanded.reshape(*lead, h * times, *shape[-2:])


def _sdpa_math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    """PyTorch's _scaled_dot_product_attention_math, op for op."""
    origin = query.dtype
    low = origin is _dtype.float16 or origin is _dtype.bfloat16
    if low:  # computed in float32, as PyTorch does
        query, key, value = (t.to(_dtype.float32) for t in (query, key, value))
    negative = scale is not None and scale < 0.0
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else (abs(scale) if negative else scale)
    factor = math.sqrt(s)
    q = query * (0.0 - factor if negative else factor)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
        L, S = q.shape[-2], key.shape[-2]
        attn_mask = _bool_to_float_mask(_creation.ones((L, S), dtype=_dtype.bool_).tril(), q.dtype)
    if enable_gqa:
        if key.ndim < 3 or value.ndim < 3 or q.ndim < 3:
            raise _dim_error(min(key.ndim, value.ndim, q.ndim), -3)
        hq, hk, hv = q.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
        if not hq == hk == hv:
            key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hv)
    _check_batch_broadcast(q, key)
    attn = q.matmul(key.transpose(-2, -1) * factor)
    if attn_mask is not None:
        attn.add_(attn_mask)
    attn = record(ops.SAFE_SOFTMAX, (attn,), (attn.ndim - 1, attn.dtype.np))
    if dropout_p > 0.0:
        if dropout_p > 1.0:
            raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
        from .layers import dropout

        attn = dropout(attn, dropout_p, True)
    _check_batch_broadcast(attn, value)
    out = attn.matmul(value)
    return out.to(origin) if low else out


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    if _AMP[0]:  # cast, then run the body with autocast off (its float32 math must not be recast)
        query, key, value, attn_mask = _amp_cast("scaled_dot_product_attention", query, key, value, attn_mask)
        with _amp_off():
            return scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    _validate_sdpa_input(query, key, value, attn_mask)
    if query.numel() == 0 or key.numel() == 0 or value.numel() == 0:
        # PyTorch's answer for empty inputs: zeros, connected to every input by a zero gradient
        _check_batch_broadcast(query, key)
        batch = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]), tuple(value.shape[:-2]))
        zeros = _creation.zeros(tuple(batch) + (query.shape[-2], value.shape[-1]), dtype=query.dtype)
        return zeros + (query.sum() + key.sum() + value.sum()) * 0.0
    if _use_flash(query, key, value, attn_mask, dropout_p, enable_gqa):
        if dropout_p != 0.0:
            raise RuntimeError("scaled_dot_product_attention_flash_attention: Currently do not support dropout > 0")
        s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
        kind = None if attn_mask is None else ("bool" if attn_mask.dtype is _dtype.bool_ else "float")
        mask = 0 if attn_mask is None else attn_mask
        return record(ops.SDPA_FLASH, (query, key, value, mask), (kind, bool(is_causal), s, query.dtype.np))
    if attn_mask is not None and attn_mask.dtype is _dtype.bool_:
        attn_mask = _bool_to_float_mask(attn_mask, query.dtype)
    return _sdpa_math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)


# ---- multi_head_attention_forward ------------------------------------------------------
def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the input is batched, with PyTorch's errors for the other ranks."""
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                f" but found {key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D"
                f" but found {key_padding_mask.ndim}-D tensor instead"
            )
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                f" but found {attn_mask.ndim}-D tensor instead"
            )
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D"
                f" but found {key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D"
                f" but found {key_padding_mask.ndim}-D tensor instead"
            )
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                    f" but found {attn_mask.ndim}-D tensor instead"
                )
            if attn_mask.ndim == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(
        f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor"
    )


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask as a float one (-inf where True); float masks as they are."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype is not _dtype.bool_ and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype is not other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both instead.",
            stacklevel=3,
        )
    if not is_float:
        mask = _creation.zeros(tuple(mask.shape), dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def _none_or_dtype(input):
    from ..._tensor import Tensor

    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _in_projection_packed(q, k, v, w, b=None):
    from .layers import linear

    E = q.shape[-1]
    if k is v:
        if q is k:  # self-attention: one projection, split in three
            proj = linear(q, w, b)
            proj = proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        kv = linear(k, w_kv, b_kv)
        kv = kv.unflatten(-1, (2, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    from .layers import linear

    Eq, Ek, Ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, w, shape in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)), ("value", w_v, (Eq, Ev))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got {w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (Eq,):
            raise AssertionError(f"expecting {name} bias shape of {(Eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn,
    dropout_p,
    out_proj_weight,
    out_proj_bias,
    training=True,
    key_padding_mask=None,
    need_weights=True,
    attn_mask=None,
    use_separate_proj_weight=False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights=True,
    is_causal=False,
):
    return _mha_forward(
        query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
        add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
        attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
        average_attn_weights, is_causal,
    )


def _mha_forward(
    query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
    add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
    attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
    average_attn_weights, is_causal, fast=False,
):
    """multi_head_attention_forward; `fast` (facade's own): the values of PyTorch's fused
    inference kernels (_native_multi_head_attention, _transformer_encoder_layer_fwd), which
    always take a plain softmax (a row with nothing to attend to is NaN) and ignore is_causal."""
    from .activation import softmax
    from .layers import dropout, linear, pad

    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)

    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]

    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask", query.dtype
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. "
            "You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False

    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    # in-projection
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, b_q, b_k, b_v)

    # the attention mask as 3-d
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(tgt_len, src_len)}."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                    f"{(bsz * num_heads, tgt_len, src_len)}."
                )
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    # bias_k / bias_v: one more key and value position
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        from ... import cat

        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    # heads into the batch dimension, batch first
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_k.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_k.size(0) of {bsz * num_heads}, but got {static_k.shape[0]}")
        if static_k.shape[2] != head_dim:
            raise AssertionError(f"expecting static_k.size(2) of {head_dim}, but got {static_k.shape[2]}")
        k = static_k
    if static_v is None:
        v = v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_v.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_v.size(0) of {bsz * num_heads}, but got {static_v.shape[0]}")
        if static_v.shape[2] != head_dim:
            raise AssertionError(f"expecting static_v.size(2) of {head_dim}, but got {static_v.shape[2]}")
        v = static_v

    if add_zero_attn:
        from ... import cat

        zeros = (bsz * num_heads, 1, head_dim)
        k = cat([k, _creation.zeros(zeros, dtype=k.dtype)], dim=1)
        v = cat([v, _creation.zeros(zeros, dtype=v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    src_len = k.shape[1]

    # the key padding mask merged into the attention mask
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(
                f"Expected key_padded_mask.shape[1] to be {src_len}, but got {key_padding_mask.shape[1]}"
            )
        key_padding_mask = (
            key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        )
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights or fast:
        from ... import baddbmm, bmm

        E = q.shape[2]
        q_scaled = q * math.sqrt(1.0 / float(E))
        if is_causal and attn_mask is None and not fast:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = bmm(q_scaled, k.transpose(-2, -1))
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = bmm(weights, v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.shape[1])
        if not need_weights:
            return (out if is_batched else out.squeeze(1)), None
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.shape[1])
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _grad_needed(*tensors):
    """Whether autograd would record: grad mode on and some tensor requiring grad."""
    return _grad_mode.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)
