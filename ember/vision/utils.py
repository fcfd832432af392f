"""``ember.vision.utils``: ``make_grid``, ``save_image`` and ``draw_bounding_boxes``."""
from __future__ import annotations

import math
from typing import List, Optional, Tuple, Union

import numpy as np

from .._tensor import Tensor, _wrap
from ..ops._common import xp_of

__all__ = ["make_grid", "save_image", "draw_bounding_boxes"]


def _as_batch(tensor) -> "np.ndarray":
    if isinstance(tensor, (list, tuple)):
        if not tensor or not all(isinstance(t, Tensor) for t in tensor):
            raise TypeError("make_grid: expected a tensor or a non-empty list of tensors")
        shapes = {tuple(t.shape) for t in tensor}
        if len(shapes) != 1:
            raise RuntimeError(f"make_grid: all images must have the same shape, got "
                               f"{sorted(shapes)}")
        a = xp_of(tensor[0]._data).stack([t.detach()._data for t in tensor])
    elif isinstance(tensor, Tensor):
        a = tensor.detach()._data
    else:
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    return a


def make_grid(tensor: Union[Tensor, List[Tensor]], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: Optional[Tuple[int, int]] = None,
              scale_each: bool = False, pad_value: float = 0.0, **kwargs) -> Tensor:
    """Tile a batch (B, C, H, W) (or a list of (C, H, W)) into one image (C, H', W').

    ``nrow`` images per row, ``padding`` pixels of ``pad_value`` around each; one-channel
    images become three-channel. ``normalize`` maps ``value_range`` (default: min..max, per
    image with ``scale_each``) to [0, 1].
    """
    if "range" in kwargs:  # torchvision's old keyword
        value_range = kwargs.pop("range")
    if kwargs:
        raise TypeError(f"make_grid() got unexpected keyword arguments {sorted(kwargs)}")
    a = _as_batch(tensor)
    xp = xp_of(a)
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        if a.shape[0] == 1:
            a = xp.concatenate([a, a, a], axis=0)
        a = a[None]
    if a.ndim != 4:
        raise ValueError(f"make_grid: expected a tensor of 2, 3 or 4 dims, got {a.ndim}")
    if a.shape[1] == 1:
        a = xp.concatenate([a, a, a], axis=1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and "
                            "max are numbers")
        a = a.astype(a.dtype, copy=True)

        def norm(img, low, high):
            img = img.clip(low, high)
            return (img - low) / max(high - low, 1e-5)

        def rng(img):
            return value_range if value_range is not None else (float(img.min()),
                                                                float(img.max()))
        if scale_each:
            a = xp.stack([norm(img, *rng(img)) for img in a]).astype(a.dtype)
        else:
            a = norm(a, *rng(a)).astype(a.dtype)
    if a.shape[0] == 1:
        return _wrap(a[0].copy())
    nmaps = a.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(a.shape[2] + padding), int(a.shape[3] + padding)
    grid = xp.full((a.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value,
                   dtype=a.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid[:, y * height + padding:(y + 1) * height,
                 x * width + padding:(x + 1) * width] = a[k]
            k += 1
    return _wrap(grid)


def save_image(tensor: Union[Tensor, List[Tensor]], fp, format: Optional[str] = None,
               **kwargs) -> None:
    """``make_grid`` the images and save them (values in [0, 1]) with Pillow to ``fp`` (a path
    or a file object; ``format`` overrides the file extension)."""
    from PIL import Image
    grid = make_grid(tensor, **kwargs)._data
    grid = grid.get() if hasattr(grid, "get") else grid
    arr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8)  # round, then truncate
    arr = np.ascontiguousarray(arr.transpose(1, 2, 0))
    im = Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr)
    im.save(fp, format=format)


def draw_bounding_boxes(image: Tensor, boxes: Tensor, labels: Optional[List[str]] = None,
                        colors=None, fill: bool = False, width: int = 1, font=None,
                        font_size: Optional[int] = None, label_colors=None) -> Tensor:
    """Draw boxes (N, 4) in (xmin, ymin, xmax, ymax) pixels on a uint8 image (C, H, W)."""
    from PIL import Image, ImageDraw, ImageFont
    if not isinstance(image, Tensor) or image.dtype.name != "uint8" or image.ndim != 3 or \
            image.shape[0] not in (1, 3):
        raise ValueError("draw_bounding_boxes: expected a uint8 image tensor (C, H, W) with "
                         "C = 1 or 3")
    b = np.asarray(boxes._data if isinstance(boxes, Tensor) else boxes, dtype=np.float64)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"draw_bounding_boxes: boxes must have shape (N, 4), got {b.shape}")
    if ((b[:, 0] > b[:, 2]) | (b[:, 1] > b[:, 3])).any():
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format. Use "
                         "torchvision.ops.box_convert to convert them")
    n = b.shape[0]
    if labels is not None and len(labels) != n:
        raise ValueError(f"Number of boxes ({n}) and labels ({len(labels)}) mismatch. Please "
                         "specify labels for each box.")
    palette = ["red", "green", "blue", "yellow", "cyan", "magenta", "orange", "purple",
               "white", "lime"]
    if colors is None:
        colors = [palette[i % len(palette)] for i in range(n)]
    elif isinstance(colors, (str, tuple)):
        colors = [colors] * n
    a = np.asarray(image._data)
    arr = a.transpose(1, 2, 0)
    img = Image.fromarray(np.ascontiguousarray(np.repeat(arr, 3, 2) if a.shape[0] == 1 else arr))
    draw = ImageDraw.Draw(img, "RGBA" if fill else None)
    txt_font = ImageFont.load_default() if font is None else \
        ImageFont.truetype(font=font, size=font_size or 10)
    for i, box in enumerate(b.tolist()):
        color = colors[i]
        if fill:
            from PIL import ImageColor
            rgb = ImageColor.getrgb(color) if isinstance(color, str) else tuple(color)
            draw.rectangle(box, width=width, outline=color, fill=rgb[:3] + (100,))
        else:
            draw.rectangle(box, width=width, outline=color)
        if labels is not None:
            margin = width + 1
            draw.text((box[0] + margin, box[1] + margin), labels[i], fill=color, font=txt_font)
    out = np.asarray(img).transpose(2, 0, 1)
    if a.shape[0] == 1:
        out = out[:1]
    return _wrap(np.ascontiguousarray(out))
