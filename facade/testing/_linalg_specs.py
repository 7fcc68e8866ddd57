"""Op specs for linear algebra: torch.linalg, decompositions, solves, norms, matrix products, cdist (see _op_specs.py).

Decompositions whose outputs are unique only up to signs (eigenvectors, singular vectors) are
checked through sign-free functions of them (u @ vh, v * v), as their gradients are.
"""
import math

import numpy as np
from hypothesis import strategies as st

from ._case_builders import REAL, array, binary, shape_of, shaped
from ._domains import Domain
from ._op_specs import NUM, function, method, spec
from ._spec_helpers import INTS, LIN, NORM_VALUES, _fixed, _one


# ---- linear algebra ------------------------------------------------------------------------
def _eye(T, a):
    return T.eye(a.shape[-1], dtype=a.dtype)


def _np_eye(a):
    return np.eye(a.shape[-1], dtype=a.dtype)


def _wc(T, a):
    """a made diagonally dominant (invertible, well conditioned): a + (4n + 1) I."""
    return a + (4 * a.shape[-1] + 1) * _eye(T, a)


def _np_wc(a):
    return a + (4 * a.shape[-1] + 1) * _np_eye(a)


def _pd(T, a):
    """a a^T + I: symmetric positive-definite."""
    return a @ a.mT + _eye(T, a)


def _np_pd(a):
    return a @ np.swapaxes(a, -1, -2) + _np_eye(a)


def _spread(T, a):
    """Symmetric, with well separated eigenvalues: (a + a^T) / 2 + diag(0, 30, 60, ...)."""
    n = a.shape[-1]
    return (a + a.mT) / 2 + T.diag(T.arange(n, dtype=a.dtype) * 30)


def _np_spread(a):
    n = a.shape[-1]
    return (a + np.swapaxes(a, -1, -2)) / 2 + np.diag(np.arange(n, dtype=a.dtype) * 30)


def _separated(T, a):
    """a with well separated, nonzero singular values: a + 30 (i + 1) on its main diagonal."""
    m, n = a.shape[-2:]
    return a + T.eye(m, n, dtype=a.dtype) * (T.arange(1, n + 1, dtype=a.dtype) * 30)


def _generic_offsets(m, n):
    return (np.arange(m * n).reshape(m, n) * 0.6180339887 % 1 + 0.1) * 0.37


def _generic(T, a):
    """a plus fixed, irregular offsets in [0.04, 0.41): no exact zeros, no structure."""
    return a + T.tensor(_generic_offsets(*a.shape[-2:]), dtype=a.dtype)


def _np_generic(a):
    return a + _generic_offsets(*a.shape[-2:]).astype(a.dtype)


def _np_separated(a):
    m, n = a.shape[-2:]
    return a + np.eye(m, n, dtype=a.dtype) * (np.arange(1, n + 1, dtype=a.dtype) * 30)


def _repeat_first_row(T, a):
    """a with its last row replaced by its first: singular (for n >= 2), of rank n - 1 mostly."""
    return T.cat([a[..., :-1, :], a[..., :1, :]], dim=-2)


def _np_repeat_first_row(a):
    return np.concatenate([a[..., :-1, :], a[..., :1, :]], axis=-2)


def square(batch=True, extra=None):
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(1, limits["max_side"]))
        lead = (draw(st.integers(1, 2)),) if batch and draw(st.booleans()) else ()
        return (array(draw, dtype, lead + (n, n), REAL, smooth),), ({} if extra is None else extra(draw, (n, n)))

    return build


def rect(batch=True):
    def build(draw, dtype, limits, smooth):
        m, n = (draw(st.integers(1, limits["max_side"])) for _ in range(2))
        lead = (draw(st.integers(1, 2)),) if batch and draw(st.booleans()) else ()
        return (array(draw, dtype, lead + (m, n), REAL, smooth),), {}

    return build


def square_and(rhs):
    """A square matrix (batched or not) and a right-hand side rhs(draw, batch, n, limits) -> shape."""
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(1, limits["max_side"]))
        lead = (draw(st.integers(1, 2)),) if draw(st.booleans()) else ()
        a = array(draw, dtype, lead + (n, n), REAL, smooth)
        return (a, array(draw, dtype, rhs(draw, lead, n, limits), REAL, smooth)), {}

    return build


