"""``flownb simulate`` and the bundled ``demo`` sample made by the VPC twin."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb.cli import main
from flownb.samples import _demo

from .helpers import assert_same_frame


def test_cli_lists_scenarios(capsys):
    assert main(["simulate", "--list"]) == 0
    out = capsys.readouterr().out
    assert "nacl_blocks_return" in out and "ports=500" in out


def test_cli_writes_a_layout_and_truth(tmp_path, capsys):
    out = tmp_path / "logs"
    truth = tmp_path / "truth.csv"
    code = main(
        ["simulate", "--scenario", "port_scan,nat_gateway", "--duration", "20min", "--layout", "s3-hive",
         "--out", str(out), "--set", "ports=40", "--truth", str(truth), "--format", "v5"]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "vertical_scan" in printed and "VIA_NAT_GATEWAY" in printed
    df = flownb.read_flow_logs(str(out))
    assert "pkt_srcaddr" in df
    assert pd.read_csv(truth)["expected"].tolist() == ["vertical_scan", "REACHABLE", "VIA_NAT_GATEWAY"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--scenario", "portscan", "--out", "x"], "did you mean"),
        (["simulate", "--duration", "1h"], "--out DIR is required"),
        (["simulate", "--set", "oops", "--out", "x"], "KEY=VALUE"),
    ],
)
def test_cli_errors(argv, message, capsys):
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_demo_sample_loads_with_its_truth():
    df = flownb.samples.load("demo")
    assert len(df) > 100_000
    assert {"flow_direction", "pkt_srcaddr", "traffic_path"} <= set(df.columns)
    assert df["start"].min() >= pd.Timestamp("2025-06-02", tz="UTC")
    assert df["end"].max() < pd.Timestamp("2025-06-03", tz="UTC")
    t = flownb.samples.truth("demo")
    assert {"vertical_scan", "brute_force", "volume_anomaly", "beaconing", "INCOMPLETE_DATA"} <= set(
        t["expected"]
    )
    assert "demo" in flownb.samples.list()["name"].tolist()


@pytest.mark.slow  # simulates the whole demo day again
def test_demo_sample_is_what_the_recipe_makes():
    """The committed files are exactly the simulator's output (regenerate with python -m flownb.samples._demo)."""
    sim = _demo.build()
    assert_same_frame(flownb.samples.load("demo"), sim.flows)
    assert_same_frame(flownb.samples.truth("demo"), sim.truth)


def test_unknown_truth_sample():
    with pytest.raises(KeyError, match="no ground truth"):
        flownb.samples.truth("aws-docs/ipv6")


def test_cli_describes_the_changed_vpc(capsys):
    assert main(["simulate", "-s", "nacl_blocks_return", "--describe", "--duration", "10min"]) == 0
    out = capsys.readouterr().out
    assert "network ACL db-a-nacl" in out and "NACL_OUTBOUND_BLOCKS_RETURN" in out


def test_write_under_a_prefix(tmp_path):
    s = flownb.sim.simulate(duration="10min")
    files = s.write(str(tmp_path), layout="s3-hive", prefix="/flows/prod/")
    assert all("/flows/prod/AWSLogs/aws-account-id=" in f for f in files)
    assert len(flownb.read_flow_logs(str(tmp_path))) == len(s.flows)
    with pytest.raises(ValueError, match="'prefix' must stay inside"):
        s.write(str(tmp_path), prefix="../x")
