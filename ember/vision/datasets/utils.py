"""Download, checksum and archive helpers for the datasets (torchvision's ``datasets.utils``).

Downloading is plain ``urllib``: the file is streamed to a temporary name beside its destination
and renamed only once complete and verified, so an interrupted download never leaves a file that
looks finished.
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
from typing import Optional

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive", "USER_AGENT"]

USER_AGENT = "ember/vision"
_CHUNK = 1024 * 1024


def calculate_md5(fpath: str, chunk_size: int = _CHUNK) -> str:
    """The hex MD5 digest of a file, read in chunks (large archives stay out of memory)."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str, md5: Optional[str] = None) -> bool:
    """Whether ``fpath`` is a file and, when ``md5`` is given, has that checksum."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _urlopen(url: str, timeout: float = 60.0):
    # A module-level indirection so tests can substitute the opener without any network.
    import urllib.request  # lazily: it costs ~40 ms at ``import ember``
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    return urllib.request.urlopen(req, timeout=timeout)


def _progress(total: Optional[int], desc: str):
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional: download silently without it
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False)


def download_url(url: str, root: str, filename: Optional[str] = None, md5: Optional[str] = None,
                 max_redirect_hops: int = 3) -> None:
    """Download ``url`` into ``root/filename`` unless a file with checksum ``md5`` is there.

    Raises:
        urllib.error.URLError: the server could not be reached.
        RuntimeError: the downloaded file does not have checksum ``md5``.
    """
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(urllib.parse.urlparse(url).path)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        print(f"Using downloaded and verified file: {fpath}")
        return
    print(f"Downloading {url} to {fpath}")
    fd, tmp = tempfile.mkstemp(prefix=filename + ".", suffix=".part", dir=root)
    try:
        with os.fdopen(fd, "wb") as out, _urlopen(url) as resp:
            length = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
            bar = _progress(int(length) if length else None, filename)
            try:
                for chunk in iter(lambda: resp.read(_CHUNK), b""):
                    out.write(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
        if md5 is not None and not check_md5(tmp, md5):
            raise RuntimeError(f"File not found or corrupted: {url} does not have md5 {md5}.")
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _safe_tar_extract(tar, to_path: str) -> None:
    import tarfile
    # The 'data' filter rejects absolute paths, '..' escapes, devices and links leaving the tree.
    if hasattr(tarfile, "data_filter"):
        tar.extractall(to_path, filter="data")
        return
    root = os.path.realpath(to_path)
    for m in tar.getmembers():
        dest = os.path.realpath(os.path.join(to_path, m.name))
        if not (dest == root or dest.startswith(root + os.sep)) or m.issym() or m.islnk():
            raise RuntimeError(f"refusing to extract unsafe archive member {m.name!r}")
    tar.extractall(to_path)  # noqa: S202 - members checked above


_COMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def extract_archive(from_path: str, to_path: Optional[str] = None,
                    remove_finished: bool = False) -> str:
    """Extract a .tar(.gz/.bz2/.xz), .tgz, .zip, or decompress a single .gz/.bz2/.xz file.

    Returns:
        the folder extracted into (archives) or the decompressed file's path.
    """
    import tarfile
    import zipfile
    from_path = os.fspath(from_path)
    to_path = os.path.dirname(from_path) if to_path is None else os.fspath(to_path)
    lower = from_path.lower()
    if lower.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz")):
        with tarfile.open(from_path, "r:*") as tar:
            _safe_tar_extract(tar, to_path)
        result = to_path
    elif lower.endswith(".zip"):
        with zipfile.ZipFile(from_path) as z:
            root = os.path.realpath(to_path)
            for name in z.namelist():
                dest = os.path.realpath(os.path.join(to_path, name))
                if not (dest == root or dest.startswith(root + os.sep)):
                    raise RuntimeError(f"refusing to extract unsafe archive member {name!r}")
            z.extractall(to_path)
        result = to_path
    else:
        ext = os.path.splitext(lower)[1]
        if ext not in _COMPRESSORS:
            raise RuntimeError(f"Unsupported archive type for {from_path!r}: expected .tar, "
                               ".tar.gz, .tgz, .zip, .gz, .bz2 or .xz")
        result = os.path.join(to_path, os.path.basename(from_path)[: -len(ext)])
        tmp = result + ".part"
        with _COMPRESSORS[ext](from_path, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
        os.replace(tmp, result)
    if remove_finished:
        os.remove(from_path)
    return result


def download_and_extract_archive(url: str, download_root: str,
                                 extract_root: Optional[str] = None,
                                 filename: Optional[str] = None, md5: Optional[str] = None,
                                 remove_finished: bool = False) -> None:
    """``download_url`` then ``extract_archive`` into ``extract_root`` (default: same folder)."""
    download_root = os.path.expanduser(os.fspath(download_root))
    extract_root = download_root if extract_root is None else extract_root
    filename = filename or os.path.basename(urllib.parse.urlparse(url).path)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    print(f"Extracting {archive} to {extract_root}")
    extract_archive(archive, extract_root, remove_finished)


URLError = urllib.error.URLError
