"""Pickling Ember objects into PyTorch's ``data.pkl`` (no PyTorch needed).

The pickle names PyTorch's globals (``torch._utils._rebuild_tensor_v2``, ``torch.FloatStorage``,
``torch.float32``…) exactly as ``torch.save`` writes them, so PyTorch's ``torch.load`` reads
Ember's files. The standard C pickler insists on importing every global it writes; Ember must
not import torch, so this builds on the pure-Python pickler, whose dispatch table lets us emit a
``GLOBAL`` opcode for a name without resolving it. Tensor *data* never goes through pickle:
each tensor refers to a storage by key (a persistent id) and the storages are written as raw
records beside the pickle.
"""
from __future__ import annotations

import collections
import pickle

import numpy as np

from .. import _dtype as D
from .. import backend
from .._device import device as _device
from .._tensor import Size, Tensor

# Ember dtype -> the legacy storage class name PyTorch writes in the persistent id
STORAGE_NAME = {
    D.float32: "FloatStorage", D.float64: "DoubleStorage", D.float16: "HalfStorage",
    D.bfloat16: "BFloat16Storage", D.complex64: "ComplexFloatStorage",
    D.complex128: "ComplexDoubleStorage", D.int64: "LongStorage", D.int32: "IntStorage",
    D.int16: "ShortStorage", D.int8: "CharStorage", D.uint8: "ByteStorage", D.bool_: "BoolStorage",
}


class TorchGlobal:
    """A module-level name written as a ``GLOBAL`` opcode without importing it."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name

    def __call__(self, *args, **kwargs):  # pickle requires reduce functions to be callable
        raise TypeError(f"{self.module}.{self.name} is a name written into a checkpoint, not a "
                        "function Ember can call")


_GLOBALS: dict = {}


def _g(module: str, name: str) -> TorchGlobal:
    key = (module, name)
    g = _GLOBALS.get(key)
    if g is None:  # one object per name, so the pickler's memo shares repeated references
        g = _GLOBALS[key] = TorchGlobal(module, name)
    return g


class _StorageRef:
    """Stands for one storage inside a tensor's reduce arguments (becomes a persistent id)."""

    __slots__ = ("pid",)

    def __init__(self, pid: tuple):
        self.pid = pid


class _Reduced:
    """An already-computed reduce value (used to nest a plain tensor inside a Parameter)."""

    __slots__ = ("rv",)

    def __init__(self, rv: tuple):
        self.rv = rv


def _is_parameter(t: Tensor) -> bool:
    try:
        from ..nn.parameter import Parameter
    except ImportError:  # pragma: no cover - ember.nn not built yet
        return False
    return isinstance(t, Parameter)


def _address(arr: np.ndarray) -> int:
    return arr.__array_interface__["data"][0]


class TorchPickler(pickle._Pickler):  # noqa: SLF001 - the pure-Python pickler, on purpose
    """Pickles an object graph the way ``torch.save`` does; collects the storages to write."""

    dispatch = dict(pickle._Pickler.dispatch)  # noqa: SLF001

    def __init__(self, file, protocol: int = 2):
        super().__init__(file, protocol)
        self.storages: list[np.ndarray] = []  # key i -> 1-D array holding storage i's bytes
        self._roots: dict = {}  # id(root ndarray) -> (key, root) for storage sharing
        self._keep: list = []  # keeps reduce temporaries alive while their ids are memoised

    # -- globals ----------------------------------------------------------------------------
    def _save_torch_global(self, obj: TorchGlobal) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[TorchGlobal] = _save_torch_global

    def _save_dtype(self, obj: D.dtype) -> None:
        self.save(_g("torch", obj.name))  # through save(): repeated dtypes reuse the memo

    dispatch[D.dtype] = _save_dtype

    # -- persistent ids ---------------------------------------------------------------------
    def persistent_id(self, obj):
        return obj.pid if type(obj) is _StorageRef else None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        t = type(obj)
        if t is _Reduced:
            return obj.rv
        if t is Size:
            return (_g("torch", "Size"), (tuple(obj),))
        if t is _device:
            return (_g("torch", "device"), (str(obj),))
        return NotImplemented

    def _new_storage(self, flat: np.ndarray, dtype: D.dtype, location: str) -> _StorageRef:
        key = str(len(self.storages))
        self.storages.append(flat)
        return _StorageRef(("storage", _g("torch", STORAGE_NAME[dtype]), key, location,
                            int(flat.size)))

    def _storage_for(self, t: Tensor):
        """(storage ref, offset, size, stride) of ``t``; views of one array share a storage."""
        arr = t._data
        dtype = t.dtype
        shape = tuple(arr.shape)
        if type(arr) is not np.ndarray:  # a CuPy array: copy it to the host, keep its device
            host = np.ascontiguousarray(backend.to_numpy(arr))
            ref = self._new_storage(host.reshape(-1), dtype, str(t.device))
            return ref, 0, shape, _contiguous_strides(shape)
        item = arr.itemsize
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        shareable = (arr.size > 0 and root.dtype == arr.dtype
                     and (root.flags.c_contiguous or root.flags.f_contiguous)
                     and all(s >= 0 and s % item == 0 for s in arr.strides))
        if shareable:
            off = _address(arr) - _address(root)
            last = off + sum((n - 1) * s for n, s in zip(shape, arr.strides))
            shareable = off >= 0 and off % item == 0 and last + item <= root.nbytes
        if not shareable:  # negative strides, reinterpreted dtype, empty: a contiguous copy
            flat = np.ascontiguousarray(arr).reshape(-1)
            return (self._new_storage(flat, dtype, "cpu"), 0, shape,
                    _contiguous_strides(shape))
        entry = self._roots.get(id(root))
        if entry is None:
            # ravel('K') of a C- or F-contiguous array is a view in memory order
            ref = self._new_storage(root.ravel(order="K"), dtype, "cpu")
            entry = self._roots[id(root)] = (ref, root)
        return entry[0], off // item, shape, tuple(s // item for s in arr.strides)

    def _reduce_tensor(self, t: Tensor):
        ref, offset, shape, stride = self._storage_for(t)
        hooks = collections.OrderedDict()
        self._keep.append((ref, hooks))
        rebuild = _g("torch._utils", "_rebuild_tensor_v2")
        if _is_parameter(t):
            inner = _Reduced((rebuild, (ref, offset, shape, stride, False, hooks)))
            self._keep.append(inner)
            return (_g("torch._utils", "_rebuild_parameter"),
                    (inner, t._requires_grad, collections.OrderedDict()))
        args = (ref, offset, shape, stride, t._requires_grad, hooks)
        state = {k: v for k, v in t.__dict__.items() if not k.startswith("_")}
        if state:  # user attributes on a tensor: PyTorch's _rebuild_from_type_v2 carries them
            return (_g("torch._tensor", "_rebuild_from_type_v2"),
                    (rebuild, _g("torch", "Tensor"), args, state))
        return (rebuild, args)


def _contiguous_strides(shape: tuple) -> tuple:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))
