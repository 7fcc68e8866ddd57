"""conv1d, conv2d, conv_transpose1d/2d."""

__all__ = []
