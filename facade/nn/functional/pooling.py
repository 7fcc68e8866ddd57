"""max_pool, avg_pool, adaptive pooling."""

__all__ = []
