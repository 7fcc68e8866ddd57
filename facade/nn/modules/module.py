"""nn.Module: the container of parameters, buffers and submodules.

Attribute assignment registers Parameters, buffers and Modules in definition order (in
`_parameters`, `_buffers`, `_modules`); everything else (traversal, state_dict, device and
dtype conversion, hooks, repr) is built on those three ordered dicts.
"""

import collections
import itertools
import warnings

from ... import _grad_mode
from ..._tensor import Tensor
from ..._tape import STATIC_READS as _STATIC_READS
from ..parameter import Parameter
from . import _backward_hooks, _compile, _hook_registration, _state_dict
from ._backward_hooks import (  # noqa: F401 - torch.nn.modules.module's names
    register_module_backward_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)

__all__ = ["Module", "RemovableHandle"]

_EMPTY = {}
_GLOBAL_BACKWARD = _backward_hooks._global_backward_hooks
_GLOBAL_BACKWARD_PRE = _backward_hooks._global_backward_pre_hooks


class RemovableHandle:
    """Returned by the register_*_hook methods; remove() takes the hook out again."""

    _ids = itertools.count()

    def __init__(self, *dicts):
        self.id = next(RemovableHandle._ids)
        self._dicts = dicts  # the hook table first, then per-hook flag tables

    def remove(self):
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _addindent(text, n):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


def _legacy_type(t):
    from ..._device import legacy_type_name

    return legacy_type_name(t) if isinstance(t, Tensor) else type(t).__name__


def _check_name(name, kind):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module" else ""))


