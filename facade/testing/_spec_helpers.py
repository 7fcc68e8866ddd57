"""Helpers shared by the spec modules: a draw among choices, fixed-shape arrays, shared tolerances and domains, F."""
import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array
from ._domains import Domain

INTS = ("int64",)


def _one(draw, choices):
    return draw(st.sampled_from(choices))


def _fixed(*shapes):
    """Arrays of fixed shapes (ops whose compile time makes every new shape costly)."""
    return lambda draw, dtype, limits, smooth: (tuple(array(draw, dtype, s, REAL, smooth) for s in shapes), {})


# ---- linear algebra ------------------------------------------------------------------------
LIN = dict(rtol=1e-4, atol=1e-5)
NORM_VALUES = Domain(-4.0, 4.0, grid=0.5, offset=0.25)  # never 0, no ties of |x|: no kinks


# ---- nn ------------------------------------------------------------------------------------
def F(T):
    return T.nn.functional


def kinked(lo, hi, *points, grid=0.25):
    """Values on a grid, so the kinks (points) are hit exactly by value checks; smooth draws avoid them."""
    return Domain(lo, hi, grid=grid, kinks=points)


AT_ZERO = kinked(-4.0, 4.0, 0.0)


def constants(call, build, ref, positions):
    """A spec's (call, build, ref) with the arrays at `positions` ({index: name}) passed as constants: keyword
    arguments (numpy), made tensors of the first input's dtype inside the call. They never require grad, and
    gradcheck leaves them alone: for arguments PyTorch has no derivative for (a loss weight, running statistics),
    which it refuses when they require grad."""
    order = sorted(positions)

    def build_(draw, dtype, limits, smooth):
        arrays, kw = build(draw, dtype, limits, smooth)
        kw = dict(kw, **{positions[i]: arrays[i] for i in order})
        return tuple(a for i, a in enumerate(arrays) if i not in positions), kw

    def insert(tensors, consts):
        out = list(tensors)
        for i, c in zip(order, consts):
            out.insert(i, c)
        return out

    def call_(T, *tensors, **kw):
        consts = [T.tensor(kw.pop(positions[i]), dtype=tensors[0].dtype) for i in order]
        return call(T, *insert(tensors, consts), **kw)

    def ref_(*arrays, **kw):
        return ref(*insert(arrays, [np.asarray(kw.pop(positions[i]), np.float64) for i in order]), **kw)

    return call_, build_, ref_
