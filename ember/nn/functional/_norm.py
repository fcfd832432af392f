"""Normalisation: batch_norm, layer_norm, group_norm, instance_norm, rms_norm,
local_response_norm and normalize.

batch_norm and layer_norm are fused ops (one graph node each). Their forward computes the
statistics in one pass over the data (per-row partial sums in the input dtype, combined in
float64), their first-order backward runs straight on arrays, and under ``create_graph`` the
backward is the closed form written in differentiable Ember ops, so double backward works.
"""
from __future__ import annotations

import math

import numpy as np

from ... import _state
from ..._tensor import Tensor, _wrap
from ...autograd.graph import Op
from ...ops._common import xp_of

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
           "local_response_norm", "normalize"]

_gstate = _state.state
_FAST = (np.float32, np.float64)


def _chan_shape(ndim: int, c: int) -> tuple:
    return (1, c) + (1,) * (ndim - 2)


def _vec(v, dt, shape):
    """A small float64 per-channel vector as an array of ``dt`` shaped for broadcasting."""
    return v.astype(dt, copy=False).reshape(shape)


def _rowdot(a, b):
    """Dot products along the last axis (NumPy's vecdot: no temporary)."""
    if type(a) is np.ndarray:
        return np.vecdot(a, b)
    return (a * b).sum(axis=-1)


def _rowsum(a):
    if type(a) is np.ndarray and a.dtype.type in _FAST:
        return np.einsum("...l->...", a)
    return a.sum(axis=-1)


def _as3(a, n, c):
    """(N, C, *) → (N, C, L); a free view for contiguous inputs."""
    if a.dtype.type not in _FAST:
        a = a.astype(np.float32)
    return a.reshape(n, c, math.prod(a.shape[2:]))


def _chan_sum(a, n, c):
    """Per-channel sum over every dim but 1, accumulated in float64."""
    return _rowsum(_as3(a, n, c)).sum(axis=0, dtype=np.float64)


def _chan_dot(a, b, n, c):
    """Per-channel sum of ``a * b`` over every dim but 1, accumulated in float64."""
    return _rowdot(_as3(a, n, c), _as3(b, n, c)).sum(axis=0, dtype=np.float64)


def _chan_stats(x):
    """Per-channel mean and biased variance (float64) of ``x`` shaped (N, C, *)."""
    n, c = x.shape[:2]
    count = x.size // c
    x3 = _as3(x, n, c)
    if x3.size == 0:   # an empty batch: nothing to normalise, buffers stay as they are
        xp = xp_of(x)
        return xp.zeros(c), xp.ones(c)
    if x3.shape[2] == 1:  # (N, C): a float64 two-pass over a small matrix is cheap and exact
        x2 = x3[:, :, 0].astype(np.float64)
        mean = x2.mean(axis=0)
        d = x2 - mean
        return mean, (d * d).mean(axis=0)
    # One pass: per-(n, c) row sums in the input dtype (short rows, small rounding), then the
    # rows are combined in float64, which keeps E[x²] − E[x]² accurate.
    s1 = _rowsum(x3).sum(axis=0, dtype=np.float64)
    s2 = _rowdot(x3, x3).sum(axis=0, dtype=np.float64)
    mean = s1 / count
    var = s2 / count - mean * mean
    return mean, var.clip(min=0.0)


