"""Categorical, OneHotCategorical and Bernoulli."""
from __future__ import annotations

import numpy as np

from .. import ops
from .._random import _gen
from .._tensor import Tensor, _wrap
from .distribution import Distribution

F_log_softmax = ops.OPS["log_softmax"]


def _probs_or_logits(probs, logits, name):
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: either `probs` or `logits` must be specified, but not both.")
    return probs, logits


class Categorical(Distribution):
    """Categories ``0 … K-1`` with probabilities ``probs`` (normalised over the last dim) or
    unnormalised log-probabilities ``logits``. Shapes: (*batch, K)."""

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args=None):
        probs, logits = _probs_or_logits(probs, logits, "Categorical")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            if validate_args is not False and bool((probs < 0).any()):
                raise ValueError(f"Expected parameter probs of shape {tuple(probs.shape)} to be "
                                 "non-negative")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = self.probs.clamp(min=np.finfo(np.float32).tiny).log()
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = F_log_softmax(logits, -1)
            self.probs = self.logits.exp()
        self._num_events = self.probs.shape[-1]
        super().__init__(self.probs.shape[:-1], (), validate_args)

    @property
    def param_shape(self):
        return self.probs.shape

    @property
    def mean(self):
        return ops.OPS["full"](self.batch_shape, float("nan"))

    def sample(self, sample_shape=()) -> Tensor:
        """Indices drawn by inverse-CDF sampling; shape sample_shape + batch_shape."""
        p = self.probs.detach()._data.astype(np.float64)
        flat = p.reshape(-1, self._num_events)
        n = int(np.prod(sample_shape)) if sample_shape else 1
        cdf = np.cumsum(flat, axis=-1)
        cdf /= cdf[:, -1:]
        u = _gen(None).random((n, flat.shape[0], 1))
        idx = (u > cdf[None]).sum(-1)
        idx = np.minimum(idx, self._num_events - 1)
        return _wrap(idx.reshape(tuple(sample_shape) + tuple(self.batch_shape)).astype(np.int64))

    def log_prob(self, value: Tensor) -> Tensor:
        """log p(value) for integer category ``value`` (broadcast against the batch)."""
        if not isinstance(value, Tensor):
            value = _wrap(np.asarray(value, dtype=np.int64))
        value = value.long()
        if self._validate and bool(((value < 0) | (value >= self._num_events)).any()):
            raise ValueError(f"Expected value argument to be within the support "
                             f"[0, {self._num_events - 1}], got {value.tolist()}")
        shape = ops.OPS["broadcast_shapes"](value.shape, self.batch_shape) \
            if "broadcast_shapes" in ops.OPS else np.broadcast_shapes(
                tuple(value.shape), tuple(self.batch_shape))
        logits = self.logits.expand(tuple(shape) + (self._num_events,))
        return logits.gather(-1, value.expand(shape).unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=float(np.finfo(np.float32).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = ops.OPS["arange"](self._num_events) if "arange" in ops.OPS else \
            _wrap(np.arange(self._num_events))
        values = values.reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand((-1,) + tuple(self.batch_shape)) if expand else values

    def __repr__(self) -> str:
        return f"Categorical(probs: {tuple(self.probs.shape)})"


class OneHotCategorical(Categorical):
    """Categorical whose samples are one-hot vectors. Shapes: (*batch, K) events."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        super().__init__(probs, logits, validate_args)
        self._event_shape = self.probs.shape[-1:]

    def sample(self, sample_shape=()) -> Tensor:
        idx = super().sample(sample_shape)
        eye = np.eye(self._num_events, dtype=self.probs._data.dtype)
        return _wrap(eye[idx._data])

    def log_prob(self, value: Tensor) -> Tensor:
        return super().log_prob(value.argmax(-1))


class Bernoulli(Distribution):
    """0/1 outcomes with probability ``probs`` (or ``logits``). Shapes: any batch shape."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        probs, logits = _probs_or_logits(probs, logits, "Bernoulli")
        if probs is not None:
            self.probs = probs if isinstance(probs, Tensor) else _wrap(np.asarray(probs,
                                                                                 np.float32))
            eps = float(np.finfo(self.probs._data.dtype).eps)
            p = self.probs.clamp(eps, 1 - eps)
            self.logits = p.log() - (-p).log1p()
        else:
            self.logits = logits if isinstance(logits, Tensor) else _wrap(
                np.asarray(logits, np.float32))
            self.probs = self.logits.sigmoid()
        super().__init__(self.probs.shape, (), validate_args)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs.detach()._data, shape)
        return _wrap((_gen(None).random(shape) < p).astype(self.probs._data.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        bce = ops.OPS["binary_cross_entropy_with_logits"] if \
            "binary_cross_entropy_with_logits" in ops.OPS else None
        if bce is None:
            from ..nn.functional import binary_cross_entropy_with_logits as bce
        logits = self.logits
        if not isinstance(value, Tensor):
            value = _wrap(np.asarray(value, dtype=logits._data.dtype))
        shape = np.broadcast_shapes(tuple(logits.shape), tuple(value.shape))
        return -bce(logits.expand(shape), value.expand(shape).to(logits.dtype),
                    reduction="none")

    def entropy(self) -> Tensor:
        from ..nn.functional import binary_cross_entropy_with_logits as bce
        return bce(self.logits, self.probs, reduction="none")
