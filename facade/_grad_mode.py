"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode.

Each is a context manager and a decorator, as in PyTorch. The state is one module-level
flag read on the hot path of every op (`STATE[0]`).
"""
import functools

STATE = [True]


def is_grad_enabled():
    return STATE[0]


class _GradModeContext:
    _value = None  # subclasses set the mode they enter

    def __enter__(self):
        self._prev = STATE[0]
        STATE[0] = self._value
        return self

    def __exit__(self, *exc):
        STATE[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)

        return wrapper

    def _args(self):
        return ()

    def clone(self):
        return self.__class__(*self._args())


class no_grad(_GradModeContext):
    _value = False


class enable_grad(_GradModeContext):
    _value = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode at construction (as a function call) and restores it on context exit."""

    def __init__(self, mode):
        self._value = bool(mode)
        self._prev = STATE[0]
        STATE[0] = self._value

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        STATE[0] = self._prev
        return False

    def _args(self):
        return (self._value,)


class inference_mode(_GradModeContext):
    """Like no_grad (facade has no separate inference tensors); inference_mode(False) is a no-op."""

    def __init__(self, mode=True):
        self._mode = bool(mode)
        self._value = not mode if mode else None

    def __enter__(self):
        self._prev = STATE[0]
        if self._mode:
            STATE[0] = False
        return self

    def _args(self):
        return (self._mode,)
