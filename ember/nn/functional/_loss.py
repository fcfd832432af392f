"""Loss functions of ``ember.nn.functional``: cross-entropy family, regression and BCE losses.

``cross_entropy`` is one fused op (log-softmax + pick + reduction, with a stable
log-sum-exp): its backward ``p·S − q`` is computed from the softmax kept by the forward pass,
and that backward is itself an op whose own backward is written with Tensor ops, so gradient
penalties (double backward) work. ``nll_loss``, ``mse_loss``, ``binary_cross_entropy`` and
``binary_cross_entropy_with_logits`` are single ops too; the margin losses (in
``_loss_margin``) are compositions of existing ops.
"""
from __future__ import annotations

import warnings

import numpy as np

from ... import _creation
from ... import ops as _ops
from ..._tensor import Tensor, _wrap
from ...autograd.graph import Op
from ...ops._common import promote, xp_of

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "poisson_nll_loss", "gaussian_nll_loss"]

_VALID = ("none", "mean", "sum")


# --------------------------------------------------------------------------- reductions
def _legacy_reduction(size_average, reduce, emit: bool = True) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` pair mapped to a reduction string."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    r = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{r}' instead.", stacklevel=4)
    return r


def _reduction(reduction, size_average=None, reduce=None) -> str:
    """Validate ``reduction`` (honouring the legacy arguments when given)."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction in _VALID:
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated, please use "
                      "reduction='mean' instead.", stacklevel=3)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction: expected 'none', "
                     f"'mean' or 'sum'")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _scalar(xp, v, dtype):
    return xp.asarray(v, dtype=dtype)


def _widen(x):
    return x.astype(np.float32) if x.dtype.itemsize < 4 else x


def _check_tensor(x, name: str, fn: str):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _check_float_input(x: Tensor, fn: str):
    if not x.is_floating_point():
        raise RuntimeError(f"{fn}(): expected a floating-point input but got {x.dtype} "
                           f"(shape {list(x.shape)}); convert it with .float()")


# --------------------------------------------------------------------------- class targets
class _Plan:
    """Per-call constants of a class-index loss: which samples count, their weights, the
    denominator of the mean, and (cross-entropy) the smoothing and per-sample mass ``S``."""

    __slots__ = ("idx", "a", "w", "den", "eps", "C", "soft", "q", "S", "reduction", "wshape")


def _hard_plan(t, w, ignore_index: int, C: int, reduction: str, dtype) -> _Plan:
    """``a_i = w[t_i]`` (or 1), zero where ``t_i == ignore_index``; ``den = Σ a_i``."""
    plan = _Plan()
    ign = t == ignore_index
    any_ign = bool(ign.any()) if ign.size else False
    tc = np.where(ign, 0, t) if any_ign else t
    plan.idx = np.expand_dims(tc, 1)
    if w is not None:
        a = w[tc]
        if any_ign:
            a = np.where(ign, 0, a)
    else:
        a = (~ign).astype(dtype) if any_ign else None
    plan.a = a
    plan.w = w
    if reduction == "mean":
        plan.den = float(a.sum()) if a is not None else float(t.size)
    else:
        plan.den = 1.0
    plan.reduction = reduction
    return plan


def _check_class_target(input: Tensor, target: Tensor, fn: str, ignore_index: int,
                        weight) -> None:
    """Shape, dtype and range checks of a class-index target (PyTorch's exception types)."""
    x, t = input._data, target._data
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"{fn}(): expected a target of class indices with an integer dtype (int64), but got "
            f"a {target.dtype} target of shape {list(target.shape)}; class-probability targets "
            f"must have the input's shape {list(input.shape)}")
    if x.ndim == 1:
        if t.ndim != 0:
            raise RuntimeError(f"{fn}(): an unbatched input of shape {list(input.shape)} needs a "
                               f"0-d target, got shape {list(target.shape)}")
    else:
        if t.ndim >= 1 and t.shape[0] != x.shape[0]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({t.shape[0]}).")
        want = (x.shape[0],) + x.shape[2:]
        if t.shape != want:
            raise RuntimeError(f"{fn}(): expected target of shape {list(want)} for input of "
                               f"shape {list(input.shape)}, got {list(target.shape)}")
    C = x.shape[0] if x.ndim == 1 else x.shape[1]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != C):
        raise RuntimeError(f"{fn}(): weight tensor should be defined either for all {C} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    if t.size:
        bad = ((t < 0) | (t >= C)) & (t != ignore_index)
        if bad.any():
            v = int(t[bad].ravel()[0])
            raise IndexError(f"{fn}(): target {v} is out of bounds for {C} classes (valid class "
                             f"indices are 0 to {C - 1}, or ignore_index={ignore_index})")


def _expand_g(g, reduction: str, den: float):
    """The upstream gradient per sample, broadcastable against (N, C, *)."""
    if reduction == "none":
        return np.expand_dims(g, 1)
    return g / den if reduction == "mean" else g


class _CrossEntropyBase(Op):
    """Fused log-softmax + class pick (or probability dot) + reduction over dim 1."""

    @staticmethod
    def forward(ctx, x, t, plan):
        w = plan.w
        xw = _widen(x)
        C = xw.shape[1]
        z = xw - xw.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        logs = np.log(s)
        eps = plan.eps
        wb = None if w is None else w.reshape(plan.wshape).astype(xw.dtype, copy=False)
        if plan.soft:
            q = _widen(t)
            if eps:
                q = q * (1 - eps) + eps / C
            if wb is not None:
                q = q * wb
            loss = (q * (logs - z)).sum(axis=1)
            plan.q = q
            plan.S = q.sum(axis=1, keepdims=True)
        else:
            zt = np.take_along_axis(z, plan.idx, axis=1)
            nll = (logs - zt)[:, 0]
            a = plan.a
            loss = nll if a is None else nll * a
            if eps:
                # smoothing term: -Σ_c w_c log p_c = Σ_c w_c (log s - z_c), masked
                if wb is None:
                    smooth = C * logs[:, 0] - z.sum(axis=1)
                    sw = float(C)
                else:
                    smooth = wb.sum() * logs[:, 0] - (z * wb).sum(axis=1)
                    sw = wb.sum()
                mask = 1.0 if plan.a is None else (plan.a != 0)
                loss = loss * (1 - eps) + smooth * mask * (eps / C)
                at = 1.0 if a is None else a
                S = (1 - eps) * at + mask * (eps / C) * sw
                plan.S = float(S) if np.ndim(S) == 0 else np.expand_dims(S, 1)
            else:
                plan.S = None if a is None else np.expand_dims(a, 1)
        ctx.p = e / s
        ctx.plan = plan
        ctx.save_for_backward(x, t)
        xp = xp_of(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            if plan.reduction == "mean":
                return _scalar(xp, loss.sum() / plan.den, x.dtype)
            if plan.reduction == "sum":
                return _scalar(xp, loss.sum(), x.dtype)
        return loss.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        plan = ctx.plan
        w = None if plan.w is None else _wrap(plan.w.astype(x._data.dtype, copy=False))
        nf = ctx.next_functions
        gx = gt = None
        if nf[0][0] is not None:
            gx = _CrossEntropyGrad.apply(g, x, t, p=ctx.p, plan=plan)
        if plan.soft and nf[1][0] is not None:
            coef = g.unsqueeze(1) if plan.reduction == "none" else (
                g / plan.den if plan.reduction == "mean" else g)
            logp = _ops.log_softmax(x, 1)
            wt = (1 - plan.eps) if w is None else w.reshape(plan.wshape) * (1 - plan.eps)
            gt = -(logp * wt) * coef
        return gx, gt


class _CrossEntropyHard(_CrossEntropyBase):
    @classmethod
    def name(cls) -> str:   # what PyTorch shows for cross_entropy's result
        return "NllLossBackward0"


class _CrossEntropySoft(_CrossEntropyBase):
    pass


def _dense_q(plan, shape, dtype):
    """The target distribution ``q`` (N, C, *) as a dense array, for second derivatives."""
    if plan.soft:
        return plan.q
    C = shape[1]
    eps = plan.eps
    xp = xp_of(plan.idx)
    q = xp.zeros(shape, dtype=dtype)
    at = xp.ones(plan.idx.shape[:1] + plan.idx.shape[2:], dtype) if plan.a is None else plan.a
    np.put_along_axis(q, plan.idx, np.expand_dims(at * (1 - eps), 1).astype(dtype), axis=1)
    if eps:
        mask = 1.0 if plan.a is None else np.expand_dims(plan.a != 0, 1)
        wb = 1.0 if plan.w is None else plan.w.reshape(plan.wshape)
        q = q + mask * wb * (eps / C)
    return q


class _CrossEntropyGrad(Op):
    """``coef · (softmax(x)·S − q)``: the input gradient of cross-entropy."""

    @staticmethod
    def forward(ctx, g, x, t, p, plan):
        ctx.save_for_backward(g, x, t)
        ctx.plan = plan
        coef = _expand_g(g, plan.reduction, plan.den)
        S = plan.S
        out = p * (coef if S is None else coef * S)
        if plan.soft:
            out -= coef * plan.q
        else:
            a = 1.0 if plan.a is None else np.expand_dims(plan.a, 1)
            dec = coef * a * (1 - plan.eps)
            if np.ndim(dec) == 0:
                dec = xp_of(out).full(plan.idx.shape, dec, dtype=out.dtype)
            else:
                dec = np.broadcast_to(dec, plan.idx.shape)
            cur = np.take_along_axis(out, plan.idx, axis=1)
            np.put_along_axis(out, plan.idx, cur - dec, axis=1)
            if plan.eps:
                mask = 1.0 if plan.a is None else np.expand_dims(plan.a != 0, 1)
                wb = 1.0 if plan.w is None else plan.w.reshape(plan.wshape)
                out -= coef * mask * wb * (plan.eps / p.shape[1])
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gg):
        g, x, t = ctx.saved_tensors
        plan = ctx.plan
        nf = ctx.next_functions
        p = _ops.softmax(x, 1)
        eps = plan.eps
        wb = 1.0 if plan.w is None else _wrap(
            plan.w.reshape(plan.wshape).astype(x._data.dtype, copy=False))
        S = plan.S
        if S is None:
            S = 1.0
        elif not isinstance(S, float):
            S = _wrap(S.astype(x._data.dtype, copy=False))
        if plan.reduction == "none":
            coef = g.unsqueeze(1)
        else:
            coef = g / plan.den if plan.reduction == "mean" else g
        dg = dx = dt = None
        if plan.soft:   # q and S as functions of the target, so its gradient flows too
            q = (t * (1 - eps) + eps / x.shape[1]) * wb
            S = q.sum(1, keepdim=True)
        if nf[0][0] is not None:
            if not plan.soft:
                q = _wrap(_dense_q(plan, x._data.shape, x._data.dtype).astype(
                    x._data.dtype, copy=False))
            r = (gg * (p * S - q)).sum(1)
            if plan.reduction != "none":
                r = r.sum()
                if plan.reduction == "mean":
                    r = r / plan.den
            dg = r
        if nf[1][0] is not None:
            dx = coef * S * p * (gg - (gg * p).sum(1, keepdim=True))
        if plan.soft and nf[2][0] is not None:
            dt = coef * (1 - eps) * wb * ((gg * p).sum(1, keepdim=True) - gg)
        return dg, dx, dt


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between the logits ``input`` and ``target``, one fused stable op.

    Shapes: input (C,), (N, C) or (N, C, d1, ...); target class indices (), (N,) or
    (N, d1, ...) — or class probabilities of the input's shape. ``weight``: (C,). With
    ``reduction='mean'`` and class indices, the sum is divided by the total weight of the
    non-ignored targets (PyTorch's rule). ``label_smoothing`` mixes the target with uniform.
    """
    _check_tensor(input, "input", "cross_entropy")
    _check_tensor(target, "target", "cross_entropy")
    reduction = _reduction(reduction, size_average, reduce)
    if input.dim() == 0:
        raise RuntimeError("cross_entropy(): input must have at least 1 dimension (the "
                           "classes), got a 0-d tensor")
    _check_float_input(input, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"cross_entropy(): label_smoothing must be between 0.0 and 1.0. "
                           f"Got: {label_smoothing}")
    soft = tuple(input.shape) == tuple(target.shape)
    if soft:
        if not target.is_floating_point():
            raise RuntimeError(
                f"cross_entropy(): a target with the input's shape {list(input.shape)} holds "
                f"class probabilities and must be floating point, got {target.dtype}")
        C = input.shape[0] if input.dim() == 1 else input.shape[1]
        if weight is not None and (weight.dim() != 1 or weight.shape[0] != C):
            raise RuntimeError(f"cross_entropy(): weight tensor should be defined either for "
                               f"all {C} classes or no classes but got weight tensor of "
                               f"shape: {list(weight.shape)}")
        if target.dtype != input.dtype:
            target = target.to(input.dtype)
    else:
        _check_class_target(input, target, "cross_entropy", ignore_index, weight)
    unbatched = input.dim() == 1
    if unbatched:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    x = input._data
    w = None
    if weight is not None:
        w = weight._data.astype(_widen(x).dtype, copy=False)
    if soft:
        plan = _Plan()
        plan.soft, plan.a, plan.idx, plan.w = True, None, None, w
        plan.den = float(x.size // x.shape[1]) if reduction == "mean" else 1.0
        plan.reduction = reduction
        cls = _CrossEntropySoft
    else:
        plan = _hard_plan(target._data, w, ignore_index, x.shape[1], reduction,
                          _widen(x).dtype)
        plan.soft, plan.q = False, None
        cls = _CrossEntropyHard
    plan.eps = float(label_smoothing)
    plan.C = x.shape[1]
    plan.wshape = (1, -1) + (1,) * (x.ndim - 2)
    out = cls.apply(input, target, plan=plan)
    if unbatched and reduction == "none":
        out = out.squeeze(0)
    return out


# --------------------------------------------------------------------------- nll_loss
class NllLoss(Op):
    """``-w[t] * input[t]`` per sample (ignored targets give 0), then the reduction."""

    @staticmethod
    def forward(ctx, x, plan):
        picked = np.take_along_axis(x, plan.idx, axis=1)[:, 0]
        loss = -picked if plan.a is None else -(picked * plan.a)
        ctx.plan = plan
        ctx.meta = (x.shape, x.dtype)
        xp = xp_of(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            if plan.reduction == "mean":
                return _scalar(xp, loss.sum() / plan.den, x.dtype)
            if plan.reduction == "sum":
                return _scalar(xp, loss.sum(), x.dtype)
        return loss.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        plan = ctx.plan
        shape, dtype = ctx.meta
        xp = xp_of(plan.idx)
        dense = xp.zeros(shape, dtype=dtype)
        if plan.a is None:
            vals = xp.full(plan.idx.shape, -1, dtype=dtype)
        else:
            vals = np.expand_dims(-plan.a.astype(dtype, copy=False), 1)
        np.put_along_axis(dense, plan.idx, vals, axis=1)
        coef = g.unsqueeze(1) if plan.reduction == "none" else (
            g / plan.den if plan.reduction == "mean" else g)
        return coef * _wrap(dense)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class ``target`` under log-probabilities ``input``.

    Shapes: input (C,), (N, C) or (N, C, d1, ...); target (), (N,) or (N, d1, ...) class
    indices. ``weight`` (C,); the mean divides by the total weight of non-ignored targets.
    """
    _check_tensor(input, "input", "nll_loss")
    _check_tensor(target, "target", "nll_loss")
    reduction = _reduction(reduction, size_average, reduce)
    if input.dim() == 0:
        raise RuntimeError("nll_loss(): input must have at least 1 dimension (the classes)")
    _check_class_target(input, target, "nll_loss", ignore_index, weight)
    unbatched = input.dim() == 1
    if unbatched:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    x = input._data
    w = None if weight is None else weight._data.astype(x.dtype, copy=False)
    plan = _hard_plan(target._data, w, ignore_index, x.shape[1], reduction, x.dtype)
    out = NllLoss.apply(input, plan=plan)
    if unbatched and reduction == "none":
        out = out.squeeze(0)
    return out


# --------------------------------------------------------------------------- regression
def _size_warning(input: Tensor, target: Tensor, stacklevel: int = 3):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(
            f"Using a target size ({list(target.shape)}) that is different to the input size "
            f"({list(input.shape)}). This will likely lead to incorrect results due to "
            f"broadcasting. Please ensure they have the same size.", stacklevel=stacklevel)


def _pair(input, target, fn: str):
    _check_tensor(input, "input", fn)
    _check_tensor(target, "target", fn)
    _size_warning(input, target, stacklevel=4)
    return promote(input, target, fn)


def _coef(g: Tensor, reduction: str, n: int):
    return g / n if reduction == "mean" else g


class MseLoss(Op):
    @staticmethod
    def forward(ctx, x, y, reduction):
        d = x - y
        ctx.save_for_backward(x, y)
        ctx.p = (reduction, d.size)
        sq = d * d
        if reduction == "none":
            return sq
        xp = xp_of(sq)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = sq.sum() / sq.size if reduction == "mean" else sq.sum()
        return _scalar(xp, v, sq.dtype)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        reduction, n = ctx.p
        gx = (x - y) * (_coef(g, reduction, n) * 2)
        return gx, -gx


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target)²``. Shapes: input and target the same shape
    (different broadcastable shapes work but warn: they usually hide a bug)."""
    reduction = _reduction(reduction, size_average, reduce)
    x, y = _pair(input, target, "mse_loss")
    if weight is not None:
        return _reduce((x - y).square() * weight, reduction)
    return MseLoss.apply(x, y, reduction=reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``. Shapes: same as :func:`mse_loss`."""
    reduction = _reduction(reduction, size_average, reduce)
    x, y = _pair(input, target, "l1_loss")
    loss = (x - y).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d² / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``);
    ``beta = 0`` is the L1 loss."""
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta "
                           f"(got beta={beta}).")
    x, y = _pair(input, target, "smooth_l1_loss")
    z = (x - y).abs()
    if beta == 0:
        return _reduce(z, reduction)
    loss = _ops.where(z < beta, z * z * (0.5 / beta), z - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d²`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta "
                           f"(got delta={delta}).")
    x, y = _pair(input, target, "huber_loss")
    z = (x - y).abs()
    loss = _ops.where(z < delta, z * z * 0.5, (z - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# --------------------------------------------------------------------------- BCE
class BinaryCrossEntropy(Op):
    @staticmethod
    def forward(ctx, x, y, w, reduction):
        ctx.save_for_backward(x, y, w)
        ctx.p = (reduction, x.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            # log clamped at -100 (PyTorch's choice): a 0 or 1 prediction gives a finite loss
            lx = np.maximum(np.log(x), -100)
            l1x = np.maximum(np.log1p(-x), -100)
            loss = (y - 1) * l1x - y * lx
        if w is not None:
            loss = loss * w
        if reduction == "none":
            return loss.astype(x.dtype, copy=False)
        v = loss.sum() / loss.size if reduction == "mean" else loss.sum()
        return _scalar(xp_of(x), v, x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, y, w = ctx.saved_tensors
        reduction, n = ctx.p
        c = _coef(g, reduction, n)
        if w is not None:
            c = c * w
        nf = ctx.next_functions
        gx = gy = None
        if nf[0][0] is not None:
            gx = (x - y) / (x * (1 - x)).clamp_min(1e-12) * c
        if nf[1][0] is not None:
            gy = ((-x).log1p().clamp_min(-100) - x.log().clamp_min(-100)) * c
        return gx, gy, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``-w (y log x + (1 - y) log(1 - x))`` with each log clamped at -100.

    Shapes: input probabilities in [0, 1] and target of the same shape; ``weight``
    broadcastable to them.
    """
    _check_tensor(input, "input", "binary_cross_entropy")
    _check_tensor(target, "target", "binary_cross_entropy")
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({list(target.shape)}) that is different to the "
                         f"input size ({list(input.shape)}) is deprecated. Please ensure they "
                         f"have the same size.")
    _check_float_input(input, "binary_cross_entropy")
    x = input._data
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError(f"binary_cross_entropy(): all elements of input should be between "
                           f"0 and 1 (got values in [{float(np.nanmin(x))}, "
                           f"{float(np.nanmax(x))}]{' and NaN' if np.isnan(x).any() else ''}); "
                           f"apply sigmoid first or use binary_cross_entropy_with_logits")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    if weight is not None:
        weight = weight.to(input.dtype).expand(input.shape)
    return BinaryCrossEntropy.apply(input, target, weight, reduction=reduction)


class BinaryCrossEntropyWithLogits(Op):
    @staticmethod
    def forward(ctx, x, y, w, pw, reduction):
        ctx.save_for_backward(x, y, w, pw)
        sp = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)     # softplus(-x), stable
        if pw is None:
            loss = (1 - y) * x + sp
        else:
            loss = (1 - y) * x + (1 + (pw - 1) * y) * sp
        if w is not None:
            loss = loss * w
        ctx.p = (reduction, loss.size)
        if reduction == "none":
            return loss.astype(x.dtype, copy=False)
        v = loss.sum() / loss.size if reduction == "mean" else loss.sum()
        return _scalar(xp_of(x), v, x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, y, w, pw = ctx.saved_tensors
        reduction, n = ctx.p
        c = _coef(g, reduction, n)
        if w is not None:
            c = c * w
        nf = ctx.next_functions
        gx = gy = None
        if nf[0][0] is not None:
            lw = 1.0 if pw is None else (pw - 1) * y + 1
            gx = (1 - y - _ops.sigmoid(-x) * lw) * c
        if nf[1][0] is not None:
            if pw is None:
                gy = -x * c
            else:
                from ._activation import softplus
                gy = ((pw - 1) * softplus(-x) - x) * c
        return gx, gy, None, None


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable op (``softplus`` form, no log(0)).

    Shapes: input logits and target the same shape; ``weight`` broadcastable to them;
    ``pos_weight`` broadcastable along the last (class) dimension.
    """
    _check_tensor(input, "input", "binary_cross_entropy_with_logits")
    _check_tensor(target, "target", "binary_cross_entropy_with_logits")
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size "
                         f"({list(input.shape)})")
    _check_float_input(input, "binary_cross_entropy_with_logits")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    if weight is not None and weight.dtype != input.dtype:
        weight = weight.to(input.dtype)
    if pos_weight is not None and pos_weight.dtype != input.dtype:
        pos_weight = pos_weight.to(input.dtype)
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is not None:
            try:
                np.broadcast_shapes(t._data.shape, input._data.shape)
            except ValueError:
                raise RuntimeError(f"binary_cross_entropy_with_logits(): {name} of shape "
                                   f"{list(t.shape)} cannot broadcast to the input shape "
                                   f"{list(input.shape)}") from None
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight,
                                              reduction=reduction)


# --------------------------------------------------------------------------- distributions
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence ``target · (log target − input)`` with ``input`` log-probabilities
    (``log_target=True``: target given as log-probabilities). ``reduction='batchmean'``
    divides the sum by the batch size (the mathematical KL); 'mean' divides by every
    element and warns."""
    _check_tensor(input, "input", "kl_div")
    _check_tensor(target, "target", "kl_div")
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    elif reduction != "batchmean":
        reduction = _reduction(reduction)
    x, y = promote(input, target, "kl_div")
    if log_target:
        loss = _ops.exp(y) * (y - x)
    else:
        loss = _ops.xlogy(y, y) - y * x
    if reduction == "batchmean":
        s = loss.sum()
        return s / input.shape[0] if input.dim() != 0 else s
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) − target·input`` (``log_input``) or
    ``input − target·log(input + eps)``; ``full`` adds the Stirling term for target > 1."""
    reduction = _reduction(reduction, size_average, reduce)
    x, y = promote(input, target, "poisson_nll_loss")
    if log_input:
        loss = _ops.exp(x) - y * x
    else:
        loss = x - y * _ops.log(x + eps)
    if full:
        yc = y.clamp_min(1)     # the term only counts where target > 1; no log(0) elsewhere
        stirling = yc * _ops.log(yc) - yc + 0.5 * _ops.log(yc * (2 * np.pi))
        loss = loss + _ops.where(y.detach() > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``0.5 (log var + (input − target)² / var)``.

    Shapes: input (N, *) and target broadcastable; ``var`` the input's shape, the input's
    shape without its last dim, or with exactly one dimension of size 1 (homoscedastic), or
    a float. ``var`` is clamped at ``eps`` without blocking its gradient.
    """
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _creation.full_like(input, float(var))
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif (var.dim() == input.dim() and
              sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            pass
        else:
            raise ValueError(f"var is of incorrect size: got {list(var.shape)} for an input of "
                             f"shape {list(input.shape)}")
    if reduction not in _VALID:
        raise ValueError(f"{reduction} is not valid")
    # clamp for stability, but let the gradient pass as if unclamped (PyTorch's no_grad clamp)
    var = var + (var.detach().clamp_min(eps) - var.detach())
    loss = 0.5 * (_ops.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * float(np.log(2 * np.pi))
    return _reduce(loss, reduction)
