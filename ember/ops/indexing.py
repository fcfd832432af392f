"""Indexing: ``Tensor.__getitem__`` / ``__setitem__``, index_put, take, put, masked_fill /
masked_select / masked_scatter, nonzero, and the fast ``fill_`` / ``zero_``.

Indexing follows PyTorch, not NumPy, where they differ: integers, slices, None and Ellipsis are
applied first (a view), then the tensor/list indices are applied to what remains (a copy), so
``x[0, :, [1, 2]]`` has shape ``(size1, 2)`` as in PyTorch. A list holding slices, tensors or
lists is read as a tuple (PyTorch's legacy rule).
"""
from __future__ import annotations

import operator

import numpy as np

from .. import _state
from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import xp_of
from ._registry import apply_inplace, check_inplace_leaf, register
from .shape import IndexView, Select, Slice, _add_at, index_view

_gstate = _state.state
_NoneType = type(None)


class IndexOutOfRange(IndexError, RuntimeError):
    """Out-of-range index. PyTorch raises IndexError from indexing but RuntimeError from
    gather/scatter; this is both, so either ``except`` clause catches it."""


# ------------------------------------------------------------------ parsing an index
def _to_module(arr, xp):
    """Index arrays live where the indexed array lives (CPU indices for a GPU tensor are fine)."""
    if xp is np:
        return arr if type(arr) is np.ndarray else arr.get()
    return xp.asarray(arr)


def _seq_as_tuple(seq: list) -> bool:
    return len(seq) < 32 and any(isinstance(e, (Tensor, list, tuple, slice, np.ndarray)) or
                                 e is None or e is Ellipsis for e in seq)


def _classify(it):
    """('int', i) | ('slice', s) | ('none',) | ('ell',) | ('bool', b) | ('mask', arr) |
    ('idx', arr)."""
    t = type(it)
    if t is int:
        return ("int", it)
    if t is slice:
        return ("slice", it)
    if it is None:
        return ("none",)
    if it is Ellipsis:
        return ("ell",)
    if t is bool or t is np.bool_:
        return ("bool", bool(it))
    if isinstance(it, np.integer):
        return ("int", int(it))
    if isinstance(it, Tensor):
        arr = it._data
    elif isinstance(it, (list, tuple, np.ndarray)):
        arr = np.asarray(it)
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(np.int64)   # ``x[[]]`` selects nothing
    elif hasattr(it, "__index__"):
        return ("int", operator.index(it))
    else:
        raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         f"or bool tensors are valid indices (got {type(it).__name__})")
    k = arr.dtype.kind
    if k == "b" or arr.dtype == np.uint8:
        if arr.ndim == 0:
            return ("bool", bool(arr))
        return ("mask", arr.astype(bool) if k != "b" else arr)
    if k in "iu":
        if arr.ndim == 0 and not isinstance(it, (list, tuple)):
            return ("int", int(arr))
        return ("idx", arr)
    raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors (got "
                     f"an index of dtype {arr.dtype})")


