"""Op specs for recurrent layers (see _op_specs.py for the format).

Each spec builds the layer of module T (facade or torch) and runs it through
`T.func.functional_call` with the drawn tensors as its parameters, so gradients reach every
weight as well as the input and initial states. The references are plain numpy loops over
layers, directions and time steps. Sizes stay tiny: every layer-direction is one fused op,
its cost is in compiling it.
"""
import numpy as np
from hypothesis import strategies as st

from ._case_builders import array
from ._domains import Domain
from ._op_specs import spec

_VALUES = Domain(-1.0, 1.0)  # pre-activations of order 1: tanh / sigmoid do not saturate
_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


# ---- numpy references ----------------------------------------------------------------------
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _linear(a, w, b):
    return a @ w.T + (0 if b is None else b)


def _np_rnn_cell(kind, x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr=None, nonlinearity="tanh"):
    """One step for a batch: (h', c') (c' None but for LSTM)."""
    gi, gh = _linear(x, w_ih, b_ih), _linear(h, w_hh, b_hh)
    if kind == "RNN":
        z = gi + gh
        return (np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0)), None
    if kind == "GRU":
        n_h = gi.shape[-1] // 3
        r = _sigmoid(gi[:, :n_h] + gh[:, :n_h])
        z = _sigmoid(gi[:, n_h:2 * n_h] + gh[:, n_h:2 * n_h])
        n = np.tanh(gi[:, 2 * n_h:] + r * gh[:, 2 * n_h:])
        return (1 - z) * n + z * h, None
    g = gi + gh
    n_h = g.shape[-1] // 4
    i, f, cell, o = (g[:, k * n_h:(k + 1) * n_h] for k in range(4))
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(cell)
    h = _sigmoid(o) * np.tanh(c)
    return (h if w_hr is None else h @ w_hr.T), c


