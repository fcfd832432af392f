"""``ember.vision.transforms``: torchvision's image transforms for PIL images and tensors."""
from . import functional  # noqa: F401
from ._color import (ColorJitter, GaussianBlur, Grayscale, RandomApply, RandomChoice,
                     RandomErasing, RandomGrayscale, RandomOrder)
from .functional import InterpolationMode
from .transforms import (CenterCrop, Compose, ConvertImageDtype, FiveCrop, Lambda, Normalize,
                         Pad, PILToTensor, RandomAffine, RandomCrop, RandomHorizontalFlip,
                         RandomResizedCrop, RandomRotation, RandomVerticalFlip, Resize,
                         TenCrop, ToPILImage, ToTensor)
from .autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
