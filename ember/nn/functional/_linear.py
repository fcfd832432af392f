"""``F.linear`` and ``F.bilinear`` as fused ops (one graph node instead of three)."""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.graph import Op
from ...ops.matmul import MatmulT

__all__ = ["linear", "bilinear"]


class Linear(Op):
    """``x @ wᵀ + b`` as one node. Inputs with more than 2 dims run as ONE 2-D GEMM over the
    flattened leading dims (NumPy's stacked matmul would do one GEMM per leading index)."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        if x.ndim > 2 and x.flags.c_contiguous:
            y = (x.reshape(-1, x.shape[-1]) @ w.T).reshape(x.shape[:-1] + (w.shape[0],))
        else:
            y = x @ w.T
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nf = ctx.next_functions
        gx = gw = gb = None
        if g.dim() == 1:
            gx = g @ w if nf[0][0] is not None else None
            gw = g.unsqueeze(1) @ x.unsqueeze(0) if nf[1][0] is not None else None
            gb = g if nf[2][0] is not None else None
            return gx, gw, gb
        g2 = g if g.dim() == 2 else g.reshape(-1, g.shape[-1])
        if nf[0][0] is not None:
            gx = MatmulT.apply(g2, w, ta=False, tb=False)
            if g.dim() > 2:
                gx = gx.reshape(x.shape)
        if nf[1][0] is not None:
            x2 = x if x.dim() == 2 else x.reshape(-1, x.shape[-1])
            gw = MatmulT.apply(g2, x2, ta=True, tb=False)      # gᵀ @ x, one node
        if nf[2][0] is not None:
            gb = g2.sum(0)
        return gx, gw, gb


def _check(x, w, b):
    if not isinstance(x, Tensor):
        raise TypeError(f"linear(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.dim() == 0 or w.dim() not in (1, 2) or x.shape[-1] != w.shape[-1]:
        xs = list(x.shape)
        rows = x.numel() // xs[-1] if xs and xs[-1] else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xs[-1] if xs else 0} and "
            f"{w.shape[-1]}x{w.shape[0] if w.dim() == 2 else 1}): linear got input of shape "
            f"{xs} and weight of shape {list(w.shape)}")
    if x._data.dtype != w._data.dtype or (b is not None and b._data.dtype != w._data.dtype):
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {x.dtype} and {w.dtype} "
            f"(linear input and weight{'/bias' if b is not None else ''})")
    if b is not None and b.shape[-1:] != w.shape[:1] and b.numel() != 1:
        raise RuntimeError(f"linear: bias of shape {list(b.shape)} does not match weight of "
                           f"shape {list(w.shape)}")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``. Shapes: input (*, in), weight (out, in), bias (out,)."""
    try:
        if weight._data.ndim == 2 and input._data.dtype == weight._data.dtype and (
                bias is None or bias._data.dtype == weight._data.dtype):
            return Linear.apply(input, weight, bias)
    except (ValueError, AttributeError):
        pass
    _check(input, weight, bias)
    out = input @ weight.mT if weight.dim() == 2 else input @ weight
    return out + bias if bias is not None else out


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None):
    """``y_k = x1ᵀ W_k x2 + b_k``. Shapes: (*, in1), (*, in2), W (out, in1, in2) → (*, out)."""
    from ...ops import OPS
    out = OPS["einsum"]("...i,kij,...j->...k", input1, weight, input2)
    return out + bias if bias is not None else out
