"""Tensor kernels of ``transforms.functional``: images are tensors of shape (..., C, H, W).

Pixel maths runs on the tensor's array (NumPy or CuPy) and the result is wrapped back; integer
images are computed in floating point and rounded back the way torchvision does.
"""
from __future__ import annotations

from typing import List, Sequence

import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor, _wrap
from ...ops._common import xp_of

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.int32): 2 ** 31 - 1, np.dtype(np.int64): 2 ** 63 - 1}


def _assert_image_tensor(img) -> None:
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be a Tensor image, got {type(img).__name__}")
    if img.ndim < 2:
        raise TypeError(f"Tensor is not a torch image: expected shape (..., C, H, W) or (H, W), "
                        f"got {tuple(img.shape)}")


def get_dimensions(img: Tensor) -> List[int]:
    _assert_image_tensor(img)
    c = 1 if img.ndim == 2 else img.shape[-3]
    return [c, img.shape[-2], img.shape[-1]]


def _max_value(dtype) -> float:
    dt = np.dtype(dtype)
    return 1.0 if dt.kind in "fc" else _INT_MAX.get(dt, 255)


def _is_float(arr) -> bool:
    return arr.dtype.kind == "f"


def _work_dtype(arr):
    """Floating dtype to compute an image in (float32 for integer images)."""
    return arr.dtype if _is_float(arr) else np.dtype(np.float32)


