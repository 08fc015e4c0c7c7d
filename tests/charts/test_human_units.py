"""Chart axes and tooltips for people: kB, MB, GB and k, M as the text reports write them; a burst can be clipped.

The charts are rendered to SVG by vl-convert (the same Vega the browser runs), so the tests read the
tick labels a user sees.
"""

from __future__ import annotations

import re

import pytest

import flownb
from flownb import charts
from flownb._units import human_bytes, human_count, vega_expr

vlc = pytest.importorskip("vl_convert")


@pytest.fixture(scope="module")
def demo():
    return flownb.samples.load("demo")


def labels(spec: dict) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]+)</text>", vlc.vegalite_to_svg(spec))


def test_vega_writes_the_units_python_writes():
    import altair as alt
    import pandas as pd

    values = [0, 7, 999, 1000, 45_600, 1_234_567, 987_654_321, 3.2e9, 5.5e12]
    data = pd.DataFrame({"value": values, "i": range(len(values))})
    for kind, python in (("bytes", human_bytes), ("count", human_count)):
        chart = (
            alt.Chart(data)
            .transform_calculate(text="'v=' + (" + vega_expr("datum.value", kind) + ")")
            .mark_text()
            .encode(y="i:O", text="text:N")
        )
        shown = [t[2:] for t in labels(chart.to_dict()) if t.startswith("v=")]  # not the axis labels
        assert shown == [python(v) for v in values], kind


def test_timeline_axis_and_tooltip_in_bytes_units(demo):
    spec = charts.traffic_timeline(demo).to_dict()
    ticks = [t for t in labels(spec) if t.endswith("B")]
    assert "0 B" in ticks and any(t.endswith(" GB") for t in ticks) and any(t.endswith(" MB") for t in ticks)
    assert not any(re.fullmatch(r"[\d,]{7,}", t) for t in labels(spec))  # no 1,600,000,000 on the axis
    tooltip = [t["field"] for t in spec["encoding"]["tooltip"]]
    assert "value_text" in tooltip


def test_packets_and_records_in_k_and_m(demo):
    ticks = labels(charts.traffic_timeline(demo, metric="packets").to_dict())
    assert any(t.endswith(" M") for t in ticks) and any(t.endswith(" k") for t in ticks)
    bars = labels(charts.top_talkers(demo, metric="bytes").to_dict())
    assert any(t.endswith(" GB") or t.endswith(" MB") for t in bars)


def test_one_burst_can_be_clipped_so_the_rest_of_the_day_shows(demo):
    spec = charts.traffic_timeline(demo).to_dict()
    (clip,) = [p for p in spec["params"] if p["name"] == "clip_burst"]
    assert clip["bind"]["input"] == "checkbox" and clip["value"] is False
    top = max(t for t in labels(spec) if t.endswith(" GB"))
    clip["value"] = True  # as if the box were ticked
    clipped = [t for t in labels(spec) if t.endswith("B")]
    assert not any(t.endswith(" GB") for t in clipped), "clipped, the axis stops at tens of MB"
    assert max(float(t.split()[0]) for t in clipped if t.endswith(" MB")) <= 40
    assert top  # unclipped, the burst reached the GB


def test_no_checkbox_without_a_burst(demo):
    spec = charts.traffic_timeline(demo, metric="flows").to_dict()
    assert not [p for p in spec.get("params", []) if p["name"] == "clip_burst"]
