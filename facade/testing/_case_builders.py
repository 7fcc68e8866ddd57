"""Case builders: how the arguments of each family of ops are drawn.

A builder is `build(draw, dtype, limits, smooth) -> (arrays, kwargs)`: `draw` is hypothesis'
draw function, `dtype` the facade dtype of the main input, `limits` the largest rank and side,
`smooth` asks for values away from the op's kinks (for gradcheck).
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import _dtype
from ._domains import Domain
from .strategies import arrays, dims, mutually_broadcastable_shapes, shapes

REAL = Domain()
LONG = _dtype.int64
BOOL = _dtype.bool_


def shape_of(draw, limits, *, min_dims=0, max_dims=None, min_side=1):
    top = limits["max_dims"] if max_dims is None else min(max_dims, max(limits["max_dims"], min_dims))
    return draw(shapes(min_dims=min_dims, max_dims=max(top, min_dims), min_side=min_side,
                       max_side=max(limits["max_side"], min_side)))


def array(draw, dtype, shape, domain=REAL, smooth=False, unique=False):
    return draw(arrays(dtype, shape, domain=domain, smooth=smooth, unique=unique))


def distinct(domain, count):
    """A grid version of domain with at least `count` values, so arrays of distinct values fit."""
    step = 0.125
    half = max(domain.hi - domain.lo, step * count) / 2
    mid = (domain.lo + domain.hi) / 2
    return Domain(mid - half, mid + half, grid=step, offset=domain.offset if domain.grid else 0.0)


def scalar(draw, dtype, domain=REAL):
    """A Python number operand: an int for integer tensors, a float (or sometimes an int) otherwise."""
    if dtype.category < 2:
        return int(draw(domain.elements(LONG)))
    value = draw(domain.elements(_dtype.float64))
    return int(value) if float(value).is_integer() and draw(st.booleans()) else float(value)


# ---- elementwise ---------------------------------------------------------------------------
def unary(domain=REAL, *, min_dims=0, unique=False):
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=min_dims)
        dom = distinct(domain, int(np.prod(shape))) if unique and dtype.category >= 2 else domain
        return (array(draw, dtype, shape, dom, smooth, unique=unique and dtype.category >= 2),), {}

    return build


def binary(da=REAL, db=REAL, *, same_shape=False, other_dtypes=None, into_first=False):
    """Two tensors of broadcastable shapes (the second's dtype drawn from other_dtypes if given;
    into_first: the second broadcasts into the first's shape)."""
    def build(draw, dtype, limits, smooth):
        if same_shape:
            sa = sb = shape_of(draw, limits)
        else:
            sa, sb = draw(mutually_broadcastable_shapes(2, max_dims=limits["max_dims"], max_side=limits["max_side"]))
            if into_first:
                sa = np.broadcast_shapes(sa, sb)
        d2 = dtype if other_dtypes is None else _dtype.ALIASES[draw(st.sampled_from(other_dtypes))]
        return (array(draw, dtype, sa, da, smooth), array(draw, d2, sb, db, smooth)), {}

    return build


def with_scalar(domain=REAL, scalar_domain=REAL, name="other"):
    """One tensor and one Python number passed as keyword `name`."""
    def build(draw, dtype, limits, smooth):
        x = array(draw, dtype, shape_of(draw, limits), domain, smooth)
        return (x,), {name: scalar(draw, dtype, scalar_domain)}

    return build


def ternary(da=REAL, db=REAL, dc=REAL, *, into_first=False):
    """Three broadcastable tensors (into_first: the other two broadcast into the first's shape)."""
    def build(draw, dtype, limits, smooth):
        sa, sb, sc = draw(mutually_broadcastable_shapes(3, max_dims=limits["max_dims"], max_side=limits["max_side"]))
        if into_first:
            sa = np.broadcast_shapes(sa, sb, sc)
        return (array(draw, dtype, sa, da, smooth), array(draw, dtype, sb, db, smooth),
                array(draw, dtype, sc, dc, smooth)), {}

    return build


def where_args(domain=REAL, *, scalar=False):
    """A boolean condition and two tensors (scalar=True: one tensor, the other operand is in the call)."""
    def build(draw, dtype, limits, smooth):
        sc, sa, sb = draw(mutually_broadcastable_shapes(3, max_dims=limits["max_dims"], max_side=limits["max_side"]))
        arrays = (array(draw, BOOL, sc), array(draw, dtype, sa, domain, smooth))
        return (arrays if scalar else arrays + (array(draw, dtype, sb, domain, smooth),)), {}

    return build


# ---- reductions and dim ops ----------------------------------------------------------------
def reduction(domain=REAL, *, dim="optional", keepdim=True, tuple_dims=False, unique=False, min_size=1,
              min_dims=0, extra=None):
    """One tensor and a dim: dim="optional" (may be omitted), "required", or "tuple" (int or tuple).

    min_size: smallest size of the reduced dims; extra(draw, shape) adds keyword arguments.
    """
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=min_dims)
        kwargs = {}
        choices = [dims(shape)] + ([_tuple_dims(shape)] if tuple_dims else [])
        if dim == "optional":
            choices.append(st.none())
        d = draw(st.one_of(*choices))
        if d is not None:
            kwargs["dim"] = d
            if keepdim:
                kwargs["keepdim"] = draw(st.booleans())
        shape = _grow(shape, d, min_size)
        if extra is not None:
            kwargs.update(extra(draw, shape))
        dom = distinct(domain, int(np.prod(shape))) if unique and dtype.category >= 2 else domain
        return (array(draw, dtype, shape, dom, smooth, unique=unique and dtype.category >= 2),), kwargs

    return build


