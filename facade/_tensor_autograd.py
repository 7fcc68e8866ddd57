"""Tensor's autograd state: requires_grad, .grad, hooks, backward, detach and .data.

A mixin of `Tensor` (facade/_tensor.py), which keeps the hot properties (requires_grad, grad_fn,
is_leaf) itself; this holds the rest of what PyTorch's autograd metadata answers, and the helpers
`_tensor.py` uses for views made under no_grad.
"""
import warnings
from weakref import ref as _weakref

from . import _dispatch
from ._ops.table import OPS
from ._tape import IN_FUNCTION_BACKWARD as _IN_FN_BACKWARD
from ._tape import Node, Storage
from ._grad_mode import INFERENCE, InferenceStorage

__all__ = ["AutogradState"]


class AutogradState:
    __slots__ = ()

    def _set_requires_grad(self, flag, how):
        flag = bool(flag)
        if not self.is_leaf:
            if not flag:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                )
            return
        if flag and not (self.dtype.is_floating_point or self.dtype.is_complex):
            # PyTorch's two checks word it differently: requires_grad_() vs the requires_grad setter
            what = "floating point" if how == "requires_grad_" else "floating point and complex"
            raise RuntimeError(f"only Tensors of {what} dtype can require gradients")
        if flag and type(self._storage) is InferenceStorage and not INFERENCE[0]:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")
        if flag != self._rg:
            self._leafuse = None  # the node it entered graphs through (LEAF or not) changes kind
        self._rg = flag

    def is_inference(self):
        """Whether the tensor was made under inference_mode (or is a view or detach() of one)."""
        return type(self._storage) is InferenceStorage

    def requires_grad_(self, requires_grad=True):
        self._set_requires_grad(requires_grad, "requires_grad_")
        return self

    @property
    def grad(self):
        if not self.is_leaf and not self.__dict__.get("_retains_grad") and self.__dict__.get("_warn_grad", True):
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
                "Tensor by mistake, make sure you access the leaf Tensor instead. See "
                "github.com/pytorch/pytorch/pull/30531 for more informations. (Triggered internally at "
                "/pytorch/build/aten/src/ATen/core/TensorBody.h:489.)",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, _dispatch.Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    def retain_grad(self):
        if not self.requires_grad:  # checked first, as PyTorch: a leaf that does not require grad raises too
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf:
            return
        from .autograd.hooks import HOOKED

        self.__dict__["_retains_grad"] = True
        HOOKED.add(self)

    @property
    def retains_grad(self):
        return bool(self.__dict__.get("_retains_grad")) and not self.is_leaf

    def register_hook(self, hook):
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.hooks import add_tensor_hook

        return add_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if not self.is_leaf:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.hooks import add_tensor_hook

        return add_tensor_hook(self, hook, post_accumulate=True)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward, backward_plain

        if gradient is None and retain_graph is None and create_graph is False and inputs is None and backward_plain(self):
            return
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing storage and version counter, outside the graph."""
        if _IN_FN_BACKWARD[0]:
            from ._dispatch import record

            return record(OPS["detach"], (self,), ())  # stop_gradient for the JAX trace of the backward
        if self._view is None:
            Tensor = _dispatch.Tensor
            t = object.__new__(type(self) if type(self) is Tensor else Tensor)
            t._storage = self._storage
            t._vc = self._vc
            t._view = None
            t._vcache = None
            t._rg = False
            t._grad_fn = None
            t._grad = None
            t._leafuse = None
            return t
        root, chain, _ = self._view
        t = object.__new__(_dispatch.Tensor)
        t._storage, t._vc, t._view, t._vver, t._vcache = self._storage, self._vc, (root, chain, False), -1, None
        t._rg, t._grad_fn, t._grad, t._leafuse, t._gv = False, None, None, None, _DETACHED
        return t

    def detach_(self):
        if self._view is not None and self._gv is not _DETACHED:  # any view but a detach()ed one, as PyTorch
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please refer "
                "to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        self._grad_fn = None
        self._rg = False
        return self

    @property
    def data(self):
        """Like detach(), but with a fresh version counter: changes through .data are invisible to autograd."""
        t = self.detach()
        t._vc = [self._vc[0]]
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, _dispatch.Tensor):
            raise TypeError(f"Tensor.data must be a Tensor, not {type(value).__name__}")
        if self._view is not None:
            self._view = None
            self._vcache = None
        if value._view is None:
            self._storage = value._storage
        else:
            self._storage = Storage(value._node())


_DETACHED = (None, None, None)  # a view's _gv: made by detach() (see Tensor._wrap_view)


def _rebased_no_grad_view(t):
    """PyTorch's error for a view made under no_grad (or a view of one) whose root was written in place since:
    raised where PyTorch would regenerate its grad_fn (grad_fn, is_leaf, and its use by an op with grad enabled)."""
    from ._views import NO_GRAD_VIEW_REBASE

    raise RuntimeError(t.__dict__.get("_nograd_view", "A view was created in") + NO_GRAD_VIEW_REBASE)


def _edge_to_nothing(t, v):
    """t's value `v` as a node that requires grad and leads to no leaf (PyTorch's edge to no function),
    kept while it is t's current value, as a leaf's LEAF node is."""
    lu = t._leafuse
    if lu is not None:
        lu = lu()
        if lu is not None and lu.args[0] is v:
            return lu
    lu = _nothing_edge(v)
    t._leafuse = _weakref(lu)
    return lu


def _nothing_edge(v):
    from ._views import NO_GRAD_EDGE

    n = Node(NO_GRAD_EDGE, (v,), (), None, v.shape, v.dtype, True)
    n.device = v.device
    return n

