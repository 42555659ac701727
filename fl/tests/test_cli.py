"""The pipeline-step entry points (prepare, evaluate) and env/flag configuration."""

from __future__ import annotations

import json

import numpy as np
import pytest

from test_models_data import _cifar_archive, _cifar_batch
from vk8s_fl import evaluate, prepare, serve
from vk8s_fl.data import load_dataset, load_digits_dataset
from vk8s_fl.numpy_mlp import NumpyMLP
from vk8s_fl.storage import LocalDirectoryStorage


def test_prepare_writes_fixed_size_cifar10_arrays(tmp_path, capsys):
    batches = {f"data_batch_{i}": _cifar_batch([i], start=i) for i in range(1, 6)}
    batches["test_batch"] = _cifar_batch([0, 9], start=0)
    _cifar_archive(tmp_path, batches)
    out = tmp_path / "vol" / "cifar10.npz"
    prepare.main(["--download-dir", str(tmp_path), "--image-size", "40", "--out", str(out)])
    data = load_dataset(out)
    assert data.x_train.shape == (5, 40, 40, 3) and data.x_train.dtype == np.float32
    assert data.y_test.tolist() == [0, 9]
    assert capsys.readouterr().out == f"wrote {out}: train [5, 40, 40, 3], test [2, 40, 40, 3], 10 classes\n"


def _stored_digits_model(root) -> NumpyMLP:
    data = load_digits_dataset()
    model = NumpyMLP(input_dim=64, num_classes=10, hidden=[16], seed=4)
    model.fit(data.x_train, data.y_train, epochs=2, batch_size=32, learning_rate=0.1, seed=0)
    LocalDirectoryStorage(root).save_round("team-a", "digits", 4, model.get_weights(),
                                           {"model": model.spec.to_json()})
    return model


def test_evaluate_reports_the_stored_round_and_gates_on_accuracy(tmp_path, capsys, monkeypatch):
    model = _stored_digits_model(tmp_path / "store")
    data = load_digits_dataset()
    prepare.main(["--dataset", "digits", "--out", str(tmp_path / "digits.npz")])
    capsys.readouterr()
    monkeypatch.setenv("VK8S_FL_GROUP", "team-a")  # env stands in for --group
    args = ["--data-path", str(tmp_path / "digits.npz"), "--storage", str(tmp_path / "store"), "--project", "digits"]
    assert evaluate.main(args) == 0
    report = json.loads(capsys.readouterr().out)
    loss, accuracy = model.evaluate(data.x_test, data.y_test)
    assert report == {"round": 4, "loss": round(loss, 6), "accuracy": round(accuracy, 6), "examples": 450}
    assert evaluate.main([*args, "--min-accuracy", str(min(1.0, accuracy + 0.01))]) == 1
    capsys.readouterr()
    output = tmp_path / "outputs" / "accuracy"
    assert evaluate.main([*args, "--output", str(output)]) == 0
    assert output.read_text() == f"{accuracy:.6f}"


def test_missing_required_option_names_flag_and_env(capsys):
    with pytest.raises(SystemExit) as exit_info:
        serve.parse_args(["--storage", "/x", "--project", "p"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "the following arguments are required: --group" in err
    with pytest.raises(SystemExit):
        serve.parse_args(["--help"])
    assert "[env VK8S_FL_GROUP; required]" in " ".join(capsys.readouterr().out.split())
