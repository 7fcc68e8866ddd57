"""facade.func: torch.func's transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap,
functional_call, stack_module_state), each built on the JAX transform of the same name.

A user function of facade tensors becomes a pure JAX function over a flat list of values: the
transformed tensors (differentiated or mapped) are flattened out of the caller's containers
(`_func_tree`, torch's pytree rules: a dict keeps its key order), given to JAX, and wrapped back as
tensors in the same containers before the function runs; every other argument — tensors not
transformed, ints, strings, None — reaches the function as the very object the caller passed, as in
torch. Results are rebuilt in the caller's (or the function's) containers. Transforms compose
(`jacrev(jacrev(f))`, `vmap(grad(f))`).
"""
import functools

import jax

from . import _dispatch
from . import _func_tree as tree
from ._creation import wrap_value
from ._grad_mode import no_grad
from .autograd._complex import torch_convention

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap", "functional_call",
           "stack_module_state"]


def _is_tensor(x):
    return isinstance(x, _dispatch.Tensor)


def _call(func, args, kwargs=None):
    with no_grad():  # JAX differentiates; facade's tape need not record gradients here
        return func(*args, **(kwargs or {}))


def _check_tensors(leaves):
    for leaf in leaves:
        if not _is_tensor(leaf):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(leaf)}")


