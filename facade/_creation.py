"""Creating tensors: torch.tensor and friends, the *_like family, random tensors, conversions.

Source values on the CPU are kept as numpy arrays (JAX reads them directly; a device_put
per created tensor would cost tens of microseconds); on a GPU they are placed with
jax.device_put.
"""
import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np

from . import _device, _dtype, _random
from ._ops.frontend import export, parse_dtype
from ._tape import Node


def _place(arr, device):
    jdev = _device.to_jax(device)
    if jdev.platform == "cpu":
        return (arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)), jdev
    return jax.device_put(arr, jdev), jdev


def _from_array(arr, dtype, requires_grad=False, device=None):
    """A leaf tensor holding `arr` (numpy or JAX) as `dtype`."""
    from ._tensor import Tensor

    if isinstance(arr, np.ndarray) or np.isscalar(arr):
        arr = np.asarray(arr, dtype=dtype.np)
        value, jdev = _place(arr, device)
    else:  # a JAX array (or a tracer under facade.jit / facade.func): keep it where it is unless asked to move
        value = arr.astype(dtype.np) if arr.dtype != dtype.np else arr
        jdev = _device.of_value(value) if device is None else _device.to_jax(device)
        if device is not None and jdev is not None and _device.of_value(value) is not None:
            value = jax.device_put(value, jdev)
    node = Node(None, (), (), value, tuple(value.shape), dtype)
    node.device = jdev
    t = Tensor._wrap(node)
    if requires_grad:
        t.requires_grad_(True) if dtype.category >= 2 else _bad_requires_grad()
    return t


def wrap_value(value):
    """A tensor around a JAX value that may be a tracer (inside a custom_vjp or facade.jit trace)."""
    from ._tensor import Tensor

    node = Node(None, (), (), value, tuple(jnp.shape(value)), _dtype.from_numpy(jnp.result_type(value)))
    node.device = _device.of_value(value)
    return Tensor._wrap(node)


def _bad_requires_grad():
    raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")


