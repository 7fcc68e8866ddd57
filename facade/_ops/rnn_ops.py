"""Ops for the recurrent layers of torch.nn: RNN (tanh / relu), LSTM (with projections), GRU and their cells.

One fused op per layer and direction: its JAX implementation runs the whole recurrence with
`lax.scan`, so a layer is one tape entry however long the sequence, and JAX differentiates it
(no derivative is written here). Around those ops the drivers below assemble what PyTorch's
CPU kernels return, with the same structure and grad_fn names:

- RNN / GRU (and LSTM outside the oneDNN path: float64, projections): each layer-direction's
  output sequence is a stack of its steps (StackBackward0); a bidirectional layer concatenates
  its two directions (CatBackward0); h_n / c_n stack every layer-direction's last state
  (StackBackward0); batch_first transposes the output back (TransposeBackward1: PyTorch
  transposes RNN / GRU outputs in place, which also bumps their version; TransposeBackward0 for
  LSTM); an unbatched input's results are squeezed (SqueezeBackward1).
- float32 LSTM without projections runs, in PyTorch, on oneDNN: each layer-direction is one
  mkldnn_rnn_layer (MkldnnRnnLayerBackward0), which saves its outputs as well as its inputs,
  so writing into the output in place before backward raises there.
- cells: RNNCell ends in tanh / relu (TanhBackward0 / ReluBackward0, both saving their
  output), GRUCell in an add (AddBackward0), LSTMCell returns h = o * tanh(c) (MulBackward0) and
  c = f * c0 + i * g (AddBackward0): its op returns c and the output gate, the last product is
  recorded as facade ops.

Dropout between layers is F.dropout (facade's RNG). PyTorch's errors are raised in the drivers
and in facade/nn/modules/rnn.py before anything is recorded.
"""

import jax
import jax.numpy as jnp
from jax import lax

from .._dispatch import record
from .frontend import cast, type_name
from .table import defop

_HI = lax.Precision.HIGHEST  # PyTorch does not use TF32 for float32 matmuls on CPU


def _op(name, impl, arrays, **kw):
    """defop with impl compiled as one XLA computation per shapes and statics (as nn_ops._op)."""
    statics = tuple(range(arrays, impl.__code__.co_argcount))
    return defop(name, jax.jit(impl, static_argnums=statics), **kw)


def _mm(a, w):
    """a @ w.T at full precision."""
    return jnp.matmul(a, w.T, precision=_HI)


def _affine(a, w, b, has_bias):
    y = _mm(a, w)
    return y + b if has_bias else y


def _state(h, has, index, shape, dt):
    """The initial state of one layer-direction: h[index] of the given states, or zeros."""
    return cast(h, dt)[index] if has else jnp.zeros(shape, dt)


def _relu(x):
    return jnp.where(x > 0, x, jnp.zeros((), x.dtype))  # gradient 0 at 0, as PyTorch's


def _gru_step(gi, gh, h):
    """PyTorch's GRU update from the input and hidden gate pre-activations (r, z, n order)."""
    i_r, i_z, i_n = jnp.split(gi, 3, axis=-1)
    h_r, h_z, h_n = jnp.split(gh, 3, axis=-1)
    r = jax.nn.sigmoid(i_r + h_r)
    z = jax.nn.sigmoid(i_z + h_z)
    n = jnp.tanh(i_n + r * h_n)
    return (h - n) * z + n


def _lstm_step(gates, c):
    """PyTorch's LSTM update from the gate pre-activations (i, f, g, o order): (c', output gate)."""
    i, f, g, o = jnp.split(gates, 4, axis=-1)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    return c, jax.nn.sigmoid(o)


