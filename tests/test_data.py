"""ember.utils.data: datasets, samplers, collation and the DataLoader (with worker processes)."""
import collections
import os
import random
import time

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                              IterableDataset, RandomSampler, SequentialSampler, Subset,
                              SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                              default_collate, default_convert, get_worker_info, random_split)
from conftest import requires_torch

Point = collections.namedtuple("Point", "x y")


# ------------------------------------------------------------------------------ datasets used
class Squares(Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return ember.tensor([float(i)]), i * i


class RandomDraws(Dataset):
    """Each sample records the three random streams a worker is seeded for."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {"r": random.random(), "np": float(np.random.rand()),
                "em": ember.rand(1).item(), "wid": -1 if info is None else info.id}


class WorkerError(ValueError):
    pass


class Failing(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            raise WorkerError(f"bad sample {i}")
        return i


class Dying(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 2:
            os._exit(3)
        return i


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(30)
        return i


class Unpicklable(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return {"f": lambda: i}


class Stream(IterableDataset):
    """Yields 0..n-1, each worker taking its own interleaved shard."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class Pids(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return os.getpid()


def _init_fn(worker_id):
    os.environ["EMBER_TEST_WORKER"] = str(worker_id)


class InitCheck(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return int(os.environ.get("EMBER_TEST_WORKER", "-1")) == get_worker_info().id


# ------------------------------------------------------------------------------ datasets
def test_tensor_concat_subset_chain():
    x, y = ember.arange(10.).reshape(5, 2), ember.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5 and ds[2][1].item() == 2
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(x, ember.arange(4))
    cat = ds + Squares(3)
    assert isinstance(cat, ConcatDataset) and len(cat) == 8 and cat[6][1] == 1 and cat[-1][1] == 4
    with pytest.raises(IndexError):
        cat[8]
    sub = Subset(Squares(10), [7, 2])
    assert len(sub) == 2 and sub[0][1] == 49
    chain = ChainDataset([Stream(3), Stream(2)])
    assert list(chain) == [0, 1, 2, 0, 1] and len(chain) == 5


def test_random_split():
    ds = Squares(10)
    a, b = random_split(ds, [7, 3], generator=ember.Generator().manual_seed(1))
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=ember.Generator().manual_seed(1))
    assert a.indices == a2.indices
    parts = random_split(Squares(11), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [6, 3, 2]  # floor then the remainder round-robin
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [5, 3])


# ------------------------------------------------------------------------------ samplers
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = ember.Generator().manual_seed(0)
    perm = list(RandomSampler(range(20), generator=g))
    assert sorted(perm) == list(range(20)) and perm != list(range(20))
    assert perm == list(RandomSampler(range(20), generator=ember.Generator().manual_seed(0)))
    ember.manual_seed(5)
    a = list(RandomSampler(range(20)))
    ember.manual_seed(5)
    assert a == list(RandomSampler(range(20)))  # reproducible under manual_seed
    draws = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(draws) == 50 and set(draws) <= {0, 1, 2}
    assert len(list(RandomSampler(range(3), num_samples=7))) == 7
    assert sorted(SubsetRandomSampler([5, 9, 11])) == [5, 9, 11]
    w = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 100))
    assert set(w) <= {1, 3} and w.count(3) > w.count(1)
    assert sorted(WeightedRandomSampler([1, 1, 1], 3, replacement=False)) == [0, 1, 2]
    bs = BatchSampler(SequentialSampler(range(10)), 4, drop_last=False)
    assert list(bs) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(bs) == 3
    assert len(BatchSampler(range(10), 4, drop_last=True)) == 2


@pytest.mark.parametrize("make", [
    lambda: RandomSampler(range(3), num_samples=0),
    lambda: RandomSampler(range(3), replacement=1),
    lambda: WeightedRandomSampler([[1.0, 2.0]], 2),
    lambda: WeightedRandomSampler([1.0], -1),
    lambda: BatchSampler(range(3), 0, False),
    lambda: BatchSampler(range(3), 2, drop_last=None),
])
def test_sampler_bad_arguments(make):
    with pytest.raises((ValueError, TypeError)):
        make()


