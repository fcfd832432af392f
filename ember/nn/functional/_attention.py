"""Scaled dot-product attention.

``softmax(Q Kᵀ · scale + mask) V`` with PyTorch's mask rules (boolean: True takes part; float:
added to the scores), ``is_causal`` (top-left aligned lower triangle), grouped-query attention
and dropout on the attention weights. Rows whose every key is masked give zeros (PyTorch's
"safe softmax"), and zero gradients.
"""
from __future__ import annotations

import math

import numpy as np

from ... import _dtype as D
from ... import _state
from ..._tensor import Tensor, _wrap
from ...autograd.graph import Op
from ...backend import array_module

__all__ = ["scaled_dot_product_attention"]

_gstate = _state.state


def _check(query, key, value, attn_mask, enable_gqa):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): {name} must be a Tensor, got "
                            f"{type(t).__name__}")
        if t.dim() < 2:
            raise RuntimeError(f"scaled_dot_product_attention(): {name} must have at least 2 "
                               f"dimensions (..., L, E), got shape {list(t.shape)}")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            f"scaled_dot_product_attention(): expected query, key and value to have the same "
            f"dtype, but got query {query.dtype}, key {key.dtype} and value {value.dtype}")
    if not query.is_floating_point():
        raise RuntimeError(f"scaled_dot_product_attention(): expected floating point inputs, "
                           f"got {query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention(): query's embedding size {query.shape[-1]} must "
            f"match key's {key.shape[-1]} (query {list(query.shape)}, key {list(key.shape)})")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention(): key and value must have the same sequence length "
            f"S, got key {list(key.shape)} and value {list(value.shape)}")
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): attn_mask must be a Tensor, got "
                            f"{type(attn_mask).__name__}")
        mk = attn_mask._data.dtype
        if not (mk == np.bool_ or mk == query._data.dtype):
            raise RuntimeError(
                f"scaled_dot_product_attention(): expected attn_mask of dtype bool or of the "
                f"query's dtype ({query.dtype}), but got attn_mask {attn_mask.dtype}")


