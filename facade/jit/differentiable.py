"""Outputs of a jitted call that require grad: one COMPILED node on the tape.

`torch.compile(model)(x)` returns tensors a user differentiates outside (`loss.backward()`
after the call). The compiled program computes their values; to give them a history, each
call records one node whose arguments are what the program read (the state tensors through
their autograd-aware nodes, so a parameter enters through its LEAF node; the tensor
arguments; the RNG key and the live numbers as plain values) and whose implementation is the
traced step itself, evaluated from its jaxpr. backward differentiates that node like any
other op: JAX differentiates the jaxpr (recomputing the forward inside the backward program),
and the user's Python step is never run again. The outputs' grad_fn is PyTorch's
CompiledFunctionBackward.
"""
import jax
from jax.extend.core import jaxpr_as_fun

from .. import _dtype
from .._dispatch import wrap
from .._ops.table import GETITEM, defop
from .._tape import Node


class Program:
    """What the COMPILED node replays: `fn`, the traced step as a function from its flat inputs
    to its flat outputs, and where in those outputs the node's parts are.

    Hashable by identity (it is the node's static argument): one per traced entry."""

    __slots__ = ("fn", "out_lo", "out_hi", "__weakref__")

    def __init__(self, fn, out_lo, out_hi):
        self.fn, self.out_lo, self.out_hi = fn, out_lo, out_hi


class Layout:
    """How a traced step (a jax `Traced` with inputs (state values, argument values, RNG key,
    live numbers)) is compiled again from its jaxpr; the user's function is not run again.

    * Only the state at positions `used` is an input (the step never touched the rest: a
      `.grad` that `zero_grad()` dropped, say). Holding those tensors for every call would keep
      their memory alive; the jaxpr's inputs for them, which nothing reads, get zeros.
    * The used state comes in two arguments: the values the step replaces (`changed`, as
      positions in the used list), then the others. The first may be donated: XLA then writes
      the new state into the old buffers, so a parameter is updated in place (no second copy
      on an accelerator; on the CPU no fresh pages to allocate and fault in each call).

    * A donating program may also take, last, buffers it does not read (`recycle=True` in
      `compile`): the old `.grad` values the step drops (zero_grad() before backward), which
      XLA then reuses for the new gradients. Without that, the old gradients stay allocated
      until the call has made the new ones (twice the gradients' memory at the peak, where
      PyTorch frees them first) and are freed one by one afterwards.

    `arrange(inputs)` turns (used state values, argument values, key, live) into a call's
    arguments; `replay` runs the jaxpr on those inputs flattened (the COMPILED node's
    implementation)."""

    def __init__(self, stage, used, changed):
        self.stage, self.changed = stage, list(changed)
        self.avals = list(stage.in_avals[0][0])  # (the state's, in traced order)
        self.used = list(used)
        wanted = set(self.changed)
        self.kept = [k for k in range(len(self.used)) if k not in wanted]
        self._fn = jaxpr_as_fun(stage.jaxpr)
        self._out_tree = jax.tree_util.tree_structure(stage.out_info)

    def _full(self, used_vals):
        import jax.numpy as jnp

        state = [None] * len(self.avals)
        for k, v in zip(self.used, used_vals):
            state[k] = v
        return [jnp.zeros(a.shape, a.dtype) if v is None else v for v, a in zip(state, self.avals)]

    def replay(self, *flat):
        n = len(self.used)
        return self._fn(*self._full(flat[:n]), *flat[n:])

    def arrange(self, inputs):
        state = inputs[0]
        return ([state[k] for k in self.changed], [state[k] for k in self.kept]) + tuple(inputs[1:])

    def compile(self, inputs, donate, recycled=None):
        """Compiled for a call's `inputs` (unarranged: their shapes and placements), donating the
        replaced state when `donate`, and taking `recycled` (arrays: their shapes and
        placements) as a last, donated argument that nothing reads when it is given."""
        order = self.changed + self.kept

        def program(changed_vals, kept_vals, arg_vals, key, live, *recycled):
            used = [None] * len(order)
            for k, v in zip(order, list(changed_vals) + list(kept_vals)):
                used[k] = v
            flat = jax.tree_util.tree_leaves((self._full(used), arg_vals, key, live))
            return jax.tree_util.tree_unflatten(self._out_tree, self._fn(*flat))

        args = self.arrange(inputs)
        if recycled is None:
            return jax.jit(program, donate_argnums=(0,) if donate else ()).lower(*args).compile()
        # (keep_unused: an argument nothing reads is otherwise dropped, and its buffer with it)
        return jax.jit(program, donate_argnums=(0, 5), keep_unused=True).lower(*args, recycled).compile()


def _impl(*a):
    *vals, prog = a
    flat = prog.fn(*vals)
    return tuple(flat[prog.out_lo:prog.out_hi])


COMPILED = defop("compiled_function", _impl, grad_fn="CompiledFunctionBackward", saves=True, nout=None)


class _KeyDtype:
    """Stands in for a dtype on a node that only carries a value into the program: the RNG
    key, a constant array (only its id is read: the structural key of a replay)."""

    _id = "prng_key"
    name = "prng_key"
    category = -1


CARRIED = _KeyDtype()


def constant(value, dtype):
    n = Node(None, (), (), value, tuple(value.shape), dtype)
    n.device = next(iter(value.devices())) if hasattr(value, "devices") else None
    return n


FREED = ("freed",)  # attach's `history` for a step that ran a backward itself


def attach(prog, history, out_vals, out_meta, out_rg):
    """Tensors for a call's outputs, recorded as parts of one COMPILED node (see the module
    docstring). history: (nodes, versions, key, live): the autograd-aware nodes of the state
    and argument tensors as the call read them, their (version counter, version) then, the RNG
    key and the live numbers the call took. FREED instead: the step ran a backward itself,
    which freed this graph, as PyTorch's does: a backward through it raises PyTorch's error
    (and the node keeps no inputs alive)."""
    if history is FREED:
        node = Node(COMPILED, (), (prog,), None, None, None, True)
        node.freed = True
    else:
        nodes, versions, key, live = history
        # the RNG key goes in as JAX's typed key array (no facade dtype: the node only carries it,
        # nothing reads it as a tensor); the live numbers as float64
        args = tuple(nodes) + (constant(key, CARRIED), constant(live, _dtype.float64))
        node = Node(COMPILED, args, (prog,), None, None, None, True)
        for a in args:
            a.uses += 1
        node.device = nodes[0].device if nodes else None
        node.saved = tuple((vc, version, n) for (vc, version), n in zip(versions, nodes) if n.requires_grad)
    node.depth = 1
    outs = []
    for i, (v, (shape, dtype), rg) in enumerate(zip(out_vals, out_meta, out_rg)):
        part = Node(GETITEM, (node,), (i,), v, shape, dtype, rg)
        part.device = node.device
        node.uses += 1
        outs.append(wrap(part))
    return outs
