"""Conversions and fills: .to / .float() / .cpu() ..., zero_, fill_, copy_, random fills, new_*."""
import jax
import jax.numpy as jnp
import numpy as np

from .. import _device, _dtype, _random
from .._dispatch import record, record_node
from .._grad_mode import STATE as _GRAD
from .._overlap import check_write
from .frontend import TO_DTYPE, check_inplace, export, parse_dtype, write_result
from .table import defop

TO_DEVICE = defop("to_device", lambda x, dev: jax.device_put(x, dev), grad_fn="ToCopyBackward0", saves=False)
FILL = defop("fill", lambda x, v, dt: jnp.full(x.shape, v, dt), grad_fn="FillBackward2", saves=False)
FILL_TENSOR = defop("fill_tensor", lambda x, v, dt: jnp.broadcast_to(jnp.asarray(v).astype(dt), x.shape),
                    grad_fn="FillBackward3", saves=False)  # fill_ with a 0-d tensor: its gradient is the sum
ZERO = defop("zero", lambda x: jnp.zeros_like(x), grad_fn="ZeroBackward0", saves=False)
COPY = defop("copy", lambda x, src, dt: jnp.broadcast_to(src.astype(dt), x.shape), grad_fn="CopyBackwards", saves=False)


def _parse_to(args, kwargs):
    """Tensor.to's overloads: (dtype), (device, dtype), (tensor), keyword device/dtype."""
    from .._tensor import Tensor

    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, (str, _device.device, int)) and not isinstance(a, bool):
            device = a
        elif a is not None:
            dtype = parse_dtype(a)
    return device, parse_dtype(dtype)


@export("to", function=False)
def to(self, *args, **kwargs):
    device, dtype = _parse_to(args, kwargs)
    copy = kwargs.get("copy", False)
    out = self
    if dtype is not None and dtype is not self.dtype:
        out = record(TO_DTYPE, (out,), (dtype.np,))
    if device is not None:
        jdev = _device.to_jax(device)
        if jdev is not out._node().device and out._node().device is not None:
            out = record(TO_DEVICE, (out,), (jdev,))
            out._storage.node.device = jdev
    if copy and out is self:
        out = self.clone()
    return out


def _caster(d):
    def fn(self, memory_format=None):
        return to(self, d)

    return fn


for _name, _d in (("float", _dtype.float32), ("double", _dtype.float64), ("half", _dtype.float16),
                  ("bfloat16", _dtype.bfloat16), ("long", _dtype.int64), ("int", _dtype.int32),
                  ("short", _dtype.int16), ("char", _dtype.int8), ("byte", _dtype.uint8), ("bool", _dtype.bool_),
                  ("cfloat", _dtype.complex64), ("cdouble", _dtype.complex128)):
    export(_name, function=False)(_caster(_d))


@export("cpu", function=False)
def cpu(self, memory_format=None):
    return to(self, "cpu")


@export("cuda", function=False)
def cuda(self, device=None, non_blocking=False, memory_format=None):
    if device is None:
        device = "cuda"
    elif isinstance(device, int):
        device = f"cuda:{device}"
    return to(self, device)


@export("type_as", function=False)
def type_as(self, other):
    return to(self, other.dtype)


@export("zero_", function=False)
def zero_(self):
    if self._view is None and not (self._rg and _GRAD[0]):  # the common case (an optimizer's .grad): no checks
        n = self._input_node()
        self._set_node(record_node(ZERO, (n,), (), meta=(n.shape, n.dtype)))
        return self
    check_inplace(self)
    return write_result(self, record_node(ZERO, (self._input_node(),), ()))


@export("fill_", function=False)
def fill_(self, value):
    check_inplace(self)
    from .frontend import check_fits, is_tensor

    if is_tensor(value):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
        return write_result(self, record_node(FILL_TENSOR, (self._input_node(), value._input_node()), (self.dtype.np,)))
    check_fits(value, self.dtype)
    return write_result(self, record_node(FILL, (self._input_node(),), (value, self.dtype.np)))


@export("copy_", function=False)
def copy_(self, src, non_blocking=False):
    return copy_into(self, src)


def copy_into(self, src, check_overlap=True):
    """self.copy_(src); check_overlap False: x[i] = v with a v PyTorch broadcasts first (an expanded
    tensor is not dense: PyTorch does not check it against x)."""
    from .frontend import is_tensor, operand

    check_inplace(self)
    src = operand(src)
    if not is_tensor(src):
        return fill_(self, src)
    if check_overlap:
        check_write(self, src)
    if not _bcastable(src, self):
        raise RuntimeError(
            f"The size of tensor a ({self.shape[-1]}) must match the size of tensor b ({src.shape[-1]}) at non-singleton dimension {self.ndim - 1}"
        )
    if np.broadcast_shapes(tuple(src.shape), tuple(self.shape)) != tuple(self.shape):
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(tuple(src.shape), tuple(self.shape)))}"
        )
    node = record_node(COPY, (self._input_node(), src._input_node()), (self.dtype.np,))
    return write_result(self, node)


