"""The ops added with facade/_ops/*_more.py, linalg_*.py, scans.py and random_ops.py raise what PyTorch raises:
the same exception type and message (see test_errors.py for the pattern).
"""
import warnings

import numpy as np
import pytest

from facade.testing import compare_with_torch

pytest.importorskip("torch")

A = np.array([[1.0, 2.0], [3.0, 1.0]])
S = np.array([[1.0, 2.0], [2.0, 4.0]])  # singular
R = np.ones((2, 3))
V = np.array([1.0, 2.0, 3.0])


def _backward(y):
    y.sum().backward()


CASES = {
    # elementwise
    "logaddexp of ints": (lambda T, a, v: T.logaddexp(T.tensor([1]), T.tensor([2])), A, V),
    "logaddexp number": (lambda T, a, v: T.logaddexp(v, 1.0), A, V),
    "heaviside dtypes": (lambda T, a, v: T.heaviside(v, T.tensor([1])), A, V),
    "heaviside number": (lambda T, a, v: T.heaviside(v, 0.5), A, V),
    "heaviside backward": (lambda T, a, v: _backward(T.heaviside(v, v)), A, V),
    "heaviside_ backward": (lambda T, a, v: _backward((v * 1).heaviside_(v)), A, V),
    "gcd of floats": (lambda T, a, v: T.gcd(v, v), A, V),
    "lshift of floats": (lambda T, a, v: v.detach() << 1, A, V),
    "lshift of bools": (lambda T, a, v: T.tensor([True]) << T.tensor([True]), A, V),
    "nextafter of ints": (lambda T, a, v: T.nextafter(T.tensor([1]), T.tensor([2])), A, V),
    "frexp of ints": (lambda T, a, v: T.frexp(T.tensor([1])), A, V),
    "polygamma negative": (lambda T, a, v: T.polygamma(-1, v), A, V),
    "positive of bool": (lambda T, a, v: T.positive(T.tensor([True])), A, V),
    "logit_ of ints": (lambda T, a, v: T.tensor([1]).logit_(), A, V),
    "isin of numbers": (lambda T, a, v: T.isin(1, 2), A, V),
    # linalg
    "inv singular": (lambda T, a, v: T.linalg.inv(T.tensor(S)), A, V),
    "inv batched singular": (lambda T, a, v: T.linalg.inv(T.stack([a, T.tensor(S)])), A, V),
    "inv not square": (lambda T, a, v: T.linalg.inv(T.ones(2, 3)), A, V),
    "inv of ints": (lambda T, a, v: T.linalg.inv(T.tensor([[1, 2], [3, 4]])), A, V),
    "inv of a vector": (lambda T, a, v: T.linalg.inv(v), A, V),
    "inv of half": (lambda T, a, v: T.linalg.inv(a.half()), A, V),
    "det not square": (lambda T, a, v: T.det(T.ones(2, 3)), A, V),
    "solve singular": (lambda T, a, v: T.linalg.solve(T.tensor(S), a), A, V),
    "solve shapes": (lambda T, a, v: T.linalg.solve(a, T.ones(3, 2, dtype=T.float64)), A, V),
    "solve vector shapes": (lambda T, a, v: T.linalg.solve(a, v), A, V),
    "solve dtypes": (lambda T, a, v: T.linalg.solve(a, a.float()), A, V),
    "cholesky not positive-definite": (lambda T, a, v: T.linalg.cholesky(a), A, V),
    "cholesky batched": (lambda T, a, v: T.linalg.cholesky(T.stack([T.eye(2, dtype=T.float64), a])), A, V),
    "qr mode": (lambda T, a, v: T.linalg.qr(a, mode="full"), A, V),
    "qr mode r backward": (lambda T, a, v: _backward(T.linalg.qr(a, mode="r")[1]), A, V),
    "qr complete tall backward": (lambda T, a, v: _backward(T.linalg.qr(T.cat([a, a]), mode="complete")[1]), A, V),
    "svd of a vector": (lambda T, a, v: T.linalg.svd(v), A, V),
    "eigh UPLO": (lambda T, a, v: T.linalg.eigh(a, UPLO="X"), A, V),
    "pinv of ints": (lambda T, a, v: T.linalg.pinv(T.tensor([[1, 2], [3, 4]])), A, V),
    "matrix_rank of ints": (lambda T, a, v: T.linalg.matrix_rank(T.tensor([[1, 2], [3, 4]])), A, V),
    "matrix_norm order": (lambda T, a, v: T.linalg.matrix_norm(a, 3), A, V),
    "matrix_norm string order": (lambda T, a, v: T.linalg.matrix_norm(a, "abc"), A, V),
    "matrix_norm dims": (lambda T, a, v: T.linalg.matrix_norm(a, dim=(1, -1)), A, V),
    "matrix_norm narrowing dtype": (lambda T, a, v: T.linalg.matrix_norm(a, dtype=T.float32), A, V),
    "norm 3-d with ord": (lambda T, a, v: T.linalg.norm(T.ones(2, 2, 2), 2), A, V),
    "norm dim length": (lambda T, a, v: T.linalg.norm(a, dim=(0, 1, 1)), A, V),
    "vector_norm of ints": (lambda T, a, v: T.linalg.vector_norm(T.tensor([1, 2])), A, V),
    "cross size": (lambda T, a, v: T.linalg.cross(a, a), A, V),
    "cross ranks": (lambda T, a, v: T.linalg.cross(T.ones(2, 3), T.ones(3)), A, V),
    "cross no size 3": (lambda T, a, v: T.cross(a, a), A, V),
    "matrix_power not square": (lambda T, a, v: T.linalg.matrix_power(T.ones(2, 3), 2), A, V),
    "matrix_power int negative": (lambda T, a, v: T.linalg.matrix_power(T.tensor([[1, 2], [3, 4]]), -1), A, V),
    "multi_dot one": (lambda T, a, v: T.linalg.multi_dot([a]), A, V),
    "multi_dot middle vector": (lambda T, a, v: T.linalg.multi_dot([a, a[0], a]), A, V),
    "multi_dot dtypes": (lambda T, a, v: T.linalg.multi_dot([a, a.float()]), A, V),
    "multi_dot shapes": (lambda T, a, v: T.linalg.multi_dot([a, T.ones(3, 2, dtype=T.float64)]), A, V),
    "trace of a vector": (lambda T, a, v: T.trace(v), A, V),
    "trace of bools": (lambda T, a, v: T.trace(a > 1), A, V),
    "diag of 3-d": (lambda T, a, v: T.diag(T.ones(2, 2, 2)), A, V),
    "diag_embed same dims": (lambda T, a, v: T.diag_embed(a, 0, 1, 1), A, V),
    "tensordot negative": (lambda T, a, v: T.tensordot(a, a, -1), A, V),
    "tensordot sizes": (lambda T, a, v: T.tensordot(a, T.ones(3, 3, dtype=T.float64), ([1], [1])), A, V),
    "addmv shapes": (lambda T, a, v: T.addmv(v, a, v), A, V),
    "addmv dtypes": (lambda T, a, v: T.addmv(a[0], a, a[0].float()), A, V),
    "addbmm batches": (lambda T, a, v: T.addbmm(a, T.ones(2, 2, 2), T.ones(3, 2, 2)), A, V),
    "addbmm 2-d": (lambda T, a, v: T.addbmm(a, a, a), A, V),
    "addr vector": (lambda T, a, v: T.addr(a, a, a[0]), A, V),
    "addr float alpha ints": (lambda T, a, v: T.addr(T.ones(2, 2).long(), T.ones(2).long(), T.ones(2).long(), alpha=0.5), A, V),
    "dist of ints": (lambda T, a, v: T.dist(T.tensor([1]), T.tensor([2])), A, V),
    "cdist 1-d": (lambda T, a, v: T.cdist(v, v), A, V),
    "cdist columns": (lambda T, a, v: T.cdist(a, T.ones(2, 3, dtype=T.float64)), A, V),
    "cdist p": (lambda T, a, v: T.cdist(a, a, -1), A, V),
    "chain_matmul none": (lambda T, a, v: _quiet(T.chain_matmul), A, V),
    # reductions and scans
    "quantile q range": (lambda T, a, v: T.quantile(v, 1.5), A, V),
    "quantile interpolation": (lambda T, a, v: T.quantile(v, 0.5, interpolation="x"), A, V),
    "quantile of ints": (lambda T, a, v: T.quantile(T.tensor([1, 2]), 0.5), A, V),
    "quantile q dtype": (lambda T, a, v: T.quantile(v, T.tensor([0.5])), A, V),
    "quantile q values": (lambda T, a, v: T.quantile(v, T.tensor([0.5, 2.0], dtype=T.float64)), A, V),
    "quantile empty": (lambda T, a, v: T.quantile(T.ones(0), 0.5), A, V),
    "bincount negative": (lambda T, a, v: T.bincount(T.tensor([-1, 1])), A, V),
    "bincount of floats": (lambda T, a, v: T.bincount(v), A, V),
    "bincount weights": (lambda T, a, v: T.bincount(T.tensor([1, 1, 3]), v[:2]), A, V),
    "bincount minlength": (lambda T, a, v: T.bincount(T.tensor([1]), minlength=-1), A, V),
    "bincount weights backward": (lambda T, a, v: _backward(T.bincount(T.tensor([0, 1, 1]), v)), A, V),
    "histc of ints": (lambda T, a, v: T.histc(T.tensor([1, 2])), A, V),
    "histc range": (lambda T, a, v: T.histc(v, bins=3, min=3, max=1), A, V),
    "diff of 0-d": (lambda T, a, v: T.diff(v.sum()), A, V),
    "diff order": (lambda T, a, v: T.diff(v, n=-1), A, V),
    "diff prepend dims": (lambda T, a, v: T.diff(a, prepend=T.tensor(1.0)), A, V),
    "renorm p": (lambda T, a, v: T.renorm(a, -1, 0, 3), A, V),
    "renorm vector": (lambda T, a, v: T.renorm(v, 2, 0, 1), A, V),
    "trapezoid x length": (lambda T, a, v: T.trapezoid(a, T.ones(3, dtype=T.float64)), A, V),
    "trapezoid of bools": (lambda T, a, v: T.trapezoid(T.tensor([True])), A, V),
    "aminmax of empty": (lambda T, a, v: T.aminmax(T.ones(0)), A, V),
    # shape and indexing
    "meshgrid dtypes": (lambda T, a, v: T.meshgrid(v, v.float(), indexing="ij"), A, V),
    "meshgrid indexing": (lambda T, a, v: T.meshgrid(v, v, indexing="x"), A, V),
    "meshgrid empty": (lambda T, a, v: T.meshgrid([], indexing="ij"), A, V),
    "repeat_interleave negative": (lambda T, a, v: T.repeat_interleave(v, -1), A, V),
    "repeat_interleave sizes": (lambda T, a, v: T.repeat_interleave(v, T.tensor([1, 2])), A, V),
    "repeat_interleave float repeats": (lambda T, a, v: T.repeat_interleave(v, T.tensor([1.0, 2.0, 3.0])), A, V),
    "index_add sizes": (lambda T, a, v: a.index_add(1, T.tensor([0, 1]), T.ones(2, 3, dtype=T.float64)), A, V),
    "index_add index dtype": (lambda T, a, v: a.index_add(1, T.tensor([0.0]), T.ones(2, 1, dtype=T.float64)), A, V),
    "index_add bounds": (lambda T, a, v: a.index_add(1, T.tensor([0, 5]), T.ones(2, 2, dtype=T.float64)), A, V),
    "index_add dtypes": (lambda T, a, v: a.index_add(1, T.tensor([0]), T.ones(2, 1)), A, V),
    "index_add 2-d index": (lambda T, a, v: a.index_add(1, T.tensor([[0]]), T.ones(2, 1, dtype=T.float64)), A, V),
    "index_copy bounds": (lambda T, a, v: a.index_copy(1, T.tensor([-1]), T.ones(2, 1, dtype=T.float64)), A, V),
    "index_copy dtypes": (lambda T, a, v: a.index_copy(1, T.tensor([0]), T.ones(2, 1)), A, V),
    "index_copy index dtype": (lambda T, a, v: a.index_copy(1, T.tensor([0.0]), T.ones(2, 1, dtype=T.float64)), A, V),
    "index_copy 2-d index": (lambda T, a, v: a.index_copy(1, T.tensor([[0]]), T.ones(2, 1, dtype=T.float64)), A, V),
    "index_copy sizes": (lambda T, a, v: a.index_copy(1, T.tensor([0, 1]), T.ones(3, 2, dtype=T.float64)), A, V),
    "index_copy count": (lambda T, a, v: a.index_copy(1, T.tensor([0, 1]), T.ones(2, 3, dtype=T.float64)), A, V),
    "index_fill index dtype": (lambda T, a, v: a.index_fill(1, T.tensor([0.0]), 1.0), A, V),
    "index_fill 2-d index": (lambda T, a, v: a.index_fill(1, T.tensor([[0]]), 1.0), A, V),
    "aminmax empty dim": (lambda T, a, v: T.ones(0, 2).aminmax(dim=0), A, V),
    "searchsorted bad side": (lambda T, a, v: T.searchsorted(v, v, side="middle"), A, V),
    "cdist dtypes": (lambda T, a, v: T.cdist(a, a.float()), A, V),
    "cdist of ints": (lambda T, a, v: T.cdist(T.ones(2, 2).long(), T.ones(2, 2).long()), A, V),
    "lstsq dtypes": (lambda T, a, v: T.linalg.lstsq(a, a.float()), A, V),
    "lstsq driver": (lambda T, a, v: T.linalg.lstsq(a, a, driver="foo"), A, V),
    "lstsq rows": (lambda T, a, v: T.linalg.lstsq(a, T.ones(3, 1, dtype=T.float64)), A, V),
    "slogdet of ints": (lambda T, a, v: T.linalg.slogdet(T.tensor([[1, 2], [3, 4]])), A, V),
    "eigvalsh not square": (lambda T, a, v: T.linalg.eigvalsh(T.ones(2, 3)), A, V),
    "take_along_dim index dtype": (lambda T, a, v: T.take_along_dim(a, T.tensor([[0.0]]), 1), A, V),
    "frexp of bools": (lambda T, a, v: T.frexp(T.tensor([True])), A, V),
    "index_fill bounds": (lambda T, a, v: a.index_fill(1, T.tensor([5]), 1.0), A, V),
    "index_fill value": (lambda T, a, v: a.index_fill(1, T.tensor([0]), T.tensor([1.0])), A, V),
    "masked_scatter short": (lambda T, a, v: a.masked_scatter(a > 0, T.ones(2, dtype=T.float64)), A, V),
    "masked_scatter mask": (lambda T, a, v: a.masked_scatter((a > 0).long(), a), A, V),
    "scatter_reduce reduce": (lambda T, a, v: a.scatter_reduce(1, T.tensor([[0]]), a, "foo"), A, V),
    "scatter_reduce bounds": (lambda T, a, v: a.scatter_reduce(1, T.tensor([[5]]), a, "sum"), A, V),
    "scatter_reduce dtypes": (lambda T, a, v: a.scatter_reduce(1, T.tensor([[0]]), a.float(), "sum"), A, V),
    "take bounds": (lambda T, a, v: T.take(a, T.tensor([7])), A, V),
    "take index dtype": (lambda T, a, v: T.take(a, T.tensor([1.0])), A, V),
    "take_along_dim dims": (lambda T, a, v: T.take_along_dim(a, T.tensor([0]), 1), A, V),
    "broadcast_tensors shapes": (lambda T, a, v: T.broadcast_tensors(a, v), A, V),
    "rot90 dims": (lambda T, a, v: T.rot90(a, 1, [0]), A, V),
    "rot90 same dims": (lambda T, a, v: T.rot90(a, 1, [1, 1]), A, V),
    "rot90 vector": (lambda T, a, v: T.rot90(v), A, V),
    "hsplit divisible": (lambda T, a, v: T.hsplit(T.ones(2, 3), 2), A, V),
    "vsplit vector": (lambda T, a, v: T.vsplit(v, 1), A, V),
    "block_diag 3-d": (lambda T, a, v: T.block_diag(T.ones(1, 1, 1)), A, V),
    "combinations 2-d": (lambda T, a, v: T.combinations(a), A, V),
    "combinations negative": (lambda T, a, v: T.combinations(v, -1), A, V),
    "tril_indices row": (lambda T, a, v: T.tril_indices(-1, 3), A, V),
    "triu_indices dtype": (lambda T, a, v: T.triu_indices(2, 2, dtype=T.float32), A, V),
    "vander 2-d": (lambda T, a, v: T.vander(a), A, V),
    "vander N": (lambda T, a, v: T.vander(v, -1), A, V),
    "unravel_index floats": (lambda T, a, v: T.unravel_index(v, (2, 3)), A, V),
    "unravel_index shape": (lambda T, a, v: T.unravel_index(T.tensor(1), (-1, 3)), A, V),
    "searchsorted side": (lambda T, a, v: T.searchsorted(v, v, right=True, side="left"), A, V),
    "searchsorted shapes": (lambda T, a, v: T.searchsorted(a, v), A, V),
    "bucketize boundaries": (lambda T, a, v: T.bucketize(v, a), A, V),
    "as_strided bounds": (lambda T, a, v: T.as_strided(a, (3, 3), (2, 1)), A, V),
    "as_strided negative stride": (lambda T, a, v: T.as_strided(a, (2,), (-1,)), A, V),
    "as_strided lengths": (lambda T, a, v: T.as_strided(a, (2,), (1, 1)), A, V),
    # random
    "multinomial rank": (lambda T, a, v: T.multinomial(T.ones(1, 1, 2), 1), A, V),
    "multinomial ints": (lambda T, a, v: T.multinomial(T.tensor([1, 2]), 1), A, V),
    "multinomial negative": (lambda T, a, v: T.multinomial(T.tensor([-1.0, 2.0]), 1), A, V),
    "multinomial zero sum": (lambda T, a, v: T.multinomial(T.tensor([0.0, 0.0]), 1), A, V),
    "multinomial too many": (lambda T, a, v: T.multinomial(T.tensor([0.2, 0.8]), 3), A, V),
    "multinomial none": (lambda T, a, v: T.multinomial(T.tensor([0.2, 0.8]), 0), A, V),
    "poisson negative": (lambda T, a, v: T.poisson(T.tensor([-1.0])), A, V),
    "poisson ints": (lambda T, a, v: T.poisson(T.tensor([1])), A, V),
}


