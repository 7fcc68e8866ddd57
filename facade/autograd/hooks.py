"""Tensor hooks (`register_hook`, `register_post_accumulate_grad_hook`) and their handles."""
import weakref



class _WeakIdSet:
    """A set of objects held weakly and told apart by identity. (weakref.WeakSet compares two
    references to one tensor with ==, which for a tensor is elementwise: adding a tensor a
    second time raised "Boolean value of Tensor with more than one value is ambiguous".)"""

    __slots__ = ("_refs",)

    def __init__(self):
        self._refs = {}

    def add(self, obj):
        key = id(obj)
        if key not in self._refs:
            refs = self._refs
            self._refs[key] = weakref.ref(obj, lambda _, key=key: refs.pop(key, None))

    def discard(self, obj):
        self._refs.pop(id(obj), None)

    def __contains__(self, obj):
        r = self._refs.get(id(obj))
        return r is not None and r() is obj

    def __iter__(self):
        for r in list(self._refs.values()):
            obj = r()
            if obj is not None:
                yield obj

    def __len__(self):
        return len(self._refs)

    def __bool__(self):
        return bool(self._refs)


HOOKED = _WeakIdSet()  # non-leaf tensors that retain_grad() (backward probes them)
# A non-leaf tensor's hooks live on the node of its grad_fn when they were registered (graph.hook_table),
# as PyTorch's live on the grad_fn: they fire while the graph holds the node, after the tensor is gone
# too, and a hook registered before an in-place write to the tensor sees the gradient of the value it
# had then. The nodes that have (or had) hooks, held weakly:
HOOKED_NODES = weakref.WeakSet()
_ids = iter(range(1, 1 << 62))


class RemovableHandle:
    def __init__(self, table):
        self.id = next(_ids)
        self._table = weakref.ref(table) if not isinstance(table, dict) else (lambda t=table: t)

    def remove(self):
        table = self._table()
        if table is not None:
            table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_tensor_hook(t, hook, post_accumulate=False):
    if post_accumulate or t.is_leaf:  # a leaf's hooks stay with the leaf (its AccumulateGrad)
        table = t.__dict__.setdefault("_hooks_post" if post_accumulate else "_hooks_pre", {})
    else:
        from .graph import hook_table

        node = grad_node(t)
        table = hook_table(node, create=True)
        HOOKED_NODES.add(node)
    handle = RemovableHandle(table)
    table[handle.id] = hook
    return handle


def hooked_nodes():
    """The live nodes with hooks."""
    from .graph import hook_table

    return [n for n in list(HOOKED_NODES) if hook_table(n)]


def any_node_hooks():
    """Whether some live node has hooks (the fast check before looking for them in a graph)."""
    if not HOOKED_NODES:
        return False
    from .graph import hook_table

    for n in list(HOOKED_NODES):
        if hook_table(n):
            return True
    return False


def grad_node(t):
    """The node at which t's gradient is taken (hooks, retain_grad, autograd.grad's inputs): its
    grad_fn's node; for a view, the node of its chain on the root while the view tracks grad."""
    view = t._view
    if view is None:
        return t._grad_fn
    if not view[2]:
        return None
    n = t._node()
    return n if n.requires_grad else None


def run_hooks(t, grad, create_graph=False):
    """Apply leaf t's gradient hooks in order (see apply_hooks)."""
    return apply_hooks(t.__dict__.get("_hooks_pre"), grad, create_graph)


def apply_hooks(hooks, grad, create_graph=False):
    """Apply the hooks of a table ({handle id: hook}) in order; a hook returning a tensor replaces the
    gradient (it must keep its type and size: PyTorch's check_variable_result). They run with grad mode
    on only under create_graph, as all of PyTorch's backward does."""
    if not hooks:
        return grad
    from .._grad_mode import STATE

    saved = STATE[0]
    STATE[0] = bool(create_graph)
    try:
        for hook in list(hooks.values()):
            out = hook(grad)
            if out is not None:
                _check_result(grad, out, hook)
                grad = out
    finally:
        STATE[0] = saved
    return grad


# the types PyTorch names by their legacy tensor type in these messages; the others by backend type
_NAMED_BY_TENSOR_TYPE = frozenset(("float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64"))


def _type_string(t):
    """PyTorch's Tensor::toString() as check_variable_result prints it."""
    from .._device import _LEGACY

    name = t.dtype.name
    if name in _NAMED_BY_TENSOR_TYPE:
        return ("torch.cuda." if t.device.type == "cuda" else "torch.") + _LEGACY[name]
    return f"{'CUDA' if t.device.type == 'cuda' else 'CPU'}{_LEGACY[name][:-len('Tensor')]}Type"


def _check_result(original, result, hook):
    from .._tensor import Tensor

    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    name = getattr(hook, "__name__", None)
    name = name if isinstance(name, str) else "<unknown>"
    if result.dtype is not original.dtype or result.device != original.device:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {_type_string(original)} got "
                           f"{_type_string(result)})")
    if tuple(result.shape) != tuple(original.shape):
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def run_post_accumulate(t):
    for hook in list(t.__dict__.get("_hooks_post", {}).values()):
        hook(t)
