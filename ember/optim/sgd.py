"""Stochastic gradient descent with momentum, dampening and Nesterov."""
from __future__ import annotations

import numpy as np

from .._tensor import _wrap
from .optimizer import Optimizer, _check, _grad_in, _hp

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    With momentum ``mu`` and dampening ``tau``: ``b = mu * b + (1 - tau) * g`` (``b = g`` on the
    first step), then ``p -= lr * (g + mu * b if nesterov else b)``.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None):
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update(self, p, grad, state, group):
        d = p._data
        g = _grad_in(d, grad, group["weight_decay"], group["maximize"], self._tmp(d, 1))
        tmp = self._tmp(d)
        momentum = group["momentum"]
        if momentum != 0:
            buf_t = state.get("momentum_buffer")
            if buf_t is None:
                buf = g.copy()
                state["momentum_buffer"] = _wrap(buf)
            else:
                buf = buf_t._data
                buf *= momentum
                damp = 1 - group["dampening"]
                if damp == 1:
                    buf += g
                else:
                    np.multiply(g, damp, out=tmp)
                    buf += tmp
            if group["nesterov"]:
                np.multiply(buf, momentum, out=tmp)
                tmp += g
                g = tmp
            else:
                g = buf
        np.multiply(g, -_hp(group["lr"]), out=tmp)
        d += tmp
