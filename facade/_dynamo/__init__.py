"""torch._dynamo: the few names training scripts touch (reset, config flags, disable, mark_dynamic).

facade has no TorchDynamo; facade.jit compiles instead. These keep such scripts running: the config
flags are stored and read back (unknown names raise AttributeError as PyTorch's config does), and
the decorators return the function unchanged.
"""
from ..compiler import allow_in_graph, assume_constant_result, disable, is_compiling, reset  # noqa: F401

__all__ = ["reset", "config", "disable", "is_compiling", "mark_dynamic", "mark_static", "maybe_mark_dynamic",
           "allow_in_graph", "assume_constant_result", "optimize"]


class _Config:
    """torch._dynamo.config: known flags with PyTorch's defaults."""

    _DEFAULTS = {"suppress_errors": False, "cache_size_limit": 8, "recompile_limit": 8,
                 "accumulated_cache_size_limit": 256, "accumulated_recompile_limit": 256, "verbose": False,
                 "capture_scalar_outputs": False, "capture_dynamic_output_shape_ops": False, "optimize_ddp": True,
                 "automatic_dynamic_shapes": True, "assume_static_by_default": True,
                 "specialize_int": False, "inline_inbuilt_nn_modules": True, "guard_nn_modules": False,
                 "error_on_recompile": False, "force_parameter_static_shapes": True}

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._DEFAULTS))

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"torch._dynamo.config.{name} does not exist") from None

    def __setattr__(self, name, value):
        if name not in self._values:
            raise AttributeError(f"torch._dynamo.config.{name} does not exist")
        self._values[name] = value


config = _Config()


def mark_dynamic(t, index, *, hint_override=None, min=None, max=None, specialize_on=None):  # noqa: A002
    pass


def maybe_mark_dynamic(t, index):
    pass


def mark_static(t, index=None):
    pass


def optimize(*args, **kwargs):
    """torch._dynamo.optimize(backend): a decorator compiling with facade.jit."""
    from .. import compile as _compile

    return lambda fn: _compile(fn)
