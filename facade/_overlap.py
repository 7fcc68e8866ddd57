"""PyTorch's memory-overlap checks for writes: the error for an input that shares memory with the
tensor an op writes (`x[1:] = x[:-1]`, `x[1:].add_(x[:-1])`, `torch.neg(x[:-1], out=x[1:])`).

PyTorch (ATen's MemoryOverlap) compares the written tensor with each input only when both are
non-overlapping and dense; then two tensors on one storage overlap *fully* when they start and end
at the same byte with the same strides, *partially* when their byte ranges meet otherwise. Most ops
(TensorIterator's: pointwise ops, copy_, their out= forms) refuse a partial overlap; the scatter
family (index_put_, scatter_, index_add_, index_copy_, put_) refuses any overlap. A tensor that is
not dense (a strided slice, an expanded tensor, z.real) is never refused ("too hard" in ATen).

facade has no strides of its own: they come from the view chain (`Tensor._layout`). Tensors share
memory exactly when they share a `Storage` (views, detach(), .data), so the check costs one identity
test unless they do.
"""
from math import prod

from . import _dispatch

__all__ = ["check_write", "check_args", "OVERLAP_MESSAGE", "INPLACE_CHECKED", "OUT_CHECKED", "ANY_OVERLAP"]

OVERLAP_MESSAGE = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
                   "single memory location. Please clone() the tensor before performing the operation.")

_NO, _FULL, _PARTIAL, _TOO_HARD = range(4)

# in-place methods whose tensor arguments PyTorch checks against self (found by running each
# PyTorch 2.13 method as x[1:].op_(x[:-1], ...)); the rest (masked_fill_, index_fill_, masked_scatter_,
# addmv_, addbmm_, baddbmm_, ldexp_ ...) compute whatever the overlapping memory gives
INPLACE_CHECKED = frozenset("""
    add_ sub_ subtract_ mul_ multiply_ div_ divide_ true_divide_ floor_divide_ remainder_ fmod_ pow_ float_power_
    atan2_ arctan2_ hypot_ copysign_ nextafter_ xlogy_ heaviside_ igamma_ igammac_ gcd_ lcm_ lerp_ addcmul_ addcdiv_
    clamp_ clip_ clamp_min_ clamp_max_ eq_ ne_ not_equal_ lt_ less_ le_ less_equal_ gt_ greater_ ge_ greater_equal_
    logical_and_ logical_or_ logical_xor_ bitwise_and_ bitwise_or_ bitwise_xor_ bitwise_left_shift_
    bitwise_right_shift_ __ilshift__ __irshift__ addr_ bernoulli_
    scatter_ scatter_add_ scatter_reduce_ index_add_ index_copy_ put_
""".split())

# of those, the ones that refuse any overlap, a full one (x.scatter_(0, i, x)) too
ANY_OVERLAP = frozenset(("scatter_", "scatter_add_", "scatter_reduce_", "index_add_", "index_copy_", "put_",
                         "index_put_", "cat"))

# torch functions whose out= PyTorch checks against their tensor arguments (the same probe, as
# torch.f(x[:-1], ..., out=x[1:])); reductions, matmul and friends do not check
OUT_CHECKED = frozenset("""
    abs absolute acos acosh arccos arccosh arcsin arcsinh arctan arctan2 arctanh asin asinh atan atan2 atanh angle
    add sub subtract mul multiply div divide true_divide floor_divide remainder fmod pow addcdiv addcmul addr ger outer
    bernoulli normal bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift ceil floor
    round trunc fix frac clamp clamp_max clamp_min clip conj_physical copysign cos cosh sin sinh tan tanh sinc
    deg2rad rad2deg diff digamma lgamma erf erfc erfinv exp exp2 expm1 log log10 log1p log2 logit i0 igamma igammac
    eq ne not_equal ge gt le lt greater greater_equal less less_equal fmax fmin maximum minimum gcd lcm
    hardshrink heaviside hypot kron ldexp lerp logaddexp logaddexp2 logical_and logical_not logical_or logical_xor
    msort nan_to_num neg negative nextafter reciprocal rsqrt sgn sigmoid sign sqrt square take_along_dim xlogy
    where cumsum cumprod cat
""".split())


def _dense(shape, strides):
    """PyTorch's is_non_overlapping_and_dense."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    dims = sorted((d for d in range(len(shape)) if shape[d] >= 2), key=lambda d: strides[d])
    need = 1
    for d in dims:
        if strides[d] != need:
            return False
        need *= shape[d]
    return True


def _status(a, b):
    """ATen's get_overlap_status of two tensors known to share a storage."""
    if a is b:
        return _FULL
    na, nb = a._node(), b._node()
    if not prod(na.shape) or not prod(nb.shape):
        return _NO
    sa, oa = a._layout()
    sb, ob = b._layout()
    if not _dense(na.shape, sa) or not _dense(nb.shape, sb):
        return _TOO_HARD
    ia, ib = na.dtype.itemsize, nb.dtype.itemsize
    a0, b0 = oa * ia, ob * ib
    a1, b1 = a0 + prod(na.shape) * ia, b0 + prod(nb.shape) * ib
    if a0 == b0 and a1 == b1:
        return _FULL if tuple(sa) == tuple(sb) else _PARTIAL
    return _PARTIAL if a0 < b1 and b0 < a1 else _NO


def check_write(out, src, any_overlap=False):
    """Raise PyTorch's error when `src` (an input) overlaps `out` (the written tensor) as PyTorch refuses."""
    if src._storage is not out._storage:
        return
    status = _status(out, src)
    if status == _PARTIAL or any_overlap and status == _FULL:
        raise RuntimeError(OVERLAP_MESSAGE)


def check_args(out, args, kwargs, any_overlap=False):
    """check_write for every tensor among args and kwargs values (and inside list / tuple arguments)."""
    st = out._storage
    T = _dispatch.Tensor
    for group in (args, kwargs.values()):
        for a in group:
            if isinstance(a, T):
                if a._storage is st:
                    check_write(out, a, any_overlap)
            elif isinstance(a, (list, tuple)):
                for b in a:
                    if isinstance(b, T) and b._storage is st:
                        check_write(out, b, any_overlap)
