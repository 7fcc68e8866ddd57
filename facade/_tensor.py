"""The Tensor handle.

A Tensor is a thin mutable handle on the tape: it points at a `Storage` (shared with its
views, `detach()` and `.data` aliases) whose `node` is the tensor's current value, a version
counter shared the way PyTorch shares it, and its autograd state (`requires_grad` for
leaves, `grad_fn` for results, `.grad`). Values are computed only when something needs them
(printing, `.item()`, `.numpy()`, backward).

Ops, operators and in-place variants are attached to this class from the op table
(`_ops/__init__.py`); this file holds only what is about the handle itself: construction,
nodes (how a tensor and its views read and write their values) and metadata. The rest of
the handle lives in mixins: autograd state (`_tensor_autograd.py`), conversions and
printing (`_tensor_convert.py`), memory (`_tensor_memory.py`: data_ptr, resize_ ...).
"""
from weakref import ref as _weakref

from . import _device, _engine
from ._grad_mode import STATE as _GRAD
from ._ops.table import LEAF, OPS
from ._tape import TRACKING as _TRACKING
from ._tape import Node
from ._tensor_autograd import _DETACHED, AutogradState, _edge_to_nothing, _nothing_edge, _rebased_no_grad_view
from ._tensor_convert import _SCALAR_WARNED, Conversions  # noqa: F401 - _SCALAR_WARNED: tests reset it here
from ._tensor_memory import Memory


# views that are not strided: regenerated after an in-place write by their own op, as PyTorch does
_REPLAYED_VIEWS = frozenset(("view_as_real", "view_as_complex", "conj"))

