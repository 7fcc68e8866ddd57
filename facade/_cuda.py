"""torch.cuda, answered from JAX's GPU devices.

With a GPU, the device queries read JAX's device objects and memory statistics. Without one, every
function behaves as in PyTorch 2.13's CPU-only build: the memory counters read 0, manual_seed is
silently ignored, and the calls that need a device raise its errors (mostly
"AssertionError: Torch not compiled with CUDA enabled"; a few CPU-build functions fail on a missing
torch._C binding, and facade raises those same AttributeErrors).
"""
import warnings
from collections import OrderedDict

import jax

from ._cuda_streams import Event, Stream, _Properties, _StreamContext, _cuda_device, _device_of, _nvtx
from ._device import _CURRENT, _gpus, device

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


class OutOfMemoryError(RuntimeError):
    """torch.OutOfMemoryError (torch.cuda.OutOfMemoryError)."""


class _amp_namespace:
    """torch.cuda.amp (deprecated autocast / GradScaler), imported on first use."""

    def __get__(self, obj, owner=None):
        from .amp._namespaces import cuda_amp

        return cuda_amp


def _no_binding(name):
    """What the CPU-only build raises where a torch.cuda function calls its missing C++ binding."""
    return AttributeError(f"module 'torch._C' has no attribute '{name}'")


def _index(dev, optional=True):
    """torch.cuda._get_device_index: an int (-1 and below pass through), 'cuda[:N]' or device('cuda'[, N])."""
    if isinstance(dev, str):
        dev = device(dev)
    if isinstance(dev, device):
        if dev.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {dev}")
        dev = dev.index
    if dev is None:
        if not optional:
            raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{dev}")
        return _CURRENT[0]
    return int(dev)


def _stats(dev=None):
    gpus = _gpus()
    if not gpus:
        return None
    try:
        return gpus[_index(dev)].memory_stats() or {}
    except Exception:  # noqa: BLE001 - a backend without memory statistics
        return {}


_PEAK_AT_RESET = {}  # device index -> JAX's peak counter when reset_peak_memory_stats was last called


def _need_gpu():
    if not _gpus():
        raise AssertionError(_NOT_COMPILED)


