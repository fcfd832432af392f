"""Ember dtypes and PyTorch's type-promotion rules.

A :class:`dtype` wraps a NumPy dtype. Promotion follows PyTorch, not NumPy: Python scalars
never upcast a tensor of the same category, zero-dim tensors only win when their category is
higher, and integer inputs to float-producing ops give the *default* float dtype.
"""
from __future__ import annotations

import numpy as np

try:  # bfloat16 is optional: NumPy has no native one.
    import ml_dtypes as _ml_dtypes
    _BF16 = np.dtype(_ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    _ml_dtypes = None
    _BF16 = None

# category ranks: bool < integer < floating < complex
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, e.g. ``ember.float32``."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_category")

    def __init__(self, name: str, np_dtype, category: int, is_signed: bool):
        self.name = name
        self.np = np_dtype
        self.itemsize = np_dtype.itemsize if np_dtype is not None else 2
        self._category = category
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = is_signed

    def __repr__(self) -> str:
        return "ember." + self.name

    def to_complex(self) -> "dtype":
        return complex128 if self is float64 else complex64

    def to_real(self) -> "dtype":
        return float64 if self is complex128 else float32 if self is complex64 else self

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


def _dtype_by_name(name: str) -> "dtype":
    return _BY_NAME[name]


float16 = dtype("float16", np.dtype(np.float16), _FLOAT, True)
bfloat16 = dtype("bfloat16", _BF16, _FLOAT, True)
float32 = dtype("float32", np.dtype(np.float32), _FLOAT, True)
float64 = dtype("float64", np.dtype(np.float64), _FLOAT, True)
complex64 = dtype("complex64", np.dtype(np.complex64), _COMPLEX, True)
complex128 = dtype("complex128", np.dtype(np.complex128), _COMPLEX, True)
int8 = dtype("int8", np.dtype(np.int8), _INT, True)
int16 = dtype("int16", np.dtype(np.int16), _INT, True)
int32 = dtype("int32", np.dtype(np.int32), _INT, True)
int64 = dtype("int64", np.dtype(np.int64), _INT, True)
uint8 = dtype("uint8", np.dtype(np.uint8), _INT, False)
bool_ = dtype("bool", np.dtype(np.bool_), _BOOL, False)

# PyTorch's aliases
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

ALL = (float16, bfloat16, float32, float64, complex64, complex128,
       int8, int16, int32, int64, uint8, bool_)
_BY_NAME = {d.name: d for d in ALL}
_FROM_NP = {d.np: d for d in ALL if d.np is not None}

_default_float = [float32]


def get_default_dtype() -> dtype:
    """The dtype of float tensors created without an explicit dtype (float32 at start)."""
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default float dtype; only float32 and float64 (and float16/bfloat16) are allowed."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    """Map a NumPy dtype to the Ember dtype; raises TypeError for unsupported ones."""
    d = _FROM_NP.get(np_dtype)
    if d is None:
        d = _FROM_NP.get(np.dtype(np_dtype))
        if d is None:
            raise TypeError(
                f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types "
                "are: float64, float32, float16, bfloat16, complex64, complex128, int64, int32, "
                "int16, int8, uint8, and bool.")
    return d


def to_dtype(obj) -> dtype:
    """Accept an Ember dtype, a NumPy dtype, a Python type, or a dtype name."""
    if isinstance(obj, dtype):
        return obj
    if obj is builtins_float:
        return get_default_dtype()
    if obj is builtins_int:
        return int64
    if obj is builtins_bool:
        return bool_
    if obj is builtins_complex:
        return complex64
    if isinstance(obj, str):
        if obj in _BY_NAME:
            return _BY_NAME[obj]
        name = obj.replace("torch.", "").replace("ember.", "")
        alias = {"float": float32, "double": float64, "half": float16, "long": int64,
                 "int": int32, "short": int16, "bool": bool_, "cfloat": complex64}
        if name in _BY_NAME:
            return _BY_NAME[name]
        if name in alias:
            return alias[name]
    try:
        return from_numpy_dtype(np.dtype(obj))
    except (TypeError, ValueError):
        raise TypeError(f"{obj!r} is not a dtype") from None


import builtins as _builtins  # noqa: E402

builtins_float, builtins_int, builtins_bool, builtins_complex = (
    _builtins.float, _builtins.int, _builtins.bool, _builtins.complex)


def _category_of_scalar(x) -> int:
    if isinstance(x, _builtins.bool):
        return _BOOL
    if isinstance(x, _builtins.int):
        return _INT
    if isinstance(x, _builtins.float):
        return _FLOAT
    return _COMPLEX


_PROMOTE_CACHE: dict = {}


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to (``torch.promote_types``)."""
    if a is b:
        return a
    key = (a, b)
    r = _PROMOTE_CACHE.get(key)
    if r is None:
        if a._category != b._category:
            # PyTorch: the higher category wins outright (int64 + float16 -> float16), except
            # that a complex type widens to hold a float64 (complex64 + float64 -> complex128).
            hi, lo = (a, b) if a._category > b._category else (b, a)
            r = complex128 if hi is complex64 and lo is float64 else hi
        elif {a, b} == {float16, bfloat16}:
            r = float32
        elif a is bfloat16 or b is bfloat16:
            r = b if a is bfloat16 else a
        else:
            r = _FROM_NP[np.promote_types(a.np, b.np)]
        _PROMOTE_CACHE[key] = r
    return r


