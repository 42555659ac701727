"""The pipeline's preprocess and evaluate steps (src/fl/steps.ts) run the package's own
entry points: the script text is read from the TypeScript source and run as the step's
pod would, with its STEP_* and VK8S_FL_* env."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from test_cli import _stored_digits_model
from vk8s_fl.data import load_dataset, load_digits_dataset

STEPS_TS = Path(__file__).resolve().parents[2] / "src" / "fl" / "steps.ts"


def _script(name: str) -> str:
    match = re.search(rf"export const {name} = `(.*?)`;", STEPS_TS.read_text(), re.S)
    assert match, f"{name} not found in {STEPS_TS}"
    return match.group(1)


def _run(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    package_root = str(Path(__file__).resolve().parents[1])
    full_env = {**os.environ, "PYTHONPATH": package_root, **env}
    return subprocess.run([sys.executable, "-c", _script(name)], env=full_env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_preprocess_and_evaluate_steps_call_vk8s_fl(tmp_path):
    arrays = tmp_path / "vol" / "data" / "digits" / "arrays.npz"
    prep = _run("PREPROCESS_SCRIPT", {"STEP_DATASET": "digits", "STEP_RAW_DIR": str(tmp_path / "raw"),
                                      "STEP_ARRAYS": str(arrays)})
    assert prep.returncode == 0, prep.stderr
    assert prep.stdout == f"wrote {arrays}: train [1347, 64], test [450, 64], 10 classes\n"
    assert load_dataset(arrays).x_test.shape == (450, 64)

    model = _stored_digits_model(tmp_path / "models")
    output = tmp_path / "outputs" / "accuracy"
    ev = _run("EVALUATE_SCRIPT", {"STEP_ARRAYS": str(arrays), "STEP_ROUND": "4", "STEP_OUTPUT": str(output),
                                  "VK8S_FL_STORAGE": str(tmp_path / "models"), "VK8S_FL_GROUP": "team-a",
                                  "VK8S_FL_PROJECT": "digits"})
    assert ev.returncode == 0, ev.stderr
    data = load_digits_dataset()
    loss, accuracy = model.evaluate(data.x_test, data.y_test)
    # The package's report shape, the same as `python -m vk8s_fl.evaluate` prints.
    assert json.loads(ev.stdout) == {"round": 4, "loss": round(loss, 6), "accuracy": round(accuracy, 6), "examples": 450}
    assert output.read_text() == f"{accuracy:.6f}"


def test_evaluate_step_fails_on_a_missing_round(tmp_path):
    arrays = tmp_path / "arrays.npz"
    assert _run("PREPROCESS_SCRIPT", {"STEP_DATASET": "digits", "STEP_RAW_DIR": str(tmp_path),
                                      "STEP_ARRAYS": str(arrays)}).returncode == 0
    ev = _run("EVALUATE_SCRIPT", {"STEP_ARRAYS": str(arrays), "STEP_ROUND": "9", "STEP_OUTPUT": str(tmp_path / "acc"),
                                  "VK8S_FL_STORAGE": str(tmp_path / "empty"), "VK8S_FL_GROUP": "g",
                                  "VK8S_FL_PROJECT": "p"})
    assert ev.returncode != 0
    assert not (tmp_path / "acc").exists()
