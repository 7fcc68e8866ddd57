"""facade.func's vmap, functional_call and stack_module_state (see facade/func.py).

vmap hands JAX only the tensors it maps (their `in_dims` not None); every other argument reaches
the function as the object the caller passed. Outputs come back in the function's own containers
(dict key order kept), with torch's errors for in_dims that do not fit the inputs.
"""
import functools

import jax
import jax.numpy as jnp

from . import _func_tree as tree
from ._creation import wrap_value
from .func import _call, _is_tensor


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    name = getattr(func, "__name__", repr(func))

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        head = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                             "trying to vmap over a function with no inputs. The latter is unsupported.")
        if isinstance(in_dims, bool) or not isinstance(in_dims, (int, tuple)):
            raise ValueError(f"{head}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                             f"structure of inputs, got: {type(in_dims)}.")
        leaves, spec = tree.flatten(args)

        def fail():
            raise ValueError(f"{head}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                             f"structure {tree.flatten(in_dims)[1]} but inputs has structure {spec}.")

        dims = tree.broadcast_prefix(in_dims, spec, fail)
        mapped = _mapped(head, leaves, dims)
        box = []

        def flat(*values):
            new = list(leaves)
            for i, v in zip(mapped, values):
                new[i] = wrap_value(v)
            outs, out_spec = tree.flatten(_call(func, tree.unflatten(spec, new), kwargs))
            for out in outs:
                if not _is_tensor(out):
                    raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(out)}. "
                                     "Did you mean to set out_dims= to None for output?")
            box[:] = [out_spec]
            return tuple(out._value() for out in outs)

        direct = isinstance(out_dims, int) and not isinstance(out_dims, bool)
        res = jax.vmap(flat, in_axes=tuple(dims[i] for i in mapped), out_axes=out_dims if direct else 0)(
            *[leaves[i]._value() for i in mapped])
        out_spec = box[0]
        if not direct:  # a tree of out_dims: JAX batched every output along 0; move each where asked
            odims = tree.broadcast_prefix(out_dims, out_spec, lambda: _bad_out_dims(name, out_dims, out_spec))
            res = [r[0] if d is None else jnp.moveaxis(r, 0, d) for r, d in zip(res, odims)]
        return tree.unflatten(out_spec, [wrap_value(r) for r in res])

    return wrapper


def _mapped(head, leaves, dims):
    """Indices of the leaves vmap maps over, with torch's checks of their in_dims and sizes."""
    mapped = []
    for i, (leaf, d) in enumerate(zip(leaves, dims)):
        if d is None:
            continue
        if isinstance(d, bool) or not isinstance(d, int):
            raise ValueError(f"{head}: Got in_dim={d} for an input but in_dim must be either an integer dimension "
                             "or None.")
        if not _is_tensor(leaf):
            raise ValueError(f"{head}: Got in_dim={d} for an input but the input is of type {type(leaf)}. We cannot "
                             "vmap over non-Tensor arguments, please use None as the respective in_dim")
        if not -leaf.ndim <= d < leaf.ndim:
            raise ValueError(f"{head}: Got in_dim={d} for some input, but that input is a Tensor of dimensionality "
                             f"{leaf.ndim} so expected in_dim to satisfy -{leaf.ndim} <= in_dim < {leaf.ndim}.")
        mapped.append(i)
    if not mapped:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    sizes = [leaves[i].shape[dims[i]] for i in mapped]
    if len(set(sizes)) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes {sizes} "
                         "for the mapped dimension")
    return mapped


def _bad_out_dims(name, out_dims, out_spec):
    raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                     f"structure of `outputs`. out_dims has structure {tree.flatten(out_dims)[1]} but outputs has "
                     f"structure {out_spec}.")


def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *, tie_weights=True, strict=False):
    """Call `module` with its parameters and buffers replaced by the given tensors (by name)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (list, tuple)):
        if not all(isinstance(d, dict) for d in dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts = {}
        for d in dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        dicts = {k: v for d in dicts for k, v in d.items()}
    elif not isinstance(dicts, dict):
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, "
                         f"but got {type(dicts)}")
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


def stack_module_state(models):
    """stack_module_state(models) -> params, buffers: each model's parameters (and buffers) stacked along a
    new leading dim, by name. Stacked parameters are new leaves (requiring grad where the models' do)."""
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    first = type(models[0])
    if not all(type(m) is first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: _stacked_leaf(tuple(p[k] for p in all_params), k) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: _stacked_leaf(tuple(b[k] for b in all_buffers), k) for k in all_buffers[0]}
    return params, buffers


def _stacked_leaf(tensors, name):
    from . import stack

    all_rg = all(t.requires_grad for t in tensors)
    if not all_rg and any(t.requires_grad for t in tensors):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = stack(tensors)
    return result.detach().requires_grad_() if all_rg else result
