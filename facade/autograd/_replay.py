"""A recurring backward, re-found along the path its last run took instead of walked again.

A training loop calls `loss.backward()` on the same structure every step. The general path
(`engine.run_backward`) marks the gradient path, walks the tape, builds a structural key and
looks the compiled program up by it: on a scalar model that is most of a step's cost. Once a
structure has a compiled program, this module keeps a *template* of it: every node the walk
found, how to reach it from the root (which argument of which earlier node), and what it must
look like (op, static arguments, number of arguments, requires_grad, pending or computed,
shape and dtype of a computed input, leaf tensor). `match` follows those directions on the
current tape and checks each node as it goes:

* every argument edge of the old walk is followed, and a node reached a second time must be
  the very node reached first (so the sharing is the same);
* two slots never hold the same node (a fresh walk mark per match);
* the nodes' requires_grad flags and ops are the same, so the gradient path is the same;
* the leaves are the same number of distinct tensors in the same places, with a `.grad` to
  add into exactly where the old run had one;
* which values must come out (live tensors' pending values) is the same.

A match therefore means the general path would build the same key, so its compiled program
is called directly. Anything else (a saved tensor modified in place, a freed graph, hooks,
create_graph, several roots) goes the general way, which raises PyTorch's errors.
"""
from .._ops.table import LEAF, SCALAR
from .._tape import new_generation, observed

# what a slot is, with what each kind checks
SEEN = 0  # an edge to a slot reached before: the same node
INPUT = 1  # a computed value read by the program: same (shape, dtype), same requires_grad
NUMBER = 2  # a Python-number operand: same type
LEAF_USE = 3  # a leaf's use: the leaf tensor with this index
PENDING = 4  # a node computed by the program outside the gradient: same op, statics, arity; still pending
ON_PATH = 5  # a node the gradient flows through: same op, statics, arity; not freed, saved values unchanged

_templates = {}  # (root op id, root statics, root mk, cotangent mk) -> [Template, ...] (most recent first)
_PER_KEY = 4


def key_of(root, cot, accumulate):
    return (root.op.id if root.op is not None else -1, root.statics, root.mk, cot.mk, accumulate)


class Template:
    __slots__ = ("fn", "nslots", "nleaves", "segments", "old_targets", "has_old", "in_slots", "float_slots",
                 "int_slots", "structure", "root_slot", "root_out", "pre_slots", "pre_out", "free_slots")

    def __init__(self, fn, structure, w, root, cot, olds, old_targets, leaf_tensors, leaf_of, aux, pre_out):
        self.fn = fn
        self.structure = structure  # the general path's key: one template per structure
        self.nslots = w.n
        self.nleaves = len(leaf_tensors)
        self.old_targets = list(old_targets)
        self.has_old = [k in set(old_targets) for k in range(len(leaf_tensors))]
        self.in_slots = [n.sl for n in w.inputs]
        self.float_slots = [n.sl for n in w.scalars if not isinstance(n.value, (bool, int))]
        self.int_slots = [n.sl for n in w.scalars if isinstance(n.value, (bool, int))]
        self.root_slot = root.sl
        self.root_out = bool(aux)
        self.pre_slots = [n.sl for n in w.pre]
        outs = {id(n) for n in pre_out}
        self.pre_out = [id(n) in outs for n in w.pre]
        self.free_slots = [n.sl for n in w.fwd if n.op.saves and n.sl in w.in_fwd_rg]
        kind = {}
        for n in w.inputs:
            kind[n.sl] = (INPUT, n.mk, n.requires_grad, None)
        for n in w.scalars:
            kind[n.sl] = (NUMBER, n.mk, None, None)
        for n, _, _ in w.diff:
            kind[n.sl] = (LEAF_USE, leaf_of[id(n.leaf)], None, None)
        for n in w.pre:
            kind[n.sl] = (PENDING, n.op, n.statics, (len(n.args), n.requires_grad))
        for n in w.fwd:
            if n.sl in w.in_fwd_rg:
                kind[n.sl] = (ON_PATH, n.op, n.statics, len(n.args))
            else:
                kind[n.sl] = (PENDING, n.op, n.statics, (len(n.args), n.requires_grad))
        seen = set()
        # the root's part first: it reaches every leaf, whose old .grad the later segments start from
        self.segments = [(0, 0, self._steps(root, kind, seen))]
        for k, o in zip(old_targets, olds):
            self.segments.append((1, k, self._steps(o, kind, seen)))
        self.segments.append((2, 0, self._steps(cot, kind, seen)))

    @staticmethod
    def _steps(anchor, kind, seen):
        """Top-down directions to every slot below `anchor`: (parent slot or -1, argument index, slot, check)."""
        steps = []
        stack = [(-1, 0, anchor)]
        while stack:
            p, k, n = stack.pop()
            s = n.sl
            if s in seen:
                steps.append((p, k, s, SEEN, None, None, None))
                continue
            seen.add(s)
            what, e1, e2, e3 = kind[s]
            steps.append((p, k, s, what, e1, e2, e3))
            if what == LEAF_USE:
                stack.append((s, 0, n.args[0]))
            elif what >= PENDING:
                for i in range(len(n.args) - 1, -1, -1):
                    stack.append((s, i, n.args[i]))
        return steps


