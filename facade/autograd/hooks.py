"""Tensor hooks (`register_hook`, `register_post_accumulate_grad_hook`) and their handles."""
import weakref

HOOKED = weakref.WeakSet()  # non-leaf tensors with hooks or retain_grad (backward probes them)
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
