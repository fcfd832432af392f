"""PIL kernels of ``transforms.functional`` (each takes and returns a ``PIL.Image``)."""
from __future__ import annotations

import sys
from typing import List, Sequence

import numpy as np


def _is_pil_image(img) -> bool:
    # Pillow is imported lazily (it costs ~50 ms at ``import ember``): an object can only be a
    # PIL image once PIL.Image has been imported by someone.
    mod = sys.modules.get("PIL.Image")
    return mod is not None and isinstance(img, mod.Image)


def _check(img) -> None:
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img) -> List[int]:
    _check(img)
    return [len(img.getbands()), img.height, img.width]


def _parse_fill(fill, img, name: str = "fillcolor") -> dict:
    """Pillow wants a fill with one value per band (an int for single-band images)."""
    bands = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * bands
        if len(fill) != bands:
            raise ValueError(f"The number of elements in 'fill' does not match the number of "
                             f"bands of the image ({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def hflip(img):
    from PIL import Image
    _check(img)
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    from PIL import Image
    _check(img)
    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def crop(img, top: int, left: int, height: int, width: int):
    _check(img)
    return img.crop((left, top, left + width, top + height))  # Pillow zero-fills outside


def pad(img, padding: List[int], fill=0, padding_mode: str = "constant"):
    """Pad by (left, top, right, bottom) = ``padding`` (already parsed to 4 ints)."""
    from PIL import Image, ImageOps
    _check(img)
    left, top, right, bottom = padding
    if padding_mode == "constant":
        opts = _parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            out = ImageOps.expand(img, border=(left, top, right, bottom), **opts)
            out.putpalette(palette)
            return out
        return ImageOps.expand(img, border=(left, top, right, bottom), **opts)
    if min(padding) < 0:  # negative padding crops first
        img = img.crop((max(-left, 0), max(-top, 0), img.width - max(-right, 0),
                        img.height - max(-bottom, 0)))
        left, top, right, bottom = (max(p, 0) for p in padding)
    mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode]
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    out = Image.fromarray(np.pad(arr, widths, mode=mode))
    if palette is not None:
        out = out.convert("P") if out.mode != "P" else out
        out.putpalette(palette)
    return out


def resize(img, size: Sequence[int], interpolation: int):
    """Resize to ``size`` = [h, w] with a Pillow resampling filter (always antialiased)."""
    _check(img)
    h, w = int(size[0]), int(size[1])
    if (w, h) == img.size:
        return img
    return img.resize((w, h), interpolation)


def rotate(img, angle: float, interpolation: int = 0, expand: bool = False,
           center=None, fill=None):
    _check(img)
    return img.rotate(angle, interpolation, expand, center, **_parse_fill(fill, img))


def affine(img, matrix: List[float], interpolation: int = 0, fill=None):
    from PIL import Image
    _check(img)
    return img.transform(img.size, Image.Transform.AFFINE, matrix, interpolation,
                         **_parse_fill(fill, img))


def adjust_brightness(img, factor: float):
    from PIL import ImageEnhance
    _check(img)
    return ImageEnhance.Brightness(img).enhance(factor)


def adjust_contrast(img, factor: float):
    from PIL import ImageEnhance
    _check(img)
    return ImageEnhance.Contrast(img).enhance(factor)


def adjust_saturation(img, factor: float):
    from PIL import ImageEnhance
    _check(img)
    return ImageEnhance.Color(img).enhance(factor)


def adjust_sharpness(img, factor: float):
    from PIL import ImageEnhance
    _check(img)
    return ImageEnhance.Sharpness(img).enhance(factor)


def adjust_hue(img, factor: float):
    from PIL import Image
    if not -0.5 <= factor <= 0.5:
        raise ValueError(f"hue_factor ({factor}) is not in [-0.5, 0.5].")
    _check(img)
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    # Hue is stored as 0..255 around the circle: shift with uint8 wrap-around.
    np_h = (np_h.astype(np.int64) + int(factor * 255)) % 256
    h = Image.fromarray(np_h.astype(np.uint8))
    return Image.merge("HSV", (h, s, v)).convert(mode)


def adjust_gamma(img, gamma: float, gain: float = 1.0):
    _check(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    mode = img.mode
    img = img.convert("RGB")
    table = [int((255 + 1 - 1e-3) * gain * pow(e / 255.0, gamma)) for e in range(256)] * 3
    return img.point(table).convert(mode)


def to_grayscale(img, num_output_channels: int = 1):
    from PIL import Image
    _check(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        g = np.asarray(img.convert("L"))
        return Image.fromarray(np.dstack([g, g, g]))
    raise ValueError("num_output_channels should be either 1 or 3")


def invert(img):
    from PIL import ImageOps
    _check(img)
    return ImageOps.invert(img)


def posterize(img, bits: int):
    from PIL import ImageOps
    _check(img)
    return ImageOps.posterize(img, bits)


def solarize(img, threshold: int):
    from PIL import ImageOps
    _check(img)
    return ImageOps.solarize(img, threshold)


def autocontrast(img):
    from PIL import ImageOps
    _check(img)
    return ImageOps.autocontrast(img)


def equalize(img):
    from PIL import ImageOps
    _check(img)
    return ImageOps.equalize(img)
