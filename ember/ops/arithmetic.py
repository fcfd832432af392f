"""Binary arithmetic (+, -, *, /, //, %, **) with PyTorch promotion, and their in-place forms."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .. import _state
from .._tensor import Tensor
from ..autograd.graph import NULL_CTX, Op
from ._common import broadcast_error, cast, promote
from ._registry import make_inplace, register

_gstate = _state.state


class Add(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.next_functions[1][0] is not None else None)


class Mul(Op):
    @staticmethod
    def forward(ctx, a, b):
        if ctx is not NULL_CTX:  # keep only what the other input's gradient needs
            nf = ctx.next_functions
            ctx.save_for_backward(a if nf[1][0] is not None else None,
                                  b if nf[0][0] is not None else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * b if b is not None else None), (g * a if a is not None else None)


class Div(Op):
    @staticmethod
    def forward(ctx, a, b):
        if ctx is not NULL_CTX:
            ctx.save_for_backward(a if ctx.next_functions[1][0] is not None else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / b
        gb = -ga * a / b if a is not None else None
        return ga, gb


class Neg(Op):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Op):
    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        nf = ctx.next_functions
        ga = gb = None
        if nf[0][0] is not None:
            if isinstance(b, Tensor):
                from .elementwise import where
                ga = where(b == 0, 0.0, g * b * a ** (b - 1))
            elif b == 0:
                ga = g * 0
            else:
                ga = g * 2 * a if b == 2 else g * b * a ** (b - 1)
        if nf[1][0] is not None:
            from .elementwise import log, where
            if isinstance(a, Tensor):
                la = where((a == 0) & (b >= 0), 0.0, log(a))
            else:
                la = float(np.log(a)) if a > 0 else (0.0 if a == 0 else float("nan"))
            gb = g * out * la
        return ga, gb


def _binary(cls, a, b, name):
    a, b = promote(a, b, name)
    try:
        return cls.apply(a, b)
    except ValueError:
        broadcast_error(a, b, name)


def _int_like(x) -> bool:
    if isinstance(x, Tensor):
        return x._data.dtype.kind in "biu"
    return isinstance(x, (int, bool))


@register(inplace=False)
def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other`` with broadcasting. Shapes broadcast like NumPy."""
    if alpha != 1:
        other = mul(other, alpha)
    if type(input) is Tensor and type(other) is Tensor and input._data.dtype == other._data.dtype \
            and type(input._data) is type(other._data):
        try:
            return Add.apply(input, other)
        except ValueError:
            broadcast_error(input, other, "add")
    return _binary(Add, input, other, "add")


@register(aliases=("subtract",))
def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    if alpha != 1:
        other = mul(other, alpha)
    if isinstance(input, Tensor) and input._data.dtype == np.bool_ and (
            not isinstance(other, Tensor) or other._data.dtype == np.bool_):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _binary(Sub, input, other, "sub")


@register(aliases=("multiply",))
def mul(input, other, *, out=None) -> Tensor:
    """Elementwise product with broadcasting."""
    if type(input) is Tensor and type(other) is Tensor and input._data.dtype == other._data.dtype \
            and type(input._data) is type(other._data):
        try:
            return Mul.apply(input, other)
        except ValueError:
            broadcast_error(input, other, "mul")
    return _binary(Mul, input, other, "mul")


@register(aliases=("divide",))
def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """``input / other``; integer inputs give the default float dtype. ``rounding_mode`` may be
    ``'trunc'`` or ``'floor'``."""
    if rounding_mode is None:
        if _int_like(input) and _int_like(other):
            dt = D.get_default_dtype()
            input = cast(input, dt) if isinstance(input, Tensor) else float(input)
            other = cast(other, dt) if isinstance(other, Tensor) else float(other)
        return _binary(Div, input, other, "div")
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        from .elementwise import trunc
        if _int_like(input) and _int_like(other):
            a, b = promote(input, other, "div")
            q = floor_divide(a, b)
            r = remainder(a, b)
            fix = (r != 0) & ((a < 0) ^ (b < 0)) if isinstance(a, Tensor) else (r != 0)
            return q + fix.to(q.dtype)
        return trunc(div(input, other))
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


true_divide = register(lambda input, other: div(input, other), name="true_divide")


