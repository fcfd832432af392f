"""``DataLoader``: batches from a dataset, in the main process or in worker processes."""
from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import signal
import time
import warnings

from ... import _random
from . import _worker
from ._worker import ExceptionWrapper, IterableStop, ResumeIteration, get_worker_info
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

_POLL = 0.25  # seconds between liveness checks of the workers while waiting for a batch
_JOIN_TIMEOUT = 2.0  # how long shutdown waits for a worker before terminating it


class _InfiniteConstantSampler(Sampler):
    """Yields ``None`` forever: an iterable dataset decides itself where it ends."""

    def __iter__(self):
        return itertools.repeat(None)


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples, like PyTorch's DataLoader.

    ``num_workers > 0`` loads batches in that many worker processes (each seeded with
    ``base_seed + worker_id`` for Python's ``random``, NumPy's global generator and Ember's
    default generator, where ``base_seed`` is drawn from ``generator`` or Ember's default
    generator, so augmentations differ per worker yet repeat under ``ember.manual_seed``).
    Batches come back in sampler order. A worker that raises is re-raised here with its
    traceback; a worker that dies raises RuntimeError naming it and its exit code; ``timeout``
    (seconds, per batch) raises RuntimeError. ``pin_memory`` is accepted and has no effect.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing. let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (not isinstance(prefetch_factor, int)
                                            or prefetch_factor < 1):
            raise ValueError(f"prefetch_factor should be a positive int, got {prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self._is_iterable = isinstance(dataset, IterableDataset)

        if self._is_iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._iterator = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _mp_context(self):
        ctx = self.multiprocessing_context
        if ctx is None:
            return multiprocessing.get_context()
        if isinstance(ctx, str):
            return multiprocessing.get_context(ctx)
        return ctx

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None or self._iterator._shutdown:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset(first=False)
            return self._iterator
        return _MultiProcessIter(self)

    def __len__(self) -> int:
        if self._is_iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        cpus = os.cpu_count() or 1
        if self.num_workers > cpus:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                          f"total, more than the {cpus} CPUs of this machine; it may be slow.",
                          stacklevel=2)


def _base_seed(generator) -> int:
    g = generator if generator is not None else _random.default_generator
    return int(g._np.integers(0, 2 ** 63 - 1))  # noqa: SLF001


class _BaseIter:
    def __init__(self, loader: DataLoader):
        self._loader = loader
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._collate_fn = loader.collate_fn
        self._is_iterable = loader._is_iterable
        self._index_sampler = loader._index_sampler
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _base_seed(loader.generator)
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _next_index(self):
        return next(self._sampler_iter)  # StopIteration ends the epoch

    def __len__(self) -> int:
        return len(self._loader)


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader: DataLoader):
        super().__init__(loader)
        self._fetcher = _worker.make_fetcher(self._is_iterable, self._dataset,
                                             self._auto_collation, self._collate_fn,
                                             self._drop_last)

    def __next__(self):
        data = self._fetcher.fetch(self._next_index())  # StopIteration propagates: epoch end
        self._num_yielded += 1
        return data


class _MultiProcessIter(_BaseIter):
    """Keeps ``prefetch_factor * num_workers`` tasks in flight and yields results in order."""

    def __init__(self, loader: DataLoader):
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._shutdown = True  # until the workers exist
        self._owner_pid = os.getpid()
        ctx = loader._mp_context()
        self._data_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        parent = os.getpid()
        try:
            for wid in range(self._num_workers):
                q = ctx.Queue()
                q.cancel_join_thread()  # never block our exit on tasks a dead worker won't read
                w = ctx.Process(target=_worker.worker_loop, daemon=True, args=(
                    self._is_iterable, self._dataset, q, self._data_queue, self._done_event,
                    self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                    loader.worker_init_fn, wid, self._num_workers, parent))
                w.start()
                self._index_queues.append(q)
                self._workers.append(w)
                self._shutdown = False
        except BaseException:
            self._shutdown_workers(force=True)
            raise
        self._epoch = 0
        self._reset(first=True)

    def _reset(self, first: bool) -> None:
        if not first:
            self._sampler_iter = iter(self._index_sampler)
            self._num_yielded = 0
        self._epoch += 1
        self._send_idx = self._rcvd_idx = 0
        self._results: dict = {}
        self._tasks_outstanding = 0
        self._active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first and self._is_iterable:
            for q in self._index_queues:
                q.put(ResumeIteration(self._epoch))
        for _ in range(self._prefetch):
            self._try_put_index()

    def _try_put_index(self) -> None:
        if self._tasks_outstanding >= self._prefetch or not any(self._active):
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # next worker still producing, round-robin
            wid = next(self._worker_cycle)
            if self._active[wid]:
                break
        self._index_queues[wid].put((self._epoch, self._send_idx, index))
        self._send_idx += 1
        self._tasks_outstanding += 1

    def __next__(self):
        while True:
            if self._shutdown:
                raise StopIteration
            if self._rcvd_idx >= self._send_idx:  # nothing in flight and nothing to send
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if self._rcvd_idx in self._results:
                data = self._results.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                self._try_put_index()
                if isinstance(data, IterableStop):
                    continue
                if isinstance(data, ExceptionWrapper):
                    data.reraise()
                self._num_yielded += 1
                return data
            epoch, idx, data = self._get_data()
            if epoch != self._epoch:  # a leftover of an epoch that was abandoned early
                continue
            self._tasks_outstanding -= 1
            if isinstance(data, IterableStop):
                self._active[data.worker_id] = False
            self._results[idx] = data

    def _get_data(self):
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _POLL if deadline is None else max(0.0, min(_POLL, deadline - time.monotonic()))
            try:
                payload = self._data_queue.get(timeout=wait)
            except queue.Empty:
                self._check_workers()
                if deadline is not None and time.monotonic() >= deadline:
                    self._shutdown_workers(force=True)
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds "
                                       "waiting for a batch from its workers") from None
                continue
            return pickle.loads(payload)

    def _check_workers(self) -> None:
        for wid, w in enumerate(self._workers):
            code = w.exitcode
            if code is None:
                continue
            how = f"exit code {code}"
            if code < 0:
                try:
                    how += f" (killed by signal {signal.Signals(-code).name})"
                except ValueError:
                    pass
            self._shutdown_workers(force=True)
            raise RuntimeError(f"DataLoader worker {wid} (pid {w.pid}) exited unexpectedly "
                               f"with {how}") from None

    def _shutdown_workers(self, force: bool = False) -> None:
        if getattr(self, "_shutdown", True) or os.getpid() != self._owner_pid:
            return  # (a forked worker that inherited this object must not act on it)
        self._shutdown = True
        try:
            self._done_event.set()
            for q in self._index_queues:
                try:
                    q.put(None)
                except (OSError, ValueError):
                    pass
            for w in self._workers:
                # force: the workers are hung or we are being garbage-collected (then the index
                # queues' feeder threads may already be finalized and None never arrives)
                w.join(timeout=0.05 if force else _JOIN_TIMEOUT)
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=_JOIN_TIMEOUT)
        finally:
            for q in self._index_queues:
                q.close()
            self._data_queue.cancel_join_thread()
            self._data_queue.close()

    def __del__(self):
        try:
            self._shutdown_workers(force=True)
        except Exception:  # noqa: BLE001 - interpreter shutdown: best effort
            pass
