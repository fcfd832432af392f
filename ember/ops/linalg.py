"""``ember.linalg`` core: inv, solve, det, slogdet, norms, pinv, matrix_rank, lstsq, cond, and
the old top-level spellings (``inverse``, ``det``, ``logdet``, ``pinverse``) plus ``cdist``.

Every backward is written with differentiable Ember ops (matmul, solve, inv, …), so second
derivatives work. Gradients assume well-conditioned inputs (invertible matrices for inv / solve /
det), as PyTorch's formulas do.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import broadcast_shapes, cast, wrap_dim, wrap_dims, xp_of
from ._registry import register
from .elementwise import where
from .linalg_base import (InvExResult, LinAlgError, LstsqResult, SlogdetResult, amax,
                          batch_element, check_float, check_matrix, check_square, check_tensor,
                          narrow)
from .linalg_decomp import svdvals

_np_linalg_error = np.linalg.LinAlgError


def _singular(arr, op: str, what: str):
    """Raise LinAlgError naming the first singular batch element."""
    xp = xp_of(arr)
    bad = xp.linalg.matrix_rank(arr) < arr.shape[-1] if arr.size else np.zeros(())
    bad = np.asarray(bad.get() if hasattr(bad, "get") else bad)
    raise LinAlgError(f"{op}: {batch_element(bad)}The input matrix (shape {list(arr.shape)}) is "
                      f"singular, so {what}.") from None


# ----------------------------------------------------------------------------- inv
class LinalgInvEx(Op):
    @staticmethod
    def forward(ctx, a):
        try:
            r = xp_of(a).linalg.inv(a)
        except _np_linalg_error:
            _singular(a, "linalg.inv", "it cannot be inverted")
        ctx.save_for_backward(r)
        return r

    @staticmethod
    def backward(ctx, g):
        ainv, = ctx.saved_tensors
        t = ainv.mT
        return -(t @ g @ t)


@register(name="linalg.inv", method=False)
def inv(A, *, out=None) -> Tensor:
    """Inverse of square matrices ``(…, n, n)``; raises LinAlgError when singular."""
    check_square(A, "linalg.inv")
    return LinalgInvEx.apply(A)


@register
def inverse(input, *, out=None) -> Tensor:
    """Inverse of square matrices ``(…, n, n)`` (alias of ``linalg.inv``)."""
    check_square(input, "inverse")
    return LinalgInvEx.apply(input)


@register(name="linalg.inv_ex", method=False)
def inv_ex(A, *, check_errors: bool = False, out=None) -> InvExResult:
    """``(inverse, info)``: ``info`` (int32, per matrix) is 0 on success and positive when the
    matrix is singular (its inverse is then filled with NaN) unless ``check_errors``."""
    check_square(A, "linalg.inv_ex")
    arr = A._data
    xp = xp_of(arr)
    try:
        r = LinalgInvEx.apply(A)
        return InvExResult(r, _wrap(xp.zeros(arr.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    # singular elements: invert the rest (still differentiable), NaN-fill the singular ones
    rank = xp.linalg.matrix_rank(arr)
    ok = _wrap((rank == arr.shape[-1])[..., None, None])
    r = LinalgInvEx.apply(where(ok, A, _wrap(xp.eye(arr.shape[-1], dtype=arr.dtype))))
    info = xp.where(rank == arr.shape[-1], 0, rank + 1).astype(np.int32)
    return InvExResult(where(ok, r, float("nan")), _wrap(info))


# ----------------------------------------------------------------------------- solve
class LinalgSolveEx(Op):
    @staticmethod
    def forward(ctx, a, b):
        xp = xp_of(a)
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a2 = xp.broadcast_to(a, batch + a.shape[-2:])
        b2 = xp.broadcast_to(b, batch + b.shape[-2:])
        try:
            x = xp.linalg.solve(a2, b2)
        except _np_linalg_error:
            _singular(a2, "linalg.solve", "the solver failed")
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        gb = LinalgSolveEx.apply(a.mT, g)
        ga = -(gb @ x.mT) if ctx.next_functions[0][0] is not None else None
        return ga, gb


def _solve(A, B, left, op):
    check_square(A, op)
    check_tensor(B, op, "B")
    check_float(B, op)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead")
    if not left:  # X A = B  ⇔  Aᵀ Xᵀ = Bᵀ
        if B._data.ndim < 2:
            raise RuntimeError(f"{op}: with left=False, B must be a matrix (got shape "
                               f"{list(B.shape)})")
        return _solve(A.mT, B.mT, True, op).mT
    sa, sb = A._data.shape, B._data.shape
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    if vector:
        B = B.unsqueeze(-1)
        sb = B._data.shape
    if sb[-2] != sa[-1]:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({sa[-2]}x{sa[-1]} and {sb[-2]}x{sb[-1]}); shapes {list(sa)} and "
                           f"{list(B.shape if not vector else sb[:-1])}")
    try:
        broadcast_shapes(sa[:-2], sb[:-2])
    except RuntimeError:
        raise RuntimeError(f"{op}: the batch dimensions of A {list(sa[:-2])} and B "
                           f"{list(sb[:-2])} cannot be broadcast") from None
    x = LinalgSolveEx.apply(A, B)
    return x.squeeze(-1) if vector else x


@register(name="linalg.solve", method=False)
def solve(A, B, *, left: bool = True, out=None) -> Tensor:
    """Solve ``A X = B`` (``X A = B`` when ``left=False``). A: ``(…, n, n)``; B: ``(…, n, k)``
    or a batch of vectors ``(…, n)``; batch dims broadcast. Singular A raises LinAlgError."""
    return _solve(A, B, left, "linalg.solve")


@register(name="linalg.solve_triangular", method=False)
def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out=None) -> Tensor:
    """Solve ``A X = B`` (``X A = B`` when ``left=False``) reading only the upper or lower
    triangle of ``A`` ``(…, n, n)`` (its diagonal taken as ones when ``unitriangular``);
    B ``(…, n, k)``. The gradient w.r.t. A is triangular, like PyTorch's."""
    op = "linalg.solve_triangular"
    check_square(A, op)
    check_matrix(B, op, "B")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead")
    n = A._data.shape[-1]
    xp = xp_of(A._data)
    k = 1 if unitriangular else 0
    mask = xp.triu(xp.ones((n, n), dtype=A._data.dtype), k) if upper else \
        xp.tril(xp.ones((n, n), dtype=A._data.dtype), -k)
    T = A * _wrap(mask)
    if unitriangular:
        T = T + _wrap(xp.eye(n, dtype=A._data.dtype))
    if not left:
        return _solve(T.mT, B.mT, True, op).mT
    if B._data.shape[-2] != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {B._data.shape[-2]}x{B._data.shape[-1]})")
    return _solve(T, B, True, op)


