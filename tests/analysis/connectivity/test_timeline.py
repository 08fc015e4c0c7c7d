"""Verdicts over time: the timeline's windows, the current verdict, and the explanation's "since"."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb.analysis import diagnose


def _stretches(truth: pd.DataFrame) -> pd.DataFrame:
    return truth[truth["kind"] == "timeline"].reset_index(drop=True)


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize(
    ("scenario", "overrides"),
    [
        ("nacl_change_midday", {}),
        ("sg_fix_after_incident", {}),
        ("nacl_change_midday", {"at": "47min"}),
    ],
)
def test_the_timeline_has_the_windows_of_the_change_to_the_interval(scenario, overrides, seed):
    s = flownb.simulate(scenario, seed=seed, duration="2h", start="2025-06-02 09:00", **overrides)
    now = s.truth[s.truth["kind"] == "verdict"].iloc[0]
    d = diagnose(s.flows, now["src"], now["dst"], port=int(now["dst_port"]), protocol="tcp")
    want = _stretches(s.truth)
    tl = d.timeline
    assert tl["verdict"].astype(str).tolist() == want["expected"].tolist(), tl
    # each change is placed within one aggregation interval (60 s) of the moment the rule changed
    edges_got = tl["start"].iloc[1:].reset_index(drop=True)
    edges_want = want["start"].iloc[1:].reset_index(drop=True)
    assert ((edges_got - edges_want).abs() <= pd.Timedelta(seconds=60)).all(), (tl, want)
    # the verdict is the current state, and the explanation says since when
    assert d.verdict == now["expected"] == tl["verdict"].iloc[-1]
    assert d.explanation.startswith(f"Since {edges_got.iloc[-1]:%H:%M} UTC; {tl['verdict'].iloc[-2]} before")
    assert tl["records"].sum() == len(d.evidence)


def test_a_fixed_incident_is_reachable_now_and_names_the_incident():
    s = flownb.simulate("sg_fix_after_incident", seed=1, duration="2h", start="2025-06-02 09:00")
    now = s.truth[s.truth["kind"] == "verdict"].iloc[0]
    d = diagnose(s.flows, now["src"], now["dst"], port=5432)
    assert d.verdict == "REACHABLE"
    assert "INBOUND_BLOCKED_SG_OR_NACL" in d.verdicts
    incident = d.timeline[d.timeline["verdict"] == "INBOUND_BLOCKED_SG_OR_NACL"].iloc[0]
    assert (
        f"INBOUND_BLOCKED_SG_OR_NACL before ({incident['start']:%H:%M} UTC to {incident['end']:%H:%M} UTC)"
        in (d.explanation)
    )
    assert incident["rejected"] > 0
    # asked about the incident only, the verdict is the incident's
    during = diagnose(
        s.flows, now["src"], now["dst"], port=5432, start=incident["start"], end=incident["end"]
    )
    assert during.verdict == "INBOUND_BLOCKED_SG_OR_NACL"


def test_ten_minute_intervals_give_ten_minute_windows():
    s = flownb.simulate("nacl_change_midday", seed=2, duration="4h", interval=600, start="2025-06-02 08:00")
    now = s.truth[s.truth["kind"] == "verdict"].iloc[0]
    d = diagnose(s.flows, now["src"], now["dst"], port=5432)
    assert d.details["interval"] == 600
    assert (d.timeline["start"].dt.minute % 10 == 0).all()
    assert d.timeline["verdict"].astype(str).tolist() == ["REACHABLE", "NACL_OUTBOUND_BLOCKS_RETURN"]
    assert abs(d.timeline["start"].iloc[1] - pd.Timestamp("2025-06-02 10:00", tz="UTC")) <= pd.Timedelta(
        "10min"
    )


def test_a_steady_verdict_has_one_row_and_no_since():
    df = flownb.samples.load("aws-docs/sg-nacl-ping")
    d = diagnose(df, "203.0.113.12", "172.31.16.139")
    assert len(d.timeline) == 1 and d.timeline["verdict"].iloc[0] == d.verdict
    assert not d.explanation.startswith("Since")


def test_interval_must_be_an_aggregation_interval():
    with pytest.raises(ValueError, match=r"'interval' must be one of \[60, 600\]"):
        diagnose(flownb.samples.load("aws-docs/sg-nacl-ping"), "203.0.113.12", "172.31.16.139", interval=300)


def test_the_demo_day_nacl_break_is_shown_since_it_started():
    d = diagnose(flownb.samples.load("demo"), "10.0.10.10", "10.0.20.10", port=5432, end="2025-06-02 10:30")
    assert d.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
    assert d.explanation.startswith("Since 10:05 UTC; REACHABLE before (from 00:01 UTC).")
    whole = diagnose(flownb.samples.load("demo"), "10.0.10.10", "10.0.20.10", port=5432)
    assert whole.verdict == "REACHABLE"  # fixed at 10:50
    assert whole.timeline["verdict"].astype(str).tolist() == [
        "REACHABLE",
        "NACL_OUTBOUND_BLOCKS_RETURN",
        "REACHABLE",
    ]
    assert whole.timeline["start"].iloc[1] == pd.Timestamp("2025-06-02 10:05", tz="UTC")
    assert whole.timeline["end"].iloc[1] == pd.Timestamp("2025-06-02 10:50", tz="UTC")
    assert "timeline:" in str(whole) and "Timeline" in whole._repr_html_()
