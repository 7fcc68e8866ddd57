"""The function forms of torch.nn.utils.prune: prune a module's tensor in place and return the
module (identity, random_unstructured, l1_unstructured, random_structured, ln_structured,
custom_from_mask), prune several tensors against one shared ranking (global_unstructured), make
pruning permanent (remove), and ask whether a model is pruned (is_pruned)."""
import collections.abc

from ...._ops.shape import cat
from ._base import BasePruningMethod, mask_within, pruning_hook_of
from ._methods import CustomFromMask, Identity, L1Unstructured, LnStructured, RandomStructured, RandomUnstructured

__all__ = ["identity", "random_unstructured", "l1_unstructured", "random_structured", "ln_structured",
           "global_unstructured", "custom_from_mask", "remove", "is_pruned"]


def identity(module, name):
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Rank the entries of all the (module, name) tensors together and prune with one method;
    each tensor then gets its share of the joint mask (through CustomFromMask)."""
    if not isinstance(parameters, collections.abc.Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    if importance_scores is None:
        importance_scores = {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    parameters = list(parameters)
    tensors = [getattr(module, name) for module, name in parameters]
    scores = cat([importance_scores.get(key, t).reshape(-1) for key, t in zip(parameters, tensors)])
    in_force = cat([_mask_in_force(module, name, t).reshape(-1) for (module, name), t in zip(parameters, tensors)])
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
                        f"{pruning_method} of type {method.PRUNING_TYPE}")
    joint = mask_within(method, scores, in_force)
    start = 0
    for (module, name), t in zip(parameters, tensors):
        share = joint[start:start + t.numel()].view_as(t)
        custom_from_mask(module, name, mask=share)
        start += t.numel()


def _mask_in_force(module, name, t):
    mask = getattr(module, name + "_mask", None)
    return t.new_ones(t.shape) if mask is None else mask


def remove(module, name):
    """Make the pruning of ``module.<name>`` permanent and take its forward pre-hook away."""
    found = pruning_hook_of(module, name)
    if found is None:
        raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")
    hid, method = found
    method.remove(module)
    del module._forward_pre_hooks[hid]
    return module


def is_pruned(module):
    """Whether `module` or one of its submodules carries a pruning method."""
    return any(isinstance(hook, BasePruningMethod)
               for m in module.modules() for hook in m._forward_pre_hooks.values())


