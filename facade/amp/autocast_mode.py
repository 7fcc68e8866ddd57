"""torch.autocast: regions where listed ops run in a lower-precision floating type.

Inside an enabled region the ops on PyTorch's autocast lists cast their floating operands
(float64 and non-floating ones are left alone) before running: matmul, linear, conv and the
other "lower precision" ops to the region's dtype, losses and the other "float32" ops to
float32, and cat / stack to the widest floating type among their inputs. The casts are
ordinary recorded `.to(dtype)` ops, so each parameter's gradient comes back in the
parameter's own dtype. The op lists live in `facade/amp/_state.py`.
"""
import functools
import warnings

from . import _state

_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
                 "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


def _check_device_type(device_type):
    if device_type not in _DEVICE_TYPES:
        raise RuntimeError(
            f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {device_type}"
        )


def _dtype(name):
    from .. import _dtype as dt

    return getattr(dt, name)


def is_autocast_available(device_type):
    """Whether autocast is supported for this device type (facade: cpu and cuda)."""
    _check_device_type(device_type)
    return device_type in ("cpu", "cuda")


def is_autocast_enabled(device_type=None):
    """Whether autocast is enabled for `device_type` (with no argument: for cuda, as PyTorch)."""
    if device_type is None:
        device_type = "cuda"
    _check_device_type(device_type)
    return _state.ENABLED.get(device_type, False)


def set_autocast_enabled(device_type, enabled=None):
    """Enable or disable autocast for a device type (one argument: for cuda)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _check_device_type(device_type)
    if device_type in _state.ENABLED:
        _state.ENABLED[device_type] = bool(enabled)
        _state.refresh()


def get_autocast_dtype(device_type):
    """The dtype autocast casts to on `device_type` (defaults: bfloat16 on cpu, float16 on cuda)."""
    _check_device_type(device_type)
    return _dtype(_state.DTYPE.get(device_type, "float16"))


def set_autocast_dtype(device_type, dtype):
    _check_device_type(device_type)
    if device_type in _state.DTYPE:
        _state.DTYPE[device_type] = dtype.name


def is_autocast_cache_enabled():
    return _state.CACHE_ENABLED[0]


def set_autocast_cache_enabled(enabled):
    _state.CACHE_ENABLED[0] = bool(enabled)


def clear_autocast_cache():
    _state.clear_cache()


def _deprecated(old, new):
    warnings.warn(f"torch.{old}() is deprecated. Please use torch.{new} instead.", DeprecationWarning, stacklevel=3)


def get_autocast_cpu_dtype():
    _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype():
    _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def is_autocast_cpu_enabled():
    _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


class autocast:
    """Context manager (and decorator) for a mixed-precision region on one device type.

    `with torch.autocast("cpu", dtype=torch.bfloat16): ...` runs the listed ops of the
    region in bfloat16; `enabled=False` turns autocast off inside (regions nest, and the
    previous state is restored on exit). `cache_enabled` (default True) reuses, within the
    outermost region, one cast of each float32 leaf tensor that requires grad (a parameter
    used twice is cast once).
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _check_device_type(device_type)
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        self._enabled = enabled
        if device_type == "cuda":
            from .._device import cuda

            if enabled and not cuda.is_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                self._enabled = False
            elif enabled and self.fast_dtype.name not in ("float16", "bfloat16"):
                warnings.warn(
                    "In CUDA autocast, but the target dtype is not supported. Disabling autocast.\n"
                    "CUDA Autocast only supports dtypes of torch.float16 and torch.bfloat16 currently.",
                    stacklevel=2,
                )
                self._enabled = False
        elif device_type == "cpu":
            if enabled and self.fast_dtype.name not in ("float16", "bfloat16"):
                warnings.warn(
                    "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                    "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                    stacklevel=2,
                )
                self._enabled = False
        elif enabled:
            raise NotImplementedError(f"facade: autocast for device type '{device_type}' is not supported")

    def __enter__(self):
        d = self.device
        self.prev = _state.ENABLED[d]
        self.prev_fastdtype = _state.DTYPE[d]
        self.prev_cache_enabled = _state.CACHE_ENABLED[0]
        _state.ENABLED[d] = bool(self._enabled)
        _state.DTYPE[d] = self.fast_dtype.name
        _state.CACHE_ENABLED[0] = bool(self._cache_enabled)
        _state.NESTING[0] += 1
        _state.refresh()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        _state.NESTING[0] -= 1
        if _state.NESTING[0] == 0:
            _state.clear_cache()
        d = self.device
        _state.ENABLED[d] = self.prev
        _state.DTYPE[d] = self.prev_fastdtype
        _state.CACHE_ENABLED[0] = self.prev_cache_enabled
        _state.refresh()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorated


def _deprecated_class_warning(name, device):
    warnings.warn(
        f"`torch.{device}.amp.{name}(args...)` is deprecated. Please use `torch.amp.{name}('{device}', args...)` instead.",
        FutureWarning,
        stacklevel=3,
    )


class _cpu_autocast(autocast):
    """torch.cpu.amp.autocast (deprecated): torch.autocast("cpu", ...)."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        _deprecated_class_warning("autocast", "cpu")
        super().__init__("cpu", dtype=_dtype("bfloat16") if dtype is None else dtype, enabled=enabled,
                         cache_enabled=cache_enabled)


class _cuda_autocast(autocast):
    """torch.cuda.amp.autocast (deprecated): torch.autocast("cuda", ...)."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        _deprecated_class_warning("autocast", "cuda")
        super().__init__("cuda", dtype=_dtype("float16") if dtype is None else dtype, enabled=enabled,
                         cache_enabled=cache_enabled)

