"""``ember.cuda``: device queries (CUDA via CuPy when present)."""
from __future__ import annotations

from . import backend
from ._random import manual_seed as _manual_seed


def is_available() -> bool:
    """Whether an NVIDIA GPU and CuPy are usable."""
    return backend.cuda_available()


def device_count() -> int:
    return backend.cuda_device_count()


def current_device() -> int:
    if not is_available():
        raise RuntimeError("no CUDA device is available (ember.cuda.is_available() is False)")
    import cupy
    return cupy.cuda.runtime.getDevice()


def set_device(d) -> None:
    if is_available():
        import cupy
        cupy.cuda.runtime.setDevice(int(str(d).split(":")[-1]) if not isinstance(d, int) else d)


def synchronize(device=None) -> None:
    if is_available():
        import cupy
        cupy.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    _manual_seed(seed)


manual_seed_all = manual_seed


def empty_cache() -> None:
    if is_available():
        import cupy
        cupy.get_default_memory_pool().free_all_blocks()


def get_device_name(device=None) -> str:
    if not is_available():
        raise RuntimeError("no CUDA device is available")
    import cupy
    return cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
