"""torch.backends: the flags PyTorch scripts set for their kernels (`cudnn.benchmark = True`,
`cuda.matmul.allow_tf32`, ...) and the availability queries (`mps.is_available()`).

facade runs every op through XLA, which picks its own kernels: the flags are kept, read back and
restored exactly as PyTorch keeps them, so scripts that set or print them run unchanged, but they
do not change how XLA computes. The availability queries answer for facade itself: there is no
cuDNN, MKL, oneDNN, OpenMP or MPS backend of facade's own (XLA's GPU kernels come with JAX's CUDA
build: `cudnn.is_available()` is True exactly when facade sees a GPU).
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp, opt_einsum  # noqa: F401
