"""``ember.save`` / ``ember.load``: PyTorch's checkpoint formats, written and read safely."""
from __future__ import annotations

import io
import os
import pickle
import pickletools
import tempfile

import numpy as np

from .. import _dtype as D
from .. import backend
from .._device import device as _device
from .._tensor import Tensor, _wrap
from ._pickler import TorchPickler
from ._restricted_unpickler import (CheckpointError, ForbiddenGlobalError, LoadedStorage,
                                    RestrictedUnpickler, validate_opcodes)
from ._torch_zip import SYSTEM_BYTEORDER, ZipReader, ZipWriter

DEFAULT_PROTOCOL = 2  # what torch.save writes; PyTorch's weights-only reader expects it
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


# ------------------------------------------------------------------------------ saving
def save(obj, f, pickle_module=None, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (tensors, state_dicts, optimizer states, nested containers) to ``f``.

    The file is PyTorch's zip checkpoint format, so ``torch.load`` reads it and
    :func:`load` reads ``torch.save``'s files. ``f`` is a path (written atomically: a temporary
    file in the same folder is fsync'ed and renamed over the target, so a crash mid-save keeps
    the previous file) or a binary file object. Tensors that view the same memory are saved once
    and stay shared when loaded. ``pickle_module`` and ``_use_new_zipfile_serialization`` are
    accepted for compatibility; Ember always writes the zip format.
    """
    buf = io.BytesIO()
    pickler = TorchPickler(buf, pickle_protocol)
    pickler.dump(obj)
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), lambda fobj: _write_archive(fobj, buf, pickler.storages,
                                                                _disable_byteorder_record))
    else:
        _check_binary_writer(f)
        _write_archive(f, buf, pickler.storages, _disable_byteorder_record)


def _write_archive(fobj, pkl: io.BytesIO, storages: list, no_byteorder: bool) -> None:
    w = ZipWriter(fobj)
    try:
        _write_records(w, pkl, storages, no_byteorder)
    except BaseException:
        w.abort()
        raise
    w.close()


def _write_records(w: ZipWriter, pkl: io.BytesIO, storages: list, no_byteorder: bool) -> None:
    w.write_record("data.pkl", pkl.getbuffer())
    w.write_record(".format_version", b"1")
    w.write_record(".storage_alignment", b"64")
    if not no_byteorder:
        w.write_record("byteorder", SYSTEM_BYTEORDER.encode())
    for key, flat in enumerate(storages):
        w.write_record(f"data/{key}", flat.view(np.uint8))
    w.write_record("version", b"3\n")
    w.write_record(".data/serialization_id", str(int.from_bytes(os.urandom(16), "little"))
                   .zfill(40).encode())


def _check_binary_writer(f) -> None:
    if not hasattr(f, "write"):
        raise TypeError(f"ember.save: expected a file path or a binary file object, got "
                        f"{type(f).__name__}")
    if isinstance(f, io.TextIOBase):
        raise TypeError("ember.save: the file object is opened in text mode; open it with 'wb'")


def _umask() -> int:
    try:
        with open("/proc/self/status") as st:
            for line in st:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)  # no /proc: read it the classic way (briefly changes it)
    os.umask(old)
    return old


def atomic_write(path: str, write) -> None:
    """Call ``write(fileobj)`` on a temporary file next to ``path``, then rename it over ``path``.

    The data is fsync'ed before the rename and the folder after it, so at every moment ``path``
    holds either the complete old file or the complete new one.
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as fobj:
            write(fobj)
            fobj.flush()
            os.fsync(fobj.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable (best effort: not every platform can open a folder)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


_atomic_write = atomic_write


# ------------------------------------------------------------------------------ loading
def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args):
    """Load an object saved by :func:`save` or by PyTorch's ``torch.save``.

    Reading executes no code from the file, whatever ``weights_only`` says: only tensors,
    parameters, plain containers (dict, OrderedDict, list, tuple, set), numbers, strings,
    ``torch.Size``, ``torch.device`` and dtypes may appear; anything else raises
    :class:`pickle.UnpicklingError` naming the global (see :func:`add_safe_globals`).
    ``map_location`` is ``None`` (restore each tensor to its saved device), a device or string
    (everything there), a dict mapping saved locations to new ones (``{'cuda:0': 'cpu'}``), or a
    callable ``(storage, location) -> storage or None`` where ``storage`` is a 1-D tensor.
    ``mmap=True`` maps the file's storages copy-on-write instead of reading them.
    A truncated or corrupted file raises :class:`CheckpointError` (a ``RuntimeError`` and an
    ``UnpicklingError``) naming the file.
    """
    name = _describe(f)
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as fobj:
            return _load_file(fobj, name, map_location, bool(mmap), pickle_load_args)
    if isinstance(f, io.TextIOBase):
        raise TypeError(f"ember.load({name}): the file object is opened in text mode; open it "
                        "with 'rb'")
    if not hasattr(f, "read"):
        raise TypeError(f"ember.load: expected a file path or a binary file object, got "
                        f"{type(f).__name__}")
    if not _seekable(f):  # zip needs random access: take the whole stream into memory
        f = io.BytesIO(f.read())
    return _load_file(f, name, map_location, bool(mmap), pickle_load_args)


