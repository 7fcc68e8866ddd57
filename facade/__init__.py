"""facade: PyTorch's tensor and autograd API on JAX.

    import facade as torch

Tensors are thin handles on a tape of recorded ops; values are computed on demand by
replaying the tape through JAX (op by op the first time a graph structure is seen, as one
cached jax.jit program when it recurs), and backward replays it through jax.vjp.

facade turns on JAX's 64-bit mode (jax_enable_x64) when imported, so float64 and int64
tensors are real 64-bit arrays, as in PyTorch. facade always states dtypes explicitly, so
its float32 work stays float32; other JAX code in the same process sees 64-bit defaults.

It also asks XLA to round every float16 / bfloat16 result to its dtype, as PyTorch does
(`--xla_allow_excess_precision=false`; by default XLA keeps fused half-precision chains in
float32). XLA reads the flag when its backend starts, so it takes effect when facade is imported
before any JAX computation has run.

And it turns on JAX's persistent compilation cache (in `~/.cache/facade/jax`; see
`_compile_cache.py`, `FACADE_CACHE_DIR=0` turns it off), so a new process loads the XLA
kernels earlier ones compiled instead of compiling them again.
"""
import os as _os
import sys as _sys

if "xla_allow_excess_precision" not in _os.environ.get("XLA_FLAGS", ""):
    _os.environ["XLA_FLAGS"] = (_os.environ.get("XLA_FLAGS", "") + " --xla_allow_excess_precision=false").strip()

import jax as _jax  # noqa: E402

_jax.config.update("jax_enable_x64", True)

from . import _compile_cache  # noqa: E402

_compile_cache.enable()

from . import _dtype  # noqa: E402
from ._dtype import get_default_dtype, set_default_dtype  # noqa: E402
from ._device import device  # noqa: E402
from ._device import get_default_device, set_default_device  # noqa: E402,F401
from ._device import cuda as _cuda_cls  # noqa: E402
from ._grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402
from ._grad_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, is_inference_mode_enabled, set_anomaly_enabled  # noqa: E402,F401,E501
from ._tensor import Size, Tensor  # noqa: E402
from ._layout import layout, strided, sparse_coo, sparse_csr, sparse_csc, sparse_bsr, sparse_bsc, jagged  # noqa: E402,F401
from ._layout import memory_format, contiguous_format, channels_last, channels_last_3d, preserve_format  # noqa: E402,F401
from . import _api  # noqa: E402
from ._api import FUNCTIONS as _FUNCTIONS  # noqa: E402
from . import _creation  # noqa: E402
from . import _legacy  # noqa: E402
from ._random import Generator, initial_seed, manual_seed, seed, get_rng_state, set_rng_state  # noqa: E402
default_generator = Generator._default
from ._printing import get_printoptions, set_printoptions  # noqa: E402
from . import autograd  # noqa: E402
from ._config import (  # noqa: E402,F401
    are_deterministic_algorithms_enabled, get_deterministic_debug_mode, get_float32_matmul_precision,
    get_num_interop_threads, get_num_threads, is_deterministic_algorithms_warn_only_enabled,
    set_deterministic_debug_mode, set_float32_matmul_precision, set_num_interop_threads, set_num_threads,
    use_deterministic_algorithms)
from ._info import finfo, iinfo  # noqa: E402,F401
from . import engine  # noqa: E402

_api.attach(Tensor)
from ._ops.aliases import numpy_names as _numpy_names  # noqa: E402
from ._ops.out import with_out as _with_out  # noqa: E402

globals().update({_name: _with_out(_name, _numpy_names(_fn)) for _name, _fn in _FUNCTIONS.items()})

from .version import __version__  # noqa: E402  "2.13.0+facade.0.1.0": the PyTorch API it follows, then facade's own
from ._cuda import OutOfMemoryError  # noqa: E402,F401

