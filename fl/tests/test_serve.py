"""The KServe-v1-style model server, on 127.0.0.1 in a thread.

Hostile-client cases (issue 11, item 8) talk raw HTTP over a socket; every loop is
bounded in count and time and every socket has a timeout."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import numpy as np
import pytest

from vk8s_fl.loader import load_model
from vk8s_fl.numpy_mlp import NumpyMLP
from vk8s_fl.serve import MAX_BODY_BYTES, make_server
from vk8s_fl.storage import LocalDirectoryStorage

MODEL = NumpyMLP(input_dim=4, num_classes=3, hidden=[5], seed=1)
GOOD = json.dumps({"instances": [[0.1, 0.2, 0.3, 0.4]]}).encode()


@contextlib.contextmanager
def running(models, **limits) -> Iterator[str]:
    server = make_server(models, "127.0.0.1", 0, **limits)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the server did not stop"


@pytest.fixture(scope="module")
def base_url():
    with running({"tiny": MODEL}) as url:
        yield url


def call(url: str, body: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_readiness_and_model_list(base_url):
    with urllib.request.urlopen(f"{base_url}/v1/models", timeout=10) as resp:
        assert (resp.status, resp.reason, resp.headers["Content-Type"]) == (200, "OK", "application/json")
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


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def raw(url: str, request: bytes, *, then: bytes = b"", timeout: float = 10.0) -> tuple[int, dict, float]:
    """Send `request`, then `then` in 4 KiB pieces until the server answers; return
    (status, JSON body, seconds until the answer was complete). The server may answer
    before it has read everything and then closes; data it never read makes its kernel
    reset the connection, which discards the answer here, so pieces stay small and the
    sending stops as soon as the answer is there."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", _port(url)), timeout=timeout) as sock:
        sock.sendall(request)
        for i in range(0, len(then), 4096):
            if select.select([sock], [], [], 0.01)[0]:
                break  # the answer is there: stop sending
            try:
                sock.sendall(then[i:i + 4096])
            except OSError:
                break
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json" in head.lower(), head
    return status, json.loads(body), time.monotonic() - started


def post_with_length(length: str) -> bytes:
    return (f"POST /v1/models/tiny:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()


BAD_LENGTH = "request: Content-Length is invalid (send well-formed HTTP/1.1 with Content-Length as digits)"


@pytest.mark.parametrize("length", ["-1", "abc", "1.5", "+5", " 0x10", "9" * 5000])
def test_content_length_that_is_not_digits_is_a_400_before_the_body_is_read(base_url, length):
    # Before: -1 read the socket to EOF, past the 64 MiB cap; the others raised with no answer.
    status, body, _ = raw(base_url, post_with_length(length), then=b"x" * (4 << 20))
    assert (status, body) == (400, {"error": BAD_LENGTH})
    assert call(f"{base_url}/v1/models/tiny:predict", GOOD)[0] == 200  # still serving


@pytest.mark.parametrize("length", [str(MAX_BODY_BYTES), "9" * 40])
def test_a_declared_body_at_the_cap_is_a_413_without_reading_it(base_url, length):
    status, body, _ = raw(base_url, post_with_length(length))
    assert (status, body) == (413, {"error": f"body: {MAX_BODY_BYTES} bytes or more (send fewer instances per request)"})


def test_a_chunked_body_over_the_cap_is_a_413():
    head = (b"POST /v1/models/tiny:predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (4000, b"[" * 4000)
    with running({"tiny": MODEL}, max_body_bytes=64 * 1024) as url:
        status, body, _ = raw(url, head, then=chunk * 20 + b"0\r\n\r\n")
    assert (status, body) == (413, {"error": "body: 65536 bytes or more (send fewer instances per request)"})


def test_headers_over_the_cap_are_a_431(base_url):
    request = post_with_length("0").replace(b"Host: x", b"Host: x\r\nX-Pad: " + b"p" * (70 * 1024))
    status, body, _ = raw(base_url, b"", then=request)
    assert (status, body) == (431, {"error": "headers: over 65536 bytes (send shorter headers)"})


def test_silent_and_half_sent_connections_are_closed_and_hold_no_thread():
    # Before: no read timeout; each half-sent request held a thread for ever.
    threads_before = threading.active_count()
    with running({"tiny": MODEL}, read_timeout=1) as url:
        socks = []
        try:
            for i in range(30):
                sock = socket.create_connection(("127.0.0.1", _port(url)), timeout=10)
                sock.sendall(b"POST /v1/models/tiny:predict HTTP/1.1\r\nHost: x\r\n" if i % 2 else
                             post_with_length("100") + b'{"instances": ')
                socks.append(sock)
            assert threading.active_count() - threads_before <= 1 + 4 + 1  # I/O thread, workers, slack
            assert call(f"{url}/v1/models/tiny:predict", GOOD)[0] == 200  # others still served
            closed_after = []
            for sock in socks:  # each recv returns b"" once the server closed the connection
                started = time.monotonic()
                assert sock.recv(1) == b""
                closed_after.append(time.monotonic() - started)
            assert max(closed_after) < 8
        finally:
            for sock in socks:
                sock.close()


def test_json_that_python_cannot_read_is_a_400(base_url):
    # Before: RecursionError / ValueError escaped the handler: no answer at all.
    deep = b'{"instances": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert call(f"{base_url}/v1/models/tiny:predict", deep) == (
        400, {"error": "body: JSON nested too deeply (send instances as arrays of numbers)"})
    long_int = b'{"instances": [[' + b"7" * 5000 + b', 1, 2, 3]]}'
    status, body = call(f"{base_url}/v1/models/tiny:predict", long_int)
    assert status == 400 and body["error"].startswith("body: a number cannot be read (Exceeds the limit (4300 digits)")
    big_int = b'{"instances": [[' + b"7" * 400 + b', 1, 2, 3]]}'  # readable, but over float64's range
    assert call(f"{base_url}/v1/models/tiny:predict", big_int) == (
        400, {"error": "instances: not numeric arrays of one shape (send numbers only)"})
    huge_float = b'{"instances": [[1e999, 1, 2, 3]]}'
    assert call(f"{base_url}/v1/models/tiny:predict", huge_float) == (
        400, {"error": "instances: contain NaN or infinity (send finite numbers)"})


def test_wrong_method_is_a_405(base_url):
    req = urllib.request.Request(f"{base_url}/v1/models/tiny:predict", method="GET")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert (err.value.code, json.loads(err.value.read())) == (
        405, {"error": "method: GET is not allowed on '/v1/models/tiny:predict' (use POST)"})


def test_a_model_with_nan_weights_answers_a_json_500_not_nan():
    broken = NumpyMLP(input_dim=4, num_classes=3, hidden=[5], seed=1)
    broken.set_weights([np.full_like(w, np.nan) for w in broken.get_weights()])
    with running({"tiny": broken}) as url:
        status, body, _ = raw(url, post_with_length(str(len(GOOD))) + GOOD)
    assert (status, body) == (
        500, {"error": "model: produced NaN or infinite probabilities (serve a round with finite weights)"})


def test_a_stored_round_with_nan_weights_is_refused_by_the_loader(tmp_path):
    storage = LocalDirectoryStorage(tmp_path)
    weights = MODEL.get_weights()
    weights[1] = np.full_like(weights[1], np.nan)
    storage.save_round("team-a", "tiny", 2, weights, {"model": MODEL.spec.to_json()})
    with pytest.raises(ValueError) as err:
        load_model(storage, "team-a", "tiny")
    assert str(err.value) == ("weights: round 2 of team-a/tiny holds NaN or infinity in layers [1] "
                              "(serve an earlier round with --round)")
