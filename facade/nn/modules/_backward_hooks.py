"""Module backward hooks: register_full_backward_hook, register_full_backward_pre_hook and the
deprecated register_backward_hook, with PyTorch's semantics (torch.utils.hooks.BackwardHook).

PyTorch passes a hooked module's tensor inputs, and then its tensor outputs, through an identity
autograd Function, so that one backward node receives all their gradients at once. facade does the
same with public pieces: the tensors that require grad go through one identity (a view of a single
tensor; several are flattened into one vector, cast to their common dtype, and cut back into
pieces), and a tensor hook on that identity sees every gradient at once, calls the user's hooks,
and returns the (possibly replaced) gradients. No derivative is written here: the identity's
gradient is JAX's.

Order, as PyTorch: when the outputs' gradients are complete, the pre-hooks run (and may replace
grad_output); when the inputs' gradients are complete, the full hooks run with
(module, grad_input, grad_output) and may replace grad_input. grad_input holds zeros for a tensor
input that does not require grad (PyTorch materializes them) and None for a non-tensor argument;
grad_output holds None for an output that received no gradient or does not require grad.
"""
import collections
import functools
import warnings

import numpy as np

from ... import _dtype, _grad_mode
from ..._dispatch import finish, record_node
from ..._ops.table import defop
from ..._tape import Node
from ..._tensor import Tensor

__all__ = [
    "register_module_backward_hook",
    "register_module_full_backward_hook",
    "register_module_full_backward_pre_hook",
]

_global_backward_pre_hooks = collections.OrderedDict()
_global_backward_hooks = collections.OrderedDict()
_global_is_full = [None]  # PyTorch's _global_is_full_backward_hook


def _add_global(table, hook):
    from .module import RemovableHandle

    handle = RemovableHandle(table)
    table[handle.id] = hook
    return handle


def _register_global_backward(hook, full):
    """A global backward hook, full or not; PyTorch refuses to mix the two kinds among global hooks."""
    if _global_is_full[0] is (not full):
        raise RuntimeError(
            "Cannot use both regular backward hooks and full backward hooks as a global Module hook. "
            "Please use only one of them."
        )
    _global_is_full[0] = full
    return _add_global(_global_backward_hooks, hook)


def register_module_backward_hook(hook):
    return _register_global_backward(hook, False)