class FloorDivide(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a // b

    @staticmethod
    def backward(ctx, g):
        zero = g * 0
        return zero, zero


@register
def floor_divide(input, other, *, out=None) -> Tensor:
    """Elementwise ``floor(input / other)`` (non-differentiable, like PyTorch)."""
    if _int_like(input) and _int_like(other):
        bv = other._data if isinstance(other, Tensor) else other
        if np.any(np.asarray(bv) == 0):
            raise RuntimeError("ZeroDivisionError: integer division by zero in floor_divide")
    return _binary(FloorDivide, input, other, "floor_divide")


class Remainder(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if ctx.next_functions[1][0] is not None:
            gb = -g * floor_divide(a, b)
        return g, gb


@register
def remainder(input, other, *, out=None) -> Tensor:
    """Python-style modulus: the result has the sign of ``other``."""
    return _binary(Remainder, input, other, "remainder")


class Fmod(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if ctx.next_functions[1][0] is not None:
            from .elementwise import trunc
            gb = -g * trunc(a / b)
        return g, gb


@register
def fmod(input, other, *, out=None) -> Tensor:
    """C-style modulus: the result has the sign of ``input``."""
    return _binary(Fmod, input, other, "fmod")


@register
def neg(input, *, out=None) -> Tensor:
    """``-input``."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return Neg.apply(input)


negative = register(neg, name="negative")


@register
def pow(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent`` elementwise (either may be a scalar)."""
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and \
            not isinstance(exponent, bool):
        if input._data.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if input._data.dtype.kind in "iub" and isinstance(exponent, float):
            input = cast(input, D.get_default_dtype())
        try:
            return Pow.apply(input, exponent)
        except ValueError:
            broadcast_error(input, exponent, "pow")
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor) and \
            exponent._data.dtype.kind in "iub" and isinstance(input, float):
        exponent = cast(exponent, D.get_default_dtype())
    return _binary(Pow, input, exponent, "pow")


@register
def float_power(input, exponent) -> Tensor:
    """``pow`` computed in float64."""
    a = cast(input, D.float64) if isinstance(input, Tensor) else float(input)
    b = cast(exponent, D.float64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, b)


@register(inplace=True)
def reciprocal(input) -> Tensor:
    """``1 / input``."""
    from ._common import float_input
    return div(1.0, float_input(input))


@register
def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input``."""
    return sub(other, mul(input, alpha) if alpha != 1 else input)


# ------------------------------------------------------------------------------ in-place
_UFUNC = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def _make_fast_inplace(name, fn):
    ufunc = _UFUNC[name]
    slow = make_inplace(fn, name + "_")

    def inplace(self, other, **kw):
        if not _gstate.enabled or not (self._requires_grad or
                                       getattr(other, "_requires_grad", False)):
            alpha = kw.get("alpha", 1)
            if len(kw) <= (1 if "alpha" in kw else 0):
                o = other._data if isinstance(other, Tensor) else other
                if alpha != 1:
                    o = o * alpha
                try:
                    ufunc(self._data, o, out=self._data, casting="same_kind")
                    self._bump()
                    return self
                except (TypeError, ValueError):
                    pass  # let the general path produce PyTorch's error message
        return slow(self, other, **kw)
    inplace.__name__ = name + "_"
    inplace.__doc__ = f"In-place ``{name}``."
    return inplace


for _name, _fn in (("add", add), ("sub", sub), ("mul", mul), ("div", div)):
    setattr(Tensor, _name + "_", _make_fast_inplace(_name, _fn))
Tensor.subtract_ = Tensor.sub_
Tensor.multiply_ = Tensor.mul_
Tensor.divide_ = Tensor.div_
Tensor.true_divide_ = Tensor.div_


for _name, _fn in (("pow_", pow), ("neg_", neg), ("negative_", neg),
                   ("floor_divide_", floor_divide), ("remainder_", remainder),
                   ("fmod_", fmod)):
    setattr(Tensor, _name, make_inplace(_fn, _name))


# ------------------------------------------------------------------------------ operators
def _r(fn):
    def reflected(self, other):
        return fn(other, self)
    return reflected


Tensor.__add__ = add
Tensor.__radd__ = _r(add)
Tensor.__sub__ = sub
Tensor.__rsub__ = _r(sub)
Tensor.__mul__ = mul
Tensor.__rmul__ = _r(mul)
Tensor.__truediv__ = div
Tensor.__rtruediv__ = _r(div)
Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = _r(floor_divide)
Tensor.__mod__ = remainder
Tensor.__rmod__ = _r(remainder)
Tensor.__pow__ = pow
Tensor.__rpow__ = _r(pow)
Tensor.__neg__ = neg
Tensor.__pos__ = lambda self: self
Tensor.__iadd__ = Tensor.add_
Tensor.__isub__ = Tensor.sub_
Tensor.__imul__ = Tensor.mul_
Tensor.__itruediv__ = Tensor.div_
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_
Tensor.__ipow__ = Tensor.pow_
