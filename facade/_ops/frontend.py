"""Deriving the public API from op declarations.

`export(...)` registers a frontend (the function that parses PyTorch-style arguments and
records the op) as a `torch.*` function and/or a `Tensor` method; `inplace(fn)` derives the
in-place variant `x.op_(...)` from any out-of-place frontend, with PyTorch's in-place rules
(leaf checks, result-dtype casting, no broadcasting of the written tensor) in one place.
"""
import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dispatch, _dtype
from .._dispatch import record_node
from .table import SCALAR
from .._grad_mode import STATE as _GRAD
from .._overlap import ANY_OVERLAP, INPLACE_CHECKED, check_args
from .table import defop

FUNCTIONS = {}  # torch.<name>
METHODS = {}  # Tensor.<name>


def export(*names, method=True, function=True, inplace_names=()):
    def deco(fn):
        for n in names:
            if function:
                FUNCTIONS[n] = fn
            if method:
                METHODS[n] = fn
        for n in inplace_names:
            METHODS[n] = inplace(fn, n)
        return fn

    return deco


def cast(x, dt):
    """x (array or Python number) as numpy dtype dt, without a no-op convert."""
    if isinstance(x, (bool, int, float, complex)):
        return jnp.asarray(x, dt)
    return x if x.dtype == dt else lax.convert_element_type(x, dt)


def set_at(x, key, src):
    """x.at[key].set(src), with PyTorch's gradient at a repeated index: every element of src gets
    the output's gradient at its index (JAX's gives it only to the write that won)."""
    kept = lax.stop_gradient(src)
    return x.at[key].set(kept) + jnp.zeros_like(x).at[key].add(src - kept)


TO_DTYPE = defop("to_dtype", lambda x, dt: cast(x, dt), grad_fn="ToCopyBackward0", saves=False)

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def type_name(d):
    return _TYPE_NAMES[d.name]


_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


_FIT_NAMES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
              "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
              "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def check_fits(value, dt):
    """PyTorch's error for a Python number written into a tensor of dtype dt (fill_, full, masked_fill,
    x[i] = v, where) that dt cannot hold: out of an integer type's range, beyond a float type's largest
    finite value (inf and nan fit), or complex into a real type."""
    if dt.name == "bool" or isinstance(value, bool) or not isinstance(value, (int, float, complex)):
        return
    if isinstance(value, complex):
        if dt.is_complex:
            parts = (value.real, value.imag)
        elif value.imag:
            parts = None
        else:
            parts = (value.real,)
    else:
        parts = (value,)
    if parts is not None:
        for v in parts:
            if dt.category == 1:
                info = np.iinfo(dt.np)
                top = float(info.max) if isinstance(v, float) else info.max
                # unsigned: a negative number fits down to -max (PyTorch's c10::overflows wraps it)
                if not (v <= top and (v >= info.min if info.min else v >= -top)):
                    break
            elif math.isfinite(v) and abs(v) > float(np.finfo(dt.np).max):
                break
        else:
            return
    raise RuntimeError(f"value cannot be converted to type {_FIT_NAMES[dt.name]} without overflow")


def cpp_name(d):
    """The C++ type name some PyTorch messages use for a dtype ("long int", "double", "c10::Half")."""
    return _CPP_NAMES[d.name]


def check_broadcast(*operands):
    """PyTorch's error for operands whose shapes do not broadcast (numbers broadcast with anything)."""
    shape = None
    for x in operands:
        if not is_tensor(x):
            continue
        s = tuple(x.shape)
        if shape is None or s == shape:
            shape = s if shape is None else shape
            continue
        n = max(len(shape), len(s))
        a, b = (1,) * (n - len(shape)) + shape, (1,) * (n - len(s)) + s
        for i in range(n - 1, -1, -1):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                                   f"non-singleton dimension {i}")
        shape = tuple(max(p, q) if min(p, q) != 0 else 0 for p, q in zip(a, b))


def plus_zero(r):
    """r with -0. made +0., gradient unchanged: PyTorch's sums and products of matrices start from +0., while
    XLA turns a sum over one element into that element (so sum([-0.]) and [[-1.]] @ [[0.]] gave -0.)."""
    if not jnp.issubdtype(r.dtype, jnp.floating):
        return r
    return jnp.where(r == 0, r - lax.stop_gradient(r), r)


def can_cast(src, dst):
    """torch.can_cast: no category downgrade (float -> int, complex -> float, non-bool -> bool)."""
    return src.category <= dst.category


def check_inplace(t):
    if _GRAD[0]:
        _check_multi_view(t)
        if t._rg and t._view is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if t._view is not None and t._view[2] and t._view[0]._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def _check_multi_view(t):
    """PyTorch refuses in-place writes into a piece of split / chunk / unbind that tracks grad."""
    view = t._view
    if view is None or not view[2]:
        return
    from .shape import MULTI_VIEW_NAMES

    op, statics = view[1][-1]
    if op.name in MULTI_VIEW_NAMES:
        raise RuntimeError(
            f"Output {statics[-1]} of {MULTI_VIEW_NAMES[op.name]} is a view and is being modified inplace. This view "
            "is the output of a function that returns multiple views. Such functions do not allow the output views to "
            "be modified inplace. You should replace the inplace operation by an out-of-place one.")