def _batched(fn):
    """fn of one matrix applied to each matrix of a batch (numpy references)."""
    def ref(a, *rest):
        if a.ndim == 2:
            return fn(a, *rest)
        outs = [fn(m, *rest) for m in a]
        return tuple(np.stack(o) for o in zip(*outs)) if isinstance(outs[0], tuple) else np.stack(outs)

    return ref


spec("linalg.inv", lambda T, a: T.linalg.inv(_wc(T, a)), square(), lambda a: np.linalg.inv(_np_wc(a)), **LIN)
spec("inverse", lambda T, a: _wc(T, a).inverse(), square(), lambda a: np.linalg.inv(_np_wc(a)), **LIN)
spec("linalg.det", lambda T, a: T.linalg.det(_wc(T, a)), square(), lambda a: np.linalg.det(_np_wc(a)), **LIN)
# an exactly singular matrix: PyTorch's gradient is det * A^-H through an LU solve, 0 there; facade's is the cofactor
# matrix (JAX's), the derivative, which is not 0 where the rank is n - 1
spec("linalg.det.singular", lambda T, a: T.linalg.det(_repeat_first_row(T, a)), square(batch=False),
     lambda a: np.linalg.det(_np_repeat_first_row(a)), gradcheck=False,
     xfail=(("torch", "PyTorch's det gradient at an exactly singular matrix is 0; facade's is the cofactor matrix"),),
     **LIN)
spec("det", lambda T, a: _wc(T, a).det(), square(), lambda a: np.linalg.det(_np_wc(a)), **LIN)
spec("linalg.slogdet", lambda T, a: T.linalg.slogdet(_wc(T, a) - 8 * _eye(T, a)), square(),
     lambda a: tuple(np.linalg.slogdet(_np_wc(a) - 8 * _np_eye(a))), **LIN)
spec("slogdet", lambda T, a: T.slogdet(_wc(T, a)), square(), lambda a: tuple(np.linalg.slogdet(_np_wc(a))), **LIN)
spec("logdet", lambda T, a: T.logdet(_wc(T, a)), square(), lambda a: _logdet(_np_wc(a)), **LIN)
spec("logdet.negative", lambda T, a: T.logdet(_wc(T, a) - 8 * _eye(T, a)), square(),
     lambda a: _logdet(_np_wc(a) - 8 * _np_eye(a)), gradcheck=False, **LIN)  # NaN where the determinant is < 0


def _logdet(a):
    sign, logabs = np.linalg.slogdet(a)
    return np.where(sign < 0, np.nan, logabs)


def _rhs_matrix(draw, lead, n, limits):
    return lead + (n, draw(st.integers(1, limits["max_side"])))


def _rhs_vector(draw, lead, n, limits):
    return lead + (n,)


spec("linalg.solve", lambda T, a, b: T.linalg.solve(_wc(T, a), b), square_and(_rhs_matrix),
     lambda a, b: np.linalg.solve(_np_wc(a), b), **LIN)
spec("linalg.solve.vector", lambda T, a, b: T.linalg.solve(_wc(T, a), b), square_and(_rhs_vector),
     lambda a, b: np.linalg.solve(_np_wc(a), b[..., None])[..., 0], **LIN)
spec("linalg.solve.left", lambda T, a, b: T.linalg.solve(_wc(T, a), b.mT, left=False), square_and(_rhs_matrix),
     lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(_np_wc(a), -1, -2), b), -1, -2), **LIN)
spec("linalg.cholesky", lambda T, a: T.linalg.cholesky(_pd(T, a)), square(),
     lambda a: np.linalg.cholesky(_np_pd(a)), **LIN)
spec("linalg.cholesky.upper", lambda T, a: T.linalg.cholesky(_pd(T, a), upper=True), square(),
     lambda a: np.swapaxes(np.linalg.cholesky(_np_pd(a)), -1, -2), **LIN)
