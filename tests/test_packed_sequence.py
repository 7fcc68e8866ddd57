"""torch.nn.utils.rnn (PackedSequence, pack / pad / unpad) and recurrent layers on packed batches.

Without torch: packing and padding against a numpy construction of the layout; a packed
batch through RNN / LSTM / GRU against each sequence run on its own (a batch of one, no
packing) — values, h_n and gradients; float64 gradcheck of the packed ops and of a packed GRU.
Under the oracle (torch installed): the same calls against torch 2.13 — values, gradients,
grad_fn names, versions, reprs and error messages.
"""

import importlib.util

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import facade
import facade.nn as fnn
from facade.autograd import gradcheck
from facade.nn.utils import rnn as R

HAVE_TORCH = importlib.util.find_spec("torch") is not None
oracle = pytest.mark.skipif(not HAVE_TORCH, reason="torch is the oracle here")


def _seqs(lengths, feat=(2,), seed=0, lib=facade, requires_grad=True):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n,) + feat) for n in lengths]
    return arrays, [lib.tensor(a, requires_grad=requires_grad) for a in arrays]


def _numpy_pack(arrays):
    """The packed rows and batch sizes of sequences sorted longest first, built step by step."""
    rows, sizes = [], []
    for t in range(len(arrays[0])):
        running = [a for a in arrays if len(a) > t]
        sizes.append(len(running))
        rows.extend(a[t] for a in running)
    return np.stack(rows), sizes


# ---- layout, without torch ---------------------------------------------------------------------
@given(st.lists(st.integers(1, 5), min_size=1, max_size=5), st.booleans())
def test_pack_sequence_lays_out_rows_step_by_step(lengths, enforce_sorted):
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    arrays, seqs = _seqs(lengths)
    packed = R.pack_sequence(seqs, enforce_sorted=enforce_sorted)
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])  # a stable sort, like torch.sort here
    rows, sizes = _numpy_pack([arrays[i] for i in order])
    assert packed.batch_sizes.tolist() == sizes and packed.batch_sizes.dtype is facade.int64
    assert sorted(packed.data.detach().numpy().tolist()) == sorted(rows.tolist())  # same rows
    if enforce_sorted:
        assert packed.sorted_indices is None and packed.unsorted_indices is None
        np.testing.assert_array_equal(packed.data.detach().numpy(), rows)
    else:
        inv = packed.unsorted_indices.tolist()
        assert [packed.sorted_indices.tolist()[j] for j in inv] == list(range(len(lengths)))
    padded, lens = R.pad_packed_sequence(packed, batch_first=True, padding_value=-7.0)
    assert lens.tolist() == lengths
    for i, a in enumerate(arrays):
        np.testing.assert_array_equal(padded[i, :len(a)].detach().numpy(), a)
        assert (padded[i, len(a):].detach().numpy() == -7.0).all()
    back = R.unpack_sequence(packed)
    for a, b in zip(arrays, back):
        np.testing.assert_array_equal(b.detach().numpy(), a)


def test_pad_sequence_sides_and_layouts():
    a, b = facade.tensor([1, 2, 3]), facade.tensor([4])
    assert R.pad_sequence([a, b]).tolist() == [[1, 4], [2, 0], [3, 0]]
    assert R.pad_sequence([a, b], batch_first=True, padding_value=9).tolist() == [[1, 2, 3], [4, 9, 9]]
    assert R.pad_sequence([a, b], batch_first=True, padding_side="left").tolist() == [[1, 2, 3], [0, 0, 4]]
    # copied into the first sequence's dtype (float -> int truncates), trailing sizes broadcast
    assert R.pad_sequence([a, facade.tensor([2.7])]).dtype is facade.int64
    assert R.pad_sequence([a, facade.tensor([2.7])])[0].tolist() == [1, 2]
    wide = R.pad_sequence([facade.ones(2, 3), facade.tensor([[5.0], [6.0], [7.0]])], batch_first=True)
    assert wide[1].tolist() == [[5.0] * 3, [6.0] * 3, [7.0] * 3]


def test_packed_gradients_reach_the_sequences():
    arrays, seqs = _seqs([3, 2, 2])
    packed = R.pack_sequence(seqs)
    w = np.random.default_rng(1).standard_normal(tuple(packed.data.shape))
    (packed.data * facade.tensor(w)).sum().backward()
    rows, _ = _numpy_pack(arrays)
    # row r of the packed data came from sequence b at step t: its gradient is w[r]
    r = 0
    for t in range(3):
        for b in range(3):
            if len(arrays[b]) > t:
                np.testing.assert_array_equal(seqs[b].grad[t].numpy(), w[r])
                r += 1


