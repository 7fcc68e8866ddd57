"""torch.autograd.Function: the user's API (Function, FunctionCtx, once_differentiable).

`MyFn.apply(*args)` binds its arguments by forward's signature and takes one of two paths:

* eager (`_function_eager.py`): the user's `forward` runs once, on the very tensors it was given,
  and the call becomes one tape node whose backward runs the user's `backward`
  (`_function_backward.py`);
* inside a facade.jit trace, or when an input is a traced value (facade.func, a Function applied
  inside a traced backward), the user's forward and backward are traced by JAX instead
  (`_function_traced.py`): there `.item()` and friends raise facade.jit's error.

What the user's backward is given and what it returns are checked as PyTorch does in
`_function_grads.py`.

This is the one place where a derivative is written by hand — by the user.
"""
import functools
import inspect

import jax

from .. import _engine
from .._grad_mode import no_grad

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What forward and backward share (PyTorch's attribute names)."""

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    @property
    def saved_tensors(self):
        now = self.__dict__.get("_saved_now")
        if now is not None:
            return now
        return tuple(getattr(self, "to_save", ()))

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors):
        self.dirty_tensors = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors


# ---------------------------------------------------------------------------------------------
# the user's API

def _flatten_kwargs(forward, args, kwargs, skip_ctx):
    """Keyword arguments of apply as positional ones, by forward's signature (as PyTorch's apply does)."""
    params = list(inspect.signature(forward).parameters.values())
    if skip_ctx:
        params = params[1:]
    names = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        names.append(p.name)
    placed = {}
    for key, v in kwargs.items():
        if key not in names:
            raise TypeError(f"forward() got an unexpected keyword argument '{key}'")
        i = names.index(key)
        if i < len(args):
            raise TypeError(f"forward() got multiple values for argument '{key}'")
        placed[i] = v
    out = list(args)
    for i in range(len(args), max(placed) + 1):
        if i not in placed:
            raise TypeError(f"forward() missing required argument: '{names[i]}' (position {i})")
        out.append(placed[i])
    return tuple(out)


class _FunctionMeta(type):
    pass


class Function(metaclass=_FunctionMeta):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grads) — or forward(*args) and
    setup_context(ctx, inputs, output) — and call with .apply."""

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor

        setup = cls.setup_context is not Function.setup_context
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        if kwargs:
            args = _flatten_kwargs(cls.forward, args, kwargs, not setup)
        if _engine.IN_TRACE[0]:
            return _apply_traced(cls, args, setup)
        tensors = [a for a in args if isinstance(a, Tensor)]
        if any(_traced_value(t) for t in tensors):
            return _apply_traced(cls, args, setup)
        return _apply_eager(cls, args, setup, tensors)


def _traced_value(t):
    """Whether t's value is (or would be computed from) a traced value, without computing it (an op-by-op run of a
    backward tells whether it reads a value by whether its inputs got computed)."""
    stack, seen = [t._node()], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.value is not None:
            if isinstance(n.value, jax.core.Tracer):
                return True
            continue
        stack.extend(n.args)
    return False


def once_differentiable(fn):
    """A backward that is not differentiable again: it runs under no_grad, and its gradients have no derivative."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    wrapper._once_differentiable = True
    return wrapper


# the two paths of apply (imported last: they build on FunctionCtx and Function above)
from ._function_eager import _apply_eager  # noqa: E402
from ._function_traced import _apply_traced  # noqa: E402
