"""Matrix decompositions: svd / svdvals, eigh / eigvalsh, qr, cholesky (+ ``_ex``), eig /
eigvals, and the old top-level ``svd`` (returns V, not Vh), ``qr`` and ``cholesky``.

Gradients use the standard real-valued formulas (the same ones PyTorch documents): they need
distinct singular values / eigenvalues where singular vectors / eigenvectors are
differentiated. They are written with differentiable ops, so double backward works.
"""
from __future__ import annotations

import numpy as np

from .. import _state
from .._tensor import Tensor, _wrap
from ..autograd.graph import Op
from ._common import xp_of
from ._registry import register
from .linalg_base import (CholeskyExResult, EighResult, EigResult, LinAlgError, OldQrResult,
                          OldSvdResult, QrResult, SvdResult, batch_element, check_matrix,
                          check_square, diag_embed, eye_like, narrow, pad_to, tril)

_gstate = _state.state
_np_linalg_error = np.linalg.LinAlgError


def _needs_grad(t: Tensor) -> bool:
    return t._requires_grad and _gstate.enabled


def _solve(a, b):
    from .linalg import LinalgSolveEx
    return LinalgSolveEx.apply(a, b)


# ----------------------------------------------------------------------------- svd
def svd_backward(gU, gS, gVh, U, S, Vh):
    """Gradient of the reduced SVD ``A = U diag(S) Vh`` (real case)."""
    m, n = U.shape[-2], Vh.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return None
        return U @ (gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)) @ Vh
    UhgU = VhgV = None
    if gU is not None:
        UhgU = U.mT @ gU
        UhgU = UhgU - UhgU.mT
    if gVh is not None:
        VhgV = Vh @ gVh.mT
        VhgV = VhgV - VhgV.mT
    S2 = S * S
    # E_ij = S_j² - S_i², with 1 on the diagonal (where the skew numerators vanish)
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye_like(S, S.shape[-1])
    if UhgU is not None and VhgV is not None:
        ret = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif UhgU is not None:
        ret = UhgU * (S.unsqueeze(-2) / E)
    else:
        ret = S.unsqueeze(-1) * (VhgV / E)
    if gS is not None:
        ret = ret + diag_embed(gS)
    if m > n and gU is not None:
        gA = U @ ret
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - U @ (U.mT @ gUSinv)
        return gA @ Vh
    if m < n and gVh is not None:
        gA = ret @ Vh
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh
        return U @ gA
    return U @ (ret @ Vh) if m >= n else (U @ ret) @ Vh


