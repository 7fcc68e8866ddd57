"""Fused optimizer updates: one op per optimizer (and state layout), applied to one parameter.

Each op takes a parameter, its gradient and the optimizer's state tensors for it, then the
hyperparameters as operands and a few boolean statics (PyTorch's `if weight_decay != 0`,
`maximize`, `nesterov` branches). It returns the new parameter and the new state, which
`facade.optim` writes back in place. Hyperparameters are operands, so Python numbers are
runtime inputs of the compiled program: a scheduler changing `lr` never recompiles.

The maths is optax's transformations wherever they equal PyTorch's; where PyTorch differs
it is written out here, with a comment saying how it differs.

Precision, as PyTorch's CPU kernels: PyTorch computes scalar coefficients (1 - beta,
lr / bias_correction, ...) in Python doubles, rounds them to the parameter's compute dtype and
does the elementwise arithmetic in that dtype (float32 for float32, float16 and bfloat16
parameters; float64 for float64). Here hyperparameters arrive as float64 and are made
*weakly typed* (`_hp`), so optax's scalar maths (1 - b2, b1 ** count) runs in double and meets
the float32 arrays as a Python number would: rounded once, then float32 arithmetic. Results
are rounded back to each tensor's dtype. (A strongly typed float64 scalar would promote every
array to float64: twice the memory traffic, and no faster-than-float64 path on accelerators.)
Complex parameters are updated as (real, imag) pairs, as PyTorch's `view_as_real` does.
"""
import jax.numpy as jnp
import numpy as np
import optax
from optax import tree_utils as otu

from .table import defop

_F64 = jnp.float64

try:  # jax's own conversion with a weak type; no public spelling exists (jax >= 0.4.30 has it)
    from jax._src.lax.lax import _convert_element_type as _convert
except ImportError:  # pragma: no cover - a future jax: fall back to (slower) float64 opmath
    _convert = None


def _weak(x):
    """A float64 scalar that combines with an array as a Python number does (x64 mode):
    with a float32 array it is rounded to float32 and the arithmetic stays float32."""
    x = jnp.asarray(x, _F64).reshape(())
    return x if _convert is None else _convert(x, np.dtype("float64"), weak_type=True)


def _opmath(x):
    """PyTorch's CPU compute dtype for a parameter dtype: float64 stays, the rest use float32."""
    return _F64 if (x.real.dtype == _F64 or _convert is None) else jnp.float32


def _up(x):
    """A tensor value in opmath, complex numbers as a trailing (real, imag) axis."""
    if jnp.iscomplexobj(x):
        x = jnp.stack([x.real, x.imag], axis=-1)
    return x.astype(_opmath(x))


def _down(x, like):
    """An opmath result back in the dtype (and complex layout) of `like`."""
    if jnp.iscomplexobj(like):
        return (x[..., 0] + 1j * x[..., 1]).astype(like.dtype)
    return x.astype(like.dtype)


def _hp(x):
    """A hyperparameter operand (Python number, 0-d float64 or a 0-d tensor value) as a weakly
    typed float64 scalar: scalar maths with it is double, arrays keep their dtype."""
    return _weak(x)


def _as_scalar_of(x, p):
    """A float64 coefficient rounded to p's (real) dtype, as PyTorch's kernels take a Python
    scalar. Used where the rounding is systematic: a coefficient applied every step to the
    parameter or to a buffer with a long memory (lr, AdamW's decay factor, momentum)."""
    return _weak(x.astype(p.real.dtype))


def _grad_in(p, g, wd, maximize, has_wd):
    """The gradient every optimizer starts from: negated for maximize, plus L2 weight decay."""
    if maximize:
        g = -g
    if has_wd:  # PyTorch's grad + weight_decay * param is optax's add_decayed_weights
        g, _ = optax.add_decayed_weights(wd).update(g, optax.EmptyState(), p)
    return g


def _step_inc(step):
    """The `step` state (a float32 scalar in PyTorch) plus one."""
    return optax.safe_increment(step)


