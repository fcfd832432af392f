"""Tensor creation: from data, filled, ranges, and random sampling."""
from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from . import _dtype as D
from . import backend
from ._device import as_device
from ._random import _gen
from ._tensor import Tensor, _wrap


def _shape_arg(size) -> tuple:
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = size[0]
    if isinstance(size, Tensor):
        size = size.tolist()
    shape = tuple(size)
    for s in shape:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"size must be a sequence of ints, got {shape!r}")
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return tuple(int(s) for s in shape)


def _finish(arr, dtype, device, requires_grad) -> Tensor:
    dev = as_device(device)
    if dev.type != "cpu":
        arr = backend.to_device(arr, dev)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype) -> D.dtype:
    return D.get_default_dtype() if dtype is None else D.to_dtype(dtype)


def _ragged_error(data, depth=0):
    """Walk a nested sequence and raise PyTorch's ValueError at the first ragged level."""
    if not isinstance(data, (list, tuple)):
        return
    seq = (list, tuple, np.ndarray)
    lengths = [len(x) if isinstance(x, seq) else None for x in data]
    if lengths and any(n != lengths[0] for n in lengths):
        first = lengths[0]
        bad = next(n for n in lengths if n != first)
        if first is None or bad is None:
            raise ValueError(
                f"mixed numbers and sequences at dim {depth + 1}: element 0 is "
                f"{'a number' if first is None else f'a sequence of length {first}'} but another "
                f"is {'a number' if bad is None else f'a sequence of length {bad}'}; a nested "
                "list must be rectangular to become a tensor")
        raise ValueError(
            f"expected sequence of length {first} at dim {depth + 1} (got {bad}): "
            "a nested list must be rectangular to become a tensor")
    for x in data:
        _ragged_error(x, depth + 1)


def _to_array(data):
    """Convert Python/NumPy/Tensor data to an array and its inferred Ember dtype."""
    if isinstance(data, Tensor):
        return backend.to_numpy(data._data) if data.is_cpu else data._data, data.dtype
    if isinstance(data, np.ndarray):
        if data.dtype == object:
            raise TypeError(
                "can't convert np.ndarray of type numpy.object_. The only supported types are: "
                "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
                "uint8, and bool.")
        return data, D.from_numpy_dtype(data.dtype)
    if isinstance(data, np.generic):
        return np.asarray(data), D.from_numpy_dtype(data.dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat_head(data)):
        data = _tensors_to_lists(data)
    if isinstance(data, (list, tuple)):
        try:
            arr = np.array(data)
        except ValueError:
            _ragged_error(data)
            raise
        if arr.dtype == object:
            _ragged_error(data)
            raise TypeError(f"can't build a tensor from elements of type "
                            f"{type(_first_leaf(data)).__name__}")
        if arr.dtype.kind == "U" or arr.dtype.kind == "S":
            raise TypeError(f"new(): invalid data type '{type(_first_leaf(data)).__name__}'")
    elif isinstance(data, (bool, numbers.Number)):
        arr = np.array(data)
    elif hasattr(data, "__array__") or hasattr(data, "__array_interface__"):
        arr = np.asarray(data)
        return arr, D.from_numpy_dtype(arr.dtype)
    else:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if isinstance(data, (list, tuple)):
        types = _leaf_types(data)
        if not types <= _PY_SCALARS:  # NumPy scalars/arrays inside: their dtypes count
            return arr, _promote_leaf_types(types)
    k = arr.dtype.kind
    if k == "f":
        return arr, D.get_default_dtype()
    if k == "c":
        return arr, D.get_default_dtype().to_complex()
    if k in "iu":
        return arr, D.int64
    return arr, D.from_numpy_dtype(arr.dtype)


_PY_SCALARS = {bool, int, float, complex}


def _leaf_types(data) -> set:
    """The set of element types of a nested list (``map(type, …)`` keeps this fast)."""
    types = set(map(type, data))
    if list in types or tuple in types:
        types -= {list, tuple}
        for x in data:
            if isinstance(x, (list, tuple)):
                types |= _leaf_types(x)
    if np.ndarray in types:  # rare: arrays inside a list count with their element dtype
        types.discard(np.ndarray)
        types |= {x.dtype.type for x in data if isinstance(x, np.ndarray)}
    return types


