"""A recurring backward, re-found along the path its last run took instead of walked again.

A training loop calls `loss.backward()` on the same structure every step. The general path
(`engine.run_backward`) marks the gradient path, walks the tape, builds a structural key and
looks the compiled program up by it: on a scalar model that is most of a step's cost. Once a
structure has a compiled program, this module keeps a *template* of it: every node the walk
found, how to reach it from the root (which argument of which earlier node), and what it must
look like (op, static arguments, number of arguments, requires_grad, pending or computed,
shape and dtype of a computed input, leaf tensor), written out as straight-line Python (one
block of tests per node: no loop, no dispatch on kinds) and compiled once. That `check`
follows the directions on the current tape and tests each node as it goes:

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
import jax
import numpy as np

from .._ops.table import LEAF
from .._tape import new_generation, observed

# what a slot is, with what each kind checks
SEEN = 0  # an edge to a slot reached before: the same node
INPUT = 1  # a computed value read by the program: same (shape, dtype), same requires_grad
NUMBER = 2  # a Python-number operand: same type
LEAF_USE = 3  # a leaf's use: the leaf tensor with this index
PENDING = 4  # a node computed by the program outside the gradient: same op, statics, arity; still pending
ON_PATH = 5  # a node the gradient flows through: same op, statics, arity; not freed, saved values unchanged

_templates = {}  # key_of(root, cotangent, accumulate) -> [Template, ...] (most recent first)
_PER_KEY = 4


def key_of(root, cot, accumulate):
    return (root.op.id if root.op is not None else -1, root.statics, root.mk, cot.mk, accumulate)


class Template:
    """One structure's directions, compiled into a Python function `check(root, cot, gen)` that
    follows them on the current tape and returns what the program needs (or None)."""

    __slots__ = ("fn", "structure", "old_targets", "check", "source", "_floats", "_floats_in")

    def __init__(self, fn, structure, w, root, cot, olds, old_targets, leaf_tensors, leaf_of, aux, pre_out):
        self.fn = fn
        self.structure = structure  # the general path's key: one template per structure
        self.old_targets = list(old_targets)
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
        segments = [(0, 0, _steps(root, kind, seen))]
        for k, o in zip(old_targets, olds):
            segments.append((1, k, _steps(o, kind, seen)))
        segments.append((2, 0, _steps(cot, kind, seen)))
        outs = {id(n) for n in pre_out}
        replaced = {id(o) for o in olds}  # an old .grad's pending value: replaced by the new total, never an output
        exits = {
            "inputs": [n.sl for n in w.inputs],
            "floats": [n.sl for n in w.scalars if not isinstance(n.value, (bool, int))],
            "ints": [n.sl for n in w.scalars if isinstance(n.value, (bool, int))],
            "nleaves": len(leaf_tensors),
            "has_old": [k in old_targets for k in range(len(leaf_tensors))],
            "root": (root.sl, bool(aux)),
            "pre": [(n.sl, id(n) in outs) for n in w.pre if id(n) not in replaced],
            "free": [n.sl for n in w.fwd if n.op.saves and n.sl in w.in_fwd_rg],
        }
        self.source, env = _generate(segments, exits)
        exec(compile(self.source, f"<backward template {id(self):x}>", "exec"), env)
        self.check = env["check"]
        self._floats = self._floats_in = None

    def numbers(self, floats):
        """The float operands as the program's input array, on the device: the one from the last
        call when the numbers are the same (a training loop's constants and learning rate), which
        saves a host-to-device copy per call. Zeros are never reused (0.0 == -0.0)."""
        if floats == self._floats and 0.0 not in floats:
            return self._floats_in
        arr = jax.device_put(np.asarray(floats, np.float64))
        if not isinstance(arr, jax.core.Tracer):  # inside facade.jit's trace: a tracer, never kept
            self._floats, self._floats_in = floats, arr
        return arr


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


def _generate(segments, exits):
    """The source of `check` (straight-line code: one block of tests per slot) and its globals."""
    env = {"LEAF": LEAF, "observed": observed, "versions_ok": _versions_ok}
    out = ["def check(root, cot, gen):"]

    def emit(line):
        out.append("    " + line)

    leaves = set()
    for anchor, idx, steps in segments:
        for p, k, s, what, e1, e2, e3 in steps:
            n = f"n{s}"
            if p >= 0:
                src = f"n{p}.args[{k}]"
            elif anchor == 0:
                src = "root"
            elif anchor == 2:
                src = "cot"
            else:
                if idx not in leaves:
                    raise ValueError("an old .grad of a leaf the root does not reach")
                emit(f"g = l{idx}._grad")
                emit(f"if g is None or l{idx}.__dict__.get('_hooks_pre'): return None")
                src = "g._node()"
            if what == SEEN:
                emit(f"if {src} is not {n}: return None")
                continue
            emit(f"{n} = {src}")
            emit(f"if {n}.tag == gen: return None")  # one node in two slots: the sharing differs
            emit(f"{n}.tag = gen")
            if what == ON_PATH:
                env[f"O{s}"], env[f"S{s}"] = e1, e2
                emit(f"if {n}.op is not O{s} or not {n}.requires_grad or {n}.freed or len({n}.args) != {e3} "
                     f"or {n}.statics != S{s}: return None")
                emit(f"if {n}.saved and not versions_ok({n}.saved): return None")
            elif what == PENDING:
                env[f"O{s}"], env[f"S{s}"] = e1, e2
                emit(f"if {n}.op is not O{s} or {n}.value is not None or len({n}.args) != {e3[0]} "
                     f"or {n}.requires_grad is not {e3[1]} or {n}.statics != S{s}: return None")
            elif what == INPUT:
                env[f"M{s}"] = e1
                emit(f"if {n}.value is None or {n}.mk != M{s} or {n}.requires_grad is not {e2}: return None")
            elif what == NUMBER:
                env[f"T{s}"] = e1  # a number node's mk is its Python type (no other node's is)
                emit(f"if {n}.mk is not T{s}: return None")
            else:  # LEAF_USE
                emit(f"if {n}.op is not LEAF: return None")
                if e1 in leaves:
                    emit(f"if {n}.leaf is not l{e1}: return None")
                else:
                    leaves.add(e1)
                    emit(f"l{e1} = {n}.leaf")
    nl = exits["nleaves"]
    names = [f"l{k}" for k in range(nl)]
    if nl > 1:
        emit(f"if len({{{', '.join(f'id({x})' for x in names)}}}) != {nl}: return None  # two indices, one tensor")
    for x, old in zip(names, exits["has_old"]):
        if not old:  # a .grad to add into where the program has none
            emit(f"if {x}._grad is not None and not {x}.__dict__.get('_hooks_pre'): return None")
    rs, rout = exits["root"]
    emit(f"if (n{rs}.value is None and n{rs}.out is not None and observed(n{rs})) is not {rout}: return None")
    for s, kept in exits["pre"]:
        emit(f"if (n{s}.out is not None and observed(n{s})) is not {kept}: return None")

    def lst(slots, attr=""):
        return "[" + ", ".join(f"n{s}{attr}" for s in slots) + "]"

    emit("return (" + ", ".join([
        lst(exits["inputs"]), lst(exits["floats"], ".value"), lst(exits["ints"], ".value"),
        "[" + ", ".join(names) + "]", lst([s for s, kept in exits["pre"] if kept]),
        f"[n{rs}]" if rout else "[]", lst(exits["free"])]) + ")")
    return "\n".join(out) + "\n", env


def _versions_ok(saved):
    for vc, version, _ in saved:
        if vc[0] != version:
            return False
    return True


def clear():
    _templates.clear()


def install(fn, structure, w, root, cot, olds, old_targets, leaf_tensors, leaf_of, aux, pre_out, accumulate):
    """Keep a template of the backward the general path just ran with compiled program `fn`."""
    try:
        tpl = Template(fn, structure, w, root, cot, olds, old_targets, leaf_tensors, leaf_of, aux, pre_out)
    except ValueError:
        return  # a shape of graph the directions do not cover: it keeps taking the general path
    key = key_of(root, cot, accumulate)
    lst = _templates.get(key)
    if lst is None:
        if len(_templates) > 1024:
            _templates.clear()
        lst = _templates[key] = []
    lst[:] = [t for t in lst if t.structure != tpl.structure]
    lst.insert(0, tpl)
    del lst[_PER_KEY:]


def find(root, cot, accumulate):
    """What a matching template's check returns (inputs, floats, ints, leaf tensors, kept pending
    nodes, kept roots, nodes to free) and the template, else None."""
    lst = _templates.get(key_of(root, cot, accumulate))
    if not lst:
        return None
    for i, tpl in enumerate(lst):
        found = tpl.check(root, cot, new_generation())
        if found is not None:
            if i:  # most recently matched first: a loop's steady step is tried before its rarer variants
                lst.insert(0, lst.pop(i))
            return tpl, found
    return None
