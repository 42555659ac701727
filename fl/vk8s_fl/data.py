"""Data sets as fixed-size numpy arrays, and each client's own (non-identical) share.

`Dataset` is what every step exchanges: train/test arrays. It is stored on the shared
volume as one `.npz` file (`save_dataset` / `load_dataset`), the "preprocess into
fixed-size numpy arrays" step of the pipeline. The digits set ships inside scikit-learn,
so it needs no download; CIFAR-10 lives in `cifar10.py`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATASETS = ("digits", "cifar10", "npz")


@dataclass(frozen=True)
class Dataset:
    """Features `x_*` (float32, fixed shape per instance) and integer labels `y_*`."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def num_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def load_digits_dataset(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """scikit-learn's bundled 8x8 digits (1797 images, 10 classes), scaled to [0, 1].

    Args:
        test_fraction: share held out for evaluation, stratified. Default: 0.25.
        seed: seed of the split. Default: 0; every process that uses the same seed
            gets the same held-out set.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return Dataset(x_train, y_train, x_test, y_test)


def partition_indices(
    y: np.ndarray, num_partitions: int, partition_id: int, home_share: float = 0.8, seed: int = 0
) -> np.ndarray:
    """Indices of partition `partition_id` of `num_partitions`: label-skewed and unequal.

    Class `c` has partition `c % num_partitions` as its home: a sample stays at home with
    probability `home_share` and goes to one of the other partitions otherwise. With 10
    classes and 3 partitions, partition 0 is home to 4 classes and the others to 3, so
    partitions differ in size and in label mix (non-identical data, as real clients have).
    The same (y, num_partitions, seed) always gives the same disjoint cover of `y`.

    Args:
        home_share: probability that a sample stays in its home partition. Default: 0.8.
        seed: seed of the assignment. Default: 0.
    """
    if num_partitions < 1:
        raise ValueError(f"num_partitions: {num_partitions} is below 1 (use 1 or more)")
    if not 0 <= partition_id < num_partitions:
        raise ValueError(
            f"partition_id: {partition_id} is outside 0..{num_partitions - 1} "
            "(give each client a distinct id below num_partitions)"
        )
    rng = np.random.default_rng(seed)
    home = np.asarray(y) % num_partitions
    stay = rng.random(len(y)) < home_share
    if num_partitions > 1:
        shift = rng.integers(1, num_partitions, size=len(y))
        owner = np.where(stay, home, (home + shift) % num_partitions)
    else:
        owner = np.zeros(len(y), dtype=np.int64)
    return np.flatnonzero(owner == partition_id)


def client_dataset(data: Dataset, num_partitions: int, partition_id: int, seed: int = 0) -> Dataset:
    """The client's own training share; every client keeps the full held-out test set."""
    idx = partition_indices(data.y_train, num_partitions, partition_id, seed=seed)
    return Dataset(data.x_train[idx], data.y_train[idx], data.x_test, data.y_test)


def save_dataset(data: Dataset, path: str | Path) -> None:
    """Write the four arrays to one `.npz` file (atomically: temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)


def load_dataset(path: str | Path) -> Dataset:
    with np.load(Path(path), allow_pickle=False) as f:
        return Dataset(f["x_train"], f["y_train"], f["x_test"], f["y_test"])


def load_named_dataset(name: str, data_path: str | None = None, seed: int = 0) -> Dataset:
    """`digits` (bundled), `cifar10` (downloaded into `data_path`, preprocessed) or
    `npz` (arrays already preprocessed into the file `data_path`)."""
    if name == "digits":
        return load_digits_dataset(seed=seed)
    if name == "cifar10":
        from .cifar10 import load_cifar10, preprocess_cifar10

        if not data_path:
            raise ValueError("data_path: missing for dataset cifar10 (set the download directory)")
        return preprocess_cifar10(load_cifar10(data_path))
    if name == "npz":
        if not data_path:
            raise ValueError("data_path: missing for dataset npz (set the .npz file written by preprocessing)")
        return load_dataset(data_path)
    raise ValueError(f'dataset: "{name}" is not known (use one of {", ".join(DATASETS)})')
