"""torch.linalg's decompositions and solvers: inv, det, slogdet, solve, cholesky, qr, svd, eigh, pinv,
matrix_rank, lstsq (and the torch.* / Tensor forms: inverse, det, logdet, slogdet, cholesky, qr, svd).

Each is one op with PyTorch's grad_fn name; JAX differentiates it. PyTorch's LAPACK calls read one
triangle of a Hermitian input (cholesky, eigh), so those ops read that triangle too, while their
gradient is symmetrised as PyTorch's is. Singular / not positive-definite inputs raise PyTorch's
LinAlgError: the result is computed at once (PyTorch checks synchronously too) and, only if it is
not finite, the factorization is inspected on the host for the message.
"""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype
from .._dispatch import record
from .frontend import export, type_name
from .reduce import _return_type
from .table import defop

RETURN_TYPES = {
    "linalg_slogdet": _return_type("linalg_slogdet", ("sign", "logabsdet")),
    "slogdet": _return_type("slogdet", ("sign", "logabsdet")),
    "linalg_qr": _return_type("linalg_qr", ("Q", "R")),
    "qr": _return_type("qr", ("Q", "R")),
    "linalg_svd": _return_type("linalg_svd", ("U", "S", "Vh")),
    "svd": _return_type("svd", ("U", "S", "V")),
    "linalg_eigh": _return_type("linalg_eigh", ("eigenvalues", "eigenvectors")),
    "linalg_lstsq": _return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
    "linalg_inv_ex": _return_type("linalg_inv_ex", ("inverse", "info")),
    "linalg_cholesky_ex": _return_type("linalg_cholesky_ex", ("L", "info")),
}


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (PyTorch's class is torch._C._LinAlgError)."""


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"
LinAlgError.__module__ = "torch._C"


# ---- checks ----------------------------------------------------------------------------
def check_matrix(a, name):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")


def check_float(a, name, low_precision=True):
    d = a.dtype
    if d.category < 2:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {type_name(d)}")
    if not low_precision and d in (_dtype.float16, _dtype.bfloat16):
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {type_name(d)}")


def check_square(a, name):
    check_matrix(a, name)
    n, m = a.shape[-2], a.shape[-1]
    if n != m:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {n} by {m} matrices")


def _square_float(a, name):
    check_square(a, name)
    check_float(a, name, low_precision=False)


def _batch_prefix(a, k):
    return f"(Batch element {k}): " if a.ndim > 2 else ""


def _concrete(t):
    """t's value as a numpy array; None inside a trace (facade.jit, facade.func), where none exists yet."""
    v = t._value()
    return None if isinstance(v, jax.core.Tracer) else np.asarray(v)


def _first_bad(values, a):
    """Index (flattened over batch dims) of the first matrix whose result is not finite, or None."""
    v = _concrete(values)
    if v is None or np.all(np.isfinite(v)):
        return None, None
    x = _concrete(a)
    return x.reshape((-1,) + x.shape[-2:]), v


def _zero_pivot(m):
    """LAPACK getrf's info for one matrix: the 1-based position of the first zero on U's diagonal, or 0."""
    lu = np.asarray(lax.linalg.lu(jnp.asarray(m))[0])
    zero = np.nonzero(np.diagonal(lu) == 0)[0]
    return int(zero[0]) + 1 if zero.size else 0


def _check_singular(out, a, message):
    mats, _ = _first_bad(out, a)
    if mats is None:
        return
    for k, m in enumerate(mats):
        info = _zero_pivot(m)
        if info:
            raise LinAlgError(message(_batch_prefix(a, k), info))


def _not_positive_definite_order(m):
    """LAPACK potrf's info: the order of the first leading minor that is not positive-definite, or 0."""
    n = m.shape[-1]
    low = np.zeros_like(m)
    for k in range(n):
        d = m[k, k] - np.sum(low[k, :k] * np.conj(low[k, :k]))
        if not np.real(d) > 0:
            return k + 1
        low[k, k] = np.sqrt(d)
        low[k + 1:, k] = (m[k + 1:, k] - low[k + 1:, :k] @ np.conj(low[k, :k])) / low[k, k]
    return 0


# ---- helpers for impls -----------------------------------------------------------------
def _mT(x):
    return jnp.swapaxes(x, -1, -2)


def _hermitian_from(a, lower):
    """The Hermitian matrix PyTorch's LAPACK call reads from a's lower (upper) triangle; its gradient is that of
    (a + a^H) / 2, symmetrised as PyTorch's."""
    if lower:
        full = jnp.tril(a) + jnp.conj(_mT(jnp.tril(a, -1)))
    else:
        full = jnp.triu(a) + jnp.conj(_mT(jnp.triu(a, 1)))
    sym = (a + jnp.conj(_mT(a))) / 2
    return sym + lax.stop_gradient(full - sym)


def _raising_backward(fn, message):
    """fn(a), whose backward raises RuntimeError(message), as PyTorch's does for that case."""
    @jax.custom_vjp
    def f(a):
        return fn(a)

    def bwd(res, g):
        raise RuntimeError(message)

    f.defvjp(lambda a: (fn(a), None), bwd)
    return f


# ---- inv / det / slogdet / solve -------------------------------------------------------
INV = defop("linalg_inv", lambda a: jnp.linalg.inv(a), grad_fn="LinalgInvExBackward0", saves="out")
DET = defop("linalg_det", lambda a: jnp.linalg.det(a), grad_fn="LinalgDetBackward0")
SLOGDET = defop("linalg_slogdet", lambda a: tuple(jnp.linalg.slogdet(a)), grad_fn="LinalgSlogdetBackward0", nout=2)


def _inv_message(prefix, info):
    return (f"linalg.inv: {prefix}The diagonal element {info} is zero, the inversion could not be completed because "
            "the input matrix is singular.")


def inv(A):
    _square_float(A, "linalg.inv")
    out = record(INV, (A,), ())
    _check_singular(out, A, _inv_message)
    return out


def inv_ex(A, *, check_errors=False):
    from .._creation import _from_array

    if check_errors:
        out = inv(A)
    else:
        _square_float(A, "linalg.inv_ex")
        out = record(INV, (A,), ())

    mats = _concrete(A)
    info = np.zeros(tuple(A.shape[:-2]), np.int32)
    if mats is not None and not np.all(np.isfinite(_concrete(out))):
        flat = mats.reshape((-1,) + mats.shape[-2:])
        info = np.array([_zero_pivot(m) for m in flat], np.int32).reshape(info.shape)
    return RETURN_TYPES["linalg_inv_ex"](out, _from_array(info, _dtype.int32))


def det(A):
    _square_float(A, "linalg.det")
    return record(DET, (A,), ())


def slogdet(A, _name="linalg_slogdet"):
    _square_float(A, "linalg.slogdet")
    return RETURN_TYPES[_name](*record(SLOGDET, (A,), ()))


export("inverse")(lambda input: inv(input))
export("det")(lambda input: det(input))
export("slogdet")(lambda input: slogdet(input, "slogdet"))


@export("logdet")
def logdet(input):
    from .frontend import FUNCTIONS

    sign, logabs = slogdet(input)
    return FUNCTIONS["where"](sign == -1, float("nan"), logabs)  # PyTorch: NaN for a negative determinant


def _solve(a, b, vector, left):
    if not left:
        a = _mT(a)
        b = _mT(b)
    if vector:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = jnp.linalg.solve(jnp.broadcast_to(a, batch + a.shape[-2:]), jnp.broadcast_to(b, batch + b.shape[-2:]))
    if vector:
        x = x[..., 0]
    return x if left else _mT(x)


SOLVE = defop("linalg_solve", _solve, grad_fn="LinalgSolveExBackward0", saves="out")


def solve(A, B, *, left=True):
    _square_float(A, "linalg.solve")
    if B.dtype is not A.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{type_name(A.dtype)} and B of type {type_name(B.dtype)} instead")
    sa, sb = tuple(A.shape), tuple(B.shape)
    vector = B.ndim == 1 or (A.ndim - 1 == B.ndim and sb == sa[:-1])
    rows = sb[-1] if vector else (sb[-2] if left else sb[-1])
    if rows != sa[-1]:
        eq = "AX = B" if left else "XA = B"
        shown = f"{sb[-1]}x1" if vector else f"{sb[-2]}x{sb[-1]}"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({sa[-2]}x{sa[-1]} and {shown})")
    out = record(SOLVE, (A, B), (bool(vector), bool(left)))
    _check_singular(out, A, lambda prefix, info: f"torch.linalg.solve: {prefix}The solver failed because the input "
                                                 "matrix is singular.")
    return out


# ---- cholesky --------------------------------------------------------------------------
def _cholesky(a, upper):
    low = jnp.linalg.cholesky(_hermitian_from(a, not upper), symmetrize_input=False)
    return jnp.conj(_mT(low)) if upper else low


CHOLESKY = defop("linalg_cholesky", _cholesky, grad_fn="LinalgCholeskyExBackward0", saves="out")
CHOLESKY_LEGACY = defop("cholesky", _cholesky, grad_fn="CholeskyBackward0", saves="out")  # torch.cholesky


def _cholesky_checked(A, upper, op, name):
    _square_float(A, name)
    out = record(op, (A,), (bool(upper),))
    mats, _ = _first_bad(out, A)
    if mats is not None:
        for k, m in enumerate(mats):
            info = _not_positive_definite_order(np.triu(m).T.conj() if upper else m)
            if info:
                raise LinAlgError(f"{name}: {_batch_prefix(A, k)}The factorization could not be completed because the "
                                  f"input is not positive-definite (the leading minor of order {info} is not "
                                  "positive-definite).")
    return out


def cholesky(A, *, upper=False):
    return _cholesky_checked(A, upper, CHOLESKY, "linalg.cholesky")


_CHOLESKY_DEPRECATED = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch release.\n"
    "L = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
    "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
    "This transform will produce equivalent results for all valid (symmetric positive definite) inputs.")


