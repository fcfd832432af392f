"""The safetensors format, implemented here (the ``safetensors`` package is not needed).

A file is: an 8-byte little-endian header length ``N``; ``N`` bytes of UTF-8 JSON mapping each
tensor name to ``{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`` (plus an
optional ``"__metadata__"`` dict of strings), padded with spaces; then the raw little-endian
tensor bytes, offsets relative to the end of the header. Nothing in the file is executed and
every offset is checked, so a damaged file raises :class:`SafetensorError` naming it.

API as the ``safetensors.torch`` module: :func:`save_file`, :func:`load_file`, :func:`save`,
:func:`load`, :func:`safe_open`.
"""
from __future__ import annotations

import io
import json
import math
import os
import struct

import numpy as np

from .. import _dtype as D
from .. import backend
from .._device import device as _device
from .._tensor import Tensor, _wrap
from ._restricted_unpickler import CheckpointError

__all__ = ["save_file", "load_file", "save", "load", "safe_open", "SafetensorError"]

_MAX_HEADER = 100_000_000  # the reference implementation's limit

_CODES = {
    D.float64: "F64", D.float32: "F32", D.float16: "F16", D.bfloat16: "BF16",
    D.int64: "I64", D.int32: "I32", D.int16: "I16", D.int8: "I8", D.uint8: "U8",
    D.bool_: "BOOL", D.complex64: "C64",
}
_FROM_CODE = {v: k for k, v in _CODES.items()}


class SafetensorError(CheckpointError):
    """A safetensors file or buffer is malformed, or an argument cannot be saved."""


# ------------------------------------------------------------------------------ writing
def _serialize(tensors: dict, metadata: dict | None) -> tuple[bytes, list]:
    if not isinstance(tensors, dict):
        raise TypeError(f"safetensors: expected a dict of name -> tensor, got "
                        f"{type(tensors).__name__}")
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("safetensors: metadata must be a dict of str -> str")
    items = []
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"safetensors: tensor names must be str, got {type(name).__name__}")
        if name == "__metadata__":
            raise ValueError("safetensors: '__metadata__' is reserved and cannot name a tensor")
        if not isinstance(t, Tensor):
            raise TypeError(f"safetensors: value for '{name}' is {type(t).__name__}, not a "
                            "tensor")
        if t.dtype not in _CODES:
            raise TypeError(f"safetensors: dtype {t.dtype} of '{name}' has no safetensors code")
        items.append((name, t))
    # largest elements first, then by name: keeps every tensor aligned to its element size
    items.sort(key=lambda kv: (-kv[1].element_size(), kv[0]))
    header: dict = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    arrays, pos = [], 0
    for name, t in items:
        arr = backend.to_numpy(t._data)
        if not arr.flags.c_contiguous:  # (ascontiguousarray would turn 0-d into 1-d)
            arr = arr.copy(order="C")
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        header[name] = {"dtype": _CODES[t.dtype], "shape": list(arr.shape),
                        "data_offsets": [pos, pos + arr.nbytes]}
        arrays.append(arr.reshape(-1).view(np.uint8))
        pos += arr.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, arrays


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The safetensors bytes of ``tensors`` (``{name: tensor}``)."""
    head, arrays = _serialize(tensors, metadata)
    return head + b"".join(a.tobytes() for a in arrays)


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write ``tensors`` to ``filename`` atomically (temporary file + rename)."""
    from ._format import atomic_write
    head, arrays = _serialize(tensors, metadata)

    def write(f):
        f.write(head)
        for a in arrays:
            f.write(memoryview(a))
    atomic_write(os.fspath(filename), write)


