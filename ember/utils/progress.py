"""Progress bars for long loops: tqdm when installed, a plain line printer otherwise."""
from __future__ import annotations

import os
import sys
import time


class _PlainProgress:
    """A tqdm-compatible stand-in printing one line every ``interval`` seconds."""

    def __init__(self, iterable=None, desc="", total=None, unit="it", interval=5.0, **kwargs):
        self.iterable, self.desc, self.unit, self.interval = iterable, desc, unit, interval
        self.total = total if total is not None else (len(iterable) if hasattr(
            iterable, "__len__") else None)
        self.n, self.postfix, self._t0, self._last = 0, "", time.perf_counter(), 0.0

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)

    def update(self, n=1):
        self.n += n
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            self._print()

    def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
        items = dict(ordered_dict or {}, **kwargs)
        self.postfix = ", ".join(f"{k}={v}" for k, v in items.items())

    def set_description(self, desc=None, refresh=True):
        self.desc = desc or ""

    def _print(self):
        total = f"/{self.total}" if self.total else ""
        rate = self.n / max(time.perf_counter() - self._t0, 1e-9)
        print(f"{self.desc}: {self.n}{total} {self.unit} [{rate:.1f} {self.unit}/s] "
              f"{self.postfix}", file=sys.stderr, flush=True)

    def close(self):
        self._print()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def progress(iterable=None, desc: str = "", total: int | None = None, unit: str = "it",
             **kwargs):
    """Wrap ``iterable`` in a progress bar (tqdm if importable). ``EMBER_PROGRESS=0`` turns
    the bar into occasional plain lines (useful in logs)."""
    if os.environ.get("EMBER_PROGRESS", "1") != "0":
        try:
            from tqdm.auto import tqdm
            return tqdm(iterable, desc=desc, total=total, unit=unit, dynamic_ncols=True,
                        mininterval=0.5, **kwargs)
        except ImportError:
            pass
    return _PlainProgress(iterable, desc=desc, total=total, unit=unit, **kwargs)
