"""Selecting reductions and scans: max/min/amax/amin/argmax/argmin/aminmax, cumsum, cumprod,
cummax/cummin, logcumsumexp, diff; plus the named-tuple return types (``.values``/``.indices``).

Gradients of value-selecting ops flow to the selected index (scatter into zeros); full
reductions that PyTorch treats as "evenly distributed" (``max()``, ``amax``…) split the
gradient equally among tied elements.
"""
from __future__ import annotations

import builtins
import collections
import sys
import types

import numpy as np

from .. import _dtype as D
from .. import _state
from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import promote, wrap_dim, wrap_dims, xp_of
from ._registry import METHODS, apply_inplace, check_inplace_leaf, register
from .reduce import _reduce_dtype, _restore


# --------------------------------------------------------------------------- return types
return_types = types.ModuleType("ember.return_types",
                                "Named tuples returned by ops like max(dim), sort, topk.")


def _return_type(name: str, fields=("values", "indices")):
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "ember.return_types"

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"ember.return_types.{name}(\n{body})"
    cls.__repr__ = __repr__
    setattr(return_types, name, cls)
    return cls


for _n in ("max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax",
           "cummin"):
    _return_type(_n)
_return_type("aminmax", ("min", "max"))
sys.modules.setdefault("ember.return_types", return_types)
if "ember" in sys.modules and not hasattr(sys.modules["ember"], "return_types"):
    sys.modules["ember"].return_types = return_types


class EmptyReductionError(IndexError, RuntimeError):
    """Reducing an empty tensor/dimension that has no identity (max, argmax…). PyTorch raises
    IndexError for some of these and RuntimeError for others; this is both."""


_gstate = _state.state


def _named(cls, grad_fn_name: str):
    cls.name = classmethod(lambda c: grad_fn_name)
    return cls


# --------------------------------------------------------------------------- index helpers
def _index_tuple(shape, dim, idx, xp):
    """Advanced-indexing tuple placing ``idx`` along ``dim`` (open grids elsewhere)."""
    n = len(shape)
    ix = []
    for d in range(n):
        if d == dim:
            ix.append(idx)
        else:
            ix.append(xp.arange(idx.shape[d]).reshape([-1 if k == d else 1 for k in range(n)]))
    return tuple(ix)


