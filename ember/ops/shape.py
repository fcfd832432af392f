"""Shape ops: views (view, reshape, transpose, permute, expand, squeeze, unsqueeze, flatten).

View outputs share memory and the version counter with their input, as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.graph import Op
from ._common import wrap_dim
from ._registry import register


def _size_args(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    elif len(size) == 1 and isinstance(size[0], Tensor):
        size = size[0].tolist()
    return tuple(int(s) for s in size)


def infer_shape(shape: tuple, numel: int, op: str = "view") -> tuple:
    """Resolve one ``-1`` in ``shape``; RuntimeError if the element counts cannot match."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Op):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape, copy_ok):
        ctx.in_shape = x.shape
        if copy_ok:
            return x.reshape(shape)
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (shape "
                f"{list(x.shape)} → {list(shape)}): at least one dimension spans across two "
                "contiguous subspaces. Use .reshape(...) instead.") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


@register(public=False)
def view(input, *shape) -> Tensor:
    """Same memory with a new shape; errors when the strides cannot express it."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, Tensor)):
        from .conversion import view_as_dtype
        return view_as_dtype(input, shape[0])
    shape = infer_shape(_size_args(shape), input._data.size)
    return Reshape.apply(input, shape=shape, copy_ok=False)


@register
def reshape(input, *shape) -> Tensor:
    """A tensor with the same data and a new shape (a view when possible)."""
    shape = infer_shape(_size_args(shape), input._data.size)
    return Reshape.apply(input, shape=shape, copy_ok=True)


Tensor.view_as = lambda self, other: view(self, other.shape)
Tensor.reshape_as = lambda self, other: reshape(self, other.shape)


class Permute(Op):
    is_view = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return g.permute(tuple(np.argsort(ctx.axes)))


@register
def permute(input, *dims) -> Tensor:
    """Reorder dimensions: output dim i is input dim ``dims[i]``."""
    dims = _size_args(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    axes = tuple(wrap_dim(d, n) for d in dims)
    if len(set(axes)) != n:
        raise RuntimeError(f"permute(): duplicate dims are not allowed (got {list(dims)})")
    return Permute.apply(input, axes=axes)


class Transpose(Op):
    is_view = True

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.d = (d0, d1)
        return x.swapaxes(d0, d1)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(*ctx.d)


@register(aliases=("swapaxes", "swapdims"))
def transpose(input, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1`` (a view)."""
    n = input._data.ndim
    return Transpose.apply(input, d0=wrap_dim(dim0, n), d1=wrap_dim(dim1, n))


@register
def t(input) -> Tensor:
    """Transpose of a ≤2-D tensor."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return input if n < 2 else Transpose.apply(input, d0=0, d1=1)


def _T(self):
    n = self._data.ndim
    return self if n < 2 else Permute.apply(self, axes=tuple(range(n - 1, -1, -1)))


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return Transpose.apply(self, d0=self._data.ndim - 2, d1=self._data.ndim - 1)


Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.H = property(lambda self: _T(self).conj() if self.is_complex() else _T(self))
Tensor.mH = property(lambda self: _mT(self).conj() if self.is_complex() else _mT(self))


class Expand(Op):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape) if type(x) is np.ndarray else \
            __import__("cupy").broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        from .reduce import sum_to_shape
        return sum_to_shape(g, ctx.in_shape)


@register
def expand(input, *sizes) -> Tensor:
    """Broadcast singleton dims to ``sizes`` without copying (-1 keeps a dim)."""
    sizes = _size_args(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: -1 not allowed in leading, non-existing dimension {i}")
            out.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        if cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}")
        out.append(s)
    out = tuple(out)
    if out == shape:
        return input
    return Expand.apply(input, shape=out)


Tensor.expand_as = lambda self, other: expand(self, other.shape)


@register
def broadcast_to(input, shape) -> Tensor:
    """``input.expand(shape)``."""
    return expand(input, tuple(shape))


@register
def unsqueeze(input, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim``."""
    n = input._data.ndim + 1
    d = wrap_dim(dim, n)
    shape = input._data.shape
    return Reshape.apply(input, shape=shape[:d] + (1,) + shape[d:], copy_ok=True)


@register
def squeeze(input, dim=None) -> Tensor:
    """Remove size-1 dimensions (all, or only those in ``dim``)."""
    shape = input._data.shape
    n = len(shape)
    if dim is None:
        dims = {i for i, s in enumerate(shape) if s == 1}
    else:
        dl = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {wrap_dim(d, n) for d in dl}
        dims = {d for d in dims if n and shape[d] == 1}
    new = tuple(s for i, s in enumerate(shape) if i not in dims)
    if new == shape:
        return Reshape.apply(input, shape=shape, copy_ok=True) if input._requires_grad else input
    return Reshape.apply(input, shape=new, copy_ok=True)


@register
def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim … end_dim`` into one."""
    shape = input._data.shape
    n = len(shape)
    if n == 0:
        return Reshape.apply(input, shape=(1,), copy_ok=True)
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    new = shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]
    return Reshape.apply(input, shape=new, copy_ok=True)


@register
def unflatten(input, dim: int, sizes) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1)."""
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    sizes = infer_shape(tuple(sizes), shape[d], "unflatten")
    return Reshape.apply(input, shape=shape[:d] + sizes + shape[d + 1:], copy_ok=True)


@register
def ravel(input) -> Tensor:
    """A flattened (1-D) tensor."""
    return Reshape.apply(input, shape=(input._data.size,), copy_ok=True)
