"""torch.compiler: facade's compiler is facade.jit (torch.compile is facade.jit with torch.compile's call
shape). It cannot fall back to Python for parts of a function, so disable() and the graph-control
decorators return the function unchanged, and is_compiling() is False (facade.jit traces plain Python)."""

__all__ = ["compile", "disable", "reset", "is_compiling", "is_dynamo_compiling", "is_exporting", "allow_in_graph",
           "assume_constant_result", "cudagraph_mark_step_begin", "set_stance", "list_backends"]


def compile(*args, **kwargs):  # noqa: A001 - torch's name
    from .. import compile as _compile

    return _compile(*args, **kwargs)


def disable(fn=None, recursive=True, *, reason=None):
    """Returns fn unchanged (as a decorator factory when fn is None)."""
    if fn is None:
        return lambda f: f
    return fn


def reset():
    """Nothing to reset: each facade.jit-compiled function keeps its own compiled programs."""


def is_compiling():
    return False


def is_dynamo_compiling():
    return False


def is_exporting():
    return False


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn


def cudagraph_mark_step_begin():
    pass


def list_backends(exclude_tags=("debug", "experimental")):
    return []


class set_stance:
    """A no-op context manager / decorator (facade.jit has no stances)."""

    def __init__(self, stance="default", *, skip_guard_eval_unsafe=False, force_backend=None):
        self.stance = stance

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        return fn
