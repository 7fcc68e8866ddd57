"""Recording an op: the hot path every facade operation goes through.

`record(op, inputs, statics)` turns Tensor / Python-number operands into tape Nodes, infers
the result's shape and dtype (from the op's JAX implementation, memoised per op, statics
and input shapes, so a steady-state call costs a dictionary lookup), decides whether the
result requires grad, and returns the result Tensor(s). Nothing is computed here.

This file is the per-op overhead of facade, so it is written for speed: no imports or
generator expressions on the hot path, one dictionary lookup for shape inference.
"""
from weakref import ref as _weakref

import jax
import numpy as np

from . import _device, _dtype, _engine
from ._grad_mode import STATE as _GRAD
from ._ops.table import GETITEM, SCALAR
from ._tape import Node, Storage

Tensor = None  # set by _tensor.py once the class exists (avoids a circular import)
_META = {}


def _spec(node):
    if node.op is SCALAR:
        v = node.value
        return jax.ShapeDtypeStruct((), np.int64 if isinstance(v, (bool, int)) else
                                    np.complex128 if isinstance(v, complex) else np.float64)
    return jax.ShapeDtypeStruct(node.shape, node.dtype.np)


def _meta_of(out):
    return tuple(out.shape), _dtype.from_numpy(out.dtype)


def _infer_slow(op, args, statics, key):
    if op.check is not None:
        op.check(*args, *statics)
    try:
        out = jax.eval_shape(lambda *xs: op.impl(*xs, *statics), *[_spec(a) for a in args])
    except Exception as e:  # noqa: BLE001 - turned into a user-facing error below
        _raise_broadcast_error([a.shape for a in args if a.op is not SCALAR])
        shapes = ", ".join(str(list(a.shape)) for a in args)
        raise RuntimeError(f"{op.name}: invalid arguments for inputs of shapes {shapes}: {e}") from None
    meta = tuple(_meta_of(o) for o in out) if op.nout != 1 else _meta_of(out)
    if op.nout is not None:  # nout None: user code (autograd.Function) decides the outputs each call
        _META[key] = meta
    return meta


def _raise_broadcast_error(shapes):
    """PyTorch's message for operands whose shapes do not broadcast (scanning from the last dim)."""
    ndim = max((len(s) for s in shapes), default=0)
    for d in range(ndim - 1, -1, -1):
        sizes = [s[d - (ndim - len(s))] for s in shapes if d - (ndim - len(s)) >= 0]
        big = [x for x in sizes if x != 1]
        if len(set(big)) > 1:
            a, b = big[0], next(x for x in big if x != big[0])
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension {d}")


def infer(op, args, statics):
    """(shape, dtype) of op's output (a tuple of them for multi-output ops), memoised."""
    key = (op.id, statics) + tuple([a.mk for a in args])
    meta = _META.get(key)
    return meta if meta is not None else _infer_slow(op, args, statics, key)


def scalar_node(x):
    # one node per use, never shared: equal numbers in two places must not make a structure that
    # a different pair of numbers would not have (the program's key would depend on the values)
    n = Node(SCALAR, (), (), x, (), _dtype.scalar_dtype(x))
    n.mk = type(x)
    return n


def as_node(x):
    """The Node for an operand: a Tensor's current (grad-aware) node, or a scalar node."""
    if isinstance(x, Tensor):
        return x._input_node() if _GRAD[0] else x._node()
    if isinstance(x, (bool, int, float, complex)):
        return scalar_node(x)
    from ._ops.frontend import operand

    x = operand(x)
    return as_node(x)


def record_node(op, args, statics=(), differentiable=True, meta=None):
    """Create the pending Node for op(args, statics). `args` are Nodes (use Tensor._input_node);
    `meta`: the result's (shape, dtype) when the caller already knows it (from infer)."""
    rg = False
    depth = 0
    device = None
    grad = _GRAD[0] and op.differentiable and differentiable
    for a in args:
        a.uses += 1
        if grad and a.requires_grad:
            rg = True
        if a.value is None and a.depth > depth:
            depth = a.depth
        d = a.device
        if d is not device and d is not None:
            if device is None:
                device = d
            else:
                _device.check_same(device, d)
    if op.nout == 1:
        shape, dtype = meta if meta is not None else infer(op, args, statics)
        if rg and dtype.category < 2:
            rg = False  # integer and bool results never require grad
    else:
        shape = dtype = None
    node = Node(op, args, statics, None, shape, dtype, rg)
    node.depth = depth + 1
    node.device = device
    return node


