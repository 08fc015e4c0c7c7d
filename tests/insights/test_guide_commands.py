"""The commands added for issue 17, each example of its CloudWatch Logs User Guide page run as a test.

Pages (CloudWatch Logs User Guide, "CloudWatch Logs Insights language query syntax"): "limit",
"unnest", "filldown", "fillmissing", "addtotals", "lookup", "diff", "parse", and "Boolean,
comparison, numeric, datetime, and other functions" (structure types, JSON and datetime functions),
"stats" (the units of bin()). Expected answers are computed here with pandas, never with flownb.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import flownb
from flownb.insights import InsightsQueryError, InsightsSyntaxError, parse

from .conftest import run


def events(messages: list, start: str = "2026-01-01T00:00:00Z", step: str = "1min") -> pd.DataFrame:
    """A JSON log group: one @message per event, one minute apart (oldest first)."""
    times = pd.date_range(start, periods=len(messages), freq=step)
    texts = [m if isinstance(m, str) else json.dumps(m) for m in messages]
    return pd.DataFrame({"@timestamp": times, "@message": pd.array(texts, dtype="str")})


# -- limit (page "limit", "limit any") ----------------------------------------------------------
def test_limit_page_example_returns_the_25_most_recent(flows):
    out = run(flows, "fields @timestamp, @message | sort @timestamp desc | limit 25")
    assert out["@timestamp"].tolist() == sorted(flows["start"], reverse=True)[:25]


def test_limit_any_page_example_returns_one_event(flows):
    out = run(flows, "fields @message | limit any 1")
    assert len(out) == 1 and out["@message"].iloc[0] in set(flownb.insights._fields.message(flows))


def test_limit_goes_to_100000_and_no_further(flows):
    big = pd.concat([flows] * 30, ignore_index=True)
    assert len(run(big, "fields srcAddr | limit 100000")) == 100_000
    with pytest.raises(InsightsSyntaxError, match="at most 100,000") as err:
        parse("fields srcAddr | limit 100001")
    assert err.value.column == len("fields srcAddr | limit ") + 1
    assert "^" in str(err.value)


def test_limit_any_takes_records_in_the_order_read_not_newest_first(flows):
    out = run(flows, "fields startTime | limit any 5")
    assert out["startTime"].tolist() == flows["start"].head(5).tolist()


# -- unnest and the structure types (pages "unnest", "Structure types", "JSON functions") ---------
def test_unnest_page_first_example():
    df = events([{"events": [{"name": "exception"}, {"name": "user action"}]}])
    out = run(df, "fields jsonParse(@message) as json_message | unnest json_message.events into event "
                  "| display event.name")  # fmt: skip
    assert out["event.name"].tolist() == ["exception", "user action"]


def test_unnest_page_second_example_filters_items():
    df = events([{"accounts": [{"type": "internal", "id": 1}, {"type": "external", "id": 2}]},
                 {"accounts": [{"type": "internal", "id": 3}]}])  # fmt: skip
    out = run(df, 'fields jsonParse(@message) as js | unnest js.accounts into account '
                  '| filter account.type = "internal" | display account.id')  # fmt: skip
    assert sorted(out["account.id"].tolist()) == [1, 3]


def test_unnest_page_third_example_aggregates():
    df = events([{"x": 1}, {"x": 2}])
    df["trimmedData"] = pd.array(
        [json.dumps([{"accountId": "a", "droppedSpans": 3}, {"accountId": "b", "droppedSpans": 1}]),
         json.dumps([{"accountId": "a", "droppedSpans": 4}])],
        dtype="str",
    )  # fmt: skip
    out = run(df, "fields jsonParse(trimmedData) as accounts | unnest accounts into account "
                  "| stats sum(account.droppedSpans) as n by account.accountId | sort n desc | limit 10")  # fmt: skip
    assert out.values.tolist() == [["a", 7], ["b", 1]]


def test_unnest_treats_a_scalar_as_a_list_of_one_and_keeps_records_without_the_field():
    df = events([{"v": [1, 2, 3]}, {"v": "one"}, {"w": 1}, {"v": []}])
    out = run(
        df, "fields jsonParse(@message) as j | sort @timestamp asc | unnest j.v into item | display item"
    )
    items = out["item"].astype(object).where(out["item"].notna(), None).tolist()
    assert items == [1, 2, 3, "one", None]
    assert len(out) == 5  # 3 + 1 (the string) + 1 (no field, kept) + 0 (empty list)


def test_structure_types_page_examples():
    df = events([{"status_code": 200, "list": [10, 20]}, {"status_code": 500, "list": [30]},
                 {"status_code": 200, "list": []}])  # fmt: skip
    out = run(df, "fields jsonParse(@message) as json_message | stats count() by json_message.status_code")
    assert sorted(out.values.tolist()) == [[200, 2], [500, 1]]
    first = run(df, "fields jsonParse(@message) as m | fields m.list[0] as first | sort @timestamp asc")
    assert first["first"].tolist()[:2] == [10, 30] and first["first"].isna().tolist()[2]


def test_jsonstringify_gives_back_compact_json_and_bad_json_is_missing():
    df = events([{"a": {"b": [1, 2]}}, "not json"])
    out = run(df, "fields jsonParse(@message) as j | fields jsonStringify(j.a) as s | sort @timestamp asc")
    assert out["s"].tolist()[0] == '{"b":[1,2]}' and pd.isna(out["s"].tolist()[1])


# -- filldown (page "filldown") ---------------------------------------------------------------------
def test_filldown_page_example_fills_host_and_cpu_fields():
    df = events(["a", "b", "c"])
    df["host"] = pd.array(["h1", None, None], dtype="str")
    df["cpu_user"] = pd.array([1.0, None, 3.0], dtype="Float64")
    df["cpu_system"] = pd.array([None, 5.0, None], dtype="Float64")
    df["other"] = pd.array(["x", None, None], dtype="str")
    out = run(df, "fields @timestamp, host, cpu_user, cpu_system, other | sort @timestamp asc "
                  "| filldown host cpu*")  # fmt: skip
    assert out["host"].tolist() == ["h1", "h1", "h1"]
    assert out["cpu_user"].tolist() == [1.0, 1.0, 3.0]
    assert out["cpu_system"].isna().tolist() == [True, False, False]
    assert out["other"].isna().tolist() == [False, True, True]  # not named, not filled


def test_filldown_without_fields_fills_every_field():
    df = events(["a", "b"])
    df["host"] = pd.array(["h1", None], dtype="str")
    out = run(df, "fields host | sort @timestamp asc | filldown")
    assert out["host"].tolist() == ["h1", "h1"]


# -- fillmissing (page "fillmissing") ----------------------------------------------------------------
def test_fillmissing_page_example_fills_empty_minutes_with_zero():
    df = events(["a", "b", "c", "d"], step="1min")
    df = df.iloc[[0, 3]].reset_index(drop=True)  # minutes 0 and 3 only
    df["latency"] = pd.array([10, 30], dtype="Int64")
    out = run(df, "fields @timestamp, latency | stats avg(latency) as avg_latency by bin(1m) "
                  "| fillmissing with 0 for avg_latency")  # fmt: skip
    assert len(out) == 4
    assert out["avg_latency"].tolist() == [30, 0, 0, 10]  # newest first, as stats by bin() returns
    assert out["bin(1m)"].tolist() == sorted(pd.date_range("2026-01-01", periods=4, freq="1min", tz="UTC"),
                                             reverse=True)  # fmt: skip


def test_fillmissing_without_a_value_leaves_the_fields_missing_and_needs_bin(flows):
    df = events(["a", "b", "c"], step="2min")
    out = run(df, "stats count(*) as n by bin(1m) | fillmissing")
    assert len(out) == 5 and out["n"].isna().sum() == 2
    with pytest.raises(InsightsQueryError, match=r"stats \.\.\. by bin"):
        run(flows, "stats count(*) by srcAddr | fillmissing")


# -- addtotals (page "addtotals") ---------------------------------------------------------------------
@pytest.fixture
def numbers():
    df = events(["1", "2", "3"])
    for name, values in {"a": [1, 2, 3], "b": [10, 20, 30], "price": [5, 6, 7], "tax": [1, 1, 2],
                         "qty": [2, 2, 2], "val": [4, 5, 6], "x": [7, 8, 9]}.items():  # fmt: skip
        df[name] = pd.array(values, dtype="Int64")
    return df


def test_addtotals_page_examples(numbers):
    out = run(numbers, "fields a, b | sort @timestamp asc | addtotals")
    assert out["Total"].tolist() == [11, 22, 33]
    out = run(numbers, "fields price, tax, qty | sort @timestamp asc | addtotals price, tax")
    assert out["Total"].tolist() == [6, 7, 9]
    out = run(numbers, "fields val | addtotals fieldname=RowSum")
    assert list(out.columns) == ["val", "RowSum"] and sorted(out["RowSum"].tolist()) == [4, 5, 6]
    out = run(numbers, "fields x | addtotals col=true x")
    assert len(out) == 4 and out["x"].tolist()[-1] == 24


def test_addtotals_row_false_col_true_adds_only_the_summary_row(flows):
    out = run(flows, "stats count(*) as n, sum(bytes) as b by action | addtotals row=false col=true")
    assert "Total" not in out.columns
    assert out["n"].tolist()[-1] == len(flows) and out["b"].tolist()[-1] == int(flows["bytes"].sum())


# -- lookup (page "lookup") -----------------------------------------------------------------------------
@pytest.fixture
def user_data(tmp_path):
    path = tmp_path / "user_data.csv"
    path.write_text("id,name,email,department\n1,Ana,ana@example.com,Net\n2,Bo,bo@example.com,Sec\n")
    return path


def test_lookup_page_example_enriches_events_from_a_csv_table(user_data):
    df = events(["x", "y", "z"])
    df["id"] = pd.array(["1", "2", "3"], dtype="str")
    out = run(df, "fields id | lookup user_data id as id OUTPUT name, email | sort @timestamp asc",
              tables={"user_data": user_data})  # fmt: skip
    assert out["name"].astype(object).where(out["name"].notna(), None).tolist() == ["Ana", "Bo", None]
    assert out["email"].tolist()[0] == "ana@example.com"


def test_lookup_names_ports_on_flow_logs_from_a_dataframe(flows):
    ports = pd.DataFrame({"port": [22, 443], "service": ["ssh", "https"]})
    out = run(flows, "lookup ports port as dstPort OUTPUT service | stats count(*) as n by service",
              tables={"ports": ports})  # fmt: skip
    counts = dict(zip(out["service"].astype(object), out["n"], strict=True))
    assert counts["ssh"] == int((flows["dstport"] == 22).sum())
    assert counts["https"] == int((flows["dstport"] == 443).sum())


def test_lookup_of_an_unknown_table_says_how_to_pass_one(flows):
    with pytest.raises(InsightsQueryError, match="tables="):
        run(flows, "lookup nope a as srcAddr OUTPUT b")


def test_lookup_match_is_exact_and_case_sensitive():
    df = events(["x", "y"])
    df["code"] = pd.array(["ABC", "abc"], dtype="str")
    table = pd.DataFrame({"code": ["ABC"], "meaning": ["upper"]})
    out = run(df, "lookup t code as code OUTPUT meaning | sort @timestamp asc", tables={"t": table})
    assert out["meaning"].isna().tolist() == [False, True]


# -- diff (page "diff") ----------------------------------------------------------------------------------
def test_diff_finds_what_is_new_in_the_current_period(flows):
    t0 = flows["start"].min()
    mid = t0 + (flows["start"].max() - t0) / 2
    out = run(flows, "stats count(*) as n by srcAddr | diff")
    now = flows[flows["start"] >= mid].groupby(flows["srcaddr"].astype(object), dropna=False).size()
    before = flows[flows["start"] < mid].groupby(flows["srcaddr"].astype(object), dropna=False).size()
    new = {a for a in now.index if a not in before.index}
    got_new = set(out.loc[out["@diff"] == "new", "srcAddr"].astype(object))
    assert got_new == {a for a in new if isinstance(a, str)}
    both = out[out["@diff"] == "both"]
    for _, row in both.head(5).iterrows():
        assert row["n"] == now[row["srcAddr"]] and row["n.previous"] == before[row["srcAddr"]]
        assert row["n.change"] == row["n"] - row["n.previous"]
    assert set(out["@diff"]) <= {"new", "gone", "both"}
    assert out.attrs["diff_periods"]["previous"][1] == out.attrs["diff_periods"]["current"][0]


def test_diff_with_a_time_range_compares_with_the_range_before(flows):
    t0 = flows["start"].min().floor("1h") + pd.Timedelta("2h")
    t1 = t0 + pd.Timedelta("1h")
    out = run(flows, "stats count(*) as n | diff", start=t0, end=t1)
    assert out["n"].tolist() == [int(((flows["start"] >= t0) & (flows["start"] <= t1)).sum())]
    before = (flows["start"] >= t0 - pd.Timedelta("1h")) & (flows["start"] < t0)
    assert out["n.previous"].tolist() == [int(before.sum())]


def test_diff_previous_day_compares_with_the_same_time_the_day_before():
    df = events(["a"] * 3 + ["b"] * 2, start="2026-01-01T10:00:00Z", step="1min")
    df.loc[3:, "@timestamp"] = df.loc[3:, "@timestamp"] + pd.Timedelta("1D")
    df["@message"] = pd.array(["a", "a", "x", "a", "y"], dtype="str")
    out = run(df, "fields @message as m | diff previousDay | sort m")
    got = {r["m"]: r["@diff"] for _, r in out.iterrows()}
    assert got == {"a": "both", "x": "gone", "y": "new"}


def test_diff_without_stats_or_fields_says_what_it_needs(flows):
    with pytest.raises(InsightsQueryError, match=r"stats \.\.\. by or a fields"):
        run(flows, "filter action = 'REJECT' | diff")
    with pytest.raises(InsightsSyntaxError, match="unknown diff modifier"):
        parse("stats count(*) | diff previousYear")


# -- parse (page "parse") --------------------------------------------------------------------------------
def test_parse_page_glob_examples():
    df = events(["user=ana, method:GET, latency := 10", "user=ana, method:GET, latency := 30",
                 "user=bo, method:PUT, latency := 5"])  # fmt: skip
    df["@logStream"] = pd.array(["prod/api/i-1/s1", "prod/api/i-2/s2", "dev/web/i-3/s1"], dtype="str")
    out = run(df, 'parse @message "user=*, method:*, latency := *" as @user, @method, @latency '
                  "| stats avg(@latency) by @method, @user")  # fmt: skip
    assert sorted(out.values.tolist()) == [["GET", "ana", 20.0], ["PUT", "bo", 5.0]]
    out = run(
        df, 'parse @logStream "*/*/*/*" as env, service, instance, shard | stats count(*) by env, service'
    )
    assert sorted(out.values.tolist()) == [["dev", "web", 1], ["prod", "api", 2]]


def test_parse_page_chained_parse():
    df = events(["GET url=/api/v2/users/42", "GET url=/api/v1/users/7"])
    out = run(df, 'parse @message "url=*" as url | parse url "/api/*/users/*" as apiVersion, userId '
                  "| display apiVersion, userId | sort userId")  # fmt: skip
    # "7" and "42" are number values: the "sort" page orders them by value
    assert out.values.tolist() == [["v1", "7"], ["v2", "42"]]


def test_parse_page_regex_examples(flows):
    df = events(["user=ana, method:GET, latency := 10", "user=bo, method:PUT, latency := 5"])
    out = run(df, "parse @message /user=(?<user2>.*?), method:(?<method2>.*?), latency := (?<latency2>.*?)$/ "
                  "| stats avg(latency2) by method2, user2")  # fmt: skip
    assert sorted(out.values.tolist()) == [["GET", "ana", 10.0], ["PUT", "bo", 5.0]]
    eni = run(flows, "parse @message /(?<NetworkInterface>eni-.*?) / | display NetworkInterface, @message")
    assert set(eni["NetworkInterface"].astype(object)) <= set(flows["interface_id"].astype(object))


def test_parse_multi_gives_one_record_per_match():
    df = events(["ports 22 80 443", "no ports here"])
    out = run(df, "parse @message /(?<port>\\d+)/ multi | display port, @message | sort @timestamp asc")
    assert out["port"].astype(object).where(out["port"].notna(), None).tolist() == ["22", "80", "443", None]


# "parse", CSV mode: "parse fieldName csv as alias1, alias2, alias3"; "Each comma-separated value is
# assigned to the corresponding alias." The page's two examples:
CSV_LINES = ["web-1,GET,/api/users,200,15", "web-2,POST,/api/orders,500,42", "web-1,GET,/health,200,5",
             '2026-01-01T00:00:00Z,ERROR,"disk full, /var"', "2026-01-01T00:01:00Z,INFO,started"]  # fmt: skip


def test_parse_page_csv_examples():
    df = events(CSV_LINES)
    out = run(
        df, "parse @message csv as host, method, path, status, duration | stats avg(duration) by method"
    )
    got = {m: v for m, v in zip(out["method"], out["avg(duration)"], strict=True) if m in ("GET", "POST")}
    assert got == {"GET": 10.0, "POST": 42.0}
    out = run(df, 'parse @message csv as timestamp, level, message | filter level = "ERROR" '
                  "| display timestamp, message")  # fmt: skip
    # a double-quoted value keeps its comma (flownb reads quoting as RFC 4180 does; the page is silent)
    assert out.values.tolist() == [["2026-01-01T00:00:00Z", "disk full, /var"]]


def test_parse_csv_short_lines_leave_the_last_aliases_missing_and_other_fields_alone():
    df = events(["a,b,c", "only", ""])
    df["keep"] = [1, 2, 3]
    out = run(df, "parse csv as x, y, z | display keep, x, y, z | sort keep asc")
    rows = [[None if pd.isna(v) else v for v in r] for r in out.values.tolist()]
    assert rows == [[1, "a", "b", "c"], [2, "only", None, None], [3, None, None, None]]


def test_parse_csv_needs_as_and_names():
    with pytest.raises(InsightsSyntaxError, match="'as' and a name for each comma-separated value"):
        parse("parse @message csv")


# "parse", multi-match mode: the page's example names an unnamed group with 'as'
def test_parse_page_multi_match_example_with_as():
    df = events(["from 10.0.0.1 to 10.0.0.2", "10.0.0.1 again", "no address"])
    out = run(df, "parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi | stats count(*) by ip_addr")
    got = {k: n for k, n in zip(out["ip_addr"], out["count(*)"], strict=True) if isinstance(k, str)}
    assert got == {"10.0.0.1": 2, "10.0.0.2": 1}


def test_parse_regex_as_names_each_group_in_order_and_counts_them():
    df = events(["user=ana port=22", "user=bo port=80"])
    out = run(df, "parse @message /user=(\\w+) port=(?<p>\\d+)/ as who, port | display who, port | sort who")
    assert out.values.tolist() == [["ana", "22"], ["bo", "80"]]
    with pytest.raises(InsightsSyntaxError, match="has 1 capture group but 'as' names 2 fields") as info:
        parse("parse @message /(?:user=)(\\w+) \\(x\\) [(]/ as a, b")
    assert "^" in str(info.value)


# "parse", JSON field extraction: 'json field=fieldName "key.subkey" as alias', both of the page's examples
def test_parse_page_json_field_examples():
    df = events(['req {"user": {"name": "ana", "id": 7}} done', 'req {"user": {}} done', "no json here"])
    out = run(df, 'parse @message /(?<payload>\\{.*\\})/ as payload | json field=payload "user.name" as username '
                  "| display username")  # fmt: skip
    assert sorted(out["username"].dropna().tolist()) == ["ana"] and out["username"].isna().sum() == 2
    df = events(["a", "b", "c"])
    df["requestContext"] = pd.array(['{"identity": {"sourceIp": "198.51.100.7"}}',
                                     '{"identity": {"sourceIp": "198.51.100.7"}}',
                                     '{"identity": {"sourceIp": "203.0.113.9"}}'], dtype="str")  # fmt: skip
    out = run(df, 'json field=requestContext "identity.sourceIp" as caller_ip | stats count(*) by caller_ip')
    assert dict(zip(out["caller_ip"], out["count(*)"], strict=True)) == {"198.51.100.7": 2, "203.0.113.9": 1}


def test_json_field_says_what_is_missing():
    with pytest.raises(InsightsSyntaxError, match="'field=' and the field holding JSON"):
        parse('json payload "a" as b')
    with pytest.raises(InsightsSyntaxError, match="has an empty key"):
        parse('json field=payload "a..b" as b')
    with pytest.raises(InsightsSyntaxError, match="'as' and a name"):
        parse('json field=payload "a.b"')


# "parse", logfmt mode: "parse fieldName logfmt as alias"; "The result is a map that you access with dot
# notation (for example, lf.level, lf.msg)".
LOGFMT_LINES = ['ts=2026-01-01T00:00:00Z level=error msg="disk full" status=500',
                "level=info msg=ok status=200 path=/health",
                'level=error msg="quote \\"x\\" inside" status=503',
                "a plain line"]  # fmt: skip


def test_parse_logfmt_page_syntax_gives_a_map_read_with_dot_notation():
    df = events(LOGFMT_LINES)
    out = run(df, "parse @message logfmt as lf | filter lf.level = 'error' | display lf.msg, lf.status "
                  "| sort @timestamp asc")  # fmt: skip
    assert out.values.tolist() == [["disk full", "500"], ['quote "x" inside', "503"]]


def test_parse_logfmt_without_a_field_reads_message_and_a_line_without_pairs_gets_no_map():
    df = events(LOGFMT_LINES)
    out = run(df, "parse logfmt as lf | fields lf.level as level, lf.path as path | sort @timestamp asc")
    assert out["level"].astype(object).where(out["level"].notna(), None).tolist() == [
        "error",
        "info",
        "error",
        None,
    ]
    assert out["path"].astype(object).where(out["path"].notna(), None).tolist() == [
        None,
        "/health",
        None,
        None,
    ]
    counts = run(
        df, "parse @message logfmt as lf | filter lf.status >= 500 | stats count(*) as n by lf.level"
    )
    assert counts.values.tolist() == [["error", 2]]


def test_parse_logfmt_on_a_named_field_and_its_syntax_errors():
    df = events(['{"line": "user=ana took=12"}'])
    out = run(df, "fields jsonParse(@message) as j | fields j.line as line | parse line logfmt as kv "
                  "| display kv.user, kv.took")  # fmt: skip
    assert out.values.tolist() == [["ana", "12"]]
    with pytest.raises(InsightsSyntaxError, match="'as'"):
        parse("parse @message logfmt")
    with pytest.raises(InsightsSyntaxError, match="one name"):
        parse("parse @message logfmt as a, b")


# -- functions: now() and the documented bin() units --------------------------------------------------
def test_now_is_the_query_start_in_epoch_seconds_and_can_be_fixed(flows):
    out = run(flows, "fields now() as t | limit 1", now="2026-12-03T08:00:00Z")
    assert out["t"].tolist() == [int(pd.Timestamp("2026-12-03T08:00:00Z").timestamp())]
    recent = run(flows, "filter toMillis(@timestamp) >= now() * 1000 - 3600000 | stats count(*) as n",
                 now=flows["start"].max())  # fmt: skip
    cutoff = flows["start"].max() - pd.Timedelta("1h")
    assert recent["n"].tolist() == [int((flows["start"] >= cutoff).sum())]


@pytest.mark.parametrize(
    "unit",
    ["millisecond", "milliseconds", "ms", "msec", "msecs", "second", "seconds", "s", "sec", "secs", "minute",
     "minutes", "m", "min", "mins", "hour", "hours", "h", "hr", "hrs", "day", "days", "d", "week", "weeks",
     "w", "month", "months", "mo", "mon", "mons", "quarter", "quarters", "q", "qtr", "qtrs", "year", "years",
     "y", "yr", "yrs"],
)  # fmt: skip
def test_every_documented_bin_unit_is_accepted(flows, unit):
    out = run(flows, f"stats count(*) as n by bin(1{unit})")
    assert out["n"].sum() == len(flows)


def test_the_new_commands_never_change_the_input(flows):
    before = flows.copy()
    run(flows, "fields srcAddr, bytes | addtotals col=true | filldown")
    run(flows, "stats count(*) as n by bin(1m) | fillmissing with 0 for n")
    pd.testing.assert_frame_equal(flows, before)
    assert np.all(flows.columns == before.columns)


# -- the support table (flownb/insights/SUPPORT.md) ---------------------------------------------------------
def test_the_support_table_names_every_command_and_function():
    from pathlib import Path

    from flownb.insights import AGGREGATIONS, COMMANDS, FUNCTIONS
    from flownb.insights._catalog import UNSUPPORTED_COMMANDS

    text = (Path(flownb.insights.__file__).parent / "SUPPORT.md").read_text(encoding="utf-8")
    table = text.lower()
    for name in (*COMMANDS, *UNSUPPORTED_COMMANDS):
        assert f"| `{name}` |" in table, name
    for name in (*FUNCTIONS, *AGGREGATIONS):
        assert f"`{name}`" in text, name
    for reason in UNSUPPORTED_COMMANDS.values():  # the table says why, as the error does
        assert reason.split(" ")[0] in text


# -- documented result behaviour (issue 17 point 3; decisions where the guide is silent in SUPPORT.md) ---------
def test_records_missing_a_by_field_form_their_own_group(flows):
    out = run(flows, "stats count(*) as n by srcAddr")
    missing = out[out["srcAddr"].isna()]
    assert len(missing) == 1 and missing["n"].iloc[0] == int(flows["srcaddr"].isna().sum())
    assert out["n"].sum() == len(flows)


def test_sort_puts_missing_last_both_ways_and_text_by_code_point():
    df = events(["a", "b", "c", "d"])
    df["v"] = pd.array(["b", None, "B", "a"], dtype="str")
    up = run(df, "fields v | sort v asc")["v"].astype(object).where(lambda s: s.notna(), None).tolist()
    down = run(df, "fields v | sort v desc")["v"].astype(object).where(lambda s: s.notna(), None).tolist()
    assert up == ["B", "a", "b", None] and down == ["b", "a", "B", None]


def test_default_limit_and_the_most_limit_allows_are_the_guides(flows):
    from flownb.insights._engine import DEFAULT_LIMIT
    from flownb.insights._parser import MAX_LIMIT

    assert (DEFAULT_LIMIT, MAX_LIMIT) == (10_000, 100_000)  # CloudWatch Logs User Guide, "limit"


def test_lookup_outputs_of_a_dataframe_table_are_text_whatever_their_type(flows):
    table = pd.DataFrame({"port": [22, 443], "weight": [3, 1]})
    out = run(flows, "lookup t port as dstPort OUTPUT weight | filter ispresent(weight) | stats count(*) as n by weight",
              tables={"t": table})  # fmt: skip
    got = dict(zip(out["weight"].astype(object), out["n"], strict=True))
    assert got == {"3": int((flows["dstport"] == 22).sum()), "1": int((flows["dstport"] == 443).sum())}


# -- logcompare (page "logcompare") -------------------------------------------------------------------------
def test_logcompare_compares_with_the_window_shifted_back(flows):
    t1 = flows["start"].max()
    t0 = t1 - pd.Timedelta("1h")
    out = run(flows, "stats count(*) as n | logcompare timeshift 2h", start=t0, end=t1)
    now = int(((flows["start"] >= t0) & (flows["start"] <= t1)).sum())
    before = int(
        ((flows["start"] >= t0 - pd.Timedelta("2h")) & (flows["start"] < t1 - pd.Timedelta("2h"))).sum()
    )
    assert out[["n", "n.previous"]].values.tolist() == [[now, before]]
    assert out.attrs["diff_periods"]["previous"] == (t0 - pd.Timedelta("2h"), t1 - pd.Timedelta("2h"))


def test_logcompare_needs_a_timeshift_duration():
    with pytest.raises(InsightsSyntaxError, match="'timeshift'"):
        parse("stats count(*) | logcompare 7d")
    with pytest.raises(InsightsSyntaxError, match="one diff or logcompare"):
        parse("stats count(*) as n by dstPort | diff | logcompare timeshift 1h")


# -- sort (page "sort", CWL_QuerySyntax-Sort: "an updated version of natural sorting") -----------
#: The page's example of an ascending sort, in its order.
SORT_PAGE_EXAMPLE = ["!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh",
                     "0", "01", "1", "2", "3"]  # fmt: skip


def _page_rule(a: str, b: str) -> int:
    """The page's rule written as a comparison: non-numbers first; digit runs by length, then value."""
    import re

    num_a, num_b = a.isdigit(), b.isdigit()
    if num_a != num_b:
        return -1 if num_b else 1
    if num_a:
        return (int(a) > int(b)) - (int(a) < int(b)) or (a > b) - (a < b)
    ca, cb = re.findall(r"[0-9]+|[^0-9]", a), re.findall(r"[0-9]+|[^0-9]", b)
    for x, y in zip(ca, cb, strict=False):
        if x.isdigit() and y.isdigit():
            if (len(x), x) != (len(y), y):
                return -1 if (len(x), x) < (len(y), y) else 1
        elif x != y:
            return -1 if x < y else 1
    return (len(ca) > len(cb)) - (len(ca) < len(cb))


