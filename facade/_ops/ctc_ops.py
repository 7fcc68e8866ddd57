"""The op behind torch.nn.functional.ctc_loss: the per-sequence CTC negative log likelihood.

The forward (alpha) recursion runs in log space over time with `jax.lax.scan`, over the
targets extended with blanks (blank, l1, blank, l2, ..., blank); steps past a sequence's
input length leave its alphas unchanged. JAX differentiates the recursion. PyTorch's
backward returns the true derivative plus exp(log_probs) at every step inside the input
length (its formula assumes log_softmax outputs, where that term cancels through
log_softmax's backward): the same term is added here as (e - stop_gradient(e)), so values
are untouched and gradients are PyTorch's. zero_infinity turns infinite losses (and their
gradients) into zeros. The frontend (`facade/nn/functional/ctc.py`) pads the targets and
does the reduction.
"""

import jax
import jax.numpy as jnp
from jax import lax

from .table import defop


def _lse(*xs):
    """log(sum(exp(x))) of a few arrays, -inf (with zero gradients) where all are -inf."""
    x = jnp.stack(xs)
    m = lax.stop_gradient(jnp.max(x, axis=0))
    m = jnp.where(jnp.isfinite(m), m, jnp.zeros((), x.dtype))
    s = jnp.sum(jnp.exp(x - m), axis=0)
    ok = s > 0
    return jnp.where(ok, m + jnp.log(jnp.where(ok, s, jnp.ones((), x.dtype))), -jnp.inf)


def _ctc(lp, targets, input_lengths, target_lengths, blank, zero_infinity):
    """lp (T, N, C), targets (N, S) padded; the loss of each sequence, (N,)."""
    steps, n, _ = lp.shape
    s = targets.shape[1]
    ext = jnp.full((n, 2 * s + 1), blank, targets.dtype).at[:, 1::2].set(targets)
    width = ext.shape[1]
    neg = jnp.asarray(-jnp.inf, lp.dtype)
    pos = jnp.arange(width)
    valid = pos[None, :] < (2 * target_lengths[:, None] + 1)
    prev2 = jnp.concatenate([jnp.full((n, 2), blank, ext.dtype), ext[:, :-2]], axis=1)
    skip = (ext != blank) & (ext != prev2) & (pos[None, :] >= 2)
    emit = jnp.take_along_axis(lp, jnp.broadcast_to(ext[None], (steps, n, width)).astype(jnp.int32), axis=2)
    alpha0 = jnp.where((pos[None, :] < 2) & valid, emit[0], neg)

    def step(alpha, inputs):
        e, t = inputs
        a1 = jnp.concatenate([jnp.full((n, 1), neg), alpha[:, :-1]], axis=1)
        a2 = jnp.concatenate([jnp.full((n, 2), neg), alpha[:, :-2]], axis=1)
        a2 = jnp.where(skip, a2, neg)
        new = jnp.where(valid, _lse(alpha, a1, a2) + e, neg)
        alpha = jnp.where((t < input_lengths)[:, None], new, alpha)
        return alpha, None

    if steps > 1:
        alpha, _ = lax.scan(step, alpha0, (emit[1:], jnp.arange(1, steps)))
    else:
        alpha = alpha0
    end = 2 * target_lengths
    last = jnp.take_along_axis(alpha, end[:, None].astype(jnp.int32), axis=1)[:, 0]
    before = jnp.where(end > 0, jnp.take_along_axis(alpha, jnp.maximum(end - 1, 0)[:, None].astype(jnp.int32),
                                                    axis=1)[:, 0], neg)
    loss = -_lse(last, before)
    inside = (jnp.arange(steps)[:, None] < input_lengths[None, :])[..., None]
    extra = jnp.sum(jnp.where(inside, jnp.exp(lp), jnp.zeros((), lp.dtype)), axis=(0, 2))
    loss = loss + (extra - lax.stop_gradient(extra))
    if zero_infinity:
        loss = jnp.where(jnp.isinf(lax.stop_gradient(loss)), jnp.zeros((), lp.dtype), loss)
    return loss


def _impl(lp, targets, input_lengths, target_lengths, blank, zero_infinity):
    return _ctc(lp, targets, input_lengths, target_lengths, blank, zero_infinity)


def _name(node):
    """PyTorch applies zero_infinity with a torch.where after its CTC node."""
    return "WhereBackward0" if node.statics[1] else "CtcLossBackward0"


CTC_LOSS = defop("ctc_loss", jax.jit(_impl, static_argnums=(4, 5)), grad_fn=_name, saves="in")

__all__ = ["CTC_LOSS"]
