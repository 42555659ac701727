"""Model server speaking KServe's v1 protocol: `python -m vk8s_fl.serve`.

    GET  /v1/models                 {"models": [names]}
    GET  /v1/models/<name>          {"name": name, "ready": true}           (404 unknown)
    POST /v1/models/<name>:predict  {"instances": [...]} -> {"predictions": [[p0, .., pk]]}

Each instance is one input of the model's shape (64 numbers for the digits MLP; a
32x32x3 nested list for EfficientNetB0 on CIFAR-10); each prediction is the class
probabilities. Errors answer {"error": "<field>: <what> (<fix>)"} with 400, 404 or 413.
Standard library only (http.server), one thread per request.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from .cli import add_option, add_storage_options, open_storage, setup_logging
from .loader import load_model
from .model import Model

log = logging.getLogger("vk8s_fl.serve")

MAX_BODY_BYTES = 64 * 1024 * 1024
_MODEL_PATH = re.compile(r"^/v1/models/([^/:]+)$")
_PREDICT_PATH = re.compile(r"^/v1/models/([^/:]+):predict$")


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def predict(model: Model, body: Any) -> dict[str, Any]:
    """Validate a v1 request body and answer class probabilities."""
    if not isinstance(body, dict) or "instances" not in body:
        raise HttpError(400, 'body: missing "instances" (send {"instances": [<input>, ...]})')
    instances = body["instances"]
    if not isinstance(instances, list) or not instances:
        raise HttpError(400, "instances: not a non-empty list (send one input per list element)")
    try:
        x = np.asarray(instances, dtype=np.float64)
    except (TypeError, ValueError):
        raise HttpError(400, "instances: not numeric arrays of one shape (send numbers only)") from None
    if x.shape[1:] != tuple(model.input_shape):
        raise HttpError(
            400,
            f"instances: each has shape {list(x.shape[1:])}, the model takes {list(model.input_shape)} "
            "(send inputs preprocessed like the training data)",
        )
    if not np.all(np.isfinite(x)):
        raise HttpError(400, "instances: contain NaN or infinity (send finite numbers)")
    proba = model.predict_proba(x)
    return {"predictions": proba.tolist()}


def make_server(models: Mapping[str, Model], host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """An HTTP server for `models` (name -> model); port 0 picks a free port.
    Run it with `serve_forever()` and stop it with `shutdown()` + `server_close()`."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "vk8s-fl-serve/0.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), fmt % args)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _model(self, name: str) -> Model:
            if name not in models:
                raise HttpError(404, f"model: {name!r} is not served (use one of {sorted(models)})")
            return models[name]

        def _handle(self, route: Any) -> None:
            try:
                self._send(200, route())
            except HttpError as err:
                self._send(err.status, {"error": str(err)})

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            def route() -> dict[str, Any]:
                if self.path == "/v1/models":
                    return {"models": sorted(models)}
                match = _MODEL_PATH.match(self.path)
                if not match:
                    raise HttpError(404, f"path: {self.path!r} is not an endpoint (use /v1/models/<name>)")
                self._model(match.group(1))
                return {"name": match.group(1), "ready": True}

            self._handle(route)

        def do_POST(self) -> None:  # noqa: N802
            def route() -> dict[str, Any]:
                match = _PREDICT_PATH.match(self.path)
                if not match:
                    raise HttpError(404, f"path: {self.path!r} is not an endpoint (use /v1/models/<name>:predict)")
                model = self._model(match.group(1))
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY_BYTES:
                    raise HttpError(413, f"body: {length} bytes is over {MAX_BODY_BYTES} (send fewer instances)")
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    raise HttpError(400, "body: not valid JSON (send {\"instances\": [...]})") from None
                return predict(model, body)

            self._handle(route)

    return ThreadingHTTPServer((host, port), Handler)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m vk8s_fl.serve", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_option(p, "--host", default="0.0.0.0", help="address to listen on (127.0.0.1 for local runs)")
    add_option(p, "--port", default=8080, type=int, help="port (0 picks a free one and prints it)")
    add_option(p, "--model-name", default=None, help="name in the URL (default: the project)")
    add_option(p, "--round", default=None, type=int, help="round to serve (default: the latest stored)")
    add_storage_options(p)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    setup_logging()
    args = parse_args(argv)
    model, meta = load_model(open_storage(args), args.group, args.project, args.round)
    name = args.model_name or args.project
    server = make_server({name: model}, args.host, args.port)
    host, port = server.server_address[:2]
    print(f"serving model {name} (round {meta['round']}) on http://{host}:{port}/v1/models/{name}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
