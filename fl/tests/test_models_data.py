"""The numpy model, the one model interface, data partitions and the CIFAR-10 path
(parsing and preprocessing only: the archive here is built by the test)."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from conftest import child_env
from vk8s_fl.cifar10 import load_cifar10, preprocess_cifar10, resize_images
from vk8s_fl.data import Dataset, client_dataset, load_dataset, load_digits_dataset, partition_indices, save_dataset
from vk8s_fl.keras_model import KerasModel
from vk8s_fl.model import Model, ModelSpec, build_model
from vk8s_fl.numpy_mlp import NumpyMLP


def test_backprop_matches_finite_differences():
    rng = np.random.default_rng(3)
    model = NumpyMLP(input_dim=3, num_classes=3, hidden=[4], seed=5)
    x, y = rng.normal(size=(6, 3)), np.array([0, 1, 2, 2, 1, 0])
    before = model.get_weights()
    model._sgd_step(x, y, learning_rate=1.0)  # w_after = w - grad
    analytic = [b - a for b, a in zip(before, model.get_weights())]
    eps = 1e-6
    for i, w in enumerate(before):
        for idx in np.ndindex(w.shape):
            plus, minus = [v.copy() for v in before], [v.copy() for v in before]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            model.set_weights(plus)
            lp = model.evaluate(x, y)[0]
            model.set_weights(minus)
            lm = model.evaluate(x, y)[0]
            assert abs((lp - lm) / (2 * eps) - analytic[i][idx]) < 1e-6, (i, idx)


def test_mlp_learns_digits_and_answers_probabilities():
    data = load_digits_dataset()
    model = NumpyMLP(input_dim=64, num_classes=10, hidden=[32], seed=0)
    _, accuracy_before = model.evaluate(data.x_test, data.y_test)
    model.fit(data.x_train, data.y_train, epochs=5, batch_size=32, learning_rate=0.1, seed=0)
    _, accuracy_after = model.evaluate(data.x_test, data.y_test)
    assert accuracy_before < 0.3 < 0.9 < accuracy_after
    proba = model.predict_proba(data.x_test[:7])
    assert proba.shape == (7, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)


def test_same_spec_builds_the_same_model_and_satisfies_the_interface():
    spec = ModelSpec("mlp", {"input_dim": 4, "num_classes": 3, "hidden": [], "seed": 2})
    a, b = build_model(spec), build_model(spec)
    assert isinstance(a, Model)
    assert a.spec == spec and a.input_shape == (4,) and a.num_classes == 3
    assert [w.shape for w in a.get_weights()] == [(4, 3), (3,)]  # softmax regression
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize(
    "weights, message",
    [
        ([np.zeros((4, 3))], "weights: got 1 arrays, the model has 2 (load weights saved from the same model spec)"),
        ([np.zeros((3, 3)), np.zeros(3)],
         "weights[0]: shape (3, 3) does not match (4, 3) (load weights saved from the same model spec)"),
    ],
)
def test_set_weights_rejects_another_architecture(weights, message):
    model = NumpyMLP(input_dim=4, num_classes=3, hidden=[])
    with pytest.raises(ValueError) as err:
        model.set_weights(weights)
    assert str(err.value) == message


def test_unknown_model_kind():
    with pytest.raises(ValueError) as err:
        build_model(ModelSpec("resnet", {}))
    assert str(err.value) == 'model.kind: "resnet" is not a known model kind (use one of mlp, efficientnet-b0)'


class StubKeras:
    """Just enough of a tf.keras.Model for the adapter (no TensorFlow here)."""

    input_shape = (None, 2, 2, 3)
    output_shape = (None, 4)

    def __init__(self):
        self.weights = [np.ones((12, 4), dtype=np.float32)]

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights

    def predict(self, x, verbose=0):
        logits = x.reshape(len(x), -1) @ self.weights[0]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def test_keras_adapter_exposes_the_model_interface():
    model = KerasModel(StubKeras(), ModelSpec("efficientnet-b0", {}))
    assert isinstance(model, Model)
    assert model.input_shape == (2, 2, 3) and model.num_classes == 4
    model.set_weights([np.eye(12, 4, dtype=np.float32)])
    x = np.zeros((2, 2, 2, 3), dtype=np.float32)
    x[0, 0, 0, 1] = 5.0  # feature 1 -> class 1
    loss, accuracy = model.evaluate(x, np.array([1, 0]))
    assert accuracy == 1.0 and loss > 0


def test_package_never_imports_tensorflow():
    code = ("import sys, vk8s_fl.server, vk8s_fl.client, vk8s_fl.serve, vk8s_fl.loader, "
            "vk8s_fl.keras_model, vk8s_fl.cifar10; print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_partitions_are_disjoint_unequal_and_label_skewed():
    y = load_digits_dataset().y_train
    parts = [partition_indices(y, 3, i) for i in range(3)]
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(len(y)))  # a disjoint cover
    assert len({len(p) for p in parts}) == 3  # three different sizes
    home_classes = {0: {0, 3, 6, 9}, 1: {1, 4, 7}, 2: {2, 5, 8}}
    for i, p in enumerate(parts):
        home_share = np.isin(y[p], list(home_classes[i])).mean()
        assert 0.7 < home_share < 0.95, (i, home_share)
    np.testing.assert_array_equal(partition_indices(y, 3, 1), parts[1])  # deterministic
    assert len(partition_indices(y, 1, 0)) == len(y)


@pytest.mark.parametrize(
    "num_partitions, partition_id, message",
    [
        (0, 0, "num_partitions: 0 is below 1 (use 1 or more)"),
        (3, 3, "partition_id: 3 is outside 0..2 (give each client a distinct id below num_partitions)"),
    ],
)
def test_partition_arguments_are_checked(num_partitions, partition_id, message):
    with pytest.raises(ValueError) as err:
        partition_indices(np.arange(10), num_partitions, partition_id)
    assert str(err.value) == message


def test_client_keeps_the_full_held_out_set_and_arrays_round_trip(tmp_path):
    data = load_digits_dataset()
    mine = client_dataset(data, 3, 2)
    assert len(mine.x_train) < len(data.x_train)
    np.testing.assert_array_equal(mine.x_test, data.x_test)
    save_dataset(mine, tmp_path / "arrays" / "client.npz")
    back = load_dataset(tmp_path / "arrays" / "client.npz")
    for name in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(back, name), getattr(mine, name))
    assert back.input_shape == (64,) and back.num_classes == 10


def _cifar_batch(labels: list[int], start: int) -> bytes:
    n = len(labels)
    data = np.zeros((n, 3072), dtype=np.uint8)
    for i in range(n):
        data[i, :1024] = start + i  # red plane
        data[i, 1024:2048] = 100 + i  # green plane
        data[i, 2048] = 200  # blue, first pixel only
    return pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"x"})


def _cifar_archive(directory, batches: dict[str, bytes]) -> None:
    with tarfile.open(directory / "cifar-10-python.tar.gz", "w:gz") as tar:
        for name, payload in batches.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


def test_cifar10_archive_is_parsed_into_images_and_labels(tmp_path):
    batches = {f"data_batch_{i}": _cifar_batch([i, (i + 1) % 10], start=10 * i) for i in range(1, 6)}
    batches["test_batch"] = _cifar_batch([7, 8, 9], start=0)
    _cifar_archive(tmp_path, batches)
    raw = load_cifar10(tmp_path, download=False)
    assert raw.x_train.shape == (10, 32, 32, 3) and raw.x_train.dtype == np.uint8
    assert raw.x_test.shape == (3, 32, 32, 3)
    assert raw.y_train.tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert raw.y_test.tolist() == [7, 8, 9]
    assert raw.x_train[2, 0, 0].tolist() == [20, 100, 200]  # batch 2, image 0: channel-last
    assert raw.x_train[2, 5, 5].tolist() == [20, 100, 0]
    fixed = preprocess_cifar10(raw, image_size=48)
    assert fixed.x_train.shape == (10, 48, 48, 3) and fixed.x_train.dtype == np.float32
    np.testing.assert_allclose(fixed.x_train[:, :, :, 0], raw.x_train[:, :1, :1, 0].astype(np.float32)
                               * np.ones((1, 48, 48)))  # constant planes stay constant


def test_cifar10_missing_pieces_are_reported(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_cifar10(tmp_path, download=False)
    assert str(err.value) == (
        f"data_path: {tmp_path}/cifar-10-python.tar.gz does not exist (download CIFAR-10 first or allow download)"
    )
    _cifar_archive(tmp_path, {"data_batch_1": _cifar_batch([0], 0), "test_batch": _cifar_batch([0], 0)})
    with pytest.raises(ValueError) as err:
        load_cifar10(tmp_path, download=False)
    assert str(err.value) == (
        f"{tmp_path}/cifar-10-python.tar.gz: batches data_batch_2, data_batch_3, data_batch_4, "
        "data_batch_5 are missing (re-download the archive)"
    )


def test_bilinear_resize_uses_half_pixel_centres():
    ramp = np.array([0.0, 10.0]).reshape(1, 1, 2, 1) * np.ones((1, 2, 1, 1))  # 2x2, columns 0 and 10
    up = resize_images(ramp, 4)
    np.testing.assert_allclose(up[0, 0, :, 0], [0.0, 2.5, 7.5, 10.0])
    np.testing.assert_allclose(up[0, :, 1, 0], [2.5] * 4)
    same = np.random.default_rng(0).integers(0, 256, size=(3, 5, 5, 3)).astype(np.uint8)
    np.testing.assert_allclose(resize_images(same, 5, chunk=2), same.astype(np.float32))
