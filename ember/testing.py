"""``ember.testing.assert_close``: compare tensors with dtype-aware tolerances."""
from __future__ import annotations

import numpy as np

from . import backend

_TOL = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
        "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True,
                 msg=None):
    """Raise AssertionError when ``actual`` and ``expected`` differ beyond the tolerances."""
    from ._tensor import Tensor
    a = backend.to_numpy(actual._data) if isinstance(actual, Tensor) else np.asarray(actual)
    e = backend.to_numpy(expected._data) if isinstance(expected, Tensor) else np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor) and \
            actual.dtype is not expected.dtype:
        raise AssertionError(f"The values for attribute 'dtype' do not match: {actual.dtype} != "
                             f"{expected.dtype}.")
    name = a.dtype.name
    r0, a0 = _TOL.get(name, (0.0, 0.0))
    rtol = r0 if rtol is None else rtol
    atol = a0 if atol is None else atol
    af, ef = a.astype(np.float64) if a.dtype.kind != "c" else a, e.astype(a.dtype) \
        if a.dtype.kind != "c" else e
    if not np.allclose(af, ef, rtol=rtol, atol=atol, equal_nan=equal_nan):
        diff = np.abs(af - ef)
        raise AssertionError(msg or f"Tensor-likes are not close! Greatest absolute difference: "
                             f"{np.nanmax(diff)} (up to {atol} allowed)")
