"""Where aggregated weights go: `{group}/{project}/{round}/` in a local directory or S3.

Layout, one folder (key prefix) per finished round:

    [<prefix>/]<group>/<project>/<round>/weights.npz   arrays layer_000, layer_001, ...
    [<prefix>/]<group>/<project>/<round>/meta.json     round, num_examples, num_clients, model

`meta.json` is written after `weights.npz`, so a round counts as stored only once its
meta exists. Both back ends share this layout code; they differ only in how bytes move.
"""

from __future__ import annotations

import io
import json
import os
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from .model import Weights

WEIGHTS_FILE = "weights.npz"
META_FILE = "meta.json"
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def round_prefix(group: str, project: str, round_number: int) -> str:
    """`{group}/{project}/{round}`, after checking each part is one safe path segment."""
    problems = [p for p in (_segment_problem("group", group), _segment_problem("project", project)) if p]
    if isinstance(round_number, bool) or not isinstance(round_number, int) or round_number < 1:
        problems.append(f"round: {round_number!r} is not a round number (use an integer from 1)")
    if problems:
        raise ValueError("; ".join(problems))
    return f"{group}/{project}/{round_number}"


def _segment_problem(field: str, value: str) -> str | None:
    if not isinstance(value, str) or not _SEGMENT.match(value):
        return (
            f"{field}: {value!r} is not a single path segment "
            "(use letters, digits, '.', '_' or '-', starting with a letter or digit)"
        )
    return None


def encode_weights(weights: Weights) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{f"layer_{i:03d}": np.asarray(w) for i, w in enumerate(weights)})
    return buf.getvalue()


def decode_weights(data: bytes) -> Weights:
    with np.load(io.BytesIO(data), allow_pickle=False) as f:
        return [f[name] for name in sorted(f.files)]


class WeightStorage(ABC):
    """Per-round weight storage. Subclasses move bytes; the layout lives here."""

    @abstractmethod
    def write_bytes(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def read_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def list_children(self, key: str) -> list[str]:
        """Names of the immediate children (files or folders) under `key`."""

    @abstractmethod
    def describe(self, key: str) -> str:
        """Human-readable location of `key` (a path or an s3:// URL), for logs."""

    def save_round(
        self, group: str, project: str, round_number: int, weights: Weights, meta: dict[str, Any]
    ) -> str:
        """Store one round; returns its location. `meta` gets `round` added."""
        prefix = round_prefix(group, project, round_number)
        self.write_bytes(f"{prefix}/{WEIGHTS_FILE}", encode_weights(weights))
        full_meta = {**meta, "round": round_number}
        self.write_bytes(f"{prefix}/{META_FILE}", json.dumps(full_meta, sort_keys=True, indent=2).encode())
        return self.describe(prefix)

    def load_round(self, group: str, project: str, round_number: int) -> tuple[Weights, dict[str, Any]]:
        prefix = round_prefix(group, project, round_number)
        meta = json.loads(self.read_bytes(f"{prefix}/{META_FILE}"))
        return decode_weights(self.read_bytes(f"{prefix}/{WEIGHTS_FILE}")), meta

    def list_rounds(self, group: str, project: str) -> list[int]:
        """Stored rounds (those with a meta.json), ascending."""
        round_prefix(group, project, 1)  # validates group and project
        rounds = sorted(int(name) for name in self.list_children(f"{group}/{project}") if name.isdigit())
        return [r for r in rounds if META_FILE in self.list_children(f"{group}/{project}/{r}")]

    def latest_round(self, group: str, project: str) -> int:
        rounds = self.list_rounds(group, project)
        if not rounds:
            raise LookupError(
                f"storage: no round stored under {self.describe(f'{group}/{project}')} "
                "(run federated training first, or check group and project)"
            )
        return rounds[-1]


class LocalDirectoryStorage(WeightStorage):
    """Rounds as folders under `root` (e.g. the user's mounted volume)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def write_bytes(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic on one file system: readers never see half a file

    def read_bytes(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def list_children(self, key: str) -> list[str]:
        path = self.root / key
        return sorted(p.name for p in path.iterdir() if not p.name.startswith(".")) if path.is_dir() else []

    def describe(self, key: str) -> str:
        return str(self.root / key)


class S3Storage(WeightStorage):
    """Rounds as keys in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...).

    Args:
        bucket: bucket name; it must exist.
        client: a boto3 S3 client (see `s3_client`) or anything with the same
            put_object / get_object / list_objects_v2 methods.
        prefix: key prefix before `{group}/...`. Default: "" (bucket root).
    """

    def __init__(self, bucket: str, client: Any, prefix: str = "") -> None:
        self.bucket = bucket
        self.client = client
        self.prefix = prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def write_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def read_bytes(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def list_children(self, key: str) -> list[str]:
        base = self._key(key).rstrip("/") + "/"
        names: set[str] = set()
        token = None
        while True:
            kwargs = {"Bucket": self.bucket, "Prefix": base, "Delimiter": "/"}
            if token:
                kwargs["ContinuationToken"] = token
            page = self.client.list_objects_v2(**kwargs)
            names.update(o["Key"][len(base):] for o in page.get("Contents", []))
            names.update(p["Prefix"][len(base):].rstrip("/") for p in page.get("CommonPrefixes", []))
            if not page.get("IsTruncated"):
                return sorted(names)
            token = page["NextContinuationToken"]

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"


def s3_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    """A boto3 S3 client. Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID /
    AWS_SECRET_ACCESS_KEY env, mounted config, instance role); they are never logged.

    Args:
        endpoint_url: S3-compatible endpoint, e.g. a MinIO service. Default: AWS.
        region: region name. Default: boto3's own (AWS_DEFAULT_REGION) or us-east-1.
    """
    import boto3  # lazy: clients that store nothing need not install boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        # path-style addressing works with MinIO and other S3-compatible stores
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def storage_from_url(url: str, endpoint_url: str | None = None) -> WeightStorage:
    """`s3://bucket[/prefix]` -> `S3Storage`; a path or `file://` URL -> `LocalDirectoryStorage`.

    Args:
        endpoint_url: S3-compatible endpoint for s3:// URLs. Default: AWS.
    """
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise ValueError(f"storage: {url!r} has no bucket (use s3://<bucket>[/<prefix>])")
        return S3Storage(bucket, s3_client(endpoint_url), prefix)
    if url.startswith("file://"):
        url = url[len("file://"):]
    if not url:
        raise ValueError("storage: empty location (use a directory path or s3://<bucket>[/<prefix>])")
    return LocalDirectoryStorage(url)