def _cast_back(out, dtype, clamp: bool = True):
    """Round/clamp a floating result back to an integer image dtype (no-op for floats)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return out.astype(dtype, copy=False)
    out = out.round()
    if clamp:
        out = out.clip(0 if dtype.kind == "u" else -_INT_MAX[dtype] - 1, _INT_MAX[dtype])
    return out.astype(dtype)


def _check_channels(img: Tensor, allowed: Sequence[int]) -> int:
    c = get_dimensions(img)[0]
    if c not in allowed:
        raise TypeError(f"Input image tensor permitted channel values are {list(allowed)}, but "
                        f"found {c}")
    return c


# --- dtype --------------------------------------------------------------------------------
def convert_image_dtype(image: Tensor, dtype=None) -> Tensor:
    """Convert an image's dtype, rescaling values (ints span [0, MAX], floats [0, 1])."""
    dtype = D.float32 if dtype is None else dtype
    _assert_image_tensor(image)
    dtype = D.to_dtype(dtype)
    a = image._data
    src, dst = a.dtype, np.dtype(dtype.np)
    if src == dst:
        return image
    if src.kind == "f":
        if dst.kind == "f":
            return _wrap(a.astype(dst))
        if (src == np.float32 and dst in (np.int32, np.int64)) or \
                (src == np.float64 and dst == np.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed "
                               "safely.")
        # (MAX + 1 - eps) maps 1.0 to MAX while splitting [0, 1] into equal-width bins.
        return _wrap((a * (_max_value(dst) + 1.0 - 1e-3)).astype(dst))
    in_max = _max_value(src)
    if dst.kind == "f":
        return _wrap((a.astype(dst) / dst.type(in_max)).astype(dst))
    out_max = _max_value(dst)
    if in_max > out_max:
        factor = (in_max + 1) // (out_max + 1)
        return _wrap((a // factor).astype(dst))
    factor = (out_max + 1) // (in_max + 1)
    return _wrap(a.astype(dst) * dst.type(factor))


# --- geometry -----------------------------------------------------------------------------
def hflip(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    return img.flip(-1)


def vflip(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    return img.flip(-2)


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """The (height, width) window at (top, left); parts outside the image are zeros."""
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        inner = img[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)]
        pads = [max(-left, 0), max(-top, 0), max(right - max(w, left), 0),
                max(bottom - max(h, top), 0)]
        return pad(inner, pads, fill=0)
    return img[..., top:bottom, left:right]


def _parse_padding(padding) -> List[int]:
    if isinstance(padding, int):
        return [padding] * 4
    padding = list(padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    if len(padding) == 4:
        return padding
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                     f"{len(padding)} element tuple")


_NP_PAD_MODE = {"constant": "constant", "edge": "edge", "reflect": "reflect",
                "symmetric": "symmetric"}


def pad(img: Tensor, padding, fill=0, padding_mode: str = "constant") -> Tensor:
    """Pad the last two dims by (left, top, right, bottom); negative values crop."""
    _assert_image_tensor(img)
    if padding_mode not in _NP_PAD_MODE:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _parse_padding(padding)
    a = img._data
    h, w = a.shape[-2:]
    # Negative padding crops first (torchvision allows it for tensors).
    a = a[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    top, bottom, left, right = (max(p, 0) for p in (top, bottom, left, right))
    if padding_mode == "reflect" and (max(top, bottom) >= a.shape[-2] or
                                      max(left, right) >= a.shape[-1]):
        raise RuntimeError(f"Padding size should be less than the corresponding input dimension"
                           f", but got padding ({left}, {right}, {top}, {bottom}) for an image of"
                           f" size {tuple(a.shape[-2:])}")
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    xp = xp_of(a)
    if padding_mode == "constant":
        if fill is None:
            fill = 0
        if isinstance(fill, (list, tuple)) and len(fill) > 1 and a.ndim >= 3:
            out = xp.pad(a, widths, mode="constant")
            f = xp.asarray(fill, dtype=a.dtype).reshape(-1, 1, 1)
            mask = xp.ones(a.shape[-2:], dtype=bool)
            mask = xp.pad(mask, widths[-2:], mode="constant")
            out = xp.where(mask, out, f)
            return _wrap(out)
        if isinstance(fill, (list, tuple)):
            fill = fill[0]
        return _wrap(xp.pad(a, widths, mode="constant", constant_values=a.dtype.type(fill)))
    return _wrap(xp.pad(a, widths, mode=_NP_PAD_MODE[padding_mode]))


# --- resampling weights -------------------------------------------------------------------
def _cubic(x, a):
    x = np.abs(x)
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


_FILTERS = {  # (support, filter) as in Pillow's resampling (used for antialiasing)
    "bilinear": (1.0, lambda x: np.clip(1.0 - np.abs(x), 0.0, None)),
    "bicubic": (2.0, lambda x: _cubic(x, -0.5)),
}


def _resize_matrix(n_in: int, n_out: int, mode: str, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) matrix M with out = M @ in along one axis."""
    scale = n_in / n_out
    m = np.zeros((n_out, n_in), dtype=np.float64)
    dst = np.arange(n_out, dtype=np.float64)
    if mode in ("nearest", "nearest-exact"):
        src = np.floor((dst + (0.5 if mode == "nearest-exact" else 0.0)) * scale)
        m[np.arange(n_out), np.minimum(src.astype(np.int64), n_in - 1)] = 1.0
        return m
    if antialias:  # Pillow's separable filter: the support widens with the downscale factor
        support, filt = _FILTERS[mode]
        fscale = max(scale, 1.0)
        for i in range(n_out):
            center = (i + 0.5) * scale
            lo = max(int(center - support * fscale + 0.5), 0)
            hi = min(int(center + support * fscale + 0.5), n_in)
            w = filt((np.arange(lo, hi) - center + 0.5) / fscale)
            total = w.sum()
            m[i, lo:hi] = w / total if total != 0 else w
        return m
    src = (dst + 0.5) * scale - 0.5  # align_corners=False
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        i0 = np.floor(src).astype(np.int64)
        lam = src - i0
        i0 = np.minimum(i0, n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        np.add.at(m, (np.arange(n_out), i0), 1.0 - lam)
        np.add.at(m, (np.arange(n_out), i1), lam)
        return m
    i0 = np.floor(src).astype(np.int64)
    t = src - i0
    for k in range(-1, 3):  # bicubic with a = -0.75 (PyTorch's), borders clamped
        idx = np.clip(i0 + k, 0, n_in - 1)
        np.add.at(m, (np.arange(n_out), idx), _cubic(t - k, -0.75))
    return m


def resize(img: Tensor, size: List[int], interpolation: str = "bilinear",
           antialias: bool = True) -> Tensor:
    """Resize the last two dims to ``size`` = [h, w]."""
    _assert_image_tensor(img)
    a = img._data
    h, w = a.shape[-2:]
    oh, ow = int(size[0]), int(size[1])
    if (oh, ow) == (h, w):
        return img
    if interpolation not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"Interpolation {interpolation!r} is not supported for tensors; use "
                         "nearest, nearest-exact, bilinear or bicubic")
    antialias = bool(antialias) and interpolation in ("bilinear", "bicubic")
    xp = xp_of(a)
    if interpolation.startswith("nearest"):  # a gather keeps the dtype exactly
        ri = np.argmax(_resize_matrix(h, oh, interpolation, False), axis=1)
        ci = np.argmax(_resize_matrix(w, ow, interpolation, False), axis=1)
        return _wrap(a[..., xp.asarray(ri)[:, None], xp.asarray(ci)[None, :]])
    wd = _work_dtype(a) if _is_float(a) else np.dtype(np.float64)
    mh = xp.asarray(_resize_matrix(h, oh, interpolation, antialias).astype(wd))
    mw = xp.asarray(_resize_matrix(w, ow, interpolation, antialias).astype(wd))
    out = xp.matmul(xp.matmul(mh, a.astype(wd)), mw.T)
    return _wrap(_cast_back(out, a.dtype))


# --- affine warps -------------------------------------------------------------------------
def _compute_affine_output_size(matrix: List[float], w: int, h: int):
    """(w, h) of the box holding the whole image after the (inverse) affine ``matrix``."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]])
    theta = np.array(matrix, dtype=np.float64).reshape(2, 3)
    new = pts @ theta.T
    tol = 1e-4  # round away float noise before ceil/floor (a 90° turn stays the same size)
    cmax = np.ceil(np.trunc(new.max(0) / tol) * tol)
    cmin = np.floor(np.trunc(new.min(0) / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def _apply_affine(img: Tensor, matrix: List[float], interpolation: str, fill,
                  out_size=None) -> Tensor:
    """Sample the image at the inverse-mapped position of every output pixel (zeros or
    ``fill`` outside), like ``grid_sample(align_corners=False)`` on an affine grid."""
    a = img._data
    xp = xp_of(a)
    h, w = a.shape[-2:]
    ow, oh = (w, h) if out_size is None else out_size
    theta = np.array(matrix, dtype=np.float64).reshape(2, 3)
    x = np.arange(ow) + 0.5 - ow * 0.5
    y = np.arange(oh) + 0.5 - oh * 0.5
    X, Y = np.meshgrid(x, y)
    sx = theta[0, 0] * X + theta[0, 1] * Y + theta[0, 2] + w * 0.5 - 0.5
    sy = theta[1, 0] * X + theta[1, 1] * Y + theta[1, 2] + h * 0.5 - 0.5
    lead = a.shape[:-2]
    flat = a.reshape((-1,) + a.shape[-2:]).astype(_work_dtype(a))
    if interpolation == "nearest":
        xi, yi = np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64)
        valid = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        vals = flat[:, xp.asarray(np.clip(yi, 0, h - 1)), xp.asarray(np.clip(xi, 0, w - 1))]
        mask = valid.astype(np.float64)
        out = vals * xp.asarray(valid)
    elif interpolation == "bilinear":
        x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
        fx, fy = sx - x0, sy - y0
        out = 0
        mask = 0
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                xi, yi = x0 + dx, y0 + dy
                valid = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                wgt = wx * wy * valid
                mask = mask + wgt
                vals = flat[:, xp.asarray(np.clip(yi, 0, h - 1)),
                            xp.asarray(np.clip(xi, 0, w - 1))]
                out = out + vals * xp.asarray(wgt.astype(flat.dtype))
    else:
        raise ValueError(f"Interpolation {interpolation!r} is not supported for tensor "
                         "rotate/affine; use nearest or bilinear")
    if fill is not None:
        c = flat.shape[0] // max(int(np.prod(lead[:-1])) if len(lead) > 1 else 1, 1)
        fill_list = [float(fill)] * c if isinstance(fill, (int, float)) else \
            [float(f) for f in fill]
        if len(fill_list) == 1:
            fill_list = fill_list * c
        if len(fill_list) != c:
            raise ValueError(f"The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill_list)} != {c})")
        fimg = xp.asarray(np.tile(np.array(fill_list, dtype=flat.dtype),
                                  flat.shape[0] // c)).reshape(-1, 1, 1)
        m = xp.asarray(mask.astype(flat.dtype))
        if interpolation == "nearest":
            out = xp.where(m < 0.5, fimg, out)
        else:
            out = out * m + (1.0 - m) * fimg
    out = out.reshape(lead + (oh, ow))
    return _wrap(_cast_back(out, a.dtype))


# --- colour -------------------------------------------------------------------------------
def _gray(a):
    """Luma (ITU-R 601-2 weights) of (..., 3, H, W) as float (..., 1, H, W)."""
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    wd = _work_dtype(a)
    return (0.2989 * r.astype(wd) + 0.587 * g.astype(wd) + 0.114 * b.astype(wd))[..., None, :, :]


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    c = _check_channels(img, (1, 3))
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    a = img._data
    # torchvision converts the luma back with .to(dtype): truncation for integer images.
    gray = _gray(a).astype(a.dtype) if c == 3 else a.copy()
    if num_output_channels == 3:
        gray = xp_of(a).broadcast_to(gray, gray.shape[:-3] + (3,) + gray.shape[-2:]).copy()
    return _wrap(gray)


def _blend(a, b, ratio: float):
    bound = _max_value(a.dtype)
    out = ratio * a.astype(_work_dtype(a)) + (1.0 - ratio) * b
    return out.clip(0, bound).astype(a.dtype)  # .to(dtype) truncates, like torchvision


def adjust_brightness(img: Tensor, factor: float) -> Tensor:
    _check_channels(img, (1, 3))
    return _wrap(_blend(img._data, 0.0, factor))


def adjust_contrast(img: Tensor, factor: float) -> Tensor:
    c = _check_channels(img, (3, 1))
    a = img._data
    g = _gray(a).astype(a.dtype).astype(_work_dtype(a)) if c == 3 else \
        a.astype(_work_dtype(a))
    mean = g.mean(axis=(-3, -2, -1), keepdims=True)
    return _wrap(_blend(a, mean, factor))


def adjust_saturation(img: Tensor, factor: float) -> Tensor:
    c = _check_channels(img, (1, 3))
    if c == 1:
        return img
    a = img._data
    return _wrap(_blend(a, _gray(a).astype(a.dtype).astype(_work_dtype(a)), factor))


def _rgb2hsv(a):
    xp = xp_of(a)
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    maxc, minc = a.max(axis=-3), a.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    s = cr / xp.where(eqc, 1.0, maxc)
    div = xp.where(eqc, 1.0, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    h = (maxc == r) * (bc - gc) + ((maxc == g) & (maxc != r)) * (2.0 + rc - bc) + \
        ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = xp.fmod(h / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv2rgb(h, s, v):
    xp = xp_of(h)
    i = xp.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = (v * (1.0 - s)).clip(0.0, 1.0)
    q = (v * (1.0 - s * f)).clip(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - f))).clip(0.0, 1.0)
    r = xp.choose(i, [v, q, p, p, t, v])
    g = xp.choose(i, [t, v, v, q, p, p])
    b = xp.choose(i, [p, p, t, v, v, q])
    return xp.stack([r, g, b], axis=-3)


def adjust_hue(img: Tensor, factor: float) -> Tensor:
    if not -0.5 <= factor <= 0.5:
        raise ValueError(f"hue_factor ({factor}) is not in [-0.5, 0.5].")
    c = _check_channels(img, (1, 3))
    if c == 1:
        return img
    orig = img.dtype
    a = convert_image_dtype(img, D.float32)._data
    h, s, v = _rgb2hsv(a)
    h = (h + factor) % 1.0
    out = _wrap(_hsv2rgb(h, s, v).astype(a.dtype))
    return convert_image_dtype(out, orig)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1.0) -> Tensor:
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    orig = img.dtype
    a = convert_image_dtype(img, D.float32)._data if not img.dtype.is_floating_point \
        else img._data
    out = _wrap((gain * a ** gamma).clip(0, 1).astype(a.dtype))
    return convert_image_dtype(out, orig)


def invert(img: Tensor) -> Tensor:
    _check_channels(img, (1, 3))
    a = img._data
    return _wrap((_max_value(a.dtype) - a).astype(a.dtype))


# --- filters ------------------------------------------------------------------------------
def _gaussian_kernel1d(size: int, sigma: float) -> np.ndarray:
    half = (size - 1) * 0.5
    x = np.linspace(-half, half, size)
    pdf = np.exp(-0.5 * (x / sigma) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img: Tensor, kernel_size: List[int], sigma: List[float]) -> Tensor:
    """Separable Gaussian blur with reflect padding; kernel_size/sigma are [x, y]."""
    _assert_image_tensor(img)
    a = img._data
    xp = xp_of(a)
    wd = _work_dtype(a)
    kx = xp.asarray(_gaussian_kernel1d(kernel_size[0], sigma[0]).astype(wd))
    ky = xp.asarray(_gaussian_kernel1d(kernel_size[1], sigma[1]).astype(wd))
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    h, w = a.shape[-2:]
    if px >= w or py >= h:
        raise RuntimeError(f"Gaussian kernel {tuple(kernel_size)} is too large for an image of "
                           f"size {(h, w)} (reflect padding needs kernel_size // 2 < size)")
    x = xp.pad(a.astype(wd), [(0, 0)] * (a.ndim - 2) + [(py, py), (px, px)], mode="reflect")
    out = sum(ky[k] * x[..., k:k + h, :] for k in range(kernel_size[1]))
    out = sum(kx[k] * out[..., :, k:k + w] for k in range(kernel_size[0]))
    return _wrap(_cast_back(out, a.dtype))


def erase(img: Tensor, i: int, j: int, h: int, w: int, v, inplace: bool = False) -> Tensor:
    """Set the (h, w) box at (i, j) to ``v`` (a tensor broadcastable to the box)."""
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    val = v._data if isinstance(v, Tensor) else v
    img._data[..., i:i + h, j:j + w] = val
    return img


def _posterize(img: Tensor, bits: int) -> Tensor:
    a = img._data
    if a.dtype != np.uint8:
        raise TypeError(f"Only uint8 image tensors are supported, got {img.dtype}")
    mask = -int(2 ** (8 - bits))
    return _wrap(a & np.uint8(mask & 0xFF))


def solarize(img: Tensor, threshold: float) -> Tensor:
    a = img._data
    if threshold > _max_value(a.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    inv = invert(img)._data
    return _wrap(xp_of(a).where(a >= threshold, inv, a))


def autocontrast(img: Tensor) -> Tensor:
    a = img._data
    bound = _max_value(a.dtype)
    wd = _work_dtype(a)
    lo = a.min(axis=(-2, -1), keepdims=True).astype(wd)
    hi = a.max(axis=(-2, -1), keepdims=True).astype(wd)
    eq = hi == lo
    scale = bound / xp_of(a).where(eq, 1.0, hi - lo)
    lo = xp_of(a).where(eq, 0.0, lo)
    scale = xp_of(a).where(eq, 1.0, scale)
    return _wrap(((a - lo) * scale).clip(0, bound).astype(a.dtype))


def adjust_sharpness(img: Tensor, factor: float) -> Tensor:
    a = img._data
    if a.shape[-1] <= 2 or a.shape[-2] <= 2:
        return img
    wd = _work_dtype(a)
    k = np.ones((3, 3), dtype=wd)
    k[1, 1] = 5.0
    k /= k.sum()
    x = a.astype(wd)
    h, w = a.shape[-2:]
    blur = sum(k[dy, dx] * x[..., dy:dy + h - 2, dx:dx + w - 2]
               for dy in range(3) for dx in range(3))
    blur = _cast_back(blur, a.dtype).astype(wd)
    degenerate = x.copy()
    degenerate[..., 1:-1, 1:-1] = blur
    return _wrap(_blend(a, degenerate, factor))


def equalize(img: Tensor) -> Tensor:
    a = img._data
    if a.dtype != np.uint8:
        raise TypeError(f"Only uint8 image tensors are supported, got {img.dtype}")
    xp = xp_of(a)
    flat = a.reshape((-1,) + a.shape[-2:])
    out = xp.empty_like(flat)
    for n in range(flat.shape[0]):
        ch = flat[n]
        hist = xp.bincount(ch.reshape(-1), minlength=256)
        nonzero = hist[hist != 0]
        step = int(nonzero[:-1].sum()) // 255 if nonzero.size else 0
        if step == 0:
            out[n] = ch
            continue
        lut = (xp.cumsum(hist) + step // 2) // step
        lut = xp.concatenate([xp.zeros(1, dtype=lut.dtype), lut[:-1]]).clip(0, 255)
        out[n] = lut.astype(np.uint8)[ch]
    return _wrap(out.reshape(a.shape))
