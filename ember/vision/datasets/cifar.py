"""CIFAR-10 and CIFAR-100: the python-pickle batches of ``cifar-10-batches-py`` and
``cifar-100-python``, read with a restricted unpickler that can only rebuild NumPy arrays."""
from __future__ import annotations

import os
import pickle
import urllib.error
from typing import Any, Callable, Optional, Tuple

import numpy as np

from . import utils as _dl
from .vision import NOT_FOUND, VisionDataset


def _np_reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def _np_scalar():
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core.multiarray import scalar
    return scalar


def _latin1_encode(text, encoding="latin1"):
    """What Python 3 protocol-2 pickles use to store ``bytes`` (only latin1 is accepted)."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with {encoding!r} is not allowed")
    return text.encode("latin1")


# The only globals a CIFAR batch references: NumPy's array/dtype reconstruction (and the
# bytes constructor of Python 3 protocol-2 pickles).
_ALLOWED = {
    ("_codecs", "encode"): lambda: _latin1_encode,
    ("numpy.core.multiarray", "_reconstruct"): _np_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _np_reconstruct,
    ("numpy.core.multiarray", "scalar"): _np_scalar,
    ("numpy._core.multiarray", "scalar"): _np_scalar,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles plain containers and NumPy arrays; any other global raises (no code runs)."""

    def find_class(self, module: str, name: str):
        factory = _ALLOWED.get((module, name))
        if factory is None:
            raise pickle.UnpicklingError(f"global '{module}.{name}' is not allowed in a "
                                         "dataset file (only NumPy arrays are)")
        return factory()


def load_pickle(path: str) -> Any:
    """Load a CIFAR-style pickle safely (str keys, via latin1 like torchvision).

    Raises:
        RuntimeError: the file is not a loadable pickle of containers and arrays.
    """
    try:
        with open(path, "rb") as f:
            return _ArrayOnlyUnpickler(f, encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError) as e:
        raise RuntimeError(f"{path}: not a valid CIFAR batch file ({e})") from None


class CIFAR10(VisionDataset):
    """CIFAR-10 (``root/cifar-10-batches-py``): 50,000 training / 10,000 test 32x32 images.

    Args:
        root: folder holding ``cifar-10-batches-py``.
        train: the five training batches, else ``test_batch``.
        transform: applied to each PIL image (mode ``'RGB'``).
        target_transform: applied to each integer label.
        download: fetch, verify (md5) and extract the upstream archive when absent.

    ``.data`` is a NumPy uint8 array (N, 32, 32, 3); ``.targets`` a list of ints. Files present
    locally are checked for structure (shapes, counts, label range), not upstream md5s.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    _label_key = "labels"
    _num_classes = 10

    def __init__(self, root, train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(NOT_FOUND)
        data, targets = [], []
        for name, _ in (self.train_list if train else self.test_list):
            d, t = self._load_batch(os.path.join(self.root, self.base_folder, name))
            data.append(d)
            targets.extend(t)
        # A (N, 32, 32, 3) view of the planar batches, as torchvision keeps it (a contiguous
        # copy would cost ~0.5 s for 150 MB; PIL copies each image anyway).
        self.data = np.concatenate(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self.targets = targets
        self._load_meta()

    def _load_batch(self, path: str):
        entry = load_pickle(path)
        if not isinstance(entry, dict) or "data" not in entry:
            raise RuntimeError(f"{path}: expected a dict with a 'data' entry")
        data = entry["data"]
        labels = entry.get(self._label_key, entry.get("labels", entry.get("fine_labels")))
        if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
                or data.shape[1] != 3072:
            raise RuntimeError(f"{path}: expected uint8 data of shape (N, 3072), got "
                               f"{getattr(data, 'dtype', type(data))} "
                               f"{getattr(data, 'shape', '')}")
        if labels is None or len(labels) != len(data):
            raise RuntimeError(f"{path}: expected {len(data)} labels, got "
                               f"{None if labels is None else len(labels)}")
        labels = [int(x) for x in labels]
        if labels and not (0 <= min(labels) and max(labels) < self._num_classes):
            raise RuntimeError(f"{path}: labels outside 0..{self._num_classes - 1}")
        return data, labels

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        meta = load_pickle(path)
        names = meta.get(self.meta["key"]) if isinstance(meta, dict) else None
        if not isinstance(names, list) or len(names) != self._num_classes:
            raise RuntimeError(f"{path}: expected {self._num_classes} class names under "
                               f"{self.meta['key']!r}")
        self.classes = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _check_integrity(self) -> bool:
        """Whether every batch and the meta file exist and start like a pickle (protocol 2+).

        The full structural check (shapes, counts, labels) happens while loading; upstream
        md5s are not required, so faithful local rebuilds load."""
        folder = os.path.join(self.root, self.base_folder)
        for name in [n for n, _ in self.train_list + self.test_list] + [self.meta["filename"]]:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    if f.read(1) != b"\x80":
                        return False
            except OSError:
                return False
        return True

    def download(self) -> None:
        """Download and extract the upstream archive (md5-verified) unless files are present."""
        if self._check_integrity():
            print("Files already downloaded and verified")
            return
        try:
            _dl.download_and_extract_archive(self.url, self.root, filename=self.filename,
                                             md5=self.tgz_md5)
        except urllib.error.URLError as e:
            raise RuntimeError(f"Error downloading {self.url}: {e}") from None

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        from PIL import Image
        img = Image.fromarray(self.data[index])  # uint8 (32, 32, 3) → mode 'RGB'
        target = self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (``root/cifar-100-python``): same API as CIFAR10 with 100 fine labels."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424638fde48"}
    _label_key = "fine_labels"
    _num_classes = 100
