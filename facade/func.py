"""facade.func: torch.func's transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap,
functional_call), each built on the JAX transform of the same name.

A user function of facade tensors becomes a pure JAX function by wrapping the JAX values
(possibly tracers) as tensors, running the function — facade ops record and evaluate on
those values — and taking the values of the result. JAX then transforms that function; the
results are wrapped back as tensors. Transforms compose (`jacrev(jacrev(f))`, `vmap(grad(f))`).
"""
import functools

import jax

from . import _dispatch
from ._creation import wrap_value
from ._grad_mode import no_grad
from .autograd._complex import torch_convention

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap", "functional_call"]


def _is_tensor(x):
    return isinstance(x, _dispatch.Tensor)


def _to_values(tree):
    return jax.tree_util.tree_map(lambda t: t._value() if _is_tensor(t) else t, tree, is_leaf=_is_tensor)


def _to_tensors(tree):
    return jax.tree_util.tree_map(lambda v: wrap_value(v) if isinstance(v, jax.Array) or hasattr(v, "aval") else v, tree)


def _pure(func, has_aux=False):
    """func over tensors → a function over JAX values (aux, if any, passes through as values)."""

    def pure(*values):
        with no_grad():  # JAX differentiates; facade's tape need not record gradients here
            out = func(*_to_tensors(values))
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("has_aux=True: the function must return a (output, aux) tuple")
            return _to_values(out[0]), _to_values(out[1])
        return _to_values(out)

    return pure


def _check_scalar(values):
    for v in jax.tree_util.tree_leaves(values):
        if v.ndim != 0:
            raise RuntimeError(
                f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with {v.ndim} dims. "
                "Maybe you wanted to use the vjp or jacrev APIs instead?"
            )


def grad_and_value(func, argnums=0, has_aux=False):
    @functools.wraps(func)
    def wrapper(*args):
        pure = _pure(func, has_aux)

        def scalar(*vals):
            out = pure(*vals)
            _check_scalar(out[0] if has_aux else out)
            return out

        v, g = jax.value_and_grad(scalar, argnums=argnums, has_aux=has_aux)(*_to_values(args))
        return _to_tensors(jax.tree_util.tree_map(torch_convention, g)), _to_tensors(v)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args):
        g, v = gv(*args)
        return (g, v[1]) if has_aux else g

    return wrapper


def vjp(func, *primals, has_aux=False):
    out = jax.vjp(_pure(func, has_aux), *_to_values(primals), has_aux=has_aux)
    value, fn = out[0], out[1]

    def vjp_fn(*cotangents):
        cots = jax.tree_util.tree_map(torch_convention, _to_values(cotangents[0] if len(cotangents) == 1 else cotangents))
        return _to_tensors(tuple(jax.tree_util.tree_map(torch_convention, fn(cots))))

    return (_to_tensors(value), vjp_fn, _to_tensors(out[2])) if has_aux else (_to_tensors(value), vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    pure = _pure(func, has_aux)
    if has_aux:
        out, tangent_out, aux = jax.jvp(pure, tuple(_to_values(primals)), tuple(_to_values(tangents)), has_aux=True)
        return _to_tensors(out), _to_tensors(tangent_out), _to_tensors(aux)
    out, tangent_out = jax.jvp(pure, tuple(_to_values(primals)), tuple(_to_values(tangents)))
    return _to_tensors(out), _to_tensors(tangent_out)


def _jacobian(transform):
    def make(func, argnums=0, has_aux=False, **_options):
        @functools.wraps(func)
        def wrapper(*args):
            out = transform(_pure(func, has_aux), argnums=argnums, has_aux=has_aux)(*_to_values(args))
            return _to_tensors(out)

        return wrapper

    return make


jacrev = _jacobian(jax.jacrev)
jacfwd = _jacobian(jax.jacfwd)


def hessian(func, argnums=0):
    return jacfwd(jacrev(func, argnums), argnums)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    @functools.wraps(func)
    def wrapper(*args):
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        out = jax.vmap(_pure(func), in_axes=tuple(dims), out_axes=out_dims)(*_to_values(args))
        return _to_tensors(out)

    return wrapper


def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *, tie_weights=True, strict=False):
    """Call `module` with its parameters and buffers replaced by the given tensors (by name)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (list, tuple)):
        merged = {}
        for d in dicts:
            merged.update(d)
        dicts = merged
    if not isinstance(args, tuple):
        args = (args,)
    saved = []
    try:
        for name, value in dicts.items():
            owner, _, attr = name.rpartition(".")
            mod = module.get_submodule(owner) if owner else module
            table = mod._parameters if attr in mod._parameters else mod._buffers if attr in mod._buffers else None
            if table is None:
                if strict:
                    raise RuntimeError(f"Unexpected key(s): '{name}'.")
                continue
            saved.append((table, attr, table[attr]))
            table[attr] = value
        return module(*args, **(kwargs or {}))
    finally:
        for table, attr, old in reversed(saved):
            table[attr] = old
