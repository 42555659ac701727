"""Model server speaking KServe's v1 protocol: `python -m vk8s_fl.serve`.

    GET  /v1/models                 {"models": [names]}
    GET  /v1/models/<name>          {"name": name, "ready": true}           (404 unknown)
    POST /v1/models/<name>:predict  {"instances": [...]} -> {"predictions": [[p0, .., pk]]}

Each instance is one input of the model's shape (64 numbers for the digits MLP; a
32x32x3 nested list for EfficientNetB0 on CIFAR-10); each prediction is the class
probabilities. Every error, including malformed HTTP, answers JSON
{"error": "<field>: <what> (<fix>)"}: 400 (bad request or body), 404 (unknown model or
path), 405 (wrong method), 413 (body of `MAX_BODY_BYTES` or more), 431 (headers over
`MAX_HEADER_BYTES`), 500 (the model produced non-finite numbers), 501 (a
Transfer-Encoding other than chunked).

HTTP framing and limits are waitress's (a pure-Python WSGI server of the Pylons
project; https://docs.pylonsproject.org/projects/waitress/en/stable/arguments.html):
Content-Length must be digits only (so `-1`, `abc`, `1.5` are 400 before any body is
read), bodies are buffered by the I/O thread (spilled to a temporary file past 512 KiB)
and refused at `MAX_BODY_BYTES`, a connection silent for `read_timeout` seconds is closed
(also mid-request: slowloris clients hold a socket, never a thread), at most
`connection_limit` connections are open, and `threads` worker threads run the model.
Only waitress's plain-text error page is replaced, by `_JsonErrorTask`, so framing
errors answer JSON too.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

import numpy as np
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import create_server
from waitress.task import ErrorTask
from waitress.utilities import BadRequest, RequestEntityTooLarge, RequestHeaderFieldsTooLarge

from .cli import add_option, add_storage_options, open_storage, setup_logging
from .loader import load_model
from .model import Model

log = logging.getLogger("vk8s_fl.serve")

MAX_BODY_BYTES = 64 * 1024 * 1024  # a body of this many bytes or more is refused (413)
MAX_HEADER_BYTES = 64 * 1024  # request line + headers (431 beyond)
DEFAULT_READ_TIMEOUT_S = 30  # a connection silent this long is closed
DEFAULT_CONNECTION_LIMIT = 100  # open connections; more wait in the listen backlog
DEFAULT_THREADS = 4  # worker threads that run predictions
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
    except (TypeError, ValueError, OverflowError):
        raise HttpError(400, "instances: not numeric arrays of one shape (send numbers only)") from None
    if x.shape[1:] != tuple(model.input_shape):
        raise HttpError(
            400,
            f"instances: each has shape {list(x.shape[1:])}, the model takes {list(model.input_shape)} "
            "(send inputs preprocessed like the training data)",
        )
    if not np.all(np.isfinite(x)):
        raise HttpError(400, "instances: contain NaN or infinity (send finite numbers)")
    proba = np.asarray(model.predict_proba(x), dtype=np.float64)
    if not np.all(np.isfinite(proba)):
        raise HttpError(500, "model: produced NaN or infinite probabilities (serve a round with finite weights)")
    return {"predictions": proba.tolist()}


def parse_body(raw: bytes) -> Any:
    """The request body as JSON; every way it can fail is a 400 naming the cause."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise HttpError(400, "body: JSON nested too deeply (send instances as arrays of numbers)") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HttpError(400, 'body: not valid JSON (send {"instances": [...]})') from None
    except ValueError as err:  # e.g. an integer over Python's 4300-digit conversion limit
        raise HttpError(400, f"body: a number cannot be read ({err}; send numbers as floats)") from None


