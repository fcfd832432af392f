"""PyTorch-style tensor printing: ``tensor([[1., 2.]], requires_grad=True)``."""
from __future__ import annotations

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
    """Set how tensors print (same knobs as ``torch.set_printoptions``)."""
    if profile == "default":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    elif profile == "short":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
    elif profile == "full":
        PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, float("inf")
        PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    for name, v in (("precision", precision), ("threshold", threshold),
                    ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if v is not None:
            setattr(PRINT_OPTS, name, v)
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    def __init__(self, arr: np.ndarray):
        self.kind = arr.dtype.kind
        self.int_mode = True
        self.sci = False
        self.width = 1
        p = PRINT_OPTS.precision
        if self.kind == "b":
            self.width = 5 if arr.size and not arr.all() else 4
            if arr.size and not arr.any():
                self.width = 5
            return
        if self.kind in "iu":
            self.width = max((len(str(v)) for v in arr.ravel().tolist()), default=1)
            return
        if self.kind == "c":
            self.int_mode = False
            return
        vals = arr.astype(np.float64).ravel()
        finite = vals[np.isfinite(vals)]
        nonzero = np.abs(finite[finite != 0])
        if nonzero.size:
            self.int_mode = bool(np.all(np.ceil(finite) == finite))
            amax, amin = nonzero.max(), nonzero.min()
            if self.int_mode:
                self.sci = amax > 1e8
            else:
                self.sci = amax / amin > 1000.0 or amax > 1e8 or amin < 1e-4
        if PRINT_OPTS.sci_mode is not None:
            self.sci = PRINT_OPTS.sci_mode
        strs = [self._fmt(v) for v in (finite if finite.size else vals)]
        strs += [self._fmt(v) for v in vals[~np.isfinite(vals)]]
        self.width = max((len(s) for s in strs), default=1)
        self.p = p

    def _fmt(self, v) -> str:
        p = PRINT_OPTS.precision
        if self.kind == "b":
            return str(bool(v))
        if self.kind in "iu":
            return str(int(v))
        if self.kind == "c":
            return f"{v.real:.{p}f}{v.imag:+.{p}f}j"
        v = float(v)
        if not np.isfinite(v):
            return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
        if self.sci:
            return f"{v:.{p}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{p}f}"

    def format(self, v) -> str:
        return self._fmt(v).rjust(self.width)


def _summarize(arr: np.ndarray) -> bool:
    return arr.size > PRINT_OPTS.threshold


def _body(arr: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    e = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        items = arr.tolist() if arr.dtype.kind != "c" else list(arr)
        if summarize and len(items) > 2 * e:
            parts = [fmt.format(v) for v in items[:e]] + ["..."] + \
                    [fmt.format(v) for v in items[-e:]]
        else:
            parts = [fmt.format(v) for v in items]
        per_line = max(1, (PRINT_OPTS.linewidth - indent) // (fmt.width + 2))
        lines = [", ".join(parts[i:i + per_line]) for i in range(0, len(parts), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    n = arr.shape[0]
    if summarize and n > 2 * e:
        rows = [_body(arr[i], fmt, indent + 1, summarize) for i in range(e)] + ["..."] + \
               [_body(arr[i], fmt, indent + 1, summarize) for i in range(n - e, n)]
    else:
        rows = [_body(arr[i], fmt, indent + 1, summarize) for i in range(n)]
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def _edge_values(arr: np.ndarray) -> np.ndarray:
    e = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr.reshape(1)
    if arr.shape[0] > 2 * e:
        arr = np.concatenate([arr[:e], arr[-e:]])
    if arr.ndim == 1:
        return arr
    return np.concatenate([_edge_values(a) for a in arr]) if arr.shape[0] else arr.ravel()


def tensor_repr(t, prefix: str = "tensor(") -> str:
    arr = backend.to_numpy(t._data)
    if D._BF16 is not None and arr.dtype == D._BF16:
        arr = arr.astype(np.float32)
    summarize = _summarize(arr)
    suffixes = []
    dt = t.dtype
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    if arr.size == 0:
        body = "[]"
        if arr.shape != (0,):
            suffixes.append(f"size={tuple(arr.shape)}")
    else:
        fmt = _Formatter(_edge_values(arr) if summarize else arr)
        body = _body(arr, fmt, len(prefix), summarize)
    if dt not in (D.get_default_dtype(), D.int64, D.bool_) or (
            arr.size == 0 and dt is not D.get_default_dtype()):
        suffixes.append(f"dtype={dt}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
