"""Fused recurrent layers: one graph node per layer and direction.

``RnnLayer`` runs a whole sequence of an Elman RNN (tanh/relu), LSTM (optionally with a
projection) or GRU on raw arrays:

* the input projection of every timestep is one GEMM (``x @ W_ihᵀ``) before the time loop;
* the loop does one small GEMM per step (``h @ W_hhᵀ``) plus a handful of in-place ufunc calls
  on preallocated buffers, keeping what backward needs (gate activations, previous states);
* backward runs back-propagation through time on arrays, storing the gradient of every gate
  pre-activation, then gets ``dx``, ``dW_ih``, ``dW_hh`` and the biases with single GEMMs /
  reductions over all timesteps.

The layout is flat: the input is a 2-D array ``(N, I)`` and ``order`` lists, per timestep, the
basic slice of rows that belong to it and how many rows (``bs``) are active. The three layouts
the layers need are all basic slices, so every per-step access is a view:

* time-major padded ``(T, B, I)``: step t is rows ``t*B : (t+1)*B``;
* batch-first padded ``(B, T, I)``: step t is rows ``t :: T`` (supported, but the layers
  transpose batch-first input to time-major once: strided rows make every per-step ufunc
  2-3x slower);
* a PackedSequence: step t is rows ``off_t : off_t + batch_sizes[t]``; its batch is sorted by
  decreasing length, so the active rows are always a prefix ``[:bs]`` of the running state.

Sequences that are inactive at a step keep their state untouched, so the state left in a row
after the loop is the state at that sequence's true end (forward direction) or after its first
element (reverse direction), which is what PyTorch returns for packed input.

The backward is written on arrays (like cuDNN's RNN in PyTorch) and is therefore not itself
differentiable: asking for a second derivative through it raises a clear RuntimeError. The
cells (``RNNCell``/``LSTMCell``/``GRUCell``) are composed from differentiable ops instead.
"""
from __future__ import annotations

import functools


from ... import _state
from ..._tensor import Tensor, _wrap
from ...autograd.graph import NULL_CTX, Op
from ...backend import array_module as xp_of

__all__: list = []

_gstate = _state.state


@functools.lru_cache(maxsize=64)
def steps_padded(T: int, B: int, batch_first: bool = False):
    """Per-timestep ``(row slice, active rows)`` of a flattened padded input."""
    N = T * B
    if batch_first:
        return tuple((slice(t, N, T), B) for t in range(T))
    return tuple((slice(t * B, (t + 1) * B), B) for t in range(T))


def steps_packed(batch_sizes) -> tuple:
    """Per-timestep ``(row slice, active rows)`` of PackedSequence data."""
    out, off = [], 0
    for bs in batch_sizes:
        bs = int(bs)
        out.append((slice(off, off + bs), bs))
        off += bs
    return tuple(out)


def _lstm_perm(H, xp):
    # Internal gate order (o, i, f, g): the three sigmoid gates are contiguous for the forward,
    # and the three gates multiplied by dc (i, f, g) are contiguous for the backward.
    # PyTorch's order is (i, f, g, o).
    return xp.concatenate([xp.arange(3 * H, 4 * H), xp.arange(0, 3 * H)])


def _lstm_unperm(H, xp):
    return xp.concatenate([xp.arange(H, 4 * H), xp.arange(0, H)])


