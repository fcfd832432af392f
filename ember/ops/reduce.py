"""Reductions: sum, mean and friends (values reduce over ``dim``, ``keepdim`` like PyTorch)."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.graph import Op
from ._common import wrap_dims
from ._registry import register


def _keep_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


class Sum(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.shape = x.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim:
            g = g.reshape(_keep_shape(ctx.shape, ctx.dims))
        return g.expand(ctx.shape)


def _reduce_dtype(x: Tensor, dtype):
    if dtype is not None:
        return D.to_dtype(dtype).np
    if x._data.dtype.kind in "biu":
        return np.int64
    return None


@register
def sum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (all dims when None). Integer/bool inputs sum to int64."""
    dims = wrap_dims(dim, input._data.ndim)
    return Sum.apply(input, dims=dims, keepdim=keepdim, dtype=_reduce_dtype(input, dtype))


def sum_to_shape(g: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back down to ``shape`` (differentiable)."""
    gshape = g._data.shape
    lead = len(gshape) - len(shape)
    dims = tuple(lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if not dims:  # only leading dims to remove: one reduction gives the exact shape
        return Sum.apply(g, dims=tuple(range(lead)), keepdim=False, dtype=None)
    g = Sum.apply(g, dims=tuple(range(lead)) + dims, keepdim=True, dtype=None)
    if g._data.shape != tuple(shape):
        g = g.reshape(shape)
    return g


_engine._sum_to_shape = sum_to_shape


@register(public=False)
def sum_to_size(input, *size) -> Tensor:
    """Sum ``input`` down to the broadcast-compatible ``size``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return sum_to_shape(input, tuple(size))


def _require_float(x: Tensor, name: str):
    k = x._data.dtype.kind
    if k not in "fc" and not (D._BF16 is not None and x._data.dtype == D._BF16):
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {x.dtype}")


class Mean(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape = x.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        n = ctx.n = math.prod([x.shape[d] for d in dims])
        if x.dtype.kind == "f" and x.dtype.itemsize >= 4:  # sum/n: NumPy's mean is 4x slower
            return x.sum(axis=dims, keepdims=keepdim) / x.dtype.type(n or float("nan"))
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim:
            g = g.reshape(_keep_shape(ctx.shape, ctx.dims))
        return (g / ctx.n).expand(ctx.shape)


@register
def mean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim`` (all dims when None); float/complex inputs only."""
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    _require_float(input, "mean")
    dims = wrap_dims(dim, input._data.ndim)
    return Mean.apply(input, dims=dims, keepdim=keepdim)
