"""Undefined gradients: PyTorch's None, where a Function's backward returned None for an input.

JAX has no "no gradient" value: a None from a user's backward (`_function_backward.py`) enters
the vjp as a zero. PyTorch's engine instead passes an undefined gradient on, and its built-in
backward formulas give undefined gradients for undefined inputs, so a leaf that only such paths
reach keeps `.grad` None, autograd.grad reports it unused, and retain_grad() keeps None. A
Function's backward is called all the same (with zeros, as materialize_grads says) and defines
the gradients of the inputs it returns a tensor for.

So each run of a user's backward records which of its inputs got None (`record`), on the call
and by the structure a compiled program serves (its replays never run the user's code), and
after a backward program ran the engine walks its gradient path once more (`defined_nodes`),
from the roots down, to find which leaves' uses and cuts a defined gradient reached. Nothing
of this runs until some backward has returned None for an input that requires grad (`ANY`).
"""
ANY = [False]  # set once a Function's backward returned None for an input that requires grad
_BY_KEY = {}  # _EagerCall._key (calls a compiled program serves) -> mask
_BY_TRACE = {}  # _EagerCall.trace_key -> mask of the last run of that kind of call


def record(call, grads):
    """A run of `call`'s backward gave `grads` (one value or None per tensor input)."""
    mask = tuple(g is None for g in grads)
    call.nones = mask
    if not any(mask):
        if ANY[0]:
            _BY_KEY.pop(call._key, None)
            _BY_TRACE.pop(call.trace_key, None)
        return
    if not any(m and call.needs[p] for m, p in zip(mask, call.tensor_pos)):
        return
    ANY[0] = True
    for table, key in ((_BY_KEY, call._key), (_BY_TRACE, call.trace_key)):
        if key is not None:
            if len(table) > 4096:
                table.clear()
            table[key] = mask


def _mask(call):
    mask = getattr(call, "nones", None)  # None too for a traced call (see _function_traced.py)
    if mask is None and not hasattr(call, "trace_key"):
        return None
    if mask is None and call._key is not None:
        mask = _BY_KEY.get(call._key)
    if mask is None:
        mask = _BY_TRACE.get(call.trace_key)
    return mask


def defined_nodes(w, roots):
    """ids of the nodes of walk `w` (see _walk._Walk) that a defined gradient reaches, or None
    when every one does (no Function on the path returned None for an input)."""
    from ._function_eager import FUNCTION, FUNCTION_UNSAVED

    defined = {id(r) for r in roots}
    rg = w.in_fwd_rg
    undefined_edge = False
    for n in reversed(w.fwd):  # every user before its arguments
        if n.sl not in rg:
            continue
        if n.op is FUNCTION or n.op is FUNCTION_UNSAVED:
            # called even without a defined gradient (with zeros): its own result decides
            call = n.statics[0]
            mask = _mask(call)
            for i, a in enumerate(n.args[:call.n_in] if mask is not None else n.args):
                if a.requires_grad:
                    if mask is None or not mask[i]:
                        defined.add(id(a))
                    else:
                        undefined_edge = True
        elif id(n) in defined:
            for a in n.args:
                if a.requires_grad:
                    defined.add(id(a))
    return defined if undefined_edge else None


def undefined_leaves(w, defined, n_leaves, leaf_targets):
    """Indices of the leaf tensors none of whose uses a defined gradient reached."""
    from .._ops.table import LEAF

    reached = set()
    for (n, _, _), k in zip([d for d in w.diff if d[0].op is LEAF], leaf_targets):
        if id(n) in defined:
            reached.add(k)
    return {k for k in range(n_leaves) if k not in reached}
