"""The differential suite: every compiled analysis gives the pandas path's result on the same files.

Same rows, same order, same dtypes; floats within 1e-9 (flownb.scale._testing.assert_same_result).
Data: the conformance corpus, every VPC-twin scenario, hypothesis-generated records (NODATA, SKIPDATA,
IPv6, missing values and fields, ties).
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flownb
from flownb.scale._testing import assert_same_result
from tests.conftest import CONFORMANCE, conformance_manifest
from tests.scale.conftest import both

TOP_CASES = [
    dict(by="srcaddr", metric="bytes"),
    dict(by=["dstaddr", "dstport"], metric="flows", n=5),
    dict(by="dstport", metric="packets", n=None),
    dict(by="srcaddr", metric="bps", n=3),
    dict(by="interface_id", metric="pps"),
    dict(by=["action", "protocol"], metric="bpp", n=None),
    dict(by="srcaddr/24", metric="bytes", n=None),
    dict(by="dstaddr/16/48", metric="flows", n=4),
]
SERIES_CASES = [
    dict(freq="1min", metric="bytes"),
    dict(freq="5min", metric="flows", by="dstport"),
    dict(freq="30s", metric="bps", by="action"),
    dict(freq="1h", metric="pps", by="srcaddr/24"),
    dict(freq="10min", metric="packets", by="interface_id"),
]


def _same_or_same_error(fn, df, ds, kw):
    try:
        expected = fn(df, **kw)
    except (ValueError, KeyError) as exc:
        with pytest.raises(type(exc)) as info:
            fn(ds, **kw)
        assert str(info.value) == str(exc)
        return
    assert_same_result(expected, fn(ds, **kw))


COVERAGE_CASES = [dict(), dict(freq="1h")]
METRICS_CASES = [dict(), dict(period="1h", by=None), dict(period=60, by=["interface_id", "action"])]
METRIC_FILTERS = [
    (dict(pattern='"REJECT"', metric_name="Rejects", default_value=0), dict()),
    (
        dict(pattern="[..., action=ACCEPT, status]", metric_name="Accepts"),
        dict(period="5min", statistic="SampleCount"),
    ),
    (
        dict(pattern="[..., action, status]", metric_name="ByAction", dimensions={"Action": "$action"}),
        dict(period="10min", statistic="Sum"),
    ),
    (
        dict(
            pattern="[version, account, eni, source, destination, srcport, destport, protocol, packets, bytes,"
            " windowstart, windowend, action, flowlogstatus]",
            metric_name="Bytes",
            metric_value="$bytes",
        ),
        dict(period="1h", statistic="Average"),
    ),
]


def _check_all(df, ds) -> None:
    for kw in TOP_CASES:
        _same_or_same_error(flownb.top, df, ds, kw)
    for kw in SERIES_CASES:
        _same_or_same_error(flownb.timeseries, df, ds, kw)
    for fn in (flownb.conversations, flownb.service_view, flownb.rejections):
        _same_or_same_error(fn, df, ds, {})
    for kw in COVERAGE_CASES:
        _same_or_same_error(flownb.coverage, df, ds, kw)
    for kw in METRICS_CASES:
        _same_or_same_error(flownb.network_metrics, df, ds, kw)
    for mf, kw in METRIC_FILTERS:
        _same_metric(flownb.MetricFilter(**mf), df, ds, kw)


def _same_metric(mf, df, ds, kw) -> None:
    """MetricFilter.metric: the same series (or frame, with dimensions), index and all; floats within 1e-9."""
    try:
        expected = mf.metric(df, **kw)
    except ValueError as exc:
        with pytest.raises(ValueError) as info:
            mf.metric(ds, **kw)
        assert str(info.value) == str(exc)
        return
    got = mf.metric(ds, **kw)
    if isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected, check_exact=False, rtol=1e-9, atol=0)
    else:
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=0)


ENTRIES = [e for e in conformance_manifest() if e["kind"] in ("text", "parquet")]


@pytest.mark.skipif(not ENTRIES, reason="../shared/conformance is absent (as in a user's clone)")
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_conformance_corpus(entry, tmp_path):
    df, ds = both(CONFORMANCE / entry["path"], tmp_path / "store", format=entry.get("format"))
    assert len(ds) == len(df)
    _check_all(df, ds)


@functools.cache
def _scenario_files(name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"flownb-{name}-"))
    flownb.simulate(name, seed=3, duration="20min").write(str(folder), layout="s3")
    return folder


SCENARIOS = list(flownb.scenarios()["name"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_twin_scenarios(name, tmp_path):
    df, ds = both(_scenario_files(name), tmp_path / "store")
    assert len(ds) == len(df) > 0
    _check_all(df, ds)


def test_the_store_gives_back_the_records_of_read_flow_logs(tmp_path):
    df, ds = both(_scenario_files("nat_gateway"), tmp_path / "store")
    back = ds.to_pandas()
    assert list(back.columns) == list(df.columns)
    assert {c: str(t) for c, t in back.dtypes.items()} == {c: str(t) for c, t in df.dtypes.items()}
    key = list(df.columns)
    a = df.astype({c: object for c in df.columns if str(df[c].dtype) == "category"})
    b = back.astype({c: object for c in back.columns if str(back[c].dtype) == "category"})
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)
    assert a.equals(b)


FILTERS = [
    dict(actions=("REJECT",)),
    dict(protocols=("tcp",), ports=(22, 443)),
    dict(src="10.0.0.0/16", dst="10.0.0.0/8"),
    dict(interfaces=("eni-02729774dc5fe9664", "eni-02e2c317bfd1b4fb6")),
    dict(start="2025-06-02T00:05Z", end="2025-06-02T00:12Z", actions=("ACCEPT",)),
]


@pytest.mark.parametrize("kw", FILTERS, ids=[",".join(k) for k in FILTERS])
def test_filters_keep_what_apply_filters_keeps(kw, tmp_path):
    from flownb.widgets import FilterState, apply_filters

    df, ds = both(_scenario_files("port_scan"), tmp_path / "store")
    state = FilterState(**kw)
    expected = apply_filters(df, state)
    got = ds.filter(state)
    assert len(got) == len(expected) > 0

    def rows(frame):
        return sorted(map(str, zip(frame["interface_id"], frame["srcaddr"], frame["start"], strict=True)))

    assert rows(got.to_pandas()) == rows(expected)
    assert_same_result(flownb.top(expected, by="dstport"), flownb.top(got, by="dstport"))


@pytest.mark.skipif(
    not (CONFORMANCE / "aws-docs" / "ipv6.log").exists(),
    reason="../shared/conformance is absent (as in a user's clone)",
)
def test_ipv6_networks_filter_as_apply_filters_does(tmp_path):
    from flownb.widgets import FilterState, apply_filters

    df, ds = both(CONFORMANCE / "aws-docs" / "ipv6.log", tmp_path / "store")
    for net in ("2001:db8:1234:a100::/56", "2001:db8::/32", "2001:db9::/32"):
        state = FilterState(src=net)
        assert len(ds.filter(state)) == len(apply_filters(df, state))


# ---------------------------------------------------------------------------------------- hypothesis

FIELDS = [
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
    "packets", "bytes", "start", "end", "action", "log-status", "tcp-flags", "flow-direction",
]  # fmt: skip
ADDRS = [
    "10.0.1.5",
    "10.0.1.9",
    "10.0.2.7",
    "172.31.0.1",
    "52.94.1.1",
    "2600:1f18::1",
    "2600:1f18::2",
    "fe80::1",
    "-",
]


@st.composite
def records(draw):
    fields = draw(
        st.lists(st.sampled_from(FIELDS), min_size=3, max_size=len(FIELDS), unique=True).map(
            lambda fs: [f for f in FIELDS if f in fs]
        )
    )
    n = draw(st.integers(1, 25))
    t0 = 1_714_560_000 + draw(st.integers(0, 3600))
    lines = []
    for _ in range(n):
        status = draw(st.sampled_from(["OK", "OK", "OK", "NODATA", "SKIPDATA"]))
        start = t0 + draw(st.integers(0, 900))
        values = {
            "version": "2",
            "account-id": draw(st.sampled_from(["123456789012", "210987654321", "-"])),
            "interface-id": draw(st.sampled_from(["eni-0a", "eni-0b", "eni-0c", "-"])),
            "srcaddr": draw(st.sampled_from(ADDRS)),
            "dstaddr": draw(st.sampled_from(ADDRS)),
            "srcport": str(draw(st.sampled_from([22, 443, 3389, 40000, 51515]))),
            "dstport": draw(st.sampled_from(["22", "443", "3389", "40000", "-"])),
            "protocol": draw(st.sampled_from(["6", "17", "1", "58"])),
            "packets": draw(st.sampled_from(["1", "2", "10", "-"])),
            "bytes": draw(st.sampled_from(["40", "100", "1500", "0", "-"])),
            "start": str(start),
            "end": draw(st.sampled_from([str(start), str(start + 59), str(start + 600), "-"])),
            "action": draw(st.sampled_from(["ACCEPT", "REJECT", "-"])),
            "log-status": status,
            "tcp-flags": draw(st.sampled_from(["2", "18", "19", "-"])),
            "flow-direction": draw(st.sampled_from(["ingress", "egress", "-"])),
        }
        if status != "OK":  # NODATA and SKIPDATA records carry no addresses, ports or counters
            for f in ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action"):
                values[f] = "-"
        lines.append(" ".join(values[f] for f in fields))
    return " ".join(fields) + "\n" + "\n".join(lines) + "\n"


@pytest.mark.slow  # 25 random files, each ingested and queried
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=records())
def test_hypothesis_records(text, tmp_path_factory):
    folder = tmp_path_factory.mktemp("h")
    (folder / "a.log").write_text(text)
    df, ds = both(folder / "a.log", folder / "store")
    _check_all(df, ds)


def test_an_analysis_not_compiled_says_what_to_do(tmp_path):
    from flownb._dispatch import accepts_dataset

    @accepts_dataset
    def not_compiled(df):
        return df

    _, ds = both(flownb.samples.path("aws-docs"), tmp_path / "store")
    with pytest.raises(TypeError, match=r"not_compiled\(\) does not run on a FlowDataset yet.*to_pandas"):
        not_compiled(ds)


def test_time_range_prunes_hour_folders_and_keeps_what_read_flow_logs_keeps(tmp_path):
    folder = _scenario_files("port_sweep")
    df, _ = both(folder, tmp_path / "store")
    t0 = df["start"].min().floor("h")
    for start, end in (
        (t0, t0 + pd.Timedelta("10min")),
        (t0 + pd.Timedelta("7min"), None),
        (None, t0 + pd.Timedelta("1s")),
    ):
        expected = flownb.read_flow_logs(folder, start=start, end=end)
        got = flownb.open_dataset(tmp_path / "store", start=start, end=end)
        assert len(got) == len(expected)
        assert_same_result(flownb.top(expected, by="dstport"), flownb.top(got, by="dstport"))


def test_conversations_run_out_of_core_under_a_small_memory_limit(tmp_path):
    # 147,026 demo records folded per conversation within 64 MB of DuckDB memory (spilling to a folder):
    # the records are never held, only the conversations (flownb/scale/_conversations.py)
    df, _ = both(flownb.samples.path("demo"), tmp_path / "store")
    ds = flownb.open_dataset(
        tmp_path / "store", memory_limit="64MB", threads=1, temp_directory=tmp_path / "spill"
    )
    assert_same_result(flownb.conversations(df), flownb.conversations(ds))


@pytest.mark.parametrize(
    "name", ["conversations", "service_view", "rejections", "coverage", "network_metrics"]
)
def test_each_compiled_analysis_shows_its_athena_sql(name, tmp_path):
    import sqlglot

    _, ds = both(flownb.samples.path("aws-docs"), tmp_path / "store")
    sql = ds.show_sql(getattr(flownb, name), dialect="athena")
    assert "GROUP BY" in sql
    sqlglot.parse_one(sql, read="trino")  # Athena's dialect


def test_a_metric_filter_says_it_has_no_single_sql(tmp_path):
    _, ds = both(flownb.samples.path("aws-docs"), tmp_path / "store")
    mf = flownb.MetricFilter('"REJECT"', metric_name="Rejects")
    with pytest.raises(TypeError, match="in batches"):
        ds.show_sql(mf.metric)


def test_a_connection_logged_by_several_interfaces_counts_one_copy_each_way(tmp_path):
    # one TCP connection logged by four ENIs (two of them both ways), one ENI rejecting the answers: the
    # counted copy of each direction (flownb.analysis._conversations.counted_eni) and the interfaces label
    # "(+2 more)" come out the same on the engine
    head = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
    lines = [head]
    for eni, pk, by, action in (
        ("eni-0d", 10, 4000, "ACCEPT"),
        ("eni-0a", 10, 4000, "ACCEPT"),
        ("eni-0c", 9, 3600, "ACCEPT"),
        ("eni-0b", 10, 4000, "ACCEPT"),
    ):
        lines.append(
            f"2 123456789012 {eni} 10.0.1.5 10.0.2.9 40000 443 6 {pk} {by} 1700000000 1700000059 {action} OK"
        )
    for eni, pk, by, action in (("eni-0a", 8, 9000, "ACCEPT"), ("eni-0b", 8, 9000, "REJECT")):
        lines.append(
            f"2 123456789012 {eni} 10.0.2.9 10.0.1.5 443 40000 6 {pk} {by} 1700000001 1700000059 {action} OK"
        )
    (tmp_path / "a.log").write_text("\n".join(lines) + "\n")
    df, ds = both(tmp_path / "a.log", tmp_path / "store")
    expected = flownb.conversations(df)
    assert expected["interfaces"].astype(str).tolist() == ["eni-0a, eni-0d (+2 more)"]
    assert expected["action_to_client"].astype(str).tolist() == ["MIXED"]
    # to the server: the most bytes, eni-0a/0b/0d tie and the lowest id counts; back: the rejecting ENI's copy
    assert (expected["packets_to_server"].tolist(), expected["bytes_to_server"].tolist()) == ([10], [4000])
    assert expected["bytes_to_client"].tolist() == [9000]
    assert_same_result(expected, flownb.conversations(ds))
    assert_same_result(flownb.service_view(df), flownb.service_view(ds))
    assert_same_result(flownb.rejections(df), flownb.rejections(ds))
