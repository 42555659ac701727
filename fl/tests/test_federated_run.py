"""A real federated run on loopback: a Flower server process and three client processes,
each training on its own label-skewed, differently sized share of the digits data; then
the last round served by `python -m vk8s_fl.serve` and asked for a prediction."""

from __future__ import annotations

import json
import re
import select
import time
import urllib.request
from pathlib import Path

import numpy as np

from conftest import free_port
from vk8s_fl.data import load_digits_dataset
from vk8s_fl.loader import load_model
from vk8s_fl.storage import LocalDirectoryStorage

ROUNDS = 5
CLIENTS = 3
GROUP, PROJECT = "team-a", "digits"
RUN_TIMEOUT_S = 240


def _captured_updates(capture_dir: Path, round_number: int) -> list[tuple[list[np.ndarray], int]]:
    files = sorted((capture_dir / f"round-{round_number:03d}").glob("*.npz"))
    updates = []
    for path in files:
        with np.load(path) as f:
            layers = sorted(k for k in f.files if k.startswith("layer_"))
            updates.append(([f[k] for k in layers], int(f["num_examples"])))
    return updates


def _weighted_average(updates: list[tuple[list[np.ndarray], int]]) -> list[np.ndarray]:
    total = sum(n for _, n in updates)
    return [sum(w[i].astype(np.float64) * n for w, n in updates) / total for i in range(len(updates[0][0]))]