class NativeBatchNorm(Op):
    """Batch norm over (N, C, *) with per-channel statistics; outputs (y, mean, var)."""

    nondiff_outputs = (1, 2)

    @staticmethod
    def forward(ctx, x, w, b, rm, rv, training, eps):
        xp = xp_of(x)
        dt = x.dtype
        if training:
            mean, var = _chan_stats(x)
        else:
            mean, var = rm.astype(np.float64), rv.astype(np.float64)
        invstd = 1.0 / xp.sqrt(var + eps)
        scale = invstd if w is None else invstd * w.astype(np.float64)
        shift = -mean * scale
        if b is not None:
            shift = shift + b.astype(np.float64)
        y = _affine(x, scale.astype(dt), shift.astype(dt))
        ctx.save_for_backward(x, w, b)
        ctx.mean, ctx.invstd, ctx.training, ctx.eps = mean, invstd, training, eps
        return y, mean.astype(dt), var.astype(dt)

    @staticmethod
    def backward(ctx, g, _m, _v):
        x, w, b = ctx.saved_tensors
        nf = ctx.next_functions
        need_x, need_w, need_b = (nf[i][0] is not None for i in range(3))
        if _gstate.enabled:  # create_graph: differentiable closed form
            gx, gw, gb = _bn_backward_graph(ctx, g, x, w, need_x)
            return (gx if need_x else None, gw if need_w else None, gb if need_b else None,
                    None, None)
        xa, ga = x._data, g._data
        n, c = xa.shape[:2]
        count = xa.size // c
        cs = _chan_shape(xa.ndim, c)
        dt = xa.dtype
        mean, invstd = ctx.mean, ctx.invstd
        wv = 1.0 if w is None else w._data.astype(np.float64)
        gx = gw = gb = None
        sg = None
        if ctx.training and (need_x or need_w):
            sgxc, sg = _centered_sums(xa, ga, mean.astype(dt))
            if need_w:
                gw = _wrap((sgxc * invstd).astype(w._data.dtype))
            if need_x:
                # gx = w·invstd · (g − mean(g) − x̂ · mean(g·x̂))
                gx = _wrap(_bn_grad_input(xa, ga, mean.astype(dt),
                                          (invstd * invstd * sgxc / count).astype(dt),
                                          (sg / count).astype(dt),
                                          (invstd * wv).astype(dt)))
        if need_b:
            gb = _wrap((sg if sg is not None else _chan_sum(ga, n, c)).astype(b._data.dtype))
        if not ctx.training:
            if need_x:
                gx = _wrap(ga * _vec(invstd * wv, dt, cs))
            if need_w:
                sgxc, _ = _centered_sums(xa, ga, mean.astype(dt))
                gw = _wrap((sgxc * invstd).astype(w._data.dtype))
        return gx, gw, gb, None, None


# Large NumPy inputs are processed in blocks of samples that fit in cache, so the several
# elementwise steps of one block cost about one trip through memory instead of one each.
# Per-channel factors are expanded to a full (C, L) pattern when one sample is small enough:
# NumPy's same-shape loops are ~1.6x faster than its per-row broadcasting loops.
_BLOCK_BYTES = 1 << 19


