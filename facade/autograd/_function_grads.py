"""What a user's Function backward is given and what it returns (shared by eager and traced calls).

Which of backward / vjp the user wrote, the gradients handed to it (zeros or None for an output
that received none, as materialize_grads says), and the checks PyTorch makes on what it returns
(count, None for a non-tensor input, shape: an expandable gradient is summed back to the input's
shape), in JAX's complex convention.
"""
import jax.numpy as jnp

from ._complex import torch_convention
from .function import Function


def _backward_fn(cls):
    backward, vjp = cls.backward, cls.vjp
    if backward is not Function.backward and vjp is not Function.vjp:
        raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not allowed. You should "
                           "only implement one of them.")
    return vjp if vjp is not Function.vjp else backward


def _once(cls):
    return bool(getattr(_backward_fn(cls), "_once_differentiable", False))


def _grads_in(out_layout, out_meta, cts, materialize):
    """The user's backward arguments: one per forward output (None for a non-tensor output; for a
    tensor output that received no gradient, zeros, or None without materialize_grads)."""
    from .._creation import wrap_value

    grads = []
    for k in out_layout:
        if k is None:
            grads.append(None)
            continue
        c = cts[k]
        if c is None:
            if not materialize:
                grads.append(None)
                continue
            shape, dt = out_meta[k]
            c = jnp.zeros(shape, dt)
        grads.append(wrap_value(torch_convention(c)))
    return grads


def _is_expandable(shape, to):
    if len(shape) > len(to):
        return False
    for a, b in zip(reversed(shape), reversed(to)):
        if a != b and a != 1:
            return False
    return True


def _sum_to(v, shape):
    lead = v.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and v.shape[lead + i] != 1)
    v = jnp.sum(v, axis=axes, keepdims=True) if axes else v
    return v.reshape(shape)


def _grads_out(name, grads, tensor_pos, n_args, needs, in_meta):
    """Check the user's backward result as PyTorch does; the gradient value (in JAX's complex
    convention) for each tensor input, or None."""
    from .._tensor import Tensor

    grads = grads if isinstance(grads, tuple) else (grads,)
    if len(grads) > n_args and all(g is None for g in grads[n_args:]):
        grads = grads[:n_args]
    if len(grads) != n_args:
        raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected {n_args}, "
                           f"got {len(grads)})")
    index = {p: i for i, p in enumerate(tensor_pos)}
    out = [None] * len(tensor_pos)
    for pos, g in enumerate(grads):
        i = index.get(pos)
        if i is None:
            if g is not None:
                raise RuntimeError(f"function {name} returned a gradient different than None at position {pos + 1}, "
                                   "but the corresponding forward input was not a Variable")
            continue
        if g is None:
            continue
        if not isinstance(g, Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
        if not needs[pos]:
            continue  # PyTorch does not look at a gradient nobody asked for
        shape, dt, differentiable = in_meta[i]
        if not differentiable:
            continue
        v = g._value()
        gshape = tuple(jnp.shape(v))
        if gshape != tuple(shape):
            if not _is_expandable(shape, gshape):
                raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got {list(gshape)} "
                                   f"but expected shape compatible with {list(shape)}")
            v = _sum_to(v, tuple(shape))
        out[i] = torch_convention(jnp.asarray(v).astype(dt))
    return out
