"""Binary and ternary elementwise math: clamp, maximum/minimum, lerp, addcmul, xlogy, atan2 …

Operands broadcast like NumPy; a clash raises RuntimeError naming both shapes and the
dimension. Dtypes follow PyTorch's promotion; float-valued functions turn integer inputs into
the default float dtype. Gradient rules at ties and boundaries follow PyTorch's.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .. import _state
from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import broadcast_error, broadcast_shapes, cast, promote, xp_of
from ._registry import METHODS, register
from .elementwise import where
from .unary import install_inplace, safe_inplace, write_out

_gstate = _state.state
_LN2 = float(np.log(2.0))


def _tensor_arg(x, op: str, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _to_float(x):
    if isinstance(x, Tensor) and x._data.dtype.kind in "biu":
        return cast(x, D.get_default_dtype())
    return x


def _prep(a, b, op: str, *, tensors: bool = False, float_out: bool = True):
    """Check/promote the two operands of a binary op."""
    if tensors:
        _tensor_arg(a, op, "input")
        _tensor_arg(b, op, "other")
    elif not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    a, b = promote(a, b, op)
    if float_out:
        a, b = _to_float(a), _to_float(b)
        if not isinstance(a, Tensor) and isinstance(b, Tensor):
            a = float(a) if not isinstance(a, complex) else a
        if not isinstance(b, Tensor) and isinstance(a, Tensor):
            b = float(b) if not isinstance(b, complex) else b
    return a, b


def _run(cls, a, b, op: str, **params):
    try:
        return cls.apply(a, b, **params)
    except ValueError:
        broadcast_error(a, b, op)


def _check_broadcast(op: str, *tensors):
    """Raise the clear RuntimeError for the first pair of ``tensors`` that cannot broadcast."""
    ts = [t for t in tensors if t is not None]
    try:
        return broadcast_shapes(*(t._data.shape for t in ts))
    except RuntimeError:
        pass
    for i, a in enumerate(ts):
        for b in ts[i + 1:]:
            try:
                broadcast_shapes(a._data.shape, b._data.shape)
            except RuntimeError:
                broadcast_error(a, b, op)
    for i, a in enumerate(ts):      # pairwise fine, jointly not: compare with the others' shape
        rest = broadcast_shapes(*(t._data.shape for t in ts[:i] + ts[i + 1:]))
        try:
            broadcast_shapes(a._data.shape, rest)
        except RuntimeError:
            broadcast_error(a, _wrap(np.broadcast_to(np.empty((), bool), rest)), op)


def _needs(ctx, i: int) -> bool:
    return ctx.next_functions[i][0] is not None


# --------------------------------------------------------------------------- log-type binaries
class Xlogy(Op):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        if hasattr(y, "shape"):
            with np.errstate(divide="ignore", invalid="ignore"):
                out = x * np.log(y)
        else:   # a Python number stays a Python float so it cannot upcast ``x``
            ly = math.log(y) if y > 0 else (-math.inf if y == 0 else math.nan)
            out = x * ly
        # 0 * log(y) is 0 even where log(y) is -inf, but NaN in y stays NaN
        zero = (np.asarray(x) == 0) if not hasattr(x, "shape") else (x == 0)
        return np.where(zero & ~np.isnan(y), out.dtype.type(0), out)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = gy = None
        if _needs(ctx, 0):
            gx = where((x == 0) & (y <= 0), 0.0, xlogy(g, y))
        if _needs(ctx, 1):
            gy = g * x / y
        return gx, gy


@register
def xlogy(input, other, *, out: Tensor | None = None) -> Tensor:
    """``input * log(other)``, defined as 0 where ``input == 0`` (unless ``other`` is NaN).
    Either argument may be a Python number; shapes broadcast."""
    a, b = _prep(input, other, "xlogy")
    return write_out(_run(Xlogy, a, b, "xlogy"), out)


class Logaddexp(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.logaddexp(a, b)

    @staticmethod
    def backward(ctx, g):
        from .activation import sigmoid
        a, b = ctx.saved_tensors
        d = a - b
        return (g * sigmoid(d) if _needs(ctx, 0) else None,
                g * sigmoid(-d) if _needs(ctx, 1) else None)


class Logaddexp2(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.logaddexp2(a, b)

    @staticmethod
    def backward(ctx, g):
        from .activation import sigmoid
        a, b = ctx.saved_tensors
        d = (a - b) * _LN2
        return (g * sigmoid(d) if _needs(ctx, 0) else None,
                g * sigmoid(-d) if _needs(ctx, 1) else None)


@register
def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """``log(exp(input) + exp(other))`` computed without overflow; shapes broadcast."""
    a, b = _prep(input, other, "logaddexp", tensors=True)
    return _run(Logaddexp, a, b, "logaddexp")


@register
def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2**input + 2**other)`` computed without overflow; shapes broadcast."""
    a, b = _prep(input, other, "logaddexp2", tensors=True)
    return _run(Logaddexp2, a, b, "logaddexp2")


