"""torch.backends.cuda: the CUDA matmul flags and scaled-dot-product-attention kernel switches,
kept as PyTorch keeps them (XLA picks its own kernels, so they do not change results)."""
import contextlib
import warnings


class _Matmul:
    """`torch.backends.cuda.matmul`: settable flags with PyTorch's defaults."""

    __slots__ = ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()
_SDP = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built():
    """True when JAX has a CUDA backend installed (facade's `cuda12` extra)."""
    import jax

    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


def preferred_linalg_library(backend=None):
    return "default"


def _switch(kind):
    def enabled():
        return _SDP[kind]

    def enable(on):
        _SDP[kind] = bool(on)

    return enabled, enable


flash_sdp_enabled, enable_flash_sdp = _switch("flash")
mem_efficient_sdp_enabled, enable_mem_efficient_sdp = _switch("mem_efficient")
math_sdp_enabled, enable_math_sdp = _switch("math")
cudnn_sdp_enabled, enable_cudnn_sdp = _switch("cudnn")


@contextlib.contextmanager
def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """Deprecated in PyTorch for torch.nn.attention.sdpa_kernel; sets the switches for a block."""
    warnings.warn("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be "
                  "removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context manager, with updated "
                  "signature.", FutureWarning, stacklevel=3)
    old = dict(_SDP)
    _SDP.update(flash=enable_flash, math=enable_math, mem_efficient=enable_mem_efficient, cudnn=enable_cudnn)
    try:
        yield
    finally:
        _SDP.update(old)
