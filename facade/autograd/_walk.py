"""The walks over the tape that a backward makes before it runs.

`_grad_graph` marks the nodes the gradient flows through (and raises the errors of
`_backward_errors.py`); `_Walk` then numbers, in one post-order walk from the roots, everything
the backward program needs: its inputs, the work that needs no gradient (run first), the nodes
re-run inside `jax.vjp`, the leaves' uses and cuts, and the program's structural key.
`collect` gives the gradient path in topological order (hooks, freeing).
"""
from .._ops.table import LEAF, SCALAR
from .._tape import new_generation
from ._backward_errors import SECOND_BACKWARD, _bad_version


class _Walk:
    """One post-order walk of everything a backward needs, with its structural key.

    Nodes are numbered in place (`node.tag`/`node.sl`) rather than in a dict: this walk runs
    on every backward, so it is written for speed.
    """

    __slots__ = ("gen", "n", "key", "inputs", "scalars", "pre", "fwd", "diff", "in_fwd", "in_fwd_rg")

    def __init__(self, roots, extra, cuts, ggen):
        gen = self.gen = new_generation()
        key = self.key = []
        inputs, scalars, pre, fwd, diff = self.inputs, self.scalars, self.pre, self.fwd, self.diff = [], [], [], [], []
        in_fwd = self.in_fwd = set()  # slots whose value depends on a differentiable input
        in_fwd_rg = self.in_fwd_rg = set()  # ... and through which the gradient flows
        for c in cuts:
            c.gtag = -ggen  # marks a cut for this walk
        count = 0
        stack = list(extra) + list(roots)
        while stack:
            n = stack[-1]
            if n.tag == gen:
                stack.pop()
                continue
            g = n.gtag
            if g == -ggen:  # a hooked tensor: a differentiable input holding its own value
                stack.pop()
                n.tag, n.sl = gen, count
                inputs.append(n)
                diff.append((n, count, count))
                in_fwd.add(count)
                key.append(("x", n.mk))
                count += 1
                continue
            rg = g == ggen  # on a path the gradient flows along (not merely a value we read)
            if rg and n.op is LEAF:
                v = n.args[0]
                if v.tag != gen:
                    stack.append(v)
                    continue
                stack.pop()
                n.tag, n.sl = gen, count
                diff.append((n, count, v.sl))
                in_fwd.add(count)
                key.append(("l", v.sl))
                count += 1
                continue
            if not rg and n.value is not None:
                stack.pop()
                n.tag, n.sl = gen, count
                (scalars if n.op is SCALAR and n.mk is not complex else inputs).append(n)
                key.append(n.mk)
                count += 1
                continue
            ready = True
            for a in n.args:
                if a.tag != gen:
                    stack.append(a)
                    ready = False
            if not ready:
                continue
            stack.pop()
            argslots = tuple([a.sl for a in n.args])
            n.tag, n.sl = gen, count
            if rg:
                fwd.append(n)
                in_fwd.add(count)
                in_fwd_rg.add(count)
                key.append((n.op.id, n.statics, argslots, True))
            elif in_fwd and not in_fwd.isdisjoint(argslots):
                fwd.append(n)  # needs no gradient, but reads values only known inside the vjp
                in_fwd.add(count)
                key.append((n.op.id, n.statics, argslots, False))
            else:
                pre.append(n)
                key.append((n.op.id, n.statics, argslots))
            count += 1
        self.n = count

    def slot(self, node):
        return node.sl if node.tag == self.gen else None


def _grad_graph(roots, cuts):
    """Mark (node.gtag) the nodes the gradient flows through: from the roots along
    requires-grad edges, stopping at leaves and cuts; return the generation and the LEAF
    nodes found. Raises PyTorch's errors for freed graphs and stale saved values."""
    gen = new_generation()
    for c in cuts:
        c.gtag = -gen
    leaves = []
    stack = [r for r in roots if r.requires_grad]
    while stack:
        n = stack.pop()
        if n.gtag == gen or n.gtag == -gen:
            continue
        n.gtag = gen
        if n.op is LEAF:
            leaves.append(n)
            continue
        if n.freed:
            raise RuntimeError(SECOND_BACKWARD)
        saved = n.saved
        if saved:
            for vc, version, a in saved:
                if vc[0] != version:
                    raise _bad_version(vc, version, n, a)
        for a in n.args:
            if a.requires_grad:
                stack.append(a)
    return gen, leaves


def collect(roots):
    """The nodes the gradient flows through above roots, in topological order (hooks, freeing)."""
    ggen, _ = _grad_graph(roots, ())
    w = _Walk(roots, (), (), ggen)
    return [n for n in w.fwd if n.sl in w.in_fwd_rg]