def _tuple_dims(shape):
    n = len(shape)
    if n == 0:
        return st.just((0,))
    return st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).flatmap(
        lambda ds: st.tuples(*[st.sampled_from((d, d - n)) for d in ds]))


def _grow(shape, d, min_size):
    """shape with the reduced dims at least min_size long (all dims when d is None)."""
    if min_size <= 1 or not shape:
        return shape
    reduced = range(len(shape)) if d is None else [x % len(shape) for x in ((d,) if isinstance(d, int) else d)]
    return tuple(max(s, min_size) if i in reduced else s for i, s in enumerate(shape))


def along_dim(domain=REAL, *, unique=False, min_dims=0, extra=None, min_size=1):
    """One tensor and a required `dim` (ops like softmax, cumsum, sort); extra(draw, shape, dim) adds kwargs."""
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=min_dims)
        d = draw(dims(shape))
        shape = _grow(shape, d, min_size)
        kwargs = {"dim": d}
        if extra is not None:
            kwargs.update(extra(draw, shape, d))
        dom = distinct(domain, int(np.prod(shape))) if unique and dtype.category >= 2 else domain
        return (array(draw, dtype, shape, dom, smooth, unique=unique and dtype.category >= 2),), kwargs

    return build


def shaped(make_kwargs, domain=REAL, *, min_dims=0, max_dims=None, min_side=1):
    """One tensor; make_kwargs(draw, shape) draws the other arguments from its shape."""
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=min_dims, max_dims=max_dims, min_side=min_side)
        return (array(draw, dtype, shape, domain, smooth),), make_kwargs(draw, shape)

    return build


def several(count_min=1, count_max=3, *, dim_arg="cat", domain=REAL):
    """A list of tensors for cat (equal except along dim) or stack (equal shapes), passed as one array each."""
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(count_min, count_max))
        shape = shape_of(draw, limits, min_dims=1 if dim_arg == "cat" else 0)
        if dim_arg == "cat":
            d = draw(dims(shape))
            sizes = [draw(st.integers(1, limits["max_side"])) for _ in range(n)]
            shps = [shape[:d % len(shape)] + (s,) + shape[d % len(shape) + 1:] for s in sizes]
        else:
            d = draw(st.integers(-len(shape) - 1, len(shape)))
            shps = [shape] * n
        return tuple(array(draw, dtype, s, domain, smooth) for s in shps), {"dim": d}

    return build