@export("cholesky")
def cholesky_legacy(input, upper=False):
    import warnings

    warnings.warn(_CHOLESKY_DEPRECATED, UserWarning, stacklevel=2)
    return _cholesky_checked(input, upper, CHOLESKY_LEGACY, "linalg.cholesky")


# ---- qr --------------------------------------------------------------------------------
_QR_R = "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, " \
        "mode='reduced') if you are going to differentiate through linalg.qr."
_QR_COMPLETE = "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
_qr_r = _raising_backward(lambda a: jnp.linalg.qr(a, mode="r"), _QR_R)
_qr_complete_tall = _raising_backward(lambda a: tuple(jnp.linalg.qr(a, mode="complete")), _QR_COMPLETE)


def _qr(a, mode):
    if mode == "r":
        return jnp.zeros((0,), a.dtype), _qr_r(a)
    if mode == "complete" and a.shape[-2] > a.shape[-1]:
        return _qr_complete_tall(a)
    return tuple(jnp.linalg.qr(a, mode=mode))


QR = defop("linalg_qr", _qr, grad_fn="LinalgQrBackward0", nout=2, saves="out")


def qr(A, mode="reduced", _name="linalg_qr"):
    if mode not in ("reduced", "r", "complete"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           "'complete'")
    check_matrix(A, "linalg.qr")
    check_float(A, "linalg.qr", low_precision=False)
    return RETURN_TYPES[_name](*record(QR, (A,), (mode,)))


