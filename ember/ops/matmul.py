"""Matrix products: matmul (``@``) with NumPy-style broadcasting; mm, bmm, mv, dot, vdot, inner,
outer, the ``add*`` fused forms (addmm, addmv, addbmm, baddbmm, addr), chain_matmul / multi_dot
and matrix_power.

Like PyTorch, the products require both operands to have the same dtype (no promotion);
``outer`` is an elementwise product and promotes.
"""
from __future__ import annotations

from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import xp_of
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
            ga = MatmulT.apply(g, b, ta=False, tb=True)      # g @ bᵀ
            if an == 1:
                ga = ga.squeeze(-2)
        if nf[1][0] is not None:
            gb = MatmulT.apply(a, g, ta=True, tb=False)      # aᵀ @ g
            if bn == 1:
                gb = gb.squeeze(-1)
        return ga, gb


class MatmulT(Op):
    """``op(a) @ op(b)`` where op transposes the last two dims when ``ta``/``tb`` is set.

    Matmul's backward uses it so a gradient is one graph node instead of a transpose plus a
    product; its own backward is again MatmulT, so higher orders still work.
    """

    @staticmethod
    def forward(ctx, a, b, ta, tb):
        ctx.save_for_backward(a, b)
        ctx.flags = (ta, tb)
        return (a.swapaxes(-1, -2) if ta else a) @ (b.swapaxes(-1, -2) if tb else b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ta, tb = ctx.flags
        nf = ctx.next_functions
        ga = gb = None
        if nf[0][0] is not None:
            ga = (MatmulT.apply(b, g, ta=tb, tb=True) if ta else
                  MatmulT.apply(g, b, ta=False, tb=not tb))
        if nf[1][0] is not None:
            gb = (MatmulT.apply(g, a, ta=True, tb=ta) if tb else
                  MatmulT.apply(a, g, ta=not ta, tb=False))
        return ga, gb


def _check_matmul(a: Tensor, b: Tensor, op: str):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument must be a Tensor, got "
                        f"{type(a if not isinstance(a, Tensor) else b).__name__}")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, but got "
                           f"{a.dtype} for the first and {b.dtype} for the second (cast one "
                           f"with .to(dtype))")
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
        if input._data.dtype != other._data.dtype:  # NumPy would silently promote
            _check_matmul(input, other, "matmul")
        return Matmul.apply(input, other)
    except (ValueError, TypeError, AttributeError):
        _check_matmul(input, other, "matmul")
        raise


def _matmul_checked(a, b, op):
    _check_matmul(a, b, op)
    return Matmul.apply(a, b)



class Mm(Matmul):
    pass


class Bmm(Matmul):
    pass


class Mv(Matmul):
    pass


class Dot(Matmul):
    pass


def _need_ndim(t, n: int, op: str, name: str):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be a Tensor, got {type(t).__name__}")
    if t._data.ndim != n:
        kind = {1: "a vector (1-D)", 2: "a matrix (2-D)", 3: "a 3-D tensor"}[n]
        raise RuntimeError(f"{op}: {name} must be {kind}, but got a {t._data.ndim}-D tensor of "
                           f"shape {list(t.shape)}")


@register
def mm(input, mat2, *, out=None) -> Tensor:
    """Matrix product of two matrices: ``(n, k) @ (k, m) → (n, m)`` (no broadcasting)."""
    if type(input) is Tensor and type(mat2) is Tensor:  # fast path: everything already valid
        x, y = input._data, mat2._data
        if x.ndim == 2 and y.ndim == 2 and x.shape[1] == y.shape[0] and x.dtype == y.dtype \
                and type(x) is type(y):
            return Mm.apply(input, mat2)
    _need_ndim(input, 2, "mm", "self")
    _need_ndim(mat2, 2, "mm", "mat2")
    _check_matmul(input, mat2, "mm")
    return Mm.apply(input, mat2)


@register
def bmm(input, mat2, *, out=None) -> Tensor:
    """Batched matrix product: ``(b, n, k) @ (b, k, m) → (b, n, m)`` (no broadcasting)."""
    if type(input) is Tensor and type(mat2) is Tensor:  # fast path: everything already valid
        x, y = input._data, mat2._data
        if x.ndim == 3 and y.ndim == 3 and x.shape[0] == y.shape[0] and \
                x.shape[2] == y.shape[1] and x.dtype == y.dtype and type(x) is type(y):
            return Bmm.apply(input, mat2)
    _need_ndim(input, 3, "bmm", "batch1")
    _need_ndim(mat2, 3, "bmm", "batch2")
    if input._data.shape[0] != mat2._data.shape[0]:
        raise RuntimeError(f"bmm: batch1 and batch2 must have the same batch size, but got "
                           f"shapes {list(input.shape)} and {list(mat2.shape)}")
    _check_matmul(input, mat2, "bmm")
    return Bmm.apply(input, mat2)


