"""Matrix functions and products: linalg's norms, cross, matrix_power, multi_dot; trace, diag, diag_embed,
diagflat, tensordot, kron, addmv, addbmm, baddbmm, addr, chain_matmul, dist, cdist.

Where PyTorch composes other ops (matrix norms, matrix_power, multi_dot, tensordot, kron, logdet) the
same composition of facade ops is used, so the grad_fn names are PyTorch's; the rest are one op each.
"""
import math

import jax.numpy as jnp
from jax import lax as _lax

from .. import _dtype
from .._dispatch import record
from ..amp._state import ON as _AMP, cast_args as _amp_cast
from .linalg import _half
from .frontend import FUNCTIONS, METHODS, cast, cpp_name, export, parse_dtype, plus_zero, promote, type_name, wrap_dim
from .reduce import LINALG_VECTOR_NORM, _dims, _safe_norm
from .shape import UNSAFE_VIEW
from .table import defop

_HI = _lax.Precision.HIGHEST  # float32 matmuls in full float32: PyTorch's default (no TF32)


# ---- norms -----------------------------------------------------------------------------
def _norm_dtype(x, dtype, name):
    d = parse_dtype(dtype)
    if d is None:
        return x.dtype
    if d.category < 2:
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got {type_name(d)}")
    if d.category != x.dtype.category or d.itemsize < x.dtype.itemsize:
        raise RuntimeError(f"{name}: the dtype of the input ({type_name(x.dtype)}) should be convertible without "
                           f"narrowing to the specified dtype ({type_name(d)})")
    return d


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    if x.dtype.category < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(x.dtype)}")
    d = _norm_dtype(x, dtype, "linalg.vector_norm")
    return record(LINALG_VECTOR_NORM, (x,), (float(ord), _dims(x, dim), bool(keepdim), d.np))


def _backshift(d0, d1, ndim):
    """The permutation moving dims d0, d1 to the end (PyTorch's create_dim_backshift_permutation)."""
    return tuple(i for i in range(ndim) if i not in (d0, d1)) + (d0, d1)


