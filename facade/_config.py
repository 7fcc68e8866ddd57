"""Process-wide settings PyTorch scripts set at the top: thread counts, deterministic algorithms,
float32 matmul precision. They are kept and read back as PyTorch keeps them. XLA sizes its CPU
thread pool once, when JAX starts, and its CPU kernels are deterministic, so on the CPU the
settings do not change results. Float32 matrix products always run at 'highest' precision
(PyTorch's default; facade's ops ask XLA for it explicitly, also on a GPU): 'high' and
'medium' are kept and read back but do not switch them to TF32 or bfloat16."""
import os
import warnings

_STATE = {"threads": None, "interop": None, "deterministic": False, "warn_only": False, "matmul": "highest"}
_MATMUL = ("highest", "high", "medium")


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _positive(name, n):
    if not isinstance(n, int):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")


def get_num_threads():
    return _STATE["threads"] or _cores()


def set_num_threads(int):  # noqa: A002 - torch's argument name
    _positive("set_num_threads", int)
    _STATE["threads"] = int


def get_num_interop_threads():
    return _STATE["interop"] or _cores()


def set_num_interop_threads(int):  # noqa: A002
    _positive("set_num_interop_threads", int)
    _STATE["interop"] = int


def use_deterministic_algorithms(mode, *, warn_only=False):
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not {type(mode).__name__}")
    _STATE["deterministic"], _STATE["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _STATE["warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode):
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _STATE["deterministic"]:
        return 0
    return 1 if _STATE["warn_only"] else 2


def set_float32_matmul_precision(precision):
    if precision not in _MATMUL:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _STATE["matmul"] = precision


def get_float32_matmul_precision():
    return _STATE["matmul"]
