"""``F.multi_head_attention_forward``: the computation behind ``nn.MultiheadAttention``.

Layout of the work (no per-head Python loops):

* the input projection is one GEMM: self-attention (``query is key is value``) multiplies by
  the whole ``in_proj_weight`` (3E, E) at once, a shared key/value by its (2E, E) half;
* heads are split by *views* of the projected activations, in whatever layout they arrive
  (sequence-first (L, N, E) or batch-first (N, L, E)) — nothing is transposed in the graph;
* one fused op (:class:`MultiheadAttentionCore`) computes ``softmax(Q Kᵀ·scale + mask)·V``
  for all heads with batched matmuls, optional dropout on the weights, the merged heads in
  the caller's layout and, on request, the (averaged) attention weights; its backward writes
  the gradients of Q, K and V straight into one buffer per projection;
* the output projection is one more GEMM.

Options that reshape the key/value sequence (``bias_k``/``bias_v``, ``add_zero_attn``,
``static_k``/``static_v``) and learnable float masks are assembled with ordinary
(differentiable) Ember ops around the same core.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _dtype as D
from ... import _state
from ..._tensor import Tensor, _wrap
from ...autograd.graph import Op
from ...backend import array_module

__all__ = ["multi_head_attention_forward"]

_gstate = _state.state


# --------------------------------------------------------------------------- masks
def _canonical_mask(mask, mask_name: str, other_type, other_name: str, target_dtype,
                    check_other: bool = True):
    """Bool masks (True = masked) → additive float masks (-inf / 0) of the NumPy dtype
    ``target_dtype``; float masks pass unchanged.

    Mirrors PyTorch: other dtypes raise AssertionError; a bool/float mix with the other mask
    warns (deprecated in PyTorch)."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{mask_name} must be a Tensor or None, got {type(mask).__name__}")
    kind = mask._data.dtype.kind
    if kind not in "bf":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported "
                             f"(got {mask.dtype})")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if kind == "b":
        xp = array_module(mask._data)
        return _wrap(xp.where(mask._data, -math.inf, 0.0).astype(target_dtype))
    return mask


def _none_or_dtype(t):
    return None if t is None else t.dtype


def _np_dtype(t: Tensor):
    return t._data.dtype