def _reverse(perm):
    out = [0] * len(perm)
    for i, p in enumerate(perm):
        out[p] = i
    return tuple(out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    from .linalg_decomp import check_float, check_matrix, svdvals

    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(ord) not in (1, 2, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {_fmt(ord)} not supported.")
    check_matrix(A, "linalg.matrix_norm")
    check_float(A, "linalg.matrix_norm", low_precision=ord not in ("nuc", 2, -2))
    dims = [dim] if isinstance(dim, int) else list(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    dims = [wrap_dim(d, A.ndim) for d in dims]
    if dims[0] == dims[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dims[0]}, {dims[1]})")
    d = _norm_dtype(A, dtype, "linalg.matrix_norm")
    if ord == "fro":
        return vector_norm(A, 2, tuple(dims), keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):
        x = A.to(d) if dtype is not None else A
        perm = _backshift(dims[0], dims[1], A.ndim)
        s = svdvals(x.permute(perm))
        out = s.sum(-1, keepdim) if ord == "nuc" else (s.amax(-1) if ord > 0 else s.amin(-1))
        if keepdim:
            out = (out if ord == "nuc" else out.unsqueeze(-1)).unsqueeze(-1).permute(_reverse(perm))
        return out
    if abs(ord) == math.inf:
        dims.reverse()
    if not keepdim and dims[0] < dims[1]:
        dims[1] -= 1
    n1 = vector_norm(A, 1.0, dims[0], keepdim, dtype=dtype)
    return n1.amax(dims[1], keepdim) if ord > 0 else n1.amin(dims[1], keepdim)


def _fmt(x):
    return str(int(x)) if float(x).is_integer() else str(x)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    else:
        dims = None
        if ord is not None and A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A.ndim}D.")
    if ord is not None and (dims is not None and len(dims) == 2 or dims is None and A.ndim == 2):
        return matrix_norm(A, ord, dims or (0, 1), keepdim, dtype=dtype)
    if isinstance(ord, str):
        return matrix_norm(A, ord, dims or (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


# ---- cross / matrix_power / multi_dot --------------------------------------------------
def _cross(a, b, d, dt):
    a, b = cast(a, dt), cast(b, dt)
    shape = jnp.broadcast_shapes(a.shape, b.shape)
    return jnp.cross(jnp.broadcast_to(a, shape), jnp.broadcast_to(b, shape), axis=d)


CROSS = defop("linalg_cross", _cross, grad_fn="LinalgCrossBackward0", saves="cross")


def cross(input, other, *, dim=-1):
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found {type_name(other.dtype)}")
    from .frontend import check_broadcast

    check_broadcast(input, other)
    return record(CROSS, (input, other), (d, input.dtype.np))


@export("cross")
def cross_legacy(input, other, dim=None):
    if dim is None:
        import warnings

        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree with "
                      "that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        import numpy as np

        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return cross(input, other, dim=dim)


def matrix_power(A, n):
    from .linalg_decomp import check_square, inv

    check_square(A, "linalg.matrix_power")
    matmul = FUNCTIONS["matmul"]
    if n == 0:
        from .._creation import eye

        out = A.clone()
        return out.copy_(eye(A.shape[-1], dtype=A.dtype))
    if n == 1:
        return A.clone()
    if n == -1:
        return inv(A)
    a = inv(A) if n < 0 else A
    n = abs(n)
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = result = None
    while n > 0:  # PyTorch's binary decomposition, least significant bit first
        bit, n = n % 2, n // 2
        z = a if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


export("matrix_power")(lambda input, n: matrix_power(input, n))


def _chain_order(dims):
    """The cheapest parenthesisation of a chain of matrices with sides dims (the classic dynamic programme)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors):
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i, t in enumerate(tensors):
        if t.dtype is not first.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{cpp_name(first.dtype)} and tensor {i} {cpp_name(t.dtype)}")
    out_shape = tuple(first.shape[:-1]) + tuple(last.shape[1:])
    mats = list(tensors)
    if first.ndim == 1:
        mats[0] = first.unsqueeze(0)
    if last.ndim == 1:
        mats[-1] = last.unsqueeze(-1)
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(mats[i].shape)} and "
                               f"{list(mats[i + 1].shape)} cannot be multiplied")
    mm = FUNCTIONS["mm"]
    if n == 2:
        result = mm(mats[0], mats[1])
    elif n == 3:
        a, b, c, d = mats[0].shape[0], mats[1].shape[0], mats[2].shape[0], mats[2].shape[1]
        if (a * c) * (b + d) > (b * d) * (a + c):
            result = mm(mats[0], mm(mats[1], mats[2]))
        else:
            result = mm(mm(mats[0], mats[1]), mats[2])
    else:
        split = _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]])

        def product(i, j):
            if i == j:
                return mats[i]
            k = split[i][j]
            return mm(product(i, k), product(k + 1, j))

        result = product(0, n - 1)
    return result.view(out_shape)


@export("chain_matmul", method=False)
def chain_matmul(*matrices, out=None):
    import warnings

    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                  "parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


# ---- trace / diag / diag_embed ---------------------------------------------------------
TRACE = defop("trace", lambda x, dt: plus_zero(jnp.trace(cast(x, dt))), grad_fn="TraceBackward0", saves=False)


@export("trace")
def trace(input):
    if _AMP[0]:
        input, = _amp_cast("trace", input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype is _dtype.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    d = _dtype.int64 if input.dtype.category == 1 else input.dtype
    return record(TRACE, (input,), (d.np,))


def _diag_embed(x, offset, d1, d2):
    n = x.shape[-1]
    k = abs(offset)
    eye = jnp.eye(n, dtype=bool)
    mat = jnp.where(eye, x[..., None, :], jnp.zeros((), x.dtype))  # mat[..., i, i] = x[..., i]
    pad = [(0, 0)] * (x.ndim - 1) + ([(0, k), (k, 0)] if offset >= 0 else [(k, 0), (0, k)])
    mat = jnp.pad(mat, pad) if k else mat
    return jnp.moveaxis(mat, (-2, -1), (d1, d2))


DIAG_EMBED = defop("diag_embed", _diag_embed, grad_fn="DiagEmbedBackward0", saves=False)
DIAG_COPY = defop("diag", lambda x, o: jnp.diagonal(x, o), grad_fn="DiagonalBackward0_copy", saves=False)


@export("diag_embed")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    n = input.ndim + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return record(DIAG_EMBED, (input,), (int(offset), d1, d2))


@export("diag")
def diag(input, diagonal=0):
    if input.ndim == 1:
        return record(DIAG_EMBED, (input,), (int(diagonal), 0, 1))
    if input.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return record(DIAG_COPY, (input,), (int(diagonal),))


@export("diagflat")
def diagflat(input, offset=0):
    return record(DIAG_EMBED, (input.contiguous().reshape(-1),), (int(offset), 0, 1))


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return METHODS["diagonal"](A, offset, dim1, dim2)


# ---- tensordot / kron ------------------------------------------------------------------
@export("tensordot", method=False)
def tensordot(a, b, dims=2, out=None):
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    da = [wrap_dim(d, a.ndim) for d in da]
    db = [wrap_dim(d, b.ndim) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in dim {x} and "
                               f"second has size {b.shape[y]} in dim {y}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    csize = math.prod(a.shape[d] for d in da)
    sa = math.prod(a.shape[d] for d in free_a)
    sb = math.prod(b.shape[d] for d in free_b)
    t1 = a.permute(free_a + da).reshape(sa, csize)
    t2 = b.permute(db + free_b).reshape(csize, sb)
    shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    return FUNCTIONS["mm"](t1, t2).reshape(shape)


@export("kron")
def kron(input, other):
    n = max(input.ndim, other.ndim)
    pa, pb = n - input.ndim, n - other.ndim
    ra, rb, rs = [], [], []
    for i in range(n):
        sa = input.shape[i - pa] if i >= pa else 1
        sb = other.shape[i - pb] if i >= pb else 1
        ra += [sa, 1]
        rb += [1, sb]
        rs.append(sa * sb)
    va = record(UNSAFE_VIEW, (input,), (tuple(ra),))
    vb = record(UNSAFE_VIEW, (other,), (tuple(rb),))
    return record(UNSAFE_VIEW, (FUNCTIONS["mul"](va, vb),), (tuple(rs),))


# ---- addmv / addbmm / baddbmm / addr ---------------------------------------------------
def _scaled(c, p, beta, alpha, dt):
    """beta * c + alpha * p, as PyTorch: beta = 0 ignores c (its NaN and inf too)."""
    p = p if alpha == 1 else cast(alpha, dt) * p
    if beta == 0:
        # c's gradient is a real zero (PyTorch's grad * 0, NaN through a NaN c), not JAX's symbolic one
        shape = jnp.broadcast_shapes(jnp.shape(c), p.shape)
        return jnp.where(jnp.ones(shape, bool), jnp.broadcast_to(p, shape), cast(c, dt))
    c = cast(c, dt)
    return (c if beta == 1 else cast(beta, dt) * c) + p


def _prod32(a, b, dt):
    """a @ b accumulated and kept in float32: PyTorch's 16-bit gemm/gemv rounds only its final result."""
    return jnp.matmul(cast(a, dt), cast(b, dt), precision=_HI, preferred_element_type=jnp.float32)


def _addmv(c, a, b, beta, alpha, dt):
    if _half(dt):
        return _scaled(c, plus_zero(_prod32(a, b, dt)), beta, alpha, jnp.float32).astype(dt)
    return _scaled(c, plus_zero(jnp.matmul(cast(a, dt), cast(b, dt), precision=_HI)), beta, alpha, dt)


def _addbmm(c, a, b, beta, alpha, dt):
    if _half(dt) and a.shape[0]:  # PyTorch: one addmm per batch into the result, each rounded to dt
        p = _prod32(a, b, dt)
        r = _scaled(c, p[0], beta, alpha, jnp.float32).astype(dt)
        return _lax.scan(lambda r, q: (_scaled(r, q, 1, alpha, jnp.float32).astype(dt), None), r, p[1:])[0]
    return _scaled(c, jnp.sum(jnp.matmul(cast(a, dt), cast(b, dt), precision=_HI), axis=0), beta, alpha, dt)


def _baddbmm(c, a, b, beta, alpha, dt):
    if _half(dt):
        return _scaled(c, _prod32(a, b, dt), beta, alpha, jnp.float32).astype(dt)
    return _scaled(c, jnp.matmul(cast(a, dt), cast(b, dt), precision=_HI), beta, alpha, dt)


def _addr(c, a, b, beta, alpha, dt):
    if dt == jnp.bool_:
        p = jnp.outer(a, b) & bool(alpha)
        return p | (c & bool(beta)) if beta else jnp.broadcast_to(p, jnp.broadcast_shapes(jnp.shape(c), p.shape))
    return _scaled(c, jnp.outer(cast(a, dt), cast(b, dt)), beta, alpha, dt)


ADDMV = defop("addmv", _addmv, grad_fn="AddmvBackward0", saves="in")
ADDBMM = defop("addbmm", _addbmm, grad_fn="AddbmmBackward0", saves="in")
BADDBMM = defop("baddbmm", _baddbmm, grad_fn="BaddbmmBackward0", saves="in")
ADDR = defop("addr", _addr, grad_fn="AddrBackward0", saves="in")


def _alpha_check(d, beta, alpha):
    if d.category < 2 and (isinstance(alpha, float) or isinstance(beta, float)):
        which = "alpha" if isinstance(alpha, float) else "beta"
        raise RuntimeError(f"For integral input tensors, argument {which} must not be a floating point number.")


def _expand_check(input, shape):
    METHODS["expand"](input, *shape)  # PyTorch's message when input does not broadcast to the result


def _number(x):
    return x.item() if hasattr(x, "item") else x


@export("addmv", inplace_names=("addmv_",))
def addmv(input, mat, vec, *, beta=1, alpha=1):
    if _AMP[0]:
        input, mat, vec = _amp_cast("addmv", input, mat, vec)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    if mat.shape[1] != vec.shape[0] or input.ndim == 1 and input.shape[0] not in (1, mat.shape[0]):
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), mat "
                           f"({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    if not input.dtype is mat.dtype is vec.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {type_name(input.dtype)}, "
                           f"{type_name(mat.dtype)}, and {type_name(vec.dtype)}")
    beta, alpha = _number(beta), _number(alpha)
    return record(ADDMV, (input, mat, vec), (beta, alpha, mat.dtype.np))


def _check_batches(b1, b2):
    wrap_dim(2, b1.ndim)
    wrap_dim(2, b2.ndim)
    if b1.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b1.shape[0] != b2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {b1.shape[0]} and {b2.shape[0]}")
    if b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({b1.shape[1]}x{b1.shape[2]} and "
                           f"{b2.shape[1]}x{b2.shape[2]})")


@export("addbmm", inplace_names=("addbmm_",))
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if _AMP[0]:
        input, batch1, batch2 = _amp_cast("addbmm", input, batch1, batch2)
    _check_batches(batch1, batch2)
    if batch1.dtype is not batch2.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {type_name(batch1.dtype)} and "
                           f"{type_name(batch2.dtype)}")
    if input.dtype is not batch1.dtype:
        raise RuntimeError(f"expected scalar type {type_name(batch1.dtype)} but found {type_name(input.dtype)}")
    _expand_check(input, (batch1.shape[1], batch2.shape[2]))
    return record(ADDBMM, (input, batch1, batch2), (_number(beta), _number(alpha), batch1.dtype.np))


