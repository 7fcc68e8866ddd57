"""Ops for attention: the fused scaled dot product attention of PyTorch's CPU flash kernel.

`F.scaled_dot_product_attention` records this op where PyTorch's CPU dispatch picks its flash
kernel (4-d inputs, no dropout, one head size, a mask that needs no gradient...; see
facade/nn/functional/attention.py); elsewhere it composes matmul / softmax / dropout as
PyTorch's math fallback does. As everywhere in facade, no derivative is written here: JAX
differentiates the implementation.
"""

import jax
import jax.numpy as jnp
from jax import lax

from .frontend import cast
from .table import defop

__all__ = ["SAFE_SOFTMAX", "SDPA_FLASH", "safe_softmax"]

_HI = lax.Precision.HIGHEST  # PyTorch does not use TF32 for float32 matmuls by default


def _op(name, impl, arrays, **kw):
    """defop with impl jitted as one XLA computation; the first `arrays` arguments are operands."""
    statics = tuple(range(arrays, impl.__code__.co_argcount))
    return defop(name, jax.jit(impl, static_argnums=statics), **kw)


def safe_softmax(s, axis=-1):
    """softmax whose rows of -inf only (nothing to attend to) are 0, with gradient 0 there, as
    PyTorch's _safe_softmax: the masked rows are replaced before and after the softmax so that
    neither the value nor JAX's derivative of it sees a NaN."""
    empty = jnp.all(s == -jnp.inf, axis=axis, keepdims=True)
    p = jax.nn.softmax(jnp.where(empty, jnp.zeros((), s.dtype), s), axis=axis)
    return jnp.where(empty, jnp.zeros((), s.dtype), p)


def _safe_softmax(x, dim, dt):
    return safe_softmax(cast(x, dt), axis=dim)


# PyTorch's _safe_softmax (the math fallback of scaled_dot_product_attention); its backward uses the result
SAFE_SOFTMAX = _op("safe_softmax", _safe_softmax, 1, grad_fn="SafeSoftmaxBackward0", saves="out")


def _sdpa_flash(q, k, v, mask, mask_kind, causal, scale, dt):
    """softmax(q k^T * scale + mask) v over the last two dims of (B, H, L, E) inputs.

    mask_kind: None, "bool" (True attends) or "float" (added); causal: the lower triangle of an
    (L, S) matrix of ones also attends (combined with the mask, as the flash kernel does).
    Keys and values with fewer heads than the query (grouped query attention) are repeated."""
    compute = jnp.float32 if dt in (jnp.float16, jnp.bfloat16) else dt
    q, k, v = cast(q, compute), cast(k, compute), cast(v, compute)
    if k.shape[-3] != q.shape[-3]:
        k = jnp.repeat(k, q.shape[-3] // k.shape[-3], axis=-3)
    if v.shape[-3] != q.shape[-3]:
        v = jnp.repeat(v, q.shape[-3] // v.shape[-3], axis=-3)
    s = jnp.matmul(q, jnp.swapaxes(k, -1, -2), precision=_HI)
    ninf = jnp.asarray(-jnp.inf, compute)
    if causal:
        # the kernel masks before it scales: a scale <= 0 turns the masked -inf into +inf (or NaN),
        # and every row with a masked position is NaN, as in PyTorch
        L, S = s.shape[-2:]
        s = s + jnp.where(jnp.tril(jnp.ones((L, S), bool)), jnp.zeros((), compute), ninf)
    s = s * jnp.asarray(scale, compute)
    if mask_kind == "bool":  # added as 0 / -inf, as PyTorch converts it
        s = s + jnp.where(mask, jnp.zeros((), compute), ninf)
    elif mask_kind == "float":
        s = s + cast(mask, compute)
    out = jnp.matmul(safe_softmax(s), v, precision=_HI)
    return cast(out, dt)


# PyTorch's flash backward saves query, key, value, the output and the logsumexp
SDPA_FLASH = _op(
    "scaled_dot_product_flash_attention_for_cpu",
    _sdpa_flash,
    4,
    grad_fn="ScaledDotProductFlashAttentionForCpuBackward0",
    saves=True,
)
