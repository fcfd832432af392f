"""Helpers shared by op definitions: operand promotion, dims, broadcasting errors."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .. import backend
from .._tensor import Tensor, _wrap

_FROM_NP = D._FROM_NP
_INT_CATEGORY = D._INT

xp_of = backend.array_module


def to_tensor_like(x, ref: Tensor) -> Tensor:
    """Turn a Python scalar / array into a Tensor on ``ref``'s device."""
    if isinstance(x, Tensor):
        return x
    xp = xp_of(ref._data)
    return _wrap(xp.asarray(x))


def cast(t: Tensor, dt: D.dtype) -> Tensor:
    """Differentiable dtype conversion (returns ``t`` when already ``dt``)."""
    if t._data.dtype == dt.np:
        return t
    from .conversion import Cast
    return Cast.apply(t, dt=dt)


def check_same_device(a: Tensor, b: Tensor, op: str):
    if type(a._data) is not type(b._data) or a.device != b.device:
        if a._data.ndim == 0 and a.is_cpu or b._data.ndim == 0 and b.is_cpu:
            return
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but found at least two devices, "
            f"{a.device} and {b.device}! (in {op})")


def promote(a, b, op: str = "op"):
    """Cast ``a``/``b`` (Tensors or Python scalars) to PyTorch's common dtype.

    Python scalars stay scalars when NumPy would already give the right dtype.
    """
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        if a._data.dtype == b._data.dtype:
            if type(a._data) is not type(b._data):
                check_same_device(a, b, op)
            return a, b
        check_same_device(a, b, op)
        r = D.result_type(a, b)
        return cast(a, r), cast(b, r)
    t, s = (a, b) if ta else (b, a)
    st = type(s)
    if st is float:  # fast paths: a Python scalar of a category the tensor already has
        if t._data.dtype.kind in "fc":
            return a, b
    elif st is int:
        kind = t._data.dtype.kind
        if kind in "fc":
            return a, b
        if kind in "iu":
            info = np.iinfo(t._data.dtype)
            if info.min <= s <= info.max:
                return a, b
            s = np.asarray(s).astype(t._data.dtype)  # wraps like PyTorch's integer casts
            return (t, s) if ta else (s, t)
    if not isinstance(s, (int, float, bool, complex)):
        if isinstance(s, np.ndarray) or isinstance(s, np.generic):
            s = _wrap(np.asarray(s))
            return promote(a if ta else s, s if ta else b, op)
        raise TypeError(f"{op}(): unsupported operand type {type(s).__name__}")
    r = D.result_type(t, s)
    if r is not t.dtype:
        t = cast(t, r)
    if r is D.bfloat16:  # ml_dtypes computes bf16 with a Python float in float32
        s = np.asarray(s, dtype=r.np)
    return (t, s) if ta else (s, t)


def broadcast_error(a, b, op: str):
    sa = list(a.shape) if isinstance(a, Tensor) else []
    sb = list(b.shape) if isinstance(b, Tensor) else []
    ra, rb = sa[::-1], sb[::-1]
    for i in range(min(len(ra), len(rb))):
        if ra[i] != rb[i] and ra[i] != 1 and rb[i] != 1:
            dim = max(len(sa), len(sb)) - 1 - i
            raise RuntimeError(
                f"{op}: the size of tensor a ({ra[i]}) must match the size of tensor b ({rb[i]}) "
                f"at non-singleton dimension {dim} (shapes {sa} and {sb} cannot broadcast)")
    raise RuntimeError(f"{op}: shapes {sa} and {sb} cannot broadcast")


def broadcast_shapes(*shapes) -> tuple:
    """The broadcast of several shapes (raises RuntimeError naming the clash)."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s):
            j = ndim - len(s) + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                raise RuntimeError(
                    f"shape mismatch: shapes {[list(x) for x in shapes]} cannot be broadcast "
                    f"(size {out[j]} vs {n} at dimension {j})")
    return tuple(out)


def wrap_dim(dim: int, ndim: int) -> int:
    """Normalise a possibly negative dim; IndexError names the valid range."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not lo <= dim <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return int(dim) % ndim if ndim else 0


def wrap_dims(dim, ndim: int) -> tuple:
    """Normalise ``dim`` (None, int, or sequence) to a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (wrap_dim(dim, ndim),)
    dims = tuple(wrap_dim(d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {list(dim)} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if dims else tuple(range(ndim))


def float_input(x: Tensor) -> Tensor:
    """Integer/bool inputs to float-valued ops become the default float dtype."""
    if x._data.dtype.kind in "biu":
        return cast(x, D.get_default_dtype())
    return x


def as_tensor_arg(x, name: str = "input") -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool, complex, np.ndarray, np.generic, list, tuple)):
        from .._creation import tensor
        return tensor(x)
    raise TypeError(f"{name} must be a Tensor, got {type(x).__name__}")
