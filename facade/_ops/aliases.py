"""NumPy's keyword names that PyTorch's argument parser accepts for its own: `axis` for `dim` and
`keepdims` for `keepdim` (x.sum(axis=0), torch.cat(ts, axis=1)), on every function and method of
the op table that takes `dim` or `keepdim`."""
import functools
import inspect

__all__ = ["numpy_names"]

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def numpy_names(fn):
    """`fn` also taking `axis=` / `keepdims=` (fn itself where it takes neither dim nor keepdim)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    aliases = tuple((alias, name) for alias, name in _ALIASES if name in params and alias not in params)
    if not aliases:
        return fn

    def call(*args, **kwargs):
        if kwargs:
            for alias, name in aliases:
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got multiple values for argument '{name}'")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return functools.update_wrapper(call, fn)
