"""grad_fn objects: PyTorch's view of a tape node (`<AddBackward0 object at 0x...>`).

One wrapper per Node while it is held (so `y.grad_fn is y.grad_fn`), of a class named as PyTorch names the
backward of that op; `next_functions` follows the node's arguments, with AccumulateGrad
for leaves. Where facade records one fused node for what PyTorch records as several (nn.Linear: one
`linear` node, PyTorch's addmm of the input, bias and weight.t()), `_NEXT` gives the node's
next_functions as PyTorch's graph has them, with grad_fn objects for the nodes facade does not record
(see `_shown`).
"""
from weakref import WeakKeyDictionary
from weakref import ref as _weakref

import numpy as np

from .._ops.table import GETITEM, LEAF, OpDef
from .._tape import Node as _TapeNode
from .._views import NO_GRAD_EDGE

_CLASSES = {}
_CPP_NAMED = frozenset(("CopySlices",))  # PyTorch's C++ nodes: name() is qualified, the class name is not


class Node:
    """torch.autograd.graph.Node: the base of every grad_fn class."""

    __slots__ = ("_node", "__weakref__")

    def name(self):
        n = type(self).__name__
        return "torch::autograd::" + n if n in _CPP_NAMED else n

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        node = self._node
        if node.op is LEAF:
            return ()
        args = node.args
        edges = _NEXT.get(node.op.name)
        if edges is not None:
            args = _edges(node, edges)
        out = []
        for a in args:
            if a is None or not a.requires_grad or a.op is NO_GRAD_EDGE:
                out.append((None, 0))  # (a node that requires grad without a path to a leaf: an edge to nothing)
            else:
                out.append((wrap_node(a), _output_index(a)))
        return tuple(out)

    @property
    def metadata(self):
        d = getattr(self._node, "_metadata", None)
        return {} if d is None else d

    def register_hook(self, fn):
        raise RuntimeError("facade does not support hooks on grad_fn objects; use Tensor.register_hook")

    def register_prehook(self, fn):
        raise RuntimeError("facade does not support hooks on grad_fn objects; use Tensor.register_hook")

    def __call__(self, *grads):
        raise RuntimeError("calling a grad_fn directly is not supported by facade")

    def _raw_saved_self(self):  # pragma: no cover - PyTorch internals
        raise AttributeError


class AccumulateGrad(Node):
    __slots__ = ()

    @property
    def variable(self):
        return self._node.leaf


class CompiledFunctionBackward(Node):
    """The grad_fn of what a facade.jit / torch.compile call returns (PyTorch defines it in Python)."""

    __slots__ = ()

    def __repr__(self):
        return f"<torch.autograd.function.CompiledFunctionBackward object at {hex(id(self))}>"


_CLASSES["CompiledFunctionBackward"] = CompiledFunctionBackward


def _output_index(node):
    return node.statics[0] if node.op is GETITEM and node.args and node.args[0].op is not None and node.args[0].op.nout != 1 else 0


def _class(name):
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name, (Node,), {"__slots__": ()})
    return cls


def wrap_node(node):
    """The grad_fn object of `node` (None for the edge to nothing, see _views.NO_GRAD_EDGE)."""
    if node.op is NO_GRAD_EDGE:
        return None
    while node.op is GETITEM and node.args and node.args[0].op is not None and node.args[0].op.nout != 1:
        node = node.args[0]  # every output of a multi-output op shares its grad_fn
    # the node holds its wrapper weakly, as PyTorch's C++ node does its Python object: while
    # anyone holds a grad_fn it is the same object; no reference cycle node <-> wrapper
    w = node.wrapper
    if w is not None:
        w = w()
    if w is None:
        if node.op is LEAF:
            w = object.__new__(AccumulateGrad)
        else:
            w = object.__new__(_class(node.op.grad_fn_name(node) or (node.op.name.capitalize() + "Backward0")))
        w._node = node
        if node.wrapper.__class__ is HookHolder:
            node.wrapper.ref = _weakref(w)
        else:
            node.wrapper = _weakref(w)
    return w


