"""``ember.vision.io``: read/decode/encode/write PNG and JPEG images as uint8 CHW tensors
(Pillow does the codec work)."""
from __future__ import annotations

import io as _io
import os
from enum import Enum

import numpy as np

from .._tensor import Tensor, _wrap

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_png",
           "decode_jpeg", "encode_png", "encode_jpeg", "read_image", "write_png",
           "write_jpeg"]


class ImageReadMode(Enum):
    """Channel layout to decode into (UNCHANGED keeps the file's own)."""
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_PIL_FOR_MODE = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA",
                 ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}


def _mode(mode) -> ImageReadMode:
    if isinstance(mode, ImageReadMode):
        return mode
    if isinstance(mode, str):
        return ImageReadMode[mode.upper()]
    return ImageReadMode(int(mode))


def read_file(path) -> Tensor:
    """The bytes of a file as a 1-D uint8 tensor."""
    with open(os.fspath(path), "rb") as f:
        data = f.read()
    return _wrap(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename, data: Tensor) -> None:
    """Write a 1-D uint8 tensor's bytes to ``filename``."""
    _check_bytes(data, "write_file")
    with open(os.fspath(filename), "wb") as f:
        f.write(np.ascontiguousarray(data._data).tobytes())


def _check_bytes(data, fn: str) -> None:
    if not isinstance(data, Tensor) or data.dtype.name != "uint8" or data.ndim != 1:
        desc = f"{data.dtype} tensor of shape {tuple(data.shape)}" if isinstance(data, Tensor) \
            else type(data).__name__
        raise RuntimeError(f"{fn}: expected a 1-D uint8 tensor of encoded bytes, got {desc}")


def _from_pil(img, mode: ImageReadMode, fmt: str = "image") -> Tensor:
    if mode is ImageReadMode.UNCHANGED:
        if img.mode == "P":  # palettes expand to their colours (with alpha if transparent)
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode in ("1", "CMYK", "YCbCr", "RGBX"):
            img = img.convert("L" if img.mode == "1" else "RGB")
        elif img.mode in ("I;16", "I;16B", "I;16L", "I"):
            arr = np.array(img).astype(np.int32)  # 16-bit PNG: no uint16 in Ember
            return _wrap(np.ascontiguousarray(arr[None]))
    else:
        target = _PIL_FOR_MODE[mode]
        if img.mode != target:
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):  # scale 16-bit to 8-bit first
                from PIL import Image
                img = Image.fromarray((np.array(img).astype(np.int64) >> 8).astype(np.uint8))
            img = img.convert(target)
    arr = np.array(img)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return _wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)).astype(np.uint8, copy=False))


def decode_image(input: Tensor, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False) \
        -> Tensor:
    """Decode PNG/JPEG (any Pillow format) bytes into a uint8 tensor (C, H, W).

    Raises:
        RuntimeError: the bytes are not a decodable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError
    if isinstance(input, (str, os.PathLike)):
        input = read_file(input)
    _check_bytes(input, "decode_image")
    try:
        img = Image.open(_io.BytesIO(np.ascontiguousarray(input._data).tobytes()))
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise RuntimeError(f"decode_image: could not decode the image data ({e})") from None
    if apply_exif_orientation:
        img = ImageOps.exif_transpose(img)
    return _from_pil(img, _mode(mode))


def decode_png(input: Tensor, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False) \
        -> Tensor:
    """Decode PNG bytes into a uint8 tensor (C, H, W)."""
    _check_bytes(input, "decode_png")
    if bytes(np.asarray(input._data[:8])) != b"\x89PNG\r\n\x1a\n":
        raise RuntimeError("decode_png: the data does not start with the PNG signature")
    return decode_image(input, mode, apply_exif_orientation)


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu",
                apply_exif_orientation=False):
    """Decode JPEG bytes (or a list of them) into uint8 tensors (C, H, W)."""
    if isinstance(input, (list, tuple)):
        return [decode_jpeg(x, mode, device, apply_exif_orientation) for x in input]
    _check_bytes(input, "decode_jpeg")
    if bytes(np.asarray(input._data[:2])) != b"\xff\xd8":
        raise RuntimeError("decode_jpeg: the data does not start with the JPEG signature")
    out = decode_image(input, mode, apply_exif_orientation)
    return out if str(device) == "cpu" else out.to(device)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False) -> Tensor:
    """Read a PNG/JPEG file into a uint8 tensor (C, H, W)."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _to_pil(input: Tensor, fn: str):
    from PIL import Image
    if not isinstance(input, Tensor) or input.dtype.name != "uint8" or input.ndim != 3 or \
            input.shape[0] not in (1, 2, 3, 4):
        desc = f"{input.dtype} tensor of shape {tuple(input.shape)}" \
            if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"{fn}: expected a uint8 tensor of shape (C, H, W) with C in "
                           f"1..4, got {desc}")
    a = input.detach()._data
    a = a.get() if hasattr(a, "get") else a
    arr = np.ascontiguousarray(np.transpose(a, (1, 2, 0)))
    return Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr)


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """PNG-encode a uint8 (C, H, W) tensor into a 1-D uint8 tensor of bytes."""
    if not 0 <= compression_level <= 9:
        raise ValueError(f"Compression level should be between 0 and 9, got "
                         f"{compression_level}")
    buf = _io.BytesIO()
    _to_pil(input, "encode_png").save(buf, format="PNG", compress_level=compression_level)
    return _wrap(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def encode_jpeg(input, quality: int = 75):
    """JPEG-encode a uint8 (C, H, W) tensor (C = 1 or 3), or a list of them."""
    if isinstance(input, (list, tuple)):
        return [encode_jpeg(x, quality) for x in input]
    if not 1 <= quality <= 100:
        raise ValueError(f"Image quality should be a positive number between 1 and 100, got "
                         f"{quality}")
    img = _to_pil(input, "encode_jpeg")
    if img.mode not in ("L", "RGB"):
        raise RuntimeError(f"encode_jpeg: expected 1 or 3 channels, got {input.shape[0]}")
    buf = _io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return _wrap(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_png(input: Tensor, filename, compression_level: int = 6) -> None:
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input: Tensor, filename, quality: int = 75) -> None:
    write_file(filename, encode_jpeg(input, quality))