def _json_response(status: int, payload: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    data = json.dumps(payload, allow_nan=False).encode()
    return (f"{status} {HTTPStatus(status).phrase}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))], data)


def make_app(models: Mapping[str, Model]) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """The WSGI application serving `models` (name -> model)."""

    def model_named(name: str) -> Model:
        if name not in models:
            raise HttpError(404, f"model: {name!r} is not served (use one of {sorted(models)})")
        return models[name]

    def route(environ: dict[str, Any]) -> dict[str, Any]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        predict_match, model_match = _PREDICT_PATH.match(path), _MODEL_PATH.match(path)
        if path == "/v1/models" or model_match:
            if method != "GET":
                raise HttpError(405, f"method: {method} is not allowed on {path!r} (use GET)")
            if model_match is None:
                return {"models": sorted(models)}
            model_named(model_match.group(1))
            return {"name": model_match.group(1), "ready": True}
        if predict_match:
            if method != "POST":
                raise HttpError(405, f"method: {method} is not allowed on {path!r} (use POST)")
            model = model_named(predict_match.group(1))
            # waitress has read exactly CONTENT_LENGTH bytes (digits only, below the cap).
            length = int(environ.get("CONTENT_LENGTH") or 0)
            return predict(model, parse_body(environ["wsgi.input"].read(length)))
        use = "/v1/models/<name>:predict" if method == "POST" else "/v1/models/<name>"
        raise HttpError(404, f"path: {path!r} is not an endpoint (use {use})")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            status, headers, data = _json_response(200, route(environ))
        except HttpError as err:
            status, headers, data = _json_response(err.status, {"error": str(err)})
        start_response(status, headers)
        return [data]

    return app


class _JsonErrorTask(ErrorTask):
    """waitress's error answer (malformed request, body or headers too large, app crash)
    as {"error": ...} JSON instead of its plain-text page."""

    def execute(self) -> None:
        e = self.request.error
        if isinstance(e, RequestEntityTooLarge):
            cap = self.channel.server.adj.max_request_body_size
            message = f"body: {cap} bytes or more (send fewer instances per request)"
        elif isinstance(e, RequestHeaderFieldsTooLarge):
            message = f"headers: over {MAX_HEADER_BYTES} bytes (send shorter headers)"
        elif isinstance(e, BadRequest):
            message = f"request: {e.body} (send well-formed HTTP/1.1 with Content-Length as digits)"
        elif e.code >= 500 and e.code != 501:
            message = "server: internal error (see the server log)"
        else:
            message = f"request: {e.body} (send Content-Length or Transfer-Encoding: chunked)"
        data = json.dumps({"error": message}).encode()
        self.status = f"{e.code} {e.reason}"
        self.response_headers.extend([("Content-Type", "application/json")])
        self.set_close_on_finish()
        self.content_length = len(data)
        self.write(data)


class _StrictParser(HTTPRequestParser):
    """waitress's parser, with a Content-Length of digits that Python refuses to convert
    (over 4300 digits: ValueError, which waitress lets escape) made a 400 too."""

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except ValueError as err:
            which = "Content-Length is invalid" if "integer string conversion" in str(err) else "Invalid header"
            raise ParsingError(which) from None


class _JsonErrorChannel(HTTPChannel):
    error_task_class = _JsonErrorTask
    parser_class = _StrictParser


class ModelServer:
    """A waitress server for `models` bound to host:port (port 0 picks a free port).

    `serve_forever()` blocks until `shutdown()` (callable from another thread).

    Args:
        read_timeout: seconds a connection may stay silent, mid-request included,
            before it is closed. Default: `DEFAULT_READ_TIMEOUT_S` (30).
        connection_limit: open connections at most. Default: 100.
        threads: worker threads running predictions. Default: 4.
        max_body_bytes: bodies of this many bytes or more are refused (413).
            Default: `MAX_BODY_BYTES` (64 MiB).
    """

    def __init__(
        self,
        models: Mapping[str, Model],
        host: str = "127.0.0.1",
        port: int = 8080,
        *,
        read_timeout: int = DEFAULT_READ_TIMEOUT_S,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
        threads: int = DEFAULT_THREADS,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self._server = create_server(
            make_app(models),
            host=host,
            port=port,
            threads=threads,
            connection_limit=connection_limit,
            channel_timeout=read_timeout,
            cleanup_interval=max(1, min(read_timeout, 30)),  # how often idle channels are checked
            max_request_body_size=max_body_bytes,
            max_request_header_size=MAX_HEADER_BYTES,
            ident="vk8s-fl-serve",
            expose_tracebacks=False,
        )
        self._server.channel_class = _JsonErrorChannel
        self.host = str(self._server.effective_host)
        self.port = int(self._server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        try:
            self._server.run()
        finally:
            self._server.task_dispatcher.shutdown()

    def shutdown(self) -> None:
        """Close the listening socket and every connection, from the I/O thread; then
        `serve_forever` returns."""
        server = self._server

        def close_all() -> None:
            for channel in list(server.active_channels.values()):
                channel.close()
            server.close()

        server.trigger.pull_trigger(close_all)


def make_server(models: Mapping[str, Model], host: str = "127.0.0.1", port: int = 8080, **limits: Any) -> ModelServer:
    """`ModelServer(models, host, port, **limits)`; port 0 picks a free port."""
    return ModelServer(models, host, port, **limits)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m vk8s_fl.serve", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_option(p, "--host", default="0.0.0.0", help="address to listen on (127.0.0.1 for local runs)")
    add_option(p, "--port", default=8080, type=int, help="port (0 picks a free one and prints it)")
    add_option(p, "--model-name", default=None, help="name in the URL (default: the project)")
    add_option(p, "--round", default=None, type=int, help="round to serve (default: the latest stored)")
    add_option(p, "--read-timeout", default=DEFAULT_READ_TIMEOUT_S, type=int,
               help="seconds a connection may stay silent (mid-request too) before it is closed")
    add_option(p, "--threads", default=DEFAULT_THREADS, type=int, help="worker threads running predictions")
    add_storage_options(p)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    setup_logging()
    args = parse_args(argv)
    model, meta = load_model(open_storage(args), args.group, args.project, args.round)
    name = args.model_name or args.project
    server = make_server({name: model}, args.host, args.port, read_timeout=args.read_timeout, threads=args.threads)
    print(f"serving model {name} (round {meta['round']}) on {server.url}/v1/models/{name}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
