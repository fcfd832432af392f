"""BLAS thread control for ``ember.set_num_threads`` / ``get_num_threads``.

NumPy's wheels bundle OpenBLAS (``numpy.libs/libscipy_openblas*``); its
``*_set_num_threads`` entry point is called through ctypes. Without a recognisable OpenBLAS
the calls fall back to recording the request (and, for CuPy, nothing is needed).
"""
from __future__ import annotations

import ctypes
import glob
import os

_lib = None
_prefix = None
_requested = [None]


def _openblas():
    global _lib, _prefix
    if _lib is not None:
        return _lib
    import numpy as np
    root = os.path.dirname(os.path.dirname(np.__file__))
    for path in sorted(glob.glob(os.path.join(root, "numpy.libs", "*openblas*.so*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        # symbol pairs used by NumPy's scipy-openblas builds and by plain OpenBLAS
        for get_name, set_name in (("scipy_openblas_get_num_threads64_",
                                    "scipy_openblas_set_num_threads64_"),
                                   ("scipy_openblas_get_num_threads",
                                    "scipy_openblas_set_num_threads"),
                                   ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
                                   ("openblas_get_num_threads", "openblas_set_num_threads")):
            getter = getattr(lib, get_name, None)
            setter = getattr(lib, set_name, None)
            if getter is not None and setter is not None:
                _lib, _prefix = lib, (getter, setter)
                return _lib
    _lib = False
    return _lib


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for BLAS (matrix products, convolutions)."""
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n}")
    _requested[0] = n
    if _openblas():
        _prefix[1](ctypes.c_int(n))


def get_num_threads() -> int:
    if _openblas():
        return int(_prefix[0]())
    return _requested[0] or os.cpu_count() or 1
