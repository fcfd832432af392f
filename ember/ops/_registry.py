"""The op registry: one decorator makes a function public, a Tensor method, and in-place.

``@register`` records the function under its name in :data:`OPS` (the op table test checks
every entry has a test record), binds it as ``Tensor.<name>`` and, with ``inplace=True``,
derives ``Tensor.<name>_`` from the out-of-place function via :func:`apply_inplace`.
"""
from __future__ import annotations

from .. import _state
from .._dtype import can_cast
from .._tensor import Tensor
from ..autograd.graph import _SavedOutput

_gstate = _state.state

OPS: dict = {}          # public name -> function (must have an op-table record)
METHODS: dict = {}      # Tensor method name -> function


def register(fn=None, *, name: str | None = None, method: bool | str = True,
             inplace: bool | str = False, public: bool = True, aliases: tuple = ()):
    """Register ``fn`` as ``ember.<name>`` (``public``), ``Tensor.<name>`` (``method``) and
    ``Tensor.<name>_`` (``inplace``). A string for ``method``/``inplace`` names the method."""
    def deco(f):
        n = name or f.__name__
        if public:
            OPS[n] = f
            for a in aliases:
                OPS[a] = f
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


def make_inplace(f, name: str):
    def inplace(self, *args, **kwargs):
        check_inplace_leaf(self)
        return apply_inplace(self, f(self, *args, **kwargs))
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
        raise RuntimeError(
            "Ember does not support autograd through an in-place operation on a view "
            f"(tensor of shape {list(self._data.shape)} is a view of another tensor). Use the "
            "out-of-place form of the op, or clone() the view first.")
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
