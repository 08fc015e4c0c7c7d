"""Connectivity charts: a diagnosis over time, with the breaking windows shaded."""

from __future__ import annotations

import pytest

import flownb

pytest.importorskip("altair")


def test_the_diagnosis_chart_shades_the_windows_the_connection_was_broken():
    d = flownb.diagnose(flownb.samples.load("demo"), "10.0.10.10", "10.0.20.10", port=5432)
    spec = flownb.charts.diagnosis_timeline(d).to_dict()
    rows = spec["vconcat"]
    assert [r["title"] for r in rows] == [
        "request egress",
        "request ingress",
        "response egress",
        "response ingress",
    ]
    shade, bars = rows[2]["layer"]
    assert shade["mark"]["type"] == "rect" and bars["encoding"]["color"]["field"] == "action"
    shaded = spec["datasets"][shade["data"]["name"]] if "datasets" in spec else shade["data"]["values"]
    assert [(r["verdict"], r["from"], r["to"]) for r in shaded] == [
        ("NACL_OUTBOUND_BLOCKS_RETURN", "2025-06-02 10:05:00 UTC", "2025-06-02 10:50:00 UTC")
    ]
    # the REJECTs are on the response egress row only
    values = spec["datasets"][bars["data"]["name"]] if "datasets" in spec else bars["data"]["values"]
    assert {r["action"] for r in values} == {"ACCEPT", "REJECT"}
    assert "shaded: windows with a failing verdict" in spec["title"]["subtitle"]


def test_a_steady_reachable_pair_has_nothing_shaded():
    d = flownb.diagnose(
        flownb.samples.load("aws-docs/service-path-direction-v5"), "10.0.0.71", "52.95.128.179"
    )
    spec = flownb.charts.diagnosis_timeline(d).to_dict()
    assert all(len(r["layer"]) == 1 for r in spec["vconcat"])  # bars only, no shading


def test_the_troubleshooter_draws_the_diagnosis_and_its_timeline():
    pytest.importorskip("ipywidgets")
    from flownb.widgets import Troubleshooter

    t = Troubleshooter(flownb.samples.load("demo"), src="10.0.10.10", dst="10.0.20.10", port=5432)
    assert t.diagnosis.verdict == "REACHABLE"
    assert "Timeline (UTC)" in t.result.value and "NACL_OUTBOUND_BLOCKS_RETURN" in t.result.value
    assert "shaded" in t.chart.chart.to_dict()["title"]["subtitle"]
