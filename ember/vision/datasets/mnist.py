"""MNIST, FashionMNIST and KMNIST: gzip-compressed IDX files under ``root/<ClassName>/raw``."""
from __future__ import annotations

import gzip
import os
import urllib.error
from typing import Any, Callable, Optional, Tuple

import numpy as np

from . import utils as _dl
from .vision import NOT_FOUND, VisionDataset

# IDX element types (third byte of the magic number) → big-endian NumPy dtypes.
_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # gzip magic: the upstream .gz files, decompressed in memory
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise RuntimeError(f"{path}: corrupted gzip file ({e})") from None
    return raw


def read_idx(path: str) -> np.ndarray:
    """Decode an IDX file (optionally gzip-compressed) into a NumPy array (native byte order).

    Raises:
        RuntimeError: the header is malformed or the payload size does not match it.
    """
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path}: not an IDX file (bad magic number {raw[:4]!r})")
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"{path}: truncated IDX header")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise RuntimeError(f"{path}: IDX payload has {len(raw) - header} bytes, the header "
                           f"{shape} needs {expected}")
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=False) if dtype.itemsize > 1 else arr


def _idx_magic(path: str) -> Optional[int]:
    """The magic number of an IDX file (reads only the header), None if unreadable."""
    try:
        with open(path, "rb") as f:
            start = f.read(2)
        opener = gzip.open if start == b"\x1f\x8b" else open
        with opener(path, "rb") as f:
            head = f.read(4)
    except (OSError, EOFError):
        return None
    return int.from_bytes(head, "big") if len(head) == 4 else None


class MNIST(VisionDataset):
    """The MNIST handwritten digits (``root/MNIST/raw/*-idx?-ubyte[.gz]``).

    Args:
        root: folder holding ``MNIST/raw`` (or torchvision's ``MNIST/processed/*.pt``).
        train: the 60,000 training images, else the 10,000 test images.
        transform: applied to each PIL image (mode ``'L'``).
        target_transform: applied to each integer label.
        download: fetch and verify the upstream files when they are not present.

    ``dataset[i]`` is ``(PIL.Image, int)``; ``.data`` is a uint8 tensor (N, 28, 28) and
    ``.targets`` an int64 tensor (N,).
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(NOT_FOUND)
        self.data, self.targets = self._load_data()

    # -- layout ----------------------------------------------------------------------------
    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    def _raw_path(self, name: str) -> Optional[str]:
        """The file for ``name`` (``.gz`` stripped or not), whichever exists."""
        base = os.path.join(self.raw_folder, name)
        stem = base[:-3] if base.endswith(".gz") else base
        for p in (stem, stem + ".gz"):
            if os.path.isfile(p):
                return p
        return None

    def _split_files(self):
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _check_exists(self) -> bool:
        """Whether both files of every split exist with IDX image/label magic numbers."""
        for name, _ in self.resources:
            path = self._raw_path(name)
            want = 2051 if "images" in name else 2049
            if path is None or _idx_magic(path) != want:
                return False
        return True

    def _check_legacy_exist(self) -> bool:
        if os.path.isdir(self.raw_folder) and self._check_exists():
            return False
        return all(os.path.isfile(os.path.join(self.processed_folder, f))
                   for f in (self.training_file, self.test_file))

    # -- loading ---------------------------------------------------------------------------
    def _load_data(self):
        from ... import _tensor
        img_name, lbl_name = self._split_files()
        img_path, lbl_path = self._raw_path(img_name), self._raw_path(lbl_name)
        images, labels = read_idx(img_path), read_idx(lbl_path)
        if images.ndim != 3 or images.dtype != np.uint8 or images.shape[1:] != (28, 28):
            raise RuntimeError(f"{img_path}: expected uint8 images of shape (N, 28, 28), got "
                               f"{images.dtype} {images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise RuntimeError(f"{lbl_path}: expected {len(images)} labels, got shape "
                               f"{labels.shape}")
        if labels.size and int(labels.max()) >= len(self.classes):
            raise RuntimeError(f"{lbl_path}: label {int(labels.max())} out of range for "
                               f"{len(self.classes)} classes")
        return _tensor._wrap(images), _tensor._wrap(labels.astype(np.int64))

    def _load_legacy_data(self):
        from ...serialization import load
        name = self.training_file if self.train else self.test_file
        data, targets = load(os.path.join(self.processed_folder, name))
        return data, targets

    def download(self) -> None:
        """Download the four upstream files (trying each mirror) unless already present."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    _dl.download_and_extract_archive(url, download_root=self.raw_folder,
                                                     filename=filename, md5=md5)
                except (urllib.error.URLError, OSError) as error:
                    errors.append(f"{url}: {error}")
                    print(f"Failed to download (trying next):\n{error}")
                    continue
                break
            else:
                raise RuntimeError(f"Error downloading {filename}:\n" + "\n".join(errors))

    # -- access ----------------------------------------------------------------------------
    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        from PIL import Image
        img = Image.fromarray(self.data._data[index])  # uint8 (28, 28) → mode 'L'
        target = int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"

    # torchvision's deprecated aliases
    @property
    def train_labels(self):
        return self.targets

    @property
    def test_labels(self):
        return self.targets

    @property
    def train_data(self):
        return self.data

    @property
    def test_data(self):
        return self.data


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): ``root/FashionMNIST/raw``; same format and API as MNIST."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: ``root/KMNIST/raw``; same format and API as MNIST."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
