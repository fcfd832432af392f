"""Shared model-builder plumbing: ``weights=`` as None or a local PyTorch weight file."""
from __future__ import annotations

import os


def load_weights(model, weights, progress: bool = True):
    """Load ``weights`` (None, a path to a PyTorch/Ember state_dict file, or a state_dict)."""
    if weights is None:
        return model
    if isinstance(weights, dict):
        state = weights
    elif isinstance(weights, (str, os.PathLike)):
        from ... import serialization
        state = serialization.load(weights, map_location="cpu", weights_only=True)
    else:
        raise ValueError(
            f"weights={weights!r}: Ember builds models with weights=None or loads a local "
            "weight file (a path to a state_dict saved by torch.save or ember.save); it does not "
            "download pretrained weights")
    if isinstance(state, dict) and "state_dict" in state and not any(
            k.endswith(".weight") for k in state):
        state = state["state_dict"]
    model.load_state_dict(state)
    return model