# dtypes, under their torch names and aliases
dtype = _dtype.dtype
for _name, _d in _dtype.ALIASES.items():
    globals()[_name] = _d
bool = _dtype.bool_  # noqa: A001 - torch.bool

cuda = _cuda_cls
globals().update(_legacy.CPU_TYPES)  # torch.FloatTensor, torch.LongTensor, ...
for _name, _t in _legacy.CUDA_TYPES.items():
    setattr(cuda, _name, _t)
# `import torch.cuda` / `from torch.cuda.amp import GradScaler`: torch.cuda is a class here, so registered by hand
from .amp._namespaces import cuda_amp as _cuda_amp  # noqa: E402
cuda.__path__ = []  # a "package" to the import system, so torch.cuda.amp imports
_sys.modules.setdefault(f"{__name__}.cuda", cuda)
_sys.modules.setdefault(f"{__name__}.cuda.amp", _cuda_amp)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.dtype.is_floating_point


def is_complex(input):
    return input.dtype.is_complex


def numel(input):
    return input.numel()


def promote_types(type1, type2):
    return _dtype.promote_types(type1, type2)


def result_type(tensor1, tensor2):
    from ._ops.frontend import promote

    return promote(tensor1, tensor2)


def can_cast(from_, to):
    from ._ops.frontend import can_cast as _can_cast

    return _can_cast(from_, to)


def is_grad_enabled_():  # pragma: no cover - alias kept out of the public namespace
    return is_grad_enabled()


def compile(model=None, **kwargs):  # noqa: A001 - torch.compile's name
    """facade.jit with torch.compile's call shape; a module comes back as an nn.Module wrapping it."""
    from .jit import jit
    from .jit.module import OptimizedModule
    from .nn import Module

    if model is None:
        return lambda fn: compile(fn, **kwargs)
    if isinstance(model, Module):
        return OptimizedModule(model, jit(model, **kwargs))
    return jit(model, **kwargs)


# torch.<name> functions that are torch.nn.functional.<name> under the same leading arguments
_FROM_FUNCTIONAL = frozenset((
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "max_pool1d",
    "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "bilinear",
    "cosine_similarity", "pairwise_distance", "prelu", "selu", "selu_", "celu", "celu_", "threshold", "threshold_",
    "relu_", "rms_norm", "group_norm", "pixel_shuffle", "pixel_unshuffle", "pdist", "channel_shuffle",
    "native_channel_shuffle",
))

_NN_ALIASES = frozenset(("hinge_embedding_loss", "margin_ranking_loss", "cosine_embedding_loss",
                          "triplet_margin_loss", "poisson_nll_loss", "rrelu", "rrelu_", "group_norm", "instance_norm",
                          "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_"))


def __getattr__(name):
    import importlib

    if name in ("nn", "optim", "utils", "testing", "jit", "func", "linalg", "distributions", "amp", "backends",
                "special", "accelerator", "version", "distributed", "profiler", "compiler", "_dynamo", "hub", "onnx",
                "multiprocessing"):
        return importlib.import_module(f"{__name__}.{name}")
    if name == "cpu":  # torch.cpu (for the deprecated torch.cpu.amp)
        return importlib.import_module(f"{__name__}.amp._namespaces").cpu
    if name in ("autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled", "set_autocast_dtype",
                "get_autocast_cpu_dtype", "get_autocast_gpu_dtype", "is_autocast_cpu_enabled",
                "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache"):
        return getattr(importlib.import_module(f"{__name__}.amp"), name)
    if name in _NN_ALIASES:  # torch-level signatures (integer reductions, cudnn_enabled)
        return getattr(importlib.import_module(f"{__name__}.nn._torch_aliases"), name)
    if name in _FROM_FUNCTIONAL:
        return getattr(importlib.import_module(f"{__name__}.nn.functional"), name)
    if name in ("save", "load"):
        from . import serialization

        return getattr(serialization, name)
    raise AttributeError(f"module 'facade' has no attribute '{name}'")