spec("cholesky", lambda T, a: _pd(T, a).cholesky(), square(), lambda a: np.linalg.cholesky(_np_pd(a)), **LIN)
def _wide(b):
    """The first min(2, cols) rows of b: never more rows than columns."""
    return b[:min(2, b.shape[-1])]


spec("linalg.qr", lambda T, a: T.linalg.qr(_separated(T, a)), rect(batch=False),
     lambda a: tuple(np.linalg.qr(_np_separated(a))), **LIN)
# wide or square (rows <= cols): complete QR of a tall matrix has no derivative (PyTorch's backward raises, as facade's)
spec("linalg.qr.complete", lambda T, a: T.linalg.qr(_wide(_separated(T, a).mT), mode="complete"), rect(batch=False),
     lambda a: tuple(np.linalg.qr(_wide(np.swapaxes(_np_separated(a), -1, -2)), mode="complete")), **LIN)
spec("qr", lambda T, a: _separated(T, a).qr(), rect(batch=False), lambda a: tuple(np.linalg.qr(_np_separated(a))),
     **LIN)


def _svd_parts(T, u, s, vh):
    k = s.shape[-1]
    return s, u[..., :, :k] @ vh[..., :k, :]  # free of the singular vectors' signs


def _np_svd(a):
    u, s, vh = np.linalg.svd(_np_separated(a), full_matrices=False)
    return s, u @ vh


spec("linalg.svd", lambda T, a: _svd_parts(T, *T.linalg.svd(_separated(T, a), full_matrices=False)),
     rect(batch=False), _np_svd, **LIN)
spec("linalg.svd.full", lambda T, a: _svd_parts(T, *T.linalg.svd(_separated(T, a))), rect(batch=False), _np_svd,
     **LIN)
spec("svd", lambda T, a: _svd_parts(T, *(lambda r: (r.U, r.S, r.V.mT))(_separated(T, a).svd())), rect(batch=False),
     _np_svd, **LIN)
spec("linalg.svdvals", lambda T, a: T.linalg.svdvals(_separated(T, a)), rect(batch=False),
     lambda a: np.linalg.svd(_np_separated(a), compute_uv=False), **LIN)


def _eigh_parts(r):
    w, v = r
    return w, v * v  # free of the eigenvectors' signs


spec("linalg.eigh", lambda T, a: _eigh_parts(T.linalg.eigh(_spread(T, a))), square(batch=False),
     lambda a: _eigh_parts(np.linalg.eigh(_np_spread(a))), **LIN)
spec("linalg.eigh.upper", lambda T, a: _eigh_parts(T.linalg.eigh(_spread(T, a), UPLO="U")), square(batch=False),
     lambda a: _eigh_parts(np.linalg.eigh(_np_spread(a), UPLO="U")), **LIN)
spec("linalg.eigvalsh", lambda T, a: T.linalg.eigvalsh(_spread(T, a)), square(batch=False),
     lambda a: np.linalg.eigvalsh(_np_spread(a)), **LIN)
# pinv: off the grid (_generic), so no entry of the result is an exact 0 in one library and a rounding residue of
# the SVD (1e-11) in the other, which would print differently
spec("linalg.pinv", lambda T, a: T.linalg.pinv(_generic(T, _separated(T, a))), rect(),
     _batched(lambda a: np.linalg.pinv(_np_generic(_np_separated(a)))), **LIN)
spec("linalg.pinv.atol", lambda T, a: T.linalg.pinv(_generic(T, _separated(T, a)), atol=1.0), rect(batch=False),
     lambda a: np.linalg.pinv(_np_generic(_np_separated(a))), **LIN)
spec("linalg.pinv.hermitian", lambda T, a: T.linalg.pinv(_spread(T, a) + 1, hermitian=True), square(batch=False),
     lambda a: np.linalg.pinv(_np_spread(a) + 1, hermitian=True), **LIN)
spec("linalg.matrix_rank", lambda T, a: T.linalg.matrix_rank(a), rect(), _batched(np.linalg.matrix_rank),
     differentiable=False)


