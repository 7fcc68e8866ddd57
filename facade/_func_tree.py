"""Pytrees as torch.func sees them (torch.utils._pytree), for facade.func's transforms.

JAX's own pytrees sort a dict's keys; torch keeps insertion order, and code zips a transform's
result with `model.parameters()`. So facade.func flattens the caller's containers here — tuples,
lists, namedtuples (and torch.return_types), dicts, OrderedDicts, defaultdicts — hands JAX only
flat lists of values, and rebuilds every result with the caller's own container types and key
order. Anything else is a leaf (tensors, and non-tensors the transforms pass through as is).
"""
import collections

_DICTS = (dict, collections.OrderedDict, collections.defaultdict)


class Spec:
    """The structure of a flattened tree: `kind` is None for a leaf; `ctx` holds the container's
    type (and a dict's keys, a defaultdict's factory); `children` the subtrees' specs."""

    __slots__ = ("kind", "ctx", "children", "n")

    def __init__(self, kind=None, ctx=None, children=()):
        self.kind, self.ctx, self.children = kind, ctx, tuple(children)
        self.n = 1 if kind is None else sum(c.n for c in self.children)

    def __eq__(self, other):
        return (isinstance(other, Spec) and self.kind == other.kind and self.children == other.children
                and (self.kind != "dict" or list(self.ctx[1]) == list(other.ctx[1])))

    def __hash__(self):
        return hash((self.kind, self.children))

    def __str__(self):
        if self.kind is None:
            return "*"
        inner = [str(c) for c in self.children]
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {s}" for k, s in zip(self.ctx[1], inner)) + "}"
        if self.kind == "list":
            return "[" + ", ".join(inner) + "]"
        return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"


LEAF = Spec()


def flatten(tree):
    """tree -> (leaves, spec); leaves in torch's order (a dict's in insertion order)."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(x, out):
    if isinstance(x, _DICTS):
        factory = x.default_factory if isinstance(x, collections.defaultdict) else None
        keys = list(x)
        return Spec("dict", (type(x), keys, factory), [_flatten(x[k], out) for k in keys])
    if isinstance(x, list):
        return Spec("list", list, [_flatten(v, out) for v in x])
    if isinstance(x, tuple):
        return Spec("tuple", type(x), [_flatten(v, out) for v in x])
    out.append(x)
    return LEAF


def unflatten(spec, leaves):
    """The tree of `spec`'s structure holding `leaves` (any iterable, consumed in order)."""
    return _unflatten(spec, iter(leaves))


def _unflatten(spec, it):
    if spec.kind is None:
        return next(it)
    items = [_unflatten(c, it) for c in spec.children]
    if spec.kind == "dict":
        typ, keys, factory = spec.ctx
        if typ is collections.defaultdict:
            return collections.defaultdict(factory, zip(keys, items))
        return typ(zip(keys, items))
    if spec.kind == "list":
        return items
    typ = spec.ctx
    if typ is tuple:
        return tuple(items)
    if hasattr(typ, "_fields"):
        return typ(*items)
    return typ(items)


def chunks(spec_list, leaves):
    """Split a flat list into consecutive pieces of the given specs' leaf counts."""
    out, i = [], 0
    for s in spec_list:
        out.append(leaves[i:i + s.n])
        i += s.n
    return out


def broadcast_prefix(prefix, spec, fail):
    """One entry of `prefix` per leaf of `spec`, where `prefix` is a tree whose leaves stand for whole
    subtrees (vmap's in_dims / out_dims). A dict prefix matches a dict of as many entries, entry by
    entry in order, whatever its keys (as torch's). `fail()` is called (and must raise) when the structures do not match."""
    out = []
    _broadcast(prefix, spec, out, fail)
    return out


def _broadcast(p, spec, out, fail):
    if not isinstance(p, (list, tuple, *_DICTS)):
        out.extend([p] * spec.n)
        return
    if spec.kind is None:
        fail()
    if isinstance(p, _DICTS):  # torch pairs a dict's entries by position, not by key
        if spec.kind != "dict" or len(p) != len(spec.children):
            fail()
        for v, c in zip(p.values(), spec.children):
            _broadcast(v, c, out, fail)
        return
    if spec.kind != ("list" if isinstance(p, list) else "tuple") or len(p) != len(spec.children):
        fail()
    for v, c in zip(p, spec.children):
        _broadcast(v, c, out, fail)
