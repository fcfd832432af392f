"""Normal and Uniform (reparameterised sampling: gradients flow through ``rsample``)."""
from __future__ import annotations

import math

import numpy as np

from .._random import _gen
from .._tensor import Tensor, _wrap
from .distribution import Distribution


def _t(x, like=None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    dt = like._data.dtype if isinstance(like, Tensor) else np.float32
    return _wrap(np.asarray(x, dtype=dt))


class Normal(Distribution):
    """N(loc, scale²), elementwise over the broadcast of ``loc`` and ``scale``."""

    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _t(loc, scale), _t(scale, loc)
        if validate_args is not False and bool((self.scale <= 0).any()):
            raise ValueError(f"Expected parameter scale of shape {tuple(self.scale.shape)} to be "
                             "positive")
        shape = np.broadcast_shapes(tuple(self.loc.shape), tuple(self.scale.shape))
        super().__init__(shape, (), validate_args)

    @property
    def mean(self):
        return self.loc.expand(self.batch_shape)

    @property
    def stddev(self):
        return self.scale.expand(self.batch_shape)

    @property
    def variance(self):
        return self.stddev ** 2

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = _wrap(_gen(None).standard_normal(shape).astype(self.loc._data.dtype))
        return self.loc + eps * self.scale

    def sample(self, sample_shape=()) -> Tensor:
        return self.rsample(sample_shape).detach()

    def log_prob(self, value) -> Tensor:
        value = _t(value, self.loc)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - \
            math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        return (0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()).expand(self.batch_shape)

    def cdf(self, value) -> Tensor:
        value = _t(value, self.loc)
        return 0.5 * (1 + ((value - self.loc) / (self.scale * math.sqrt(2))).erf())

    def __repr__(self) -> str:
        return f"Normal(loc: {tuple(self.loc.shape)}, scale: {tuple(self.scale.shape)})"


class Uniform(Distribution):
    """U[low, high), elementwise."""

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _t(low, high), _t(high, low)
        if validate_args is not False and bool((self.low >= self.high).any()):
            raise ValueError("Uniform: expected low < high")
        shape = np.broadcast_shapes(tuple(self.low.shape), tuple(self.high.shape))
        super().__init__(shape, (), validate_args)

    @property
    def mean(self):
        return ((self.low + self.high) / 2).expand(self.batch_shape)

    @property
    def variance(self):
        return ((self.high - self.low) ** 2 / 12).expand(self.batch_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = _wrap(_gen(None).random(shape).astype(self.low._data.dtype))
        return self.low + u * (self.high - self.low)

    def log_prob(self, value) -> Tensor:
        value = _t(value, self.low)
        inside = (value >= self.low) & (value < self.high)
        return inside.to(self.low.dtype).log() - (self.high - self.low).log()

    def entropy(self) -> Tensor:
        return (self.high - self.low).log().expand(self.batch_shape)