class _Gather(Op):
    """``take_along_axis`` (private; the adjoint of :class:`_Scatter`)."""

    @staticmethod
    def forward(ctx, x, idx, dim, unique):
        ctx.idx, ctx.dim, ctx.shape, ctx.unique = idx, dim, x.shape, unique
        if x.ndim == 0:
            return x.copy()
        return xp_of(x).take_along_axis(x, idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return _Scatter.apply(g, idx=ctx.idx, dim=ctx.dim, shape=ctx.shape, unique=ctx.unique)


class _Scatter(Op):
    """Zeros of ``shape`` with ``src`` added at ``idx`` along ``dim`` (private)."""

    @staticmethod
    def forward(ctx, src, idx, dim, shape, unique):
        ctx.idx, ctx.dim, ctx.unique = idx, dim, unique
        xp = xp_of(src)
        out = xp.zeros(shape, src.dtype)
        if src.ndim == 0:
            out[...] = src
            return out
        ix = _index_tuple(shape, dim, idx, xp)
        if unique:
            out[ix] = src
        elif xp is np:
            np.add.at(out, ix, src)
        else:  # CuPy
            import cupyx
            cupyx.scatter_add(out, ix, src)
        return out

    @staticmethod
    def backward(ctx, g):
        return _Gather.apply(g, idx=ctx.idx, dim=ctx.dim, unique=ctx.unique)


def gather_along(x: Tensor, idx, dim: int, unique: bool = True) -> Tensor:
    """Differentiable ``take_along_axis(x, idx, dim)`` with a raw index array ``idx``."""
    return _Gather.apply(x, idx=idx, dim=dim % builtins.max(x._data.ndim, 1), unique=unique)


def scatter_into(src: Tensor, idx, dim: int, shape, unique: bool = True) -> Tensor:
    """Differentiable scatter of ``src`` into zeros of ``shape`` at ``idx`` along ``dim``."""
    dim = dim % builtins.max(len(shape), 1)
    return _Scatter.apply(src, idx=idx, dim=dim, shape=tuple(shape), unique=unique)


class _Flip(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return xp_of(x).flip(x, dim).copy() if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, g):
        return _Flip.apply(g, dim=ctx.dim)


def _flip(x: Tensor, dim: int) -> Tensor:
    return _Flip.apply(x, dim=dim)


class _Shift(Op):
    """Shift by one along ``dim`` filling with zero (``forward=True``: towards higher
    indices); linear, its adjoint is the opposite shift."""

    @staticmethod
    def forward(ctx, x, dim, forward):
        ctx.dim, ctx.fwd = dim, forward
        out = xp_of(x).zeros_like(x)
        n = x.shape[dim]
        src = [slice(None)] * x.ndim
        dst = [slice(None)] * x.ndim
        src[dim], dst[dim] = (slice(0, n - 1), slice(1, n)) if forward else \
            (slice(1, n), slice(0, n - 1))
        out[tuple(dst)] = x[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, g):
        return _Shift.apply(g, dim=ctx.dim, forward=not ctx.fwd)


def exclusive_cumprod(x: Tensor, dim: int, reverse: bool = False) -> Tensor:
    """prod_{i<k} x_i (``reverse``: prod_{i>k} x_i) along ``dim``, differentiable and exact
    with zeros (no division)."""
    if reverse:
        return _flip(exclusive_cumprod(_flip(x, dim), dim), dim)
    first = xp_of(x._data).zeros(x._data.shape, x._data.dtype)
    idx = [slice(None)] * x._data.ndim
    idx[dim] = 0
    first[tuple(idx)] = 1
    return _Shift.apply(cumprod(x, dim), dim=dim, forward=True) + _wrap(first)


# --------------------------------------------------------------------------- max / min
def _evenly_mask(x: Tensor, out_k: Tensor) -> Tensor:
    """Where ``x`` equals the (broadcast) selected value; NaN results select NaN inputs."""
    xd, od = x._data, out_k._data
    m = xd == od
    if xd.dtype.kind in "fc":
        m = m | ((xd != xd) & (od != od))
    return _wrap(m.astype(xd.dtype))


class Amax(Op):
    """amax/amin over ``dims``; the gradient is split evenly among the tied maxima."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, smallest):
        ctx.dims, ctx.keepdim = dims, keepdim
        out = x.min(axis=dims, keepdims=keepdim) if smallest else \
            x.max(axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        g = _restore(g, x.shape, dims, keepdim)
        mask = _evenly_mask(x, _restore(out, x.shape, dims, keepdim))
        cnt = _wrap(mask._data.sum(axis=dims, keepdims=True))
        return g * mask / cnt


class Amin(Amax):
    pass


class MaxAll(Amax):
    pass


class MinAll(Amax):
    pass


_named(MaxAll, "MaxBackward1")
_named(MinAll, "MinBackward1")


class Max(Op):
    """max/min along one dim: (values, indices); the gradient goes to the selected index."""

    nondiff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, dim, keepdim, smallest):
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, x.shape
        if x.ndim == 0:
            idx = xp_of(x).zeros((), np.int64)
            ctx.idx = idx
            return x.copy(), idx
        # two C reductions beat argmax + take_along_axis; both select the first NaN
        if smallest:
            idx = x.argmin(axis=dim, keepdims=True)
            vals = x.min(axis=dim, keepdims=keepdim)
        else:
            idx = x.argmax(axis=dim, keepdims=True)
            vals = x.max(axis=dim, keepdims=keepdim)
        ctx.idx = idx
        if not keepdim:
            idx = idx.squeeze(dim)
        return vals, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx, g, _gi=None):
        if not ctx.keepdim and len(ctx.shape):
            g = g.unsqueeze(ctx.dim)
        return scatter_into(g, ctx.idx, ctx.dim, ctx.shape)


class Min(Max):
    pass


def _maximum(a, b, smallest):
    from . import OPS
    fn = OPS.get("minimum" if smallest else "maximum")
    if fn is not None:
        return fn(a, b)
    a, b = promote(a, b, "minimum" if smallest else "maximum")   # pragma: no cover - fallback
    from .elementwise import where
    pick = (a <= b) if smallest else (a >= b)
    return where(pick | (a != a), a, b)


def _empty_full(name: str):
    raise EmptyReductionError(
        f"{name}(): cannot reduce an empty tensor without a dimension (there is no identity "
        f"for {name}); pass dim=... to reduce over a non-empty dimension")


def _check_nonempty_dims(x: Tensor, dims, name: str):
    shape = x._data.shape
    for d in dims:
        if shape and shape[d] == 0:
            raise EmptyReductionError(
                f"{name}(): expected reduction dim {d} to have non-zero size (input shape "
                f"{list(shape)})")


def _extreme(input, dim, keepdim, smallest: bool):
    name = "min" if smallest else "max"
    if isinstance(dim, Tensor):
        return _maximum(input, dim, smallest)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}(): keepdim=True needs a dim")
        if input._data.size == 0:
            _empty_full(name)
        cls = MinAll if smallest else MaxAll
        return cls.apply(input, dims=tuple(range(input._data.ndim)), keepdim=False,
                         smallest=smallest)
    d = wrap_dim(dim, input._data.ndim)
    _check_nonempty_dims(input, (d,), name)
    vals, idx = (Min if smallest else Max).apply(input, dim=d, keepdim=keepdim,
                                                 smallest=smallest)
    return getattr(return_types, name)(vals, idx)


@register
def max(input, dim=None, keepdim: bool = False, *, out=None):
    """``max(input)`` → the largest element (0-d); ``max(input, dim, keepdim)`` →
    ``(values, indices)`` along ``dim``; ``max(input, other)`` → elementwise maximum.
    NaN propagates (and is selected)."""
    return _extreme(input, dim, keepdim, False)


@register
def min(input, dim=None, keepdim: bool = False, *, out=None):
    """Like :func:`max` for the smallest element."""
    return _extreme(input, dim, keepdim, True)


def _amax(input, dim, keepdim, smallest):
    name = "amin" if smallest else "amax"
    dims = wrap_dims(dim if dim != () else None, input._data.ndim)
    if input._data.ndim == 0:
        dims = ()
    if input._data.size == 0:
        if dim is None or dim == () or not dims:
            _empty_full(name)
        _check_nonempty_dims(input, dims, name)
    cls = Amin if smallest else Amax
    return cls.apply(input, dims=dims, keepdim=keepdim, smallest=smallest)


@register
def amax(input, dim=(), keepdim: bool = False) -> Tensor:
    """Largest values over ``dim`` (int or tuple; all dims when empty). Ties share the
    gradient evenly."""
    return _amax(input, dim, keepdim, False)


@register
def amin(input, dim=(), keepdim: bool = False) -> Tensor:
    """Smallest values over ``dim`` (int or tuple; all dims when empty)."""
    return _amax(input, dim, keepdim, True)


@register
def aminmax(input, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over ``dim`` (all elements when None) as ``return_types.aminmax``."""
    if dim is None and input._data.size == 0:
        _empty_full("aminmax")
    dims = tuple(range(input._data.ndim)) if dim is None else (wrap_dim(dim, input._data.ndim),)
    if input._data.ndim == 0:
        dims = ()
    _check_nonempty_dims(input, dims, "aminmax")
    return return_types.aminmax(Amin.apply(input, dims=dims, keepdim=keepdim, smallest=True),
                                Amax.apply(input, dims=dims, keepdim=keepdim, smallest=False))


def _arg(input, dim, keepdim, smallest):
    name = "argmin" if smallest else "argmax"
    x = input._data
    if dim is None:
        if x.size == 0:
            _empty_full(name)
        i = x.argmin() if smallest else x.argmax()
        out = xp_of(x).asarray(i, dtype=np.int64)
        return _wrap(out.reshape((1,) * x.ndim) if keepdim else out)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _wrap(xp_of(x).zeros((), np.int64))
    _check_nonempty_dims(input, (d,), name)
    i = x.argmin(axis=d, keepdims=keepdim) if smallest else x.argmax(axis=d, keepdims=keepdim)
    return _wrap(i.astype(np.int64, copy=False))


@register
def argmax(input, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element along ``dim`` (of the flattened tensor when None), int64."""
    return _arg(input, dim, keepdim, False)


@register
def argmin(input, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element along ``dim`` (of the flattened tensor when None), int64."""
    return _arg(input, dim, keepdim, True)


# --------------------------------------------------------------------------- cumulative ops
def _scan_dim(input, dim):
    return wrap_dim(dim, input._data.ndim)


def _as1d(x):
    return x.reshape(1) if x.ndim == 0 else x


class Cumsum(Op):
    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = dim
        return _as1d(x).cumsum(axis=dim, dtype=dtype).reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        # adjoint of a prefix sum: a suffix sum
        d = ctx.dim
        return _flip(cumsum(_flip(g, d), d), d)


@register
def cumsum(input, dim: int, *, dtype=None) -> Tensor:
    """Running sum along ``dim``; integer/bool inputs give int64."""
    return Cumsum.apply(input, dim=_scan_dim(input, dim), dtype=_reduce_dtype(input, dtype))


class Cumprod(Op):
    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = dim
        # only the input is saved: cumprod_ overwrites the output (out is recomputed)
        ctx.save_for_backward(x)
        return _as1d(x).cumprod(axis=dim, dtype=dtype).reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        # grad_k = sum_{j>=k} g_j * prod_{i<=j, i!=k} x_i, computed without dividing by zero:
        # before the first zero of a slice it is suffix_sum(g*out)_k / x_k; at the first zero
        # it is suffix_sum(g*out')_k with that zero replaced by 1; after it, 0.
        from .elementwise import where
        x, = ctx.saved_tensors
        d = ctx.dim
        out = cumprod(x, d)

        def suffix(t):
            return _flip(cumsum(_flip(t, d), d), d)
        is0 = x._data == 0
        if not is0.any():
            return suffix(g * out) / x
        seen = _as1d(is0).cumsum(axis=d).reshape(is0.shape)
        before = _wrap(seen == 0)
        first = _wrap(is0 & (seen == 1))
        x1 = where(first, 1.0, x)
        out1 = cumprod(x1, d)
        xdiv = where(before, x, 1.0)
        return where(before, suffix(g * out) / xdiv, where(first, suffix(g * out1), 0.0))


@register
def cumprod(input, dim: int, *, dtype=None) -> Tensor:
    """Running product along ``dim``; integer/bool inputs give int64. The gradient is exact
    with zeros in the input."""
    return Cumprod.apply(input, dim=_scan_dim(input, dim), dtype=_reduce_dtype(input, dtype))


def _scan_inplace(fn, name):
    def inplace(self, dim: int, *, dtype=None) -> Tensor:
        check_inplace_leaf(self)
        # the scan saves its input for backward; give it a copy since self is overwritten
        src = self.clone() if self._requires_grad and _gstate.enabled else self
        return apply_inplace(self, fn(src, dim, dtype=dtype))
    inplace.__name__ = name
    inplace.__doc__ = f"In-place :func:`{name[:-1]}`."
    setattr(Tensor, name, inplace)
    METHODS[name] = inplace


_scan_inplace(cumsum, "cumsum_")
_scan_inplace(cumprod, "cumprod_")


class Cummax(Op):
    nondiff_outputs = (1,)

    @staticmethod
    def forward(ctx, x, dim, smallest):
        ctx.dim, ctx.shape = dim, x.shape
        xp = xp_of(x)
        a = _as1d(x)
        acc = np.minimum if smallest else np.maximum
        vals = acc.accumulate(a, axis=dim)
        # index of the latest element equal to the running extreme (PyTorch's >= / <=); a NaN
        # is selected where it appears and then carried
        hit = a == vals
        if a.dtype.kind in "fc":
            hit |= a != a
        pos = xp.arange(a.shape[dim]).reshape([-1 if k == dim else 1 for k in range(a.ndim)])
        idx = np.maximum.accumulate(xp.where(hit, pos, 0), axis=dim).astype(np.int64)
        ctx.idx = idx
        return vals.reshape(x.shape), idx.reshape(x.shape)

    @staticmethod
    def backward(ctx, g, _gi=None):
        if not len(ctx.shape):
            return g
        return scatter_into(g, ctx.idx, ctx.dim, ctx.shape, unique=False)


class Cummin(Cummax):
    pass


@register
def cummax(input, dim: int):
    """Running maximum along ``dim`` and the index where it was attained."""
    d = _scan_dim(input, dim)
    return return_types.cummax(*Cummax.apply(input, dim=d, smallest=False))


@register
def cummin(input, dim: int):
    """Running minimum along ``dim`` and the index where it was attained."""
    d = _scan_dim(input, dim)
    return return_types.cummin(*Cummin.apply(input, dim=d, smallest=True))


class Logcumsumexp(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        a = _as1d(x)
        if type(a) is np.ndarray:
            out = np.logaddexp.accumulate(a, axis=dim)
        else:  # CuPy: shift by the slice max for stability
            m = a.max(axis=dim, keepdims=True)
            m = xp_of(a).where(xp_of(a).isfinite(m), m, 0)
            out = xp_of(a).log(xp_of(a).exp(a - m).cumsum(axis=dim)) + m
        out = out.reshape(x.shape)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if not len(x.shape):
            return g
        return _LogcumsumexpGrad.apply(x, out, g, dim=ctx.dim)


class _LogcumsumexpGrad(Op):
    """grad_k = sum_{j>=k} g_j exp(x_k - out_j). Forward evaluates it in log space for the
    positive and negative parts of g (no overflow); its own backward uses the plain form."""

    @staticmethod
    def forward(ctx, x, out, g, dim):
        ctx.dim = dim
        ctx.save_for_backward(x, out, g)
        xp = xp_of(x)
        res = xp.zeros_like(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            for sign in (1, -1):
                gp = xp.where(sign * g > 0, sign * g, 0)
                t = xp.flip(xp.log(gp) - out, dim)
                if type(t) is np.ndarray:
                    acc = np.logaddexp.accumulate(t, axis=dim)
                else:
                    m = t.max(axis=dim, keepdims=True)
                    m = xp.where(xp.isfinite(m), m, 0)
                    acc = xp.log(xp.exp(t - m).cumsum(axis=dim)) + m
                part = xp.exp(xp.flip(acc, dim) + x)
                res = res + sign * xp.where(xp.isnan(part), 0, part)
        return res.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gg):
        from .elementwise import exp
        x, out, g = ctx.saved_tensors
        d = ctx.dim
        ex, e_out = exp(x), exp(-out)
        pre = cumsum(gg * ex, d)                      # sum_{k<=j} gg_k exp(x_k)
        nf = ctx.next_functions
        gx = gg * ex * _flip(cumsum(_flip(g * e_out, d), d), d) if nf[0][0] is not None \
            else None
        gout = -g * e_out * pre if nf[1][0] is not None else None
        g_g = e_out * pre if nf[2][0] is not None else None
        return gx, gout, g_g


@register
def logcumsumexp(input, dim: int) -> Tensor:
    """``log(cumsum(exp(input), dim))`` computed stably."""
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"logcumsumexp(): expected a floating point tensor, got "
                           f"{input.dtype}")
    return Logcumsumexp.apply(input, dim=_scan_dim(input, dim))


# --------------------------------------------------------------------------- diff
def _diff_n(a, n, dim):
    for _ in range(n):
        if a.dtype == np.bool_:
            a = np.not_equal(a.take(range(1, a.shape[dim]), dim),
                             a.take(range(0, a.shape[dim] - 1), dim))
        else:
            a = np.diff(a, axis=dim)
    return a


class Diff(Op):
    @staticmethod
    def forward(ctx, x, pre, app, n, dim):
        parts = [p for p in (pre, x, app) if p is not None]
        ctx.sizes = tuple(p.shape[dim] if p is not None else 0 for p in (pre, x, app))
        ctx.n, ctx.dim = n, dim
        a = xp_of(x).concatenate(parts, axis=dim) if len(parts) > 1 else x
        return _diff_n(a, n, dim)

    @staticmethod
    def backward(ctx, g):
        gp, gx, ga = _DiffT.apply(g, n=ctx.n, dim=ctx.dim, sizes=ctx.sizes)
        nf = ctx.next_functions
        return gx, gp if nf[1][0] is not None else None, ga if nf[2][0] is not None else None


class _DiffT(Op):
    """The adjoint of ``diff``: (-1)^n * diff^n of g zero-padded by n on both sides, split
    back into (prepend, input, append) pieces."""

    @staticmethod
    def forward(ctx, g, n, dim, sizes):
        ctx.n, ctx.dim = n, dim
        xp = xp_of(g)
        pad = [(0, 0)] * g.ndim
        pad[dim] = (n, n)
        full = _diff_n(xp.pad(g, pad), n, dim)
        if n % 2:
            full = -full
        s0, s1 = sizes[0], sizes[0] + sizes[1]
        return (full.take(range(0, s0), dim), full.take(range(s0, s1), dim),
                full.take(range(s1, full.shape[dim]), dim))

    @staticmethod
    def backward(ctx, gp, gx, ga):
        return Diff.apply(gx, gp, ga, n=ctx.n, dim=ctx.dim)


@register
def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """n-th forward difference along ``dim``, after concatenating ``prepend``/``append``
    (bool tensors use xor, like PyTorch)."""
    if input._data.ndim == 0:
        raise RuntimeError("diff(): expected at least a 1-dimensional input tensor")
    if n < 0:
        raise RuntimeError(f"diff(): order n must be non-negative but got {n}")
    d = wrap_dim(dim, input._data.ndim)
    extra = []
    for name, t in (("prepend", prepend), ("append", append)):
        if t is None:
            extra.append(None)
            continue
        if not isinstance(t, Tensor):
            from .._creation import tensor
            t = tensor(t, dtype=input.dtype)
            if t._data.ndim == 0:
                shape = list(input._data.shape)
                shape[d] = 1
                t = t.expand(shape)
        if t._data.ndim != input._data.ndim or builtins.any(
                a != b for i, (a, b) in enumerate(zip(t._data.shape, input._data.shape))
                if i != d):
            raise RuntimeError(
                f"diff(): {name} of shape {list(t._data.shape)} must match the input's shape "
                f"{list(input._data.shape)} except in dimension {d}")
        extra.append(t)
    x, pre, app = input, extra[0], extra[1]
    if pre is not None or app is not None:
        dts = [t.dtype for t in (x, pre, app) if t is not None]
        r = dts[0]
        for dt in dts[1:]:
            r = D.promote_types(r, dt)
        x, pre, app = (None if t is None else t.to(r) for t in (x, pre, app))
    total = builtins.sum(t._data.shape[d] for t in (x, pre, app) if t is not None)
    n = builtins.min(n, total)
    return Diff.apply(x, pre, app, n=n, dim=d)