def _quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_error_as_torch(name):
    fn, *inputs = CASES[name]
    compare_with_torch(fn, *inputs, grad=False, requires_grad=[True] * len(inputs))


def _raises(fn):
    try:
        fn()
    except Exception:  # noqa: BLE001
        return True
    return False


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_raises(name):
    """Every case above is an error in PyTorch (so the comparison compares two errors)."""
    import torch

    fn, *inputs = CASES[name]
    tensors = [torch.tensor(x, requires_grad=True) for x in inputs]
    assert _raises(lambda: fn(torch, *tensors))


def test_meshgrid_warns_without_indexing():
    import facade

    v = facade.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        facade.meshgrid(v, v)


EDGE = np.array([2.0, -1.0, 0.0, 1.0, 0.5, 0.25])
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -2.5, 3.0])
VALUES = {  # no error: the same values, grad_fns and gradients as PyTorch at edge inputs
    "nanmedian of empty": (lambda T, x: T.ones(0).nanmedian(), EDGE),
    "logit at and outside [0, 1]": (lambda T, x: T.logit(x), EDGE),
    "logit eps at the bounds": (lambda T, x: T.logit(x, 0.25), EDGE),
    "nan_to_num of specials": (lambda T, x: T.nan_to_num(x), SPECIAL),
    "cummax with NaN": (lambda T, x: T.cummax(x, 0), SPECIAL),
    "cummin with NaN": (lambda T, x: T.cummin(x, 0), SPECIAL),
    "nextafter ties": (lambda T, x: T.nextafter(x, x.detach().flip(0)), np.array([1.0, 2.0, 2.0, 1.0])),
    "sinc at 0": (lambda T, x: T.sinc(x), np.array([0.0, 1.0, -0.5])),
    "i0 at 0": (lambda T, x: T.i0(x), np.array([0.0, 1.0, -0.5])),
    "det of singular": (lambda T, x: T.linalg.det(x.reshape(2, 3)[:, :2] * T.tensor([[1.0], [0.0]], dtype=x.dtype)),
                        EDGE),
    "slogdet of singular": (lambda T, x: T.linalg.slogdet(T.zeros(2, 2, dtype=x.dtype) + x[:2] * 0), EDGE),
    "matrix_power 0": (lambda T, x: T.linalg.matrix_power(x[:4].reshape(2, 2), 0), EDGE),
    "matrix_power -1": (lambda T, x: T.linalg.matrix_power(x[:4].reshape(2, 2), -1), EDGE),
    "cdist at zero distance": (lambda T, x: T.cdist(x[:4].reshape(2, 2), x[:4].reshape(2, 2)), EDGE),
    "dist of equal": (lambda T, x: T.dist(x, x.detach()), EDGE),
    "aminmax ties": (lambda T, x: T.aminmax(x), np.array([1.0, 3.0, 3.0, 1.0])),
    "quantile of NaN": (lambda T, x: T.quantile(x, 0.5), SPECIAL),
    "nanquantile of NaN": (lambda T, x: T.nanquantile(x, 0.5), SPECIAL),
    "mode ties": (lambda T, x: T.mode(x), np.array([3.0, 1.0, 3.0, 1.0, 2.0])),
    "unique_consecutive dim": (lambda T, x: T.unique_consecutive(x.detach().reshape(3, 2).round(), dim=0,
                                                                   return_counts=True), np.array([1.0, 1, 1, 1, 2, 3])),
    "searchsorted NaN": (lambda T, x: T.searchsorted(T.tensor([1.0, 2.0], dtype=x.dtype), x.detach()), SPECIAL),
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_same_values_as_torch(name):
    fn, *inputs = VALUES[name]
    compare_with_torch(fn, *inputs)