def _bcastable(a, b):
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
        return True
    except ValueError:
        return False


# ---- random fills ----------------------------------------------------------------------
def _key_operand(generator):
    """A fresh PRNG key as an int64 array (facade has no uint32 dtype; `_sample` casts back)."""
    return jax.random.key_data(_random.key_for(generator)).astype(jnp.int64)


def _sample(shape, key_data, kind, a, b, dt):
    key = jax.random.wrap_key_data(key_data.astype(jnp.uint32))
    sd = dt if np.dtype(dt).itemsize >= 4 else np.float32
    if kind == "uniform":
        return jax.random.uniform(key, shape, sd, a, b).astype(dt)
    if kind == "normal":
        return (jax.random.normal(key, shape, sd) * b + a).astype(dt)
    if kind == "bernoulli":
        return jax.random.bernoulli(key, a, shape).astype(dt)
    if kind == "exponential":
        return (jax.random.exponential(key, shape, sd) / a).astype(dt)
    if kind == "randint":
        return jax.random.randint(key, shape, a, b, jnp.int64).astype(dt)
    raise ValueError(kind)


def _random_fill(self, kind, a, b, generator):
    check_inplace(self)
    # the key is an input (not a static) so the fill never recompiles; under facade.jit it is a tracer
    from .._creation import wrap_value

    k = wrap_value(_key_operand(generator))
    node = record_node(RANDOM_FILL2, (self._input_node(), k._node()), (kind, a, b, self.dtype.np))
    return write_result(self, node)


RANDOM_FILL2 = defop("random_fill2", lambda x, key, kind, a, b, dt: _sample(x.shape, key, kind, a, b, dt), saves=False,
                     grad_fn=lambda n: {"uniform": "UniformBackward0", "normal": "NormalBackward0"}.get(n.statics[0], "FillBackward0"))


@export("uniform_", function=False)
def uniform_(self, a=0.0, b=1.0, *, generator=None):
    return _random_fill(self, "uniform", float(a), float(b), generator)


@export("normal_", function=False)
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    return _random_fill(self, "normal", float(mean), float(std), generator)


@export("bernoulli_", function=False)
def bernoulli_(self, p=0.5, *, generator=None):
    return _random_fill(self, "bernoulli", float(p), 0.0, generator)


@export("exponential_", function=False)
def exponential_(self, lambd=1.0, *, generator=None):
    return _random_fill(self, "exponential", float(lambd), 0.0, generator)


@export("random_", function=False)
def random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, from_ if from_ else 2**24
    return _random_fill(self, "randint", int(from_), int(to), generator)


BERNOULLI = defop("bernoulli", lambda p, key, dt: jax.random.bernoulli(jax.random.wrap_key_data(key.astype(jnp.uint32)), p).astype(dt),
                  grad_fn="BernoulliBackward0", saves=False)


@export("bernoulli")
def bernoulli(input, p=None, *, generator=None):
    if p is not None:
        return _random_like(input, "bernoulli", p, generator)
    from .._creation import wrap_value

    k = wrap_value(_key_operand(generator))
    return record(BERNOULLI, (input, k), (input.dtype.np,))


def _random_like(input, kind, a, generator):
    from .._creation import _filled

    out = _filled(tuple(input.shape), 0, input.dtype, input.device, False)
    return _random_fill(out, kind, float(a), 0.0, generator)


# ---- new_* -----------------------------------------------------------------------------
def _new(fill):
    def fn(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        from .._creation import _filled, _size_args

        d = parse_dtype(dtype) or self.dtype
        return _filled(_size_args(size), fill, d, device or self.device, requires_grad)

    return fn


export("new_zeros", function=False)(_new(0))
export("new_ones", function=False)(_new(1))
export("new_empty", function=False)(_new(0))


@export("new_full", function=False)
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    from .._creation import _filled

    return _filled(tuple(size), fill_value, parse_dtype(dtype) or self.dtype, device or self.device, requires_grad)


@export("new_tensor", function=False)
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    from .._creation import tensor

    return tensor(data, dtype=parse_dtype(dtype) or self.dtype, device=device or self.device, requires_grad=requires_grad)


from . import random_ops  # noqa: E402,F401 - multinomial, poisson
