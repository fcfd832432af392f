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


# ------------------------------------------------------------- general views and their adjoints
# A "view spec" knows how to take a view of a raw array (``arr``) and how to apply the same view
# to a Tensor differentiably (``apply``). View ops use it forward; their backward writes the
# gradient into zeros through the same view (``ViewScatter``), whose own backward is the view
# again, so gradients of any order work.

def _xp(arr):
    from ._common import xp_of
    return xp_of(arr)


def strided_view(arr, shape, strides, offset=0):
    """A writable view of contiguous ``arr``'s memory with element ``strides``, starting
    ``offset`` elements after its first element (``as_strided`` relative to ``arr``)."""
    xp = _xp(arr)
    if math.prod(shape) == 0:
        return xp.empty(shape, dtype=arr.dtype)
    item = arr.itemsize
    start = arr.reshape(-1)[offset:]
    return xp.lib.stride_tricks.as_strided(start, shape=tuple(shape),
                                           strides=tuple(s * item for s in strides))


class IndexView:
    """Basic (view-producing) indexing with a tuple of ints / slices / None / Ellipsis."""

    __slots__ = ("idx",)
    overlap = False

    def __init__(self, idx: tuple):
        self.idx = idx

    def arr(self, a):
        return a[self.idx]

    def apply(self, t: Tensor) -> Tensor:
        return Slice.apply(t, view=self)


class DiagView:
    """The diagonal (``offset``) of dims ``d1``/``d2`` moved to the last dim, as a view."""

    __slots__ = ("offset", "d1", "d2")
    overlap = False

    def __init__(self, offset, d1, d2):
        self.offset, self.d1, self.d2 = offset, d1, d2

    def arr(self, a):
        off, d1, d2 = self.offset, self.d1, self.d2
        shape, item = a.shape, a.itemsize
        st = [s // item for s in a.strides]
        n1, n2 = shape[d1], shape[d2]
        length = max(0, min(n1, n2 - off)) if off >= 0 else max(0, min(n1 + off, n2))
        keep = [i for i in range(a.ndim) if i not in (d1, d2)]
        new_shape = [shape[i] for i in keep] + [length]
        new_strides = [st[i] for i in keep] + [st[d1] + st[d2]]
        if a.size == 0 or length == 0:
            return _xp(a).empty(new_shape, dtype=a.dtype)
        # step to the first diagonal element with a basic index so the view keeps a base
        first = [slice(None)] * a.ndim
        if off >= 0:
            first[d2] = slice(off, None)
        else:
            first[d1] = slice(-off, None)
        sub = a[tuple(first)]
        return _xp(a).lib.stride_tricks.as_strided(
            sub, shape=new_shape, strides=[s * item for s in new_strides])

    def apply(self, t: Tensor) -> Tensor:
        return Diagonal.apply(t, view=self)


class StridedView:
    """``as_strided(size, stride, offset)`` relative to the start of a contiguous array."""

    __slots__ = ("size", "stride", "offset")
    overlap = True

    def __init__(self, size, stride, offset):
        self.size, self.stride, self.offset = size, stride, offset

    def arr(self, a):
        return strided_view(a, self.size, self.stride, self.offset)

    def apply(self, t: Tensor) -> Tensor:
        return AsStrided.apply(t.contiguous(), view=self)


class _ViewOp(Op):
    is_view = True

    @staticmethod
    def forward(ctx, x, view):
        ctx.view = view
        ctx.shape = x.shape
        return view.arr(x)

    @staticmethod
    def backward(ctx, g):
        return ViewScatter.apply(g, shape=ctx.shape, view=ctx.view)


class Slice(_ViewOp):
    pass


class Select(_ViewOp):
    pass


class Diagonal(_ViewOp):
    pass


class AsStrided(_ViewOp):
    pass


class ViewScatter(Op):
    """Zeros of ``shape`` with ``g`` written into ``view`` (the adjoint of a view op)."""

    @staticmethod
    def forward(ctx, g, shape, view):
        ctx.view = view
        xp = _xp(g)
        z = xp.zeros(shape, dtype=g.dtype)
        if view.overlap:
            # overlapping views accumulate: map each view element to its flat position
            pos = view.arr(xp.arange(z.size).reshape(shape))
            flat = z.reshape(-1)
            _add_at(flat, pos.reshape(-1), xp.broadcast_to(g, pos.shape).reshape(-1))
        else:
            view.arr(z)[...] = g
        return z

    @staticmethod
    def backward(ctx, gg):
        return ctx.view.apply(gg)


class DiagEmbed(ViewScatter):
    pass


def _add_at(target, idx, values):
    """Unbuffered ``target[idx] += values`` (repeated indices accumulate)."""
    if type(target) is np.ndarray:
        np.add.at(target, idx, values)
    else:
        import cupyx
        cupyx.scatter_add(target, idx, values)


def index_view(input: Tensor, idx: tuple, cls=Slice) -> Tensor:
    """A view of ``input`` by a tuple of ints / slices / None (validated by the caller)."""
    if Ellipsis not in idx:
        idx = idx + (Ellipsis,)   # NumPy returns an array view, not a scalar, for full ints
    return cls.apply(input, view=IndexView(idx))


# ------------------------------------------------------------------ narrow / select / diagonal
def _int_arg(v, what: str) -> int:
    if isinstance(v, Tensor):
        return int(v.item())
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
        raise TypeError(f"{what} must be an int, got {type(v).__name__}")
    return int(v)


@register
def narrow(input, dim: int, start, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim``."""
    n = input._data.ndim
    if n == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    start, length = _int_arg(start, "start"), _int_arg(length, "length")
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start {start} out of range (expected to be in range of "
                         f"[{-size}, {size}]) for dimension {d} of size {size}")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension "
                           f"size ({size}) of dimension {d}")
    idx = (slice(None),) * d + (slice(start, start + length),)
    return index_view(input, idx)


@register
def select(input, dim: int, index) -> Tensor:
    """The view ``input[..., index, ...]`` along ``dim`` (that dim removed)."""
    n = input._data.ndim
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    i = _int_arg(index, "index")
    if not -size <= i < size:
        raise IndexError(f"select(): index {i} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return index_view(input, (slice(None),) * d + (i % size,), Select)


@register
def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """View of the diagonal ``offset`` of dims ``dim1``/``dim2``, appended as the last dim."""
    n = input._data.ndim
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, view=DiagView(int(offset), d1, d2))


@register
def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose diagonals (dims ``dim1``/``dim2``) are the last dim of ``input``."""
    n = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    m = input._data.shape[-1] + abs(int(offset)) if input._data.ndim else 1 + abs(int(offset))
    rest = list(input._data.shape[:-1])
    shape = []
    for i in range(n):
        shape.append(m if i in (d1, d2) else rest.pop(0))
    x = input if input._data.ndim else input.reshape(1)
    return DiagEmbed.apply(x, shape=tuple(shape), view=DiagView(int(offset), d1, d2))


@register
def diag(input, diagonal: int = 0) -> Tensor:
    """1-D input: a square matrix with it on diagonal ``diagonal``; 2-D: that diagonal (copy)."""
    n = input._data.ndim
    if n == 1:
        return diag_embed(input, diagonal, 0, 1)
    if n == 2:
        return Diagonal.apply(input, view=DiagView(int(diagonal), 0, 1)).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {n}D")


@register
def diagflat(input, offset: int = 0) -> Tensor:
    """A 2-D tensor with the flattened input on diagonal ``offset``."""
    return diag_embed(input.reshape(-1), offset, 0, 1)


@register
def trace(input) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor (integers sum to int64)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim} (shape {list(input.shape)})")
    return diagonal(input).sum()


@register
def as_strided(input, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view with explicit ``size``/``stride`` (elements) over ``input``'s memory, counting
    ``storage_offset`` from ``input``'s first element (input should be contiguous)."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided: mismatch in length of strides and shape ({list(size)} "
                           f"vs {list(stride)})")
    off = int(storage_offset or 0)
    need = off + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if math.prod(size) else 0
    if need > input._data.size or off < 0 or any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: size {list(size)}, stride {list(stride)} and offset "
                           f"{off} reach outside the {input._data.size} elements of the input")
    if not input._data.flags.c_contiguous:
        input = input.contiguous()
    return AsStrided.apply(input, view=StridedView(size, stride, off))