@register(name="linalg.vecdot", method=False)
def vecdot(x, y, *, dim: int = -1, out=None) -> Tensor:
    """Dot product of vectors along ``dim`` (conjugating ``x``); other dims broadcast."""
    check_tensor(x, "linalg.vecdot", "x")
    check_tensor(y, "linalg.vecdot", "y")
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {x.dtype} and y of type {y.dtype} instead")
    if x.is_complex():
        x = x.conj()
    return (x * y).sum(dim)


# ----------------------------------------------------------------------------- det / slogdet
class LinalgDet(Op):
    @staticmethod
    def forward(ctx, a):
        r = xp_of(a).asarray(xp_of(a).linalg.det(a))
        ctx.save_for_backward(a, r)
        return r

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        # d det / dA = det · A⁻ᵀ (assumes A invertible, like the unbatched formula)
        return (g * d).unsqueeze(-1).unsqueeze(-1) * inv(a).mT


class LinalgSlogdet(Op):
    _materialize = False

    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        s, l = xp.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return xp.asarray(s), xp.asarray(l)

    @staticmethod
    def backward(ctx, gs, gl):
        if gl is None:  # sign is piecewise constant
            return None
        a, = ctx.saved_tensors
        return gl.unsqueeze(-1).unsqueeze(-1) * inv(a).mT


