"""Recording an op: the hot path every facade operation goes through.

`record(op, inputs, statics)` turns Tensor / Python-number operands into tape Nodes, infers
the result's shape and dtype (from the op's JAX implementation, memoised per op, statics
and input shapes, so a steady-state call costs a dictionary lookup), decides whether the
result requires grad, and returns the result Tensor(s). Nothing is computed here.
"""
import jax
import numpy as np

from . import _device, _dtype, _engine
from ._grad_mode import STATE as _GRAD
from ._ops.table import GETITEM, SCALAR
from ._tape import Node

_META = {}


def _spec(node):
    if node.op is SCALAR:
        v = node.value
        return jax.ShapeDtypeStruct((), np.int64 if isinstance(v, (bool, int)) else np.float64)
    return jax.ShapeDtypeStruct(node.shape, node.dtype.np)


def _meta_of(out):
    return tuple(out.shape), _dtype.from_numpy(out.dtype)


def infer(op, args, statics):
    """(shape, dtype) of op's output (a tuple of them for multi-output ops), memoised."""
    key = (op.id, statics, tuple([(a.shape, a.dtype._id if a.op is not SCALAR else type(a.value)) for a in args]))
    meta = _META.get(key) if op.nout is not None else None  # nout None: user code decides the outputs
    if meta is None:
        if op.check is not None:
            op.check(*args, *statics)
        try:
            out = jax.eval_shape(lambda *xs: op.impl(*xs, *statics), *[_spec(a) for a in args])
        except Exception as e:  # noqa: BLE001 - turned into a user-facing error below
            shapes = ", ".join(str(list(a.shape)) for a in args)
            raise RuntimeError(f"{op.name}: invalid arguments for inputs of shapes {shapes}: {e}") from None
        meta = tuple(_meta_of(o) for o in out) if op.nout != 1 else _meta_of(out)
        _META[key] = meta
    return meta


def scalar_node(x):
    return Node(SCALAR, (), (), x, (), _dtype.scalar_dtype(x))


def record_node(op, args, statics=(), differentiable=True):
    """Create the pending Node for op(args, statics). `args` are Nodes (use Tensor._input_node)."""
    rg = False
    depth = 0
    if _GRAD[0] and op.differentiable and differentiable:
        for a in args:
            if a.requires_grad:
                rg = True
                break
    device = None
    for a in args:
        if a.value is None and a.depth > depth:
            depth = a.depth
        d = a.device
        if d is not device and d is not None:
            if device is None:
                device = d
            else:
                _device.check_same(device, d)
    shape, dtype = infer(op, args, statics) if op.nout == 1 else (None, None)
    if rg and dtype is not None and dtype.category < 2:
        rg = False  # integer and bool results never require grad
    node = Node(op, args, statics, None, shape, dtype, rg)
    node.depth = depth + 1
    node.device = device
    return node


def _saved(op, tensors, args, node, outs):
    """Version-counter snapshots of what the op saves, checked again at backward."""
    saved = []
    if op.saves != "out":
        for t, a in zip(tensors, args):
            vc = getattr(t, "_vc", None)
            if vc is not None:
                saved.append((vc, vc[0], a))
    if op.saves != "in":
        for t in outs:
            saved.append((t._vc, 0, t._node()))
    return tuple(saved)


def as_node(x):
    """The Node for an operand: a Tensor's current (grad-aware) node, or a scalar node."""
    try:
        return x._input_node() if _GRAD[0] else x._node()
    except AttributeError:
        return scalar_node(x)


def record(op, inputs, statics=()):
    """Record op on the given operands (Tensors or Python numbers); return the result Tensor(s)."""
    from ._tensor import Tensor

    args = tuple([as_node(x) for x in inputs])
    if op.nout == 1:
        node = record_node(op, args, statics)
        out = Tensor._wrap(node)
        if node.requires_grad and op.saves:
            node.saved = _saved(op, inputs, args, node, (out,))
        if node.depth > _engine.MAX_PENDING_DEPTH:
            _engine.evaluate([node])
        return out
    node = record_node(op, args, statics)
    metas = infer(op, args, statics)
    node.shape, node.dtype = metas[0]  # nominal; the parts carry their own
    outs = []
    for i, (shape, dtype) in enumerate(metas):
        part = Node(GETITEM, (node,), (i,), None, shape, dtype, node.requires_grad)
        part.depth = node.depth + 1
        part.device = node.device
        outs.append(Tensor._wrap(part))
    if node.requires_grad and op.saves:
        node.saved = _saved(op, inputs, args, node, outs)
    return tuple(outs)