def _tall(draw, dtype, limits, smooth):
    n = draw(st.integers(1, 2))
    m = draw(st.integers(n, limits["max_side"]))
    return (array(draw, dtype, (m, n), REAL, smooth), array(draw, dtype, (m, draw(st.integers(1, 2))), REAL, smooth)), {}


spec("linalg.lstsq", lambda T, a, b: T.linalg.lstsq(_separated(T, a), b).solution, _tall,
     lambda a, b: np.linalg.lstsq(_np_separated(a), b, rcond=None)[0], **LIN)
spec("linalg.lstsq.gelsd", lambda T, a, b: T.linalg.lstsq(_separated(T, a), b, driver="gelsd")[:2], _tall,
     lambda a, b: _np_lstsq(_np_separated(a), b), **LIN)


def _np_lstsq(a, b):
    x, res, _, _ = np.linalg.lstsq(a, b, rcond=None)
    return x, res if a.shape[0] > a.shape[1] else np.zeros((0,), a.dtype)


def _mat_ord(ords):
    return lambda draw, shape: {"ord": _one(draw, ords), "keepdim": draw(st.booleans())}


def _np_matrix_norm(a, ord, keepdim):
    return np.linalg.norm(a, ord, axis=(-2, -1), keepdims=keepdim)


def _vec_ord(draw, shape):
    # not ord 0: PyTorch's gradient is None there, facade's zeros
    return {"ord": _one(draw, [2, 1, 3, math.inf, -math.inf]), "dim": -1, "keepdim": draw(st.booleans())}


def _np_vector_norm(a, ord, dim, keepdim):
    return np.linalg.norm(a, ord, axis=dim, keepdims=keepdim)


spec("linalg.matrix_norm", lambda T, a, ord, keepdim: T.linalg.matrix_norm(_separated(T, a), ord, keepdim=keepdim),
     shaped(_mat_ord(["fro", 1, -1, math.inf, -math.inf]), NORM_VALUES, min_dims=2, max_dims=3),
     lambda a, ord, keepdim: _np_matrix_norm(_np_separated(a), ord, keepdim), **LIN)
spec("linalg.matrix_norm.svd", lambda T, a, ord, keepdim: T.linalg.matrix_norm(_separated(T, a), ord, keepdim=keepdim),
     shaped(_mat_ord(["nuc", 2, -2]), NORM_VALUES, min_dims=2, max_dims=3),
     lambda a, ord, keepdim: _np_matrix_norm(_np_separated(a), ord, keepdim), **LIN)
spec("linalg.vector_norm", lambda T, a, **kw: T.linalg.vector_norm(a, **kw), shaped(_vec_ord, NORM_VALUES, min_dims=1),
     _np_vector_norm, **LIN)
spec("linalg.norm", lambda T, a: (T.linalg.norm(a), T.linalg.norm(a, dim=-1), T.linalg.norm(a, 1)),
     shaped(lambda draw, s: {}, NORM_VALUES, min_dims=2, max_dims=2),
     lambda a: (np.linalg.norm(a), np.linalg.norm(a, axis=-1), np.linalg.norm(a, 1)), **LIN)
spec("norm.nuc", lambda T, a: _separated(T, a).norm("nuc"), rect(batch=False),
     lambda a: np.linalg.norm(_np_separated(a), "nuc"), **LIN)


def _cross_args(draw, dtype, limits, smooth):
    lead = shape_of(draw, limits, max_dims=1)
    return (array(draw, dtype, lead + (3,), REAL, smooth), array(draw, dtype, lead + (3,), REAL, smooth)), {}


spec("linalg.cross", lambda T, a, b: T.linalg.cross(a, b), _cross_args, lambda a, b: np.cross(a, b), dtypes=NUM)
spec("cross", lambda T, a, b: T.cross(a.mT, b.mT, dim=0) if a.ndim == 2 else T.cross(a, b, dim=0), _cross_args,
     lambda a, b: np.cross(a, b, axis=-1).T if a.ndim == 2 else np.cross(a, b))


def _power(draw, shape):
    return {"n": _one(draw, [0, 1, 2, 3, 4, 5, -1, -2])}


