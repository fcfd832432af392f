"""Gradient clipping: clip_grad_norm_, clip_grad_value_, get_total_norm,
clip_grads_with_norm_ (all in place on ``.grad``, under no_grad)."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ... import _state
from ..._tensor import Tensor, _wrap

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]

_TensorOrTensors = Tensor | Iterable


def _as_list(tensors) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


def _grads(parameters) -> list:
    return [p.grad for p in _as_list(parameters) if p.grad is not None]


def _norm(arr, p: float):
    """The ``p``-norm of one array, accumulated in float64 (returns a Python float)."""
    a = arr.reshape(-1)
    if p == 2.0:
        a64 = a.astype(np.float64, copy=False)
        return math.sqrt(float(a64 @ a64)) if type(a) is np.ndarray else \
            float((a64 * a64).sum()) ** 0.5
    a = abs(a.astype(np.float64, copy=False))
    if p == math.inf:
        return float(a.max()) if a.size else 0.0
    if p == -math.inf:
        return float(a.min()) if a.size else math.inf
    if p == 0:
        return float((a != 0).sum())
    if p == 1:
        return float(a.sum())
    return float((a ** p).sum()) ** (1.0 / p)


def _combine(norms, p: float) -> float:
    if p == math.inf:
        return max(norms)
    if p == -math.inf:
        return min(norms)
    if p == 0:
        return float(sum(norms))
    if p == 1:
        return float(sum(norms))
    return float(sum(n ** p for n in norms)) ** (1.0 / p)


def get_total_norm(tensors: _TensorOrTensors, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type`` norm of all ``tensors`` together (as if concatenated), as a 0-d
    tensor of their dtype."""
    ts = [t for t in _as_list(tensors) if t is not None]
    p = float(norm_type)
    if not ts:
        from ... import _creation
        return _creation.tensor(0.0)
    total = _combine([_norm(t._data, p) for t in ts], p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`")
    dt = ts[0]._data.dtype
    xp_arr = ts[0]._data
    out = np.asarray(total, dtype=dt)
    if type(xp_arr) is not np.ndarray:
        from ...backend import device_of, to_device
        out = to_device(out, device_of(xp_arr))
    return _wrap(out)


def clip_grads_with_norm_(parameters: _TensorOrTensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale every gradient by ``min(1, max_norm / (total_norm + 1e-6))`` in place."""
    grads = _grads(parameters)
    if not grads:
        return
    coef = min(float(max_norm) / (float(total_norm) + 1e-6), 1.0)
    with _state.no_grad():
        for g in grads:
            g.mul_(coef)


def clip_grad_norm_(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total ``norm_type``
    norm is at most ``max_norm``; returns the total norm before clipping (0-d tensor).

    ``error_if_nonfinite``: raise RuntimeError (changing nothing) if that norm is nan/inf.
    """
    parameters = _as_list(parameters)
    grads = _grads(parameters)
    if not grads:
        from ... import _creation
        return _creation.tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated spelling of :func:`clip_grad_norm_`."""
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: _TensorOrTensors, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient of ``parameters`` to [-clip_value, clip_value] in place."""
    v = float(clip_value)
    with _state.no_grad():
        for g in _grads(parameters):
            g.clamp_(-v, v)