# ---- PyTorch's nodes where facade records one fused node -------------------------------------------------

_SHOWN_OPS = {}
_SHOWN = WeakKeyDictionary()  # fused node -> its edges (see _edges), made once so the objects stay the same


def _shown(name, *args):
    """A node of PyTorch's graph that facade does not record: shown only, as the grad_fn object `name` whose
    next_functions are `args` (Nodes, None for no edge). It is never run: the fused node's impl computes
    the whole, and JAX its derivative."""
    op = _SHOWN_OPS.get(name)
    if op is None:
        op = _SHOWN_OPS[name] = OpDef("shown:" + name, None, grad_fn=name, saves=False)
    args = tuple(_NONE if a is None else a for a in args)
    return _TapeNode(op, args, (), None, None, None, any(a.requires_grad for a in args))


_NONE = _TapeNode(None, (), (), None, None, None, False)  # an argument that leads nowhere (no edge)


def _edges(node, build):
    """The fused node's next_functions targets (Nodes, or None for no edge), as `build(node)` gives them."""
    edges = _SHOWN.get(node)
    if edges is None:
        edges = _SHOWN[node] = tuple(build(node))
    return edges


def _contiguous(node):
    """Whether the value of `node` is contiguous as PyTorch's strides say: the view ops it was taken by from
    a tensor's storage (facade keeps the layout of views only, see _strides.py)."""
    from .._ops.shape import _keeps_contiguous
    from .._views import _positions

    chain = []
    while node.op is not None and (node.op.view or node.op is LEAF or node.op.name == "as_strided_view") and node.args:
        if node.op is not LEAF:
            chain.append((node.op, node.statics))
        node = node.args[0]
    if all(_keeps_contiguous(op, st) for op, st in chain):
        return True
    pos = np.asarray(_positions(tuple(node.shape), tuple(reversed(chain)))).reshape(-1)
    return bool(pos.size <= 1 or np.all(np.diff(pos) == 1))


def _linear_edges(node):
    """nn.Linear / F.linear (one `linear` node of input, weight, bias): PyTorch's addmm(bias, input, weight.t())
    (AddmmBackward0) with a bias, mm(input, weight.t()) without; an input of other ranks enters through a
    2-D view (a copy when it is not contiguous), and without a bias the result leaves through
    _unsafe_view (UnsafeViewBackward0) or squeeze (a vector input: SqueezeBackward4)."""
    x, w, b = node.args[:3]
    has_bias, nd = node.statics[0], len(x.shape)
    wt = _shown("TBackward0", w) if w.requires_grad else None
    if x.requires_grad and nd != 2:
        if nd == 1:
            x = _shown("ViewBackward0" if has_bias else "UnsqueezeBackward0", x)
        elif has_bias or _contiguous(x):
            x = _shown("ViewBackward0", x)
        else:
            x = _shown("UnsafeViewBackward0", _shown("CloneBackward0", x))
    if has_bias:
        return (b, x, wt)
    if nd == 2:
        return (x, wt)
    return (_shown("MmBackward0", x, wt),)


_NEXT = {"linear": _linear_edges}


class HookHolder:
    """What `node.wrapper` holds once tensor hooks are registered at the node (the node a non-leaf
    tensor's gradient is taken at, see hooks.py): the hooks, held strongly, so they live exactly as long
    as the node, as PyTorch's live on the grad_fn; and the grad_fn object, held weakly as before (the
    holder is called like the weakref it replaces). The hooks do not refer back to the node, so the
    node is freed by reference counting as any other."""

    __slots__ = ("ref", "hooks")

    def __call__(self):
        return self.ref() if self.ref is not None else None


def hook_table(node, create=False):
    """The tensor hooks registered at `node` ({handle id: hook}, in order), or None; create=True makes
    the table if there is none."""
    h = node.wrapper
    if h.__class__ is HookHolder:
        return h.hooks
    if not create:
        return None
    holder = HookHolder()
    holder.ref = h  # the grad_fn's weakref (or None)
    holder.hooks = {}
    node.wrapper = holder
    return holder.hooks
