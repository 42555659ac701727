"""Flower server running `SavingFedAvg`: `python -m vk8s_fl.server`.

Serves the legacy Flower gRPC fleet API on `--address`, waits for `--min-clients`,
runs `--rounds` rounds and stores every round's average at `{group}/{project}/{round}`.
A client whose update is bad (NaN, wrong layer shapes, no examples) or that is lost
mid-round counts as a failure of that round; the round is averaged over the others, and
later rounds go on with the clients connected (at least `--min-round-clients`, default
`--min-clients`, waiting up to `--round-timeout` for a lost client's replacement).
"""

from __future__ import annotations

import argparse
import json
import logging
import time

from flwr.common import ndarrays_to_parameters
from flwr.server import ServerConfig

from .cli import add_option, add_storage_options, open_storage, setup_logging
from .data import DATASETS, load_named_dataset
from .model import MODEL_KINDS, ModelSpec, Weights, build_model
from .strategy import SavingFedAvg

log = logging.getLogger("vk8s_fl.server")

# Model configuration used when --model-config is not given, per model kind.
DEFAULT_MODEL_CONFIG = {
    "mlp": {"input_dim": 64, "num_classes": 10, "hidden": [32], "seed": 0},  # digits
    "efficientnet-b0": {"input_shape": [32, 32, 3], "num_classes": 10, "weights": "imagenet"},  # CIFAR-10
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m vk8s_fl.server", description=__doc__)
    add_option(p, "--address", default="0.0.0.0:8080",
               help="host:port to listen on (0.0.0.0 in a container; 127.0.0.1 for local runs)")
    add_option(p, "--rounds", default=3, type=int, help="federated rounds")
    add_option(p, "--min-clients", default=2, type=int, help="clients that must connect before round 1")
    add_option(p, "--min-round-clients", default=None, type=int,
               help="clients a later round needs; it waits --round-timeout for them (a restarted client "
                    "reconnects), then is skipped (default: --min-clients)")
    add_option(p, "--round-timeout", default=600.0, type=float, help="seconds a round may take")
    add_option(p, "--model", default="mlp", choices=MODEL_KINDS, help="model kind")
    add_option(p, "--model-config", default=None,
               help="JSON keyword arguments of the model (default: DEFAULT_MODEL_CONFIG[model])")
    add_option(p, "--local-epochs", default=1, type=int, help="epochs each client trains per round")
    add_option(p, "--batch-size", default=32, type=int, help="client mini-batch size")
    add_option(p, "--learning-rate", default=0.05, type=float, help="client learning rate")
    add_option(p, "--eval-dataset", default=None, choices=DATASETS,
               help="held-out data the server evaluates each round on (default: none)")
    add_option(p, "--eval-data-path", default=None, help="path for --eval-dataset cifar10/npz")
    add_option(p, "--seed", default=0, type=int, help="seed of the held-out split")
    add_storage_options(p)
    return p.parse_args(argv)


def build_strategy(args: argparse.Namespace) -> SavingFedAvg:
    try:
        config = json.loads(args.model_config) if args.model_config else DEFAULT_MODEL_CONFIG[args.model]
    except json.JSONDecodeError as err:
        raise SystemExit(f"model-config: not valid JSON ({err}; pass an object such as "
                         '\'{"input_dim": 64, "num_classes": 10}\')') from None
    model = build_model(ModelSpec(args.model, config))
    spec_json = json.dumps(model.spec.to_json(), sort_keys=True)

    def fit_config(server_round: int) -> dict:
        return {
            "server_round": server_round,
            "local_epochs": args.local_epochs,
            "batch_size": args.batch_size,
            "learning_rate": args.learning_rate,
            "model_spec": spec_json,
        }

    evaluate_fn = None
    if args.eval_dataset:
        held_out = load_named_dataset(args.eval_dataset, args.eval_data_path, seed=args.seed)

        def evaluate_fn(server_round: int, weights: Weights, _config: dict) -> tuple[float, dict]:
            model.set_weights(weights)
            loss, accuracy = model.evaluate(held_out.x_test, held_out.y_test)
            print(f"round {server_round}: held-out accuracy {accuracy:.4f} loss {loss:.4f}", flush=True)
            return loss, {"accuracy": accuracy}

    return SavingFedAvg(
        storage=open_storage(args),
        group=args.group,
        project=args.project,
        model_spec=model.spec,
        min_round_clients=args.min_round_clients or args.min_clients,
        client_wait_timeout=args.round_timeout,
        fraction_fit=1.0,
        fraction_evaluate=0.0,
        min_fit_clients=args.min_clients,
        min_available_clients=args.min_clients,
        min_evaluate_clients=0,
        on_fit_config_fn=fit_config,
        on_evaluate_config_fn=fit_config,
        evaluate_fn=evaluate_fn,
        initial_parameters=ndarrays_to_parameters(model.get_weights()),
        accept_failures=True,  # a bad or lost client fails alone; see SavingFedAvg
    )


def main(argv: list[str] | None = None) -> None:
    from flwr.server import start_server  # deprecated in flwr 1.13+, still supported; see README

    setup_logging()
    args = parse_args(argv)
    strategy = build_strategy(args)
    started = time.monotonic()
    start_server(
        server_address=args.address,
        config=ServerConfig(num_rounds=args.rounds, round_timeout=args.round_timeout),
        strategy=strategy,
    )
    print(f"finished {args.rounds} rounds in {time.monotonic() - started:.2f}s; "
          f"stored {len(strategy.saved_rounds)} rounds", flush=True)
    if len(strategy.saved_rounds) != args.rounds:
        raise SystemExit(f"rounds: stored {len(strategy.saved_rounds)} of {args.rounds} (see the log above)")


if __name__ == "__main__":
    main()