class LinalgSvd(Op):
    _materialize = False

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = xp_of(a).linalg.svd(a, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        if ctx.full:  # only the first k = min(m, n) singular vectors are determined by A
            k = S.shape[-1]
            U, Vh = narrow(U, -1, 0, k), narrow(Vh, -2, 0, k)
            gU = None if gU is None else narrow(gU, -1, 0, k)
            gVh = None if gVh is None else narrow(gVh, -2, 0, k)
        return svd_backward(gU, gS, gVh, U, S, Vh)


@register(name="linalg.svd", method=False)
def svd(A, full_matrices: bool = True, *, driver=None, out=None) -> SvdResult:
    """``A = U diag(S) Vh`` for ``A`` ``(…, m, n)``, k = min(m, n): U ``(…, m, m|k)``,
    S ``(…, k)`` descending, Vh ``(…, n|k, n)`` (full / reduced)."""
    check_matrix(A, "linalg.svd")
    return SvdResult(*LinalgSvd.apply(A, full_matrices=bool(full_matrices)))


@register(name="linalg.svdvals", method=False)
def svdvals(A, *, driver=None, out=None) -> Tensor:
    """Singular values of ``A`` ``(…, m, n)``, descending: ``(…, min(m, n))``."""
    check_matrix(A, "linalg.svdvals")
    if _needs_grad(A):
        return LinalgSvd.apply(A, full_matrices=False)[1]
    return _wrap(xp_of(A._data).linalg.svd(A._data, compute_uv=False))


@register(name="svd")
def old_svd(input, some: bool = True, compute_uv: bool = True) -> OldSvdResult:
    """Old ``torch.svd``: ``(U, S, V)`` with ``A = U diag(S) Vᵀ`` (V, not Vh); ``some=True``
    gives the reduced form. With ``compute_uv=False``, U and V are zero-filled."""
    check_matrix(input, "svd")
    if not compute_uv:
        S = svdvals(input)
        xp = xp_of(input._data)
        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        return OldSvdResult(_wrap(xp.zeros(batch + (m, m), input._data.dtype)), S,
                            _wrap(xp.zeros(batch + (n, n), input._data.dtype)))
    U, S, Vh = LinalgSvd.apply(input, full_matrices=not some)
    return OldSvdResult(U, S, Vh.mT)


# ----------------------------------------------------------------------------- eigh
class LinalgEigh(Op):
    _materialize = False

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = xp_of(a).linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        if gV is None:
            if gL is None:
                return None
            return (V * gL.unsqueeze(-2)) @ V.mT
        K = V.mT @ gV
        K = (K - K.mT) * 0.5  # project onto the skew-symmetric matrices
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + eye_like(L, L.shape[-1])
        ret = K / E
        if gL is not None:
            ret = ret + diag_embed(gL)
        return V @ (ret @ V.mT)


def _check_uplo(UPLO, op):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


@register(name="linalg.eigh", method=False)
def eigh(A, UPLO: str = "L", *, out=None) -> EighResult:
    """Eigen-decomposition of symmetric matrices ``(…, n, n)`` (only the ``UPLO`` triangle is
    read): eigenvalues ``(…, n)`` ascending and eigenvectors ``(…, n, n)`` as columns."""
    check_square(A, "linalg.eigh")
    _check_uplo(UPLO, "linalg.eigh")
    return EighResult(*LinalgEigh.apply(A, uplo=UPLO))


@register(name="linalg.eigvalsh", method=False)
def eigvalsh(A, UPLO: str = "L", *, out=None) -> Tensor:
    """Eigenvalues of symmetric matrices ``(…, n, n) → (…, n)``, ascending."""
    check_square(A, "linalg.eigvalsh")
    _check_uplo(UPLO, "linalg.eigvalsh")
    if _needs_grad(A):
        return LinalgEigh.apply(A, uplo=UPLO)[0]
    return _wrap(xp_of(A._data).linalg.eigvalsh(A._data, UPLO=UPLO))


# ----------------------------------------------------------------------------- eig
class LinalgEig(Op):
    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        w, v = xp.linalg.eig(a)
        ct = np.result_type(a.dtype, np.complex64)
        return w.astype(ct), v.astype(ct)

    @staticmethod
    def backward(ctx, gL, gV):
        raise RuntimeError("linalg.eig: differentiating the general (non-symmetric) eigen-"
                           "decomposition is not supported by Ember; use linalg.eigh for "
                           "symmetric matrices")


@register(name="linalg.eig", method=False)
def eig(A, *, out=None) -> EigResult:
    """Eigenvalues ``(…, n)`` and eigenvectors ``(…, n, n)`` (complex) of square matrices.
    Forward only: not differentiable in Ember."""
    check_square(A, "linalg.eig")
    if type(A._data) is not np.ndarray:
        raise RuntimeError("linalg.eig: only supported for CPU tensors (move with .cpu())")
    return EigResult(*LinalgEig.apply(A))


@register(name="linalg.eigvals", method=False)
def eigvals(A, *, out=None) -> Tensor:
    """Eigenvalues (complex) of square matrices ``(…, n, n) → (…, n)``. Forward only."""
    check_square(A, "linalg.eigvals")
    if type(A._data) is not np.ndarray:
        raise RuntimeError("linalg.eigvals: only supported for CPU tensors (move with .cpu())")
    return LinalgEig.apply(A)[0]


# ----------------------------------------------------------------------------- qr
def _qr_grad_deep(Q, R, gQ, gR):
    """QR gradient for m >= n (``Q`` ``(m, n)``, ``R`` ``(n, n)``)."""
    qdq = Q.mT @ gQ
    rdr = R @ gR.mT
    low = tril((qdq - qdq.mT) + (rdr - rdr.mT))

    def right_solve_rt(X):  # X R⁻ᵀ
        return _solve(R, X.mT).mT
    return Q @ (gR + right_solve_rt(low)) + right_solve_rt(gQ - Q @ qdq)


class LinalgQr(Op):
    _materialize = False

    @staticmethod
    def forward(ctx, a, mode):
        xp = xp_of(a)
        ctx.mode = mode
        if mode == "r":
            r = xp.linalg.qr(a, mode="r")
            return xp.zeros((0,), dtype=a.dtype), r
        q, r = xp.linalg.qr(a, mode=mode)
        ctx.save_for_backward(a, q, r)
        return q, r

    @staticmethod
    def backward(ctx, gQ, gR):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        A, Q, R = ctx.saved_tensors
        m, n = A.shape[-2:]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        if gQ is None and gR is None:
            return None
        gQ = Q * 0 if gQ is None else gQ
        gR = R * 0 if gR is None else gR
        if m >= n:
            return _qr_grad_deep(Q, R, gQ, gR)
        # wide: A = [X | Y], R = [U | V] with X = QU square; Y = QV
        Y = narrow(A, -1, m, n - m)
        U = narrow(R, -1, 0, m)
        gU, gV = narrow(gR, -1, 0, m), narrow(gR, -1, m, n - m)
        gX = _qr_grad_deep(Q, U, gQ + Y @ gV.mT, gU)
        gY = Q @ gV
        return pad_to(gX, -1, 0, n) + pad_to(gY, -1, m, n)


def _qr(A, mode, op):
    check_matrix(A, op)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"{op}: qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    return LinalgQr.apply(A, mode=mode)


@register(name="linalg.qr", method=False)
def qr(A, mode: str = "reduced", *, out=None) -> QrResult:
    """``A = Q R`` for ``A`` ``(…, m, n)``, k = min(m, n): ``'reduced'`` Q ``(…, m, k)``,
    R ``(…, k, n)``; ``'complete'`` Q ``(…, m, m)``, R ``(…, m, n)``; ``'r'`` R only (Q empty)."""
    return QrResult(*_qr(A, mode, "linalg.qr"))


@register(name="qr")
def old_qr(input, some: bool = True) -> OldQrResult:
    """Old ``torch.qr``: reduced QR when ``some`` (default), complete otherwise."""
    return OldQrResult(*_qr(input, "reduced" if some else "complete", "qr"))


# ----------------------------------------------------------------------------- cholesky
def _failing_minor(arr) -> tuple:
    """(batch index mask, order of the first non-PD leading minor) for an error message."""
    xp = xp_of(arr)
    flat = arr.reshape((-1,) + arr.shape[-2:])
    for b in range(flat.shape[0]):
        for k in range(1, arr.shape[-1] + 1):
            try:
                xp.linalg.cholesky(flat[b, :k, :k])
            except _np_linalg_error:
                bad = np.zeros(arr.shape[:-2], dtype=bool)
                if bad.ndim:
                    bad.reshape(-1)[b] = True
                return bad, k
    return np.zeros(arr.shape[:-2], dtype=bool), arr.shape[-1]


def _cholesky_array(a, op):
    xp = xp_of(a)
    try:
        L = xp.linalg.cholesky(a)
    except _np_linalg_error:
        bad, k = _failing_minor(a)
        raise LinAlgError(f"{op}: {batch_element(bad)}The factorization could not be completed "
                          f"because the input is not positive-definite (the leading minor of "
                          f"order {k} is not positive-definite).") from None
    if not xp.isfinite(L).all():  # CuPy reports failures as NaN instead of raising
        raise LinAlgError(f"{op}: The factorization could not be completed because the input "
                          "is not positive-definite.")
    return L


class LinalgCholeskyEx(Op):
    @staticmethod
    def forward(ctx, a, upper, op):
        L = _cholesky_array(a, op)
        r = xp_of(a).swapaxes(L, -1, -2).copy() if upper else L
        ctx.upper = upper
        ctx.save_for_backward(r)
        return r

    @staticmethod
    def backward(ctx, g):
        L, = ctx.saved_tensors
        if ctx.upper:
            L, g = L.mT, g.mT
        # Murray (2016): gA = L⁻ᵀ Φ(Lᵀ gL) L⁻¹, Φ taking the lower triangle, halving the diagonal,
        # then symmetrised
        T = tril(L.mT @ g)
        P = (T + tril(T, -1).mT) * 0.5
        Y = _solve(L.mT, P)
        return _solve(L.mT, Y.mT).mT


def _cholesky(A, upper, op):
    check_square(A, op)
    return LinalgCholeskyEx.apply(A, upper=bool(upper), op=op)


@register(name="linalg.cholesky", method=False)
def cholesky(A, *, upper: bool = False, out=None) -> Tensor:
    """Cholesky factor of symmetric positive-definite ``A`` ``(…, n, n)``: lower ``L`` with
    ``A = L Lᵀ`` (or upper ``U = Lᵀ``). Not positive-definite → LinAlgError."""
    return _cholesky(A, upper, "linalg.cholesky")


@register(name="cholesky")
def old_cholesky(input, upper: bool = False) -> Tensor:
    """Old ``torch.cholesky`` (see ``linalg.cholesky``)."""
    return _cholesky(input, upper, "cholesky")


@register(name="linalg.cholesky_ex", method=False)
def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False,
                out=None) -> CholeskyExResult:
    """``(L, info)``: ``info`` (int32 per matrix) is 0 on success, else the order of the first
    non-positive-definite leading minor (that matrix's factor is then NaN)."""
    check_square(A, "linalg.cholesky_ex")
    xp = xp_of(A._data)
    try:
        L = _cholesky(A, upper, "linalg.cholesky_ex")
        return CholeskyExResult(L, _wrap(xp.zeros(A._data.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    arr = A._data
    flat = arr.reshape((-1,) + arr.shape[-2:])
    info = np.zeros(flat.shape[0], dtype=np.int32)
    out = xp.full(flat.shape, np.nan, dtype=arr.dtype)
    for b in range(flat.shape[0]):
        try:
            Lb = xp.linalg.cholesky(flat[b])
            out[b] = Lb.T if upper else Lb
        except _np_linalg_error:
            info[b] = _failing_minor(flat[b])[1]
    return CholeskyExResult(_wrap(out.reshape(arr.shape)),
                            _wrap(xp.asarray(info.reshape(arr.shape[:-2]))))
