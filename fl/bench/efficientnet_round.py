"""Benchmark: seconds per federated round per client for EfficientNetB0 on CPU, and its size.

    FL_WITH_TF=1 bash fl/run-tests.sh --co -q   # once: builds the venv with TensorFlow
    <that venv>/bin/python fl/bench/efficientnet_round.py [--clients 2] [--images 128] [--rounds 1]

Each client trains the server's weights one local epoch (batch 32) on its own
CIFAR-10-shaped images (random uint8 pixels, random labels: the dataset cannot be
downloaded here; speed does not depend on the pixel values), one client after the other
in this process, as `vk8s_fl.client.TrainingClient.fit` does; the server then averages
the updates (FedAvg, example-weighted). Prints one line per client per round and a
summary; nothing is asserted (speed is measured, not tested). Random initialisation
(`weights=None`), so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time

import numpy as np


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--images", type=int, default=128, help="training images per client")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    args = p.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.monotonic()
    import tensorflow as tf

    from vk8s_fl.client import TrainingClient
    from vk8s_fl.data import Dataset
    from vk8s_fl.keras_model import build_efficientnet_b0
    from vk8s_fl.model import ModelSpec
    from vk8s_fl.storage import encode_weights

    import_s = time.monotonic() - started
    started = time.monotonic()
    spec = ModelSpec("efficientnet-b0", {"input_shape": [32, 32, 3], "num_classes": 10, "weights": None})
    server_model = build_efficientnet_b0(**spec.config)
    build_s = time.monotonic() - started
    weights = server_model.get_weights()
    n_params = sum(w.size for w in weights)
    stored_bytes = len(encode_weights(weights))
    print(f"tensorflow {tf.__version__}, {os.cpu_count()} CPUs; import {import_s:.1f}s, build {build_s:.1f}s")
    print(f"model: {n_params} parameters in {len(weights)} arrays, "
          f"{sum(w.nbytes for w in weights) / 1e6:.1f} MB in memory, {stored_bytes / 1e6:.1f} MB stored (weights.npz)")

    rng = np.random.default_rng(0)
    clients = []
    for i in range(args.clients):
        x = rng.integers(0, 256, size=(args.images, 32, 32, 3)).astype(np.float32)
        y = rng.integers(0, 10, size=args.images).astype(np.int64)
        clients.append(TrainingClient(Dataset(x, y, x[:8], y[:8]), f"client-{i}"))
    per_client = []
    for r in range(1, args.rounds + 1):
        config = {"server_round": r, "local_epochs": 1, "batch_size": args.batch_size, "learning_rate": 1e-3,
                  "model_spec": json.dumps(spec.to_json())}
        updates = []
        for client in clients:
            t = time.monotonic()
            update, n, _ = client.fit(weights, config)
            seconds = time.monotonic() - t
            per_client.append((r, seconds))
            updates.append((update, n))
            print(f"round {r} {client.client_id}: {seconds:.1f}s for 1 epoch on {n} images", flush=True)
        t = time.monotonic()
        total = sum(n for _, n in updates)
        weights = [sum(u[i] * (n / total) for u, n in updates) for i in range(len(weights))]
        buf = io.BytesIO()
        np.savez(buf, *weights)
        print(f"round {r} FedAvg + encode: {time.monotonic() - t:.1f}s", flush=True)
    first = [s for r, s in per_client if r == 1]
    later = [s for r, s in per_client if r > 1]
    print(f"seconds per round per client: first round {np.mean(first):.1f}s (includes building the client's model"
          f" and tracing)" + (f", later rounds {np.mean(later):.1f}s" if later else ""))


if __name__ == "__main__":
    main()
