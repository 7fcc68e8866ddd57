"""parameters_to_vector, vector_to_parameters."""

from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _typename(obj):
    return (
        type(obj).__name__ if type(obj).__module__ == "builtins" else f"{type(obj).__module__}.{type(obj).__qualname__}"
    )


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one vector (differentiable)."""
    from ..._ops.frontend import FUNCTIONS

    return FUNCTIONS["cat"]([p.view(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Give the parameters, in order, consecutive slices of vec as their values."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer : pointer + n].view_as(param).data
        pointer += n
