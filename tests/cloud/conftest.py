"""A moto server on 127.0.0.1 for the whole session; boto3 pointed at it with dummy credentials.

No test here reaches the internet: ``AWS_ENDPOINT_URL`` sends every client to
the local server, instance-metadata lookups are disabled and the shared
config and credential files point at empty files.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from flownb.io import _aws

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    pytest.importorskip("boto3", reason="the AWS tests need the 'aws' and 'test' extras")
    moto_server = pytest.importorskip(
        "moto.server", reason="the AWS tests need moto[server] (the 'test' extra)"
    )
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:
    """Dummy credentials, region us-east-1, every client sent to the local moto server (reset per test)."""
    import urllib.request

    empty = tmp_path / "aws-empty"
    empty.write_text("")
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).read()
    yield moto_endpoint


@dataclass
class Calls:
    """API calls (one per operation) and HTTP attempts (one per try) made by flownb's clients."""

    calls: list[tuple[str, dict]] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)

    def named(self, op: str) -> list[dict]:
        return [p for name, p in self.calls if name == op]


@pytest.fixture
def calls(aws: str) -> Iterator[Calls]:
    """Record every request flownb's AWS clients make (botocore event hooks on each new client)."""
    seen = Calls()

    def hook(client: Any) -> None:
        def on_call(model: Any, params: dict, **_: Any) -> None:
            seen.calls.append((model.name, dict(params)))

        def on_send(request: Any, **_: Any) -> None:
            seen.attempts.append(request.url)

        client.meta.events.register("before-parameter-build.*.*", on_call)
        client.meta.events.register("before-send.*.*", on_send)

    _aws._CLIENT_HOOKS.append(hook)
    yield seen
    _aws._CLIENT_HOOKS.remove(hook)


# --------------------------------------------------------------------------- building buckets

ACCOUNTS = ("111111111111", "222222222222")
REGIONS = ("us-east-1", "eu-west-1")


def record_lines(
    n: int, file_time: int, account: str, *, seed: int = 0, with_account: bool = True
) -> list[str]:
    """``n`` default-format records that start 6 to 9 minutes before ``file_time`` (Unix seconds)."""
    out = []
    for i in range(n):
        start = file_time - 360 - (i * 7 + seed) % 180
        port = (22, 443, 3389, 80)[(i + seed) % 4]
        action = "REJECT" if (i + seed) % 5 == 0 else "ACCEPT"
        fields = [
            "2",
            *([account] if with_account else []),
            f"eni-{(i + seed) % 7:017x}",
            f"10.0.{(i + seed) % 3}.{i % 250 + 1}",
            "10.0.9.9",
            str(40000 + i),
            str(port),
            "6",
            str(i % 10 + 1),
            str((i % 10 + 1) * 100),
            str(start),
            str(start + 60),
            action,
            "OK",
        ]
        out.append(" ".join(fields))
    return out


def gz_text(lines: list[str], header: str = HEADER) -> bytes:
    return gzip.compress((header + "\n" + "\n".join(lines) + "\n").encode())


def parquet_bytes(lines: list[str], header: str = HEADER) -> bytes:
    """Records as AWS writes Parquet: underscore names, INT_32 ports and protocol, INT_64 counters and times."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = [n.replace("-", "_") for n in header.split()]
    rows = [line.split() for line in lines]
    ints32 = {"version", "srcport", "dstport", "protocol"}
    ints64 = {"packets", "bytes", "start", "end"}
    cols = {}
    for j, name in enumerate(names):
        values = [r[j] for r in rows]
        if name in ints32:
            cols[name] = pa.array([int(v) for v in values], pa.int32())
        elif name in ints64:
            cols[name] = pa.array([int(v) for v in values], pa.int64())
        else:
            cols[name] = pa.array(values, pa.string())
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf)
    return buf.getvalue()


def delivery_key(
    layout: str,
    account: str,
    region: str,
    file_time: int,
    *,
    prefix: str = "",
    org: str | None = None,
    hourly: bool = False,
    suffix: str = ".log.gz",
) -> str:
    """The key AWS gives an object delivered at ``file_time`` (Unix seconds) in a layout."""
    import datetime as dt

    t = dt.datetime.fromtimestamp(file_time, dt.UTC)
    name = f"{account}_vpcflowlogs_{region}_fl-0123456789abcdef0_{t:%Y%m%dT%H%MZ}_{file_time % 99991:08x}{suffix}"
    if layout == "classic":
        folder = f"AWSLogs/{org + '/' if org else ''}{account}/vpcflowlogs/{region}/{t:%Y/%m/%d}/"
        folder += f"{t:%H}/" if hourly else ""
    else:
        folder = (
            f"AWSLogs/{'aws-organization-id=' + org + '/' if org else ''}aws-account-id={account}/"
            f"aws-service=vpcflowlogs/aws-region={region}/year={t:%Y}/month={t:%m}/day={t:%d}/"
        )
        folder += f"hour={t:%H}/" if hourly else ""
    return prefix + folder + name


def s3_client() -> Any:
    import boto3

    return boto3.client("s3")
