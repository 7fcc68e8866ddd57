"""Fused updates for Adamax, NAdam, RAdam, Adadelta, Rprop and ASGD (one op per optimizer).

Same conventions as optim_ops.py (read its docstring first): parameter, gradient and state
tensors in; new parameter and state out; hyperparameters as runtime operands; booleans
(`maximize`, `weight_decay != 0`, decoupled weight decay) as statics; opmath precision with
scalar coefficients computed in double, as PyTorch computes them in Python.

Which maths comes from optax, and where PyTorch 2.13's single-tensor update differs:

* Adamax: optax.scale_by_adamax is PyTorch's update (first moment, infinity norm
  max(beta2 * u, |g| + eps), bias-corrected first moment over u).
* Adadelta: optax.scale_by_adadelta is PyTorch's (sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g).
* NAdam: written here. optax.nadam is Adam with a Nesterov look-ahead and a constant beta1;
  PyTorch uses Dozat's momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)),
  keeps the running product of the mu's as state and corrects the second moment inside the root.
* RAdam: written here (moments from optax's helpers). optax.scale_by_radam switches on
  rho_t >= 5 and adds eps to sqrt(v_hat); PyTorch switches on rho_t > 5 and adds eps to
  sqrt(v) before multiplying by sqrt(1 - beta2 ** t) (eps is not bias-corrected).
* Rprop: written here. optax.scale_by_rprop stores the previous *update* and skips the clamp
  where the sign product is 0; PyTorch stores the (zeroed on a sign change) gradient as 'prev'
  and always clamps the step sizes.
* ASGD: written here (optax has no averaged SGD).

Data-dependent branches of PyTorch's Python code (RAdam's `if rho_t > 5`, ASGD's
`if mu != 1`) are `jnp.where`s on values computed from the step tensor, so the ops also run
unchanged inside facade.jit.
"""
import jax.numpy as jnp
import optax
from optax import tree_utils as otu

from .optim_ops import _F64, _as_scalar_of, _down, _grad_in, _hp, _step_inc, _up
from .table import defop


def _coupled_or_decoupled(P, g, lr, wd, p, maximize, decoupled, has_wd):
    """PyTorch's NAdam/RAdam weight decay: decoupled multiplies the parameter by 1 - lr * wd
    (the decayed parameter is stored, so rounded); coupled adds wd * param to the gradient."""
    if has_wd and decoupled:
        P = _up(_down(P * _as_scalar_of(1 - lr * wd, p), p))
        has_wd = False
    return P, _grad_in(P, _up(g), wd, maximize, has_wd)


# ---- Adamax ----------------------------------------------------------------------------
def _adamax(p, g, step, m, u, lr, b1, b2, eps, wd, maximize, has_wd):
    lr, b1, b2, eps = _hp(lr), _hp(b1), _hp(b2), _hp(eps)
    P = _up(p)
    G = _grad_in(P, _up(g), _hp(wd), maximize, has_wd)
    state = optax.ScaleByAdamState(count=step.astype(_F64), mu=_up(m), nu=_up(u))
    U, st = optax.scale_by_adamax(b1, b2, eps).update(G, state)
    return _down(P - lr * U, p), st.count.astype(step.dtype), _down(st.mu, m), _down(st.nu, u)


ADAMAX = defop("adamax_step", _adamax, nout=4, differentiable=False, saves=False)


# ---- NAdam -----------------------------------------------------------------------------
def _nadam(p, g, step, mu_prod, m, v, lr, b1, b2, eps, wd, momentum_decay, maximize, decoupled, has_wd):
    lr, b1, b2, eps, wd, md = _hp(lr), _hp(b1), _hp(b2), _hp(eps), _hp(wd), _hp(momentum_decay)
    new_step = _step_inc(step)
    t = _hp(new_step)
    P, G = _coupled_or_decoupled(_up(p), g, lr, wd, p, maximize, decoupled, has_wd)
    mu = b1 * (1.0 - 0.5 * 0.96 ** (t * md))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * md))
    # the stored product is a scalar tensor of the step's dtype: PyTorch's `mu_product *= mu`
    new_mu_prod = (mu_prod * _as_scalar_of(mu, mu_prod)).astype(mu_prod.dtype)
    prod = _hp(new_mu_prod)
    M = otu.tree_update_moment(G, _up(m), b1, 1)
    V = otu.tree_update_moment_per_elem_norm(G, _up(v), b2, 2)
    denom = jnp.sqrt(V / (1 - b2 ** t)) + eps
    P = P + _as_scalar_of(-lr * (1 - mu) / (1 - prod), p) * (G / denom)
    P = P + _as_scalar_of(-lr * mu_next / (1 - prod * mu_next), p) * (M / denom)
    return _down(P, p), new_step, new_mu_prod, _down(M, m), _down(V, v)