# ---- one layer, one direction ------------------------------------------------------------
def _rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, mode, index, has_h0, has_bias, reverse, dt):
    """One direction of one RNN / GRU layer over a time-major sequence x (T, B, I):
    (outputs (T, B, H), last state (B, H)). mode: "tanh", "relu" or "gru"."""
    x, w_ih, w_hh = cast(x, dt), cast(w_ih, dt), cast(w_hh, dt)
    b_ih, b_hh = (cast(b_ih, dt), cast(b_hh, dt)) if has_bias else (None, None)
    h = _state(h0, has_h0, index, (x.shape[1], w_hh.shape[1]), dt)
    gi = _affine(x, w_ih, b_ih, has_bias)  # every step's input term at once

    def step(h, g):
        gh = _affine(h, w_hh, b_hh, has_bias)
        if mode == "gru":
            h = _gru_step(g, gh, h)
        elif mode == "tanh":
            h = jnp.tanh(g + gh)
        else:
            h = _relu(g + gh)
        return h, h

    hy, out = lax.scan(step, h, gi, reverse=reverse)
    return out, hy


def _lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, index, has_h0, has_bias, has_proj, reverse, dt):
    """One direction of one LSTM layer: (outputs (T, B, P), last h (B, P), last c (B, H)); P is
    the projection size (H without projections: h = o * tanh(c), projected by w_hr if given)."""
    x, w_ih, w_hh = cast(x, dt), cast(w_ih, dt), cast(w_hh, dt)
    b_ih, b_hh = (cast(b_ih, dt), cast(b_hh, dt)) if has_bias else (None, None)
    w_hr = cast(w_hr, dt) if has_proj else None
    batch, hidden = x.shape[1], w_hh.shape[0] // 4
    h = _state(h0, has_h0, index, (batch, w_hh.shape[1]), dt)
    c = _state(c0, has_h0, index, (batch, hidden), dt)
    gi = _affine(x, w_ih, b_ih, has_bias)

    def step(carry, g):
        h, c = carry
        c, o = _lstm_step(g + _affine(h, w_hh, b_hh, has_bias), c)
        h = o * jnp.tanh(c)
        if has_proj:
            h = _mm(h, w_hr)
        return (h, c), h

    (hy, cy), out = lax.scan(step, (h, c), gi, reverse=reverse)
    return out, hy, cy


RNN_LAYER = _op("rnn_layer", _rnn_layer, 6, grad_fn="StackBackward0", nout=2, saves="in")
LSTM_LAYER = _op("lstm_layer", _lstm_layer, 8, grad_fn="StackBackward0", nout=3, saves="in")
# the same computation as PyTorch's oneDNN kernel names it; it saves its outputs too
MKLDNN_LSTM_LAYER = _op("mkldnn_rnn_layer", _lstm_layer, 8, grad_fn="MkldnnRnnLayerBackward0", nout=3, saves=True)

# PyTorch's RNN / GRU return output.transpose_(0, 1) for batch_first: an in-place transpose of a
# tensor the user never sees. Here a new tensor (not a view: an in-place write into it is a plain
# MulBackward0 etc., as PyTorch's) with the in-place op's name. Unlike PyTorch's, it is contiguous.
TRANSPOSE_ = defop("rnn_transpose_", lambda x: jnp.swapaxes(x, 0, 1), grad_fn="TransposeBackward1", saves=False)


# ---- cells -------------------------------------------------------------------------------
def _rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, relu, has_h, has_bias, dt):
    x, w_ih, w_hh = cast(x, dt), cast(w_ih, dt), cast(w_hh, dt)
    b_ih, b_hh = (cast(b_ih, dt), cast(b_hh, dt)) if has_bias else (None, None)
    h = cast(h, dt) if has_h else jnp.zeros((x.shape[0], w_hh.shape[1]), dt)
    z = _affine(x, w_ih, b_ih, has_bias) + _affine(h, w_hh, b_hh, has_bias)
    return _relu(z) if relu else jnp.tanh(z)


def _gru_cell(x, h, w_ih, w_hh, b_ih, b_hh, has_h, has_bias, dt):
    x, w_ih, w_hh = cast(x, dt), cast(w_ih, dt), cast(w_hh, dt)
    b_ih, b_hh = (cast(b_ih, dt), cast(b_hh, dt)) if has_bias else (None, None)
    h = cast(h, dt) if has_h else jnp.zeros((x.shape[0], w_hh.shape[1]), dt)
    return _gru_step(_affine(x, w_ih, b_ih, has_bias), _affine(h, w_hh, b_hh, has_bias), h)


