"""torch dtypes and PyTorch's type-promotion rules.

A `dtype` is a small immutable object (``torch.float32`` ...) that knows its numpy/JAX
equivalent. Promotion follows PyTorch, not JAX: operands are split into three priority
classes — dimensioned tensors, zero-dim tensors and Python numbers — and a lower class can
only raise the result's *category* (bool < integer < floating < complex), never its width
within a category.
"""
import ml_dtypes
import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype"]


class dtype:
    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "category", "_id")

    def __init__(self, name, np_dtype, category, signed, _id):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating, 3 complex
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = signed
        self.itemsize = self.np.itemsize
        self._id = _id

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float64: complex128}.get(self, complex64) if self.category == 2 else self


def _by_name(name):
    return _NAMES[name]


bool_ = dtype("bool", np.bool_, 0, False, 0)
uint8 = dtype("uint8", np.uint8, 1, False, 1)
int8 = dtype("int8", np.int8, 1, True, 2)
int16 = dtype("int16", np.int16, 1, True, 3)
int32 = dtype("int32", np.int32, 1, True, 4)
int64 = dtype("int64", np.int64, 1, True, 5)
float16 = dtype("float16", np.float16, 2, True, 6)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, 2, True, 7)
float32 = dtype("float32", np.float32, 2, True, 8)
float64 = dtype("float64", np.float64, 2, True, 9)
complex64 = dtype("complex64", np.complex64, 3, True, 10)
complex128 = dtype("complex128", np.complex128, 3, True, 11)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
_NAMES = {d.name: d for d in ALL}
_FROM_NP = {d.np: d for d in ALL}

# torch.* aliases: name -> dtype
ALIASES = dict(_NAMES, bool=bool_, half=float16, float=float32, double=float64, short=int16, int=int32,
               long=int64, cfloat=complex64, cdouble=complex128)


def from_numpy(np_dtype):
    """facade dtype for a numpy / JAX dtype; TypeError for ones PyTorch has no equivalent of."""
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
        ) from None


# ---- promotion -----------------------------------------------------------------------------
def _promote_pair(a, b):
    """torch.promote_types: the smallest dtype both a and b convert to safely."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == 3 and lo.category == 2 and lo is float64:
            return complex128
        if hi.category == 2 and lo.category == 1 and hi in (float16, bfloat16):
            return hi
        return hi
    if a.category == 1:
        if a.is_signed == b.is_signed:
            return a if a.itemsize >= b.itemsize else b
        signed, unsigned = (a, b) if a.is_signed else (b, a)  # only uint8 is unsigned
        return signed if signed.itemsize > unsigned.itemsize else int16
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a.itemsize >= b.itemsize else b


_PROMOTE = {(a, b): _promote_pair(a, b) for a in ALL for b in ALL}


def promote_types(a, b):
    return _PROMOTE[a, b]


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def scalar_dtype(value):
    """dtype a Python number takes when wrapped: bool, int64, the default float, complex."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _default[0]
    return complex128 if _default[0] is float64 else complex64


def _combine(higher, lower):
    """Let a lower-priority class raise the category of `higher` but not its width."""
    if higher is None:
        return lower
    if lower is None or higher.category >= lower.category:
        return higher
    if lower.category == 3 and higher.category == 2:
        return higher.to_complex()
    return lower


def result_type(dim_dtypes, zerodim_dtypes, scalar_dtypes):
    """PyTorch's result type for operands grouped by priority class (each a sequence of dtypes)."""
    state = [None, None, None]
    for i, group in enumerate((dim_dtypes, zerodim_dtypes, scalar_dtypes)):
        for d in group:
            state[i] = d if state[i] is None else _PROMOTE[state[i], d]
    return _combine(state[0], _combine(state[1], state[2]))
