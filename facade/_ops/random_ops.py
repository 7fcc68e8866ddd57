"""Random sampling ops: multinomial (with / without replacement) and poisson.

The PRNG key comes from facade's generator (`_random.key_for`) and is an input of the op, as for the
random fills in convert.py, so a recurring graph never recompiles for a new key. PyTorch checks the
probabilities on the host before sampling; so does facade (the values are read).
"""
import jax
import jax.numpy as jnp
import numpy as np

from .._device import values_to_check
from jax import lax

from .._dispatch import record
from .convert import _key_operand
from .frontend import export, type_name
from .table import defop


def _key(key_data):
    return jax.random.wrap_key_data(key_data.astype(jnp.uint32))


def _multinomial(p, key_data, n, replacement):
    key = _key(key_data)
    p = p.astype(jnp.float64) if p.dtype == jnp.float64 else p.astype(jnp.float32)
    logits = jnp.where(p > 0, jnp.log(jnp.where(p > 0, p, 1)), -jnp.inf)
    if replacement:
        out = jax.random.categorical(key, logits, axis=-1, shape=(n,) + logits.shape[:-1])
        return jnp.moveaxis(out, 0, -1).astype(jnp.int64)
    # without replacement: the n largest of logits + Gumbel noise (zero-probability categories come last)
    g = jax.random.gumbel(key, logits.shape, logits.dtype)
    scores = jnp.where(jnp.isfinite(logits), logits + g, -jnp.inf)
    order = jnp.argsort(-scores, axis=-1, stable=True)
    return order[..., :n].astype(jnp.int64)


MULTINOMIAL = defop("multinomial", _multinomial, saves=False, differentiable=False)


@export("multinomial")
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    from .._creation import wrap_value

    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input.dtype.category != 2:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {type_name(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    p = values_to_check(input.detach())
    p = None if p is None else p.astype(np.float64)
    if p is not None and (not np.all(np.isfinite(p)) or np.any(p < 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if p is not None and np.any(p.sum(-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    k = wrap_value(_key_operand(generator))
    return record(MULTINOMIAL, (input.detach(), k), (int(num_samples), bool(replacement)))


def _poisson(rate, key_data):
    lam = lax.stop_gradient(rate)  # PyTorch's gradient is zero
    sample = jax.random.poisson(_key(key_data), lam.astype(jnp.float64 if lam.dtype == jnp.float64 else jnp.float32))
    return sample.astype(rate.dtype)


POISSON = defop("poisson", _poisson, grad_fn="PoissonBackward0", saves=False)


@export("poisson", method=False)
def poisson(input, generator=None):
    from .._creation import wrap_value

    if input.dtype.category != 2:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{type_name(input.dtype)}'")
    v = values_to_check(input.detach())
    if v is not None and np.any(v < 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    k = wrap_value(_key_operand(generator))
    return record(POISSON, (input, k), ())



def _standard_gamma(alpha, key_data):
    # jax.random.gamma is reparameterized: its derivative in alpha is the implicit one (as PyTorch's)
    dt = jnp.float64 if alpha.dtype == jnp.float64 else jnp.float32
    sample = jax.random.gamma(_key(key_data), alpha.astype(dt), dtype=dt)
    return jnp.maximum(sample, jnp.finfo(dt).tiny).astype(alpha.dtype)


STANDARD_GAMMA = defop("standard_gamma", _standard_gamma, grad_fn="StandardGammaBackward0", saves=False)


@export("_standard_gamma", method=False)
def _standard_gamma_fn(input, generator=None):
    """Gamma(input, 1) samples, one per element; differentiable in `input` (implicit reparameterization)."""
    from .._creation import wrap_value

    if input.dtype.category != 2:
        raise NotImplementedError(f"\"gamma_cpu\" not implemented for '{type_name(input.dtype)}'")
    k = wrap_value(_key_operand(generator))
    return record(STANDARD_GAMMA, (input, k), ())
