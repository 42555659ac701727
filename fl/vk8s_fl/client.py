"""Flower client that trains on its own data: `python -m vk8s_fl.client`.

The model architecture and the training hyperparameters arrive from the server with
every round (fit config), so a client only needs its data and the server address.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
from flwr.client import NumPyClient

from .cli import add_option, setup_logging
from .data import DATASETS, Dataset, client_dataset, load_named_dataset
from .model import Model, ModelSpec, Weights, build_model

log = logging.getLogger("vk8s_fl.client")


class TrainingClient(NumPyClient):
    """Trains the server's current weights on this client's data for one round.

    Args:
        data: this client's training arrays and its held-out test arrays.
        client_id: name reported in metrics and used for captured updates.
        capture_dir: if set, every returned update is also written to
            `<capture_dir>/round-<r>/<client_id>.npz` (arrays layer_000.. and
            num_examples), an audit trail the tests compare with the stored average.
            Default: None (nothing written).
        seed: base seed of local shuffling; round r uses seed + 1000 * r. Default: 0.
    """

    def __init__(self, data: Dataset, client_id: str, capture_dir: str | None = None, seed: int = 0) -> None:
        self.data = data
        self.client_id = client_id
        self.capture_dir = Path(capture_dir) if capture_dir else None
        self.seed = seed
        self._model: Model | None = None
        self._spec_json = ""

    def _model_for(self, config: dict) -> Model:
        spec_json = str(config["model_spec"])
        if self._model is None or spec_json != self._spec_json:
            spec = ModelSpec.from_json(json.loads(spec_json))
            if "weights" in spec.config:  # the server's weights replace pretrained ones
                spec = ModelSpec(spec.kind, {**spec.config, "weights": None})
            self._model, self._spec_json = build_model(spec), spec_json
        return self._model

    def get_parameters(self, config: dict) -> Weights:
        if self._model is None:
            raise RuntimeError(
                "client: no model yet (the server must send initial parameters; "
                "vk8s_fl.server always does)"
            )
        return self._model.get_weights()

    def fit(self, parameters: Weights, config: dict) -> tuple[Weights, int, dict]:
        model = self._model_for(config)
        model.set_weights(parameters)
        server_round = int(config["server_round"])
        started = time.monotonic()
        metrics = model.fit(
            self.data.x_train,
            self.data.y_train,
            epochs=int(config["local_epochs"]),
            batch_size=int(config["batch_size"]),
            learning_rate=float(config["learning_rate"]),
            seed=self.seed + 1000 * server_round,
        )
        weights = model.get_weights()
        num_examples = len(self.data.x_train)
        if self.capture_dir is not None:
            self._capture(server_round, weights, num_examples)
        log.info("%s round %d: trained on %d examples in %.2fs, local accuracy %.4f",
                 self.client_id, server_round, num_examples, time.monotonic() - started, metrics["accuracy"])
        return weights, num_examples, {**metrics, "client_id": self.client_id}

    def evaluate(self, parameters: Weights, config: dict) -> tuple[float, int, dict]:
        model = self._model_for(config)
        model.set_weights(parameters)
        loss, accuracy = model.evaluate(self.data.x_test, self.data.y_test)
        return loss, len(self.data.x_test), {"accuracy": accuracy}

    def _capture(self, server_round: int, weights: Weights, num_examples: int) -> None:
        path = self.capture_dir / f"round-{server_round:03d}" / f"{self.client_id}.npz"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, num_examples=np.int64(num_examples), **{f"layer_{i:03d}": w for i, w in enumerate(weights)})
        tmp.replace(path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m vk8s_fl.client", description=__doc__)
    add_option(p, "--server", default="127.0.0.1:8080", help="Flower server host:port")
    add_option(p, "--dataset", default="digits", choices=DATASETS, help="this client's data")
    add_option(p, "--data-path", default=None,
               help="cifar10: download directory; npz: preprocessed arrays file")
    add_option(p, "--partition-id", default=0, type=int, help="which share of the data set this client owns")
    add_option(p, "--num-partitions", default=1, type=int,
               help="shares the data set is split into (1: the client owns all of it)")
    add_option(p, "--client-id", default=None, help="name in metrics (default: partition-<id>)")
    add_option(p, "--capture-dir", default=None, help="also write every returned update here (audit/tests)")
    add_option(p, "--max-wait", default=120.0, type=float, help="seconds to keep retrying the connection")
    add_option(p, "--seed", default=0, type=int, help="seed of the data split and local shuffling")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    from flwr.client import start_client  # deprecated in flwr 1.13+, still supported; see README

    setup_logging()
    args = parse_args(argv)
    data = client_dataset(load_named_dataset(args.dataset, args.data_path, seed=args.seed),
                          args.num_partitions, args.partition_id, seed=args.seed)
    client_id = args.client_id or f"partition-{args.partition_id}"
    log.info("%s: %d training examples, %d held-out", client_id, len(data.x_train), len(data.x_test))
    client = TrainingClient(data, client_id, args.capture_dir, args.seed)
    start_client(server_address=args.server, client=client.to_client(), insecure=True,
                 max_wait_time=args.max_wait)


if __name__ == "__main__":
    main()
