"""CIFAR-10: download, parse and preprocess into fixed-size arrays (production path).

The original pipeline's "download data" and "preprocess" steps. The download needs the
internet and is not executed in this repository's tests; the parsing and preprocessing
are, on a small archive with CIFAR-10's exact layout that the tests build themselves.
No TensorFlow is needed here.
"""

from __future__ import annotations

import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np

from .data import Dataset

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)


def download_cifar10(directory: str | Path, url: str = CIFAR10_URL, timeout: float = 600.0) -> Path:
    """Fetch the python archive into `directory` unless it is already there."""
    archive = Path(directory) / CIFAR10_ARCHIVE
    if archive.exists():
        return archive
    archive.parent.mkdir(parents=True, exist_ok=True)
    tmp = archive.with_name(archive.name + ".part")
    with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
        while chunk := response.read(1 << 20):
            out.write(chunk)
    tmp.replace(archive)
    return archive


def load_cifar10(directory: str | Path, download: bool = True) -> Dataset:
    """Raw CIFAR-10 as uint8 images (n, 32, 32, 3) and int64 labels.

    Args:
        directory: where the archive is (or is downloaded to).
        download: fetch the archive when it is missing. Default: True.
    """
    archive = Path(directory) / CIFAR10_ARCHIVE
    if not archive.exists():
        if not download:
            raise FileNotFoundError(
                f"data_path: {archive} does not exist (download CIFAR-10 first or allow download)"
            )
        download_cifar10(directory)
    with tarfile.open(archive, "r:gz") as tar:
        batches = {}
        for member in tar.getmembers():
            name = Path(member.name).name
            if member.isfile() and (name in TRAIN_BATCHES or name == TEST_BATCH):
                fileobj = tar.extractfile(member)
                assert fileobj is not None
                batches[name] = pickle.load(fileobj, encoding="bytes")
    missing = [b for b in (*TRAIN_BATCHES, TEST_BATCH) if b not in batches]
    if missing:
        raise ValueError(f"{archive}: batches {', '.join(missing)} are missing (re-download the archive)")
    x_train, y_train = _stack([batches[b] for b in TRAIN_BATCHES])
    x_test, y_test = _stack([batches[TEST_BATCH]])
    return Dataset(x_train, y_train, x_test, y_test)


def _stack(batches: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    # Each batch: b"data" is (n, 3072) uint8, channel-major (1024 red, green, blue).
    data = np.concatenate([np.asarray(b[b"data"], dtype=np.uint8) for b in batches])
    labels = np.concatenate([np.asarray(b[b"labels"], dtype=np.int64) for b in batches])
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def preprocess_cifar10(raw: Dataset, image_size: int = 32) -> Dataset:
    """Fixed-size float32 images in [0, 255] (what Keras' EfficientNet expects).

    Args:
        image_size: output height and width, resized bilinearly. Default: 32 (native).
    """
    return Dataset(
        resize_images(raw.x_train, image_size),
        raw.y_train.astype(np.int64),
        resize_images(raw.x_test, image_size),
        raw.y_test.astype(np.int64),
    )


def resize_images(images: np.ndarray, size: int, chunk: int = 1024) -> np.ndarray:
    """Bilinear resize of (n, h, w, c) images to (n, size, size, c) float32 (half-pixel
    centres, like `tf.image.resize`), processed in chunks to bound memory."""
    images = np.asarray(images)
    n, h, w, c = images.shape
    out = np.empty((n, size, size, c), dtype=np.float32)
    ys0, ys1, wy = _axis_weights(h, size)
    xs0, xs1, wx = _axis_weights(w, size)
    for start in range(0, n, chunk):
        block = images[start : start + chunk].astype(np.float32)
        top = block[:, ys0] * (1 - wy)[None, :, None, None] + block[:, ys1] * wy[None, :, None, None]
        out[start : start + chunk] = (
            top[:, :, xs0] * (1 - wx)[None, None, :, None] + top[:, :, xs1] * wx[None, None, :, None]
        )
    return out


def _axis_weights(src: int, dst: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pos = (np.arange(dst, dtype=np.float64) + 0.5) * src / dst - 0.5
    pos = np.clip(pos, 0, src - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, src - 1)
    return lo, hi, (pos - lo).astype(np.float32)
