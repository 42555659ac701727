"""`SavingFedAvg`: Flower's FedAvg that stores the averaged weights after every round."""

from __future__ import annotations

import logging
from typing import Any

from flwr.common import FitRes, Parameters, Scalar, parameters_to_ndarrays
from flwr.server.client_proxy import ClientProxy
from flwr.server.strategy import FedAvg

from .model import ModelSpec
from .storage import WeightStorage, round_prefix

log = logging.getLogger("vk8s_fl.strategy")


def weighted_metrics(results: list[tuple[int, dict[str, Scalar]]]) -> dict[str, Scalar]:
    """Example-weighted mean of the clients' numeric metrics (e.g. local loss/accuracy);
    non-numeric metrics (client ids) are dropped."""
    total = sum(n for n, _ in results)
    keys = sorted({k for _, m in results for k, v in m.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
    if not total:
        return {}
    return {k: sum(n * float(m.get(k, 0.0)) for n, m in results) / total for k in keys}


class SavingFedAvg(FedAvg):
    """FedAvg (example-weighted mean of the clients' weights) + per-round storage.

    After round r is aggregated, the averaged weights and a meta.json with the round,
    the total number of training examples, the number of clients and the model spec are
    written to `{group}/{project}/{r}` in `storage`. All other keyword arguments go to
    `flwr.server.strategy.FedAvg` unchanged (fraction_fit, min_fit_clients, ...);
    fit_metrics_aggregation_fn defaults to `weighted_metrics`.

    Args:
        storage: where rounds are written.
        group: the user group (first path segment).
        project: the project (second path segment).
        model_spec: stored in meta.json so `loader.load_model` can rebuild the model.
    """

    def __init__(
        self,
        *,
        storage: WeightStorage,
        group: str,
        project: str,
        model_spec: ModelSpec,
        **fedavg_kwargs: Any,
    ) -> None:
        round_prefix(group, project, 1)  # fail at start, not after the first round
        fedavg_kwargs.setdefault("fit_metrics_aggregation_fn", weighted_metrics)
        super().__init__(**fedavg_kwargs)
        self.storage = storage
        self.group = group
        self.project = project
        self.model_spec = model_spec
        self.saved_rounds: list[str] = []

    def aggregate_fit(
        self,
        server_round: int,
        results: list[tuple[ClientProxy, FitRes]],
        failures: list[tuple[ClientProxy, FitRes] | BaseException],
    ) -> tuple[Parameters | None, dict[str, Scalar]]:
        # Counted before FedAvg aggregates: its in-place mode may reuse result buffers.
        num_examples = sum(res.num_examples for _, res in results)
        num_clients = len(results)
        parameters, metrics = super().aggregate_fit(server_round, results, failures)
        if parameters is None:
            log.warning("round %d: nothing aggregated (%d failures); not stored", server_round, len(failures))
            return parameters, metrics
        location = self.storage.save_round(
            self.group,
            self.project,
            server_round,
            parameters_to_ndarrays(parameters),
            {
                "num_examples": num_examples,
                "num_clients": num_clients,
                "num_failures": len(failures),
                "model": self.model_spec.to_json(),
            },
        )
        self.saved_rounds.append(location)
        log.info("round %d: stored FedAvg of %d clients (%d examples) at %s",
                 server_round, num_clients, num_examples, location)
        return parameters, metrics
