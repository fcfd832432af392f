"""The op library. Importing it registers every op as ``ember.<name>`` and Tensor methods."""
from __future__ import annotations

from . import (activation, arithmetic, conversion, elementwise, matmul,  # noqa: F401
               reduce, shape)
from ._registry import METHODS, OPS

__all__ = sorted(OPS) + ["OPS", "METHODS"]
globals().update(OPS)
