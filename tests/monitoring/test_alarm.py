"""Alarm evaluation against the Amazon CloudWatch User Guide, row by row.

Source: CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing data" ->
"How alarm state is evaluated when data is missing" (period 5 minutes, evaluation range 5;
0 = not breaching, X = breaching, - = missing), and "Avoiding premature transitions to alarm
state" ("- - X - -" goes to ALARM even when missing data is treated as missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from flownb.monitoring import Alarm, MetricFilter

TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")
RETAIN = "Retain current state"
INSUFF = "INSUFFICIENT_DATA"

# Datapoints to Alarm 3, Evaluation Periods 3
TABLE_3_OF_3 = [
    ("0 - X - X", ("OK", "OK", "OK", "OK")),
    ("0 - - - -", ("OK", "OK", "OK", "OK")),
    ("- - - - -", (INSUFF, RETAIN, "ALARM", "OK")),
    ("0 X X - X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    ("- - - - X", (INSUFF, RETAIN, "ALARM", "OK")),  # earlier editions of the guide
    ("- - X - -", ("ALARM", RETAIN, "ALARM", "OK")),  # current edition: the premature-alarm rule
]
# Datapoints to Alarm 2, Evaluation Periods 3 (an M out of N alarm)
TABLE_2_OF_3 = [
    ("0 - X - X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    ("0 0 X 0 X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    ("0 - X - -", ("OK", "OK", "ALARM", "OK")),
    ("- - - - 0", ("OK", "OK", "ALARM", "OK")),
    ("- - - - X", (INSUFF, RETAIN, "ALARM", "OK")),
]


def series(points: str, start: str = "2026-01-01") -> pd.Series:
    vals = [np.nan if c == "-" else (7.0 if c == "X" else 1.0) for c in points.split()]
    return pd.Series(vals, index=pd.date_range(start, periods=len(vals), freq="5min", tz="UTC"))


def alarm(m: int, n: int, treat: str) -> Alarm:
    return Alarm(
        threshold=5,
        comparison="GreaterThanThreshold",
        period="5min",
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=treat,
    )


def cases():
    for m, table in ((3, TABLE_3_OF_3), (2, TABLE_2_OF_3)):
        for points, states in table:
            for treat, state in zip(TREATMENTS, states, strict=True):
                yield pytest.param(m, points, treat, state, id=f"{m}of3 [{points}] {treat}")


@pytest.mark.parametrize(("m", "points", "treat", "expected"), list(cases()))
def test_user_guide_tables_row_by_row(m, points, treat, expected):
    a = alarm(m, 3, treat)
    if expected == RETAIN:
        for before in ("OK", "ALARM", INSUFF):
            last = a.evaluate(series(points), initial_state=before).iloc[-1]
            assert last["state"] == before
            assert last["window"] == points
    else:
        last = a.evaluate(series(points)).iloc[-1]
        assert last["window"] == points  # the evaluation range is 5, as in the guide
        assert last["state"] == expected


def test_second_row_goes_to_alarm_one_evaluation_later_when_missing_is_breaching():
    # The guide, after the first table: "The next time this alarm is evaluated, if the data is still
    # missing it will go to ALARM, as that non-breaching data point will no longer be among the 5 most
    # recent data points retrieved."
    ev = alarm(3, 3, "breaching").evaluate(series("0 - - - - -"))
    assert ev["window"].tolist()[-2:] == ["0 - - - -", "- - - - -"]
    assert ev["state"].tolist()[-2:] == ["OK", "ALARM"]


def test_premature_alarm_waits_until_the_breach_is_m_periods_old():
    ev = alarm(3, 3, "missing").evaluate(series("- - - - X - -"))
    assert ev["window"].tolist()[-3:] == ["- - - - X", "- - - X -", "- - X - -"]
    assert ev["state"].tolist()[-3:] == [INSUFF, INSUFF, "ALARM"]
    assert "too early" in ev["reason"].iloc[-3]


def test_figure_in_evaluating_an_alarm():
    # "Evaluating an alarm": threshold 3, 3 out of 3; periods 3-5 above the threshold -> ALARM at 5,
    # period 6 dips -> OK, period 9 breaches once -> stays OK.
    vals = [1, 2, 4, 4, 4, 2, 2, 2, 4, 2]
    s = pd.Series(vals, index=pd.date_range("2026-01-01", periods=10, freq="1min", tz="UTC"), dtype=float)
    a = Alarm(threshold=3, comparison=">", period="1min", evaluation_periods=3)
    ev = a.evaluate(s)
    assert ev["state"].tolist() == ["OK"] * 4 + ["ALARM"] + ["OK"] * 5
    t = a.transitions
    assert t["to_state"].tolist() == ["OK", "ALARM", "OK"]
    assert t["from_state"].tolist() == [INSUFF, "OK", "ALARM"]
    assert t["actions"].tolist() == ["OKActions", "AlarmActions", "OKActions"]
    assert t["timestamp"].dt.minute.tolist() == [0, 4, 5]


def test_reasons_use_cloudwatch_words():
    a = alarm(2, 3, "missing")
    ev = a.evaluate(series("1 X X".replace("1", "0")))
    r = ev["reason"].iloc[-1]
    assert r.startswith(
        "Threshold Crossed: 2 out of the last 3 datapoints [7.0 (01/01/26 00:10:00), 7.0 (01/01/26 00:05:00)"
    )
    assert r.endswith(
        "were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition)."
    )
    ev = alarm(3, 3, "missing").evaluate(series("- - -"))
    assert ev["reason"].iloc[-1] == "Insufficient Data: 5 datapoints were unknown."
    ev = alarm(3, 3, "breaching").evaluate(series("- - -"))
    assert ev["reason"].iloc[-1] == (
        "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching]."
    )


def test_statistic_is_applied_within_each_period():
    t = pd.to_datetime(["2026-01-01 00:00:10", "2026-01-01 00:00:40", "2026-01-01 00:01:30"], utc=True)
    raw = pd.Series([10.0, 20.0, 4.0], index=t)
    avg = Alarm(threshold=12, comparison=">=", period=60, evaluation_periods=1, statistic="Average")
    assert avg.evaluate(raw)["value"].tolist() == [15.0, 4.0]
    assert avg.evaluate(raw)["state"].tolist() == ["ALARM", "OK"]
    cnt = Alarm(threshold=2, comparison=">=", period=60, evaluation_periods=1, statistic="SampleCount")
    assert cnt.evaluate(raw)["value"].tolist() == [2.0, 1.0]
    total = Alarm(threshold=30, comparison=">=", period="2min", evaluation_periods=1)
    assert total.evaluate(raw)["value"].tolist() == [34.0]


def test_less_than_alarm_watches_for_traffic_dropping():
    s = pd.Series(
        [100, 90, 2, 1, 0], index=pd.date_range("2026-01-01", periods=5, freq="5min", tz="UTC"), dtype=float
    )
    a = Alarm(threshold=10, comparison="LessThanThreshold", period="5min", evaluation_periods=2)
    assert a.evaluate(s)["state"].tolist() == ["OK", "OK", "OK", "ALARM", "ALARM"]


def test_alarm_on_a_metric_filter_from_records(hand):
    # REJECT count per minute: 22:13 1, 22:14 1, 22:15 missing (no events), 22:16 missing, 22:17 1
    m = MetricFilter("REJECT", metric_name="Rejects").metric(hand)
    a = Alarm(threshold=1, comparison=">=", period="1min", evaluation_periods=3, datapoints_to_alarm=2)
    ev = a.evaluate(m)
    assert ev["window"].tolist() == ["- - - - X", "- - - X X", "- - X X -", "- X X - -", "X X - - X"]
    assert ev["state"].tolist() == [INSUFF, "ALARM", "ALARM", "ALARM", "ALARM"]


def test_start_and_end_bound_the_evaluation():
    s = series("X X X 0 0 0")
    a = alarm(3, 3, "missing")
    ev = a.evaluate(s, start="2026-01-01 00:10")
    # created at 00:10, the alarm still sees the two datapoints before it
    assert ev["timestamp"].iloc[0] == pd.Timestamp("2026-01-01 00:10", tz="UTC")
    assert ev["state"].iloc[0] == "ALARM"
    ev = a.evaluate(s, end="2026-01-01 00:50")
    assert ev["state"].iloc[-1] == INSUFF and ev["window"].iloc[-1] == "- - - - -"


def test_evaluating_leaves_the_series_alone():
    s = series("X - X")
    before = s.copy()
    alarm(2, 3, "breaching").evaluate(s)
    pd.testing.assert_series_equal(s, before)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"comparison": "bigger"}, "'comparison' must be one of"),
        ({"datapoints_to_alarm": 4}, "'datapoints_to_alarm' must be between 1 and evaluation_periods (3)"),
        ({"period": 45}, "10, 20, 30 or a multiple of 60"),
        ({"period": "soon"}, "'period' must be a duration"),
        ({"treat_missing_data": "zero"}, "'treat_missing_data' must be one of ['missing', 'notBreaching'"),
        ({"statistic": "p99"}, "'statistic' must be one of"),
    ],
)
def test_configuration_errors(kwargs, words):
    base = {"threshold": 1, "comparison": ">", "period": 300, "evaluation_periods": 3}
    with pytest.raises(ValueError) as info:
        Alarm(**{**base, **kwargs})
    assert words in str(info.value)


def test_transitions_before_evaluating_says_what_to_do():
    with pytest.raises(ValueError, match=r"call alarm\.evaluate"):
        _ = alarm(1, 1, "missing").transitions


def test_to_aws_shapes():
    mf = MetricFilter("REJECT", metric_name="Rejects")
    a = Alarm(
        threshold=10,
        comparison=">=",
        period="5m",
        evaluation_periods=3,
        datapoints_to_alarm=2,
        treat_missing_data="notBreaching",
    )
    d = a.to_aws("rejects-high", metric=mf, alarm_actions=["arn:aws:sns:us-east-1:111122223333:ops"])
    assert d.cli.startswith("aws cloudwatch put-metric-alarm")
    for flag in (
        "--metric-name Rejects",
        "--period 300",
        "--evaluation-periods 3",
        "--datapoints-to-alarm 2",
        "--threshold 10",
        "--comparison-operator GreaterThanOrEqualToThreshold",
        "--treat-missing-data notBreaching",
        "--alarm-actions arn:aws:sns:us-east-1:111122223333:ops",
    ):
        assert flag in d.cli
    props = yaml.safe_load(d.cloudformation)["Resources"]["RejectsHighAlarm"]["Properties"]
    assert props["MetricName"] == "Rejects" and props["Namespace"] == "VPCFlowLogs"
    assert (props["Period"], props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (300, 3, 2)
    assert props["Threshold"] == 10 and props["TreatMissingData"] == "notBreaching"
    assert props["AlarmActions"] == ["arn:aws:sns:us-east-1:111122223333:ops"]
    with pytest.raises(ValueError, match="needs a metric"):
        a.to_aws("x")


def test_repr_and_description():
    a = Alarm(threshold=10, comparison=">=", period="5min", evaluation_periods=3, datapoints_to_alarm=2)
    assert a.describe("Rejects").startswith("Rejects >= 10 for 2 datapoints within 15 minutes")
    assert "GreaterThanOrEqualToThreshold" in repr(a)
    assert "<b>Alarm</b>" in a._repr_html_()


def test_an_ssh_alarm_fires_during_a_simulated_brute_force_and_not_on_baseline():
    sim = pytest.importorskip("flownb.sim")
    ssh = MetricFilter(
        "[version, account, eni, source, destination, srcport, destport=22, protocol=6, packets, bytes, "
        "windowstart, windowend, action, flowlogstatus]",
        metric_name="SSHRecords",
    )
    alarm_ = Alarm(
        threshold=40,
        comparison=">=",
        period="5min",
        evaluation_periods=2,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
    )
    attack = sim.simulate("ssh_brute_force", seed=0, duration="1h")
    truth = attack.truth.iloc[0]
    alarm_.evaluate(ssh.metric(attack.flows, "5min"))
    fired = alarm_.transitions.query("to_state == 'ALARM'")
    assert len(fired) == 1
    # the notification comes for the period in which the attack starts
    assert truth["start"].floor("5min") <= fired["timestamp"].iloc[0] <= truth["end"]
    alarm_.evaluate(ssh.metric(sim.simulate("baseline", seed=0, duration="1h").flows, "5min"))
    assert "ALARM" not in set(alarm_.transitions["to_state"])