@register
def mv(input, vec, *, out=None) -> Tensor:
    """Matrix-vector product: ``(n, m) @ (m,) → (n,)``."""
    _need_ndim(input, 2, "mv", "self")
    _need_ndim(vec, 1, "mv", "vec")
    _check_matmul(input, vec, "mv")
    return Mv.apply(input, vec)


@register
def dot(input, tensor, *, out=None) -> Tensor:
    """Inner product of two 1-D tensors of equal length: ``(n,), (n,) → ()``."""
    _need_ndim(input, 1, "dot", "self")
    _need_ndim(tensor, 1, "dot", "tensor")
    _check_matmul(input, tensor, "dot")
    return Dot.apply(input, tensor)


@register
def vdot(input, other, *, out=None) -> Tensor:
    """``dot(conj(input), other)`` for 1-D tensors (equals ``dot`` for real tensors)."""
    _need_ndim(input, 1, "vdot", "self")
    _need_ndim(other, 1, "vdot", "other")
    _check_matmul(input, other, "vdot")
    if input.is_complex():
        input = input.conj()
    return Dot.apply(input, other)


@register
def inner(input, other, *, out=None) -> Tensor:
    """Sum-product over the last dims: ``(*a, k), (*b, k) → (*a, *b)``; a 0-d operand scales."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("inner(): arguments must be Tensors")
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(f"inner: the last dimensions of the inputs must match, but got shapes "
                           f"{list(sa)} and {list(sb)}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"inner: expected both inputs to have the same dtype, but got "
                           f"{input.dtype} and {other.dtype}")
    k = sa[-1]
    r = matmul(input.reshape(-1, k), other.reshape(-1, k).mT)
    return r.reshape(sa[:-1] + sb[:-1])


@register(aliases=("ger",))
def outer(input, vec2) -> Tensor:
    """Outer product of two vectors: ``(n,), (m,) → (n, m)`` (dtypes promote)."""
    _need_ndim(input, 1, "outer", "self")
    _need_ndim(vec2, 1, "outer", "vec2")
    return input.reshape(-1, 1) * vec2


def _scaled_sum(input, prod: Tensor, beta, alpha, op: str) -> Tensor:
    """``beta * input + alpha * prod``; with ``beta == 0`` input is ignored (NaNs included)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, got {type(input).__name__}")
    if input._data.dtype != prod._data.dtype:
        raise RuntimeError(f"{op}: input and the matrices must have the same dtype, but got "
                           f"{input.dtype} and {prod.dtype}")
    ps, ins = prod._data.shape, input._data.shape
    if len(ins) > len(ps) or any(i != 1 and i != p for i, p in zip(ins[::-1], ps[::-1])):
        raise RuntimeError(f"{op}: input of shape {list(ins)} cannot be broadcast to the "
                           f"product's shape {list(ps)}")
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # input's values are ignored (NaN included), but it still gets a zero grad
        from .elementwise import where
        return where(_wrap(xp_of(prod._data).ones((), dtype=bool)), prod, input)
    if beta != 1:
        input = input * beta
    return input + prod


@register(inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; mat1 ``(n, k)``, mat2 ``(k, m)``, input
    broadcastable to ``(n, m)``."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha, "addmm")


@register(inplace=True)
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``; mat ``(n, m)``, vec ``(m,)``, input ``(n,)``."""
    return _scaled_sum(input, mv(mat, vec), beta, alpha, "addmv")


@register(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``; batches ``(b, n, k)``,
    ``(b, k, m)``, input broadcastable to ``(n, m)``."""
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha, "addbmm")


@register(inplace=True)
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``; input broadcastable to ``(b, n, m)``."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha, "baddbmm")


