"""Joining and splitting: cat, stack (and h/v/d/column variants), split, chunk, tensor_split,
unbind, meshgrid, block_diag, cartesian_prod.

Split-like outputs are views of the input (sharing memory and the version counter).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.graph import Op
from ._common import cast, check_same_device, wrap_dim
from ._registry import register
from .shape import _xp, reshape


def _tensor_list(tensors, op: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' must be a sequence of Tensors, not Tensor")
    ts = list(tensors)
    if not ts:
        raise RuntimeError(f"{op}(): expected a non-empty list of Tensors")
    for i, t in enumerate(ts):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return ts


def _promote_all(ts: list, op: str) -> list:
    dt = ts[0].dtype
    for t in ts[1:]:
        if t.dtype is not dt:
            dt = D.promote_types(dt, t.dtype)
        if type(t._data) is not type(ts[0]._data) or t.device != ts[0].device:
            check_same_device(ts[0], t, op)
    return [cast(t, dt) for t in ts]


class Cat(Op):
    @staticmethod
    def forward(ctx, *arrays, dim, skip=()):
        # ``skip``: positions of legacy empty 1-D inputs, left out of the result
        ctx.dim, ctx.skip = dim, skip
        ctx.sizes = [0 if i in skip else a.shape[dim] for i, a in enumerate(arrays)]
        used = [a for i, a in enumerate(arrays) if i not in skip] if skip else arrays
        return _xp(arrays[0]).concatenate(used, axis=dim)

    @staticmethod
    def backward(ctx, g):
        out, off = [], 0
        for i, n in enumerate(ctx.sizes):
            if ctx.next_functions[i][0] is None:
                out.append(None)
            elif i in ctx.skip:
                out.append(g.new_zeros(0))
            else:
                out.append(g.narrow(ctx.dim, off, n))
            off += n
        return tuple(out)


@register(method=False, aliases=("concat", "concatenate"))
def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors along existing dim ``dim``; all other dims must match. Dtypes promote;
    1-D empty tensors are skipped (PyTorch's legacy rule)."""
    ts = _promote_all(_tensor_list(tensors, "cat"), "cat")
    keep = [t for t in ts if not (t._data.ndim == 1 and t._data.size == 0)]
    if not keep:
        return Cat.apply(*ts, dim=0)
    ref = keep[0]
    n = ref._data.ndim
    if n == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, n)
    rs = ref._data.shape
    for i, t in enumerate(ts):
        s = t._data.shape
        if len(s) == 1 and s[0] == 0:
            continue
        if len(s) != n:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {n} and {len(s)} (shapes "
                f"{list(rs)} and {list(s)} in cat)")
        for k in range(n):
            if k != d and s[k] != rs[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{rs[k]} but got size {s[k]} for tensor number {i} in the list "
                    f"(shapes {list(rs)} and {list(s)}, mismatch at dimension {k})")
    skip = tuple(i for i, t in enumerate(ts) if t._data.ndim == 1 and t._data.size == 0)
    return Cat.apply(*ts, dim=d, skip=skip)


class Stack(Op):
    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        return _xp(arrays[0]).stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return tuple(None if ctx.next_functions[i][0] is None else g.select(ctx.dim, i)
                     for i in range(len(ctx.next_functions)))


