"""Metric filter -> metric -> alarm on flow log records, as CloudWatch would run them (AlarmLab draws this)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._alarm import Alarm
from ._metric_filter import MetricFilter

__all__ = ["REJECT_PATTERN", "AlarmRun", "evaluate_alarm"]

#: Space-delimited pattern for the default (version 2) format: rejected records.
REJECT_PATTERN = (
    "[version, account, eni, source, destination, srcport, destport, protocol, packets, bytes, "
    "windowstart, windowend, action=REJECT, flowlogstatus]"
)


@dataclass(frozen=True)
class AlarmRun:
    """What one evaluation produced: the metric, the alarm, its state per period and its transitions."""

    metric: pd.Series
    alarm: Any
    evaluation: pd.DataFrame
    transitions: pd.DataFrame


def evaluate_alarm(
    df: pd.DataFrame,
    pattern: str = REJECT_PATTERN,
    *,
    metric_value: str = "1",
    threshold: float = 10,
    comparison: str = ">=",
    period: int = 300,
    evaluation_periods: int = 3,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: str = "missing",
    metric_name: str = "FlowLogMetric",
) -> AlarmRun:
    """Metric filter -> metric -> alarm, the way CloudWatch would run them on these records (pure).

    Examples
    --------
    >>> import flownb
    >>> from flownb.monitoring._evaluate import evaluate_alarm
    >>> flows = flownb.simulate("port_scan", seed=0, duration="30min").flows
    >>> run = evaluate_alarm(flows, threshold=50, evaluation_periods=1)
    >>> run.evaluation[["value", "state"]].values.tolist()[2:4]
    [[6.0, 'OK'], [509.0, 'ALARM']]
    """

    mf = MetricFilter(pattern, metric_name=metric_name or "FlowLogMetric", metric_value=metric_value or "1")
    series = mf.metric(df, period=int(period))
    if isinstance(series, pd.DataFrame):  # dimensions: one column per value; the lab alarms on their sum
        series = series.sum(axis=1).rename(metric_name)
    m = evaluation_periods if datapoints_to_alarm is None else min(datapoints_to_alarm, evaluation_periods)
    alarm = Alarm(
        threshold=threshold,
        comparison=comparison,
        period=int(period),
        evaluation_periods=int(evaluation_periods),
        datapoints_to_alarm=int(m),
        treat_missing_data=treat_missing_data,
    )
    if len(series) == 0:
        empty = pd.DataFrame(columns=["timestamp", "value", "state", "reason"])
        return AlarmRun(
            series, alarm, empty, pd.DataFrame(columns=["timestamp", "from_state", "to_state", "reason"])
        )
    evaluation = alarm.evaluate(series)
    return AlarmRun(series, alarm, evaluation, alarm.transitions)
