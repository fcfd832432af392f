"""``ember.hub``: the progress-bar alias tutorials import, and a clear answer to downloads.

Ember does not fetch models or weights from the internet; pass local files instead.
"""
from __future__ import annotations

try:
    from tqdm.auto import tqdm  # noqa: F401 - tutorials use torch.hub.tqdm
except ImportError:  # pragma: no cover
    from .utils.progress import progress as tqdm  # noqa: F401


def load_state_dict_from_url(url: str, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=True):
    """Not available: Ember never downloads weights. Save them locally and use ember.load."""
    raise RuntimeError(f"ember.hub cannot download {url!r}: Ember does not fetch weights from "
                       "the internet. Download the file yourself and load it with "
                       "ember.load(path) (PyTorch's .pth files are supported).")


def load(repo_or_dir, model, *args, **kwargs):
    raise RuntimeError("ember.hub.load is not supported: Ember does not run code from hubs")
