"""`TrainingClient` without a network: what one round of local training returns."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vk8s_fl.client import TrainingClient
from vk8s_fl.data import client_dataset, load_digits_dataset
from vk8s_fl.numpy_mlp import NumpyMLP

SPEC = NumpyMLP(input_dim=64, num_classes=10, hidden=[8], seed=0).spec


def config(server_round: int) -> dict:
    return {"server_round": server_round, "local_epochs": 1, "batch_size": 32, "learning_rate": 0.1,
            "model_spec": json.dumps(SPEC.to_json())}


def test_fit_trains_the_given_weights_on_own_data_and_captures_the_update(tmp_path):
    data = client_dataset(load_digits_dataset(), 3, 1)
    client = TrainingClient(data, "partition-1", capture_dir=str(tmp_path))
    start = NumpyMLP(**SPEC.config).get_weights()
    weights, num_examples, metrics = client.fit(start, config(2))
    model = client._model
    assert num_examples == len(data.x_train)
    assert metrics["client_id"] == "partition-1" and 0 <= metrics["accuracy"] <= 1
    assert any(np.max(np.abs(w - s)) > 1e-3 for w, s in zip(weights, start))  # it trained
    with np.load(tmp_path / "round-002" / "partition-1.npz") as f:
        assert int(f["num_examples"]) == num_examples
        np.testing.assert_array_equal(f["layer_000"], weights[0])
    client.fit(weights, config(3))
    assert client._model is model  # same spec: the model is built once
    loss, n, eval_metrics = client.evaluate(weights, config(3))
    assert n == len(data.x_test) and loss > 0 and 0 <= eval_metrics["accuracy"] <= 1


def test_parameters_before_the_first_round_are_refused():
    client = TrainingClient(load_digits_dataset(), "c")
    with pytest.raises(RuntimeError) as err:
        client.get_parameters({})
    assert str(err.value) == (
        "client: no model yet (the server must send initial parameters; vk8s_fl.server always does)"
    )
