"""Sorting and searching: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode,
quantile, nanquantile, unique, unique_consecutive, searchsorted, bucketize, bincount, histc.

NaN sorts as the largest value (PyTorch's order). Sorting is always stable, so ties keep
their original order (``stable=True`` semantics). Gradients flow to the selected elements.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import as_tensor_arg, wrap_dim, xp_of
from ._registry import register
from .reduce2 import (EmptyReductionError, _check_nonempty_dims, _evenly_mask, _named,
                      gather_along, return_types, scatter_into)


def _argsort(a, axis: int, descending: bool):
    """Stable argsort along ``axis``; NaN last ascending, first descending (like PyTorch)."""
    xp = xp_of(a)
    if a.ndim == 0:
        return xp.zeros((), np.int64)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    # stable descending: sort the reversed array ascending, reverse the order, map indices
    n = a.shape[axis]
    r = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
    return (n - 1) - xp.flip(r, axis)


class _SelectAlong(Op):
    """Values of ``x`` at given indices along ``dim`` (values chosen by sort/topk/kthvalue/
    median/mode); the gradient is scattered back to those indices."""

    nondiff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, idx, dim, keepdim):
        ctx.idx, ctx.dim, ctx.keepdim, ctx.shape = idx, dim, keepdim, x.shape
        if x.ndim == 0:
            return x.copy(), idx.reshape(()).astype(np.int64)
        vals = xp_of(x).take_along_axis(x, idx, axis=dim)
        if not keepdim:
            vals, idx = vals.squeeze(dim), idx.squeeze(dim)
        return vals, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, g, _gi=None):
        if not ctx.keepdim and len(ctx.shape):
            g = g.unsqueeze(ctx.dim)
        return scatter_into(g, ctx.idx, ctx.dim, ctx.shape)


def _selector(name: str):
    return _named(type(name, (_SelectAlong,), {}), name + "Backward0")


Sort = _selector("Sort")
Topk = _selector("Topk")
Kthvalue = _selector("Kthvalue")
Mode = _selector("Mode")
Median = _named(type("Median", (_SelectAlong,), {}), "MedianBackward1")
Nanmedian = _named(type("Nanmedian", (_SelectAlong,), {}), "NanmedianBackward1")


# --------------------------------------------------------------------------- sort family
@register
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """Sort along ``dim``: ``(values, indices)``. NaN counts as the largest value; the order
    is always stable."""
    if isinstance(dim, bool):        # sort(x, stable=...) passed positionally in old code
        dim = -1
    d = wrap_dim(dim, input._data.ndim)
    idx = _argsort(input._data, d, descending)
    return return_types.sort(*Sort.apply(input, idx=idx, dim=d, keepdim=True))


@register
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim`` (int64)."""
    d = wrap_dim(dim, input._data.ndim)
    return _wrap(_argsort(input._data, d, descending).astype(np.int64, copy=False))


@register
def msort(input) -> Tensor:
    """Sort along the first dimension (values only)."""
    return sort(input, 0).values


@register
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) elements along ``dim``: ``(values, indices)``,
    in sorted order."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k={k} is out of range for dimension {d} of "
                           f"size {n} (input shape {list(x.shape)})")
    if x.ndim == 0:
        return return_types.topk(*Topk.apply(input, idx=xp_of(x).zeros((), np.int64), dim=0,
                                             keepdim=True))
    xp = xp_of(x)
    if 0 < k < n and n > 64:
        # partial selection first, then sort only the k candidates
        part = xp.argpartition(x, n - k if largest else k - 1, axis=d)
        cand = part.take(range(n - k, n) if largest else range(k), axis=d)
        order = _argsort(xp.take_along_axis(x, cand, axis=d), d, largest)
        idx = xp.take_along_axis(cand, order, axis=d)
    else:
        idx = _argsort(x, d, largest).take(range(k), axis=d)
    return return_types.topk(*Topk.apply(input, idx=idx, dim=d, keepdim=True))


@register
def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest element (1-based) along ``dim``: ``(values, indices)``."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k={k} is out of range for dimension "
                           f"{d} of size {n}")
    idx = _argsort(x, d, False)
    if x.ndim:
        idx = idx.take([k - 1], axis=d)
    return return_types.kthvalue(*Kthvalue.apply(input, idx=idx, dim=d, keepdim=keepdim))


