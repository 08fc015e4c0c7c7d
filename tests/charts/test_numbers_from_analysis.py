"""Each chart draws the numbers of one analysis function (issue 14, point 1): the pairs are stated here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import flownb
from flownb import charts
from flownb.charts import _aggregate as agg


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return flownb.samples.load("demo")


@pytest.fixture(scope="module")
def twin() -> pd.DataFrame:
    return flownb.simulate("baseline", seed=0, duration="1h").flows


def _values(spec: dict) -> list[dict]:
    return spec["data"]["values"] if "data" in spec else spec["datasets"][next(iter(spec["datasets"]))]


@pytest.mark.parametrize("metric", ["flows", "bytes", "packets"])
def test_traffic_timeline_draws_timeseries(demo, metric):
    # the review's repro: 282.71 'flows' in the 00:05 bin of the chart, 283 in flownb.timeseries
    data = agg.timeline_data(demo, metric=metric, by=None, freq="5min")
    ts = flownb.timeseries(demo, freq="5min", metric=metric)
    merged = data.merge(ts, on="time", how="outer").fillna(0)
    assert len(merged) == len(data)
    np.testing.assert_allclose(merged["value"], merged[metric], rtol=1e-12)
    if metric == "flows":
        assert (data["value"] == data["value"].round()).all()  # whole records, never 282.71


def test_traffic_timeline_by_action_draws_timeseries_by_action(demo):
    data = agg.timeline_data(demo, metric="bytes", by="action", freq="10min")
    ts = flownb.timeseries(demo, freq="10min", metric="bytes", by="action")
    ts["action"] = ts["action"].astype(str)
    merged = data.merge(ts, left_on=["time", "series"], right_on=["time", "action"], how="left").fillna(0)
    np.testing.assert_allclose(merged["value"], merged["bytes"], rtol=1e-12)


def test_top_talkers_draws_top(demo):
    for by, metric in (("srcaddr", "bytes"), ("dstport", "flows"), ("interface_id", "packets")):
        data = agg.top_data(demo, by=by, metric=metric, n=10)
        expected = flownb.top(demo, by=by, metric=metric, n=10)
        totals = data.drop_duplicates("key").sort_values("rank")
        assert totals["key"].tolist() == expected[by].astype(str).tolist()
        np.testing.assert_allclose(totals["total"], expected[metric].to_numpy(dtype=float))
        per_key = data.groupby("key")["value"].sum()
        np.testing.assert_allclose(per_key[totals["key"]].to_numpy(), totals["total"].to_numpy())


def test_conversation_graph_draws_conversations(twin):
    # the review's repro: 12,089,866 bytes on the edge, 6,044,933 in flownb.conversations
    _nodes, edges = agg.graph_data(twin, n=25)
    conv = flownb.conversations(twin)
    a, b = conv["client"].astype(str), conv["server"].astype(str)
    pair = np.where(a < b, a + "|" + b, b + "|" + a)
    total = conv["bytes_to_server"].astype(float) + conv["bytes_to_client"].astype(float)
    expected = total.groupby(pair).sum()
    got = pd.Series(
        edges["bytes"].to_numpy(),
        index=np.where(edges["a"] < edges["b"], edges["a"] + "|" + edges["b"], edges["b"] + "|" + edges["a"]),
    )
    assert len(got) == 25
    np.testing.assert_allclose(got.to_numpy(), expected[got.index].to_numpy())
    # the 25 busiest pairs of conversations(), largest first
    assert got.tolist() == expected.sort_values(ascending=False).head(25).tolist()
    spec = charts.conversation_graph(twin).to_dict()
    assert "Conversations" in str(spec)


def _pairs_of_conversations(conv: pd.DataFrame) -> pd.DataFrame:
    a, b = conv["client"].astype(str), conv["server"].astype(str)
    pair = np.where(a < b, a + "|" + b, b + "|" + a)
    sums = pd.DataFrame(
        {
            "bytes": conv["bytes_to_server"].astype(float) + conv["bytes_to_client"].astype(float),
            "packets": conv["packets_to_server"].astype(float) + conv["packets_to_client"].astype(float),
            "flows": conv["records"].astype(float),
        }
    )
    return sums.groupby(pair).sum()


@pytest.mark.parametrize("damage", ["none", "missing_eni_and_nodata"])
def test_conversation_graph_edges_are_exactly_the_conversations_sums(twin, damage):
    # every edge (all pairs drawn): bytes, packets and records equal, not only close, to
    # flownb.conversations() summed per pair of hosts, both ENIs' copies counted once
    flows = twin.copy()
    if damage != "none":
        rows = np.random.default_rng(3).random(len(flows))
        flows.loc[rows < 0.05, "interface_id"] = None
        flows["log_status"] = flows["log_status"].astype(object)
        flows.loc[rows > 0.97, "log_status"] = "NODATA"
    _nodes, edges = agg.graph_data(flows, n=10**6)
    expected = _pairs_of_conversations(flownb.conversations(flows))
    key = np.where(edges["a"] < edges["b"], edges["a"] + "|" + edges["b"], edges["b"] + "|" + edges["a"])
    got = edges.set_index(pd.Index(key))[["bytes", "packets", "flows"]].astype(float)
    assert sorted(got.index) == sorted(expected.index)
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(), check_exact=True)


def test_coverage_chart_draws_coverage(demo):
    drawn = agg.coverage_records(demo, freq="10min")
    cov = flownb.coverage(demo, freq="10min")
    key = ["interface_id", "window"]
    left = drawn.assign(interface_id=drawn["interface_id"].astype(str))[[*key, "status"]]
    right = cov.assign(interface_id=cov["interface_id"].astype(str), status=cov["status"].astype(str))[
        [*key, "status"]
    ]
    merged = left.merge(right, on=key, how="outer", suffixes=("_chart", "_analysis"))
    assert (merged["status_chart"] == merged["status_analysis"]).all()


@pytest.mark.parametrize("metric", ["flows", "bytes"])
def test_port_heatmap_draws_top_and_timeseries(demo, metric):
    data = agg.heatmap_data(demo, metric=metric, n=5, freq="10min")
    ranked = flownb.top(demo, by="dstport", metric=metric, n=5)
    # the rows are the 5 busiest ports of top(), ranked as top() ranks them
    order = data.drop_duplicates("port").sort_values("rank")["port"].tolist()
    assert order == ranked["dstport"].astype(str).tolist()
    ts = flownb.timeseries(demo, freq="10min", metric=metric, by="dstport")
    ts = ts[ts["dstport"].astype(str).isin(order) & (ts[metric] > 0)]
    expected = ts.assign(port=ts["dstport"].astype(str)).set_index(["time", "port"])[metric].sort_index()
    got = data.set_index(["time", "port"])["value"].sort_index()
    assert got.index.equals(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(dtype=float), rtol=1e-12)


def test_accept_reject_draws_timeseries_of_records_by_action(demo):
    data = agg.accept_reject_data(demo, freq="10min")
    ts = flownb.timeseries(demo, freq="10min", metric="flows", by="action")
    ts = ts.assign(action=ts["action"].astype(str))
    total = ts.groupby("time")["flows"].transform("sum")
    ts = ts[total > 0]
    merged = data.merge(ts, on=["time", "action"], how="outer", suffixes=("_chart", "_analysis"))
    np.testing.assert_array_equal(merged["flows_chart"], merged["flows_analysis"])
    shares = data.groupby("time")["share"].sum()
    np.testing.assert_allclose(shares, 1.0)


def test_flow_paths_draws_network_paths(demo):
    nodes, ribbons = agg.paths_data(demo, n=8, metric="bytes")
    paths = flownb.analysis.network_paths(demo, metric="bytes", n=8)
    # each node's width is its column's total in network_paths(), each ribbon the sum of its paths
    for stage, col in zip(
        ["source network", "destination network", "destination port"],
        ["src_network", "dst_network", "service"],
        strict=True,
    ):
        drawn = nodes[nodes["stage"] == stage].set_index("label")["value"].sort_index()
        expected = paths.groupby(col)["bytes"].sum().astype(float).sort_index()
        pd.testing.assert_series_equal(drawn, expected, check_names=False, check_index_type=False)
    links = ribbons.drop_duplicates("link")
    first = paths.groupby(["src_network", "dst_network"])["bytes"].sum().astype(float)
    got = links[links["x"] < 1].set_index(["source", "target"])["value"]
    np.testing.assert_allclose(got.sort_index().to_numpy(), first.sort_index().to_numpy())
    assert paths["bytes"].sum() == flownb.top(demo, by="action", n=None)["bytes"].sum()  # no byte lost


@pytest.mark.parametrize(
    "state",
    [
        flownb.FilterState(actions=("REJECT",)),
        flownb.FilterState(src="10.0.0.0/16"),
        flownb.FilterState(protocols=("udp",)),
        flownb.FilterState(),
    ],
    ids=["reject", "src", "udp", "none"],
)
def test_analyses_on_the_explorers_filtered_view_equal_them_on_the_filtered_frame(demo, state):
    # the explorer hands top() and timeseries() its cached, filtered view instead of a copied frame:
    # the numbers must be those of the filtered records themselves
    from flownb._cache import ColumnCache
    from flownb._filter import filter_mask

    cache = ColumnCache(demo)
    mask = filter_mask(cache, state)
    view = cache.subset(mask)
    frame = demo if mask is None else demo[mask].reset_index(drop=True)
    for kw in (
        dict(by="srcaddr", metric="bytes"),
        dict(by=["dstport", "action"], metric="flows", n=None),
        dict(by="srcaddr/24", metric="bps", n=5),
    ):
        pd.testing.assert_frame_equal(flownb.top(view, **kw), flownb.top(frame, **kw))
    for kw in (
        dict(freq="5min", metric="bytes", by="action"),
        dict(freq="1h", metric="flows"),
        dict(freq="10min", metric="packets", by="dstport"),
    ):
        pd.testing.assert_frame_equal(flownb.timeseries(view, **kw), flownb.timeseries(frame, **kw))
    paths = flownb.analysis.network_paths
    pd.testing.assert_frame_equal(paths(view, n=8), paths(frame, n=8))


@pytest.mark.parametrize("share", [0.2, 0.7, 0.97])
def test_timeseries_and_top_of_a_view_are_exactly_those_of_its_records(twin, share):
    # a large view is aggregated on the frame's own arrays (the others weigh nothing), a small one is
    # copied: either way the very same floats as the filtered frame's, records spanning bins included
    from flownb._cache import ColumnCache

    mask = np.random.default_rng(1).random(len(twin)) < share
    view = ColumnCache(twin).subset(mask)
    frame = twin[mask].reset_index(drop=True)
    for kw in (
        dict(freq="1min", metric="bytes", by="action"),
        dict(freq="30s", metric="flows"),
        dict(freq="5min", metric="pps", by="dstport"),
        dict(freq="10s", metric="bps", by="srcaddr/24"),
    ):
        pd.testing.assert_frame_equal(
            flownb.timeseries(view, **kw), flownb.timeseries(frame, **kw), check_exact=True
        )
    for kw in (
        dict(by="srcaddr", metric="bytes"),
        dict(by=["dstport", "action"], metric="flows", n=None),
        dict(by="srcaddr/24", metric="bps", n=5),
        dict(by="dstport", metric="packets", n=3),
        dict(by="dstaddr", metric="flows", n=4),
    ):
        pd.testing.assert_frame_equal(flownb.top(view, **kw), flownb.top(frame, **kw), check_exact=True)


def test_conversation_graph_ties_do_not_depend_on_file_order(tmp_path):
    # four host pairs with the same bytes and records: which ones the graph keeps (n=2) and in what
    # order is decided by the pairs' addresses, not by which record came first in the file
    header = (
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action"
        " log-status"
    )
    rows = [
        f"2 123456789012 eni-{i} 10.0.0.{i} 10.0.1.{i} 40000 443 6 10 1000 1748872800 1748872860 ACCEPT OK"
        for i in (4, 1, 3, 2)
    ]
    edges = []
    for k, order in enumerate((rows, rows[::-1])):
        path = tmp_path / f"order{k}.log"
        path.write_text("\n".join([header, *order]) + "\n")
        graph = agg.graph_data(flownb.read_flow_logs(str(path)), n=2)[1]
        edges.append(graph[["a", "b"]].astype(str).values.tolist())
    assert edges[0] == edges[1] == [["10.0.0.1", "10.0.1.1"], ["10.0.0.2", "10.0.1.2"]]
