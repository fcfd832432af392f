"""Embedding lookups: ``embedding`` (padding_idx, max_norm, scale_grad_by_freq) and
``embedding_bag`` (sum / mean / max over bags given by offsets or rows).

The gradient of a lookup is a row scatter-add, done as a one-hot GEMM for small tables and
batches and as a sort + segment sum otherwise (``np.add.at`` is an order of magnitude slower).
Lookup and scatter-add are each other's gradients, so any order of derivative works.
"""
from __future__ import annotations

import numpy as np

from ... import _state
from ..._tensor import Tensor, _wrap
from ...autograd.graph import Op
from ...ops._common import xp_of
from ...ops.shape import _add_at

__all__ = ["embedding", "embedding_bag"]

_ONE_HOT_LIMIT = 1 << 22     # one-hot matrix elements up to which the GEMM route is used


def _scatter_rows(src, idx, n):
    """``out[n, D]`` with ``out[idx[i]] += src[i]`` (repeated indices accumulate)."""
    xp = xp_of(src)
    m = idx.shape[0]
    d = src.shape[1]
    if xp is not np:
        out = xp.zeros((n, d), dtype=src.dtype)
        _add_at(out, idx, src)
        return out
    if m == 0:
        return np.zeros((n, d), dtype=src.dtype)
    if m * n <= _ONE_HOT_LIMIT:
        onehot = np.zeros((n, m), dtype=src.dtype)
        onehot[idx, np.arange(m)] = 1
        return onehot @ src
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    out = np.zeros((n, d), dtype=src.dtype)
    out[s[starts]] = np.add.reduceat(src[order], starts, axis=0)
    return out


def _row_factor(idx, num, padding_idx, scale_grad_by_freq, dtype, xp):
    """Per-lookup gradient factor: 0 at padding_idx, 1/count with scale_grad_by_freq
    (None when every factor is 1)."""
    if padding_idx is None and not scale_grad_by_freq:
        return None
    f = xp.ones(idx.shape, dtype=dtype)
    if scale_grad_by_freq:
        counts = xp.bincount(idx, minlength=num)
        f = f / counts[idx].astype(dtype)
    if padding_idx is not None:
        f = f * (idx != padding_idx).astype(dtype)
    return f


class Embedding(Op):
    """``weight[indices]`` (rows of the table); indices are a raw integer array."""

    @staticmethod
    def forward(ctx, w, idx, padding_idx, scale_grad_by_freq):
        ctx.idx, ctx.num = idx, w.shape[0]
        ctx.padding_idx, ctx.scale = padding_idx, scale_grad_by_freq
        return w.take(idx, axis=0) if type(w) is np.ndarray else w[idx]

    @staticmethod
    def backward(ctx, g):
        return EmbeddingDenseBackward.apply(g, idx=ctx.idx, num=ctx.num,
                                            padding_idx=ctx.padding_idx, scale=ctx.scale)


class EmbeddingDenseBackward(Op):
    """Scatter-add of rows ``g[..., :]`` into a ``(num, D)`` table at ``idx``."""

    @staticmethod
    def forward(ctx, g, idx, num, padding_idx, scale):
        ctx.idx, ctx.num, ctx.padding_idx, ctx.scale = idx, num, padding_idx, scale
        flat = idx.reshape(-1)
        g2 = g.reshape(flat.shape[0], -1)
        if scale:
            counts = xp_of(g).bincount(flat, minlength=num)
            g2 = g2 / counts[flat].astype(g2.dtype)[:, None]
        out = _scatter_rows(g2, flat, num)
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    @staticmethod
    def backward(ctx, gg):
        r = Embedding.apply(gg, idx=ctx.idx, padding_idx=None, scale_grad_by_freq=False)
        f = _row_factor(ctx.idx, ctx.num, ctx.padding_idx, ctx.scale, gg._data.dtype,
                        xp_of(gg._data))
        return r if f is None else r * _wrap(f[..., None])


class EmbeddingBag(EmbeddingDenseBackward):
    """Bag sums: the rows of a (M, D) input added into (B, D) at their bag ids."""


def _indices(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor of indices, got "
                        f"{type(input).__name__}")
    a = input._data
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): expected indices of an integer dtype (int64 or int32), "
                           f"but got a tensor of dtype {input.dtype}")
    return a


def _check_range(a, num, name):
    if a.size:
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi >= num:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{name}(): index {bad} is out of range for an embedding table "
                             f"with {num} rows (valid indices are 0 to {num - 1})")


def _padding(padding_idx, num):
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise ValueError(f"padding_idx must be within the number of embeddings ({num}), got "
                         f"{padding_idx}")
    return padding_idx + num if padding_idx < 0 else padding_idx


