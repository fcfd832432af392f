"""The op table: one small record per public op, run against PyTorch and gradcheck.

Each family module ``tests/optable_<family>.py`` defines ``RECORDS``; ``tests/test_ops.py``
runs every record and fails if a registered op has none. A record says how to call the op
(``call(lib, *args, **kwargs)`` with ``lib`` = ember or torch), which inputs to feed
(:class:`S` random floats, :class:`I` integer tensors, :class:`B` bool masks, or plain values)
and whether it is differentiable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class S:
    """A random float tensor input of ``shape`` with values in [low, high)."""
    shape: tuple
    low: float = -2.0
    high: float = 2.0
    grad: bool = True


@dataclass(frozen=True)
class I:
    """A random integer (int64) tensor input with values in [low, high)."""
    shape: tuple
    low: int = 0
    high: int = 3


@dataclass(frozen=True)
class B:
    """A random bool tensor input."""
    shape: tuple


@dataclass(frozen=True)
class A:
    """A fixed array input (converted to a tensor of its dtype, never requiring grad)."""
    value: Any


@dataclass
class Sample:
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass
class OpRecord:
    name: str                                   # key in ember.ops.OPS
    samples: list                               # tuples of args, or Sample objects
    call: Callable | None = None                # call(lib, *args, **kw); default lib.<name>
    grad: bool = True                           # differentiable w.r.t. float inputs
    gradcheck: bool = True                      # run float64 finite differences
    gradgrad: bool = True                       # run second-order check
    dtypes: tuple = ("float32", "float64")
    rtol: float = 1e-5
    atol: float = 1e-6
    noncontig: bool = True                      # also test with transposed (strided) inputs
    compare_indices_only_values: bool = False   # e.g. ops whose tie-breaking may differ
    skip_torch_reason: str | None = None        # reason to skip the torch comparison

    def invoke(self, lib, *args, **kwargs):
        if self.call is not None:
            return self.call(lib, *args, **kwargs)
        return getattr(lib, self.name)(*args, **kwargs)

    def iter_samples(self):
        for s in self.samples:
            yield s if isinstance(s, Sample) else Sample(tuple(s))


def make_arrays(sample: Sample, dtype: str, seed: int):
    """Materialise a sample's inputs as NumPy arrays / plain values (same for both libraries)."""
    rng = np.random.default_rng(seed)
    out = []
    for a in sample.args:
        if isinstance(a, S):
            out.append(("float", rng.uniform(a.low, a.high, a.shape).astype(dtype), a.grad))
        elif isinstance(a, I):
            out.append(("int", rng.integers(a.low, a.high, a.shape).astype(np.int64), False))
        elif isinstance(a, B):
            out.append(("bool", rng.random(a.shape) > 0.5, False))
        elif isinstance(a, A):
            out.append(("array", np.asarray(a.value), False))
        else:
            out.append(("plain", a, False))
    return out