def _seekable(f) -> bool:
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _describe(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"<{type(f).__name__} object>"


def _load_file(fobj, name: str, map_location, use_mmap: bool, load_args: dict):
    try:
        start = fobj.tell()
        head = fobj.read(4)
        fobj.seek(start)
        if isinstance(head, str):
            raise TypeError("the file object is opened in text mode; open it with 'rb'")
        if len(head) == 0:
            raise ValueError("the file is empty")
        if head == b"PK\x03\x04":
            return _load_zip(fobj, map_location, use_mmap, load_args)
        if head[:1] == b"\x80":
            return _load_legacy(fobj, map_location, load_args)
        raise ValueError("not a PyTorch/Ember checkpoint (neither a zip archive nor a legacy "
                         "pickle stream)")
    except ForbiddenGlobalError as e:
        raise ForbiddenGlobalError(f"ember.load({name}): {e}") from None
    except TypeError as e:
        if "text mode" in str(e):
            raise TypeError(f"ember.load({name}): {e}") from None
        raise CheckpointError(f"ember.load: {name} is truncated or corrupted "
                              f"({type(e).__name__}: {e})") from e
    except RuntimeError as e:
        if isinstance(e, CheckpointError) or "map_location" in str(e):
            raise
        raise CheckpointError(f"ember.load: cannot read {name}: {e}") from e
    except (Exception, RecursionError) as e:  # noqa: BLE001 - any failure means a bad file
        raise CheckpointError(f"ember.load: {name} is truncated or corrupted "
                              f"({type(e).__name__}: {e})") from e


def _np_dtype(dtype: D.dtype):
    if dtype.np is None:
        raise RuntimeError("this checkpoint holds bfloat16 tensors, which need the ml_dtypes "
                           "package: pip install ml_dtypes")
    return dtype.np


def _load_zip(fobj, map_location, use_mmap: bool, load_args: dict):
    if use_mmap and not hasattr(fobj, "fileno"):
        raise ValueError("mmap=True needs a real file (a path or a file object with fileno())")
    reader = ZipReader(fobj, use_mmap=use_mmap)
    big = (reader.has_record("byteorder")
           and reader.read_record("byteorder").strip() == b"big")
    cache: dict = {}

    def load_storage(dtype: D.dtype, key: str, location: str, numel: int, _view_meta):
        st = cache.get(key)
        if st is not None:
            return st
        npd = _np_dtype(dtype)
        raw = reader.read_array(f"data/{key}", numel * npd.itemsize)
        arr = raw.view(npd.newbyteorder(">") if big else npd)
        if big:
            arr = arr.astype(npd)  # to native order
        st = cache[key] = _place(LoadedStorage(arr, dtype), location, map_location)
        return st

    data = reader.read_record("data.pkl")
    validate_opcodes(data)
    return RestrictedUnpickler(io.BytesIO(data), load_storage, **_unpickle_args(load_args)).load()


def _unpickle_args(load_args: dict) -> dict:
    return {k: v for k, v in load_args.items() if k in ("encoding", "errors", "fix_imports")}


def _read_one_pickle(fobj, load_storage, load_args: dict):
    start = fobj.tell()
    for _ in pickletools.genops(fobj):  # finds where this pickle ends (raises if truncated)
        pass
    end = fobj.tell()
    fobj.seek(start)
    data = fobj.read(end - start)
    validate_opcodes(data)
    return RestrictedUnpickler(io.BytesIO(data), load_storage, **_unpickle_args(load_args)).load()


def _load_legacy(fobj, map_location, load_args: dict):
    """PyTorch's pre-1.6 format: magic, protocol, sys info, the object, keys, raw storages."""
    def no_storage(*_):
        raise pickle.UnpicklingError("storage reference in a legacy header")

    if _read_one_pickle(fobj, no_storage, load_args) != _LEGACY_MAGIC:
        raise ValueError("not a PyTorch checkpoint (bad magic number)")
    if _read_one_pickle(fobj, no_storage, load_args) != _LEGACY_PROTOCOL:
        raise ValueError("unsupported legacy checkpoint protocol version")
    info = _read_one_pickle(fobj, no_storage, load_args)
    little = not isinstance(info, dict) or info.get("little_endian", True)
    pos = fobj.tell()
    remaining = fobj.seek(0, os.SEEK_END) - pos
    fobj.seek(pos)
    storages: dict = {}
    views: list = []

    def load_storage(dtype: D.dtype, key: str, location: str, numel: int, view_meta):
        st = storages.get(key)
        if st is None:
            npd = _np_dtype(dtype)
            if numel * npd.itemsize > remaining:
                raise ValueError(f"storage {key} claims {numel} elements, more than the file "
                                 "holds")
            dev = _target(location, map_location)
            if dev.type != "cpu":
                raise RuntimeError("legacy (pre-zip) checkpoints load on the CPU only: pass "
                                   "map_location='cpu' and move the result with .to()")
            st = storages[key] = LoadedStorage(np.empty(numel, dtype=npd), dtype)
        if view_meta is not None:
            vkey, off, size = view_meta
            if not (isinstance(off, int) and isinstance(size, int) and 0 <= off
                    and off + size <= st.numel):
                raise pickle.UnpicklingError("bad storage view in a legacy checkpoint")
            view = LoadedStorage(st.arr[off:off + size], dtype)
            views.append(vkey)
            return view
        return st

    result = _read_one_pickle(fobj, load_storage, load_args)
    keys = _read_one_pickle(fobj, no_storage, load_args)
    if not isinstance(keys, list):
        raise ValueError("malformed storage key list")
    for key in keys:
        st = storages.get(str(key))
        if st is None:
            raise ValueError(f"storage {key} listed but never referenced")
        head = fobj.read(8)
        if len(head) != 8:
            raise ValueError("file ends inside the storage data")
        n = int.from_bytes(head, "little" if little else "big", signed=True)
        if n != st.numel:
            raise ValueError(f"storage {key} holds {n} elements, expected {st.numel}")
        raw = fobj.read(st.arr.nbytes)
        if len(raw) != st.arr.nbytes:
            raise ValueError("file ends inside the storage data")
        src = np.frombuffer(raw, dtype=st.arr.dtype if little
                            else st.arr.dtype.newbyteorder(">"))
        st.arr[...] = src
    return result


# ------------------------------------------------------------------------------ map_location
def _target(location: str, map_location):
    """The device a storage saved at ``location`` goes to (before callables are applied)."""
    if map_location is None or callable(map_location) and not isinstance(
            map_location, (str, _device)):
        loc = location
    elif isinstance(map_location, dict):
        loc = map_location.get(location, location)
    else:
        loc = map_location
    try:
        dev = _device(loc) if not isinstance(loc, _device) else loc
    except RuntimeError:
        raise RuntimeError(f"cannot restore a tensor saved on device '{location}': Ember "
                           "supports 'cpu' and 'cuda'; pass map_location='cpu'") from None
    if dev.type == "cuda" and not backend.cuda_available():
        raise RuntimeError(
            f"Attempting to deserialize object on a CUDA device ('{location}') but "
            "ember.cuda.is_available() is False. If you are running on a CPU-only machine, "
            "please use ember.load with map_location='cpu' (or map_location=ember.device('cpu')) "
            "to map your storages to the CPU.")
    return dev


def _place(storage: LoadedStorage, location: str, map_location) -> LoadedStorage:
    if callable(map_location) and not isinstance(map_location, (str, _device, dict)):
        out = map_location(_wrap(storage.arr), location)
        if out is not None:
            arr = out._data if isinstance(out, Tensor) else out
            if not hasattr(arr, "dtype") or getattr(arr, "ndim", 1) != 1:
                raise RuntimeError("map_location callable must return a 1-D storage tensor or "
                                   "None")
            return LoadedStorage(arr, storage.dtype)
    dev = _target(location, None if callable(map_location) and not isinstance(
        map_location, (str, _device, dict)) else map_location)
    if dev.type != "cpu":
        return LoadedStorage(backend.to_device(storage.arr, dev), storage.dtype)
    return storage

