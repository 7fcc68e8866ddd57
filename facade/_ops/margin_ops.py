"""Ops for the margin losses (soft margin, multilabel margin, multi margin), the shrink
activations and rrelu, plus the C++ `tensor + number` / `tensor - number` / `number - tensor`
arithmetic PyTorch's composite losses are written with (AddBackward1, SubBackward1,
SubBackward0: facade's Python operators show what PyTorch's Python operators show).

As in nn_ops.py, the kinks take PyTorch's side by the way the impl is written: a hinge term
max(0, z) is `where(z > 0, z, 0)` (gradient 0 at z == 0, as PyTorch's kernels), and the
shrink functions pass the gradient only where |x| > lambd.
"""

import jax
import jax.numpy as jnp

from .._dispatch import record
from .frontend import cast, export
from .nn_ops import _key, _op, _reduce, _zero
from .table import defop

# ---- C++ scalar arithmetic -------------------------------------------------------------
ADD_NUMBER = defop("add_number", lambda a, s, dt: cast(a, dt) + cast(s, dt), grad_fn="AddBackward1", saves=False)
SUB_NUMBER = defop("sub_number", lambda a, s, dt: cast(a, dt) - cast(s, dt), grad_fn="SubBackward1", saves=False)
# `double - tensor` in C++ wraps the number as a tensor: PyTorch shows SubBackward0
NUMBER_SUB = defop("number_sub", lambda s, a, dt: cast(s, dt) - cast(a, dt), grad_fn="SubBackward0", saves=False)


def _hinge(z):
    return jnp.where(z > 0, z, jnp.zeros_like(z))


def _reduce_rows(loss, reduction):
    """PyTorch's margin kernels: the 'mean' of an empty batch is 0."""
    return jnp.sum(loss) if reduction == "mean" and loss.size == 0 else _reduce(loss, reduction)


# ---- soft margin -------------------------------------------------------------------------
def _soft_margin(x, t, reduction, dt):
    x, t = cast(x, dt), cast(t, dt)
    return _reduce(jnp.log1p(jnp.exp(-t * x)), reduction)


SOFT_MARGIN_LOSS = _op("soft_margin_loss", _soft_margin, 2, grad_fn="SoftMarginLossBackward0", saves="in")


# ---- multilabel margin ---------------------------------------------------------------------
def _multilabel_margin(x, target, reduction, dt):
    """Per sample: the targets are target[:k], k the position of the first -1; the loss sums
    max(0, 1 - x[t] + x[i]) over those targets t (duplicates counted again) and the classes i
    that are not targets, divided by the class count."""
    x = cast(x, dt)
    vector = x.ndim <= 1
    x2, t2 = x.reshape((-1, x.shape[-1] if x.ndim else 1)), target.reshape((-1, x.shape[-1] if x.ndim else 1))
    c = x2.shape[1]
    valid = jnp.cumprod(t2 != -1, axis=1).astype(bool)  # (N, K)
    safe = jnp.where(valid, t2, 0)
    classes = jnp.arange(c)
    is_target = jnp.any(valid[:, :, None] & (safe[:, :, None] == classes[None, None, :]), axis=1)  # (N, C)
    xt = jnp.take_along_axis(x2, safe, axis=1)  # (N, K)
    z = 1 - xt[:, :, None] + x2[:, None, :]
    mask = valid[:, :, None] & ~is_target[:, None, :]
    loss = jnp.sum(jnp.where(mask, _hinge(z), _zero(dt)), axis=(1, 2)) / c
    if reduction == "none":
        return loss.reshape(()) if vector else loss
    return _reduce_rows(loss, reduction)


MULTILABEL_MARGIN_LOSS = _op(
    "multilabel_margin_loss", _multilabel_margin, 2, grad_fn="MultilabelMarginLossBackward0", saves="in"
)


# ---- multi margin -------------------------------------------------------------------------
def _multi_margin(x, target, w, reduction, p, margin, has_w, dt):
    """Per sample: sum over classes i != y of max(0, margin - x[y] + x[i]) ** p (times weight[y]),
    divided by the class count."""
    x = cast(x, dt)
    vector = x.ndim <= 1
    x2 = x.reshape((-1, x.shape[-1] if x.ndim else 1))
    t = target.reshape((-1,))
    c = x2.shape[1]
    xy = jnp.take_along_axis(x2, t[:, None], axis=1)
    h = _hinge(cast(margin, dt) - xy + x2)
    if p == 2:
        h = h * h
    if has_w:
        h = h * jax.lax.stop_gradient(cast(w, dt))[t][:, None]
    h = jnp.where(jnp.arange(c)[None, :] == t[:, None], _zero(dt), h)
    loss = jnp.sum(h, axis=1) / c
    if reduction == "none":
        return loss.reshape(()) if vector and target.ndim == 0 else loss
    return _reduce_rows(loss, reduction)


MULTI_MARGIN_LOSS = _op("multi_margin_loss", _multi_margin, 3, grad_fn="MultiMarginLossBackward0", saves="in")


# ---- shrink activations ------------------------------------------------------------------
def _hardshrink(x, lambd, dt):
    x = cast(x, dt)
    lam = cast(lambd, dt)
    return jnp.where((x >= -lam) & (x <= lam), _zero(dt), x)


def _softshrink(x, lambd, dt):
    x = cast(x, dt)
    lam = cast(lambd, dt)
    return jnp.where(x > lam, x - lam, jnp.where(x < -lam, x + lam, _zero(dt)))


HARDSHRINK = _op("hardshrink", _hardshrink, 1, grad_fn="HardshrinkBackward0", saves="in")
SOFTSHRINK = _op("softshrink", _softshrink, 1, grad_fn="SoftshrinkBackward0", saves="in")


# ---- rrelu --------------------------------------------------------------------------------
def _rrelu_eval(x, lower, upper, dt):
    x = cast(x, dt)
    slope = cast((lower + upper) / 2, dt)
    return jnp.where(x > 0, x, x * slope)  # the slope at 0, as leaky_relu


def _rrelu_train(x, key, lower, upper, dt):
    """Each entry <= 0 times its own slope drawn uniformly from [lower, upper)."""
    x = cast(x, dt)
    r = jax.random.uniform(_key(key), x.shape, dt, lower, upper)
    return x * jnp.where(x <= 0, r, jnp.ones((), dt))


RRELU = _op("rrelu", _rrelu_eval, 1, grad_fn="RreluWithNoiseBackward0", saves="in")
RRELU_ = _op("rrelu_", _rrelu_eval, 1, grad_fn="RreluWithNoiseBackward1", saves="out")
RRELU_TRAIN = _op("rrelu_train", _rrelu_train, 2, grad_fn="RreluWithNoiseBackward0", saves="in")
RRELU_TRAIN_ = _op("rrelu_train_", _rrelu_train, 2, grad_fn="RreluWithNoiseBackward1", saves="out")


# ---- frontends shared by torch.*, Tensor.* and nn.functional -------------------------------
def _float_kernel(t, kernel):
    from .frontend import type_name

    if t.dtype.category < 2:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(t.dtype)}'")
    return t.dtype


@export("hardshrink")
def hardshrink(input, lambd=0.5):
    d = _float_kernel(input, "hardshrink_cpu")
    return record(HARDSHRINK, (input,), (float(lambd), d.np))
