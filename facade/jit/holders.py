"""Who holds a value between calls of a jitted step.

A call may hand a buffer to XLA (donate the old state, reuse an old gradient's buffer) or give
a node a new value in place only when nothing but facade's own records holds it: a pending op
recorded on a parameter, a tensor the user kept, a LEAF node or a deepcopy must go on reading
the old value. These checks count references (`sys.getrefcount`); each comment lists who the
expected holders are.
"""
import sys


def donatable(entry, entries, fast, state_vals):
    """True when nothing but the state's own storage holds the values the program would take
    over. Something else may: a pending op recorded on a parameter since the last call
    (`before = w.clone()`, an eager forward), a LEAF node, a deepcopy sharing the array.
    Those must still read the old values after the call, so then nothing is donated.
    `entries`: all the step's entries; `fast`: the one whose call ran last."""
    getrefcount = sys.getrefcount
    for k in entry.donated:
        node = entry.state[k]._storage.node
        # the storage, this frame's `node`, getrefcount's argument, and the fast guards'
        # records: after the entry's own last call only its record can hold the node
        # the value: the node, the input list, this frame's `value`, getrefcount's argument,
        # and the same records
        value = state_vals[k]
        if fast is entry:
            expected = 3 + (entry.after_nodes[k] is node)
            expected_value = 4 + (entry.after_vals[k] is value)
        else:
            expected = 3 + sum(n is node for e in entries for n in e.after_nodes)
            expected_value = 4 + sum(v is value for e in entries for v in e.after_vals)
        if getrefcount(node) != expected or getrefcount(value) != expected_value:
            return False
    return True


def recycled(entry, entries):
    """The values of the .grad tensors the step replaces (zero_grad() drops them, backward
    makes new ones), for the program to take over their buffers (layout.py), when
    each still has one and nothing but its owner and facade's records holds it, its storage,
    its node or its value (a tensor kept, an alias, a pending op reading it, or the state
    itself reading it). None otherwise."""
    getrefcount = sys.getrefcount
    state, after_grads = entry.state, entry.after_grads
    ids = entry.storage_ids
    listed = _listed(entries if entry in entries else (*entries, entry))
    out = []
    for k in entry.recycles:
        g = state[k]._grad
        if g is None or id(g._storage) in ids:
            return None
        # this frame's `g`, getrefcount's argument, the owner's ._grad, the fast guard's
        # record, the entries' grad-object lists
        held = 3 + (k < len(after_grads) and after_grads[k] is g) + listed.get(id(g), 0)
        if getrefcount(g) != held or getrefcount(g._storage) != 2:
            return None
        n = g._storage.node
        if n.op is not None or getrefcount(n) != 3:  # the storage, `n`, the argument
            return None
        v = n.value
        if v is None or getrefcount(v) != 3:  # the node, `v`, the argument
            return None
        out.append(v)
    return out


def grad_holders(entry, others, k, g):
    """What sys.getrefcount(g) reads when nothing outside facade holds the .grad tensor g
    that entry's step last made for its state tensor k: the caller's `g` and the argument,
    the owner's ._grad, the fast guard's record, and the grad-object lists of entry and of
    the `others` entries."""
    n = 3 + (entry.state[k]._grad is g) + (entry.after_grads[k] is g)
    return n + sum(o is g for e in others for o in e.grad_objects) if others else n


def _listed(entries):
    """id -> how many places in the entries' grad-object lists hold that tensor (counted in a
    frame of its own: a loop variable left bound here would be one more holder)."""
    counts = {}
    for e in entries:
        for o in e.grad_objects:
            counts[id(o)] = counts.get(id(o), 0) + 1
    return counts
