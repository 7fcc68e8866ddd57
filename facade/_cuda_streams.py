"""torch.cuda's device context managers, streams, events, NVTX and device properties (see _cuda.py).

JAX orders GPU work itself and has no streams or NVTX ranges: with a GPU these synchronize or do
nothing; without one they raise what PyTorch's CPU-only build raises.
"""
import time

from ._device import _CURRENT, _gpus


def _cuda():
    from ._cuda import cuda

    return cuda


def _index(dev, optional=True):
    from ._cuda import _index

    return _index(dev, optional)


class _Properties:
    """What get_device_properties returns (the fields JAX can tell)."""

    def __init__(self, jdev):
        self.name = jdev.device_kind
        self.major, self.minor = _cuda().get_device_capability(jdev.id)
        stats = getattr(jdev, "memory_stats", lambda: None)() or {}
        self.total_memory = int(stats.get("bytes_limit", 0))
        self.multi_processor_count = int(getattr(jdev, "core_count", 0) or 0)

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // 2 ** 20}MB, multi_processor_count={self.multi_processor_count})")


class _cuda_device:
    """torch.cuda.device: a context manager selecting the current CUDA device (index -1: no change)."""

    def __init__(self, device):
        self.idx = _index(device, optional=True) if device is not None else None
        self.prev_idx = -1

    def __enter__(self):
        if self.idx < 0:  # None raises PyTorch's TypeError here
            return
        if not _gpus():
            raise RuntimeError("PyTorch was compiled without CUDA support")
        self.prev_idx = _CURRENT[0]
        _cuda().set_device(self.idx)

    def __exit__(self, *exc):
        if self.prev_idx >= 0:
            _cuda().set_device(self.prev_idx)
        return False


class _device_of(_cuda_device):
    """torch.cuda.device_of(tensor): the tensor's CUDA device (no change for a CPU tensor)."""

    def __init__(self, obj):
        d = obj.device
        super().__init__(d.index or 0 if d.type == "cuda" else -1)


class Stream:
    """torch.cuda.Stream. JAX orders GPU work itself; a stream here only synchronizes."""

    def __init__(self, device=None, priority=0, **kwargs):
        if not _gpus():
            raise RuntimeError("torch.cuda.Stream requires CUDA support")
        self.device = device

    def synchronize(self):
        _cuda().synchronize()

    def wait_stream(self, stream):
        pass

    def query(self):
        return True


class Event:
    """torch.cuda.Event: record() waits for the GPU's queued work, then takes the time (so elapsed_time is
    wall-clock milliseconds between two records)."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        if not _gpus():
            raise RuntimeError("Tried to instantiate dummy base class Event")
        self.enable_timing = enable_timing
        self._t = None

    def record(self, stream=None):
        _cuda().synchronize()
        self._t = time.perf_counter()

    def synchronize(self):
        _cuda().synchronize()

    def wait(self, stream=None):
        pass

    def query(self):
        return True

    def elapsed_time(self, end_event):
        return (end_event._t - self._t) * 1000.0


class _StreamContext:
    """torch.cuda.stream(s): nothing to switch (see Stream)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class _nvtx:
    """torch.cuda.nvtx: no NVTX in facade; without a GPU PyTorch's CPU build error, with one no-ops."""

    @staticmethod
    def _check():
        if not _gpus():
            raise RuntimeError("NVTX functions not installed. Are you sure you have a CUDA build?")

    @staticmethod
    def range_push(msg):
        _nvtx._check()

    @staticmethod
    def range_pop():
        _nvtx._check()

    @staticmethod
    def mark(msg):
        _nvtx._check()

    class range:  # noqa: N801 - torch's name
        def __init__(self, msg, *args, **kwargs):
            pass

        def __enter__(self):
            _nvtx._check()

        def __exit__(self, *exc):
            return False
