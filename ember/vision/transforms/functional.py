"""``transforms.functional``: each function takes a PIL image or a tensor image (..., C, H, W)
and returns the same kind, like torchvision's."""
from __future__ import annotations

import math
import numbers
from enum import Enum
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor, _wrap
from . import _functional_pil as F_pil
from . import _functional_tensor as F_t

__all__ = ["InterpolationMode", "to_tensor", "pil_to_tensor", "to_pil_image", "normalize",
           "resize", "crop", "center_crop", "resized_crop", "hflip", "vflip", "pad", "rotate",
           "affine", "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
           "adjust_gamma", "adjust_sharpness", "rgb_to_grayscale", "to_grayscale",
           "gaussian_blur", "erase", "convert_image_dtype", "five_crop", "ten_crop",
           "get_dimensions", "get_image_size", "get_image_num_channels", "invert", "posterize",
           "solarize", "autocontrast", "equalize"]


class InterpolationMode(Enum):
    """Interpolation modes (the value is the mode's name, as torchvision's)."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_MODES = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0,
              InterpolationMode.BILINEAR: 2, InterpolationMode.BICUBIC: 3,
              InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
              InterpolationMode.LANCZOS: 1}
_FROM_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
             3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
             5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def _interp(mode) -> InterpolationMode:
    """Accept an InterpolationMode, its name, or a Pillow integer constant."""
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int) and mode in _FROM_INT:
        return _FROM_INT[mode]
    if isinstance(mode, str):
        return InterpolationMode(mode.lower())
    raise TypeError("Argument interpolation should be of type InterpolationMode, got "
                    f"{type(mode).__name__}")


def _is_pil(img) -> bool:
    return F_pil._is_pil_image(img)


def _check_img(img) -> None:
    if not isinstance(img, Tensor) and not _is_pil(img):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def get_dimensions(img) -> List[int]:
    """[channels, height, width] of a PIL image or tensor image."""
    _check_img(img)
    return F_t.get_dimensions(img) if isinstance(img, Tensor) else F_pil.get_dimensions(img)


def get_image_size(img) -> List[int]:
    """[width, height] (torchvision's order)."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    return get_dimensions(img)[0]


# --- conversions --------------------------------------------------------------------------
def to_tensor(pic) -> Tensor:
    """PIL image or HWC ndarray → CHW tensor; uint8 data is scaled to float in [0, 1]."""
    default = D.get_default_dtype().np
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
        out = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if out.dtype == np.uint8:
            return _wrap((out / np.float32(255)).astype(default))
        return _wrap(out)
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    mode_dtypes = {"I": np.int32, "I;16": np.int16, "F": np.float32}
    if pic.mode in mode_dtypes:
        arr = np.array(pic, dtype=mode_dtypes[pic.mode])
    elif pic.mode == "1":
        arr = 255 * np.array(pic, dtype=np.uint8)
    else:
        arr = np.array(pic, dtype=np.uint8)
    arr = arr.reshape(pic.height, pic.width, len(pic.getbands()))
    out = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if out.dtype == np.uint8:
        return _wrap((out.astype(default) / default.type(255)).astype(default))
    return _wrap(out)


def pil_to_tensor(pic) -> Tensor:
    """PIL image → CHW tensor keeping the values and dtype (uint8 for 8-bit modes)."""
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic)
    if pic.mode == "1":
        arr = arr.astype(np.uint8) * 255
    if arr.dtype == np.uint16:
        arr = arr.astype(np.int32)  # Ember has no uint16
    arr = arr.reshape(pic.height, pic.width, len(pic.getbands()))
    return _wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def to_pil_image(pic, mode: Optional[str] = None):
    """CHW tensor or HWC ndarray → PIL image; floats are scaled by 255 (then truncated)."""
    from PIL import Image
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        a = pic.detach()._data
        a = a.get() if hasattr(a, "get") else a  # CuPy → host
        a = a[None] if a.ndim == 2 else a
        if a.dtype.kind == "f" and mode != "F":
            a = (a * 255).astype(np.int64).astype(np.uint8)  # torch's .byte(): wraps
        npimg = np.transpose(a, (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if npimg.dtype.kind == "f" and mode != "F":
            npimg = (npimg * 255).astype(np.uint8)
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    c = npimg.shape[2]
    if c == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and expected is not None and mode != expected and \
                not (mode == "L" and npimg.dtype == np.uint8):
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type "
                             f"{npimg.dtype}. Should be {expected}")
        mode = mode or expected
        if mode == "I;16":
            npimg = npimg.astype("<u2")
    elif c == 2:
        if mode is not None and mode != "LA":
            raise ValueError("Only modes ['LA'] are supported for 2D inputs")
        mode = "LA"
    elif c == 4:
        if mode is not None and mode not in ("RGBA", "CMYK", "RGBX"):
            raise ValueError("Only modes ['RGBA', 'CMYK', 'RGBX'] are supported for 4D inputs")
        mode = mode or "RGBA"
    elif c == 3:
        if mode is not None and mode not in ("RGB", "YCbCr", "HSV"):
            raise ValueError("Only modes ['RGB', 'YCbCr', 'HSV'] are supported for 3D inputs")
        mode = mode or "RGB"
    else:
        raise ValueError(f"pic should not have > 4 channels. Got {c} channels.")
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    npimg = np.ascontiguousarray(npimg)
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK", "RGBX", "YCbCr", "HSV"):
        npimg = npimg.astype(np.uint8, copy=False)
    img = Image.fromarray(npimg) if mode not in ("CMYK", "RGBX", "YCbCr", "HSV", "I;16") \
        else Image.frombuffer(mode, (npimg.shape[1], npimg.shape[0]), npimg.tobytes(), "raw",
                              mode, 0, 1)
    return img.convert(mode) if img.mode != mode else img


def convert_image_dtype(image: Tensor, dtype=D.float32) -> Tensor:
    """Convert a tensor image's dtype, rescaling values to the new dtype's range."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    return F_t.convert_image_dtype(image, dtype)


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float],
              inplace: bool = False) -> Tensor:
    """(tensor - mean) / std per channel of a float tensor (..., C, H, W); differentiable."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(tensor.shape)}")
    import ember
    npd = tensor.dtype.np
    mean_a = np.asarray(mean._data if isinstance(mean, Tensor) else mean, dtype=npd)
    std_a = np.asarray(std._data if isinstance(std, Tensor) else std, dtype=npd)
    if (std_a == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to "
                         "division by zero.")
    c = tensor.shape[-3]
    for name, v in (("mean", mean_a), ("std", std_a)):
        if v.ndim > 1 or v.size not in (1, c):
            raise ValueError(f"normalize: {name} has {v.size} values for an image with {c} "
                             "channels")
    m = ember.tensor(mean_a.reshape(-1, 1, 1), dtype=tensor.dtype, device=tensor.device)
    s = ember.tensor(std_a.reshape(-1, 1, 1), dtype=tensor.dtype, device=tensor.device)
    if inplace:
        return tensor.sub_(m).div_(s)
    return (tensor - m) / s