def _gqa(query, key, value):
    """Repeat key/value heads (dim -3) to match the query's head count."""
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq % hk or hq % hv:
        raise RuntimeError(
            f"scaled_dot_product_attention(): with enable_gqa=True the query's head count "
            f"({hq}) must be a multiple of the key's ({hk}) and value's ({hv})")
    if hk != hq:
        key = key.repeat_interleave(hq // hk, dim=-3)
    if hv != hq:
        value = value.repeat_interleave(hq // hv, dim=-3)
    return key, value


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Attention ``softmax(Q Kᵀ · scale + mask) V``.

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) → (..., L, Ev); batch dims
    broadcast. ``attn_mask`` broadcasts to (..., L, S): bool (True = may attend) or float
    (added to the scores). ``is_causal`` masks keys after each query (may not be combined with
    ``attn_mask``). ``scale`` defaults to 1/sqrt(E). ``dropout_p`` drops attention weights
    using Ember's random generator. ``enable_gqa`` lets key/value have fewer heads (dim -3).
    """
    from ... import _creation
    _check(query, key, value, attn_mask, enable_gqa)
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention(): an explicit attn_mask must not be "
                           "given together with is_causal=True")
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        key, value = _gqa(query, key, value)
    try:
        np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]),
                            tuple(value.shape[:-2]))
    except ValueError:
        raise RuntimeError(
            f"scaled_dot_product_attention(): the batch dimensions of query "
            f"{list(query.shape)}, key {list(key.shape)} and value {list(value.shape)} cannot "
            "be broadcast together (for fewer key/value heads pass enable_gqa=True)") from None
    L, S = query.shape[-2], key.shape[-2]
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    xp = array_module(query._data)
    mask = attn_mask
    if is_causal:
        mask = _wrap(xp.tril(xp.ones((L, S), dtype=bool)))
    if mask is not None:
        try:
            want = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2])) + (L, S)
            np.broadcast_shapes(tuple(mask.shape), want)
        except ValueError:
            want = tuple(query.shape[:-2]) + (L, S)
            raise RuntimeError(
                f"scaled_dot_product_attention(): attn_mask of shape {list(mask.shape)} cannot "
                f"be broadcast to the attention weights' shape {list(want)} (query "
                f"{list(query.shape)}, key {list(key.shape)})") from None
    madd = None
    if mask is not None:
        if mask._data.dtype == np.bool_:
            madd = xp.where(mask._data, 0.0, -math.inf).astype(query._data.dtype)
        elif mask.requires_grad:
            madd = mask     # a learnable bias: go through the composite (differentiable) path
        else:
            madd = mask._data
    keep = None
    if dropout_p > 0.0:
        shape = np.broadcast_shapes(tuple(query.shape[:-1]) + (S,),
                                    tuple(key.shape[:-2]) + (L, S),
                                    () if madd is None else tuple(madd.shape))
        if dropout_p >= 1.0:
            keep = xp.zeros(shape, dtype=query._data.dtype)
        else:
            r = _creation.rand(*shape, dtype=D.float32, device=query.device)._data
            keep = ((r >= dropout_p) / (1.0 - dropout_p)).astype(query._data.dtype)
    if isinstance(madd, Tensor):
        p = _probs(query, key, madd, sc)
        if keep is not None:
            p = p * _wrap(keep)
        return p.matmul(value)
    return ScaledDotProductAttention.apply(query, key, value, madd=madd, keep=keep, sc=sc)


def _probs(q, k, madd, sc):
    """Differentiable ``softmax(q kᵀ · sc + madd)`` with fully masked rows set to 0."""
    from ... import ops
    s = q.matmul(k.transpose(-2, -1)) * sc
    if madd is not None:
        s = s + (madd if isinstance(madd, Tensor) else _wrap(madd))
        dead = s._data.max(axis=-1, keepdims=True) == -math.inf
        if dead.any():
            xp = array_module(dead)
            dead = _wrap(xp.broadcast_to(dead, s.shape))
            return ops.softmax(s.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)
    return ops.softmax(s, -1)


def _swap(a):
    return a.swapaxes(-1, -2)


class ScaledDotProductAttention(Op):
    """Fused attention: one pass of in-place softmax; backward by the softmax Jacobian."""

    @staticmethod
    def forward(ctx, q, k, v, madd, keep, sc):
        xp = array_module(q)
        s = q @ _swap(k)
        s *= sc
        if madd is not None:
            if np.broadcast_shapes(s.shape, madd.shape) == s.shape:
                s += madd
            else:
                s = s + madd
        m = s.max(axis=-1, keepdims=True)
        if madd is not None:
            m[m == -math.inf] = 0       # fully masked rows: exp(-inf) = 0 everywhere
        s -= m
        xp.exp(s, out=s)
        tot = s.sum(axis=-1, keepdims=True)
        if madd is not None:
            tot[tot == 0] = 1           # ... so their probabilities (and gradients) are 0
        s /= tot
        ctx.save_for_backward(q, k, v)
        ctx.p, ctx.madd, ctx.keep, ctx.sc = s, madd, keep, sc
        pd = s if keep is None else s * keep
        out = pd @ v
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, g):
        q, k, v = ctx.saved_tensors
        nf = ctx.next_functions
        keep, sc = ctx.keep, ctx.sc
        if not _gstate.enabled:     # plain backward: raw arrays, in place where possible
            p, ga = ctx.p, g._data
            qa, ka, va = q._data, k._data, v._data
            pd = p if keep is None else p * keep
            dv = _swap(pd) @ ga if nf[2][0] is not None else None
            dq = dk = None
            if nf[0][0] is not None or nf[1][0] is not None:
                dp = ga @ _swap(va)
                if keep is not None:
                    dp *= keep
                # Σ_j dP_ij P_ij = dO_i · O_i: an (L, Ev) reduction instead of an (L, S) one
                dp -= (ga * ctx.out).sum(axis=-1, keepdims=True)
                dp *= p
                dp *= sc
                dq = dp @ ka if nf[0][0] is not None else None
                dk = _swap(dp) @ qa if nf[1][0] is not None else None
            return tuple(None if a is None else _wrap(a) for a in (dq, dk, dv))
        # create_graph: recompute the probabilities differentiably, then the same formulas
        p = _probs(q, k, ctx.madd, sc)
        kt = None if keep is None else _wrap(keep)
        pd = p if kt is None else p * kt
        dv = pd.transpose(-2, -1).matmul(g)
        dp = g.matmul(v.transpose(-2, -1))
        if kt is not None:
            dp = dp * kt
        ds = p * (dp - (dp * p).sum(-1, keepdim=True)) * sc
        return ds.matmul(k), ds.transpose(-2, -1).matmul(q), dv