# --------------------------------------------------------------------------------- forward
def _lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, order, save):
    xp = xp_of(x)
    H = w_hh.shape[0] // 4
    B = h0.shape[0]
    dt = x.dtype
    perm = _lstm_perm(H, xp)
    # sigmoid(z) = 0.5 * tanh(z / 2) + 0.5: pre-scale the sigmoid rows by 0.5 so that one tanh
    # call covers all four gates.
    scale = xp.ones(4 * H, dtype=dt)
    scale[:3 * H] = 0.5
    wih = w_ih[perm] * scale[:, None]
    whhT = xp.ascontiguousarray((w_hh[perm] * scale[:, None]).T)
    A = x @ wih.T                                   # (N, 4H): becomes the gate activations
    # The bias joins per step (in cache) rather than as one more pass over all of A.
    bias = (b_ih + b_hh)[perm] * scale if b_ih is not None else None
    N = x.shape[0]
    Hout = h0.shape[1]
    h = h0.copy()
    c = c0.copy()
    Y = xp.empty((N, Hout), dtype=dt)
    gb = xp.empty((B, 4 * H), dtype=dt)
    tmp = xp.empty((B, H), dtype=dt)
    if save:
        Hp = xp.empty((N, Hout), dtype=dt)
        Cp = xp.empty((N, H), dtype=dt)
        TC = xp.empty((N, H), dtype=dt)
        HR = xp.empty((N, H), dtype=dt) if w_hr is not None else None
    else:
        Hp = Cp = TC = HR = None
        cpb = xp.empty((B, H), dtype=dt)
        tcb = xp.empty((B, H), dtype=dt)
        hrb = xp.empty((B, H), dtype=dt)
    whrT = w_hr.T if w_hr is not None else None
    H2, H3 = 2 * H, 3 * H
    mul, tanh, matmul = xp.multiply, xp.tanh, xp.matmul
    for sl, bs in order:
        if save:
            hp = Hp[sl]
            hp[...] = h[:bs]
        else:
            hp = h[:bs]
        g = gb[:bs]
        matmul(hp, whhT, out=g)
        if bias is not None:
            g += bias
        a = A[sl]
        a += g
        tanh(a, out=a)
        s = a[:, :H3]
        s *= 0.5
        s += 0.5
        cc = c[:bs]
        if save:
            cp = Cp[sl]
            cp[...] = cc
            tc = TC[sl]
        else:
            cp = cpb[:bs]
            cp[...] = cc
            tc = tcb[:bs]
        mul(a[:, H2:H3], cp, out=cc)
        t = tmp[:bs]
        mul(a[:, H:H2], a[:, H3:], out=t)
        cc += t
        tanh(cc, out=tc)
        if w_hr is not None:
            hr = HR[sl] if save else hrb[:bs]
            mul(a[:, :H], tc, out=hr)
            matmul(hr, whrT, out=h[:bs])
        else:
            mul(a[:, :H], tc, out=h[:bs])
        Y[sl] = h[:bs]
    saved = (A, Hp, Cp, TC, HR) if save else None
    return (Y, h, c), saved


def _gru_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, order, save):
    xp = xp_of(x)
    H = w_hh.shape[0] // 3
    B = h0.shape[0]
    dt = x.dtype
    H2 = 2 * H
    scale = xp.ones(3 * H, dtype=dt)
    scale[:H2] = 0.5                                # r, z: sigmoid through tanh
    A = x @ (w_ih * scale[:, None]).T                # (N, 3H): r, z, n activations
    whhT = xp.ascontiguousarray((w_hh * scale[:, None]).T)
    bhn = None
    if b_ih is not None:
        bias = b_ih.copy()
        bias[:H2] += b_hh[:H2]
        A += bias * scale
        bhn = b_hh[H2:]
    N = x.shape[0]
    h = h0.copy()
    Y = xp.empty((N, H), dtype=dt)
    gb = xp.empty((B, 3 * H), dtype=dt)
    tmp = xp.empty((B, H), dtype=dt)
    if save:
        Hp = xp.empty((N, H), dtype=dt)
        HN = xp.empty((N, H), dtype=dt)
    else:
        Hp = HN = None
        hnb = xp.empty((B, H), dtype=dt)
    mul, tanh, matmul = xp.multiply, xp.tanh, xp.matmul
    for sl, bs in order:
        if save:
            hp = Hp[sl]
            hp[...] = h[:bs]
            hn = HN[sl]
        else:
            hp = h[:bs]
            hn = hnb[:bs]
        g = gb[:bs]
        matmul(hp, whhT, out=g)
        a = A[sl]
        rz = a[:, :H2]
        rz += g[:, :H2]
        tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        if bhn is not None:
            xp.add(g[:, H2:], bhn, out=hn)
        else:
            hn[...] = g[:, H2:]
        n = a[:, H2:]
        t = tmp[:bs]
        mul(a[:, :H], hn, out=t)
        n += t
        tanh(n, out=n)
        xp.subtract(hp, n, out=t)      # h' = n + z * (h - n)
        t *= a[:, H:H2]
        xp.add(n, t, out=h[:bs])
        Y[sl] = h[:bs]
    saved = (A, Hp, HN) if save else None
    return (Y, h), saved


