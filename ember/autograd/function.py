"""User-defined differentiable functions: ``class F(ember.autograd.Function)``.

``forward(ctx, *args)`` runs on Tensors with grad recording off; ``backward(ctx, *grads)``
returns one gradient per forward argument. ``ctx`` is the graph node itself.
"""
from __future__ import annotations

import functools

from .. import _state
from .graph import Node, _edge, _SavedInput, _SavedOutput

_gstate = _state.state


class FunctionCtx:
    """What ``ctx`` offers inside a custom Function's forward/backward."""

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        self._dirty = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool):
        self._materialize = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The node a custom Function leaves in the graph; it is also the ``ctx``."""

    _fn_cls = None
    _non_diff = frozenset()
    _dirty = frozenset()

    def name(self) -> str:
        return type(self).__name__

    def _run_backward(self, grads):
        fn = self._fn_cls
        r = fn.backward(self, *grads)
        r = r if isinstance(r, tuple) else (r,)
        n = len(self.next_functions)
        if len(r) < n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(r)})")
        return r[:n] if all(g is None for g in r[n:]) else _too_many(self, r, n)


def _too_many(node, r, n):
    raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                       f"(expected {n}, got {len(r)})")


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_fn_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class for custom autograd functions (``MyFn.apply(x)``)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Override to use the PyTorch 2 style: ``forward(*args)`` without ``ctx``, then
        ``setup_context(ctx, inputs, output)`` saves what backward needs."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor, _wrap
        ctx = cls._backward_cls()
        tensors = [a for a in args if isinstance(a, Tensor)]
        needs = _gstate.enabled and any(t._requires_grad for t in tensors)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad and needs
                                     for a in args)
        prev = _gstate.enabled
        _gstate.enabled = False
        try:
            if cls.setup_context is Function.setup_context:
                out = cls.forward(ctx, *args, **kwargs)
            else:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
        finally:
            _gstate.enabled = prev
        multi = isinstance(out, tuple)
        outs = out if multi else (out,)
        if not needs:
            for o in outs:
                if isinstance(o, Tensor) and id(o) in ctx._dirty:
                    o._bump()
            return out
        ctx.next_functions = tuple(_edge(a) if isinstance(a, Tensor) else (None, 0) for a in args)
        result = []
        metas = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                result.append(o)
                metas.append(((), None))
                continue
            if id(o) in ctx._dirty:  # modified in place: the input object takes the new history
                o._bump()
                w = o
                w._grad_fn, w._output_nr, w._requires_grad = ctx, i, True
            elif id(o) in ctx._non_diff:
                w = _wrap(o._data)
            else:
                w = _wrap(o._data, True, ctx, i)
                w._ver = o._counter()
            result.append(w)
            metas.append((o._data.shape, o._data.dtype))
        ctx._out_meta = tuple(metas)
        to_save = getattr(ctx, "_to_save", None)
        if to_save:
            saved = []
            ids_out = {id(o): i for i, o in enumerate(outs)}
            for t in to_save:
                if t is None or not isinstance(t, Tensor):
                    saved.append(t)
                elif id(t) in ids_out and isinstance(result[ids_out[id(t)]], Tensor) and \
                        result[ids_out[id(t)]]._grad_fn is ctx:
                    w = result[ids_out[id(t)]]
                    saved.append(_SavedOutput(w._data, ids_out[id(t)], w._counter()))
                else:
                    saved.append(_SavedInput(t))
            ctx._saved = tuple(saved)
            del ctx._to_save
        if _gstate.anomaly:
            ctx._record_trace()
        return tuple(result) if multi else result[0]


def once_differentiable(fn):
    """Decorate a ``backward`` that is not itself differentiable: it runs with grad off."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = _gstate.enabled
        _gstate.enabled = False
        try:
            return fn(ctx, *args)
        finally:
            _gstate.enabled = prev
    return wrapper


class InplaceFunction(Function):
    pass


class NestedIOFunction(Function):
    pass