def parse_index(shape: tuple, item, xp=np):
    """Split ``item`` into a basic (view) index over ``shape`` and an advanced index over the
    basic result. Returns ``(basic, adv)``: tuples ready for NumPy/CuPy, or None when absent.
    Validates bounds, mask shapes and steps, raising PyTorch's exception types."""
    if type(item) is not tuple:
        item = tuple(item) if isinstance(item, list) and _seq_as_tuple(item) else (item,)
    ents = [_classify(it) for it in item]
    ndim = len(shape)
    used = 0
    n_ell = 0
    for e in ents:
        k = e[0]
        if k in ("int", "slice", "idx"):
            used += 1
        elif k == "mask":
            used += e[1].ndim
        elif k == "ell":
            n_ell += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > ndim:
        if ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` to convert a "
                             "0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim} (got {used} indices "
                         f"for shape {list(shape)})")
    basic, adv = [], []
    d = r = 0                   # position in the input / in the basic result
    any_int = False
    for e in ents:
        k = e[0]
        if k == "int":
            i, size = e[1], shape[d]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
            basic.append(i)
            any_int = True
            d += 1
        elif k == "slice":
            s = e[1]
            if s.step is not None and operator.index(s.step) <= 0:
                raise ValueError("step must be greater than zero")
            if any(v is not None and type(v) is not int for v in (s.start, s.stop, s.step)):
                s = slice(*(None if v is None else operator.index(v)
                            for v in (s.start, s.stop, s.step)))
            basic.append(s)
            d += 1
            r += 1
        elif k == "none":
            basic.append(None)
            r += 1
        elif k == "ell":
            n = ndim - used
            basic.extend([slice(None)] * n)
            d += n
            r += n
        elif k == "bool":
            basic.append(None)
            adv.append((r, np.zeros(1 if e[1] else 0, dtype=np.int64), 1))
            r += 1
        elif k == "mask":
            m = e[1]
            for j in range(m.ndim):
                if m.shape[j] != shape[d + j]:
                    raise IndexError(
                        f"The shape of the mask {list(m.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {d + j}")
            basic.extend([slice(None)] * m.ndim)
            adv.append((r, m, m.ndim))
            d += m.ndim
            r += m.ndim
        else:  # idx
            a, size = e[1], shape[d]
            if a.size:
                lo, hi = int(a.min()), int(a.max())
                if hi >= size or lo < -size:
                    bad = hi if hi >= size else lo
                    raise IndexError(f"index {bad} is out of bounds for dimension {d} with size "
                                     f"{size}")
            basic.append(slice(None))
            adv.append((r, a, 1))
            d += 1
            r += 1
    basic.append(Ellipsis)      # NumPy then returns an array view even for all-int indices
    trivial = not any_int and all(type(b) is slice and b == slice(None) or b is Ellipsis
                                  for b in basic)
    if not adv:
        return tuple(basic), None
    out = []
    for pos, arr, span in adv:
        out.extend([slice(None)] * (pos - len(out)))
        out.append(_to_module(arr, xp))
        out.extend([None] * (span - 1))   # placeholders, removed below
    out = tuple(o for o in out if o is not None)
    return (None if trivial else tuple(basic)), out


# ------------------------------------------------------------------ getitem
class Index(Op):
    """Advanced (copying) indexing; backward scatter-adds into zeros."""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.idx = idx
        ctx.shape = x.shape
        return x[idx]

    @staticmethod
    def backward(ctx, g):
        return IndexAccumulate.apply(g, idx=ctx.idx, shape=ctx.shape)


class IndexAccumulate(Op):
    """Zeros of ``shape`` with ``g`` added at ``idx`` (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, g, idx, shape):
        ctx.idx = idx
        z = xp_of(g).zeros(shape, dtype=g.dtype)
        _add_at(z, idx, g)
        return z

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, idx=ctx.idx)


def apply_index(t: Tensor, basic, adv) -> Tensor:
    if basic is not None:
        t = index_view(t, basic, Select if any(type(b) is int for b in basic) else Slice)
    if adv is not None:
        t = Index.apply(t, idx=adv)
    return t


def _basic_fast(shape: tuple, item: tuple):
    """The common all-int/slice index, validated cheaply; None sends it to ``parse_index``."""
    if len(item) > len(shape):
        return None
    any_int = False
    for d, it in enumerate(item):
        t = type(it)
        if t is int:
            n = shape[d]
            if not -n <= it < n:
                return None
            any_int = True
        elif t is slice:
            a, b, c = it.start, it.stop, it.step
            if (a is not None and type(a) is not int) or (b is not None and type(b) is not int) \
                    or (c is not None and (type(c) is not int or c <= 0)):
                return None
        else:
            return None
    return item + (Ellipsis,), any_int


def _getitem(self: Tensor, item) -> Tensor:
    """``self[item]``: a view for ints/slices/None/Ellipsis, a copy with tensor/list indices."""
    t = type(item)
    shape = self._data.shape
    if t is int or t is slice:
        item = (item,)
        t = tuple
    if t is tuple:
        fast = _basic_fast(shape, item)
        if fast is not None:
            return (Select if fast[1] else Slice).apply(self, view=IndexView(fast[0]))
    basic, adv = parse_index(shape, item, xp_of(self._data))
    return apply_index(self, basic, adv)


# ------------------------------------------------------------------ setitem / index_put
class IndexPut(Op):
    """``out = x.clone(); out[basic][adv] = v`` (or ``+=`` with accumulate)."""

    @staticmethod
    def forward(ctx, x, v, basic, adv, accumulate):
        ctx.basic, ctx.adv, ctx.acc = basic, adv, accumulate
        ctx.vshape = v.shape
        out = x.copy()
        _write(out, v, basic, adv, accumulate)
        return out

    @staticmethod
    def backward(ctx, g):
        nf = ctx.next_functions
        gx = gv = None
        if nf[0][0] is not None:
            gx = g if ctx.acc else IndexPut.apply(
                g, _wrap(xp_of(g._data).zeros((), dtype=g._data.dtype)), basic=ctx.basic,
                adv=ctx.adv, accumulate=False)
        if nf[1][0] is not None:
            gv = _reduce_to(apply_index(g, ctx.basic, ctx.adv), ctx.vshape)
        return gx, gv


def _reduce_to(g: Tensor, shape: tuple) -> Tensor:
    """Sum a gradient of the indexed region down to the value's shape (which may have extra
    leading 1s that assignment ignored)."""
    from .reduce import sum_to_shape
    if g.shape == shape:
        return g
    core = tuple(shape)
    while core and core[0] == 1 and len(core) > g._data.ndim:
        core = core[1:]
    return sum_to_shape(g, core).reshape(shape)


def _write(arr, v, basic, adv, accumulate):
    tgt = arr[basic] if basic is not None else arr
    if adv is None:
        if accumulate:
            tgt += v
        else:
            tgt[...] = v
    elif accumulate:
        shape = tgt[adv].shape
        vb = v if getattr(v, "shape", ()) == shape else \
            xp_of(arr).broadcast_to(xp_of(arr).asarray(v, dtype=arr.dtype), shape)
        _add_at(tgt, adv, vb)
    else:
        tgt[adv] = v


def _shape_error(arr, vshape, basic, adv):
    tgt = arr[basic] if basic is not None else arr
    tshape = tgt[adv].shape if adv is not None else tgt.shape
    raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast "
                       f"to indexing result of shape {list(tshape)}") from None


def _value_array(value, self: Tensor):
    xp = xp_of(self._data)
    if isinstance(value, Tensor):
        arr = value._data
        if type(arr) is not type(self._data):
            if arr.ndim == 0 and arr.size == 1:
                return arr.item() if type(arr) is not np.ndarray else arr[()]
            arr = _to_module(arr, xp)
        return arr
    if isinstance(value, (list, tuple)):
        return xp.asarray(np.asarray(value))
    return value


def _setitem(self: Tensor, item, value) -> None:
    """``self[item] = value``: writes into ``self``'s memory (and so into its base)."""
    basic, adv = parse_index(self._data.shape, item, xp_of(self._data))
    vt = isinstance(value, Tensor)
    if not (_gstate.enabled and (self._requires_grad or (vt and value._requires_grad))):
        v = _value_array(value, self)
        try:
            _write(self._data, v, basic, adv, False)
        except ValueError:
            _shape_error(self._data, np.shape(v), basic, adv)
        self._bump()
        return
    check_inplace_leaf(self)
    if not vt:
        value = _wrap(xp_of(self._data).asarray(_value_array(value, self), dtype=self._data.dtype))
    elif value.dtype is not self.dtype:
        value = value.to(self.dtype)
    if value.device != self.device:
        value = value.to(self.device)
    try:
        res = IndexPut.apply(self, value, basic=basic, adv=adv, accumulate=False)
    except ValueError:
        _shape_error(self._data, value.shape, basic, adv)
    apply_inplace(self, res)


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem


def _index_put_args(input, indices, values, name):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{name}(): indices must be a tuple of tensors, got "
                        f"{type(indices).__name__}")
    if not isinstance(values, Tensor):
        raise TypeError(f"{name}(): values must be a Tensor, got {type(values).__name__}")
    if values.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): Index put requires the source and destination dtypes "
                           f"match, got {input.dtype} for the destination and {values.dtype} "
                           "for the source.")
    item = tuple(slice(None) if i is None else i for i in indices)
    return parse_index(input._data.shape, item, xp_of(input._data))


@register
def index_put(input, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` put at the tensors ``indices`` (added when
    ``accumulate``, so repeated indices sum)."""
    basic, adv = _index_put_args(input, indices, values, "index_put")
    try:
        return IndexPut.apply(input, values, basic=basic, adv=adv, accumulate=bool(accumulate))
    except ValueError:
        _shape_error(input._data, values.shape, basic, adv)


def _index_put_(self, indices, values, accumulate: bool = False) -> Tensor:
    """In-place ``index_put``."""
    basic, adv = _index_put_args(self, indices, values, "index_put_")
    if not (_gstate.enabled and (self._requires_grad or values._requires_grad)):
        try:
            _write(self._data, _value_array(values, self), basic, adv, bool(accumulate))
        except ValueError:
            _shape_error(self._data, values.shape, basic, adv)
        self._bump()
        return self
    check_inplace_leaf(self)
    return apply_inplace(self, index_put(self, indices, values, accumulate))


Tensor.index_put_ = _index_put_


# ------------------------------------------------------------------ take / put
def _long_index(index, name):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): index must be a Tensor, got {type(index).__name__}")
    if index._data.dtype != np.int64:
        if index._data.dtype.kind in "iu":
            return index.long()
        raise IndexError(f"{name}(): Expected a long tensor for index, but got {index.dtype}")
    return index


@register
def take(input, index) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (output has ``index``'s shape)."""
    index = _long_index(index, "take")
    return _getitem(input.reshape(-1), index)


