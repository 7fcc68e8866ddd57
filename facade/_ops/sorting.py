"""softmax / log_softmax, sort / argsort / topk / kthvalue, one_hot, unique."""
import jax
import jax.numpy as jnp
import numpy as np

from .._device import to_numpy, values_to_check

from .. import _dtype
from .._dispatch import record
from .frontend import cast, export, parse_dtype, type_name, wrap_dim
from .reduce import RETURN_TYPES
from .table import defop

SOFTMAX = defop("softmax", lambda x, d, dt: jax.nn.softmax(cast(x, dt), axis=d), grad_fn="SoftmaxBackward0", saves="out")
LOG_SOFTMAX = defop("log_softmax", lambda x, d, dt: jax.nn.log_softmax(cast(x, dt), axis=d), grad_fn="LogSoftmaxBackward0", saves="out")


def _softmax_family(op, name):
    def frontend(input, dim=None, _stacklevel=3, dtype=None):
        if dim is None:
            import warnings

            warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.", stacklevel=2)
            dim = 0 if input.ndim in (0, 1, 3) else 1
        d = parse_dtype(dtype) or input.dtype
        if d.category < 2:
            raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for \'{type_name(d)}\'')
        return record(op, (input,), (wrap_dim(dim, input.ndim) if input.ndim else None, d.np))

    return frontend


export("softmax")(_softmax_family(SOFTMAX, "softmax"))
export("log_softmax")(_softmax_family(LOG_SOFTMAX, "log_softmax"))


def _sort(x, d, descending, stable):
    if x.ndim == 0:
        return x, jnp.zeros((), jnp.int64)
    if descending:
        idx = jnp.argsort(-x if jnp.issubdtype(x.dtype, jnp.number) and x.dtype != jnp.bool_ else ~x, axis=d, stable=True)
        if jnp.issubdtype(x.dtype, jnp.floating):
            # NaN sorts first when descending, as in PyTorch
            idx = jnp.argsort(jnp.where(jnp.isnan(x), -jnp.inf, -x), axis=d, stable=True)
            nan_first = jnp.argsort(~jnp.isnan(jnp.take_along_axis(x, idx, d)), axis=d, stable=True)
            idx = jnp.take_along_axis(idx, nan_first, d)
    else:
        idx = jnp.argsort(x, axis=d, stable=True)
    return jnp.take_along_axis(x, idx, d), idx.astype(jnp.int64)


# PyTorch saves only the indices; a table op saves all its outputs or none, so none:
# changing the values in place before backward is allowed, as in PyTorch
SORT = defop("sort", _sort, grad_fn="SortBackward0", nout=2, saves=False)


@export("sort")
def sort(input, dim=-1, descending=False, stable=False):
    vals, idx = record(SORT, (input,), (wrap_dim(dim, input.ndim), bool(descending), bool(stable)))
    return RETURN_TYPES["sort"](vals, idx)


@export("argsort")
def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def _topk(x, k, d, largest):
    vals, idx = _sort(x, d, largest, True)
    if x.ndim == 0:  # PyTorch returns the element, whatever k
        return vals, idx
    sl = [slice(None)] * x.ndim
    sl[d] = slice(0, k)
    return vals[tuple(sl)], idx[tuple(sl)]


TOPK = defop("topk", _topk, grad_fn="TopkBackward0", nout=2, saves=False)


@export("topk")
def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    vals, idx = record(TOPK, (input,), (int(k), d, bool(largest)))
    return RETURN_TYPES["topk"](vals, idx)


def _kth(x, k, d, keep):
    """The k-th smallest (1-based) along d and its index; the gradient goes to that index."""
    vals, idx = _sort(x, d, False, True)
    if x.ndim == 0:
        return vals, idx
    vals, idx = jnp.take(vals, k - 1, axis=d), jnp.take(idx, k - 1, axis=d)
    return (jnp.expand_dims(vals, d), jnp.expand_dims(idx, d)) if keep else (vals, idx)


def _median_all(x):
    """The lower median; its gradient is shared evenly by the elements equal to it, as in PyTorch."""
    flat = jnp.sort(x.reshape(-1))
    value = jax.lax.stop_gradient(flat[(flat.shape[0] - 1) // 2])
    equal = x == value
    return jnp.sum(jnp.where(equal, x, jnp.zeros_like(x))) / jnp.sum(equal).astype(x.dtype)


KTHVALUE = defop("kthvalue", _kth, grad_fn="KthvalueBackward0", nout=2, saves=False)
MEDIAN_DIM = defop("median_dim", _kth, grad_fn="MedianBackward1", nout=2, saves=False)
MEDIAN = defop("median", _median_all, grad_fn="MedianBackward0")


@export("kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False):
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    v, i = record(KTHVALUE, (input,), (int(k), d, bool(keepdim)))
    return RETURN_TYPES["kthvalue"](v, i)


@export("median")
def median(input, dim=None, keepdim=False):
    if dim is None:
        return record(MEDIAN, (input,), ())
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    v, i = record(MEDIAN_DIM, (input,), ((size + 1) // 2, d, bool(keepdim)))
    return RETURN_TYPES["median"](v, i)


ONE_HOT = defop("one_hot", lambda x, n: jax.nn.one_hot(x, n, dtype=jnp.int64), differentiable=False, saves=False)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    vals = values_to_check(tensor) if num_classes != -1 else to_numpy(tensor._value())
    if vals is None:  # inside a facade.jit trace: the checks need values
        return record(ONE_HOT, (tensor,), (int(num_classes),))
    if vals.size and vals.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not vals.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(vals.max()) + 1
    elif vals.size and vals.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return record(ONE_HOT, (tensor,), (int(num_classes),))


@export("unique")
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    from .._creation import tensor as make

    vals = to_numpy(input._value())  # the result's length depends on the values
    res = np.unique(vals if dim is None else vals, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
    if not isinstance(res, tuple):
        return make(res, dtype=input.dtype)
    out = [make(res[0], dtype=input.dtype)]
    for extra in res[1:]:
        out.append(make(np.asarray(extra).reshape(input.shape if dim is None and extra.size == vals.size and return_inverse and extra is res[1] else extra.shape).astype(np.int64)))
    return tuple(out)
