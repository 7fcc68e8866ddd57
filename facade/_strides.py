"""Strides and storage offsets, as PyTorch's strided layout gives them.

facade keeps no strides: a view is its root plus a chain of view ops (see `_views.py`). PyTorch's
`stride()` / `storage_offset()` are recovered by running the chain on (sizes, strides, offset),
starting from the root's row-major layout, with the rule each view op has in PyTorch. An op
without a rule here falls back to the storage positions of the view's elements (exact for dims
longer than 1; a size-1 dim then gets the row-major span of the dims after it).
"""
import numpy as np

__all__ = ["layout"]


def contiguous_strides(shape):
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def layout(root_shape, chain, shape):
    """(strides, offset) of the view `chain` of a root of shape root_shape; shape is the view's shape."""
    try:
        _, strides, offset = _chain(list(root_shape), list(contiguous_strides(root_shape)), 0, chain)
    except _NoRule:
        return _from_positions(root_shape, chain, shape)
    return tuple(strides), offset


class _NoRule(Exception):
    pass


def _from_positions(root_shape, chain, shape):
    from ._views import _positions

    pos = np.asarray(_positions(tuple(root_shape), chain))
    if pos.size == 0:
        return contiguous_strides(shape), 0
    strides = [0] * len(shape)
    for d in reversed(range(len(shape))):
        if shape[d] > 1:
            strides[d] = int(np.take(pos, 1, axis=d).flat[0] - pos.flat[0])
        else:
            strides[d] = strides[d + 1] * shape[d + 1] if d + 1 < len(shape) else 1
    return tuple(strides), int(pos.flat[0])


def view_strides(sizes, strides, new_shape):
    """PyTorch's computeStride: the strides of a view of (sizes, strides) as new_shape, or None when
    no strides can express it (reshape then copies)."""
    new_shape = list(new_shape)
    if not sizes:
        return [1] * len(new_shape)
    numel = int(np.prod(sizes))
    if numel == 0:
        if list(sizes) == new_shape:
            return list(strides)
        return list(contiguous_strides(new_shape))
    out = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    base = strides[-1]
    tensor_numel = view_numel = 1
    for d in reversed(range(len(sizes))):
        tensor_numel *= sizes[d]
        if d == 0 or (sizes[d - 1] != 1 and strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base = strides[d - 1]
                tensor_numel = view_numel = 1
    return out if view_d == -1 else None


def _view(sizes, strides, offset, shape):
    new = view_strides(sizes, strides, shape)
    if new is None:
        raise _NoRule("view")
    return list(shape), new, offset


def _transpose(sizes, strides, offset, a, b):
    if sizes:
        sizes[a], sizes[b] = sizes[b], sizes[a]
        strides[a], strides[b] = strides[b], strides[a]
    return sizes, strides, offset


def _t(sizes, strides, offset):
    return _transpose(sizes, strides, offset, 0, 1) if len(sizes) == 2 else (sizes, strides, offset)


def _permute(sizes, strides, offset, perm):
    return [sizes[p] for p in perm], [strides[p] for p in perm], offset


def _unsqueeze(sizes, strides, offset, d):
    stride = sizes[d] * strides[d] if d < len(sizes) else 1
    return sizes[:d] + [1] + sizes[d:], strides[:d] + [stride] + strides[d:], offset


def _squeeze(sizes, strides, offset, dims, form):
    keep = [k for k in range(len(sizes)) if k not in dims]
    return [sizes[k] for k in keep], [strides[k] for k in keep], offset


def _expand(sizes, strides, offset, shape):
    lead = len(shape) - len(sizes)
    new_strides = [0] * lead
    for size, stride, want in zip(sizes, strides, shape[lead:]):
        new_strides.append(stride if size == want else 0)
    return list(shape), new_strides, offset


def _select(sizes, strides, offset, d, i, *piece):
    return sizes[:d] + sizes[d + 1:], strides[:d] + strides[d + 1:], offset + i * strides[d]


def _slice(sizes, strides, offset, d, s, e, step, *piece):
    sizes, strides = list(sizes), list(strides)
    offset += s * strides[d]
    sizes[d] = max(0, -(-(e - s) // step))
    strides[d] *= step
    return sizes, strides, offset


def _diagonal(sizes, strides, offset, o, a, b):
    if o >= 0:
        n, offset = max(0, min(sizes[a], sizes[b] - o)), offset + o * strides[b]
    else:
        n, offset = max(0, min(sizes[a] + o, sizes[b])), offset - o * strides[a]
    keep = [k for k in range(len(sizes)) if k not in (a, b)]
    return [sizes[k] for k in keep] + [n], [strides[k] for k in keep] + [strides[a] + strides[b]], offset


def _alias(sizes, strides, offset):
    return sizes, strides, offset


def _chain(sizes, strides, offset, chain):
    for op, statics in chain:
        rule = _RULES.get(op.name)
        if rule is None:
            raise _NoRule(op.name)
        sizes, strides, offset = rule(sizes, strides, offset, *statics)
    return sizes, strides, offset


_RULES = {
    "view": _view, "reshape_alias": _view, "transpose": _transpose, "t": _t, "permute": _permute,
    "unsqueeze": _unsqueeze, "squeeze": _squeeze, "expand": _expand, "select": _select, "unbind": _select,
    "slice": _slice, "split": _slice, "split_with_sizes": _slice, "diagonal": _diagonal, "alias": _alias,
    "as_strided_view": _chain,
}
