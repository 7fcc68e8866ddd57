"""Helpers shared by the nn.functional frontends: in-place application, dtype and shape
checks with PyTorch's messages, reduction arguments, and reading index tensors for
PyTorch's data-dependent bounds errors."""

import warnings

import numpy as np

from ... import _grad_mode
from ..._dispatch import record
from ..._ops.frontend import check_inplace, type_name, write_result
from ...jit.errors import is_tracer

_REDUCTIONS = ("none", "mean", "sum")


def apply(op, inplace_op, input, inplace, statics, extra=()):
    """Record op on input (plus extra operands); the in-place form writes the result into input."""
    if inplace:
        check_inplace(input)
        return write_result(input, record(inplace_op, (input,) + extra, statics)._storage.node)
    return record(op, (input,) + extra, statics)


def not_differentiable(function, name, t):
    """PyTorch's error for an argument its autograd formula has no derivative for (a loss weight, a
    running statistic), raised when that argument requires grad while grad mode is on."""
    if t is not None and t.requires_grad and _grad_mode.is_grad_enabled():
        raise RuntimeError(
            f"The function '{function}' is not differentiable with respect to argument '{name}'. This input cannot "
            "have requires_grad True."
        )


def float_dtype(t, kernel):
    """t's dtype, which must be floating point for this kernel (PyTorch's NotImplementedError otherwise)."""
    d = t.dtype
    if d.category < 2:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(d)}'")
    return d


def broadcast_shape(a, b):
    """The broadcast of shapes a and b, with PyTorch's error."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )
        out.append(y if x == 1 else x)
    return tuple(out)


def legacy_reduction(size_average, reduce, reduction, emit_warning=True):
    """The reduction named by the deprecated size_average / reduce flags, if either is given."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = ("mean" if size_average else "sum") if reduce else "none"
    if emit_warning:
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
            UserWarning,
            stacklevel=3,
        )
    return ret


def check_reduction(reduction, allowed=_REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def host_values(t):
    """t's values as numpy, for PyTorch's data-dependent checks (index bounds, probability
    range), or None where reading them is not free: on an accelerator (a device sync; PyTorch
    checks there asynchronously) and inside a facade.jit trace (no values yet)."""
    if t.device.type != "cpu":
        return None
    value = t._value()
    return None if is_tracer(value) else np.asarray(value)


def value_range(t):
    """(min, max) of an integer tensor's values where host_values would read them (else None or
    False); read once per value, so a target or index tensor reused every step costs one read."""
    if t.device.type != "cpu":
        return None
    from ..._ops.indexing import index_range

    return index_range(t)