# ------------------------------------------------------------------------------ collate
def test_default_collate_types():
    out = default_collate([{"t": ember.ones(2), "a": np.zeros(3, np.float32), "i": 1, "f": 0.5,
                            "b": True, "s": "x", "p": Point(1, 2.0), "tup": (1, "a")},
                           {"t": ember.zeros(2), "a": np.ones(3, np.float32), "i": 2, "f": 1.5,
                            "b": False, "s": "y", "p": Point(3, 4.0), "tup": (2, "b")}])
    assert out["t"].shape == (2, 2) and out["a"].dtype is ember.float32
    assert out["i"].dtype is ember.int64 and out["f"].dtype is ember.float64
    assert out["b"].dtype is ember.bool and out["s"] == ["x", "y"]
    assert isinstance(out["p"], Point) and out["p"].x.tolist() == [1, 3]
    assert isinstance(out["tup"], list) and out["tup"][1] == ["a", "b"]
    od = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert isinstance(od, collections.OrderedDict)
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])
    conv = default_convert({"a": np.arange(3), "b": (np.float64(2.0), "s")})
    assert isinstance(conv["a"], ember.Tensor) and conv["b"][1] == "s"


@requires_torch
def test_default_collate_matches_torch():
    import torch
    from torch.utils.data import default_collate as tcollate
    batch = [(np.arange(4, dtype=np.int32), 3, 2.5, {"k": [np.float32(1.0), 2]}),
             (np.arange(4, dtype=np.int32) * 2, 4, 3.5, {"k": [np.float32(2.0), 3]})]
    ours, theirs = default_collate(batch), tcollate(batch)

    def check(a, b):
        if isinstance(b, torch.Tensor):
            assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        elif isinstance(b, dict):
            for k in b:
                check(a[k], b[k])
        elif isinstance(b, (list, tuple)):
            assert type(a) is type(b) and len(a) == len(b)
            for x, y in zip(a, b):
                check(x, y)
        else:
            assert a == b
    check(ours, theirs)


# ------------------------------------------------------------------------------ the DataLoader
@pytest.mark.parametrize("workers", [0, 2])
def test_loader_order_len_drop_last(workers):
    dl = DataLoader(Squares(10), batch_size=3, num_workers=workers)
    batches = list(dl)
    assert len(dl) == 4 and len(batches) == 4
    assert [b[1].tolist() for b in batches] == [[0, 1, 4], [9, 16, 25], [36, 49, 64], [81]]
    assert batches[0][0].shape == (3, 1)
    dl = DataLoader(Squares(10), batch_size=3, drop_last=True, num_workers=workers)
    assert len(dl) == 3 and len(list(dl)) == 3
    unbatched = list(DataLoader(Squares(3), batch_size=None, num_workers=workers))
    assert [u[1] for u in unbatched] == [0, 1, 4]


@pytest.mark.parametrize("workers", [0, 2])
def test_shuffle_reproducible_with_generator(workers):
    def order(seed):
        dl = DataLoader(Squares(12), batch_size=4, shuffle=True, num_workers=workers,
                        generator=ember.Generator().manual_seed(seed))
        return [i for b in dl for i in b[1].tolist()]
    a, b, c = order(3), order(3), order(4)
    assert a == b and a != c and sorted(a) == sorted(i * i for i in range(12))


def test_worker_seeding_differs_and_reproduces():
    def run():
        ember.manual_seed(123)
        return list(DataLoader(RandomDraws(), batch_size=2, num_workers=2))
    first, second = run(), run()
    for k in ("r", "np", "em"):
        assert [b[k].tolist() for b in first] == [b[k].tolist() for b in second]
        w0 = [v for b in first for v, w in zip(b[k].tolist(), b["wid"].tolist()) if w == 0]
        w1 = [v for b in first for v, w in zip(b[k].tolist(), b["wid"].tolist()) if w == 1]
        assert w0 and w1 and w0[0] != w1[0], k
    assert [b["wid"].tolist() for b in first] == [[0, 0], [1, 1], [0, 0], [1, 1]]
    ember.manual_seed(124)
    other = list(DataLoader(RandomDraws(), batch_size=2, num_workers=2))
    assert other[0]["r"].tolist() != first[0]["r"].tolist()


def test_worker_exception_carries_traceback():
    dl = DataLoader(Failing(), batch_size=2, num_workers=2)
    it = iter(dl)
    assert next(it).tolist() == [0, 1]
    with pytest.raises(WorkerError) as info:
        next(it)
    msg = str(info.value)
    assert "DataLoader worker process" in msg and "bad sample 3" in msg
    assert "__getitem__" in msg and "Traceback" in msg
    del it


