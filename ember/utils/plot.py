"""Pictures of training curves: matplotlib when installed, else a small Pillow renderer."""
from __future__ import annotations

import math
import os


def plot_curves(curves: dict, path: str, xlabel: str = "step", ylabel: str = "",
                title: str = "") -> str | None:
    """Draw each ``name -> list of values`` curve into a PNG at ``path``; returns the path,
    or None when there is nothing to draw or neither matplotlib nor Pillow is available."""
    curves = {k: [float(v) for v in vals] for k, vals in curves.items() if len(vals)}
    if not curves:  # nothing recorded (e.g. a run shorter than the logging interval)
        return None
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return _plot_pillow(curves, path, xlabel, ylabel, title)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for name, vals in curves.items():
        ax.plot(range(1, len(vals) + 1), vals, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


_COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]


def _plot_pillow(curves, path, xlabel, ylabel, title):
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        return None
    w, h, m = 700, 400, 50
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    vals = [v for c in curves.values() for v in c if math.isfinite(v)]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1
    n = max((len(c) for c in curves.values()), default=1)
    d.rectangle([m, m // 2, w - m // 2, h - m], outline="black")
    for k, (name, c) in enumerate(curves.items()):
        pts = [(m + (w - 1.5 * m) * i / max(n - 1, 1), h - m - (h - 1.5 * m) * (v - lo) / (hi - lo))
               for i, v in enumerate(c) if math.isfinite(v)]
        color = _COLORS[k % len(_COLORS)]
        if len(pts) > 1:
            d.line(pts, fill=color, width=2)
        d.text((m + 10, m // 2 + 5 + 12 * k), name, fill=color)
    d.text((w // 2 - 40, 5), title, fill="black")
    d.text((w // 2 - 20, h - m + 20), xlabel, fill="black")
    d.text((5, m // 2), f"{hi:.3g}", fill="black")
    d.text((5, h - m - 10), f"{lo:.3g}", fill="black")
    img.save(path)
    return path