def _rnn_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, order, save, relu):
    xp = xp_of(x)
    B, H = h0.shape
    A = x @ w_ih.T
    if b_ih is not None:
        A += b_ih + b_hh
    whhT = xp.ascontiguousarray(w_hh.T)
    h = h0.copy()
    gb = xp.empty((B, H), dtype=x.dtype)
    Hp = xp.empty((x.shape[0], H), dtype=x.dtype) if save else None
    for sl, bs in order:
        if save:
            hp = Hp[sl]
            hp[...] = h[:bs]
        else:
            hp = h[:bs]
        g = gb[:bs]
        xp.matmul(hp, whhT, out=g)
        a = A[sl]
        a += g
        if relu:
            xp.maximum(a, 0, out=a)
        else:
            xp.tanh(a, out=a)
        h[:bs] = a
    # A now holds every step's new hidden state: it is the output.
    return (A, h), ((Hp,) if save else None)


# -------------------------------------------------------------------------------- backward
def _lstm_backward(saved, x, w_ih, w_hh, w_hr, order, gy, ghT, gcT, need_x, need_w):
    A, Hp, Cp, TC, HR = saved
    xp = xp_of(A)
    H = w_hh.shape[0] // 4
    H2, H3 = 2 * H, 3 * H
    perm = _lstm_perm(H, xp)
    whh = w_hh[perm]
    N = A.shape[0]
    dt = A.dtype
    DG = xp.empty((N, 4 * H), dtype=dt)
    B = ghT.shape[0]
    dh = ghT.copy()
    dc = gcT.copy()
    tmp = xp.empty((B, H), dtype=dt)
    DH = xp.empty((N, w_hr.shape[0]), dtype=dt) if w_hr is not None else None
    dhr = xp.empty((B, H), dtype=dt) if w_hr is not None else None
    mul, sub, matmul = xp.multiply, xp.subtract, xp.matmul
    # Gates in (o, i, f, g) order; with dr = dL/d(o·tanh c):
    # dz_o = dr·tanh(c)·o(1-o);  dc += dr·o·(1-tanh²c);
    # dz_i = dc·g·i(1-i);  dz_f = dc·c_prev·f(1-f);  dz_g = dc·i·(1-g²);  dc_prev = dc·f.
    # The factors are built in the step's own rows of DG (cache-resident), then scaled.
    for sl, bs in reversed(order):
        d = dh[:bs]
        d += gy[sl]
        if w_hr is not None:
            DH[sl] = d
            dr = dhr[:bs]
            matmul(d, w_hr, out=dr)
        else:
            dr = d
        gt = DG[sl]
        a = A[sl]
        tc = TC[sl]
        s3 = gt[:, :H3]
        sub(1, a[:, :H3], out=s3)
        s3 *= a[:, :H3]
        gg = gt[:, H3:]
        mul(a[:, H3:], a[:, H3:], out=gg)
        sub(1, gg, out=gg)
        gg *= a[:, H:H2]
        gt[:, H:H2] *= a[:, H3:]
        gt[:, H2:H3] *= Cp[sl]
        go = gt[:, :H]
        go *= tc
        go *= dr
        t = tmp[:bs]
        mul(tc, tc, out=t)
        sub(1, t, out=t)
        t *= a[:, :H]
        t *= dr
        cc = dc[:bs]
        cc += t
        gifg = gt[:, H:].reshape(bs, 3, H)
        gifg *= cc[:, None, :]
        cc *= a[:, H2:H3]
        matmul(gt, whh, out=d)
    unperm = _lstm_unperm(H, xp)
    dx = DG @ w_ih[perm] if need_x else None
    grads = {"h0": dh, "c0": dc, "x": dx}
    if need_w:
        grads["w_ih"] = (DG.T @ x)[unperm]
        grads["w_hh"] = (DG.T @ Hp)[unperm]
        db = DG.sum(0)[unperm]
        grads["b"] = db
        if w_hr is not None:
            grads["w_hr"] = DH.T @ HR
    return grads


