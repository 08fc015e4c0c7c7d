"""connectivity_report(): every failing pair of a VPC, the worst first, and nothing that is meant to fail."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import flownb
from flownb.analysis import connectivity_report

from ..test_traffic import T0, frame, rec


@pytest.fixture(scope="module")
def demo():
    return flownb.samples.load("demo")


@pytest.fixture(scope="module")
def truth():
    from flownb.samples import path

    t = pd.read_csv(Path(path("demo")).with_name("demo-truth.csv"), parse_dates=["start", "end"])
    from flownb.analysis.connectivity._verdicts import TABLE

    failing = {v.code for v in TABLE if v.failing}
    return t[(t["kind"] == "verdict") & t["expected"].isin(failing)].reset_index(drop=True)


def test_the_demo_day_report_finds_every_injected_fault(demo, truth):
    r = connectivity_report(demo)
    got = {(row.client, row.server, int(row.port), row.verdict) for row in r.itertuples()}
    for t in truth.itertuples():
        assert (t.src, t.dst, int(t.dst_port), t.expected) in got, (t, r)
        # and its window covers the fault's
        row = r[(r["client"] == t.src) & (r["server"] == t.dst) & (r["verdict"] == t.expected)].iloc[0]
        assert row["start"] <= t.start + pd.Timedelta("1min") and row["end"] >= t.end - pd.Timedelta("1min")
    assert len(truth) == 4


def _consequences() -> pd.DataFrame:
    from flownb.samples import path

    t = pd.read_csv(Path(path("demo")).with_name("demo-truth.csv"), parse_dates=["start", "end"])
    return t[t["kind"] == "consequence"].reset_index(drop=True)


def test_the_demo_day_report_finds_nothing_else(demo, truth):
    # every row is an injected fault, or normal traffic the twin knows that fault's change broke
    # (its ground truth lists those as consequences), with the same verdict, during the fault
    r = connectivity_report(demo)
    known = pd.concat([truth, _consequences()], ignore_index=True)
    for row in r.itertuples():
        same = known[
            (known["src"] == row.client)
            & (known["dst"] == row.server)
            & (known["dst_port"] == row.port)
            & (known["expected"] == row.verdict)
        ]
        assert len(same) == 1, row
        t = same.iloc[0]
        slack = pd.Timedelta("2min")
        assert row.start <= t["end"] + slack and row.end >= t["start"] - slack, row
    # scanners, probes and sweeps of the same day are left out
    assert not (r["client"].str.startswith(("185.", "45.", "103."))).any()


def test_the_demo_day_report_finds_every_consequence_too():
    r = connectivity_report(flownb.samples.load("demo"))
    got = {(row.client, row.server, int(row.port), row.verdict) for row in r.itertuples()}
    for t in _consequences().itertuples():
        assert (t.src, t.dst, int(t.dst_port), t.expected) in got, t


def test_the_odd_pair_of_nacl_change_midday_is_what_the_edit_breaks():
    # removing db-a's outbound ephemeral rule (1024-65535) also stops db-1's own replication requests
    # to db-2:5432 (5432 is inside 1024-65535): a true consequence, rejected leaving db-1
    from flownb.sim import simulate

    s = simulate("nacl_change_midday", duration="2h", at="1h")
    r = connectivity_report(s.flows)
    odd = r[(r["client"] == "10.0.20.10") & (r["server"] == "10.0.21.10")]
    assert odd["verdict"].tolist() == ["OUTBOUND_BLOCKED_SG_OR_NACL"]
    assert odd["start"].iloc[0] >= s.start + pd.Timedelta("1h")
    t = s.truth[(s.truth["kind"] == "consequence") & (s.truth["src"] == "10.0.20.10")]
    assert t[["dst", "dst_port", "expected", "scenario"]].values.tolist() == [
        ["10.0.21.10", 5432, "OUTBOUND_BLOCKED_SG_OR_NACL", "nacl_change_midday"]
    ]
    # and every row of the report is the fault or one of its consequences
    known = s.truth[s.truth["kind"].isin(["verdict", "consequence"])]
    expect = {(a, b, int(p), v) for a, b, p, v in known[["src", "dst", "dst_port", "expected"]].values}
    assert {(x.client, x.server, int(x.port), x.verdict) for x in r.itertuples()} <= expect


def test_the_report_ranks_by_failed_connections_and_gives_the_fix(demo):
    r = connectivity_report(demo)
    assert r["failed"].is_monotonic_decreasing
    top = r.iloc[0]
    assert top["verdict"] == "INBOUND_BLOCKED_SG_OR_NACL" and top["clients"] == 2
    assert top["fix"] == (
        f"Allow TCP port 5432 from {top['client']} inbound in the security group of {top['server']} "
        "and its subnet's network ACL"
    )
    nacl = r[r["verdict"] == "NACL_OUTBOUND_BLOCKS_RETURN"].iloc[0]
    assert nacl["start"] == pd.Timestamp("2025-06-02 10:05", tz="UTC")
    assert nacl["end"] == pd.Timestamp("2025-06-02 10:50", tz="UTC")
    assert nacl["duration"] == pd.Timedelta("45min")
    assert "ports 1024-65535" in nacl["fix"]


def test_a_time_window_reports_what_was_broken_then(demo):
    r = connectivity_report(demo, start="2025-06-02 15:35", end="2025-06-02 15:40")
    assert "CONNECTION_REFUSED" in set(r["verdict"].astype(str))
    assert "NACL_OUTBOUND_BLOCKS_RETURN" not in set(r["verdict"].astype(str))


def _refused(client: str, n: int, t0: int = T0) -> list[dict]:
    rows = []
    for i in range(n):
        t = t0 + 60 * i
        rows.append(
            rec(
                client,
                "10.0.1.1",
                40000 + i,
                8080,
                eni="eni-a",
                start=t,
                tcp_flags=2,
                flow_direction="egress",
            )
        )
        rows.append(
            rec(
                "10.0.1.1",
                client,
                8080,
                40000 + i,
                eni="eni-a",
                start=t,
                tcp_flags=4,
                flow_direction="ingress",
            )
        )
    return rows


def test_one_off_attempts_are_not_faults_persistent_ones_are():
    one_off = frame(_refused("10.0.0.5", 2))
    assert connectivity_report(one_off).empty
    persistent = frame(_refused("10.0.0.5", 6))
    r = connectivity_report(persistent)
    assert r[["client", "server", "port", "verdict", "windows"]].values.tolist() == [
        ["10.0.0.5", "10.0.1.1", 8080, "CONNECTION_REFUSED", 6]
    ]
    assert connectivity_report(persistent, min_windows=7).empty
    # an internet client probing a port nobody uses is traffic meant to be blocked, however often
    assert connectivity_report(frame(_refused("198.51.100.7", 12))).empty


def test_errors_are_for_people():
    df = frame(_refused("10.0.0.5", 1))
    with pytest.raises(ValueError, match="'min_windows' must be a whole number"):
        connectivity_report(df, min_windows=0)
    with pytest.raises(ValueError, match=r"end .* is before start"):
        connectivity_report(df, start="2025-01-02", end="2025-01-01")


def test_cli_report_connectivity(capsys):
    from flownb.cli import main
    from flownb.samples import path

    assert main(["report", "connectivity", path("demo")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("9 failing pair(s), the worst first:")
    assert "10.0.10.10 -> 10.0.20.10:5432 (TCP)  NACL_OUTBOUND_BLOCKS_RETURN" in out
    assert "fix: Allow outbound TCP ports 1024-65535 to 10.0.10.10" in out


def test_the_matrix_chart_draws_each_failing_pair(demo):
    pytest.importorskip("altair")
    r = connectivity_report(demo)
    spec = flownb.charts.connectivity_matrix(r).to_dict()
    values = spec["datasets"][spec["data"]["name"]] if "datasets" in spec else spec["data"]["values"]
    assert len(values) == len(r)
    assert {v["server"] for v in values} >= {"10.0.20.10:5432", "10.0.21.10:5432", "10.0.11.10:8080"}


@pytest.mark.parametrize("scenario", ["ipv6_sg_missing_rule", "ipv6_nacl_blocks_return"])
def test_the_report_finds_ipv6_faults_of_a_dual_stack_vpc(scenario):
    # a VPC's IPv6 addresses are global unicast: its interfaces' own addresses are still inside, and a
    # dual-stack web server that answers IPv4 clients on 443 is wanted on 443 over IPv6 too
    from flownb.sim import simulate

    s = simulate(["baseline", scenario], duration="2h", format="v5")
    t = s.truth[s.truth["kind"] == "verdict"].iloc[0]
    r = connectivity_report(s.flows)
    assert r[["client", "server", "port", "verdict"]].values.tolist() == [
        [t["src"], t["dst"], int(t["dst_port"]), t["expected"]]
    ]
