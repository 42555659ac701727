"""EfficientNetB0 (`keras_model.py`) executed for real: built from random initialisation,
trained one tiny epoch on CIFAR-10-format data the test generates (the real loader reads
it), its weights stored, loaded back and served.

Needs TensorFlow, which the default venv does not install (about 600 MB; see README):
run `FL_WITH_TF=1 bash fl/run-tests.sh` for a venv with fl/requirements-tf.txt. Without
it every test here is reported as skipped with that reason."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

tf = pytest.importorskip(
    "tensorflow",
    reason="tensorflow-cpu is not installed (run FL_WITH_TF=1 bash fl/run-tests.sh to add fl/requirements-tf.txt)",
)

from test_models_data import _cifar_archive  # noqa: E402 (after the skip)
from vk8s_fl.client import TrainingClient  # noqa: E402
from vk8s_fl.data import load_named_dataset  # noqa: E402
from vk8s_fl.keras_model import build_efficientnet_b0  # noqa: E402
from vk8s_fl.loader import load_model  # noqa: E402
from vk8s_fl.model import ModelSpec  # noqa: E402
from vk8s_fl.serve import make_app  # noqa: E402
from vk8s_fl.storage import LocalDirectoryStorage  # noqa: E402


def _random_batch(rng: np.random.Generator, n: int) -> bytes:
    # CIFAR-10's python batch: b"data" uint8 (n, 3072) channel-major, b"labels" list of int.
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    return pickle.dumps({b"data": data, b"labels": rng.integers(0, 10, size=n).tolist(), b"batch_label": b"t"})


@pytest.fixture(scope="module")
def cifar_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cifar")
    rng = np.random.default_rng(0)
    batches = {f"data_batch_{i}": _random_batch(rng, 4) for i in range(1, 6)}
    batches["test_batch"] = _random_batch(rng, 6)
    _cifar_archive(directory, batches)
    return directory


# Tracing the training step dominates: ~1 min on an idle 2-core machine, 5+ under load.
@pytest.mark.timeout(1200)
def test_efficientnet_b0_trains_a_round_and_is_served(cifar_dir, tmp_path, report):
    data = load_named_dataset("cifar10", str(cifar_dir))  # the real loader + preprocessing
    assert data.x_train.shape == (20, 32, 32, 3) and data.x_test.shape == (6, 32, 32, 3)
    spec = ModelSpec("efficientnet-b0", {"input_shape": [32, 32, 3], "num_classes": 10, "weights": None})
    model = build_efficientnet_b0(**spec.config)
    assert model.input_shape == (32, 32, 3) and model.num_classes == 10
    before = model.get_weights()
    n_params = sum(w.size for w in before)
    assert 4_000_000 < n_params < 4_100_000, n_params  # B0 backbone (~4.05M) + 10-class head

    # One federated round as a client runs it: server weights in, one epoch, update out.
    client = TrainingClient(data, "tf-client")
    config = {"server_round": 1, "local_epochs": 1, "batch_size": 10, "learning_rate": 1e-3,
              "model_spec": json.dumps(spec.to_json())}
    weights, num_examples, metrics = client.fit(before, config)
    assert num_examples == 20 and 0.0 <= metrics["accuracy"] <= 1.0 and np.isfinite(metrics["loss"])
    assert [w.shape for w in weights] == [w.shape for w in before]
    assert any(not np.array_equal(a, b) for a, b in zip(weights, before))  # it trained

    proba = client._model.predict_proba(data.x_test)
    assert proba.shape == (6, 10) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)

    # Stored as a round, loaded back (weights=None: no download) and served.
    storage = LocalDirectoryStorage(tmp_path)
    storage.save_round("team-a", "cifar", 1, weights, {"model": spec.to_json()})
    served, meta = load_model(storage, "team-a", "cifar")
    assert meta["round"] == 1
    np.testing.assert_allclose(served.predict_proba(data.x_test), proba, atol=1e-5)
    app = make_app({"cifar": served})
    body = json.dumps({"instances": data.x_test[:2].tolist()}).encode()
    status = []

    class Input:
        def read(self, n):
            return body[:n]

    out = b"".join(app({"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/models/cifar:predict",
                        "CONTENT_LENGTH": str(len(body)), "wsgi.input": Input()},
                       lambda s, h: status.append(s)))
    assert status == ["200 OK"]
    predictions = np.asarray(json.loads(out)["predictions"])
    assert predictions.shape == (2, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, atol=1e-5)
    report(f"EfficientNetB0: {n_params} parameters, {sum(w.nbytes for w in weights) / 1e6:.1f} MB of weights; "
           "one epoch on 20 generated CIFAR-10-format images trained, stored, served")
