"""Op specs for core ops in the explicit cases the generic specs reach only rarely (see _op_specs.py).

Advanced indexing, isclose, reshapes strides can or cannot express, split with sizes, and views
read after their base was written in place.
"""
import itertools

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ._case_builders import REAL, array, shape_of
from ._domains import Domain
from ._op_specs import spec
from ._spec_helpers import _one
from .strategies import dims, mutually_broadcastable_shapes


# ---- core ops, explicit cases --------------------------------------------------------------


def _advanced_args(draw, dtype, limits, smooth):
    """x and an integer index tensor placed after `lead` full slices (x[:, idx] for lead=1)."""
    shape = shape_of(draw, limits, min_dims=1)
    lead = draw(st.integers(0, len(shape) - 1))
    size = shape[lead]
    ishape = shape_of(draw, limits, max_dims=2)
    idx = draw(hnp.arrays(np.int64, ishape, elements=st.integers(-size, size - 1)))
    return (array(draw, dtype, shape, REAL, smooth), idx), {"lead": lead}


def _two_index_args(draw, dtype, limits, smooth):
    """x and two broadcastable index tensors, for dims 0 and 1 (adjacent) or 0 and 2 (a slice between)."""
    apart = draw(st.booleans())
    shape = shape_of(draw, limits, min_dims=3 if apart else 2, max_dims=3)
    # index tensors of at least one dim: PyTorch reads a 0-d one as an integer (a select before the advanced
    # indexing), numpy as an advanced index, and the two place the result's dims differently
    sa, sb = draw(mutually_broadcastable_shapes(2, min_dims=1, max_dims=2, max_side=limits["max_side"]))
    second = 2 if apart else 1
    i = draw(hnp.arrays(np.int64, sa, elements=st.integers(-shape[0], shape[0] - 1)))
    j = draw(hnp.arrays(np.int64, sb, elements=st.integers(-shape[second], shape[second] - 1)))
    return (array(draw, dtype, shape, REAL, smooth), i, j), {"apart": apart}


def _mask_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    k = draw(st.integers(1, len(shape)))
    return (array(draw, dtype, shape, REAL, smooth), draw(hnp.arrays(np.bool_, shape[:k]))), {}


def _two_index(x, i, j, apart):
    return x[i, :, j] if apart else x[i, j]


spec("getitem.advanced", lambda T, x, idx, lead: x[(slice(None),) * lead + (idx,)], _advanced_args,
     lambda x, idx, lead: x[(slice(None),) * lead + (idx,)], dtypes=("float32", "float64", "int64"))
spec("getitem.advanced_pair", lambda T, x, i, j, apart: _two_index(x, i, j, apart), _two_index_args, _two_index)
spec("getitem.mask", lambda T, x, mask: x[mask], _mask_args, lambda x, mask: x[mask],
     dtypes=("float32", "float64", "int64"))


def _isclose_args(draw, dtype, limits, smooth):
    """Values 0.5 apart (and nan / ±inf): the tolerances decide which neighbours are close, never at a tie."""
    sa, sb = draw(mutually_broadcastable_shapes(2, max_dims=limits["max_dims"], max_side=limits["max_side"]))
    dom = Domain(-2.0, 2.0, grid=0.5, special=dtype.category >= 2)
    kw = {"rtol": _one(draw, (1e-5, 0.07)), "atol": _one(draw, (1e-8, 0.3, 0.6)), "equal_nan": draw(st.booleans())}
    return (array(draw, dtype, sa, dom), array(draw, dtype, sb, dom)), kw


spec("isclose", lambda T, a, b, rtol, atol, equal_nan: T.isclose(a, b, rtol, atol, equal_nan), _isclose_args,
     lambda a, b, rtol, atol, equal_nan: np.isclose(a, b, rtol, atol, equal_nan),
     dtypes=("float32", "float64", "int64"), differentiable=False)


