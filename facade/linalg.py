"""torch.linalg: norms, decompositions, solvers and matrix functions (declared in facade/_ops/linalg_*.py)."""
from ._ops.linalg import matmul  # noqa: F401
from ._ops.linalg_decomp import (LinAlgError, cholesky, det, eigh, eigvalsh, inv, inv_ex, lstsq, matrix_rank,  # noqa: F401
                                 pinv, qr, slogdet, solve, svd, svdvals)
from ._ops.linalg_products import cross, diagonal, matrix_norm, matrix_power, multi_dot, norm, vector_norm  # noqa: F401

__all__ = ["LinAlgError", "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "inv_ex", "lstsq", "matmul",
           "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd",
           "svdvals", "vector_norm"]