@register(inplace=True)
def put(input, index, source, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with the flattened positions ``index`` set to ``source`` (added
    when ``accumulate``)."""
    index = _long_index(index, "put")
    if index._data.size != source._data.size:
        raise RuntimeError(f"put(): Expected source and index to have the same number of "
                           f"elements, but got {source._data.size} and {index._data.size}")
    if source.dtype is not input.dtype:
        source = source.to(input.dtype)
    flat = input.reshape(-1)
    return index_put(flat, (index.reshape(-1),), source.reshape(-1), accumulate) \
        .reshape(input.shape)


# ------------------------------------------------------------------ masked ops
def _check_mask(mask, name):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): mask must be a bool Tensor, got {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype}")


def _fill_value(value, name):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"{name} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return value
    if not isinstance(value, (int, float, bool, complex, np.number, np.bool_)):
        raise TypeError(f"{name}(): value must be a number or a 0-d Tensor, got "
                        f"{type(value).__name__}")
    return value


class MaskedFill(Op):
    @staticmethod
    def forward(ctx, x, mask, v):
        ctx.mask = mask
        xp = xp_of(x)
        if type(v) is not type(x) and hasattr(v, "shape"):
            v = _to_module(v, xp) if v.ndim else v.item()
        return xp.where(mask, xp.asarray(v, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        m = _wrap(ctx.mask)
        gx = gv = None
        if ctx.next_functions[0][0] is not None:
            gx = MaskedFill.apply(g, m, 0)
        if ctx.next_functions[2][0] is not None:
            gv = MaskedFill.apply(g, ~m, 0).sum()
        return gx, None, gv


def _mask_broadcast_error(input, mask, name):
    raise RuntimeError(f"{name}: the mask of shape {list(mask.shape)} cannot be broadcast to the "
                       f"input of shape {list(input.shape)}") from None


@register
def masked_fill(input, mask, value) -> Tensor:
    """``value`` where ``mask`` is True, else ``input`` (mask broadcasts; dtype of input)."""
    _check_mask(mask, "masked_fill")
    value = _fill_value(value, "masked_fill")
    if isinstance(value, Tensor) and value.dtype is not input.dtype and value._requires_grad:
        value = value.to(input.dtype)
    try:
        return MaskedFill.apply(input, mask, value)
    except ValueError:
        _mask_broadcast_error(input, mask, "masked_fill")


def _masked_fill_(self, mask, value) -> Tensor:
    """In-place ``masked_fill`` (mask broadcasts to ``self``'s shape)."""
    _check_mask(mask, "masked_fill_")
    value = _fill_value(value, "masked_fill_")
    vt = isinstance(value, Tensor)
    if not (_gstate.enabled and (self._requires_grad or (vt and value._requires_grad))):
        xp = xp_of(self._data)
        m = mask._data if type(mask._data) is type(self._data) else _to_module(mask._data, xp)
        v = value._data.item() if vt and type(value._data) is not type(self._data) else \
            (value._data if vt else value)
        try:
            xp.copyto(self._data, v, casting="unsafe", where=m)
        except ValueError:
            _mask_broadcast_error(self, mask, "masked_fill_")
        self._bump()
        return self
    check_inplace_leaf(self)
    return apply_inplace(self, masked_fill(self, mask, value))


Tensor.masked_fill_ = _masked_fill_


@register
def masked_select(input, mask) -> Tensor:
    """A 1-D tensor of the elements of ``input`` where ``mask`` is True (both broadcast)."""
    _check_mask(mask, "masked_select")
    from ._common import broadcast_shapes
    shape = broadcast_shapes(input.shape, mask.shape)
    x = input.expand(shape) if input.shape != shape else input
    m = mask._data if mask.shape == shape else xp_of(mask._data).broadcast_to(mask._data, shape)
    return Index.apply(x, idx=(_to_module(m, xp_of(x._data)),))


class MaskedScatter(Op):
    @staticmethod
    def forward(ctx, x, mask, src):
        xp = xp_of(x)
        shape = np.broadcast_shapes(x.shape, mask.shape)
        m = xp.broadcast_to(mask, shape)
        out = xp.broadcast_to(x, shape).copy()
        k = int(m.sum())
        if src.size < k:
            raise RuntimeError(f"masked_scatter: expected source to have at least {k} elements "
                               f"(the number of True values in the mask), but got {src.size}")
        out[m] = src.reshape(-1)[:k]
        ctx.m, ctx.k, ctx.src_shape = m, k, src.shape
        return out

    @staticmethod
    def backward(ctx, g):
        m = _wrap(ctx.m)
        gx = gs = None
        if ctx.next_functions[0][0] is not None:
            gx = MaskedFill.apply(g, m, 0)
        if ctx.next_functions[2][0] is not None:
            from .join import cat
            picked = Index.apply(g, idx=(ctx.m,))
            n = int(np.prod(ctx.src_shape))
            rest = g.new_zeros(n - ctx.k)
            gs = cat([picked, rest]).reshape(ctx.src_shape)
        return gx, None, gs


@register(inplace=True)
def masked_scatter(input, mask, source) -> Tensor:
    """Copy of ``input`` whose True-mask positions take ``source``'s elements in order."""
    _check_mask(mask, "masked_scatter")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got {input.dtype} and {source.dtype}")
    try:
        return MaskedScatter.apply(input, mask, source)
    except ValueError:
        _mask_broadcast_error(input, mask, "masked_scatter")


# ------------------------------------------------------------------ nonzero / fill
@register
def nonzero(input, *, as_tuple: bool = False):
    """Indices of the non-zero elements: a ``(n, ndim)`` int64 tensor, or with ``as_tuple`` one
    1-D tensor per dimension."""
    arr = input._data
    xp = xp_of(arr)
    if as_tuple:
        if arr.ndim == 0:
            return (_wrap(xp.zeros(int(bool(arr)), dtype=np.int64)),)
        return tuple(_wrap(i.astype(np.int64)) for i in xp.nonzero(arr))
    return _wrap(xp.argwhere(arr).astype(np.int64))


@register
def argwhere(input) -> Tensor:
    """``nonzero(input)``: a ``(n, ndim)`` int64 tensor of non-zero positions."""
    return nonzero(input)


class Fill(Op):
    @staticmethod
    def forward(ctx, x, v):
        xp = xp_of(x)
        if hasattr(v, "shape") and type(v) is not type(x):
            v = v.item()
        return xp.full(x.shape, v, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        gv = g.sum() if ctx.next_functions[1][0] is not None else None
        return None, gv


def _fill_(self, value) -> Tensor:
    """Set every element to ``value`` (a number or 0-d tensor), in place."""
    vt = isinstance(value, Tensor)
    if vt and value._data.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    if not (_gstate.enabled and (self._requires_grad or (vt and value._requires_grad))):
        self._data.fill(value.item() if vt else value)
        self._bump()
        return self
    check_inplace_leaf(self)
    if vt and value.dtype is not self.dtype:
        value = value.to(self.dtype)
    return apply_inplace(self, Fill.apply(self, value))


def _zero_(self) -> Tensor:
    """Set every element to zero, in place."""
    if not (self._requires_grad and _gstate.enabled):
        self._data.fill(0)
        self._bump()
        return self
    return _fill_(self, 0)


Tensor.fill_ = _fill_
Tensor.zero_ = _zero_
