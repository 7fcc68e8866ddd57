"""torch.layout and torch.memory_format, and their values. Every facade tensor is dense, strided and
row-major, so `Tensor.layout` is always `strided` and the is_sparse / is_quantized / is_meta ... flags
are False; the other layouts and the memory formats (channels_last, ...) exist so code that names,
passes or compares them runs (a tensor asked for channels_last stays row-major: see README)."""

__all__ = ["layout", "strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "jagged",
           "memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]


class layout:  # noqa: N801 - PyTorch's name
    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"torch.{self._name}"

    def __reduce__(self):
        return self._name  # pickles as the module-level singleton


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
jagged = layout("jagged")
_mkldnn = layout("_mkldnn")


class memory_format(layout):  # noqa: N801 - PyTorch's name
    __slots__ = ()


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# the Tensor flags for storage kinds and backends facade never has
DENSE_FLAGS = ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn", "is_nested", "is_xpu", "is_mps",
               "is_ipu", "is_xla", "is_vulkan", "is_mtia", "is_maia")
