"""torch.jit's TorchScript API (script, trace, save, load and the decorators), for facade.jit to expose.

TorchScript compiles Python into its own IR; facade cannot reproduce that, and does not pretend to:
script() and trace() return objects that run the user's Python as it is, giving the same numbers.

* script(module) / trace(module, example_inputs) return a ScriptModule that *is* the module under
  another class: the two share one attribute dict, so parameters, buffers, submodules, state_dict
  and training mode are the same objects, and calls run the module's forward.
* script(fn) / trace(fn, example_inputs) return a ScriptFunction calling fn.
* trace runs the function once on the example inputs, as PyTorch does (so bad inputs fail here),
  but records nothing: unlike a real trace, later calls still follow Python control flow.
* torch.jit.save / .save() / torch.jit.load raise NotImplementedError: there is no TorchScript
  archive to write or read; save a state_dict instead.
* ignore / unused / export / interface / script_if_tracing return what they decorate.

For speed, compile with torch.compile (facade.jit) instead.
"""
import contextlib
import typing
import warnings

from .nn.modules.module import Module

__all__ = ["script", "trace", "save", "load", "ignore", "unused", "export", "interface", "script_if_tracing",
           "is_scripting", "is_tracing", "annotate", "fork", "wait", "freeze", "optimize_for_inference",
           "ScriptModule", "RecursiveScriptModule", "TracedModule", "TopLevelTracedModule", "ScriptFunction",
           "TracerWarning", "ScriptWarning", "Error", "Final", "optimized_execution", "fuser"]

Final = typing.Final

_NO_SAVE = ("facade has no TorchScript serialization: a scripted or traced model runs as ordinary Python, so "
            "there is no compiled program to save. Save the weights instead - torch.save(model.state_dict(), "
            "path) - and rebuild the model from its code before model.load_state_dict(torch.load(path)).")
_NO_LOAD = ("facade cannot load TorchScript archives (torch.jit.save output): they hold a compiled TorchScript "
            "program, which facade cannot run. Rebuild the model from its code and load a state_dict saved with "
            "torch.save(model.state_dict(), path).")


class TracerWarning(Warning):
    pass


class ScriptWarning(Warning):
    pass


class Error(Exception):
    """torch.jit.Error."""


def _deprecated(name):
    warnings.warn(f"`torch.jit.{name}` is deprecated. Please switch to `torch.compile` or `torch.export`.",
                  DeprecationWarning, stacklevel=1)


class ScriptModule(Module):
    """Base of what script() and trace() return for a module (see the module docstring)."""

    def save(self, f, _extra_files=None):
        raise NotImplementedError(_NO_SAVE)

    def save_to_buffer(self, _extra_files=None):
        raise NotImplementedError(_NO_SAVE)

    def __getattr__(self, name):  # after the module's own parameters, buffers and submodules
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name in ("code", "graph", "inlined_graph"):
                raise NotImplementedError("facade has no TorchScript code to show: the module runs as Python "
                                          f"({type(self)._original_class.__qualname__}.forward)") from None
            raise

    @property
    def original_name(self):
        return type(self)._original_class.__name__

    def extra_repr(self):
        return f"original_name={self.original_name}"


class RecursiveScriptModule(ScriptModule):
    pass


class TracedModule(ScriptModule):
    def _get_name(self):
        return self.original_name


class TopLevelTracedModule(TracedModule):
    pass


_CLASSES = {}


def _as(base, module):
    """`module` seen as a `base` (a ScriptModule class): a new object sharing module's attribute dict."""
    cls = type(module)
    if isinstance(module, ScriptModule):
        return module
    key = (base, cls)
    if key not in _CLASSES:
        _CLASSES[key] = type(base.__name__, (base, cls), {"__module__": base.__module__,
                                                         "__qualname__": base.__qualname__, "_original_class": cls})
    view = object.__new__(_CLASSES[key])
    object.__setattr__(view, "__dict__", module.__dict__)
    return view


class ScriptFunction:
    """What script() and trace() return for a function: calling it calls the function."""

    def __init__(self, fn):
        self._fn = fn
        self.name = getattr(fn, "__name__", type(fn).__name__)
        self.qualified_name = f"{getattr(fn, '__module__', '__main__')}.{self.name}"
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def save(self, f, _extra_files=None):
        raise NotImplementedError(_NO_SAVE)

    @property
    def code(self):
        raise NotImplementedError(f"facade has no TorchScript code to show: {self.name} runs as Python")

    graph = inlined_graph = code

    def __repr__(self):
        return f"<torch.jit.ScriptFunction object at {hex(id(self))}>"


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    _deprecated("script")
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        return _as(RecursiveScriptModule, obj)
    if isinstance(obj, type):  # a TorchScript class: used as the Python class
        return obj
    if callable(obj):
        return ScriptFunction(obj)
    raise RuntimeError(f"torch.jit.script cannot compile an object of type {type(obj).__name__}")


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    _deprecated("trace")
    is_module = isinstance(func, Module)
    if example_inputs is None and example_kwarg_inputs is None:
        if is_module:
            raise RuntimeError("example_kwarg_inputs should be a dict")
        raise TypeError("'NoneType' object is not iterable")
    from ._tensor import Tensor

    args = (example_inputs,) if isinstance(example_inputs, Tensor) else tuple(example_inputs or ())
    func(*args, **(example_kwarg_inputs or {}))  # PyTorch runs it to trace; errors surface here
    if isinstance(func, ScriptFunction) or isinstance(func, ScriptModule):
        return func
    return _as(TopLevelTracedModule, func) if is_module else ScriptFunction(func)


def trace_module(mod, inputs, *args, **kwargs):
    """trace_module(mod, {"forward": example_inputs}): the module as a traced module."""
    for name, example in inputs.items():
        getattr(mod, name)(*((example,) if not isinstance(example, (tuple, list)) else example))
    return _as(TopLevelTracedModule, mod)


def save(m, f, _extra_files=None):
    raise NotImplementedError(_NO_SAVE)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise NotImplementedError(_NO_LOAD)


def ignore(drop=False, **kwargs):
    """@ignore, @ignore(drop=...): the function unchanged."""
    if callable(drop):
        return drop
    if drop:
        warnings.warn("ignore(True) has been deprecated. TorchScript will now drop the function call on "
                      "compilation. Use torch.jit.unused now. {}", category=FutureWarning, stacklevel=2)
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def interface(obj):
    return obj


def script_if_tracing(fn):
    return fn


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


class Future:
    """torch.jit.fork's result: the value, computed at fork time."""

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def done(self):
        return True


def fork(func, *args, **kwargs):
    warnings.warn("`torch.jit.fork` is deprecated. Please use `torch.compile` instead.", DeprecationWarning,
                  stacklevel=1)
    return Future(func(*args, **kwargs))


def wait(future):
    warnings.warn("`torch.jit.wait` is deprecated. Please use `torch.compile` instead.", DeprecationWarning,
                  stacklevel=1)
    return future.wait()


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use torch.jit.script or "
                           "torch.jit.trace to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call .eval() "
                           "on your module before freezing.")
    return mod


def optimize_for_inference(mod, other_methods=None):
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("optimize_for_inference expects a ScriptModule as input. Please use torch.jit.script "
                           "or torch.jit.trace to script your 'nn.Module'.")
    return freeze(mod.eval())


@contextlib.contextmanager
def optimized_execution(should_optimize):
    yield


@contextlib.contextmanager
def fuser(name):
    yield