# --------------------------------------------------------------------------- median
class MedianAll(Op):
    """Full-tensor (nan)median; ties share the gradient evenly (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, x, ignore_nan):
        flat = x.reshape(-1)
        s = xp_of(x).sort(flat)
        nnan = int((flat != flat).sum()) if x.dtype.kind in "fc" else 0
        if nnan and not ignore_nan:
            out = s[-1:].reshape(())        # NaN propagates
        else:
            m = flat.size - nnan
            out = s[builtins.max((m - 1) // 2, 0)].reshape(()).copy()
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        mask = _evenly_mask(x, out)
        return g * mask / _wrap(mask._data.sum())


_named(MedianAll, "MedianBackward0")


def _median_dim(input, dim, keepdim, ignore_nan):
    name = "nanmedian" if ignore_nan else "median"
    x = input._data
    d = wrap_dim(dim, x.ndim)
    _check_nonempty_dims(input, (d,), name)
    if x.ndim == 0:
        cls = Nanmedian if ignore_nan else Median
        return cls.apply(input, idx=xp_of(x).zeros((), np.int64), dim=0, keepdim=keepdim)
    xp = xp_of(x)
    order = xp.argsort(x, axis=d, kind="stable")     # NaNs last, in original order
    n = x.shape[d]
    nnan = (x != x).sum(axis=d, keepdims=True) if x.dtype.kind in "fc" else \
        xp.zeros(_one(x.shape, d), np.int64)
    if ignore_nan:
        pos = xp.maximum((n - nnan - 1) // 2, 0)
    else:   # a NaN in the slice selects the first NaN
        pos = xp.where(nnan > 0, n - nnan, (n - 1) // 2)
    idx = xp.take_along_axis(order, pos.astype(np.int64), axis=d)
    cls = Nanmedian if ignore_nan else Median
    return cls.apply(input, idx=idx, dim=d, keepdim=keepdim)


def _one(shape, d):
    return tuple(1 if i == d else s for i, s in enumerate(shape))


@register
def median(input, dim=None, keepdim: bool = False):
    """Lower median of all elements (0-d), or ``(values, indices)`` along ``dim``.
    NaN propagates."""
    if dim is None:
        if input._data.size == 0:
            raise EmptyReductionError("median(): cannot take the median of an empty tensor "
                                      "without a dim")
        return MedianAll.apply(input, ignore_nan=False)
    return return_types.median(*_median_dim(input, dim, keepdim, False))


@register
def nanmedian(input, dim=None, keepdim: bool = False):
    """Like :func:`median` ignoring NaNs (NaN only where a slice is all NaN)."""
    if dim is None:
        if input._data.size == 0:
            raise EmptyReductionError("nanmedian(): cannot take the median of an empty tensor "
                                      "without a dim")
        return MedianAll.apply(input, ignore_nan=True)
    return return_types.nanmedian(*_median_dim(input, dim, keepdim, True))


@register
def mode(input, dim: int = -1, keepdim: bool = False):
    """Most frequent value along ``dim`` (the smallest on ties) and the index of its last
    occurrence: ``(values, indices)``."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    _check_nonempty_dims(input, (d,), "mode")
    if x.ndim == 0:
        return return_types.mode(*Mode.apply(input, idx=xp_of(x).zeros((), np.int64), dim=0,
                                             keepdim=keepdim))
    xp = xp_of(x)
    a = xp.moveaxis(x, d, -1)
    order = xp.argsort(a, axis=-1, kind="stable")
    s = xp.take_along_axis(a, order, axis=-1)
    n = s.shape[-1]
    pos = xp.arange(n)
    new_run = xp.ones(s.shape, bool)
    new_run[..., 1:] = s[..., 1:] != s[..., :-1]
    start = np.maximum.accumulate(xp.where(new_run, pos, 0), axis=-1)
    run_len = pos - start + 1
    end_run = xp.ones(s.shape, bool)
    end_run[..., :-1] = new_run[..., 1:]
    score = xp.where(end_run, run_len, 0)
    # first run end with the highest count = smallest value; its original index is the
    # largest within the run because the sort is stable
    best = score.argmax(axis=-1)[..., None]
    idx = xp.take_along_axis(order, best, axis=-1)
    idx = xp.moveaxis(idx, -1, d)
    return return_types.mode(*Mode.apply(input, idx=idx, dim=d, keepdim=keepdim))