class cuda:
    """torch.cuda, answered from JAX's GPU devices."""

    amp = _amp_namespace()
    OutOfMemoryError = OutOfMemoryError
    Stream = Stream
    Event = Event
    device = _cuda_device
    device_of = _device_of
    nvtx = _nvtx

    @staticmethod
    def is_available():
        return bool(_gpus())

    @staticmethod
    def device_count():
        return len(_gpus())

    @staticmethod
    def _is_compiled():
        return bool(_gpus())

    @staticmethod
    def _gpu(dev):
        gpus = _gpus()
        if not gpus:
            raise AssertionError(_NOT_COMPILED)
        return gpus[_index(dev)]

    @staticmethod
    def get_device_name(device=None):
        return cuda._gpu(device).device_kind

    @staticmethod
    def get_device_capability(device=None):
        cc = getattr(cuda._gpu(device), "compute_capability", None)
        if cc is None:
            return (0, 0)
        major, _, minor = str(cc).partition(".")
        return (int(major), int(minor or 0))

    @staticmethod
    def get_device_properties(device=None):
        return _Properties(cuda._gpu(device))

    @staticmethod
    def current_device():
        _need_gpu()
        return _CURRENT[0]

    @staticmethod
    def set_device(device):
        idx = _index(device, optional=False)
        if idx < 0:
            return
        gpus = _gpus()
        if not gpus:
            raise _no_binding("_cuda_setDevice")
        if idx >= len(gpus):
            raise RuntimeError("CUDA error: invalid device ordinal")
        _CURRENT[0] = idx

    @staticmethod
    def is_initialized():
        return bool(_gpus())

    @staticmethod
    def init():
        _need_gpu()

    _lazy_init = init

    @staticmethod
    def synchronize(device=None):
        _need_gpu()
        for d in _gpus():
            jax.device_put(0, d).block_until_ready()

    @staticmethod
    def ipc_collect():
        _need_gpu()

    @staticmethod
    def empty_cache():
        return None

    @staticmethod
    def is_bf16_supported(including_emulation=True):
        return bool(_gpus()) and (cuda.get_device_capability()[0] >= 8 or including_emulation)

    @staticmethod
    def is_tf32_supported():
        return bool(_gpus()) and cuda.get_device_capability()[0] >= 8

    @staticmethod
    def get_arch_list():
        return []

    @staticmethod
    def get_gencode_flags():
        return ""

    # random: facade has one generator for every device, so with a GPU these seed it; without one
    # PyTorch queues the seed for a CUDA generator that never comes, i.e. ignores it.
    @staticmethod
    def manual_seed(seed):
        seed = int(seed)
        if _gpus():
            from ._random import manual_seed

            manual_seed(seed)

    manual_seed_all = manual_seed

    @staticmethod
    def seed():
        if _gpus():
            from ._random import seed

            seed()

    seed_all = seed

    @staticmethod
    def initial_seed():
        _need_gpu()
        from ._random import initial_seed

        return initial_seed()

    @staticmethod
    def get_rng_state(device="cuda"):
        _need_gpu()
        from ._random import get_rng_state

        return get_rng_state()

    @staticmethod
    def get_rng_state_all():
        return [cuda.get_rng_state() for _ in _gpus()]

    @staticmethod
    def set_rng_state(new_state, device="cuda"):
        if _gpus():
            from ._random import set_rng_state

            set_rng_state(new_state)

    @staticmethod
    def set_rng_state_all(new_states):
        for s in new_states:
            cuda.set_rng_state(s)

    # memory: JAX's allocator statistics with a GPU, 0 without
    @staticmethod
    def memory_allocated(device=None):
        s = _stats(device)
        return 0 if s is None else int(s.get("bytes_in_use", 0))

    @staticmethod
    def max_memory_allocated(device=None):
        """The peak since the last reset_peak_memory_stats. JAX's peak counter cannot be reset: until it
        grows past its value at the reset, this answers the current usage (a lower bound)."""
        s = _stats(device)
        if s is None:
            return 0
        peak = int(s.get("peak_bytes_in_use", 0))
        at_reset = _PEAK_AT_RESET.get(_index(device))
        if at_reset is not None and peak <= at_reset:
            return int(s.get("bytes_in_use", 0))
        return peak

    @staticmethod
    def memory_reserved(device=None):
        s = _stats(device)
        return 0 if s is None else int(s.get("pool_bytes", s.get("bytes_reserved", s.get("bytes_in_use", 0))))

    @staticmethod
    def max_memory_reserved(device=None):
        s = _stats(device)
        return 0 if s is None else int(s.get("peak_pool_bytes", s.get("peak_bytes_reserved",
                                                                      s.get("peak_bytes_in_use", 0))))

    @staticmethod
    def memory_cached(device=None):
        warnings.warn("`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`",
                      FutureWarning, stacklevel=2)
        return cuda.memory_reserved(device)

    @staticmethod
    def max_memory_cached(device=None):
        warnings.warn("`torch.cuda.max_memory_cached` has been renamed to `torch.cuda.max_memory_reserved`",
                      FutureWarning, stacklevel=2)
        return cuda.max_memory_reserved(device)

    @staticmethod
    def memory_stats(device=None):
        s = _stats(device)
        return OrderedDict() if s is None else OrderedDict(sorted(s.items()))

    @staticmethod
    def mem_get_info(device=None):
        s = _stats(device)
        if s is None:
            raise AssertionError(_NOT_COMPILED)
        total = int(s.get("bytes_limit", 0))
        return (total - int(s.get("bytes_in_use", 0)), total)

    @staticmethod
    def memory_summary(device=None, abbreviated=False):
        s = _stats(device)
        if not s:
            raise KeyError("allocated_bytes.all.current")
        return "\n".join(f"{k}: {v}" for k, v in sorted(s.items()))

    @staticmethod
    def reset_peak_memory_stats(device=None):
        s = _stats(device)
        if s is None:
            raise _no_binding("_cuda_resetPeakMemoryStats")
        _PEAK_AT_RESET[_index(device)] = int(s.get("peak_bytes_in_use", 0))

    @staticmethod
    def reset_max_memory_allocated(device=None):
        warnings.warn("torch.cuda.reset_max_memory_allocated now calls torch.cuda.reset_peak_memory_stats, which "
                      "resets /all/ peak memory stats.", FutureWarning, stacklevel=2)
        cuda.reset_peak_memory_stats(device)

    @staticmethod
    def reset_max_memory_cached(device=None):
        warnings.warn("torch.cuda.reset_max_memory_cached now calls torch.cuda.reset_peak_memory_stats, which "
                      "resets /all/ peak memory stats.", FutureWarning, stacklevel=2)
        cuda.reset_peak_memory_stats(device)

    @staticmethod
    def reset_accumulated_memory_stats(device=None):
        if _stats(device) is None:
            raise _no_binding("_cuda_resetAccumulatedMemoryStats")

    @staticmethod
    def set_per_process_memory_fraction(fraction, device=None):
        _need_gpu()

    @staticmethod
    def get_per_process_memory_fraction(device=None):
        _need_gpu()
        return 1.0

    @staticmethod
    def can_device_access_peer(device, peer_device):
        _need_gpu()
        return False

    @staticmethod
    def set_sync_debug_mode(debug_mode):
        _need_gpu()

    @staticmethod
    def get_sync_debug_mode():
        _need_gpu()
        return 0

    # streams
    @staticmethod
    def current_stream(device=None):
        _need_gpu()
        return Stream(device)

    default_stream = current_stream

    @staticmethod
    def stream(stream):
        return _StreamContext(stream)

    @staticmethod
    def set_stream(stream):
        pass

    @staticmethod
    def is_current_stream_capturing():
        return False
