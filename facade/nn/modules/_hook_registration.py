"""Module's hook registration methods: forward pre-hooks and hooks, module backward hooks (the
running side is in _backward_hooks.py), state_dict and load_state_dict hooks.

Each is `Module.<name>` (assigned in module.py); each puts the hook in its table with
`Module._add_hook`, which returns the RemovableHandle.
"""
import collections
import functools


def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
    return self._add_hook(
        self._forward_pre_hooks, hook, prepend, [(self._forward_pre_hooks_with_kwargs, with_kwargs)]
    )


def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
    return self._add_hook(
        self._forward_hooks,
        hook,
        prepend,
        [(self._forward_hooks_with_kwargs, with_kwargs), (self._forward_hooks_always_called, always_call)],
    )


def register_full_backward_pre_hook(self, hook, prepend=False):
    return self._add_hook(self._backward_pre_hooks, hook, prepend, [])


def register_backward_hook(self, hook):
    """The deprecated module backward hook. PyTorch hands it the gradients of the last autograd node
    of the forward (for nn.Linear: bias, input, weight.T); facade hands it what a full backward
    hook gets (they agree for a module whose forward is one op on its input, and grad_output
    always agrees)."""
    if self._is_full_backward_hook is True:
        raise RuntimeError(
            "Cannot use both regular backward hooks and full backward hooks on a single Module. "
            "Please use only one of them."
        )
    self._is_full_backward_hook = False
    return self._add_hook(self._backward_hooks, hook, False, [])


def register_full_backward_hook(self, hook, prepend=False):
    if self._is_full_backward_hook is False:
        raise RuntimeError(
            "Cannot use both regular backward hooks and full backward hooks on a single Module. "
            "Please use only one of them."
        )
    self._is_full_backward_hook = True
    return self._add_hook(self._backward_hooks, hook, prepend, [])


def _register_state_dict_hook(self, hook):
    """The private form: a hook returning a dict replaces the state_dict (PyTorch keeps it so)."""
    if getattr(hook, "_from_public_api", False):
        raise RuntimeError(
            "Cannot register the same function as the state dict post hook that was "
            "previously registered via register_state_dict_post_hook"
        )
    return self._add_hook(self._state_dict_hooks, hook, False, [])


def register_state_dict_post_hook(self, hook):
    hook._from_public_api = True  # PyTorch's mark: such a hook must return None
    return self._add_hook(self._state_dict_hooks, hook, False, [])


def register_state_dict_pre_hook(self, hook):
    return self._add_hook(self.__dict__.setdefault("_state_dict_pre_hooks", collections.OrderedDict()), hook,
                          False, [])


def register_load_state_dict_post_hook(self, hook):
    return self._add_hook(self._load_state_dict_post_hooks, hook, False, [])


def _register_load_state_dict_pre_hook(self, hook, with_module=False):
    """hook(state_dict, prefix, local_metadata, strict, missing, unexpected, errors), run first in
    _load_from_state_dict (with_module: the module is passed first)."""
    if with_module:
        hook = functools.partial(hook, self)
    return self._add_hook(self._load_state_dict_pre_hooks, hook, False, [])


def register_load_state_dict_pre_hook(self, hook):
    return self._register_load_state_dict_pre_hook(hook, with_module=True)
