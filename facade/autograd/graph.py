"""grad_fn objects: PyTorch's view of a tape node (`<AddBackward0 object at 0x...>`).

One wrapper per Node while it is held (so `y.grad_fn is y.grad_fn`), of a class named as PyTorch names the
backward of that op; `next_functions` follows the node's arguments, with AccumulateGrad
for leaves.
"""
from weakref import ref as _weakref

from .._ops.table import GETITEM, LEAF

_CLASSES = {}


class Node:
    """torch.autograd.graph.Node: the base of every grad_fn class."""

    __slots__ = ("_node", "__weakref__")

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        out = []
        node = self._node
        if node.op is LEAF:
            return ()
        for a in node.args:
            if not a.requires_grad:
                out.append((None, 0))
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