# ---- indexing ops --------------------------------------------------------------------------
def index_array(draw, shape, size):
    return draw(hnp.arrays(np.int64, shape, elements=st.integers(0, size - 1)))


def gather_args(domain=REAL):
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=1)
        d = draw(dims(shape))
        k = d % len(shape)
        ishape = tuple(draw(st.integers(1, s)) if i != k else draw(st.integers(1, limits["max_side"]))
                       for i, s in enumerate(shape))
        x = array(draw, dtype, shape, domain, smooth)
        return (x, index_array(draw, ishape, shape[k])), {"dim": d}

    return build


def scatter_args(domain=REAL, *, unique_targets=False, src=True):
    """input, index, src for scatter-family ops; unique_targets: no two sources hit one position."""
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=1)
        d = draw(dims(shape))
        k = d % len(shape)
        ishape = tuple(draw(st.integers(1, s)) for s in shape)
        if unique_targets:
            idx = _unique_index(draw, ishape, k, shape[k])
        else:
            idx = index_array(draw, ishape, shape[k])
        x = array(draw, dtype, shape, domain, smooth)
        if not src:
            return (x, idx), {"dim": d, "value": scalar(draw, dtype, domain)}
        return (x, idx, array(draw, dtype, ishape, domain, smooth)), {"dim": d}

    return build


def _unique_index(draw, ishape, k, size):
    """An index whose entries along dim k are distinct (a permutation prefix per line)."""
    perm = draw(st.permutations(range(size)))
    line = np.array(perm[:ishape[k]], np.int64)
    shape = [1] * len(ishape)
    shape[k] = ishape[k]
    return np.broadcast_to(line.reshape(shape), ishape).copy()


def index_select_args(domain=REAL):
    def build(draw, dtype, limits, smooth):
        shape = shape_of(draw, limits, min_dims=1)
        d = draw(dims(shape))
        n = draw(st.integers(0, limits["max_side"]))
        return (array(draw, dtype, shape, domain, smooth), index_array(draw, (n,), shape[d % len(shape)])), {"dim": d}

    return build


def masked_args(domain=REAL, value=True):
    def build(draw, dtype, limits, smooth):
        sx, sm = draw(mutually_broadcastable_shapes(2, max_dims=limits["max_dims"], max_side=limits["max_side"]))
        sm = sm if value and len(sm) <= len(sx) and np.broadcast_shapes(sx, sm) == tuple(sx) else sx
        kwargs = {"value": scalar(draw, dtype, domain)} if value else {}
        return (array(draw, dtype, sx, domain, smooth), array(draw, BOOL, sm)), kwargs

    return build


# ---- linear algebra ------------------------------------------------------------------------
def matrices(*shape_fns):
    """Tensors whose shapes come from shape_fns(n, k, m, b) with sides n, k, m and a batch size b."""
    def build(draw, dtype, limits, smooth):
        side = st.integers(1, limits["max_side"])
        n, k, m, b = (draw(side) for _ in range(4))
        return tuple(array(draw, dtype, fn(n, k, m, b), REAL, smooth) for fn in shape_fns), {}

    return build


def matmul_args():
    """Two operands of matmul with any ranks 1-4 and broadcast batch dims."""
    def build(draw, dtype, limits, smooth):
        side = st.integers(1, limits["max_side"])
        ra, rb = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        n, k, m = draw(side), draw(side), draw(side)
        batch_a, batch_b = draw(mutually_broadcastable_shapes(2, max_dims=2, max_side=3))
        sa = (k,) if ra == 1 else batch_a[len(batch_a) - (ra - 2):] + (n, k) if ra > 2 else (n, k)
        sb = (k,) if rb == 1 else batch_b[len(batch_b) - (rb - 2):] + (k, m) if rb > 2 else (k, m)
        return (array(draw, dtype, sa, REAL, smooth), array(draw, dtype, sb, REAL, smooth)), {}

    return build