def _lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh, has_h, has_bias, dt, dc):
    """(c', output gate); c' has dtype dc (c0's dtype promoted with the input's, as PyTorch)."""
    x, w_ih, w_hh = cast(x, dt), cast(w_ih, dt), cast(w_hh, dt)
    b_ih, b_hh = (cast(b_ih, dt), cast(b_hh, dt)) if has_bias else (None, None)
    shape = (x.shape[0], w_hh.shape[1])
    h = cast(h, dt) if has_h else jnp.zeros(shape, dt)
    c = cast(c, dc) if has_h else jnp.zeros(shape, dc)
    gates = _affine(x, w_ih, b_ih, has_bias) + _affine(h, w_hh, b_hh, has_bias)
    return _lstm_step(gates, c)


RNN_CELL = _op("rnn_cell", _rnn_cell, 6, saves=True,
               grad_fn=lambda n: "ReluBackward0" if n.statics[0] else "TanhBackward0")
GRU_CELL = _op("gru_cell", _gru_cell, 6, grad_fn="AddBackward0", saves="in")
LSTM_CELL = _op("lstm_cell", _lstm_cell, 7, grad_fn="AddBackward0", nout=2, saves="in")


# ---- drivers -----------------------------------------------------------------------------
def _dtype_error(a, b):
    return RuntimeError(f"mat1 and mat2 must have the same dtype, but got {type_name(a)} and {type_name(b)}")


def _or_zero(t):
    return 0 if t is None else t


def _uses_mkldnn(x, proj_size):
    """Whether PyTorch's CPU LSTM runs this call on oneDNN (float32 without projections)."""
    return x.dtype.name == "float32" and not proj_size


def _check_states(mode, x, hx, proj_size):
    """PyTorch's errors for initial states whose dtype differs from the input's (raised by its kernels)."""
    from .frontend import promote

    if hx is None:
        return
    d = x.dtype
    if mode != "LSTM":
        if hx.dtype is not d:
            raise _dtype_error(hx.dtype, d)
        return
    h, c = hx
    if _uses_mkldnn(x, proj_size):
        if h.dtype is not d or c.dtype is not d:
            raise RuntimeError("get_mkldnn_dtype: unsupported data type")
        return
    if h.dtype is not d:
        raise _dtype_error(h.dtype, d)
    if c.dtype is not d and promote(x, c) is not d:  # c promotes the recurrence: the next product fails
        names = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{names.get(promote(x, c).name, promote(x, c).name)} != {names.get(d.name, d.name)}")


def rnn_layers(mode, x, hx, weights, num_layers, bidirectional, has_bias, proj_size, dropout, training, batch_first):
    """Run a stack of recurrent layers (PyTorch's _VF.rnn_tanh / rnn_relu / gru / lstm).

    mode: "RNN_TANH", "RNN_RELU", "GRU" or "LSTM"; x: a 3-D input (time-major, or batch-major
    when batch_first); hx: None, the initial h (num_layers * directions, B, H), or (h, c) for
    LSTM; weights: per layer and direction (w_ih, w_hh, b_ih, b_hh, w_hr), missing ones None.
    Returns (output, h_n) or (output, (h_n, c_n)).
    """
    from . import shape as _shape

    if x.shape[0 if not batch_first else 1] == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    _check_states(mode, x, hx, proj_size)
    dirs = 2 if bidirectional else 1
    dt = x.dtype.np
    seq = _shape.transpose(x, 0, 1) if batch_first else x
    lstm = mode == "LSTM"
    op = (MKLDNN_LSTM_LAYER if _uses_mkldnn(x, proj_size) else LSTM_LAYER) if lstm else RNN_LAYER
    kind = {"RNN_TANH": "tanh", "RNN_RELU": "relu", "GRU": "gru"}.get(mode)
    has_h0 = hx is not None
    if lstm:
        h0, c0 = (hx if has_h0 else (0, 0))
    else:
        h0 = hx if has_h0 else 0
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            index = layer * dirs + d
            w_ih, w_hh, b_ih, b_hh, w_hr = weights[index]
            if lstm:
                args = (seq, h0, c0, w_ih, w_hh, _or_zero(b_ih), _or_zero(b_hh), _or_zero(w_hr))
                out, h, c = record(op, args, (index, has_h0, has_bias, bool(proj_size), d == 1, dt))
                cs.append(c)
            else:
                args = (seq, h0, w_ih, w_hh, _or_zero(b_ih), _or_zero(b_hh))
                out, h = record(op, args, (kind, index, has_h0, has_bias, d == 1, dt))
            outs.append(out)
            hs.append(h)
        seq = outs[0] if dirs == 1 else _shape.cat(outs, 2)
        if dropout and training and layer < num_layers - 1:
            from ..nn import functional as F

            seq = F.dropout(seq, dropout, True)
    output = seq
    if batch_first:
        if lstm:
            output = _shape.transpose(output, 0, 1)
        else:
            output = record(TRANSPOSE_, (output,), ())
            output._vc[0] += 1  # PyTorch's transpose_ is an in-place op: it bumps the version
    h_n = _shape.stack(hs, 0)
    return (output, (h_n, _shape.stack(cs, 0))) if lstm else (output, h_n)