# --------------------------------------------------------------------------- atan2 / hypot
class Atan2(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        d = a * a + b * b
        zero = d == 0       # atan2(0, 0): PyTorch's gradient is 0 there, not NaN
        r = where(zero, 0.0, g / where(zero, 1.0, d))
        return (r * b if _needs(ctx, 0) else None, -r * a if _needs(ctx, 1) else None)


class Hypot(Op):
    @staticmethod
    def forward(ctx, a, b):
        y = np.hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        r = g / y
        return (r * a if _needs(ctx, 0) else None, r * b if _needs(ctx, 1) else None)


@register(aliases=("arctan2",))
def atan2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant."""
    a, b = _prep(input, other, "atan2", tensors=True)
    return write_out(_run(Atan2, a, b, "atan2"), out)



@register
def hypot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``sqrt(input**2 + other**2)`` without intermediate overflow; shapes broadcast."""
    a, b = _prep(input, other, "hypot", tensors=True)
    return write_out(_run(Hypot, a, b, "hypot"), out)


# --------------------------------------------------------------------------- max / min
class Maximum(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        # ties split the gradient evenly; NaN positions pass it to both (PyTorch's rule)
        a, b = ctx.saved_tensors
        half = where(a == b, g * 0.5, g)
        return (where(a < b, 0.0, half) if _needs(ctx, 0) else None,
                where(a > b, 0.0, half) if _needs(ctx, 1) else None)


class Minimum(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        half = where(a == b, g * 0.5, g)
        return (where(a > b, 0.0, half) if _needs(ctx, 0) else None,
                where(a < b, 0.0, half) if _needs(ctx, 1) else None)


class Fmax(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmax(a, b)

    @staticmethod
    def backward(ctx, g):
        # no tie splitting: ``input`` wins ties and wherever ``other`` is NaN
        a, b = ctx.saved_tensors
        pick_a = (a >= b) | (b != b)
        return (where(pick_a, g, 0.0) if _needs(ctx, 0) else None,
                where(pick_a, 0.0, g) if _needs(ctx, 1) else None)


class Fmin(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmin(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        pick_a = (a <= b) | (b != b)
        return (where(pick_a, g, 0.0) if _needs(ctx, 0) else None,
                where(pick_a, 0.0, g) if _needs(ctx, 1) else None)


def _minmax(cls, name, doc):
    def fn(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        a, b = _prep(input, other, name, tensors=True, float_out=False)
        return write_out(_run(cls, a, b, name), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Both arguments must be tensors; shapes broadcast."
    return register(fn, name=name)


maximum = _minmax(Maximum, "maximum", "Elementwise maximum; NaN propagates.")
minimum = _minmax(Minimum, "minimum", "Elementwise minimum; NaN propagates.")
fmax = _minmax(Fmax, "fmax", "Elementwise maximum ignoring NaN (NaN only if both are NaN).")
fmin = _minmax(Fmin, "fmin", "Elementwise minimum ignoring NaN (NaN only if both are NaN).")


# --------------------------------------------------------------------------- clamp
class _ClampScalar(Op):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        if lo is not None and hi is not None:
            return np.minimum(np.maximum(x, lo), hi)
        return np.maximum(x, lo) if lo is not None else np.minimum(x, hi)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        lo, hi = ctx.lo, ctx.hi
        if lo is not None and hi is not None:
            mask = (x >= lo) & (x <= hi)
        else:
            mask = x >= lo if lo is not None else x <= hi
        return where(mask, g, 0.0)


class Clamp(Op):        # tensor bounds (ClampBackward0)
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        y = x
        if lo is not None:
            y = np.maximum(y, lo)
        if hi is not None:
            y = np.minimum(y, hi)
        return y

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        gx = glo = ghi = None
        if _needs(ctx, 0):
            if lo is not None and hi is not None:
                mask = (x >= lo) & (x <= hi)
            else:
                mask = x >= lo if lo is not None else x <= hi
            gx = where(mask, g, 0.0)
        if lo is not None and _needs(ctx, 1):
            m = x < lo
            if hi is not None:
                m = m & (lo < hi)
            glo = where(m, g, 0.0)
        if hi is not None and _needs(ctx, 2):
            m = x > hi
            if lo is not None:
                m = m | (hi < lo)
            ghi = where(m, g, 0.0)
        return gx, glo, ghi


_ClampScalar.name = classmethod(lambda cls: "ClampBackward1")


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating))


@register(aliases=("clip",))
def clamp(input: Tensor, min=None, max=None, *, out: Tensor | None = None) -> Tensor:
    """Limit every element to ``[min, max]``; bounds are numbers or broadcastable tensors and
    either may be None. With ``min > max`` every element becomes ``max`` (like PyTorch).
    Gradient flows to ``input`` where ``min <= input <= max``."""
    if min is None and max is None:
        raise RuntimeError("clamp(): at least one of 'min' or 'max' must not be None")
    if isinstance(min, np.generic):
        min = min.item()
    if isinstance(max, np.generic):
        max = max.item()
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        for v, n in ((min, "min"), (max, "max")):
            if v is not None and not _is_number(v):
                raise TypeError(f"clamp(): argument '{n}' must be a number or Tensor, not "
                                f"{type(v).__name__}")
        r = D.result_type(input, *(v for v in (min, max) if v is not None))
        x = cast(input, r)
        return write_out(_ClampScalar.apply(x, lo=min, hi=max), out)
    bounds = [v if v is None or isinstance(v, Tensor) else _wrap(xp_of(input._data).asarray(v))
              for v in (min, max)]
    r = D.result_type(input, *(v for v in bounds if v is not None))
    x = cast(input, r)
    lo, hi = (None if v is None else cast(v, r) for v in bounds)
    _check_broadcast("clamp", x, lo, hi)
    return write_out(Clamp.apply(x, lo, hi), out)


@register
def clamp_min(input: Tensor, min) -> Tensor:
    """``clamp(input, min=min)``."""
    return clamp(input, min=min)


@register
def clamp_max(input: Tensor, max) -> Tensor:
    """``clamp(input, max=max)``."""
    return clamp(input, max=max)


def _fast_clamp_(self: Tensor, min=None, max=None) -> Tensor:
    """In-place clamp; writes straight into ``self`` when no graph is recorded."""
    if (not _gstate.enabled or not self._requires_grad) and not isinstance(min, Tensor) \
            and not isinstance(max, Tensor) and (min is not None or max is not None) \
            and self._data.dtype.kind == "f" and all(
                v is None or _is_number(v) for v in (min, max)):
        d = self._data
        if min is not None:
            np.maximum(d, min, out=d)
        if max is not None:
            np.minimum(d, max, out=d)
        self._bump()
        return self
    return _slow_clamp_(self, min, max)


_slow_clamp_ = safe_inplace(clamp, "clamp_")


Tensor.clamp_ = Tensor.clip_ = _fast_clamp_
METHODS["clamp_"] = METHODS["clip_"] = _fast_clamp_


# --------------------------------------------------------------------------- lerp, addc*
class Lerp(Op):
    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        d = b - a
        if not hasattr(w, "shape"):
            # the two forms are exact at their own end, like PyTorch's kernel
            return a + w * d if abs(w) < 0.5 else b - d * (1 - w)
        return np.where(np.abs(w) < 0.5, a + w * d, b - d * (1 - w))

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        return (g * (1 - w) if _needs(ctx, 0) else None,
                g * w if _needs(ctx, 1) else None,
                g * (b - a) if _needs(ctx, 2) else None)


@register
def lerp(input: Tensor, end: Tensor, weight, *, out: Tensor | None = None) -> Tensor:
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor. ``input``,
    ``end`` (and a tensor ``weight``) must share a dtype; shapes broadcast."""
    _tensor_arg(input, "lerp", "input")
    _tensor_arg(end, "lerp", "end")
    if input.dtype is not end.dtype:
        raise RuntimeError(f"lerp(): expected dtype {input.dtype} for `end` but got dtype "
                           f"{end.dtype}")
    if isinstance(weight, Tensor):
        if weight.dtype is not input.dtype:
            raise RuntimeError(f"lerp(): expected dtype {input.dtype} for `weight` but got "
                               f"dtype {weight.dtype}")
        _check_broadcast("lerp", input, end, weight)
    else:
        _check_broadcast("lerp", input, end)
    return write_out(Lerp.apply(input, end, weight), out)


class Addcmul(Op):
    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        p = t1 * t2
        if value != 1:
            p = p * value
        return x + p

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        gv = g * ctx.value if ctx.value != 1 else g
        return (g, gv * t2 if _needs(ctx, 1) else None, gv * t1 if _needs(ctx, 2) else None)


class Addcdiv(Op):
    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        q = t1 / t2
        if value != 1:
            q = q * value
        return x + q

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        gv = g * ctx.value if ctx.value != 1 else g
        g1 = gv / t2 if _needs(ctx, 1) or _needs(ctx, 2) else None
        return (g, g1 if _needs(ctx, 1) else None,
                -g1 * t1 / t2 if _needs(ctx, 2) else None)


def _addc(cls, op, input, tensor1, tensor2, value):
    for t, n in ((input, "input"), (tensor1, "tensor1"), (tensor2, "tensor2")):
        _tensor_arg(t, op, n)
    r = D.result_type(input, tensor1, tensor2)
    if op == "addcdiv" and r._category <= D._INT:
        raise RuntimeError(
            "addcdiv(): integer division is not supported (inputs are "
            f"{input.dtype}, {tensor1.dtype}, {tensor2.dtype}); use (input + value * "
            "torch.trunc(tensor1 / tensor2)).to(input.dtype) for the historic behaviour")
    x, t1, t2 = cast(input, r), cast(tensor1, r), cast(tensor2, r)
    _check_broadcast(op, x, t1, t2)
    return cls.apply(x, t1, t2, value=value)


@register
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1,
            out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 * tensor2`` (all three broadcast)."""
    return write_out(_addc(Addcmul, "addcmul", input, tensor1, tensor2, value), out)


@register
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1,
            out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 / tensor2`` (all three broadcast; float dtypes only)."""
    return write_out(_addc(Addcdiv, "addcdiv", input, tensor1, tensor2, value), out)


def _make_fast_addc_(name, fn, ufunc):
    def inplace(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
        # optimisers call these under no_grad on same-dtype tensors: compute in place
        if (not _gstate.enabled or not (self._requires_grad or tensor1._requires_grad
                                        or tensor2._requires_grad)) \
                and isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) \
                and self._data.dtype.kind == "f" \
                and self._data.dtype == tensor1._data.dtype == tensor2._data.dtype:
            try:
                shape = np.broadcast_shapes(self._data.shape, tensor1._data.shape,
                                            tensor2._data.shape)
            except ValueError:
                shape = None
            if shape == self._data.shape:
                t = ufunc(tensor1._data, tensor2._data)
                if value != 1:
                    t *= value
                self._data += t
                self._bump()
                return self
        return slow(self, tensor1, tensor2, value=value)
    slow = safe_inplace(fn, name)
    inplace.__name__ = name
    inplace.__doc__ = f"In-place :func:`{name[:-1]}`."
    return inplace


Tensor.addcmul_ = METHODS["addcmul_"] = _make_fast_addc_("addcmul_", addcmul, np.multiply)
Tensor.addcdiv_ = METHODS["addcdiv_"] = _make_fast_addc_("addcdiv_", addcdiv, np.true_divide)


# --------------------------------------------------------------------------- sign-ish binaries
class Copysign(Op):
    @staticmethod
    def forward(ctx, a, b):
        y = np.copysign(a, b)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, y = ctx.saved_tensors
        ga = None
        if _needs(ctx, 0):
            zero = a == 0
            ga = g * where(zero, 0.0, y / where(zero, 1.0, a))
        return ga, (g * 0 if _needs(ctx, 1) else None)


@register
def copysign(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
    """Magnitude of ``input`` with the sign of ``other`` (a tensor or number); float result."""
    a, b = _prep(_tensor_arg(input, "copysign", "input"), other, "copysign")
    return write_out(_run(Copysign, a, b, "copysign"), out)


@register
def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Step function: 0 where ``input < 0``, ``values`` where ``input == 0``, 1 where
    ``input > 0``. Both must be tensors of one dtype. Not differentiable."""
    _tensor_arg(input, "heaviside", "input")
    _tensor_arg(values, "heaviside", "values")
    if input.dtype is not values.dtype:
        raise RuntimeError(f"heaviside(): input ({input.dtype}) and values ({values.dtype}) "
                           "must have the same dtype")
    x, v = input._data, values._data
    try:
        y = np.where(x == 0, v, (x > 0).astype(x.dtype))
    except ValueError:
        broadcast_error(input, values, "heaviside")
    return write_out(_wrap(y.astype(x.dtype, copy=False)), out)


# --------------------------------------------------------------------------- closeness
@register
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Bool tensor: ``|input - other| <= atol + rtol * |other|`` (exact equality, including
    equal infinities, always counts). Both tensors must share a dtype; shapes broadcast."""
    _tensor_arg(input, "isclose", "input")
    _tensor_arg(other, "isclose", "other")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"isclose(): input ({input.dtype}) and other ({other.dtype}) must "
                           "have the same dtype")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose(): rtol and atol must be non-negative, got rtol={rtol}, "
                           f"atol={atol}")
    a, b = input._data, other._data
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        broadcast_error(input, other, "isclose")
    if a.dtype.kind in "biu":
        return _wrap(a == b) if rtol == 0 and atol == 0 else _wrap(
            xp_of(a).isclose(a, b, rtol=rtol, atol=atol))
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(a - b) <= atol + rtol * np.abs(b)
    # an infinity is close only to itself (``a == b`` below), never within a tolerance
    close &= np.isfinite(a) & np.isfinite(b)
    r = (a == b) | close
    if equal_nan:
        r |= np.isnan(a) & np.isnan(b)
    return _wrap(r)


@register
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether :func:`isclose` holds for every element (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@register
def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and equal elements (a Python bool)."""
    _tensor_arg(input, "equal", "input")
    _tensor_arg(other, "equal", "other")
    if input._data.shape != other._data.shape:
        return False
    return bool((input._data == other._data).all())

for _f, _names in ((xlogy, ("xlogy_",)), (atan2, ("atan2_", "arctan2_")), (hypot, ("hypot_",)),
                   (lerp, ("lerp_",)), (copysign, ("copysign_",)), (heaviside, ("heaviside_",)),
                   (clamp_min, ("clamp_min_",)), (clamp_max, ("clamp_max_",))):
    for _n in _names:
        install_inplace(_f, _n)
