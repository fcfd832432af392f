"""Higher-level autograd: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``.

Same signatures and return structures as ``torch.autograd.functional``. Everything is built on
reverse mode (``autograd.grad``): ``jvp`` uses the double-vjp trick (the vjp ``u ↦ Jᵀu`` is
linear in ``u``, so differentiating it with respect to ``u`` along ``v`` gives ``Jv``), and
``vectorize``/``strategy`` are accepted for compatibility but every Jacobian is assembled one
output element at a time. Results have the same values either way.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import _state
from .graph import Op

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]

_gstate = _state.state


# ------------------------------------------------------------------ small differentiable ops
# Private so the module does not depend on which shape ops exist; named like PyTorch's nodes.
class Stack(Op):
    """Stack equally shaped tensors along a new leading dimension."""

    @staticmethod
    def forward(ctx, *arrays):
        from ..backend import array_module
        return array_module(arrays[0]).stack(arrays)

    @staticmethod
    def backward(ctx, g):
        return tuple(None if ctx.next_functions[i][0] is None else Select.apply(g, i=i)
                     for i in range(len(ctx.next_functions)))


class Select(Op):
    """``x[i]`` along dimension 0 (a copy: the result never aliases the stacked array)."""

    @staticmethod
    def forward(ctx, x, i):
        ctx.i, ctx.n = i, x.shape[0]
        return x[i].copy()

    @staticmethod
    def backward(ctx, g):
        return SelectBackward.apply(g, i=ctx.i, n=ctx.n)


class SelectBackward(Op):
    """Scatter ``g`` into row ``i`` of zeros of length ``n`` (the adjoint of ``Select``)."""

    @staticmethod
    def forward(ctx, g, i, n):
        from ..backend import array_module
        ctx.i = i
        out = array_module(g).zeros((n,) + g.shape, dtype=g.dtype)
        out[i] = g
        return out

    @staticmethod
    def backward(ctx, g):
        return Select.apply(g, i=ctx.i)


class Alias(Op):
    """The same values as a new graph node (PyTorch's ``view_as(self)`` in this module)."""

    is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, g):
        return g


# ------------------------------------------------------------------------------ helpers
def _as_tuple(x, arg_name: str, fn_name: str):
    from .._tensor import Tensor
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            if is_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                                f"tuple of Tensors but the value at index {i} has type "
                                f"{type(t).__name__}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the given {arg_name} has type "
                            f"{type(t).__name__}.")
    return is_tuple, xs


def _tuple_postprocess(res, to_unpack):
    """Undo :func:`_as_tuple`: unwrap one level per ``False`` flag."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph: bool, need_graph: bool):
    """Fresh graph leaves for ``inputs``; with ``create_graph`` keep the link to their history."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(Alias.apply(t))
        else:
            out.append(t.detach().requires_grad_(need_graph))
    return tuple(out)


def _grad_postprocess(outputs, create_graph: bool):
    if create_graph:
        return outputs
    return tuple(None if t is None else t.detach() for t in outputs)


def _validate_v(v, other, is_other_tuple: bool):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.shape} but got "
                               f"{el_v.shape}.")