def _cell_checks(x, hx, input_size, hidden_size):
    """PyTorch's check_rnn_cell_forward_input / _hidden (x and hx 2-D here)."""
    if x.shape[1] != input_size:
        raise RuntimeError(f"input has inconsistent input_size: got {x.shape[1]} expected {input_size}")
    for i, h in enumerate(hx):
        if h is None:
            continue
        if x.shape[0] != h.shape[0]:
            raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{i} batch size {h.shape[0]}")
        if h.size(1) != hidden_size:
            raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.size(1)}, expected {hidden_size}")


def _cell_dtypes(x, h, w_ih, w_hh, b_ih, b_hh):
    """The dtype errors of PyTorch's two linear() calls in a cell: linear(x, w_ih, b_ih), linear(h, w_hh, b_hh)."""
    for a, w, b in ((x, w_ih, b_ih), (h, w_hh, b_hh)):
        if a is None:
            a = x
        if a.dtype is not w.dtype:
            raise _dtype_error(a.dtype, w.dtype)
        if b is not None and b.dtype is not a.dtype:
            raise RuntimeError(
                f"self and mat2 must have the same dtype, but got {type_name(b.dtype)} and {type_name(a.dtype)}")


def rnn_cell(kind, x, hx, w_ih, w_hh, b_ih, b_hh, input_size, hidden_size):
    """One step of RNNCell ("tanh" / "relu") or GRUCell ("gru") on 2-D x and hx (or hx None)."""
    _cell_checks(x, (hx,), input_size, hidden_size)
    _cell_dtypes(x, hx, w_ih, w_hh, b_ih, b_hh)
    has_bias = b_ih is not None
    args = (x, _or_zero(hx), w_ih, w_hh, _or_zero(b_ih), _or_zero(b_hh))
    if kind == "gru":
        out = record(GRU_CELL, args, (hx is not None, has_bias, x.dtype.np))
        out._vc[0] += 2  # PyTorch's kernel ends in two in-place ops on its result (mul_, add_)
        return out
    return record(RNN_CELL, args, (kind == "relu", hx is not None, has_bias, x.dtype.np))


def lstm_cell(x, hx, w_ih, w_hh, b_ih, b_hh, input_size, hidden_size):
    """One LSTMCell step on 2-D x and hx = (h, c) (or None): (h', c')."""
    from .frontend import promote

    h, c = hx if hx is not None else (None, None)
    _cell_checks(x, (h, c), input_size, hidden_size)
    _cell_dtypes(x, h, w_ih, w_hh, b_ih, b_hh)
    dc = x.dtype if c is None else promote(x, c)
    args = (x, _or_zero(h), _or_zero(c), w_ih, w_hh, _or_zero(b_ih), _or_zero(b_hh))
    c_new, o = record(LSTM_CELL, args, (hx is not None, b_ih is not None, x.dtype.np, dc.np))
    c_new._vc[0] += 1  # PyTorch's kernel ends in an in-place add_ on c'
    return o * c_new.tanh(), c_new
