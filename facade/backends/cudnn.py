"""torch.backends.cudnn: PyTorch's cuDNN flags, kept (and restored by `flags()`) as PyTorch keeps
them; XLA chooses its own GPU kernels, so they do not change results. `is_available()` is True
when facade runs on a GPU (JAX's CUDA build brings cuDNN)."""
import contextlib

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available():
    from .._device import cuda

    return cuda.is_available()


def version():
    """cuDNN's version number (as PyTorch gives it, e.g. 90100), or None without a GPU."""
    if not is_available():
        return None
    try:
        from jax._src.lib import cuda_versions

        return cuda_versions.cudnn_get_version() if cuda_versions is not None else None
    except (ImportError, AttributeError):
        return None


def is_acceptable(tensor):
    return bool(enabled) and is_available() and tensor.is_cuda


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True, **_):
    """Set the flags for a block, then put back what they were."""
    g = globals()
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    old = {k: g[k] for k in names}
    g.update(enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit, deterministic=deterministic,
             allow_tf32=allow_tf32)
    try:
        yield
    finally:
        g.update(old)
