"""WeightedRandomSampler, StackDataset, ChainDataset and the DataLoader's iterator object (len(),
pickling, the IterableDataset length warning). Each scenario runs on facade and, when torch is
importable, on torch, and the observations must be equal (random draws excepted: facade's stream
differs from torch's, so only their support, length and reproducibility are compared); without
torch the hand-derived expected observations are checked."""

import pickle
import warnings

import numpy as np
import pytest

import facade

try:
    import torch
except ImportError:  # pragma: no cover - the oracle is optional
    torch = None


def plain(x):
    """Tensors as (dtype, values), containers recursively: comparable across the two libraries."""
    if hasattr(x, "tolist") and hasattr(x, "dtype"):
        return (str(x.dtype).replace("torch.", ""), x.tolist())
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [plain(v) for v in x]
    return x


def run(fn):
    try:
        return "ok", plain(fn())
    except Exception as e:  # noqa: BLE001 - the observation
        return type(e).__name__, str(e)


def check(scenario, expected):
    got = scenario(facade)
    if torch is not None:
        assert got == scenario(torch)
    assert got == expected


def stream(lib, n, length=3):
    class Stream(lib.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

        def __len__(self):
            return length

        def __repr__(self):
            return f"Stream({n})"

    return Stream()


# ---- the DataLoader iterator -----------------------------------------------------------------------

def loader_iterator(lib):
    D = lib.utils.data
    ds = D.TensorDataset(lib.arange(10))
    it = iter(D.DataLoader(ds, batch_size=3))
    out = [len(it), iter(it) is it, type(it).__name__, plain(next(it)), len(it), len(list(it))]
    out.append(len(iter(D.DataLoader(ds, batch_size=3, drop_last=True))))
    out.append(len(iter(D.DataLoader(ds, batch_size=None))))
    out.append(run(lambda: len(iter(D.DataLoader(stream(lib, 5), batch_size=2)))))
    out.append(run(lambda: pickle.dumps(iter(D.DataLoader(ds)))))
    return out


def test_dataloader_iterator_has_len():
    check(loader_iterator, [
        4, True, "_SingleProcessDataLoaderIter", ("list", [("int64", [0, 1, 2])]), 4, 3, 3, 10,
        ("TypeError", "object of type '_InfiniteConstantSampler' has no len()"),
        ("NotImplementedError", "('{} cannot be pickled', '_SingleProcessDataLoaderIter')"),
    ])


def iterable_length_warning(lib):
    dl = lib.utils.data.DataLoader(stream(lib, 5), batch_size=None)
    n = len(dl)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        items = list(dl)
    return n, items, [str(x.message) for x in w]


def test_iterable_dataset_length_warning():
    msg = "Length of IterableDataset Stream(5) was reported to be 3(when accessing len(dataloader)), but {} samples " \
          "have been fetched. "
    check(iterable_length_warning, (3, [0, 1, 2, 3, 4], [msg.format(4), msg.format(5)]))


# ---- StackDataset / ChainDataset ---------------------------------------------------------------------

def stack_dataset(lib):
    D = lib.utils.data
    a, b = D.TensorDataset(lib.arange(4)), [10, 11, 12, 13]
    st, sd = D.StackDataset(a, b), D.StackDataset(x=a, y=b)
    out = [len(st), plain(st[1]), plain(st.__getitems__([0, 2])), plain(sd[2]), plain(sd.__getitems__([3]))]
    out += [run(lambda: D.StackDataset(a, y=b)), run(lambda: D.StackDataset(a, [1])), run(D.StackDataset)]
    out.append(plain(list(D.DataLoader(sd, batch_size=2))))
    return out


def test_stack_dataset():
    def t(v):
        return ("tuple", [("int64", v)])

    check(stack_dataset, [
        4, ("tuple", [t(1), 11]), ("list", [("tuple", [t(0), 10]), ("tuple", [t(2), 12])]),
        {"x": t(2), "y": 12}, ("list", [{"x": t(3), "y": 13}]),
        ("ValueError", "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like input/output, but "
                       "both types are given."),
        ("ValueError", "Size mismatch between datasets"),
        ("ValueError", "At least one dataset should be passed"),
        ("list", [{"x": ("list", [("int64", [0, 1])]), "y": ("int64", [10, 11])},
                  {"x": ("list", [("int64", [2, 3])]), "y": ("int64", [12, 13])}]),
    ])


def chain_dataset(lib):
    D = lib.utils.data
    c = D.ChainDataset([stream(lib, 2), stream(lib, 3)])
    joined = stream(lib, 1) + stream(lib, 2)
    tensors = D.TensorDataset(lib.arange(2))
    return [list(c), len(c), type(joined).__name__, list(joined),
            run(lambda: list(D.ChainDataset([stream(lib, 1), tensors]))),
            run(lambda: len(D.ChainDataset([tensors]))),
            list(D.DataLoader(c, batch_size=2))[-1].tolist()]


def test_chain_dataset():
    bad = ("AssertionError", "ChainDataset only supports IterableDataset")
    check(chain_dataset, [[0, 1, 0, 1, 2], 6, "ChainDataset", [0, 0, 1], bad, bad, [2]])


# ---- WeightedRandomSampler -------------------------------------------------------------------------------

def weighted_errors(lib):
    W = lib.utils.data.WeightedRandomSampler
    out = [run(lambda args=args: W(*args)) for args in
           [([0.1, 0.9], 0), ([0.1, 0.9], True), ([0.1], 2.0), ([[0.1, 0.2]], 2), ([0.1, 0.9], 2, 1)]]
    s = W([0.1, 0.9, 0.4], 5)
    out.append((len(s), str(s.weights.dtype), s.replacement, s.num_samples, s.generator))
    out.append(run(lambda: list(W([1.0, 1.0], 3, replacement=False))))
    out.append(run(lambda: list(W([0.0, 0.0], 3))))
    return out


def test_weighted_random_sampler_arguments_and_errors():
    check(weighted_errors, [
        ("ValueError", "num_samples should be a positive integer value, but got num_samples=0"),
        ("ValueError", "num_samples should be a positive integer value, but got num_samples=True"),
        ("ValueError", "num_samples should be a positive integer value, but got num_samples=2.0"),
        ("ValueError", "weights should be a 1d sequence but given weights have shape (1, 2)"),
        ("ValueError", "replacement should be a boolean value, but got replacement=1"),
        (5, "torch.float64", True, 5, None),
        ("RuntimeError", "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
        ("RuntimeError", "invalid multinomial distribution (sum of probabilities <= 0)"),
    ])


def weighted_support(lib):
    W = lib.utils.data.WeightedRandomSampler
    return (sorted(W([0.0, 1.0, 0.0, 5.0], 2, replacement=False)), sorted(set(W([0.0, 1.0, 0.0, 3.0], 50))),
            len(list(W([1.0, 2.0], 7))))


def test_weighted_random_sampler_support():
    check(weighted_support, ([1, 3], [1, 3], 7))


def test_weighted_random_sampler_is_reproducible_and_follows_weights():
    W = facade.utils.data.WeightedRandomSampler
    draws = list(W([1.0, 3.0], 4000, generator=facade.Generator().manual_seed(3)))
    assert draws == list(W([1.0, 3.0], 4000, generator=facade.Generator().manual_seed(3)))
    assert abs(np.mean(draws) - 0.75) < 0.03  # P(1) = 3 / 4
    facade.manual_seed(5)
    first = list(W([1.0, 1.0, 1.0], 6))
    facade.manual_seed(5)
    assert list(W([1.0, 1.0, 1.0], 6)) == first
    perm = list(W([1.0] * 6, 6, replacement=False, generator=facade.Generator().manual_seed(0)))
    assert sorted(perm) == list(range(6))


def test_weighted_random_sampler_in_dataloader():
    D = facade.utils.data
    ds = D.TensorDataset(facade.arange(6))
    sampler = D.WeightedRandomSampler([0, 0, 1, 0, 0, 1], 8, generator=facade.Generator().manual_seed(1))
    batches = list(D.DataLoader(ds, batch_size=4, sampler=sampler))
    assert [len(b[0]) for b in batches] == [4, 4]
    assert set(sum((b[0].tolist() for b in batches), [])) <= {2, 5}


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_exported_names_match_torch():
    for name in ("WeightedRandomSampler", "StackDataset", "ChainDataset"):
        assert name in facade.utils.data.__all__ and name in torch.utils.data.__all__
