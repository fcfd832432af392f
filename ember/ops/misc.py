"""Small ops PyTorch code reaches for: broadcast_tensors, isin, sgn, conj/angle/real/imag,
cov/corrcoef, and CPU no-ops (pin_memory, share_memory_)."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Size, Tensor, _wrap
from ..autograd.graph import Op
from ._common import broadcast_shapes as _broadcast_shapes
from ._common import float_input
from ._registry import register


@register(method=False)
def broadcast_tensors(*tensors) -> tuple:
    """Expand every tensor to their common broadcast shape (views, differentiable)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t.expand(shape) for t in tensors)


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of ``shapes`` broadcast to (RuntimeError naming the clash)."""
    return Size(_broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))


@register
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (bool tensor)."""
    e = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return _wrap(np.isin(e, t, assume_unique=assume_unique, invert=invert))


@register(inplace=True)
def sgn(input) -> Tensor:
    """sign for real tensors (complex ``z / |z|`` is not supported yet)."""
    if input.is_complex():
        raise NotImplementedError("sgn of complex tensors is not supported by Ember yet")
    return input.sign()


class Conj(Op):
    @staticmethod
    def forward(ctx, x):
        return np.conj(x)

    @staticmethod
    def backward(ctx, g):
        return g.conj()


@register(aliases=("conj_physical", "resolve_conj"))
def conj(input) -> Tensor:
    """Complex conjugate (the tensor itself for real dtypes, like PyTorch)."""
    if not input.is_complex():
        return input
    return Conj.apply(input)


class Angle(Op):
    @staticmethod
    def forward(ctx, x):
        return np.angle(x).astype(x.real.dtype if np.iscomplexobj(x) else x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return g * 0  # piecewise constant for real inputs (0 or π)


@register
def angle(input) -> Tensor:
    """Elementwise argument: atan2(imag, real); for real inputs 0 or π."""
    if input.is_complex():
        raise NotImplementedError("angle of complex tensors is not supported by Ember yet")
    return Angle.apply(float_input(input))


def _real(self):
    if self.is_complex():
        return _wrap(self._data.real)
    return self


def _imag(self):
    if not self.is_complex():
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _wrap(self._data.imag)


Tensor.real = property(_real)
Tensor.imag = property(_imag)


@register
def cov(input, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """Covariance of the rows of ``input`` (variables) over its columns (observations).
    Shapes: (V, N) → (V, V); a 1-D input gives a 0-d variance."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.dim()} dimensions")
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov(): fweights/aweights are not supported by Ember yet")
    x = float_input(input)
    x2 = x if x.dim() == 2 else x.reshape(1, -1)
    n = x2.shape[1]
    centred = x2 - x2.mean(1, keepdim=True)
    c = (centred @ centred.mT) / max(n - correction, 0)
    return c.reshape(()) if x.dim() < 2 else c


@register
def corrcoef(input) -> Tensor:
    """Pearson correlation coefficients of the rows of ``input``. Shapes: (V, N) → (V, V)."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d.unsqueeze(1) / d.unsqueeze(0)).clamp(-1, 1)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """(2, K) coordinates of the lower triangle of a row × col matrix."""
    r, c = np.tril_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype((dtype and D.to_dtype(dtype).np) or np.int64))


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """(2, K) coordinates of the upper triangle of a row × col matrix."""
    r, c = np.triu_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype((dtype and D.to_dtype(dtype).np) or np.int64))


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` → ``to`` (no category downgrade)."""
    return D.can_cast(D.to_dtype(from_), D.to_dtype(to))


def is_nonzero(input: Tensor) -> bool:
    """bool() of a one-element tensor (RuntimeError otherwise)."""
    if input.numel() != 1:
        raise RuntimeError(f"Boolean value of Tensor with {input.numel()} values is ambiguous")
    return bool(input)


# CPU memory has no pinned/shared distinction here: these keep code written for CUDA running.
Tensor.pin_memory = lambda self, device=None: self
Tensor.is_pinned = lambda self, device=None: False
Tensor.share_memory_ = lambda self: self
Tensor.is_shared = lambda self: False