def _promote_leaf_types(types) -> D.dtype:
    """PyTorch's inference for mixed sequences: Python numbers give their default dtype,
    NumPy scalars their own; all are combined with ``promote_types``."""
    out = None
    for t in types:
        if t is bool:
            d = D.bool_
        elif t is int:
            d = D.int64
        elif t is float:
            d = D.get_default_dtype()
        elif t is complex:
            d = D.get_default_dtype().to_complex()
        elif issubclass(t, np.generic):
            d = D.from_numpy_dtype(np.dtype(t))
        else:  # nested arrays: not a dtype source we can read from the type alone
            continue
        out = d if out is None else D.promote_types(out, d)
    return out if out is not None else D.get_default_dtype()


def _flat_head(data):
    while isinstance(data, (list, tuple)) and data:
        yield data[0]
        data = data[0]


def _first_leaf(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor that copies ``data`` (nested lists, numbers, arrays or tensors)."""
    arr, inferred = _to_array(data)
    dt = inferred if dtype is None else D.to_dtype(dtype)
    arr = np.array(arr, dtype=dt.np, copy=True) if type(arr) is np.ndarray else arr.astype(dt.np)
    if device is None and isinstance(data, Tensor):
        device = data.device
    return _finish(arr, dt, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array / tensor when it can."""
    if isinstance(data, Tensor):
        t = data
        if dtype is not None and D.to_dtype(dtype) is not t.dtype:
            t = t.to(D.to_dtype(dtype))
        if device is not None and as_device(device) != t.device:
            t = t.to(device)
        return t
    if isinstance(data, np.ndarray) and dtype is None and device is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``arr`` (writes to either are seen by both)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    D.from_numpy_dtype(arr.dtype) if arr.dtype != object else _to_array(arr)
    return _wrap(arr)


def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with any DLPack-capable array or tensor."""
    if isinstance(ext, Tensor):
        return ext
    if hasattr(ext, "__dlpack_device__") and ext.__dlpack_device__()[0] == 2:
        import cupy
        return _wrap(cupy.from_dlpack(ext))
    return _wrap(np.from_dlpack(ext))


def _filled(fill, size, dtype, device, requires_grad, default=None):
    shape = _shape_arg(size)
    dt = (default or D.get_default_dtype()) if dtype is None else D.to_dtype(dtype)
    xp = backend.module_for_device(as_device(device))
    if fill is None:
        arr = xp.empty(shape, dtype=dt.np)
    elif fill == 0:
        arr = xp.zeros(shape, dtype=dt.np)
    else:
        arr = xp.full(shape, fill, dtype=dt.np)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of zeros of shape ``size``."""
    return _filled(0, size, dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ones of shape ``size``."""
    return _filled(1, size, dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None) -> Tensor:
    """An uninitialised tensor of shape ``size``."""
    return _filled(None, size, dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = (D.bool_ if isinstance(fill_value, bool) else
               D.int64 if isinstance(fill_value, (int, np.integer)) else
               D.get_default_dtype().to_complex() if isinstance(fill_value, complex) else None)
    if dtype is not None:
        _check_fill_fits(fill_value, D.to_dtype(dtype))
        if isinstance(fill_value, int) and fill_value < 0 and D.to_dtype(dtype) is D.uint8:
            fill_value %= 256
    return _filled(fill_value, (size,), dtype, device, requires_grad, default)


def _check_fill_fits(value, dt: D.dtype) -> None:
    """PyTorch refuses fill values the dtype cannot hold (instead of wrapping silently)."""
    if isinstance(value, complex) and not dt.is_complex:
        raise RuntimeError(f"value {value} cannot be converted to type {dt} without overflow "
                           "(a complex fill value needs a complex dtype)")
    if isinstance(value, int) and not isinstance(value, bool) and dt.np is not None and \
            dt.np.kind in "iu":
        info = np.iinfo(dt.np)
        lo = -info.max if info.min == 0 else info.min  # unsigned: negatives wrap, like PyTorch
        if not lo <= value <= info.max:
            raise RuntimeError(f"value {value} cannot be converted to type {dt} without "
                               f"overflow (range [{info.min}, {info.max}])")


def _like(fill, input, dtype, device, requires_grad):
    dt = input.dtype if dtype is None else D.to_dtype(dtype)
    if fill is not None and fill != 0:
        _check_fill_fits(fill.item() if isinstance(fill, Tensor) else fill, dt)
    dev = input.device if device is None else device
    return _filled(fill, (input.shape,), dt, dev, requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    return _like(0, input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    return _like(1, input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    return _like(None, input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    return _like(fill_value, input, dtype, device, requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) in steps of ``step``."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound {end} and lower bound {start} inconsistent with step sign "
            f"{step}")
    is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dt = (D.int64 if is_int else D.get_default_dtype()) if dtype is None else D.to_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    arr = (start + np.arange(n, dtype=np.float64) * step) if not is_int else \
        np.arange(start, end, step, dtype=np.int64)
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated inclusive range (``torch.range``): ``end`` is included."""
    if end is None:
        start, end = 0, start
    dt = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    n = int(math.floor((end - start) / step)) + 1
    arr = start + np.arange(n, dtype=np.float64) * step
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dt = _float_dtype(dtype)
    arr = np.linspace(_num(start), _num(end), steps, dtype=np.float64)
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None,
             device=None, requires_grad=False) -> Tensor:
    """``steps`` values from ``base**start`` to ``base**end`` spaced evenly in log scale."""
    dt = _float_dtype(dtype)
    arr = np.power(base, np.linspace(_num(start), _num(end), steps, dtype=np.float64))
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad=False) -> Tensor:
    """An ``n × m`` identity matrix."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    dt = _float_dtype(dtype)
    return _finish(np.eye(n, m, dtype=dt.np), dt, device, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _float_dtype(dtype)
    return _finish(np.array(s, dtype=dt.np), dt, device, requires_grad)


# ------------------------------------------------------------------------------- random
def _sample(arr, dt, device, requires_grad):
    return _finish(np.asarray(arr).astype(dt.np, copy=False), dt, device, requires_grad)


def _rand_dtype(dt):
    return dt.np if dt.np in (np.float32, np.float64) else np.float32


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False) -> Tensor:
    """Uniform samples on [0, 1)."""
    dt = _float_dtype(dtype)
    arr = _gen(generator).random(_shape_arg(size), dtype=_rand_dtype(dt))
    return _sample(arr, dt, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False) -> Tensor:
    """Standard normal samples."""
    dt = _float_dtype(dtype)
    arr = _gen(generator).standard_normal(_shape_arg(size), dtype=_rand_dtype(dt))
    return _sample(arr, dt, device, requires_grad)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high)."""
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    dt = D.int64 if dtype is None else D.to_dtype(dtype)
    arr = _gen(generator).integers(low, high, size=_shape_arg((size,)), dtype=np.int64)
    return _sample(arr, dt, device, requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None) -> Tensor:
    return randint(low, high, input.shape, dtype=dtype or input.dtype,
                   device=device or input.device)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """A random permutation of ``0 … n-1``."""
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = D.int64 if dtype is None else D.to_dtype(dtype)
    return _sample(_gen(generator).permutation(n), dt, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False) -> Tensor:
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or floats with ``size``."""
    g = _gen(generator)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if isinstance(s, np.ndarray) and (s < 0).any() or not isinstance(s, np.ndarray) and s < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {s}")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        ref = mean if isinstance(mean, Tensor) else std
        dt = ref.dtype if ref.dtype.is_floating_point else D.get_default_dtype()
    else:
        shape = _shape_arg((size,)) if size is not None else ()
        dt = _float_dtype(dtype)
    arr = g.standard_normal(shape, dtype=_rand_dtype(dt)) * s + m
    return _sample(arr, dt, device, requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples with probabilities ``input`` (or scalar ``p``)."""
    probs = input._data if p is None else np.full(input.shape, p)
    if ((probs < 0) | (probs > 1)).any():
        raise RuntimeError("bernoulli: all probabilities must be in [0, 1]")
    arr = (_gen(generator).random(probs.shape) < probs)
    return _wrap(arr.astype(input._data.dtype))


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None,
                out=None) -> Tensor:
    """Indices sampled from the rows of ``input`` (non-negative weights, need not sum to 1)."""
    probs = np.asarray(backend.to_numpy(input._data), dtype=np.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {probs.ndim}")
    rows = probs.reshape(-1, probs.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError(
            f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
            f"replacement (n_sample={num_samples}, size={rows.shape[1]})")
    g = _gen(generator)
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, r in enumerate(rows):
        total = r.sum()
        if total <= 0:
            raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                               "probabilities <= 0)")
        if replacement:
            out[i] = g.choice(r.size, size=num_samples, replace=True, p=r / total)
        else:  # Gumbel-top-k: sampling without replacement proportional to weights
            keys = np.log(g.random(r.size)) / np.where(r > 0, r, 1e-300)
            keys[r == 0] = -np.inf
            order = np.argsort(-keys, kind="stable")[:num_samples]
            if (r[order] == 0).any():
                raise RuntimeError("multinomial: not enough non-zero categories to sample "
                                   f"{num_samples} without replacement")
            out[i] = order
    return _wrap(out.reshape(probs.shape[:-1] + (num_samples,)))


def poisson(input, generator=None) -> Tensor:
    return _wrap(_gen(generator).poisson(input._data).astype(input._data.dtype))


_ = builtins