# --------------------------------------------------------------------------- quantile
_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    name = "nanquantile" if ignore_nan else "quantile"
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name}(): input tensor must be either float or double dtype, got "
                           f"{input.dtype}")
    if interpolation not in _INTERP:
        raise ValueError(f"{name}(): interpolation must be one of {_INTERP}, got "
                         f"{interpolation!r}")
    x = input._data
    xp = xp_of(x)
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}(): q must be a scalar or 1D tensor, got shape "
                               f"{list(q.shape)}")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{name}(): q tensor must be same dtype as the input tensor "
                               f"(q is {q.dtype}, input is {input.dtype})")
        q_scalar = q._data.ndim == 0
        qa = xp.asarray(q._data, dtype=x.dtype).reshape(-1)
    else:
        if isinstance(q, (list, tuple)):
            raise TypeError(f"{name}(): q must be a float or a Tensor, got {type(q).__name__}")
        q_scalar = True
        qa = xp.asarray([q], dtype=x.dtype)
    if qa.size and bool(((qa < 0) | (qa > 1)).any()):
        raise RuntimeError(f"{name}(): q values must be in the range [0, 1]")
    shape = x.shape
    if dim is None:
        flat = input.reshape(-1)
        d = 0
        out_shape = (1,) * len(shape) if keepdim else ()
    else:
        d = wrap_dim(dim, x.ndim)
        flat = input.unsqueeze(0) if x.ndim == 0 else input
        if x.ndim == 0:
            d = 0
        out_shape = tuple(1 if i == d else s for i, s in enumerate(shape)) if keepdim else \
            tuple(s for i, s in enumerate(shape) if i != d)
    if flat._data.shape[d] == 0:
        raise RuntimeError(f"{name}(): input tensor must be non-empty")
    # move the reduced dim last: (..., n)
    if flat._data.ndim > 1 and d != flat._data.ndim - 1:
        perm = [i for i in range(flat._data.ndim) if i != d] + [d]
        flat = flat.permute(perm)
    n = flat._data.shape[-1]
    sorted_vals = sort(flat, -1).values
    sv = sorted_vals._data
    nnan = (sv != sv).sum(axis=-1, keepdims=True)           # (..., 1)
    valid = n - nnan
    if ignore_nan:
        last = (valid - 1).astype(x.dtype)
    else:
        last = xp.full(nnan.shape, n - 1, x.dtype)
    ranks = qa * xp.maximum(last, 0)                        # (..., Q)
    if not ignore_nan:   # any NaN: select the NaN at the end
        ranks = xp.where(nnan > 0, x.dtype.type(n - 1), ranks)
    else:                # all NaN: select a NaN too
        ranks = xp.where(valid == 0, x.dtype.type(n - 1), ranks)
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)
    below = ranks.astype(np.int64)
    below = xp.minimum(below, n - 1)
    lo = gather_along(sorted_vals, below, -1, unique=False)
    if interpolation in ("linear", "midpoint"):
        above = xp.minimum(xp.ceil(ranks).astype(np.int64), n - 1)
        hi = gather_along(sorted_vals, above, -1, unique=False)
        w = ranks - below if interpolation == "linear" else \
            xp.where(above > below, x.dtype.type(0.5), x.dtype.type(0))
        res = lo + (hi - lo) * _wrap(w.astype(x.dtype))
    else:
        res = lo
    # res: (..., Q) -> (Q, *out_shape)
    nq = qa.size
    if res._data.ndim > 1:
        res = res.permute([res._data.ndim - 1] + list(range(res._data.ndim - 1)))
    res = res.reshape((nq,) + tuple(out_shape))
    return res.reshape(tuple(out_shape)) if q_scalar else res


@register
def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """q-th quantiles along ``dim`` (of all elements when None); a 1-D ``q`` adds a leading
    dimension. NaN in a slice gives NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


@register
def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """Like :func:`quantile` ignoring NaNs."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


