"""Module.state_dict / load_state_dict and their per-module steps, as PyTorch's: the
functions are Module's methods (assigned in module.py's class body), kept here to keep each
file about one thing."""
import collections
import itertools

from ... import _grad_mode
from ..._tensor import Tensor
from ..parameter import Parameter, is_lazy


_EXTRA_STATE_KEY_SUFFIX = "_extra_state"


def _overrides(module, name):
    """Whether module's class overrides Module.<name> (get_extra_state / set_extra_state): only then
    does the state_dict hold prefix + '_extra_state', as PyTorch's."""
    from .module import Module

    return getattr(type(module), name, getattr(Module, name)) is not getattr(Module, name)


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"

    __str__ = __repr__


def _save_to_state_dict(self, destination, prefix, keep_vars):
    for name, p in self._parameters.items():
        if p is not None:
            destination[prefix + name] = p if keep_vars else p.detach()
    for name, b in self._buffers.items():
        if b is not None and name not in self._non_persistent_buffers_set:
            destination[prefix + name] = b if keep_vars else b.detach()
    if _overrides(self, "get_extra_state"):
        destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
    if args:  # the deprecated positional form (destination, prefix, keep_vars)
        destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args) :])[:3]
    if destination is None:
        destination = collections.OrderedDict()
        destination._metadata = collections.OrderedDict()
    meta = getattr(destination, "_metadata", None)
    local_metadata = {"version": self._version}  # state_dict hooks may add to it (spectral_norm does)
    if meta is not None:
        meta[prefix[:-1]] = local_metadata
    for hook in self.__dict__.get("_state_dict_pre_hooks", {}).values():
        hook(self, prefix, keep_vars)
    self._save_to_state_dict(destination, prefix, keep_vars)
    for name, m in self._modules.items():
        if m is not None:
            m.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
    for hook in self._state_dict_hooks.values():
        res = hook(self, destination, prefix, local_metadata)
        if not getattr(hook, "_from_public_api", False):
            if res is not None:  # the private _register_state_dict_hook may replace the dict
                destination = res
        elif res is not None:
            raise RuntimeError("state_dict post-hook must return None")
    return destination

def _load_from_state_dict(
    self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs, assign=False
):
    for hook in self.__dict__.get("_load_state_dict_pre_hooks", {}).values():
        hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
    persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
    local = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items()) if v is not None}
    for name, param in local.items():
        key = prefix + name
        if key not in state_dict:
            if strict:
                missing_keys.append(key)
            continue
        value = state_dict[key]
        if not isinstance(value, Tensor):
            error_msgs.append(
                f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like object from '
                f"checkpoint but received {type(value)}"
            )
            continue
        # a placeholder has no shape to compare; a placeholder loaded into an initialized tensor raises its
        # shape's RuntimeError here, as in PyTorch
        lazy = is_lazy(param)
        if not lazy and param.ndim == 0 and len(value.shape) == 1 and value.numel() == 1:
            value = value[0]  # checkpoints from before 0-d tensors stored 1-element vectors
        if not lazy and tuple(value.shape) != tuple(param.shape):
            error_msgs.append(
                f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                f"the shape in current model is {param.shape}."
            )
            continue
        if lazy and is_lazy(value) and not assign:
            continue  # placeholder into placeholder: PyTorch's copy_ of one empty tensor into another
        try:
            with _grad_mode.no_grad():
                if assign:
                    self._assign(name, param, value)
                else:
                    param.copy_(value)
        except Exception as e:  # noqa: BLE001 - reported as PyTorch reports it
            error_msgs.append(
                f'While copying the parameter named "{key}", whose dimensions in the model are {param.shape} and '
                f"whose dimensions in the checkpoint are {value.shape}, an exception occurred : {e.args}."
            )
    extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
    if _overrides(self, "set_extra_state"):
        if extra_key in state_dict:
            self.set_extra_state(state_dict[extra_key])
        elif strict:
            missing_keys.append(extra_key)
    elif strict and extra_key in state_dict:
        unexpected_keys.append(extra_key)
    if strict:
        for key in state_dict.keys():
            if not key.startswith(prefix) or key == extra_key:
                continue
            head = key[len(prefix) :].split(".", 1)
            if (len(head) > 1 and head[0] not in self._modules) or (len(head) == 1 and head[0] not in local):
                unexpected_keys.append(key)

def _assign(self, name, old, value):
    if isinstance(old, Parameter):
        new = value if isinstance(value, Parameter) else Parameter(value, requires_grad=old.requires_grad)
        self._parameters[name] = new
    else:
        self._buffers[name] = value

def load_state_dict(self, state_dict, strict=True, assign=False):
    if not isinstance(state_dict, collections.abc.Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing, unexpected, errors = [], [], []
    metadata = getattr(state_dict, "_metadata", None)

    def load(module, prefix=""):
        meta = metadata.get(prefix[:-1], {}) if metadata is not None else {}
        module._load_from_state_dict(state_dict, prefix, meta, True, missing, unexpected, errors, assign)
        for name, child in module._modules.items():
            if child is not None:
                load(child, prefix + name + ".")
        keys = _IncompatibleKeys(missing, unexpected)
        for hook in module._load_state_dict_post_hooks.values():
            hook(module, keys)

    load(self)
    if strict:
        if unexpected:
            errors.insert(
                0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected))
            )
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError(
            "Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__, "\n\t".join(errors))
        )
    return _IncompatibleKeys(missing, unexpected)
