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

from .. import _dtype
from .._dispatch import wrap
from .._ops.table import GETITEM, defop
from .._tape import Node, source


class Program:
    """What the COMPILED node replays: `fn`, the traced step as a function from its flat inputs
    to its flat outputs, and where in those outputs the node's parts are.

    Hashable by identity (it is the node's static argument): one per traced entry."""

    __slots__ = ("fn", "out_lo", "out_hi", "__weakref__")

    def __init__(self, fn, out_lo, out_hi):
        self.fn, self.out_lo, self.out_hi = fn, out_lo, out_hi


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
        args = tuple(nodes) + (source(key, CARRIED), source(live, _dtype.float64))
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
