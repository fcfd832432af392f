"""Adaptive-rate optimizers without a first-moment bias correction: RMSprop, Adagrad, Adadelta."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _addcmul_, _check, _grad_in, _hp, _lerp_, _scalar_state,
                        _tick, _zeros_like)

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


class RMSprop(Optimizer):
    """RMSprop (Hinton), optionally centred and with momentum, as ``torch.optim.RMSprop``.

    ``v = a v + (1 - a) g^2``; ``s = sqrt(v - gbar^2 if centered else v) + eps``;
    ``p -= lr * (b = mu b + g / s if momentum else g / s)``.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["square_avg"] = _zeros_like(p._data)
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_like(p._data)
        if group["centered"]:
            state["grad_avg"] = _zeros_like(p._data)

    def _update(self, p, grad, state, group):
        d = p._data
        _tick(state)
        alpha = group["alpha"]
        g = _grad_in(d, grad, group["weight_decay"], group["maximize"], self._tmp(d, 1))
        sq = state["square_avg"]._data
        sq *= alpha
        tmp = np.multiply(g, g, out=self._tmp(d))
        if 1 - alpha != 1:
            tmp *= 1 - alpha
        sq += tmp
        if group["centered"]:
            ga = state.setdefault("grad_avg", _zeros_like(d))._data
            _lerp_(ga, g, 1 - alpha, tmp)
            np.multiply(ga, ga, out=tmp)
            np.subtract(sq, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(sq, out=tmp)
        tmp += group["eps"]
        lr = _hp(group["lr"])
        momentum = group["momentum"]
        if momentum > 0:
            buf = state.setdefault("momentum_buffer", _zeros_like(d))._data
            buf *= momentum
            np.divide(g, tmp, out=tmp)
            buf += tmp
            np.multiply(buf, -lr, out=tmp)
        else:
            np.divide(g, tmp, out=tmp)
            tmp *= -lr
        d += tmp


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.): ``s += g^2``, ``p -= lr / (1 + (t-1) lr_decay) * g / (sqrt(s)+eps)``.

    Like PyTorch's, its state is created for every parameter when the optimizer is built.
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= initial_accumulator_value,
               f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        acc = _zeros_like(p._data)
        acc._data += group["initial_accumulator_value"]
        state["sum"] = acc

    def _update(self, p, grad, state, group):
        d = p._data
        step = _tick(state)
        g = _grad_in(d, grad, group["weight_decay"], group["maximize"], self._tmp(d, 1))
        clr = _hp(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        s = state["sum"]._data
        tmp = np.multiply(g, g, out=self._tmp(d))
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += group["eps"]
        np.divide(g, tmp, out=tmp)
        tmp *= -clr
        d += tmp


class Adadelta(Optimizer):
    """Adadelta (Zeiler): a step ``sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g`` scaled by lr."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["square_avg"] = _zeros_like(p._data)
        state["acc_delta"] = _zeros_like(p._data)

    def _update(self, p, grad, state, group):
        d = p._data
        _tick(state)
        rho, eps = group["rho"], group["eps"]
        g = _grad_in(d, grad, group["weight_decay"], group["maximize"], self._tmp(d, 1))
        sq, acc = state["square_avg"]._data, state["acc_delta"]._data
        sq *= rho
        tmp = np.multiply(g, g, out=self._tmp(d))
        tmp *= 1 - rho
        sq += tmp
        std = np.add(sq, eps, out=self._tmp(d, 2))
        np.sqrt(std, out=std)
        np.add(acc, eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp /= std          # tmp is now the step ``delta``
        tmp *= g
        acc *= rho
        _addcmul_(acc, tmp, tmp, 1 - rho, std)
        tmp *= -_hp(group["lr"])
        d += tmp