def test_worker_death_is_reported():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"worker 1 .*exit code 3"):
        list(DataLoader(Dying(), batch_size=2, num_workers=2))
    assert time.monotonic() - t0 < 10


def test_timeout():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="timed out after 0.5 seconds"):
        next(iter(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.5)))
    assert time.monotonic() - t0 < 10


def test_unpicklable_batch_is_an_error_not_a_hang():
    with pytest.raises(Exception, match="sending the batch"):
        list(DataLoader(Unpicklable(), batch_size=None, num_workers=1, collate_fn=lambda x: x))


@pytest.mark.parametrize("workers", [0, 2, 3])
def test_iterable_dataset_sharding(workers):
    dl = DataLoader(Stream(11), batch_size=2, num_workers=workers)
    got = [i for b in dl for i in b.tolist()]
    assert sorted(got) == list(range(11))
    dl = DataLoader(Stream(11), batch_size=2, num_workers=workers, drop_last=True)
    got = [b.tolist() for b in dl]
    assert all(len(b) == 2 for b in got)
    assert len(DataLoader(Stream(11), batch_size=2)) == 6


def test_persistent_workers_and_init_fn():
    dl = DataLoader(Pids(), batch_size=1, num_workers=2, persistent_workers=True)
    e1 = {b.item() for b in dl}
    e2 = {b.item() for b in dl}
    assert e1 == e2 and len(e1) == 2 and os.getpid() not in e1
    it = iter(dl)
    next(it)  # abandon an epoch half way: the next one still gives exactly one full epoch
    assert len(list(dl)) == 4
    dl2 = DataLoader(Stream(5), batch_size=2, num_workers=2, persistent_workers=True)
    assert sorted(i for b in dl2 for i in b.tolist()) == list(range(5))
    assert sorted(i for b in dl2 for i in b.tolist()) == list(range(5))
    checks = list(DataLoader(InitCheck(), batch_size=None, num_workers=2,
                             worker_init_fn=_init_fn))
    assert all(bool(c) for c in checks)


def test_worker_info_outside_workers_is_none():
    assert get_worker_info() is None


@pytest.mark.parametrize("kwargs,match", [
    (dict(num_workers=-1), "non-negative"),
    (dict(timeout=-1), "timeout"),
    (dict(prefetch_factor=2), "prefetch_factor"),
    (dict(persistent_workers=True), "persistent_workers"),
    (dict(shuffle=True, sampler=SequentialSampler(range(3))), "mutually exclusive"),
    (dict(batch_sampler=BatchSampler(range(3), 2, False), batch_size=2), "mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "drop_last"),
])
def test_loader_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(Squares(3), **kwargs)
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)


def test_pin_memory_and_sampler_arguments():
    dl = DataLoader(Squares(6), batch_size=2, pin_memory=True,
                    sampler=SubsetRandomSampler([0, 1, 2, 3]))
    assert len(dl) == 2 and sorted(i for b in dl for i in b[1].tolist()) == [0, 1, 4, 9]
    dl = DataLoader(Squares(6), batch_sampler=[[5, 0], [1]])
    assert [b[1].tolist() for b in dl] == [[25, 0], [1]]


def test_distributed_sampler_partitions_the_data():
    from ember.utils.data import DistributedSampler
    ds = list(range(10))
    parts = [list(DistributedSampler(ds, num_replicas=3, rank=r, shuffle=False)) for r in range(3)]
    assert [len(p) for p in parts] == [4, 4, 4]
    assert sorted(set(sum(parts, []))) == ds
    s = DistributedSampler(ds, num_replicas=2, rank=0, shuffle=True, seed=1)
    first = list(s)
    s.set_epoch(1)
    assert sorted(first) != first or list(s) != first
    with pytest.raises(ValueError):
        DistributedSampler(ds, num_replicas=2, rank=2)


def test_default_device_and_multiprocessing_and_hub():
    import ember
    assert ember.get_default_device() == ember.device("cpu")
    ember.set_default_device("cpu")
    assert ember.zeros(2).device == ember.device("cpu")
    ember.set_default_device(None)
    assert callable(ember.multiprocessing.spawn) and ember.multiprocessing.Process
    assert ember.hub.tqdm is not None
    with pytest.raises(RuntimeError, match="does not fetch"):
        ember.hub.load_state_dict_from_url("https://example.invalid/w.pth")
    ember.accelerator.set_device_index(0)  # no-op without an accelerator
