"""Elementwise math: unary functions, comparisons, logical ops, where, clamp."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import broadcast_error, float_input, promote, to_tensor_like
from ._registry import register


# --------------------------------------------------------------------------- unary math
class Exp(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


@register(inplace=True)
def exp(input, *, out=None) -> Tensor:
    """``e ** input`` elementwise."""
    return Exp.apply(float_input(input))


class Log(Op):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g / x


@register(inplace=True)
def log(input, *, out=None) -> Tensor:
    """Natural logarithm elementwise."""
    return Log.apply(float_input(input))


class Sqrt(Op):
    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g / (2 * y)


@register(inplace=True)
def sqrt(input, *, out=None) -> Tensor:
    """Square root elementwise."""
    return Sqrt.apply(float_input(input))


class Abs(Op):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * sign(x)


@register(inplace=True, aliases=("absolute",))
def abs(input, *, out=None) -> Tensor:
    """Absolute value elementwise."""
    return Abs.apply(input)


Tensor.__abs__ = abs


class _NoGrad(Op):
    """Piecewise-constant functions: zero gradient everywhere it exists."""

    @staticmethod
    def backward(ctx, g):
        return g * 0


class Sign(_NoGrad):
    @staticmethod
    def forward(ctx, x):
        return np.sign(x)


class Trunc(_NoGrad):
    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


@register(inplace=True)
def sign(input, *, out=None) -> Tensor:
    """-1, 0 or 1 by the sign of each element."""
    if input._data.dtype == np.bool_:
        return input.clone()
    return Sign.apply(input)


@register(inplace=True, aliases=("fix",))
def trunc(input, *, out=None) -> Tensor:
    """Round toward zero."""
    if input._data.dtype.kind in "biu":
        return input.clone()
    return Trunc.apply(input)


# --------------------------------------------------------------------------- comparisons
def _compare(ufunc, name):
    def fn(input, other, *, out=None) -> Tensor:
        a, b = promote(input, other, name)
        av = a._data if isinstance(a, Tensor) else a
        bv = b._data if isinstance(b, Tensor) else b
        try:
            return _wrap(ufunc(av, bv))
        except ValueError:
            broadcast_error(a, b, name)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` comparison; returns a bool tensor."
    return fn


eq = register(_compare(np.equal, "eq"))
ne = register(_compare(np.not_equal, "ne"), aliases=("not_equal",))
lt = register(_compare(np.less, "lt"), aliases=("less",))
le = register(_compare(np.less_equal, "le"), aliases=("less_equal",))
gt = register(_compare(np.greater, "gt"), aliases=("greater",))
ge = register(_compare(np.greater_equal, "ge"), aliases=("greater_equal",))

Tensor.__eq__ = eq
Tensor.__ne__ = ne
Tensor.__lt__ = lt
Tensor.__le__ = le
Tensor.__gt__ = gt
Tensor.__ge__ = ge


def _logical(ufunc, name):
    def fn(input, other=None) -> Tensor:
        if other is None:
            return _wrap(ufunc(input._data))
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        try:
            return _wrap(ufunc(a, b))
        except ValueError:
            broadcast_error(input, other, name)
    fn.__name__ = name
    return fn


def _bitwise(ufunc, logical_ufunc, name):
    def fn(input, other) -> Tensor:
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        if np.asarray(a).dtype.kind == "f" or np.asarray(b).dtype.kind == "f":
            raise RuntimeError(f"\"{name}\" is not implemented for floating-point tensors")
        try:
            return _wrap(ufunc(a, b))
        except ValueError:
            broadcast_error(input, other, name)
    fn.__name__ = name
    return fn


logical_and = register(_logical(np.logical_and, "logical_and"))
logical_or = register(_logical(np.logical_or, "logical_or"))
logical_xor = register(_logical(np.logical_xor, "logical_xor"))
logical_not = register(_logical(np.logical_not, "logical_not"))
bitwise_and = register(_bitwise(np.bitwise_and, np.logical_and, "bitwise_and"))
bitwise_or = register(_bitwise(np.bitwise_or, np.logical_or, "bitwise_or"))
bitwise_xor = register(_bitwise(np.bitwise_xor, np.logical_xor, "bitwise_xor"))


@register
def bitwise_not(input) -> Tensor:
    """``~input`` for integer/bool tensors."""
    if input._data.dtype.kind == "f":
        raise RuntimeError("\"bitwise_not\" is not implemented for floating-point tensors")
    return _wrap(np.invert(input._data))


Tensor.__and__ = bitwise_and
Tensor.__rand__ = lambda self, other: bitwise_and(other, self)
Tensor.__or__ = bitwise_or
Tensor.__ror__ = lambda self, other: bitwise_or(other, self)
Tensor.__xor__ = bitwise_xor
Tensor.__rxor__ = lambda self, other: bitwise_xor(other, self)
Tensor.__invert__ = bitwise_not


# --------------------------------------------------------------------------- where
class Where(Op):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        cond, = ctx.saved_tensors
        zero = g * 0
        nf = ctx.next_functions
        ga = where(cond, g, zero) if nf[1][0] is not None else None
        gb = where(cond, zero, g) if nf[2][0] is not None else None
        return None, ga, gb


@register(method=False)
def where(condition, input=None, other=None) -> Tensor:
    """Elements of ``input`` where ``condition`` else of ``other`` (broadcast);
    ``where(condition)`` alone returns the indices like ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return tuple(_wrap(i) for i in np.nonzero(condition._data))
    if not isinstance(condition, Tensor):
        condition = to_tensor_like(condition, input if isinstance(input, Tensor) else other)
    if condition._data.dtype != np.bool_:
        if condition._data.dtype == np.uint8:
            condition = _wrap(condition._data.astype(bool))
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {condition.dtype}")
    a, b = promote(input, other, "where")
    try:
        return Where.apply(condition, a, b)
    except ValueError:
        broadcast_error(a if isinstance(a, Tensor) else condition, b, "where")


Tensor.where = lambda self, condition, other: where(condition, self, other)
_ = D
