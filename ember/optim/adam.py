"""The Adam family: Adam, AdamW, Adamax, NAdam and RAdam (per-parameter rules only)."""
from __future__ import annotations

import math

import numpy as np

from .optimizer import (Optimizer, _addcmul_, _check, _grad_in, _hp, _lerp_, _scalar_state,
                        _tick, _zeros_like)

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _check_common(lr, eps, betas, weight_decay):
    _check(0.0 <= lr, f"Invalid learning rate: {lr}")
    _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
    _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


def _decay(d, grad, group, decoupled: bool, lr: float, out):
    """Apply weight decay: decoupled shrinks ``p`` in place, coupled adds ``wd * p`` to the grad."""
    wd = group["weight_decay"]
    if wd and decoupled:
        d *= 1 - lr * wd
        wd = 0
    return _grad_in(d, grad, wd, group["maximize"], out)


class Adam(Optimizer):
    """Adam (Kingma & Ba), with optional AMSGrad and decoupled weight decay, as PyTorch's.

    ``m = lerp(m, g, 1 - b1)``, ``v = b2 v + (1 - b2) g^2``,
    ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False):
        _check_common(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["exp_avg"] = _zeros_like(p._data)
        state["exp_avg_sq"] = _zeros_like(p._data)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_like(p._data)

    def _update(self, p, grad, state, group):
        d = p._data
        step = _tick(state)
        lr = _hp(group["lr"])
        beta1, beta2 = group["betas"]
        g = _decay(d, grad, group, group.get("decoupled_weight_decay", False), lr,
                   self._tmp(d, 1))
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        tmp = self._tmp(d)
        _lerp_(m, g, 1 - beta1, tmp)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2, tmp)
        step_size = lr / (1 - beta1 ** step)
        bc2_sqrt = math.sqrt(1 - beta2 ** step)
        if group["amsgrad"]:
            if "max_exp_avg_sq" not in state:  # amsgrad switched on after the first step
                state["max_exp_avg_sq"] = _zeros_like(d)
            vmax = state["max_exp_avg_sq"]._data
            np.maximum(vmax, v, out=vmax)
            v = vmax
        np.sqrt(v, out=tmp)
        tmp /= bc2_sqrt
        tmp += group["eps"]
        np.divide(m, tmp, out=tmp)
        tmp *= -step_size
        d += tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * wd`` first."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused, decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm, ``u = max(b2 u, |g| + eps)``, ``p -= lr_t m / u``."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        _check_common(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["exp_avg"] = _zeros_like(p._data)
        state["exp_inf"] = _zeros_like(p._data)

    def _update(self, p, grad, state, group):
        d = p._data
        step = _tick(state)
        beta1, beta2 = group["betas"]
        g = _grad_in(d, grad, group["weight_decay"], group["maximize"], self._tmp(d, 1))
        m, u = state["exp_avg"]._data, state["exp_inf"]._data
        tmp = self._tmp(d)
        _lerp_(m, g, 1 - beta1, tmp)
        u *= beta2
        np.abs(g, out=tmp)
        tmp += group["eps"]
        np.maximum(u, tmp, out=u)
        clr = _hp(group["lr"]) / (1 - beta1 ** step)
        np.divide(m, u, out=tmp)
        tmp *= -clr
        d += tmp


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum and the momentum-decay schedule of Dozat (2016)."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        _check_common(lr, eps, betas, weight_decay)
        _check(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["mu_product"] = _scalar_state(1.0)
        state["exp_avg"] = _zeros_like(p._data)
        state["exp_avg_sq"] = _zeros_like(p._data)

    def _update(self, p, grad, state, group):
        d = p._data
        step = _tick(state)
        lr = _hp(group["lr"])
        beta1, beta2 = group["betas"]
        g = _decay(d, grad, group, group["decoupled_weight_decay"], lr, self._tmp(d, 1))
        psi = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        # mu_product is kept as a 0-d tensor (float32 by default), rounded like PyTorch's
        mp_arr = state["mu_product"]._data
        mp_arr *= mu
        mu_prod = float(mp_arr)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        tmp = self._tmp(d)
        _lerp_(m, g, 1 - beta1, tmp)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2, tmp)
        denom = np.divide(v, 1 - beta2 ** step, out=self._tmp(d, 2))
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        np.divide(g, denom, out=tmp)
        tmp *= -lr * (1.0 - mu) / (1.0 - mu_prod)
        d += tmp
        np.divide(m, denom, out=tmp)
        tmp *= (-lr * mu_next) / (1.0 - mu_prod * mu_next)
        d += tmp


class RAdam(Optimizer):
    """RAdam (Liu et al.): Adam whose adaptive term is switched on once its variance is tractable.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False,
                 *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        _check_common(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["exp_avg"] = _zeros_like(p._data)
        state["exp_avg_sq"] = _zeros_like(p._data)

    def _update(self, p, grad, state, group):
        d = p._data
        step = _tick(state)
        lr = _hp(group["lr"])
        beta1, beta2 = group["betas"]
        g = _decay(d, grad, group, group["decoupled_weight_decay"], lr, self._tmp(d, 1))
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        tmp = self._tmp(d)
        _lerp_(m, g, 1 - beta1, tmp)
        v *= beta2
        _addcmul_(v, g, g, 1 - beta2, tmp)
        bc1 = 1 - beta1 ** step
        bc2 = 1 - beta2 ** step
        upd = np.divide(m, bc1, out=self._tmp(d, 2))
        upd *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            np.sqrt(v, out=tmp)
            tmp += group["eps"]
            np.divide(math.sqrt(bc2), tmp, out=tmp)
            upd *= tmp
            upd *= rect
        d -= upd
