"""Conv1d, Conv2d, ConvTranspose1d/2d."""

__all__ = []
