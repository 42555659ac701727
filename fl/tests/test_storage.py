"""Storage layout `{group}/{project}/{round}` on a local directory and on S3.

S3 is exercised two ways: an in-memory fake client (key layout, pagination) and a real
boto3 client against a moto S3 server on 127.0.0.1 (HTTP, endpoint configuration)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from conftest import free_port
from vk8s_fl.storage import LocalDirectoryStorage, S3Storage, round_prefix, storage_from_url

WEIGHTS = [np.arange(6, dtype=np.float64).reshape(2, 3), np.array([0.5, -1.5], dtype=np.float32)]
SEGMENT_FIX = "(use letters, digits, '.', '_' or '-', starting with a letter or digit)"


@pytest.mark.parametrize(
    "group, project, round_number, expected",
    [("team-a", "digits", 1, "team-a/digits/1"), ("g_1", "p.v2", 12, "g_1/p.v2/12")],
)
def test_round_prefix_lays_out_group_project_round(group, project, round_number, expected):
    assert round_prefix(group, project, round_number) == expected


@pytest.mark.parametrize(
    "group, project, round_number, message",
    [
        ("a/b", "p", 1, f"group: 'a/b' is not a single path segment {SEGMENT_FIX}"),
        ("..", "p", 1, f"group: '..' is not a single path segment {SEGMENT_FIX}"),
        ("g", "", 1, f"project: '' is not a single path segment {SEGMENT_FIX}"),
        ("g", "p", 0, "round: 0 is not a round number (use an integer from 1)"),
        ("g", "p", True, "round: True is not a round number (use an integer from 1)"),
        ("a b", "c/d", "1",
         f"group: 'a b' is not a single path segment {SEGMENT_FIX}; "
         f"project: 'c/d' is not a single path segment {SEGMENT_FIX}; "
         "round: '1' is not a round number (use an integer from 1)"),
    ],
)
def test_round_prefix_reports_every_problem(group, project, round_number, message):
    with pytest.raises(ValueError) as err:
        round_prefix(group, project, round_number)
    assert str(err.value) == message


def test_local_directory_writes_weights_and_meta_per_round(tmp_path):
    storage = LocalDirectoryStorage(tmp_path)
    location = storage.save_round("team-a", "digits", 3, WEIGHTS, {"num_examples": 10, "num_clients": 2})
    assert location == str(tmp_path / "team-a" / "digits" / "3")
    assert sorted(p.name for p in (tmp_path / "team-a" / "digits" / "3").iterdir()) == ["meta.json", "weights.npz"]
    meta_text = (tmp_path / "team-a/digits/3/meta.json").read_text()
    assert json.loads(meta_text) == {"num_clients": 2, "num_examples": 10, "round": 3}
    assert meta_text.index('"num_clients"') < meta_text.index('"num_examples"') < meta_text.index('"round"')
    with np.load(tmp_path / "team-a/digits/3/weights.npz") as f:
        assert f.files == ["layer_000", "layer_001"]
    weights, meta = storage.load_round("team-a", "digits", 3)
    assert meta["round"] == 3
    for got, want in zip(weights, WEIGHTS, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_rounds_are_listed_numerically_and_only_when_complete(tmp_path):
    storage = LocalDirectoryStorage(tmp_path)
    for r in (1, 2, 10, 9):
        storage.save_round("g", "p", r, WEIGHTS, {})
    (tmp_path / "g/p/11").mkdir()  # weights not finished: no meta.json yet
    (tmp_path / "g/p/11/weights.npz").write_bytes(b"partial")
    (tmp_path / "g/p/notes").mkdir()
    assert storage.list_rounds("g", "p") == [1, 2, 9, 10]
    assert storage.latest_round("g", "p") == 10


def test_latest_round_of_empty_project_names_the_location(tmp_path):
    with pytest.raises(LookupError) as err:
        LocalDirectoryStorage(tmp_path).latest_round("g", "p")
    assert str(err.value) == (
        f"storage: no round stored under {tmp_path}/g/p (run federated training first, or check group and project)"
    )


class FakeS3:
    """In-memory stand-in for a boto3 S3 client; pages of `page_size` keys."""

    def __init__(self, page_size: int = 2) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.page_size = page_size
        self.list_calls = 0

    def put_object(self, Bucket, Key, Body):  # noqa: N803 (boto3 names)
        self.objects[(Bucket, Key)] = bytes(Body)

    def get_object(self, Bucket, Key):  # noqa: N803
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def list_objects_v2(self, Bucket, Prefix, Delimiter, ContinuationToken=None):  # noqa: N803
        self.list_calls += 1
        entries = set()
        for bucket, key in self.objects:
            if bucket == Bucket and key.startswith(Prefix):
                rest = key[len(Prefix):]
                entries.add(("prefix", Prefix + rest.split(Delimiter)[0] + Delimiter) if Delimiter in rest else ("key", key))
        entries = sorted(entries, key=lambda e: e[1])
        start = int(ContinuationToken or 0)
        page = entries[start : start + self.page_size]
        result = {
            "Contents": [{"Key": k} for t, k in page if t == "key"],
            "CommonPrefixes": [{"Prefix": k} for t, k in page if t == "prefix"],
            "IsTruncated": start + self.page_size < len(entries),
        }
        if result["IsTruncated"]:
            result["NextContinuationToken"] = str(start + self.page_size)
        return result


def test_s3_keys_follow_the_same_layout_under_the_prefix():
    fake = FakeS3()
    storage = S3Storage("models", fake, prefix="/fl-rounds/")
    assert storage.save_round("team-a", "digits", 1, WEIGHTS, {}) == "s3://models/fl-rounds/team-a/digits/1"
    storage.save_round("team-a", "digits", 2, WEIGHTS, {})
    assert sorted(fake.objects) == [
        ("models", "fl-rounds/team-a/digits/1/meta.json"),
        ("models", "fl-rounds/team-a/digits/1/weights.npz"),
        ("models", "fl-rounds/team-a/digits/2/meta.json"),
        ("models", "fl-rounds/team-a/digits/2/weights.npz"),
    ]
    weights, meta = storage.load_round("team-a", "digits", 2)
    assert meta == {"round": 2}
    np.testing.assert_array_equal(weights[0], WEIGHTS[0])


def test_s3_listing_follows_continuation_pages():
    fake = FakeS3(page_size=2)
    storage = S3Storage("models", fake)
    for r in range(1, 6):
        storage.save_round("g", "p", r, WEIGHTS, {})
    fake.list_calls = 0
    assert storage.list_children("g/p") == ["1", "2", "3", "4", "5"]
    assert fake.list_calls == 3  # 5 folders in pages of 2
    assert storage.list_rounds("g", "p") == [1, 2, 3, 4, 5]


def test_s3_storage_through_boto3_against_a_local_s3_server(monkeypatch):
    from moto.server import ThreadedMotoServer

    for key, value in {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        storage = storage_from_url("s3://fl-models/runs", endpoint_url=endpoint)
        assert isinstance(storage, S3Storage)
        assert storage.client.meta.endpoint_url == endpoint
        storage.client.create_bucket(Bucket="fl-models")
        storage.save_round("team-a", "digits", 1, WEIGHTS, {"num_examples": 5})
        storage.save_round("team-a", "digits", 2, WEIGHTS, {"num_examples": 7})
        listed = storage.client.list_objects_v2(Bucket="fl-models")["Contents"]
        assert sorted(o["Key"] for o in listed) == [
            "runs/team-a/digits/1/meta.json", "runs/team-a/digits/1/weights.npz",
            "runs/team-a/digits/2/meta.json", "runs/team-a/digits/2/weights.npz",
        ]
        assert storage.latest_round("team-a", "digits") == 2
        weights, meta = storage.load_round("team-a", "digits", 2)
        assert meta == {"num_examples": 7, "round": 2}
        np.testing.assert_array_equal(weights[1], WEIGHTS[1])
    finally:
        server.stop()


@pytest.mark.parametrize(
    "url, kind, where",
    [
        ("/data/models", LocalDirectoryStorage, "/data/models/g/p"),
        ("file:///data/models", LocalDirectoryStorage, "/data/models/g/p"),
        ("s3://bucket", S3Storage, "s3://bucket/g/p"),
        ("s3://bucket/a/b", S3Storage, "s3://bucket/a/b/g/p"),
    ],
)
def test_storage_from_url(url, kind, where, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    storage = storage_from_url(url, endpoint_url="http://127.0.0.1:9")
    assert isinstance(storage, kind)
    assert storage.describe("g/p") == where


@pytest.mark.parametrize(
    "url, message",
    [
        ("s3://", "storage: 's3://' has no bucket (use s3://<bucket>[/<prefix>])"),
        ("", "storage: empty location (use a directory path or s3://<bucket>[/<prefix>])"),
    ],
)
def test_storage_from_url_rejects(url, message):
    with pytest.raises(ValueError) as err:
        storage_from_url(url)
    assert str(err.value) == message
