"""Pooling: max/avg pool 1d/2d, adaptive avg/max pool, max_unpool2d."""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor, _wrap
from ...autograd.graph import Op
from ...backend import array_module
from ...backend import kernels as K
from ._conv import _pair

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool2d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "lp_pool2d"]


class MaxPool2D(Op):
    """Max pooling; with ``with_indices`` a second (non-differentiable) output holds PyTorch's
    flat indices (computed only when asked for)."""

    nondiff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, k, s, p, d, ceil_mode, with_indices):
        val, arg, padded = K.max_pool2d_forward(x, k, s, p, d, ceil_mode)
        ctx.arg, ctx.cfg, ctx.x_shape = arg, (k, s, p, d, padded), x.shape
        if not with_indices:
            return val
        return val, K.max_pool2d_flat_indices(arg, x.shape, k, s, p, d)

    @staticmethod
    def backward(ctx, g, _=None):
        return MaxPool2DBackward.apply(g, arg=ctx.arg, x_shape=ctx.x_shape, cfg=ctx.cfg)


class MaxPool2DBackward(Op):
    @staticmethod
    def forward(ctx, g, arg, x_shape, cfg):
        k, s, p, d, padded = cfg
        ctx.arg, ctx.cfg = arg, cfg
        return K.max_pool2d_backward(g, arg, x_shape, k, s, p, d, padded)

    @staticmethod
    def backward(ctx, gg):
        k, s, p, d, padded = ctx.cfg
        return _wrap(K.max_pool2d_gather(gg._data, ctx.arg, k, s, d, p, padded)) \
            if not gg.requires_grad else _MaxGather.apply(gg, arg=ctx.arg, cfg=ctx.cfg)


class _MaxGather(Op):
    @staticmethod
    def forward(ctx, gg, arg, cfg):
        k, s, p, d, padded = cfg
        ctx.arg, ctx.cfg, ctx.shape = arg, cfg, gg.shape
        return K.max_pool2d_gather(gg, arg, k, s, d, p, padded)

    @staticmethod
    def backward(ctx, g):
        return MaxPool2DBackward.apply(g, arg=ctx.arg, x_shape=ctx.shape, cfg=ctx.cfg)


def _pool_args(x, kernel_size, stride, padding, dilation, name, nd=2):
    if x.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D input tensor, but got "
                           f"input of size {list(x.shape)}")
    k = _pair(kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else _pair(stride, nd)
    p, d = _pair(padding, nd), _pair(dilation, nd)
    for kk, pp in zip(k, p):
        if pp * 2 > kk:
            raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, "
                               f"but got pad={pp}, kernel_size={kk}")
    return k, s, p, d


