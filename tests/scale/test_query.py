"""flownb.query on a FlowDataset: the engine narrows (columns, leading filters, time range), the Logs
Insights engine decides, so the result equals flownb.query on the frame."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import flownb
from flownb.insights import AWS_SAMPLE_QUERIES, FLOWNB_SAMPLE_QUERIES, InsightsQueryError
from flownb.scale._ops import _needed_columns, _pushdown
from flownb.scale._testing import assert_same_result
from tests.scale.conftest import both
from tests.scale.test_equivalence import _scenario_files
from tests.scale.test_equivalence import records as hypothesis_records

QUERIES = [q.query for q in (*AWS_SAMPLE_QUERIES, *FLOWNB_SAMPLE_QUERIES)] + [
    "filter action = 'REJECT' and dstPort < 1024 | stats count(*) as n by dstPort | sort n desc, dstPort",
    "filter dstPort in [22, 3389] or srcPort = 22 | fields srcAddr, dstAddr, dstPort | sort srcAddr | limit 20",
    "filter logStatus != 'OK' | stats count(*) by logStatus",
    "fields @timestamp, srcAddr | sort @timestamp desc | limit 5",
    "filter isIpv4InSubnet(srcAddr, '10.0.0.0/16') | stats sum(bytes) as b by bin(5m) | sort b desc | limit 3",
    "filter 443 = dstPort | display dstAddr, bytes | sort bytes desc | limit 4",
]


def _query(data, q, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return flownb.query(data, q, **kw)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return both(_scenario_files("port_scan"), tmp_path_factory.mktemp("q") / "store")


#: Queries whose rows once depended on the order of the records (so on file order): the Logs Insights
#: engine kept ``stats`` groups in order of first appearance and broke ``sort`` ties by record order, so the
#: dataset (whose records come in the engine's order) matched them only by chance. Ties are now settled by
#: value (``flownb.insights._engine``'s docstring), and these hold like the others.
ORDER_DEPENDENT = (
    "| sort numRejections desc\n| limit 20",
    "stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr",
    "| diff\n| filter @diff = 'new'",
    "| sort seconds desc",
)


def test_the_order_dependent_queries_are_still_in_the_suite():
    assert all(any(part in q for q in QUERIES) for part in ORDER_DEPENDENT)


@pytest.mark.parametrize("q", QUERIES, ids=range(len(QUERIES)))
def test_query_on_a_dataset_equals_the_query_on_the_frame(pair, q):
    df, ds = pair
    expected = _query(df, q)
    got = _query(ds, q)
    assert_same_result(expected.reset_index(drop=True), got.reset_index(drop=True))


@pytest.mark.parametrize("q", QUERIES, ids=range(len(QUERIES)))
def test_a_query_gives_the_same_rows_whatever_the_order_of_the_records(pair, q):
    df, _ = pair
    shuffled = df.sample(frac=1.0, random_state=3)
    backwards = df.iloc[::-1]
    expected = _query(df, q).reset_index(drop=True)
    assert_same_result(expected, _query(shuffled, q).reset_index(drop=True))
    assert_same_result(expected, _query(backwards, q).reset_index(drop=True))


def test_the_time_range_is_pushed_down_with_both_ends_included(pair):
    df, ds = pair
    t0 = df["start"].min()
    kw = dict(start=t0 + pd.Timedelta("3min"), end=t0 + pd.Timedelta("9min"))
    q = "stats count(*) as n, min(@timestamp) as first, max(@timestamp) as last"
    assert_same_result(_query(df, q, **kw), _query(ds, q, **kw))


def test_the_engine_reads_only_what_the_query_needs(pair):
    from flownb.insights import parse

    _, ds = pair
    cols = ds.columns
    assert _needed_columns(parse("stats sum(bytes) by srcAddr"), cols) == ["srcaddr", "bytes", "start"]
    assert _needed_columns(parse("filter action='REJECT'"), cols) is None  # whole records are shown
    assert _pushdown(parse("filter action='REJECT' | stats count(*)"), cols) is not None
    assert _pushdown(parse("stats count(*) | filter action='REJECT'"), cols) is None  # not a leading filter


def test_a_syntax_error_is_the_same_on_a_dataset(pair):
    df, ds = pair
    with pytest.raises(flownb.InsightsSyntaxError) as on_frame:
        flownb.query(df, "stats count(* by srcAddr")
    with pytest.raises(flownb.InsightsSyntaxError) as on_ds:
        flownb.query(ds, "stats count(* by srcAddr")
    assert str(on_ds.value) == str(on_frame.value)


# -- compiled to the engine (issue 15 point 3) ------------------------------------------------------------
#: Queries the engine runs as one expression ("stats") or whose shown records it picks ("records").
COMPILED = {
    "stats sum(bytes) as b by srcAddr, dstAddr | sort b desc | limit 10": "stats",
    'filter action="REJECT" | stats count(*) by bin(5m)': "stats",
    'filter isIpv4InSubnet(srcAddr, "10.0.0.0/8") | stats count(*) by dstPort': "stats",
    "filter endTime - startTime >= 30 | stats count(*) as n by dstPort": "stats",
    "stats count(*) as n, count(bytes) as c, sum(bytes) as s, avg(bytes) as a, min(bytes) as lo, "
    "max(packets) as hi, count_distinct(dstPort) as ports, min(@timestamp) as first, max(endTime) as last "
    "by bin(1h) as t, action, protocol": "stats",
    "filter not (dstPort in [22, 443]) and ispresent(srcPort) | stats count(*) as n": "stats",
    "filter srcAddr like '10.' or not isIpv4InSubnet(dstAddr, '10.0.0.0/16') | stats sum(packets) as p "
    "by interfaceId | sort p desc, interfaceId | limit 3": "stats",
    "filter dstPort != 22 | stats count(*) as n by bin(1w)": "stats",
    "filter bytes * 2 - packets > 100 | stats max(bytes) by srcAddr | sort srcAddr desc | limit 7 "
    "| fields srcAddr": "stats",
    "fields bytes - packets as d | stats count(*) as n by dstPort | filter n > 1": "stats",
    "stats count(*) as n by logStatus | sort n": "stats",
    "filter action = 'NOPE' | stats count(*) as n": "stats",
    "fields @timestamp, srcAddr, bytes | sort bytes desc | limit 7": "records",
    "filter -dstPort < -1000 | fields srcAddr, dstPort | sort dstPort, srcAddr desc": "records",
    "filter protocol = 6 | limit 3": "records",
    "fields endTime - startTime as seconds, srcAddr | sort seconds desc | limit 9": "records",
    "fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, bytes | filter action = 'ACCEPT' "
    "| sort @timestamp desc | dedup srcAddr, dstAddr, srcPort, dstPort, protocol": "records",
    "dedup dstPort | fields dstPort, srcAddr": "records",
    "fields bytes * 2 as b2, dstAddr | sort bytes desc | dedup dstAddr | filter b2 > 100 | limit 6": "records",
    # text sorts naturally (guide, "sort" page): the engine groups or filters, pandas sorts and limits
    "stats count(*) as n by srcAddr | sort srcAddr | limit 5": "stats",
    "filter dstPort > 1000 | fields srcAddr, dstPort | sort srcAddr desc | limit 5": "records",
}

#: Queries that stay in pandas after the engine narrows them, and why.
NARROWED = {
    "stats count(*) as n by srcAddr | diff": "diff",
    "parse @message '* *' as a, b | stats count(*) by a": "parse",
    "filter dstPort > '100' | stats count(*)": "a comparison of int with str",
    "stats pct(bytes, 50) by srcAddr": "pct(bytes, 50)",
    "filter isIpInSubnet(srcAddr, '2001:db8::/32') | stats count(*)": "IPv6",
    "fields bytes * 2 as bytes | sort bytes desc | limit 3": "named like a record field",
    "stats count(*) by nosuchfield": "nosuchfield",
    "fields srcAddr, dstPort | sort srcAddr | dedup dstPort": "dedup after a sort by text",
}


def _kind(ds, q):
    from flownb.insights import parse
    from flownb.scale._query import compile_query

    return compile_query(ds, parse(q))


@pytest.mark.parametrize("q", list(COMPILED), ids=range(len(COMPILED)))
def test_a_relational_query_is_compiled_and_equals_the_frame(pair, q):
    df, ds = pair
    assert _kind(ds, q).kind == COMPILED[q]
    assert_same_result(_query(df, q).reset_index(drop=True), _query(ds, q).reset_index(drop=True))


@pytest.mark.parametrize("q", list(NARROWED), ids=range(len(NARROWED)))
def test_the_rest_is_narrowed_and_says_why(pair, q, caplog):
    df, ds = pair
    compiled = _kind(ds, q)
    assert compiled.kind == "narrowed" and NARROWED[q] in compiled.reason
    with caplog.at_level("DEBUG", logger="flownb.scale"):
        got = _query(ds, q)
    assert any("narrowed" in r.getMessage() and NARROWED[q] in r.getMessage() for r in caplog.records)
    assert_same_result(_query(df, q).reset_index(drop=True), got.reset_index(drop=True))


def test_show_sql_shows_the_compiled_query(pair):
    _, ds = pair
    sql = ds.show_sql(
        flownb.query,
        query="filter action = 'REJECT' | stats count(*) as n by dstPort | sort n desc | limit 5",
    )
    assert "GROUP BY" in sql and "ORDER BY" in sql and "LIMIT 5" in sql
    trino = ds.show_sql(flownb.query, query="stats sum(bytes) as b by bin(5m)", dialect="trino")
    assert "GROUP BY" in trino


def test_a_compiled_query_keeps_its_time_range_exactly(pair):
    df, ds = pair
    t0 = df["start"].min()
    kw = dict(start=t0 + pd.Timedelta("3min") + pd.Timedelta("300ms"), end=t0 + pd.Timedelta("9min"))
    for q in ("stats count(*) as n by bin(1m)", "fields srcAddr, bytes | sort bytes desc | limit 5"):
        assert _kind(ds, q).kind != "narrowed"
        assert_same_result(_query(df, q, **kw), _query(ds, q, **kw))


@pytest.mark.parametrize("name", ["nat_gateway", "nacl_change_midday", "skipdata_gap", "exfiltration"])
def test_compiled_queries_on_other_scenarios(name, tmp_path):
    from tests.scale.test_equivalence import SCENARIOS

    if name not in SCENARIOS:
        pytest.skip(f"no scenario {name}")
    df, ds = both(_scenario_files(name), tmp_path / "store")
    for q in COMPILED:
        assert_same_result(_query(df, q).reset_index(drop=True), _query(ds, q).reset_index(drop=True))


@pytest.mark.slow  # random files, each ingested and queried
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hypothesis_records())
def test_compiled_queries_on_hypothesis_records(text, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hq")
    (folder / "a.log").write_text(text)
    df, ds = both(folder / "a.log", folder / "store")
    for q in COMPILED:
        if COMPILED[q] == "records" and "start" not in df.columns:
            continue  # records without @timestamp keep the frame's order, and a dataset has none
        try:
            expected = _query(df, q)
        except InsightsQueryError as exc:  # a field the format lacks in a way the query cannot run
            with pytest.raises(InsightsQueryError) as info:
                _query(ds, q)
            assert str(info.value) == str(exc)
            continue
        assert_same_result(expected.reset_index(drop=True), _query(ds, q).reset_index(drop=True))


@pytest.mark.parametrize(
    "cidr", ["10.0.0.0/8", "172.16.0.0/12", "192.0.2.16/28", "0.0.0.0/0", "192.0.2.17/32", "10.1.2.0/23"]
)
def test_the_engine_s_subnet_test_is_the_pandas_engine_s(cidr):
    import ipaddress
    import random
    import re

    from flownb.insights._ip import in_subnet
    from flownb.scale._query import _ipv4_network_regex

    rng = random.Random(cidr)
    values = ["10.0.0.1", "01.2.3.4", "10.01.1.1", "256.1.1.1", "10.0.0", "::1", "172.31.255.255", "0.0.0.0"]
    values += [".".join(str(rng.randint(0, 255)) for _ in range(4)) for _ in range(2000)]
    rx = re.compile(_ipv4_network_regex(ipaddress.ip_network(cidr)))
    assert [rx.search(v) is not None for v in values] == in_subnet(pd.Series(values), cidr, 4).tolist()


def test_a_time_range_on_a_whole_second_keeps_the_records_of_that_second(pair):
    df, ds = pair
    t = df["start"].dropna().sort_values().iloc[len(df) // 2]
    q = "stats count(*) as n, min(@timestamp) as first, max(@timestamp) as last"
    for kw in (dict(start=t), dict(end=t), dict(start=t, end=t)):
        expected = _query(df, q, **kw)
        assert expected["n"].iloc[0] > 0
        assert_same_result(expected, _query(ds, q, **kw))


@pytest.mark.slow  # Spark local[2]: a JVM and a session
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
@pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated")
def test_compiled_queries_on_spark_equal_the_frame(tmp_path):
    import shutil

    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        pytest.importorskip("pyspark")
    df, _ = both(_scenario_files("port_scan"), tmp_path / "store")
    ds = flownb.open_dataset(tmp_path / "store", engine="spark", memory_limit="1GB")
    for q in COMPILED:
        assert _kind(ds, q).kind == COMPILED[q]
        assert_same_result(_query(df, q).reset_index(drop=True), _query(ds, q).reset_index(drop=True))
