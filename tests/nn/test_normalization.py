"""BatchNorm, LayerNorm, GroupNorm against PyTorch: outputs, gradients, running statistics, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_compare import assert_close, copy_weights, data, raises_like, run_both, run_modules, to_facade, to_torch, torch

import facade
import facade.nn as fnn
import facade.nn.functional as fF

tnn, tF = torch.nn, torch.nn.functional


def _randomise(tm):
    """Non-trivial affine parameters (PyTorch initialises them to ones and zeros)."""
    with torch.no_grad():
        for i, p in enumerate(tm.parameters()):
            p.copy_(torch.tensor(data(i, tuple(p.shape), "float64", 0.5, 1.5)))
    return tm


BN = [
    ("BatchNorm1d", (3,), {}, (4, 3)),
    ("BatchNorm1d", (3,), {"momentum": None}, (4, 3, 2)),
    ("BatchNorm1d", (3,), {"affine": False}, (5, 3)),
    ("BatchNorm1d", (3,), {"track_running_stats": False}, (4, 3)),
    ("BatchNorm2d", (2,), {"eps": 1e-3, "momentum": 0.3}, (2, 2, 3, 3)),
    ("BatchNorm2d", (2,), {"bias": False}, (3, 2, 2, 2)),
    ("BatchNorm3d", (2,), {}, (2, 2, 2, 1, 3)),
]


@pytest.mark.parametrize("name,args,kw,shape", BN, ids=[f"{b[0]}-{b[2]}" for b in BN])
def test_batchnorm_train_then_eval(name, args, kw, shape):
    tm, fm = _randomise(getattr(tnn, name)(*args, **kw).double()), getattr(fnn, name)(*args, **kw).double()
    assert repr(fm) == repr(tm)
    copy_weights(tm, fm)
    for step in range(3):  # running statistics accumulate over steps (also cumulatively for momentum=None)
        run_modules(tm, fm, [data(step, shape, "float64")], seed=step)
    tm.eval()
    fm.eval()
    run_modules(tm, fm, [data(9, shape, "float64")])
    assert [k for k, _ in fm.state_dict().items()] == [k for k, _ in tm.state_dict().items()]


@settings(deadline=None)
@given(seed=st.integers(0, 2**16), training=st.booleans())
def test_functional_batch_norm(seed, training):
    x = data(seed, (4, 3), "float64", -5, 5)
    rm, rv = data(seed + 1, (3,), "float64"), data(seed + 2, (3,), "float64", 0.5, 2)
    w, b = data(seed + 3, (3,), "float64"), data(seed + 4, (3,), "float64")
    t_stats, f_stats = [to_torch(rm), to_torch(rv)], [to_facade(rm), to_facade(rv)]
    run_both(
        lambda a, wt, bt: tF.batch_norm(a, *t_stats, wt, bt, training, 0.2),
        lambda a, wt, bt: fF.batch_norm(a, *f_stats, wt, bt, training, 0.2),
        [x, w, b],
        seed=seed,
    )
    for t, f in zip(t_stats, f_stats):
        assert_close(f, t)


def test_batchnorm_float32_and_counter():
    tm, fm = tnn.BatchNorm1d(3), fnn.BatchNorm1d(3)
    run_modules(tm, fm, [data(0, (6, 3))])
    run_modules(tm, fm, [data(1, (6, 3))])
    assert fm.num_batches_tracked.item() == 2 and fm.num_batches_tracked.dtype is facade.int64


def test_batchnorm_errors():
    raises_like(lambda: tnn.BatchNorm1d(3)(torch.ones(1, 3)), lambda: fnn.BatchNorm1d(3)(facade.ones(1, 3)))
    raises_like(lambda: tnn.BatchNorm1d(3)(torch.ones(3)), lambda: fnn.BatchNorm1d(3)(facade.ones(3)))
    raises_like(lambda: tnn.BatchNorm2d(3)(torch.ones(2, 3, 4)), lambda: fnn.BatchNorm2d(3)(facade.ones(2, 3, 4)))
    raises_like(lambda: tnn.BatchNorm1d(3)(torch.ones(2, 4)), lambda: fnn.BatchNorm1d(3)(facade.ones(2, 4)))
    raises_like(
        lambda: tF.batch_norm(torch.ones(2, 3), torch.zeros(3), torch.ones(4)),
        lambda: fF.batch_norm(facade.ones(2, 3), facade.zeros(3), facade.ones(4)),
    )


def test_batchnorm_loads_old_checkpoint_without_counter():
    fm = fnn.BatchNorm1d(2)
    sd = {k: v for k, v in fm.state_dict().items() if k != "num_batches_tracked"}
    assert repr(fm.load_state_dict(sd)) == "<All keys matched successfully>"


LN = [
    ((4,), {}, (2, 3, 4)),
    (((3, 4),), {}, (2, 3, 4)),
    ((4,), {"elementwise_affine": False}, (3, 4)),
    ((4,), {"bias": False, "eps": 1e-3}, (5, 4)),
]


@pytest.mark.parametrize("args,kw,shape", LN)
@settings(deadline=None)
@given(seed=st.integers(0, 2**16), spread=st.sampled_from([1.0, 100.0]))
def test_layer_norm(args, kw, shape, seed, spread):
    tm = _randomise(tnn.LayerNorm(*args, **kw).double())
    fm = fnn.LayerNorm(*args, **kw).double()
    assert repr(fm) == repr(tm)
    run_modules(tm, fm, [data(seed, shape, "float64", -spread, spread)], seed=seed)


GN = [
    ((2, 4), {}, (3, 4)),
    ((1, 4), {}, (2, 4, 3)),
    ((4, 4), {"affine": False}, (2, 4, 2, 2)),
    ((2, 6), {"eps": 1e-2, "bias": False}, (2, 6, 3)),
]


@pytest.mark.parametrize("args,kw,shape", GN)
@settings(deadline=None)
@given(seed=st.integers(0, 2**16))
def test_group_norm(args, kw, shape, seed):
    tm = _randomise(tnn.GroupNorm(*args, **kw).double())
    fm = fnn.GroupNorm(*args, **kw).double()
    assert repr(fm) == repr(tm)
    run_modules(tm, fm, [data(seed, shape, "float64")], seed=seed)


def test_norm_float32():
    run_modules(tnn.LayerNorm(5), fnn.LayerNorm(5), [data(0, (3, 5))])
    run_modules(tnn.GroupNorm(2, 4), fnn.GroupNorm(2, 4), [data(0, (3, 4, 2))])


def test_norm_errors():
    x = data(0, (2, 4))
    raises_like(lambda: tnn.LayerNorm(3)(to_torch(x)), lambda: fnn.LayerNorm(3)(to_facade(x)))
    raises_like(
        lambda: tF.layer_norm(to_torch(x), (4,), weight=torch.ones(3)),
        lambda: fF.layer_norm(to_facade(x), (4,), weight=facade.ones(3)),
    )
    raises_like(lambda: tnn.GroupNorm(2, 3), lambda: fnn.GroupNorm(2, 3))
    x6 = data(0, (2, 6))
    raises_like(lambda: tnn.GroupNorm(2, 4)(to_torch(x6)), lambda: fnn.GroupNorm(2, 4)(to_facade(x6)))
    raises_like(lambda: tF.group_norm(to_torch(x6), 4), lambda: fF.group_norm(to_facade(x6), 4))
    raises_like(lambda: tF.group_norm(to_torch(x6[0]), 1), lambda: fF.group_norm(to_facade(x6[0]), 1))
    xi = np.ones((2, 3), np.int64)
    raises_like(lambda: tF.layer_norm(to_torch(xi), (3,)), lambda: fF.layer_norm(to_facade(xi), (3,)))
