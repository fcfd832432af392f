"""``ember.linalg``: PyTorch's ``torch.linalg`` namespace (re-exports; the ops live in
``ember/ops/linalg*.py`` and are registered in the op table as ``"linalg.<name>"``)."""
from __future__ import annotations

from .ops.linalg import (cond, inv, inv_ex, lstsq, matrix_norm, matrix_rank, norm, pinv, solve,
                         solve_triangular, vecdot, vector_norm)
from .ops.linalg import linalg_det as det
from .ops.linalg import linalg_slogdet as slogdet
from .ops.linalg_base import LinAlgError
from .ops.linalg_decomp import (cholesky, cholesky_ex, eig, eigh, eigvals, eigvalsh, qr, svd,
                                svdvals)
from .ops.linalg_products import linalg_cross as cross
from .ops.matmul import linalg_matrix_power as matrix_power
from .ops.matmul import matmul, multi_dot

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "eig", "eigh",
           "eigvals", "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
           "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"]
