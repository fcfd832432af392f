"""Automatic differentiation: ``backward``, ``grad``, custom ``Function``, anomaly mode."""
from __future__ import annotations

from .. import _state
from . import graph
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function, FunctionCtx, InplaceFunction, once_differentiable
from .graph import Node
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402 - rebinds the submodule name

_gstate = _state.state

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "Variable",
           "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck", "functional",
           "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "Node", "graph"]

no_grad = _state.no_grad
enable_grad = _state.enable_grad
set_grad_enabled = _state.set_grad_enabled
inference_mode = _state.inference_mode


def _as_tuple(x):
    from .._tensor import Tensor
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grad_outputs):
    from .._tensor import Tensor, _wrap
    from ..backend import array_module as xp_of
    grads = []
    for out, g in zip(outputs, grad_outputs):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (got an output of "
                    f"shape {list(out.shape)}); pass gradient= (or grad_outputs=) with that shape")
            if not out.dtype.is_floating_point and not out.dtype.is_complex:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs "
                                   f"but got {out.dtype}")
            g = _wrap(xp_of(out._data).ones_like(out._data))
        elif not isinstance(g, Tensor):
            from .._creation import tensor
            g = tensor(g, dtype=out.dtype)
        elif g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output has a shape of {list(g.shape)} and output has a "
                f"shape of {list(out.shape)}")
        grads.append(g)
    return grads


def _roots(outputs, who):
    roots = []
    for out in outputs:
        if out._grad_fn is not None:
            roots.append((out._grad_fn, out._output_nr))
        elif out._requires_grad:
            roots.append((out._accumulator(), 0))
        else:
            raise RuntimeError(
                f"element {len(roots)} of tensors does not require grad and does not have a "
                f"grad_fn ({who} needs a tensor that is part of a graph: did you forget "
                "requires_grad=True, or compute it under no_grad()?)")
    return roots


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of graph leaves (or ``inputs``)."""
    outputs = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    gts = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(outputs)
    if len(gts) != len(outputs):
        raise RuntimeError(f"got {len(gts)} gradients for {len(outputs)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs, "backward()")
    grads = _make_grads(outputs, gts)
    if inputs is None:
        run_backward(roots, grads, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    capture = {}
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        key = (t._grad_fn, t._output_nr) if t._grad_fn is not None else (t._accumulator(), 0)
        capture[key] = t
    got = run_backward(roots, grads, retain_graph, create_graph, capture=capture,
                       accumulate=False)
    for key, t in capture.items():
        g = got.get(key)
        if g is None:
            continue
        if t._grad_fn is None:
            key[0]._accumulate(g, create_graph)
        else:
            t._grad = g if t._grad is None else t._grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs`` (a tuple), without touching ``.grad``."""
    outputs = _as_tuple(outputs)
    single = not isinstance(inputs, (tuple, list))
    inputs = _as_tuple(inputs)
    gos = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = _roots(outputs, "grad()")
    grads = _make_grads(outputs, gos)
    keys = [(t._grad_fn, t._output_nr) if t._grad_fn is not None else (t._accumulator(), 0)
            for t in inputs]
    capture = {k: i for i, k in enumerate(keys)}
    got = run_backward(roots, grads, retain_graph, create_graph, capture=capture,
                       accumulate=False)
    result = []
    for t, k in zip(inputs, keys):
        g = got.get(k)
        if g is None:
            if materialize_grads:
                from .._creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph and g._requires_grad:
            g = g.detach()
        result.append(g)
    return tuple(result)


def Variable(data, requires_grad: bool = False, volatile: bool = False):
    """The legacy wrapper: returns a tensor with the given ``requires_grad``."""
    from .._tensor import Tensor
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    t = data.detach()
    if requires_grad:
        t.requires_grad_(True)
    return t


def __getattr__(name):
    if name == "functional":
        import importlib
        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")