_QR_DEPRECATED = (
    "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\n"
    "The boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R = torch.qr(A, some)\n"
    "should be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')")


@export("qr")
def qr_legacy(input, some=True):
    import warnings

    warnings.warn(_QR_DEPRECATED, UserWarning, stacklevel=2)
    return qr(input, "reduced" if some else "complete", "qr")


# ---- svd / eigh ------------------------------------------------------------------------
def _svd(a, full):
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    m, n = a.shape[-2:]
    if full and m != n:
        # PyTorch ignores the gradient of the extra columns (rows) full_matrices adds; JAX has none for them
        uf, _, vhf = jnp.linalg.svd(lax.stop_gradient(a), full_matrices=True)
        k = min(m, n)
        u = jnp.concatenate([u, uf[..., :, k:]], axis=-1)
        vh = jnp.concatenate([vh, vhf[..., k:, :]], axis=-2)
    return u, s, vh


SVD = defop("linalg_svd", _svd, grad_fn="LinalgSvdBackward0", nout=3, saves="out")
SVDVALS = defop("linalg_svdvals", lambda a: jnp.linalg.svd(a, compute_uv=False), grad_fn="LinalgSvdBackward0",
                saves="out", saved_outputs=((0, 1),))  # PyTorch's S is output 1 of its (U, S, Vh)


