"""torch.utils.hooks: the handle returned by every register_*_hook."""
from ..autograd.hooks import RemovableHandle

__all__ = ["RemovableHandle"]
