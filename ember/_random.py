"""Random number generators: per-``Generator`` state, a default one, ``manual_seed``."""
from __future__ import annotations

import json
import time

import numpy as np

from ._device import as_device


class Generator:
    """A seeded random stream (``torch.Generator``), backed by NumPy's PCG64."""

    def __init__(self, device="cpu"):
        self.device = as_device(device)
        self._seed = 67280421310721
        self._np = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF
        self._seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        s = time.time_ns() & 0xFFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The full generator state as a uint8 tensor (restorable with ``set_state``)."""
        from ._tensor import _wrap
        blob = json.dumps({"seed": self._seed, "bg": self._np.bit_generator.state}).encode()
        return _wrap(np.frombuffer(blob, dtype=np.uint8).copy())

    def set_state(self, state) -> "Generator":
        arr = np.asarray(state._data if hasattr(state, "_data") else state, dtype=np.uint8)
        try:
            d = json.loads(arr.tobytes().decode())
            bg = np.random.PCG64()
            bg.state = d["bg"]
        except (ValueError, KeyError, TypeError) as e:
            raise RuntimeError(f"invalid generator state ({arr.size} bytes): {e}") from None
        self._seed = d["seed"]
        self._np = np.random.Generator(bg)
        return self

    def __repr__(self) -> str:
        return f"<ember.Generator object at {hex(id(self))}>"


default_generator = Generator()


def _gen(generator) -> np.random.Generator:
    return (default_generator if generator is None else generator)._np


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and CUDA's, when present); same seed → same numbers."""
    default_generator.manual_seed(seed)
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)


class fork_rng:
    """Context manager: restore the default generator's state on exit."""

    def __init__(self, devices=None, enabled=True, **kwargs):
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self.state = get_rng_state()

    def __exit__(self, *exc):
        if self.enabled:
            set_rng_state(self.state)
        return False
