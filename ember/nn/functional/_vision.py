"""Padding, pixel shuffling, one-hot encoding and spatial sampling (affine_grid, grid_sample).

``pad`` has two ops: ``ConstantPadNd`` (fill + copy; its gradient is the same op with the pads
negated) and an index-gather op for reflect / replicate / circular whose gradient scatters the
border contributions back (summing mirrored or replicated copies). Both are linear, so the
gradient of the gradient is the forward op again. ``interpolate`` lives in ``_interpolate``.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from ..._tensor import Tensor, _wrap
from ...autograd.graph import Op
from ...backend import array_module

__all__ = ["pad", "pixel_shuffle", "pixel_unshuffle", "one_hot", "affine_grid", "grid_sample"]


# ----------------------------------------------------------------------------- constant pad
def _crop_and_place(in_shape, pads):
    """Source/destination slices and output shape for per-dim ``(before, after)`` pads."""
    src, dst, out_shape = [], [], []
    for n, (b, a) in zip(in_shape, pads):
        m = n + b + a
        lo, hi = max(-b, 0), n - max(-a, 0)
        length = max(min(hi - lo, m - max(b, 0)), 0)
        src.append(slice(lo, lo + length))
        dst.append(slice(max(b, 0), max(b, 0) + length))
        out_shape.append(m)
    return tuple(src), tuple(dst), tuple(out_shape)


class ConstantPadNd(Op):
    @staticmethod
    def forward(ctx, x, pads, value):
        ctx.pads = pads
        src, dst, out_shape = _crop_and_place(x.shape, pads)
        xp = array_module(x)
        out = xp.full(out_shape, value, dtype=x.dtype)
        out[dst] = x[src]
        return out

    @staticmethod
    def backward(ctx, g):
        # The adjoint of "pad by p" is "pad by -p" (crop where padded, zero-fill where cropped).
        return ConstantPadNd.apply(g, pads=tuple((-b, -a) for b, a in ctx.pads), value=0)


# ------------------------------------------------------------------- reflect / replicate / ...
@functools.lru_cache(maxsize=512)
def _pad_index(mode: str, n: int, b: int, a: int):
    """Source index of every output position along one dim, plus its monotone runs.

    Runs are ``(start, stop, first_index, step)`` with step in {1, -1, 0}; inside a run the
    source indices are distinct (step ±1) or all equal (step 0), so the backward pass can add
    whole slices instead of scattering element by element.
    """
    if mode == "circular":
        # PyTorch crops first (negative pads), then wraps around the cropped extent.
        lo, hi = max(-b, 0), n - max(-a, 0)
        k = hi - lo
        j = np.arange(-max(b, 0), k + max(a, 0))
        idx = lo + np.mod(j, k)
    else:
        j = np.arange(-b, n + a)
        if mode == "reflect":
            idx = np.abs(j)
            idx = np.where(idx > n - 1, 2 * (n - 1) - idx, idx)
        else:  # replicate
            idx = np.clip(j, 0, n - 1)
    idx = idx.astype(np.int64)
    runs, start, m = [], 0, len(idx)
    d = np.diff(idx)
    while start < m:
        if start + 1 == m or d[start] not in (-1, 0, 1):
            runs.append((start, start + 1, int(idx[start]), 1))
            start += 1
            continue
        step, end = int(d[start]), start + 1
        while end < m and end - 1 < len(d) and d[end - 1] == step:
            end += 1
        runs.append((start, end, int(idx[start]), step))
        start = end
    return idx, tuple(runs)


def _scatter_runs(g, axis, runs, n):
    """Adjoint of ``take(idx, axis)``: sum slices of ``g`` back into an axis of length ``n``."""
    xp = array_module(g)
    shape = list(g.shape)
    shape[axis] = n
    out = xp.zeros(shape, dtype=g.dtype)
    pre = (slice(None),) * axis
    for s, e, i0, step in runs:
        piece = g[pre + (slice(s, e),)]
        if step == 1:
            out[pre + (slice(i0, i0 + e - s),)] += piece
        elif step == -1:
            out[pre + (slice(i0 - (e - s) + 1, i0 + 1),)] += xp.flip(piece, axis)
        else:
            out[pre + (slice(i0, i0 + 1),)] += piece.sum(axis=axis, keepdims=True)
    return out


class _IndexPad(Op):
    """Gather along each padded axis (reflect / replicate / circular)."""

    @staticmethod
    def forward(ctx, x, plan):
        ctx.plan = plan
        ctx.in_shape = x.shape
        xp = array_module(x)
        for axis, idx, _ in plan:
            x = x.take(xp.asarray(idx), axis=axis)
        return x

    @staticmethod
    def backward(ctx, g):
        return _IndexPadBackward.apply(g, plan=ctx.plan, in_shape=ctx.in_shape)


class _IndexPadBackward(Op):
    @staticmethod
    def forward(ctx, g, plan, in_shape):
        ctx.plan = plan
        for axis, _, runs in reversed(plan):
            g = _scatter_runs(g, axis, runs, in_shape[axis])
        return g

    @staticmethod
    def backward(ctx, gg):
        return _PAD_OPS[("gather", len(ctx.plan))].apply(gg, plan=ctx.plan)


_PAD_OPS = {}
for _k in (1, 2, 3):
    for _mode, _name in (("reflect", "ReflectionPad"), ("replicate", "ReplicationPad"),
                         ("circular", "CircularPad")):
        _PAD_OPS[(_mode, _k)] = type(f"{_name}{_k}D", (_IndexPad,), {})
    _PAD_OPS[("gather", _k)] = _PAD_OPS[("reflect", _k)]

_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative amounts, crop) the last dimensions of ``input``.

    ``pad`` is a flat sequence ``(left_last, right_last, left_second_last, ...)``, i.e. it
    starts at the last dimension and goes backwards. ``mode``: ``'constant'`` (any number of
    dims, filled with ``value``), ``'reflect'``, ``'replicate'`` or ``'circular'`` (the last 1,
    2 or 3 dims of a batched or unbatched input). Shape: (*, d_i) → (*, d_i + left_i + right_i).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): input must be a Tensor, got {type(input).__name__}")
    pads = [int(p) for p in pad]
    if len(pads) % 2:
        raise RuntimeError(f"pad(): padding length must be divisible by 2, got {len(pads)} "
                           f"values {list(pad)}")
    ndim = input.dim()
    if len(pads) // 2 > ndim:
        raise RuntimeError(
            f"pad(): padding length should be at most two times the input dimension, but got "
            f"padding length {len(pads)} for an input of shape {list(input.shape)} "
            f"({ndim}-D)")
    if mode not in _MODES:
        raise NotImplementedError(f"pad(): unrecognised padding mode '{mode}' (expected one "
                                  f"of {', '.join(_MODES)})")
    k = len(pads) // 2
    shape = input.shape
    per_dim = [(0, 0)] * (ndim - k) + [(pads[2 * i], pads[2 * i + 1]) for i in
                                       reversed(range(k))]
    if mode == "constant":
        for d, (n, (b, a)) in enumerate(zip(shape, per_dim)):
            if n + b + a < 0:
                raise RuntimeError(
                    f"pad(): the input size {n} plus padding {b} and {a} gives a negative "
                    f"output size at dimension {d} of an input of shape {list(shape)}")
        if all(b == 0 and a == 0 for b, a in per_dim):
            return input.clone()
        fill = 0 if value is None else value
        if input._data.dtype.kind in "iub" and isinstance(fill, float) and not \
                float(fill).is_integer():
            fill = int(fill)
        return ConstantPadNd.apply(input, pads=tuple(per_dim), value=fill)
    if value is not None and value != 0:
        raise RuntimeError(f"pad(): padding mode '{mode}' does not take a value argument "
                           f"(got value={value})")
    if k not in (1, 2, 3) or ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad(): {len(pads)} padding values are not supported for a {ndim}-D input in "
            f"mode '{mode}': non-constant padding pads the last dimension of a 2-D/3-D input "
            "(2 values), the last 2 of a 3-D/4-D input (4 values) or the last 3 of a 4-D/5-D "
            "input (6 values)")
    plan = []
    for axis in range(ndim - k, ndim):
        n, (b, a) = shape[axis], per_dim[axis]
        if b == 0 and a == 0:
            continue
        if mode == "reflect" and (b >= n or a >= n):
            raise RuntimeError(
                f"pad(): reflect padding must be smaller than the padded dimension, but got "
                f"padding ({b}, {a}) at dimension {axis} of input of shape {list(shape)}")
        if mode == "circular":
            kept = n - max(-b, 0) - max(-a, 0)
            if b > kept or a > kept:
                raise RuntimeError(
                    f"pad(): circular padding ({b}, {a}) wraps around more than once at "
                    f"dimension {axis} of input of shape {list(shape)} (at most {kept})")
        if n + b + a < 0 or (n == 0):
            raise RuntimeError(
                f"pad(): padding ({b}, {a}) gives an invalid output size at dimension {axis} "
                f"of input of shape {list(shape)}")
        idx, runs = _pad_index(mode, n, b, a)
        plan.append((axis, idx, runs))
    if not plan:
        return input.clone()
    return _PAD_OPS[(mode, k)].apply(input, plan=tuple(plan))


# ---------------------------------------------------------------------------- pixel shuffle
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C·r², H, W) → (*, C, H·r, W·r) (sub-pixel convolution)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects an input with at least 3 dimensions, but "
                           f"got shape {list(input.shape)}")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, got {r}")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            f"pixel_shuffle expects the channel dimension (size {c} of input shape "
            f"{list(input.shape)}) to be divisible by upscale_factor² = {r * r}")
    nb = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    perm = tuple(range(nb)) + (nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return x.permute(perm).reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H·r, W·r) → (*, C·r², H, W) (the inverse of ``pixel_shuffle``)."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects an input with at least 3 dimensions, but "
                           f"got shape {list(input.shape)}")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, got {r}")
    *batch, c, h, w = input.shape
    for name, size in (("height", h), ("width", w)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects the {name} ({size}, input shape {list(input.shape)}) "
                f"to be divisible by downscale_factor={r}")
    nb = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    perm = tuple(range(nb)) + (nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return x.permute(perm).reshape(*batch, c * r * r, h // r, w // r)


# ---------------------------------------------------------------------------------- one_hot
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encode int64 class indices: shape (*) → (*, num_classes), dtype int64.

    ``num_classes=-1`` uses ``max(tensor) + 1``.
    """
    if not isinstance(tensor, Tensor) or tensor._data.dtype != np.int64:
        got = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise RuntimeError(f"one_hot is only applicable to index tensors of dtype int64 "
                           f"(LongTensor), got {got}")
    a = tensor._data
    xp = array_module(a)
    if a.size == 0:
        if num_classes < 0:
            raise RuntimeError("one_hot: cannot infer the number of classes from an empty "
                               "tensor; pass num_classes")
    else:
        lo, hi = int(a.min()), int(a.max())
        if lo < 0:
            raise RuntimeError(f"one_hot: class values must be non-negative, got {lo}")
        if num_classes < 0:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError(f"one_hot: class values must be smaller than num_classes="
                               f"{num_classes}, got {hi}")
    num_classes = int(num_classes)
    out = (a[..., None] == xp.arange(num_classes, dtype=np.int64)).astype(np.int64)
    return _wrap(out)


