"""``ember.multiprocessing``: Python's multiprocessing with PyTorch's helper names.

Tensors pickle by value (NumPy arrays), so no shared-memory reductions are needed on the CPU.
"""
from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import (Barrier, Event, Lock, Manager, Pipe, Pool, Process,  # noqa: F401
                             Queue, SimpleQueue, Value, cpu_count, current_process,
                             get_all_start_methods, get_context, get_start_method,
                             set_start_method)


class ProcessRaisedException(Exception):
    """A spawned process raised; the message holds its traceback."""


def spawn(fn, args=(), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn"):
    """Start ``nprocs`` processes running ``fn(i, *args)``; with ``join`` wait and re-raise the
    first failure with the child's traceback."""
    ctx = _mp.get_context(start_method)
    errors = ctx.SimpleQueue()
    procs = []
    for i in range(nprocs):
        p = ctx.Process(target=_wrap, args=(fn, i, args, errors), daemon=daemon)
        p.start()
        procs.append(p)
    if not join:
        return procs
    for p in procs:
        p.join()
    if not errors.empty():
        index, tb = errors.get()
        raise ProcessRaisedException(f"process {index} terminated with an exception:\n{tb}")
    for i, p in enumerate(procs):
        if p.exitcode:
            raise ProcessRaisedException(f"process {i} terminated with exit code {p.exitcode}")
    return None


def _wrap(fn, i, args, errors):
    import traceback
    try:
        fn(i, *args)
    except Exception:  # noqa: BLE001 - reported to the parent with its traceback
        errors.put((i, traceback.format_exc()))
        raise SystemExit(1)
