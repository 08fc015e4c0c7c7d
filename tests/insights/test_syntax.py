"""The query language as people type it, and the errors they get when they mistype it."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb.insights import InsightsSyntaxError, parse, query

from .conftest import run


@pytest.fixture(scope="module")
def two():
    return flownb.samples.load("aws-docs/default-accept-reject")


def test_newlines_comments_and_case_insensitive_keywords(two):
    text = """# rejected traffic, by source
    FILTER action = "REJECT"   # only rejects
    | STATS Count(*) AS n
        BY srcAddr
    | Sort n DESC
    | LIMIT 5
    """
    out = run(two, text)
    assert out.to_dict("list") == {"srcAddr": ["172.31.9.69"], "n": [1]}


def test_single_double_quotes_and_backtick_fields(two):
    a = run(two, "filter action = 'ACCEPT' | fields `log-status`, `srcaddr`")
    b = run(two, 'filter action = "ACCEPT" | fields `log-status`, `srcaddr`')
    assert a.equals(b)
    assert a.to_dict("list") == {"log-status": ["OK"], "srcaddr": ["172.31.16.139"]}


def test_hash_inside_a_string_is_not_a_comment(two):
    out = run(two, "fields concat(action, '#1') as tagged | filter tagged = 'REJECT#1'")
    assert len(out) == 1


def test_numbers_durations_and_precedence(two):
    out = run(
        two,
        "fields 1 + 2 * 3 as a, (1 + 2) * 3 as b, 2 ^ 3 ^ 2 as c, -bytes + 1 as d, 7 % 4 as e, 1.5e1 as f",
    )
    row = out.iloc[0]
    assert (row["a"], row["b"], row["c"], row["d"], row["e"], row["f"]) == (7, 9, 512, -4248, 3, 15.0)


def test_a_column_is_named_by_its_expression_text(two):
    out = run(two, "stats count(*), sum(bytes), count_distinct(dstPort) by bin(1h)")
    assert list(out.columns) == ["bin(1h)", "count(*)", "sum(bytes)", "count_distinct(dstPort)"]


def test_parse_builds_a_tree():
    q = parse("fields a, b as c | filter x in [1, 2] and y not like /z/ | sort a desc, b")
    fields, filt, sort = q.commands
    assert [i.name for i in fields.items] == ["a", "c"]
    assert filt.condition.op == "and"
    assert [(k.expr.text, k.descending) for k in sort.keys] == [("a", True), ("b", False)]


def _error(text: str) -> InsightsSyntaxError:
    with pytest.raises(InsightsSyntaxError) as info:
        parse(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("stats count(*) by", 1, 18, "after 'by'"),
        ("filter action = 'REJECT", 1, 17, "never closed"),
        ("fitler action = 'REJECT'", 1, 1, "Did you mean 'filter'?"),
        ("filter action = 'REJECT' |", 1, 27, "expected a command"),
        ("fields srcAddr\n| filter dstPort >\n| limit 5", 3, 1, "expected a field or a value"),
        ("stats sum(bytes) by srcAddr | sort", 1, 35, "a field to sort by"),
        ("filter isIpv4InSubnet(srcAddr)", 1, 30, "takes 2 arguments, got 1"),
        ("filter isIpv4InSubnet(srcAddr, '10.0.0.0/33')", 1, 32, "not a subnet"),
        ("filter isIpv6InSubnet(srcAddr, '10.0.0.0/8')", 1, 32, "IPv6 subnet"),
        ("stats bytes by srcAddr", 1, 7, "inside an aggregation"),
        ("filter count(*) > 2", 1, 8, "only be used in stats"),
        ("stats count(*) by bin(5x)", 1, 24, "neither a number nor a duration"),
        ("stats count(*) by bin(bytes)", 1, 23, "needs a period"),
        ("limit ten", 1, 7, "whole number"),
        ("filter srcAddr like /(/", 1, 22, "regular expression is not valid"),
        ("fields isipv4insubnt(srcAddr, '10.0.0.0/8')", 1, 8, "Did you mean isIpv4InSubnet()?"),
        ("filter action = REJECT ACCEPT", 1, 24, "'|' and the next command"),
        ("", 1, 1, "empty"),
        ("parse @message 'a=* b=*' as a", 1, 16, "2 '*' but 'as' names 1"),
        ("stats count(*) | stats count(*) | stats count(*)", 1, 35, "at most two stats"),
    ],
)
def test_errors_point_at_the_problem(text, line, column, words):
    err = _error(text)
    assert (err.line, err.column) == (line, column)
    assert words in str(err)
    assert isinstance(err, ValueError)
    # the message shows the offending line with a caret under the column
    shown, caret = str(err).split("\n")[1:3]
    assert shown.strip() == text.split("\n")[line - 1].strip()
    assert caret.index("^") - 2 == column - 1


@pytest.mark.parametrize(
    "command",
    [
        "pattern @message",
        "anomaly",
        "unmask(@message)",
        "filterIndex x = 1",
        "SOURCE 'x'",
        "join type=inner left=a right=b where a.id=b.id (SOURCE 'g')",  # diff, logcompare run locally (issue 17)
    ],
)
def test_commands_only_cloudwatch_can_run_say_so(two, command):
    with pytest.raises(InsightsSyntaxError, match="cannot run outside CloudWatch"):
        query(two, f"filter action = 'ACCEPT' | {command}")


def test_expected_is_exposed_on_the_error():
    err = _error("stats count(*) by")
    assert err.expected == "a field or an expression after 'by'"
    assert err.query == "stats count(*) by"


def test_curly_quotes_inside_a_plain_string_are_kept(two):
    out = run(two, "fields concat('it’s ', action) as said | limit 1")
    assert out["said"].iloc[0].startswith("it’s ")


def test_a_regex_error_points_inside_the_regex():
    err = _error("parse @message /(?<user>\\S+) (?<n>\\d+))/")
    assert "not valid" in str(err)
    assert err.column == len("parse @message /(?<user>\\S+) (?<n>\\d+))")


def test_numbers_beyond_64_bit_integers_become_doubles(two):
    # found by the random-query property test: "fields (2 ^ 63)" overflowed a 64-bit column
    out = run(two, "fields 2 ^ 63 as a, 9223372036854775807 + 1 as b, 2 ^ 99999999999 as c, 2 ^ 62 as d")
    row = out.iloc[0]
    assert row["a"] == float(2**63) and row["b"] == float(2**63)
    assert pd.isna(row["c"])  # overflows a double: missing, as for any arithmetic overflow
    assert row["d"] == 2**62 and str(out["d"].dtype) == "Int64"