def test_packed_ops_gradcheck_float64():
    _, seqs = _seqs([3, 1, 2], feat=(2,))
    assert gradcheck(lambda *s: R.pad_sequence(list(s), padding_side="left"), seqs)
    assert gradcheck(lambda *s: R.pack_sequence(list(s), enforce_sorted=False).data, seqs)
    assert gradcheck(lambda *s: R.pad_packed_sequence(R.pack_sequence(list(s), enforce_sorted=False),
                                                      total_length=4)[0], seqs)


def test_a_second_backward_through_packing_raises_and_in_place_changes_do_not():
    _, seqs = _seqs([2, 1])
    x = seqs[0] * 1
    padded = R.pad_sequence([x, seqs[1]])
    packed = R.pack_padded_sequence(padded, [2, 1])
    x.add_(1.0)
    padded.add_(1.0)  # only sizes are saved: neither write makes backward raise
    s = packed.data.sum()
    s.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        s.backward()


# ---- recurrent layers, without torch --------------------------------------------------------
def _module(kind, seed, **kw):
    facade.manual_seed(seed)
    return getattr(fnn, kind)(2, 3, **kw).double()


@pytest.mark.parametrize("kind,kw", [("RNN", {}), ("GRU", dict(num_layers=2)), ("LSTM", dict(bidirectional=True)),
                                     ("LSTM", dict(proj_size=2, num_layers=2)), ("RNN", dict(nonlinearity="relu",
                                                                                             bidirectional=True))])
def test_a_packed_batch_runs_each_sequence_as_if_alone(kind, kw):
    lengths = [2, 4, 1]
    arrays, seqs = _seqs(lengths)
    m = _module(kind, 0, **kw)
    lstm = kind == "LSTM"
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    hsize = kw.get("proj_size") or 3
    rng = np.random.default_rng(5)
    h0 = facade.tensor(rng.standard_normal((layers, 3, hsize)), requires_grad=True)
    c0 = facade.tensor(rng.standard_normal((layers, 3, 3)), requires_grad=True)
    out, hn = m(R.pack_sequence(seqs, enforce_sorted=False), (h0, c0) if lstm else h0)
    assert isinstance(out, R.PackedSequence)
    padded, lens = R.pad_packed_sequence(out, batch_first=True)
    assert lens.tolist() == lengths
    states = hn if lstm else (hn,)
    w = [rng.standard_normal(tuple(s.shape)) for s in states]
    wo = rng.standard_normal(tuple(padded.shape))
    (sum((s * facade.tensor(x)).sum() for s, x in zip(states, w)) + (padded * facade.tensor(wo)).sum()).backward()
    grads = [s.grad.numpy() for s in seqs]
    h0_grad = h0.grad.numpy()
    for b, a in enumerate(arrays):  # the same module on sequence b alone
        x = facade.tensor(a[:, None, :], requires_grad=True)
        hb = facade.tensor(h0.detach().numpy()[:, b:b + 1], requires_grad=True)
        cb = facade.tensor(c0.detach().numpy()[:, b:b + 1], requires_grad=True)
        o1, h1 = m(x, (hb, cb) if lstm else hb)
        np.testing.assert_allclose(padded[b, :len(a)].detach().numpy(), o1[:, 0].detach().numpy(), atol=1e-12)
        assert (padded[b, len(a):].detach().numpy() == 0).all()
        s1 = h1 if lstm else (h1,)
        for s, s_alone in zip(states, s1):
            np.testing.assert_allclose(s[:, b].detach().numpy(), s_alone[:, 0].detach().numpy(), atol=1e-12)
        loss = sum((s * facade.tensor(x[:, b:b + 1])).sum() for s, x in zip(s1, w))
        (loss + (o1[:, 0] * facade.tensor(wo[b, :len(a)])).sum()).backward()
        np.testing.assert_allclose(grads[b], x.grad.numpy()[:, 0], atol=1e-12)
        np.testing.assert_allclose(h0_grad[:, b], hb.grad.numpy()[:, 0], atol=1e-12)


def test_packed_gru_gradcheck_float64():
    m = _module("GRU", 1, bidirectional=True)
    _, seqs = _seqs([3, 1, 2], seed=2)

    def f(*s):
        out, h = m(R.pack_sequence(list(s), enforce_sorted=False))
        return out.data.sum() + (h * h).sum()

    assert gradcheck(f, seqs)


