"""Errors raised inside a jitted step, written for the user: which line, and what to do."""
import os
import traceback

import jax

_FACADE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_JAX_DIR = os.path.dirname(os.path.abspath(jax.__file__))


class JitError(RuntimeError):
    """A jitted function did something that needs a concrete value while it is being compiled."""


def user_frame():
    """The innermost stack frame that belongs to the user's code (not facade, JAX or Python internals)."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        f = os.path.abspath(frame.filename)
        if not f.startswith(_FACADE_DIR) and not f.startswith(_JAX_DIR) and "/importlib/" not in f:
            return frame
    return None


def concrete_value_error(what="reading a tensor's value"):
    frame = user_frame()
    where = f" at {frame.filename}:{frame.lineno} (`{frame.line}`)" if frame else ""
    return JitError(
        f"facade.jit: {what}{where} needs a value that only exists when the compiled step runs. Inside a jitted "
        "function, `.item()`, `.tolist()`, `.numpy()`, `bool(tensor)` (an `if` or `while` on a tensor), and printing "
        "a tensor cannot work. Return the tensor from the function and read it outside, or replace a data-dependent "
        "branch with `torch.where`."
    )


def is_tracer(value):
    return isinstance(value, jax.core.Tracer)