def _saved(op, tensors, args, node, outs):
    """Version-counter snapshots of what the op saves, checked again at backward.

    Each entry is (version counter, version then, what): `what` is the input's node, or, for
    one of the op's own outputs, (its index, shape, dtype) (autograd/_backward_errors._bad_version reads
    both).

    Which inputs are saved follows PyTorch: "cross" ops (mul, mm, dot, ...) save an input
    only when the other operand requires grad; "div" saves the divisor whenever either
    requires grad and the dividend only when the divisor does.
    """
    kind = op.saves
    if kind == "meta":  # only sizes: nothing to check, but backward still frees it
        return ()
    if kind == "cross" and len(args) == 2:  # mul: each input is saved for the other's gradient
        a0, a1 = tensors
        if args[1].requires_grad and isinstance(a0, Tensor):
            vc = a0._vc
            if args[0].requires_grad and isinstance(a1, Tensor):
                vc1 = a1._vc
                return ((vc, vc[0], args[0]), (vc1, vc1[0], args[1]))
            return ((vc, vc[0], args[0]),)
        if args[0].requires_grad and isinstance(a1, Tensor):
            vc1 = a1._vc
            return ((vc1, vc1[0], args[1]),)
        return ()
    saved = []
    if kind != "out":  # the inputs
        n = len(args)
        for i in range(n):
            t = tensors[i]
            if not isinstance(t, Tensor):
                continue
            if kind == "cross":
                need = args[1 - i].requires_grad if n == 2 else any(a.requires_grad for a in args[:i] + args[i + 1:])
            elif kind == "div":
                need = i == 1 or args[1].requires_grad
            else:
                need = True
            if need:
                vc = t._vc
                saved.append((vc, vc[0], args[i]))
    if kind == "out" or kind is True:
        # an output is named by its index, not its node: the node holds this tuple, and a node
        # here would make a reference cycle that keeps the graph's arrays alive until the next
        # garbage collection
        for k in range(len(outs)) if op.saved_outputs is None else [k for k, _ in op.saved_outputs]:
            saved.append((outs[k]._vc, 0, output_ref(k, outs[k])))
    return tuple(saved)


def output_ref(k, t):
    """How a saved-value record names output k (tensor t) of the op that saves it: by index,
    shape and dtype, not by a node (the node holds the record: that would be a reference cycle)."""
    n = t._storage.node
    return (k, n.shape, n.dtype)


def wrap(node):
    """A new tensor whose value is `node` (Tensor._wrap, inlined for speed)."""
    t = object.__new__(Tensor)
    st = object.__new__(Storage)
    st.node = node
    node.out = _weakref(st)
    t._storage = st
    t._vc = [0]
    t._view = None
    t._vcache = None
    t._rg = False
    t._grad_fn = node if node.requires_grad else None
    t._grad = None
    t._leafuse = None
    return t


def finish(op, node, inputs, args):
    """Wrap a recorded single-output node; snapshot saved versions; cap pending depth."""
    out = wrap(node)
    if node.requires_grad and op.saves:
        node.saved = _saved(op, inputs, args, node, (out,))
    if node.depth > _engine.MAX_PENDING_DEPTH:
        _engine.evaluate([node])
    return out


def record(op, inputs, statics=()):
    """Record op on the given operands (Tensors or Python numbers); return the result Tensor(s)."""
    args = tuple([as_node(x) for x in inputs])
    node = record_node(op, args, statics)
    if op.nout == 1:
        return finish(op, node, inputs, args)
    metas = infer(op, args, statics)
    node.shape, node.dtype = metas[0]  # nominal; the parts carry their own
    outs = []
    for i, (shape, dtype) in enumerate(metas):
        part = Node(GETITEM, (node,), (i,), None, shape, dtype, node.requires_grad and dtype.category >= 2)
        node.uses += 1
        part.depth = node.depth + 1
        part.device = node.device
        outs.append(wrap(part))
    if node.requires_grad and op.saves:
        node.saved = _saved(op, inputs, args, node, outs)
    return tuple(outs)