def _det(A, op):
    check_square(A, op)
    return LinalgDet.apply(A)


@register(name="linalg.det", method=False)
def linalg_det(A, *, out=None) -> Tensor:
    """Determinant of square matrices: ``(…, n, n) → (…)``."""
    return _det(A, "linalg.det")


@register
def det(input) -> Tensor:
    """Determinant of square matrices: ``(…, n, n) → (…)``."""
    return _det(input, "det")


@register(name="linalg.slogdet", method=False)
def linalg_slogdet(A, *, out=None) -> SlogdetResult:
    """``(sign, logabsdet)`` of the determinant of ``(…, n, n)`` matrices, each ``(…)``."""
    check_square(A, "linalg.slogdet")
    return SlogdetResult(*LinalgSlogdet.apply(A))


@register
def slogdet(input) -> SlogdetResult:
    """``(sign, logabsdet)`` of the determinant (see ``linalg.slogdet``)."""
    check_square(input, "slogdet")
    return SlogdetResult(*LinalgSlogdet.apply(input))


@register
def logdet(input) -> Tensor:
    """``log(det(input))``: NaN where the determinant is negative, -inf where it is 0."""
    check_square(input, "logdet")
    s, l = LinalgSlogdet.apply(input)
    return where(_wrap(s._data < 0), float("nan"), l)


# ----------------------------------------------------------------------------- vector norm
class LinalgVectorNorm(Op):
    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        xp = xp_of(x)
        ax = xp.abs(x)
        if ord == 2:
            r = xp.sqrt((ax * ax).sum(axis=dims, keepdims=True))
        elif ord == 1:
            r = ax.sum(axis=dims, keepdims=True)
        elif ord == math.inf:
            r = ax.max(axis=dims, keepdims=True)
        elif ord == -math.inf:
            r = ax.min(axis=dims, keepdims=True)
        elif ord == 0:
            r = (x != 0).sum(axis=dims, keepdims=True).astype(ax.dtype)
        else:
            r = ((ax ** ord).sum(axis=dims, keepdims=True)) ** (1.0 / ord)
        ctx.keep_shape = r.shape
        ctx.args = (ord, dims, keepdim)
        out = xp.asarray(r if keepdim else r.reshape(
            tuple(n for i, n in enumerate(x.shape) if i not in dims)))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, norm = ctx.saved_tensors
        ord, dims, keepdim = ctx.args
        if not keepdim:
            g = g.reshape(ctx.keep_shape)
            norm = norm.reshape(ctx.keep_shape)
        if ord == 0:
            return x * 0
        if ord == 1:
            return x.sign() * g
        if ord in (math.inf, -math.inf):
            xa, na = xp_of(x._data).abs(x._data), norm._data
            mask = (xa == na).astype(xa.dtype)
            w = mask / mask.sum(axis=dims, keepdims=True)
            return x.sign() * g * _wrap(w)
        zero = _wrap(norm._data == 0)
        safe = where(zero, 1.0, norm)
        if ord == 2:
            return x * where(zero, 0.0, g / safe)
        scale = where(zero, 0.0, g / safe ** (ord - 1))
        return x.sign() * x.abs() ** (ord - 1) * scale   # no 0 * inf at x = 0 for ord > 1


