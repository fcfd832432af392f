"""Activation functions of ``ember.nn.functional``.

Activations that models call on every element of every layer (gelu, silu, mish, softplus,
logsigmoid, hardtanh/relu6, leaky_relu, hardswish, hardsigmoid) are single fused ops: one
NumPy pass forward with a stable formula, and a backward that is itself an op (``g * f'(x)``)
whose own backward is written with differentiable Tensor ops, so any order of gradient works.
The rest reuse the top-level ember ops or are short compositions.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import ops as _ops
from ..._tensor import Tensor
from ...autograd.graph import Op
from ...ops import _special
from ...ops._common import float_input, wrap_dim
from ...ops._registry import make_inplace
from ...ops.activation import Elu

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_",
    "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid",
    "tanh", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "softplus", "softsign",
    "softmax", "log_softmax", "softmin", "threshold", "threshold_", "logsigmoid",
    "tanhshrink", "hardshrink", "softshrink", "glu",
]

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K0 = math.sqrt(2.0 / math.pi)     # tanh-approximate GELU constants
_K1 = 0.044715


# --------------------------------------------------------------------------- array helpers
def _widen(x):
    """Half-precision arrays are computed in float32 (like PyTorch's CPU kernels)."""
    return x.astype(np.float32) if x.dtype.itemsize < 4 else x


def _sig(x):
    """Stable logistic function of an array (no overflow warning for large ``|x|``)."""
    e = np.exp(-np.abs(x))
    r = 1.0 / (1.0 + e)
    return np.where(x >= 0, r, e * r)


def _softplus(x):
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# --------------------------------------------------------------------------- fused pointwise
class _PointwiseGrad(Op):
    """``g * f'(x)``; ``d1`` is the array derivative, ``d2`` the second derivative written
    with Tensor ops (so the gradient of this gradient is differentiable again)."""

    d1 = None
    d2 = None

    @classmethod
    def forward(cls, ctx, g, x, p):
        ctx.save_for_backward(g, x)
        ctx.p = p
        xw = _widen(x)
        return (g * cls.d1(xw, *p)).astype(g.dtype, copy=False)

    @classmethod
    def backward(cls, ctx, gg):
        g, x = ctx.saved_tensors
        nf = ctx.next_functions
        dg = cls.apply(gg, x, p=ctx.p) if nf[0][0] is not None else None
        dx = gg * g * cls.d2(x, *ctx.p) if nf[1][0] is not None else None
        return dg, dx


class _Pointwise(Op):
    """``y = f(x)`` elementwise with backward ``grad.apply(g, x)``."""

    f = None
    grad = None

    @classmethod
    def forward(cls, ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return cls.f(_widen(x), *p).astype(x.dtype, copy=False)

    @classmethod
    def backward(cls, ctx, g):
        x, = ctx.saved_tensors
        return cls.grad.apply(g, x, p=ctx.p)


def _fused(name: str, f, d1, d2):
    grad = type(f"_{name}Grad", (_PointwiseGrad,),
                {"d1": staticmethod(d1), "d2": staticmethod(d2)})
    return type(name, (_Pointwise,), {"f": staticmethod(f), "grad": grad})


# gelu (exact): x Φ(x);  d1 = Φ + x φ;  d2 = φ (2 - x²)
def _gelu_f(x):
    return 0.5 * x * (1.0 + _special.erf(x * _SQRT1_2))


def _gelu_d1(x, cdf=None):
    if cdf is None:
        cdf = 0.5 * (1.0 + _special.erf(x * _SQRT1_2))
    return cdf + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _gelu_d2(x, cdf=None):
    return _ops.exp(x * x * -0.5) * _INV_SQRT_2PI * (2.0 - x * x)


# gelu (tanh): 0.5 x (1 + tanh(u)), u = k0 (x + k1 x³)
def _gelu_tanh_f(x):
    return 0.5 * x * (1.0 + np.tanh(_K0 * (x + _K1 * x * x * x)))


def _gelu_tanh_d1(x):
    t = np.tanh(_K0 * (x + _K1 * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _K0 * (1.0 + 3.0 * _K1 * x * x)


def _gelu_tanh_d2(x):
    t = _ops.tanh((x + x * x * x * _K1) * _K0)
    du = (x * x * (3.0 * _K1) + 1.0) * _K0
    return (1.0 - t * t) * (du - x * t * du * du + x * x * (3.0 * _K0 * _K1))


# silu: x σ;  d1 = σ (1 + x (1 - σ));  d2 = σ (1 - σ) (2 + x (1 - 2σ))
def _silu_f(x):
    return x * _sig(x)


def _silu_d1(x):
    s = _sig(x)
    return s * (1.0 + x * (1.0 - s))


def _silu_d2(x):
    s = _ops.sigmoid(x)
    return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s))


# mish: x tanh(sp(x));  d1 = t + x σ (1 - t²);  d2 = (1 - t²) σ (2 + x (1 - σ) - 2 x t σ)
def _mish_f(x):
    return x * np.tanh(_softplus(x))


def _mish_d1(x):
    t = np.tanh(_softplus(x))
    return t + x * _sig(x) * (1.0 - t * t)


def _mish_d2(x):
    s = _ops.sigmoid(x)
    t = _ops.tanh(softplus(x))
    return (1.0 - t * t) * s * (2.0 + x * (1.0 - s) - 2.0 * x * t * s)


# softplus(beta, threshold): linear where beta x > threshold
def _softplus_f(x, beta, threshold):
    bx = x * beta
    return np.where(bx > threshold, x, _softplus(bx) / beta)


def _softplus_d1(x, beta, threshold):
    bx = x * beta
    return np.where(bx > threshold, 1.0, _sig(bx))


def _softplus_d2(x, beta, threshold):
    s = _ops.sigmoid(x * beta)
    return _ops.where(x * beta > threshold, 0.0, s * (1.0 - s) * beta)


# logsigmoid: -softplus(-x);  d1 = σ(-x);  d2 = -σ (1 - σ)
def _logsigmoid_f(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _logsigmoid_d1(x):
    return _sig(-x)


def _logsigmoid_d2(x):
    s = _ops.sigmoid(x)
    return s * (s - 1.0)


_GeluBase = _fused("Gelu", _gelu_f, _gelu_d1, _gelu_d2)


class Gelu(_GeluBase):
    """Exact GELU; Φ(x) from the forward pass is kept for the backward (erf is the costly
    part, so it is evaluated once per step)."""

    @staticmethod
    def forward(ctx, x, p):
        xw = _widen(x)
        cdf = 0.5 * (1.0 + _special.erf(xw * _SQRT1_2))
        ctx.save_for_backward(x)
        ctx.p = (cdf,)
        return (xw * cdf).astype(x.dtype, copy=False)
GeluTanh = _fused("Gelu", _gelu_tanh_f, _gelu_tanh_d1, _gelu_tanh_d2)
Silu = _fused("Silu", _silu_f, _silu_d1, _silu_d2)
Mish = _fused("Mish", _mish_f, _mish_d1, _mish_d2)
Softplus = _fused("Softplus", _softplus_f, _softplus_d1, _softplus_d2)
LogSigmoid = _fused("LogSigmoid", _logsigmoid_f, _logsigmoid_d1, _logsigmoid_d2)


# --------------------------------------------------------------------------- piecewise ops
class Hardtanh(Op):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.p = (lo, hi)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        lo, hi = ctx.p
        return _ops.where((x > lo) & (x < hi), g, 0.0)


class LeakyRelu(Op):
    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * x.dtype.type(slope))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _ops.where(x > 0, g, g * ctx.slope)


class Hardswish(Op):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        mid = _ops.where(x <= 3.0, g * (x / 3.0 + 0.5), g)
        return _ops.where(x < -3.0, 0.0, mid)


class Hardsigmoid(Op):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _ops.where((x > -3.0) & (x < 3.0), g / 6.0, 0.0)


class Softshrink(Op):
    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        lam = x.dtype.type(lambd)
        return np.where(x > lam, x - lam, np.where(x < -lam, x + lam, x.dtype.type(0)))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _ops.where(x.abs() > ctx.lambd, g, 0.0)


# --------------------------------------------------------------------------- public functions
def _inplace(fn, name):
    """``fn(x, ...)`` computed in ``x``'s memory (graph-safe: the registry wrapper clones the
    source when a graph is recorded, then rebinds ``x`` to the result's node)."""
    return make_inplace(fn, name)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``. Shape: any. ``inplace=True`` overwrites ``input``."""
    return input.relu_() if inplace else _ops.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return input.relu_()


def _hardtanh(x, lo, hi):
    if x._data.dtype.kind == "b":
        raise RuntimeError("hardtanh(): bool tensors are not supported; convert to float first")
    return Hardtanh.apply(x, lo=lo, hi=hi)


_hardtanh_ip = _inplace(_hardtanh, "hardtanh_")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]`` (gradient 1 strictly inside, 0 outside)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh(): min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return (_hardtanh_ip if inplace else _hardtanh)(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(input, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky(x, slope):
    return LeakyRelu.apply(float_input(x), slope=slope)


_leaky_ip = _inplace(_leaky, "leaky_relu_")


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``."""
    return (_leaky_ip if inplace else _leaky)(input, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    return _leaky_ip(input, negative_slope)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)``; ``weight`` shape ``(C,)`` or ``(1,)`` (C at dim 1)."""
    return _ops.prelu(input, weight)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomised leaky ReLU: a random slope in ``[lower, upper]`` per negative element in
    training, the mean slope ``(lower + upper) / 2`` otherwise."""
    if inplace:
        return _ops.OPS["rrelu_"](input, lower, upper, training)
    return _ops.rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, True)


def _elu(x, alpha):
    return Elu.apply(float_input(x), alpha=float(alpha), scale=1.0, input_scale=1.0)


_elu_ip = _inplace(_elu, "elu_")


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, else ``alpha * (exp(x) - 1)``."""
    return (_elu_ip if inplace else _elu)(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`."""
    return _elu_ip(input, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Self-normalising ELU (``scale * elu(x, alpha)`` with the SELU constants)."""
    return _ops.OPS["selu_"](input) if inplace else _ops.selu(input)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return _ops.OPS["selu_"](input)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _ops.OPS["celu_"](input, alpha) if inplace else _ops.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return _ops.OPS["celu_"](input, alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x Φ(x)``; ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))``. Shape: any."""
    if approximate == "none":
        return Gelu.apply(float_input(input), p=())
    if approximate == "tanh":
        return GeluTanh.apply(float_input(input), p=())
    raise RuntimeError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")


def _silu(x):
    return Silu.apply(float_input(x), p=())


def _mish(x):
    return Mish.apply(float_input(x), p=())


def _hardswish(x):
    return Hardswish.apply(float_input(x))


def _hardsigmoid(x):
    return Hardsigmoid.apply(float_input(x))


_silu_ip = _inplace(_silu, "silu_")
_mish_ip = _inplace(_mish, "mish_")
_hardswish_ip = _inplace(_hardswish, "hardswish_")
_hardsigmoid_ip = _inplace(_hardsigmoid, "hardsigmoid_")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish). Shape: any."""
    return (_silu_ip if inplace else _silu)(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``. Shape: any."""
    return (_mish_ip if inplace else _mish)(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    return (_hardswish_ip if inplace else _hardswish)(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return (_hardsigmoid_ip if inplace else _hardsigmoid)(input)


def sigmoid(input: Tensor) -> Tensor:
    """Logistic function ``1 / (1 + exp(-x))``."""
    return _ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return _ops.tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, linear where ``beta x > threshold``; stable for any
    ``x``. Shape: any."""
    return Softplus.apply(float_input(input), p=(float(beta), float(threshold)))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))`` computed as ``-softplus(-x)`` (no overflow, no log(0))."""
    return LogSigmoid.apply(float_input(input), p=())


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - _ops.tanh(input)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    return _ops.hardshrink(input, lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    if lambd < 0:
        raise RuntimeError(f"softshrink(): lambda must be greater or equal to 0, but found to "
                           f"be {lambd}.")
    return Softshrink.apply(float_input(input), lambd=lambd)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where ``input > threshold``, else ``value``."""
    if inplace:
        return _ops.OPS["threshold_"](input, threshold, value)
    return _ops.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return _ops.OPS["threshold_"](input, threshold, value)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the halves of ``input`` along
    ``dim``. Shape: (*, 2M, *) → (*, M, *)."""
    if input.dim() == 0:
        raise RuntimeError("glu(): does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.dim())
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"glu(): halving dimension must be even, but dimension {d} is size "
                           f"{n} (input shape {list(input.shape)})")
    a, b = input.split(n // 2, d)
    return a * _ops.sigmoid(b)


def _implicit_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (max-shifted). Without ``dim`` the legacy
    implicit choice (0 for 0-, 1- and 3-D inputs, else 1) is used, with a warning."""
    if dim is None:
        dim = _implicit_dim("softmax", input.dim(), _stacklevel)
    return _ops.softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    if dim is None:
        dim = _implicit_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _ops.softmax(-input, dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (stable)."""
    if dim is None:
        dim = _implicit_dim("log_softmax", input.dim(), _stacklevel)
    return _ops.log_softmax(input, dim, dtype)
