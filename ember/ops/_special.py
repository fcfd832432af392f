"""Array kernels for the error function family (erf, erfc, erfinv) on NumPy or CuPy arrays.

NumPy has no ``erf`` ufunc and Ember may not depend on SciPy, so these are computed here with
ordinary ufuncs. ``erf``/``erfc`` evaluate the piecewise rational approximations of Sun's
fdlibm ``s_erf.c`` (freely distributable; coefficients reproduced below), vectorised: every
branch is evaluated on clipped inputs and the right one is selected, so no branch produces
inf/NaN for values it does not own. Accuracy is < 1 ulp in float64.

``erfinv`` starts from Giles' single-precision approximation ("Approximating the erfinv
function", GPU Computing Gems, 2010) and polishes it with Newton steps on erf (on ``log erfc`` in
the tails, where ``1 - |x|`` keeps the precision that ``erf(y) - x`` would lose).
"""
from __future__ import annotations

import math

import numpy as np

_ERX = 8.45062911510467529297e-01
# erf on [0, 0.84375]: erf(x) = x + x * P(x^2) / Q(x^2)
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02,
       5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06)
# erf on [0.84375, 1.25]: erf(x) = erx + P(x-1) / Q(x-1)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
# erfc on [1.25, 1/0.35]: erfc(x) = exp(-x^2 - 0.5625 + R(1/x^2) / S(1/x^2)) / x
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
# erfc on [1/0.35, 28]
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _poly(coeffs, z):
    """Horner evaluation of ``sum(c[i] * z**i)``."""
    acc = coeffs[-1]
    for c in coeffs[-2::-1]:
        acc = acc * z + c
    return acc


def _pieces(ax):
    """For ``ax = |x|`` (float64): (small-branch ``y`` with erf = ax + ax*y, middle ``P/Q``,
    tail erfc)."""
    a = np.minimum(ax, 0.84375)
    z = a * a
    y_small = _poly(_PP, z) / _poly(_QQ, z)
    s = np.clip(ax, 0.84375, 1.25) - 1.0
    pq = _poly(_PA, s) / _poly(_QA, s)
    tail = _tail_erfc(np.clip(ax, 1.25, 28.0))
    return y_small, pq, tail


def _tail_erfc(c):
    """erfc for c in [1.25, 28] (float64)."""
    w = 1.0 / (c * c)
    rs = np.where(c < 1 / 0.35, _poly(_RA, w) / _poly(_SA, w), _poly(_RB, w) / _poly(_SB, w))
    # z*z is exact for a float32-rounded z; the remainder (z-c)(z+c) is a small correction
    zc = c.astype(np.float32).astype(np.float64)
    return np.exp(-zc * zc - 0.5625) * np.exp((zc - c) * (zc + c) + rs) / c


def erf(x):
    """erf of a float array (computed in float64, returned in ``x``'s dtype).

    Large arrays evaluate each branch only on the elements in its range (every element costs
    one rational approximation instead of four); small ones take the branch-free path.
    """
    xd = x.astype(np.float64)
    ax = np.abs(xd)
    if ax.size < 512:
        y_small, pq, tail = _pieces(ax)
        a = np.minimum(ax, 0.84375)
        pos = np.where(ax < 0.84375, a + a * y_small,
                       np.where(ax < 1.25, _ERX + pq, 1.0 - tail))
        return np.copysign(pos, xd).astype(x.dtype, copy=False)
    pos = np.empty_like(ax)
    small = ax < 0.84375
    mid = ~small & (ax < 1.25)
    big = ~(small | mid)
    if small.any():
        a = ax[small]
        z = a * a
        pos[small] = a + a * (_poly(_PP, z) / _poly(_QQ, z))
    if mid.any():
        t = ax[mid] - 1.0
        pos[mid] = _ERX + _poly(_PA, t) / _poly(_QA, t)
    if big.any():
        pos[big] = 1.0 - _tail_erfc(np.minimum(ax[big], 28.0))
    return np.copysign(pos, xd).astype(x.dtype, copy=False)


def erfc(x):
    """erfc of a float array (computed in float64, returned in ``x``'s dtype)."""
    xd = x.astype(np.float64)
    ax = np.abs(xd)
    y_small, pq, tail = _pieces(ax)
    a = np.minimum(ax, 0.84375)
    erf_small = a + a * y_small
    # 1 - erf for x >= 0; the 0.25 split keeps the low bits for 0.25 <= x < 0.84375
    pos = np.where(ax < 0.25, 1.0 - erf_small,
                   np.where(ax < 0.84375, 0.5 - (a * y_small + (a - 0.5)),
                            np.where(ax < 1.25, 1.0 - _ERX - pq, tail)))
    neg = np.where(ax < 0.84375, 1.0 + erf_small,
                   np.where(ax < 1.25, 1.0 + _ERX + pq, 2.0 - tail))
    return np.where(xd < 0, neg, pos).astype(x.dtype, copy=False)


_GILES_CENTRAL = (1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087,
                  -4.39150654e-06, -3.5233877e-06, 3.43273939e-07, 2.81022636e-08)
_GILES_TAIL = (2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773,
               -0.00367342844, 0.00134934322, 0.000100950558, -0.000200214257)


def erfinv(x):
    """Inverse error function of a float array: NaN outside [-1, 1], +-inf at +-1."""
    xd = x.astype(np.float64)
    ax = np.abs(xd)
    inside = ax < 1.0
    a = np.where(inside, ax, 0.0)
    w = -np.log((1.0 - a) * (1.0 + a))
    wc = np.minimum(w, 5.0) - 2.5
    wt = np.sqrt(np.maximum(w, 5.0)) - 3.0
    y = np.where(w < 5.0, _poly(_GILES_CENTRAL, wc), _poly(_GILES_TAIL, wt)) * a
    log_one_minus = np.log1p(-a)
    for _ in range(3):
        slope = _TWO_OVER_SQRT_PI * np.exp(-y * y)
        ec = erfc(y)
        # Newton on erf(y) = a near 0; in the tails on log(erfc(y)) = log(1 - a), which is
        # nearly quadratic in y and so converges from Giles' float32-accurate start
        central = (erf(y) - a) / slope
        tail = (log_one_minus - np.log(ec)) * ec / slope
        y = y - np.where(a <= 0.5, central, tail)
    y = np.where(inside, y, np.where(ax == 1.0, np.inf, np.nan))
    return np.copysign(y, xd).astype(x.dtype, copy=False)
