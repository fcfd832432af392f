"""``ember.utils``: data loading (``ember.utils.data``) and the safetensors format."""
from . import data  # noqa: F401
from ..serialization import safetensors  # noqa: F401
