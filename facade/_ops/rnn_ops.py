"""Ops for the recurrent layers of torch.nn: RNN (tanh / relu), LSTM (with projections), GRU and their cells.

A whole stack of layers (every layer, both directions, dropout between layers) is one fused op:
its JAX implementation runs each recurrence with `lax.scan`, so a module call is one tape entry
however long the sequence and however many layers, compiled once per configuration, and JAX
differentiates it (no derivative is written here). Around that op the driver below assembles
what PyTorch's CPU kernels return, with the grad_fn names they show:

- RNN / GRU (and LSTM outside the oneDNN path: float64, projections): the output sequence is a
  stack of steps and h_n / c_n stacks of the layers' last states (StackBackward0: the op's
  name); a bidirectional output concatenates the two directions (CatBackward0); batch_first
  transposes the output back (TransposeBackward1: PyTorch transposes RNN / GRU outputs in
  place, which also bumps their version; TransposeBackward0 for LSTM); an unbatched input's
  results are squeezed (SqueezeBackward1, in facade/nn/modules/rnn.py).
- float32 LSTM without projections runs, in PyTorch, on oneDNN: each layer is one
  mkldnn_rnn_layer (MkldnnRnnLayerBackward0), which saves its outputs as well as its inputs, so
  writing into the output in place before backward raises there; h_n / c_n stay stacks.
- cells: RNNCell ends in tanh / relu (TanhBackward0 / ReluBackward0, both saving their
  output), GRUCell in an add (AddBackward0), LSTMCell returns h = o * tanh(c) (MulBackward0) and
  c = f * c0 + i * g (AddBackward0): its op returns c and the output gate, the last product is
  recorded as facade ops.

Only the names are PyTorch's: facade's graph behind them is the one fused op (output and h_n
share its grad_fn object, next_functions lead to the inputs and weights). Dropout between
layers draws its masks inside the op from a key of facade's generator, as F.dropout does.
PyTorch's errors are raised in the drivers and in facade/nn/modules/rnn.py before anything is
recorded.
"""

import jax
import jax.numpy as jnp
from jax import lax

from .._dispatch import record
from . import packing_ops
from .frontend import cast, type_name
from .nn_ops import _key
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


# ---- a whole stack of layers -------------------------------------------------------------
def _direction(mode, seq, h, c, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, mask):
    """One direction of one layer over a time-major sequence: (outputs, last h, last c).

    mask: None, or (T, B) booleans for a packed batch: a sequence's state stops changing after
    its last step, and (reversed) starts changing at its last step, as PyTorch's packed layers.
    """
    has_bias = b_ih is not None
    gi = _affine(seq, w_ih, b_ih, has_bias)  # every step's input term at once

    def step(carry, xs):
        h0, c0 = carry
        g, m = xs if mask is not None else (xs, None)
        gh = _affine(h0, w_hh, b_hh, has_bias)
        c = c0
        if mode == "LSTM":
            c, o = _lstm_step(g + gh, c0)
            h = o * jnp.tanh(c)
            if w_hr is not None:
                h = _mm(h, w_hr)
        elif mode == "GRU":
            h = _gru_step(g, gh, h0)
        elif mode == "RNN_TANH":
            h = jnp.tanh(g + gh)
        else:
            h = _relu(g + gh)
        if m is not None:
            h = jnp.where(m[:, None], h, h0)
            if c is not None:
                c = jnp.where(m[:, None], c, c0)
        return (h, c), h

    xs = gi if mask is None else (gi, mask)
    (h, c), out = lax.scan(step, (h, c), xs, reverse=reverse)
    return out, h, c


def _between_layers(seq, key, layer, p):
    """Dropout of a layer's output on its way up (as F.dropout: Bernoulli(1 - p) mask, scaled)."""
    if p == 1.0:
        return seq * jnp.zeros((), seq.dtype)
    keep = jax.random.bernoulli(jax.random.fold_in(_key(key), layer), 1.0 - p, seq.shape)
    return seq * jnp.where(keep, jnp.ones((), seq.dtype) / jnp.asarray(1.0 - p, seq.dtype), jnp.zeros((), seq.dtype))


_NSTATIC = 10


