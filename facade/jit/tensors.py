"""The Python side of a jitted step's state: finding the tensors a step uses, and handing
program values back to the user as tensors.

Shared by the first call (`discovery.py`) and the later ones (`step.py`).
"""
import gc

import jax

from .. import _dispatch, _random
from .._creation import wrap_value
from .._grad_mode import STATE as _GRAD
from .._tape import TRACKING, source
from ..autograd.engine import BACKWARDS as _BACKWARDS
from . import differentiable as _diff
from . import live_numbers as _live


class Tracker:
    """Collects the tensors a step touches (by identity): the `_tape.TRACKING` hook. It also
    remembers what each held when first touched (before any write), so that `undo` can put back
    those a trace wrote that are not among its inputs."""

    def __init__(self):
        self.seen = {}
        self.first = []

    def __call__(self, t):
        if id(t) not in self.seen:
            self.seen[id(t)] = t
            self.first.append((t, t._storage, t._storage.node, t._grad, t._vc[0]))

    def undo(self, skip, existing):
        """Give the tensors touched that are among `existing` (ids) and whose storage is not in
        `skip` (ids) back what they held before: a trace must not leave tracers in them."""
        for t, st, node, grad, version in reversed(self.first):
            if id(st) not in skip and id(t) in existing:
                t._storage = st
                st.set(node)
                t._grad = grad
                t._vc[0] = version


def storage_tensors(tensors):
    """One representative tensor per storage (views and detached aliases share a storage):
    the leaf that requires grad where there is one (its .grad and its LEAF node are the ones
    that matter), else the first seen."""
    out, seen = [], {}
    for t in tensors:
        st = t._storage
        k = seen.get(id(st))
        if k is None:
            seen[id(st)] = len(out)
            out.append(t)
        elif t._rg and not out[k]._rg:
            out[k] = t
    return out


def _tensor_types():
    found, todo = set(), [_dispatch.Tensor]
    while todo:
        c = todo.pop()
        if c not in found:
            found.add(c)
            todo.extend(c.__subclasses__())
    return found


def live_tensors(collect=True):
    """Every Tensor the interpreter holds. collect=False skips the collection first: then tensors
    that are unreachable but not yet collected are in the list too, which is what a snapshot of
    ids wants while the collector is paused (their ids stay taken, so no new tensor reuses one)."""
    if collect:
        gc.collect()
    kinds = _tensor_types()
    # type(), not isinstance(): isinstance reads __class__, which lazy module proxies answer with warnings
    return [o for o in gc.get_objects() if type(o) in kinds]


def as_arg(original, value):
    """The tensor a traced step sees in place of the argument `original`: `value` (a tracer),
    requiring grad as the original does."""
    t = wrap_value(value)
    if original.requires_grad:
        t.requires_grad_(True)
    return t


def arg_tensors(args, kwargs):
    """The tensor arguments of a call, in program-input order (positional, then keywords by name)."""
    T = _dispatch.Tensor
    return [a for a in args if isinstance(a, T)] + [kwargs[k] for k in sorted(kwargs) if isinstance(kwargs[k], T)]


def run_traced(fn, args, kwargs, arg_vals, key, hook, live_mode):
    """Call the user's step inside a trace: its tensor arguments replaced by tensors holding
    `arg_vals` (in arg_tensors order), facade's RNG key set to `key`, and the TRACKING hook and
    the live-number mode on while it runs. Returns (its result, whether it ran a backward, the
    tensors it was given in place of the tensor arguments, in arg_tensors order)."""
    T = _dispatch.Tensor
    it = iter(arg_vals)
    call_args = [as_arg(a, next(it)) if isinstance(a, T) else a for a in args]
    call_kwargs = {k: as_arg(kwargs[k], next(it)) if isinstance(kwargs[k], T) else kwargs[k] for k in sorted(kwargs)}
    _random._STATE["key"] = key
    TRACKING[0], _live._MODE[0] = hook, live_mode
    backwards = _BACKWARDS[0]
    try:
        out = fn(*call_args, **call_kwargs)
    finally:
        TRACKING[0] = _live._MODE[0] = None
    given = [a for a in call_args if isinstance(a, T)] + [a for a in call_kwargs.values() if isinstance(a, T)]
    return out, _BACKWARDS[0] != backwards, given


class ArgWrites:
    """The tensor arguments a traced step wrote in place (`x.add_(1)` on an argument): the
    program returns their new values, and each call writes them into the caller's tensors with
    the versions the writes bumped, as an eager call would have."""

    def __init__(self, given):
        # (a tensor made for the trace starts at version 0; every in-place write bumps it)
        self.bumps = [(i, t._vc[0]) for i, t in enumerate(given) if t._vc[0]]
        self.nodes = [given[i]._node() for i, _ in self.bumps]  # (dropped by `values`: they hold tracers)

    def values(self):
        values, self.nodes = [n.value for n in self.nodes], None
        return values

    def write(self, arg_tensors, values):
        for (i, bump), v in zip(self.bumps, values):
            a = arg_tensors[i]
            n = a._node()
            a._set_node(source(v, n.dtype))  # (through a view into its base, as eager)
            a._vc[0] += bump - 1


class Results:
    """What a traced step returned: a pytree whose tensor leaves are program outputs and whose
    other leaves are Python values fixed at trace time."""

    def __init__(self, out):
        T = _dispatch.Tensor
        leaves, self.tree = jax.tree_util.tree_flatten(out, is_leaf=lambda x: isinstance(x, T))
        self.kinds = [isinstance(o, T) for o in leaves]
        self.bare = self.kinds == [True] and self.tree.num_nodes == 1  # the result is one tensor
        self.static = [None if is_t else o for o, is_t in zip(leaves, self.kinds)]
        tensors = [o for o in leaves if isinstance(o, T)]
        self.ids = {id(o) for o in tensors}
        self.requires_grad = [o.requires_grad for o in tensors]
        self.nodes = [o._node() for o in tensors]  # (dropped by `values`: they hold tracers)
        self.meta = [(n.shape, n.dtype) for n in self.nodes]

    def values(self):
        """The traced outputs' values, once the trace has computed them (call once)."""
        values, self.nodes = [n.value for n in self.nodes], None
        return values

    def wanted(self):
        """True when a call's outputs get a history: grad mode is on and the traced step returned
        a tensor that requires grad."""
        return _GRAD[0] and any(self.requires_grad)

    def build(self, values, program=None, history=None):
        """The user's result from the program's output `values`: tensors that are parts of one
        COMPILED node when `history` is given (see differentiable.py), else plain values."""
        if history is not None:
            tensors = iter(_diff.attach(program, history, values, self.meta, self.requires_grad))
        else:
            tensors = iter([_dispatch.wrap(source(v, dtype)) for v, (_, dtype) in zip(values, self.meta)])
        if self.bare:
            return next(tensors)
        leaves = [next(tensors) if is_t else static for is_t, static in zip(self.kinds, self.static)]
        return jax.tree_util.tree_unflatten(self.tree, leaves)
