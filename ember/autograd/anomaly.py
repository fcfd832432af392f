"""Anomaly detection: record forward tracebacks and fail on NaN gradients, naming the op."""
from __future__ import annotations

from .. import _state

_gstate = _state.state


def is_anomaly_enabled() -> bool:
    return _gstate.anomaly


class detect_anomaly:
    """Context manager / decorator: a backward that produces NaN raises RuntimeError naming
    the op (``'LogBackward0' returned nan values``) and the forward line that created it."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = _gstate.anomaly
        _gstate.anomaly = True
        return self

    def __exit__(self, *exc):
        _gstate.anomaly = self.prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (immediately; restores on exit as a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev = _gstate.anomaly
        _gstate.anomaly = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _gstate.anomaly = self.prev
        return False
