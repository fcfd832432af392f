"""Shared measuring helpers for the benchmark scripts (one way to time, one way to print)."""
from __future__ import annotations

import statistics
import time


def time_steps(step, steps: int, rounds: int, warmup: int):
    """(median seconds per call, per-round seconds, last return value) of ``step()``.

    Warm up first; then ``rounds`` rounds of ``steps`` calls each.
    """
    result = None
    for _ in range(warmup):
        result = step()
    per_round = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            result = step()
        per_round.append((time.perf_counter() - t0) / steps)
    return statistics.median(per_round), per_round, result


def fmt(seconds: float) -> str:
    """Milliseconds above 1 ms, microseconds below."""
    return f"{seconds * 1e3:.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} us"


def optional_torch(skip: bool):
    """PyTorch if installed and not ``skip``, else None (with a note)."""
    if skip:
        return None
    try:
        import torch
        return torch
    except ImportError:
        print("PyTorch is not installed: timing Ember only.")
        return None