# --------------------------------------------------------------------------- head views
def _heads(a, H: int, bf: bool):
    """(A, B, E) array in its natural layout → (N, H, L, D) *view* (no copy)."""
    if not bf:
        a = a.swapaxes(0, 1)
    n, l, e = a.shape
    return a.reshape(n, l, H, e // H).transpose(0, 2, 1, 3)


def _merge(o4, bf: bool):
    """(N, H, L, D) array → contiguous (N, L, E) if ``bf`` else (L, N, E)."""
    n, h, l, d = o4.shape
    if bf:
        return o4.transpose(0, 2, 1, 3).reshape(n, l, h * d)
    return o4.transpose(2, 0, 1, 3).reshape(l, n, h * d)


def _heads_t(t: Tensor, H: int, bf: bool) -> Tensor:
    """Differentiable counterpart of :func:`_heads` (may copy)."""
    if not bf:
        t = t.transpose(0, 1)
    n, l, e = t.shape
    return t.reshape(n, l, H, e // H).permute(0, 2, 1, 3)


def _merge_t(t4: Tensor, bf: bool) -> Tensor:
    n, h, l, d = t4.shape
    if bf:
        return t4.permute(0, 2, 1, 3).reshape(n, l, h * d)
    return t4.permute(2, 0, 1, 3).reshape(l, n, h * d)


def _split_qkv(arrays, layout: str, E: int):
    if layout == "qkv":
        a = arrays[0]
        return a[..., :E], a[..., E:2 * E], a[..., 2 * E:]
    if layout == "q_kv":
        kv = arrays[1]
        return arrays[0], kv[..., :E], kv[..., E:]
    return arrays


def _softmax_(s, safe: bool, masked: bool):
    """In-place softmax over the last axis. ``safe``: rows with every key masked give 0
    (PyTorch's SDPA); otherwise they give NaN (PyTorch's ``need_weights=True`` path)."""
    xp = array_module(s)
    m = s.max(axis=-1, keepdims=True)
    if masked and safe:
        m[m == -math.inf] = 0
    with np.errstate(invalid="ignore"):
        s -= m
        xp.exp(s, out=s)
        tot = s.sum(axis=-1, keepdims=True)
        if masked and safe:
            tot[tot == 0] = 1
        s /= tot
    return s


def _probs_t(q4: Tensor, k4: Tensor, madd, sc: float, safe: bool) -> Tensor:
    """Differentiable softmax(q kᵀ·sc + madd) (double backward, learnable masks)."""
    s = q4.matmul(k4.transpose(-2, -1)) * sc
    if madd is not None:
        s = s + (madd if isinstance(madd, Tensor) else _wrap(madd))
        if safe:
            dead = s._data.max(axis=-1, keepdims=True) == -math.inf
            if dead.any():
                xp = array_module(dead)
                dead = _wrap(xp.broadcast_to(dead, s.shape))
                return s.masked_fill(dead, 0.0).softmax(-1).masked_fill(dead, 0.0)
    return s.softmax(-1)


# --------------------------------------------------------------------------- fused core
class MultiheadAttentionCore(Op):
    """All heads of ``softmax(Q Kᵀ·scale + mask)·V`` in one node.

    Inputs: the projected activations, by ``layout``: ``"qkv"`` one (A, B, 3E) array,
    ``"q_kv"`` (A, B, E) and (A', B', 2E), ``"sep"`` three (A, B, E) arrays; (A, B) is (N, L)
    when ``bf`` else (L, N). Outputs: the merged heads (A, B, E) and, when ``weights`` is
    ``"avg"`` / ``"head"``, the attention weights (N, L, S) / (N, H, L, S) after dropout.
    """

    _materialize = False    # an unused weights output arrives as None, not as zeros

    @staticmethod
    def forward(ctx, *arrays, layout, bf, H, E, sc, madd, keep, weights, safe):
        q, k, v = _split_qkv(arrays, layout, E)
        q4, k4, v4 = _heads(q, H, bf), _heads(k, H, bf), _heads(v, H, bf)
        s = q4 @ k4.swapaxes(-1, -2)
        s *= sc
        if madd is not None:
            s += madd
        p = _softmax_(s, safe, madd is not None)
        pd = p if keep is None else p * keep
        xp = array_module(p)
        if xp is np:    # heads merged by BLAS writing into the (A, B, H, D) output directly
            n, h, l, d = q4.shape
            buf = np.empty((n, l, h, d) if bf else (l, n, h, d), dtype=p.dtype)
            o4 = _nhld(buf, bf)
            np.matmul(pd, v4, out=o4)
            out = buf.reshape(buf.shape[0], buf.shape[1], h * d)
        else:
            o4 = pd @ v4
            out = _merge(o4, bf)
        ctx.save_for_backward(*arrays)
        ctx.p, ctx.o4 = p, o4
        ctx.cfg = (layout, bf, H, E, sc, madd, keep, weights, safe)
        if weights is None:
            return out
        w = pd.mean(axis=1) if weights == "avg" else (pd.copy() if pd is p else pd)
        return out, w

    @staticmethod
    def backward(ctx, g, gw=None):
        layout, bf, H, E, sc, madd, keep, weights, safe = ctx.cfg
        saved = ctx.saved_tensors
        nf = ctx.next_functions
        if _gstate.enabled:
            return _backward_graph(saved, nf, g, gw, layout, bf, H, E, sc, madd, keep,
                                   weights, safe)
        arrays = [t._data for t in saved]
        q, k, v = _split_qkv(arrays, layout, E)
        q4, k4, v4 = _heads(q, H, bf), _heads(k, H, bf), _heads(v, H, bf)
        p = ctx.p
        xp = array_module(p)
        dst, outs = _grad_buffers(arrays, nf, layout, bf, H, E, p.dtype, xp)
        mm = _matmul_into if xp is np else _matmul_copy
        pd = p if keep is None else p * keep
        if g is None:
            dp = xp.zeros_like(p)
            if dst[2] is not None:
                dst[2][...] = 0
        else:
            g4 = _heads(g._data, H, bf)
            if dst[2] is not None:
                mm(pd.swapaxes(-1, -2), g4, dst[2])
            dp = g4 @ v4.swapaxes(-1, -2)
        if gw is not None:
            gwa = gw._data
            dp += gwa[:, None] / H if weights == "avg" else gwa
        if keep is not None:
            dp *= keep
        if gw is None:
            # Σ_j dP_ij P_ij = dO_i · O_i: an (L, D) reduction instead of an (L, S) one
            r = (g4 * ctx.o4).sum(axis=-1, keepdims=True)
        else:
            r = (dp * p).sum(axis=-1, keepdims=True)
        dp -= r
        dp *= p
        dp *= sc
        if dst[0] is not None:
            mm(dp, k4, dst[0])
        if dst[1] is not None:
            mm(dp.swapaxes(-1, -2), q4, dst[1])
        return outs


def _matmul_into(a, b, out):
    np.matmul(a, b, out=out)        # BLAS writes straight into the strided gradient buffer


def _matmul_copy(a, b, out):
    out[...] = a @ b


def _nhld(a4, bf: bool):
    """(A, B, H, D) view → (N, H, L, D) view."""
    if not bf:
        a4 = a4.swapaxes(0, 1)
    return a4.transpose(0, 2, 1, 3)


def _grad_buffers(arrays, nf, layout, bf, H, E, dt, xp):
    """Fresh gradient buffers shaped like the op's inputs, and (N, H, L, D) views of their
    Q, K and V parts (None where no gradient is wanted).

    The views are reshapes of C-contiguous buffers (always views, on NumPy and CuPy alike)
    followed by transposes, so writes through them land in the buffers."""
    d = E // H
    if layout == "qkv":
        a, b, _ = arrays[0].shape
        buf = xp.empty((a, b, 3, H, d), dtype=dt)
        return [_nhld(buf[:, :, i], bf) for i in range(3)], (_wrap(buf.reshape(a, b, 3 * E)),)
    if layout == "q_kv":
        dst, outs = [None, None, None], [None, None]
        if nf[0][0] is not None:
            a, b, _ = arrays[0].shape
            gq = xp.empty((a, b, H, d), dtype=dt)
            dst[0], outs[0] = _nhld(gq, bf), _wrap(gq.reshape(a, b, E))
        if nf[1][0] is not None:
            a, b, _ = arrays[1].shape
            gkv = xp.empty((a, b, 2, H, d), dtype=dt)
            dst[1], dst[2] = _nhld(gkv[:, :, 0], bf), _nhld(gkv[:, :, 1], bf)
            outs[1] = _wrap(gkv.reshape(a, b, 2 * E))
        return dst, tuple(outs)
    dst, outs = [None, None, None], [None, None, None]
    for i in range(3):
        if nf[i][0] is not None:
            a, b, _ = arrays[i].shape
            buf = xp.empty((a, b, H, d), dtype=dt)
            dst[i], outs[i] = _nhld(buf, bf), _wrap(buf.reshape(a, b, E))
    return dst, tuple(outs)


def _backward_graph(saved, nf, g, gw, layout, bf, H, E, sc, madd, keep, weights, safe):
    """The same gradients with differentiable Ember ops (``create_graph=True``)."""
    from ... import _creation, ops
    if layout == "qkv":
        q, k, v = saved[0][..., :E], saved[0][..., E:2 * E], saved[0][..., 2 * E:]
    elif layout == "q_kv":
        q, k, v = saved[0], saved[1][..., :E], saved[1][..., E:]
    else:
        q, k, v = saved
    q4, k4, v4 = _heads_t(q, H, bf), _heads_t(k, H, bf), _heads_t(v, H, bf)
    p = _probs_t(q4, k4, madd, sc, safe)
    kt = None if keep is None else _wrap(keep)
    pd = p if kt is None else p * kt
    if g is not None:
        g4 = _heads_t(g, H, bf)
        dv4 = pd.transpose(-2, -1).matmul(g4)
        dp = g4.matmul(v4.transpose(-2, -1))
    else:
        dv4 = _creation.zeros_like(v4)
        dp = _creation.zeros_like(p)
    if gw is not None:
        dp = dp + (gw.unsqueeze(1) / H if weights == "avg" else gw)
    if kt is not None:
        dp = dp * kt
    ds = p * (dp - (dp * p).sum(-1, keepdim=True)) * sc
    dq4, dk4 = ds.matmul(k4), ds.transpose(-2, -1).matmul(q4)
    dq, dk, dv = _merge_t(dq4, bf), _merge_t(dk4, bf), _merge_t(dv4, bf)
    if layout == "qkv":
        return (ops.cat([dq, dk, dv], -1),)
    if layout == "q_kv":
        return dq, ops.cat([dk, dv], -1)
    return dq, dk, dv


def _attend_composite(q, k, v, madd, keep, sc, H, bf, weights, safe):
    """Unfused attention with Ember ops, for masks that require grad."""
    q4, k4, v4 = _heads_t(q, H, bf), _heads_t(k, H, bf), _heads_t(v, H, bf)
    p = _probs_t(q4, k4, madd, sc, safe)
    pd = p if keep is None else p * _wrap(keep)
    out = _merge_t(pd.matmul(v4), bf)
    if weights is None:
        return out, None
    return out, (pd.mean(1) if weights == "avg" else pd)


# --------------------------------------------------------------------------- helpers
def _lin(x: Tensor, w: Tensor, b) -> Tensor:
    """``F.linear`` as a single 2-D GEMM when ``x`` is a contiguous 3-D tensor (NumPy runs
    a stacked product as one small GEMM per leading index, several times slower)."""
    from ._linear import linear
    if x._data.ndim == 3 and x._data.flags.c_contiguous:
        a, bb, _ = x.shape
        return linear(x.reshape(a * bb, x.shape[2]), w, b).reshape(a, bb, w.shape[0])
    return linear(x, w, b)


def _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's input-rank checks; returns whether the input is batched."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"multi_head_attention_forward(): {name} must be a Tensor, got "
                            f"{type(t).__name__}")
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively (query "
                f"{list(query.shape)}, key {list(key.shape)}, value {list(value.shape)})")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D "
                f"but found {key_padding_mask.dim()}-D tensor instead (shape "
                f"{list(key_padding_mask.shape)})")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                f"found {attn_mask.dim()}-D tensor instead (shape {list(attn_mask.shape)})")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively (query "
                f"{list(query.shape)}, key {list(key.shape)}, value {list(value.shape)})")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                f"but found {key_padding_mask.dim()}-D tensor instead (shape "
                f"{list(key_padding_mask.shape)})")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                    f"but found {attn_mask.dim()}-D tensor instead (shape "
                    f"{list(attn_mask.shape)})")
            if attn_mask.dim() == 3:
                want = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != want:
                    raise AssertionError(f"Expected `attn_mask` shape to be {want} but got "
                                         f"{tuple(attn_mask.shape)}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor (shape {list(query.shape)})")


