"""torch.layout and its values. Every facade tensor is dense and strided, so `Tensor.layout` is
always `strided` and the is_sparse / is_quantized / is_meta ... flags are False; the other
layouts exist so code that names or compares them runs."""

__all__ = ["layout", "strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "jagged"]


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

# the Tensor flags for storage kinds and backends facade never has
DENSE_FLAGS = ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn", "is_nested", "is_xpu", "is_mps",
               "is_ipu", "is_xla", "is_vulkan", "is_mtia", "is_maia")