class Size(tuple):
    """torch.Size: a tuple of ints with PyTorch's repr."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))


class Tensor(AutogradState, Conversions, Memory):
    # _gv (views only): where a view's gradient comes from when that is not its root, see _wrap_view
    __slots__ = ("_storage", "_vc", "_view", "_vver", "_vcache", "_rg", "_grad_fn", "_grad", "_leafuse", "_gv",
                 "__dict__", "__weakref__")

    # ---- construction ------------------------------------------------------------------
    def __new__(cls, *args, **kwargs):
        from ._creation import _legacy_constructor

        return _legacy_constructor(cls, *args, **kwargs)

    @classmethod
    def _wrap(cls, node, requires_grad=False):
        """A tensor whose value is `node` (the result of an op, or a source)."""
        t = _d.wrap(node)
        if cls is not Tensor:
            t.__class__ = cls
        t._rg = requires_grad
        return t

    @classmethod
    def _wrap_view(cls, base, chain, node, vc=None):
        """A view of `base` (its root): the value is `chain` applied to the root's value.

        `_view` is (root, chain from the root, tracks): the storage root and the whole chain give the value,
        the layout and where writes go. Where the gradient comes from is the root (tracks: the chain on the
        root's input node) unless `_gv` says otherwise; `_gv` is None or a tuple (source, chain, whole chain),
        valid while the whole chain is the view's (an in-place relayout makes a new one):

        * (gbase, sub, _): the view's node is `sub` applied to `gbase._input_node()`: gbase is the nearest view
          along the chain that is a leaf requiring grad (`w = b.view(2, 3).requires_grad_()`: w's views chain
          to w's AccumulateGrad, as PyTorch's do) or a view made under no_grad of a tensor requiring grad (its
          views made with grad enabled require grad, without a path to any leaf);
        * (None, R, _): made under no_grad; it requires grad while R, the tensor PyTorch's view records as
          its base, does (not through a detach()), and then enters ops as a node that requires grad without
          a gradient path (PyTorch: requires_grad True, grad_fn None, an edge to nothing);
        * `_DETACHED`: a detach() of a view (PyTorch: not a differentiable view; views of it have it as base).
        """
        bv = base._view
        if bv is None:
            root, whole = base, chain
        else:
            root, whole = bv[0], bv[1] + chain
        t = object.__new__(cls)
        t._storage = root._storage
        t._vc = root._vc if vc is None else vc
        tracks = node.requires_grad
        gv = None
        if not _GRAD[0]:
            if bv is None:
                gv = (None, base, whole)
            else:
                bg = base._gv
                if bg is _DETACHED:
                    gv = (None, base, whole)
                elif bg is not None and bg[0] is None:
                    gv = (None, bg[1], whole)
                else:
                    gv = (None, root, whole)
        elif bv is not None and tracks:
            bg = base._gv
            if base._rg:
                gv = (base, chain, whole)
            elif bg is not None and bg[2] is bv[1]:
                if bg[0] is not None:  # a view of a view of a gradient base
                    gv = (bg[0], bg[1] + chain, whole)
                    tracks = bv[2]
                elif bg[1] is not None:  # a view of a view made under no_grad
                    gv = (base, chain, whole)
                    tracks = False  # its root's history is not its own: in-place writes raise the no_grad error
        t._view = (root, whole, tracks)
        t._gv = gv
        t._vver = t._vc[0]  # the version it was made at (see _node: AsStridedBackward0 once it changes)
        t._vcache = (node.args[0] if len(chain) == 1 else None, node)
        t._rg = False
        t._grad_fn = None
        t._grad = None
        t._leafuse = None
        return t

    # ---- nodes -------------------------------------------------------------------------
    def _node(self):
        """The node holding this tensor's current value (grad-aware for views that track grad)."""
        if _TRACKING[0] is not None:
            _TRACKING[0](self)
        view = self._view
        if view is None:
            return self._storage.node
        root, chain, tracks = view
        gv = self._gv
        if gv is not None and gv[0] is not None and gv[2] is chain:
            tracks = True
            if self._vver == self._vc[0]:
                base = gv[0]._input_node()  # its gradient comes from a view along its chain (see _wrap_view)
                sub = gv[1]
            else:  # regenerated from the root (below)
                base = root._input_node()
                sub = None
        else:
            base = root._input_node() if tracks else root._storage.node
            sub = chain
        cache = self._vcache
        if cache is not None and cache[0] is base:
            return cache[1]
        from ._dispatch import record_node

        node = base
        with_grad = _GRAD[0]
        _GRAD[0] = tracks
        try:
            if tracks and self._vver != self._vc[0]:
                # written in place since it was made (through any alias): PyTorch regenerates the view's
                # grad_fn as one AsStridedBackward0 from the root's, and keeps that one from then on
                from ._views import AS_STRIDED

                self._vver = -1
                if sub is None and not node.requires_grad:
                    # from the root, not from the view it was taken of: a root that does not require grad
                    # gives an AsStridedBackward0 that requires grad and leads nowhere, as PyTorch's
                    node = _nothing_edge(node)
                last, statics = chain[-1]
                if last.name in _REPLAYED_VIEWS:  # PyTorch replays these by their view function, not as_strided
                    if len(chain) > 1:
                        node = record_node(AS_STRIDED, (node,), (chain[:-1],))
                    node = record_node(last, (node,), statics)
                else:
                    node = record_node(AS_STRIDED, (node,), (chain,))
            else:
                for op, statics in sub:
                    node = record_node(op, (node,), statics)
        finally:
            _GRAD[0] = with_grad
        self._vcache = (base, node)
        return node

    def _input_node(self):
        """The node an op should take as this operand: a LEAF node for leaves that require grad."""
        if _TRACKING[0] is not None:
            _TRACKING[0](self)
        v = self._storage.node if self._view is None else self._node()
        if self._rg:
            # the tensor holds its LEAF node weakly and the node holds the tensor, as PyTorch's
            # AccumulateGrad does: no reference cycle, and the node (with the value it read)
            # goes away with the last graph that uses it
            lu = self._leafuse
            if lu is not None:
                lu = lu()
                if lu is not None and lu.args[0] is v:
                    return lu
            lu = Node(LEAF, (v,), (), None, v.shape, v.dtype, True)
            lu.device = v.device
            lu.leaf = self
            self._leafuse = _weakref(lu)
            return lu
        if self._view is not None:
            gv = self._gv
            if gv is not None and _GRAD[0]:
                if self._vver != self._vc[0] and self._no_grad_view_rebased():
                    _rebased_no_grad_view(self)
                if gv[0] is None and gv[1] is not None and gv[1].requires_grad:
                    return _edge_to_nothing(self, v)  # made under no_grad of a tensor that requires grad
            return v  # a view's node already carries (or is cut from) its root's history
        g = self._grad_fn
        if g is v or g is None and not v.requires_grad:
            return v
        if g is None:
            # a detach()ed alias of a tensor that requires grad: same value, no history
            lu = self._leafuse
            if lu is not None:
                lu = lu()
                # (once computed for a graph that kept it, a node without history drops its args)
                if lu is not None and lu.args and lu.args[0] is v:
                    return lu
            lu = Node(OPS["detach"], (v,), (), None, v.shape, v.dtype, False)
            lu.device = v.device
            self._leafuse = _weakref(lu)
            return lu
        from ._dispatch import record_node

        return record_node(OPS["rebind"], (v, g))

    def _value(self):
        """The concrete JAX array (computing pending ops now)."""
        node = self._node()
        if node.value is None:
            _engine.evaluate([node])
        return node.value

    def _set_node(self, node):
        """Point this tensor (and every alias) at a new value: the write half of every in-place op."""
        if _TRACKING[0] is not None:
            _TRACKING[0](self)
        view = self._view
        if view is None:
            self._storage.set(node)
            if node.requires_grad:
                self._grad_fn = node
        else:
            from ._views import write_through

            write_through(self, node)
        self._vc[0] += 1

    # ---- metadata ----------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._node().shape)

    def size(self, dim=None):
        shape = self._node().shape
        if dim is None:
            return Size(shape)
        return shape[_wrap_dim(dim, len(shape))]

    @property
    def dtype(self):
        return self._node().dtype

    @property
    def ndim(self):
        return len(self._node().shape)

    def dim(self):
        return len(self._node().shape)

    ndimension = dim

    def numel(self):
        n = 1
        for s in self._node().shape:
            n *= s
        return n

    nelement = numel

    def __len__(self):
        shape = self._node().shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def element_size(self):
        return self.dtype.itemsize

    def _layout(self):
        """(strides, storage offset) in elements, as PyTorch's strided layout gives them."""
        from ._strides import contiguous_strides, layout

        shape = tuple(self._node().shape)
        if self._view is None:
            return contiguous_strides(shape), 0
        root, chain, _ = self._view
        return layout(tuple(root.shape), chain, shape)

    def stride(self, dim=None):
        strides = self._layout()[0]
        if dim is None:
            return strides
        from ._ops.frontend import wrap_dim

        return strides[wrap_dim(dim, len(strides))]

    def storage_offset(self):
        return self._layout()[1]

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self.dtype.itemsize

    @property
    def device(self):
        return _device.of_array(self._node(), self)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    @property
    def layout(self):
        from ._layout import strided

        return strided

    def get_device(self):
        d = self.device
        return -1 if d.type == "cpu" else d.index

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return self.dtype.is_complex

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def requires_grad(self):
        if self._rg:
            return True
        if self._view is None:
            return self._grad_fn is not None
        if self._view_grad_node() is not None:
            return True
        gv = self._gv  # made under no_grad: while the tensor it was made of does (PyTorch's differentiable view)
        return gv is not None and gv[0] is None and gv[1] is not None and gv[1].requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self._set_requires_grad(flag, "requires_grad")

    @property
    def grad_fn(self):
        if self._view is not None:
            if self._vver != self._vc[0] and self._gv is not None and self._no_grad_view_rebased():
                _rebased_no_grad_view(self)
            g = self._view_grad_node()
        else:
            g = self._grad_fn
        if g is None:
            return None
        from .autograd.graph import wrap_node

        return wrap_node(g)

    def _view_grad_node(self):
        """A view's grad_fn node (None: it has no grad_fn)."""
        gv = self._gv
        if self._view[2] or gv is not None and gv[0] is not None:
            node = self._node()
            if node.requires_grad:
                return node
        return None

    def _no_grad_view_rebased(self):
        """Whether this view (written in place since it was made) is one PyTorch refuses to regenerate the
        grad_fn of: made under no_grad of a tensor that requires grad, or a view made of one with grad enabled."""
        gv = self._gv
        if gv[0] is None:
            return gv[1] is not None and gv[1].requires_grad
        return not self._view[2] and gv[2] is self._view[1]

    def type(self, dtype=None):
        if dtype is None:
            return _device.legacy_type_name(self)
        from ._creation import _parse_type

        return self.to(_parse_type(dtype))

    def _is_view(self):
        return self._view is not None

    @property
    def _base(self):
        return self._view[0] if self._view is not None else None

    @property
    def _version(self):
        return self._vc[0]



def _wrap_dim(dim, ndim):
    """Normalise a possibly negative dim, with PyTorch's IndexError."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


from . import _dispatch as _d  # noqa: E402

_d.Tensor = Tensor


from ._layout import DENSE_FLAGS as _DENSE_FLAGS  # noqa: E402

for _flag in _DENSE_FLAGS:
    setattr(Tensor, _flag, False)

