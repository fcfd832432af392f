"""``ember.vision``: torchvision's datasets, transforms, io and utils for Ember
(``import ember.vision as torchvision``)."""
from . import datasets, io, models, transforms, utils  # noqa: F401

__version__ = "0.1.0"