def _check_out(x, k, s, p, d, ceil_mode, name):
    h, w = x.shape[-2:]
    ho = K.out_size(h, k[0], s[0], p[0], d[0], ceil_mode)
    wo = K.out_size(w, k[1], s[1], p[1], d[1], ceil_mode)
    if ho <= 0 or wo <= 0:
        raise RuntimeError(
            f"{name}: Given input size: ({x.shape[-3]}x{h}x{w}). Calculated output size: "
            f"({x.shape[-3]}x{ho}x{wo}). Output size is too small")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    k, s, p, d = _pool_args(input, kernel_size, stride, padding, dilation, "max_pool2d")
    _check_out(input, k, s, p, d, ceil_mode, "max_pool2d")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    if not return_indices:
        val = MaxPool2D.apply(x, k=k, s=s, p=p, d=d, ceil_mode=ceil_mode, with_indices=False)
        return (val.squeeze(0) if unbatched else val), None
    val, idx = MaxPool2D.apply(x, k=k, s=s, p=p, d=d, ceil_mode=ceil_mode, with_indices=True)
    if unbatched:
        val, idx = val.squeeze(0), idx.squeeze(0)
    return val, idx


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling. Shapes: (N, C, H, W) → (N, C, Ho, Wo); with ``return_indices`` also
    the flat index of each maximum within its input plane."""
    val, idx = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode,
                                       return_indices)
    return (val, idx) if return_indices else val


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    k = (1, _pair(kernel_size, 1)[0])
    s = k if stride is None else (1, _pair(stride, 1)[0])
    val, idx = max_pool2d_with_indices(input.unsqueeze(-2), k, s, (0, _pair(padding, 1)[0]),
                                       (1, _pair(dilation, 1)[0]), ceil_mode, return_indices)
    return val.squeeze(-2), (idx.squeeze(-2) if idx is not None else None)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling. Shapes: (N, C, L) → (N, C, Lo)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D input tensor, but got input of size "
                           f"{list(input.shape)}")
    val, idx = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode,
                                       return_indices)
    return (val, idx) if return_indices else val


class AvgPool2D(Op):
    @staticmethod
    def forward(ctx, x, cfg):
        y, padded = K.avg_pool2d_forward(x, *cfg)
        ctx.cfg, ctx.padded, ctx.x_shape = cfg, padded, x.shape
        return y

    @staticmethod
    def backward(ctx, g):
        return AvgPool2DBackward.apply(g, x_shape=ctx.x_shape, cfg=ctx.cfg, padded=ctx.padded)


class AvgPool2DBackward(Op):
    @staticmethod
    def forward(ctx, g, x_shape, cfg, padded):
        ctx.cfg = cfg
        return K.avg_pool2d_backward(g, x_shape, *cfg, padded)

    @staticmethod
    def backward(ctx, gg):
        return AvgPool2D.apply(gg, cfg=ctx.cfg)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-D average pooling. Shapes: (N, C, H, W) → (N, C, Ho, Wo)."""
    k, s, p, _ = _pool_args(input, kernel_size, stride, padding, 1, "avg_pool2d")
    _check_out(input, k, s, p, (1, 1), ceil_mode, "avg_pool2d")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    y = AvgPool2D.apply(x, cfg=(k, s, p, ceil_mode, count_include_pad, divisor_override))
    return y.squeeze(0) if unbatched else y


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling. Shapes: (N, C, L) → (N, C, Lo)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"avg_pool1d: Expected 2D or 3D input tensor, but got input of size "
                           f"{list(input.shape)}")
    k = (1, _pair(kernel_size, 1)[0])
    s = k if stride is None else (1, _pair(stride, 1)[0])
    y = avg_pool2d(input.unsqueeze(-2), k, s, (0, _pair(padding, 1)[0]), ceil_mode,
                   count_include_pad)
    return y.squeeze(-2)


def _adaptive_bins(size, out):
    return [(math.floor(i * size / out), math.ceil((i + 1) * size / out)) for i in range(out)]


