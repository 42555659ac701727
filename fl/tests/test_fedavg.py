"""FedAvg math and per-round storage of `SavingFedAvg`, without a network."""

from __future__ import annotations

import time

import numpy as np
import pytest
from flwr.common import Code, FitRes, Status, ndarrays_to_parameters, parameters_to_ndarrays
from flwr.server.client_manager import SimpleClientManager
from flwr.server.client_proxy import ClientProxy

from vk8s_fl.model import ModelSpec
from vk8s_fl.storage import LocalDirectoryStorage
from vk8s_fl.strategy import SavingFedAvg, weighted_metrics

SPEC = ModelSpec("mlp", {"input_dim": 2, "num_classes": 2, "hidden": [], "seed": 0})


def fit_res(weights: list[list[float]], num_examples: int, metrics: dict | None = None) -> tuple[None, FitRes]:
    arrays = [np.asarray(w, dtype=np.float64) for w in weights]
    return None, FitRes(Status(Code.OK, ""), ndarrays_to_parameters(arrays), num_examples, metrics or {})


def strategy(tmp_path, **kwargs) -> SavingFedAvg:
    return SavingFedAvg(storage=LocalDirectoryStorage(tmp_path), group="team-a", project="demo",
                        model_spec=SPEC, **kwargs)


# (client updates as (layers, examples), expected average) -- worked by hand.
CASES = {
    "weighted 1:3": (
        [([[1.0, 2.0], [0.0]], 1), ([[4.0, 8.0], [4.0]], 3)],
        [[3.25, 6.5], [3.0]],
    ),
    "equal sizes give the plain mean": (
        [([[1.0], [-2.0]], 5), ([[3.0], [2.0]], 5)],
        [[2.0], [0.0]],
    ),
    "three clients 2:3:5": (
        [([[10.0]], 2), ([[0.0]], 3), ([[-2.0]], 5)],
        [[1.0]],
    ),
    "one client is returned unchanged": (
        [([[0.125, -7.0]], 9)],
        [[0.125, -7.0]],
    ),
}


