"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode; the anomaly-mode flags.

Each grad mode is a context manager and a decorator, as in PyTorch: a decorated function runs
under a fresh copy of the context on every call, and a decorated generator function has the mode
applied each time its body resumes and the caller's mode restored at each yield. no_grad,
enable_grad and inference_mode also decorate without parentheses. The state is one module-level
flag read on the hot path of every op (`STATE[0]`).
"""
import functools
import inspect
import warnings

from ._tape import Storage

STATE = [True]
INFERENCE = [False]  # is_inference_mode_enabled()


class InferenceStorage(Storage):
    """The storage of a tensor made under inference_mode (PyTorch's inference tensors): its views and
    detach() share it, so `Tensor.is_inference()` is a look at the storage's class. While inference
    mode is on, the tensor factory (`_dispatch.wrap`) makes these instead of plain storages, which
    costs nothing outside inference mode."""

    __slots__ = ()


def _storage_kind(kind):
    """Make new tensors' storages `kind` (Storage or InferenceStorage); returns the previous kind."""
    from . import _dispatch

    prev, _dispatch.Storage = _dispatch.Storage, kind
    return prev
ANOMALY = [False, True]  # [enabled, check_nan]: facade only keeps the flags (errors are raised eagerly)


def is_grad_enabled():
    return STATE[0]


def is_inference_mode_enabled():
    return INFERENCE[0]


def is_anomaly_enabled():
    return ANOMALY[0]


def is_anomaly_check_nan_enabled():
    return ANOMALY[1]


def _type_name(v):
    t = type(v)
    if t.__module__ == "builtins" or t.__flags__ & (1 << 9):  # Py_TPFLAGS_HEAPTYPE: a Python class
        return t.__name__
    return f"{t.__module__}.{t.__name__}"


def _check_bool(fname, argname, pos, v):
    if not isinstance(v, bool):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be bool, not {_type_name(v)}")


def _set_grad(mode):
    _check_bool("set_grad_enabled", "enabled", 1, mode)
    STATE[0] = mode


_MISSING = object()


def set_anomaly_enabled(enabled=_MISSING, check_nan=True):
    if enabled is _MISSING:
        raise TypeError('set_anomaly_enabled() missing 1 required positional arguments: "enabled"')
    _check_bool("set_anomaly_enabled", "enabled", 1, enabled)
    _check_bool("set_anomaly_enabled", "check_nan", 2, check_nan)
    ANOMALY[0], ANOMALY[1] = enabled, check_nan


def _generator_under(make_ctx, gen_fn):
    """Wrap a generator function so that its body runs under a fresh `make_ctx()` on every resume."""

    @functools.wraps(gen_fn)
    def wrapper(*args, **kwargs):
        gen = gen_fn(*args, **kwargs)
        try:
            with make_ctx():
                item = next(gen)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with make_ctx():
                        gen.close()
                    raise
                except BaseException as exc:  # thrown in by the caller: hand it to the generator
                    with make_ctx():
                        item = gen.throw(exc)
                else:
                    with make_ctx():
                        item = gen.send(sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


class _DecoratorContextManager:
    """A context manager that also decorates functions (each call runs under `self.clone()`)."""

    def __call__(self, fn):
        if inspect.isclass(fn):
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. You should only "
                "decorate functions or methods. To preserve the current behavior of class decoration, you can "
                "directly decorate the `__init__` method and nothing else.", FutureWarning, stacklevel=2)
            cls = fn

            def fn(*args, **kwargs):
                return cls(*args, **kwargs)

        make_ctx = self.clone
        if inspect.isgeneratorfunction(fn):
            return _generator_under(make_ctx, fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with make_ctx():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Also usable as a decorator without parentheses: `@no_grad` is `@no_grad()`."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    def __init__(self):
        self.prev = False

    def __enter__(self):
        self.prev = STATE[0]
        STATE[0] = False

    def __exit__(self, *exc):
        STATE[0] = self.prev


class enable_grad(_NoParamDecoratorContextManager):
    def __enter__(self):
        self.prev = STATE[0]
        STATE[0] = True

    def __exit__(self, *exc):
        STATE[0] = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode at construction (so it works as a plain function call) and restores the mode
    found then on context exit. As a decorator it puts the mode back at once: only the decorated
    function runs under `mode`."""

    def __init__(self, mode):
        self.prev = STATE[0]
        self.mode = mode
        _set_grad(mode)

    def __call__(self, fn):
        STATE[0] = self.prev
        return super().__call__(fn)

    def __enter__(self):
        STATE[0] = self.mode

    def __exit__(self, *exc):
        STATE[0] = self.prev

    def __repr__(self):
        return f"torch.autograd.grad_mode.set_grad_enabled(mode={self.mode})"

    __str__ = __repr__

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """inference_mode(True) turns grad mode off and makes the tensors created inside inference tensors
    (`is_inference()`); inference_mode(False) turns grad mode on and makes normal tensors, as PyTorch's.
    Unlike PyTorch, an inference tensor may still be saved for backward outside inference mode."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # @inference_mode without parentheses

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        kind = _storage_kind(InferenceStorage if self.mode else Storage)
        self._prev = (STATE[0], INFERENCE[0], kind)
        STATE[0], INFERENCE[0] = not self.mode, self.mode

    def __exit__(self, *exc):
        STATE[0], INFERENCE[0], kind = self._prev
        _storage_kind(kind)

    def clone(self):
        return self.__class__(self.mode)
