"""Matrix products: matmul (``@``) with NumPy-style broadcasting, mm, bmm, mv, dot."""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.graph import Op
from ._registry import register


class Matmul(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        nf = ctx.next_functions
        ga = gb = None
        an, bn = a._data.ndim, b._data.ndim
        if an == 1 and bn == 1:
            return (g * b if nf[0][0] is not None else None,
                    g * a if nf[1][0] is not None else None)
        if an == 1:
            g = g.unsqueeze(-2)
            a = a.unsqueeze(0)
        if bn == 1:
            g = g.unsqueeze(-1)
            b = b.unsqueeze(-1)
        if nf[0][0] is not None:
            ga = g @ b.mT
            if an == 1:
                ga = ga.squeeze(-2)
        if nf[1][0] is not None:
            gb = a.mT @ g
            if bn == 1:
                gb = gb.squeeze(-1)
        return ga, gb


def _check_matmul(a: Tensor, b: Tensor, op: str):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument must be a Tensor, got "
                        f"{type(a if not isinstance(a, Tensor) else b).__name__}")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, but got "
                           f"{a.dtype} for the first and {b.dtype} for the second")
    if type(a._data) is not type(b._data) or a.device != b.device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                           f"two devices, {a.device} and {b.device}! (in {op})")
    sa, sb = a._data.shape, b._data.shape
    if len(sa) == 0 or len(sb) == 0:
        raise RuntimeError(f"{op}: both arguments need at least 1 dimension, got {len(sa)}D and "
                           f"{len(sb)}D tensors")
    if len(sa) == 1 and len(sb) == 1:
        if sa[0] != sb[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                               f"[{sb[0]}] to have the same number of elements, but got "
                               f"{sa[0]} and {sb[0]} elements respectively")
        return
    k_a = sa[-1]
    k_b = sb[-2] if len(sb) > 1 else sb[0]
    if k_a != k_b:
        ma = f"{sa[-2] if len(sa) > 1 else 1}x{k_a}"
        mb = f"{k_b}x{sb[-1] if len(sb) > 1 else 1}"
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({ma} and {mb}); "
                           f"{op} got shapes {list(sa)} and {list(sb)}")
    ba, bb = sa[:-2], sb[:-2]
    for x, y in zip(reversed(ba), reversed(bb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"{op}: batch dimensions {list(ba)} and {list(bb)} cannot be "
                               f"broadcast (shapes {list(sa)} and {list(sb)})")


@register
def matmul(input, other, *, out=None) -> Tensor:
    """Matrix product with broadcasting over batch dims; 1-D operands are vectors.

    Shapes: ``(…, n, k) @ (…, k, m) → (…, n, m)``; ``(k,) @ (k,) → ()``.
    """
    try:
        return Matmul.apply(input, other)
    except (ValueError, TypeError, AttributeError):
        _check_matmul(input, other, "matmul")
        raise


def _matmul_checked(a, b, op):
    _check_matmul(a, b, op)
    return Matmul.apply(a, b)


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)
