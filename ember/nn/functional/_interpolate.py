"""Resampling: ``interpolate`` / ``upsample`` (nearest, nearest-exact, linear, bilinear,
trilinear, bicubic, area).

Every mode except 'area' is separable: each spatial axis is resampled on its own by a small
set of taps ``out[j] = Σ_k w[j, k] · x[idx[j, k]]``, computed with PyTorch's coordinate rules
(half-pixel centres, ``align_corners``, ``1 / scale_factor`` when a scale is given) in the
input's precision. The forward pass gathers along each axis, innermost first (the order of
PyTorch's kernels, so the arithmetic is the same); the backward pass applies the transposed
tap matrix. Both are linear, so each is the other's gradient.
"""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor
from ...autograd.graph import Op
from ...backend import array_module

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_A = -0.75          # the bicubic convolution constant PyTorch uses
_DENSE_LIMIT = 1 << 22


# ---------------------------------------------------------------------------- index rules
def _scale_value(scale, n_in, n_out, ft):
    """``1 / scale`` when a positive scale factor is given, else ``n_in / n_out`` (in ``ft``)."""
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n_in) / ft(n_out)


def _taps(mode, n_in, n_out, scale, align_corners, ft):
    """``(idx (n_out, k) int64, w (n_out, k) ft or None)`` for one axis."""
    j = np.arange(n_out)
    if mode == "nearest":
        if n_out == n_in:
            idx = j
        elif n_out == 2 * n_in:
            idx = j >> 1
        else:
            s = _scale_value(scale, n_in, n_out, np.float32)
            idx = np.floor(j.astype(np.float32) * s)
            idx = np.minimum(idx.astype(np.int64), n_in - 1)
        return idx[:, None].astype(np.int64), None
    if mode == "nearest-exact":
        s = _scale_value(scale, n_in, n_out, np.float32)
        src = ((j + 0.5) * np.float64(s)).astype(np.float32)
        idx = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        return idx[:, None], None
    # linear / cubic
    if align_corners:
        ratio = ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    else:
        ratio = _scale_value(scale, n_in, n_out, ft)
    jf = j.astype(ft)
    if mode == "linear":
        if n_out == n_in:
            return np.stack([j, j], 1).astype(np.int64), \
                np.stack([np.ones(n_out, ft), np.zeros(n_out, ft)], 1)
        if align_corners:
            src = ratio * jf
        else:
            src = ratio * (jf + ft(0.5)) - ft(0.5)
            src = np.maximum(src, ft(0))
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        lam1 = np.clip(src - i0.astype(ft), ft(0), ft(1)).astype(ft)
        i1 = i0 + (i0 < n_in - 1)
        lam0 = (ft(1) - lam1).astype(ft)
        return np.stack([i0, i1], 1), np.stack([lam0, lam1], 1)
    # cubic: four taps around floor(src), clamped to the border
    src = ratio * jf if align_corners else ratio * (jf + ft(0.5)) - ft(0.5)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    t = np.clip(src - i0.astype(ft), ft(0), ft(1)).astype(ft)

    def conv1(x):
        return ((ft(_A + 2) * x - ft(_A + 3)) * x * x + ft(1)).astype(ft)

    def conv2(x):
        return (((ft(_A) * x - ft(5 * _A)) * x + ft(8 * _A)) * x - ft(4 * _A)).astype(ft)

    w = np.stack([conv2(t + ft(1)), conv1(t), conv1(ft(1) - t), conv2(ft(2) - t)], 1)
    idx = np.clip(i0[:, None] + np.arange(-1, 3)[None, :], 0, n_in - 1)
    return idx.astype(np.int64), w.astype(ft)


def _dense(idx, w, n_in, dtype):
    """The (n_out, n_in) matrix of one axis's taps (summing repeated indices)."""
    n_out, k = idx.shape
    m = np.zeros((n_out, n_in), dtype=np.float64)
    rows = np.repeat(np.arange(n_out), k)
    vals = np.ones(n_out * k) if w is None else w.astype(np.float64).reshape(-1)
    np.add.at(m, (rows, idx.reshape(-1)), vals)
    return m.astype(dtype)


