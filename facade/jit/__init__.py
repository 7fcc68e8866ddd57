"""facade.jit: compile a whole stateful training step into one XLA program.

    step = facade.jit(train_step)      # or facade.compile(train_step)
    loss = step(x, y)

See `step.py` for how state is discovered, traced and written back, and `sharding.py` for
running a jitted step data-parallel over several devices.
"""
import sys
import types

from .errors import JitError
from .live_numbers import live
from .sharding import replicate, shard_batch
from .step import Jitted

__all__ = ["jit", "JitError", "Jitted", "live", "shard_batch", "replicate"]


def jit(fn=None, *, max_recompiles=8, donate=True, **_torch_compile_options):
    """Wrap `fn` (a function or nn.Module) so that each call runs as one compiled XLA program.

    Accepts torch.compile's keyword arguments (mode=, fullgraph=, dynamic=, backend=) and
    ignores them. `max_recompiles`: warn once a step has been retraced more often than this.
    `donate`: donate the buffers of the state the step replaces to XLA (default True; False turns it off).
    """
    if fn is None:
        return lambda f: jit(f, max_recompiles=max_recompiles, donate=donate)
    return Jitted(fn, max_recompiles=max_recompiles, donate=donate)


class _CallableModule(types.ModuleType):
    """`facade.jit` is this package *and* the function: facade.jit(step) == facade.jit.jit(step)."""

    def __call__(self, fn=None, **kwargs):
        return jit(fn, **kwargs)


sys.modules[__name__].__class__ = _CallableModule


# TorchScript's API (torch.jit.script / trace / save / load and its decorators), from facade/_torchscript.py:
# the user's code runs as Python with the same numbers; save/load raise NotImplementedError. Looked up on
# first use: _torchscript imports facade.nn, which imports this package.
_TORCHSCRIPT = frozenset((
    "Error", "Final", "Future", "RecursiveScriptModule", "ScriptFunction", "ScriptModule", "ScriptWarning",
    "TopLevelTracedModule", "TracedModule", "TracerWarning", "annotate", "export", "fork", "freeze", "fuser",
    "ignore", "interface", "is_scripting", "is_tracing", "load", "optimize_for_inference", "optimized_execution",
    "save", "script", "script_if_tracing", "trace", "trace_module", "unused", "wait",
))


def __getattr__(name):
    if name in _TORCHSCRIPT:
        from .. import _torchscript

        return getattr(_torchscript, name)
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
