"""Saving and loading: ``ember.save`` / ``ember.load`` and safetensors files.

``ember.save`` writes PyTorch's own zip checkpoint format (``torch.load`` reads it) and
``ember.load`` reads ``torch.save``'s files, zip or legacy, without PyTorch installed. Loading
never executes code from a file: the pickle inside is read by a restricted unpickler that
allows only tensors and plain containers (``weights_only=False`` is accepted and reads the same
way). :mod:`ember.serialization.safetensors` reads and writes the safetensors format.
"""
from __future__ import annotations

import contextlib

from . import safetensors
from ._format import DEFAULT_PROTOCOL, atomic_write, load, save
from ._restricted_unpickler import USER_SAFE as _USER_SAFE
from ._restricted_unpickler import CheckpointError, ForbiddenGlobalError

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "CheckpointError", "ForbiddenGlobalError", "safetensors",
           "DEFAULT_PROTOCOL", "atomic_write"]


def _key(obj) -> tuple:
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[1], str):
        obj, name = obj
        return name.rsplit(".", 1)[0] if "." in name else obj.__module__, \
            name.rsplit(".", 1)[-1], obj
    return obj.__module__, obj.__qualname__, obj


def add_safe_globals(safe_globals: list) -> None:
    """Allow ``load`` to resolve these classes/functions (you vouch that calling them is safe).

    Entries are objects (found under ``obj.__module__``/``obj.__qualname__``) or
    ``(obj, "module.name")`` pairs, as in ``torch.serialization.add_safe_globals``.
    """
    for entry in safe_globals:
        module, name, obj = _key(entry)
        _USER_SAFE[(module, name)] = obj


def get_safe_globals() -> list:
    """The globals added with :func:`add_safe_globals`."""
    return list(_USER_SAFE.values())


def clear_safe_globals() -> None:
    _USER_SAFE.clear()


@contextlib.contextmanager
def safe_globals(globals_list: list):
    """Context manager: :func:`add_safe_globals` for the duration of the block."""
    saved = dict(_USER_SAFE)
    add_safe_globals(globals_list)
    try:
        yield
    finally:
        _USER_SAFE.clear()
        _USER_SAFE.update(saved)
