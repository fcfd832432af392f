"""Graph nodes: every ``grad_fn`` is a :class:`Node`.

A builtin op is a :class:`Op` subclass whose ``forward(ctx, *arrays, **params)`` computes on
raw arrays and whose ``backward(ctx, *grads)`` is written with differentiable Tensor ops, so
higher-order gradients come for free (Chainer's lesson). ``ctx`` *is* the node: what forward
saves lives on the grad_fn that backward runs on.
"""
from __future__ import annotations

import traceback
import weakref

import numpy as np

from .. import _state
from ..backend import array_module as _array_module

_gstate = _state.state

# Set by ember._tensor once Tensor exists (graph.py is imported first).
Tensor = None
_wrap = None


class _Version:
    """Version counter shared by a tensor and all of its views."""

    __slots__ = ("v",)

    def __init__(self):
        self.v = 0


class _SavedInput:
    """A saved input tensor plus the version it had when saved.

    Version counters are created lazily (most tensors are never modified in place), and a
    tensor's counter object never changes once made, so "no counter yet" reads as version 0.
    """

    __slots__ = ("tensor", "version")

    def __init__(self, tensor):
        self.tensor = tensor
        v = tensor._ver
        self.version = 0 if v is None else v.v


class _SavedOutput:
    """A saved output: its array and counter, re-wrapped with grad_fn on unpack (no cycle)."""

    __slots__ = ("array", "index", "counter", "version")

    def __init__(self, array, index, counter):
        self.array = array
        self.index = index
        self.counter = counter
        self.version = counter.v


class Node:
    """A function in the backward graph (``tensor.grad_fn``)."""

    _freed = False
    _saved = ()
    _pre_hooks = None       # {output_nr: [hook(grad) -> grad | None]}
    _post_hooks = None      # [hook(grad_inputs, grad_outputs)]
    _trace = None           # forward traceback, recorded in anomaly mode
    _materialize = True

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; may return new grads."""
        return self._add_pre_hook(None, fn)

    def _add_pre_hook(self, output_nr, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    # -- saved tensors -------------------------------------------------------------------
    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward.")
        return tuple(self._unpack(s) for s in self._saved)

    def _unpack(self, s):
        if type(s) is _SavedInput:
            t = s.tensor
            v = t._ver
            if v is not None and v.v != s.version:
                self._raise_modified(t.shape, t.dtype, v.v, s.version)
            return t
        if type(s) is _SavedOutput:
            if s.counter.v != s.version:
                self._raise_modified(s.array.shape, None, s.counter.v, s.version)
            t = _wrap(s.array, True, self, s.index)
            t._ver = s.counter
            return t
        if hasattr(s, "shape") and not isinstance(s, Tensor):
            return _wrap(s)
        return s

    def _raise_modified(self, shape, dtype, now, expected):
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [tensor of shape {list(shape)}] saved by {self.name()} is at "
            f"version {now}; expected version {expected} instead. Hint: replace the in-place "
            "operation (e.g. x.add_(y), x += y, x[i] = v, relu_) by its out-of-place form, or "
            "clone() the tensor before modifying it.")

    def _release(self):
        self._saved = ()
        self._freed = True

    def _check_not_freed(self):
        if self._freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (through {self.name()}). "
                "Saved intermediate values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time.")

    def _record_trace(self):
        self._trace = "".join(traceback.format_stack()[:-3])


class AccumulateGrad(Node):
    """Sink node of a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable", "next_functions", "_out_meta")

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._out_meta = ((variable._data.shape, variable._data.dtype),)

    def name(self) -> str:
        return "AccumulateGrad"

    def _accumulate(self, grad, create_graph: bool):
        var = self.variable
        hooks = var._hooks
        if hooks:
            for h in hooks:
                r = h(grad)
                if r is not None:
                    grad = r
        old = var._grad
        if old is None:
            if not create_graph:
                arr = grad._data
                if arr.base is not None or not arr.flags.writeable:
                    arr = arr.copy()
                grad = _wrap(arr)
            var._grad = grad
        elif create_graph or old.requires_grad or grad.requires_grad:
            var._grad = old + grad
        else:
            arr = old._data
            if arr.flags.writeable and arr.shape == grad._data.shape:
                arr += grad._data
                old._bump()
            else:
                var._grad = old + grad
        post = var._post_acc_hooks
        if post:
            for h in post:
                h(var)


class _NullCtx:
    """Stand-in ``ctx`` when no graph is recorded: saving is a no-op, attributes are dropped."""

    __slots__ = ()

    def save_for_backward(self, *arrays):
        pass

    def __setattr__(self, name, value):
        pass

    def mark_non_differentiable(self, *a):
        pass


