"""`SavingFedAvg`: Flower's FedAvg that stores the averaged weights after every round."""

from __future__ import annotations

import logging
from typing import Any

from collections import Counter

import numpy as np
from flwr.common import FitIns, FitRes, Parameters, Scalar, parameters_to_ndarrays
from flwr.server.client_manager import ClientManager
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


class RejectedUpdate(Exception):
    """A client's fit result that cannot be averaged (non-finite numbers, layers of the
    wrong number, shape or type, no examples). `aggregate_fit` counts it among the
    round's failures, like a client that did not answer."""

    def __init__(self, client: str, reason: str) -> None:
        super().__init__(f"client {client}: {reason}")
        self.client = client
        self.reason = reason


Shapes = tuple[tuple[int, ...], ...]


def update_problem(res: FitRes, expected: Shapes | None) -> str | None:
    """Why the update `res` cannot be averaged, or None when it can.

    Rules: `num_examples` a positive integer; the parameters decode to numeric (int or
    float) arrays; there are as many as in `expected`, each of the expected shape (when
    `expected` is given); every number is finite.
    """
    n = res.num_examples
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        return f"num_examples is {n!r}, not a positive integer (train on at least one example)"
    try:
        arrays = parameters_to_ndarrays(res.parameters)
    except Exception as err:  # noqa: BLE001 (any decoding failure is the client's fault)
        return f"parameters cannot be decoded ({type(err).__name__}: {err})"
    if expected is not None:
        if len(arrays) != len(expected):
            return f"{len(arrays)} layers, the model has {len(expected)} (send the model's own weights)"
        for i, (a, shape) in enumerate(zip(arrays, expected)):
            if a.shape != shape:
                return f"layer {i} has shape {list(a.shape)}, the model's is {list(shape)}"
    for i, a in enumerate(arrays):
        if a.dtype.kind not in "iuf":
            return f"layer {i} has dtype {a.dtype}, not numbers"
        if not np.all(np.isfinite(a)):
            return f"layer {i} holds NaN or infinity"
    return None


def _shapes(parameters: Parameters) -> Shapes:
    return tuple(a.shape for a in parameters_to_ndarrays(parameters))


class SavingFedAvg(FedAvg):
    """FedAvg (example-weighted mean of the clients' weights) + per-round storage.

    After round r is aggregated, the averaged weights and a meta.json with the round,
    the total number of training examples, the number of clients and the model spec are
    written to `{group}/{project}/{r}` in `storage`. All other keyword arguments go to
    `flwr.server.strategy.FedAvg` unchanged (fraction_fit, min_fit_clients, ...);
    fit_metrics_aggregation_fn defaults to `weighted_metrics`.

    Robust rounds: every client update is checked by `update_problem` against the
    model's layer shapes (from `initial_parameters`, else the shapes most clients sent in
    the first round). A bad update is moved to the round's failures as a
    `RejectedUpdate`, so with `accept_failures=True` the round is averaged over the other
    clients (meta.json's num_failures counts both rejected and lost clients); with
    `accept_failures=False` (Flower's default: True) any failure leaves the round unstored.

    Round 1 waits for `min_available_clients` (as FedAvg does); every later round starts
    with the clients connected once at least `min_round_clients` are, waiting at most
    `client_wait_timeout` seconds (FedAvg would wait a day), so a client that died does
    not block the run: its restarted replacement joins, or the round is skipped.

    Args:
        storage: where rounds are written.
        group: the user group (first path segment).
        project: the project (second path segment).
        model_spec: stored in meta.json so `loader.load_model` can rebuild the model.
        min_round_clients: clients a round after the first needs. Default: None, the
            same as `min_available_clients`.
        client_wait_timeout: seconds a later round waits for `min_round_clients`; with
            fewer the round is skipped (not stored). Default: 600.
    """

    def __init__(
        self,
        *,
        storage: WeightStorage,
        group: str,
        project: str,
        model_spec: ModelSpec,
        min_round_clients: int | None = None,
        client_wait_timeout: float = 600.0,
        **fedavg_kwargs: Any,
    ) -> None:
        round_prefix(group, project, 1)  # fail at start, not after the first round
        if min_round_clients is not None and (
            isinstance(min_round_clients, bool) or not isinstance(min_round_clients, int) or min_round_clients < 1
        ):
            raise ValueError(f"min_round_clients: {min_round_clients!r} is not an integer from 1 (use 1 or more)")
        fedavg_kwargs.setdefault("fit_metrics_aggregation_fn", weighted_metrics)
        super().__init__(**fedavg_kwargs)
        self.storage = storage
        self.group = group
        self.project = project
        self.model_spec = model_spec
        self.saved_rounds: list[str] = []
        self.min_round_clients = min_round_clients if min_round_clients is not None else self.min_available_clients
        self.client_wait_timeout = client_wait_timeout
        initial = fedavg_kwargs.get("initial_parameters")
        self.layer_shapes: Shapes | None = _shapes(initial) if initial is not None else None
        self.rejected: list[tuple[int, RejectedUpdate]] = []  # (round, why), every round

    def configure_fit(
        self, server_round: int, parameters: Parameters, client_manager: ClientManager
    ) -> list[tuple[ClientProxy, FitIns]]:
        if server_round == 1:
            return super().configure_fit(server_round, parameters, client_manager)
        if not client_manager.wait_for(self.min_round_clients, timeout=int(self.client_wait_timeout)):
            log.warning("round %d: fewer than %d clients connected after %ss; round skipped",
                        server_round, self.min_round_clients, self.client_wait_timeout)
            return []
        available = client_manager.num_available()
        sample_size = max(int(available * self.fraction_fit), self.min_round_clients)
        config = self.on_fit_config_fn(server_round) if self.on_fit_config_fn is not None else {}
        clients = client_manager.sample(num_clients=min(sample_size, available),
                                        min_num_clients=self.min_round_clients)
        return [(client, FitIns(parameters, config)) for client in clients]

    def screen(
        self, server_round: int, results: list[tuple[ClientProxy, FitRes]]
    ) -> tuple[list[tuple[ClientProxy, FitRes]], list[RejectedUpdate]]:
        """Split `results` into averageable updates and `RejectedUpdate`s (logged)."""
        expected = self.layer_shapes
        if expected is None and results:  # no initial parameters: the shapes most clients sent
            votes = Counter()
            for _, res in results:
                try:
                    votes[_shapes(res.parameters)] += 1
                except Exception:  # noqa: BLE001 (undecodable: screened below)
                    pass
            expected = votes.most_common(1)[0][0] if votes else None
        accepted, rejected = [], []
        for proxy, res in results:
            problem = update_problem(res, expected)
            if problem is None:
                accepted.append((proxy, res))
                continue
            why = RejectedUpdate(str(getattr(proxy, "cid", "?")), problem)
            log.warning("round %d: rejected the update of %s", server_round, why)
            rejected.append(why)
            self.rejected.append((server_round, why))
        if accepted and self.layer_shapes is None:
            self.layer_shapes = expected
        return accepted, rejected

    def aggregate_fit(
        self,
        server_round: int,
        results: list[tuple[ClientProxy, FitRes]],
        failures: list[tuple[ClientProxy, FitRes] | BaseException],
    ) -> tuple[Parameters | None, dict[str, Scalar]]:
        results, rejected = self.screen(server_round, results)
        failures = [*failures, *rejected]
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
