"""A Flower client that misbehaves on purpose, for the robust-round test:

    python -m misbehaving_client MODE [vk8s_fl.client options...]

MODE: nan   returns NaN weights every round
      shape returns its first layer one row short every round
      zero  claims zero training examples every round
      die   exits (code 3) on receiving round 2's fit instruction, before answering
It trains like `vk8s_fl.client.TrainingClient` (and captures its honest update when
--capture-dir is given) before breaking the answer.
"""

from __future__ import annotations

import os
import sys

import numpy as np
from flwr.client import start_client

from vk8s_fl.client import TrainingClient, parse_args
from vk8s_fl.data import client_dataset, load_named_dataset

MODES = ("nan", "shape", "zero", "die")


class MisbehavingClient(TrainingClient):
    def __init__(self, mode: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode

    def fit(self, parameters, config):
        if self.mode == "die" and int(config["server_round"]) == 2:
            os._exit(3)  # the process is gone mid-round: no answer, connection dropped
        weights, num_examples, metrics = super().fit(parameters, config)
        if self.mode == "nan":
            weights = [np.full_like(w, np.nan) for w in weights]
        elif self.mode == "shape":
            weights = [weights[0][:-1], *weights[1:]]
        elif self.mode == "zero":
            num_examples = 0
        return weights, num_examples, metrics


def main() -> None:
    mode = sys.argv[1]
    if mode not in MODES:
        raise SystemExit(f"mode: {mode!r} is not one of {MODES}")
    args = parse_args(sys.argv[2:])
    data = client_dataset(load_named_dataset(args.dataset, args.data_path, seed=args.seed),
                          args.num_partitions, args.partition_id, seed=args.seed)
    client = MisbehavingClient(mode, data, args.client_id or mode, args.capture_dir, args.seed)
    start_client(server_address=args.server, client=client.to_client(), insecure=True,
                 max_wait_time=args.max_wait)


if __name__ == "__main__":
    main()