# --------------------------------------------------------------------------- unique
def _unique_out(vals, inv, cnt, return_inverse, return_counts):
    out = [_wrap(vals)]
    if return_inverse:
        out.append(_wrap(inv.astype(np.int64, copy=False)))
    if return_counts:
        out.append(_wrap(cnt.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


@register
def unique(input, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """Sorted unique elements (or unique slices along ``dim``), optionally with the inverse
    indices (shape of ``input``, or of ``dim``) and the counts."""
    x = input._data
    xp = xp_of(x)
    if dim is None:
        flat = x.reshape(-1)
        vals, inv, cnt = xp.unique(flat, return_inverse=True, return_counts=True)
        return _unique_out(vals, inv.reshape(x.shape), cnt, return_inverse, return_counts)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        raise IndexError("unique(): dim is not allowed for a 0-d tensor")
    vals, inv, cnt = np.unique(x, return_inverse=True, return_counts=True, axis=d)
    return _unique_out(vals, inv.reshape(-1), cnt, return_inverse, return_counts)


@register
def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False,
                       dim=None):
    """Collapse consecutive equal elements (or slices along ``dim``)."""
    x = input._data
    xp = xp_of(x)
    if dim is None:
        a = x.reshape(-1)
        change = a[1:] != a[:-1]
    else:
        d = wrap_dim(dim, x.ndim)
        a = xp.moveaxis(x, d, 0)
        change = (a[1:] != a[:-1]).reshape(builtins.max(a.shape[0] - 1, 0), -1).any(axis=1)
    if a.shape[0] == 0:
        keep = xp.zeros(0, bool)
    else:
        keep = xp.concatenate([xp.ones(1, bool), change])
    starts = xp.nonzero(keep)[0]
    inv = xp.cumsum(keep) - 1
    cnt = xp.diff(xp.concatenate([starts, xp.asarray([a.shape[0]])]))
    vals = a[starts]
    if dim is None:
        inv = inv.reshape(x.shape)
    else:
        vals = xp.moveaxis(vals, 0, d)
    return _unique_out(xp.ascontiguousarray(vals), inv, cnt, return_inverse, return_counts)


# --------------------------------------------------------------------------- searching
def _search(seq, vals, right, out_int32, xp):
    side = "right" if right else "left"
    dt = np.int32 if out_int32 else np.int64
    if seq.ndim == 1:
        return xp.searchsorted(seq, vals, side=side).astype(dt)
    lead = seq.shape[:-1]
    s2 = seq.reshape(-1, seq.shape[-1])
    v2 = vals.reshape(s2.shape[0], -1)
    out = xp.empty(v2.shape, dt)
    for i in range(s2.shape[0]):
        out[i] = xp.searchsorted(s2[i], v2[i], side=side)
    return out.reshape(lead + vals.shape[-1:])


def _scalar_or_tensor(v, ref: Tensor):
    if isinstance(v, Tensor):
        return v._data, False
    return xp_of(ref._data).asarray(v, dtype=ref._data.dtype), True


@register(method=False)
def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False,
                 side=None, sorter=None) -> Tensor:
    """Insertion indices of ``input`` into the last dimension of ``sorted_sequence``
    (1-D, or with leading dims matching ``input``'s)."""
    seq = sorted_sequence._data
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted(): side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted(): side='left' contradicts right=True")
        right = side == "right"
    if seq.ndim == 0:
        raise RuntimeError("searchsorted(): boundaries tensor should have at least 1 dimension")
    vals, scalar = _scalar_or_tensor(input, sorted_sequence)
    if sorter is not None:
        seq = xp_of(seq).take_along_axis(seq, as_tensor_arg(sorter)._data, axis=-1)
    if seq.ndim > 1 and (scalar or vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(
            f"searchsorted(): boundaries tensor of shape {list(seq.shape)} should be 1-D or "
            f"have the same leading dimensions as the input of shape {list(vals.shape)}")
    return _wrap(_search(seq, vals, right, out_int32, xp_of(seq)))


@register(method=False)
def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """Bucket index of each element of ``input`` given 1-D ascending ``boundaries``."""
    b = boundaries._data
    if b.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim("
                           f"{b.ndim})")
    vals, _ = _scalar_or_tensor(input, boundaries)
    return _wrap(_search(b, vals, right, out_int32, xp_of(b)))


@register
def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """Counts of each value of a 1-D non-negative integer tensor (weighted sums with
    ``weights``: float32 weights stay float32, others give float64)."""
    x = input._data
    if x.ndim != 1 or x.dtype.kind not in "biu":
        raise RuntimeError(f"bincount(): only supports 1-d non-negative integral inputs, got a "
                           f"{x.ndim}-d tensor of dtype {input.dtype}")
    if minlength < 0:
        raise RuntimeError(f"bincount(): minlength should be >= 0, got {minlength}")
    if x.size and bool((x < 0).any()):
        raise RuntimeError("bincount(): only supports 1-d non-negative integral inputs "
                           f"(found the negative value {int(x.min())})")
    xp = xp_of(x)
    if weights is None:
        return _wrap(xp.bincount(x, minlength=minlength).astype(np.int64, copy=False))
    w = weights._data
    if w.shape != x.shape:
        raise RuntimeError(f"bincount(): weights of shape {list(w.shape)} should have the same "
                           f"shape as input {list(x.shape)}")
    dt = np.float32 if w.dtype in (np.float32, np.float16) else np.float64
    if w.dtype == np.float16:
        dt = np.float16
    return _wrap(xp.bincount(x, weights=w.astype(np.float64), minlength=minlength).astype(dt))


@register
def histc(input, bins: int = 100, min=0, max=0) -> Tensor:
    """Histogram with ``bins`` equal-width bins on ``[min, max]`` (the data's range when
    both are equal); values outside are ignored. Same dtype as ``input``."""
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"histc(): expected a floating point tensor, got {input.dtype}")
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, got {bins}")
    xp = xp_of(x)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"histc(): max must be larger than min (got min={lo}, max={hi})")
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"histc(): range of [{lo}, {hi}] is not finite")
    flat = x.reshape(-1)
    flat = flat[(flat >= lo) & (flat <= hi)]
    pos = ((flat - lo) * (bins / (hi - lo))).astype(np.int64)
    pos = xp.minimum(pos, bins - 1)
    return _wrap(xp.bincount(pos, minlength=bins).astype(x.dtype))

