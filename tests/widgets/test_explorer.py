"""FlowExplorer and FilterPanel driven from Python: controls, state, filtered frame, chart specs, brush."""

from __future__ import annotations

import pandas as pd
import pytest

from flownb.widgets import FilterPanel, FilterState, FlowExplorer, apply_filters
from flownb.widgets._explorer import brush_range, summary

from .conftest import brush, chart_rows


@pytest.fixture
def explorer(demo):
    return FlowExplorer(demo)


def test_setting_the_state_updates_controls_frame_and_charts(explorer, demo):
    before = chart_rows(explorer.charts["top_talkers"])
    explorer.state = FilterState(actions=("REJECT",), ports=(22,))
    assert explorer.panel.action.value == "REJECT"
    assert explorer.panel.ports.value == "22"
    expected = apply_filters(demo, FilterState(actions=("REJECT",), ports=(22,)))
    pd.testing.assert_frame_equal(explorer.filtered, expected)
    after = chart_rows(explorer.charts["top_talkers"])
    assert after != before and {r["action"] for r in after} == {"REJECT"}
    # the JupyterCharts shown carry the new specs
    assert explorer.views["top_talkers"].spec == explorer.charts["top_talkers"].to_dict()
    assert "REJECT" in explorer.summary.value and "port 22" in explorer.summary.value


def test_a_click_on_a_control_is_the_same_as_setting_the_state(explorer, demo):
    explorer.panel.action.value = "REJECT"
    assert explorer.state == FilterState(actions=("REJECT",))
    assert len(explorer.filtered) == (demo["action"] == "REJECT").sum()
    explorer.panel.src.value = "10.0.0.0/24"
    assert explorer.state == FilterState(actions=("REJECT",), src="10.0.0.0/24")
    explorer.panel.reset_button.click()
    assert explorer.state == FilterState() and explorer.panel.src.value == ""
    assert len(explorer.filtered) == len(demo)


def test_a_bad_cidr_shows_a_message_and_keeps_the_last_good_state(explorer):
    explorer.panel.src.value = "10.0.0.0/24"
    good = explorer.state
    explorer.panel.src.value = "10.0.0.0/99"
    assert explorer.state == good
    assert "must be an IP address" in explorer.panel.message.value
    explorer.panel.src.value = "10.0.1.0/24"
    assert explorer.panel.message.value == ""


def test_nothing_matching_says_so(explorer):
    explorer.state = FilterState(src="192.0.2.77")
    assert len(explorer.filtered) == 0
    assert "No records match" in explorer.summary.value
    for chart in explorer.charts.values():
        assert chart.to_dict()["mark"]["type"] == "text"


