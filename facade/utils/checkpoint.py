"""torch.utils.checkpoint: `checkpoint` and `checkpoint_sequential`.

Outputs, gradients, warnings and argument errors follow PyTorch, for both the reentrant
(`use_reentrant=True`, still the default in PyTorch 2.13, with a warning when it is not passed)
and the non-reentrant variant.

Memory: facade does NOT yet save memory here. The function is run once and its intermediate
values are kept for the backward pass as in a plain call; nothing is recomputed. Because nothing
is recomputed, random ops inside (dropout) trivially see the same draws in forward and backward,
whatever `preserve_rng_state` says.
"""
import warnings

from .._grad_mode import no_grad

__all__ = ["checkpoint", "checkpoint_sequential"]


def _is_tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """Run ``function(*args, **kwargs)`` as PyTorch's activation checkpointing would, giving the
    same outputs and gradients (see the module docstring: no memory is saved yet).

    With use_reentrant=True, keyword arguments for `function` are refused, and when no tensor in
    `args` requires grad the outputs carry no graph (so parameters used inside get no gradient),
    as in PyTorch.
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch"
            " 2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is"
            " recommended, but if you need to preserve the current default behavior, you can pass"
            " use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            stacklevel=2)
        use_reentrant = True
    if not use_reentrant:
        return function(*args, **kwargs)
    if context_fn is not None or debug:
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if not any(_is_tensor(a) and a.requires_grad for a in args):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        with no_grad():
            return function(*args)
    return function(*args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run `functions` (a Sequential or a list of callables) in order, checkpointing each of the
    first ``segments - 1`` equal chunks and running the remainder directly, as PyTorch does."""
    from ..nn import Sequential

    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed explicitly."
            " In version 2.9 we will raise an exception if use_reentrant is not passed. use_reentrant=False is"
            " recommended, but if you need to preserve the current default behavior, you can pass"
            " use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    functions = list(functions)

    def chain(lo, hi):
        def run(x):
            for f in functions[lo:hi]:
                x = f(x)
            return x
        return run

    size = len(functions) // segments
    start = 0
    for _ in range(segments - 1) if size else ():
        input = checkpoint(chain(start, start + size), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
        start += size
    return chain(start, len(functions))(input)