def _read_line(proc, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            return proc.stdout.readline().decode()
    raise AssertionError(f"no line from the model server within {timeout}s (exit code {proc.poll()})")


def _http(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


def test_federated_run_stores_fedavg_per_round_and_serves_it(tmp_path, processes, report):
    store, capture = tmp_path / "store", tmp_path / "capture"
    port = free_port()
    started = time.monotonic()
    server = processes.start(
        "server", "vk8s_fl.server",
        "--address", f"127.0.0.1:{port}", "--rounds", str(ROUNDS), "--min-clients", str(CLIENTS),
        "--round-timeout", "60", "--storage", str(store), "--group", GROUP, "--project", PROJECT,
        "--eval-dataset", "digits", "--learning-rate", "0.1", "--local-epochs", "2",
    )
    clients = [
        processes.start(
            f"client-{i}", "vk8s_fl.client",
            "--server", f"127.0.0.1:{port}", "--dataset", "digits", "--partition-id", str(i),
            "--num-partitions", str(CLIENTS), "--capture-dir", str(capture), "--max-wait", "60",
        )
        for i in range(CLIENTS)
    ]
    server.wait(timeout=RUN_TIMEOUT_S)
    run_seconds = time.monotonic() - started
    assert server.returncode == 0, processes.log("server")
    for i, client in enumerate(clients):
        client.wait(timeout=30)
        assert client.returncode == 0, processes.log(f"client-{i}")

    # One folder per round, laid out {group}/{project}/{round}, each with weights and meta.
    storage = LocalDirectoryStorage(store)
    assert storage.list_rounds(GROUP, PROJECT) == list(range(1, ROUNDS + 1))
    for r in range(1, ROUNDS + 1):
        assert (store / GROUP / PROJECT / str(r) / "weights.npz").is_file()
        assert (store / GROUP / PROJECT / str(r) / "meta.json").is_file()

    # Stored weights == example-weighted mean of what the clients returned, every round.
    sizes = None
    for r in range(1, ROUNDS + 1):
        updates = _captured_updates(capture, r)
        assert len(updates) == CLIENTS
        stored, meta = storage.load_round(GROUP, PROJECT, r)
        expected = _weighted_average(updates)
        assert len(stored) == len(expected)
        for got, want in zip(stored, expected):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
        assert meta["num_examples"] == sum(n for _, n in updates)
        assert meta["num_clients"] == CLIENTS and meta["round"] == r
        sizes = sorted(n for _, n in updates)
        # The check can tell weighted from unweighted averaging: shares differ in size
        # and the plain mean is measurably different from the stored weights.
        plain = [np.mean([w[i] for w, _ in updates], axis=0) for i in range(len(stored))]
        assert max(np.max(np.abs(p - s)) for p, s in zip(plain, stored)) > 1e-4
    assert len(set(sizes)) > 1, sizes

    # Held-out accuracy of every stored round, from the storage via the model loader.
    held_out = load_digits_dataset()
    accuracy = {}
    for r in range(1, ROUNDS + 1):
        model, _ = load_model(storage, GROUP, PROJECT, r)
        accuracy[r] = model.evaluate(held_out.x_test, held_out.y_test)[1]
    assert accuracy[ROUNDS] > accuracy[1], accuracy
    # The server's own per-round evaluation saw the same weights.
    server_log = processes.log("server", tail=100_000)
    for r, acc in accuracy.items():
        assert f"round {r}: held-out accuracy {acc:.4f}" in server_log

    report(f"federated run: {ROUNDS} rounds, {CLIENTS} clients, client training examples {sizes}, "
           f"held-out examples {len(held_out.y_test)}")
    report("held-out accuracy per round: " + ", ".join(f"r{r}={a:.4f}" for r, a in accuracy.items()))
    report(f"federated run wall time (server start to finish): {run_seconds:.2f}s")

    # Serve the latest round and ask for a prediction.
    serve = processes.start(
        "serve", "vk8s_fl.serve", "--host", "127.0.0.1", "--port", "0",
        "--storage", str(store), "--group", GROUP, "--project", PROJECT, "--model-name", "digits-clf",
        stdout_pipe=True,
    )
    line = _read_line(serve, timeout=30)
    match = re.search(r"\(round (\d+)\) on (http://127\.0\.0\.1:\d+)/v1/models/digits-clf", line)
    assert match, line
    assert int(match.group(1)) == ROUNDS
    base = match.group(2)
    assert _http(f"{base}/v1/models/digits-clf") == (200, {"name": "digits-clf", "ready": True})
    instances = held_out.x_test[:20]
    status, body = _http(f"{base}/v1/models/digits-clf:predict", {"instances": instances.tolist()})
    assert status == 200
    proba = np.asarray(body["predictions"])
    assert proba.shape == (20, 10)
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    served_model, _ = load_model(storage, GROUP, PROJECT)
    np.testing.assert_allclose(proba, served_model.predict_proba(instances), atol=1e-9)
    report(f"served round {ROUNDS}: 20 predictions, accuracy "
           f"{np.mean(proba.argmax(axis=1) == held_out.y_test[:20]):.2f}")


def test_bad_and_dead_clients_fail_alone_and_every_round_is_stored(tmp_path, processes, report):
    """Two honest clients, three that answer bad updates every round (NaN weights, a layer
    of the wrong shape, zero examples) and one that dies on receiving round 2. Every
    round is stored, averaged over the good updates only; the server exits 0."""
    store, capture = tmp_path / "store", tmp_path / "capture"
    port, rounds = free_port(), 3
    server = processes.start(
        "server", "vk8s_fl.server",
        "--address", f"127.0.0.1:{port}", "--rounds", str(rounds), "--min-clients", "6",
        "--min-round-clients", "2", "--round-timeout", "60", "--storage", str(store),
        "--group", GROUP, "--project", PROJECT,
    )
    common = ["--server", f"127.0.0.1:{port}", "--dataset", "digits", "--num-partitions", "2", "--max-wait", "60"]
    honest = [processes.start(f"honest-{i}", "vk8s_fl.client", *common, "--partition-id", str(i),
                              "--capture-dir", str(capture)) for i in range(2)]
    bad = {mode: processes.start(mode, "misbehaving_client", mode, *common, "--partition-id", "0")
           for mode in ("nan", "shape", "zero")}
    dies = processes.start("die", "misbehaving_client", "die", *common, "--partition-id", "1",
                           "--capture-dir", str(capture), "--client-id", "die")
    server.wait(timeout=RUN_TIMEOUT_S)
    server_log = processes.log("server", tail=200_000)
    assert server.returncode == 0, server_log
    assert dies.wait(timeout=30) == 3, processes.log("die")
    for name, proc in [("honest-0", honest[0]), ("honest-1", honest[1]), *bad.items()]:
        assert proc.wait(timeout=30) == 0, processes.log(name)

    storage = LocalDirectoryStorage(store)
    assert storage.list_rounds(GROUP, PROJECT) == list(range(1, rounds + 1))
    # round 1: honest x2 + die averaged, 3 rejected; round 2: die lost too; round 3: die gone.
    expected_counts = {1: (3, 3), 2: (2, 4), 3: (2, 3)}
    for r in range(1, rounds + 1):
        stored, meta = storage.load_round(GROUP, PROJECT, r)
        updates = _captured_updates(capture, r)
        assert (meta["num_clients"], meta["num_failures"]) == expected_counts[r], meta
        assert len(updates) == meta["num_clients"]
        assert meta["num_examples"] == sum(n for _, n in updates)
        for got, want in zip(stored, _weighted_average(updates), strict=True):
            assert np.all(np.isfinite(got))
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    for reason in ("layer 0 holds NaN or infinity", "layer 0 has shape [63, 32], the model's is [64, 32]",
                   "num_examples is 0, not a positive integer"):
        assert server_log.count(reason) == rounds, reason
    report(f"robust rounds: {rounds} rounds stored with 2-3 of 6 clients; 3 rejected updates per round, "
           "1 client lost in round 2")
