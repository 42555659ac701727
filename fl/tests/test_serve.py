"""The KServe-v1-style model server, on 127.0.0.1 in a thread."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest

from vk8s_fl.numpy_mlp import NumpyMLP
from vk8s_fl.serve import make_server

MODEL = NumpyMLP(input_dim=4, num_classes=3, hidden=[5], seed=1)


@pytest.fixture(scope="module")
def base_url():
    server = make_server({"tiny": MODEL}, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def call(url: str, body: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_readiness_and_model_list(base_url):
    assert call(f"{base_url}/v1/models/tiny") == (200, {"name": "tiny", "ready": True})
    assert call(f"{base_url}/v1/models") == (200, {"models": ["tiny"]})


def test_predict_answers_class_probabilities(base_url):
    instances = [[0.1, 0.2, 0.3, 0.4], [1.0, -1.0, 0.5, 0.0]]
    status, body = call(f"{base_url}/v1/models/tiny:predict", json.dumps({"instances": instances}).encode())
    assert status == 200
    proba = np.asarray(body["predictions"])
    assert proba.shape == (2, 3) and np.all(proba > 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(proba, MODEL.predict_proba(np.asarray(instances)), atol=1e-12)


SEND = "(send {\"instances\": [...]})"
ERRORS = {
    "unknown model": ("/v1/models/nope:predict", json.dumps({"instances": [[0, 0, 0, 0]]}),
                      404, "model: 'nope' is not served (use one of ['tiny'])"),
    "unknown model readiness": ("/v1/models/nope", None, 404, "model: 'nope' is not served (use one of ['tiny'])"),
    "unknown path": ("/v2/models/tiny/infer", "{}", 404,
                     "path: '/v2/models/tiny/infer' is not an endpoint (use /v1/models/<name>:predict)"),
    "not json": ("/v1/models/tiny:predict", "instances=1", 400, f"body: not valid JSON {SEND}"),
    "no instances": ("/v1/models/tiny:predict", json.dumps({"inputs": [[0, 0, 0, 0]]}), 400,
                     'body: missing "instances" (send {"instances": [<input>, ...]})'),
    "body is a list": ("/v1/models/tiny:predict", "[[0, 0, 0, 0]]", 400,
                       'body: missing "instances" (send {"instances": [<input>, ...]})'),
    "empty instances": ("/v1/models/tiny:predict", json.dumps({"instances": []}), 400,
                        "instances: not a non-empty list (send one input per list element)"),
    "wrong shape": ("/v1/models/tiny:predict", json.dumps({"instances": [[1, 2, 3]]}), 400,
                    "instances: each has shape [3], the model takes [4] "
                    "(send inputs preprocessed like the training data)"),
    "ragged": ("/v1/models/tiny:predict", json.dumps({"instances": [[1, 2], [1, 2, 3, 4]]}), 400,
               "instances: not numeric arrays of one shape (send numbers only)"),
    "strings": ("/v1/models/tiny:predict", json.dumps({"instances": [["a", 1, 2, 3]]}), 400,
                "instances: not numeric arrays of one shape (send numbers only)"),
    "NaN": ("/v1/models/tiny:predict", '{"instances": [[NaN, 1, 2, 3]]}', 400,
            "instances: contain NaN or infinity (send finite numbers)"),
}


@pytest.mark.parametrize("path, body, status, message", ERRORS.values(), ids=ERRORS.keys())
def test_bad_requests_are_refused_with_a_reason(base_url, path, body, status, message):
    assert call(base_url + path, body.encode() if body is not None else None) == (status, {"error": message})
