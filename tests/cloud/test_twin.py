"""The VPC twin's delivered files, put in S3 and CloudWatch Logs on moto, read back whole and by time range."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

import flownb
from flownb.io._cloudwatch import read_cloudwatch

sim_module = pytest.importorskip("flownb.sim")


def _upload(root: Path, bucket: str, prefix: str = "") -> int:
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    files = [p for p in root.rglob("*") if p.is_file()]
    for p in files:
        s3.put_object(Bucket=bucket, Key=prefix + p.relative_to(root).as_posix(), Body=p.read_bytes())
    return len(files)


@pytest.mark.parametrize("layout", ["s3", "s3-hive", "parquet"])
def test_twin_delivery_read_back_from_s3(aws, calls, tmp_path, layout) -> None:
    sim = sim_module.simulate("port_scan", seed=1, duration="3h")
    sim.write(str(tmp_path), layout=layout)
    n_objects = _upload(tmp_path, "twin", prefix="central/")
    df = flownb.read_flow_logs("s3://twin/central/", progress=False)
    assert len(df) == len(sim.flows) and len(df.flow.bad_lines) == 0
    assert set(df["account_id"].astype(str)) == set(sim.flows["account_id"].astype(str))

    calls.calls.clear()
    start, end = sim.start + pd.Timedelta("1h"), sim.start + pd.Timedelta("1h30min")
    part = flownb.read_flow_logs("s3://twin/central/", start=start, end=end, progress=False)
    want = sim.flows[(sim.flows["start"] >= start) & (sim.flows["start"] < end)]
    assert len(part) == len(want) > 0
    assert part["bytes"].sum() == want["bytes"].sum()
    gets = len(calls.named("GetObject"))
    assert gets < n_objects or layout == "parquet"  # hourly Parquet objects: 2 of 3 still overlap


def test_twin_cloudwatch_streams_read_back(aws, tmp_path) -> None:
    import boto3

    start = pd.Timestamp(time.time() - 3 * 3600, unit="s", tz="UTC").floor(
        "h"
    )  # CloudWatch keeps recent events
    sim = sim_module.simulate("nacl_blocks_return", seed=2, duration="30min", start=start)
    files = sim.write(str(tmp_path), layout="cloudwatch")
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="/twin/flow")
    for f in files:
        stream, batch = None, []
        for line in Path(f).read_text().splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)  # a subscription DATA_MESSAGE, or one event per line
            stream = obj.get("logStream") or obj.get("logStreamName")
            batch += obj.get("logEvents", [obj])
        batch = sorted(
            ({"timestamp": e["timestamp"], "message": e["message"]} for e in batch),
            key=lambda e: e["timestamp"],
        )
        logs.create_log_stream(logGroupName="/twin/flow", logStreamName=stream)
        for k in range(0, len(batch), 10_000):
            logs.put_log_events(
                logGroupName="/twin/flow", logStreamName=stream, logEvents=batch[k : k + 10_000]
            )
    df = read_cloudwatch("/twin/flow", format=" ".join(sim.format), progress=False)
    assert len(df) == len(sim.flows) and len(df.flow.bad_lines) == 0
    assert df["log_stream"].nunique() == len(files)


def test_twin_cloudwatch_files_are_read_from_their_content(tmp_path) -> None:
    sim = sim_module.simulate("nacl_blocks_return", seed=3, duration="20min")
    files = sim.write(str(tmp_path), layout="cloudwatch")
    df = flownb.read_flow_logs(files, format=" ".join(sim.format))
    assert len(df) == len(sim.flows) and len(df.flow.bad_lines) == 0