def test_sort_page_example_ascending_and_descending():
    shuffled = [SORT_PAGE_EXAMPLE[i] for i in np.random.default_rng(3).permutation(len(SORT_PAGE_EXAMPLE))]
    df = events(shuffled)
    out = run(df, "fields @message as v | sort v asc")
    assert out["v"].tolist() == SORT_PAGE_EXAMPLE
    # "If you sort in descending order, the sort results are the reverse."
    assert run(df, "fields @message as v | sort v desc")["v"].tolist() == SORT_PAGE_EXAMPLE[::-1]


def test_sort_puts_digit_runs_in_numeric_order_and_missing_values_last():
    df = events(["eni-10", "eni-9", "eni-100", "x", "eni-09"])
    df.loc[3, "@message"] = None
    out = run(df, "fields @message as v | sort v")
    assert out["v"].tolist()[:4] == ["eni-9", "eni-09", "eni-10", "eni-100"] and out["v"].isna().iloc[-1]
    out = run(df, "fields @message as v | sort v desc")
    assert out["v"].tolist()[:4] == ["eni-100", "eni-10", "eni-09", "eni-9"] and out["v"].isna().iloc[-1]


def test_sort_by_addresses_orders_the_octets_as_numbers(flows):
    import functools

    out = run(flows, "stats count(*) as n by srcAddr | sort srcAddr | limit 10000")
    shown = out["srcAddr"].dropna().astype(str).tolist()
    assert shown == sorted(shown, key=functools.cmp_to_key(_page_rule))
    assert shown != sorted(shown)  # not the code-point order: the data has 10.x.y.9 and 10.x.y.10 alike
