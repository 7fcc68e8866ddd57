"""Tensors among Python and NumPy objects: a NumPy scalar on the left of an operator gives a tensor
that keeps its graph, and == / != against None or a string answer by identity — as in PyTorch
(compared with it when installed; otherwise with the values PyTorch gives, written out)."""
import numpy as np
import pytest

import facade

try:
    import torch
except ImportError:
    torch = None


def numpy_scalar_on_the_left(T):
    w = T.tensor([1.0, 2.0], requires_grad=True, dtype=T.float64)
    out = []
    for make in (lambda: np.float32(0.5) * (w ** 2).sum(), lambda: np.float64(2.0) * w, lambda: np.sqrt(4.0) + w,
                 lambda: np.int64(3) - w, lambda: np.float64(2.0) / w, lambda: np.float64(2.0) ** w):
        r = make()
        (g,) = T.autograd.grad(r.sum(), w)
        out.append((type(r).__name__, r.detach().tolist(), g.tolist()))
    e = np.float64(2.0) == w
    out.append((type(e).__name__, e.tolist()))
    return out


def equality_with_other_objects(T):
    x = T.ones(2)
    return [x == None, x != None, x == "a", x != "a", None == x, x in [None, x]]  # noqa: E711


EXPECTED = {
    numpy_scalar_on_the_left: [
        ("Tensor", 2.5, [1.0, 2.0]), ("Tensor", [2.0, 4.0], [2.0, 2.0]), ("Tensor", [3.0, 4.0], [1.0, 1.0]),
        ("Tensor", [2.0, 1.0], [-1.0, -1.0]), ("Tensor", [2.0, 1.0], [-2.0, -0.5]),
        ("Tensor", [2.0, 4.0], [2 * np.log(2.0), 4 * np.log(2.0)]), ("Tensor", [False, True])],
    equality_with_other_objects: [False, True, False, True, False, True],
}


@pytest.mark.parametrize("scenario", list(EXPECTED), ids=lambda f: f.__name__)
def test_interop(scenario):
    got = scenario(facade)
    assert _close(got, EXPECTED[scenario]), got
    if torch is not None:
        assert _close(got, scenario(torch))


def _close(a, b):
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return abs(a - b) <= 1e-12 * max(1.0, abs(b))
    return a == b


def numpy_keyword_names(T):
    x = T.arange(6.0).reshape(2, 3)
    out = [x.sum(axis=0), T.sum(x, axis=1, keepdims=True), T.cat([x, x], axis=0), x.max(axis=0).values,
           x.softmax(axis=0), x.unsqueeze(axis=0), T.mean(input=x, axis=0), T.stack([x, x], axis=1), x.argmax(axis=1),
           x.amax(axis=0, keepdims=True), x.cumsum(axis=1), T.logsumexp(x, axis=0)]
    out = [t.tolist() for t in out]
    try:
        T.sum(x, dim=0, axis=0)
    except TypeError:
        out.append("TypeError")
    return out


def test_numpy_keyword_names():
    got = numpy_keyword_names(facade)
    assert got[0] == [3.0, 5.0, 7.0] and got[1] == [[3.0], [12.0]] and got[-1] == "TypeError"
    assert np.asarray(got[2]).shape == (4, 3) and np.asarray(got[7]).shape == (2, 2, 3)
    if torch is not None:
        want = numpy_keyword_names(torch)
        assert _close(np.asarray(got[4]).round(6).tolist(), np.asarray(want[4]).round(6).tolist())
        got[4] = want[4] = got[11] = want[11] = None
        assert got == want


SMALL_APIS = ["T.broadcast_shapes((2, 1), (1, 3))", "T.broadcast_shapes((2,), (3,))", "T.broadcast_shapes(3, (2, 1))",
              "T.broadcast_shapes((5, 1, 4), (3, 1), (4,))", "T.tensor([0.0]).is_nonzero()", "T.is_nonzero(T.tensor(2))",
              "T.tensor([1.0, 2.0]).is_nonzero()", "repr(T.channels_last)", "repr(T.contiguous_format)",
              "T.ones(2, 3, 4, 5).to(memory_format=T.channels_last).shape"]
SMALL_EXPECTED = ["torch.Size([2, 3])", "RuntimeError: Attempting to broadcast a dimension of length 3 at -1! Mismatching "
                  "argument at index 1 had (3,); but expected shape should be broadcastable to [2]", "torch.Size([2, 3])",
                  "torch.Size([5, 3, 4])", "False", "True",
                  "RuntimeError: Boolean value of Tensor with more than one value is ambiguous", "torch.channels_last",
                  "torch.contiguous_format", "torch.Size([2, 3, 4, 5])"]


def test_small_apis():
    def run(T):
        out = []
        for e in SMALL_APIS:
            try:
                out.append(str(eval(e, {"T": T})))
            except RuntimeError as ex:
                out.append(f"RuntimeError: {ex}")
        return out

    got = run(facade)
    assert got == SMALL_EXPECTED
    if torch is not None:
        assert got == run(torch)


def test_T_of_a_tensor_that_is_not_a_matrix_warns_once():
    import warnings

    from facade import _api

    _api._T_WARNED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shapes = [tuple(facade.ones(2, 3, 4).T.shape), tuple(facade.ones(3).T.shape), tuple(facade.ones(2, 3).T.shape),
                  tuple(facade.ones(2, 3, 4).T.shape)]
    assert shapes == [(4, 3, 2), (3,), (3, 2), (4, 3, 2)]
    assert [str(w.message)[:58] for w in caught] == ["The use of `x.T` on tensors of dimension other than 2 to r"]