def _gru_backward(saved, x, w_ih, w_hh, w_hr, order, gy, ghT, gcT, need_x, need_w):
    A, Hp, HN = saved
    xp = xp_of(A)
    H = w_hh.shape[0] // 3
    H2 = 2 * H
    r, z, n = A[:, :H], A[:, H:H2], A[:, H2:]
    # dn = dh (1-z)(1-n²); dz = dh (h_prev - n) z(1-z); dr = dn * hn * r(1-r);
    # the h-side gradient of n's pre-activation is dn * r; dh_prev = dh z + dHH @ W_hh.
    Fn = n * n
    xp.subtract(1, Fn, out=Fn)
    omz = 1 - z
    Fn *= omz
    Fz = Hp - n
    Fz *= z
    Fz *= omz
    Fr = 1 - r
    Fr *= r
    Fr *= HN
    N = A.shape[0]
    dt = A.dtype
    DHH = xp.empty((N, 3 * H), dtype=dt)       # grads of the h-side pre-activations
    DN = xp.empty((N, H), dtype=dt)             # grad of n's input-side pre-activation
    B = ghT.shape[0]
    dh = ghT.copy()
    tmp = xp.empty((B, H), dtype=dt)
    mul, matmul = xp.multiply, xp.matmul
    for sl, bs in reversed(order):
        d = dh[:bs]
        d += gy[sl]
        gt = DHH[sl]
        dn = DN[sl]
        mul(d, Fn[sl], out=dn)
        mul(d, Fz[sl], out=gt[:, H:H2])
        mul(dn, Fr[sl], out=gt[:, :H])
        mul(dn, r[sl], out=gt[:, H2:])
        t = tmp[:bs]
        mul(d, z[sl], out=t)
        matmul(gt, w_hh, out=d)
        d += t
    grads = {"h0": dh}
    DRZ = DHH[:, :H2]
    if need_x:
        dx = DRZ @ w_ih[:H2]
        dx += DN @ w_ih[H2:]
        grads["x"] = dx
    if need_w:
        gw = xp.empty_like(w_ih)
        xp.matmul(DRZ.T, x, out=gw[:H2])
        xp.matmul(DN.T, x, out=gw[H2:])
        grads["w_ih"] = gw
        grads["w_hh"] = DHH.T @ Hp
        gbi = xp.empty(3 * H, dtype=dt)
        gbi[:H2] = DRZ.sum(0)
        gbi[H2:] = DN.sum(0)
        grads["b_ih"] = gbi
        gbh = gbi.copy()
        gbh[H2:] = DHH[:, H2:].sum(0)
        grads["b_hh"] = gbh
    return grads


def _rnn_backward(saved, Y, x, w_ih, w_hh, order, gy, ghT, relu, need_x, need_w):
    (Hp,) = saved
    xp = xp_of(Y)
    if relu:
        F = (Y > 0).astype(Y.dtype)
    else:
        F = Y * Y
        xp.subtract(1, F, out=F)
    DG = xp.empty_like(Y)
    dh = ghT.copy()
    for sl, bs in reversed(order):
        d = dh[:bs]
        d += gy[sl]
        gt = DG[sl]
        xp.multiply(d, F[sl], out=gt)
        xp.matmul(gt, w_hh, out=d)
    grads = {"h0": dh, "x": DG @ w_ih if need_x else None}
    if need_w:
        grads["w_ih"] = DG.T @ x
        grads["w_hh"] = DG.T @ Hp
        grads["b"] = DG.sum(0)
    return grads


