"""``ember.linalg``: PyTorch's ``torch.linalg`` namespace.

Re-exports only: the ops live in ``ember/ops/linalg*.py`` and are registered in the op table
as ``"linalg.<name>"``; the registered (``out=``-aware) functions are what this module holds.
"""
from __future__ import annotations

from .ops import OPS as _OPS
from .ops.linalg_base import LinAlgError

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "eig", "eigh",
           "eigvals", "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
           "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"]

globals().update({name: _OPS["linalg." + name] for name in __all__
                  if "linalg." + name in _OPS})
matmul = _OPS["matmul"]
_missing = [n for n in __all__ if n not in globals()]
if _missing:  # pragma: no cover - a registration was renamed
    raise ImportError(f"ember.linalg: ops not registered: {_missing}")
