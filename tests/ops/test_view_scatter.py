"""The *_scatter functions, the *_copy functions, unsafe splits, Tensor.unfold, put / put_ and
fill_diagonal_ (facade/_ops/view_scatter_ops.py) against PyTorch: values, grad_fn names,
float64 gradients and errors. `both` and `raises_same` are shared with test_tensor_gaps.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import facade  # noqa: E402


def _flat(r):
    return [x for y in r for x in _flat(y)] if isinstance(r, (tuple, list)) else [r]


def _name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def both(fn, *arrays, grad=True, seed=0, rtol=1e-10):
    """fn(T, *tensors) for T = torch and facade on the same arrays: outputs, grad_fn names, and the
    gradients of the float inputs after backward of sum(out * w) with the same random w, all equal."""
    outs, grads = [], []
    for T in (torch, facade):
        ins = [T.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        out = _flat(fn(T, *ins))
        outs.append(out)
        diff = [o for o in out if o.requires_grad]
        if diff:
            rng = np.random.default_rng(seed)
            loss = sum((o * T.tensor(rng.standard_normal(tuple(o.shape)))).sum() for o in diff)
            loss.backward()
        grads.append([None if i.grad is None else i.grad.numpy() for i in ins if i.requires_grad])
    (t_out, f_out), (t_g, f_g) = outs, grads
    assert len(t_out) == len(f_out)
    for t, f in zip(t_out, f_out):
        assert tuple(f.shape) == tuple(t.shape) and str(f.dtype) == str(t.dtype)
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=1e-12)
        assert _name(f) == _name(t), (_name(f), _name(t))
    for t, f in zip(t_g, f_g):
        assert (t is None) == (f is None)
        if t is not None:
            np.testing.assert_allclose(f, t, rtol=rtol, atol=1e-12)
    return t_out, f_out


def raises_same(fn, *arrays):
    """fn(T, *tensors) raises the same exception type and message in both libraries."""
    errs = []
    for T in (torch, facade):
        with pytest.raises(Exception) as e:
            fn(T, *[T.tensor(a) for a in arrays])
        errs.append(e.value)
    assert type(errs[1]) is type(errs[0]) and str(errs[1]) == str(errs[0]), (errs[1], errs[0])


R = np.random.default_rng(7)
A = R.standard_normal((4, 5))
B3 = R.standard_normal((3, 4, 5))


@pytest.mark.parametrize("fn, src", [
    (lambda T, x, s: T.select_scatter(x, s, 0, 2), A[0]),
    (lambda T, x, s: T.select_scatter(x, s, -1, -1), A[:, 0]),
    (lambda T, x, s: T.slice_scatter(x, s, 0, 1, 4, 2), A[:2]),
    (lambda T, x, s: T.slice_scatter(x, s, dim=1, start=-3), A[:, :3]),
    (lambda T, x, s: T.slice_scatter(x, s), A),
    (lambda T, x, s: T.diagonal_scatter(x, s), A[0, :4]),
    (lambda T, x, s: T.diagonal_scatter(x, s, 1), A[0, :4]),
    (lambda T, x, s: T.diagonal_scatter(x, s, -2, 1, 0), A[0, :3]),
    (lambda T, x, s: x.select_scatter(s, 1, 0), A[:, 0]),
])
def test_scatters(fn, src):
    both(fn, A, src)


def test_as_strided_scatter():
    """Values, grad_fn and src's gradient as PyTorch's. input's gradient differs on purpose: facade gives
    the output's gradient where src did not write (the derivative of the function); PyTorch 2.13 (CPU)
    gives it at the written positions instead."""
    both(lambda T, x, s: T.as_strided_scatter(x.detach(), s, (2, 3), (5, 2), 1), A, A[:2, :3])
    x = facade.zeros(4, 5, dtype=facade.float64, requires_grad=True)
    w = facade.arange(20.0, dtype=facade.float64).reshape(4, 5)
    (facade.as_strided_scatter(x, x[:2, :3] * 0, (2, 3), (5, 2), 1) * w).sum().backward()
    expect = np.arange(20.0)
    expect[[1, 3, 5, 6, 8, 10]] = 0
    np.testing.assert_array_equal(x.grad.numpy(), expect.reshape(4, 5))


def test_scatter_gradient_closed_form():
    x = facade.tensor(A, requires_grad=True)
    s = facade.tensor(A[0] * 0 + 1.0, requires_grad=True)
    facade.select_scatter(x, s, 0, 1).sum().backward()
    expect = np.ones_like(A)
    expect[1] = 0
    np.testing.assert_array_equal(x.grad.numpy(), expect)
    np.testing.assert_array_equal(s.grad.numpy(), np.ones(5))


def test_scatter_errors():
    raises_same(lambda T, x, s: T.select_scatter(x, s, 0, 0), A, A[:2])
    raises_same(lambda T, x, s: T.slice_scatter(x, s, 0, 0, 2), A, A[:3])
    raises_same(lambda T, x, s: T.diagonal_scatter(x, s), A, A[0])


COPIES = [
    lambda T, x: T.view_copy(x, (20,)), lambda T, x: T.view_copy(x, (-1, 2)), lambda T, x: T.permute_copy(x, (1, 0)),
    lambda T, x: T.transpose_copy(x, 0, 1), lambda T, x: T.t_copy(x), lambda T, x: T.squeeze_copy(x[None]),
    lambda T, x: T.unsqueeze_copy(x, 1), lambda T, x: T.expand_copy(x, (2, 4, 5)), lambda T, x: T.diagonal_copy(x, 1),
    lambda T, x: T.select_copy(x, 1, 3), lambda T, x: T.slice_copy(x, 1, 1, 5, 2), lambda T, x: T.unbind_copy(x, 1),
    lambda T, x: T.split_copy(x, 2, 1), lambda T, x: T.split_with_sizes_copy(x, [1, 3]),
    lambda T, x: T.alias_copy(x), lambda T, x: T.as_strided_copy(x, (2, 2), (1, 3)),
    lambda T, x: T.unfold_copy(x, 1, 2, 2), lambda T, x: T.narrow_copy(x, 1, 1, 3),
    lambda T, x: T.unsafe_split(x, 3), lambda T, x: T.unsafe_chunk(x, 2, 1),
    lambda T, x: T.unsafe_split_with_sizes(x, [2, 3], 1), lambda T, x: T.split_with_sizes(x, [3, 1]),
    lambda T, x: x.split_with_sizes([2, 2]), lambda T, x: x.unsafe_chunk(3), lambda T, x: x.narrow_copy(0, 1, 2),
]


@pytest.mark.parametrize("fn", COPIES)
def test_copies(fn):
    both(fn, A)


def test_copies_are_not_views():
    x = facade.tensor(A)
    c = facade.view_copy(x, (20,))
    c[0] = 100.0
    assert x[0, 0].item() == A[0, 0]
    for piece in facade.unsafe_split(x, 2):
        piece.mul_(2)  # no multi-view error, no write into x
    np.testing.assert_array_equal(x.numpy(), A)
    assert facade.detach_copy(x.requires_grad_()).grad_fn is None


@pytest.mark.parametrize("fn", [
    lambda T, x: x.unfold(0, 2, 1), lambda T, x: x.unfold(1, 3, 2), lambda T, x: x.unfold(-1, 5, 1),
    lambda T, x: x.unfold(1, 0, 1), lambda T, x: x[1].unfold(0, 2, 3), lambda T, x: x.sum().unfold(0, 1, 1),
    lambda T, x: x.unfold(1, 2, 2).unfold(0, 2, 2), lambda T, x: x.t().unfold(0, 2, 1) * 2,
])
def test_unfold(fn):
    both(fn, A)


def test_unfold_is_a_view():
    for T in (torch, facade):
        x = T.zeros(6)
        u = x.unfold(0, 2, 2)
        u[1, 0] = 5.0
        assert x.tolist() == [0, 0, 5, 0, 0, 0]
        assert u._base is x


def test_unfold_errors():
    raises_same(lambda T, x: x.unfold(0, 6, 1), A)
    raises_same(lambda T, x: x.unfold(0, 2, 0), A)
    raises_same(lambda T, x: x.unfold(0, -1, 1), A)
    raises_same(lambda T, x: x.unfold(2, 1, 1), A)


IDX = np.array([[0, -1], [7, 7]])


@pytest.mark.parametrize("fn", [
    lambda T, x, s: T.put(x, T.tensor(IDX), s), lambda T, x, s: x.put(T.tensor([3, 1, 2, 19]), s.reshape(-1)),
    lambda T, x, s: T.put(x, T.tensor(IDX), s, accumulate=True),
    lambda T, x, s: (x * 1).put_(T.tensor(IDX), s, True), lambda T, x, s: (x * 1).put_(T.tensor(IDX), s),
])
def test_put(fn):
    both(fn, A, A[:2, :2] + 1)


def test_put_errors():
    raises_same(lambda T, x, s: x.put_(T.tensor([0, 20]), s), A, A[0, :2])
    raises_same(lambda T, x, s: x.put_(T.tensor([0, 1]), s), A, A[0, :3])
    raises_same(lambda T, x, s: x.put_(T.tensor([0.0, 1.0]), s), A, A[0, :2])
    raises_same(lambda T, x, s: x.put_(T.tensor([0, 1]), s.float()), A, A[0, :2])
    raises_same(lambda T, x, s: x.requires_grad_().put_(T.tensor([0, 1]), s), A, A[0, :2])


@pytest.mark.parametrize("fn", [
    lambda T, x: (x * 1).fill_diagonal_(2.5), lambda T, x: (x * 1).t().fill_diagonal_(-1),
    lambda T, x: T.zeros(7, 3, dtype=T.float64).fill_diagonal_(1, wrap=True) + x.sum(), lambda T, x: T.zeros(7, 3).fill_diagonal_(1),
    lambda T, x: T.zeros(3, 3, 3, dtype=T.int64).fill_diagonal_(4), lambda T, x: T.zeros(2, 6).fill_diagonal_(3, True),
    lambda T, x: (x[:, :4] * 1).fill_diagonal_(7)[1:],
])
def test_fill_diagonal(fn):
    both(fn, A)


def test_fill_diagonal_errors():
    raises_same(lambda T, x: x[0].fill_diagonal_(1), A)
    raises_same(lambda T, x: T.zeros(2, 3, 3).fill_diagonal_(1), A)
    raises_same(lambda T, x: x.requires_grad_().fill_diagonal_(1), A)


def test_round_grad_fn_follows_an_explicit_decimals():
    torch = pytest.importorskip("torch")
    for T in (torch, facade):
        x = T.tensor([0.25, 1.5], requires_grad=True) * 1
        assert type(T.round(x).grad_fn).__name__ == "RoundBackward0"
        assert type(T.round(x, decimals=0).grad_fn).__name__ == "RoundBackward1"
        assert type(x.round(decimals=1).grad_fn).__name__ == "RoundBackward1"


def test_narrow_copy_gradient_with_a_negative_start():
    """narrow_copy(x, 0, -1, 1) is x[-1:]; its gradient is 1 at the last entry. PyTorch 2.13 (CPU) gives
    zeros there (its NarrowCopyBackward0 does not wrap the start), so facade differs on purpose."""
    x = facade.tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = facade.narrow_copy(x, 0, -1, 1)
    assert y.tolist() == [2.0] and type(y.grad_fn).__name__ == "NarrowCopyBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_view_as_complex_copy_of_a_tensor_that_requires_grad_raises_as_pytorch():
    raises_same(lambda T, x: T.view_as_complex_copy(x.requires_grad_()), A[:, :2].copy())
    for T in (torch, facade):
        x = T.tensor(A[:, :2].copy(), requires_grad=True)
        with T.no_grad():
            assert T.view_as_complex_copy(x).shape == (4,)
