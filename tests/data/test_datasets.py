"""Datasets, random_split and the samplers (facade.utils.data)."""
import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import facade
from facade.utils.data import (BatchSampler, ConcatDataset, Dataset, RandomSampler, SequentialSampler, Subset,
                               SubsetRandomSampler, TensorDataset, random_split)


def test_tensor_dataset():
    x, y = facade.arange(12.0).reshape(6, 2), facade.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    assert a.tolist() == [8.0, 9.0] and b.item() == 4
    assert ds.tensors[0] is x


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="^Size mismatch between tensors$"):
        TensorDataset(facade.zeros(3, 2), facade.zeros(4))


def test_dataset_base_and_concat():
    class Squares(Dataset):
        def __init__(self, n):
            self.n = n

        def __getitem__(self, i):
            return i * i

        def __len__(self):
            return self.n

    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement __getitem__."):
        Dataset()[0]
    both = Squares(3) + Squares(2)
    assert isinstance(both, ConcatDataset)
    assert [both[i] for i in range(len(both))] == [0, 1, 4, 0, 1]
    assert both[-1] == 1 and both.cumulative_sizes == [3, 5]
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        both[-6]


def test_subset():
    ds = Subset(list("abcdef"), [5, 0, 2])
    assert len(ds) == 3 and [ds[i] for i in range(3)] == ["f", "a", "c"]


def test_random_split_lengths_and_generator():
    a, b = random_split(range(10), [3, 7], generator=facade.Generator().manual_seed(0))
    assert (len(a), len(b)) == (3, 7)
    assert sorted(list(a) + list(b)) == list(range(10))
    again = random_split(range(10), [3, 7], generator=facade.Generator().manual_seed(0))
    assert [list(s) for s in again] == [list(a), list(b)]


def test_random_split_fractions():
    parts = random_split(range(10), [0.5, 0.25, 0.25], generator=facade.Generator().manual_seed(1))
    # floor(5), floor(2.5), floor(2.5) = 5, 2, 2; the remainder goes to the first split
    assert [len(p) for p in parts] == [6, 2, 2]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0. This might result in an empty dataset."):
        random_split(range(3), [1.0, 0.0])


def test_random_split_errors():
    with pytest.raises(ValueError, match="^Sum of input lengths does not equal the length of the input dataset!$"):
        random_split(range(10), [3, 8])
    with pytest.raises(ValueError, match="^Fraction at index 1 is not between 0 and 1$"):
        random_split(range(10), [0.6, -0.1, 0.5])


def test_random_split_matches_pytorch_sizes():
    torch = pytest.importorskip("torch")
    for n, fr in [(10, [0.5, 0.25, 0.25]), (7, [0.3, 0.3, 0.4]), (101, [0.8, 0.1, 0.1])]:
        ref = [len(s) for s in torch.utils.data.random_split(range(n), fr)]
        assert [len(s) for s in random_split(range(n), fr)] == ref


# a few sizes only: each new size compiles a new permutation program
SIZES = st.sampled_from([2, 7, 16, 40])


@settings(max_examples=25, deadline=None)
@given(SIZES, st.integers(0, 2**31), st.data())
def test_random_split_partitions(n, seed, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    lengths = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # [0, 1, 0]-style lengths read as fractions warn about empty splits
        parts = random_split(list(range(n)), lengths, generator=facade.Generator().manual_seed(seed))
    assert [len(p) for p in parts] == lengths
    assert sorted(x for p in parts for x in p) == list(range(n))


# ---- samplers --------------------------------------------------------------------------
def test_sequential_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(SequentialSampler(range(4))) == 4


@settings(max_examples=20, deadline=None)
@given(SIZES, st.integers(0, 2**31))
def test_random_sampler_is_a_seeded_permutation(n, seed):
    order = list(RandomSampler(range(n), generator=facade.Generator().manual_seed(seed)))
    assert sorted(order) == list(range(n))
    assert list(RandomSampler(range(n), generator=facade.Generator().manual_seed(seed))) == order


def test_random_sampler_new_order_each_epoch_and_num_samples():
    s = RandomSampler(range(20), generator=facade.Generator().manual_seed(0))
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(20)) and first != second
    s = RandomSampler(range(4), num_samples=10, generator=facade.Generator().manual_seed(0))
    drawn = list(s)
    assert len(s) == 10 and len(drawn) == 10
    assert sorted(drawn[:4]) == sorted(drawn[4:8]) == [0, 1, 2, 3]
    s = RandomSampler(range(4), replacement=True, num_samples=30, generator=facade.Generator().manual_seed(0))
    assert len(list(s)) == 30 and set(s) <= {0, 1, 2, 3}


def test_random_sampler_uses_the_global_seed_without_a_generator():
    facade.manual_seed(5)
    a = list(RandomSampler(range(30)))
    facade.manual_seed(5)
    assert list(RandomSampler(range(30))) == a


def test_sampler_errors():
    with pytest.raises(TypeError, match=re.escape("replacement should be a boolean value, but got replacement=1")):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match=re.escape("num_samples should be a positive integer value, but got "
                                                   "num_samples=0")):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match=re.escape("batch_size should be a positive integer value, but got "
                                                   "batch_size=0")):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match=re.escape("drop_last should be a boolean value, but got drop_last=0")):
        BatchSampler(range(3), 2, 0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 30), st.integers(1, 8), st.booleans())
def test_batch_sampler(n, bs, drop_last):
    batches = list(BatchSampler(SequentialSampler(range(n)), bs, drop_last))
    assert len(batches) == len(BatchSampler(range(n), bs, drop_last))
    flat = [i for b in batches for i in b]
    assert flat == list(range(len(flat)))
    assert all(len(b) == bs for b in batches[:-1])
    assert len(flat) == (n - n % bs if drop_last else n)


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30], generator=facade.Generator().manual_seed(2))
    assert sorted(s) == [10, 20, 30] and len(s) == 3
