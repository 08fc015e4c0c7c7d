"""Findings are episodes: one per detector, entity and episode, with why it fired, and a cap per detector."""

from __future__ import annotations

import pandas as pd

from flownb.analysis import detectors as D
from flownb.analysis.detectors import detect, evidence

from .helpers import frame, rec


def scan(src: str, dst: str, t: int, ports: range = range(1, 21)) -> list[str]:
    return [rec(src, dst, 50000, p, action="REJECT", t=t + i * 3) for i, p in enumerate(ports)]


def test_repeated_scans_of_one_source_make_one_episode_with_first_and_last_seen():
    # the same scanner, three hosts, three windows within an hour; then again three hours later
    lines = scan("203.0.113.9", "10.0.0.10", 0) + scan("203.0.113.9", "10.0.0.11", 900)
    lines += scan("203.0.113.9", "10.0.0.12", 1800) + scan("203.0.113.9", "10.0.0.10", 4 * 3600)
    df = frame(lines)
    out = D.vertical_scan(df)
    assert len(out) == 2
    first = out.iloc[0]
    assert first.entity == "203.0.113.9" and pd.isna(first.dst)  # three hosts
    assert first.end - first.start >= pd.Timedelta("30min")
    assert "the strongest of 3 detections" in first.summary
    assert (first.value, first.threshold) == (20.0, 15.0) and "distinct ports" in first.measure
    assert first.evidence_count == 60 == len(evidence(df, first))
    assert first["count"] == 60  # every probe its own connection (its own destination port)
    second = out.iloc[1]
    assert second.dst == "10.0.0.10" and second.evidence_count == 20


def test_evidence_of_a_merged_episode_is_exactly_its_detections_records():
    # three scans merged into one episode, and between them a few failed attempts of the same source
    # to another host that scan nothing: they are in the episode's time but not behind the finding
    lines = scan("203.0.113.9", "10.0.0.10", 0) + scan("203.0.113.9", "10.0.0.11", 900)
    lines += scan("203.0.113.9", "10.0.0.12", 1800)
    lines += [rec("203.0.113.9", "10.0.0.99", 50000, p, action="REJECT", t=1200 + p) for p in (80, 443)]
    df = frame(lines)
    for found in (D.vertical_scan(df), detect(df)):
        first = found[found["detector"] == "vertical_scan"].iloc[0]
        assert "the strongest of 3 detections" in first.summary
        rows = evidence(df, first)
        assert len(rows) == first.evidence_count == first["count"] == 60
        assert set(rows["dstaddr"]) == {"10.0.0.10", "10.0.0.11", "10.0.0.12"}
        # a sub-frame of the findings (filtered, sorted) keeps what evidence needs
        again = found.sort_values("score")[lambda x: x["detector"] == "vertical_scan"].iloc[0]
        assert evidence(df, again).index.equals(rows.index)


def test_max_findings_keeps_the_strongest_and_says_how_many_more():
    lines = []
    for i in range(5):
        lines += scan(f"203.0.113.{i + 1}", "10.0.0.10", i * 10, ports=range(1, 21 + i))
    df = frame(lines)
    assert len(detect(df, ["vertical_scan"])) == 5
    out = detect(df, ["vertical_scan"], max_findings=2)
    assert len(out) == 3
    kept = out[out["label"] != "flownb:Suppressed"]
    assert sorted(kept["value"]) == [23.0, 24.0]  # the two strongest
    rest = out[out["label"] == "flownb:Suppressed"].iloc[0]
    assert rest["count"] == 3 and "3 more vertical_scan findings suppressed" in rest.summary
    assert "raise max_findings" in rest.summary
    assert len(evidence(df, rest)) == rest.evidence_count == 0
    assert len(D.vertical_scan(df, max_findings=4)) == 5


def test_every_finding_says_why_it_fired():
    lines = scan("203.0.113.9", "10.0.0.10", 0)
    lines += [rec("10.0.1.10", f"10.0.2.{h}", 40000 + h, 22, action="REJECT", t=h) for h in range(1, 31)]
    out = detect(frame(lines))
    assert len(out) >= 2
    assert (out["value"] >= out["threshold"]).all() and out["measure"].str.len().gt(0).all()
