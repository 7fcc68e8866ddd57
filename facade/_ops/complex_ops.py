"""Complex numbers: real/imag, view_as_real/view_as_complex, conj, angle, complex, polar.

As in PyTorch, `z.real`, `z.imag`, `view_as_real`, `view_as_complex` and `conj` are views that
share the tensor's storage: `z.real` is `view_as_real(z)[..., 0]`. A write through `z.real`,
`z.imag` or `view_as_real(z)` (and any slice of them) writes z. Writes through a `conj()` or
`view_as_complex` view raise NotImplementedError (PyTorch allows them; facade's views are
index maps, which cannot express a conjugated or re-typed write).
"""
import jax.numpy as jnp
from jax import lax

from .. import _dtype
from .._dispatch import record
from .._views import make_view
from .frontend import export, type_name
from .table import defop


def _as_real(z):
    return jnp.stack([jnp.real(z), jnp.imag(z)], axis=-1)


def _as_complex(x):
    return lax.complex(x[..., 0], x[..., 1])


VIEW_AS_REAL = defop("view_as_real", _as_real, grad_fn="ViewAsRealBackward0", saves=False, view=True)
VIEW_AS_COMPLEX = defop("view_as_complex", _as_complex, grad_fn="ViewAsComplexBackward0", saves=False, view=True)
CONJ = defop("conj", jnp.conj, grad_fn="ConjBackward0", saves=False, view=True)
CONJ_PHYSICAL = defop("conj_physical", jnp.conj, grad_fn="ConjPhysicalBackward0", saves=False)
COMPLEX = defop("complex", lambda re, im: lax.complex(re, im), grad_fn="ComplexBackward0", saves=False)
POLAR = defop("polar", lambda r, t: lax.complex(r * jnp.cos(t), r * jnp.sin(t)), grad_fn="PolarBackward0")


def _angle(x, dt):
    if jnp.iscomplexobj(x):
        return jnp.angle(x).astype(dt)
    # a real number's angle: 0 or pi (nan stays nan), with PyTorch's zero gradient everywhere
    x = lax.stop_gradient(x.astype(dt))
    return jnp.where(jnp.isnan(x), x, jnp.where(x < 0, jnp.asarray(jnp.pi, dt), jnp.zeros((), dt)))


ANGLE = defop("angle", _angle, grad_fn="AngleBackward0", saves="in")


@export("view_as_real")
def view_as_real(input):
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return make_view(input, VIEW_AS_REAL, ())


@export("view_as_complex")
def view_as_complex(input):
    if input.dtype.name not in ("float32", "float64", "float16"):
        raise RuntimeError("view_as_complex is only supported for float, double and half tensors, but got a tensor of "
                           f"scalar type: {type_name(input.dtype)}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return make_view(input, VIEW_AS_COMPLEX, ())


@export("real")
def real(input):
    if not input.dtype.is_complex:
        return input
    return view_as_real(input).select(-1, 0)


@export("imag")
def imag(input):
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(input).select(-1, 1)


@export("conj")
def conj(input):
    if not input.dtype.is_complex:
        return input
    return make_view(input, CONJ, ())


@export("conj_physical")
def conj_physical(input):
    if not input.dtype.is_complex:
        return input
    return record(CONJ_PHYSICAL, (input,))


@export("is_conj")
def is_conj(input):
    """True for the view `conj()` returns (PyTorch's lazy conjugate bit), until resolved."""
    view = input._view
    flips = 0
    if view is not None:
        for op, _ in view[1]:
            if op is CONJ:
                flips ^= 1
    return bool(flips)


@export("resolve_conj")
def resolve_conj(input):
    return input.clone() if is_conj(input) else input


@export("is_neg")
def is_neg(input):
    return False


@export("resolve_neg")
def resolve_neg(input):
    return input


@export("angle")
def angle(input):
    d = input.dtype
    out = d.to_real() if d.category >= 2 else _dtype.get_default_dtype()
    return record(ANGLE, (input,), (out.np,))


@export("complex", method=False)
def complex(real, imag):  # noqa: A001 - torch.complex
    a, b = real.dtype, imag.dtype
    if a.name not in ("float16", "float32", "float64") or b.name not in ("float16", "float32", "float64"):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{type_name(a)} and {type_name(b)}")
    if a is not b:
        raise RuntimeError(f"Expected object of scalar type {type_name(a)} but got scalar type "
                           f"{type_name(b)} for second argument")
    return record(COMPLEX, (real, imag))


@export("polar", method=False)
def polar(abs, angle):  # noqa: A002 - torch's argument names
    a, b = abs.dtype, angle.dtype
    if a.name not in ("float32", "float64") or a is not b:
        raise RuntimeError(f"Expected object of scalar type {type_name(a)} but got scalar type "
                           f"{type_name(b)} for second argument")
    return record(POLAR, (abs, angle))