def test_packed_errors_without_torch():
    _, seqs = _seqs([3, 2])
    padded = R.pad_sequence(seqs)
    with pytest.raises(RuntimeError, match=r"a sequence length \(4\) is larger than the padded input's number of "
                                           r"steps \(3\)"):
        R.pack_padded_sequence(padded, [4, 2])
    packed = R.pack_sequence(seqs)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 2, 3\), got \[1, 3, 3\]"):
        fnn.LSTM(2, 3).double()(packed, (facade.zeros(1, 2, 3, dtype=facade.float64),
                                         facade.zeros(1, 3, 3, dtype=facade.float64)))


# ---- against torch -----------------------------------------------------------------------------
def _both(fn, lengths=(3, 1, 2), feat=(2,), seed=0):
    import torch

    arrays, fs = _seqs(lengths, feat, seed)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    return fn(torch, ts), fn(facade, fs), ts, fs


def _rn(lib):
    return lib.nn.utils.rnn


def _close(f, t, what=""):
    np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=what)
    assert type(f.grad_fn).__name__ == type(t.grad_fn).__name__, (what, f.grad_fn, t.grad_fn)


@oracle
@pytest.mark.parametrize("case", ["pad", "pad_bf_left", "pack", "pack_unsorted", "pad_packed", "pad_packed_sorted",
                                  "unpack", "unpad"])
def test_functions_match_torch(case):
    def run(lib, s):
        r = _rn(lib)
        if case == "pad":
            return [r.pad_sequence(s, padding_value=0.5)]
        if case == "pad_bf_left":
            return [r.pad_sequence(s, batch_first=True, padding_side="left")]
        if case == "pack":
            return [r.pack_sequence(sorted(s, key=lambda x: -x.shape[0])).data]
        if case == "pack_unsorted":
            p = r.pack_sequence(s, enforce_sorted=False)
            return [p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices]
        if case == "pad_packed":
            return list(r.pad_packed_sequence(r.pack_sequence(s, enforce_sorted=False), batch_first=True,
                                              padding_value=-1.0, total_length=5))
        if case == "pad_packed_sorted":
            return list(r.pad_packed_sequence(r.pack_sequence(sorted(s, key=lambda x: -x.shape[0]))))
        if case == "unpack":
            return r.unpack_sequence(r.pack_sequence(s, enforce_sorted=False))
        return r.unpad_sequence(r.pad_sequence(s), lib.tensor([3, 1, 2]))

    t_out, f_out, ts, fs = _both(run)
    assert len(t_out) == len(f_out)
    for i, (f, t) in enumerate(zip(f_out, t_out)):
        assert str(f.dtype) == str(t.dtype) and f._version == t._version, (i, f._version, t._version)
        _close(f, t, f"output {i}")
    g = [np.random.default_rng(i).standard_normal(tuple(t.shape)) for i, t in enumerate(t_out)]
    sum((t * __import__("torch").tensor(w)).sum() for t, w in zip(t_out, g) if t.requires_grad).backward()
    sum((f * facade.tensor(w)).sum() for f, w in zip(f_out, g) if f.requires_grad).backward()
    for f, t in zip(fs, ts):
        np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@oracle
def test_reprs_match_torch():
    import torch

    for lib in (torch, facade):
        lib.set_printoptions(precision=4)
    try:
        t_p = _rn(torch).pack_sequence([torch.tensor([1, 2, 3]), torch.tensor([4, 5])])
        f_p = R.pack_sequence([facade.tensor([1, 2, 3]), facade.tensor([4, 5])])
        assert repr(f_p) == repr(t_p)
        _, fs = _seqs([1, 3])
        ts = [torch.tensor(s.detach().numpy(), requires_grad=True) for s in fs]
        assert repr(R.pack_sequence(fs, enforce_sorted=False)) == repr(_rn(torch).pack_sequence(ts,
                                                                                               enforce_sorted=False))
        assert repr(f_p.to(facade.float64)) == repr(t_p.to(torch.float64))
        assert f_p.double().sorted_indices is None and not f_p.is_cuda
    finally:
        for lib in (torch, facade):
            lib.set_printoptions(profile="default")


