"""Dropout family: dropout, dropout1d/2d/3d (channel-wise), alpha_dropout,
feature_alpha_dropout.

Masks are drawn from Ember's default generator, so ``ember.manual_seed`` makes them
reproducible. Element masks and channel masks share one op: the mask broadcasts.
"""
from __future__ import annotations

import warnings

import numpy as np

from ... import _random
from ..._tensor import Tensor, _wrap
from ...autograd.graph import Op
from ...backend import to_device

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(x, shape, p):
    """A boolean keep-mask (probability 1 - p) of ``shape`` on ``x``'s device."""
    u = _random._gen(None).random(shape, dtype=np.float32)
    keep = u >= np.float32(p)
    if type(x) is not np.ndarray:
        from ...backend import device_of
        keep = to_device(keep, device_of(x))
    return keep


class NativeDropout(Op):
    """``y = x * mask`` with a (possibly broadcasting) scaled mask array saved for backward."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx, g):
        m = ctx.mask
        return (g * m if type(m) is float else g * _wrap(m)), None


class _AlphaDropout(Op):
    """``y = x * a·keep + bias`` with the mask parts precomputed (SELU-preserving dropout)."""

    @staticmethod
    def forward(ctx, x, scale, shift):
        ctx.scale = scale
        return x * scale + shift

    @staticmethod
    def backward(ctx, g):
        return g * _wrap(ctx.scale), None, None


def _finish(input, out, inplace):
    if not inplace:
        return out
    from ...ops._registry import apply_inplace, check_inplace_leaf
    check_inplace_leaf(input)
    return apply_inplace(input, out)


def _feature_dropout(input, p, training, inplace, alpha, mask_shape):
    """Shared body: ``mask_shape`` is the input shape (element dropout) or (N, C, 1, …)."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    x = input._data
    dt = x.dtype
    if p == 1:
        return _finish(input, NativeDropout.apply(input, 0.0), inplace)
    keep = _keep_mask(x, mask_shape, p)
    if not alpha:
        mask = keep.astype(dt)
        mask *= dt.type(1.0 / (1.0 - p))
        out = NativeDropout.apply(input, mask)
    else:
        # SELU's negative saturation value; dropped units are set to it and the result is
        # affinely rescaled so mean and variance are kept.
        sat = 1.7580993408473766
        a = 1.0 / np.sqrt((sat * sat * p + 1) * (1 - p))
        kf = keep.astype(dt)
        scale = kf * dt.type(a)
        shift = (kf - 1) * dt.type(sat * a) + dt.type(sat * a * p)
        out = _AlphaDropout.apply(input, scale, shift)
    return _finish(input, out, inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``
    (identity when not ``training``). Shapes: any → same."""
    return _feature_dropout(input, p, training, inplace, False, input.shape)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Alpha dropout for SELU networks: keeps zero mean and unit variance."""
    return _feature_dropout(input, p, training, inplace, True, input.shape)


def _channel_shape(shape):
    return tuple(shape[:2]) + (1,) * (len(shape) - 2)


def _channelwise(input, p, training, inplace, alpha, batched_dims, name, strict):
    """Channel-wise dropout for inputs of ``batched_dims`` (or one fewer: unbatched)."""
    nd = input.dim()
    if nd not in (batched_dims - 1, batched_dims):
        if strict:
            raise RuntimeError(
                f"{name}: Expected {batched_dims - 1}D or {batched_dims}D input, but received "
                f"a {nd}D input. Note that {name} exists to provide channel-wise dropout on "
                f"inputs with {batched_dims - 2} spatial dimension(s), a channel dimension, "
                f"and an optional batch dimension")
        if nd < 2:
            raise RuntimeError(f"{name}: expected an input with at least 2 dimensions (N, C, *), "
                               f"got input of size {list(input.shape)}")
        warnings.warn(f"{name}: Received a {nd}-D input; expected {batched_dims - 1}D or "
                      f"{batched_dims}D. Dropping whole channels of dimension 1 anyway.",
                      stacklevel=3)
    unbatched = nd == batched_dims - 1 and strict
    if unbatched:
        _check_p(p)
        if not training or p == 0:
            return input
        out = _feature_dropout(input.unsqueeze(0), p, training, False, alpha,
                               _channel_shape((1,) + tuple(input.shape))).squeeze(0)
        return _finish(input, out, inplace)
    return _feature_dropout(input, p, training, inplace, alpha, _channel_shape(input.shape))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) with probability ``p``."""
    return _channelwise(input, p, training, inplace, False, 3, "dropout1d", True)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) with probability ``p``. A 3-D input is taken as
    (N, C, L) (channel-wise 1-D dropout), like PyTorch."""
    nd = input.dim()
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.", stacklevel=2)
        return _feature_dropout(input, p, training, inplace, False, _channel_shape(input.shape))
    return _channelwise(input, p, training, inplace, False, 4, "dropout2d", False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability ``p``."""
    if input.dim() == 4:
        _check_p(p)
        if not training or p == 0:
            return input
        out = _feature_dropout(input.unsqueeze(0), p, training, False, False,
                               _channel_shape((1,) + tuple(input.shape))).squeeze(0)
        return _finish(input, out, inplace)
    return _channelwise(input, p, training, inplace, False, 5, "dropout3d", False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels of (N, C, *)."""
    if input.dim() < 2:
        raise RuntimeError(f"feature_alpha_dropout: expected an input with at least 2 dimensions "
                           f"(N, C, *), got input of size {list(input.shape)}")
    return _feature_dropout(input, p, training, inplace, True, _channel_shape(input.shape))