# ------------------------------------------------------------------------------ reading
def _parse_header(f, total: int, name: str) -> tuple[dict, dict, int]:
    """(entries, metadata, data start) after validating every entry against the file size."""
    raw = f.read(8)
    if len(raw) != 8:
        raise SafetensorError(f"safetensors {name}: file too short for a header ({total} bytes)")
    n = struct.unpack("<Q", raw)[0]
    if n > _MAX_HEADER or n > total - 8:
        raise SafetensorError(f"safetensors {name}: header length {n} is invalid for a file of "
                              f"{total} bytes (truncated or not a safetensors file)")
    try:
        header = json.loads(f.read(n).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"safetensors {name}: the JSON header is corrupted ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorError(f"safetensors {name}: the header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict):
        raise SafetensorError(f"safetensors {name}: __metadata__ is not an object")
    data_len = total - 8 - n
    spans = []
    for key, e in header.items():
        try:
            dt = _FROM_CODE[e["dtype"]]
            shape = e["shape"]
            begin, end = e["data_offsets"]
            ok = (all(type(s) is int and s >= 0 for s in shape) and type(begin) is int
                  and type(end) is int and 0 <= begin <= end)
        except (KeyError, TypeError, ValueError):
            raise SafetensorError(f"safetensors {name}: malformed entry for '{key}' "
                                  f"({str(e)[:80]})") from None
        if not ok or end - begin != math.prod(shape) * dt.itemsize:
            raise SafetensorError(f"safetensors {name}: '{key}' has shape {shape} and dtype "
                                  f"{e['dtype']} but offsets [{begin}, {end}]")
        spans.append((begin, end, key))
    spans.sort()
    pos = 0
    for begin, end, key in spans:
        if begin != pos:
            raise SafetensorError(f"safetensors {name}: tensor '{key}' starts at {begin}, "
                                  f"expected {pos} (overlapping or missing data)")
        pos = end
    if pos != data_len:
        raise SafetensorError(f"safetensors {name}: the header describes {pos} data bytes but "
                              f"the file holds {data_len} (truncated or corrupted)")
    return header, meta, 8 + n


def _read_tensor(f, entry: dict, data_start: int, device) -> Tensor:
    dt = _FROM_CODE[entry["dtype"]]
    if dt.np is None:
        raise SafetensorError("bfloat16 tensors need the ml_dtypes package")
    begin, end = entry["data_offsets"]
    buf = np.empty(end - begin, dtype=np.uint8)
    f.seek(data_start + begin)
    if f.readinto(memoryview(buf)) != buf.size:
        raise SafetensorError("file ends inside tensor data")
    arr = buf.view(np.dtype(dt.np).newbyteorder("<")).astype(dt.np, copy=False)
    arr = arr.reshape(tuple(entry["shape"]))
    dev = _device(device)
    if dev.type != "cpu":
        arr = backend.to_device(arr, dev)
    return _wrap(arr)


class safe_open:  # noqa: N801 - the safetensors API's name
    """Lazy access to a safetensors file: ``keys()``, ``get_tensor(name)``, ``metadata()``."""

    def __init__(self, filename, framework: str = "pt", device="cpu"):
        self._name = repr(os.fspath(filename))
        self._f = open(os.fspath(filename), "rb")
        self._device = device
        try:
            total = self._f.seek(0, os.SEEK_END)
            self._f.seek(0)
            self._entries, self._meta, self._start = _parse_header(self._f, total, self._name)
        except BaseException:
            self._f.close()
            raise

    def keys(self) -> list:
        return sorted(self._entries)

    def metadata(self) -> dict:
        return dict(self._meta)

    def get_tensor(self, name: str) -> Tensor:
        if name not in self._entries:
            raise KeyError(f"safetensors {self._name}: no tensor named '{name}'")
        return _read_tensor(self._f, self._entries[name], self._start, self._device)

    def close(self) -> None:
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def load_file(filename, device="cpu") -> dict:
    """Read every tensor of a safetensors file into ``{name: tensor}`` on ``device``."""
    with safe_open(filename, device=device) as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def load(data: bytes) -> dict:
    """Parse safetensors ``bytes`` into ``{name: tensor}`` (CPU)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"safetensors.load expects bytes, got {type(data).__name__}")
    f = io.BytesIO(bytes(data))
    entries, _, start = _parse_header(f, len(data), "<bytes>")
    return {k: _read_tensor(f, entries[k], start, "cpu") for k in sorted(entries)}