def svd(A, full_matrices=True, *, driver=None):
    check_matrix(A, "linalg.svd")
    check_float(A, "linalg.svd", low_precision=False)
    return RETURN_TYPES["linalg_svd"](*record(SVD, (A,), (bool(full_matrices),)))


def svdvals(A, *, driver=None):
    check_matrix(A, "linalg.svd")
    check_float(A, "linalg.svd", low_precision=False)
    return record(SVDVALS, (A,), ())


@export("svd")
def svd_legacy(input, some=True, compute_uv=True):
    if not compute_uv:
        from .._creation import zeros

        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        rows, cols = (min(m, n), min(m, n)) if some else (m, n)
        U = zeros(batch + (m, rows), dtype=input.dtype)
        V = zeros(batch + (n, cols), dtype=input.dtype)
        return RETURN_TYPES["svd"](U, svdvals(input), V)
    U, S, Vh = svd(input, full_matrices=not some)
    return RETURN_TYPES["svd"](U, S, Vh.mH)


def _eigh(a, lower):
    w, v = jnp.linalg.eigh(_hermitian_from(a, lower), symmetrize_input=False)
    return w, v


EIGH = defop("linalg_eigh", _eigh, grad_fn="LinalgEighBackward0", nout=2, saves="out")
EIGVALSH = defop("linalg_eigvalsh", lambda a, lower: _eigh(a, lower)[0], grad_fn="LinalgEighBackward0", saves="out")


def _uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO == "L"


def eigh(A, UPLO="L"):
    _square_float(A, "linalg.eigh")
    lower = _uplo(UPLO)
    return RETURN_TYPES["linalg_eigh"](*record(EIGH, (A,), (lower,)))


def eigvalsh(A, UPLO="L"):
    _square_float(A, "linalg.eigh")
    return record(EIGVALSH, (A,), (_uplo(UPLO),))


# ---- pinv / matrix_rank / lstsq --------------------------------------------------------
def _default_rtol(a, atol, rtol):
    """PyTorch's tolerances: rtol defaults to eps * max(m, n) when atol is not given (or 0), else to 0."""
    if rtol is None:
        rtol = float(np.finfo(a.dtype.np).eps) * max(a.shape[-2:]) if not atol else 0.0
    return float(atol or 0.0), float(rtol)


def _pinv(a, atol, rtol, hermitian):
    if atol == 0:
        return jnp.linalg.pinv(a, rtol=rtol, hermitian=hermitian)
    # an absolute cutoff: the SVD form (its gradient is the SVD's)
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    cutoff = jnp.maximum(atol, rtol * jnp.max(s, axis=-1, keepdims=True))
    s_inv = jnp.where(s > cutoff, 1 / jnp.where(s > cutoff, s, 1), 0)
    return (jnp.conj(_mT(vh)) * s_inv[..., None, :]) @ jnp.conj(_mT(u))