@export("baddbmm", inplace_names=("baddbmm_",))
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if _AMP[0]:
        input, batch1, batch2 = _amp_cast("baddbmm", input, batch1, batch2)
    _check_batches(batch1, batch2)
    if not input.dtype is batch1.dtype is batch2.dtype:
        bad = batch2.dtype if batch2.dtype is not input.dtype else batch1.dtype
        raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found {type_name(bad)}")
    _expand_check(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return record(BADDBMM, (input, batch1, batch2), (_number(beta), _number(alpha), batch1.dtype.np))


@export("addr", inplace_names=("addr_",))
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    if _AMP[0]:
        input, vec1, vec2 = _amp_cast("addr", input, vec1, vec2)
    if vec1.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.ndim}-D")
    if vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    d = promote(input, vec1, vec2)
    beta, alpha = _number(beta), _number(alpha)
    _alpha_check(d, beta, alpha)
    _expand_check(input, (vec1.shape[0], vec2.shape[0]))
    return record(ADDR, (input, vec1, vec2), (beta, alpha, d.np))


# ---- dist / cdist ----------------------------------------------------------------------
DIST = defop("dist", lambda a, b, p, dt: _safe_norm(cast(a, dt) - cast(b, dt), p, None, False), grad_fn="DistBackward0")


