"""The op registry: one decorator makes a function public, a Tensor method, and in-place.

``@register`` records the function under its name in :data:`OPS` (the op table test checks
every entry has a test record), binds it as ``Tensor.<name>`` and, with ``inplace=True``,
derives ``Tensor.<name>_`` from the out-of-place function via :func:`apply_inplace`.
"""
from __future__ import annotations

import numpy as np

from .. import _state
from .._dtype import can_cast
from .._tensor import Tensor
from ..autograd.graph import Op, _SavedOutput

_gstate = _state.state

OPS: dict = {}          # public name -> function (must have an op-table record)
METHODS: dict = {}      # Tensor method name -> function


def register(fn=None, *, name: str | None = None, method: bool | str = True,
             inplace: bool | str = False, public: bool = True, aliases: tuple = ()):
    """Register ``fn`` as ``ember.<name>`` (``public``), ``Tensor.<name>`` (``method``) and
    ``Tensor.<name>_`` (``inplace``). A string for ``method``/``inplace`` names the method.

    The public function honours ``out=`` when ``fn`` declares it (see :func:`write_out`);
    methods and operators call ``fn`` directly, keeping the hot path free of that check.
    """
    def deco(f):
        n = name or f.__name__
        if public:
            pf = _with_out(f) if _takes_out(f) else f
            OPS[n] = pf
            for a in aliases:
                OPS[a] = pf
        if method:
            mname = method if isinstance(method, str) else n
            setattr(Tensor, mname, f)
            METHODS[mname] = f
            for a in aliases:
                setattr(Tensor, a, f)
        if inplace:
            iname = inplace if isinstance(inplace, str) else n + "_"
            ip = make_inplace(f, iname)
            setattr(Tensor, iname, ip)
            METHODS[iname] = ip
        return f
    return deco if fn is None else deco(fn)


def _takes_out(f) -> bool:
    code = getattr(f, "__code__", None)
    return code is not None and "out" in code.co_varnames[:code.co_argcount +
                                                          code.co_kwonlyargcount]


def _with_out(f):
    def with_out(*args, out=None, **kwargs):
        if out is None:
            return f(*args, **kwargs)
        result = f(*args, **kwargs)
        if isinstance(out, (tuple, list)):
            for o, r in zip(out, result):
                write_out(r, o)
            return out
        return write_out(result, out)
    with_out.__name__ = f.__name__
    with_out.__qualname__ = f.__qualname__
    with_out.__doc__ = f.__doc__
    with_out.__wrapped__ = f
    return with_out


def write_out(result: Tensor, out: Tensor | None) -> Tensor:
    """Honour ``out=``: write ``result`` into ``out`` (resized if its shape differs, as in
    PyTorch) and return ``out``."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"out= must be a Tensor, got {type(out).__name__}")
    if _gstate.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError("functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if result._data.dtype != out._data.dtype and not can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {result.dtype} can't be cast to the desired output "
                           f"type {out.dtype}")
    if out._data.shape == result._data.shape:
        out._data[...] = result._data
    else:
        if out._data.size:
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._data.shape)}, which does not match the required output "
                          f"shape {list(result._data.shape)}.", stacklevel=3)
        out._data = result._data.astype(out._data.dtype)
    out._bump()
    return out


def make_inplace(f, name: str):
    """``Tensor.<name>`` computing ``f`` in place. When a graph is recorded the op runs on a
    clone, so a tensor the op saves for backward is never the memory being overwritten."""
    def inplace(self, *args, **kwargs):
        check_inplace_leaf(self)
        src = self
        if _gstate.enabled and (self._requires_grad or any(
                isinstance(a, Tensor) and a._requires_grad for a in args)):
            src = self.clone()
        return apply_inplace(self, f(src, *args, **kwargs))
    inplace.__name__ = name
    inplace.__qualname__ = "Tensor." + name
    inplace.__doc__ = f"In-place version of :meth:`Tensor.{f.__name__}`."
    return inplace


def check_inplace_leaf(self):
    if self._requires_grad and self._grad_fn is None and _gstate.enabled:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation. "
            "Wrap the update in `with ember.no_grad():` or operate on a clone().")


def apply_inplace(self: Tensor, result: Tensor) -> Tensor:
    """Write ``result`` into ``self``'s memory and make ``self`` take over its graph position."""
    rs = result._data
    if rs.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
            f"{list(rs.shape)}: an in-place op cannot grow its tensor")
    if rs.dtype != self._data.dtype and not can_cast(result.dtype, self.dtype):
        raise RuntimeError(
            f"result type {result.dtype} can't be cast to the desired output type {self.dtype} "
            "of the in-place operation")
    node = result._grad_fn
    if node is not None and self._base is not None:
        return _inplace_on_view(self, result)
    try:
        self._data[...] = rs
    except ValueError:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location (e.g. a tensor made by expand()). Please clone() the tensor "
            "before performing the operation.") from None
    self._bump()
    if node is not None:
        self._grad_fn = node
        self._output_nr = result._output_nr
        self._requires_grad = True
        rv = result._ver
        if rv is not None:
            for s in node._saved:
                if type(s) is _SavedOutput and s.counter is rv:
                    s.counter = self._ver
                    s.version = self._ver.v
    return self


class CopySlices(Op):
    """``base`` with the strided region ``view`` overwritten by ``src`` (in place on base's
    memory): the history a base takes when one of its views is modified in place."""

    @classmethod
    def name(cls) -> str:
        return "CopySlices"

    @staticmethod
    def forward(ctx, base, src, view):
        ctx.view = view
        view.arr(base)[...] = src
        return base

    @staticmethod
    def backward(ctx, g):
        from ..ops.shape import ViewScatter
        region = ctx.view.apply(g)
        kept = g - ViewScatter.apply(region, shape=g.shape, view=ctx.view)
        return kept, region


def _inplace_on_view(view: Tensor, result: Tensor) -> Tensor:
    """Autograd through ``view.op_(...)``: the base gets a CopySlices node, the view becomes
    an as_strided view of the new base (PyTorch's CopySlices idea)."""
    base = view._base
    if base._grad_fn is None and base._requires_grad and _gstate.enabled:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation. Modify the leaf under `with ember.no_grad():` "
                           "or operate on a clone().")
    geometry = _view_geometry(view)
    if result._data.dtype != view._data.dtype:
        result = result.to(view.dtype)
    new_base = CopySlices.apply(base, result, view=geometry)
    base._grad_fn, base._output_nr, base._requires_grad = new_base._grad_fn, 0, True
    base._bump()
    regenerate_view(view, geometry)
    return view


def _view_geometry(view: Tensor):
    from ..ops.shape import StridedView
    arr, barr = view._data, view._base._data
    item = arr.itemsize
    if not barr.flags.c_contiguous or any(st % item for st in arr.strides):
        raise RuntimeError(
            "Ember does not support autograd through this view (shape "
            f"{list(arr.shape)}) of a non-contiguous tensor after an in-place change of its "
            "base; clone() the view first")
    offset = (_ptr(arr) - _ptr(barr)) // item
    return StridedView(arr.shape, tuple(st // item for st in arr.strides), offset)


def regenerate_view(view: Tensor, geometry=None) -> None:
    """Point ``view``'s history at an as_strided view of its base's current history."""
    regenerated = (geometry or _view_geometry(view)).apply(view._base)
    view._grad_fn, view._output_nr = regenerated._grad_fn, 0
    view._requires_grad = True
    view._view_v = view._ver.v


def _ptr(arr) -> int:
    return arr.__array_interface__["data"][0] if type(arr) is np.ndarray else arr.data.ptr
