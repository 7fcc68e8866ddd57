"""The tape: every op a program runs becomes a `Node`.

A Node is an op applied to argument Nodes (plus hashable static arguments). Its `value` is
the computed JAX array, or None while it is still pending: values are computed on demand
by the engine (`_engine.py`), which replays the pending part of the tape as one JAX
function, compiled and cached when the same structure recurs.

The same Nodes are the autograd graph: a Node with `requires_grad` lies on a path from a
leaf that requires grad, and backward replays that path through `jax.vjp`. A leaf tensor
enters the graph through a `LEAF` node (PyTorch's AccumulateGrad), whose one argument is the
leaf's value at the time of use.

`Storage` is the mutable cell that PyTorch tensors share (base, views, detach(), .data):
in-place ops point it at a new Node.
"""
import weakref

__all__ = ["Node", "Storage", "source"]


class Node:
    __slots__ = (
        "op",  # OpDef, or None for a source (a concrete value with no history)
        "args",  # tuple of Node
        "statics",  # tuple of hashable static arguments, passed after the arrays
        "value",  # jax.Array (or a tuple for multi-output ops, a Python number for scalars); None = pending
        "shape",  # tuple of ints
        "dtype",  # facade dtype
        "requires_grad",
        "leaf",  # for LEAF nodes: the leaf Tensor whose .grad receives the gradient
        "saved",  # for ops that save tensors: ((version_counter, version, description), ...)
        "freed",  # True once a backward without retain_graph has released the saved tensors
        "out",  # weakref to the Storage whose current value this node is, if any
        "wrapper",  # weakref to the grad_fn object while one is held (see autograd/graph.py)
        "device",  # the JAX device the value lives on
        "mk",  # (shape, dtype id) — or the Python type of a scalar — the key for shape inference
        "tag",  # walk generation that last numbered this node (engine walks mark nodes in place)
        "sl",  # the slot number given by that walk
        "gtag",  # walk generation that last found this node on a gradient path
        "uses",  # how many recorded nodes take this one as an argument
        "depth",  # length of the longest chain of pending nodes ending here
        "__weakref__",
    )

    def __init__(self, op, args, statics, value, shape, dtype, requires_grad=False):
        self.mk = (shape, dtype._id) if dtype is not None else None
        self.op = op
        self.args = args
        self.statics = statics
        self.value = value
        self.shape = shape
        self.dtype = dtype
        self.requires_grad = requires_grad
        self.leaf = None
        self.saved = None
        self.freed = False
        self.out = None
        self.wrapper = None
        self.depth = 0
        self.device = None
        self.tag = 0
        self.sl = 0
        self.gtag = 0
        self.uses = 0

    def __repr__(self):
        name = self.op.name if self.op is not None else "source"
        state = "pending" if self.value is None else "ready"
        return f"<Node {name} {self.shape} {self.dtype} {state}>"


def source(value, dtype):
    """A node holding the array `value` (a facade `dtype`), with no history."""
    n = Node(None, (), (), value, tuple(value.shape), dtype)
    n.device = next(iter(value.devices())) if hasattr(value, "devices") else None
    return n


def source_like(value, like):
    """A node holding `value`, with no history and the shape, dtype and device of the node `like`."""
    n = Node(None, (), (), value, like.shape, like.dtype)
    n.device = like.device
    return n


class Storage:
    """The shared, mutable cell behind a tensor and all its aliases."""

    __slots__ = ("node", "shared", "__weakref__")  # shared: see _shared.py (set only there)

    def __init__(self, node):
        self.node = node
        node.out = weakref.ref(self)

    def _ref(self):
        return weakref.ref(self)

    def set(self, node):
        self.node = node
        node.out = weakref.ref(self)


def observed(node):
    """True when a live storage holds this node as its current value (so its value is worth keeping)."""
    ref = node.out
    if ref is None:
        return False
    st = ref()
    return st is not None and st.node is node


_generation = [0]


def new_generation():
    """A fresh mark for one walk over the tape (nodes remember the last walk that numbered them)."""
    _generation[0] += 1
    return _generation[0]


# facade.jit's state discovery: while a step is traced, TRACKING[0] is a callable told about
# every tensor whose value is read or written (None otherwise: one check per access).
TRACKING = [None]

# facade.jit's guard on Python values that a step branches on (a module's training flag): while a
# step is traced, STATIC_READS[0] is called with (container, key) for each such value read.
STATIC_READS = [None]

# While a user's autograd.Function backward runs (traced by JAX, which may differentiate it again
# under create_graph), detach() must cut JAX's gradient as PyTorch's cuts its graph: nonzero then.
IN_FUNCTION_BACKWARD = [0]
