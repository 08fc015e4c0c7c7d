"""Every example of the CloudWatch Logs User Guide's page on filter pattern syntax, as a test.

Page: "Filter pattern syntax for metric filters, subscription filters, filter log events and Live
Tail" (FilterAndPatternSyntax; its English text read in the awsdocs copy of the guide, March 2022, and
the current regex section read in the Chinese edition of the page). Also "High-resolution alarms"
(CloudWatch User Guide, AlarmThatSendsEmail) for the alarm periods.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from flownb.monitoring import Alarm, FilterPatternError, MetricFilter, check_regex_quota, try_pattern

ERRORS = [
    "[ERROR 400] BAD REQUEST",
    "[ERROR 401] UNAUTHORIZED REQUEST",
    "[ERROR 419] MISSING ARGUMENTS",
    "[ERROR 420] INVALID ARGUMENTS",
    "[ERROR 500] INTERNAL SERVER ERROR",
    "[INFO 200] OK",
]


def matched(pattern: str, messages: list[str]) -> list[int]:
    """1-based numbers of the matching events, as TestMetricFilter numbers them."""
    return try_pattern(pattern, messages)["eventNumber"].tolist()


# -- "Using filter patterns to match terms in log events" -------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ERROR", [1, 2, 3, 4, 5]),  # match a single term
        ("ERROR ARGUMENTS", [3, 4]),  # match multiple terms: both must appear
        ("?ERROR ?ARGUMENTS", [1, 2, 3, 4, 5]),  # ? terms: either one
        ('"INTERNAL SERVER ERROR"', [5]),  # an exact phrase
        ("ERROR -ARGUMENTS", [1, 2, 5]),  # include and exclude
        ('" "', [1, 2, 3, 4, 5, 6]),  # match everything
    ],
)
def test_term_examples(pattern, expected):
    assert matched(pattern, ERRORS) == expected


def test_terms_are_case_sensitive_and_match_inside_words():
    assert matched("error", ERRORS) == []
    assert matched("ERROR", ["Exiting with ERRORCODE: -1"]) == [1]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('""', [1, 2, 3, 4, 5, 6]),  # an empty pattern matches every event
        ('-"BAD REQUEST"', [2, 3, 4, 5, 6]),  # a quoted phrase can be excluded
        ('REQUEST -"BAD REQUEST"', [2]),
        ('?"BAD REQUEST" ?OK', [1, 6]),  # ? works on quoted phrases too
        ("-ERROR", [6]),  # an exclusion alone keeps the other events
    ],
)
def test_quoted_phrases_exclusions_and_empty_patterns(pattern, expected):
    assert matched(pattern, ERRORS) == expected


def test_plain_terms_combined_with_question_mark_terms():
    # flownb's reading (the guide shows ?a ?b alone): every plain term, and at least one ? term
    assert matched("ERROR ?BAD ?MISSING", ERRORS) == [1, 3]


# -- "Using metric filters to match terms and extract values from JSON log events" ------------------------
EVENT = json.dumps({
    "eventType": "UpdateTrail",
    "sourceIPAddress": "111.111.111.111",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None,
})  # fmt: skip


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventType = "UpdateTrail" }',  # matches string
        "{ $.sourceIPAddress != 123.123.* }",  # wildcard: not a number with the prefix 123.123
        '{ $.arrayKey[0] = "value" }',  # element in array
        "{ $.objectList[1].id = 2 }",  # object in array
        "{ $.SomeObject IS NULL }",  # IS NULL
        "{ $.SomeOtherObject NOT EXISTS }",  # NOT EXISTS
        '{ $.eventType = "*" && $.sourceIPAddress != 123.123.* }',  # the dimensions example
    ],
)
def test_json_examples_match_the_example_event(pattern):
    assert matched(pattern, [EVENT]) == [1]


@pytest.mark.parametrize(
    "pattern",
    ['{ $.eventType = "Update" }', "{ $.arrayKey = \"value\" }", "{ $.objectList[1] = 2 }",
     "{ $.eventType NOT EXISTS }", "{ $.SomeObject IS TRUE }", "{ $.sourceIPAddress = 119.* }"],
)  # fmt: skip
def test_json_patterns_that_do_not_match_the_example_event(pattern):
    # a selector that points to an array or an object does not match (the guide says so)
    assert matched(pattern, [EVENT]) == []


@pytest.mark.parametrize(
    ("pattern", "value", "hit"),
    [
        ("{ $.bandwidth > 75 }", {"bandwidth": 80}, True),
        ("{ $.latency < 50 }", {"latency": 50}, False),
        ("{ $.refreshRate >= 60 }", {"refreshRate": 60}, True),
        ("{ $.responseTime <= 5 }", {"responseTime": 6}, False),
        ("{ $.errorCode = 400}", {"errorCode": 400}, True),
        ("{ $.errorCode != 500 }", {"errorCode": 400}, True),
        ("{ $.number[0] = 1e-3 }", {"number": [0.001]}, True),
        ("{ $.number[0] != 1e+3 }", {"number": [1000]}, False),
    ],
)
def test_json_numeric_examples(pattern, value, hit):
    assert matched(pattern, [json.dumps(value)]) == ([1] if hit else [])


COMPOUND = json.dumps({
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
})  # fmt: skip


@pytest.mark.parametrize(
    ("pattern", "hit"),
    [
        ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
        ('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }', True),
        ('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }', False),
        ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
    ],
)  # fmt: skip
def test_compound_json_examples(pattern, hit):
    assert matched(pattern, [COMPOUND]) == ([1] if hit else [])


def test_json_patterns_match_no_flow_log_record_and_non_json_events():
    import flownb

    df = flownb.samples.load("aws-docs/default-accept-reject")
    assert not MetricFilter('{ $.action = "REJECT" }', metric_name="M").matches(df).any()
    assert matched("{ $.a = 1 }", ["a=1", "", "[1]", '{"a": 1}']) == [4]


@pytest.mark.parametrize(
    ("pattern", "where"),
    [("{ $.x IS NOT NULL }", "IS NOT"), ("{ $.x EXISTS }", "EXISTS"), ("{ $.x > abc }", "compares numbers"),
     ("{ $.x = 1", "unclosed '{'"), ("{ x = 1 }", r"starting with '\$\.'")],
)  # fmt: skip
def test_unsupported_json_forms_are_refused_with_the_reason(pattern, where):
    with pytest.raises(FilterPatternError, match=where):
        MetricFilter(pattern, metric_name="M")


# -- "Using metric filters to extract values from space-delimited log events" -------------------------------
APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'


def test_an_apache_line_has_seven_fields_and_the_example_extracts_them():
    out = try_pattern("[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", [APACHE])
    extracted = {c: out[c].iloc[0] for c in out.columns if c.startswith("$")}
    assert extracted == {
        "$bytes": "1534",
        "$status_code": "404",
        "$request": "GET /index.html HTTP/1.0",
        "$timestamp": "10/Oct/2000:13:25:15 -0700",
        "$username": "frank",
        "$user": "Prod",
        "$ip": "127.0.0.1",
    }


@pytest.mark.parametrize(
    "pattern",
    [
        "[..., request =*.html*, status_code = 4*, bytes]",
        "[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]",
        "[ip, server, username, timestamp, request, status_code, bytes > 1000]",
    ],
)
def test_space_delimited_examples_match_the_apache_line(pattern):
    assert matched(pattern, [APACHE]) == [1]


def test_a_ten_field_pattern_does_not_fit_the_seven_field_line():
    assert matched("[a, b, c, d, e, f, g, h, i, j]", [APACHE]) == []


def test_ordered_terms_examples():
    events = ["ERROR timeout", "WARNING disk", "INFO ok", "ERROR"]
    assert matched("[w1=ERROR, w2]", events) == [1]
    assert matched("[w1!=ERROR && w1!=WARNING, w2]", events) == [3]
    # the older copy of the guide writes "[w1=ERROR || W1=WARNING, w2]"; the current page writes
    # "[w1=ERROR || w1=WARNING, w2]": field names are case sensitive, so W1 is refused
    with pytest.raises(FilterPatternError, match="'W1' is not a field of this pattern"):
        try_pattern("[w1=ERROR || W1=WARNING, w2]", events)
    assert matched("[w1=ERROR || w1=WARNING, w2]", events) == [1, 2]


#: The space-delimited log events of the current guide page ("Filter pattern syntax for metric filters,
#: subscription filters, filter log events, and Live Tail", "Using filter patterns to match terms in
#: space-delimited log events").
GUIDE_EVENTS = [
    "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200",
    "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310",
    "WARNING 09/25/2014 12:00:02 Invalid user request",
    "ERROR 09/25/2014 12:00:02 Failed to process request",
]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[w1=ERROR, w2]", [4]),  # the page: "returns log events where the first word ... is ERROR"
        ("[w1=ERROR || w1=WARNING, w2]", [3, 4]),
        ("[w1!=ERROR && w1!=WARNING, w2]", [1, 2]),
        ("[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]", [1]),
        ("[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]", [2]),
        ("[w1=ERROR]", []),  # without the blank w2, w1 holds the whole event
    ],
)
def test_the_current_page_s_ordered_terms_on_its_own_events(pattern, expected):
    assert matched(pattern, GUIDE_EVENTS) == expected


def test_the_last_slot_holds_the_rest_of_the_event():
    out = try_pattern("[w1=ERROR, w2]", GUIDE_EVENTS)
    assert out["$w2"].tolist() == ["09/25/2014 12:00:02 Failed to process request"]


# -- "Supported regular expressions (regex) syntax" (current page) ----------------------------------------
@pytest.mark.parametrize(
    ("pattern", "texts", "expected"),
    [
        ("%^[hc]at%", ["hat", "cat", "a cat"], [1, 2]),
        ("%[hc]at$%", ["hat", "cat", "cat food"], [1, 2]),
        ("%colou?r%", ["color", "colour", "colr"], [1, 2]),
        ("%[abc]%", ["a", "b", "x"], [1, 2]),
        ("%[a-z]%", ["q", "Q", "1"], [1]),
        ("%[abcx-z]%", ["y", "d"], [1]),
        ("%a{3,5}%", ["aa", "aaa", "aaaaa"], [2, 3]),
        ("%Err|Warn%", ["Error", "Warning", "Info"], [1, 2]),
        ("%ERROR\\s404%", ["ERROR 404", "ERROR404"], [1]),
    ],
)
def test_regex_examples(pattern, texts, expected):
    assert matched(pattern, texts) == expected


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("%something!%", "'!' is not allowed"),  # the guide's own example of a refused pattern
        ("%(ab)%", "parentheses are not supported"),
        ("%café%", "multi-byte character"),
        ("%a b%", "a space is not among the characters"),
        ("[a=%x%, b=%y%, c=%z%]", "at most 2 regular expressions"),
        ("{ $.a = %x% && $.b = %y% && $.c = %z% }", "at most 2 regular expressions"),
    ],
)
def test_regex_limits_are_refused_naming_the_limit(pattern, why):
    with pytest.raises(FilterPatternError, match=why):
        MetricFilter(pattern, metric_name="M")


def test_at_most_five_patterns_with_a_regex_per_log_group():
    check_regex_quota(["%a%", "%b%", "%c%", "[x=%d%, y]", "{ $.e = %e% }", "PLAIN", '"also plain"'])
    with pytest.raises(ValueError, match="at most 5"):
        check_regex_quota(["%a%", "%b%", "%c%", "%d%", "%e%", "[x=%f%, y]"])


# -- metric values, dimensions and the default value ("Configuring metric values", "Publishing dimensions") --
def events_frame(messages: list[str], minutes: list[int]) -> pd.DataFrame:
    t0 = pd.Timestamp("2026-01-01", tz="UTC")
    return pd.DataFrame({"timestamp": [t0 + pd.Timedelta(minutes=m) for m in minutes], "message": messages})


def test_the_latency_example_publishes_the_value_of_the_field():
    mf = MetricFilter("{ $.latency = * }", metric_name="myMetric", metric_value="$.latency", default_value=0)
    ev = events_frame([json.dumps({"latency": 50, "requestType": "GET"}), json.dumps({"other": 1})], [0, 0])
    assert mf.datapoints(ev)["value"].tolist() == [50.0, 0.0]


def test_two_records_a_minute_default_zero_as_the_guide_describes():
    # minute 0: both records match -> 2; minute 1: neither matches -> the default, 0;
    # minute 2: no log events at all -> nothing is published (missing), even with a default value
    mf = MetricFilter("ERROR", metric_name="Errors", default_value=0)
    ev = events_frame(["ERROR a", "ERROR b", "fine", "fine", "ERROR c"], [0, 0, 1, 1, 3])
    metric = mf.metric(ev, period="1min")
    assert metric.iloc[:2].tolist() == [2.0, 0.0]
    assert np.isnan(metric.iloc[2]) and metric.iloc[3] == 1.0


def test_dimensions_from_json_and_space_delimited_events():
    mf = MetricFilter('{ $.eventType = "*" && $.sourceIPAddress != 123.123.* }', metric_name="Events",
                      dimensions={"eventType": "$.eventType"})  # fmt: skip
    ev = events_frame([EVENT, EVENT.replace("UpdateTrail", "CreateTrail")], [0, 0])
    assert sorted(mf.datapoints(ev)["eventType"]) == ["CreateTrail", "UpdateTrail"]
    mf = MetricFilter("[ip, server, username, timestamp, request, status_code, bytes > 1000]",
                      metric_name="Big", metric_value="$bytes", dimensions={"server": "$server"})  # fmt: skip
    points = mf.datapoints(events_frame([APACHE], [0]))
    assert points[["value", "server"]].values.tolist() == [[1534.0, "Prod"]]


def test_dimension_limits_as_documented():
    with pytest.raises(ValueError, match="at most 3 dimensions"):
        MetricFilter("[a, b, c, d, e]", metric_name="M", dimensions={k: f"${k}" for k in "abcd"})
    with pytest.raises(ValueError, match="cannot have a default value"):
        MetricFilter("[a, b]", metric_name="M", dimensions={"a": "$a"}, default_value=0)


def test_positional_metric_values_count_fields_from_one():
    mf = MetricFilter("[ip, user, username, timestamp, request, status_code, bytes]", metric_name="B",
                      metric_value="$7")  # fmt: skip
    assert mf.datapoints(events_frame([APACHE], [0]))["value"].tolist() == [1534.0]


# -- alarms: "High-resolution alarms" ---------------------------------------------------------------------
@pytest.mark.parametrize("seconds", [10, 20, 30])
def test_sub_minute_periods_need_a_high_resolution_metric(seconds):
    with pytest.raises(ValueError, match="high-resolution metric"):
        Alarm(threshold=1, comparison=">=", period=seconds, evaluation_periods=1)
    fast = Alarm(threshold=1, comparison=">=", period=seconds, evaluation_periods=1, high_resolution=True)
    assert fast.period == seconds


def test_an_alarm_on_a_metric_filter_metric_needs_a_minute_or_more():
    fast = Alarm(threshold=1, comparison=">=", period=10, evaluation_periods=1, high_resolution=True)
    mf = MetricFilter("REJECT", metric_name="Rejects")
    with pytest.raises(ValueError, match="reported once a minute"):
        fast.to_aws("rejects", metric=mf)
    slow = Alarm(threshold=1, comparison=">=", period=60, evaluation_periods=1)
    assert "--period 60" in slow.to_aws("rejects", metric=mf).cli