@oracle
@pytest.mark.parametrize("kind,kw", [
    ("RNN", {}), ("RNN", dict(nonlinearity="relu", num_layers=2)), ("GRU", dict(bidirectional=True)),
    ("GRU", dict(num_layers=2, batch_first=True)), ("LSTM", {}), ("LSTM", dict(bidirectional=True, num_layers=2)),
    ("LSTM", dict(proj_size=2)),
])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("with_h0", [False, True])
def test_recurrent_layers_on_packed_batches_match_torch(kind, kw, dtype, with_h0):
    import torch

    tm = getattr(torch.nn, kind)(2, 3, **kw)
    fm = getattr(fnn, kind)(2, 3, **kw)
    if dtype == "float64":
        tm, fm = tm.double(), fm.double()
    fm.load_state_dict({k: facade.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((n, 2)).astype(dtype) for n in (2, 4, 1)]
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    states = [rng.standard_normal((layers, 3, kw.get("proj_size") or 3)).astype(dtype),
              rng.standard_normal((layers, 3, 3)).astype(dtype)][:2 if kind == "LSTM" else 1]
    results = []
    for lib, m in ((torch, tm), (facade, fm)):
        seqs = [lib.tensor(a, requires_grad=True) for a in arrays]
        hs = [lib.tensor(s, requires_grad=True) for s in states]
        packed = lib.nn.utils.rnn.pack_sequence(seqs, enforce_sorted=False)
        hx = (tuple(hs) if kind == "LSTM" else hs[0]) if with_h0 else None
        out, hn = m(packed, hx)
        outs = [out.data] + list(hn if kind == "LSTM" else (hn,))
        g = [np.random.default_rng(i).standard_normal(tuple(o.shape)).astype(dtype) for i, o in enumerate(outs)]
        sum((o * lib.tensor(w)).sum() for o, w in zip(outs, g)).backward()
        results.append((out, outs, seqs, hs, m))
    (t_out, t_outs, t_seqs, t_hs, _), (f_out, f_outs, f_seqs, f_hs, _) = results
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-5)
    assert type(f_out).__name__ == "PackedSequence"
    assert f_out.batch_sizes.tolist() == t_out.batch_sizes.tolist()
    assert f_out.sorted_indices.tolist() == t_out.sorted_indices.tolist()
    for i, (f, t) in enumerate(zip(f_outs, t_outs)):
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), err_msg=f"output {i}", **tol)
        assert type(f.grad_fn).__name__ == type(t.grad_fn).__name__, (i, f.grad_fn, t.grad_fn)
    for i, (f, t) in enumerate(zip(f_seqs + (f_hs if with_h0 else []), t_seqs + (t_hs if with_h0 else []))):
        np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), err_msg=f"grad {i}", **tol)
    tparams = dict(tm.named_parameters())
    for name, p in fm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), err_msg=name, **tol)