def _blocked(x):
    """(x3, block) when ``x`` (N, C, *) is a C-contiguous NumPy float32/64 array, else None."""
    if type(x) is not np.ndarray or not x.flags.c_contiguous or x.dtype.type not in _FAST \
            or x.ndim < 3:
        return None
    n, c = x.shape[:2]
    x3 = x.reshape(n, c, math.prod(x.shape[2:]))
    row = c * x3.shape[2] * x.itemsize
    return x3, max(1, _BLOCK_BYTES // max(row, 1))


def _pattern(v, x3):
    """Per-channel vector ``v`` (C,) as a broadcastable operand for blocks of ``x3``."""
    c, length = x3.shape[1:]
    if c * length * x3.itemsize <= 4 * _BLOCK_BYTES:
        return np.repeat(v.reshape(c, 1), length, axis=1)
    return v.reshape(c, 1)


def _affine(x, scale, shift):
    """``x * scale + shift`` with per-channel (C,) ``scale``/``shift`` of x's dtype."""
    blk = _blocked(x)
    if blk is None:
        cs = _chan_shape(x.ndim, x.shape[1])
        y = x * scale.reshape(cs)
        y += shift.reshape(cs)
        return y
    x3, bs = blk
    sc, sh = _pattern(scale, x3), _pattern(shift, x3)
    y = np.empty_like(x3)
    for i in range(0, x3.shape[0], bs):
        yi = y[i:i + bs]
        np.multiply(x3[i:i + bs], sc, out=yi)
        yi += sh
    return y.reshape(x.shape)


def _centered_sums(x, g, mean):
    """Per-channel float64 sums of ``g·(x − mean)`` and of ``g`` (centred, so no
    cancellation when the mean is large)."""
    n, c = x.shape[:2]
    blk = _blocked(x)
    if blk is None or g.dtype != x.dtype:
        cs = _chan_shape(x.ndim, c)
        xc = x - mean.reshape(cs)
        return _chan_dot(g, xc, n, c), _chan_sum(g, n, c)
    x3, bs = blk
    g3 = g.reshape(x3.shape)
    m = _pattern(mean, x3)
    tmp = np.empty((min(bs, n),) + x3.shape[1:], dtype=x.dtype)
    rows_gx = np.empty((n, c), dtype=x.dtype)
    rows_g = np.empty((n, c), dtype=x.dtype)
    for i in range(0, n, bs):
        xb, gb = x3[i:i + bs], g3[i:i + bs]
        t = tmp[:xb.shape[0]]
        np.subtract(xb, m, out=t)
        rows_gx[i:i + bs] = np.vecdot(gb, t)
        rows_g[i:i + bs] = np.einsum("ncl->nc", gb)
    return rows_gx.sum(axis=0, dtype=np.float64), rows_g.sum(axis=0, dtype=np.float64)


def _bn_grad_input(x, g, mean, c2, sgn, k):
    """``k · (g − sgn − (x − mean)·c2)`` with per-channel vectors (C,) of x's dtype."""
    blk = _blocked(x)
    if blk is None or g.dtype != x.dtype:
        cs = _chan_shape(x.ndim, x.shape[1])
        t = x - mean.reshape(cs)
        t *= c2.reshape(cs)
        np.subtract(g, t, out=t)
        t -= sgn.reshape(cs)
        t *= k.reshape(cs)
        return t
    x3, bs = blk
    g3 = g.reshape(x3.shape)
    # = A·g + B·x + C per channel: four in-cache steps per block
    a = _pattern(k, x3)
    b = _pattern(-k * c2, x3)
    c = _pattern(k * (c2 * mean - sgn), x3)
    out = np.empty_like(x3)
    tmp = np.empty((min(bs, x3.shape[0]),) + x3.shape[1:], dtype=x.dtype)
    for i in range(0, x3.shape[0], bs):
        t = out[i:i + bs]
        tt = tmp[:t.shape[0]]
        np.multiply(x3[i:i + bs], b, out=t)
        t += c
        np.multiply(g3[i:i + bs], a, out=tt)
        t += tt
    return out.reshape(x.shape)


def _bn_backward_graph(ctx, g, x, w, need_x):
    """Batch-norm gradients in differentiable ops (used when the graph of the backward is
    itself recorded)."""
    nd = x.dim()
    c = x.shape[1]
    cs = _chan_shape(nd, c)
    dims = (0,) + tuple(range(2, nd))
    dt = x._data.dtype
    if ctx.training:
        mu = x.mean(dims, keepdim=True)
        xc = x - mu
        invstd = ((xc * xc).mean(dims, keepdim=True) + ctx.eps).rsqrt()
    else:
        mu = _wrap(_vec(ctx.mean, dt, cs))
        xc = x - mu
        invstd = _wrap(_vec(ctx.invstd, dt, cs))
    xhat = xc * invstd
    gw = (g * xhat).sum(dims)
    gb = g.sum(dims)
    gx = None
    if need_x:
        gxhat = g if w is None else g * w.reshape(cs)
        if ctx.training:
            gx = invstd * (gxhat - gxhat.mean(dims, keepdim=True)
                           - xhat * (gxhat * xhat).mean(dims, keepdim=True))
        else:
            gx = gxhat * invstd
    return gx, gw, gb


def _check_channels(t, c, name):
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation of ``input`` (N, C, *) per channel C.

    Training normalises with the batch statistics (biased variance) and, when running
    buffers are given, updates them in place: ``r = (1 - momentum)·r + momentum·stat``
    (unbiased variance for ``running_var``). Evaluation normalises with the buffers.
    """
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected an input with at least 2 dimensions (N, C, *), "
                         f"got input of size {list(input.shape)}")
    c = input.shape[1]
    _check_channels(running_mean, c, "running_mean")
    _check_channels(running_var, c, "running_var")
    _check_channels(weight, c, "weight")
    _check_channels(bias, c, "bias")
    if training:
        _verify_batch_size(input.shape)
    elif running_mean is None or running_var is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    y, mean, var = NativeBatchNorm.apply(input, weight, bias, running_mean, running_var,
                                         training=bool(training), eps=eps)
    if training and running_mean is not None and input.numel():
        count = input.numel() // c
        _update_running(running_mean, running_var, mean._data, var._data, count, momentum)
    return y


def _update_running(rm, rv, mean, var, count, momentum):
    """EMA update of running buffers in place (unbiased variance), bumping their versions."""
    m = float(momentum)
    unbiased = var.astype(np.float64) * (count / (count - 1)) if count > 1 else var
    for buf, stat in ((rm, mean), (rv, unbiased)):
        if buf is None:
            continue
        arr = buf._data
        new = arr * (1.0 - m) + stat.astype(np.float64) * m
        arr[...] = new.astype(arr.dtype, copy=False)
        buf._bump()


def _verify_batch_size(shape):
    n = shape[0]
    for s in shape[2:]:
        n *= s
    if n == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{list(shape)}")


# --------------------------------------------------------------------------- layer norm
class NativeLayerNorm(Op):
    """Normalise over the trailing ``k`` dims, affine ``w``/``b`` of those dims' shape."""

    @staticmethod
    def forward(ctx, x, w, b, k, eps):
        shape = x.shape
        kk = math.prod(shape[len(shape) - k:])
        x2 = x.reshape(-1, kk)
        if x2.dtype.type not in _FAST:
            x2 = x2.astype(np.float32)
        mean = x2.sum(axis=1, keepdims=True) / x2.dtype.type(kk)
        xhat = x2 - mean
        rstd = 1.0 / np.sqrt(_rowdot(xhat, xhat)[:, None] / x2.dtype.type(kk) + eps)
        xhat *= rstd
        affine = w is not None or b is not None
        if w is not None:
            y = xhat * w.reshape(kk)
            if b is not None:
                y += b.reshape(kk)
        elif b is not None:
            y = xhat + b.reshape(kk)
        else:
            y = xhat
        # With an affine transform x̂ is a private temporary worth keeping; without one it is
        # the output (which may be modified in place later), so backward recomputes it.
        ctx.save_for_backward(x, w, b, xhat if affine else None, mean, rstd)
        ctx.k, ctx.eps = k, eps
        return y.reshape(shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, w, b, xhat, mean, rstd = ctx.saved_tensors
        nf = ctx.next_functions
        need_x, need_w, need_b = (nf[i][0] is not None for i in range(3))
        k = ctx.k
        if _gstate.enabled:
            return _ln_backward_graph(g, x, w, k, ctx.eps, need_x, need_w, need_b)
        shape = x._data.shape
        kk = math.prod(shape[len(shape) - k:])
        g2 = g._data.reshape(-1, kk)
        rstd = rstd._data
        if xhat is None:
            xh = x._data.reshape(-1, kk) - mean._data
            xh *= rstd
        else:
            xh = xhat._data
        if g2.dtype != xh.dtype:
            g2 = g2.astype(xh.dtype)
        gx = gw = gb = None
        if need_w:
            gw = _wrap(_colsum_prod(g2, xh).astype(w._data.dtype).reshape(w.shape))
        if need_b:
            gb = _wrap(g2.sum(axis=0).astype(b._data.dtype).reshape(b.shape))
        if need_x:
            gxh = g2 * w._data.reshape(kk) if w is not None else g2
            inv_k = xh.dtype.type(1.0 / kk)
            a = gxh.sum(axis=1, keepdims=True) * inv_k
            c = _rowdot(gxh, xh)[:, None] * inv_k
            t = xh * c
            t += a
            np.subtract(gxh, t, out=t)
            t *= rstd
            gx = _wrap(t.reshape(shape).astype(x._data.dtype, copy=False))
        return gx, gw, gb


def _colsum_prod(a, b):
    """Column sums of ``a * b`` for 2-D arrays (no full-size temporary on NumPy)."""
    if type(a) is np.ndarray:
        return np.einsum("mk,mk->k", a, b)
    return (a * b).sum(axis=0)


def _ln_backward_graph(g, x, w, k, eps, need_x, need_w, need_b):
    nd = x.dim()
    dims = tuple(range(nd - k, nd))
    lead = tuple(range(nd - k))
    mu = x.mean(dims, keepdim=True)
    xc = x - mu
    rstd = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
    xhat = xc * rstd
    gx = gw = gb = None
    if need_w:
        gw = (g * xhat).sum(lead) if lead else g * xhat
    if need_b:
        gb = g.sum(lead) if lead else g
    if need_x:
        gxh = g if w is None else g * w
        gx = rstd * (gxh - gxh.mean(dims, keepdim=True)
                     - xhat * (gxh * xhat).mean(dims, keepdim=True))
    return gx, gw, gb


def _shape_tuple(normalized_shape) -> tuple:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(input, ns, name="layer_norm"):
    k = len(ns)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != ns:
        raise RuntimeError(
            f"{name}: given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size {list(input.shape)}")


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing dims ``normalized_shape`` (biased variance), then apply
    the optional elementwise ``weight``/``bias`` of shape ``normalized_shape``.
    Shapes: (*, *normalized_shape) → same."""
    ns = _shape_tuple(normalized_shape)
    _check_normalized(input, ns)
    for t, nm in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"layer_norm: expected {nm} of shape {list(ns)}, but got "
                               f"{nm} of size {list(t.shape)}")
    if input._data.dtype.kind not in "fc" and input._data.dtype.kind != "V":
        input = input.float()
    return NativeLayerNorm.apply(input, weight, bias, k=len(ns), eps=eps)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """Root-mean-square normalisation over the trailing dims ``normalized_shape``:
    ``x / sqrt(mean(x²) + eps) * weight`` (``eps`` defaults to the dtype's machine epsilon)."""
    ns = _shape_tuple(normalized_shape)
    _check_normalized(input, ns, "rms_norm")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps) if input._data.dtype.kind == "f" \
            else float(np.finfo(np.float32).eps)
    dims = tuple(range(input.dim() - len(ns), input.dim()))
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return y * weight if weight is not None else y


# --------------------------------------------------------------------------- group/instance
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, *) over groups of C/num_groups channels (and all spatial dims),
    then apply per-channel ``weight``/``bias``."""
    if input.dim() < 2:
        raise RuntimeError(f"group_norm: expected an input with at least 2 dimensions (N, C, *),"
                           f" got input of size {list(input.shape)}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(input.shape)} and num_groups={num_groups}")
    _check_channels(weight, c, "weight")
    _check_channels(bias, c, "bias")
    y = NativeLayerNorm.apply(input.reshape(n, num_groups, -1), None, None, k=1, eps=eps)
    y = y.reshape(input.shape)
    cs = _chan_shape(input.dim(), c)
    if weight is not None:
        y = y * weight.reshape(cs)
    if bias is not None:
        y = y + bias.reshape(cs)
    return y


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) plane of (N, C, *) by its own statistics
    (``use_input_stats``) or by the running buffers; per-channel ``weight``/``bias``."""
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected an input of at least 3 dimensions (N, C, *), "
                         f"got input of size {list(input.shape)}")
    n, c = input.shape[:2]
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    spatial = input.numel() // max(n * c, 1)
    if spatial == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{list(input.shape)}")
    _check_channels(running_mean, c, "running_mean")
    _check_channels(running_var, c, "running_var")
    _check_channels(weight, c, "weight")
    _check_channels(bias, c, "bias")
    flat = input.reshape((1, n * c) + tuple(input.shape[2:]))
    y, mean, var = NativeBatchNorm.apply(flat, None, None, None, None, training=True, eps=eps)
    y = y.reshape(input.shape)
    if running_mean is not None or running_var is not None:
        unb = var._data.astype(np.float64).reshape(n, c) * (spatial / (spatial - 1))
        m = float(momentum)
        with _state.no_grad():
            for buf, stat in ((running_mean, mean._data.reshape(n, c)), (running_var, unb)):
                if buf is not None:
                    arr = buf._data
                    new = arr * (1.0 - m) + stat.astype(np.float64).mean(axis=0) * m
                    arr[...] = new.astype(arr.dtype, copy=False)
                    buf._bump()
    cs = _chan_shape(input.dim(), c)
    if weight is not None:
        y = y * weight.reshape(cs)
    if bias is not None:
        y = y + bias.reshape(cs)
    return y


# --------------------------------------------------------------------------- LRN, normalize
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Local response normalisation across channels of (N, C, *):
    ``x / (k + alpha/size · Σ_{window of size channels} x²)^beta`` (zero-padded window)."""
    from ... import _creation, ops
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = input * input
    before, after = size // 2, (size - 1) // 2
    parts = []
    rest = tuple(input.shape[2:])
    n = input.shape[0]
    if before:
        parts.append(_creation.zeros((n, before) + rest, dtype=input.dtype,
                                     device=input.device))
    parts.append(sq)
    if after:
        parts.append(_creation.zeros((n, after) + rest, dtype=input.dtype, device=input.device))
    padded = ops.cat(parts, 1) if len(parts) > 1 else sq
    acc = padded.narrow(1, 0, c)
    for j in range(1, size):
        acc = acc + padded.narrow(1, j, c)
    div = (acc * (alpha / size) + k).pow(beta)
    return input / div


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``input / max(‖input‖_p along dim, eps)``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    res = input / denom
    if out is not None:
        out.copy_(res)
        return out
    return res
