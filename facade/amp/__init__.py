"""torch.amp: automatic mixed precision (autocast regions and GradScaler).

Loaded lazily: facade's op modules import `facade.amp._state` (the flag their frontends
check) while facade itself is importing, so the rest is resolved on first use.
"""
import importlib

_NAMES = {
    "autocast": "autocast_mode", "is_autocast_available": "autocast_mode", "is_autocast_enabled": "autocast_mode",
    "set_autocast_enabled": "autocast_mode", "get_autocast_dtype": "autocast_mode",
    "set_autocast_dtype": "autocast_mode", "is_autocast_cache_enabled": "autocast_mode",
    "set_autocast_cache_enabled": "autocast_mode", "clear_autocast_cache": "autocast_mode",
    "get_autocast_cpu_dtype": "autocast_mode", "get_autocast_gpu_dtype": "autocast_mode",
    "is_autocast_cpu_enabled": "autocast_mode", "GradScaler": "grad_scaler",
}
_SUBMODULES = ("autocast_mode", "grad_scaler")

__all__ = ["autocast", "GradScaler", "is_autocast_available"]


def __getattr__(name):
    if name in _NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'facade.amp' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_NAMES) | set(_SUBMODULES))
