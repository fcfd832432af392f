"""ember.vision.datasets: the real shared data (skipped when absent), ImageFolder on generated
PNGs, FakeData, the restricted CIFAR unpickler and the download path (file:// URLs only)."""
import gzip
import hashlib
import io
import os
import pickle
import tarfile
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

import ember
from conftest import data_root
from ember.vision import datasets, transforms
from ember.vision.datasets import utils as dl_utils

ROOT = data_root()


def _need(*parts):
    path = os.path.join(ROOT, *parts)
    return pytest.mark.skipif(not os.path.exists(path),
                              reason=f"shared dataset not found at {path} (set EMBER_DATA)")


need_mnist = _need("MNIST", "raw", "train-images-idx3-ubyte.gz")
need_fashion = _need("FashionMNIST", "raw", "train-images-idx3-ubyte.gz")
need_cifar = _need("cifar-10-batches-py", "data_batch_1")


def _raw_idx(path, header):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8)[header:]


# --- MNIST family on the real data -----------------------------------------------------------
@pytest.fixture(scope="module")
def mnist_train():
    return datasets.MNIST(ROOT, train=True)


@need_mnist
def test_mnist_train(mnist_train):
    d = mnist_train
    assert len(d) == 60000
    assert tuple(d.data.shape) == (60000, 28, 28) and d.data.dtype == ember.uint8
    assert tuple(d.targets.shape) == (60000,) and d.targets.dtype == ember.int64
    assert d.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    raw = _raw_idx(os.path.join(ROOT, "MNIST", "raw", "train-images-idx3-ubyte.gz"), 16)
    assert int(d.data[0].numpy().astype(np.int64).sum()) == 27525 == int(raw[:784].sum(
        dtype=np.int64))
    np.testing.assert_array_equal(d.data[59999].numpy().ravel(), raw[-784:])
    counts = np.bincount(d.targets.numpy(), minlength=10)
    assert counts.sum() == 60000 and counts[1] == 6742  # the well-known MNIST count of ones
    img, target = d[0]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert type(target) is int and target == 5
    assert d.classes[0] == "0 - zero" and d.class_to_idx["9 - nine"] == 9


@need_mnist
def test_mnist_test_split_and_speed():
    t0 = time.perf_counter()
    d = datasets.MNIST(ROOT, train=False)
    elapsed = time.perf_counter() - t0
    assert len(d) == 10000 and d.targets[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert elapsed < 1.0, f"loading the MNIST test split took {elapsed:.2f}s"
    t0 = time.perf_counter()
    datasets.MNIST(ROOT, train=True)
    assert time.perf_counter() - t0 < 2.0  # 60k images: well under a second on a normal host


@need_mnist
def test_mnist_transforms_and_repr(mnist_train):
    d = datasets.MNIST(ROOT, train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]),
        target_transform=lambda y: y + 100)
    x, y = d[0]
    assert tuple(x.shape) == (1, 28, 28) and x.dtype == ember.float32 and y == 107
    raw = d.data[0].numpy().astype(np.float32) / 255
    np.testing.assert_allclose(x.numpy()[0], (raw - 0.1307) / 0.3081, rtol=1e-5, atol=1e-6)
    assert repr(mnist_train) == ("Dataset MNIST\n    Number of datapoints: 60000\n"
                                 f"    Root location: {ROOT}\n    Split: Train")
    lines = repr(d).splitlines()
    assert lines[3] == "    Split: Test"
    assert lines[4] == "    StandardTransform"
    assert lines[5] == "Transform: Compose("  # torchvision indents only the first line
    assert lines[6] == "               ToTensor()"
    assert lines[-1].startswith("Target transform: <function")


@need_mnist
def test_mnist_dataloader_batches():
    from ember.utils.data import DataLoader
    d = datasets.MNIST(ROOT, train=False, transform=transforms.ToTensor())
    x, y = next(iter(DataLoader(d, batch_size=8, shuffle=False)))
    assert tuple(x.shape) == (8, 1, 28, 28) and y.tolist() == [7, 2, 1, 0, 4, 1, 4, 9]