@export("dist")
def dist(input, other, p=2):
    d = promote(input, other)
    if d.category < 2:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got {type_name(d)} "
                           "instead.")
    from .frontend import check_broadcast

    check_broadcast(input, other)
    return record(DIST, (input, other), (float(_number(p)), d.np))


def _cdist(a, b, p):
    return _safe_norm(a[..., :, None, :] - b[..., None, :, :], p, (-1,), False)


def _euclidean_dist(a, b):
    """PyTorch's matmul form of the Euclidean distance (its rounding too)."""
    an = jnp.sum(a * a, axis=-1, keepdims=True)
    bn = jnp.sum(b * b, axis=-1, keepdims=True)
    a_ = jnp.concatenate([-2 * a, an, jnp.ones_like(an)], axis=-1)
    b_ = jnp.concatenate([b, jnp.ones_like(bn), bn], axis=-1)
    r = jnp.matmul(a_, jnp.swapaxes(b_, -1, -2), precision=_HI)
    return jnp.sqrt(jnp.maximum(r, jnp.asarray(1e-30, r.dtype)))


CDIST = defop("cdist", _cdist, grad_fn="CdistBackward0")
EUCLIDEAN_DIST = defop("euclidean_dist", _euclidean_dist, grad_fn="EuclideanDistBackward0")
_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


@export("cdist", method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    if _AMP[0]:
        x1, x2 = _amp_cast("cdist", x1, x2)
    import numpy as np

    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.dtype.category != 2:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {type_name(x.dtype)}")
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {type_name(x1.dtype)} but found {type_name(x2.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _MODES and compute_mode is not None:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    from .frontend import check_broadcast

    check_broadcast(x1[..., :1, :1] if x1.ndim > 2 else x1[:1, :1], x2[..., :1, :1] if x2.ndim > 2 else x2[:1, :1])
    batch = tuple(np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
    r1, r2, c = x1.shape[-2], x2.shape[-2], x1.shape[-1]
    mode = compute_mode or _MODES[0]
    use_mm = p == 2 and (mode == _MODES[1] or mode == _MODES[0] and (r1 > 25 or r2 > 25))
    if not use_mm:
        return record(CDIST, (x1, x2), (float(p),))
    if batch:
        n = math.prod(batch)
        x1 = x1.expand(*batch, r1, c).reshape(n, r1, c)
        x2 = x2.expand(*batch, r2, c).reshape(n, r2, c)
    return record(EUCLIDEAN_DIST, (x1, x2), ()).view(*batch, r1, r2)