class AdaptiveAvgPool2D(Op):
    @staticmethod
    def forward(ctx, x, out_hw):
        xp = array_module(x)
        n, c, h, w = x.shape
        oh, ow = out_hw
        ctx.x_shape, ctx.out_hw = x.shape, out_hw
        if h % oh == 0 and w % ow == 0:
            return x.reshape(n, c, oh, h // oh, ow, w // ow).mean(axis=(3, 5), dtype=x.dtype)
        y = xp.empty((n, c, oh, ow), dtype=x.dtype)
        for i, (h0, h1) in enumerate(_adaptive_bins(h, oh)):
            for j, (w0, w1) in enumerate(_adaptive_bins(w, ow)):
                y[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
        return y

    @staticmethod
    def backward(ctx, g):
        return AdaptiveAvgPool2DBackward.apply(g, x_shape=ctx.x_shape)


class AdaptiveAvgPool2DBackward(Op):
    @staticmethod
    def forward(ctx, g, x_shape):
        xp = array_module(g)
        n, c, h, w = x_shape
        oh, ow = g.shape[2:]
        ctx.out_hw = (oh, ow)
        if h % oh == 0 and w % ow == 0:
            kh, kw = h // oh, w // ow
            gx = xp.broadcast_to((g / (kh * kw)).reshape(n, c, oh, 1, ow, 1),
                                 (n, c, oh, kh, ow, kw))
            return xp.ascontiguousarray(gx).reshape(n, c, h, w).astype(g.dtype, copy=False)
        gx = xp.zeros(x_shape, dtype=g.dtype)
        for i, (h0, h1) in enumerate(_adaptive_bins(h, oh)):
            for j, (w0, w1) in enumerate(_adaptive_bins(w, ow)):
                gx[:, :, h0:h1, w0:w1] += (g[:, :, i, j] / ((h1 - h0) * (w1 - w0)))[..., None,
                                                                                      None]
        return gx

    @staticmethod
    def backward(ctx, gg):
        return AdaptiveAvgPool2D.apply(gg, out_hw=ctx.out_hw)


def _out_hw(x, output_size, nd=2):
    sizes = _pair(output_size, nd) if not isinstance(output_size, (tuple, list)) else \
        tuple(output_size)
    return tuple(x.shape[-nd + i] if s is None else int(s) for i, s in enumerate(sizes))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output size. Shapes: (N, C, H, W) → (N, C, *output_size)."""
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    y = AdaptiveAvgPool2D.apply(x, out_hw=_out_hw(x, output_size))
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Shapes: (N, C, L) → (N, C, output_size)."""
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _pair(output_size, 1)[0])).squeeze(-2)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed output size. Shapes: (N, C, H, W) → (N, C, *output_size)."""
    from ... import ops
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x.shape
    oh, ow = _out_hw(x, output_size)
    if h % oh == 0 and w % ow == 0:
        val, idx = max_pool2d_with_indices(x, (h // oh, w // ow))
    else:
        vals, idxs = [], []
        flat = x.flatten(2)
        for h0, h1 in _adaptive_bins(h, oh):
            for w0, w1 in _adaptive_bins(w, ow):
                pos = np.add.outer(np.arange(h0, h1) * w, np.arange(w0, w1)).ravel()
                sub = flat[:, :, pos]
                v, a = ops.OPS["max"](sub, dim=2)
                vals.append(v)
                idxs.append(_wrap(pos[a._data]))
        val = ops.OPS["stack"](vals, -1).reshape(n, c, oh, ow)
        idx = ops.OPS["stack"](idxs, -1).reshape(n, c, oh, ow)
    if unbatched:
        val, idx = val.squeeze(0), idx.squeeze(0)
    return (val, idx) if return_indices else val


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    r = adaptive_max_pool2d(input.unsqueeze(-2), (1, _pair(output_size, 1)[0]), True)
    val, idx = r[0].squeeze(-2), r[1].squeeze(-2)
    return (val, idx) if return_indices else val


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool2d: place values at ``indices``, zeros elsewhere."""
    from ... import ops
    k = _pair(kernel_size)
    s = k if stride is None else _pair(stride)
    p = _pair(padding)
    n, c, h, w = input.shape
    if output_size is None:
        oh = (h - 1) * s[0] - 2 * p[0] + k[0]
        ow = (w - 1) * s[1] - 2 * p[1] + k[1]
    else:
        oh, ow = tuple(output_size)[-2:]
    from ... import _creation
    base = _creation.zeros((n, c, oh * ow), dtype=input.dtype)
    out = ops.OPS["scatter"](base, 2, indices.flatten(2), input.flatten(2))
    return out.reshape(n, c, oh, ow)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: (Σ x^p)^(1/p) over each window."""
    k = _pair(kernel_size)
    out = avg_pool2d(input ** norm_type, k, stride, 0, ceil_mode)
    return (out.sign() * out.abs()).relu().mul(k[0] * k[1]) ** (1.0 / norm_type)


