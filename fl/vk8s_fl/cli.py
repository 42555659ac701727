"""Shared command-line plumbing: every option can also be set by an env variable.

`--rounds` reads `VK8S_FL_ROUNDS` when the flag is absent, and so on for every option
(`--s3-endpoint` -> `VK8S_FL_S3_ENDPOINT`), so container specs can use env or args.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any, Callable

from .storage import WeightStorage, storage_from_url

ENV_PREFIX = "VK8S_FL_"


def env_name(flag: str) -> str:
    return ENV_PREFIX + flag.lstrip("-").upper().replace("-", "_")


def add_option(
    parser: argparse.ArgumentParser,
    flag: str,
    *,
    default: Any,
    help: str,
    type: Callable[[str], Any] = str,
    required: bool = False,
    **kwargs: Any,
) -> None:
    """Add `flag` whose default is its env variable, then `default`."""
    env = env_name(flag)
    from_env = os.environ.get(env)
    value = from_env if from_env is not None else default
    shown = "required" if required and value is None else f"default: {default!r}"
    parser.add_argument(
        flag,
        default=value,
        type=type,
        required=required and value is None,
        help=f"{help} [env {env}; {shown}]",
        **kwargs,
    )


def add_storage_options(parser: argparse.ArgumentParser) -> None:
    add_option(parser, "--storage", default=None, required=True,
               help="where rounds live: a directory path or s3://<bucket>[/<prefix>]")
    add_option(parser, "--s3-endpoint", default=None,
               help="S3-compatible endpoint URL for s3:// storage (e.g. MinIO); AWS if unset")
    add_option(parser, "--group", default=None, required=True, help="user group: first path segment")
    add_option(parser, "--project", default=None, required=True, help="project: second path segment")


def open_storage(args: argparse.Namespace) -> WeightStorage:
    return storage_from_url(args.storage, endpoint_url=args.s3_endpoint)


def setup_logging() -> None:
    """INFO logs of this package to stderr. Flower configures its own "flwr" logger."""
    logger = logging.getLogger("vk8s_fl")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