# ------------------------------------------------------------------ affine_grid / grid_sample
def _linspace_base(n: int, align_corners: bool, dtype):
    """Normalised pixel-centre coordinates in [-1, 1] along one axis of length ``n``, with
    PyTorch's float arithmetic (linspace from both ends, then ``· (n-1) / n``)."""
    if n <= 1:
        return np.zeros(max(n, 0), dtype=dtype)
    i = np.arange(n)
    step = dtype(2.0 / (n - 1)) if dtype is np.float64 else dtype(np.float32(2) / (n - 1))
    v = np.where(i < n // 2, dtype(-1) + step * i.astype(dtype),
                 dtype(1) - step * (n - 1 - i).astype(dtype)).astype(dtype)
    if not align_corners:
        v = (v * dtype(n - 1)).astype(dtype) / dtype(n)
    return v.astype(dtype)


def _default_align(align_corners, name):
    if align_corners is None:
        warnings.warn(f"{name}: the default align_corners is False (since PyTorch 1.3.0); "
                      "pass align_corners=True for the old behaviour", stacklevel=3)
        return False
    return bool(align_corners)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """Sampling grid for a batch of affine maps (for ``grid_sample``).

    theta (N, 2, 3) with size (N, C, H, W) → grid (N, H, W, 2); theta (N, 3, 4) with
    size (N, C, D, H, W) → grid (N, D, H, W, 3). Grid entries are (x, y[, z]) in [-1, 1].
    """
    from ... import _creation
    align_corners = _default_align(align_corners, "affine_grid")
    if not theta.is_floating_point():
        raise ValueError(f"affine_grid: expected theta of a floating point dtype, got "
                         f"{theta.dtype}")
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[1:]) != (2, 3):
            raise ValueError(f"affine_grid: expected a batch of 2-D affine matrices of shape "
                             f"(N, 2, 3) for size {size}, got theta of shape "
                             f"{list(theta.shape)}")
        spatial = size[2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[1:]) != (3, 4):
            raise ValueError(f"affine_grid: expected a batch of 3-D affine matrices of shape "
                             f"(N, 3, 4) for size {size}, got theta of shape "
                             f"{list(theta.shape)}")
        spatial = size[2:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4-D and 5-D sizes (2-D and 3-D "
                                  f"affine transforms), got size {size}")
    if min(size) <= 0:
        raise ValueError(f"affine_grid: expected a positive output size, got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta's batch size {theta.shape[0]} does not match "
                           f"size[0]={size[0]}")
    # Homogeneous base coordinates, x fastest: (prod(spatial), nd + 1).
    ft = theta._data.dtype.type
    axes = [_linspace_base(n, align_corners, ft) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")          # D?, H, W order
    cols = [m.reshape(-1) for m in reversed(mesh)]     # x, y(, z)
    base = np.stack(cols + [np.ones_like(cols[0])], axis=1).astype(theta._data.dtype)
    base_t = _creation.tensor(base, device=theta.device)
    grid = base_t.matmul(theta.transpose(1, 2))       # (N, P, nd)
    return grid.reshape(size[0], *spatial, len(spatial))


def _unnormalize(coord, size: int, align_corners: bool):
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, twice_low: int, twice_high: int):
    """Reflect coordinates into [low, high] (PyTorch's reflect_coordinates), differentiably."""
    from ... import ops
    if twice_low == twice_high:
        return coord * 0
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = (coord - lo).abs()
    extra = ops.fmod(c, span)
    flips = (c / span).floor().detach()
    even = ops.remainder(flips, 2) == 0
    return ops.where(even, extra + lo, span - extra + lo)


def _source_coord(coord, size, padding_mode, align_corners):
    c = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        c = c.clamp(0, size - 1)
    elif padding_mode == "reflection":
        if align_corners:
            c = _reflect(c, 0, 2 * (size - 1))
        else:
            c = _reflect(c, -1, 2 * size - 1)
        c = c.clamp(0, size - 1)
    return c


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (N, C, H, W) at the normalised locations of ``grid`` (N, Ho, Wo, 2).

    ``grid[..., 0]`` is x (width) and ``grid[..., 1]`` is y (height), both in [-1, 1].
    ``mode``: 'bilinear' or 'nearest'; ``padding_mode``: 'zeros', 'border' or 'reflection'.
    Differentiable w.r.t. both ``input`` and ``grid``. Output: (N, C, Ho, Wo).
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"grid_sample(): expected mode to be 'bilinear', 'nearest' or "
                         f"'bicubic', but got '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"grid_sample(): expected padding_mode to be 'zeros', 'border' or "
                         f"'reflection', but got '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample(): mode='bicubic' is not supported by Ember yet")
    align_corners = _default_align(align_corners, "grid_sample")
    if input.dim() != 4 or grid.dim() != 4:
        if input.dim() == 5:
            raise NotImplementedError("grid_sample(): 5-D (volumetric) inputs are not supported "
                                      "by Ember yet")
        raise RuntimeError(f"grid_sample(): expected a 4-D input (N, C, H, W) and a 4-D grid "
                           f"(N, H_out, W_out, 2), got input of shape {list(input.shape)} and "
                           f"grid of shape {list(grid.shape)}")
    if grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sample(): expected grid of shape (N={input.shape[0]}, H_out, "
                           f"W_out, 2) for input of shape {list(input.shape)}, got grid of shape "
                           f"{list(grid.shape)}")
    if input._data.dtype != grid._data.dtype:
        raise RuntimeError(f"grid_sample(): expected input and grid to have the same dtype, got "
                           f"input {input.dtype} and grid {grid.dtype}")
    if input.shape[2] == 0 or input.shape[3] == 0:
        raise RuntimeError(f"grid_sample(): expected an input with non-empty spatial dimensions,"
                           f" got shape {list(input.shape)}")
    n, c, h, w = input.shape
    _, ho, wo, _ = grid.shape
    ix = _source_coord(grid[..., 0], w, padding_mode, align_corners)   # (N, Ho, Wo)
    iy = _source_coord(grid[..., 1], h, padding_mode, align_corners)
    flat = input.reshape(n, c, h * w)

    def tap(yy, xx):
        """input[n, :, yy, xx] where in bounds, 0 elsewhere: (N, C, Ho·Wo)."""
        yd, xd = yy._data, xx._data
        ok = (xd >= 0) & (xd <= w - 1) & (yd >= 0) & (yd <= h - 1)
        # out-of-bounds (and NaN) taps read element 0 and are then zeroed by the mask
        lin = np.where(ok, yd * w + xd, 0).astype(np.int64)
        lin = lin.reshape(n, 1, ho * wo)
        xp = array_module(lin)
        idx = _wrap(xp.broadcast_to(lin, (n, c, ho * wo)))
        vals = flat.gather(2, idx)
        if not ok.all():
            mask = _wrap(ok.reshape(n, 1, ho * wo).astype(input._data.dtype))
            vals = vals * mask
        return vals

    if mode == "nearest":
        # nearbyint: round half to even, like PyTorch's CPU kernel.
        xr, yr = ix.detach().round(), iy.detach().round()
        return tap(yr, xr).reshape(n, c, ho, wo)
    x0, y0 = ix.detach().floor(), iy.detach().floor()
    x1, y1 = x0 + 1, y0 + 1
    wx1, wy1 = ix - x0, iy - y0
    wx0, wy0 = x1 - ix, y1 - iy

    def weight(a, b):
        return (a * b).reshape(n, 1, ho * wo)

    out = (tap(y0, x0) * weight(wx0, wy0) + tap(y0, x1) * weight(wx1, wy0) +
           tap(y1, x0) * weight(wx0, wy1) + tap(y1, x1) * weight(wx1, wy1))
    return out.reshape(n, c, ho, wo)
