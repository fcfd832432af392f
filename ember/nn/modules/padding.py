"""Padding layers: Zero/Constant/Reflection/Replication/Circular Pad 1d/2d/3d."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _expand(padding, n: int, name: str) -> tuple:
    """An int pads every side; a sequence must have 2·n entries (last dim first)."""
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2 * n:
            raise ValueError(f"{name}: padding must be an int or a sequence of {2 * n} ints, "
                             f"got {tuple(padding)}")
        return tuple(int(p) for p in padding)
    return (int(padding),) * (2 * n)


class _PadNd(Module):
    _nd = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _expand(padding, self._nd, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant. Shapes: (N, C, W) or (C, W) → (…, W + left + right)."""
    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with a constant: padding = (left, right, top, bottom)."""
    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with a constant: (left, right, top, bottom, front, back)."""
    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Zero-pad the last dim: padding = int or (left, right)."""
    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Zero-pad the last 2 dims: padding = int or (left, right, top, bottom)."""
    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Zero-pad the last 3 dims: padding = int or (left, right, top, bottom, front, back)."""
    _nd = 3


class ReflectionPad1d(_PadNd):
    """Mirror the last dim at its borders (edge not repeated). (N, C, W) or (C, W)."""
    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last 2 dims. (N, C, H, W) or (C, H, W)."""
    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Mirror the last 3 dims. (N, C, D, H, W) or (C, D, H, W)."""
    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim."""
    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last 2 dims."""
    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last 3 dims."""
    _nd, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wrap the last dim around (periodic padding)."""
    _nd, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap the last 2 dims around."""
    _nd, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Wrap the last 3 dims around."""
    _nd, _mode = 3, "circular"
