"""The `out=` argument of torch functions, for every function of the op table at once.

`torch.add(a, b, out=t)` computes the result as without `out`, then writes it into `t` (or each
result into the matching tensor of a tuple `out`) as PyTorch does: cast to t's dtype where the
result type can be cast to it, resized (with PyTorch's deprecation warning when t had elements)
where the shapes differ, and returns t. Like PyTorch, it refuses to record autograd history.
"""
import functools
import warnings

from .frontend import TO_DTYPE, can_cast, is_tensor, type_name, write_result
from .._dispatch import record_node
from .._grad_mode import STATE as _GRAD
from .._overlap import ANY_OVERLAP, OUT_CHECKED, check_args

__all__ = ["with_out"]

# torch functions that take no out= (creation from data, *_like): their wrapper would only widen them
_NO_OUT = {"tensor", "as_tensor", "asarray", "from_numpy"}


def with_out(name, fn):
    """`fn` taking PyTorch's `out=` keyword too (unchanged where it takes no out)."""
    if name in _NO_OUT or name.endswith("_like"):
        return fn

    def call(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        return _into(name, out, fn, args, kwargs)

    return functools.update_wrapper(call, fn)


def _into(name, out, fn, args, kwargs):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for o in outs:
        if not is_tensor(o):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(o if o is out else out).__name__}")
    if _GRAD[0] and any(_requires_grad(x) for x in (*args, *kwargs.values(), *outs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if name in OUT_CHECKED:  # PyTorch refuses an input that overlaps the output (torch.neg(x[:-1], out=x[1:]))
        for o in outs:
            check_args(o, args, kwargs, name in ANY_OVERLAP)
    result = fn(*args, **kwargs)
    if not isinstance(result, tuple):
        if isinstance(out, (tuple, list)):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        return _write(out, result)
    if len(outs) != len(result) or not isinstance(out, (tuple, list)):
        raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors of length {len(result)}")
    written = [_write(o, r) for o, r in zip(outs, result)]
    return type(result)(*written) if hasattr(result, "_fields") else tuple(written)


def _requires_grad(x):
    if is_tensor(x):
        return x.requires_grad
    return isinstance(x, (tuple, list)) and any(_requires_grad(v) for v in x)


def _write(out, result):
    node = result._node()
    shape = out.shape
    if tuple(shape) == node.shape:
        return write_result(out, node)
    if out._view is not None:
        raise RuntimeError(f"Trying to resize a view of shape {list(shape)} to the output shape {list(node.shape)}: "
                           "resize the tensor it views, or pass a tensor that is not a view")
    if out.numel():
        warnings.warn(
            f"An output with one or more elements was resized since it had shape {list(shape)}, which does not match "
            f"the required output shape {list(node.shape)}. This behavior is deprecated, and in a future PyTorch release "
            "outputs will not be resized unless they have zero elements. You can explicitly reuse an out tensor t by "
            "resizing it, inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=4)
    dt = out.dtype
    if node.dtype is not dt:
        if not can_cast(node.dtype, dt):
            raise RuntimeError(f"result type {type_name(node.dtype)} can't be cast to the desired output type {type_name(dt)}")
        node = record_node(TO_DTYPE, (node,), (dt.np,))
    out._set_node(node)
    return out
