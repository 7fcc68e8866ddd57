"""torch.backends.cpu."""


def get_cpu_capability():
    """The vector instruction set PyTorch's CPU kernels were dispatched to; facade's are XLA's,
    compiled for the host, so this names the widest set the host has, as PyTorch does."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return "DEFAULT"
    if " avx512f" in flags and " avx512bw" in flags and " avx512vl" in flags:
        return "AVX512"
    if " avx2" in flags:
        return "AVX2"
    return "DEFAULT"
