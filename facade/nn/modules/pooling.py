"""Max, average and adaptive pooling layers."""

__all__ = []
