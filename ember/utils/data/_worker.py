"""What runs inside a DataLoader worker process, and the pieces both sides share.

A worker receives ``(epoch, task_idx, indices)`` on its own index queue and answers every task
with exactly one pickled ``(epoch, task_idx, result)`` on the shared result queue, where
``result`` is a batch, an :class:`ExceptionWrapper` (the traceback as text) or an
:class:`IterableStop`. The result is pickled *in the worker loop*, not in the queue's background
thread, so an unpicklable batch is reported as an error instead of being silently dropped (which
would leave the main process waiting forever).
"""
from __future__ import annotations

import gc
import os
import pickle
import queue
import random
import sys
import traceback

import numpy as np

__all__ = ["get_worker_info", "WorkerInfo", "ExceptionWrapper"]

MP_STATUS_CHECK_INTERVAL = 5.0  # how often an idle worker checks that its parent still lives


class WorkerInfo:
    """``id``, ``num_workers``, ``seed`` and ``dataset`` (this worker's copy); read-only."""

    _frozen = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self._keys = tuple(kwargs)
        self._frozen = True

    def __setattr__(self, key, val):
        if self._frozen:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        object.__setattr__(self, key, val)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._keys if k != "dataset")
        return f"WorkerInfo({items})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker: its :class:`WorkerInfo`; in the main process: ``None``.

    Typical use: an ``IterableDataset.__iter__`` reads ``id`` and ``num_workers`` to iterate
    only its shard, so that workers do not return duplicate samples.
    """
    return _worker_info


class _KeyErrorMessage(str):
    """KeyError shows ``repr`` of its message; this keeps the traceback's newlines readable."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as type + traceback text."""

    def __init__(self, exc_info=None, where: str = "in background"):
        exc_type, exc, tb = exc_info if exc_info is not None else sys.exc_info()
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        try:  # the type must unpickle in the main process (a class local to a function won't)
            pickle.loads(pickle.dumps(exc_type))
            self.exc_type = exc_type
        except Exception:  # noqa: BLE001
            self.exc_type = RuntimeError
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # noqa: BLE001 - its constructor needs other arguments
            raise RuntimeError(msg) from None
        raise exc


class IterableStop:
    """A worker's iterable-dataset iterator is exhausted."""

    def __init__(self, worker_id: int):
        self.worker_id = worker_id


class ResumeIteration:
    """Persistent workers, new epoch: restart the iterable dataset's iterator."""

    def __init__(self, epoch: int):
        self.epoch = epoch


# ------------------------------------------------------------------------------ fetchers
class MapFetcher:
    """Fetches ``collate_fn([dataset[i] for i in indices])`` (or one sample, unbatched)."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        getitems = getattr(dataset, "__getitems__", None)
        self._getitems = getitems if callable(getitems) else None

    def fetch(self, index):
        if self.auto_collation:
            if self._getitems is not None:
                data = self._getitems(index)
            else:
                data = [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class IterFetcher:
    """Pulls ``len(index)`` samples from the dataset's iterator (raises StopIteration at end)."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(iterable: bool, dataset, auto_collation, collate_fn, drop_last):
    cls = IterFetcher if iterable else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def numpy_seed(base_seed: int, worker_id: int) -> np.ndarray:
    """A per-worker NumPy global seed derived from the base seed (SeedSequence mixing)."""
    ss = np.random.SeedSequence([worker_id, base_seed & 0xFFFF_FFFF, base_seed >> 32])
    return ss.generate_state(4)


# ------------------------------------------------------------------------------ the loop
def worker_loop(iterable, dataset, index_queue, data_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                parent_pid):
    global _worker_info
    # objects inherited through fork belong to the parent: never let this process's garbage
    # collector run their finalizers (e.g. another DataLoader iterator's shutdown)
    gc.freeze()
    try:
        from ... import _random
        seed = base_seed + worker_id
        random.seed(seed)
        _random.default_generator.manual_seed(seed)
        np.random.seed(numpy_seed(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:  # noqa: BLE001 - reported for every task, in the main process
            init_error = ExceptionWrapper(where=where)

        while True:
            try:
                task = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent_pid:  # orphaned: the main process is gone
                    break
                continue
            if task is None:  # the main process asks us to exit
                break
            if isinstance(task, ResumeIteration):
                if init_error is None and iterable:
                    try:
                        fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn,
                                               drop_last)
                    except Exception:  # noqa: BLE001
                        init_error = ExceptionWrapper(where=where)
                continue
            if done_event.is_set():
                continue
            epoch, idx, index = task
            if init_error is not None:
                result = init_error
            else:
                try:
                    result = fetcher.fetch(index)
                except StopIteration:
                    result = IterableStop(worker_id) if iterable else ExceptionWrapper(
                        where=where)
                except Exception:  # noqa: BLE001
                    result = ExceptionWrapper(where=where)
            try:
                payload = pickle.dumps((epoch, idx, result), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - e.g. a batch holding a lambda
                payload = pickle.dumps((epoch, idx, ExceptionWrapper(where=where + " (sending "
                                                                     "the batch)")))
            data_queue.put(payload)
            del result, payload
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
