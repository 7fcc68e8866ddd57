"""default_collate / default_convert and the DataLoader (facade.utils.data)."""
import collections
import re

import numpy as np
import pytest

import facade
from facade.utils.data import (BatchSampler, DataLoader, IterableDataset, SequentialSampler, TensorDataset,
                               default_collate, default_convert, get_worker_info)


def _plain(x):
    """A collated batch as plain Python data (tensors as (dtype, values)), for comparisons with torch."""
    if hasattr(x, "tolist") and hasattr(x, "dtype") and not isinstance(x, np.ndarray):
        return (str(x.dtype).replace("torch.", ""), x.tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [_plain(v) for v in x]
    return x


Point = collections.namedtuple("Point", "x y")

BATCHES = [
    [1, 2, 3],
    [True, False],
    [0.5, 1.5],
    [np.float32(1.5), np.float32(2.5)],
    [np.arange(3), np.arange(3, 6)],
    ["a", "b"],
    [(1, "x", 2.0), (2, "y", 3.0)],
    [[1, 2], [3, 4]],
    [{"a": 1, "b": [0.5, 1.0]}, {"a": 2, "b": [1.5, 2.0]}],
    [Point(1, 2.0), Point(3, 4.0)],
]


@pytest.mark.parametrize("batch", BATCHES, ids=range(len(BATCHES)))
def test_default_collate_matches_pytorch(batch):
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as ref

    assert _plain(default_collate(batch)) == _plain(ref(batch))


def test_default_collate_tensors_and_types():
    out = default_collate([facade.tensor([1.0, 2.0]), facade.tensor([3.0, 4.0])])
    assert out.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert default_collate([1.0, 2.0]).dtype is facade.float64
    assert default_collate([1, 2]).dtype is facade.int64
    assert default_collate([True, False]).dtype is facade.bool
    pts = default_collate([Point(1, 2), Point(3, 4)])
    assert isinstance(pts, Point) and pts.x.tolist() == [1, 3]
    assert isinstance(default_collate([(1, 2), (3, 4)]), list)  # tuples come back as lists


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="^each element in list of batch should be of equal size$"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match=re.escape("default_collate: batch must contain tensors, numpy arrays, "
                                                  "numbers, dicts or lists; found <class 'object'>")):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match=re.escape("found <U1")):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert():
    out = default_convert({"a": np.arange(2), "b": (np.float64(1.5), "s")})
    assert out["a"].tolist() == [0, 1] and out["a"].dtype is facade.int64
    assert isinstance(out["b"], list) and out["b"][0].item() == 1.5 and out["b"][1] == "s"


def _dataset(n=10):
    return TensorDataset(facade.arange(2.0 * n).reshape(n, 2), facade.arange(n))


def test_loader_batches_in_order():
    batches = list(DataLoader(_dataset(), batch_size=4))
    assert len(batches) == 3 and len(DataLoader(_dataset(), batch_size=4)) == 3
    x, y = batches[-1]
    assert y.tolist() == [8, 9] and x.tolist() == [[16.0, 17.0], [18.0, 19.0]]
    assert [len(b[1]) for b in DataLoader(_dataset(), batch_size=4, drop_last=True)] == [4, 4]
    assert len(DataLoader(_dataset(), batch_size=4, drop_last=True)) == 2


def test_loader_matches_pytorch_without_shuffle():
    torch = pytest.importorskip("torch")
    rows = [{"x": np.full(2, i, np.float32), "y": i, "name": str(i)} for i in range(7)]
    got = [_plain(b) for b in DataLoader(rows, batch_size=3)]
    ref = [_plain(b) for b in torch.utils.data.DataLoader(rows, batch_size=3)]
    assert got == ref


def test_shuffle_is_a_seeded_permutation():
    def epoch(seed):
        g = facade.Generator().manual_seed(seed)
        return [y.tolist() for _, y in DataLoader(_dataset(), batch_size=3, shuffle=True, generator=g)]

    a = epoch(0)
    assert sorted(sum(a, [])) == list(range(10)) and [len(b) for b in a] == [3, 3, 3, 1]
    assert epoch(0) == a
    assert epoch(1) != a
    loader = DataLoader(_dataset(), batch_size=10, shuffle=True, generator=facade.Generator().manual_seed(0))
    first, second = [next(iter(loader))[1].tolist() for _ in range(2)]
    assert sorted(first) == sorted(second) and first != second  # a new order every epoch


def test_sampler_and_batch_sampler_options():
    ds = _dataset()
    got = [y.tolist() for _, y in DataLoader(ds, batch_size=2, sampler=[9, 0, 3])]
    assert got == [[9, 0], [3]]
    got = [y.tolist() for _, y in DataLoader(ds, batch_sampler=[[1, 2], [5]])]
    assert got == [[1, 2], [5]]
    got = [y.tolist() for _, y in DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 6, True))]
    assert got == [[0, 1, 2, 3, 4, 5]]


def test_no_auto_batching():
    out = list(DataLoader([np.arange(2), np.arange(2, 4)], batch_size=None))
    assert [o.tolist() for o in out] == [[0, 1], [2, 3]]


def test_custom_collate_and_num_workers_accepted():
    loader = DataLoader(list(range(5)), batch_size=2, collate_fn=lambda b: sum(b), num_workers=2,
                        prefetch_factor=4, persistent_workers=True, pin_memory=True)
    assert list(loader) == [1, 5, 4] and get_worker_info() is None


def test_dataset_with_getitems():
    class Batched:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, idx):
            return [i * 10 for i in idx]

    assert [b.tolist() for b in DataLoader(Batched(), batch_size=2)] == [[0, 10], [20, 30], [40]]


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(), batch_size=3)) == 3
    with pytest.raises(ValueError, match=re.escape("DataLoader with IterableDataset: expected unspecified shuffle "
                                                   "option, but got shuffle=True")):
        DataLoader(Stream(), shuffle=True)


@pytest.mark.parametrize("kw,msg", [
    (dict(num_workers=-1), "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."),
    (dict(timeout=-1), "timeout option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                              "to enable multiprocessing, otherwise set prefetch_factor to None."),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2),
     "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"),
    (dict(batch_size=None, drop_last=True),
     "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"),
])
def test_loader_option_errors(kw, msg):
    with pytest.raises(ValueError, match="^" + re.escape(msg) + "$"):
        DataLoader(_dataset(), **kw)


def test_attributes_frozen_after_init():
    loader = DataLoader(_dataset(), batch_size=2)
    with pytest.raises(ValueError, match="^batch_size attribute should not be set after DataLoader is initialized$"):
        loader.batch_size = 3
    loader.num_workers = 0  # other attributes stay settable


def test_training_loop_over_a_loader():
    """A typical loop: shuffled batches of a TensorDataset into an optimizer."""
    g = facade.Generator().manual_seed(0)
    x = facade.randn(64, 3, generator=g)
    y = x @ facade.tensor([[1.0], [-2.0], [0.5]])
    w = facade.zeros(3, 1, requires_grad=True)
    opt = facade.optim.SGD([w], lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=g)
    for _ in range(20):
        for xb, yb in loader:
            opt.zero_grad()
            ((xb @ w - yb) ** 2).mean().backward()
            opt.step()
    np.testing.assert_allclose(w.detach().numpy().ravel(), [1.0, -2.0, 0.5], atol=1e-3)
