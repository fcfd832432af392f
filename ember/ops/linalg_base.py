"""Shared pieces of the linear-algebra ops: errors, input checks, result tuples and the small
private differentiable helpers (narrow, pad, diagonal, diag_embed, amax) their gradients use.

The helpers are private Ops rather than calls into other op modules so that the decompositions'
backward formulas only depend on matmul, elementwise arithmetic and each other — each helper's
backward is written with its partner (narrow ↔ pad, diagonal ↔ diag_embed), so every gradient
here is itself differentiable (double backward).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.graph import NULL_CTX, Op
from ._common import xp_of


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed (singular or non-positive-definite input).

    Subclasses RuntimeError like ``torch.linalg.LinAlgError``, so ``except RuntimeError`` works.
    """


# Result types: field names match PyTorch's torch.return_types so attribute access ports.
SvdResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
OldSvdResult = namedtuple("svd", ["U", "S", "V"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
EigResult = namedtuple("linalg_eig", ["eigenvalues", "eigenvectors"])
QrResult = namedtuple("linalg_qr", ["Q", "R"])
OldQrResult = namedtuple("qr", ["Q", "R"])
SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])


# ----------------------------------------------------------------------------- input checks
def check_tensor(x, op: str, name: str = "A") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be a Tensor, got {type(x).__name__}")
    return x


def check_float(x: Tensor, op: str) -> None:
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype}")


def check_matrix(x: Tensor, op: str, name: str = "A") -> None:
    """At least 2-D, floating point."""
    check_tensor(x, op, name)
    if x._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions "
                           f"(got shape {list(x.shape)}).")
    check_float(x, op)


def check_square(x: Tensor, op: str, name: str = "A") -> None:
    check_matrix(x, op, name)
    s = x._data.shape
    if s[-1] != s[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are "
                           f"{s[-2]} by {s[-1]} matrices (shape {list(s)})")


def batch_element(bad: np.ndarray) -> str:
    """'(Batch element i): ' for the first failing element of a batched routine ('' unbatched)."""
    if bad.ndim == 0:
        return ""
    idx = int(np.flatnonzero(np.asarray(bad).reshape(-1))[0]) if bad.any() else 0
    return f"(Batch element {idx}): "


# ----------------------------------------------------------------------------- constants
def eye_like(t: Tensor, n: int | None = None) -> Tensor:
    arr = t._data
    n = arr.shape[-1] if n is None else n
    return _wrap(xp_of(arr).eye(n, dtype=arr.dtype))


def tril(x: Tensor, k: int = 0) -> Tensor:
    """Lower triangle (differentiable: a product with a constant mask)."""
    arr = x._data
    xp = xp_of(arr)
    mask = xp.tril(xp.ones(arr.shape[-2:], dtype=arr.dtype), k)
    return x * _wrap(mask)


def triu(x: Tensor, k: int = 0) -> Tensor:
    arr = x._data
    xp = xp_of(arr)
    mask = xp.triu(xp.ones(arr.shape[-2:], dtype=arr.dtype), k)
    return x * _wrap(mask)


# ----------------------------------------------------------------------------- narrow / pad
def _slicer(ndim: int, dim: int, start: int, length: int) -> tuple:
    idx = [slice(None)] * ndim
    idx[dim] = slice(start, start + length)
    return tuple(idx)


class Narrow(Op):
    """``x`` restricted to ``start:start+length`` along ``dim`` (a view)."""
    is_view = True

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.args = (dim, start, x.shape[dim])
        return x[_slicer(x.ndim, dim, start, length)]

    @staticmethod
    def backward(ctx, g):
        dim, start, total = ctx.args
        return pad_to(g, dim, start, total)


class PadTo(Op):
    """Zeros of size ``total`` along ``dim`` with ``x`` written at ``start`` (narrow's adjoint)."""

    @staticmethod
    def forward(ctx, x, dim, start, total):
        ctx.args = (dim, start, x.shape[dim])
        shape = list(x.shape)
        shape[dim] = total
        out = xp_of(x).zeros(shape, dtype=x.dtype)
        out[_slicer(x.ndim, dim, start, x.shape[dim])] = x
        return out

    @staticmethod
    def backward(ctx, g):
        dim, start, length = ctx.args
        return narrow(g, dim, start, length)


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    dim = dim % x._data.ndim
    if start == 0 and length == x._data.shape[dim]:
        return x
    return Narrow.apply(x, dim=dim, start=start, length=length)


def pad_to(x: Tensor, dim: int, start: int, total: int) -> Tensor:
    dim = dim % x._data.ndim
    if start == 0 and total == x._data.shape[dim]:
        return x
    return PadTo.apply(x, dim=dim, start=start, total=total)


# ----------------------------------------------------------------------------- diagonals
class Diagonal(Op):
    """Main diagonal of the last two dims: ``(…, n, m) → (…, min(n, m))``."""

    @staticmethod
    def forward(ctx, x):
        ctx.nm = x.shape[-2:]
        return xp_of(x).diagonal(x, 0, -2, -1).copy()

    @staticmethod
    def backward(ctx, g):
        return diag_embed(g, *ctx.nm)


class DiagEmbed(Op):
    """``(…, k) → (…, n, m)`` with the input on the main diagonal, zeros elsewhere."""

    @staticmethod
    def forward(ctx, x, n, m):
        xp = xp_of(x)
        out = xp.zeros(x.shape[:-1] + (n, m), dtype=x.dtype)
        k = x.shape[-1]
        i = xp.arange(k)
        out[..., i, i] = x
        return out

    @staticmethod
    def backward(ctx, g):
        return diagonal(g)


def diagonal(x: Tensor) -> Tensor:
    return Diagonal.apply(x)


def diag_embed(x: Tensor, n: int | None = None, m: int | None = None) -> Tensor:
    k = x._data.shape[-1]
    return DiagEmbed.apply(x, n=k if n is None else n, m=k if m is None else m)


# ----------------------------------------------------------------------------- amax / amin
class Amax(Op):
    """max (or min) over ``dims``; the gradient is shared evenly among ties (like PyTorch)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_min):
        out = x.min(axis=dims, keepdims=True) if is_min else x.max(axis=dims, keepdims=True)
        if ctx is not NULL_CTX:
            mask = (x == out).astype(x.dtype)
            ctx.save_for_backward(mask / mask.sum(axis=dims, keepdims=True))
            ctx.keep_shape = out.shape
            ctx.keepdim = keepdim
        return out if keepdim else out.reshape(tuple(
            n for i, n in enumerate(x.shape) if i not in dims))

    @staticmethod
    def backward(ctx, g):
        w, = ctx.saved_tensors
        if not ctx.keepdim:
            g = g.reshape(ctx.keep_shape)
        return g * w


def amax(x: Tensor, dims, keepdim: bool = False, is_min: bool = False) -> Tensor:
    nd = x._data.ndim
    dims = tuple(sorted(d % nd for d in ((dims,) if isinstance(dims, int) else dims)))
    return Amax.apply(x, dims=dims, keepdim=keepdim, is_min=is_min)