# ---- SGD -------------------------------------------------------------------------------
def _sgd(p, g, buf, lr, wd, momentum, damp_scale, nesterov, maximize, has_wd):
    P = _up(p)
    G = _grad_in(P, _up(g), _hp(wd), maximize, has_wd)
    outs = ()
    if buf is not None:
        # optax.trace is buf <- g + momentum * buf (nesterov: g + momentum * buf again).
        # PyTorch dampens the gradient, buf <- momentum * buf + (1 - dampening) * g, except on
        # the first step where buf = g. The frontend passes damp_scale = 1 - dampening, or 1
        # with a zero buffer on the first step, so the trace gives both. (Nesterov requires
        # dampening == 0, so its second use of g is undampened, as in PyTorch.)
        mom, damp = _as_scalar_of(_hp(momentum), p), _as_scalar_of(_hp(damp_scale), p)
        G, st = optax.trace(mom, nesterov).update(G * damp, optax.TraceState(trace=_up(buf)))
        outs = (_down(st.trace, buf),)
        if not nesterov:  # PyTorch steps with the stored (rounded) buffer
            G = _up(outs[0])
    return (_down(P - _as_scalar_of(_hp(lr), p) * G, p),) + outs


SGD = defop("sgd_step", lambda p, g, lr, wd, *s: _sgd(p, g, None, lr, wd, 0.0, 1.0, False, *s)[0],
            differentiable=False, saves=False)
SGD_MOMENTUM = defop("sgd_momentum_step", _sgd, nout=2, differentiable=False, saves=False)


# ---- Adam / AdamW ----------------------------------------------------------------------
def _adam(p, g, step, m, v, vmax, lr, b1, b2, eps, wd, maximize, decoupled, has_wd):
    lr, b1, b2, eps, wd = _hp(lr), _hp(b1), _hp(b2), _hp(eps), _hp(wd)
    P = _up(p)
    if has_wd and decoupled:
        # AdamW: PyTorch decays the weights by lr * wd before the Adam step (optax's adamw
        # adds wd * p to the update instead: the same maths, in a different order). The factor
        # is rounded to the parameter dtype first, as PyTorch's kernel rounds its scalar: it
        # multiplies the parameter every step, so an unrounded factor would drift (~1e-6 in 50).
        # The decayed weights are rounded too: PyTorch stores them before the Adam step.
        P = _up(_down(P * _as_scalar_of(1 - lr * wd, p), p))
        has_wd = False
    G = _grad_in(P, _up(g), wd, maximize, has_wd)
    if vmax is None:
        # optax.scale_by_adam is PyTorch's Adam: moments, bias corrections 1 - beta**step with
        # the incremented step, m_hat / (sqrt(v_hat) + eps).
        # The count goes in as float64, so that the bias corrections are computed in double.
        state = optax.ScaleByAdamState(count=step.astype(_F64), mu=_up(m), nu=_up(v))
        U, st = optax.scale_by_adam(b1, b2, eps).update(G, state)
        new_step, M, V, extra = st.count.astype(step.dtype), st.mu, st.nu, ()
    else:
        # AMSGrad differs: PyTorch keeps the running max of the raw second moment and
        # bias-corrects that max with the current step; optax.scale_by_amsgrad takes the
        # max of already bias-corrected moments. Written out with optax's moment helpers.
        M = otu.tree_update_moment(G, _up(m), b1, 1)
        V = otu.tree_update_moment_per_elem_norm(G, _up(v), b2, 2)
        new_step = _step_inc(step)
        VMAX = jnp.maximum(_up(vmax), V)
        count = new_step.astype(_F64)
        v_hat = otu.tree_bias_correction(VMAX, b2, count)
        U = otu.tree_bias_correction(M, b1, count) / (jnp.sqrt(v_hat) + eps)
        extra = (_down(VMAX, vmax),)
    return (_down(P - lr * U, p), new_step, _down(M, m), _down(V, v)) + extra