spec("linalg.matrix_power", lambda T, a, n: T.linalg.matrix_power(_wc(T, a) / 10, n), square(extra=_power),
     lambda a, n: np.linalg.matrix_power(_np_wc(a) / 10, n), **LIN)
spec("matrix_power.int", lambda T, a, n: a.matrix_power(n), square(batch=False, extra=lambda d, s: {"n": _one(d, [0, 2, 5])}),
     lambda a, n: np.linalg.matrix_power(a, n), dtypes=INTS, differentiable=False)


def _chain(draw, dtype, limits, smooth):
    k = draw(st.integers(2, 4))
    sides = [draw(st.integers(1, limits["max_side"])) for _ in range(k + 1)]
    shapes = [(sides[i], sides[i + 1]) for i in range(k)]
    if draw(st.booleans()):
        shapes[0] = shapes[0][1:]
    if draw(st.booleans()):
        shapes[-1] = shapes[-1][:1]
    return tuple(array(draw, dtype, s, REAL, smooth) for s in shapes), {}


spec("linalg.multi_dot", lambda T, *ts: T.linalg.multi_dot(ts), _chain, lambda *ts: np.linalg.multi_dot(ts), **LIN)
def _as_matrices(ts):
    first, *mid, last = ts
    return [first.reshape(1, -1) if first.ndim == 1 else first, *mid, last.reshape(-1, 1) if last.ndim == 1 else last]


spec("chain_matmul", lambda T, *ts: T.chain_matmul(*_as_matrices(ts)), _chain,
     lambda *ts: np.linalg.multi_dot(_as_matrices(ts)), **LIN)
spec("linalg.diagonal", lambda T, a: T.linalg.diagonal(a, offset=1), shaped(lambda d, s: {}, min_dims=2),
     lambda a: np.diagonal(a, 1, -2, -1).copy())
spec("trace", method("trace"), shaped(lambda d, s: {}, min_dims=2, max_dims=2), np.trace, dtypes=NUM)


def _offset(draw, shape):
    return {"diagonal": draw(st.integers(-2, 2))}


spec("diag", method("diag"), shaped(_offset, min_dims=1, max_dims=2),
     lambda x, diagonal: np.diag(x, diagonal), dtypes=NUM)


def _embed(draw, shape):
    n = len(shape) + 1
    d1, d2 = draw(st.permutations(range(n)))[:2]
    return {"offset": draw(st.integers(-2, 2)), "dim1": d1 - n * draw(st.booleans()), "dim2": d2}


def _np_diag_embed(x, offset, dim1, dim2):
    n = x.shape[-1] if x.ndim else 1
    out = np.zeros(x.shape[:-1] + (n + abs(offset),) * 2, x.dtype)
    for i in range(n):
        out[..., i + max(-offset, 0), i + max(offset, 0)] = x[..., i]
    return np.moveaxis(out, (-2, -1), (dim1 % (x.ndim + 1), dim2))


spec("diag_embed", method("diag_embed"), shaped(_embed, min_dims=1), _np_diag_embed, dtypes=NUM)
spec("diagflat", lambda T, x, diagonal: x.diagflat(diagonal), shaped(_offset),
     lambda x, diagonal: np.diagflat(x, diagonal), dtypes=NUM)


def _tensordot_args(draw, dtype, limits, smooth):
    k = draw(st.integers(0, 2))
    common = tuple(draw(st.integers(1, limits["max_side"])) for _ in range(k))
    fa = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1))))
    fb = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1))))
    return (array(draw, dtype, fa + common, REAL, smooth), array(draw, dtype, common + fb, REAL, smooth)), {"dims": k}


spec("tensordot", lambda T, a, b, dims: T.tensordot(a, b, dims), _tensordot_args,
     lambda a, b, dims: np.tensordot(a, b, dims), **LIN)


spec("tensordot.lists", lambda T, a, b: T.tensordot(a, b.mT, ([0], [1])), _fixed((2, 3), (2, 2)),
     lambda a, b: np.tensordot(a, b.T, ([0], [1])), **LIN)
spec("kron", function("kron"), lambda draw, dtype, limits, smooth: (
    tuple(array(draw, dtype, shape_of(draw, limits), REAL, smooth) for _ in range(2)), {}), np.kron, dtypes=NUM)


