"""Linear algebra: matmul and its named forms (mm, bmm, mv, dot, outer, addmm, ...).

Shape errors are raised at record time with PyTorch's messages; the grad_fn name follows
the form PyTorch's matmul dispatches to for the operand ranks.
"""
import jax.numpy as jnp
from jax import lax as _lax

from .._dispatch import record
from ..amp._state import ON as _AMP, cast_args as _amp_cast
from .frontend import cast, cpp_name, export, plus_zero, promote, type_name
from .table import defop

_HI = _lax.Precision.HIGHEST  # float32 matmuls in full float32: PyTorch's default (no TF32)


def _mm(a, b, dt):
    return jnp.matmul(cast(a, dt), cast(b, dt), precision=_HI)


def _mv(a, b, dt):
    return plus_zero(jnp.matmul(cast(a, dt), cast(b, dt), precision=_HI))  # PyTorch's gemv/dot sum from +0. (gemm keeps -0.)


def _folded_transposed(sa, sb):
    """Whether PyTorch's matmul computes these ranks as (b^T a^T)^T."""
    ra, rb = len(sa), len(sb)
    return ra == 2 and rb >= 3 or (ra == 3 and rb == 3 and sa[0] == 1 and sb[0] != 1)


def _matmul_name(node):
    """The grad_fn PyTorch's matmul shows: that of the last op of the path it takes for these ranks."""
    a, b = node.args
    ra, rb = len(a.shape), len(b.shape)
    if ra <= 2 and rb <= 2:
        return {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (1, 2): "SqueezeBackward4", (2, 2): "MmBackward0"}[ra, rb]
    if _folded_transposed(a.shape, b.shape):
        return "CloneBackward0"  # (b^T a^T)^T made contiguous: a copy (see matmul for the view case)
    return "UnsafeViewBackward0"  # folded into one mm / bmm, viewed back


MATMUL = defop("matmul", _mm, grad_fn=_matmul_name, saves="cross")
# (b^T a^T) of the folded path, before its last transpose
MATMUL_T = defop("matmul_t", lambda a, b, dt: jnp.swapaxes(_mm(a, b, dt), -1, -2), grad_fn="UnsafeViewBackward0",
                 saves="cross")
MM = defop("mm", _mm, grad_fn="MmBackward0", saves="cross")
BMM = defop("bmm", _mm, grad_fn="BmmBackward0", saves="cross")
MV = defop("mv", _mv, grad_fn="MvBackward0", saves="cross")
DOT = defop("dot", lambda a, b, dt: plus_zero(jnp.dot(cast(a, dt), cast(b, dt), precision=_HI)), grad_fn="DotBackward0", saves="cross")
OUTER = defop("outer", lambda a, b, dt: jnp.outer(cast(a, dt), cast(b, dt)), grad_fn="MulBackward0", saves="cross")
def _half(dt):
    """Whether dt is a 16-bit float: PyTorch's gemm accumulates it in float32 and rounds once."""
    return jnp.dtype(dt) in (jnp.dtype(jnp.bfloat16), jnp.dtype(jnp.float16))


def _addmm(c, a, b, beta, alpha, dt):
    if _half(dt):  # beta * c + alpha * (a @ b), all in float32 (alpha, beta too), rounded once to dt
        f32 = jnp.float32
        p = jnp.matmul(cast(a, dt), cast(b, dt), precision=_HI, preferred_element_type=f32)
        return (cast(beta, f32) * cast(c, f32) + cast(alpha, f32) * p).astype(dt)
    return cast(beta, dt) * cast(c, dt) + cast(alpha, dt) * _mm(a, b, dt)


def _addmm1(c, a, b, dt):
    if _half(dt):
        p = jnp.matmul(cast(a, dt), cast(b, dt), precision=_HI, preferred_element_type=jnp.float32)
        return (cast(c, jnp.float32) + p).astype(dt)
    return cast(c, dt) + _mm(a, b, dt)


ADDMM = defop("addmm", _addmm, grad_fn="AddmmBackward0", saves="in")  # PyTorch saves mat1 and mat2, not the result
ADDMM1 = defop("addmm1", _addmm1, grad_fn="AddmmBackward0", saves="in")


def _dtype_check(a, b, name="expected"):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_name(a.dtype)} != {cpp_name(b.dtype)}")
    return a.dtype


