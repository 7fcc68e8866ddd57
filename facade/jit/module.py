"""torch.compile(model): the model wrapped in an nn.Module, as PyTorch's OptimizedModule.

The wrapper holds the model as its one submodule `_orig_mod`, so parameters(), state_dict()
(keys under `_orig_mod.`), train()/eval() and its repr are the ones PyTorch gives; calling it
runs the model through facade.jit. Attributes it does not have are the model's (PyTorch's
OptimizedModule does the same), and facade.jit's diagnostics are the compiled step's.
"""
from ..nn.modules.module import Module

__all__ = ["OptimizedModule"]

_DIAGNOSTICS = frozenset(("recompiles", "recompile_reasons", "calls", "reset", "max_recompiles", "donate"))


class OptimizedModule(Module):
    def __init__(self, mod, compiled):
        super().__init__()
        self._orig_mod = mod
        self.__dict__["_compiled"] = compiled

    def forward(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name in _DIAGNOSTICS:
                return getattr(self.__dict__["_compiled"], name)
            if name == "_orig_mod" or "_modules" not in self.__dict__:
                raise
            return getattr(self._orig_mod, name)