def _pad_col(m):
    """Append one zero column (a key that is never masked) to a float mask's last dim."""
    from ... import _creation, ops
    if isinstance(m, Tensor):
        return ops.cat([m, _creation.zeros(tuple(m.shape[:-1]) + (1,), dtype=m.dtype,
                                           device=m.device)], -1)
    xp = array_module(m)
    return xp.concatenate([m, xp.zeros(m.shape[:-1] + (1,), dtype=m.dtype)], -1)


def _seq_cat(t: Tensor, extra: Tensor, bf: bool) -> Tensor:
    """Append ``extra`` (1, 1, E)-broadcastable positions to the sequence dim of ``t``."""
    from ... import ops
    n = t.shape[0] if bf else t.shape[1]
    e = extra.expand(n, 1, t.shape[2]) if bf else extra.expand(1, n, t.shape[2])
    return ops.cat([t, e], 1 if bf else 0)


def _mask_shape_check(attn_mask, bsz, num_heads, tgt_len, src_len):
    if attn_mask is None:
        return
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but "
                               f"should be {(tgt_len, src_len)}.")
    elif attn_mask.dim() == 3:
        want = (bsz * num_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != want:
            raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but "
                               f"should be {want}.")
    else:
        raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported "
                           f"(shape {list(attn_mask.shape)})")