NULL_CTX = _NullCtx()


class Op(Node):
    """Base of builtin ops. Subclasses define ``forward`` (arrays) and ``backward`` (Tensors).

    ``nondiff_outputs``: indices of outputs that never carry gradients (e.g. argmax indices).
    """

    nondiff_outputs = ()
    is_view = False     # outputs share memory (and the version counter) with input 0

    def save_for_backward(self, *arrays):
        self._to_save = arrays

    @classmethod
    def name(cls) -> str:  # type: ignore[override]
        return cls.__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @classmethod
    def apply(cls, *args, **params):
        """Run the op on ``args`` (Tensors or plain values) and record the graph if needed."""
        needs_grad = False
        if _gstate.enabled:
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    needs_grad = True
                    break
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        if not needs_grad:
            out = cls.forward(NULL_CTX, *arrays, **params)
            if type(out) is tuple:
                res = tuple([_wrap(o) for o in out])
                if cls.is_view:
                    for r in res:
                        _mark_view(r, args[0])
                return res
            res = _wrap(out)
            if cls.is_view:
                _mark_view(res, args[0])
            return res
        _refresh_stale_views(args)
        ctx = _new(cls)
        ctx.next_functions = tuple([
            ((a._grad_fn, a._output_nr) if a._grad_fn is not None else
             (a._accumulator(), 0) if a._requires_grad else _NO_EDGE)
            if isinstance(a, Tensor) else _NO_EDGE for a in args])
        out = cls.forward(ctx, *arrays, **params)
        if type(out) is not tuple:
            res = _wrap(out, True, ctx, 0)
            ctx._out_meta = ((res._data.shape, res._data.dtype),)
            d = ctx.__dict__
            if "_to_save" in d:
                ctx._saved = _resolve_saved(d.pop("_to_save"), args, arrays, (out,), (res,))
            if cls.is_view:
                _mark_view(res, args[0])
            if _gstate.anomaly:
                ctx._record_trace()
            return res
        nondiff = cls.nondiff_outputs
        result = tuple([_wrap(o) if i in nondiff else _wrap(o, True, ctx, i)
                        for i, o in enumerate(out)])
        ctx._out_meta = tuple([(r._data.shape, r._data.dtype) for r in result])
        to_save = ctx.__dict__.pop("_to_save", None)
        if to_save:
            ctx._saved = _resolve_saved(to_save, args, arrays, out, result)
        if cls.is_view:
            for r in result:
                _mark_view(r, args[0])
        if _gstate.anomaly:
            ctx._record_trace()
        return result

    def _run_backward(self, grads):
        r = self.backward(self, *grads)
        return r if type(r) is tuple else (r,)


_new = object.__new__
_NO_EDGE = (None, 0)


def _resolve_saved(to_save, args, arrays, outs, result):
    saved = []
    for item in to_save:
        for a, arr in zip(args, arrays):
            if item is arr and isinstance(a, Tensor):
                saved.append(_SavedInput(a))
                break
        else:
            for i, o in enumerate(outs):
                if item is o:
                    saved.append(_SavedOutput(o, i, result[i]._counter()))
                    break
            else:
                saved.append(item)
    return tuple(saved)


def _mark_view(out, base):
    if out._data is base._data or out._data.base is not None:
        out._base = base if base._base is None else base._base
        out._ver = base._counter()
        out._view_v = out._ver.v


def _refresh_stale_views(args):
    """A view whose base was modified in place after the view was made must not backpropagate
    through the base's old history: give it an as_strided view of the base's current one
    (PyTorch regenerates view grad_fns the same way)."""
    for a in args:
        if isinstance(a, Tensor) and a._base is not None:
            seen = a.__dict__.get("_view_v")
            if seen is not None and seen != a._ver.v:
                if a._base._grad_fn is not None:
                    from ..ops._registry import regenerate_view
                    regenerate_view(a)
                a._view_v = a._ver.v


def _edge(t):
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        return (t._accumulator(), 0)
    return _NO_EDGE


class _RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, container, item):
        self._ref = weakref.ref(container) if not isinstance(container, list) else None
        self._list = container
        self._item = item

    def remove(self):
        try:
            self._list.remove(self._item)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def zeros_for(meta, like=None):
    """A zero gradient Tensor for output metadata ``(shape, numpy dtype)``, allocated by the
    array module of ``like`` (another gradient of the same node) so CUDA graphs stay on CUDA."""
    shape, dt = meta
    xp = np if like is None else _array_module(like._data)
    return _wrap(xp.zeros(shape, dtype=dt))
