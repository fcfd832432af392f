"""Gather/scatter along a dim and the ``index_*`` family: gather, scatter (src / value /
reduce), scatter_add, scatter_reduce, index_select, index_add, index_copy, index_fill,
take_along_dim. In-place forms (``scatter_`` …) come from ``register(inplace=True)``.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import wrap_dim, xp_of
from ._registry import register
from .indexing import IndexOutOfRange, _to_module
from .shape import IndexView, ViewScatter, _add_at


# ------------------------------------------------------------------ validation helpers
def _index_arr(index, x: Tensor, name: str):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): index must be a Tensor, got {type(index).__name__}")
    a = index._data
    if a.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {index.dtype}")
    return _to_module(a, xp_of(x._data))


def _bounds(a, size, d, name, negative_ok=False, exc=IndexOutOfRange):
    if a.size:
        lo, hi = int(a.min()), int(a.max())
        low = -size if negative_ok else 0
        if hi >= size or lo < low:
            bad = hi if hi >= size else lo
            raise exc(f"{name}(): index {bad} is out of bounds for dimension {d} with size "
                      f"{size}")


def _gs_check(x: Tensor, d: int, idx, name: str, src: Tensor | None = None):
    """PyTorch's gather/scatter shape rules: same rank; index no larger than self except at
    ``dim`` and no larger than ``src`` anywhere; indices within ``self.size(dim)``."""
    xs = x._data.shape
    if idx.ndim != len(xs) and not (idx.ndim <= 1 and len(xs) <= 1):
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as "
                           f"input tensor (index shape {list(idx.shape)}, input shape {list(xs)})")
    for k in range(min(idx.ndim, len(xs))):
        if k != d and idx.shape[k] > xs[k]:
            raise RuntimeError(f"{name}(): Size does not match at dimension {k}: expected index "
                               f"{list(idx.shape)} to be no larger than self {list(xs)} apart "
                               f"from dimension {d}")
        if src is not None and src._data.ndim == idx.ndim and idx.shape[k] > src._data.shape[k]:
            raise RuntimeError(f"{name}(): Expected index {list(idx.shape)} to be no larger than "
                               f"src {list(src.shape)} in every dimension (dimension {k})")
    if src is not None and src._data.ndim != idx.ndim and src._data.size > 1:
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions as "
                           f"src tensor (index {list(idx.shape)}, src {list(src.shape)})")
    size = xs[d] if xs else 1
    _bounds(idx, size, d, name)


def _coords(idx, d: int) -> tuple:
    """Full coordinates of ``idx`` positions with ``idx`` itself substituted along ``d``."""
    xp = xp_of(idx)
    out = []
    for k, n in enumerate(idx.shape):
        if k == d:
            out.append(idx)
        else:
            shape = [1] * idx.ndim
            shape[k] = n
            out.append(xp.arange(n).reshape(shape))
    return tuple(out)


def _sub(src, idx):
    """``src`` cut to ``idx``'s shape (index may be smaller than src)."""
    if src.shape == idx.shape:
        return src
    return src[tuple(slice(0, n) for n in idx.shape)]


def _pad_to(g: Tensor, shape: tuple) -> Tensor:
    """Gradient for a src larger than the index: zeros outside the used corner."""
    if g.shape == tuple(shape):
        return g
    return ViewScatter.apply(g, shape=tuple(shape),
                             view=IndexView(tuple(slice(0, n) for n in g.shape) + (Ellipsis,)))


# ------------------------------------------------------------------ gather / scatter ops
# The index array travels as a parameter (``idx=``), not as a graph input: it is never
# differentiated, and every backward reuses the same array.

class Gather(Op):
    @staticmethod
    def forward(ctx, x, idx, dim):
        ctx.shape, ctx.dim, ctx.idx = x.shape, dim, idx
        return x[_coords(idx, dim)]

    @staticmethod
    def backward(ctx, g):
        z = _wrap(xp_of(g._data).zeros(ctx.shape, dtype=g._data.dtype))
        return ScatterAdd.apply(z, g, idx=ctx.idx, dim=ctx.dim)


