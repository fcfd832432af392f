"""Activation functions that PyTorch exposes at top level (``ember.relu`` …)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._registry import register
from .arithmetic import Mul


class Relu(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return Mul.apply(g, _wrap(y._data > 0))  # bool mask: NumPy multiplies without a cast


@register(inplace=True)
def relu(input) -> Tensor:
    """``max(input, 0)`` elementwise."""
    return Relu.apply(input)