PINV = defop("linalg_pinv", _pinv, grad_fn="LinalgPinvBackward0")


def pinv(A, *, atol=None, rtol=None, hermitian=False, rcond=None):
    if A.ndim < 2 or A.dtype.category < 2 or A.dtype in (_dtype.float16, _dtype.bfloat16):
        raise RuntimeError(f"linalg.pinv({type_name(A.dtype)}{{{list(A.shape)}}}): expected a tensor with 2 or more "
                           "dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    atol, rtol = _default_rtol(A, _number(atol), _number(rtol))
    return record(PINV, (A,), (atol, rtol, bool(hermitian)))


def _number(x):
    if x is None:
        return None
    return float(x.item()) if hasattr(x, "item") else float(x)


def _rank(a, atol, rtol, hermitian):
    s = jnp.abs(jnp.linalg.eigvalsh(a)) if hermitian else jnp.linalg.svd(a, compute_uv=False)
    smax = jnp.max(s, axis=-1, keepdims=True) if s.shape[-1] else jnp.zeros(s.shape[:-1] + (1,), s.dtype)
    tol = jnp.maximum(atol, rtol * smax)
    return jnp.sum(s > tol, axis=-1).astype(jnp.int64)


MATRIX_RANK = defop("linalg_matrix_rank", _rank, differentiable=False, saves=False)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    check_matrix(A, "linalg.matrix_rank")
    if A.dtype.category < 2 or A.dtype in (_dtype.float16, _dtype.bfloat16):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _default_rtol(A, _number(atol), _number(rtol))
    out = record(MATRIX_RANK, (A.detach(),), (atol, rtol, bool(hermitian)))
    if hermitian:
        out._vc[0] = 1  # PyTorch takes |eigenvalues| in place (abs_) on its way to the rank
    return out


def _lstsq(a, b, vector, residuals, full_rank):
    if vector:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    if full_rank:  # tall (or square) of full rank: through QR, as PyTorch's drivers
        q, r = jnp.linalg.qr(a)
        x = jax.scipy.linalg.solve_triangular(r, jnp.conj(_mT(q)) @ b, lower=False)
    else:
        x = jnp.linalg.pinv(a) @ b
    if residuals:
        res = jnp.sum(jnp.abs(a @ x - b) ** 2, axis=-2)
    else:
        res = jnp.zeros((0,), a.dtype)
    return (x[..., 0] if vector else x), res


LSTSQ = defop("linalg_lstsq", _lstsq, grad_fn="LinalgLstsqBackward0", nout=2)
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    from .._creation import _from_array

    if driver is not None and driver not in _DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    check_matrix(A, "torch.linalg.lstsq")
    check_float(A, "torch.linalg.lstsq", low_precision=False)
    if B.dtype is not A.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {type_name(A.dtype)} and other's dtype {type_name(B.dtype)}")
    driver = driver or "gelsy"
    vector = B.ndim == A.ndim - 1
    m, n = A.shape[-2:]
    if (B.shape[-1] if vector else B.shape[-2]) != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-{1 if vector else 2})")
    rank = record(MATRIX_RANK, (A.detach(),), _default_rtol(A, None, None if rcond is None else float(rcond)) + (False,))
    ranks = _concrete(rank) if m >= n else None
    full_rank = ranks is not None and bool(np.all(ranks == n))
    residuals = driver != "gelsy" and m > n and full_rank
    solution, residuals = record(LSTSQ, (A, B), (bool(vector), residuals, full_rank))
    if driver == "gels":
        rank = _from_array(np.zeros((0,), np.int64), _dtype.int64)
    if driver in ("gelsd", "gelss"):
        sv = svdvals(A.detach())
    else:
        sv = _from_array(np.zeros((0,), A.dtype.np), A.dtype)
    return RETURN_TYPES["linalg_lstsq"](solution, residuals, rank, sv)
