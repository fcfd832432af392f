"""Activation functions that PyTorch exposes at top level (``ember.relu``, ``ember.softmax`` …).

``sigmoid``, ``tanh``, ``softmax`` and ``log_softmax`` appear in nearly every model, so their
forward and backward each run as a single NumPy pass where possible: the backward is its own
small op (whose backward in turn is written with Tensor ops, so double backward still works).
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from .. import _random
from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import cast, float_input, wrap_dim, xp_of
from ._registry import register
from .arithmetic import Mul
from .elementwise import exp, where
from .unary import install_inplace, safe_inplace, write_out


# --------------------------------------------------------------------------- relu
class Relu(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return Mul.apply(g, _wrap(y._data > 0))  # bool mask: NumPy multiplies without a cast


@register(inplace=True)
def relu(input) -> Tensor:
    """``max(input, 0)`` elementwise."""
    return Relu.apply(input)


# --------------------------------------------------------------------------- sigmoid / tanh
class _SigmoidGrad(Op):
    """``g * y * (1 - y)`` in one pass; differentiable in both ``g`` and ``y``."""

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return g * y * (1 - y)

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        return gg * y * (1 - y), gg * g * (1 - 2 * y)


class Sigmoid(Op):
    @staticmethod
    def forward(ctx, x):
        # 1 / (1 + exp(-x)): exp overflows to inf for very negative x, giving exactly 0 —
        # the right limit — and the ratio keeps full relative precision for tiny results
        t = np.negative(x, out=np.empty_like(x))     # out=: stays an array even when 0-d
        with np.errstate(over="ignore"):
            np.exp(t, out=t)
        t += 1
        y = np.reciprocal(t, out=t)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return _SigmoidGrad.apply(g, y)


@register
def sigmoid(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Logistic function ``1 / (1 + exp(-input))``, stable for large ``|input|``.
    Shape: any; integer inputs give the default float dtype."""
    return write_out(Sigmoid.apply(float_input(input)), out)


class _TanhGrad(Op):
    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return g * (1 - y * y)

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        return gg * (1 - y * y), gg * g * y * -2


