"""`OpSpec` (how to call, feed and check one op) and `OpCase` (one drawn set of its inputs).

A spec's `call(T, *tensors, **kwargs)` is written once against the torch API; `T` is the
module (facade or torch), so the same spec drives facade, PyTorch and the numpy reference.
"""
import dataclasses
from typing import Callable, Optional

import numpy as np
from hypothesis import strategies as st

from .. import _dtype

__all__ = ["OpCase", "OpSpec"]

FLOAT = ("float32", "float64")


@dataclasses.dataclass(frozen=True)
class OpSpec:
    name: str  # unique: "sin", "sum.dim", "add.scalar", ...
    call: Callable  # call(T, *tensors, **kwargs)
    build: Callable  # build(draw, dtype, limits, smooth) -> (arrays, kwargs)
    ref: Optional[Callable] = None  # numpy reference: ref(*arrays, **kwargs) -> array or tuple of arrays
    dtypes: tuple = FLOAT
    differentiable: bool = True
    inplace: Optional[str] = None  # in-place method: getattr(tensors[0], inplace)(*tensors[1:], **kwargs)
    rtol: Optional[float] = None  # tolerances against the reference (default: the dtype's)
    atol: Optional[float] = None
    grad_atol: float = 1e-5  # gradcheck tolerances and step (float64)
    grad_rtol: float = 1e-3
    grad_eps: float = 1e-6
    # False where the op is drawn at points with no derivative on purpose (ties of max: PyTorch's
    # subgradient is checked against torch there, finite differences have no answer to compare)
    gradcheck: bool = True
    xfail: tuple = ()  # ((check name, reason), ...): known failures of this spec's checks

    def cases(self, *, dtype=None, smooth=False, max_dims=3, max_side=4):
        """Strategy of OpCase for this op."""
        limits = {"max_dims": max_dims, "max_side": max_side}
        names = self.dtypes if dtype is None else (dtype if isinstance(dtype, str) else dtype.name,)

        @st.composite
        def draw_case(draw):
            d = _dtype.ALIASES[draw(st.sampled_from(names))]
            arrays, kwargs = self.build(draw, d, limits, smooth)
            return OpCase(self, tuple(arrays), dict(kwargs))

        return draw_case()

    def xfail_reason(self, check):
        return dict(self.xfail).get(check)

    def __repr__(self):
        return f"OpSpec({self.name!r})"

    def _repr_pretty_(self, printer, cycle):  # how hypothesis prints falsifying examples
        printer.text(repr(self))


@dataclasses.dataclass(frozen=True, repr=False)
class OpCase:
    spec: OpSpec
    arrays: tuple  # numpy arrays: the op's tensor arguments, in order
    kwargs: dict  # the other arguments

    def tensors(self, T, requires_grad=False):
        """The arrays as tensors of module T (facade or torch); floating ones require grad if asked."""
        out = []
        for a in self.arrays:
            t = _tensor(T, a)
            if requires_grad and t.dtype.is_floating_point:
                t.requires_grad_()
            out.append(t)
        return out

    def run(self, T, tensors=None):
        tensors = self.tensors(T) if tensors is None else tensors
        return self.spec.call(T, *tensors, **self.kwargs)

    def run_inplace(self, tensors):
        first, *rest = tensors
        return getattr(first, self.spec.inplace)(*rest, **self.kwargs)

    def astype(self, dtype):
        """The same case with its floating-point arrays converted to dtype (a numpy dtype)."""
        arrays = tuple(a.astype(dtype) if a.dtype.kind == "f" else a for a in self.arrays)
        return OpCase(self.spec, arrays, self.kwargs)

    def reference(self):
        """The numpy reference result, computed in float64 from the same values."""
        arrays = [a.astype(np.float64) if a.dtype.kind == "f" and a.dtype != np.float64 else a for a in self.arrays]
        return self.spec.ref(*arrays, **self.kwargs)

    def __repr__(self):
        args = ", ".join([repr(a) for a in self.arrays] + [f"{k}={v!r}" for k, v in self.kwargs.items()])
        return f"OpCase({self.spec.name!r}, {args})"

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


def _tensor(T, a):
    """T.tensor(a); bfloat16 arrays (which torch cannot read from numpy) go through float32."""
    if a.dtype.name == "bfloat16":
        return T.tensor(a.astype(np.float32)).to(T.bfloat16)
    return T.tensor(a)
