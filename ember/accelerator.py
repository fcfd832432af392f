"""``ember.accelerator``: the current accelerator, if any (CUDA via CuPy)."""
from __future__ import annotations

from . import backend
from ._device import device


def is_available() -> bool:
    return backend.cuda_available()


def current_accelerator(check_available: bool = False):
    """``device('cuda')`` when a GPU is usable, else None."""
    return device("cuda") if backend.cuda_available() else None


def device_count() -> int:
    return backend.cuda_device_count()


def set_device_index(index) -> None:
    """Select the current accelerator (a no-op without one, as on a CPU-only PyTorch)."""
    if backend.cuda_available():
        from . import cuda
        cuda.set_device(index)


def current_device_index() -> int:
    if backend.cuda_available():
        from . import cuda
        return cuda.current_device()
    return -1


def synchronize(device=None) -> None:
    if backend.cuda_available():
        from . import cuda
        cuda.synchronize()