@register
def gather(input, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` (for ``dim=0``); output has ``index``'s shape."""
    n = input._data.ndim
    d = wrap_dim(dim, n)
    idx = _index_arr(index, input, "gather")
    _gs_check(input, d, idx, "gather")
    if n == 0:
        return Gather.apply(input.reshape(1), idx=idx.reshape(-1), dim=0).reshape(idx.shape)
    return Gather.apply(input, idx=idx, dim=d)


def _gather(g: Tensor, idx, d: int) -> Tensor:
    return Gather.apply(g, idx=idx, dim=d)


class Scatter(Op):
    """``out = x.clone(); out[coords(index)] = src``; ``src`` a tensor, or None with ``value``."""

    @staticmethod
    def forward(ctx, x, src, idx, dim, value=None):
        ctx.dim, ctx.idx = dim, idx
        out = x.copy()
        out[_coords(idx, dim)] = value if src is None else _sub(src, idx)
        ctx.src_shape = None if src is None else src.shape
        return out

    @staticmethod
    def backward(ctx, g):
        nf = ctx.next_functions
        gx = gs = None
        if nf[0][0] is not None:
            gx = _zero_at(g, ctx.idx, ctx.dim)
        if nf[1][0] is not None:
            gs = _pad_to(_gather(g, ctx.idx, ctx.dim), ctx.src_shape)
        return gx, gs


def _zero_at(g: Tensor, idx, d: int) -> Tensor:
    """``g`` with the positions ``idx`` points at (along ``d``) set to zero."""
    return Scatter.apply(g, None, idx=idx, dim=d, value=0)


class ScatterAdd(Op):
    @staticmethod
    def forward(ctx, x, src, idx, dim):
        ctx.dim, ctx.idx, ctx.src_shape = dim, idx, src.shape
        out = x.copy()
        _add_at(out, _coords(idx, dim), _sub(src, idx))
        return out

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.next_functions[1][0] is not None:
            gs = _pad_to(_gather(g, ctx.idx, ctx.dim), ctx.src_shape)
        return g, gs


def _prep_scatter(input, dim, index, src, name):
    n = input._data.ndim
    d = wrap_dim(dim, n)
    idx = _index_arr(index, input, name)
    src_t = src if isinstance(src, Tensor) else None
    if src_t is not None and src_t.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype (got "
                           f"{input.dtype} and {src_t.dtype})")
    _gs_check(input, d, idx, name, src_t)
    if n == 0:
        raise RuntimeError(f"{name}(): 0-dim input is not supported; reshape it to 1-D first")
    return d, idx


@register(inplace=True)
def scatter(input, dim: int, index, src=None, *, value=None, reduce: str | None = None):
    """Copy of ``input`` with ``src`` values (or ``value``) written at ``index`` along ``dim``:
    ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``. ``reduce='add'|'multiply'`` combines."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): expected a src tensor or a value")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        if not isinstance(src, Tensor):
            src = input.new_full(index.shape, src)
        return scatter_reduce(input, dim, index, src, "sum" if reduce == "add" else "prod")
    d, idx = _prep_scatter(input, dim, index, src, "scatter")
    if isinstance(src, Tensor) and (src._data.ndim > 0 or src._requires_grad):
        return Scatter.apply(input, src, idx=idx, dim=d)
    v = src.item() if isinstance(src, Tensor) else src
    return Scatter.apply(input, None, idx=idx, dim=d, value=v)


@register(inplace=True)
def scatter_add(input, dim: int, index, src) -> Tensor:
    """Copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
    d, idx = _prep_scatter(input, dim, index, src, "scatter_add")
    return ScatterAdd.apply(input, src, idx=idx, dim=d)


# ------------------------------------------------------------------ scatter_reduce
_UFUNC = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum,
          "mean": np.add}


def _identity(red, dt):
    if red in ("sum", "mean"):
        return 0
    if red == "prod":
        return 1
    if dt.kind == "f":
        return -np.inf if red == "amax" else np.inf
    if dt.kind == "b":
        return red == "amin"
    info = np.iinfo(dt)
    return info.min if red == "amax" else info.max


def _ufunc_at(uf, arr, idx, vals):
    if type(arr) is np.ndarray:
        uf.at(arr, idx, vals)
    else:
        import cupy
        getattr(cupy, uf.__name__).at(arr, idx, vals)


class ScatterReduce(Op):
    @staticmethod
    def forward(ctx, x, src, idx, dim, reduce, include_self):
        c = _coords(idx, dim)
        s = _sub(src, idx)
        out = x.copy()
        if not include_self:
            out[c] = _identity(reduce, x.dtype)
        _ufunc_at(_UFUNC[reduce], out, c, s)
        if reduce == "mean":
            xp = xp_of(x)
            cnt = xp.ones(x.shape, dtype=x.dtype)
            if not include_self:
                cnt[c] = 0
            _add_at(cnt, c, xp.ones(s.shape, dtype=x.dtype))
            out = out // cnt if x.dtype.kind in "iu" else out / cnt
            ctx.cnt = cnt
        ctx.dim, ctx.idx, ctx.reduce, ctx.incl = dim, idx, reduce, include_self
        ctx.src_shape = src.shape
        if reduce in ("amax", "amin", "prod"):
            ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, g):
        idx, d, red, incl = ctx.idx, ctx.dim, ctx.reduce, ctx.incl
        need_x = ctx.next_functions[0][0] is not None
        need_s = ctx.next_functions[1][0] is not None
        gx = gs = None
        if red in ("sum", "mean"):
            if red == "mean":
                g = g / _wrap(ctx.cnt)
            gx = g if incl else _zero_at(g, idx, d)
            gs = _gather(g, idx, d) if need_s else None
        elif red in ("amax", "amin"):
            x, src, out = ctx.saved_tensors
            src_eq = (_sub_t(src, idx) == _gather(out, idx, d)).to(g.dtype)
            self_eq = (x == out).to(g.dtype)
            if not incl:
                self_eq = _zero_at(self_eq, idx, d)
            n_eq = ScatterAdd.apply(self_eq, src_eq, idx=idx, dim=d)
            n_eq = n_eq + (n_eq == 0).to(g.dtype)
            gx = g * self_eq / n_eq
            gs = _gather(g / n_eq, idx, d) * src_eq
        else:  # prod: products of "everything else" computed without dividing by zero
            x, src, out = ctx.saved_tensors
            ones = x.new_ones(x.shape)
            if need_x:
                gx = g * ScatterReduce.apply(ones, src, idx=idx, dim=d, reduce="prod",
                                             include_self=True) if incl else _zero_at(g, idx, d)
            if need_s:
                srcs = _sub_t(src, idx)
                zero = srcs == 0
                src_nz = srcs.masked_fill(zero, 1)
                p_nz = ScatterReduce.apply(x if incl else ones, src_nz, idx=idx, dim=d,
                                           reduce="prod", include_self=True)
                zf = zero.to(x.dtype)
                nzero = ScatterAdd.apply(x.new_zeros(x.shape), zf, idx=idx, dim=d)
                others_zero = _gather(nzero, idx, d) - zf
                excl = _gather(p_nz, idx, d) / src_nz
                gs = _gather(g, idx, d) * excl.masked_fill(others_zero > 0, 0)
        if gs is not None:
            gs = _pad_to(gs, ctx.src_shape)
        return gx, gs


def _sub_t(src: Tensor, idx) -> Tensor:
    if src.shape == idx.shape:
        return src
    return src[tuple(slice(0, n) for n in idx.shape)]


@register(inplace=True)
def scatter_reduce(input, dim: int, index, src, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce ``src`` values into ``input`` at ``index`` along ``dim`` with ``reduce`` in
    ``'sum' | 'prod' | 'mean' | 'amax' | 'amin'``; ``include_self`` also reduces the existing
    values. Gradients of amax/amin are shared evenly between ties, as in PyTorch."""
    if reduce not in _UFUNC:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    d, idx = _prep_scatter(input, dim, index, src, "scatter_reduce")
    return ScatterReduce.apply(input, src, idx=idx, dim=d, reduce=reduce,
                               include_self=bool(include_self))


# ------------------------------------------------------------------ index_* along one dim
def _dim_index(input, dim, index, name):
    n = input._data.ndim
    d = wrap_dim(dim, n)
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): index must be a Tensor, got {type(index).__name__}")
    a = index._data
    if a.dtype.kind not in "iu":
        raise IndexError(f"{name}(): Expected dtype int32/int64 for index, got {index.dtype}")
    if a.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector (got shape "
                         f"{list(index.shape)})")
    a = _to_module(a.reshape(-1), xp_of(input._data))
    size = input._data.shape[d] if n else 1
    _bounds(a, size, d, name, exc=IndexError)
    return d, a


def _pos(d, a):
    return (slice(None),) * d + (a,)


class IndexSelect(Op):
    @staticmethod
    def forward(ctx, x, idx, dim):
        ctx.shape, ctx.dim, ctx.idx = x.shape, dim, idx
        return x[_pos(dim, idx)]

    @staticmethod
    def backward(ctx, g):
        z = _wrap(xp_of(g._data).zeros(ctx.shape, dtype=g._data.dtype))
        return IndexAdd.apply(z, g, idx=ctx.idx, dim=ctx.dim, alpha=1)


@register
def index_select(input, dim: int, index) -> Tensor:
    """Entries of ``input`` at ``index`` (1-D) along ``dim``."""
    d, a = _dim_index(input, dim, index, "index_select")
    if input._data.ndim == 0:
        return IndexSelect.apply(input.reshape(1), idx=a, dim=0).reshape(index.shape)
    return IndexSelect.apply(input, idx=a, dim=d)


def _check_source(input, d, a, source, name):
    want = list(input.shape)
    if want:
        want[d] = a.size
    if list(source.shape) != want and not (source._data.ndim == 0 and a.size == 1):
        raise RuntimeError(f"{name}(): source of shape {list(source.shape)} does not match the "
                           f"destination {list(input.shape)} indexed by {a.size} entries along "
                           f"dim {d} (expected source shape {want})")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): self ({input.dtype}) and source ({source.dtype}) must "
                           "have the same scalar type")


class IndexAdd(Op):
    @staticmethod
    def forward(ctx, x, src, idx, dim, alpha):
        ctx.idx, ctx.dim, ctx.alpha = idx, dim, alpha
        out = x.copy()
        _add_at(out, _pos(dim, idx), src * alpha if alpha != 1 else src)
        return out

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.next_functions[1][0] is not None:
            gs = IndexSelect.apply(g, idx=ctx.idx, dim=ctx.dim)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
        return g, gs


@register(inplace=True)
def index_add(input, dim: int, index, source, *, alpha=1) -> Tensor:
    """Copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    d, a = _dim_index(input, dim, index, "index_add")
    _check_source(input, d, a, source, "index_add")
    return IndexAdd.apply(input, source, idx=a, dim=d, alpha=alpha)


class IndexCopy(Op):
    @staticmethod
    def forward(ctx, x, src, idx, dim):
        ctx.idx, ctx.dim = idx, dim
        out = x.copy()
        out[_pos(dim, idx)] = src
        return out

    @staticmethod
    def backward(ctx, g):
        nf = ctx.next_functions
        gx = IndexFill.apply(g, idx=ctx.idx, dim=ctx.dim, value=0) if nf[0][0] else None
        gs = IndexSelect.apply(g, idx=ctx.idx, dim=ctx.dim) if nf[1][0] else None
        return gx, gs


@register(inplace=True)
def index_copy(input, dim: int, index, source) -> Tensor:
    """Copy of ``input`` with ``source``'s slices written at ``index`` along ``dim``."""
    d, a = _dim_index(input, dim, index, "index_copy")
    _check_source(input, d, a, source, "index_copy")
    return IndexCopy.apply(input, source, idx=a, dim=d)


class IndexFill(Op):
    @staticmethod
    def forward(ctx, x, idx, dim, value):
        ctx.idx, ctx.dim = idx, dim
        out = x.copy()
        out[_pos(dim, idx)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        return IndexFill.apply(g, idx=ctx.idx, dim=ctx.dim, value=0)


@register(inplace=True)
def index_fill(input, dim: int, index, value) -> Tensor:
    """Copy of ``input`` with ``value`` written at ``index`` along ``dim``."""
    d, a = _dim_index(input, dim, index, "index_fill")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        value = value.item()
    return IndexFill.apply(input, idx=a, dim=d, value=value)


@register
def take_along_dim(input, indices, dim: int | None = None) -> Tensor:
    """``gather`` with broadcasting of ``input`` and ``indices`` outside ``dim`` (flattened when
    ``dim`` is None)."""
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    n = input._data.ndim
    d = wrap_dim(dim, n)
    if indices._data.ndim != n:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {n} dimensions for input, and "
                           f"{indices._data.ndim} dimensions for indices")
    si, sx = list(indices.shape), list(input.shape)
    from ._common import broadcast_shapes
    si[d] = sx[d] = 1
    b = list(broadcast_shapes(tuple(si), tuple(sx)))
    bx, bi = list(b), list(b)
    bx[d], bi[d] = input.shape[d], indices.shape[d]
    return gather(input.expand(bx), d, indices.expand(bi))