def _transposed_shape(draw, limits):
    """A shape of at least two dims of at least 2: its transpose is not contiguous."""
    return shape_of(draw, limits, min_dims=2, min_side=2)


def _reshape_args(expressible):
    def build(draw, dtype, limits, smooth):
        shape = _transposed_shape(draw, limits)
        t = (shape[-1],) + shape[1:-1] + (shape[0],)  # the shape of x.transpose(0, -1)
        if expressible:  # size-1 dims added, or the leading dim split: strides can still express them
            new = draw(st.sampled_from([t + (1,), (1,) + t, t[:1] + (1,) + t[1:]]))
        else:  # dims merged across the transpose: needs a copy
            new = draw(st.sampled_from([(-1,), (t[0] * t[1],) + t[2:]]))
        return (array(draw, dtype, shape, REAL, smooth),), {"shape": new}

    return build


spec("reshape.noncontiguous", lambda T, x, shape: x.transpose(0, -1).reshape(shape), _reshape_args(True),
     lambda x, shape: np.swapaxes(x, 0, -1).reshape(shape), dtypes=("float32", "float64", "int64"))
spec("reshape.copy", lambda T, x, shape: x.transpose(0, -1).reshape(shape), _reshape_args(False),
     lambda x, shape: np.swapaxes(x, 0, -1).reshape(shape), dtypes=("float32", "float64", "int64"))


def _split_sizes_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=1)
    d = draw(dims(shape))
    size = shape[d % len(shape)]
    cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3)))
    bounds = [0] + cuts + [size]
    sizes = [b - a for a, b in itertools.pairwise(bounds)]
    return (array(draw, dtype, shape, REAL, smooth),), {"sizes": sizes, "dim": d}


def _split_sizes_ref(x, sizes, dim):
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))


spec("split.sizes", lambda T, x, sizes, dim: x.split(sizes, dim), _split_sizes_args, _split_sizes_ref)

_VIEWS = {  # how the view is taken: (facade / torch, numpy)
    "select": (lambda y: y[0], lambda y: y[0]),
    "transpose": (lambda y: y.transpose(0, -1), lambda y: np.swapaxes(y, 0, -1)),
    "slice": (lambda y: y[..., 1:], lambda y: y[..., 1:]),
    "diagonal": (lambda y: y.diagonal(), lambda y: np.diagonal(y)),
    "two_views": (lambda y: y[0].unsqueeze(0)[:, ::2], lambda y: y[0][None][:, ::2]),
}


def _view_args(draw, dtype, limits, smooth):
    shape = shape_of(draw, limits, min_dims=2)
    kw = {"view": _one(draw, sorted(_VIEWS)), "write": _one(draw, ("base", "view", "sibling"))}
    return (array(draw, dtype, shape, REAL, smooth), array(draw, dtype, shape, REAL, smooth)), kw


def _view_after_inplace(T, x, other, view, write):
    """A view of a computed tensor, then an in-place write of its base (or of the view, or of another view of
    the same base): the view reads its base afresh, through one AsStridedBackward0 node. Returns (view, base)."""
    y = x * 1
    v = _VIEWS[view][0](y)
    if write == "base":
        y.mul_(other)
    elif write == "view":
        v.mul_(2.0)
    else:
        y[0].add_(other[0])
    return v, y


def _view_after_inplace_ref(x, other, view, write):
    y = x.copy()
    if write == "base":
        y = y * other
    elif write == "view":
        v = _VIEWS[view][1](y)
        v *= 2.0  # numpy views too
    else:
        y[0] += other[0]
    return np.array(_VIEWS[view][1](y)), y


spec("view_after_inplace", lambda T, x, other, view, write: _view_after_inplace(T, x, other, view, write)[0],
     _view_args, lambda x, other, view, write: _view_after_inplace_ref(x, other, view, write)[0])
spec("view_after_inplace.with_base", _view_after_inplace, _view_args, _view_after_inplace_ref)
