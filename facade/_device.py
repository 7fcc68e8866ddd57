"""torch.device and torch.cuda, answered from JAX's devices.

'cpu' is JAX's CPU device; 'cuda' / 'cuda:N' are JAX's GPU devices (index N). A facade
tensor lives wherever its JAX array lives; ops follow their inputs, and mixing devices
raises PyTorch's error.
"""
import functools

import jax
import numpy as np


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's parameter name
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type.__class__.__name__})")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, "
                f"vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {type}"
            )
        self.type = type
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


@functools.lru_cache(maxsize=None)
def _gpus():
    try:
        return tuple(jax.devices("gpu"))
    except RuntimeError:
        return ()


@functools.lru_cache(maxsize=None)
def cpu_device():
    return jax.devices("cpu")[0]


_DEFAULT = [None]  # torch.set_default_device's device; None: the CPU
_CURRENT = [0]  # torch.cuda.set_device's index: the GPU a bare 'cuda' means


def set_default_device(dev):
    """torch.set_default_device: where factory functions (torch.tensor, zeros, randn ...) put a tensor given no
    device. 'cuda' is accepted as PyTorch accepts it; without a GPU the tensors it would make raise PyTorch's error."""
    if dev is None:
        _DEFAULT[0] = None
        return
    d = device(dev)
    _DEFAULT[0] = None if d.type == "cpu" else d


def get_default_device():
    d = _DEFAULT[0]
    if d is None:
        return device("cpu")
    if d.type == "cuda":
        to_jax(d)  # PyTorch's error without a GPU
        return device("cuda", _CURRENT[0] if d.index is None else d.index)
    return d


def to_jax(dev):
    """The JAX device for a torch-style device spec (None = the default device: CPU unless set_default_device)."""
    if dev is None:
        dev = _DEFAULT[0]
        if dev is None:
            return cpu_device()
    if not isinstance(dev, device):
        dev = device(dev)
    if dev.type == "cpu":
        return cpu_device()
    if dev.type == "cuda":
        gpus = _gpus()
        if not gpus:
            raise AssertionError("Torch not compiled with CUDA enabled")
        idx = _CURRENT[0] if dev.index is None else dev.index
        if idx >= len(gpus):
            raise RuntimeError(
                "CUDA error: invalid device ordinal\nCUDA kernel errors might be asynchronously reported at some other "
                "API call, so the stacktrace below might be incorrect."
            )
        return gpus[idx]
    raise RuntimeError(f"facade cannot place tensors on device type '{dev.type}'")


def from_jax(jdev):
    if jdev is None or jdev.platform == "cpu":
        return device("cpu")
    return device("cuda", _gpus().index(jdev))


def of_array(node, tensor=None):
    return from_jax(node.device)


def of_value(value):
    """The JAX device a value lives on (None for a tracer inside a transformation)."""
    try:
        return next(iter(value.devices()))
    except Exception:  # noqa: BLE001 - tracers and abstract values have no device
        return None


def check_same(a, b):
    if a is not b and a != b:
        da, db = from_jax(a), from_jax(b)
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, {db} and {da}!")


def values_to_check(t):
    """t's values as numpy for a data-dependent check (probabilities, index bounds), or None
    inside a facade.jit trace, where there are no values yet: the check is left to eager calls."""
    v = t._value()
    return None if isinstance(v, jax.core.Tracer) else np.asarray(v)


def to_numpy(value):
    try:
        return np.asarray(value)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        from .jit.errors import concrete_value_error

        raise concrete_value_error() from None


_LEGACY = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "bfloat16": "BFloat16Tensor",
           "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
           "uint8": "ByteTensor", "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
           "complex128": "ComplexDoubleTensor"}


def legacy_type_name(t):
    prefix = "torch.cuda." if t.device.type == "cuda" else "torch."
    return prefix + _LEGACY[t.dtype.name]


# torch.cuda lives in _cuda.py (imported last: it reads this module's names)
from ._cuda import cuda  # noqa: E402,F401
