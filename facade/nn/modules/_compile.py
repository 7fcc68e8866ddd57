"""Module.compile: compile the module's call in place, as PyTorch's.

PyTorch sets `self._compiled_call_impl = torch.compile(self._call_impl, ...)`; Module.__call__
then runs that instead of the eager `_call_impl`. Here the compiled callable is facade.jit's
(`facade.compile` of the bound `_call_impl`), so `model(x)` runs as one XLA program while
type(model), its parameters, state_dict keys and repr stay those of the eager module, and
train()/eval() retrace as facade.jit's guards decide. Forward hooks run inside the compiled
call (they are part of `_call_impl`), as in PyTorch. The compiled call is not pickled or
deep-copied (`getstate`): a copy runs eagerly until it is compiled itself.
"""

__all__ = ["compile", "getstate"]


def compile(self, *args, **kwargs):  # noqa: A001 - nn.Module.compile's name
    """Compile this Module's forward with torch.compile (facade.jit); arguments go to it as they are."""
    from ... import compile as _torch_compile

    self._compiled_call_impl = _torch_compile(self._call_impl, *args, **kwargs)


def getstate(self):
    """Module.__getstate__: the module's attributes, less the compiled call."""
    state = self.__dict__.copy()
    state.pop("_compiled_call_impl", None)
    return state
