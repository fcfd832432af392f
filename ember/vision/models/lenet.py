"""The 60-minute blitz's LeNet-style CIFAR-10 network, as a reusable model."""
from __future__ import annotations

from ... import nn
from ..._tensor import Tensor
from ._api import load_weights

__all__ = ["LeNet", "lenet"]


class LeNet(nn.Module):
    """conv(C→6, 5) → pool → conv(6→16, 5) → pool → 120 → 84 → classes.
    Shapes: (N, in_channels, 32, 32) → (N, num_classes)."""

    def __init__(self, num_classes: int = 10, in_channels: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool(nn.functional.relu(self.conv1(x)))
        x = self.pool(nn.functional.relu(self.conv2(x)))
        x = x.flatten(1)
        x = nn.functional.relu(self.fc1(x))
        x = nn.functional.relu(self.fc2(x))
        return self.fc3(x)


def lenet(*, weights=None, progress: bool = True, **kwargs) -> LeNet:
    return load_weights(LeNet(**kwargs), weights, progress)
