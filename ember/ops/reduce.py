"""Reductions: sum, mean, nansum, nanmean, prod, var/std (+ _mean), logsumexp, norm, dist,
all/any, count_nonzero (values reduce over ``dim``, ``keepdim`` like PyTorch).

Selecting reductions and scans live in ``reduce2.py``, sorting/searching in ``sort.py``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ..autograd import engine as _engine
from ..autograd.graph import Op
from ._common import float_input, wrap_dims, xp_of
from ._registry import register
from .linalg import LinalgVectorNorm


def _keep_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


class Sum(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.shape = x.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim and g._data.ndim:  # a 0-d gradient broadcasts as it is
            g = g.reshape(_keep_shape(ctx.shape, ctx.dims))
        return g.expand(ctx.shape)


def _reduce_dtype(x: Tensor, dtype):
    if dtype is not None:
        return D.to_dtype(dtype).np
    if x._data.dtype.kind in "biu":
        return np.int64
    return None


@register
def sum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (all dims when None). Integer/bool inputs sum to int64."""
    dims = wrap_dims(dim, input._data.ndim)
    return Sum.apply(input, dims=dims, keepdim=keepdim, dtype=_reduce_dtype(input, dtype))


def sum_to_shape(g: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back down to ``shape`` (differentiable)."""
    gshape = g._data.shape
    lead = len(gshape) - len(shape)
    dims = tuple(lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if not dims:  # only leading dims to remove: one reduction gives the exact shape
        return Sum.apply(g, dims=tuple(range(lead)), keepdim=False, dtype=None)
    g = Sum.apply(g, dims=tuple(range(lead)) + dims, keepdim=True, dtype=None)
    if g._data.shape != tuple(shape):
        g = g.reshape(shape)
    return g


_engine._sum_to_shape = sum_to_shape


@register(public=False)
def sum_to_size(input, *size) -> Tensor:
    """Sum ``input`` down to the broadcast-compatible ``size``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return sum_to_shape(input, tuple(size))


def _require_float(x: Tensor, name: str):
    k = x._data.dtype.kind
    if k not in "fc" and not (D._BF16 is not None and x._data.dtype == D._BF16):
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {x.dtype}")


class Mean(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape = x.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        n = ctx.n = math.prod([x.shape[d] for d in dims])
        if x.dtype.kind == "f" and x.dtype.itemsize >= 4:  # sum/n: NumPy's mean is 4x slower
            return x.sum(axis=dims, keepdims=keepdim) / x.dtype.type(n or float("nan"))
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim and g._data.ndim:  # a 0-d gradient broadcasts as it is
            g = g.reshape(_keep_shape(ctx.shape, ctx.dims))
        return (g / ctx.n).expand(ctx.shape)


@register
def mean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim`` (all dims when None); float/complex inputs only."""
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    _require_float(input, "mean")
    dims = wrap_dims(dim, input._data.ndim)
    return Mean.apply(input, dims=dims, keepdim=keepdim)


# --------------------------------------------------------------------------- helpers
def _restore(g: Tensor, shape, dims, keepdim: bool) -> Tensor:
    """Reshape a reduced gradient so it broadcasts against the input (keepdim layout)."""
    if not keepdim:
        g = g.reshape(_keep_shape(shape, dims))
    return g


def _count(shape, dims) -> int:
    return math.prod(shape[d] for d in dims)


# --------------------------------------------------------------------------- nansum / nanmean
class Nansum(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        if x.dtype.kind in "biu":
            return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)
        return np.nansum(x, axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        g = _restore(g, x.shape, ctx.dims, ctx.keepdim)
        from .elementwise import where
        return where(x != x, 0.0, g.expand(x.shape))


@register
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` treating NaN as zero; integer inputs sum to int64."""
    dims = wrap_dims(dim, input._data.ndim)
    return Nansum.apply(input, dims=dims, keepdim=keepdim, dtype=_reduce_dtype(input, dtype))


@register
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over ``dim`` of the non-NaN elements (NaN where a slice is all NaN)."""
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {input.dtype}")
    dims = wrap_dims(dim, input._data.ndim)
    cnt = (~np.isnan(input._data)).sum(axis=dims, keepdims=keepdim)
    return nansum(input, dims, keepdim) / _wrap(cnt.astype(input._data.dtype))


# --------------------------------------------------------------------------- prod
class Prod(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.dims, ctx.keepdim = dims, keepdim
        out = x.prod(axis=dims, keepdims=keepdim, dtype=dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # d prod / d x_k = product of the other elements: out / x_k without zeros; with zeros,
        # (product before k) * (product after k) over the flattened reduced dims, which is
        # exact (also its derivative) and never divides by zero
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        shape = x.shape
        g = _restore(g, shape, dims, keepdim)
        if not (x._data == 0).any():
            return g * _restore(out, shape, dims, keepdim) / x
        if not dims:        # 0-d input: prod(x) = x
            return g
        from .reduce2 import exclusive_cumprod
        n = len(shape)
        rest = [i for i in range(n) if i not in dims]
        perm = rest + list(dims)
        xf = x.permute(perm).reshape(tuple(shape[i] for i in rest) + (-1,))
        others = exclusive_cumprod(xf, len(rest)) * exclusive_cumprod(xf, len(rest), True)
        inv = [perm.index(i) for i in range(n)]
        others = others.reshape(tuple(shape[i] for i in perm)).permute(inv)
        return g * others


Prod.name = classmethod(lambda cls: "ProdBackward0")


@register
def prod(input, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over ``dim`` (all elements when None). Integer/bool inputs give int64.

    Unlike ``sum``, PyTorch's ``prod`` takes a single int ``dim``; a tuple is accepted here too.
    """
    if isinstance(dim, D.dtype):
        dim, dtype = None, dim
    dims = wrap_dims(dim, input._data.ndim)
    if input._data.ndim == 0:
        dims = ()
    return Prod.apply(input, dims=dims, keepdim=keepdim, dtype=_reduce_dtype(input, dtype))


# --------------------------------------------------------------------------- var / std
def _var_args(name, dim, unbiased, keepdim, correction):
    """Resolve PyTorch's overloads: var(x, unbiased), var(x, dim, unbiased, keepdim),
    var(x, dim, *, correction, keepdim)."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    if correction is not None and unbiased is not None:
        raise RuntimeError(f"{name}(): cannot specify both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, keepdim, correction


def _check_var_dtype(x: Tensor, name: str):
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"{name}(): std and var only support floating point and complex "
                           f"dtypes, but got a tensor of dtype {x.dtype}; convert it with "
                           f".float() first")


def _var_fast(x, dims, correction, keepdim):
    """Variance with one temporary (NumPy's ``var`` is ~1.5x slower for small arrays)."""
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:
        return x.var(axis=dims, ddof=correction, keepdims=keepdim)
    n = _count(x.shape, dims)
    d = x - x.sum(axis=dims, keepdims=True) / x.dtype.type(n)
    d *= d
    return d.sum(axis=dims, keepdims=keepdim) / x.dtype.type(n - correction)


def _quiet(fn, **kw):
    """Call ``fn`` without NumPy's "degrees of freedom <= 0" warning."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(**kw)


class Var(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, correction):
        ctx.dims, ctx.keepdim, ctx.correction = dims, keepdim, correction
        ctx.save_for_backward(x)
        if _count(x.shape, dims) > correction:
            return _var_fast(x, dims, correction, keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):    # inf/NaN like PyTorch
            return _quiet(x.var, axis=dims, ddof=correction, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _var_backward(g, x, ctx.dims, ctx.keepdim, ctx.correction)


def _var_backward(g, x, dims, keepdim, correction):
    n = _count(x.shape, dims)
    g = _restore(g, x.shape, dims, keepdim)
    centered = x - mean(x, dims, True)
    # n <= correction divides by zero in forward too (inf/NaN, as in PyTorch)
    return g * centered * (2.0 / (n - correction) if n > correction else math.inf)


class Std(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim, correction):
        ctx.dims, ctx.keepdim, ctx.correction = dims, keepdim, correction
        if _count(x.shape, dims) > correction:
            out = np.sqrt(_var_fast(x, dims, correction, keepdim))
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = _quiet(x.std, axis=dims, ddof=correction, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .elementwise import where
        x, out = ctx.saved_tensors
        # d std = d var / (2 std); PyTorch defines the gradient as 0 where std == 0
        zero = out == 0
        gv = where(zero, 0.0, g / (where(zero, 1.0, out) * 2))
        return _var_backward(gv, x, ctx.dims, ctx.keepdim, ctx.correction)


@register
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance over ``dim`` with Bessel ``correction`` (default 1; ``unbiased=False`` → 0)."""
    dim, keepdim, correction = _var_args("var", dim, unbiased, keepdim, correction)
    _check_var_dtype(input, "var")
    return Var.apply(input, dims=wrap_dims(dim, input._data.ndim), keepdim=keepdim,
                     correction=correction)


@register
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation over ``dim`` (square root of :func:`var`)."""
    dim, keepdim, correction = _var_args("std", dim, unbiased, keepdim, correction)
    _check_var_dtype(input, "std")
    return Std.apply(input, dims=wrap_dims(dim, input._data.ndim), keepdim=keepdim,
                     correction=correction)


@register(method=False)
def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var(input, ...), mean(input, ...))`` over the same dims."""
    dim, keepdim, correction = _var_args("var_mean", dim, unbiased, keepdim, correction)
    _check_var_dtype(input, "var_mean")
    dims = wrap_dims(dim, input._data.ndim)
    return (Var.apply(input, dims=dims, keepdim=keepdim, correction=correction),
            Mean.apply(input, dims=dims, keepdim=keepdim))


@register(method=False)
def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std(input, ...), mean(input, ...))`` over the same dims."""
    dim, keepdim, correction = _var_args("std_mean", dim, unbiased, keepdim, correction)
    _check_var_dtype(input, "std_mean")
    dims = wrap_dims(dim, input._data.ndim)
    return (Std.apply(input, dims=dims, keepdim=keepdim, correction=correction),
            Mean.apply(input, dims=dims, keepdim=keepdim))


# --------------------------------------------------------------------------- logsumexp
class Logsumexp(Op):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        if x.size:
            m = x.max(axis=dims, keepdims=True)
            # an infinite max would make x - m NaN; shifting by 0 there is exact
            m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
        else:
            m = np.zeros(_keep_shape(x.shape, dims), x.dtype) if type(x) is np.ndarray else \
                xp_of(x).zeros(_keep_shape(x.shape, dims), x.dtype)
        with np.errstate(divide="ignore"):
            out = np.log(np.exp(x - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            out = out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in dims))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .elementwise import exp
        x, out = ctx.saved_tensors
        g = _restore(g, x.shape, ctx.dims, ctx.keepdim)
        out = _restore(out, x.shape, ctx.dims, ctx.keepdim)
        return g * exp(x - out)


@register
def logsumexp(input, dim=None, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed stably (shifted by the max)."""
    input = float_input(input)
    if dim is None:
        dim = ()
    return Logsumexp.apply(input, dims=wrap_dims(dim, input._data.ndim), keepdim=keepdim)


# --------------------------------------------------------------------------- norm / dist
# one vector-norm op serves Tensor.norm, dist and linalg.vector_norm (ember/ops/linalg.py)
def _vector_norm(x, p, dims, keepdim):
    return LinalgVectorNorm.apply(x, ord=float(p), dims=dims, keepdim=keepdim)


@register
def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements when None); ``'fro'`` is the 2-norm.

    ``p`` may be a number (including ``inf``/``-inf``/0) or ``'fro'``; ``'nuc'`` (nuclear
    norm) needs an SVD and is not supported.
    """
    if dtype is not None:
        input = input.to(D.to_dtype(dtype))
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"norm(): expected a floating point or complex tensor as input, "
                           f"got dtype {input.dtype}")
    if isinstance(dim, (int, np.integer)):
        dim = (dim,)
    if p == "fro" or p is None:
        p = 2
    elif p == "nuc":
        raise NotImplementedError("norm(p='nuc') (nuclear norm) is not supported by Ember")
    elif isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported norm type {p!r}")
    dims = wrap_dims(dim, input._data.ndim)
    if input._data.ndim == 0:
        dims = ()
    return _vector_norm(input, p, dims, keepdim)


class Dist(LinalgVectorNorm):
    pass


@register
def dist(input, other, p=2) -> Tensor:
    """The p-norm of ``input - other`` (broadcast), a 0-d tensor."""
    diff = input - other
    if diff._data.dtype.kind not in "fc":
        raise RuntimeError(f"dist(): expected floating point tensors, got {diff.dtype}")
    return Dist.apply(diff, ord=float(p), dims=tuple(range(diff._data.ndim)), keepdim=False)


# --------------------------------------------------------------------------- all / any / count
def _logical_reduce(fn, name):
    def f(input, dim=None, keepdim: bool = False) -> Tensor:
        arr = input._data
        dims = wrap_dims(dim, arr.ndim)
        if arr.ndim == 0:
            dims = ()
        out = fn(arr, axis=dims, keepdims=keepdim)
        # PyTorch keeps uint8 for uint8 inputs, bool otherwise
        return _wrap(out.astype(np.uint8) if arr.dtype == np.uint8 else out)
    f.__name__ = name
    f.__doc__ = (f"Whether {'all' if name == 'all' else 'any'} elements over ``dim`` are "
                 "non-zero; a bool tensor (uint8 for uint8 input).")
    return f


all = register(_logical_reduce(np.all, "all"))
any = register(_logical_reduce(np.any, "any"))


@register
def count_nonzero(input, dim=None) -> Tensor:
    """Number of non-zero elements over ``dim`` (int64)."""
    arr = input._data
    dims = wrap_dims(dim, arr.ndim)
    if arr.ndim == 0:
        dims = ()
    return _wrap((arr != 0).sum(axis=dims, dtype=np.int64))
