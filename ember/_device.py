"""Devices: ``ember.device('cpu')``, ``ember.device('cuda', 0)``, ``'cuda:1'``."""
from __future__ import annotations


class device:
    """Where a tensor's memory lives. Compares equal to its string form's device."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_str="cpu", index: int | None = None):
        if isinstance(type_or_str, device):
            return type_or_str
        if isinstance(type_or_str, int):  # device(0) means cuda:0, as in PyTorch
            type_or_str, index = "cuda", type_or_str
        s = str(type_or_str)
        if ":" in s:
            if index is not None:
                raise RuntimeError(f"device string {s!r} already has an index; got index={index}")
            s, idx = s.split(":", 1)
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type_or_str}'")
            index = int(idx)
        if s not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                f"Expected one of cpu, cuda, meta device type at start of device string: {s}")
        key = (s, index)
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        self = object.__new__(cls)
        object.__setattr__(self, "type", s)
        object.__setattr__(self, "index", index)
        _CACHE[key] = self
        return self

    def __setattr__(self, name, value):
        raise AttributeError("ember.device is immutable")

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


_CACHE: dict = {}
CPU = device("cpu")


_default = [CPU]


def as_device(d) -> device:
    """Normalise ``None``/str/int/device to a :class:`device` (``None``: the default device)."""
    if d is None:
        return _default[0]
    return d if type(d) is device else device(d)


def get_default_device() -> device:
    """The device factory functions allocate on when no ``device=`` is given."""
    return _default[0]


def set_default_device(d) -> None:
    """Make ``d`` (or CPU for None) the default device of factory functions."""
    _default[0] = CPU if d is None else device(d)