def _static(t, name, bsz, num_heads, head_dim, bf):
    """(N·H, S, D) precomputed keys/values → the natural (N, S, E) / (S, N, E) layout."""
    if t.dim() != 3 or t.shape[0] != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got "
                             f"{t.shape[0] if t.dim() else 0} ({name} {list(t.shape)})")
    if t.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {t.shape[2]} "
                             f"({name} {list(t.shape)})")
    s = t.shape[1]
    t4 = t.reshape(bsz, num_heads, s, head_dim)
    if bf:
        return t4.permute(0, 2, 1, 3).reshape(bsz, s, num_heads * head_dim)
    return t4.permute(2, 0, 1, 3).reshape(s, bsz, num_heads * head_dim)


def _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
         bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
         key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
         k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
         bf):
    """Shared body of the functional (sequence-first) and the layer (either layout)."""
    from ... import _creation
    is_batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
        bf = True
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    sb = 0 if bf else 1         # position of the batch dim
    bsz, embed_dim = query.shape[sb], query.shape[2]
    tgt_len, src_len = query.shape[1 - sb], key.shape[1 - sb]
    dt = _np_dtype(query)
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", dt)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    # Like PyTorch: with no padding mask and no weights wanted, the hint replaces the mask
    causal = is_causal and key_padding_mask is None and not need_weights
    if causal:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dt, check_other=False)
    for nm, m in (("attn_mask", attn_mask), ("key_padding_mask", key_padding_mask)):
        if m is not None and m._data.dtype != dt:
            raise RuntimeError(f"Expected {nm} dtype to be bool or to match the query dtype, "
                               f"but got {nm}.dtype: {m.dtype} and query.dtype: "
                               f"{query.dtype} instead")
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim} (query {list(query.shape)})")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if key.shape[sb] != bsz:
        raise RuntimeError(f"multi_head_attention_forward(): query batch size {bsz} does not "
                           f"match key batch size {key.shape[sb]} (query {list(query.shape)},"
                           f" key {list(key.shape)})")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                                 f"match value's {tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                             f"{tuple(value.shape)}")

    # ---- input projection: one GEMM per distinct input tensor
    E = embed_dim
    b = in_proj_bias
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        w = in_proj_weight
        if key is value and query is key:
            layout, inputs = "qkv", [_lin(query, w, b)]
        elif key is value:
            layout = "q_kv"
            inputs = [_lin(query, w[:E], None if b is None else b[:E]),
                      _lin(key, w[E:], None if b is None else b[E:])]
        else:
            layout = "sep"
            inputs = [_lin(x, w[i * E:(i + 1) * E], None if b is None else b[i * E:(i + 1) * E])
                      for i, x in enumerate((query, key, value))]
    else:
        for nm, t in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if t is None:
                raise AssertionError(f"use_separate_proj_weight is True but {nm}_proj_weight "
                                     "is None")
        layout = "sep"
        inputs = [_lin(x, wt, None if b is None else b[i * E:(i + 1) * E])
                  for i, (x, wt) in enumerate(((query, q_proj_weight), (key, k_proj_weight),
                                               (value, v_proj_weight)))]

    _mask_shape_check(attn_mask, bsz, num_heads, tgt_len, src_len)
    kpm = key_padding_mask

    # ---- options that change the key/value sequence: plain ops around the fused core
    reshaped = (bias_k is not None or bias_v is not None or add_zero_attn
                or static_k is not None or static_v is not None)
    if reshaped:
        if layout == "qkv":
            t = inputs[0]
            inputs = [t[..., :E], t[..., E:2 * E], t[..., 2 * E:]]
        elif layout == "q_kv":
            inputs = [inputs[0], inputs[1][..., :E], inputs[1][..., E:]]
        layout = "sep"
        q, k, v = inputs
        if bias_k is not None and bias_v is not None:
            if static_k is not None:
                raise AssertionError("bias cannot be added to static key.")
            if static_v is not None:
                raise AssertionError("bias cannot be added to static value.")
            k, v = _seq_cat(k, bias_k, bf), _seq_cat(v, bias_v, bf)
            attn_mask = None if attn_mask is None else _pad_col(attn_mask)
            kpm = None if kpm is None else _pad_col(kpm)
        elif bias_k is not None:
            raise AssertionError("bias_k is set but bias_v is None")
        elif bias_v is not None:
            raise AssertionError("bias_v is set but bias_k is None")
        if static_k is not None:
            k = _static(static_k, "static_k", bsz, num_heads, head_dim, bf)
        if static_v is not None:
            v = _static(static_v, "static_v", bsz, num_heads, head_dim, bf)
        if add_zero_attn:
            z = _creation.zeros((1, 1, E), dtype=query.dtype, device=query.device)
            k, v = _seq_cat(k, z, bf), _seq_cat(v, z, bf)
            attn_mask = None if attn_mask is None else _pad_col(attn_mask)
            kpm = None if kpm is None else _pad_col(kpm)
        inputs = [q, k, v]
        src_len = k.shape[1 - sb]

    if kpm is not None:
        if kpm.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{kpm.shape[0]} (key_padding_mask {list(kpm.shape)})")
        if kpm.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{kpm.shape[1]} (key_padding_mask {list(kpm.shape)})")

    # ---- one additive mask broadcastable to (N, H, L, S)
    grad_mask = any(m is not None and isinstance(m, Tensor) and m.requires_grad
                    for m in (attn_mask, kpm))
    madd = None
    for m in (attn_mask, kpm):
        if m is None:
            continue
        if m is kpm:
            m4 = m.reshape(bsz, 1, 1, src_len)
        elif m.dim() == 2:
            m4 = m.reshape(1, 1, tgt_len, src_len)
        else:
            m4 = m.reshape(bsz, num_heads, tgt_len, src_len)
        if not grad_mask:
            m4 = m4._data if isinstance(m4, Tensor) else m4
            m4 = m4.astype(dt, copy=False)
        madd = m4 if madd is None else madd + m4
    if causal:
        xp = array_module(query._data)
        madd = xp.where(xp.tril(xp.ones((tgt_len, src_len), dtype=bool)), 0.0,
                        -math.inf).astype(dt)

    keep = None
    if training and dropout_p > 0.0:
        shape = (bsz, num_heads, tgt_len, src_len)
        if dropout_p >= 1.0:
            keep = array_module(query._data).zeros(shape, dtype=dt)
        else:
            r = _creation.rand(*shape, dtype=D.float32, device=query.device)._data
            keep = ((r >= dropout_p) / (1.0 - dropout_p)).astype(dt)

    sc = 1.0 / math.sqrt(head_dim)
    weights = ("avg" if average_attn_weights else "head") if need_weights else None
    safe = not need_weights     # PyTorch: SDPA's safe softmax vs plain softmax (NaN rows)
    if grad_mask:
        qkv = _split_qkv(inputs, layout, E)
        out, w = _attend_composite(*qkv, madd, keep, sc, num_heads, bf, weights, safe)
    else:
        res = MultiheadAttentionCore.apply(*inputs, layout=layout, bf=bf, H=num_heads, E=E,
                                           sc=sc, madd=madd, keep=keep, weights=weights,
                                           safe=safe)
        out, w = (res, None) if weights is None else res
    out = _lin(out, out_proj_weight, out_proj_bias)
    if not is_batched:
        out = out.squeeze(0)
        if w is not None:
            w = w.squeeze(0)
    return out, w


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention, sequence-first, with PyTorch's signature and semantics.

    Shapes: query (L, N, E) or unbatched (L, E); key (S, N, E_k), value (S, N, E_v) (or
    (S, E_*)); ``key_padding_mask`` (N, S) / (S,), bool (True = ignore) or float (added);
    ``attn_mask`` (L, S) or (N·num_heads, L, S), bool (True = may not attend) or float.
    ``static_k``/``static_v``: (N·num_heads, S, E/num_heads).
    Returns ``(attn_output (L, N, E), attn_weights)``: weights are (N, L, S) averaged over
    heads, (N, num_heads, L, S) with ``average_attn_weights=False``, None when
    ``need_weights=False``. Dropout applies to the weights when ``training``.
    """
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                training, key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
                average_attn_weights, is_causal, bf=False)
