"""Fixes from differential sweep 2 (tensor side), as scenarios run on facade and, when torch is installed,
on PyTorch too; without torch each is checked against the written-out observation (PyTorch 2.13's).

* F1: sequence items in an index (range, tuples, nested lists, numpy arrays) are index tensors, in
  getitem, setitem and their gradients (`-input[range(n), target].mean()` of "What is torch.nn really?").
* F13: a short non-tuple list holding a tensor, sequence, slice, None or Ellipsis is read as a tuple,
  with PyTorch's deprecation warning.
* F10: PyTorch's errors for ragged nested data in torch.tensor.
* F9: argmax/argmin of empty inputs.
* F7: Tensor.is_inference() and requires_grad on inference tensors.
"""
import warnings

import numpy as np
import pytest

import facade
from scenarios import Scenarios, check, observer

try:
    import torch
except ImportError:  # the plain test session: checked against the written-out observations
    torch = None

SCENARIOS = Scenarios()
scenario = SCENARIOS.scenario
observe, normalise = observer(digits=5)


def _warned(fn):
    """fn()'s result and the messages of the warnings it gave (first 60 characters each)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return [out, [str(x.message)[:60] for x in w]]


def _x(T):
    return T.arange(12.0).view(3, 4)


# ---- F1: sequences inside the index are index tensors ---------------------------------------
@scenario(expect=('tensor', [0.0, 5.0, 10.0], 'float32'))
def range_and_list(T):
    return _x(T)[range(3), [0, 1, 2]]


@scenario(expect=('tensor', [1.0, 6.0], 'float32'))
def tuple_inside_index_tuple(T):
    return _x(T)[(0, 1), (1, 2)]


@scenario(expect=('tensor', [[0.0, 4.0], [4.0, 8.0]], 'float32'))
def tuple_of_tuples_item(T):
    return _x(T)[((0, 1), (1, 2)), 0]


@scenario(expect=('tensor', [[0.0, 4.0], [4.0, 8.0]], 'float32'))
def nested_list_item(T):
    return _x(T)[[[0, 1], [1, 2]], 0]


@scenario(expect=('tensor', [1.0, 9.0], 'float32'))
def range_with_step(T):
    return _x(T)[range(0, 3, 2), 1]


@scenario(expect=[('tensor', [], 'float32'), [0, 4]])
def empty_range(T):
    x = _x(T)
    return [x[range(0), 1], list(x[range(0)].shape)]


@scenario(expect=('tensor', [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]], 'float32'))
def range_alone(T):
    return _x(T)[range(2)]


@scenario(expect=('tensor', [0.0, 4.0, 8.0], 'float32'))
def negative_range(T):
    return _x(T)[range(-3, 0), 0]


@scenario(expect=[('tensor', 1.0, 'float32'), True, []])
def tuple_index_is_not_advanced(T):
    x = _x(T)
    y = x[(0, 1)]
    return [y, y.grad_fn is None, list(y.shape)]


@scenario(expect=[('tensor', [[0.0, 4.0, 8.0], [13.0, 17.0, 21.0]], 'float32'),
                  ('tensor', [[0.0, 5.0, 10.0], [12.0, 17.0, 22.0]], 'float32')])
def range_in_3d(T):
    x = T.arange(24.0).view(2, 3, 4)
    return [x[range(2), :, range(2)], x[:, range(3), [0, 1, 2]]]


@scenario(expect=[('tensor', [0.0, 4.0], 'float32'), ('tensor', [0.0, 8.0], 'float32'),
                  ('tensor', [1.0, 9.0], 'float32'), ('tensor', [7.0, 11.0], 'float32')])
def float_and_bool_sequences(T):
    x = _x(T)  # PyTorch truncates float elements to int64; bools make a mask
    return [x[(0.5, 1.7), 0], x[[True, False, True], 0], x[(True, False, True), 1], x[[True, 2], 3]]


@scenario(expect=('tensor', [], 'float32'))
def empty_list_item(T):
    return _x(T)[[], 0]


@scenario(expect=[('tensor', [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]], 'float32'), ('tensor', 4.0, 'float32'),
                  ('tensor', [1.0, 6.0], 'float32')])
def numpy_items(T):
    x = _x(T)
    return [x[np.array([0.5, 1.7])], x[np.array(1), 0], x[np.array([0, 1]), np.array([1, 2])]]


@scenario(expect=('raised', 'IndexError', 'index 3 is out of bounds for dimension 0 with size 3'))
def range_out_of_bounds(T):
    return _x(T)[range(5)]


@scenario(expect=['index -7 is out of bounds for dimension 0 with size 3',
                  'index 7 is out of bounds for dimension 1 with size 4',
                  'index 9 is out of bounds for dimension 0 with size 4'])
def first_index_out_of_bounds(T):
    x = _x(T)
    msgs = []
    for idx in ([-7, 5], ([0, 9], [7, 1]), (slice(None), [1, 9, 5])):
        try:
            x[idx]
        except IndexError as e:
            msgs.append(str(e))
    return msgs


@scenario(expect=('raised', 'TypeError', "new(): invalid data type 'str'"))
def str_item(T):
    return _x(T)[0, "a"]


@scenario(expect=('tensor', [[-1.0, 1.0, 7.0, -2.0], [4.0, -1.0, 8.0, -2.0], [8.0, 9.0, -1.0, 11.0]], 'float32'))
def setitem_range_and_tuple(T):
    y = _x(T).clone()
    y[range(3), [0, 1, 2]] = -1.0
    y[(0, 1), (3, 3)] = -2.0
    y[range(0)] = 5.0
    y[(range(2), 2)] = T.tensor([7.0, 8.0])
    return y


@scenario(expect=['IndexBackward0',
                  ('tensor', [[1.5, 0.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 4.5, 0.0, 0.0]], 'float64')])
def grad_through_range_index(T):
    w = T.arange(12.0, dtype=T.float64).view(3, 4).requires_grad_()
    out = (w * 1.5)[range(3), [0, 2, 1]]
    (out * T.tensor([1.0, 2.0, 3.0], dtype=T.float64)).sum().backward()
    return [out.grad_fn.name(), w.grad]


@scenario(expect=[('tensor', [1.0, 1.0, 121.0], 'float64'),
                  ('tensor', [[0.0, 4.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 22.0]], 'float64')])
def grad_through_tuple_items_with_repeats(T):
    w = T.arange(12.0, dtype=T.float64).view(3, 4).requires_grad_()
    out = w[(0, 0, 2), (1, 1, 3)] ** 2
    out.sum().backward()
    return [out, w.grad]


@scenario(expect=['IndexPutBackward0',
                  ('tensor', [[0.0, 8.0, 16.0, 24.0], [32.0, 0.0, 48.0, 56.0], [64.0, 72.0, 0.0, 88.0]], 'float64'),
                  ('tensor', [10.0, 12.0, 14.0], 'float64')])
def grad_through_setitem_with_range(T):
    w = T.arange(12.0, dtype=T.float64).view(3, 4).requires_grad_()
    v = T.tensor([5.0, 6.0, 7.0], dtype=T.float64, requires_grad=True)
    y = w * 2
    y[range(3), [0, 1, 2]] = v
    (y**2).sum().backward()
    return [y.grad_fn.name(), w.grad, v.grad]


@scenario(expect=[('tensor', 0.40761, 'float32'),
                  ('tensor', [[0.04502, 0.12236, -0.16738], [-0.16738, 0.12236, 0.04502]], 'float32')])
def nll_as_in_the_tutorial(T):
    # "What is torch.nn really?": loss = -input[range(target.shape[0]), target].mean()
    logits = T.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0]], requires_grad=True)
    inp = T.log_softmax(logits, 1)
    target = T.tensor([2, 0])
    loss = -inp[range(target.shape[0]), target].mean()
    loss.backward()
    return [loss, logits.grad]


@scenario(expect=[[1, 3, 4], [0, 3, 4], ('tensor', [[0.0, 1.0, 2.0, 3.0]], 'float32'),
                  ('tensor', [[5.0, 5.0, 5.0, 5.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]], 'float32'),
                  ('tensor', 0.0, 'float32')])
def zero_dim_bool_tensor_index(T):
    x = _x(T)
    a, b = x[T.tensor(True)], x[T.tensor(False)]
    c = x[0, T.tensor(True)]
    y = x.clone()
    y[0, T.tensor(True)] = 5.0
    a[0, 0] = 100.0  # a copy, as PyTorch's (advanced indexing)
    return [list(a.shape), list(b.shape), c, y, x[0, 0]]


@scenario(expect=[['SliceBackward0', 'FillBackward3', ('tensor', 6.0, 'float32')],
                  ['SliceBackward0', 'FillBackward3', ('tensor', 6.0, 'float32')],
                  ['SliceBackward0', 'FillBackward3', ('tensor', 6.0, 'float32')],
                  ['AliasBackward0', 'FillBackward3', ('tensor', 6.0, 'float32')],
                  ['AliasBackward0', 'FillBackward3', ('tensor', 6.0, 'float32')],
                  ['SelectBackward0', 'CopySlices', ('tensor', 2.0, 'float32')],
                  ['SliceBackward0', 'CopySlices', ('tensor', 6.0, 'float32')],
                  ['IndexBackward0', 'IndexPutBackward0', ('tensor', 3.0, 'float32')]])
def whole_dim_slices_are_skipped(T):
    # PyTorch skips a slice that selects a whole dim (start 0, stop at or past the end, step 1), except
    # for a lone slice in x[s]: x[0:3] = v of a 3-row x is a fill, x[0, 0:4] a select
    x = T.zeros(3, 4, requires_grad=True).clone()
    out = []
    for idx in (slice(0, 3), slice(None, None, 1), slice(0, 10), (slice(0, 3),), (slice(None), slice(0, 4)),
                (0, slice(0, 4)), (slice(-3, None),), (slice(0, 3), [0, 1])):
        y = x.clone()
        y[idx] = 0.5
        out.append([x[idx].grad_fn.name(), y.grad_fn.name().split("::")[-1], y.sum()])
    return out


# ---- F13: a short non-tuple list with a tensor, sequence, slice, None or ... is a tuple -------
@scenario(expect=[('tensor', 2.0, 'float32'), ['Using a non-tuple sequence for multidimensional indexing is ']])
def list_of_0d_tensors_is_a_tuple(T):
    x = _x(T)
    return _warned(lambda: x[[T.tensor(0), T.tensor(2)]])


@scenario(expect=[[('tensor', [1.0, 2.0], 'float32'), ('tensor', [[0.0, 1.0, 2.0, 3.0]], 'float32'),
                   ('tensor', [0.0, 4.0, 8.0], 'float32')],
                  ['Using a non-tuple sequence for multidimensional indexing is ',
                   'Using a non-tuple sequence for multidimensional indexing is ',
                   'Using a non-tuple sequence for multidimensional indexing is ']])
def list_with_slice_none_ellipsis(T):
    x = _x(T)
    return _warned(lambda: [x[[0, slice(1, 3)]], x[[0, None]], x[[Ellipsis, 0]]])


@scenario(expect=[[('tensor', [1.0, 6.0], 'float32'), ('tensor', [0.0, 4.0], 'float32'),
                   ('tensor', [0.0, 4.0], 'float32'),
                   ('tensor', [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]], 'float32')],
                  ['Using a non-tuple sequence for multidimensional indexing is ',
                   'Using a non-tuple sequence for multidimensional indexing is ',
                   'Using a non-tuple sequence for multidimensional indexing is ',
                   'Using a non-tuple sequence for multidimensional indexing is ']])
def list_with_sequences(T):
    x = _x(T)
    return _warned(lambda: [x[[[0, 1], [1, 2]]], x[[range(2), 0]], x[[(0, 1), 0]], x[[[0, 1]]]])


@scenario(expect=[[('tensor', [[0.0, 1.0, 2.0, 3.0], [8.0, 9.0, 10.0, 11.0]], 'float32'),
                   ('tensor', [[0.0, 1.0, 2.0, 3.0], [8.0, 9.0, 10.0, 11.0]], 'float32'),
                   ('tensor',
                    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                     1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
                    'float32')],
                  []])
def list_of_ints_is_one_index(T):
    x = _x(T)
    return _warned(lambda: [x[[0, 2]], x[[True, False, True]], T.arange(40.0)[[1] * 33]])


@scenario(expect=[('tensor', 65.0, 'float32'), []])
def list_of_32_with_tensor_is_one_index(T):
    return _warned(lambda: T.arange(40.0)[[T.tensor(1)] + [2] * 32].sum())


@scenario(expect=[('tensor', [[0.0, 1.0, -1.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]], 'float32'),
                  ['Using a non-tuple sequence for multidimensional indexing is ']])
def setitem_list_of_0d_tensors(T):
    y = _x(T).clone()

    def put():
        y[[T.tensor(0), T.tensor(2)]] = -1.0
        return y

    return _warned(put)


# ---- F10: ragged nested data ---------------------------------------------------------------
@scenario(expect=['expected sequence of length 2 at dim 1 (got 1)', 'expected sequence of length 1 at dim 1 (got 2)',
                  'expected sequence of length 2 at dim 2 (got 1)', 'expected sequence of length 2 at dim 1 (got 1)',
                  'expected sequence of length 2 at dim 1 (got 1)', 'expected sequence of length 2 at dim 1 (got 1)',
                  'expected sequence of length 2 at dim 1 (got 1)',
                  'expected sequence of length 2 at dim 1 (got 1)'])
def ragged(T):
    out = []
    for data in ([[1, 2], [3]], [[1], [2, 3]], [[[1, 2], [3, 4]], [[5, 6], [7]]], [[[1, 2], [3, 4]], [[5, 6]]],
                 [(1, 2), [3]], [[1.5, 2], [3]], [[1, 2], [3, 4], [5]], [range(2), [1]]):
        try:
            T.tensor(data)
        except ValueError as e:
            out.append(str(e))
    return out


@scenario(expect=[['TypeError', 'not a sequence'],
                  ['TypeError', "'list' object cannot be interpreted as an integer"],
                  ['TypeError', 'must be real number, not list'],
                  ['TypeError', "'list' object cannot be interpreted as an integer"],
                  ['TypeError', 'must be real number, not list'], ['TypeError', 'not a sequence'],
                  ['TypeError', "new(): invalid data type 'str'"],
                  ['RuntimeError', 'Could not infer dtype of NoneType'], ['TypeError', 'not a sequence']])
def ragged_mixed_scalars_and_lists(T):
    out = []
    for data, dtype in (([[1, 2], 3], None), ([1, [2, 3]], None), ([1.0, [2, 3]], None), ([[1, 2], [3, [4]]], None),
                        ([[1, 2], [3, [4]]], T.float32), ([[[1, 2], [3, 4]], [5, 6]], None), ([1, "a"], None),
                        ([[1, 2], None], None), ([[1, 2], T.tensor(3)], None)):
        try:
            T.tensor(data, dtype=dtype)
        except (TypeError, ValueError, RuntimeError) as e:
            out.append([type(e).__name__, str(e)])
    return out


@scenario(expect=[['ValueError', 'expected sequence of length 2 at dim 1 (got 1)'],
                  ['TypeError', 'only integer tensors of a single element can be converted to an index'],
                  ['ValueError', 'only one element tensors can be converted to Python scalars']])
def ragged_with_tensors(T):
    out = []
    for data in ([[1, 2], T.tensor([3])], [T.tensor([1, 2]), [3]], [T.tensor([1.0, 2.0]), 3.0]):
        try:
            T.tensor(data)
        except (TypeError, ValueError) as e:
            out.append([type(e).__name__, str(e)])
    return out


@scenario(expect=[[2, 0], True, True])
def empty_inner_lists(T):
    a = T.tensor([[], [1]])  # PyTorch reads the shape from the first item and stores nothing
    return [list(a.shape), a.dtype is T.float32, T.tensor([[], []]).dtype is T.float32]


# ---- F9: argmax / argmin of empty inputs ---------------------------------------------------
@scenario(expect=['argmax(): Expected reduction dim to be specified for input.numel() == 0.',
                  'argmax(): Expected reduction dim to be specified for input.numel() == 0.',
                  'argmax(): Expected reduction dim 0 to have non-zero size.',
                  'argmax(): Expected reduction dim 0 to have non-zero size.',
                  'argmax(): Expected reduction dim 1 to have non-zero size.',
                  'argmin(): Expected reduction dim to be specified for input.numel() == 0.',
                  'argmin(): Expected reduction dim to be specified for input.numel() == 0.',
                  'argmin(): Expected reduction dim 0 to have non-zero size.',
                  'argmin(): Expected reduction dim 0 to have non-zero size.',
                  'argmin(): Expected reduction dim 1 to have non-zero size.'])
def argmax_argmin_empty(T):
    out = []
    for name in ("argmax", "argmin"):
        for x, kw in ((T.tensor([]), {}), (T.zeros(0, 3), {}), (T.tensor([]), {"dim": 0}),
                      (T.zeros(0, 3), {"dim": 0, "keepdim": True}), (T.zeros(2, 0), {"dim": -1})):
            try:
                getattr(x, name)(**kw)
            except IndexError as e:
                out.append(str(e))
    return out


@scenario(expect=[('tensor', [], 'int64'), ('tensor', [], 'int64'), ('tensor', 0.0, 'int64'),
                  ('tensor', 0.0, 'int64')])
def argmax_over_a_nonempty_dim_of_an_empty_tensor(T):
    return [T.zeros(0, 3).argmax(1), T.zeros(3, 0).argmin(0), T.tensor(5.0).argmax(), T.tensor(5.0).argmin(0)]


# ---- F7: inference tensors -----------------------------------------------------------------
@scenario(expect=[True, True, True, False, False, False, False, True, True, False, False, False])
def is_inference(T):
    n = T.ones(3)
    with T.inference_mode():
        a = T.ones(3)
        b = a * 2
        v = a[:2]
        nv = n[:2]
        n.add_(1)
        with T.inference_mode(False):
            c = T.ones(2)
    with T.no_grad():
        d = T.ones(2)
    return [a.is_inference(), b.is_inference(), v.is_inference(), nv.is_inference(), n.is_inference(),
            c.is_inference(), d.is_inference(), a[:1].is_inference(), a.detach().is_inference(),
            (a * 2).is_inference(), a.clone().is_inference(), T.ones(1).is_inference()]


@scenario(expect=[True, True, True, True])
def inference_mode_decorator_and_module(T):
    @T.inference_mode()
    def f(x):
        return x * 3

    with T.inference_mode():
        m = T.nn.Linear(2, 2)
        out = m(T.ones(1, 2))
        mx = T.max(T.ones(2, 3), 1)
    return [f(T.ones(2)).is_inference(), out.is_inference(), m.weight.is_inference(), mx.indices.is_inference()]


@scenario(expect=[True, 'Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.',
                  'Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.', 'ok'])
def requires_grad_on_an_inference_tensor(T):
    with T.inference_mode():
        a = T.ones(2)
        inside = T.ones(2).requires_grad_().requires_grad
    out = [inside]
    for fn in (lambda: a.requires_grad_(), lambda: setattr(a, "requires_grad", True), lambda: a.requires_grad_(False)):
        try:
            fn()
            out.append("ok")
        except RuntimeError as e:
            out.append(str(e))
    return out


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name):
    check(SCENARIOS[name], observe, normalise, facade, torch)


def test_non_tuple_index_warning_points_at_the_indexing_line():
    x = facade.arange(12.0).view(3, 4)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        x[[facade.tensor(0), facade.tensor(2)]]
        y = x.clone()
        y[[0, slice(1, 3)]] = 1.0
    assert [x.filename for x in w] == [__file__, __file__]
    assert all(x.category is UserWarning and "(Triggered internally at" in str(x.message) for x in w)


def test_range_index_gradient_matches_finite_differences():
    w = facade.tensor(np.linspace(-1.0, 1.0, 12).reshape(3, 4), dtype=facade.float64, requires_grad=True)
    idx = (range(3), (0, 2, 2))
    (w.sin()[idx] ** 2).sum().backward()
    base = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    num = np.zeros_like(base)
    for k in np.ndindex(base.shape):
        d = np.zeros_like(base)
        d[k] = 1e-6
        f = lambda a: (np.sin(a)[[0, 1, 2], [0, 2, 2]] ** 2).sum()  # noqa: E731
        num[k] = (f(base + d) - f(base - d)) / 2e-6
    np.testing.assert_allclose(w.grad.numpy(), num, rtol=1e-6, atol=1e-8)


def test_integer_trunc_division_broadcasts():
    """div(rounding_mode='trunc') on integers broadcast like every other division (it raised for shapes
    [1] and [1, 1]: lax.div does not broadcast); found by the op suite's dev profile."""
    a, b = facade.tensor([7]), facade.tensor([[2], [-2]])
    assert facade.div(a, b, rounding_mode="trunc").tolist() == [[3], [-3]]  # truncation toward zero
    assert facade.tensor([-7, 7]).div(facade.tensor(2), rounding_mode="trunc").tolist() == [-3, 3]
    if torch is not None:
        assert torch.div(torch.tensor([7]), torch.tensor([[2], [-2]]), rounding_mode="trunc").tolist() == [[3], [-3]]