ADAM = defop("adam_step", lambda p, g, step, m, v, *a: _adam(p, g, step, m, v, None, *a),
             nout=4, differentiable=False, saves=False)
ADAM_AMSGRAD = defop("adam_amsgrad_step", _adam, nout=5, differentiable=False, saves=False)


# ---- RMSprop ---------------------------------------------------------------------------
def _rmsprop(p, g, step, sq, grad_avg, buf, lr, alpha, eps, wd, momentum, maximize, has_wd):
    alpha, eps = _hp(alpha), _hp(eps)
    P = _up(p)
    G = _grad_in(P, _up(g), _hp(wd), maximize, has_wd)
    # PyTorch adds eps outside the square root: optax's eps_in_sqrt=False.
    if grad_avg is None:
        U, st = optax.scale_by_rms(alpha, eps, eps_in_sqrt=False).update(G, optax.ScaleByRmsState(nu=_up(sq)))
        outs = (_down(st.nu, sq),)
    else:  # centered: divide by sqrt(E[g^2] - E[g]^2) + eps, optax's scale_by_stddev
        st_in = optax.ScaleByRStdDevState(mu=_up(grad_avg), nu=_up(sq))
        U, st = optax.scale_by_stddev(alpha, eps, eps_in_sqrt=False).update(G, st_in)
        outs = (_down(st.nu, sq), _down(st.mu, grad_avg))
    if buf is not None:  # PyTorch's buf <- momentum * buf + g / avg is optax.trace of the scaled update
        U, tr = optax.trace(_as_scalar_of(_hp(momentum), p)).update(U, optax.TraceState(trace=_up(buf)))
        outs += (_down(tr.trace, buf),)
    return (_down(P - _as_scalar_of(_hp(lr), p) * U, p), _step_inc(step)) + outs


def _rmsprop_op(centered, with_momentum):
    """The RMSprop op for one state layout: square_avg [, grad_avg] [, momentum_buffer]."""
    n = 1 + centered + with_momentum

    def impl(p, g, step, *rest):
        states, hps = rest[:n], rest[n:]
        gavg = states[1] if centered else None
        buf = states[-1] if with_momentum else None
        return _rmsprop(p, g, step, states[0], gavg, buf, *hps)

    name = "rmsprop" + ("_centered" if centered else "") + ("_momentum" if with_momentum else "") + "_step"
    return defop(name, impl, nout=2 + n, differentiable=False, saves=False)


RMSPROP = {(c, m): _rmsprop_op(c, m) for c in (False, True) for m in (False, True)}


# ---- Adagrad ---------------------------------------------------------------------------
def _adagrad(p, g, step, ssum, lr, lr_decay, eps, wd, maximize, has_wd):
    P = _up(p)
    G = _grad_in(P, _up(g), _hp(wd), maximize, has_wd)
    new_step = _step_inc(step)
    # The accumulator sum <- sum + g^2 is optax.scale_by_rss's; its update is not used because
    # PyTorch divides by sqrt(sum) + eps (eps outside the root, no special case at 0) and
    # decays the learning rate, lr / (1 + (step - 1) * lr_decay), which optax does not have.
    _, st = optax.scale_by_rss(0.0, _hp(eps)).update(G, optax.ScaleByRssState(sum_of_squares=_up(ssum)))
    S = st.sum_of_squares
    clr = _as_scalar_of(_hp(lr) / (1 + (new_step.astype(_F64) - 1) * _hp(lr_decay)), p)
    return _down(P - clr * G / (jnp.sqrt(S) + _hp(eps)), p), new_step, _down(S, ssum)


ADAGRAD = defop("adagrad_step", _adagrad, nout=3, differentiable=False, saves=False)


# The new parameter, passed through with the new state tensors as extra (unused) arguments.
# facade's engine computes the ancestors of what is asked for: tying the state outputs to the
# parameter keeps them in the same program as the next forward pass (otherwise each step's
# state would stay pending and be recomputed, with its whole history, when next needed).
KEEP_STATE = defop("optim_keep_state", lambda p, *state: p, differentiable=False, saves=False)
