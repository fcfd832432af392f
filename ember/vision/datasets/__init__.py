"""``ember.vision.datasets``: torchvision's datasets on the standard upstream file formats."""
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, pil_loader
from .mnist import KMNIST, MNIST, FashionMNIST
from .vision import StandardTransform, VisionDataset
from . import utils  # noqa: F401

__all__ = ["CIFAR10", "CIFAR100", "DatasetFolder", "FakeData", "FashionMNIST", "ImageFolder",
           "KMNIST", "MNIST", "StandardTransform", "VisionDataset", "IMG_EXTENSIONS",
           "default_loader", "pil_loader"]