@need_fashion
def test_fashion_mnist():
    d = datasets.FashionMNIST(ROOT, train=True)
    assert len(d) == 60000 and tuple(d.data.shape) == (60000, 28, 28)
    assert d.targets[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(d.targets.numpy()).tolist() == [6000] * 10
    raw = _raw_idx(os.path.join(ROOT, "FashionMNIST", "raw", "train-images-idx3-ubyte.gz"), 16)
    np.testing.assert_array_equal(d.data[1].numpy().ravel(), raw[784:1568])
    t = datasets.FashionMNIST(ROOT, train=False)
    assert np.bincount(t.targets.numpy()).tolist() == [1000] * 10
    assert d.classes[9] == "Ankle boot" and d[0][1] == 9


@need_mnist
def test_download_true_with_files_present_touches_no_network(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("network used although the files are present")
    monkeypatch.setattr(dl_utils, "_urlopen", boom)
    monkeypatch.setattr(urllib.request, "urlopen", boom)
    assert len(datasets.MNIST(ROOT, train=False, download=True)) == 10000


def test_missing_dataset_message(tmp_path):
    for cls in (datasets.MNIST, datasets.KMNIST, datasets.FashionMNIST, datasets.CIFAR10,
                datasets.CIFAR100):
        with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True "
                                               "to download it"):
            cls(str(tmp_path))


# --- CIFAR-10 on the real data ------------------------------------------------------------
@pytest.fixture(scope="module")
def cifar_train():
    return datasets.CIFAR10(ROOT, train=True)


@need_cifar
def test_cifar10_train(cifar_train):
    d = cifar_train
    assert len(d) == 50000
    assert isinstance(d.data, np.ndarray) and d.data.shape == (50000, 32, 32, 3)
    assert d.data.dtype == np.uint8 and isinstance(d.targets, list)
    assert d.targets[:10] == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert np.bincount(d.targets).tolist() == [5000] * 10
    assert np.bincount(d.targets[:10000]).tolist() == [1005, 974, 1032, 1016, 999, 937, 1030,
                                                       1001, 1025, 981]
    assert d.classes == ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                         "horse", "ship", "truck"]
    assert d.class_to_idx["truck"] == 9
    # Independent read of the planar layout (trusted shared file): R plane, G plane, B plane.
    with open(os.path.join(ROOT, "cifar-10-batches-py", "data_batch_2"), "rb") as f:
        raw = pickle.load(f, encoding="bytes")[b"data"]
    row = raw[5]
    np.testing.assert_array_equal(d.data[10005][:, :, 0].ravel(), row[:1024])
    np.testing.assert_array_equal(d.data[10005][:, :, 2].ravel(), row[2048:])
    assert int(d.data[0].astype(np.int64).sum()) == 317790
    img, target = d[0]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32)
    assert target == 6
    np.testing.assert_array_equal(np.asarray(img), d.data[0])


@need_cifar
def test_cifar10_test_split_with_transform():
    d = datasets.CIFAR10(ROOT, train=False, transform=transforms.ToTensor(), download=True)
    assert len(d) == 10000 and d.targets[:10] == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]
    x, y = d[3]
    assert tuple(x.shape) == (3, 32, 32) and y == 0
    np.testing.assert_allclose(x.numpy(), d.data[3].transpose(2, 0, 1) / 255.0, atol=1e-6)
    assert "Split: Test" in repr(d)