def _stack(*args):
    """The whole stack (PyTorch's _VF.rnn_tanh / rnn_relu / gru / lstm).

    Arrays: x (T, B, I), or (B, T, I) when batch_first, or a packed batch's rows (N, I); h0 and
    c0 (layers * dirs, B, .) or 0 when not given (c0 always 0 but for LSTM); the dropout key (0
    when there is no dropout); then per layer and direction w_ih, w_hh, (b_ih, b_hh), (w_hr).
    Statics: mode, layers, dirs, has_h0, has_bias, proj, p (dropout between layers, 0 for
    none), batch_first, dt, batch_sizes (a packed batch's, or None).

    Returns the last layer's forward and backward outputs (time-major, or packed rows for a
    packed batch; the backward one empty when unidirectional), h_n and, for LSTM, c_n.
    """
    mode, layers, dirs, has_h0, has_bias, proj, p, batch_first, dt, batch_sizes = args[-_NSTATIC:]
    x, h0, c0, key = args[:4]
    weights = args[4:-_NSTATIC]
    lstm = mode == "LSTM"
    seq = cast(x, dt)
    mask = None
    if batch_sizes is not None:  # packed rows -> a padded time-major batch and its step mask
        seq = packing_ops.unpack(seq, batch_sizes, False, 0, len(batch_sizes))
        mask = packing_ops.step_mask(batch_sizes)
    elif batch_first:
        seq = jnp.swapaxes(seq, 0, 1)
    batch = seq.shape[1]
    per = len(weights) // (layers * dirs)
    hs, cs = [], []
    for layer in range(layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = [cast(a, dt) for a in weights[k * per:(k + 1) * per]]
            b_ih, b_hh = (w[2], w[3]) if has_bias else (None, None)
            w_hr = w[-1] if proj else None
            h = cast(h0, dt)[k] if has_h0 else jnp.zeros((batch, w[1].shape[1]), dt)
            c = None
            if lstm:
                c = cast(c0, dt)[k] if has_h0 else jnp.zeros((batch, w[1].shape[0] // 4), dt)
            out, h, c = _direction(mode, seq, h, c, w[0], w[1], b_ih, b_hh, w_hr, d == 1, mask)
            outs.append(out)
            hs.append(h)
            cs.append(c)
        seq = outs[0] if dirs == 1 else jnp.concatenate(outs, axis=-1)
        if p and layer < layers - 1:
            seq = _between_layers(seq, key, layer, p)
    if batch_sizes is not None:
        outs = [packing_ops.pack(o, batch_sizes, False) for o in outs]
    backward = outs[1] if dirs == 2 else jnp.zeros((0,), dt)
    if lstm:
        return outs[0], backward, jnp.stack(hs), jnp.stack(cs)
    return outs[0], backward, jnp.stack(hs)


_JITTED = {}


def _stack_jitted(*args):
    """_stack compiled as one XLA computation per argument count (the statics last), as _op does
    for fixed arities: eager replays and backward passes run it compiled, not primitive by primitive."""
    n = len(args)
    fn = _JITTED.get(n)
    if fn is None:
        fn = _JITTED[n] = jax.jit(_stack, static_argnums=tuple(range(n - _NSTATIC, n)))
    return fn(*args)


# RNN / GRU (and LSTM outside the oneDNN path): PyTorch's layer output and h_n are stacks of steps / states
RNN_STACK = defop("rnn_layers", _stack_jitted, grad_fn="StackBackward0", nout=3, saves="in")
LSTM_STACK = defop("lstm_layers", _stack_jitted, grad_fn="StackBackward0", nout=4, saves="in")
# float32 LSTM without projections: PyTorch's oneDNN layers (MkldnnRnnLayerBackward0), which save their
# outputs too; its h_n / c_n are stacks of the layers' states (the copy below carries that name)
MKLDNN_LSTM_STACK = defop("mkldnn_lstm_layers", _stack_jitted, grad_fn="MkldnnRnnLayerBackward0", nout=4, saves=True)
# a packed batch (PyTorch's packed layers, never oneDNN): the output rows are a cat of the steps' rows
PACKED_RNN_STACK = defop("packed_rnn_layers", _stack_jitted, grad_fn="CatBackward0", nout=3, saves="in")
PACKED_LSTM_STACK = defop("packed_lstm_layers", _stack_jitted, grad_fn="CatBackward0", nout=4, saves="in")
STATES = defop("rnn_stacked_states", lambda h: h + jnp.zeros((), h.dtype), grad_fn="StackBackward0", saves=False)

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


def _uses_mkldnn(x, proj_size, packed=False):
    """Whether PyTorch's CPU LSTM runs this call on oneDNN (float32 without projections, not packed)."""
    return x.dtype.name == "float32" and not proj_size and not packed


def _check_states(mode, x, hx, proj_size, packed):
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
    if _uses_mkldnn(x, proj_size, packed):
        if h.dtype is not d or c.dtype is not d:
            raise RuntimeError("get_mkldnn_dtype: unsupported data type")
        return
    if h.dtype is not d:
        raise _dtype_error(h.dtype, d)
    if c.dtype is not d and promote(x, c) is not d:  # c promotes the recurrence: the next product fails
        names = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{names.get(promote(x, c).name, promote(x, c).name)} != {names.get(d.name, d.name)}")


def rnn_layers(mode, x, hx, weights, num_layers, bidirectional, has_bias, proj_size, dropout, training, batch_first,
               batch_sizes=None):
    """Run a stack of recurrent layers (PyTorch's _VF.rnn_tanh / rnn_relu / gru / lstm): one fused op.

    mode: "RNN_TANH", "RNN_RELU", "GRU" or "LSTM"; x: a 3-D input (time-major, or batch-major
    when batch_first), or a packed batch's 2-D rows with batch_sizes its tuple of batch sizes
    (batch_first is then ignored, as in PyTorch); hx: None, the initial h (num_layers *
    directions, B, H), or (h, c) for LSTM; weights: the flat parameter list in PyTorch's order.
    Returns (output, h_n) or (output, (h_n, c_n)); output is packed rows for a packed batch.
    """
    from . import shape as _shape

    packed = batch_sizes is not None
    if not packed and x.shape[1 if batch_first else 0] == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    _check_states(mode, x, hx, proj_size, packed)
    dirs = 2 if bidirectional else 1
    lstm = mode == "LSTM"
    if packed and lstm and _uses_mkldnn(x, proj_size) and len(set(batch_sizes)) == 1:
        # sequences all of one length: PyTorch's float32 LSTM runs its oneDNN layers on the padded batch
        # (the rows, step-major, are exactly that) and returns a view of their output
        x3 = _shape.view(x, (len(batch_sizes), batch_sizes[0], x.shape[-1]))
        output, states = rnn_layers(mode, x3, hx, weights, num_layers, bidirectional, has_bias, proj_size, dropout,
                                    training, False)
        return _shape.view(output, (x.shape[0], output.shape[-1])), states
    mkldnn = lstm and _uses_mkldnn(x, proj_size, packed)
    if packed:
        op = PACKED_LSTM_STACK if lstm else PACKED_RNN_STACK
        batch_first = False
    else:
        op = (MKLDNN_LSTM_STACK if mkldnn else LSTM_STACK) if lstm else RNN_STACK
    h0, c0 = (hx if lstm else (hx, None)) if hx is not None else (None, None)
    p = float(dropout) if training and num_layers > 1 else 0.0
    from .nn_ops import key_tensor

    key = key_tensor() if p else 0
    statics = (mode, num_layers, dirs, hx is not None, bool(has_bias), int(proj_size), p, bool(batch_first),
               x.dtype.np, batch_sizes)
    outs = record(op, (x, _or_zero(h0), _or_zero(c0), key, *weights), statics)
    output = outs[0] if dirs == 1 else _shape.cat(outs[:2], x.ndim - 1)
    if packed:  # PyTorch's packed h_n / c_n are stacks of the layers' states
        states = tuple(record(STATES, (h,), ()) for h in outs[2:])
        return output, (states if lstm else states[0])
    if batch_first:
        if lstm:
            output = _shape.transpose(output, 0, 1)
        else:
            output = record(TRANSPOSE_, (output,), ())
            output._vc[0] += 1  # PyTorch's transpose_ is an in-place op: it bumps the version
    if not lstm:
        return output, outs[2]
    h_n, c_n = outs[2:]
    if mkldnn:
        h_n, c_n = record(STATES, (h_n,), ()), record(STATES, (c_n,), ())
    return output, (h_n, c_n)


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
