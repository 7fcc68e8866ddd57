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


HOOKED = _WeakIdSet()  # non-leaf tensors with hooks or retain_grad (backward probes them)
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
    name = "_hooks_post" if post_accumulate else "_hooks_pre"
    table = t.__dict__.setdefault(name, {})
    handle = RemovableHandle(table)
    table[handle.id] = hook
    if not t.is_leaf:
        HOOKED.add(t)
    return handle


def run_hooks(t, grad):
    """Apply t's gradient hooks in order; a hook returning a tensor replaces the gradient."""
    for hook in list(t.__dict__.get("_hooks_pre", {}).values()):
        out = hook(grad)
        if out is not None:
            grad = out
    return grad


def run_post_accumulate(t):
    for hook in list(t.__dict__.get("_hooks_post", {}).values()):
        hook(t)