def write_result(self, out_node):
    """The second half of every in-place op: check shape and dtype, then write out_node into self."""
    shape = self._node().shape
    if out_node.shape != shape:
        raise RuntimeError(
            f"output with shape {list(shape)} doesn't match the broadcast shape {list(out_node.shape)}"
        )
    dt = self._node().dtype
    op_node = out_node
    if out_node.dtype is not dt:
        if not can_cast(out_node.dtype, dt):
            raise RuntimeError(f"result type {type_name(out_node.dtype)} can't be cast to the desired output type {type_name(dt)}")
        out_node = record_node(TO_DTYPE, (out_node,), (dt.np,))
    self._set_node(out_node)
    if op_node.saved:
        op_node.saved = _inplace_saved(self, op_node)
    return self


def _inplace_saved(self, op_node):
    """What an in-place op saves, as PyTorch: not its input `self` (the tape keeps the old value, as
    PyTorch's saved copy does, so later writes to self are fine), but its output, which is self from
    now on (a later write to self before backward raises)."""
    out = []
    for vc, version, node in op_node.saved:
        if node.__class__ is tuple:  # the op's output (see _dispatch.output_ref)
            out.append((self._vc, self._vc[0], node))
        elif vc is not self._vc:
            out.append((vc, version, node))
    return tuple(out)


def inplace(fn, name=None):
    name = name or fn.__name__ + "_"
    if name in INPLACE_CHECKED:  # PyTorch refuses an argument that overlaps self (x[1:].add_(x[:-1]))
        any_overlap = name in ANY_OVERLAP

        def method(self, *args, **kwargs):
            check_inplace(self)
            check_args(self, args, kwargs, any_overlap)
            out = fn(self, *args, **kwargs)
            return write_result(self, out._storage.node)
    else:
        def method(self, *args, **kwargs):
            check_inplace(self)
            out = fn(self, *args, **kwargs)
            return write_result(self, out._storage.node)

    method.__name__ = name
    return method


def is_tensor(x):
    return isinstance(x, _dispatch.Tensor)


def operand(x):
    """Validate an operand: a Tensor or a Python number (numpy scalars become Python numbers)."""
    if is_tensor(x) or isinstance(x, (bool, int, float, complex)):
        return x
    if hasattr(x, "item") and getattr(x, "ndim", None) == 0:
        return x.item()
    from .._creation import tensor

    if isinstance(x, (list, tuple)) or hasattr(x, "__array__"):
        return tensor(x)
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


_PROMO_CACHE = {}


def _promote_kinds(kinds):
    dims, zeros, scalars = [], [], []
    for k in kinds:
        if isinstance(k, tuple):
            (zeros if k[1] else dims).append(k[0])
        else:
            scalars.append(_dtype.scalar_dtype(k()))
    if not dims and not zeros:
        return _dtype.result_type([], scalars, [])
    return _dtype.result_type(dims, zeros, scalars)


def promote_nodes(*nodes):
    """PyTorch's result dtype for operand Nodes (scalars count as Python numbers)."""
    key = [_dtype._default[0]]
    for n in nodes:
        key.append(n.mk if n.op is SCALAR else (n.dtype, not n.shape))
    key = tuple(key)
    d = _PROMO_CACHE.get(key)
    if d is None:
        d = _PROMO_CACHE[key] = _promote_kinds(key[1:])
    return d


def promote(*xs):
    """PyTorch's result dtype for operands (Tensors or Python numbers)."""
    key = [_dtype._default[0]]
    for x in xs:
        if isinstance(x, _dispatch.Tensor):
            n = x._node()
            key.append((n.dtype, not n.shape))
        else:
            key.append(type(x))
    key = tuple(key)
    d = _PROMO_CACHE.get(key)
    if d is None:
        d = _PROMO_CACHE[key] = _promote_kinds(key[1:])
    return d


def wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def dims_arg(dim, ndim):
    """Normalise a dim / tuple of dims argument; None means all."""
    if dim is None:
        return None
    if isinstance(dim, int) or hasattr(dim, "__index__") and not isinstance(dim, (list, tuple)):
        return (wrap_dim(int(dim), ndim),)
    out = tuple(wrap_dim(int(d), ndim) for d in dim)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def parse_dtype(d):
    if d is None or isinstance(d, _dtype.dtype):
        return d
    if d is float:
        return _dtype.float64
    if d is int:
        return _dtype.int64
    if d is bool:
        return _dtype.bool_
    try:
        return _dtype.from_numpy(d)
    except TypeError:
        raise TypeError(f"dtype must be a torch.dtype, got {d!r}") from None