def default_for_category(cat: int) -> dtype:
    if cat == _BOOL:
        return bool_
    if cat == _INT:
        return int64
    if cat == _FLOAT:
        return get_default_dtype()
    return get_default_dtype().to_complex()


def result_type(*operands) -> dtype:
    """PyTorch's result type for Tensors and Python scalars (``torch.result_type``)."""
    dim_r = zero_r = scalar_cat = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dim_r = d if dim_r is None else promote_types(dim_r, d)
            else:
                zero_r = d if zero_r is None else promote_types(zero_r, d)
        else:
            c = _category_of_scalar(x)
            scalar_cat = c if scalar_cat is None else max(scalar_cat, c)
    r = dim_r
    if zero_r is not None:
        if r is None:
            r = zero_r
        elif zero_r._category > r._category:
            r = zero_r if r._category != _COMPLEX else r
    if scalar_cat is not None:
        if r is None:
            r = default_for_category(scalar_cat)
        elif scalar_cat > r._category:
            if scalar_cat == _COMPLEX and r._category == _FLOAT:
                r = r.to_complex() if r in (float32, float64) else complex64
            else:
                r = default_for_category(scalar_cat)
    return r


def is_floating_point_dtype(d: dtype) -> bool:
    return d._category == _FLOAT


def can_cast(src: dtype, dst: dtype) -> bool:
    """Whether an in-place result of ``src`` may be written into ``dst`` (PyTorch's rule)."""
    return src._category <= dst._category


class iinfo:
    """Machine limits of an integer dtype (``torch.iinfo``)."""

    def __init__(self, d):
        d = to_dtype(d)
        if d._category != _INT:
            raise TypeError(f"iinfo needs an integer dtype, got {d}")
        i = np.iinfo(d.np)
        self.dtype = d.name
        self.bits = i.bits
        self.min = _builtins.int(i.min)
        self.max = _builtins.int(i.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


class finfo:
    """Machine limits of a float dtype (``torch.finfo``)."""

    def __init__(self, d: dtype | None = None):
        d = get_default_dtype() if d is None else to_dtype(d)
        if d._category == _COMPLEX:
            d = d.to_real()
        if d._category != _FLOAT:
            raise TypeError(f"finfo needs a floating point dtype, got {d}")
        # NumPy's finfo does not know ml_dtypes' bfloat16; ml_dtypes ships its own
        f = _ml_dtypes.finfo(d.np) if d is bfloat16 and _ml_dtypes is not None else np.finfo(d.np)
        f_ = _builtins.float  # this module rebinds ``float`` to the dtype, as PyTorch does
        self.dtype = d.name
        self.bits = f.bits
        self.eps = f_(f.eps)
        self.max = f_(f.max)
        self.min = f_(f.min)
        self.tiny = self.smallest_normal = f_(f.tiny)
        self.resolution = 10.0 ** -f.precision  # exact, not rounded to the dtype

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")