def test_time_slider_filters_by_time(explorer, demo):
    panel = explorer.panel
    n = len(panel.time.options)
    panel.time.index = (n // 2, n - 1)
    assert explorer.state.start is not None and explorer.state.end is None
    assert (explorer.filtered["end"] >= explorer.state.start).all()
    assert len(explorer.filtered) < len(demo)


def test_brushing_the_timeline_narrows_the_other_charts(explorer, demo):
    a, b = pd.Timestamp("2025-06-02 22:00", tz="UTC"), pd.Timestamp("2025-06-02 23:00", tz="UTC")
    timeline_spec = explorer.views["timeline"].spec
    brush(explorer.views["timeline"], a, b)
    assert explorer.brush == (a, b)
    assert explorer.views["timeline"].selections.brush.value == {
        "time": [a.timestamp() * 1000, b.timestamp() * 1000]
    }
    sel = explorer.selected
    assert ((sel["end"] >= a) & (sel["start"] < b)).all() and 0 < len(sel) < len(demo)
    assert explorer.views["timeline"].spec == timeline_spec, "the timeline itself keeps its data"
    times = pd.to_datetime([r["time"] for r in chart_rows(explorer.charts["port_heatmap"])], utc=True)
    # records overlapping the brush: some started in the 10 minutes before it (the longest aggregation interval)
    assert times.min() >= a - pd.Timedelta("10min") and times.max() < b
    assert "brushed 22:00–23:00" in explorer.summary.value
    # clearing the brush brings the whole range back
    explorer.views["timeline"]._vl_selections = {"brush": {"value": None, "store": []}}
    assert explorer.brush is None and len(explorer.selected) == len(demo)


def test_a_filter_change_clears_the_brush(explorer):
    brush(
        explorer.views["timeline"],
        pd.Timestamp("2025-06-02 22:00", tz="UTC"),
        pd.Timestamp("2025-06-02 23:00", tz="UTC"),
    )
    explorer.state = FilterState(actions=("ACCEPT",))
    assert explorer.brush is None


def test_brush_values_in_any_browser_form():
    iso = brush_range({"time": ["2025-06-02T01:00:00.000Z", "2025-06-02T00:00:00.000Z"]})
    assert iso == (pd.Timestamp("2025-06-02 00:00", tz="UTC"), pd.Timestamp("2025-06-02 01:00", tz="UTC"))
    assert brush_range({"time": [5, 5]}) is None
    assert brush_range({}) is None


def test_summary_numbers(demo):
    s = summary(demo)
    assert s["records"] == len(demo)
    assert s["bytes"] == float(demo["bytes"].sum())
    assert s["rejected"] == pytest.approx((demo["action"] == "REJECT").sum() / demo["action"].notna().sum())


def test_panel_state_round_trip(demo):
    panel = FilterPanel(demo)
    seen = []
    panel.on_change(seen.append)
    state = FilterState(
        actions=("ACCEPT",),
        protocols=(6, 17),
        ports=(443,),
        src="10.0.0.0/16",
        dst="10.0.1.10",
        direction="egress",
    )
    panel.state = state
    assert panel.read() == state
    assert seen == [state], "one notification for one assignment"
    panel.state = state
    assert seen == [state], "no notification when nothing changed"


def test_explorer_needs_a_dataframe():
    with pytest.raises(TypeError, match="needs a pandas DataFrame"):
        FlowExplorer([1, 2, 3])


@pytest.mark.slow  # a fresh Python process each, importing altair and the widgets
@pytest.mark.parametrize(("env", "offline"), [("", False), ("1", True)])
def test_offline_bundle_only_when_flownb_offline_is_set(env, offline):
    """Saved notebooks must not carry vl-convert's JavaScript bundle: it is used only when asked for."""
    import os
    import subprocess
    import sys

    code = (
        "import flownb, altair as alt\n"
        "from flownb.widgets import FlowExplorer\n"
        "FlowExplorer(flownb.samples.load('aws-docs/default-accept-reject'))\n"
        "print(alt.JupyterChart._is_offline, len(alt.JupyterChart._esm) > 100_000)\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "FLOWNB_OFFLINE"}
    if env:
        environ["FLOWNB_OFFLINE"] = env
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(offline), str(offline)]


def test_an_exact_time_range_survives_a_click_elsewhere(explorer):
    explorer.state = FilterState(start="2025-06-02 10:03", end="2025-06-02 11:07")
    explorer.panel.action.value = "REJECT"
    assert explorer.state == FilterState(
        start="2025-06-02 10:03", end="2025-06-02 11:07", actions=("REJECT",)
    )
    n = len(explorer.panel.time.options)
    explorer.panel.time.index = (0, n - 1)  # moving the slider replaces it
    assert explorer.state == FilterState(actions=("REJECT",))


def test_records_lacking_fields_give_messages_not_tracebacks(demo):
    slim = demo[["srcaddr", "dstaddr", "bytes", "action"]]  # no times, no ports
    ex = FlowExplorer(slim)
    assert ex.panel.time.disabled
    titles = [chart.to_dict()["title"]["text"] for chart in ex.charts.values()]
    assert "needs the column(s) ['start']" in titles[0]
    assert "needs the column(s) ['dstport', 'start', 'end']" in titles[2]  # timeseries spreads over start-end
    assert ex.charts["top_talkers"].to_dict()["mark"]["type"] == "bar"
    ex.state = FilterState(ports=(22,))
    assert "filtering by port needs the column(s) ['srcport', 'dstport']" in ex._message.value
    ex.state = FilterState(interfaces=("eni-1",))
    assert "filtering by ENI needs the column(s) ['interface_id']" in ex._message.value


@pytest.mark.parametrize(
    "state",
    [
        FilterState(actions=("REJECT",)),
        FilterState(src="10.0.0.0/16"),
        FilterState(protocols=("tcp",)),
        FilterState(protocols=("gre",)),
        FilterState(ports=(443, 53)),
        FilterState(protocols=("tcp",), ports=(22,)),
    ],
    ids=["reject", "src", "tcp", "gre", "ports", "tcp-22"],
)
def test_each_filters_charts_are_those_drawn_anew_from_the_filtered_records(demo, state):
    # the explorer draws on its cached view of the frame (the frame's own arrays for a large view):
    # a user must see the very numbers the charts give for the filtered records in a fresh frame
    from flownb import charts

    ex = FlowExplorer(demo)
    ex.state = FilterState(actions=("ACCEPT",))  # a filter before, so cached arrays of other views exist
    ex.state = state
    frame = apply_filters(demo, state).reset_index(drop=True)
    assert len(ex.filtered) == len(frame) > 0
    fresh = {
        "timeline": charts.traffic_timeline(frame, brush=True, width=540),
        "top_talkers": charts.top_talkers(frame, width=260),
        "port_heatmap": charts.port_heatmap(frame, n=15, width=400),
    }
    for name, chart in fresh.items():
        assert chart_rows(ex.charts[name]) == chart_rows(chart), name


def test_protocol_and_port_filters_keep_what_isin_keeps(demo):
    # the filter looks protocols and ports up in a table of flags (no per-call isin)
    from flownb._filter import filter_mask

    for state, expected in (
        (FilterState(protocols=("gre", "icmp")), demo["protocol"].isin([47, 1])),
        (FilterState(ports=(443, 0)), demo["srcport"].isin([443, 0]) | demo["dstport"].isin([443, 0])),
    ):
        got = filter_mask(demo, state)
        assert got is not None and got.tolist() == expected.fillna(False).astype(bool).tolist()


def test_going_back_to_a_state_shows_its_charts_and_summary_again(explorer):
    opening = (explorer.summary.value, explorer.views["timeline"].spec)
    explorer.state = FilterState(actions=("REJECT",))
    rejected = (explorer.summary.value, explorer.views["top_talkers"].spec)
    explorer.state = FilterState(ports=(22,))
    explorer.state = FilterState(actions=("REJECT",))
    assert (explorer.summary.value, explorer.views["top_talkers"].spec) == rejected
    explorer.panel.reset_button.click()
    assert (explorer.summary.value, explorer.views["timeline"].spec) == opening
    assert "REJECT" in rejected[0] and rejected[0] != opening[0]
