"""torch.finfo and torch.iinfo: the numerical limits of a dtype, read off numpy / ml_dtypes
(bfloat16) and printed as PyTorch prints them."""
import jax.numpy as jnp

from . import _dtype

__all__ = ["finfo", "iinfo"]


def _check(kind, type_, category, other):
    if not isinstance(type_, _dtype.dtype):
        raise TypeError(f"{kind}(): argument 'type' (position 1) must be torch.dtype, not {type(type_).__name__}")
    if type_.category not in category:
        # PyTorch's own wording, including its quoting of the class that was called
        wanted = "a floating point" if kind == "finfo" else "an integer"
        raise TypeError(f"torch.{kind}() requires {wanted} input type. Use torch.{other} to handle 'torch.{kind}'")


class finfo:
    """Machine limits of a floating point (or complex: of its real part) dtype."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):  # noqa: A002 - torch's argument name
        if type is None:
            type = _dtype.get_default_dtype()  # noqa: A001
        _check("finfo", type, (2, 3), "iinfo")
        real = type.to_real()
        info = jnp.finfo(real.np)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # in float64, as PyTorch gives it
        self.dtype = real.name

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    __hash__ = None  # as torch.finfo: comparable, not hashable

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):  # noqa: A002 - torch's argument name
        if isinstance(type, _dtype.dtype) and type.category == 0:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        _check("iinfo", type, (1,), "finfo")
        info = jnp.iinfo(type.np)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    __hash__ = None

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
