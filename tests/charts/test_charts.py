"""Chart builders: what a user sees in the spec (marks, axes, titles, tooltips) and what reaches the browser."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import flownb
from flownb import charts
from flownb._optional import import_optional as require
from flownb.charts import _aggregate as agg

BUILDERS = [
    "traffic_timeline",
    "top_talkers",
    "port_heatmap",
    "accept_reject",
    "conversation_graph",
    "flow_paths",
    "coverage",
]


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return flownb.samples.load("demo")


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    """200,000 records over three days: enough to overflow any chart that did not aggregate."""
    rng = np.random.default_rng(1)
    n = 200_000
    start = pd.to_datetime(1_750_000_000 + np.sort(rng.integers(0, 3 * 86400, n)), unit="s", utc=True).astype(
        "datetime64[s, UTC]"
    )
    addr = [f"10.0.{i // 250}.{i % 250}" for i in range(3000)] + [
        f"198.51.{i // 250}.{i % 250}" for i in range(3000)
    ]
    return pd.DataFrame(
        {
            "interface_id": pd.Categorical([f"eni-{i:04x}" for i in rng.integers(0, 300, n)]),
            "srcaddr": pd.Categorical(np.array(addr)[rng.integers(0, len(addr), n)]),
            "dstaddr": pd.Categorical(np.array(addr)[rng.integers(0, len(addr), n)]),
            "srcport": pd.array(rng.integers(1024, 65535, n), dtype="UInt16"),
            "dstport": pd.array(rng.integers(1, 65535, n), dtype="UInt16"),
            "protocol": pd.array(rng.choice([6, 17, 1], n), dtype="UInt8"),
            "packets": pd.array(rng.integers(1, 100, n), dtype="UInt64"),
            "bytes": pd.array(rng.integers(40, 100_000, n), dtype="UInt64"),
            "start": start,
            "end": start + pd.to_timedelta(rng.integers(0, 600, n), unit="s"),
            "action": pd.Categorical(rng.choice(["ACCEPT", "REJECT"], n, p=[0.9, 0.1])),
            "log_status": pd.Categorical(np.full(n, "OK")),
        }
    )


def rows_sent(spec: dict) -> int:
    return sum(len(v) for v in spec.get("datasets", {}).values())


@pytest.mark.parametrize("name", BUILDERS)
def test_every_chart_has_a_title_tooltips_and_a_fixed_size(demo, name):
    spec = getattr(charts, name)(demo).to_dict()
    assert spec["title"]["text"]
    assert "width" in spec and "height" in spec
    text = str(spec)
    assert "tooltip" in text
    if name not in ("conversation_graph", "flow_paths", "top_talkers"):
        assert "'type': 'utc'" in text, "time axes are on a UTC scale"


@pytest.mark.parametrize("name", BUILDERS)
def test_charts_hand_altair_at_most_5000_rows(big, name):
    spec = getattr(charts, name)(big).to_dict()
    assert 0 < rows_sent(spec) <= charts.MAX_ROWS


@pytest.mark.parametrize("name", BUILDERS)
def test_no_records_gives_a_message_not_an_error(demo, name):
    spec = getattr(charts, name)(demo.iloc[:0]).to_dict()
    assert spec["mark"]["type"] == "text"
    assert "No" in spec["title"]["text"]


def test_missing_columns_are_named(demo):
    with pytest.raises(ValueError, match=r"needs the column\(s\) \['dstport'\]"):
        charts.port_heatmap(demo.drop(columns=["dstport"]))
    with pytest.raises(ValueError, match="'metric' must be one of"):
        charts.traffic_timeline(demo, metric="octets")


def test_timeline_keeps_every_byte_when_spreading_records_over_bins(big):
    data = agg.timeline_data(big, metric="bytes", freq="5min")
    assert data["value"].sum() == pytest.approx(float(big["bytes"].sum()), rel=1e-9)


def test_a_record_is_spread_in_proportion_to_its_overlap():
    t = pd.Timestamp("2026-01-01", tz="UTC")
    df = pd.DataFrame(
        {
            "start": pd.Series([t + pd.Timedelta(seconds=30)]).astype("datetime64[s, UTC]"),
            "end": pd.Series([t + pd.Timedelta(seconds=210)]).astype("datetime64[s, UTC]"),
            "bytes": pd.array([180], dtype="UInt64"),
            "action": pd.Categorical(["ACCEPT"]),
        }
    )
    data = agg.timeline_data(df, metric="bytes", freq="1min")
    # 30 s in the first minute, 60 in each of the next two, 30 in the fourth
    assert data["value"].tolist() == pytest.approx([30, 60, 60, 30])


def test_nodata_records_are_not_traffic(demo):
    # "flows" per bin counts the records active in the bin (flownb.timeseries' definition, issue 14):
    # the NODATA and SKIPDATA records add nothing, so the OK records alone give the same bins
    flows = agg.timeline_data(demo, metric="flows", freq="1h", by=None)["value"].to_numpy()
    ok_only = agg.timeline_data(demo[demo["log_status"] == "OK"], metric="flows", freq="1h", by=None)
    assert flows.tolist() == ok_only["value"].tolist()
    assert flows.sum() >= (demo["log_status"] == "OK").sum()  # a record spanning two bins is in both


def test_timeline_colours_actions_with_the_theme_and_can_brush(demo):
    spec = charts.traffic_timeline(demo, brush=True).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == ["ACCEPT", "REJECT"]
    assert spec["encoding"]["color"]["scale"]["range"] == ["#4c78a8", "#e45756"]
    assert spec["params"][0]["name"] == "brush" and spec["params"][0]["select"]["encodings"] == ["x"]


def test_top_talkers_ranks_by_the_metric(demo):
    data = agg.top_data(demo, by="srcaddr", metric="bytes", n=3)
    expected = demo.groupby("srcaddr", observed=True)["bytes"].sum().nlargest(3)
    got = data.groupby("key")["value"].sum().sort_values(ascending=False)
    assert list(got.index) == [str(x) for x in expected.index]
    assert got.to_numpy() == pytest.approx(expected.to_numpy(dtype=float))
    order = charts.top_talkers(demo, n=3).to_dict()["encoding"]["y"]["sort"]
    assert order == [str(x) for x in expected.index]


def test_port_heatmap_shows_the_busiest_ports(demo):
    data = agg.heatmap_data(demo, n=5)
    busiest = demo[demo["log_status"] == "OK"]["dstport"].value_counts().head(5)
    assert set(data["port"]) == {str(p) for p in busiest.index}


def test_accept_reject_shares_add_up_to_one(demo):
    data = agg.accept_reject_data(demo, freq="1h")
    assert data.groupby("time")["share"].sum().to_numpy() == pytest.approx(1.0)


def test_conversation_graph_merges_both_directions_and_colours_rejections():
    sim = flownb.simulate("sg_blocks_inbound", seed=0, duration="20min")
    nodes, edges = agg.graph_data(sim.flows, n=10)
    pairs = {frozenset(p) for p in zip(edges["a"], edges["b"], strict=True)}
    assert len(pairs) == len(edges), "each host pair once, whatever the direction"
    assert {"ACCEPT", "REJECT"} & set(edges["action"])
    assert nodes[["x", "y"]].stack().between(0, 1).all()
    assert set(edges["a"]) | set(edges["b"]) == set(nodes["host"])


def test_flow_paths_conserves_bytes_across_stages(demo):
    nodes, _ribbons = agg.paths_data(demo, n=5)
    per_stage = nodes.groupby("stage")["value"].sum()
    assert per_stage.nunique() == 1
    ok = demo[demo["log_status"] == "OK"]
    assert per_stage.iloc[0] == pytest.approx(float(ok["bytes"].sum()))
    assert "internet" in set(nodes["label"])


def test_coverage_chart_agrees_with_flownb_coverage(demo):
    fast = agg.coverage_records(demo, freq="10min")
    ref = flownb.coverage(demo, freq="10min")
    merged = fast.merge(ref, on=["interface_id", "window"], suffixes=("", "_ref"))
    assert len(merged) == len(ref)
    assert (merged["status"] == merged["status_ref"].astype(str)).all()


def test_findings_timeline_and_alarm_timeline():
    sim = flownb.simulate("port_scan", seed=0, duration="30min")
    findings = flownb.detect(sim.flows)
    spec = charts.findings_timeline(findings).to_dict()
    assert "vertical_scan" in str(spec["datasets"])
    rejects = flownb.MetricFilter('"REJECT"', metric_name="Rejects", default_value=0).metric(
        sim.flows, period="5min"
    )
    alarm = flownb.Alarm(threshold=50, comparison=">=", period="5min", evaluation_periods=1)
    spec = charts.alarm_timeline(rejects, alarm).to_dict()
    assert spec["layer"][2]["mark"]["type"] == "rule"
    states = {r["state"] for d in spec["datasets"].values() for r in d if "state" in r}
    assert "ALARM" in states
    assert charts.findings_timeline(findings.iloc[:0]).to_dict()["mark"]["type"] == "text"


def test_save_png_offline(demo, tmp_path):
    pytest.importorskip("vl_convert")
    out = tmp_path / "timeline.png"
    charts.traffic_timeline(demo).save(str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_importing_charts_and_widgets_does_not_import_altair_or_ipywidgets():
    code = (
        "import sys, flownb, flownb.charts, flownb.widgets; "
        "from flownb.widgets import FilterState, apply_filters; "
        "bad = [m for m in ('altair', 'ipywidgets', 'anywidget') if m in sys.modules]; "
        "assert not bad, bad"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_a_missing_optional_package_prints_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "anywidget", None)
    with pytest.raises(ImportError, match=r'pip install "anywidget>=0\.9"'):
        require("anywidget", "flownb.widgets")


def test_public_names_resolve_and_all_is_complete():
    import flownb.widgets as widgets

    for module, names in (
        (
            charts,
            [
                "traffic_timeline",
                "top_talkers",
                "port_heatmap",
                "accept_reject",
                "conversation_graph",
                "flow_paths",
                "findings_timeline",
                "alarm_timeline",
                "coverage",
            ],
        ),
        (
            widgets,
            [
                "FlowExplorer",
                "Troubleshooter",
                "QueryConsole",
                "AlarmLab",
                "DetectorBoard",
                "Quiz",
                "FilterPanel",
                "FilterState",
                "apply_filters",
            ],
        ),
    ):
        assert set(names) <= set(module.__all__), module.__name__
        for name in module.__all__:
            assert getattr(module, name) is not None, name


def test_inline_data_goes_to_datasets_named_by_its_values(demo):
    # the same records give the same dataset name (a notebook re-run, a widget going back to a state);
    # other records another one; the rows are in the spec's datasets, referred to by that name
    a, b = charts.top_talkers(demo).to_dict(), charts.top_talkers(demo).to_dict()
    rejected = charts.top_talkers(demo[demo["action"] == "REJECT"]).to_dict()
    assert a["data"] == b["data"] and set(a["datasets"]) == {a["data"]["name"]}
    assert rejected["data"]["name"] != a["data"]["name"]
    assert {r["action"] for r in rejected["datasets"][rejected["data"]["name"]]} == {"REJECT"}
    # layered charts: each layer names its data, every name has its rows
    graph = charts.conversation_graph(demo).to_dict()
    assert {layer["data"]["name"] for layer in graph["layer"]} == set(graph["datasets"])


def test_a_chart_is_still_checked_against_the_vega_lite_schema_when_drawn(demo):
    alt = require("altair", "tests")
    chart = charts.top_talkers(demo)
    chart.encoding.x.stack = "sideways"  # not a Vega-Lite stack offset
    with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="sideways"):
        chart.to_dict()


def test_timeline_series_with_equal_totals_do_not_depend_on_file_order(tmp_path) -> None:
    # four sources with the same bytes, two series shown: the two smallest addresses, whichever order
    # the file lists them in (the reader's categories follow the file; top()'s rule is by value)
    lines = [
        f"2 123456789012 eni-1 10.0.0.{i} 10.0.1.9 4000 443 6 1 100 1700000000 1700000060 ACCEPT OK"
        for i in (9, 7, 8, 6)
    ]
    header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
    names = []
    for order in (lines, lines[::-1]):
        path = tmp_path / f"f{len(names)}.log"
        path.write_text(header + "\n" + "\n".join(order) + "\n")
        df = flownb.read_flow_logs(str(path))
        names.append(sorted(set(agg.timeline_data(df, by="srcaddr", max_series=2)["series"])))
    assert names[0] == names[1] == ["10.0.0.6", "10.0.0.7", "other"]
