"""The machinery of torch.nn.utils.prune: BasePruningMethod and PruningContainer.

Pruning `name` of a module reparametrizes it: the Parameter moves to ``<name>_orig``, a 0/1
buffer ``<name>_mask`` is added, and ``module.<name>`` becomes the plain tensor
``mask * orig``, recomputed before every forward by the pruning method itself, which sits in
``module._forward_pre_hooks``. Pruning the same tensor again gathers the methods in a
PruningContainer, whose newest method only decides among the entries (or, for structured
methods, the slices) that the earlier masks still keep.
"""
import abc

from .... import _grad_mode

__all__ = ["BasePruningMethod", "PruningContainer"]


class BasePruningMethod(abc.ABC):
    """A way of choosing which entries of a tensor to zero. Subclasses write compute_mask and
    set PRUNING_TYPE ("unstructured", "structured" with a `dim`, or "global")."""

    def __call__(self, module, inputs):
        """The forward pre-hook: refresh ``module.<name>`` from ``<name>_orig`` and ``<name>_mask``."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abc.abstractmethod
    def compute_mask(self, t, default_mask):
        """The new mask for `t`, given the mask already in force (`default_mask`)."""

    def apply_mask(self, module):
        """``<name>_orig`` with the entries ``<name>_mask`` zeroes set to zero."""
        orig, mask = _reparametrized(module, self._tensor_name)
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``; returns the method now hooked on
        the module (a PruningContainer when the tensor was pruned before)."""
        method = cls(*args, **kwargs)
        method._tensor_name = name
        return _prune_module_tensor(module, name, method, importance_scores)

    def prune(self, t, default_mask=None, importance_scores=None):
        """`t` times the mask this method computes from `importance_scores` (default: `t` itself)."""
        if importance_scores is None:
            importance_scores = t
        elif importance_scores.shape != t.shape:
            raise AssertionError(f"importance_scores should have the same shape as tensor t, got "
                                 f"{importance_scores.shape} vs {t.shape}")
        if default_mask is None:
            default_mask = t.new_ones(t.shape)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module):
        """Make the pruning permanent: ``module.<name>`` is a Parameter again, holding the pruned
        values, and ``<name>_orig`` / ``<name>_mask`` are gone. The forward pre-hook is left to the caller."""
        name = self._tensor_name
        pruned = self.apply_mask(module)
        param = module._parameters.pop(name + "_orig")
        del module._buffers[name + "_mask"]
        if name in module.__dict__:
            delattr(module, name)
        with _grad_mode.no_grad():
            param.data = pruned.detach()
        setattr(module, name, param)


class PruningContainer(BasePruningMethod):
    """The pruning methods applied, one after the other, to one tensor."""

    def __init__(self, *args):
        self._pruning_methods = ()
        if len(args) == 1:  # the method the container is built around names the tensor
            self._tensor_name = args[0]._tensor_name
        for method in args:
            self.add_pruning_method(method)

    def add_pruning_method(self, method):
        if method is not None:
            if not isinstance(method, BasePruningMethod):
                raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
            if self._tensor_name != method._tensor_name:
                raise ValueError(f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' "
                                 f"to PruningContainer {self}. Found '{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        """The newest method's mask, computed on what `default_mask` still keeps."""
        return mask_within(self._pruning_methods[-1], t, default_mask)


def _still_kept(method, mask):
    """The index into the tensor where `method` may still choose: the kept entries (unstructured),
    the slices along ``method.dim`` with a kept entry (structured), everything (global)."""
    kind = method.PRUNING_TYPE
    if kind == "unstructured":
        return mask == 1
    everything = [slice(None)] * mask.dim()
    if kind == "global":
        return tuple(everything)
    if kind == "structured":
        if not hasattr(method, "dim"):
            raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` '
                                 "defined.")
        dim = method.dim + mask.dim() if method.dim < 0 else method.dim
        others = [d for d in range(mask.dim()) if d != dim]
        everything[dim] = mask.sum(dim=others) != 0
        return tuple(everything)
    raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")


def mask_within(method, t, mask):
    """`mask` with `method`'s choice, made on the part of `t` that `mask` still keeps, added to it."""
    where = _still_kept(method, mask)
    chosen = method.compute_mask(t[where], default_mask=mask[where])
    combined = mask.clone()
    combined[where] = chosen.to(dtype=combined.dtype)
    return combined


def _reparametrized(module, name):
    return getattr(module, name + "_orig"), getattr(module, name + "_mask")


def pruning_hook_of(module, name):
    """(hook id, method) of the pruning method hooked on ``module.<name>``, or None."""
    for hid, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            return hid, hook
    return None


def _prune_module_tensor(module, name, method, importance_scores):
    previous = pruning_hook_of(module, name)
    if previous is not None:  # chain after the earlier methods; the old hook goes (for good, as in PyTorch)
        hid, old = previous
        container = old if isinstance(old, PruningContainer) else PruningContainer(old)
        container.add_pruning_method(method)
        method = container
        del module._forward_pre_hooks[hid]
    orig = getattr(module, name)
    scores = orig if importance_scores is None else importance_scores
    if scores.shape != orig.shape:
        raise AssertionError(f"importance_scores should have the same shape as parameter {name} of {module}, "
                             f"got {scores.shape} vs {orig.shape}")
    if previous is None:
        module.register_parameter(name + "_orig", orig)
        del module._parameters[name]
        default_mask = orig.new_ones(orig.shape)
    else:
        default_mask = getattr(module, name + "_mask").detach().clone()
    try:
        mask = method.compute_mask(scores, default_mask=default_mask)
    except Exception:
        if previous is None:  # put the parameter back as it was
            module.register_parameter(name, module._parameters.pop(name + "_orig"))
        raise
    module.register_buffer(name + "_mask", mask)
    setattr(module, name, method.apply_mask(module))
    module.register_forward_pre_hook(method)
    return method