@pytest.mark.parametrize("updates, expected", CASES.values(), ids=CASES.keys())
def test_aggregate_fit_stores_the_example_weighted_mean(tmp_path, updates, expected):
    s = strategy(tmp_path)
    parameters, _ = s.aggregate_fit(7, [fit_res(w, n) for w, n in updates], [])
    returned = parameters_to_ndarrays(parameters)
    stored, meta = LocalDirectoryStorage(tmp_path).load_round("team-a", "demo", 7)
    for got_returned, got_stored, want in zip(returned, stored, expected, strict=True):
        np.testing.assert_allclose(got_returned, want, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(got_stored, got_returned)
    assert meta == {
        "model": SPEC.to_json(),
        "num_clients": len(updates),
        "num_examples": sum(n for _, n in updates),
        "num_failures": 0,
        "round": 7,
    }
    assert s.saved_rounds == [str(tmp_path / "team-a" / "demo" / "7")]


def test_nothing_is_stored_without_results_or_with_refused_failures(tmp_path):
    s = strategy(tmp_path, accept_failures=False)
    assert s.aggregate_fit(1, [], [])[0] is None
    assert s.aggregate_fit(2, [fit_res([[1.0]], 1)], [RuntimeError("client lost")])[0] is None
    assert LocalDirectoryStorage(tmp_path).list_rounds("team-a", "demo") == []
    assert s.saved_rounds == []


def test_client_metrics_are_averaged_by_examples(tmp_path):
    results = [(1, {"accuracy": 1.0, "loss": 0.5, "client_id": "a"}), (3, {"accuracy": 0.0, "loss": 1.5})]
    assert weighted_metrics(results) == {"accuracy": 0.25, "loss": 1.25}
    s = strategy(tmp_path)
    _, metrics = s.aggregate_fit(1, [fit_res([[1.0]], 1, {"accuracy": 1.0}), fit_res([[1.0]], 3, {"accuracy": 0.0})], [])
    assert metrics == {"accuracy": 0.25}


def test_bad_group_fails_when_the_strategy_is_built(tmp_path):
    with pytest.raises(ValueError) as err:
        SavingFedAvg(storage=LocalDirectoryStorage(tmp_path), group="a/b", project="demo", model_spec=SPEC)
    assert str(err.value) == (
        "group: 'a/b' is not a single path segment "
        "(use letters, digits, '.', '_' or '-', starting with a letter or digit)"
    )


class Proxy:
    """Stands in for a Flower ClientProxy: the strategy reads only `cid`."""

    def __init__(self, cid: str) -> None:
        self.cid = cid


GOOD = ([[1.0, 2.0], [0.0]], 1)
BAD_UPDATES = {
    "NaN weights": (([[np.nan, 2.0], [0.0]], 3), "layer 0 holds NaN or infinity"),
    "infinite weights": (([[1.0, 2.0], [np.inf]], 3), "layer 1 holds NaN or infinity"),
    "wrong layer shape": (([[1.0, 2.0, 3.0], [0.0]], 3), "layer 0 has shape [3], the model's is [2]"),
    "missing layer": (([[1.0, 2.0]], 3), "1 layers, the model has 2 (send the model's own weights)"),
    "zero examples": (([[4.0, 8.0], [4.0]], 0),
                      "num_examples is 0, not a positive integer (train on at least one example)"),
    "negative examples": (([[4.0, 8.0], [4.0]], -5),
                          "num_examples is -5, not a positive integer (train on at least one example)"),
}


@pytest.mark.parametrize("bad, reason", BAD_UPDATES.values(), ids=BAD_UPDATES.keys())
@pytest.mark.parametrize("with_initial", [True, False], ids=["initial parameters", "majority shapes"])
def test_a_bad_update_is_a_failure_of_its_client_and_the_round_goes_on(tmp_path, bad, reason, with_initial):
    # Before: NaN was averaged and stored, a wrong shape or 0 examples raised in FedAvg.
    extra = {"initial_parameters": ndarrays_to_parameters([np.zeros(2), np.zeros(1)])} if with_initial else {}
    s = strategy(tmp_path, accept_failures=True, **extra)
    results = [(Proxy("good-1"), fit_res(*GOOD)[1]), (Proxy("bad"), fit_res(*bad)[1]),
               (Proxy("good-2"), fit_res([[3.0, 6.0], [2.0]], 1)[1])]
    parameters, _ = s.aggregate_fit(1, results, [])
    np.testing.assert_allclose(parameters_to_ndarrays(parameters)[0], [2.0, 4.0])
    stored, meta = LocalDirectoryStorage(tmp_path).load_round("team-a", "demo", 1)
    np.testing.assert_allclose(stored[1], [1.0])
    assert (meta["num_clients"], meta["num_examples"], meta["num_failures"]) == (2, 2, 1)
    assert [(r, e.client, e.reason) for r, e in s.rejected] == [(1, "bad", reason)]


def test_undecodable_parameters_are_rejected(tmp_path):
    s = strategy(tmp_path, accept_failures=True)
    _, garbage = fit_res(*GOOD)
    garbage.parameters.tensors[0] = b"not an npy array"
    parameters, _ = s.aggregate_fit(1, [(Proxy("good"), fit_res(*GOOD)[1]), (Proxy("junk"), garbage)], [])
    np.testing.assert_allclose(parameters_to_ndarrays(parameters)[0], [1.0, 2.0])
    assert s.rejected[0][1].reason.startswith("parameters cannot be decoded (")


def test_a_round_where_every_update_is_bad_stores_nothing(tmp_path):
    s = strategy(tmp_path, accept_failures=True)
    nan = fit_res([[np.nan]], 1)[1]
    assert s.aggregate_fit(1, [(Proxy("a"), nan)], [RuntimeError("lost")])[0] is None
    assert LocalDirectoryStorage(tmp_path).list_rounds("team-a", "demo") == []


def test_min_round_clients_is_checked(tmp_path):
    with pytest.raises(ValueError) as err:
        strategy(tmp_path, min_round_clients=0)
    assert str(err.value) == "min_round_clients: 0 is not an integer from 1 (use 1 or more)"


class IdleProxy(ClientProxy):
    """A connected client for the client manager; configure_fit never calls it."""

    def get_properties(self, *args, **kwargs):
        raise AssertionError("not called")

    get_parameters = fit = evaluate = reconnect = get_properties


def test_later_rounds_go_on_with_the_clients_left_and_skip_when_too_few(tmp_path):
    # Before: a later round waited (86400 s) for min_fit_clients, so a dead client stalled the run.
    s = strategy(tmp_path, min_fit_clients=3, min_available_clients=3, min_round_clients=2,
                 client_wait_timeout=1, on_fit_config_fn=lambda r: {"server_round": r})
    manager = SimpleClientManager()
    proxies = [IdleProxy(f"c{i}") for i in range(3)]
    for p in proxies:
        manager.register(p)
    params = ndarrays_to_parameters([np.zeros(1)])
    assert sorted(c.cid for c, _ in s.configure_fit(1, params, manager)) == ["c0", "c1", "c2"]
    manager.unregister(proxies[0])  # died in round 1
    chosen = s.configure_fit(2, params, manager)
    assert sorted(c.cid for c, _ in chosen) == ["c1", "c2"]
    assert chosen[0][1].config == {"server_round": 2}
    manager.unregister(proxies[1])
    started = time.monotonic()
    assert s.configure_fit(3, params, manager) == []  # 1 < min_round_clients after the wait
    assert 0.9 < time.monotonic() - started < 5


def test_min_round_clients_defaults_to_min_available_clients(tmp_path):
    assert strategy(tmp_path, min_available_clients=4).min_round_clients == 4
