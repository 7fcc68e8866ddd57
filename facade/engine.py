"""Public view of facade's replay engine: counters and cache controls.

    facade.engine.stats()   # {'compiles': ..., 'cache_hits': ..., 'eager_runs': ..., ...}
"""
from ._engine import clear_cache, reset_stats, set_cache_limit, stats

__all__ = ["stats", "reset_stats", "clear_cache", "set_cache_limit"]
