"""The op library. Importing it registers every op as ``ember.<name>`` and Tensor methods."""
from __future__ import annotations

from . import (  # noqa: F401
    activation, arithmetic, conversion, elementwise, elementwise2, indexing, join, linalg,
    linalg_decomp, linalg_products, matmul, misc, random_fill, rearrange, reduce, reduce2, scatter,
    shape, sort, unary)
from ._registry import METHODS, OPS

__all__ = sorted(OPS) + ["OPS", "METHODS"]
globals().update(OPS)
