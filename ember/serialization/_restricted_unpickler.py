"""A pickle reader that executes no code from the file.

Only an allow-list of globals may be named by a checkpoint: PyTorch's tensor/parameter rebuild
functions, its storage classes and dtypes, ``torch.Size``/``torch.device``,
``collections.OrderedDict`` and a few harmless builtins. Each maps to an Ember-side function
written here, which validates its arguments (shapes, strides and offsets are checked against the
storage before any view is made). Any other global raises :class:`pickle.UnpicklingError` naming
it, before anything is called. Before unpickling, the opcode stream is scanned once so that
opcodes Ember never needs (``INST``, ``OBJ``, ``EXT*``…) and absurd memo indices are rejected.
"""
from __future__ import annotations

import collections
import io
import math
import pickle
import pickletools

import numpy as np

from .. import _dtype as D
from .._device import device as _device
from .._tensor import Size, Tensor, _wrap


class ForbiddenGlobalError(pickle.UnpicklingError):
    """The checkpoint names a global outside the allow-list (nothing was executed)."""


class CheckpointError(RuntimeError, pickle.UnpicklingError):
    """A checkpoint file is truncated, corrupted or not a checkpoint at all."""


# ------------------------------------------------------------------------------ storages
class StorageType:
    """What ``torch.FloatStorage`` & co. unpickle to: a marker carrying the element dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: D.dtype):
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class LoadedStorage:
    """A storage read from a checkpoint: a 1-D array (on its final device) and its dtype."""

    __slots__ = ("arr", "dtype")

    def __init__(self, arr, dtype: D.dtype):
        self.arr = arr
        self.dtype = dtype

    @property
    def numel(self) -> int:
        return int(self.arr.size)


_STORAGE_DTYPES = {
    "FloatStorage": D.float32, "DoubleStorage": D.float64, "HalfStorage": D.float16,
    "BFloat16Storage": D.bfloat16, "ComplexFloatStorage": D.complex64,
    "ComplexDoubleStorage": D.complex128, "LongStorage": D.int64, "IntStorage": D.int32,
    "ShortStorage": D.int16, "CharStorage": D.int8, "ByteStorage": D.uint8,
    "BoolStorage": D.bool_, "UntypedStorage": D.uint8,
}
STORAGE_TYPES = {name: StorageType(name, dt) for name, dt in _STORAGE_DTYPES.items()}


def _bad(msg: str):
    raise pickle.UnpicklingError(msg)


def _as_int(x, what: str) -> int:
    if type(x) is not int and not isinstance(x, np.integer):
        _bad(f"{what} must be an int, got {type(x).__name__}")
    return int(x)


def _as_ints(x, what: str) -> tuple:
    if not isinstance(x, (tuple, list)):
        _bad(f"{what} must be a tuple of ints, got {type(x).__name__}")
    return tuple(_as_int(v, what) for v in x)


def _view(storage, storage_offset, size, stride, dtype: D.dtype | None = None) -> Tensor:
    """A tensor viewing ``storage``; every index it can reach is checked to lie inside it."""
    if not isinstance(storage, LoadedStorage):
        _bad(f"a tensor's storage must come from the checkpoint, got {type(storage).__name__}")
    if dtype is not None and dtype is not storage.dtype:
        storage = _reinterpret(storage, dtype)
    offset = _as_int(storage_offset, "storage offset")
    size = _as_ints(size, "tensor size")
    stride = _as_ints(stride, "tensor stride")
    if len(stride) != len(size):
        _bad(f"tensor size {list(size)} and stride {list(stride)} differ in length")
    if offset < 0 or any(n < 0 for n in size) or any(s < 0 for s in stride):
        _bad(f"negative size, stride or offset in a tensor record: size {list(size)}, "
             f"stride {list(stride)}, offset {offset}")
    arr = storage.arr
    numel = math.prod(size)
    if numel == 0:
        return _wrap(arr[:0].reshape(size))
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= storage.numel or max(stride, default=0) >= 1 << 48:
        _bad(f"tensor of size {list(size)}, stride {list(stride)} at offset {offset} reaches "
             f"element {last}, past the end of its storage of {storage.numel} elements")
    if stride == _contiguous(size):
        return _wrap(arr[offset:offset + numel].reshape(size))
    item = arr.itemsize
    xp_lib = np.lib if type(arr) is np.ndarray else __import__("cupy").lib
    return _wrap(xp_lib.stride_tricks.as_strided(arr[offset:], shape=size,
                                                 strides=tuple(s * item for s in stride)))


def _contiguous(size: tuple) -> tuple:
    out, acc = [], 1
    for n in reversed(size):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))


def _reinterpret(storage: LoadedStorage, dtype: D.dtype) -> LoadedStorage:
    if not isinstance(dtype, D.dtype) or dtype.np is None:
        _bad(f"unsupported tensor dtype {dtype!r}")
    if storage.arr.nbytes % dtype.itemsize:
        _bad(f"storage of {storage.arr.nbytes} bytes is not a whole number of {dtype} elements")
    return LoadedStorage(storage.arr.view(dtype.np), dtype)


def _finish(t: Tensor, requires_grad) -> Tensor:
    if requires_grad is True and (t.dtype.is_floating_point or t.dtype.is_complex):
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _finish(_view(storage, storage_offset, size, stride), requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    return _finish(_view(storage, storage_offset, size, stride, dtype), requires_grad)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _view(storage, storage_offset, size, stride)


def _parameter(data, requires_grad):
    if not isinstance(data, Tensor):
        _bad(f"a parameter's data must be a tensor, got {type(data).__name__}")
    try:
        from ..nn.parameter import Parameter
    except ImportError:  # pragma: no cover - ember.nn not built yet
        return _finish(data, requires_grad)
    return Parameter(data.detach(), requires_grad=requires_grad is True
                     and (data.dtype.is_floating_point or data.dtype.is_complex))


def _set_state(obj, state):
    if isinstance(state, tuple) and len(state) == 2:
        state = state[0]
    if isinstance(state, dict):
        for k, v in state.items():
            # only plain public attribute names: a checkpoint may not touch Ember's internals
            if isinstance(k, str) and k.isidentifier() and not k.startswith("_"):
                obj.__dict__[k] = v
    return obj


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    return _parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(_parameter(data, requires_grad), state)


_TENSOR_CLASS = object()  # what ``torch.Tensor`` resolves to
_PARAMETER_CLASS = object()  # what ``torch.nn.parameter.Parameter`` resolves to


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDERS:
        _bad("_rebuild_from_type_v2 may only call a tensor rebuild function")
    if not isinstance(args, tuple):
        _bad("_rebuild_from_type_v2 expects a tuple of arguments")
    ret = func(*args)
    if new_type is _PARAMETER_CLASS:
        ret = _parameter(ret, ret.requires_grad)
    elif new_type is not _TENSOR_CLASS:
        _bad(f"cannot rebuild a tensor as {new_type!r}")
    return _set_state(ret, state)


def _rebuild_from_type(func, new_type, args, state):
    return _rebuild_from_type_v2(func, new_type, args, state)


_REBUILDERS = {_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_tensor, _rebuild_parameter,
               _rebuild_parameter_with_state}


def _size(*args):
    if len(args) != 1:
        _bad("torch.Size takes one tuple")
    return Size(_as_ints(args[0], "torch.Size"))


def _device_ctor(*args):
    if not 1 <= len(args) <= 2 or not isinstance(args[0], (str, int)):
        _bad(f"torch.device expects a device string or index, got {args!r}")
    try:
        return _device(*args)
    except RuntimeError as e:
        _bad(str(e))


def _codecs_encode(obj, encoding="utf-8", errors="strict"):
    # protocol-2 pickles write bytes as _codecs.encode(text, 'latin1'): allow exactly that
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1"):
        _bad("_codecs.encode is only allowed to turn latin-1 text into bytes")
    return obj.encode("latin1")


def _bytearray(*args):
    if args and not isinstance(args[0], (str, bytes, list)):
        _bad("bytearray() from a checkpoint takes text, bytes or a list")
    if args and isinstance(args[0], str):
        return bytearray(_codecs_encode(args[0], *args[1:2]))
    return bytearray(*args[:1])


def _slice(*args):
    return slice(*args)


def _complex(*args):
    if not all(isinstance(a, (int, float)) for a in args):
        _bad("complex() from a checkpoint takes numbers")
    return complex(*args)


def _set(*args):
    return set(*args)


def _frozenset(*args):
    return frozenset(*args)


_DTYPE_NAMES = dict(D._BY_NAME)  # noqa: SLF001
_DTYPE_NAMES.update(float=D.float32, double=D.float64, half=D.float16, long=D.int64, int=D.int32,
                    short=D.int16, cfloat=D.complex64, cdouble=D.complex128)

ALLOWED: dict = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch._tensor", "_rebuild_from_type"): _rebuild_from_type,
    ("torch", "Tensor"): _TENSOR_CLASS,
    ("torch.nn.parameter", "Parameter"): _PARAMETER_CLASS,
    ("torch", "Size"): _size,
    ("torch", "device"): _device_ctor,
    ("builtins", "set"): _set, ("builtins", "frozenset"): _frozenset,
    ("builtins", "slice"): _slice, ("builtins", "complex"): _complex,
    ("builtins", "bytearray"): _bytearray, ("_codecs", "encode"): _codecs_encode,
    ("__builtin__", "set"): _set, ("__builtin__", "frozenset"): _frozenset,
    ("__builtin__", "slice"): _slice, ("__builtin__", "complex"): _complex,
}
ALLOWED.update({("torch", name): st for name, st in STORAGE_TYPES.items()})
ALLOWED.update({("torch", name): dt for name, dt in _DTYPE_NAMES.items()})

# globals the user has declared safe (ember.serialization.add_safe_globals)
USER_SAFE: dict = {}


# ------------------------------------------------------------------------------ the reader
_ALLOWED_OPCODES = frozenset(
    "PROTO FRAME STOP MARK POP POP_MARK DUP NONE NEWTRUE NEWFALSE INT BININT BININT1 BININT2 "
    "LONG LONG1 LONG4 FLOAT BINFLOAT STRING BINSTRING SHORT_BINSTRING BINBYTES SHORT_BINBYTES "
    "BINBYTES8 BYTEARRAY8 UNICODE BINUNICODE SHORT_BINUNICODE BINUNICODE8 EMPTY_LIST APPEND "
    "APPENDS LIST EMPTY_TUPLE TUPLE TUPLE1 TUPLE2 TUPLE3 EMPTY_DICT DICT SETITEM SETITEMS "
    "EMPTY_SET ADDITEMS FROZENSET GET BINGET LONG_BINGET PUT BINPUT LONG_BINPUT MEMOIZE "
    "GLOBAL STACK_GLOBAL REDUCE BUILD NEWOBJ BINPERSID".split())


def validate_opcodes(data: bytes) -> None:
    """Reject a pickle using opcodes a checkpoint never needs, or absurd memo indices.

    The memo check matters: the C unpickler grows its memo table to the index it is given, so
    one crafted ``LONG_BINPUT`` could otherwise make it allocate gigabytes.
    """
    limit = len(data)
    for op, arg, pos in pickletools.genops(io.BytesIO(data)):
        if op.name not in _ALLOWED_OPCODES:
            raise pickle.UnpicklingError(f"opcode {op.name} at byte {pos} is not allowed in a "
                                         "checkpoint")
        if op.name in ("PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"):
            if not isinstance(arg, int) or not 0 <= arg <= limit:
                raise pickle.UnpicklingError(f"memo index {arg!r} at byte {pos} is out of range")


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only allow-listed globals and checkpoint storages."""

    def __init__(self, file, load_storage, **kwargs):
        super().__init__(file, **kwargs)
        self._load_storage = load_storage

    def find_class(self, module: str, name: str):
        obj = ALLOWED.get((module, name))
        if obj is None:
            obj = USER_SAFE.get((module, name))
        if obj is None:
            raise ForbiddenGlobalError(
                f"the checkpoint refers to the global '{module}.{name}', which is not on the "
                "allow-list of tensors and plain containers. Ember never executes code from a "
                "checkpoint; if this is a plain data class you trust, declare it with "
                "ember.serialization.add_safe_globals([...])")
        return obj

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) not in (5, 6) or pid[0] != "storage":
            _bad(f"unsupported persistent id {pid!r:.80}")
        storage_type, key, location, numel = pid[1:5]
        if not isinstance(storage_type, StorageType):
            _bad(f"unknown storage type {storage_type!r:.80}")
        if not isinstance(key, (str, int)) or not isinstance(location, str):
            _bad("malformed storage reference")
        numel = _as_int(numel, "storage size")
        if numel < 0:
            _bad(f"negative storage size {numel}")
        return self._load_storage(storage_type.dtype, str(key), location, numel,
                                  pid[5] if len(pid) == 6 else None)