# ------------------------------------------------------------------------------------- op
class RnnLayer(Op):
    """One layer and direction of RNN/LSTM/GRU over a whole (flattened) sequence.

    Inputs: x (N, I), h0 (B, Hout), c0 (B, H) or None, w_ih, w_hh, b_ih, b_hh (or None),
    w_hr (LSTM projection, or None). Outputs: y (N, Hout), h_T (B, Hout)[, c_T (B, H)].
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, order):
        save = ctx is not NULL_CTX
        if mode == "LSTM":
            outs, saved = _lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, order, save)
        elif mode == "GRU":
            outs, saved = _gru_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, order, save)
        else:
            outs, saved = _rnn_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, order, save,
                                       mode == "RNN_RELU")
        if save:
            ctx.mode = mode
            ctx.order = order
            # The internal arrays go through save_for_backward too, so they are freed with
            # the graph (and kept for retain_graph=True).
            ctx.save_for_backward(x, w_ih, w_hh, w_hr, outs[0], *saved)
        return outs

    @staticmethod
    def backward(ctx, gy, ghT, gcT=None):
        x_t, wih_t, whh_t, whr_t, y_t, *arrays = ctx.saved_tensors
        arrays = [a._data if a is not None else None for a in arrays]
        nf = ctx.next_functions
        need_x = nf[0][0] is not None
        need_w = any(nf[k][0] is not None for k in range(3, 8))
        x, w_ih, w_hh = x_t._data, wih_t._data, whh_t._data
        w_hr = whr_t._data if whr_t is not None else None
        mode, order = ctx.mode, ctx.order
        if mode == "LSTM":
            g = _lstm_backward(arrays, x, w_ih, w_hh, w_hr, order, gy._data, ghT._data,
                               gcT._data, need_x, need_w)
        elif mode == "GRU":
            g = _gru_backward(arrays, x, w_ih, w_hh, None, order, gy._data, ghT._data,
                              None, need_x, need_w)
        else:
            g = _rnn_backward(arrays, y_t._data, x, w_ih, w_hh, order, gy._data, ghT._data,
                              mode == "RNN_RELU", need_x, need_w)
        has_bias = nf[5][0] is not None or nf[6][0] is not None
        b = g.get("b")
        res = [g.get("x"), g["h0"], g.get("c0"), g.get("w_ih"), g.get("w_hh"),
               g.get("b_ih", b) if has_bias else None,
               g.get("b_hh", b if b is None else b.copy()) if has_bias else None,
               g.get("w_hr")]
        res = [r if nf[k][0] is not None else None for k, r in enumerate(res)]
        if _gstate.enabled:  # create_graph=True: the results must refuse a second backward
            inputs = [t for t in (gy, ghT, gcT, x_t, wih_t, whh_t, whr_t) if t is not None]
            if any(t.requires_grad for t in inputs):
                idx = [k for k, r in enumerate(res) if r is not None]
                outs = RnnBackwardNotDifferentiable.apply(
                    *inputs, results=tuple(res[k] for k in idx))
                outs = outs if type(outs) is tuple else (outs,)
                full = [None] * len(res)
                for k, o in zip(idx, outs):
                    full[k] = o
                return tuple(full)
        return tuple(_wrap(r) if r is not None else None for r in res)


class RnnBackwardNotDifferentiable(Op):
    """Carries the fused RNN's gradients under create_graph; refuses to be differentiated."""

    @staticmethod
    def forward(ctx, *inputs, results):
        return results if len(results) != 1 else results[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(
            "double backward is not supported through the fused RNN/LSTM/GRU layers (their "
            "backward runs on raw arrays, like PyTorch's cuDNN RNN). For higher-order "
            "gradients, unroll the sequence with RNNCell/LSTMCell/GRUCell, which are "
            "differentiable to any order.")


def rnn_layer(x: Tensor, h0: Tensor, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode: str, order):
    """Run one layer/direction; see :class:`RnnLayer`. ``order`` is in processing order."""
    return RnnLayer.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode=mode, order=order)