def _check_requires_grad(tensors, input_type: str, strict: bool):
    if not strict:
        return
    what = {"outputs": "output", "grad_inputs": "gradient", "jacobian": "jacobian"}[input_type]
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not t.requires_grad:
            if input_type == "outputs":
                raise RuntimeError(f"Output {i} of the user-provided function does not require "
                                   "gradients. The outputs must be computed in a differentiable "
                                   "manner from the input when running in strict mode.")
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` that skips outputs outside the graph and returns None for unused inputs."""
    from . import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_out, new_go = [], []
    for out, go in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_out.append(out)
            new_go.append(go)
    if not new_out:
        return (None,) * len(inputs)
    return grad(new_out, inputs, new_go, retain_graph=retain_graph, create_graph=create_graph,
                allow_unused=True)


def _fill_in_zeros(grads, refs, strict: bool, create_graph: bool, stage: str):
    from .._creation import zeros_like
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                if stage == "back":
                    raise RuntimeError(f"The output of the user-provided function is independent "
                                       f"of input {i}. This is not allowed in strict mode.")
                if stage == "back_trick":
                    raise RuntimeError(f"The gradient with respect to the input is independent of "
                                       f"entry {i} in the grad_outputs when using the double "
                                       "backward trick to compute forward mode gradients. This is "
                                       "not allowed in strict mode.")
                raise RuntimeError(f"The jacobian of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode.")
            g = zeros_like(ref)
        res.append(g)
    return tuple(res)


# -------------------------------------------------------------------------------- vjp / jvp

def _call(func, inputs, create_graph, strict, who):
    """Normalise ``inputs``, run ``func`` on them with graph recording, normalise outputs."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", who)
    inputs = _grad_preprocess(inputs, create_graph, need_graph=True)
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", who)
    _check_requires_grad(outputs, "outputs", strict)
    return is_inputs_tuple, inputs, is_outputs_tuple, outputs


def _inputs_and_v(inputs, v, create_graph, who):
    """Normalise ``inputs`` and a tangent ``v`` shaped like them (None only for one scalar)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", who)
    inputs = _grad_preprocess(inputs, create_graph, need_graph=True)
    if v is not None:
        _, v = _as_tuple(v, "v", who)
        v = _grad_preprocess(v, create_graph, need_graph=False)
        _validate_v(v, inputs, is_inputs_tuple)
    elif len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    return is_inputs_tuple, inputs, v

def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The vector-Jacobian product ``vᵀ J`` of ``func`` at ``inputs``.

    Args:
        func: takes Tensors (one per input), returns a Tensor or tuple of Tensors.
        inputs: a Tensor or tuple of Tensors.
        v: same shapes as ``func``'s outputs; may be None only for a single one-element output.
        create_graph: make the results differentiable (for higher-order derivatives).
        strict: raise when an output is independent of an input instead of returning zeros.

    Returns:
        ``(func_output, vjp)``; ``vjp`` has the structure and shapes of ``inputs``.
    """
    from .._state import enable_grad
    with enable_grad():
        is_inputs_tuple, inputs, is_outputs_tuple, outputs = _call(func, inputs, create_graph,
                                                                   strict, "vjp")
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
    with _state.set_grad_enabled(True if create_graph else _gstate.enabled):
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    outputs = _grad_postprocess(outputs, create_graph)
    res = _grad_postprocess(res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(res, is_inputs_tuple))


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs`` (double-vjp trick).

    Args:
        func: takes Tensors (one per input), returns a Tensor or tuple of Tensors.
        inputs: a Tensor or tuple of Tensors.
        v: same shapes as ``inputs``; may be None only for a single one-element input.

    Returns:
        ``(func_output, jvp)``; ``jvp`` has the structure and shapes of ``func``'s outputs.
    """
    from .._creation import zeros_like
    from .._state import enable_grad
    with enable_grad():
        is_inputs_tuple, inputs, v = _inputs_and_v(inputs, v, create_graph, "jvp")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # u is a dummy cotangent: Jᵀu is linear in u, so d(Jᵀu)/du applied to v is J v.
        grad_outputs = tuple(zeros_like(out, requires_grad=out.dtype.is_floating_point
                                        or out.dtype.is_complex) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with _state.set_grad_enabled(True if create_graph else _gstate.enabled):
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    res = _grad_postprocess(res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(res, is_outputs_tuple))


# --------------------------------------------------------------------------- jacobian
def _stack_rows(rows, out_shape, in_shape, create_graph: bool):
    """Rows (one gradient per output element) → a Tensor of shape ``out_shape + in_shape``."""
    from .._tensor import _wrap
    shape = tuple(out_shape) + tuple(in_shape)
    if create_graph and any(r.requires_grad for r in rows):
        return Stack.apply(*rows).reshape(shape)
    from ..backend import array_module
    arrs = [r._data for r in rows]
    return _wrap(array_module(arrs[0]).stack(arrs).reshape(shape))


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``.

    Args:
        func: takes Tensors (one per input), returns a Tensor or tuple of Tensors.
        inputs: a Tensor or tuple of Tensors.
        create_graph: make the Jacobian differentiable.
        strict: raise when an output is independent of an input instead of returning zeros.
        vectorize, strategy: accepted for compatibility (``"forward-mode"`` or
            ``"reverse-mode"``); the result is the same.

    Returns:
        For output ``i`` (shape ``O_i``) and input ``j`` (shape ``I_j``) a Tensor of shape
        ``O_i + I_j``: a single Tensor, a tuple over inputs or outputs, or a tuple (outputs) of
        tuples (inputs), following whether ``inputs`` and the output are tuples.
    """
    from .._creation import zeros_like
    from .._state import enable_grad
    from .._tensor import _wrap
    from . import grad
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: '
                         'If your function has more outputs than inputs, "forward-mode" tends to '
                         'be more performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError("torch.autograd.functional.jacobian: `strategy=\"forward-mode\"`"
                                  " is not supported together with `create_graph=True`.")
    with enable_grad():
        is_inputs_tuple, inputs, is_outputs_tuple, outputs = _call(func, inputs, create_graph,
                                                                   strict, "jacobian")
        jac = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            n = out.numel()
            differentiable = out.requires_grad
            for k in range(n):
                if differentiable:
                    onehot = np.zeros(n, dtype=out._data.dtype)
                    onehot[k] = 1
                    go = _wrap(onehot.reshape(out._data.shape))
                    if not out.is_cpu:
                        go = go.to(out.device)
                    gs = grad(out, inputs, go, retain_graph=True, create_graph=create_graph,
                              allow_unused=True)
                else:
                    gs = (None,) * len(inputs)
                for j, g in enumerate(gs):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {j}. This is not allowed "
                                               "in strict mode.")
                        g = zeros_like(inputs[j])
                    rows[j].append(g)
            jac_i = []
            for j, inp in enumerate(inputs):
                if n == 0:
                    jac_i.append(_wrap(np.zeros(tuple(out.shape) + tuple(inp.shape),
                                                dtype=inp._data.dtype)))
                else:
                    jac_i.append(_stack_rows(rows[j], out.shape, inp.shape, create_graph))
            jac.append(tuple(jac_i))
    res = tuple(_grad_postprocess(tuple(r), create_graph) for r in jac)
    return _tuple_postprocess(res, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function ``func`` at ``inputs``.

    Returns:
        For one input of shape ``I`` a Tensor of shape ``I + I``; for a tuple of inputs a tuple
        of tuples where entry ``[i][j]`` has shape ``I_i + I_j``.
    """
    from .._tensor import Tensor
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               f"contain a single element (got shape {list(out.shape)})")
        return out.reshape(())

    def jac_func(*inp):
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy="reverse-mode")
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


# --------------------------------------------------------------------------- vhp / hvp
def _second_order(name: str, func, inputs, v, create_graph: bool, strict: bool):
    from .._state import enable_grad
    from .._tensor import Tensor
    with enable_grad():
        is_inputs_tuple, inputs, v = _inputs_and_v(inputs, v, create_graph, name)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              name)
        if is_outputs_tuple or not isinstance(outputs[0], Tensor):
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should "
                               f"contain a single element (got shape {list(outputs[0].shape)})")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
    with _state.set_grad_enabled(True if create_graph else _gstate.enabled):
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    outputs = _grad_postprocess(outputs, create_graph)
    res = _grad_postprocess(res, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(res, is_inputs_tuple)


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The vector-Hessian product ``vᵀ H`` of a scalar ``func`` at ``inputs``.

    Returns ``(func_output, vhp)``; ``vhp`` has the structure and shapes of ``inputs``.
    """
    return _second_order("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The Hessian-vector product ``H v`` of a scalar ``func`` at ``inputs``.

    The Hessian of a twice continuously differentiable scalar function is symmetric, so this is
    computed as ``vᵀ H`` (one double backward, no third-order graph).
    Returns ``(func_output, hvp)``; ``hvp`` has the structure and shapes of ``inputs``.
    """
    return _second_order("hvp", func, inputs, v, create_graph, strict)