def clear():
    _templates.clear()


def install(tpl, key):
    lst = _templates.get(key)
    if lst is None:
        if len(_templates) > 1024:
            _templates.clear()
        lst = _templates[key] = []
    lst[:] = [t for t in lst if t.structure != tpl.structure]
    lst.insert(0, tpl)
    del lst[_PER_KEY:]


def find(root, cot, accumulate):
    """(template, slot nodes, leaf tensors, pre_out nodes) for a matching template, else None."""
    lst = _templates.get(key_of(root, cot, accumulate))
    if not lst:
        return None
    for tpl in lst:
        found = match(tpl, root, cot)
        if found is not None:
            return (tpl,) + found
    return None


def match(tpl, root, cot):
    gen = new_generation()
    nodes = [None] * tpl.nslots
    lts = [None] * tpl.nleaves
    for anchor, idx, steps in tpl.segments:
        if anchor == 0:
            a = root
        elif anchor == 1:
            t = lts[idx]
            g = t._grad if t is not None else None
            if g is None or t.__dict__.get("_hooks_pre"):
                return None
            a = g._node()
        else:
            a = cot
        for p, k, s, what, e1, e2, e3 in steps:
            if p >= 0:
                args = nodes[p].args
                if k >= len(args):
                    return None
                a = args[k]
            if what == SEEN:
                if a is not nodes[s]:
                    return None
                continue
            if a.tag == gen:
                return None  # one node in two slots: the sharing differs
            a.tag = gen
            nodes[s] = a
            if what == ON_PATH:
                if a.op is not e1 or not a.requires_grad or a.freed or len(a.args) != e3 or a.statics != e2:
                    return None
                saved = a.saved
                if saved:
                    for vc, version, _ in saved:
                        if vc[0] != version:
                            return None
            elif what == PENDING:
                if a.op is not e1 or a.value is not None or (len(a.args), a.requires_grad) != e3 or a.statics != e2:
                    return None
            elif what == INPUT:
                if a.value is None or a.mk != e1 or a.requires_grad is not e2 or a.op is SCALAR:
                    return None
            elif what == NUMBER:
                if a.op is not SCALAR or a.mk is not e1:
                    return None
            else:  # LEAF_USE
                if a.op is not LEAF:
                    return None
                t = a.leaf
                have = lts[e1]
                if have is None:
                    lts[e1] = t
                elif have is not t:
                    return None
    if tpl.nleaves > 1 and len({id(t) for t in lts}) != tpl.nleaves:
        return None  # two leaf indices are one tensor
    for t, old in zip(lts, tpl.has_old):
        if not old and t._grad is not None and not t.__dict__.get("_hooks_pre"):
            return None  # a .grad to add into where the program has none
    if (root.value is None and root.out is not None and observed(root)) is not tpl.root_out:
        return None
    pre_out = []
    for s, out in zip(tpl.pre_slots, tpl.pre_out):
        n = nodes[s]
        if (n.out is not None and observed(n)) is not out:
            return None
        if out:
            pre_out.append(n)
    return nodes, lts, pre_out