# --- safety: the restricted unpickler -------------------------------------------------------
class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def _write_cifar_folder(root, base, n_train=(6, 4), n_test=5, classes=10, label_key="labels",
                        train_names=None, test_names=None, meta_name="batches.meta",
                        meta_key="label_names"):
    folder = os.path.join(root, base)
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    train_names = train_names or [f"data_batch_{i + 1}" for i in range(len(n_train))]
    for name, n in list(zip(train_names, n_train)) + [(test_names or "test_batch", n_test)]:
        entry = {"batch_label": name, label_key: [int(v) for v in rng.integers(0, classes, n)],
                 "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(entry, f, protocol=2)
    with open(os.path.join(folder, meta_name), "wb") as f:
        pickle.dump({meta_key: [f"c{i}" for i in range(classes)]}, f, protocol=2)
    return folder


def test_restricted_unpickler_refuses_code(tmp_path):
    from ember.vision.datasets.cifar import load_pickle
    bad = tmp_path / "evil"
    bad.write_bytes(pickle.dumps({"data": _Evil()}, protocol=2))
    with pytest.raises(RuntimeError, match="posix.system|os.system|not allowed"):
        load_pickle(str(bad))


def test_cifar_structure_checks(tmp_path):
    folder = _write_cifar_folder(str(tmp_path), "cifar-10-batches-py",
                                 n_train=(6, 4, 3, 2, 1))
    d = datasets.CIFAR10(str(tmp_path))
    assert len(d) == 16 and d.data.shape == (16, 32, 32, 3) and d.classes[3] == "c3"
    with open(os.path.join(folder, "data_batch_3"), "wb") as f:
        pickle.dump({"data": np.zeros((3, 100), np.uint8), "labels": [0, 1, 2]}, f, protocol=2)
    with pytest.raises(RuntimeError, match=r"data_batch_3.*\(N, 3072\)"):
        datasets.CIFAR10(str(tmp_path))


def test_cifar100_local(tmp_path):
    _write_cifar_folder(str(tmp_path), "cifar-100-python", n_train=(7,), n_test=3,
                        classes=100, label_key="fine_labels", train_names=["train"],
                        test_names="test", meta_name="meta", meta_key="fine_label_names")
    d = datasets.CIFAR100(str(tmp_path), train=True)
    assert len(d) == 7 and len(d.classes) == 100 and d[0][0].mode == "RGB"
    assert len(datasets.CIFAR100(str(tmp_path), train=False)) == 3


# --- download code path, against local file:// URLs --------------------------------------------
def _idx_bytes(arr, magic):
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return gzip.compress(header + arr.astype(np.uint8).tobytes())


def _md5(b):
    return hashlib.md5(b).hexdigest()


def _mnist_server(tmp_path, n=5):
    srv = tmp_path / "server"
    srv.mkdir()
    rng = np.random.default_rng(1)
    files = {}
    for prefix, count in (("train", n), ("t10k", 3)):
        imgs = rng.integers(0, 256, (count, 28, 28))
        labels = rng.integers(0, 10, count)
        files[f"{prefix}-images-idx3-ubyte.gz"] = _idx_bytes(imgs, 2051)
        files[f"{prefix}-labels-idx1-ubyte.gz"] = _idx_bytes(labels, 2049)
    for name, blob in files.items():
        (srv / name).write_bytes(blob)
    return srv, files


def test_mnist_download_from_mirrors(tmp_path):
    srv, files = _mnist_server(tmp_path)

    class TinyMNIST(datasets.MNIST):
        mirrors = [(tmp_path / "missing").as_uri() + "/", srv.as_uri() + "/"]
        resources = [(name, _md5(blob)) for name, blob in files.items()]

    root = tmp_path / "data"
    d = TinyMNIST(str(root), train=True, download=True)
    assert len(d) == 5 and tuple(d.data.shape) == (5, 28, 28)
    assert os.path.isfile(root / "TinyMNIST" / "raw" / "train-images-idx3-ubyte.gz")
    assert os.path.isfile(root / "TinyMNIST" / "raw" / "train-images-idx3-ubyte")
    with gzip.open(srv / "train-labels-idx1-ubyte.gz") as f:
        assert d.targets.tolist() == list(f.read()[8:])
    assert len(TinyMNIST(str(root), train=False)) == 3


def test_mnist_download_md5_mismatch(tmp_path):
    srv, files = _mnist_server(tmp_path)

    class BadMNIST(datasets.MNIST):
        mirrors = [srv.as_uri() + "/"]
        resources = [(name, "0" * 32) for name in files]

    with pytest.raises(RuntimeError, match="md5|corrupted"):
        BadMNIST(str(tmp_path / "data"), download=True)
    raw = tmp_path / "data" / "BadMNIST" / "raw"
    assert not any(p.name.endswith(".gz") for p in raw.iterdir())  # nothing half-written kept


def test_mnist_corrupted_file_is_reported(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    imgs = np.zeros((4, 28, 28), np.uint8)
    for prefix in ("train", "t10k"):
        (raw / f"{prefix}-images-idx3-ubyte.gz").write_bytes(_idx_bytes(imgs, 2051)[:-9] + b"x")
        (raw / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(_idx_bytes(np.zeros(4), 2049))
    with pytest.raises(RuntimeError, match="train-images-idx3-ubyte"):
        datasets.MNIST(str(tmp_path))


def test_cifar_download_and_extract(tmp_path):
    src = tmp_path / "build"
    _write_cifar_folder(str(src), "cifar-10-batches-py", n_train=(2, 2, 2, 2, 2), n_test=3)
    archive = tmp_path / "srv" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")

    class LocalCIFAR(datasets.CIFAR10):
        url = archive.as_uri()
        tgz_md5 = _md5(archive.read_bytes())

    d = LocalCIFAR(str(tmp_path / "data"), train=True, download=True)
    assert len(d) == 10 and d.classes[0] == "c0"
    assert len(LocalCIFAR(str(tmp_path / "data"), train=False, download=True)) == 3


def test_download_url_and_extract_helpers(tmp_path, monkeypatch):
    payload = b"hello ember" * 100
    blob = io.BytesIO()
    with tarfile.open(fileobj=blob, mode="w:gz") as tar:
        info = tarfile.TarInfo("sub/a.txt")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))

    class Resp(io.BytesIO):
        headers = {"Content-Length": str(len(blob.getvalue()))}

    calls = []

    def fake_open(url, timeout=60.0):
        calls.append(url)
        return Resp(blob.getvalue())
    monkeypatch.setattr(dl_utils, "_urlopen", fake_open)
    md5 = _md5(blob.getvalue())
    dl_utils.download_and_extract_archive("https://example.invalid/x.tar.gz", str(tmp_path),
                                          md5=md5)
    assert (tmp_path / "sub" / "a.txt").read_bytes() == payload
    assert dl_utils.check_integrity(str(tmp_path / "x.tar.gz"), md5)
    dl_utils.download_url("https://example.invalid/x.tar.gz", str(tmp_path), md5=md5)
    assert len(calls) == 1  # verified file present: not fetched again
    # An archive escaping its folder is refused.
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(Exception):
        dl_utils.extract_archive(str(evil), str(tmp_path / "out"))
    assert not (tmp_path / "escape.txt").exists()


# --- ImageFolder / DatasetFolder -----------------------------------------------------------
@pytest.fixture
def image_tree(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {}
    for cls, n in (("dog", 2), ("cat", 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            a = rng.integers(0, 256, (4 + i, 5, 3), dtype=np.uint8)
            path = tmp_path / cls / f"img{i}.png"
            Image.fromarray(a).save(path)
            arrays[str(path)] = a
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "cat" / "nested").mkdir()
    Image.fromarray(np.zeros((2, 2), np.uint8)).save(tmp_path / "cat" / "nested" / "g.PNG")
    return tmp_path, arrays


def test_image_folder(image_tree):
    root, arrays = image_tree
    d = datasets.ImageFolder(str(root))
    assert d.classes == ["cat", "dog"] and d.class_to_idx == {"cat": 0, "dog": 1}
    names = [os.path.relpath(p, root) for p, _ in d.samples]
    assert names == ["cat/img0.png", "cat/img1.png", "cat/img2.png", "cat/nested/g.PNG",
                     "dog/img0.png", "dog/img1.png"]
    assert d.targets == [0, 0, 0, 0, 1, 1] and d.imgs == d.samples and len(d) == 6
    img, target = d[4]
    assert img.mode == "RGB" and target == 1
    np.testing.assert_array_equal(np.asarray(img), arrays[d.samples[4][0]])
    gray, _ = d[3]
    assert gray.mode == "RGB" and np.asarray(gray).shape == (2, 2, 3)
    d2 = datasets.ImageFolder(str(root), transform=transforms.ToTensor(),
                              is_valid_file=lambda p: p.endswith("img0.png"))
    assert len(d2) == 2 and tuple(d2[0][0].shape) == (3, 4, 5)
    assert "Number of datapoints: 2" in repr(d2)


def test_dataset_folder_errors_and_custom_loader(image_tree, tmp_path_factory):
    root, _ = image_tree
    d = datasets.DatasetFolder(str(root), loader=lambda p: os.path.getsize(p),
                               extensions=(".txt",), allow_empty=True)
    assert len(d) == 1 and d[0][1] == 0 and d[0][0] > 0
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes dog"):
        datasets.DatasetFolder(str(root), loader=open, extensions=(".txt",))
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(str(root), loader=open, extensions=(".txt",),
                               is_valid_file=lambda p: True)
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(str(empty))


# --- FakeData -------------------------------------------------------------------------------
def test_fake_data_deterministic():
    ember.manual_seed(3)
    before = ember.rand(3).tolist()
    ember.manual_seed(3)
    d = datasets.FakeData(size=10, image_size=(3, 8, 6), num_classes=4)
    a, ya = d[7]
    b, yb = d[7]
    assert ember.rand(3).tolist() == before  # the global generator is untouched
    assert a.mode == "RGB" and a.size == (6, 8) and 0 <= ya < 4 and ya == yb
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(d[6][0]), np.asarray(a))
    shifted = datasets.FakeData(size=10, image_size=(3, 8, 6), num_classes=4, random_offset=1)
    np.testing.assert_array_equal(np.asarray(shifted[6][0]), np.asarray(a))
    assert len(d) == 10 and repr(d).splitlines() == ["Dataset FakeData",
                                                      "    Number of datapoints: 10"]
    gray = datasets.FakeData(size=2, image_size=(1, 5, 5), transform=transforms.ToTensor())
    assert tuple(gray[0][0].shape) == (1, 5, 5)
    with pytest.raises(IndexError, match="FakeData index out of range"):
        d[10]


def test_mnist_torchvision_processed_layout(tmp_path):
    processed = tmp_path / "MNIST" / "processed"
    processed.mkdir(parents=True)
    data = ember.tensor(np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256, dtype=ember.uint8)
    ember.save((data, ember.tensor([3, 4])), str(processed / "training.pt"))
    ember.save((data[:1], ember.tensor([5])), str(processed / "test.pt"))
    d = datasets.MNIST(str(tmp_path), train=True)
    assert len(d) == 2 and d[1][1] == 4 and np.array_equal(np.asarray(d[0][0]),
                                                           data[0].numpy())
    assert len(datasets.MNIST(str(tmp_path), train=False)) == 1