def _error_cases():
    """(name, fn(lib)) calls that PyTorch refuses; each is run in both libraries."""
    def seqs(lib):
        return [lib.ones(3, 2), lib.ones(2, 2), lib.ones(1, 2)]

    def r(lib):
        return lib.nn.utils.rnn

    return {
        "lengths_count": lambda lib: r(lib).pack_padded_sequence(r(lib).pad_sequence(seqs(lib)), [3, 2]),
        "length_zero": lambda lib: r(lib).pack_padded_sequence(r(lib).pad_sequence(seqs(lib)), [3, 2, 0]),
        "length_negative_unsorted": lambda lib: r(lib).pack_padded_sequence(
            r(lib).pad_sequence(seqs(lib)), [3, -1, 2], enforce_sorted=False),
        "not_sorted": lambda lib: r(lib).pack_padded_sequence(r(lib).pad_sequence(seqs(lib)), [2, 3, 1]),
        "not_sorted_last_ok": lambda lib: r(lib).pack_padded_sequence(r(lib).pad_sequence(seqs(lib)), [1, 3, 2]),
        "lengths_2d": lambda lib: r(lib).pack_padded_sequence(r(lib).pad_sequence(seqs(lib)),
                                                              lib.tensor([[3, 2, 1]])),
        "input_1d": lambda lib: r(lib).pack_padded_sequence(lib.ones(3), [3]),
        "input_1d_batch_first": lambda lib: r(lib).pack_padded_sequence(lib.ones(3), [3], batch_first=True),
        "input_empty": lambda lib: r(lib).pack_padded_sequence(lib.ones(0, 2), [1, 1]),
        "pad_empty": lambda lib: r(lib).pad_sequence([]),
        "pad_side": lambda lib: r(lib).pad_sequence(seqs(lib), padding_side="middle"),
        "pad_trailing": lambda lib: r(lib).pad_sequence([lib.ones(3, 2), lib.ones(2, 3)]),
        "pad_more_dims": lambda lib: r(lib).pad_sequence([lib.ones(3, 2), lib.ones(2, 2, 2)]),
        "pad_first_1d_then_2d": lambda lib: r(lib).pad_sequence([lib.ones(2), lib.ones(3, 2)]),
        "pad_size_one_dst": lambda lib: r(lib).pad_sequence([lib.ones(3, 1), lib.ones(2, 2)]),
        "pad_scalar_first": lambda lib: r(lib).pad_sequence([lib.tensor(1.0)]),
        "pad_scalar_later": lambda lib: r(lib).pad_sequence([lib.ones(2), lib.tensor(1.0)]),
        "pad_not_iterable": lambda lib: r(lib).pad_sequence(5),
        "pad_batch_first_int": lambda lib: r(lib).pad_sequence(seqs(lib), batch_first=1),
        "total_length": lambda lib: r(lib).pad_packed_sequence(r(lib).pack_sequence(seqs(lib)), total_length=2),
        "packed_hidden": lambda lib: lib.nn.GRU(2, 3)(r(lib).pack_sequence(seqs(lib)), lib.zeros(1, 2, 3)),
        "packed_input_size": lambda lib: lib.nn.GRU(3, 3)(r(lib).pack_sequence(seqs(lib))),
        "packed_input_dims": lambda lib: lib.nn.RNN(2, 3)(r(lib).PackedSequence(lib.ones(6, 2, 1),
                                                                                r(lib).pack_sequence(
                                                                                    seqs(lib)).batch_sizes)),
        "packed_dtype": lambda lib: lib.nn.GRU(2, 3)(r(lib).pack_sequence(seqs(lib)).double()),
        "packed_lstm_dtype": lambda lib: lib.nn.LSTM(2, 3)(r(lib).pack_sequence(seqs(lib)).double()),
        "packed_lstm_input_size": lambda lib: lib.nn.LSTM(3, 4)(r(lib).pack_sequence(seqs(lib))),
        "packed_lstm_input_dims": lambda lib: lib.nn.LSTM(2, 3)(r(lib).PackedSequence(
            lib.ones(6, 2, 1), r(lib).pack_sequence(seqs(lib)).batch_sizes)),
        "packed_lstm_h_dtype": lambda lib: lib.nn.LSTM(2, 3)(r(lib).pack_sequence(seqs(lib)), (
            lib.zeros(1, 3, 3, dtype=lib.float64), lib.zeros(1, 3, 3))),
        "packed_constructor": lambda lib: r(lib).PackedSequence(lib.ones(3)),
    }


@oracle
@pytest.mark.parametrize("name", sorted(_error_cases()))
def test_errors_match_torch(name):
    import torch

    fn = _error_cases()[name]
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as fe:
        fn(facade)
    assert type(fe.value) is type(te.value), (fe.value, te.value)
    assert str(fe.value) == str(te.value), f"facade: {fe.value!s}\n torch: {te.value!s}"


def test_a_packed_batch_inside_facade_jit_matches_eager():
    """The layout is read from host lengths (pack_sequence's sizes), so a traced step can pack, run
    and pad; a jitted SGD step gives the eager step's losses and parameters."""
    def make():
        facade.manual_seed(0)
        m = fnn.LSTM(2, 3, bidirectional=True).double()
        return m, facade.optim.SGD(m.parameters(), lr=0.1)

    _, seqs = _seqs([3, 5, 2], requires_grad=False)
    results = []
    for jit in (False, True):
        m, opt = make()

        def step(a, b, c):
            opt.zero_grad()
            out, (h, cell) = m(R.pack_sequence([a, b, c], enforce_sorted=False))
            padded, _ = R.pad_packed_sequence(out, batch_first=True)
            loss = (padded ** 2).sum() + h.sum() - cell.sum()
            loss.backward()
            opt.step()
            return loss.detach()

        fn = facade.jit(step) if jit else step
        losses = [float(fn(*seqs)) for _ in range(3)]
        results.append((losses, [p.detach().numpy().copy() for p in m.parameters()]))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    for p_jit, p_eager in zip(results[1][1], results[0][1]):
        np.testing.assert_allclose(p_jit, p_eager, rtol=1e-12, atol=1e-14)
    assert results[0][0][0] != results[0][0][2]  # the steps did change the parameters
