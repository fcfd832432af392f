"""PyTorch's zip checkpoint container: writing and reading its records.

A ``torch.save`` file is an uncompressed zip archive whose entries all live under one folder
(``archive/`` when Ember writes it; PyTorch names it after the file)::

    archive/data.pkl             the pickled object graph (tensors refer to storages by key)
    archive/byteorder            "little" or "big"
    archive/data/<key>           one raw storage per key, its bytes in the byte order above
    archive/version              "3\\n"
    archive/.format_version, archive/.storage_alignment, archive/.data/serialization_id

Every record's bytes start at a multiple of 64 in the file (the padding goes into a local-header
extra field with id ``FB``, as PyTorch does) so that the file can be memory-mapped.

The reader relies on :mod:`zipfile`, which verifies each record's CRC-32: a flipped byte in a
record is reported instead of silently giving wrong weights.
"""
from __future__ import annotations

import mmap as _mmap
import os
import struct
import sys
import zipfile

import numpy as np

ALIGNMENT = 64
_CHUNK = 1 << 24  # copy large storages in 16 MiB pieces (bounded temporary memory)
_ZIP64_LIMIT = (1 << 31) - 1
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's local file header layout (30 bytes)


class ZipWriter:
    """Writes records into a PyTorch-style zip archive on an open binary file object."""

    def __init__(self, fileobj, archive_name: str = "archive"):
        self._zf = zipfile.ZipFile(fileobj, mode="w", compression=zipfile.ZIP_STORED,
                                   allowZip64=True)
        self._prefix = archive_name + "/"

    def _info(self, name: str, nbytes: int) -> tuple[zipfile.ZipInfo, bool]:
        info = zipfile.ZipInfo(self._prefix + name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        info.file_size = nbytes
        zip64 = nbytes * 1.05 > _ZIP64_LIMIT  # the rule zipfile itself applies
        # zipfile writes the local header at the current position; pad its extra field so the
        # record's data starts on an ALIGNMENT boundary (a zip64 header adds 20 bytes).
        start = self._zf.fp.tell() + 30 + len(info.filename.encode("utf-8")) + 4
        start += 20 if zip64 else 0
        pad = -start % ALIGNMENT
        info.extra = struct.pack("<2sH", b"FB", pad) + b"Z" * pad
        return info, zip64

    def write_record(self, name: str, data) -> None:
        """Write ``data`` (bytes, or a 1-D contiguous uint8 array) as record ``name``."""
        view = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) \
            else memoryview(data)
        info, zip64 = self._info(name, view.nbytes)
        with self._zf.open(info, mode="w", force_zip64=zip64) as w:
            for i in range(0, view.nbytes, _CHUNK):
                w.write(view[i:i + _CHUNK])

    def close(self) -> None:
        self._zf.close()

    def abort(self) -> None:
        """Forget a half-written archive (the caller discards the file)."""
        self._zf.fp = None  # ZipFile.close (and its __del__) then do nothing


class ZipReader:
    """Random access to the records of a PyTorch zip checkpoint."""

    def __init__(self, fileobj, use_mmap: bool = False):
        self._file = fileobj
        self._zf = zipfile.ZipFile(fileobj, mode="r")
        infos = self._zf.infolist()
        if not infos:
            raise ValueError("the zip archive is empty")
        # every record lives under one top-level folder whose name PyTorch derives from the
        # file name: take it from the first entry (as PyTorch's reader does)
        first = infos[0].filename
        self.prefix = first.split("/", 1)[0] + "/" if "/" in first else ""
        self._infos = {i.filename: i for i in infos}
        if self.prefix + "data.pkl" not in self._infos:
            if self.prefix + "constants.pkl" in self._infos:
                raise ValueError("this is a TorchScript archive (torch.jit.save), which Ember "
                                 "cannot load; save the model's state_dict() instead")
            raise ValueError(f"no '{self.prefix}data.pkl' record: not a PyTorch checkpoint")
        self._size = _file_size(fileobj)
        self._mm = None
        if use_mmap:
            self._mm = _mmap.mmap(fileobj.fileno(), 0, access=_mmap.ACCESS_COPY)

    def has_record(self, name: str) -> bool:
        return self.prefix + name in self._infos

    def record_size(self, name: str) -> int:
        info = self._infos.get(self.prefix + name)
        if info is None:
            raise ValueError(f"missing record '{self.prefix + name}'")
        return info.file_size

    def read_record(self, name: str) -> bytes:
        """A small record's bytes (CRC-checked)."""
        self.record_size(name)
        return self._zf.read(self.prefix + name)

    def read_array(self, name: str, nbytes: int) -> np.ndarray:
        """Record ``name`` as a writable 1-D uint8 array of exactly ``nbytes`` bytes."""
        info = self._infos.get(self.prefix + name)
        if info is None:
            raise ValueError(f"missing storage record '{self.prefix + name}'")
        if info.file_size != nbytes:
            raise ValueError(f"storage record '{info.filename}' holds {info.file_size} bytes "
                             f"but the pickle expects {nbytes}")
        if info.compress_type == zipfile.ZIP_STORED and \
                info.header_offset + info.file_size > self._size:
            raise ValueError(f"storage record '{info.filename}' runs past the end of the file")
        if self._mm is not None and info.compress_type == zipfile.ZIP_STORED:
            return self._mapped(info, nbytes)
        out = np.empty(nbytes, dtype=np.uint8)
        with self._zf.open(info) as r:
            pos = 0
            while pos < nbytes:
                chunk = r.read(min(_CHUNK, nbytes - pos))
                if not chunk:
                    raise ValueError(f"storage record '{info.filename}' ends early")
                out[pos:pos + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
                pos += len(chunk)
            r.read(1)  # reaching the end makes zipfile compare the CRC-32
        return out

    def _mapped(self, info: zipfile.ZipInfo, nbytes: int) -> np.ndarray:
        head = self._mm[info.header_offset:info.header_offset + 30]
        if len(head) != 30:
            raise ValueError(f"local header of '{info.filename}' is truncated")
        fields = _LOCAL_HEADER.unpack(head)
        if fields[0] != b"PK\x03\x04":
            raise ValueError(f"bad local header for '{info.filename}'")
        start = info.header_offset + 30 + fields[10] + fields[11]  # name, extra lengths
        if start + nbytes > len(self._mm):
            raise ValueError(f"storage record '{info.filename}' runs past the end of the file")
        # copy-on-write mapping: writes to the tensor never reach the file
        return np.frombuffer(self._mm, dtype=np.uint8, count=nbytes, offset=start)

    def close(self) -> None:
        self._zf.close()


def _file_size(f) -> int:
    pos = f.tell()
    end = f.seek(0, os.SEEK_END)
    f.seek(pos)
    return end


SYSTEM_BYTEORDER = sys.byteorder
