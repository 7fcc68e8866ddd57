"""Which part of the graph a backward with inputs (autograd.grad, backward(inputs=...)) runs.

PyTorch's engine runs only the nodes from which one of the inputs is reached: only those have
their tensors' hooks run, their retain_grad() filled and their saved tensors freed.
"""
from .._ops.table import LEAF


def needed_nodes(roots, inputs):
    """ids of the gradient-path nodes from which one of `inputs` (tensors) is reached: the part of the
    graph PyTorch's engine runs for autograd.grad and backward(inputs=...), so the only nodes whose
    tensors' hooks run and whose retain_grad() fills .grad."""
    from .hooks import grad_node

    leaf_ids = {id(t) for t in inputs if t.is_leaf}
    start = {id(n) for n in (grad_node(t) for t in inputs if not t.is_leaf) if n is not None}
    users, seen, found = {}, set(), []
    stack = [r for r in roots if r.requires_grad]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if id(n) in start or (n.op is LEAF and id(n.leaf) in leaf_ids):
            found.append(n)
        if n.op is LEAF:
            continue
        for a in n.args:
            if a.requires_grad:
                users.setdefault(id(a), []).append(n)
                stack.append(a)
    needed = set()
    while found:
        n = found.pop()
        if id(n) not in needed:
            needed.add(id(n))
            found += users.get(id(n), ())
    return needed


def all_needed(inputs, leaf_tensors):
    """True when every node of the graph leads to one of `inputs`: they are all leaves and include every
    leaf the graph reaches (`leaf_tensors`; every node on a gradient path leads to a leaf)."""
    ids = set()
    for t in inputs:
        if not t.is_leaf:
            return False
        ids.add(id(t))
    for t in leaf_tensors:
        if id(t) not in ids:
            return False
    return True


def runs(node, needed):
    """Whether PyTorch's engine runs `node`'s backward when only the nodes in `needed` lead to an input:
    one of its arguments on the gradient path does (an input itself whose history is not needed is
    only captured)."""
    for a in node.args:
        if a.requires_grad and id(a) in needed:
            return True
    return False