def _argnums(argnums, nargs):
    """argnums (an int or a tuple of ints, negative counting from the end) -> tuple of indices."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if not isinstance(argnums, (int, tuple)) or not all(isinstance(n, int) for n in nums):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for n in nums:
        if not -nargs <= n < nargs:
            raise RuntimeError(f"Got argnum={n}, but only {nargs} positional inputs")
    nums = tuple(n % nargs for n in nums)
    if len(set(nums)) != len(nums):
        raise RuntimeError(f"argnums must be unique, got {argnums}")
    return nums


def _diff_args(args, nums):
    """The specs of args[nums] and their leaves (all tensors), flattened in order."""
    specs, leaves = [], []
    for i in nums:
        ls, spec = tree.flatten(args[i])
        _check_tensors(ls)
        specs.append(spec)
        leaves.extend(ls)
    return specs, leaves


def _substitute(args, nums, specs, tensors):
    args = list(args)
    for i, spec, part in zip(nums, specs, tree.chunks(specs, tensors)):
        args[i] = tree.unflatten(spec, part)
    return args


def _wrap_all(values):
    return [wrap_value(v) for v in values]


def _output_values(out, box, who):
    """A function's output tree -> its tensors' values; the spec goes into `box`."""
    leaves, spec = tree.flatten(out)
    for leaf in leaves:
        if not _is_tensor(leaf):
            raise RuntimeError(f"{who}: Expected f to return only Tensors, got unsupported type {type(leaf)}")
    box[:] = [spec]
    return tuple(leaf._value() for leaf in leaves)


def _aux_values(aux, box):
    """aux's tensors' values for JAX; its structure and other leaves are kept in `box`."""
    leaves, spec = tree.flatten(aux)
    box[:] = [spec, [None if _is_tensor(leaf) else leaf for leaf in leaves], [_is_tensor(leaf) for leaf in leaves]]
    return [leaf._value() for leaf in leaves if _is_tensor(leaf)]


def _aux_tree(values, box):
    spec, others, is_tensor = box
    it = iter(values)
    return tree.unflatten(spec, [wrap_value(next(it)) if t else o for o, t in zip(others, is_tensor)])


def _split_aux(out, who):
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{who}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return out


def _traced(func, rebuild, who, has_aux):
    """The pure function a JAX transform sees: leaf values in, `func` called on the arguments
    `rebuild` makes of them, output (and aux) leaf values out; returns (fn, box, auxbox), where the
    output's and aux's tree specs land once the transform has traced fn."""
    box, auxbox = [], []

    def flat(*values):
        out = _call(func, rebuild(_wrap_all(values)))
        if has_aux:
            out, aux = _split_aux(out, who)
            return _output_values(out, box, who), _aux_values(aux, auxbox)
        return _output_values(out, box, who)

    return flat, box, auxbox


def _by_argnums(argnums, specs, values):
    parts = [tree.unflatten(s, _wrap_all(p)) for s, p in zip(specs, tree.chunks(specs, list(values)))]
    return parts[0] if isinstance(argnums, int) else tuple(parts)


# ---- grad ------------------------------------------------------------------------------
def grad_and_value(func, argnums=0, has_aux=False):
    who = "grad_and_value(f)(*args)"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        specs, leaves = _diff_args(args, nums)
        auxbox = []

        def scalar(*values):
            out = _call(func, _substitute(args, nums, specs, _wrap_all(values)), kwargs)
            if has_aux:
                out, aux = _split_aux(out, who)
            if not _is_tensor(out):
                raise RuntimeError(f"{who}: Expected f(*args) to return a Tensor, got {type(out)}")
            if out.ndim != 0:
                raise RuntimeError(
                    f"{who}: Expected f(*args) to return a scalar Tensor, got tensor with {out.ndim} dims. "
                    "Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            return (out._value(), _aux_values(aux, auxbox)) if has_aux else out._value()

        value, g = jax.value_and_grad(scalar, argnums=tuple(range(len(leaves))), has_aux=has_aux)(
            *[t._value() for t in leaves])
        g = _by_argnums(argnums, specs, [torch_convention(x) for x in g])
        if has_aux:
            return g, (wrap_value(value[0]), _aux_tree(value[1], auxbox))
        return g, wrap_value(value)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, v = gv(*args, **kwargs)
        return (g, v[1]) if has_aux else g

    return wrapper


# ---- vjp / jvp -------------------------------------------------------------------------
def vjp(func, *primals, has_aux=False):
    who = "vjp(f, *primals)"
    leaves, spec = tree.flatten(primals)
    _check_tensors(leaves)
    flat, box, auxbox = _traced(func, lambda tensors: tree.unflatten(spec, tensors), who, has_aux)

    res = jax.vjp(flat, *[t._value() for t in leaves], has_aux=has_aux)
    out_spec, fn = box[0], res[1]

    def vjp_fn(*cotangents, retain_graph=True, create_graph=None):
        cot, cot_spec = tree.flatten(cotangents[0] if len(cotangents) == 1 else cotangents)
        if cot_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of outputs to the "
                f"function. cotangents: {cot_spec}, primal output: {out_spec}"
            )
        _check_tensors(cot)
        grads = fn(tuple(torch_convention(c._value()) for c in cot))
        return tree.unflatten(spec, _wrap_all(torch_convention(g) for g in grads))

    out = tree.unflatten(out_spec, _wrap_all(res[0]))
    return (out, vjp_fn, _aux_tree(res[2], auxbox)) if has_aux else (out, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    who = "jvp(f, primals, tangents)"
    for name, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, tuple):
            raise RuntimeError(f"{who}: Expected {name} to be a tuple. E.g. it should be valid to call f(*primals).")
    leaves, spec = tree.flatten(primals)
    tleaves, tspec = tree.flatten(tangents)
    if spec != tspec:
        raise RuntimeError(
            f"{who}: Expected primals and tangents to have the same python structure. For example, if primals "
            f"is a tuple of 3 tensors, tangents also must be. Got primals with structure {spec} and tangents "
            f"with structure {tspec}"
        )
    _check_tensors(leaves)
    _check_tensors(tleaves)
    flat, box, auxbox = _traced(func, lambda tensors: tree.unflatten(spec, tensors), who, has_aux)

    res = jax.jvp(flat, tuple(t._value() for t in leaves), tuple(t._value() for t in tleaves), has_aux=has_aux)
    out, tangent_out = (tree.unflatten(box[0], _wrap_all(r)) for r in res[:2])
    return (out, tangent_out, _aux_tree(res[2], auxbox)) if has_aux else (out, tangent_out)


# ---- jacobians -------------------------------------------------------------------------
def _jacobian(transform, name):
    def make(func, argnums=0, has_aux=False, **_options):
        who = f"{name}(f, ...)(*args)"

        @functools.wraps(func)
        def wrapper(*args):
            nums = _argnums(argnums, len(args))
            specs, leaves = _diff_args(args, nums)
            flat, box, auxbox = _traced(func, lambda tensors: _substitute(args, nums, specs, tensors), who, has_aux)

            res = transform(flat, argnums=tuple(range(len(leaves))), has_aux=has_aux)(*[t._value() for t in leaves])
            jac = res[0] if has_aux else res
            # jac[o][i]: output leaf o by input leaf i -> the output's tree of (the inputs' tree) per leaf
            result = tree.unflatten(box[0], [_by_argnums(argnums, specs, row) for row in jac])
            return (result, _aux_tree(res[1], auxbox)) if has_aux else result

        return wrapper

    make.__name__ = name
    return make


jacrev = _jacobian(jax.jacrev, "jacrev")
jacfwd = _jacobian(jax.jacfwd, "jacfwd")


def hessian(func, argnums=0):
    return jacfwd(jacrev(func, argnums), argnums)


from ._func_vmap import functional_call, stack_module_state, vmap  # noqa: E402