class Module:
    """Base class of every layer and model."""

    _version = 1

    @property
    def training(self):
        """Train (True) or eval mode. facade.jit guards on it: a compiled step retraces when it changes."""
        value = self.__dict__["training"]
        if _STATIC_READS[0] is not None:
            _STATIC_READS[0](self.__dict__, "training")
        return value

    @training.setter
    def training(self, value):
        self.__dict__["training"] = value

    call_super_init = False
    dump_patches = False

    def __init__(self, *args, **kwargs):
        name = type(self).__name__
        if kwargs:
            raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if args:
            raise TypeError(f"{name}.__init__() takes 1 positional argument but {len(args) + 1} were given")
        setter = object.__setattr__
        setter(self, "training", True)
        setter(self, "_parameters", {})
        setter(self, "_buffers", {})
        setter(self, "_non_persistent_buffers_set", set())
        setter(self, "_modules", {})
        setter(self, "_forward_pre_hooks", collections.OrderedDict())
        setter(self, "_forward_hooks", collections.OrderedDict())
        setter(self, "_forward_pre_hooks_with_kwargs", {})
        setter(self, "_forward_hooks_with_kwargs", {})
        setter(self, "_forward_hooks_always_called", {})
        setter(self, "_backward_pre_hooks", collections.OrderedDict())
        setter(self, "_backward_hooks", collections.OrderedDict())
        setter(self, "_is_full_backward_hook", None)
        setter(self, "_state_dict_hooks", collections.OrderedDict())
        setter(self, "_state_dict_pre_hooks", collections.OrderedDict())
        setter(self, "_load_state_dict_post_hooks", collections.OrderedDict())
        setter(self, "_load_state_dict_pre_hooks", collections.OrderedDict())

    def forward(self, *input):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---- calling -----------------------------------------------------------------------
    _compiled_call_impl = None  # set by compile(): the call then runs through facade.jit

    def __call__(self, *args, **kwargs):
        compiled = self._compiled_call_impl
        if compiled is not None:
            return compiled(*args, **kwargs)
        return self._call_impl(*args, **kwargs)

    def _call_impl(self, *args, **kwargs):
        """The eager call: forward with the forward / backward hooks around it."""
        if not (
            self._forward_pre_hooks
            or self._forward_hooks
            or self._backward_hooks
            or self._backward_pre_hooks
            or _GLOBAL_BACKWARD
            or _GLOBAL_BACKWARD_PRE
        ):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        bw_hooks, bw_pre_hooks = [], []
        if self._backward_hooks or self._backward_pre_hooks or _GLOBAL_BACKWARD or _GLOBAL_BACKWARD_PRE:
            bw_hooks, bw_pre_hooks = _backward_hooks.module_hooks(self)
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got {res}."
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw_hook = None
        if bw_hooks or bw_pre_hooks:
            bw_hook = _backward_hooks.BackwardHook(self, bw_hooks, bw_pre_hooks)
            args = bw_hook.setup_input_hook(args)
        try:
            result = self.forward(*args, **kwargs)
        except Exception:
            for hid, hook in list(self._forward_hooks.items()):
                if hid in self._forward_hooks_always_called:
                    try:
                        self._run_forward_hook(hid, hook, args, kwargs, None)
                    except Exception:  # noqa: BLE001 - the forward's own error is the one to raise
                        pass
            raise
        for hid, hook in list(self._forward_hooks.items()):
            res = self._run_forward_hook(hid, hook, args, kwargs, result)
            if res is not None:
                result = res
        if bw_hook is not None:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn(
                    "For backward hooks to be called, module output should be a Tensor or a tuple of Tensors "
                    f"but received {type(result)}",
                    stacklevel=3,
                )
            result = bw_hook.setup_output_hook(result)
        return result

    def _run_forward_hook(self, hid, hook, args, kwargs, result):
        if hid in self._forward_hooks_with_kwargs:
            return hook(self, args, kwargs, result)
        return hook(self, args, result)

    def _add_hook(self, table, hook, prepend, flags):
        """Put hook in table (first if prepend) and mark it in each flag table whose flag is set."""
        handle = RemovableHandle(table, *[t for t, _ in flags])
        table[handle.id] = hook
        for flag_table, on in flags:
            if on:
                flag_table[handle.id] = True
        if prepend:
            table.move_to_end(handle.id, last=False)
        return handle

    # ---- hook registration (written in _hook_registration.py) ----------------------------
    register_forward_pre_hook = _hook_registration.register_forward_pre_hook
    register_forward_hook = _hook_registration.register_forward_hook
    register_full_backward_pre_hook = _hook_registration.register_full_backward_pre_hook
    register_backward_hook = _hook_registration.register_backward_hook
    register_full_backward_hook = _hook_registration.register_full_backward_hook
    _register_state_dict_hook = _hook_registration._register_state_dict_hook
    register_state_dict_post_hook = _hook_registration.register_state_dict_post_hook
    register_state_dict_pre_hook = _hook_registration.register_state_dict_pre_hook
    register_load_state_dict_post_hook = _hook_registration.register_load_state_dict_post_hook
    _register_load_state_dict_pre_hook = _hook_registration._register_load_state_dict_pre_hook
    register_load_state_dict_pre_hook = _hook_registration.register_load_state_dict_pre_hook

    # ---- registration ------------------------------------------------------------------
    def register_buffer(self, name, tensor, persistent=True):
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name(name, "buffer")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_legacy_type(tensor)}' object to buffer '{name}' (torch Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name(name, "parameter")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_legacy_type(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created explicitly. "
                f"To express '{name}' as a function of another Tensor, compute the value in the forward() method."
            )
        self._parameters[name] = param

    def add_module(self, name, module):
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        _check_name(name, "module")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_legacy_type(value)}' as parameter '{name}' (torch.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_legacy_type(value)}' as child module '{name}' (torch.nn.Module or None expected)"
                )
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if isinstance(value, Tensor) and value.__dict__.get("_is_buffer"):
            if buffers is None:
                raise AttributeError("cannot assign buffer before Module.__init__() call")
            self._forget(name, keep="_buffers")
            self.register_buffer(name, value, persistent=value.__dict__.get("_persistent", True))
            return
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_legacy_type(value)}' as buffer '{name}' "
                    "(torch.nn.Buffer, torch.Tensor or None expected)"
                )
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Remove name from every registry except `keep` (an attribute changing kind)."""
        d = self.__dict__
        d.pop(name, None)
        for reg in ("_parameters", "_buffers", "_modules"):
            if reg != keep:
                d[reg].pop(name, None)
        if keep != "_buffers":
            d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            r = d.get(reg)
            if r is not None and name in r:
                return r[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for reg in ("_parameters", "_buffers", "_modules"):
            r = self.__dict__.get(reg)
            if r is not None and name in r:
                del r[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    compile = _compile.compile
    __getstate__ = _compile.getstate

    def __setstate__(self, state):
        self.__dict__.update(state)
        # modules pickled before these tables existed
        for name in ("_backward_pre_hooks", "_backward_hooks", "_state_dict_pre_hooks"):
            self.__dict__.setdefault(name, collections.OrderedDict())
        self.__dict__.setdefault("_is_full_backward_hook", None)

    def __dir__(self):
        keys = (
            list(dir(type(self)))
            + list(self.__dict__)
            + list(self._parameters)
            + list(self._modules)
            + list(self._buffers)
        )
        return sorted({k for k in keys if not k[0].isdigit()})

    # ---- traversal ---------------------------------------------------------------------
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for k, v in get_members(mod):
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield (mod_prefix + "." + k if mod_prefix else k), v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target):
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def _owner_and_name(self, target):
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        return mod, name

    def get_parameter(self, target):
        mod, name = self._owner_and_name(target)
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target):
        mod, name = self._owner_and_name(target)
        if name not in mod._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return getattr(mod, name)

    # ---- modes and gradients -----------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            g = p.grad
            if g is None:
                continue
            if set_to_none:
                p.grad = None
                continue
            if g.grad_fn is not None:
                g.detach_()
            else:
                g.requires_grad_(False)
            g.zero_()

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- conversions -------------------------------------------------------------------
    def _apply(self, fn, recurse=True):
        """Convert every parameter (in place: the same Parameter objects), gradient and buffer."""
        if recurse:
            for m in self.children():
                m._apply(fn)
        with _grad_mode.no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                new = fn(p)
                if new is not p:
                    p.data = new
                g = p._grad
                if g is not None:
                    new_g = fn(g)
                    if new_g is not g:
                        p._grad = new_g.detach().requires_grad_(g.requires_grad)
            for name, b in self._buffers.items():
                if b is not None:
                    self._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs):
        from ..._ops.convert import _parse_to

        device, dtype = _parse_to([a for a in args if not isinstance(a, bool)], kwargs)
        if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError(
                f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={dtype}"
            )

        def convert(t):
            d = dtype if dtype is not None and (t.is_floating_point() or t.is_complex()) else None
            return t.to(device=device, dtype=d) if (d is not None or device is not None) else t

        return self._apply(convert)

    def cpu(self):
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None):
        return self._apply(lambda t: t.cuda(device))

    def type(self, dst_type):
        return self._apply(lambda t: t.type(dst_type))

    def _float_cast(self, method):
        return self._apply(lambda t: getattr(t, method)() if t.is_floating_point() else t)

    def float(self):
        return self._float_cast("float")

    def double(self):
        return self._float_cast("double")

    def half(self):
        return self._float_cast("half")

    def bfloat16(self):
        return self._float_cast("bfloat16")

    def share_memory(self):
        return self

    # ---- state_dict (written in _state_dict.py) ------------------------------------------
    def get_extra_state(self):
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called. "
            "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml "
            "to report this bug."
        )

    def set_extra_state(self, state):
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called. "
            "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml "
            "to report this bug."
        )

    _save_to_state_dict = _state_dict._save_to_state_dict
    state_dict = _state_dict.state_dict
    _load_from_state_dict = _state_dict._load_from_state_dict
    _assign = _state_dict._assign
    load_state_dict = _state_dict.load_state_dict

    # ---- printing ----------------------------------------------------------------------
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(m), 2) for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return self._get_name() + "(" + body + ")"


def _typename(obj):
    if isinstance(obj, Tensor):
        return "torch." + _legacy_type(obj).split(".")[-1]
    t = type(obj)
    mod = t.__module__
    return t.__qualname__ if mod in ("builtins", None) else f"{mod}.{t.__qualname__}"