# --- geometry -----------------------------------------------------------------------------
def hflip(img):
    """Flip left-right."""
    _check_img(img)
    return F_t.hflip(img) if isinstance(img, Tensor) else F_pil.hflip(img)


def vflip(img):
    """Flip top-bottom."""
    _check_img(img)
    return F_t.vflip(img) if isinstance(img, Tensor) else F_pil.vflip(img)


def crop(img, top: int, left: int, height: int, width: int):
    """The (height, width) box at (top, left); zero-filled outside the image."""
    _check_img(img)
    if isinstance(img, Tensor):
        return F_t.crop(img, top, left, height, width)
    return F_pil.crop(img, top, left, height, width)


def _pair(size, name: str = "size") -> Tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    size = tuple(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")
    return int(size[0]), int(size[1])


def center_crop(img, output_size):
    """The centred crop of ``output_size`` (int or (h, w)); zero-padded if larger."""
    ch, cw = _pair(output_size, "output_size")
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        pads = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]
        img = pad(img, pads, fill=0)
        _, h, w = get_dimensions(img)
        if (cw, ch) == (w, h):
            return img
    return crop(img, int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw)


def _resized_output_size(h: int, w: int, size, max_size=None) -> List[int]:
    if isinstance(size, numbers.Number) or len(size) == 1:
        req = int(size if isinstance(size, numbers.Number) else size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = req, int(req * long / short)
        if max_size is not None:
            if max_size <= req:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        return [new_h, new_w]
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the "
                         "smaller edge, i.e. size should be an int or a sequence of length 1")
    return [int(size[0]), int(size[1])]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
           antialias: Optional[bool] = True):
    """Resize to ``size``: an int resizes the shorter side (keeping the aspect ratio), a pair
    is (h, w). PIL images always antialias; tensors do when ``antialias``."""
    interpolation = _interp(interpolation)
    _, h, w = get_dimensions(img)
    out = _resized_output_size(h, w, size, max_size)
    if out == [h, w]:
        return img
    if isinstance(img, Tensor):
        return F_t.resize(img, out, interpolation.value, antialias=antialias is not False)
    return F_pil.resize(img, out, _PIL_MODES[interpolation])


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias: Optional[bool] = True):
    """``crop`` then ``resize`` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation,
                  antialias=antialias)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad: int (all sides), (lr, tb), or (left, top, right, bottom); modes constant, edge,
    reflect, symmetric."""
    _check_img(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = F_t._parse_padding(int(padding) if isinstance(padding, numbers.Number) else padding)
    if isinstance(img, Tensor):
        return F_t.pad(img, p, fill=fill, padding_mode=padding_mode)
    return F_pil.pad(img, p, fill=fill, padding_mode=padding_mode)


def _get_inverse_affine_matrix(center: List[float], angle: float, translate: List[float],
                               scale: float, shear: List[float], inverted: bool = True):
    """The 2x3 matrix (row-major, 6 floats) mapping output → input pixel coordinates for
    rotation ``angle`` (degrees), translation, scale and shear (degrees, x then y) about
    ``center``: M = T * C * R * S * Sh * C^-1, inverted."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
        m[2] += cx
        m[5] += cy
        return m
    m = [a * scale, b * scale, 0.0, c * scale, d * scale, 0.0]
    m[2] += m[0] * (-cx) + m[1] * (-cy) + cx + tx
    m[5] += m[3] * (-cx) + m[4] * (-cy) + cy + ty
    return m


def _tensor_fill(fill, img):
    if fill is None:
        return None
    return [float(fill)] if isinstance(fill, numbers.Number) else [float(f) for f in fill]


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False,
           center: Optional[List[int]] = None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the centre);
    ``expand`` grows the output to hold the whole rotated image."""
    interpolation = _interp(interpolation)
    _check_img(img)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and len(center) != 2:
        raise ValueError("Argument center should be a sequence of length 2")
    if not isinstance(img, Tensor):
        return F_pil.rotate(img, angle, _PIL_MODES[interpolation], expand, center, fill)
    _, h, w = get_dimensions(img)
    center_f = [0.0, 0.0] if center is None else \
        [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_size = F_t._compute_affine_output_size(matrix, w, h) if expand else None
    return F_t._apply_affine(img, matrix, interpolation.value, _tensor_fill(fill, img),
                             out_size)


def affine(img, angle: float, translate: List[int], scale: float, shear,
           interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Affine map keeping the image centre invariant: rotation ``angle`` (clockwise degrees),
    ``translate`` (dx, dy) pixels, ``scale``, ``shear`` (degrees: a number or (x, y))."""
    interpolation = _interp(interpolation)
    _check_img(img)
    if not isinstance(translate, (list, tuple)) or len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if isinstance(shear, numbers.Number):
        shear = [float(shear), 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    _, h, w = get_dimensions(img)
    if not isinstance(img, Tensor):
        center_p = [w * 0.5, h * 0.5] if center is None else list(center)
        matrix = _get_inverse_affine_matrix(center_p, angle, list(translate), scale, shear)
        return F_pil.affine(img, matrix, _PIL_MODES[interpolation], fill)
    center_f = [0.0, 0.0] if center is None else \
        [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
    matrix = _get_inverse_affine_matrix(center_f, angle, [1.0 * t for t in translate], scale,
                                        shear)
    return F_t._apply_affine(img, matrix, interpolation.value, _tensor_fill(fill, img))


def five_crop(img, size):
    """(top-left, top-right, bottom-left, bottom-right, center) crops of ``size``."""
    ch, cw = _pair(size)
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        raise ValueError(f"Requested crop size {(ch, cw)} is bigger than input size {(h, w)}")
    return (crop(img, 0, 0, ch, cw), crop(img, 0, w - cw, ch, cw),
            crop(img, h - ch, 0, ch, cw), crop(img, h - ch, w - cw, ch, cw),
            center_crop(img, [ch, cw]))


def ten_crop(img, size, vertical_flip: bool = False):
    """``five_crop`` of the image and of its (horizontally, or vertically) flipped copy."""
    first = five_crop(img, size)
    flipped = vflip(img) if vertical_flip else hflip(img)
    return first + five_crop(flipped, size)


# --- colour -------------------------------------------------------------------------------
def _colour(name, img, factor, check_nonneg=True):
    _check_img(img)
    if check_nonneg and factor < 0:
        raise ValueError(f"{name}_factor ({factor}) is not non-negative.")
    mod = F_t if isinstance(img, Tensor) else F_pil
    return getattr(mod, f"adjust_{name}")(img, factor)


def adjust_brightness(img, brightness_factor: float):
    """Blend with black: 0 gives black, 1 the original, 2 twice as bright."""
    return _colour("brightness", img, brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    """Blend with the mean grey level: 0 gives a solid grey image, 1 the original."""
    return _colour("contrast", img, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    """Blend with the greyscale image: 0 gives greyscale, 1 the original."""
    return _colour("saturation", img, saturation_factor)


def adjust_sharpness(img, sharpness_factor: float):
    return _colour("sharpness", img, sharpness_factor)


def adjust_hue(img, hue_factor: float):
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5])."""
    return _colour("hue", img, hue_factor, check_nonneg=False)


def adjust_gamma(img, gamma: float, gain: float = 1.0):
    _check_img(img)
    if isinstance(img, Tensor):
        return F_t.adjust_gamma(img, gamma, gain)
    return F_pil.adjust_gamma(img, gamma, gain)


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` with 1 or 3 output channels."""
    _check_img(img)
    if isinstance(img, Tensor):
        return F_t.rgb_to_grayscale(img, num_output_channels)
    return F_pil.to_grayscale(img, num_output_channels)


to_grayscale = rgb_to_grayscale


def invert(img):
    _check_img(img)
    return F_t.invert(img) if isinstance(img, Tensor) else F_pil.invert(img)


def posterize(img, bits: int):
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    _check_img(img)
    return F_t._posterize(img, bits) if isinstance(img, Tensor) else F_pil.posterize(img, bits)


def solarize(img, threshold: float):
    _check_img(img)
    return F_t.solarize(img, threshold) if isinstance(img, Tensor) else \
        F_pil.solarize(img, threshold)


def autocontrast(img):
    _check_img(img)
    return F_t.autocontrast(img) if isinstance(img, Tensor) else F_pil.autocontrast(img)


def equalize(img):
    _check_img(img)
    return F_t.equalize(img) if isinstance(img, Tensor) else F_pil.equalize(img)


def gaussian_blur(img, kernel_size, sigma=None):
    """Gaussian blur; ``kernel_size`` odd (int or (kx, ky)), ``sigma`` default
    ``0.3 * ((k - 1) * 0.5 - 1) + 0.8``. PIL images are blurred as uint8 tensors."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got "
                        f"{type(kernel_size)}")
    ks = [kernel_size, kernel_size] if isinstance(kernel_size, int) else list(kernel_size)
    if len(ks) == 1:
        ks = ks * 2
    if len(ks) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(ks)}")
    for k in ks:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {ks}")
    if sigma is None:
        sg = [k * 0.15 + 0.35 for k in ks]  # = 0.3 * ((k - 1) * 0.5 - 1) + 0.8
    elif isinstance(sigma, (int, float)):
        sg = [float(sigma), float(sigma)]
    else:
        sg = [float(s) for s in sigma]
        sg = sg * 2 if len(sg) == 1 else sg
        if len(sg) != 2:
            raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sg)}")
    for s in sg:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sg}")
    _check_img(img)
    if isinstance(img, Tensor):
        return F_t.gaussian_blur(img, ks, sg)
    out = F_t.gaussian_blur(pil_to_tensor(img), ks, sg)
    return to_pil_image(out, mode=img.mode)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v, inplace: bool = False) -> Tensor:
    """Set ``img[..., i:i+h, j:j+w] = v`` (tensor images only)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return F_t.erase(img, i, j, h, w, v, inplace)
