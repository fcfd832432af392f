"""In-place random fillers: ``Tensor.normal_``, ``uniform_``, ``random_``, ``bernoulli_`` …

They draw from a ``generator`` (default: ember's), write under the tensor's own dtype, bump
its version, and refuse leaves that require grad outside ``no_grad`` like every in-place op.
"""
from __future__ import annotations

import numpy as np

from .._random import _gen
from .._tensor import Tensor
from ._registry import check_inplace_leaf


def _fill(self: Tensor, values) -> Tensor:
    check_inplace_leaf(self)
    self._data[...] = values
    self._bump()
    return self


def _float_only(self: Tensor, name: str):
    if self._data.dtype.kind not in "fc" and self.dtype.name != "bfloat16":
        raise RuntimeError(f"{name} expects a floating point tensor, got {self.dtype}")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    _float_only(self, "normal_")
    if std < 0:
        raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
    return _fill(self, _gen(generator).normal(mean, std, self.shape))


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of U[from, to)."""
    _float_only(self, "uniform_")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    return _fill(self, _gen(generator).uniform(from_, to, self.shape))


def random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator=None) -> Tensor:
    """Fill with integers drawn uniformly from [from, to) (``random_(to)`` means [0, to))."""
    if to is None:
        if from_ == 0:
            to = (np.iinfo(self._data.dtype).max if self._data.dtype.kind in "iu"
                  else 2 ** np.finfo(self._data.dtype).nmant) + 1
        else:
            from_, to = 0, from_
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} "
                           f">= to={to}")
    return _fill(self, _gen(generator).integers(from_, to, self.shape))


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples, 1 with probability ``p`` (a float or a tensor)."""
    probs = p._data if isinstance(p, Tensor) else p
    if np.any((np.asarray(probs) < 0) | (np.asarray(probs) > 1)):
        raise RuntimeError("bernoulli_ expects p to be in [0, 1]")
    return _fill(self, _gen(generator).random(self.shape) < probs)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of Exp(lambd)."""
    _float_only(self, "exponential_")
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, _gen(generator).exponential(1.0 / lambd, self.shape))


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with samples of Geometric(p) (number of trials to the first success)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, _gen(generator).geometric(p, self.shape))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with exp(N(mean, std²)) samples."""
    _float_only(self, "log_normal_")
    return _fill(self, _gen(generator).lognormal(mean, std, self.shape))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy(median, sigma) samples."""
    _float_only(self, "cauchy_")
    return _fill(self, median + sigma * _gen(generator).standard_cauchy(self.shape))


for _f in (normal_, uniform_, random_, bernoulli_, exponential_, geometric_, log_normal_,
           cauchy_):
    setattr(Tensor, _f.__name__, _f)
