"""Hypothesis strategies for facade: tensors, shapes, dims, index expressions, op arguments.

    from hypothesis import given
    from facade.testing import strategies as fst

    @given(fst.tensors(dtype=facade.float64, shape=fst.shapes(max_dims=2), requires_grad=True))
    def test_my_function(x): ...

Everything here works in a plain `@given` (no pytest needed) and shrinks towards small,
readable examples: few dims, short sides, values near 0, dim 0, keepdim False.
Floats are finite and bounded ([-10, 10]) unless asked otherwise.
"""
import ml_dtypes
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import _dtype
from ._domains import Domain

__all__ = ["Domain", "arrays", "broadcastable_shapes", "dims", "dims_and_keepdim", "dtypes", "index_expressions",
           "mutually_broadcastable_shapes", "op_inputs", "op_names", "shapes", "tensors"]

FLOAT_DTYPES = ("float32", "float64")


def _as_strategy(x):
    return x if isinstance(x, st.SearchStrategy) else st.just(x)


def _dtype_of(d):
    if isinstance(d, _dtype.dtype):
        return d
    if isinstance(d, str):
        return _dtype.ALIASES[d]
    return _dtype.from_numpy(d)


# ---- shapes and dims -----------------------------------------------------------------------
def shapes(*, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Tensor shapes (tuples); shrinks towards fewer dims and sides of min_side."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(shape, *, min_dims=0, max_dims=None, min_side=1, max_side=None):
    """Shapes that broadcast with `shape` (a tuple)."""
    return hnp.broadcastable_shapes(tuple(shape), min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                    max_side=max_side)


def mutually_broadcastable_shapes(num_shapes, *, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Tuples of `num_shapes` shapes that broadcast together."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(lambda b: b.input_shapes)


def dims(shape, *, negative=True):
    """A valid `dim` argument for a tensor of `shape` (negative dims too); shrinks to 0.

    A 0-d tensor accepts dims 0 and -1, as in PyTorch.
    """
    n = max(len(shape), 1)
    return st.integers(-n if negative else 0, n - 1)


def _dim_tuples(shape):
    n = len(shape)
    return st.lists(st.integers(0, max(n - 1, 0)), min_size=1, max_size=max(n, 1), unique=True).flatmap(
        lambda ds: st.tuples(*[st.sampled_from((d, d - n)) if n else st.just(d) for d in ds]))


def dims_and_keepdim(shape, *, allow_none=False, allow_tuple=False):
    """(dim, keepdim) pairs for a reduction over a tensor of `shape`.

    dim is an int, or (allow_none) None for a full reduction, or (allow_tuple) a tuple of distinct dims.
    """
    options = [dims(shape)]
    if allow_tuple:
        options.append(_dim_tuples(shape))
    if allow_none:
        options.append(st.none())
    return st.tuples(st.one_of(*options), st.booleans())


# ---- values --------------------------------------------------------------------------------
def dtypes(names=FLOAT_DTYPES):
    """facade dtypes drawn from `names` (shrinks to the first)."""
    return st.sampled_from([_dtype_of(n) for n in names])


def arrays(dtype="float32", shape=None, *, elements=None, domain=None, unique=False, smooth=False):
    """numpy arrays of a facade dtype (given as a dtype, a name or a strategy of them).

    Values come from `elements` (a strategy) or a `Domain` (default: finite floats in [-10, 10],
    integers in [-10, 10]); smooth=True keeps them away from the domain's kinks.
    """
    shape = shapes() if shape is None else shape

    @st.composite
    def build(draw):
        d = _dtype_of(draw(_as_strategy(dtype)))
        shp = tuple(draw(_as_strategy(shape)))
        dom = domain if domain is not None else Domain(-10, 10)
        elems = elements if elements is not None else dom.elements(d, smooth=smooth)
        base = np.float64 if d.category >= 2 else d.np
        return _no_subnormals(draw(hnp.arrays(base, shp, elements=elems, unique=unique)).astype(d.np))

    return build()


def _no_subnormals(a):
    """a with values too small to be normal in its dtype set to 0 (XLA on CPU flushes them to zero)."""
    if a.dtype.kind != "f" and a.dtype.name != "bfloat16":
        return a
    tiny = ml_dtypes.finfo(a.dtype).tiny
    a[(a != 0) & (np.abs(a.astype(np.float64)) < float(tiny))] = 0
    return a


def tensors(dtype="float32", shape=None, elements=None, requires_grad=False, device=None, *, domain=None,
            min_value=None, max_value=None, allow_nan=False, allow_infinity=False, unique=False):
    """facade tensors. `shape` and `dtype` may be strategies; floats are finite and bounded.

    min_value / max_value / allow_nan / allow_infinity adjust the default elements; pass
    `elements` (a strategy) or `domain` (a Domain) for full control. requires_grad applies to
    floating-point results.
    """
    if elements is None and domain is None:
        lo = -10.0 if min_value is None else min_value
        hi = 10.0 if max_value is None else max_value
        domain = Domain(lo, hi, special=allow_nan or allow_infinity, nan=allow_nan, inf=allow_infinity)
    return arrays(dtype, shape, elements=elements, domain=domain, unique=unique).map(
        lambda a: _to_tensor(a, requires_grad, device))


def _to_tensor(a, requires_grad, device):
    from .. import tensor

    t = tensor(a, device=device)
    return t.requires_grad_() if requires_grad and t.dtype.category >= 2 else t


# ---- indexing ------------------------------------------------------------------------------
def index_expressions(shape, *, allow_none=True, allow_ellipsis=True, allow_advanced=True, max_items=None):
    """Valid `x[...]` indices for a tensor of `shape`.

    Items: ints (negative too), slices (negative bounds, positive steps), None, one Ellipsis,
    and advanced indices — either one boolean mask over leading dims or integer arrays (all of
    one shape). Expressions with advanced indices use no ints, so PyTorch's and numpy's
    placement of the advanced dims agree. A single item may come bare (not in a tuple).
    """
    return _index_expressions(tuple(shape), allow_none, allow_ellipsis, allow_advanced, max_items)


def _slices(size):
    bound = st.one_of(st.none(), st.integers(-size - 1, size + 1))
    return st.builds(slice, bound, bound, st.one_of(st.none(), st.integers(1, 3)))


@st.composite
def _index_expressions(draw, shape, allow_none, allow_ellipsis, allow_advanced, max_items):
    n = len(shape)
    used = draw(st.integers(0, n if max_items is None else min(n, max_items)))
    kind = draw(st.sampled_from(["basic"] + (["mask", "arrays"] if allow_advanced and used else [])))
    items = []
    if kind == "mask":
        k = draw(st.integers(1, used))
        items.append(draw(hnp.arrays(np.bool_, shape[:k])))
        dims_left = list(shape[k:used])
    else:
        dims_left = list(shape[:used])
    adv_shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)) if kind == "arrays" else None
    for size in dims_left:
        options = [_slices(size)]
        if kind == "arrays":
            options.append(hnp.arrays(np.int64, adv_shape, elements=st.integers(-size, size - 1)) if size else
                           _slices(size))
        elif size:
            options.append(st.integers(-size, size - 1))
        items.append(draw(st.one_of(*options)))
    if allow_ellipsis and draw(st.booleans()):
        # items address the leading dims in order: "..." goes after them, unless they cover every dim
        items.insert(draw(st.integers(0, len(items))) if used == n else len(items), Ellipsis)
    if allow_none:
        for _ in range(draw(st.integers(0, 2))):
            items.insert(draw(st.integers(0, len(items))), None)
    if len(items) == 1 and not isinstance(items[0], np.ndarray) and draw(st.booleans()):
        return items[0]
    return tuple(items)


# ---- op arguments --------------------------------------------------------------------------
def op_names():
    """Names of every op spec (see facade/testing/_op_specs.py)."""
    from ._op_specs import SPECS

    return sorted(SPECS)


def op_inputs(op_name, *, dtype=None, smooth=False, max_dims=3, max_side=4):
    """Valid arguments for an op of facade's table, as an `OpCase` (see `_op_specs`).

    `case.run(facade)` calls the op; `case.arrays` / `case.kwargs` are its inputs. smooth=True
    keeps values away from points where the op is not differentiable (for gradcheck).
    """
    from ._op_specs import SPECS

    spec = SPECS[op_name]
    return spec.cases(dtype=dtype, smooth=smooth, max_dims=max_dims, max_side=max_side)