def _renorm_(weight: Tensor, idx, max_norm, norm_type):
    """Rescale, in place, the rows ``idx`` of ``weight`` whose ``norm_type`` norm exceeds
    ``max_norm`` to norm ``max_norm`` (PyTorch's embedding_renorm_)."""
    xp = xp_of(weight._data)
    w = weight._data
    rows = xp.unique(idx.reshape(-1))
    sel = w[rows]
    a = xp.abs(sel.astype(np.float64))
    if norm_type == float("inf"):
        norms = a.max(axis=1)
    elif norm_type == 1:
        norms = a.sum(axis=1)
    elif norm_type == 2:
        norms = xp.sqrt((a * a).sum(axis=1))
    else:
        norms = (a ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    over = norms > max_norm
    if not bool(over.any()):
        return
    scale = xp.where(over, max_norm / (norms + 1e-7), 1.0)
    w[rows] = (sel * scale[:, None]).astype(w.dtype, copy=False)
    weight._bump()


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, D) picked by integer ``input`` (*) → (*, D).

    ``padding_idx``: that row gets no gradient. ``max_norm``: looked-up rows with a larger
    ``norm_type`` norm are rescaled in place first. ``scale_grad_by_freq``: gradients are
    divided by each index's count in the batch. ``sparse`` is accepted; gradients are dense.
    """
    a = _indices(input, "embedding")
    if not isinstance(weight, Tensor) or weight.dim() != 2:
        raise RuntimeError(f"embedding(): weight must be a 2-D tensor (num_embeddings, "
                           f"embedding_dim), got "
                           f"{list(weight.shape) if isinstance(weight, Tensor) else weight!r}")
    num = weight.shape[0]
    _check_range(a, num, "embedding")
    pad = _padding(padding_idx, num)
    if a.dtype != np.int64:
        a = a.astype(np.int64)
    if xp_of(a) is not xp_of(weight._data):
        from ...backend import device_of, to_device
        a = to_device(a, device_of(weight._data))
    if max_norm is not None:
        with _state.no_grad():
            _renorm_(weight, a, float(max_norm), float(norm_type))
    return Embedding.apply(weight, idx=a, padding_idx=pad,
                           scale_grad_by_freq=bool(scale_grad_by_freq))


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sum, mean or max of embedding rows over bags → (B, D).

    ``input`` (B, L): each row is a bag (``offsets`` must be None). ``input`` (M,) with
    ``offsets`` (B,) or (B+1,) with ``include_last_offset``: bag ``i`` is
    ``input[offsets[i]:offsets[i+1]]``. Entries equal to ``padding_idx`` are left out;
    empty bags give zeros. ``per_sample_weights`` (same shape as input) scale rows in 'sum'.
    """
    a = _indices(input, "embedding_bag")
    if weight.dim() != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2D Tensor, but got Tensor of "
                         f"dimension {weight.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}')")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: per_sample_weights has to be of the same shape as "
                             f"input, but got {list(per_sample_weights.shape)} and "
                             f"{list(input.shape)}")
    num = weight.shape[0]
    an = np.asarray(a.get() if hasattr(a, "get") else a).astype(np.int64)
    if an.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None, as "
                             "input is treated as a mini-batch of fixed length sequences; got "
                             f"offsets of shape {list(offsets.shape)}")
        b, length = an.shape
        flat = an.reshape(-1)
        bag = np.repeat(np.arange(b), length)
    elif an.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag: offsets has to be a 1D Tensor but got None")
        off = np.asarray(offsets.cpu()._data).astype(np.int64)
        if off.ndim != 1:
            raise ValueError(f"embedding_bag: offsets has to be a 1D Tensor, got shape "
                             f"{list(off.shape)}")
        m = an.shape[0]
        if off.size and off[0] != 0:
            raise ValueError(f"embedding_bag: offsets[0] has to be 0, i.e., the first sequence "
                             f"in the mini-batch has to start from position 0. However, got "
                             f"{int(off[0])}")
        if off.size and (np.any(np.diff(off) < 0) or off[-1] > m):
            raise ValueError(f"embedding_bag: offsets must be non-decreasing and at most the "
                             f"input length {m}, got {off.tolist()}")
        ends = off[1:] if include_last_offset else np.concatenate((off[1:], [m]))
        starts = off[:-1] if include_last_offset else off
        b = starts.shape[0]
        bag = np.repeat(np.arange(b), ends - starts)
        flat = an[:bag.shape[0]]
    else:
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of "
                         f"dimension {an.ndim}")
    _check_range(flat, num, "embedding_bag")
    pad = _padding(padding_idx, num)
    keep = None if pad is None else np.flatnonzero(flat != pad)
    kidx, kbag = (flat, bag) if keep is None else (flat[keep], bag[keep])
    from ... import _creation
    rows = embedding(_creation.tensor(kidx, device=weight.device), weight, None, max_norm,
                     norm_type, scale_grad_by_freq)
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)
        if bag.shape[0] != psw.shape[0]:
            psw = psw[:bag.shape[0]]
        if keep is not None:
            psw = psw[_creation.tensor(keep, device=weight.device)]
        rows = rows * psw.unsqueeze(1).to(rows.dtype)
    xp = xp_of(weight._data)
    dev_bag = kbag if xp is np else xp.asarray(kbag)
    if mode == "max":
        from ... import ops
        zero = _creation.zeros((b, weight.shape[1]), dtype=weight.dtype, device=weight.device)
        index = _creation.tensor(kbag, device=weight.device).unsqueeze(1).expand(rows.shape)
        return ops.scatter_reduce(zero, 0, index, rows, "amax", include_self=False)
    out = EmbeddingBag.apply(rows, idx=dev_bag, num=b, padding_idx=None, scale=False)
    if mode == "mean":
        counts = np.bincount(kbag, minlength=b).astype(out._data.dtype)
        inv = (1.0 / np.maximum(counts, 1)).astype(out._data.dtype)[:, None]
        out = out * _wrap(inv if xp is np else xp.asarray(inv))
    return out
