"""Flatten, Unflatten."""

import math

from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, int):
            if not isinstance(unflattened_size, (list, tuple)):
                raise TypeError(
                    f"unflattened_size must be tuple of ints, but found type {type(unflattened_size).__name__}"
                )
            for s in unflattened_size:
                if not isinstance(s, int):
                    raise TypeError(
                        f"unflattened_size must be tuple of ints, but found element of type {type(s).__name__} "
                        f"at pos {list(unflattened_size).index(s)}"
                    )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        sizes = list(self.unflattened_size)
        if -1 not in sizes and isinstance(self.dim, int):
            # checked here because the core's Tensor.unflatten reports this as a reshape error
            size = input.shape[self.dim]
            if math.prod(sizes) != size:
                raise RuntimeError(
                    f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim "
                    f"{self.dim} ({size}) in the input tensor"
                )
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