def _scalar_check(a, b, what):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to {what} need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")


@export("matmul")
def matmul(input, other):
    if _AMP[0]:
        input, other = _amp_cast("matmul", input, other)
    a, b = input, other
    _scalar_check(a, b, "matmul")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_name(a.dtype)} != {cpp_name(b.dtype)}")
    sa, sb = tuple(a.shape), tuple(b.shape)
    if len(sa) == 1 and len(sb) == 1:
        return dot(a, b)
    if len(sa) == 2 and len(sb) == 1:
        return mv(a, b)
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        if len(sa) == 1:
            raise RuntimeError(f"size mismatch, got input ({sb[-1]}), mat ({sb[-1]}x{sb[-2]}), vec ({k_a})") if False else RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied (1x{k_a} and {k_b}x{sb[-1]})")
        rows = 1
        for s in sa[:-1]:
            rows *= s
        if len(sb) <= 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k_a} and {sb[0]}x{sb[-1] if len(sb) > 1 else 1})")
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{_batch(sa, sb)}, {k_a}] but got: [{_batch(sa, sb)}, {k_b}]."
        )
    if _folded_transposed(sa, sb) and (sa[-2] == 1 or sb[-1] == 1):
        # PyTorch's (b^T a^T)^T is already contiguous here, so the result is that transpose: a view
        from .._views import make_view
        from .shape import TRANSPOSE

        base = record(MATMUL_T, (a, b), (a.dtype.np,))
        return make_view(base, TRANSPOSE, (base.ndim - 2, base.ndim - 1))
    return record(MATMUL, (a, b), (a.dtype.np,))


def _batch(sa, sb):
    n = 1
    for s in (sa[:-2] if len(sa) >= len(sb) else sb[:-2]):
        n *= s
    return n


@export("mm")
def mm(input, mat2):
    if _AMP[0]:
        input, mat2 = _amp_cast("mm", input, mat2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})"
        )
    return record(MM, (input, mat2), (_dtype_check(input, mat2).np,))


@export("bmm")
def bmm(input, mat2):
    if _AMP[0]:
        input, mat2 = _amp_cast("bmm", input, mat2)
    if input.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor")
    b, n, m = input.shape
    if tuple(mat2.shape[:2]) != (b, m):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    return record(BMM, (input, mat2), (_dtype_check(input, mat2).np,))


@export("mv")
def mv(input, vec):
    if _AMP[0]:
        input, vec = _amp_cast("mv", input, vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {vec.ndim}, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    return record(MV, (input, vec), (_dtype_check(input, vec).np,))


@export("dot")
def dot(input, other):
    if _AMP[0]:
        input, other = _amp_cast("dot", input, other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {type_name(input.dtype)} and {type_name(other.dtype)}"
        )
    if input.shape[0] != other.shape[0]:
        n, m = input.shape[0], other.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of elements, but got {n} and {m} elements respectively"
        )
    return record(DOT, (input, other), (input.dtype.np,))


INNER = defop("inner", lambda a, b, dt: plus_zero(jnp.inner(cast(a, dt), cast(b, dt), precision=_HI)), grad_fn="ViewBackward0",
              saves="in")


@export("inner")
def inner(input, other):
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return record(INNER, (input, other), (promote(input, other).np,))


@export("outer", "ger")
def outer(input, vec2):
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D")
    return record(OUTER, (input, vec2), (promote(input, vec2).np,))


@export("addmm")
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if _AMP[0]:
        input, mat1, mat2 = _amp_cast("addmm", input, mat1, mat2)
    mm(mat1, mat2)  # shape checks
    d = _dtype_check(mat1, mat2)
    if beta == 1 and alpha == 1:
        return record(ADDMM1, (input, mat1, mat2), (d.np,))
    return record(ADDMM, (input, mat1, mat2, beta, alpha), (d.np,))


EINSUM = defop("einsum", lambda *a: jnp.einsum(a[-2], *[cast(x, a[-1]) for x in a[:-2]], precision=_HI), grad_fn="ViewBackward0", saves="in")


@export("einsum", method=False)
def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return record(EINSUM, operands, (equation, promote(*operands).np))


from . import linalg_decomp, linalg_products  # noqa: E402,F401 - torch.linalg and the other matrix functions
