"""nn.modules.lazy.LazyModuleMixin: modules whose parameter shapes come from their first input.

A lazy module holds UninitializedParameter / UninitializedBuffer placeholders. Its first call
runs a forward pre-hook that hands the call's arguments to ``initialize_parameters`` (written
by each lazy layer), checks that no placeholder is left, takes the hooks away and turns the
module into ``cls_to_become`` (when set). Until then its state_dict carries the placeholders
themselves, and loading a state_dict gives each placeholder the shape of the tensor loaded
into it (a load pre-hook), so a checkpoint of the initialized layer fits a fresh lazy one.
"""
from ..._tensor import Tensor
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy

__all__ = ["LazyModuleMixin"]


def _tensors(module):
    """(registry, name, tensor) of every parameter and buffer that is set."""
    for registry in (module._parameters, module._buffers):
        for name, t in registry.items():
            if t is not None:
                yield registry, name, t


def _placeholders(module):
    """(registry, name, placeholder) of every parameter and buffer not yet materialized."""
    return [(reg, name, t) for reg, name, t in _tensors(module) if is_lazy(t)]


def _placeholder_like(t):
    """A placeholder standing for `t` (same kind, dtype, device, requires_grad)."""
    if t.__dict__.get("_is_param"):
        return UninitializedParameter(requires_grad=t.requires_grad, device=t.device, dtype=t.dtype)
    return UninitializedBuffer(requires_grad=t.requires_grad, device=t.device, dtype=t.dtype)


class LazyModuleMixin:
    """Put first among a module's bases: the module infers its parameter shapes on its first call.

    A subclass writes ``initialize_parameters(*args, **kwargs)`` (given the first call's
    arguments) to materialize its placeholders; ``cls_to_become`` is the class the module
    takes on afterwards (None: it keeps its class).
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._give_shapes_from_state)
        self._initialize_hook = self.register_forward_pre_hook(self._first_call, with_kwargs=True)

    # ---- what a lazy layer writes -------------------------------------------------------------
    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {self.__class__.__name__}")

    def has_uninitialized_params(self):
        """Whether a parameter or buffer is still a placeholder."""
        return bool(_placeholders(self))

    # ---- the first call -----------------------------------------------------------------------
    def _first_call(self, module, args, kwargs):
        self.initialize_parameters(*args, **kwargs)
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        for attr in ("_initialize_hook", "_load_hook"):
            self.__dict__.pop(attr).remove()
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become

    def _make_lazy(self, names):
        """Replace the module's tensors called `names` (those that are set) by placeholders."""
        for reg, name, t in list(_tensors(self)):
            if name in names:
                reg[name] = _placeholder_like(t)

    # ---- state_dict ---------------------------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for _, name, t in _placeholders(self):
            if prefix + name in destination:  # the placeholder itself, detached or not
                destination[prefix + name] = t

    def _give_shapes_from_state(self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
        """Load pre-hook: a placeholder about to receive a real tensor takes that tensor's shape."""
        for _, name, t in _placeholders(self):
            if name in self._non_persistent_buffers_set:
                continue
            value = state_dict.get(prefix + name)
            if isinstance(value, Tensor) and not is_lazy(value):
                t.materialize(tuple(value.shape))

    # ---- conversions keep placeholders --------------------------------------------------------
    def _apply(self, fn, recurse=True):
        lazy_buffers = [name for reg, name, _ in _placeholders(self) if reg is self._buffers]
        super()._apply(fn, recurse)
        for name in lazy_buffers:
            new = self._buffers[name]
            if new is not None and not is_lazy(new):
                persistent = name not in self._non_persistent_buffers_set
                self._buffers[name] = UninitializedBuffer(new.requires_grad, new.device, new.dtype, persistent)
        return self
