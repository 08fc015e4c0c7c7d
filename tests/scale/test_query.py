"""flownb.query on a FlowDataset: the engine narrows (columns, leading filters, time range), the Logs
Insights engine decides, so the result equals flownb.query on the frame."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import flownb
from flownb.insights import AWS_SAMPLE_QUERIES, FLOWNB_SAMPLE_QUERIES
from flownb.scale._ops import _needed_columns, _pushdown
from flownb.scale._testing import assert_same_result
from tests.scale.conftest import both
from tests.scale.test_equivalence import _scenario_files

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