NADAM = defop("nadam_step", _nadam, nout=5, differentiable=False, saves=False)


# ---- RAdam -----------------------------------------------------------------------------
def _radam(p, g, step, m, v, lr, b1, b2, eps, wd, maximize, decoupled, has_wd):
    lr, b1, b2, eps, wd = _hp(lr), _hp(b1), _hp(b2), _hp(eps), _hp(wd)
    new_step = _step_inc(step)
    t = _hp(new_step)
    P, G = _coupled_or_decoupled(_up(p), g, lr, wd, p, maximize, decoupled, has_wd)
    M = otu.tree_update_moment(G, _up(m), b1, 1)
    V = otu.tree_update_moment_per_elem_norm(G, _up(v), b2, 2)
    bc2 = 1 - b2 ** t
    m_hat = M / (1 - b1 ** t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2 ** t / bc2
    tractable = rho_t > 5.0
    safe_rho = jnp.where(tractable, rho_t, rho_inf)  # keeps the unused branch's root real
    rect = jnp.sqrt((safe_rho - 4) * (safe_rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * safe_rho))
    adaptive = _as_scalar_of(jnp.sqrt(bc2), p) / (jnp.sqrt(V) + eps)
    rectified = m_hat * lr * adaptive * _as_scalar_of(rect, p)
    P = P - jnp.where(tractable, rectified, m_hat * lr)
    return _down(P, p), new_step, _down(M, m), _down(V, v)


RADAM = defop("radam_step", _radam, nout=4, differentiable=False, saves=False)


# ---- Adadelta --------------------------------------------------------------------------
def _adadelta(p, g, step, sq, acc, lr, rho, eps, wd, maximize, has_wd):
    P = _up(p)
    G = _grad_in(P, _up(g), _hp(wd), maximize, has_wd)
    state = optax.ScaleByAdaDeltaState(e_g=_up(sq), e_x=_up(acc))
    U, st = optax.scale_by_adadelta(_hp(rho), _hp(eps)).update(G, state)
    return _down(P - _as_scalar_of(_hp(lr), p) * U, p), _step_inc(step), _down(st.e_g, sq), _down(st.e_x, acc)


ADADELTA = defop("adadelta_step", _adadelta, nout=4, differentiable=False, saves=False)


# ---- Rprop -----------------------------------------------------------------------------
def _rprop(p, g, step, prev, size, eta_minus, eta_plus, size_min, size_max, maximize):
    P, G, S = _up(p), _up(g), _up(size)
    if maximize:
        G = -G
    sign = jnp.sign(G * _up(prev))
    factor = jnp.where(sign > 0, _as_scalar_of(_hp(eta_plus), p),
                       jnp.where(sign < 0, _as_scalar_of(_hp(eta_minus), p), 1.0))
    S = jnp.clip(S * factor, _as_scalar_of(_hp(size_min), p), _as_scalar_of(_hp(size_max), p))
    G = jnp.where(sign < 0, 0.0, G)  # after a sign change: no step, and no sign memory
    return _down(P - jnp.sign(G) * S, p), _step_inc(step), _down(G, prev), _down(S, size)


RPROP = defop("rprop_step", _rprop, nout=4, differentiable=False, saves=False)


# ---- ASGD ------------------------------------------------------------------------------
def _asgd(p, g, step, eta, mu, ax, lr, lambd, alpha, t0, wd, maximize, has_wd):
    lr, lambd, alpha, t0 = _hp(lr), _hp(lambd), _hp(alpha), _hp(t0)
    P = _up(p)
    G = _grad_in(P, _up(g), _hp(wd), maximize, has_wd)
    new_step = _step_inc(step)
    e = _hp(eta)  # PyTorch reads the stored eta as a Python number
    P = _up(_down(P * _as_scalar_of(1 - lambd * e, p), p))  # decay, stored before the step
    P = P - _as_scalar_of(e, p) * G
    AX = _up(ax)
    AX = jnp.where(mu == 1, P, AX + (P - AX) * _as_scalar_of(_hp(mu), p))
    t = _hp(new_step)
    new_eta = (lr / (1 + lambd * lr * t) ** alpha).astype(eta.dtype)
    new_mu = (1 / jnp.maximum(1.0, t - t0)).astype(mu.dtype)
    return _down(P, p), new_step, new_eta, new_mu, _down(AX, ax)


ASGD = defop("asgd_step", _asgd, nout=5, differentiable=False, saves=False)