def _np_layers(kind, x, h0, c0, weights, hidden, layers, bidirectional, batch_first, proj, nonlinearity):
    """The whole stack on a batched input: (output, h_n, c_n)."""
    dirs = 2 if bidirectional else 1
    seq = np.swapaxes(x, 0, 1) if batch_first else x
    steps, batch = seq.shape[:2]
    size = proj or hidden
    hs, cs = [], []
    for layer in range(layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            h = np.zeros((batch, size)) if h0 is None else h0[k]
            c = np.zeros((batch, hidden)) if c0 is None else c0[k]
            out = [None] * steps
            for t in (range(steps - 1, -1, -1) if d else range(steps)):
                h, c = _np_rnn_cell(kind, seq[t], h, c, *weights[k], nonlinearity=nonlinearity)
                out[t] = h
            outs.append(np.stack(out))
            hs.append(h)
            cs.append(c)
        seq = np.concatenate(outs, axis=2)
    output = np.swapaxes(seq, 0, 1) if batch_first else seq
    return output, np.stack(hs), (np.stack(cs) if kind == "LSTM" else None)


def _split_weights(kind, tensors, layers, bidirectional, bias, proj):
    """The flat parameter list, in PyTorch's order, as (w_ih, w_hh, b_ih, b_hh, w_hr) per layer-direction."""
    per = 2 + 2 * bias + (1 if proj else 0)
    out = []
    for k in range(layers * (2 if bidirectional else 1)):
        ws = list(tensors[k * per:(k + 1) * per])
        w_ih, w_hh = ws[0], ws[1]
        b_ih, b_hh = (ws[2], ws[3]) if bias else (None, None)
        out.append((w_ih, w_hh, b_ih, b_hh, ws[-1] if proj else None))
    return out


def _ref_layer(kind):
    def ref(x, *arrays, hidden, layers, bidirectional, bias, batch_first, has_h0, proj=0, nonlinearity="tanh"):
        n_states = (2 if kind == "LSTM" else 1) if has_h0 else 0
        states, weights = arrays[:n_states], _split_weights(kind, arrays[n_states:], layers, bidirectional, bias, proj)
        unbatched = x.ndim == 2
        bdim = 0 if batch_first else 1
        if unbatched:
            x = np.expand_dims(x, bdim)
            states = [np.expand_dims(s, 1) for s in states]
        h0 = states[0] if states else None
        c0 = states[1] if len(states) > 1 else None
        out, h, c = _np_layers(kind, x, h0, c0, weights, hidden, layers, bidirectional, batch_first, proj,
                               nonlinearity)
        if unbatched:
            out, h = np.squeeze(out, bdim), np.squeeze(h, 1)
            c = None if c is None else np.squeeze(c, 1)
        return (out, (h, c)) if kind == "LSTM" else (out, h)

    return ref


def _ref_cell(kind):
    def ref(x, *arrays, hidden, bias, has_h0, nonlinearity="tanh"):
        n_states = (2 if kind == "LSTM" else 1) if has_h0 else 0
        states, ws = arrays[:n_states], list(arrays[n_states:])
        unbatched = x.ndim == 1
        if unbatched:
            x, states = x[None], [s[None] for s in states]
        zeros = np.zeros((x.shape[0], hidden))
        h = states[0] if states else zeros
        c = states[1] if len(states) > 1 else zeros
        b_ih, b_hh = (ws[2], ws[3]) if bias else (None, None)
        h, c = _np_rnn_cell(kind, x, h, c, ws[0], ws[1], b_ih, b_hh, nonlinearity=nonlinearity)
        if unbatched:
            h, c = h[0], (None if c is None else c[0])
        return (h, c) if kind == "LSTM" else h

    return ref


# ---- calls: the module of T with the drawn tensors as its parameters -------------------------
def _run(T, module, x, tensors, kind, has_h0):
    n_states = (2 if kind == "LSTM" else 1) if has_h0 else 0
    states, weights = tensors[:n_states], tensors[n_states:]
    params = dict(zip([n for n, _ in module.named_parameters()], weights))
    hx = None if not has_h0 else (tuple(states) if kind == "LSTM" else states[0])
    return T.func.functional_call(module, params, (x,) if hx is None else (x, hx))


def _call_layer(kind):
    def call(T, x, *tensors, hidden, layers, bidirectional, bias, batch_first, has_h0, proj=0, nonlinearity="tanh"):
        kw = {"num_layers": layers, "bias": bias, "batch_first": batch_first, "bidirectional": bidirectional,
              "dtype": x.dtype}
        if kind == "RNN":
            kw["nonlinearity"] = nonlinearity
        if proj:
            kw["proj_size"] = proj
        module = getattr(T.nn, kind)(x.shape[-1], hidden, **kw)
        return _run(T, module, x, tensors, kind, has_h0)

    return call


def _call_cell(kind):
    def call(T, x, *tensors, hidden, bias, has_h0, nonlinearity="tanh"):
        kw = {"bias": bias, "dtype": x.dtype}
        if kind == "RNN":
            kw["nonlinearity"] = nonlinearity
        module = getattr(T.nn, kind + "Cell")(x.shape[-1], hidden, **kw)
        return _run(T, module, x, tensors, kind, has_h0)

    return call


# ---- builders ------------------------------------------------------------------------------
def _nonlinearity(draw, kind, smooth):
    """relu only where finite differences are not asked for (its kink is reachable)."""
    if kind != "RNN" or smooth:
        return {}
    return {"nonlinearity": draw(st.sampled_from(["tanh", "relu"]))}


def _layer_args(kind, *, proj=False):
    def build(draw, dtype, limits, smooth):
        steps, batch, size = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
        hidden = draw(st.integers(2 if proj else 1, 3))
        p = draw(st.integers(1, hidden - 1)) if proj else 0
        layers, bidirectional = draw(st.integers(1, 2)), draw(st.booleans())
        bias, batch_first, has_h0, unbatched = (draw(st.booleans()) for _ in range(4))
        dirs = 2 if bidirectional else 1
        lead = (steps,) if unbatched else ((batch, steps) if batch_first else (steps, batch))
        state_lead = (layers * dirs,) if unbatched else (layers * dirs, batch)
        shapes = [lead + (size,)]
        if has_h0:
            shapes.append(state_lead + (p or hidden,))
            if kind == "LSTM":
                shapes.append(state_lead + (hidden,))
        gates = _GATES[kind] * hidden
        for layer in range(layers):
            for _ in range(dirs):
                shapes += [(gates, size if layer == 0 else (p or hidden) * dirs), (gates, p or hidden)]
                if bias:
                    shapes += [(gates,), (gates,)]
                if p:
                    shapes.append((p, hidden))
        kwargs = dict(hidden=hidden, layers=layers, bidirectional=bidirectional, bias=bias, batch_first=batch_first,
                      has_h0=has_h0, **_nonlinearity(draw, kind, smooth))
        if proj:
            kwargs["proj"] = p
        return tuple(array(draw, dtype, s, _VALUES, smooth) for s in shapes), kwargs

    return build


def _cell_args(kind):
    def build(draw, dtype, limits, smooth):
        batch, size, hidden = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
        bias, has_h0, unbatched = (draw(st.booleans()) for _ in range(3))
        lead = () if unbatched else (batch,)
        shapes = [lead + (size,)]
        if has_h0:
            shapes += [lead + (hidden,)] * (2 if kind == "LSTM" else 1)
        gates = _GATES[kind] * hidden
        shapes += [(gates, size), (gates, hidden)] + ([(gates,), (gates,)] if bias else [])
        kwargs = dict(hidden=hidden, bias=bias, has_h0=has_h0, **_nonlinearity(draw, kind, smooth))
        return tuple(array(draw, dtype, s, _VALUES, smooth) for s in shapes), kwargs

    return build


# ---- packed batches (torch.nn.utils.rnn) ------------------------------------------------------
def _sorted_order(lengths):
    """The batch order of pack_padded_sequence(enforce_sorted=False): longest first, ties in order."""
    return sorted(range(len(lengths)), key=lambda b: -lengths[b])


def _np_packed_rows(outs, lengths):
    """Packed rows of per-sequence outputs (L_b, *): step by step, longest sequences first."""
    order = _sorted_order(lengths)
    return np.stack([outs[b][t] for t in range(max(lengths)) for b in order if lengths[b] > t])


def _np_padded(outs, lengths, batch_first=True, value=0.0, left=False):
    rows = []
    for o, n in zip(outs, lengths):
        fill = np.full((max(lengths) - n,) + o.shape[1:], value)
        rows.append(np.concatenate([fill, o] if left else [o, fill]))
    return np.stack(rows, axis=0 if batch_first else 1)


def _packed_args(kind):
    def build(draw, dtype, limits, smooth):
        n = draw(st.integers(1, 3))
        lengths = [draw(st.integers(1, 3)) for _ in range(n)]
        size, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        layers, bidirectional, bias, has_h0 = draw(st.integers(1, 2)), draw(st.booleans()), draw(st.booleans()), \
            draw(st.booleans())
        dirs = 2 if bidirectional else 1
        shapes = [(length, size) for length in lengths]
        if has_h0:
            shapes += [(layers * dirs, n, hidden)] * (2 if kind == "LSTM" else 1)
        gates = _GATES[kind] * hidden
        for layer in range(layers):
            for _ in range(dirs):
                shapes += [(gates, size if layer == 0 else hidden * dirs), (gates, hidden)]
                if bias:
                    shapes += [(gates,), (gates,)]
        kwargs = dict(n=n, hidden=hidden, layers=layers, bidirectional=bidirectional, bias=bias, has_h0=has_h0,
                      **_nonlinearity(draw, kind, smooth))
        return tuple(array(draw, dtype, s, _VALUES, smooth) for s in shapes), kwargs

    return build


def _call_packed(kind):
    """The layer on pack_sequence(..., enforce_sorted=False): (padded output, packed rows, h_n[, c_n])."""
    def call(T, *tensors, n, hidden, layers, bidirectional, bias, has_h0, nonlinearity="tanh"):
        seqs, rest = list(tensors[:n]), tensors[n:]
        kw = {"num_layers": layers, "bias": bias, "bidirectional": bidirectional, "dtype": seqs[0].dtype}
        if kind == "RNN":
            kw["nonlinearity"] = nonlinearity
        module = getattr(T.nn, kind)(seqs[0].shape[-1], hidden, **kw)
        out, h = _run(T, module, T.nn.utils.rnn.pack_sequence(seqs, enforce_sorted=False), rest, kind, has_h0)
        padded, _ = T.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        return (padded, out.data) + (tuple(h) if kind == "LSTM" else (h,))

    return call


def _ref_packed(kind):
    """Each sequence run alone (a batch of one) by the numpy stack, then packed and padded."""
    def ref(*arrays, n, hidden, layers, bidirectional, bias, has_h0, nonlinearity="tanh"):
        seqs, rest = arrays[:n], arrays[n:]
        n_states = (2 if kind == "LSTM" else 1) if has_h0 else 0
        states, weights = rest[:n_states], _split_weights(kind, rest[n_states:], layers, bidirectional, bias, 0)
        outs, hs, cs = [], [], []
        for b, x in enumerate(seqs):
            h0 = states[0][:, b:b + 1] if states else None
            c0 = states[1][:, b:b + 1] if len(states) > 1 else None
            o, h, c = _np_layers(kind, x[:, None], h0, c0, weights, hidden, layers, bidirectional, False, 0,
                                 nonlinearity)
            outs.append(o[:, 0])
            hs.append(h)
            cs.append(c)
        lengths = [len(x) for x in seqs]
        result = (_np_padded(outs, lengths), _np_packed_rows(outs, lengths), np.concatenate(hs, axis=1))
        return result + ((np.concatenate(cs, axis=1),) if kind == "LSTM" else ())

    return ref


def _sequences_args(draw, dtype, limits, smooth):
    n, trailing = draw(st.integers(1, 3)), tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    shapes = [(draw(st.integers(1, 3)),) + trailing for _ in range(n)]
    kwargs = dict(batch_first=draw(st.booleans()), padding_value=draw(st.sampled_from([0.0, -1.5])),
                  padding_side=draw(st.sampled_from(["right", "left"])))
    return tuple(array(draw, dtype, s, _VALUES, smooth) for s in shapes), kwargs


def _call_pad(T, *seqs, batch_first, padding_value, padding_side):
    return T.nn.utils.rnn.pad_sequence(list(seqs), batch_first=batch_first, padding_value=padding_value,
                                       padding_side=padding_side)


def _ref_pad(*seqs, batch_first, padding_value, padding_side):
    return _np_padded(seqs, [len(x) for x in seqs], batch_first, padding_value, padding_side == "left")


def _call_pack(T, *seqs, batch_first, padding_value, padding_side):
    """pack_sequence's rows, and pad_packed_sequence of them (the caller's order back)."""
    packed = T.nn.utils.rnn.pack_sequence(list(seqs), enforce_sorted=False)
    padded, _ = T.nn.utils.rnn.pad_packed_sequence(packed, batch_first=batch_first, padding_value=padding_value,
                                                   total_length=4)
    return packed.data, padded


def _ref_pack(*seqs, batch_first, padding_value, padding_side):
    lengths = [len(x) for x in seqs]
    padded = _np_padded(list(seqs) + [np.zeros((4,) + seqs[0].shape[1:])], lengths + [4], batch_first, padding_value)
    return _np_packed_rows(seqs, lengths), (padded[:-1] if batch_first else padded[:, :-1])


spec("nn.utils.rnn.pad_sequence", _call_pad, _sequences_args, _ref_pad)
spec("nn.utils.rnn.pack_sequence", _call_pack, _sequences_args, _ref_pack)
for _kind in ("RNN", "GRU", "LSTM"):
    spec(f"nn.{_kind}.packed", _call_packed(_kind), _packed_args(_kind), _ref_packed(_kind))

for _kind in ("RNN", "GRU", "LSTM"):
    spec(f"nn.{_kind}", _call_layer(_kind), _layer_args(_kind), _ref_layer(_kind))
    spec(f"nn.{_kind}Cell", _call_cell(_kind), _cell_args(_kind), _ref_cell(_kind))
# LSTM with projections: PyTorch's default CPU path in float32 too (no oneDNN kernel)
spec("nn.LSTM.proj", _call_layer("LSTM"), _layer_args("LSTM", proj=True), _ref_layer("LSTM"))
# float32 LSTM without projections: PyTorch's oneDNN layer (MkldnnRnnLayerBackward0), saving its outputs
spec("nn.LSTM.float32", _call_layer("LSTM"), _layer_args("LSTM"), _ref_layer("LSTM"), dtypes=("float32",),
     gradcheck=False)  # gradcheck runs in float64: nn.LSTM's

del _kind
