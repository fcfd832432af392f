"""Array-level convolution and pooling kernels (NumPy or CuPy through ``xp``).

Convolution is im2col through a strided view plus one batched GEMM; the gradient w.r.t. the
input scatters the column gradient back with kh·kw strided slice-adds (col2im), which is far
faster than ``np.add.at``. Layout is NCHW; outputs are C-contiguous.
"""
from __future__ import annotations

import numpy as np

from . import array_module


def _as_strided(xp, a, shape, strides):
    if xp is np:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def out_size(size, k, s, p, d, ceil_mode=False):
    eff = d * (k - 1) + 1
    span = size + 2 * p - eff
    if ceil_mode:
        o = -(-span // s) + 1
        if (o - 1) * s >= size + p:  # last window must start inside the input or left pad
            o -= 1
        return o
    return span // s + 1


def pad2d(x, ph, pw, value=0.0):
    """Zero (or ``value``) padding of the last two dims into a fresh array."""
    if ph == 0 and pw == 0:
        return x
    xp = array_module(x)
    n, c, h, w = x.shape
    out = xp.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def windows(xpad, kh, kw, s, d, ho, wo):
    """View of shape (N, C, kh, kw, Ho, Wo): element [n,c,i,j,y,x] = xpad[n,c,y*s+i*d,x*s+j*d]."""
    xp = array_module(xpad)
    sn, sc, sh, sw = xpad.strides
    return _as_strided(xp, xpad, xpad.shape[:2] + (kh, kw, ho, wo),
                       (sn, sc, d[0] * sh, d[1] * sw, s[0] * sh, s[1] * sw))


# Columns of one batch chunk should stay in cache between the im2col copy and the GEMM.
CHUNK_BYTES = 4 << 20


def _chunks(n, per_sample_bytes):
    step = max(1, CHUNK_BYTES // max(per_sample_bytes, 1))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


def _col2im_into(out, cols, kh, kw, stride, dilation, ho, wo):
    n, c = out.shape[:2]
    cols = cols.reshape(n, c, kh, kw, ho, wo)
    sh, sw = stride
    dh, dw = dilation
    for i in range(kh):
        hi = i * dh
        for j in range(kw):
            wj = j * dw
            out[:, :, hi:hi + sh * (ho - 1) + 1:sh, wj:wj + sw * (wo - 1) + 1:sw] += cols[:, :, i, j]


def _geometry(x_shape, w_shape, stride, padding, dilation):
    n, c, h, wd = x_shape
    o, cg, kh, kw = w_shape
    ho = out_size(h, kh, stride[0], padding[0], dilation[0])
    wo = out_size(wd, kw, stride[1], padding[1], dilation[1])
    return n, c, o, cg, kh, kw, ho, wo


# groups == 1: columns laid out channel-major, (C·kh·kw, m·Ho·Wo) for a chunk of m samples,
# so forward, weight-gradient and input-gradient are each ONE large GEMM per chunk (NumPy's
# stacked matmul runs one GEMM per sample). That wins when a sample's output plane is small
# (per-sample GEMMs are skinny); for large planes the per-sample path avoids the transposing
# copies. Thresholds measured on the W1-W7 conv shapes (shared/BENCHMARKS.md).
DENSE_FORWARD_MAX_PLANE = 128
DENSE_GRAD_WEIGHT_MAX_PLANE = 256
BIG_CHUNK_BYTES = 12 << 20


def _cols_ck_major(xpad, kh, kw, stride, dilation, ho, wo):
    """(C·kh·kw, m·Ho·Wo) columns of the padded chunk ``xpad`` (one copy)."""
    m, c = xpad.shape[:2]
    win = windows(xpad, kh, kw, stride, dilation, ho, wo)          # (m, C, kh, kw, Ho, Wo)
    return win.transpose(1, 2, 3, 0, 4, 5).reshape(c * kh * kw, m * ho * wo)


def _forward_dense(x, w, stride, padding, dilation):
    xp = array_module(x)
    n, c, o, cg, kh, kw, ho, wo = _geometry(x.shape, w.shape, stride, padding, dilation)
    length = ho * wo
    xpad = pad2d(x, padding[0], padding[1])
    w2 = w.reshape(o, c * kh * kw)
    y = xp.empty((n, o, length), dtype=x.dtype)
    for s, e in _chunks_big(n, c * kh * kw * length * x.itemsize):
        out = w2 @ _cols_ck_major(xpad[s:e], kh, kw, stride, dilation, ho, wo)  # (O, m·L)
        y[s:e] = out.reshape(o, e - s, length).transpose(1, 0, 2)
    return y.reshape(n, o, ho, wo)


def _grad_weight_dense(x, g, w_shape, stride, padding, dilation):
    xp = array_module(x)
    n, o, ho, wo = g.shape
    _, c, kh, kw = w_shape
    length = ho * wo
    xpad = pad2d(x, padding[0], padding[1])
    gw = xp.zeros((o, c * kh * kw), dtype=np.float64 if g.dtype == np.float64 else np.float32)
    gm = g.reshape(n, o, length)
    for s, e in _chunks_big(n, c * kh * kw * length * x.itemsize):
        g2 = gm[s:e].transpose(1, 0, 2).reshape(o, (e - s) * length)          # (O, m·L)
        gw += g2 @ _cols_ck_major(xpad[s:e], kh, kw, stride, dilation, ho, wo).T
    return gw.reshape(w_shape).astype(g.dtype, copy=False)


def _grad_input_dense(g, w, x_shape, stride, padding, dilation):
    xp = array_module(g)
    n, o, ho, wo = g.shape
    _, c, kh, kw = w.shape
    length = ho * wo
    ph, pw = padding
    h, wd = x_shape[2:]
    out = xp.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype=g.dtype)
    wt = w.reshape(o, c * kh * kw).T
    gm = g.reshape(n, o, length)
    sh, sw = stride
    dh, dw = dilation
    for s, e in _chunks_big(n, c * kh * kw * length * g.itemsize):
        m = e - s
        cols = (wt @ gm[s:e].transpose(1, 0, 2).reshape(o, m * length)).reshape(
            c, kh, kw, m, ho, wo)
        dst = out[s:e].transpose(1, 0, 2, 3)                                  # (C, m, Hp, Wp)
        for i in range(kh):
            hi = i * dh
            for j in range(kw):
                wj = j * dw
                dst[:, :, hi:hi + sh * (ho - 1) + 1:sh, wj:wj + sw * (wo - 1) + 1:sw] += \
                    cols[:, i, j]
    if ph or pw:
        out = out[:, :, ph:ph + h, pw:pw + wd]
    return xp.ascontiguousarray(out)


def _chunks_big(n, per_sample_bytes):
    step = max(1, BIG_CHUNK_BYTES // max(per_sample_bytes, 1))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


def conv2d_forward(x, w, stride, padding, dilation, groups):
    """y[n, o] = Σ_c,i,j w[o, c, i, j] · x[n, c, ·]. Shapes: x (N,C,H,W), w (O,C/g,kh,kw).

    The batch is processed in chunks whose columns fit in cache: im2col copy, then one GEMM
    per chunk straight into the output.
    """
    if groups == 1:
        ho = out_size(x.shape[2], w.shape[2], stride[0], padding[0], dilation[0])
        wo = out_size(x.shape[3], w.shape[3], stride[1], padding[1], dilation[1])
        if ho * wo <= DENSE_FORWARD_MAX_PLANE:
            return _forward_dense(x, w, stride, padding, dilation)
    xp = array_module(x)
    n, c, o, cg, kh, kw, ho, wo = _geometry(x.shape, w.shape, stride, padding, dilation)
    ck, length = cg * kh * kw, ho * wo
    xpad = pad2d(x, padding[0], padding[1])
    y = xp.empty((n, o, length), dtype=x.dtype)
    w2 = w.reshape(o, ck) if groups == 1 else w.reshape(groups, o // groups, ck)
    for s, e in _chunks(n, c * kh * kw * length * x.itemsize):
        cols = windows(xpad[s:e], kh, kw, stride, dilation, ho, wo).reshape(e - s, c * kh * kw,
                                                                            length)
        if groups == 1:
            xp.matmul(w2, cols, out=y[s:e])
        else:
            xp.matmul(w2, cols.reshape(e - s, groups, ck, length),
                      out=y[s:e].reshape(e - s, groups, o // groups, length))
    return y.reshape(n, o, ho, wo)


def conv2d_grad_input(g, w, x_shape, stride, padding, dilation, groups):
    """Gradient of conv2d w.r.t. its input (also: transposed convolution of ``g`` by ``w``)."""
    if groups == 1:
        return _grad_input_dense(g, w, x_shape, stride, padding, dilation)
    xp = array_module(g)
    n, o, ho, wo = g.shape
    _, cg, kh, kw = w.shape
    c = x_shape[1]
    ck, length = cg * kh * kw, ho * wo
    ph, pw = padding
    h, wd = x_shape[2:]
    out = xp.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype=g.dtype)
    gm = g.reshape(n, o, length)
    wt = w.reshape(o, ck).T if groups == 1 else \
        w.reshape(groups, o // groups, ck).transpose(0, 2, 1)
    for s, e in _chunks(n, c * kh * kw * length * g.itemsize):
        if groups == 1:
            cols = xp.matmul(wt, gm[s:e])
        else:
            cols = xp.matmul(wt, gm[s:e].reshape(e - s, groups, o // groups, length))
        _col2im_into(out[s:e], cols, kh, kw, stride, dilation, ho, wo)
    if ph or pw:
        out = out[:, :, ph:ph + h, pw:pw + wd]
    return xp.ascontiguousarray(out)


def conv2d_grad_weight(x, g, w_shape, stride, padding, dilation, groups):
    """Gradient of conv2d w.r.t. its weight: Σ_n g_n · colsᵀ_n. Shape (O, C/g, kh, kw).

    Columns are recomputed chunk by chunk rather than kept from the forward pass.
    """
    if groups == 1 and g.shape[2] * g.shape[3] <= DENSE_GRAD_WEIGHT_MAX_PLANE:
        return _grad_weight_dense(x, g, w_shape, stride, padding, dilation)
    xp = array_module(x)
    n, o, ho, wo = g.shape
    _, cg, kh, kw = w_shape
    c = x.shape[1]
    ck, length = cg * kh * kw, ho * wo
    xpad = pad2d(x, padding[0], padding[1])
    gm = g.reshape(n, o, length)
    gw = xp.zeros((groups, o // groups, ck), dtype=np.float64 if g.dtype == np.float64
                  else np.float32)
    for s, e in _chunks(n, c * kh * kw * length * x.itemsize):
        cols = windows(xpad[s:e], kh, kw, stride, dilation, ho, wo).reshape(e - s, c * kh * kw,
                                                                            length)
        cols = cols.reshape(e - s, groups, ck, length)
        gg = gm[s:e].reshape(e - s, groups, o // groups, length)
        # per sample (O/g, L) @ (L, CK): BLAS reads the transposed columns in place
        gw += xp.matmul(gg, cols.transpose(0, 1, 3, 2)).sum(axis=0)
    return gw.reshape(w_shape).astype(g.dtype, copy=False)


def pool_windows(x, k, s, p, d, ceil_mode, pad_value):
    """(windows view (N,C,kh,kw,Ho,Wo), Ho, Wo) with padding by ``pad_value``."""
    n, c, h, w = x.shape
    ho = out_size(h, k[0], s[0], p[0], d[0], ceil_mode)
    wo = out_size(w, k[1], s[1], p[1], d[1], ceil_mode)
    # ceil_mode may need extra right/bottom padding beyond p
    need_h = (ho - 1) * s[0] + d[0] * (k[0] - 1) + 1
    need_w = (wo - 1) * s[1] + d[1] * (k[1] - 1) + 1
    xp = array_module(x)
    hp, wp = max(need_h, h + 2 * p[0]), max(need_w, w + 2 * p[1])
    if (hp, wp) != (h, w):
        xpad = xp.full((n, c, hp, wp), pad_value, dtype=x.dtype)
        xpad[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    else:
        xpad = x
    return windows(xpad, k[0], k[1], s, d, ho, wo), ho, wo, (hp, wp)


def max_pool2d_forward(x, k, s, p, d, ceil_mode):
    """(values (N,C,Ho,Wo), argmax within window (N,C,Ho,Wo) as i·kw + j, padded shape).

    One copy of the windows into (…, kh·kw), then argmax: NumPy's argmax returns the first
    maximum (PyTorch's tie rule) and the first NaN (NaN propagates, as in PyTorch).
    """
    xp = array_module(x)
    win, ho, wo, padded = pool_windows(x, k, s, p, d, ceil_mode, -xp.inf)
    n, c = x.shape[:2]
    flat = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c, ho, wo, k[0] * k[1])
    arg = flat.argmax(axis=-1)
    best = flat.max(axis=-1)  # cheaper than gathering at arg; NaN propagates the same way
    return best, arg, padded


def max_pool2d_flat_indices(arg, x_shape, k, s, p, d):
    """PyTorch's ``return_indices``: flat index into each input (H·W) plane."""
    xp = array_module(arg)
    n, c, ho, wo = arg.shape
    i, j = xp.divmod(arg.astype(xp.int64), k[1])
    rows = xp.arange(ho).reshape(1, 1, ho, 1) * s[0] + i * d[0] - p[0]
    cols = xp.arange(wo).reshape(1, 1, 1, wo) * s[1] + j * d[1] - p[1]
    return rows * x_shape[3] + cols


def max_pool2d_backward(g, arg, x_shape, k, s, p, d, padded):
    """Route each output gradient to the input position that won its window."""
    xp = array_module(g)
    n, c, h, w = x_shape
    ho, wo = g.shape[2:]
    kk = k[0] * k[1]
    # one broadcast compare + multiply (put_along_axis builds index grids in Python)
    per_pos = (arg[..., None] == xp.arange(kk, dtype=arg.dtype)) * g[..., None]
    if tuple(s) == tuple(k) and tuple(d) == (1, 1) and tuple(p) == (0, 0) and \
            ho * k[0] == h and wo * k[1] == w:
        # non-overlapping windows tile the input exactly: one transposing copy
        out = per_pos.reshape(n, c, ho, wo, k[0], k[1]).transpose(0, 1, 2, 4, 3, 5)
        return xp.ascontiguousarray(out).reshape(n, c, h, w)
    out = xp.zeros((n, c) + tuple(padded), dtype=g.dtype)
    for t in range(kk):
        i, j = divmod(t, k[1])
        hi, wj = i * d[0], j * d[1]
        out[:, :, hi:hi + s[0] * (ho - 1) + 1:s[0], wj:wj + s[1] * (wo - 1) + 1:s[1]] += \
            per_pos[..., t]
    return xp.ascontiguousarray(out[:, :, p[0]:p[0] + h, p[1]:p[1] + w])


def max_pool2d_gather(gg, arg, k, s, d, p, padded):
    """Adjoint of :func:`max_pool2d_backward`: pick each window's winner from ``gg``."""
    xp = array_module(gg)
    n, c, h, w = gg.shape
    xpad = xp.zeros((n, c) + tuple(padded), dtype=gg.dtype)
    xpad[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = gg
    ho, wo = arg.shape[2:]
    win = windows(xpad, k[0], k[1], s, d, ho, wo)
    flat = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c, ho, wo, k[0] * k[1])
    return xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]


def avg_pool2d_divisor(x_shape, k, s, p, ceil_mode, count_include_pad, divisor_override,
                       ho, wo, xp):
    """Per-output divisor, shape (Ho, Wo) (or a scalar when constant)."""
    if divisor_override:
        return divisor_override
    h, w = x_shape[2:]

    def counts(size, kk, ss, pp, oo):
        start = np.arange(oo) * ss - pp
        end = np.minimum(start + kk, size + pp)
        if count_include_pad:
            return end - start
        return np.minimum(end, size) - np.maximum(start, 0)
    ch = counts(h, k[0], s[0], p[0], ho)
    cw = counts(w, k[1], s[1], p[1], wo)
    div = np.outer(ch, cw)
    if (div == div.flat[0]).all():
        return int(div.flat[0])
    return xp.asarray(div)


def avg_pool2d_forward(x, k, s, p, ceil_mode, count_include_pad, divisor_override):
    xp = array_module(x)
    win, ho, wo, padded = pool_windows(x, k, s, p, (1, 1), ceil_mode, 0.0)
    total = win.sum(axis=(2, 3), dtype=x.dtype)
    div = avg_pool2d_divisor(x.shape, k, s, p, ceil_mode, count_include_pad, divisor_override,
                             ho, wo, xp)
    return (total / xp.asarray(div, dtype=x.dtype)).astype(x.dtype, copy=False), padded


def avg_pool2d_backward(g, x_shape, k, s, p, ceil_mode, count_include_pad, divisor_override,
                        padded):
    xp = array_module(g)
    n, c, h, w = x_shape
    ho, wo = g.shape[2:]
    div = avg_pool2d_divisor(x_shape, k, s, p, ceil_mode, count_include_pad, divisor_override,
                             ho, wo, xp)
    gd = (g / xp.asarray(div, dtype=g.dtype)).astype(g.dtype, copy=False)
    out = xp.zeros((n, c) + tuple(padded), dtype=g.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i:i + s[0] * (ho - 1) + 1:s[0], j:j + s[1] * (wo - 1) + 1:s[1]] += gd
    return xp.ascontiguousarray(out[:, :, p[0]:p[0] + h, p[1]:p[1] + w])