# ---------------------------------------------------------------------------------- ops
def _repeat_factor(idx, w, n_in):
    """``r`` when the taps just repeat every input ``r`` times (integer nearest upsampling)."""
    n_out = idx.shape[0]
    if w is not None or n_out % n_in:
        return 0
    r = n_out // n_in
    return r if np.array_equal(idx[:, 0], np.arange(n_out) // r) else 0


def _gather_axis(x, axis, idx, w):
    xp = array_module(x)
    if w is None:
        r = _repeat_factor(idx, w, x.shape[axis])
        if r == 1:
            return x.copy()     # identity axis: still a fresh array, never a view of x
        if r:   # broadcast + reshape: one contiguous copy, no index arithmetic
            shp = x.shape
            y = xp.broadcast_to(xp.expand_dims(x, axis + 1),
                                shp[:axis + 1] + (r,) + shp[axis + 1:])
            return y.reshape(shp[:axis] + (shp[axis] * r,) + shp[axis + 1:])
        return x.take(xp.asarray(idx[:, 0]), axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    out = None
    for k in range(idx.shape[1]):
        term = x.take(xp.asarray(idx[:, k]), axis=axis)
        term *= xp.asarray(w[:, k]).reshape(shape)
        out = term if out is None else out.__iadd__(term)
    return out


def _scatter_axis(g, axis, idx, w, n_in):
    """Adjoint of ``_gather_axis``: a GEMM with the tap matrix (scatter-add if huge)."""
    xp = array_module(g)
    n_out = idx.shape[0]
    r = _repeat_factor(idx, w, n_in)
    if r:
        shp = g.shape
        return g.reshape(shp[:axis] + (n_in, r) + shp[axis + 1:]).sum(axis=axis + 1)
    gm = xp.moveaxis(g, axis, -1)
    if n_out * n_in <= _DENSE_LIMIT:
        m = xp.asarray(_dense(idx, w, n_in, g.dtype))
        out = gm @ m
    else:
        out = xp.zeros(gm.shape[:-1] + (n_in,), dtype=g.dtype)
        for k in range(idx.shape[1]):
            vals = gm if w is None else gm * xp.asarray(w[:, k])
            _add_at_last(out, xp.asarray(idx[:, k]), vals)
    return xp.ascontiguousarray(xp.moveaxis(out, -1, axis))


def _add_at_last(out, idx, vals):
    xp = array_module(out)
    if xp is np:
        np.add.at(out, (Ellipsis, idx), vals)
    else:  # pragma: no cover - CuPy
        import cupyx
        cupyx.scatter_add(out, (Ellipsis, idx), vals)


class _Resample(Op):
    """Separable resampling; ``plan`` is ``((axis, idx, w, n_in), ...)`` innermost first."""

    @staticmethod
    def forward(ctx, x, plan):
        ctx.plan = plan
        for axis, idx, w, _ in plan:
            x = _gather_axis(x, axis, idx, w)
        return x

    @staticmethod
    def backward(ctx, g):
        return _ResampleBackward.apply(g, plan=ctx.plan, fwd=type(ctx))


class _ResampleBackward(Op):
    @staticmethod
    def forward(ctx, g, plan, fwd):
        ctx.plan, ctx.fwd = plan, fwd
        for axis, idx, w, n_in in reversed(plan):
            g = _scatter_axis(g, axis, idx, w, n_in)
        return g

    @staticmethod
    def backward(ctx, gg):
        return ctx.fwd.apply(gg, plan=ctx.plan)


_OP_NAMES = {("nearest", 1): "UpsampleNearest1D", ("nearest", 2): "UpsampleNearest2D",
             ("nearest", 3): "UpsampleNearest3D", ("nearest-exact", 1): "UpsampleNearestExact1D",
             ("nearest-exact", 2): "UpsampleNearestExact2D",
             ("nearest-exact", 3): "UpsampleNearestExact3D",
             ("linear", 1): "UpsampleLinear1D", ("bilinear", 2): "UpsampleBilinear2D",
             ("trilinear", 3): "UpsampleTrilinear3D", ("bicubic", 2): "UpsampleBicubic2D"}
_OP_NAMES[("area", 3)] = "AdaptiveAvgPool3D"
_OPS = {key: type(name, (_Resample,), {}) for key, name in _OP_NAMES.items()}
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")


# ------------------------------------------------------------------------------ interpolate
def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dimensions of (N, C, *spatial) with 1, 2 or 3 spatial dims.

    Give ``size`` (output spatial size) or ``scale_factor`` (output = floor(input · scale)).
    ``mode``: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' / 'bicubic'
    (4-D), 'trilinear' (5-D) or 'area' (adaptive average pooling). ``align_corners`` (for
    the interpolating modes) maps corner pixel centres onto each other.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): input must be a Tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate(): unknown mode '{mode}' (expected one of "
                                  f"{' | '.join(_MODES)})")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported by Ember yet")
    nd = input.dim() - 2
    if nd not in (1, 2, 3):
        raise NotImplementedError(
            f"interpolate(): only 3-D, 4-D and 5-D inputs (N, C, *spatial) are supported, got "
            f"a {input.dim()}-D input of shape {list(input.shape)} (mode '{mode}')")
    need = _NEEDS.get(mode)
    if need is not None and input.dim() != need:
        raise NotImplementedError(f"interpolate(): got a {input.dim()}-D input of shape "
                                  f"{list(input.shape)}, but {mode} mode needs a {need}-D input")
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    scales = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(
                    f"interpolate(): input spatial dimensions {spatial} and output size "
                    f"{list(size)} have different lengths; give size as (o1, ..., o{nd})")
            if not all(_is_int(s) for s in size):
                raise TypeError(f"interpolate(): expected integer sizes, got "
                                f"{[type(s).__name__ for s in size]}")
            out_size = [int(s) for s in size]
        else:
            if not _is_int(size):
                raise TypeError(f"interpolate(): expected an integer size, got "
                                f"{type(size).__name__}")
            out_size = [int(size)] * nd
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != nd:
                raise ValueError(
                    f"interpolate(): input spatial dimensions {spatial} and scale_factor "
                    f"{list(scale_factor)} have different lengths")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * nd
        out_size = [math.floor(n * s) for n, s in zip(spatial, scales)]
        if recompute_scale_factor or mode == "area":
            scales = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if any(s <= 0 for s in out_size) or any(n <= 0 for n in spatial):
        raise RuntimeError(f"interpolate(): input {list(input.shape)} and output spatial size "
                           f"{out_size} must both be greater than 0")
    if mode == "area":
        from . import _pool
        if nd == 1:
            return _pool.adaptive_avg_pool1d(input, out_size[0])
        if nd == 2:
            return _pool.adaptive_avg_pool2d(input, tuple(out_size))
    x = input
    if x._data.dtype.kind not in "fc" and mode not in ("nearest", "nearest-exact"):
        raise RuntimeError(f"interpolate(): mode '{mode}' needs a floating point input, got "
                           f"{input.dtype}")
    ft = np.float64 if x._data.dtype == np.float64 else np.float32
    kind = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    plan = []
    for i in reversed(range(nd)):       # innermost axis first, like PyTorch's kernels
        n_in, n_out = spatial[i], out_size[i]
        sc = None if scales is None else scales[i]
        if kind == "area":
            idx, w = _area_taps(n_in, n_out, ft)
        else:
            idx, w = _taps(kind, n_in, n_out, sc, align_corners, ft)
        if w is not None:
            w = w.astype(x._data.dtype)
        plan.append((2 + i, idx, w, n_in))
    return _OPS[(mode, nd)].apply(x, plan=tuple(plan))


def _area_taps(n_in, n_out, ft):
    """Adaptive-average windows as padded taps (used for 5-D 'area')."""
    starts = [(i * n_in) // n_out for i in range(n_out)]
    ends = [-((-(i + 1) * n_in) // n_out) for i in range(n_out)]
    k = max(e - s for s, e in zip(starts, ends))
    idx = np.zeros((n_out, k), np.int64)
    w = np.zeros((n_out, k), ft)
    for i, (s, e) in enumerate(zip(starts, ends)):
        idx[i, :e - s] = np.arange(s, e)
        w[i, :e - s] = ft(1) / ft(e - s)
    return idx, w


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
