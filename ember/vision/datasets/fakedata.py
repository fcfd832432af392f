"""``FakeData``: random images and labels, the same for the same index every time."""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np

from .vision import VisionDataset


class FakeData(VisionDataset):
    """A dataset of random PIL images (``image_size`` = (C, H, W)) and integer labels.

    Sample ``i`` depends only on ``i + random_offset`` (its own seeded stream), so it is
    deterministic and leaves the global random state untouched.
    """

    def __init__(self, size: int = 1000, image_size: Sequence[int] = (3, 224, 224),
                 num_classes: int = 10, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, random_offset: int = 0) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = tuple(image_size)
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        from ..transforms import functional as F
        from ... import _tensor
        rng = np.random.Generator(np.random.PCG64(index + self.random_offset))
        img = rng.standard_normal(self.image_size, dtype=np.float32)
        target = int(rng.integers(0, self.num_classes))
        img = F.to_pil_image(_tensor._wrap(img))  # like torchvision: randn → ToPILImage
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return self.size
