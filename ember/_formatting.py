"""PyTorch-style tensor printing: ``tensor([[1., 2.]], requires_grad=True)``.

The layout rules are PyTorch's, so printed output matches character for character:

* one formatter per tensor decides the mode from the *nonzero finite* values: integer-valued
  floats print as ``1.``; scientific notation when max/min > 1000, max > 1e8 or (for
  non-integer values) min < 1e-4; all elements are right-aligned to a common width;
* complex tensors use one formatter for the real and one for the imaginary parts;
* tensors with more than ``threshold`` elements show ``edgeitems`` per side and ``...``;
* rows wrap at ``linewidth``; suffixes (``dtype=``, ``grad_fn=``) wrap onto a new line when
  they would overflow it.
"""
from __future__ import annotations

import math

import numpy as np

from . import _dtype as D
from . import backend


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (same knobs as ``torch.set_printoptions``).

    Args:
        precision: digits after the decimal point (default 4).
        threshold: element count above which tensors are summarised (default 1000).
        edgeitems: items shown at each end of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"`` presets.
        sci_mode: force (True) or forbid (False) scientific notation; None decides per tensor.
    """
    if profile == "default":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    elif profile == "short":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
    elif profile == "full":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    for name, v in (("precision", precision), ("threshold", threshold),
                    ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if v is not None:
            setattr(PRINT_OPTS, name, v)
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """Chooses the number style for a set of values and pads every element to one width."""

    def __init__(self, arr: np.ndarray):
        self.floating = arr.dtype.kind == "f"
        self.int_mode = True
        self.sci = False
        self.width = 1
        p = PRINT_OPTS.precision
        flat = arr.ravel()
        if not self.floating:
            self.width = max((len(_plain(v)) for v in flat.tolist()), default=1)
            return
        vals = flat.astype(np.float64)
        nz = vals[np.isfinite(vals) & (vals != 0)]
        if not nz.size:  # nothing to fit: zeros/nan/inf print plainly, even with sci_mode
            return
        absv = np.abs(nz)
        amin, amax = absv.min(), absv.max()
        self.int_mode = bool(np.all(np.ceil(nz) == nz))
        if PRINT_OPTS.sci_mode is None:
            self.sci = bool(amax / amin > 1000.0 or amax > 1.0e8 or amin < 1.0e-4)
        else:
            self.sci = bool(PRINT_OPTS.sci_mode)
        if self.sci:
            self.width = max(len(f"{v:.{p}e}") for v in nz.tolist())
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in nz.tolist())
        else:
            self.width = max(len(f"{v:.{p}f}") for v in nz.tolist())

    def format(self, v) -> str:
        if self.floating:
            v = float(v)
            p = PRINT_OPTS.precision
            if self.sci:
                s = f"{v:{self.width}.{p}e}"
            elif self.int_mode:
                s = f"{v:.0f}"
                if not (math.isinf(v) or math.isnan(v)):
                    s += "."
            else:
                s = f"{v:.{p}f}"
        else:
            s = _plain(v)
        return s.rjust(self.width)


def _plain(v) -> str:
    return str(v)


class _ComplexFormatter:
    """A real and an imaginary formatter: ``1.+2.0000j``."""

    def __init__(self, arr: np.ndarray):
        self.re = _Formatter(arr.real)
        self.im = _Formatter(arr.imag)
        self.width = self.re.width + self.im.width + 1

    def format(self, v) -> str:
        re = self.re.format(v.real)
        im = (self.im.format(v.imag) + "j").lstrip()
        return re + im if im[0] in "+-" else re + "+" + im


def _vector(arr: np.ndarray, fmt, indent: int, summarize: bool) -> str:
    e = PRINT_OPTS.edgeitems
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / (fmt.width + 2))))
    vals = arr.tolist() if arr.dtype.kind != "c" else list(arr)
    if summarize and not e:
        parts = ["..."]
    elif summarize and len(vals) > 2 * e:
        parts = [fmt.format(v) for v in vals[:e]] + [" ..."] + \
                [fmt.format(v) for v in vals[-e:]]
    else:
        parts = [fmt.format(v) for v in vals]
    lines = [", ".join(parts[i:i + per_line]) for i in range(0, len(parts), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(arr: np.ndarray, fmt, indent: int, summarize: bool) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item() if arr.dtype.kind != "c" else arr[()])
    if arr.ndim == 1:
        return _vector(arr, fmt, indent, summarize)
    e = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * e:
        rows = [_body(arr[i], fmt, indent + 1, summarize) for i in range(e)] + ["..."] + \
               [_body(arr[i], fmt, indent + 1, summarize) for i in range(n - e, n)]
    else:
        rows = [_body(arr[i], fmt, indent + 1, summarize) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _edge_values(arr: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows (the formatter is fitted to these only)."""
    e = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr.reshape(1)
    if arr.ndim == 1:
        return np.concatenate([arr[:e], arr[-e:]]) if arr.shape[0] > 2 * e else arr
    if not e:
        return arr.reshape(-1)[:0]
    rows = list(range(e)) + list(range(arr.shape[0] - e, arr.shape[0])) \
        if arr.shape[0] > 2 * e else range(arr.shape[0])
    return np.concatenate([_edge_values(arr[i]).ravel() for i in rows])


def _add_suffixes(text: str, suffixes, indent: int) -> str:
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            parts.append(", " + s)
            last += len(s) + 2
    parts.append(")")
    return "".join(parts)


def _default_dtypes():
    f = D.get_default_dtype()
    return (f, D.complex128 if f is D.float64 else D.complex64, D.int64, D.bool_)


def tensor_repr(t, prefix: str = "tensor(") -> str:
    """``repr(t)``: PyTorch's layout with ``ember.`` dtypes."""
    arr = backend.to_numpy(t._data)
    if arr.dtype.kind not in "biufc":  # float16 is "f"; bfloat16 (ml_dtypes) prints as float32
        arr = arr.astype(np.float32)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    indent = len(prefix)
    dt = t.dtype
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    if arr.size == 0:
        body = "[]"
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dt is not D.get_default_dtype():
            suffixes.append(f"dtype={dt}")
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        summarize = arr.size > PRINT_OPTS.threshold
        shown = _edge_values(arr) if summarize else arr
        fmt = _ComplexFormatter(shown) if arr.dtype.kind == "c" else _Formatter(shown)
        body = _body(arr, fmt, indent, summarize)
        if dt not in _default_dtypes():
            suffixes.append(f"dtype={dt}")
    fn = t._grad_fn
    if fn is not None:
        suffixes.append(f"grad_fn=<{fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