def _products(kind):
    def build(draw, dtype, limits, smooth):
        side = st.integers(1, limits["max_side"])
        n, k, m, b = (draw(side) for _ in range(4))
        if kind == "addmv":
            shapes = [_one(draw, [(n,), (1,), ()]), (n, k), (k,)]
        elif kind == "addr":
            shapes = [_one(draw, [(n, m), (m,), ()]), (n,), (m,)]
        elif kind == "addbmm":
            shapes = [_one(draw, [(n, m), (m,)]), (b, n, k), (b, k, m)]
        else:
            shapes = [_one(draw, [(b, n, m), (n, m), (1, m)]), (b, n, k), (b, k, m)]
        kw = {"beta": _one(draw, [1, 0, 0.5]), "alpha": _one(draw, [1, 2.0])} if dtype.category >= 2 else {}
        return tuple(array(draw, dtype, s, REAL, smooth) for s in shapes), kw

    return build


def _np_scaled(c, p, beta=1, alpha=1):
    return (beta * c if beta else 0) + alpha * p


spec("addmv", function("addmv"), _products("addmv"), lambda c, a, b, **kw: _np_scaled(c, a @ b, **kw), dtypes=NUM,
     inplace=None, **LIN)
spec("addr", function("addr"), _products("addr"), lambda c, a, b, **kw: _np_scaled(c, np.outer(a, b), **kw),
     dtypes=NUM, **LIN)
spec("addbmm", function("addbmm"), _products("addbmm"), lambda c, a, b, **kw: _np_scaled(c, (a @ b).sum(0), **kw),
     dtypes=NUM, **LIN)
spec("baddbmm", function("baddbmm"), _products("baddbmm"), lambda c, a, b, **kw: _np_scaled(c, a @ b, **kw),
     dtypes=NUM, **LIN)
spec("addmv_.graph", lambda T, c, a, b, **kw: (c * 1).expand(a.shape[0]).clone().addmv_(a, b, **kw),
     _products("addmv"), lambda c, a, b, **kw: _np_scaled(np.broadcast_to(c, (a.shape[0],)), a @ b, **kw), **LIN)


def _p(draw, shape):
    return {"p": _one(draw, [2, 1, 3, math.inf, 0])}


DISTINCT = Domain(-4.0, 4.0, grid=0.5, offset=0.25)
OTHER_GRID = Domain(-4.0, 4.0, grid=0.5)  # never equal to a DISTINCT value: no zero differences


def _np_dist(a, b, p):
    d = np.abs(a - b).reshape(-1)
    return np.count_nonzero(d).astype(a.dtype) if p == 0 else np.linalg.norm(d, p)


spec("dist", lambda T, a, b, p: T.dist(a, b, p), lambda draw, dtype, limits, smooth: (
    binary(DISTINCT, OTHER_GRID)(draw, dtype, limits, smooth)[0], _p(draw, ())), _np_dist, **LIN)


def _cdist_args(p_choices, rows=None):
    def build(draw, dtype, limits, smooth):
        c = draw(st.integers(1, limits["max_side"]))
        lead = _one(draw, [(), (2,)])
        r1 = rows or draw(st.integers(1, limits["max_side"]))
        r2 = draw(st.integers(1, limits["max_side"]))
        return (array(draw, dtype, lead + (r1, c), DISTINCT, smooth), array(draw, dtype, lead + (r2, c), OTHER_GRID, smooth)), \
            {"p": _one(draw, p_choices)}

    return build


def _np_cdist(a, b, p, **kw):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    return np.count_nonzero(d, axis=-1).astype(a.dtype) if p == 0 else np.linalg.norm(d, p, axis=-1)


spec("cdist", lambda T, a, b, p: T.cdist(a, b, p), _cdist_args([2.0, 1.0, 3.0, math.inf, 0.0]), _np_cdist, **LIN)
spec("cdist.mm", lambda T, a, b, p: T.cdist(a, b, p, compute_mode="use_mm_for_euclid_dist"), _cdist_args([2.0]),
     _np_cdist, **LIN)