class Tanh(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return _TanhGrad.apply(g, y)


@register
def tanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Hyperbolic tangent elementwise. Shape: any; integer inputs give the default float."""
    return write_out(Tanh.apply(float_input(input)), out)


class Logit(Op):
    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        if eps is not None:
            x = np.clip(x, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x / (1 - x))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        eps = ctx.eps
        gx = g / (x * (1 - x))
        if eps is not None:     # flat outside [eps, 1 - eps]
            return where((x < eps) | (x > 1 - eps), 0.0, gx)
        return where((x < 0) | (x > 1), float("nan"), gx)     # undefined outside [0, 1]


@register
def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps`` the input is first clamped to ``[eps, 1 - eps]``."""
    return write_out(Logit.apply(float_input(input), eps=eps), out)


# --------------------------------------------------------------------------- softmax
def _softmax_dim(ndim: int, dim, name: str) -> int:
    if dim is None:
        # PyTorch's legacy implicit choice, kept for old code
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    return wrap_dim(dim, ndim)


def _softmax_input(input: Tensor, dtype, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if dtype is not None:
        input = cast(input, D.to_dtype(dtype))
    if input._data.dtype.kind not in "f" and input.dtype is not D.bfloat16:
        raise NotImplementedError(
            f"{name}(): expected a floating-point input but got {input.dtype}; convert it "
            f"first or pass dtype=ember.float32")
    return input


class _SoftmaxGrad(Op):
    """``y * (g - sum(g * y))`` along ``dim``."""

    @staticmethod
    def forward(ctx, g, y, dim):
        ctx.save_for_backward(g, y)
        ctx.dim = dim
        gy = g * y
        gy -= y * gy.sum(axis=dim, keepdims=True)
        return gy

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        d = ctx.dim
        s = (g * y).sum(d, keepdim=True)
        gg_g = _SoftmaxGrad.apply(gg, y, dim=d)
        gg_y = gg * (g - s) - g * (gg * y).sum(d, keepdim=True)
        return gg_g, gg_y


def _widen(x):
    """Half-precision inputs are computed in float32 (like PyTorch's CPU kernels)."""
    return x.astype(np.float32) if x.dtype.itemsize < 4 else x


class Softmax(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.size == 0:
            y = x.copy()
        else:
            xw = _widen(x)
            y = xw - xw.max(axis=dim, keepdims=True)
            np.exp(y, out=y)
            y /= y.sum(axis=dim, keepdims=True)
            y = y.astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return _SoftmaxGrad.apply(g, y, dim=ctx.dim)


class _LogSoftmaxGrad(Op):
    """``g - exp(y) * sum(g)`` along ``dim``."""

    @staticmethod
    def forward(ctx, g, y, dim):
        ctx.save_for_backward(g, y)
        ctx.dim = dim
        p = np.exp(y)
        p *= g.sum(axis=dim, keepdims=True)
        return g - p

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        d = ctx.dim
        p = exp(y)
        gg_g = gg - (gg * p).sum(d, keepdim=True)
        gg_y = -gg * p * g.sum(d, keepdim=True)
        return gg_g, gg_y


class LogSoftmax(Op):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.size == 0:
            y = x.copy()
        else:
            xw = _widen(x)
            y = xw - xw.max(axis=dim, keepdims=True)
            y -= np.log(np.exp(y).sum(axis=dim, keepdims=True))
            y = y.astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return _LogSoftmaxGrad.apply(g, y, dim=ctx.dim)


@register
def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (max-shifted, so no overflow). ``dtype`` casts
    the input first. Shape: any; the output has the input's shape."""
    x = _softmax_input(input, dtype, "softmax")
    if x._data.ndim == 0:
        return Softmax.apply(x.reshape(1), dim=0).reshape(())
    return Softmax.apply(x, dim=_softmax_dim(x._data.ndim, dim, "softmax"))


@register
def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, numerically stable. ``dtype`` casts the input
    first. Shape: any; the output has the input's shape."""
    x = _softmax_input(input, dtype, "log_softmax")
    if x._data.ndim == 0:
        return LogSoftmax.apply(x.reshape(1), dim=0).reshape(())
    return LogSoftmax.apply(x, dim=_softmax_dim(x._data.ndim, dim, "log_softmax"))


# --------------------------------------------------------------------------- ELU family
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class Elu(Op):
    """``scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))``."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.save_for_backward(x)
        ctx.p = (alpha, scale, input_scale)
        neg = np.expm1(np.minimum(x, 0) * input_scale)     # min(): no overflow on x > 0
        neg *= alpha
        y = np.where(x > 0, x, neg)
        if scale != 1:
            y *= scale
        return y

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        alpha, scale, input_scale = ctx.p
        neg = exp(x.clamp_max(0) * input_scale) * (alpha * input_scale * scale)
        return g * where(x > 0, float(scale), neg)


class Celu(Elu):
    pass


@register(method=False)
def selu(input: Tensor) -> Tensor:
    """Scaled ELU with the self-normalising constants (alpha 1.6733, scale 1.0507)."""
    return Elu.apply(float_input(input), alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


@register(method=False)
def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("celu(): alpha must not be 0 (it divides the input)")
    return Celu.apply(float_input(input), alpha=float(alpha), scale=1.0,
                      input_scale=1.0 / alpha)


class RreluWithNoise(Op):
    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x, slope)
        return np.where(x >= 0, x, x * slope)

    @staticmethod
    def backward(ctx, g):
        x, slope = ctx.saved_tensors
        return where(x >= 0, g, g * slope), None


@register(method=False)
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, generator=None) -> Tensor:
    """Randomised leaky ReLU: negative inputs are scaled by a slope drawn uniformly from
    ``[lower, upper]`` per element in training, by ``(lower + upper) / 2`` in evaluation."""
    x = float_input(input)
    if training:
        rng = _random._gen(generator)
        noise = rng.uniform(lower, upper, x._data.shape).astype(x._data.dtype)
        slope = xp_of(x._data).asarray(noise)
    else:
        slope = (lower + upper) / 2
    return RreluWithNoise.apply(x, slope)


class Threshold(Op):
    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.where(x > threshold, x, x.dtype.type(value))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return where(x > ctx.threshold, g, 0.0)


@register(method=False)
def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``input`` where ``input > threshold``, else ``value``."""
    return Threshold.apply(input, threshold=threshold, value=value)


@register
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)`` with one learnable slope per channel (dim 1) or a
    single shared slope. ``weight``: shape ``(C,)`` or ``(1,)``; input: ``(N, C, *)``."""
    w = weight
    if w._data.ndim > 1 or w._data.ndim == 1 and w._data.shape[0] != 1:
        c = input._data.shape[1] if input._data.ndim >= 2 else 1
        if w._data.size != c:
            raise RuntimeError(
                f"prelu(): mismatch of parameter numbers and input channel size: weight has "
                f"{w._data.size} elements but the input (shape {list(input.shape)}) has {c} "
                f"channels at dim 1")
        if input._data.ndim >= 2:
            w = w.reshape((1, c) + (1,) * (input._data.ndim - 2))
    return where(input > 0, input, w * input)


class Hardshrink(Op):
    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where(np.abs(x) > lambd, x, x.dtype.type(0))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return where(x.abs() > ctx.lambd, g, 0.0)


@register
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0."""
    return Hardshrink.apply(input, lambd=lambd)


# PyTorch's top-level in-place activations (``torch.relu_`` …), used by nn.functional
for _f, _n in ((relu, "relu_"), (selu, "selu_"), (celu, "celu_"), (rrelu, "rrelu_"),
               (threshold, "threshold_")):
    register(safe_inplace(_f, _n), name=_n, method=False)
for _f in (sigmoid, tanh, logit):
    install_inplace(_f, _f.__name__ + "_")