def register_module_full_backward_pre_hook(hook):
    return _add_global(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    return _register_global_backward(hook, True)


def module_hooks(module):
    """(backward hooks, backward pre-hooks) that a call of module runs: the global ones first.
    The deprecated (non-full) hooks run as full hooks (see report in register_backward_hook)."""
    hooks = list(_global_backward_hooks.values()) + list(module._backward_hooks.values())
    pre = list(_global_backward_pre_hooks.values()) + list(module._backward_pre_hooks.values())
    return hooks, pre


# ---------------------------------------------------------------------------------------------
# the identity that gathers gradients

def _legacy(t):
    from ..._device import legacy_type_name

    return legacy_type_name(t)


def _passed(new, like):
    """The gradient a hook hands on for a tensor shaped like `like`: PyTorch's checks of a hook's
    result (the hook PyTorch runs is named 'hook'); None passes zeros on."""
    if new is None:
        from ... import zeros

        return zeros(like.shape, dtype=like.dtype)
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if new.dtype is not like.dtype:
        raise RuntimeError(
            f"hook 'hook' has changed the type of value (was {_legacy(like)} got {_legacy(new)})"
        )
    if tuple(new.shape) != tuple(like.shape):
        raise RuntimeError("hook 'hook' has changed the size of value")
    return new


def _mark(reached, i, grad):
    reached[i] = True


class _Keeper(Node):
    """A source argument of the identity's node that holds the hooked tensors: the tensor hooks live
    on tensors the caller may drop (an intermediate output), so they are kept as long as the graph
    that can reach the identity (PyTorch keeps them on the backward node)."""

    __slots__ = ("keep",)


_IDENTITY = defop("backward_hook_identity", lambda x, keeper: x, grad_fn="BackwardHookFunctionBackward", saves=False)


def _identity(t):
    """t through the identity op, and the keeper whose `keep` the caller fills."""
    keeper = _Keeper(None, (), (), np.asarray(0, np.int64), (), _dtype.int64)
    args = (t._input_node(), keeper)
    return finish(_IDENTITY, record_node(_IDENTITY, args), (t, None), args), keeper


def _gather(tensors, on_grads, probes):
    """The tensors to use in place of `tensors` (all requiring grad). When backward reaches them,
    on_grads(grads) runs once with all their gradients (with probes: None for a tensor that no
    gradient reached, else zeros) and returns the gradients to hand on (None: zeros)."""
    if len(tensors) == 1:
        (t,) = tensors

        def hook(grad):
            return _passed(on_grads([grad])[0], grad)

        out, keeper = _identity(t)
        out.register_hook(hook)
        keeper.keep = out
        return [out]

    from ... import cat, promote_types

    dtype = functools.reduce(promote_types, [t.dtype for t in tensors])
    sizes = [t.numel() for t in tensors]
    flat, keeper = _identity(cat([t.reshape(-1).to(dtype) for t in tensors]))
    outs = [p.view(t.shape).to(t.dtype) for p, t in zip(flat.split(sizes), tensors)]
    reached = [False] * len(tensors)
    if probes:
        for i, o in enumerate(outs):
            o.register_hook(functools.partial(_mark, reached, i))

    def hook(grad):
        grads = [g.view(t.shape).to(t.dtype) for g, t in zip(grad.split(sizes), tensors)]
        if probes:
            grads = [g if r else None for g, r in zip(grads, reached)]
            reached[:] = [False] * len(tensors)
        new = on_grads(grads)
        return cat([_passed(n, t).reshape(-1).to(dtype) for n, t in zip(new, tensors)])

    flat.register_hook(hook)
    keeper.keep = (flat, outs)
    return outs


def _rebuild(args, idx, values):
    items = list(args)
    for i, v in zip(idx, values):
        items[i] = v
    return tuple(items) if type(args) is tuple else type(args)(*items)


class BackwardHook:
    """One call's backward hooks (a module called twice has two): what torch.utils.hooks.BackwardHook
    keeps between the outputs' gradients and the inputs' ones."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_tensors_index = self.output_tensors_index = None
        self._inputs = {}

    def _apply(self, args, on_grads, probes):
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        diff = [i for i in idx if args[i].requires_grad]
        if not (diff and _grad_mode.is_grad_enabled()):
            return args, None, ()
        outs = _gather([args[i] for i in diff], on_grads, probes)
        return _rebuild(args, diff, outs), idx, diff

    # ---- inputs ------------------------------------------------------------------------
    def setup_input_hook(self, args):
        diff = []

        def on_grads(grads):
            if self.grad_outputs is None:  # reached without passing through the outputs (double backward)
                return grads
            res = [None] * self.n_inputs
            from ... import zeros

            with _grad_mode.no_grad():
                for i, (shape, dtype) in self._inputs.items():
                    res[i] = zeros(shape, dtype=dtype)  # PyTorch materializes the undefined ones
            for i, g in zip(diff, grads):
                res[i] = g
            res = tuple(res)
            for hook in self.user_hooks:
                out = hook(self.module, res, self.grad_outputs)
                if out is None:
                    continue
                if len(out) != len(res):
                    raise RuntimeError(
                        "Backward hook returned an invalid number of grad_input, "
                        f"got {len(out)}, but expected {len(res)}"
                    )
                res = out
            self.grad_outputs = None
            return [res[i] for i in diff]

        new, idx, found = self._apply(args, on_grads, probes=False)
        diff[:] = found
        self.n_inputs = len(args)
        self.input_tensors_index = idx
        if idx is not None:
            self._inputs = {i: (args[i].shape, args[i].dtype) for i in idx}
        return new

    # ---- outputs -----------------------------------------------------------------------
    def setup_output_hook(self, result):
        diff = []

        def on_grads(grads):
            go = [None] * self.n_outputs
            for i, g in zip(diff, grads):
                go[i] = g
            self.grad_outputs = tuple(go)
            if self.user_pre_hooks:
                expected = len(self.grad_outputs)
                for hook in self.user_pre_hooks:
                    out = hook(self.module, self.grad_outputs)
                    if out is None:
                        continue
                    if len(out) != expected:
                        raise RuntimeError(
                            "Backward pre hook returned an invalid number of grad_output, "
                            f"got {len(out)}, but expected {expected}"
                        )
                    self.grad_outputs = out
            local = self.grad_outputs
            if self.input_tensors_index is None:  # no input requires grad: the hooks run now
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to module outputs "
                    "since no inputs require gradients. See "
                    "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                    "#torch.nn.Module.register_full_backward_hook for more details.",
                    stacklevel=2,
                )
                grad_inputs = (None,) * self.n_inputs
                for hook in self.user_hooks:
                    res = hook(self.module, grad_inputs, self.grad_outputs)
                    if res is not None and not (isinstance(res, tuple) and all(el is None for el in res)):
                        raise RuntimeError(
                            "Backward hook for Modules where no input requires gradient should always return "
                            "None or None for all gradients."
                        )
                self.grad_outputs = None
            return [local[i] for i in diff]

        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        new, idx, found = self._apply(args, on_grads, probes=True)
        diff[:] = found
        self.n_outputs = len(args)
        self.output_tensors_index = idx
        return new if is_tuple else new[0]

