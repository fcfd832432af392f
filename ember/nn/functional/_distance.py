"""Distances and similarities: cosine_similarity, pairwise_distance, pdist."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...ops._common import broadcast_shapes, wrap_dim

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


def _float_pair(x1, x2, name):
    from ... import _dtype as D
    from ...ops._common import cast
    if not isinstance(x1, Tensor) or not isinstance(x2, Tensor):
        raise TypeError(f"{name}(): x1 and x2 must be Tensors, got {type(x1).__name__} and "
                        f"{type(x2).__name__}")
    r = D.result_type(x1, x2)
    if not r.is_floating_point and not r.is_complex:
        raise RuntimeError(f"{name}(): expected floating point inputs, but x1 is {x1.dtype} "
                           f"and x2 is {x2.dtype}")
    return cast(x1, r), cast(x2, r)


def _norm(x, p, dim, keepdim):
    from ... import linalg
    return linalg.vector_norm(x, p, dim=dim, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast first).

    Each input is divided by its own norm clamped below at ``eps`` (PyTorch's rule; the clamp
    does not change the gradient path), then the products are summed. Shape: broadcast shape
    without ``dim``.
    """
    x1, x2 = _float_pair(x1, x2, "cosine_similarity")
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    d = wrap_dim(dim, len(shape))
    if x1.shape != shape:
        x1 = x1.expand(*shape)
    if x2.shape != shape:
        x2 = x2.expand(*shape)
    n1 = _norm(x1, 2, d, True)
    n2 = _norm(x2, 2, d, True)
    # clamp the value but keep the norm's gradient (PyTorch clamps in place under no_grad)
    n1 = n1 + (n1.detach().clamp_min(eps) - n1.detach())
    n2 = n2 + (n2.detach().clamp_min(eps) - n2.detach())
    return ((x1 / n1) * (x2 / n2)).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """p-norm of ``x1 - x2 + eps`` over the last dimension. Shapes: (N, D), (N, D) → (N)."""
    x1, x2 = _float_pair(x1, x2, "pairwise_distance")
    nd = max(x1.dim(), x2.dim())
    broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    if nd == 0:
        return (x1 - x2 + eps).abs()
    return _norm(x1 - x2 + eps, p, nd - 1, keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """p-norm distances between all pairs of rows of ``input`` (N, M): the upper triangle of
    the distance matrix, row by row, shape (N·(N-1)/2,)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pdist(): input must be a Tensor, got {type(input).__name__}")
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2-D tensors, got a {input.dim()}-D input of "
                           f"shape {list(input.shape)}")
    if not input.is_floating_point():
        raise RuntimeError(f"pdist only supports floating point dtypes, got {input.dtype}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    from ... import _creation
    if len(i) == 0:
        return _creation.zeros(0, dtype=input.dtype, device=input.device) + input.sum() * 0
    ii = _creation.tensor(i, device=input.device)
    jj = _creation.tensor(j, device=input.device)
    diff = input.index_select(0, ii) - input.index_select(0, jj)
    return _norm(diff, p, 1, False)
