"""torch.accelerator: the device-agnostic view of the current accelerator.

facade's only accelerator is CUDA, answered from JAX's GPU devices (facade/_device.py). Without a GPU
every function behaves as PyTorch 2.13's CPU-only build: is_available() False, current_accelerator()
None, device_count() 0, and the functions that need a device raise
"RuntimeError: Cannot access accelerator device when none is available.".
"""
from collections import OrderedDict

from ._device import _gpus, device as _device_cls

__all__ = ["current_accelerator", "current_device_idx", "current_device_index", "current_stream", "device_count",
           "device_index", "empty_cache", "get_device_capability", "get_memory_info", "is_available",
           "max_memory_allocated", "max_memory_reserved", "memory_allocated", "memory_reserved", "memory_stats",
           "reset_accumulated_memory_stats", "reset_peak_memory_stats", "set_device_idx", "set_device_index",
           "set_stream", "synchronize"]

_NONE = "Cannot access accelerator device when none is available."


def _cuda():
    if not _gpus():
        raise RuntimeError(_NONE)
    from ._device import cuda

    return cuda


def current_accelerator(check_available=False):
    """device('cuda') when JAX sees a GPU, else None."""
    return _device_cls("cuda") if _gpus() else None


def is_available():
    return bool(_gpus())


def device_count():
    return len(_gpus())


def current_device_index():
    return _cuda().current_device()


current_device_idx = current_device_index


def set_device_index(device, /):
    if isinstance(device, (str, _device_cls)) and _device_cls(device).type != "cuda":
        raise RuntimeError("Accelerator expected")
    _cuda().set_device(device)


set_device_idx = set_device_index


class device_index:
    """Context manager making `device` the current device index inside it (None: no change)."""

    def __init__(self, device, /):
        self.idx = device
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is not None:
            self.prev_idx = current_device_index()
            set_device_index(self.idx)

    def __exit__(self, *exc_info):
        if self.idx is not None:
            set_device_index(self.prev_idx)


def synchronize(device=None, /):
    _cuda().synchronize(device)


def current_stream(device=None, /):
    return _cuda().current_stream(device)


def set_stream(stream):
    _cuda()


def empty_cache():
    _cuda().empty_cache()


def get_device_capability(device=None, /):
    major, minor = _cuda().get_device_capability(device)
    return {"major": major, "minor": minor}


def get_memory_info(device_index=None, /):
    return _cuda().mem_get_info(device_index)


def memory_stats(device_index=None, /):
    return OrderedDict(_cuda().memory_stats(device_index))


def memory_allocated(device_index=None, /):
    return _cuda().memory_allocated(device_index)


def max_memory_allocated(device_index=None, /):
    return _cuda().max_memory_allocated(device_index)


def memory_reserved(device_index=None, /):
    return _cuda().memory_reserved(device_index)


def max_memory_reserved(device_index=None, /):
    return _cuda().max_memory_reserved(device_index)


def reset_peak_memory_stats(device_index=None, /):
    _cuda().reset_peak_memory_stats(device_index)


def reset_accumulated_memory_stats(device_index=None, /):
    _cuda().reset_accumulated_memory_stats(device_index)
