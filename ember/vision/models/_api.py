"""Model-builder plumbing: ``weights=`` as None, a local file, a state_dict, or a
torchvision-style weights enum (``ResNet18_Weights.DEFAULT`` / ``"IMAGENET1K_V1"``).

Ember never downloads. An enum's file is taken from the local cache torchvision uses
(``$TORCH_HOME/hub/checkpoints`` or ``~/.cache/torch/hub/checkpoints``) or ``$EMBER_HOME``;
if it is not there, the error says where to put it.
"""
from __future__ import annotations

import os

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Weights:
    """One set of pretrained weights: its upstream URL (for reference), file name and meta."""

    def __init__(self, model: str, name: str, url: str, meta=None):
        self.model, self.name, self.url = model, name, url
        self.meta = dict(meta or {})

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    def __repr__(self) -> str:
        return f"{self.model}_Weights.{self.name}"

    def transforms(self):
        """The evaluation preprocessing these weights expect (resize 256, crop 224, normalise)."""
        from .. import transforms as T
        return T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                          T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])

    def local_path(self) -> str | None:
        dirs = [os.environ.get("EMBER_HOME", "")]
        torch_home = os.environ.get("TORCH_HOME",
                                    os.path.join(os.path.expanduser("~"), ".cache", "torch"))
        dirs += [os.path.join(torch_home, "hub", "checkpoints")]
        for d in dirs:
            p = os.path.join(d, self.filename) if d else ""
            if p and os.path.isfile(p):
                return p
        return None

    def get_state_dict(self, progress: bool = True, check_hash: bool = False) -> dict:
        path = self.local_path()
        if path is None:
            raise RuntimeError(
                f"pretrained weights {self!r} are not available locally and Ember does not "
                f"download: put {self.filename} (from {self.url}) into "
                f"$TORCH_HOME/hub/checkpoints, ~/.cache/torch/hub/checkpoints or $EMBER_HOME, "
                "or pass weights='/path/to/file.pth' (or weights=None for random init)")
        from ... import serialization
        return serialization.load(path, map_location="cpu", weights_only=True)


class WeightsEnum:
    """Class-level namespace of :class:`Weights` (``X_Weights.IMAGENET1K_V1``, ``.DEFAULT``)."""

    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, Weights):
            return obj
        if isinstance(obj, str) and hasattr(cls, obj.split(".")[-1]):
            return getattr(cls, obj.split(".")[-1])
        raise ValueError(f"{obj!r} is not a known {cls.__name__} entry")


def make_weights(model: str, files: dict, default: str) -> type:
    """A ``<model>_Weights`` class with one attribute per entry plus ``DEFAULT``."""
    attrs = {name: Weights(model, name, url) for name, url in files.items()}
    attrs["DEFAULT"] = attrs[default]
    return type(f"{model}_Weights", (WeightsEnum,), attrs)


def load_weights(model, weights, progress: bool = True, enum=None):
    """Load ``weights`` into ``model``: None, a path to a saved state_dict, a state_dict, a
    :class:`Weights` entry, or an entry's name (``"IMAGENET1K_V1"``, ``"DEFAULT"``)."""
    if weights is None:
        return model
    if isinstance(weights, str) and enum is not None and hasattr(enum, weights.split(".")[-1]) \
            and not os.path.exists(weights):
        weights = enum.verify(weights)
    if isinstance(weights, Weights):
        state = weights.get_state_dict(progress)
    elif isinstance(weights, dict):
        state = weights
    elif isinstance(weights, (str, os.PathLike)):
        from ... import serialization
        state = serialization.load(weights, map_location="cpu", weights_only=True)
    else:
        raise ValueError(
            f"weights={weights!r}: Ember builds models with weights=None or loads a local "
            "weight file (a path to a state_dict saved by torch.save or ember.save, or a "
            "weights enum whose file is cached locally); it does not download pretrained "
            "weights")
    if isinstance(state, dict) and "state_dict" in state and not any(
            k.endswith(".weight") for k in state):
        state = state["state_dict"]
    model.load_state_dict(state)
    return model