def _metadata_inplace(fn, name: str):
    """In-place shape changes (``t_``, ``squeeze_`` …): the tensor becomes the view ``fn``
    produces, same memory; with a graph, its history continues through that view op."""
    from ._registry import check_inplace_leaf

    def inplace(self, *args, **kwargs):
        check_inplace_leaf(self)
        r = fn(self, *args, **kwargs)
        self._data = r._data
        if r._grad_fn is not None:
            self._grad_fn, self._output_nr = r._grad_fn, r._output_nr
        return self
    inplace.__name__ = name
    inplace.__doc__ = f"In-place ``{fn.__name__}``: changes this tensor's shape/strides only."
    return inplace


for _fn, _name in ((t, "t_"), (transpose, "transpose_"), (transpose, "swapaxes_"),
                   (transpose, "swapdims_"), (squeeze, "squeeze_"), (unsqueeze, "unsqueeze_")):
    setattr(Tensor, _name, _metadata_inplace(_fn, _name))


@register(name="unfold", public=False)
def unfold_windows(input, dimension: int, size: int, step: int) -> Tensor:
    """Sliding windows along ``dimension`` as a view: that dim becomes the window count
    ``(n - size) // step + 1`` and a new last dim of length ``size`` holds each window."""
    n = input._data.ndim
    d = wrap_dim(dimension, n) if n else 0
    length = input._data.shape[d] if n else 1
    if size < 0 or size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    x = input.contiguous()
    st = [s // x._data.itemsize for s in x._data.strides] if n else []
    shape = list(x._data.shape) if n else []
    count = (length - size) // step + 1
    if n:
        shape[d] = count
        strides = st[:d] + [st[d] * step] + st[d + 1:] + [st[d]]
    else:
        strides = [1]
    return StridedView(tuple(shape) + (size,), tuple(strides), 0).apply(x)