@register(inplace=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``; input broadcastable to ``(n, m)``."""
    if vec1._data.dtype != vec2._data.dtype:
        raise RuntimeError(f"addr: vec1 and vec2 must have the same dtype, but got {vec1.dtype} "
                           f"and {vec2.dtype}")
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha, "addr")


# ----------------------------------------------------------------------------- chains
def _chain(mats: list) -> Tensor:
    """Product of matrices in the cheapest parenthesisation (classic O(n^3) chain DP)."""
    n = len(mats)
    if n == 1:
        return mats[0]
    if n == 2:
        return matmul(mats[0], mats[1])
    dims = [m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return matmul(build(i, k), build(k + 1, j))
    return build(0, n - 1)


def _check_chain(mats, op):
    for i, m in enumerate(mats):
        if not isinstance(m, Tensor):
            raise TypeError(f"{op}(): expected Tensors, got {type(m).__name__} at position {i}")
    for i in range(len(mats) - 1):
        a, b = mats[i], mats[i + 1]
        if a._data.dtype != b._data.dtype:
            raise RuntimeError(f"{op}: all tensors must have the same dtype, got {a.dtype} at "
                               f"position {i} and {b.dtype} at position {i + 1}")
        if a._data.shape[-1] != b._data.shape[0]:
            raise RuntimeError(f"{op}: tensors {i} and {i + 1} cannot be multiplied (shapes "
                               f"{list(a.shape)} and {list(b.shape)})")


@register(method=False)
def chain_matmul(*matrices) -> Tensor:
    """Product of 2-D matrices (deprecated in PyTorch; use ``linalg.multi_dot``)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        _need_ndim(m, 2, "chain_matmul", f"tensor {i}")
    _check_chain(matrices, "chain_matmul")
    if len(matrices) == 1:
        return matrices[0].clone()
    return _chain(list(matrices))


@register(name="linalg.multi_dot", method=False)
def multi_dot(tensors, *, out=None) -> Tensor:
    """Product of a list of matrices, choosing the cheapest order. The first may be 1-D (a row
    vector) and the last 1-D (a column vector); shapes ``(n,)|(n, k), …, (k, m)|(k,)``."""
    mats = list(tensors)
    if len(mats) < 2:
        raise RuntimeError("linalg.multi_dot(): expected at least 2 tensors but got "
                           f"{len(mats)}")
    for i, m in enumerate(mats):
        if not isinstance(m, Tensor):
            raise TypeError(f"linalg.multi_dot(): expected Tensors, got {type(m).__name__}")
        nd = m._data.ndim
        if not (nd == 2 or nd == 1 and i in (0, len(mats) - 1)):
            raise RuntimeError(f"linalg.multi_dot(): tensor {i} must be 2-D (the first and last "
                               f"may be 1-D), but got shape {list(m.shape)}")
    first_vec, last_vec = mats[0]._data.ndim == 1, mats[-1]._data.ndim == 1
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    _check_chain(mats, "linalg.multi_dot")
    r = _chain(mats)
    if first_vec and last_vec:
        return r.reshape(())
    if first_vec:
        return r.squeeze(0)
    if last_vec:
        return r.squeeze(-1)
    return r


# ----------------------------------------------------------------------------- matrix_power
def _matrix_power(A, n: int, op: str) -> Tensor:
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument 'A' must be a Tensor, got {type(A).__name__}")
    s = A._data.shape
    if len(s) < 2 or s[-1] != s[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but got shape "
                           f"{list(s)}")
    if not isinstance(n, int):
        raise TypeError(f"{op}(): argument 'n' must be an int, got {type(n).__name__}")
    if n == 0:
        # the identity, still connected to A (zero gradient) as in PyTorch
        return A * 0 + _wrap(xp_of(A._data).eye(s[-1], dtype=A._data.dtype))
    if n < 0:
        from .linalg import inv
        A = inv(A)
        n = -n
    if n == 1:
        return A.clone()
    result, z = None, A
    while n:  # square-and-multiply
        if n & 1:
            result = z if result is None else matmul(result, z)
        n >>= 1
        if n:
            z = matmul(z, z)
    return result


@register
def matrix_power(input, n: int) -> Tensor:
    """``input`` (``(…, m, m)``) to the integer power ``n``; negative ``n`` inverts first."""
    return _matrix_power(input, n, "matrix_power")


@register(name="linalg.matrix_power", method=False)
def linalg_matrix_power(A, n: int, *, out=None) -> Tensor:
    """``A`` (``(…, m, m)``) to the integer power ``n``; ``n = 0`` gives the identity."""
    return _matrix_power(A, n, "linalg.matrix_power")


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)