def _norm_input(x, op, dtype):
    check_tensor(x, op, "x")
    if dtype is not None:
        dt = D.to_dtype(dtype)
        if not (dt.is_floating_point or dt.is_complex):
            raise RuntimeError(f"{op}: dtype should be floating point or complex, got {dt}")
        if x.dtype.is_floating_point and dt.itemsize < x.dtype.itemsize:
            raise RuntimeError(f"{op}: the dtype of the input ({x.dtype}) should be convertible "
                               f"without narrowing to the specified dtype ({dt})")
        x = cast(x, dt)
    check_float(x, op)
    return x


@register(name="linalg.vector_norm", method=False)
def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all dims when None); ``ord`` may be ±inf or 0."""
    x = _norm_input(x, "linalg.vector_norm", dtype)
    ord = float(ord)
    nd = x._data.ndim
    dims = wrap_dims(dim, nd) if nd else ()
    if x._data.size == 0 and ord < 0 or x._data.size == 0 and math.isinf(ord) and any(
            x._data.shape[d] == 0 for d in dims):
        raise RuntimeError(f"linalg.vector_norm: cannot compute the {ord} norm of an empty "
                           f"tensor (shape {list(x.shape)}) because the operation has no "
                           "identity")
    return LinalgVectorNorm.apply(x, ord=ord, dims=dims, keepdim=keepdim)


# ----------------------------------------------------------------------------- matrix norm
_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def _matrix_norm(A, ord, dim, keepdim, op):
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions "
                           f"(got shape {list(A.shape)}).")
    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {list(dim)}")
    d0, d1 = wrap_dim(dim[0], nd), wrap_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{op}: Order {ord} not supported; use one of "
                           "'fro', 'nuc', 2, -2, 1, -1, inf, -inf")
    if ord == "fro":
        return LinalgVectorNorm.apply(A, ord=2.0, dims=tuple(sorted((d0, d1))), keepdim=keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        rows, cols = (d0, d1) if abs(ord) == 1 else (d1, d0)
        s = A.abs().sum(rows, keepdim=True)
        r = amax(s, cols, keepdim=True, is_min=ord < 0)
    else:
        perm = [i for i in range(nd) if i not in (d0, d1)] + [d0, d1]
        S = svdvals(A.permute(perm))
        if ord == "nuc":
            r = S.sum(-1)
        else:
            r = amax(S, -1, is_min=ord < 0)
        for d in sorted((d0, d1)):
            r = r.unsqueeze(d)
    if not keepdim:
        r = r.reshape(tuple(n for i, n in enumerate(r.shape) if i not in (d0, d1)))
    return r


@register(name="linalg.matrix_norm", method=False)
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """Matrix norm over the two dims ``dim`` of ``A`` (``(…, m, n) → (…)``): ``'fro'``,
    ``'nuc'``, 2 / -2 (largest / smallest singular value), 1 / -1 (max / min column abs-sum),
    inf / -inf (max / min row abs-sum)."""
    A = _norm_input(A, "linalg.matrix_norm", dtype)
    return _matrix_norm(A, ord, tuple(dim), keepdim, "linalg.matrix_norm")


@register(name="linalg.norm", method=False)
def norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Vector or matrix norm: a vector norm when ``dim`` is an int (or ``A`` is 1-D), a matrix
    norm when ``dim`` is a 2-tuple (or ``A`` is 2-D and ``ord`` is given); with neither ``ord``
    nor ``dim`` the 2-norm of all elements."""
    A = _norm_input(A, "linalg.norm", dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim)
        if len(dim) == 2:
            return _matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, "linalg.norm")
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                           f"Got {list(dim)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim)
    nd = A._data.ndim
    if nd == 1:
        return vector_norm(A, ord, None, keepdim)
    if nd == 2:
        return _matrix_norm(A, ord, (-2, -1), keepdim, "linalg.norm")
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D "
                       f"or 2D. Got {nd}D (shape {list(A.shape)}).")


