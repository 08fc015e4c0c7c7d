"""Filter patterns checked against records matched by hand (tests/monitoring/conftest.py)."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest
import yaml

import flownb
from flownb.monitoring import FilterPatternError, MetricFilter

ISSUE_PATTERN = (
    '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, '
    'windowstart, windowend, action="REJECT", flowlogstatus]'
)


def rows(mf: MetricFilter, df: pd.DataFrame) -> list[int]:
    m = mf.matches(df)
    return [i for i, v in enumerate(m.tolist()) if v]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("REJECT", [0, 2, 5]),
        ('"REJECT" -ACCEPT', [0, 2, 5]),
        ("-REJECT", [1, 3, 4]),
        ("?NODATA ?SKIPDATA", [3]),
        ("?ACCEPT ?NODATA", [1, 3, 4]),
        ("eni REJECT", [0, 2, 5]),  # both terms, anywhere in the line ("eni" is inside "eni-aaa")
        ('"10.0.0.5 10.0.1.9 40002"', [1]),  # a quoted phrase
        ("", [0, 1, 2, 3, 4, 5]),
        ('" "', [0, 1, 2, 3, 4, 5]),
        (r"%10\.0\.1\.9\s%", [0, 1, 2, 4, 5]),  # \s: the guide's regex characters have no space
        ("%REJECT|NODATA%", [0, 2, 3, 5]),
        (r"%^2\s111122223333\seni-bbb%", [2, 3, 4]),
        (ISSUE_PATTERN, [0]),
        (
            "[..., dstport=22 || dstport=3389, protocol, packets, bytes, start, end, action=REJECT, status]",
            [0, 2],
        ),
        ("[v, a, eni=eni-b*, ...]", [2, 3, 4]),
        ("[v, a, eni=*aaa, ...]", [0, 1, 5]),
        ("[v, a, eni=*-a*, ...]", [0, 1, 5]),
        ("[v, a, eni=eni*bb, ...]", []),  # a '*' inside a value is a literal character
        ("[..., bytes>=1000, start, end, action, status]", [1, 5]),
        ("[..., bytes<1000, start, end, action, status]", [0, 2, 4]),  # '-' is not a number
        ("[..., bytes!=840, start, end, action, status]", [1, 2, 3, 4, 5]),
        ("[v, a, e, src, dst=10.0.*, ...]", [0, 1, 2, 5]),
        ("[v, a, e, src, dst, sp, dp, proto=17, ...]", [4]),
        ("[v, a, e, src, dst, sp, dp>=22 && dp<=443 && dp!=53, ...]", [0, 1, 5]),
        ("[v, a, e, src, dst, sp, dp=22 && (sp=40001 || sp=40003), ...]", [0]),
        (
            "[v, a, e, src, dst, sp, dp, proto, packets, bytes, start, end, action=%ACC|REJ%, status]",
            [0, 1, 2, 4, 5],
        ),
        ("[v, a, e, ...]", [0, 1, 2, 3, 4, 5]),
        ("[..., action, status=NODATA]", [3]),
        ("[..., action=REJECT]", []),  # with '...' the last slot is the last field: log-status
        ("[..., status=*]", [0, 1, 2, 3, 4, 5]),  # '*' alone matches any value
        ("[..., action=*, status]", [0, 1, 2, 3, 4, 5]),
        ("[a, b, c]", [0, 1, 2, 3, 4, 5]),  # 3 slots, 14 fields: c takes the rest (the guide's w2 rule)
        ("[a, b, c=eni-aaa*]", [0, 1, 5]),  # the rest starts with the interface id
        ("[v, a, e, s, d, sp, dp, p, pk, b, st, en, ac, ls, extra]", []),  # 15 slots, 14 fields
    ],
)
def test_patterns_match_the_records_chosen_by_hand(hand, pattern, expected):
    assert rows(MetricFilter(pattern, metric_name="M"), hand) == expected


def test_the_issue_pattern_on_the_aws_docs_sample():
    df = flownb.samples.load("aws-docs/default-accept-reject")
    # the accepted SSH and the rejected RDP: neither is a rejected SSH
    assert rows(MetricFilter(ISSUE_PATTERN, metric_name="M"), df) == []
    ssh = ISSUE_PATTERN.replace('action="REJECT"', 'action="ACCEPT"')
    assert rows(MetricFilter(ssh, metric_name="M"), df) == [0]


def test_wrong_field_count_is_explained(hand):
    t = MetricFilter("[v, a, e, s, d, sp, dp, p, pk, b, st, en, ac, ls, extra]", metric_name="M").test(hand)
    assert t.matched == 0 and t.total == 6
    assert "15 fields" in t.notes[0] and "14 fields" in t.notes[0]
    assert "0 of 6 events matched" in repr(t)


def test_the_last_slot_takes_the_rest_of_a_longer_record(hand):
    # CloudWatch Logs User Guide, "Filter pattern syntax for metric filters, subscription filters, filter log
    # events, and Live Tail", space-delimited events: [w1=ERROR, w2] returns a six-field event, and a blank
    # w2 must follow w1, because the last slot holds the rest of the event
    t = MetricFilter("[version, account, rest]", metric_name="M").test(hand)
    assert t.matched == 6
    assert t.sample["$rest"].iloc[0].startswith("eni-aaa 10.0.0.5 10.0.1.9 40001 22 6")
    assert t.sample["$rest"].iloc[0].endswith("OK")


def test_test_shows_extracted_fields(hand):
    t = MetricFilter("[..., bytes>=1000, start, end, action, status]", metric_name="M").test(hand)
    assert t.matched == 2
    assert t.sample["$bytes"].tolist() == ["1000", "5000"]
    assert t.sample["event"].iloc[0].startswith("2 111122223333 eni-aaa 10.0.0.5 10.0.1.9 40002 22")
    assert "<table" in t._repr_html_()


def test_multi_format_frames_match_each_record_in_its_own_format(tmp_path):
    shutil.copy(flownb.samples.path("aws-docs/default-accept-reject"), tmp_path / "a.log")
    shutil.copy(flownb.samples.path("aws-docs/nat-gateway"), tmp_path / "b.log")
    df = flownb.read_flow_logs(str(tmp_path), errors="raise")
    assert len(df.flow.formats) == 2
    reject = rows(MetricFilter("[..., action=REJECT, status]", metric_name="M"), df)
    assert [df["action"].iloc[i] for i in reject] == ["REJECT"]
    nat = rows(MetricFilter("[iid, eni, src, dst, psrc, pdst=203.0.113.5]", metric_name="M"), df)
    # the NAT sample's records whose pkt-dstaddr is 203.0.113.5 (rows 1, 2 and 5 of that file)
    assert sorted(df["srcaddr"].iloc[nat].astype(str)) == ["10.0.0.220", "10.0.1.5", "10.0.1.5"]


# ------------------------------------------------------------------ metrics


def minutes(s: pd.Series) -> dict[str, float | None]:
    return {f"{t:%H:%M}": (None if math.isnan(v) else v) for t, v in s.items()}


def test_count_metric_is_missing_where_nothing_matched(hand):
    m = MetricFilter("REJECT", metric_name="Rejects").metric(hand)
    assert m.name == "Rejects"
    assert minutes(m) == {"22:13": 1.0, "22:14": 1.0, "22:15": None, "22:16": None, "22:17": 1.0}


def test_default_value_fills_minutes_with_events_but_not_empty_minutes(hand):
    m = MetricFilter("REJECT", metric_name="Rejects", default_value=0).metric(hand)
    # 22:15 has no log events at all: CloudWatch publishes nothing there, default or not
    assert minutes(m) == {"22:13": 1.0, "22:14": 1.0, "22:15": None, "22:16": 0.0, "22:17": 1.0}
    counts = MetricFilter("REJECT", metric_name="Rejects", default_value=0).metric(
        hand, statistic="SampleCount"
    )
    # the default value is emitted for each non-matching event
    assert minutes(counts) == {"22:13": 2.0, "22:14": 2.0, "22:15": None, "22:16": 1.0, "22:17": 1.0}


def test_bytes_metric_by_name_and_by_position(hand):
    pattern = "[v, a, e, src, dst, sp, dp, proto, packets, bytes, start, end, action=REJECT, status]"
    by_name = MetricFilter(pattern, metric_name="B", metric_value="$bytes").metric(hand, period="5min")
    by_pos = MetricFilter(pattern, metric_name="B", metric_value="$10").metric(hand, period="5min")
    assert minutes(by_name) == {"22:10": 840.0 + 180.0, "22:15": 5000.0}
    assert by_pos.tolist() == by_name.tolist()
    mx = MetricFilter(pattern, metric_name="B", metric_value="$bytes").metric(
        hand, "5min", statistic="Maximum"
    )
    assert mx.tolist() == [840.0, 5000.0]


def test_non_numeric_value_publishes_nothing(hand):
    mf = MetricFilter(
        "[..., bytes, start, end, action, status=NODATA]", metric_name="B", metric_value="$bytes"
    )
    assert mf.matches(hand).sum() == 1
    assert mf.datapoints(hand).empty
    assert mf.metric(hand).isna().all()


def test_dimensions_split_the_metric(hand):
    mf = MetricFilter("[v, a, eni, ..., action=REJECT, status]", metric_name="R", dimensions={"ENI": "$eni"})
    wide = mf.metric(hand)
    assert list(wide.columns) == ["eni-aaa", "eni-bbb"]
    assert minutes(wide["eni-aaa"]) == {
        "22:13": 1.0,
        "22:14": None,
        "22:15": None,
        "22:16": None,
        "22:17": 1.0,
    }
    assert minutes(wide["eni-bbb"]) == {
        "22:13": None,
        "22:14": 1.0,
        "22:15": None,
        "22:16": None,
        "22:17": None,
    }


def test_input_is_not_modified(hand):
    before = hand.copy()
    MetricFilter("[..., action=REJECT, status]", metric_name="R", metric_value="1").metric(hand)
    pd.testing.assert_frame_equal(hand, before)


# ------------------------------------------------------------------ errors for people


@pytest.mark.parametrize(
    ("pattern", "position", "words"),
    [
        ("[a, b", 5, "expected ',' or ']'"),
        ("[a, b=]", 6, "expected a value after '='"),
        ("[a, b > x]", 8, "expected a number, got 'x'"),
        ("foo.bar", 3, 'put it in double quotes ("foo.bar")'),
        ("[a, c=1 && zz=2]", 11, "'zz' is not a field of this pattern"),
        ("%a(b)%", 2, "parentheses are not supported"),
        ("%a!%", 2, "'!' is not allowed"),
        ("{ $.x IS NOT NULL }", 6, "IS NOT is not supported"),  # JSON patterns run since issue 17
        ("%a b%", 2, "a space is not among the characters"),
        ("%é%", 1, "multi-byte character"),
        ('"REJECT', 0, "unclosed double quote"),
        ("%a% %b% %c%", 8, "at most 2 regular expressions"),
        ("[a, a]", 4, "named twice"),
        ("[a, ..., b, ...]", 12, "one '...'"),
        ("[a, b=1 c]", 8, "expected ',' between fields"),
    ],
)
def test_pattern_errors_point_at_the_problem(pattern, position, words):
    with pytest.raises(FilterPatternError) as info:
        MetricFilter(pattern, metric_name="M")
    err = info.value
    assert err.position == position
    assert words in str(err)
    caret_line = str(err).splitlines()[-1]
    assert caret_line.index("^") - 2 == position  # the caret sits under the problem


def test_value_and_dimension_errors():
    with pytest.raises(ValueError, match=r"did you mean \['\$bytes'\]"):
        MetricFilter("[..., bytes, start, end, action, status]", metric_name="B", metric_value="$byts")
    with pytest.raises(ValueError, match="must be a space-delimited pattern"):
        MetricFilter("REJECT", metric_name="B", metric_value="$bytes")
    with pytest.raises(ValueError, match="cannot have a default value"):
        MetricFilter("[eni, ...]", metric_name="B", default_value=0, dimensions={"ENI": "$eni"})
    with pytest.raises(ValueError, match="at most 3 dimensions"):
        MetricFilter("[a, b, c, d, ...]", metric_name="B", dimensions={k: f"${k}" for k in "abcd"})
    with pytest.raises(ValueError, match="'metric_value' must be"):
        MetricFilter("REJECT", metric_name="B", metric_value="lots")


# ------------------------------------------------------------------ deployable output


def test_to_aws_cli_and_cloudformation_have_the_right_shape():
    mf = MetricFilter(ISSUE_PATTERN, metric_name="RejectedSSH", default_value=0)
    d = mf.to_aws("/vpc/flow-logs", namespace="Net")
    assert d.cli.startswith("aws logs put-metric-filter")
    import shlex

    args = shlex.split(d.cli.replace("\\\n", " "))
    opts = dict(zip(args[3::2], args[4::2], strict=True))
    assert opts["--log-group-name"] == "/vpc/flow-logs"
    assert opts["--filter-pattern"] == ISSUE_PATTERN  # survives shell quoting intact
    (t,) = json.loads(opts["--metric-transformations"])
    assert t == {
        "metricName": "RejectedSSH",
        "metricNamespace": "Net",
        "metricValue": "1",
        "defaultValue": 0.0,
    }
    res = yaml.safe_load(d.cloudformation)["Resources"]["RejectedSSHMetricFilter"]
    assert res["Type"] == "AWS::Logs::MetricFilter"
    assert res["Properties"]["FilterPattern"] == ISSUE_PATTERN
    assert res["Properties"]["MetricTransformations"][0]["DefaultValue"] == 0
    assert "put-metric-filter" in str(d) and "<pre>" in d._repr_html_()


def test_to_aws_with_dimensions():
    mf = MetricFilter("[v, a, eni, ..., action=REJECT, status]", metric_name="R", dimensions={"ENI": "$eni"})
    res = yaml.safe_load(mf.to_aws("g").cloudformation)["Resources"]["RMetricFilter"]["Properties"]
    assert res["MetricTransformations"][0]["Dimensions"] == [{"Key": "ENI", "Value": "$eni"}]


def test_repr_says_what_it_is():
    mf = MetricFilter("REJECT", metric_name="Rejects", default_value=0)
    assert repr(mf) == "MetricFilter('REJECT', metric_name='Rejects', default_value=0)"
    assert "Rejects" in mf._repr_html_()


def test_frames_without_a_recorded_format_use_their_flow_log_columns(hand):
    # a frame built by hand (no provenance), with a derived column the record line never had
    plain = pd.DataFrame({c: hand[c].to_numpy() for c in hand.columns}).assign(note="x")
    assert plain.flow.formats == ()
    assert rows(MetricFilter("[..., action=REJECT, status]", metric_name="M"), plain) == [0, 2, 5]
    assert rows(MetricFilter(ISSUE_PATTERN.replace('destport="22"', "destport"), metric_name="M"), plain) == [
        0,
        2,
        5,
    ]


def test_monitoring_all_is_complete():
    import flownb.monitoring as mon

    for name in mon.__all__:
        assert getattr(mon, name) is not None
