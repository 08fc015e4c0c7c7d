"""Each command, compared with what plain pandas says the answer is."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flownb
from flownb.insights import InsightsQueryError, InsightsWarning, query
from flownb.insights._values import natural_key

from .conftest import records, run


def test_without_fields_the_result_is_timestamp_and_message_newest_first():
    path = flownb.samples.path("aws-docs/sg-nacl-ping")
    df = flownb.read_flow_logs(path)
    out = run(df, "filter protocol = 1")
    lines = Path(path).read_text().splitlines()[1:]
    assert list(out.columns) == ["@timestamp", "@message"]
    # the record's text is the line as AWS wrote it; the later record (start 1432917094) comes first
    assert out["@message"].tolist() == [lines[1], lines[0]]
    assert out["@timestamp"].tolist() == sorted(df["start"], reverse=True)


def test_at_most_10000_rows_unless_limit_says_otherwise(flows):
    big = pd.concat([flows] * 3, ignore_index=True)
    assert len(run(big, "fields srcAddr")) == 10_000
    assert len(run(big, "fields srcAddr | limit 11000")) == 11_000
    assert len(run(big, "fields srcAddr | limit 7")) == 7


def test_the_input_frame_is_not_changed(flows):
    before = flows.copy()
    run(
        flows,
        "fields bytes * 8 as bits, concat(srcAddr, '>') as s | parse @message '* *' as a, b | sort bits",
    )
    pd.testing.assert_frame_equal(flows, before)


def test_a_filtered_frame_with_gaps_in_its_index(flows):
    rejects = flows[flows["action"] == "REJECT"]
    out = run(rejects, "fields srcAddr, bytes * 2 as double | sort double desc | limit 5")
    expected = rejects.sort_values("bytes", ascending=False, kind="stable").head(5)
    assert out["double"].tolist() == (expected["bytes"] * 2).tolist()
    assert out["srcAddr"].tolist() == expected["srcaddr"].tolist()


def test_filter_can_use_fields_that_are_not_displayed(flows):
    out = run(flows, "fields srcAddr, bytes | filter dstPort = 22 and action = 'ACCEPT'")
    expected = flows[(flows["dstport"] == 22) & (flows["action"] == "ACCEPT")]
    assert list(out.columns) == ["srcAddr", "bytes"]
    assert sorted(out["bytes"]) == sorted(expected["bytes"])


def test_display_keeps_only_what_it_names(flows):
    out = run(flows, "fields srcAddr, dstAddr, bytes * 8 as bits | display bits, srcAddr | limit 3")
    assert list(out.columns) == ["bits", "srcAddr"]


def test_stats_aggregations_by_action(flows):
    out = run(
        flows,
        """stats count(*) as n, count(srcAddr) as with_src, sum(bytes) as total, avg(bytes) as mean,
                 min(packets) as lo, max(packets) as hi, stddev(bytes) as sd, count_distinct(dstPort) as ports,
                 pct(bytes, 95) as p95, percentile(bytes, 50) as p50,
                 earliest(srcPort) as first_port, latest(srcPort) as last_port,
                 sortsFirst(srcAddr) as lowest_src, sortsLast(srcAddr) as highest_src
           by action""",
    ).set_index("action")
    for action in ["ACCEPT", "REJECT"]:
        g = flows[flows["action"] == action]
        row = out.loc[action]
        b = g["bytes"].dropna().astype(float).sort_values().tolist()
        assert row["n"] == len(g)
        assert row["with_src"] == g["srcaddr"].notna().sum()
        assert row["total"] == sum(int(x) for x in g["bytes"].dropna())
        assert row["mean"] == pytest.approx(sum(b) / len(b))
        assert (row["lo"], row["hi"]) == (g["packets"].min(), g["packets"].max())
        assert row["sd"] == pytest.approx(np.std(b, ddof=1))
        assert row["ports"] == g["dstport"].nunique()
        for p, col in ((95, "p95"), (50, "p50")):
            assert row[col] == b[math.ceil(p / 100 * len(b)) - 1]  # nearest rank
        ordered = g.sort_values("start", kind="stable")
        present = ordered[ordered["srcport"].notna()]
        assert row["first_port"] == present["srcport"].iloc[0]
        latest_t = present["start"].max()
        assert row["last_port"] == present.loc[present["start"] == latest_t, "srcport"].iloc[0]
        # "the value that sorts first": the order of the sort command (natural order, CWL_QuerySyntax-Sort)
        srcs = sorted(g["srcaddr"].dropna().astype(str), key=natural_key)
        assert (row["lowest_src"], row["highest_src"]) == (srcs[0], srcs[-1])


def test_sorts_first_and_last_follow_the_sort_commands_natural_order():
    # CWL_QuerySyntax-Sort: digit runs compare by value, so eni-9 sorts before eni-10 and
    # 10.0.0.9 before 10.0.0.10; sortsFirst/sortsLast give the first/last value of that order
    frame = pd.DataFrame(
        {
            "interface_id": ["eni-10", "eni-9", "eni-100", None, "eni-9"],
            "srcaddr": ["10.0.0.10", "10.0.0.9", "10.0.0.100", "10.0.0.2", None],
            "action": ["ACCEPT", "ACCEPT", "ACCEPT", "REJECT", "REJECT"],
        }
    )
    out = run(
        frame,
        "stats sortsFirst(interfaceId) as lo_eni, sortsLast(interfaceId) as hi_eni, "
        "sortsFirst(srcAddr) as lo_src, sortsLast(srcAddr) as hi_src by action",
    ).set_index("action")
    assert out.loc["ACCEPT", ["lo_eni", "hi_eni", "lo_src", "hi_src"]].tolist() == [
        "eni-9",
        "eni-100",
        "10.0.0.9",
        "10.0.0.100",
    ]
    assert out.loc["REJECT", ["lo_eni", "hi_eni", "lo_src", "hi_src"]].tolist() == [
        "eni-9",
        "eni-9",
        "10.0.0.2",
        "10.0.0.2",
    ]


def test_records_missing_the_group_field_form_their_own_group(flows):
    out = run(flows, "stats count(*) as n by srcAddr")
    missing = out[out["srcAddr"].isna()]
    assert missing["n"].tolist() == [int(flows["srcaddr"].isna().sum())]
    assert out["n"].sum() == len(flows)


def test_arithmetic_on_aggregations_and_expressions_as_groups(flows):
    out = run(flows, "stats sum(bytes) / sum(packets) as bpp by dstPort % 2 as parity")
    for parity, bpp in zip(out["parity"], out["bpp"], strict=True):
        if pd.isna(parity):
            continue
        g = flows[(flows["dstport"].astype("Float64") % 2) == parity]
        assert bpp == pytest.approx(g["bytes"].sum() / g["packets"].sum())


def test_two_stats_commands(flows):
    out = run(
        flows, "stats count(*) as perMinute by bin(1m) | stats max(perMinute) as peak, avg(perMinute) as mean"
    )
    per_minute = flows.groupby(flows["start"].dt.floor("1min")).size()
    assert out["peak"].tolist() == [per_minute.max()]
    assert out["mean"].iloc[0] == pytest.approx(per_minute.mean())


def test_bin_buckets_are_timestamps_newest_first(flows):
    out = run(flows, "filter action = 'REJECT' | stats count(*) by bin(30m)")
    rejects = flows[flows["action"] == "REJECT"]
    expected = rejects.groupby(rejects["start"].dt.floor("30min")).size().sort_index(ascending=False)
    assert out["bin(30m)"].tolist() == expected.index.tolist()
    assert out["count(*)"].tolist() == expected.tolist()


def test_sort_by_several_keys_missing_values_last(flows):
    # text sorts naturally (guide, "sort" page: runs of digits by length, then value)
    import functools

    from .test_guide_commands import _page_rule

    out = run(flows, "fields srcAddr, bytes | sort srcAddr asc, bytes desc | limit 10000")
    addresses = sorted(flows["srcaddr"].dropna().astype(str).unique(), key=functools.cmp_to_key(_page_rule))
    rank = {a: i for i, a in enumerate(addresses)}
    octets = flows["srcaddr"].astype(object).map(lambda a: None if pd.isna(a) else rank[str(a)])
    expected = flows.assign(s=flows["srcaddr"].astype(object), o=octets).sort_values(
        ["o", "bytes"], ascending=[True, False], na_position="last", kind="stable"
    )
    assert out["srcAddr"].astype(object).tolist()[:-200] == expected["s"].tolist()[:-200]
    assert out["bytes"].tolist()[:3000] == expected["bytes"].tolist()[:3000]
    assert out["srcAddr"].isna().iloc[-1]


def test_sort_then_limit_takes_the_top_records(flows):
    out = run(flows, "fields bytes, start | sort bytes desc | limit 10")
    expected = flows.sort_values("bytes", ascending=False, kind="stable").head(10)
    assert out["bytes"].tolist() == expected["bytes"].tolist()


def test_limit_without_sort_takes_the_newest(flows):
    out = run(flows, "fields @timestamp | limit 25")
    assert out["@timestamp"].tolist() == sorted(flows["start"], reverse=True)[:25]


def test_parse_glob_keeps_records_that_do_not_match(flows):
    out = run(
        flows,
        "parse @message '* * * * * * 22 *' as v, acct, eni, src, dst, sport, rest | fields src, sport, srcAddr",
    )
    assert len(out) == len(flows)
    matched = out["src"].notna()
    assert matched.any() and (~matched).any()
    # where it matched, the pieces are the record's own fields
    assert (out.loc[matched, "src"].astype(str) == out.loc[matched, "srcAddr"].astype(str)).all()


def test_parse_regex_named_groups(flows):
    out = run(
        flows,
        r"parse @message /(?<proto>\d+) (?<pk>\d+) (?<nbytes>\d+) \d+ \d+ REJECT/ | fields proto, pk, nbytes, @message",
    )
    rx = re.compile(r"(?P<proto>\d+) (?P<pk>\d+) (?P<nbytes>\d+) \d+ \d+ REJECT")
    for msg, proto, by in zip(out["@message"], out["proto"], out["nbytes"], strict=True):
        m = rx.search(msg)
        if m is None:
            assert pd.isna(proto) and pd.isna(by)
        else:
            assert (proto, by) == (m["proto"], m["nbytes"])
    assert out["proto"].notna().sum() == int((flows["action"] == "REJECT").sum())


def test_parsed_fields_work_as_numbers(flows):
    out = run(
        flows,
        "parse @message /(?<pk>\\d+) (?<nbytes>\\d+) \\d+ \\d+ (ACCEPT|REJECT)/ | stats sum(nbytes) as total",
    )
    assert out["total"].tolist() == [int(flows["bytes"].sum())]


def test_dedup_keeps_the_first_record_in_order(flows):
    out = run(flows, "fields action, bytes | sort bytes desc | dedup action")
    expected = flows.dropna(subset=["action"]).sort_values("bytes", ascending=False, kind="stable")
    expected = expected.drop_duplicates("action")
    assert sorted(records(out[out["action"].notna()])) == sorted(records(expected[["action", "bytes"]]))


def test_unknown_fields_are_missing_and_noted(flows):
    with pytest.warns(InsightsWarning, match=r"'srcadress' \(did you mean 'srcaddr'\?\)"):
        out = query(flows, "fields srcadress, srcAddr | filter ispresent(srcAddr) | limit 3")
    assert out["srcadress"].isna().all()
    assert out.attrs["unknown_fields"] == ("srcadress",)
    with pytest.warns(InsightsWarning, match="'SrcAddr'"):
        out = query(flows, "filter SrcAddr = '10.0.1.10'")
    assert len(out) == 0


def test_system_fields(flows):
    out = run(flows, "fields @timestamp, @logStream, interfaceId | limit 5")
    assert (out["@logStream"].astype(str) == out["interfaceId"].astype(str)).all()
    assert out["@timestamp"].dtype == flows["start"].dtype


def test_time_range(flows):
    t0 = flows["start"].min() + pd.Timedelta("1h")
    t1 = t0 + pd.Timedelta("30min")
    out = run(flows, "stats count(*) as n", start=t0, end=t1)
    assert out["n"].tolist() == [int(((flows["start"] >= t0) & (flows["start"] <= t1)).sum())]


def test_comparisons_with_a_missing_value_drop_the_record(flows):
    out = run(flows, "filter srcAddr != '10.0.1.10' | stats count(*) as n")
    expected = ((flows["srcaddr"] != "10.0.1.10") & flows["srcaddr"].notna()).sum()
    assert out["n"].tolist() == [int(expected)]


def test_end_minus_start_is_seconds(flows):
    out = run(flows, "fields end - start as duration | limit 10000")
    expected = (flows["end"] - flows["start"]).dt.total_seconds().astype(int)
    assert sorted(out["duration"]) == sorted(expected)


def test_no_timestamp_column_gives_a_query_error():
    df = flownb.samples.load("aws-docs/nat-gateway")
    with pytest.raises(InsightsQueryError, match="no 'start' column"):
        query(df, "stats count(*) by bin(1h)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = query(df, "stats count(*) as n by srcAddr | sort n desc")
    assert out["n"].sum() == len(df)


def test_accessor_runs_the_same_query(flows):
    a = flows.flow.query("stats sum(bytes) as b by action | sort b desc")
    b = run(flows, "stats sum(bytes) as b by action | sort b desc")
    pd.testing.assert_frame_equal(a, b)


def test_default_columns_without_start_are_just_the_message():
    df = flownb.samples.load("aws-docs/nat-gateway")
    out = run(df, "filter srcAddr like '203.0.113'")
    assert list(out.columns) == ["@message"]
    lines = Path(flownb.samples.path("aws-docs/nat-gateway")).read_text().splitlines()[1:]
    assert sorted(out["@message"]) == sorted(line for line in lines if "203.0.113" in line.split()[2])


def test_stats_on_no_records_returns_no_rows(flows):
    out = run(flows, "filter srcAddr = '192.0.2.99' | stats count(*) as n, sum(bytes) as b")
    assert len(out) == 0 and list(out.columns) == ["n", "b"]


def test_after_stats_an_aggregation_names_its_column(flows, duck):
    out = run(flows, "stats count(*) by srcAddr | sort count(*) desc | limit 3")
    theirs = duck.execute("SELECT count(*) AS n FROM df GROUP BY srcaddr ORDER BY n DESC LIMIT 3").df()
    assert out["count(*)"].tolist() == theirs["n"].tolist()
    with pytest.raises(InsightsQueryError, match="not a column of the stats result"):
        query(flows, "stats count(*) by srcAddr | sort sum(bytes) desc")