# ----------------------------------------------------------------------------- pinv
def _tolerance(S, atol, rtol, m, n, dtype):
    """Singular values above max(atol, rtol * largest) count (PyTorch's defaults)."""
    xp = xp_of(S)
    if rtol is None:
        rtol = np.finfo(dtype).eps * max(m, n) if atol is None or atol == 0 else 0.0
    atol = 0.0 if atol is None else atol
    atol = atol._data if isinstance(atol, Tensor) else atol
    rtol = rtol._data if isinstance(rtol, Tensor) else rtol
    smax = S.max(axis=-1, keepdims=True) if S.shape[-1] else xp.zeros(S.shape[:-1] + (1,),
                                                                          S.dtype)
    return xp.maximum(xp.asarray(atol)[..., None] if np.ndim(atol) else atol,
                      (xp.asarray(rtol)[..., None] if np.ndim(rtol) else rtol) * smax)


class LinalgPinv(Op):
    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp = xp_of(a)
        m, n = a.shape[-2:]
        if hermitian:
            w, v = xp.linalg.eigh(a)
            tol = _tolerance(xp.abs(w), atol, rtol, m, n, a.dtype)
            winv = xp.where(xp.abs(w) > tol, 1 / xp.where(w == 0, 1, w), 0)
            r = (v * winv[..., None, :]) @ xp.swapaxes(v, -1, -2).conj()
        else:
            u, s, vh = xp.linalg.svd(a, full_matrices=False)
            tol = _tolerance(s, atol, rtol, m, n, a.dtype)
            sinv = xp.where(s > tol, 1 / xp.where(s == 0, 1, s), 0)
            r = (xp.swapaxes(vh, -1, -2).conj() * sinv[..., None, :]) @ \
                xp.swapaxes(u, -1, -2).conj()
        r = xp.asarray(r, dtype=a.dtype)
        ctx.save_for_backward(a, r)
        return r

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        # d(A⁺) = -A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I - AA⁺) + (I - A⁺A) dAᵀ A⁺ᵀA⁺  (Golub & Pereyra)
        pt, gt = p.mT, g.mT
        t1 = -(pt @ g @ pt)
        t2 = (gt @ p @ pt) - a @ (p @ (gt @ (p @ pt)))
        w = pt @ (p @ gt)
        t3 = w - (w @ p) @ a
        return t1 + t2 + t3