@register(method=False)
def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equally-shaped tensors along a new dim ``dim``."""
    ts = _promote_all(_tensor_list(tensors, "stack"), "stack")
    s0 = ts[0]._data.shape
    for i, t in enumerate(ts[1:], 1):
        if t._data.shape != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} "
                               f"at entry 0 and {list(t._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(s0) + 1)
    return Stack.apply(*ts, dim=d)


@register(method=False)
def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate column-wise: along dim 0 for 1-D inputs, else dim 1."""
    from .rearrange import atleast_1d
    ts = [atleast_1d(t) for t in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


@register(method=False, aliases=("row_stack",))
def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate row-wise after making every input at least 2-D."""
    from .rearrange import atleast_2d
    return cat([atleast_2d(t) for t in _tensor_list(tensors, "vstack")], 0)


@register(method=False)
def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate depth-wise (dim 2) after making every input at least 3-D."""
    from .rearrange import atleast_3d
    return cat([atleast_3d(t) for t in _tensor_list(tensors, "dstack")], 2)


@register(method=False)
def column_stack(tensors, *, out=None) -> Tensor:
    """Stack 0-/1-D inputs as columns (``(n,)`` → ``(n, 1)``) and concatenate along dim 1."""
    ts = [t.reshape(t._data.size, 1) if t._data.ndim <= 1 else t
          for t in _tensor_list(tensors, "column_stack")]
    return cat(ts, 1)


# ------------------------------------------------------------------ splitting (views)
class SplitWithSizes(Op):
    is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        out, off = [], 0
        pre = (slice(None),) * dim
        for n in sizes:
            out.append(x[pre + (slice(off, off + n), Ellipsis)])
            off += n
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return Cat.apply(*grads, dim=ctx.dim)


def _split_sizes(input, sizes, d, op):
    out = SplitWithSizes.apply(input, sizes=tuple(sizes), dim=d)
    return out if type(out) is tuple else (out,)


@register
def split(tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of ``split_size`` elements along ``dim`` (last may be smaller), or of the given
    list of section sizes (which must sum to the dim's size)."""
    n = tensor._data.ndim
    if n == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, n)
    size = tensor._data.shape[d]
    s = split_size_or_sections
    if isinstance(s, (int, np.integer)) or (isinstance(s, Tensor) and s._data.ndim == 0):
        s = int(s)
        if s < 0 or (s == 0 and size != 0):
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}"
                               + (" (0 only works for an empty dimension)" if s == 0 else ""))
        sizes = [s] * (size // s) + ([size % s] if size % s else []) if s else [0]
        if not sizes:
            sizes = [0]
    else:
        sizes = [int(v) for v in s]
        if sum(sizes) != size or any(v < 0 for v in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}")
    return _split_sizes(tensor, sizes, d, "split")


@register
def split_with_sizes(input, split_sizes, dim: int = 0) -> tuple:
    """``split`` with an explicit list of section sizes."""
    return split(input, list(split_sizes), dim)


@register
def chunk(input, chunks: int, dim: int = 0) -> tuple:
    """Split into at most ``chunks`` views of ``ceil(size / chunks)`` elements along ``dim``."""
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.ndim
    if n == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    step = -(-size // chunks)
    if step == 0:
        return split(input, [0] * chunks, d)
    return split(input, step, d)


@register
def tensor_split(input, indices_or_sections, dim: int = 0) -> tuple:
    """Views split into ``n`` near-equal sections (the first ``size % n`` one larger), or at
    the given indices (like NumPy's ``array_split``)."""
    n = input._data.ndim
    if n == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype.kind not in "iu" or ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a 0-dim "
                               "or 1-dim long tensor")
        ios = int(ios.item()) if ios._data.ndim == 0 else ios.tolist()
    if isinstance(ios, (int, np.integer)):
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(size, k)
        sizes = [q + 1] * r + [q] * (k - r)
    else:
        bounds = [0]
        for i in ios:
            i = int(i)
            i = min(max(i + size if i < 0 else i, 0), size)
            bounds.append(max(i, bounds[-1]))
        bounds.append(size)
        sizes = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    return _split_sizes(input, sizes, d, "tensor_split")


def _dir_split(input, ios, d, name):
    if isinstance(ios, (int, np.integer)):
        size = input._data.shape[d]
        if ios == 0 or size % ios:
            raise RuntimeError(f"{name} attempted to split along dimension {d}, but the size of "
                               f"the dimension {size} is not divisible by the split_size {ios}!")
    return tensor_split(input, ios, d)


@register
def hsplit(input, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 1 (dim 0 for 1-D inputs); an int must divide the size."""
    n = input._data.ndim
    if n < 1:
        raise RuntimeError("torch.hsplit requires a tensor with at least 1 dimension, but got a "
                           "tensor with 0 dimensions!")
    return _dir_split(input, indices_or_sections, 1 if n > 1 else 0, "torch.hsplit")


@register
def vsplit(input, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 0 of a ≥2-D tensor; an int must divide the size."""
    if input._data.ndim < 2:
        raise RuntimeError(f"torch.vsplit requires a tensor with at least 2 dimension, but got "
                           f"a tensor with {input._data.ndim} dimensions!")
    return _dir_split(input, indices_or_sections, 0, "torch.vsplit")


@register
def dsplit(input, indices_or_sections) -> tuple:
    """``tensor_split`` along dim 2 of a ≥3-D tensor; an int must divide the size."""
    if input._data.ndim < 3:
        raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got "
                           f"a tensor with {input._data.ndim} dimensions!")
    return _dir_split(input, indices_or_sections, 2, "torch.dsplit")


class Unbind(Op):
    is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        pre = (slice(None),) * dim
        return tuple(x[pre + (i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return Stack.apply(*grads, dim=ctx.dim)


@register
def unbind(input, dim: int = 0) -> tuple:
    """All slices along ``dim`` (that dim removed), as a tuple of views."""
    n = input._data.ndim
    if n == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return Unbind.apply(input, dim=wrap_dim(dim, n))


# ------------------------------------------------------------------ grids and block matrices
@register(method=False)
def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors: output i varies along dim i (``indexing='ij'``) or
    with the first two dims swapped (``'xy'``, Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = _tensor_list(tensors, "meshgrid")
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                         f"received: {indexing}")
    for t in ts:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got a tensor of shape {list(t.shape)}")
        if t.dtype is not ts[0].dtype:
            raise RuntimeError(f"torch.meshgrid: expects all tensors to have the same dtype "
                               f"(got {ts[0].dtype} and {t.dtype})")
    swap = indexing == "xy" and len(ts) >= 2
    order = list(ts)
    if swap:
        order[0], order[1] = order[1], order[0]
    shape = tuple(t._data.size for t in order)
    outs = []
    for i, t in enumerate(order):
        v = [1] * len(order)
        v[i] = shape[i]
        outs.append(reshape(t, v).expand(shape))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


@register(method=False)
def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix from 0-, 1- or 2-D tensors (1-D ``(n,)`` is a ``1 × n`` block)."""
    from .. import _creation as C
    ts = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag(): argument {i} must be a Tensor, got "
                            f"{type(t).__name__}")
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._data.ndim} dimensions")
        ts.append(t.reshape(1, -1) if t._data.ndim == 1 else
                  t.reshape(1, 1) if t._data.ndim == 0 else t)
    if not ts:
        return C.empty(1, 0)
    ts = _promote_all(ts, "block_diag")
    cols = sum(t._data.shape[1] for t in ts)
    rows, left = [], 0
    for t in ts:
        r, c = t._data.shape
        parts = []
        if left:
            parts.append(t.new_zeros(r, left))
        parts.append(t)
        if cols - left - c:
            parts.append(t.new_zeros(r, cols - left - c))
        rows.append(cat(parts, 1) if len(parts) > 1 else t)
        left += c
    return cat(rows, 0) if len(rows) > 1 else rows[0].clone()


@register(method=False)
def cartesian_prod(*tensors) -> Tensor:
    """All combinations of the 1-D inputs' elements, as rows of a ``(N, len(tensors))`` tensor."""
    ts = _tensor_list(tensors, "cartesian_prod")
    for t in ts:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)

