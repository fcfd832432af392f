"""AutoAugment (learned policies), RandAugment and TrivialAugmentWide."""
from __future__ import annotations

import math
from enum import Enum
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..._tensor import Tensor
from ...nn import Module
from . import functional as F
from .functional import InterpolationMode, _interp
from .transforms import _rand, _randint

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide"]


class AutoAugmentPolicy(Enum):
    """The datasets AutoAugment's policies were learned on."""
    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


def _apply_op(img, op_name: str, magnitude: float, interpolation, fill):
    if op_name == "ShearX":
        # Shear about the top-left corner (center=[0, 0]), as the reference implementation.
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                        shear=[math.degrees(math.atan(magnitude)), 0.0],
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name == "ShearY":
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                        shear=[0.0, math.degrees(math.atan(magnitude))],
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name == "TranslateX":
        return F.affine(img, angle=0.0, translate=[int(magnitude), 0], scale=1.0,
                        interpolation=interpolation, shear=[0.0, 0.0], fill=fill)
    if op_name == "TranslateY":
        return F.affine(img, angle=0.0, translate=[0, int(magnitude)], scale=1.0,
                        interpolation=interpolation, shear=[0.0, 0.0], fill=fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    if op_name == "Brightness":
        return F.adjust_brightness(img, 1.0 + magnitude)
    if op_name == "Color":
        return F.adjust_saturation(img, 1.0 + magnitude)
    if op_name == "Contrast":
        return F.adjust_contrast(img, 1.0 + magnitude)
    if op_name == "Sharpness":
        return F.adjust_sharpness(img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return F.solarize(img, magnitude)
    if op_name == "AutoContrast":
        return F.autocontrast(img)
    if op_name == "Equalize":
        return F.equalize(img)
    if op_name == "Invert":
        return F.invert(img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


def _space(num_bins: int, image_size: Tuple[int, int], wide: bool = False) -> Dict:
    """op name → (magnitudes per bin, signed); ``image_size`` is [width, height]."""
    lin = np.linspace
    if wide:
        return {"Identity": (np.zeros(1), False), "ShearX": (lin(0.0, 0.99, num_bins), True),
                "ShearY": (lin(0.0, 0.99, num_bins), True),
                "TranslateX": (lin(0.0, 32.0, num_bins), True),
                "TranslateY": (lin(0.0, 32.0, num_bins), True),
                "Rotate": (lin(0.0, 135.0, num_bins), True),
                "Brightness": (lin(0.0, 0.99, num_bins), True),
                "Color": (lin(0.0, 0.99, num_bins), True),
                "Contrast": (lin(0.0, 0.99, num_bins), True),
                "Sharpness": (lin(0.0, 0.99, num_bins), True),
                "Posterize": (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / 6)), False),
                "Solarize": (lin(255.0, 0.0, num_bins), False),
                "AutoContrast": (np.zeros(1), False), "Equalize": (np.zeros(1), False)}
    return {"ShearX": (lin(0.0, 0.3, num_bins), True), "ShearY": (lin(0.0, 0.3, num_bins), True),
            "TranslateX": (lin(0.0, 150.0 / 331.0 * image_size[0], num_bins), True),
            "TranslateY": (lin(0.0, 150.0 / 331.0 * image_size[1], num_bins), True),
            "Rotate": (lin(0.0, 30.0, num_bins), True),
            "Brightness": (lin(0.0, 0.9, num_bins), True),
            "Color": (lin(0.0, 0.9, num_bins), True),
            "Contrast": (lin(0.0, 0.9, num_bins), True),
            "Sharpness": (lin(0.0, 0.9, num_bins), True),
            "Posterize": (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / 4)), False),
            "Solarize": (lin(255.0, 0.0, num_bins), False),
            "AutoContrast": (np.zeros(1), False), "Equalize": (np.zeros(1), False),
            "Invert": (np.zeros(1), False)}


def _fill(fill, img):
    if isinstance(img, Tensor) and isinstance(fill, (int, float)):
        return [float(fill)] * F.get_dimensions(img)[0]
    if isinstance(img, Tensor) and fill is not None:
        return [float(f) for f in fill]
    return fill


_P = {
    "imagenet": [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
        (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)),
        (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
        (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None))],
    "cifar10": [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)),
        (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)),
        (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)),
        (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)),
        (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)),
        (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)),
        (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)),
        (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)),
        (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)),
        (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)),
        (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)),
        (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None))],
    "svhn": [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)),
        (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None))],
}


class AutoAugment(Module):
    """AutoAugment (Cubuk et al.): pick one learned sub-policy of two ops per image. Images
    are uint8 tensors or PIL images."""

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation=InterpolationMode.NEAREST, fill: Optional[List[float]] = None):
        super().__init__()
        self.policy = AutoAugmentPolicy(policy)
        self.interpolation = _interp(interpolation)
        self.fill = fill
        self.policies = _P[self.policy.value]

    @staticmethod
    def get_params(transform_num: int) -> Tuple[int, List[float], List[int]]:
        """(sub-policy index, two probabilities, two signs)."""
        return _randint(0, transform_num), [_rand(), _rand()], [_randint(0, 2), _randint(0, 2)]

    def forward(self, img):
        fill = _fill(self.fill, img)
        _, h, w = F.get_dimensions(img)
        tid, probs, signs = self.get_params(len(self.policies))
        space = _space(10, (w, h))
        for i, (op, p, mid) in enumerate(self.policies[tid]):
            if probs[i] <= p:
                mags, signed = space[op]
                mag = float(mags[mid]) if mid is not None else 0.0
                if signed and signs[i] == 0:
                    mag *= -1.0
                img = _apply_op(img, op, mag, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(Module):
    """RandAugment: ``num_ops`` random ops at a fixed ``magnitude`` bin."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation=InterpolationMode.NEAREST, fill=None) -> None:
        super().__init__()
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = _interp(interpolation)
        self.fill = fill

    def forward(self, img):
        fill = _fill(self.fill, img)
        _, h, w = F.get_dimensions(img)
        space = _space(self.num_magnitude_bins, (w, h))
        space = {"Identity": (np.zeros(1), False), **{k: v for k, v in space.items()
                                                       if k != "Invert"}}
        names = list(space)
        for _ in range(self.num_ops):
            op = names[_randint(0, len(names))]
            mags, signed = space[op]
            mag = float(mags[self.magnitude]) if mags.ndim > 0 and len(mags) > 1 else 0.0
            if signed and _randint(0, 2):
                mag *= -1.0
            img = _apply_op(img, op, mag, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}"
                f", num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class TrivialAugmentWide(Module):
    """TrivialAugment (wide space): one random op at a random magnitude per image."""

    def __init__(self, num_magnitude_bins: int = 31, interpolation=InterpolationMode.NEAREST,
                 fill=None) -> None:
        super().__init__()
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = _interp(interpolation)
        self.fill = fill

    def forward(self, img):
        fill = _fill(self.fill, img)
        space = _space(self.num_magnitude_bins, (0, 0), wide=True)
        names = list(space)
        op = names[_randint(0, len(names))]
        mags, signed = space[op]
        mag = float(mags[_randint(0, len(mags))]) if len(mags) > 1 else 0.0
        if signed and _randint(0, 2):
            mag *= -1.0
        return _apply_op(img, op, mag, interpolation=self.interpolation, fill=fill)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