@register(name="linalg.pinv", method=False)
def pinv(A, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """Moore–Penrose pseudo-inverse: ``(…, m, n) → (…, n, m)``; singular values at or below
    ``max(atol, rtol · σ_max)`` are treated as zero."""
    check_matrix(A, "linalg.pinv")
    return LinalgPinv.apply(A, atol=atol, rtol=rtol, hermitian=hermitian)


@register
def pinverse(input, rcond: float = 1e-15) -> Tensor:
    """Pseudo-inverse with relative cutoff ``rcond`` (see ``linalg.pinv``)."""
    check_matrix(input, "pinverse")
    return LinalgPinv.apply(input, atol=None, rtol=rcond, hermitian=False)


# ----------------------------------------------------------------------------- rank / lstsq
def _rank(arr, atol, rtol, hermitian):
    xp = xp_of(arr)
    m, n = arr.shape[-2:]
    if hermitian:
        s = xp.abs(xp.linalg.eigvalsh(arr))
    else:
        s = xp.linalg.svd(arr, compute_uv=False)
    tol = _tolerance(s, atol, rtol, m, n, arr.dtype)
    return (s > tol).sum(axis=-1).astype(np.int64)


@register(name="linalg.matrix_rank", method=False)
def matrix_rank(A, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """Number of singular values above ``max(atol, rtol · σ_max)``: ``(…, m, n) → (…)`` int64."""
    check_matrix(A, "linalg.matrix_rank")
    return _wrap(_rank(A._data, atol, rtol, hermitian))


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


@register(name="linalg.lstsq", method=False)
def lstsq(A, B, rcond=None, *, driver=None) -> LstsqResult:
    """Least-squares solution of ``A X ≈ B``. A: ``(…, m, n)``; B: ``(…, m, k)`` or ``(…, m)``.

    Returns ``(solution, residuals, rank, singular_values)`` like PyTorch's CPU default
    (``driver='gelsy'``): residuals (squared, per column) only for m > n, full-rank A and a
    driver other than 'gelsy'; rank unless driver is 'gels'; singular values for 'gelsd' and
    'gelss'. The solution is the minimum-norm one, differentiable through ``pinv``.
    """
    op = "linalg.lstsq"
    check_matrix(A, op)
    check_tensor(B, op, "B")
    check_float(B, op)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but got {A.dtype} "
                           f"and {B.dtype}")
    driver = driver or "gelsy"
    if driver not in _DRIVERS:
        raise RuntimeError(f"{op}: parameter `driver` should be one of {_DRIVERS}, got "
                           f"'{driver}'")
    vector = B._data.ndim == A._data.ndim - 1
    if vector:
        B = B.unsqueeze(-1)
    m, n = A._data.shape[-2:]
    if B._data.ndim < 2 or B._data.shape[-2] != m:
        raise RuntimeError(f"{op}: A and B must have the same number of rows, but got shapes "
                           f"{list(A.shape)} and {list(B.shape)}")
    P = LinalgPinv.apply(A, atol=None, rtol=rcond, hermitian=False)
    X = P @ B
    xp = xp_of(A._data)
    batch = broadcast_shapes(A._data.shape[:-2], B._data.shape[:-2])
    rank = _rank(A._data, None, rcond, False)
    full = bool((rank == min(m, n)).all())
    if m > n and full and driver != "gelsy":
        res = ((A @ X - B) ** 2).sum(-2)
        if vector:
            res = res.squeeze(-1)
    else:  # empty, but still part of the graph like PyTorch's
        res = narrow(X.reshape(-1), 0, 0, 0)
    rank_t = _wrap(xp.broadcast_to(rank, batch).copy() if driver != "gels"
                   else xp.zeros((0,), dtype=np.int64))
    if driver in ("gelsd", "gelss"):
        sv = svdvals(A).detach()
    else:
        sv = _wrap(xp.zeros((0,), dtype=A._data.dtype))
    return LstsqResult(X.squeeze(-1) if vector else X, res, rank_t, sv)


# ----------------------------------------------------------------------------- cond
@register(name="linalg.cond", method=False)
def cond(A, p=None, *, out=None) -> Tensor:
    """Condition number: ``σ_max / σ_min`` for ``p`` None / 2 (``σ_min / σ_max`` for -2),
    otherwise ``norm(A, p) · norm(A⁻¹, p)`` (square ``A`` only)."""
    check_matrix(A, "linalg.cond")
    if p is None or p in (2, -2):
        S = svdvals(A)
        hi, lo = amax(S, -1), amax(S, -1, is_min=True)
        return lo / hi if p == -2 else hi / lo
    check_square(A, "linalg.cond")
    return (_matrix_norm(A, p, (-2, -1), False, "linalg.cond")
            * _matrix_norm(inv(A), p, (-2, -1), False, "linalg.cond"))


# ----------------------------------------------------------------------------- cdist
@register(method=False)
def cdist(x1, x2, p: float = 2.0, compute_mode=None) -> Tensor:
    """Pairwise p-norm distances between the rows of ``x1`` ``(…, P, M)`` and ``x2``
    ``(…, R, M)``: ``(…, P, R)`` (batch dims broadcast)."""
    for name, t in (("x1", x1), ("x2", x2)):
        check_tensor(t, "cdist", name)
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D (shape {list(t.shape)})")
        check_float(t, "cdist")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"cdist: X1 and X2 must have the same dtype, got {x1.dtype} and "
                           f"{x2.dtype}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return LinalgVectorNorm.apply(diff, ord=float(p), dims=(diff._data.ndim - 1,),
                                  keepdim=False)