def _infer_dtype(data):
    """torch.tensor's dtype for nested Python data: the promotion of every element's own type, where
    tensors, numpy arrays and numpy scalars have their dtype and Python numbers theirs (bool,
    int64, the default float, the default complex)."""
    found = []

    def walk(x):
        if isinstance(x, (list, tuple, range)):
            if not len(x):  # an empty sequence counts as the default float dtype
                found.append(_dtype.get_default_dtype())
            for y in x:
                walk(y)
        elif hasattr(x, "_node"):
            found.append(x.dtype)
        elif isinstance(x, (np.ndarray, np.generic)):
            found.append(_dtype.from_numpy(x.dtype))
        elif isinstance(x, bool):
            found.append(_dtype.bool_)
        elif isinstance(x, numbers.Integral):
            found.append(_dtype.int64)
        elif isinstance(x, numbers.Real):
            found.append(_dtype.get_default_dtype())
        elif isinstance(x, numbers.Complex):
            found.append(_dtype.scalar_dtype(1j))
        elif isinstance(x, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
        else:
            raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")

    walk(data)
    result = None
    for d in found:
        result = d if result is None else _dtype.promote_types(result, d)
    return result or _dtype.get_default_dtype()


def _to_numpy_nested(data, dtype):
    def conv(x):
        if isinstance(x, (list, tuple)):
            return [conv(y) for y in x]
        if hasattr(x, "_node"):
            if x.numel() != 1 and x.ndim != 0:
                return _device.to_numpy(x.detach()._value()).astype(dtype.np).tolist()
            return x.item()
        return x

    try:
        return np.array(conv(data), dtype=dtype.np)
    except ValueError:
        from ._ragged import shape_error

        err = shape_error(data, dtype)
        if isinstance(err, tuple):  # no elements: PyTorch never looks past the first item's shape
            return np.zeros(err[1], dtype.np)
        if err is None:
            raise
        raise err from None


@export("tensor", method=False)
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    from ._tensor import Tensor

    dtype = parse_dtype(dtype)
    if isinstance(data, Tensor):
        import warnings

        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        out = data.detach().clone()
        if dtype is not None or device is not None:
            out = out.to(device=device, dtype=dtype)
        return out.requires_grad_(requires_grad) if requires_grad else out
    if isinstance(data, np.ndarray):
        d = dtype or _dtype.from_numpy(data.dtype)
        return _from_array(np.array(data, dtype=d.np), d, requires_grad, device)
    if isinstance(data, jax.Array):
        d = dtype or _dtype.from_numpy(data.dtype)
        return _from_array(data, d, requires_grad, device)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    d = dtype or _infer_dtype(data)
    from .jit.errors import JitError

    try:
        arr = _to_numpy_nested(data, d)
    except JitError:  # a tensor in the lists holds a traced value: there is no host copy to take
        out = _stacked(data, d)
        return out.requires_grad_(requires_grad) if requires_grad else out
    return _from_array(arr, d, requires_grad, device)


def _stacked(data, d):
    """torch.tensor(nested lists of tensors and numbers) inside a trace: the detached values,
    stacked, as the eager host copy would give them."""
    from ._ops.shape import stack

    if isinstance(data, (list, tuple)):
        return stack([_stacked(x, d) for x in data])
    if hasattr(data, "_node"):
        x = data.detach().to(d)
        return x.reshape(()) if x.numel() == 1 else x
    return tensor(data, dtype=d)


@export("as_tensor", method=False)
def as_tensor(data, dtype=None, device=None):
    from ._tensor import Tensor

    if isinstance(data, Tensor):
        dtype = parse_dtype(dtype)
        if (dtype is None or dtype is data.dtype) and device is None:
            return data
        return data.to(device=device, dtype=dtype)
    return tensor(data, dtype=dtype, device=device)


@export("asarray", method=False)
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    out = as_tensor(obj, dtype=dtype, device=device)
    return out.requires_grad_(requires_grad) if requires_grad else out


@export("from_numpy", method=False)
def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return _from_array(np.array(ndarray), _dtype.from_numpy(ndarray.dtype))


def _size_args(size, kw=None):
    if kw is not None:
        size = (kw,)
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    out = []
    for s in size:
        if not isinstance(s, (int, np.integer)) and not hasattr(s, "__index__"):
            raise TypeError(f"zeros(): argument 'size' must be tuple of ints, but found element of type {type(s).__name__}")
        s = int(s)
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(s)
    return tuple(out)


def _filled(size, value, dtype, device, requires_grad):
    from ._ops.frontend import check_fits

    d = parse_dtype(dtype) or (_dtype.scalar_dtype(value) if isinstance(value, (bool, int, complex)) and not isinstance(value, float)
                               else _dtype.get_default_dtype())
    check_fits(value, d)
    return _from_array(np.full(size, value, dtype=d.np), d, requires_grad, device)


@export("zeros", method=False)
def zeros(*shape, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _filled(_size_args(shape, size), 0.0, dtype, device, requires_grad)


@export("ones", method=False)
def ones(*shape, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _filled(_size_args(shape, size), 1.0, dtype, device, requires_grad)


@export("empty", method=False)
def empty(*shape, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    return _filled(_size_args(shape, size), 0.0, dtype, device, requires_grad)


@export("full", method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if hasattr(fill_value, "_node"):
        fill_value = fill_value.item()
    return _filled(_size_args((size,)), fill_value, dtype, device, requires_grad)


@export("eye", method=False)
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    d = parse_dtype(dtype) or _dtype.get_default_dtype()
    return _from_array(np.eye(n, n if m is None else m, dtype=d.np), d, requires_grad, device)


def _like(fill):
    def fn(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
        d = parse_dtype(dtype) or input.dtype
        value = fill(input) if callable(fill) else fill
        return _filled(tuple(input.shape), value, d, device if device is not None else input.device, requires_grad)

    return fn


zeros_like = export("zeros_like", method=False)(_like(0))
ones_like = export("ones_like", method=False)(_like(1))
empty_like = export("empty_like", method=False)(_like(0))


@export("full_like", method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _filled(tuple(input.shape), fill_value, parse_dtype(dtype) or input.dtype, device or input.device, requires_grad)


@export("arange", method=False)
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if hasattr(v, "_node") else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    d = parse_dtype(dtype)
    if d is None:
        d = _dtype.int64 if all(isinstance(v, int) for v in vals) else _dtype.get_default_dtype()
    n = max(0, math.ceil((end - start) / step))
    arr = (start + step * np.arange(n, dtype=np.float64 if d.category >= 2 else np.int64)).astype(d.np)
    return _from_array(arr, d, requires_grad, device)


_FMA_TYPES = {np.float32: np.float64, np.float64: np.longdouble, np.complex64: np.complex128,
              np.complex128: np.clongdouble}


@export("linspace", method=False)
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    d = parse_dtype(dtype) or _dtype.get_default_dtype()
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    # PyTorch fills the first half from start and the second half from end (symmetric rounding),
    # with the step rounded to the result's type (double for integers, whose ends are truncated
    # first). For float and complex results each value is one fused multiply-add, rounded once
    # (computed here in a wider type); half and bfloat16 arithmetic, and the double arithmetic of
    # integer results, round the product and the sum.
    if steps == 1:
        return _from_array(np.asarray([start]).astype(d.np), d, requires_grad, device)
    if d.is_floating_point or d.is_complex:
        ct = np.dtype(d.np).type
        wide = _FMA_TYPES.get(ct)
    else:
        ct, wide = np.float64, None
        start, end = int(start), int(end)
    lo, hi = np.asarray(start).astype(ct), np.asarray(end).astype(ct)
    step = ((hi - lo) / np.asarray(max(steps - 1, 1)).astype(ct)).astype(ct)
    k = np.arange(steps)
    if wide is None:
        up, down = lo + (step * k.astype(ct)).astype(ct), hi - (step * (steps - 1 - k).astype(ct)).astype(ct)
    else:
        up, down = lo.astype(wide) + step.astype(wide) * k, hi.astype(wide) - step.astype(wide) * (steps - 1 - k)
    vals = np.where(k < steps // 2, up, down)
    return _from_array(vals.astype(d.np), d, requires_grad, device)


@export("logspace", method=False)
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    d = parse_dtype(dtype) or _dtype.get_default_dtype()
    vals = np.power(base, np.linspace(start, end, steps, dtype=np.float64))
    return _from_array(vals.astype(d.np), d, requires_grad, device)


# ---- random ----------------------------------------------------------------------------
def _bucket(n):
    """Draw size for n random numbers: at least 1024, else the next power of two. JAX compiles its
    samplers once per shape (~0.1 s each); drawing a bucket and keeping the first n numbers makes
    every small tensor share one compiled sampler."""
    return max(1024, 1 << max(n - 1, 0).bit_length())


def _random_tensor(sample, size, dtype, device, requires_grad, generator):
    d = parse_dtype(dtype) or _dtype.get_default_dtype()
    key = _random.key_for(generator)
    jdev = _device.to_jax(device)
    n = math.prod(size)
    with jax.default_device(jdev):
        flat = sample(key, (_bucket(n),), d)
    if jdev.platform == "cpu" and not isinstance(flat, jax.core.Tracer):
        arr = np.asarray(flat)[:n].reshape(size)  # slice on the host: no compile per shape
    else:
        arr = flat[:n].reshape(size)
    return _from_array(arr, d, requires_grad, device)


def _float_sample(d, fn):
    if d.category < 2:
        raise RuntimeError(f'"normal_kernel_cpu" not implemented for \'{d.name}\'')
    # sample in at least float32 and round, as PyTorch does for half types
    sd = d.np if d.itemsize >= 4 else np.float32
    return lambda key, size: fn(key, size, sd).astype(d.np)


@export("randn", method=False)
def randn(*shape, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    size = _size_args(shape, size)
    return _random_tensor(lambda k, s, d: _float_sample(d, jax.random.normal)(k, s), size, dtype, device, requires_grad, generator)


@export("rand", method=False)
def rand(*shape, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    size = _size_args(shape, size)
    return _random_tensor(lambda k, s, d: _float_sample(d, jax.random.uniform)(k, s), size, dtype, device, requires_grad, generator)


@export("randint", method=False)
def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    d = parse_dtype(dtype) or _dtype.int64
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _random_tensor(lambda k, s, _: jax.random.randint(k, s, low, high, dtype=jnp.int64).astype(d.np), _size_args((size,)), d, device, requires_grad, generator)


@export("randperm", method=False)
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    d = parse_dtype(dtype) or _dtype.int64
    key = _random.key_for(generator)
    return _from_array(np.asarray(jax.random.permutation(key, n)).astype(d.np), d, requires_grad, device)


@export("normal", method=False)
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    if hasattr(mean, "_node") or hasattr(std, "_node"):
        shape = tuple((mean if hasattr(mean, "_node") else std).shape)
        return randn(*shape, generator=generator, dtype=(mean if hasattr(mean, "_node") else std).dtype) * std + mean
    return randn(*_size_args((size,)), generator=generator, dtype=dtype, device=device) * std + mean


for _name, _fn in (("rand_like", rand), ("randn_like", randn)):
    def _mk(fn):
        return lambda input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None: fn(
            *input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)

    export(_name, method=False)(_mk(_fn))


@export("randint_like", method=False)
def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device)


def _legacy_constructor(cls, *args, **kwargs):
    """torch.Tensor(data) / torch.Tensor(*size): always the default float dtype."""
    device = kwargs.get("device")
    if len(args) == 1 and not isinstance(args[0], int):
        data = args[0]
        if hasattr(data, "_node"):
            return data
        return tensor(data, dtype=_dtype.get_default_dtype(), device=device)
    return zeros(*(args or (0,)), device=device)


def _rebuild(array, dtype_name, requires_grad):
    return _from_array(array, _dtype._NAMES[dtype_name], requires_grad)


def _parse_type(t):
    from ._legacy import legacy_dtype

    if isinstance(t, _dtype.dtype):
        return t
    dt = legacy_dtype(t)
    if dt is None:
        raise ValueError(f"invalid type: '{t}'")
    return dt
