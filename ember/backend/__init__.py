"""The only place that knows which array library runs: NumPy on the CPU, CuPy on CUDA.

Ops are written once against an array module ``xp`` obtained from :func:`array_module`
(Chainer's ``get_array_module`` idea); a device is a value that carries its array module.
"""
from __future__ import annotations

import numpy as np

from .._device import device as _device

try:  # CuPy is optional: only present on machines with an NVIDIA GPU.
    import cupy as _cupy
    try:
        _CUDA_COUNT = _cupy.cuda.runtime.getDeviceCount()
    except Exception:  # noqa: BLE001 - no driver / no device
        _CUDA_COUNT = 0
except ImportError:
    _cupy = None
    _CUDA_COUNT = 0

CPU = _device("cpu")


def cuda_available() -> bool:
    return _CUDA_COUNT > 0


def cuda_device_count() -> int:
    return _CUDA_COUNT


def array_module(arr):
    """The array namespace (``numpy`` or ``cupy``) that owns ``arr``."""
    if type(arr) is np.ndarray or _cupy is None:
        return np
    return _cupy.get_array_module(arr)


def module_for_device(dev: _device):
    """The array namespace that allocates on ``dev``."""
    if dev.type == "cpu":
        return np
    if dev.type == "cuda":
        _require_cuda(dev)
        return _cupy
    raise RuntimeError(f"unsupported device {dev}")


def device_of(arr) -> _device:
    """The Ember device of an array."""
    if type(arr) is np.ndarray:
        return CPU
    if _cupy is not None and isinstance(arr, _cupy.ndarray):
        return _device("cuda", arr.device.id)
    return CPU


def _require_cuda(dev: _device):
    if _cupy is None or _CUDA_COUNT == 0:
        raise RuntimeError(
            f"cannot use device {dev}: Ember's CUDA backend needs CuPy and an NVIDIA GPU "
            "(ember.cuda.is_available() is False here)")
    if dev.index is not None and dev.index >= _CUDA_COUNT:
        raise RuntimeError(f"CUDA device {dev.index} requested but only {_CUDA_COUNT} present")


def to_device(arr, dev: _device):
    """Copy ``arr`` to ``dev`` (returns ``arr`` itself when it is already there)."""
    src = device_of(arr)
    if src == dev or (src.type == dev.type == "cuda" and dev.index is None):
        return arr
    if dev.type == "cpu":
        return _cupy.asnumpy(arr)
    _require_cuda(dev)
    with _cupy.cuda.Device(dev.index or 0):
        return _cupy.asarray(arr)


def to_numpy(arr) -> np.ndarray:
    """A NumPy array with ``arr``'s values (no copy on the CPU)."""
    if type(arr) is np.ndarray:
        return arr
    return _cupy.asnumpy(arr) if _cupy is not None and not isinstance(arr, np.ndarray) else arr
