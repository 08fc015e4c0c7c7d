"""Written layouts look like AWS delivery and read back with read_flow_logs to the same rows; output is deterministic."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import flownb
import flownb.sim as sim
from flownb.io._layout import key_info

from .helpers import assert_same_frame


@pytest.fixture(scope="module")
def simulation() -> sim.Simulation:
    return sim.simulate(
        ["nacl_blocks_return", "nat_gateway", "skipdata_gap", "port_scan"], duration="40min", format="v5"
    )


@pytest.mark.parametrize("layout", ["s3", "s3-hive", "parquet"])
def test_layout_reads_back_to_the_same_rows(simulation, layout, tmp_path):
    files = simulation.write(str(tmp_path), layout=layout)
    assert files
    back = flownb.read_flow_logs(str(tmp_path), errors="raise")
    assert_same_frame(back, simulation.flows)


def test_s3_layout_keys_and_objects(simulation, tmp_path):
    files = [Path(f) for f in simulation.write(str(tmp_path), layout="s3")]
    topo = simulation.topology
    for f in files:
        info = key_info(str(f.relative_to(tmp_path)))
        assert info.layout == "classic"
        assert (info.account_id, info.region, info.flow_log_id) == (
            topo.account_id,
            topo.region,
            topo.flow_log_id,
        )
        assert info.file_time.minute % 5 == 0
        text = gzip.decompress(f.read_bytes()).decode()
        assert text.splitlines()[0] == " ".join(simulation.format)  # the header line
    # one object per 5 minutes of records
    assert len(files) == 8


def test_hive_layout_has_hourly_partitions(simulation, tmp_path):
    files = simulation.write(str(tmp_path), layout="s3-hive")
    info = key_info(str(Path(files[0]).relative_to(tmp_path)))
    assert info.layout == "hive" and info.hour == 0
    assert "/hour=00/" in files[0]


def test_parquet_uses_aws_column_types(simulation, tmp_path):
    files = simulation.write(str(tmp_path), layout="parquet")
    assert all(f.endswith(".log.parquet") for f in files)
    sch = pq.read_schema(files[0])
    assert str(sch.field("dstport").type) == "int32"
    assert str(sch.field("bytes").type) == "int64"
    assert str(sch.field("start").type) == "int64"
    assert str(sch.field("srcaddr").type) == "string"


def test_cloudwatch_one_stream_per_eni(simulation, tmp_path):
    files = simulation.write(str(tmp_path), layout="cloudwatch")
    enis = set(simulation.flows["interface_id"].astype(str))
    assert {Path(f).name for f in files} == {f"{e}-all.json" for e in enis}
    events = 0
    for f in files:
        payloads = [json.loads(x) for x in Path(f).read_text().splitlines()]
        stamps = [e["timestamp"] for p in payloads for e in p["logEvents"]]
        assert stamps == sorted(stamps)
        for p in payloads:
            assert p["messageType"] == "DATA_MESSAGE"
            assert p["logStream"] == Path(f).name.removesuffix(".json")
            assert all(e["message"].split()[2] + "-all" == p["logStream"] for e in p["logEvents"])
            assert len({e["timestamp"] // 60_000 for e in p["logEvents"]}) == 1  # a minute per payload
        events += len(stamps)
    assert events == len(simulation.flows)
    # CloudWatch events have no header: the format is given when reading
    back = flownb.read_flow_logs(str(tmp_path), format=list(simulation.format), errors="raise")
    key = [
        "interface_id",
        "start",
        "srcaddr",
        "srcport",
        "dstaddr",
        "dstport",
        "log_status",
        "flow_direction",
    ]
    a = back.astype(str).sort_values(key).reset_index(drop=True)
    b = simulation.flows.astype(str).sort_values(key).reset_index(drop=True)
    assert a.equals(b)
    assert list(back.columns) == list(simulation.flows.columns)
    for col in back.columns:
        assert str(back[col].dtype) == str(simulation.flows[col].dtype)


def test_uncompressed_s3_text(simulation, tmp_path):
    files = simulation.write(str(tmp_path), layout="s3", compress=False)
    assert all(f.endswith(".log") for f in files)
    back = flownb.read_flow_logs(str(tmp_path), errors="raise")
    assert len(back) == len(simulation.flows)


def _digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("layout", ["s3", "parquet", "cloudwatch"])
def test_same_arguments_same_bytes(tmp_path, layout):
    args = dict(scenario=["baseline", "exfiltration", "beaconing"], seed=3, duration="30min", format="v3")
    a, b = tmp_path / "a", tmp_path / "b"
    sim.simulate(**args).write(str(a), layout=layout)
    sim.simulate(**args).write(str(b), layout=layout)
    assert _digest(a) == _digest(b)


def test_another_seed_other_records():
    a = sim.simulate(seed=1, duration="15min").flows
    b = sim.simulate(seed=2, duration="15min").flows
    assert not a.equals(b)


def test_unknown_layout_suggests(simulation, tmp_path):
    with pytest.raises(ValueError, match=r"'layout' must be one of .*did you mean 's3-hive'"):
        simulation.write(str(tmp_path), layout="s3_hive")
