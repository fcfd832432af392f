"""Margin and embedding losses of ``ember.nn.functional``, composed from existing ops (none of
them is hot enough to earn a fused kernel)."""
from __future__ import annotations


from ... import ops as _ops
from ..._tensor import Tensor, _wrap
from ...ops._common import promote, xp_of
from ._activation import logsigmoid, softplus
from ._loss import _check_tensor, _reduce, _reduction

__all__ = ["cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "hinge_embedding_loss", "multi_margin_loss",
           "multilabel_margin_loss", "soft_margin_loss", "multilabel_soft_margin_loss"]

_EPS = 1e-12


def _const(arr, ref: Tensor) -> Tensor:
    return _wrap(arr.astype(ref._data.dtype, copy=False))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos - margin)`` where it is -1.

    Shapes: input1, input2 (N, D) or (D,); target (N,) or ().
    """
    reduction = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() not in (1, 2):
        raise RuntimeError(f"cosine_embedding_loss(): expected 1-D or 2-D inputs of the same "
                           f"rank, got shapes {list(input1.shape)} and {list(input2.shape)}")
    if target.dim() != input1.dim() - 1:
        raise RuntimeError(f"cosine_embedding_loss(): expected a {input1.dim() - 1}-D target "
                           f"for inputs of shape {list(input1.shape)}, got shape "
                           f"{list(target.shape)} (multi-target not supported)")
    d = input1.dim() - 1
    prod = (input1 * input2).sum(d)
    m1 = (input1 * input1).sum(d) + _EPS
    m2 = (input2 * input2).sum(d) + _EPS
    cos = prod / (m1 * m2).sqrt()
    zero = cos * 0
    pos = _ops.where(target == 1, 1 - cos, zero)
    neg = _ops.where(target == -1, (cos - margin).clamp_min(0), zero)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target · (input1 - input2) + margin)``. Shapes: all three the same."""
    reduction = _reduction(reduction, size_average, reduce)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss(): all input tensors should have the same "
                           f"number of dimensions, but got sizes: input1: "
                           f"{list(input1.shape)}, input2: {list(input2.shape)}, target: "
                           f"{list(target.shape)}")
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return _reduce(loss, reduction)


def _pairwise(a: Tensor, b: Tensor, p: float, eps: float) -> Tensor:
    d = max(a.dim(), b.dim()) - 1
    return _ops.OPS["linalg.vector_norm"](a - b + eps, p, dim=d)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the p-norm distance (``swap``: use
    the smaller of d(a, n) and d(p, n)). Shapes: (N, D) or (D,) each."""
    reduction = _reduction(reduction, size_average, reduce)
    a, po, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == po == n:
        raise RuntimeError(f"triplet_margin_loss(): the anchor, positive, and negative tensors "
                           f"are expected to have the same number of dimensions, but got: "
                           f"anchor {a}D, positive {po}D, and negative {n}D inputs")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: expected margin to be greater than 0, got "
                         f"{margin} instead")
    d_pos = _pairwise(anchor, positive, p, eps)
    d_neg = _pairwise(anchor, negative, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, _pairwise(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """Triplet loss with a custom ``distance_function(x, y)`` (default: pairwise L2)."""
    reduction = _reduction(reduction)
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: expected margin to be greater "
                         f"than 0, got {margin} instead")
    dist = distance_function or (lambda x, y: _pairwise(x, y, 2.0, 1e-6))
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = _ops.minimum(d_neg, dist(positive, negative))
    return _reduce((d_pos - d_neg + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``input`` where target is 1, ``max(0, margin - input)`` where it is -1."""
    reduction = _reduction(reduction, size_average, reduce)
    zero = input * 0
    m = _ops.where(target != 1, (margin - input).clamp_min(0), zero)
    s = _ops.where(target != -1, input, zero)
    return _reduce(m + s, reduction)


def _class_index(input: Tensor, target: Tensor, fn: str):
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"{fn}(): expected an integer class-index target, got "
                           f"{target.dtype}")
    if input.dim() not in (1, 2):
        raise RuntimeError(f"{fn}(): expected a 1-D or 2-D input, got shape "
                           f"{list(input.shape)}")
    x = input if input.dim() == 2 else input.unsqueeze(0)
    t = target.reshape(-1)
    if t.shape[0] != x.shape[0]:
        raise RuntimeError(f"{fn}(): inconsistent target size {list(target.shape)} for input "
                           f"of shape {list(input.shape)}")
    C = x.shape[1]
    td = t._data
    if td.size and ((td < 0) | (td >= C)).any():
        v = int(td[(td < 0) | (td >= C)][0])
        raise IndexError(f"{fn}(): target {v} is out of bounds for {C} classes")
    return x, t


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge: ``Σ_{j≠y} max(0, margin - x[y] + x[j])^p / C`` (times ``weight[y]``).
    Shapes: input (N, C) or (C,); target (N,) or ()."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x, t = _class_index(input, target, "multi_margin_loss")
    C = x.shape[1]
    xy = x.gather(1, t.unsqueeze(1))
    z = (x - xy + margin).clamp_min(0)
    if p == 2:
        z = z * z
    xp = xp_of(t._data)
    other = xp.arange(C)[None, :] != t._data[:, None]
    z = z * _const(other, x)
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    loss = z.sum(1) / C
    if input.dim() == 1:
        loss = loss.squeeze(0)
    return _reduce(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge: for each target class j (the leading non-negative entries of
    ``target``, ended by -1) and each non-target class k, ``max(0, 1 - (x[j] - x[k])) / C``.
    Shapes: input (N, C) or (C,); target the same shape, int64."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape) or input.dim() not in (1, 2):
        raise RuntimeError(f"multilabel_margin_loss(): expected input (C,) or (N, C) and a "
                           f"target of the same shape, got {list(input.shape)} and "
                           f"{list(target.shape)}")
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"multilabel_margin_loss(): expected an integer target, got "
                           f"{target.dtype}")
    x = input if input.dim() == 2 else input.unsqueeze(0)
    t = target._data.reshape(x.shape)
    N, C = x.shape
    xp = xp_of(t)
    live = xp.cumprod(t >= 0, axis=1).astype(bool)      # entries before the first -1
    if ((t >= C) & live).any():
        v = int(t[(t >= C) & live][0])
        raise IndexError(f"multilabel_margin_loss(): target {v} is out of bounds for {C} "
                         f"classes")
    tl = xp.where(live, t, -1)
    # how often each class is listed (a repeated target counts twice, as in PyTorch)
    counts = (tl[:, :, None] == xp.arange(C)).sum(1).astype(x._data.dtype)
    pair = counts[:, :, None] * (counts == 0)[:, None, :]
    z = (1 - (x.unsqueeze(2) - x.unsqueeze(1))).clamp_min(0) * _const(pair, x)
    loss = z.sum((1, 2)) / C
    if input.dim() == 1:
        loss = loss.squeeze(0)
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target · input))`` (stable)."""
    reduction = _reduction(reduction, size_average, reduce)
    x, y = promote(input, target, "soft_margin_loss")
    return _reduce(softplus(-(y * x), 1.0, float("inf")), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Multi-label one-vs-all logistic loss averaged over the C classes.
    Shapes: input and target (N, C) or (C,); weight (C,)."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_tensor(input, "input", "multilabel_soft_margin_loss")
    x, y = promote(input, target, "multilabel_soft_margin_loss")
    loss = -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x))
    if weight is not None:
        loss = loss * weight
    d = x.dim() - 1
    loss = loss.sum(d) / x.shape[d]
    return _reduce(loss, reduction)
