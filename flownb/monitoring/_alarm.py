"""CloudWatch metric alarms, evaluated locally, period by period.

:class:`Alarm` reproduces how the Amazon CloudWatch User Guide says a metric
alarm decides its state ("Alarm evaluation", "Configuring how CloudWatch alarms
treat missing data"):

* every period the alarm looks back over an *evaluation range* of datapoints,
  a few more than **Evaluation Periods** (N), in case some are missing;
* with at least N real datapoints in the range, it evaluates the N most recent
  real ones and the missing-data setting is not used;
* with fewer, it fills in missing datapoints, as few as possible, with the
  missing-data setting: ``breaching`` and ``notBreaching`` count them as such,
  ``ignore`` keeps the current state when the real data cannot decide, and
  ``missing`` goes to INSUFFICIENT_DATA when the range holds no data at all;
* in every case N datapoints are evaluated: at least **Datapoints to Alarm**
  (M) breaching means ALARM, fewer means OK;
* the rule against premature alarms: an alarm goes to ALARM when the oldest
  available breaching datapoint is at least M periods old and every newer
  datapoint is breaching or missing, even though fewer than M datapoints are
  there ("- - X - -" is ALARM for a 3 out of 3 alarm even when missing data is
  treated as missing); before that it waits.

flownb evaluates once per period, when the period's datapoint is complete.
CloudWatch evaluates more often (every minute for periods of a minute or
more) and may see a period before all its data has arrived; the states it
settles on are the ones computed here, but a real alarm can change a little
earlier or, with late data, differently.

The guide's two tables (3 out of 3 and 2 out of 3, evaluation range 5) are the
test cases in ``tests/monitoring/test_alarm.py``. Where the guide leaves
something open, flownb's reading is stated in the docstrings ("flownb:").
"""

from __future__ import annotations

import html
import shlex
from typing import Literal

import numpy as np
import pandas as pd

from ._metric_filter import NAMESPACE, STATISTICS, MetricFilter, _logical_id, aggregate, period_grid
from ._report import AwsDefinition, period_seconds, yaml_str

__all__ = ["COMPARISONS", "STATES", "TREAT_MISSING_DATA", "Alarm"]

Comparison = Literal[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    ">=",
    ">",
    "<",
    "<=",
]
TreatMissingData = Literal["missing", "notBreaching", "breaching", "ignore"]
State = Literal["OK", "ALARM", "INSUFFICIENT_DATA"]

COMPARISONS: dict[str, str] = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}
_BY_SYMBOL = {v: k for k, v in COMPARISONS.items()}
_WORDS = {
    ">=": "greater than or equal to",
    ">": "greater than",
    "<": "less than",
    "<=": "less than or equal to",
}
TREAT_MISSING_DATA: tuple[str, ...] = ("missing", "notBreaching", "breaching", "ignore")
STATES: tuple[str, ...] = ("OK", "ALARM", "INSUFFICIENT_DATA")
_ACTIONS = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _utc(t: str | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _num(x: float) -> str:
    return repr(float(x))


class Alarm:
    """A CloudWatch metric alarm, evaluated on a metric series.

    Parameters
    ----------
    threshold : float
        The value the statistic is compared with.
    comparison : str
        ``"GreaterThanOrEqualToThreshold"``, ``"GreaterThanThreshold"``,
        ``"LessThanThreshold"``, ``"LessThanOrEqualToThreshold"`` or the
        symbols ``>=``, ``>``, ``<``, ``<=``.
    period : str or int
        Length of each datapoint (``"5min"``, ``"5m"``, ``300``): a multiple of
        60 seconds, or 10, 20 or 30 seconds for a high-resolution metric
        (PutMetricAlarm API; CloudWatch User Guide, "High-resolution alarms").
    evaluation_periods : int
        N, the number of most recent datapoints evaluated.
    datapoints_to_alarm : int, optional
        M, how many of the N must breach for ALARM; defaults to N.
    statistic : {"Sum", "Average", "Minimum", "Maximum", "SampleCount"}, default "Sum"
        Applied to the datapoints within each period. CloudWatch requires one
        and has no default; Sum is flownb's, because metric filter counts and
        byte values add up over a period.
    treat_missing_data : {"missing", "notBreaching", "breaching", "ignore"}, default "missing"
        CloudWatch's default is ``missing``.
    evaluation_range : int, optional
        How many recent periods each evaluation looks at. CloudWatch says it
        retrieves more datapoints than N and that the number depends on the
        period and resolution without giving it; its examples use 5 for N = 3.
        flownb's default is N + 2, which matches those examples.
    high_resolution : bool, default False
        The metric is a high-resolution one (published at 1-second
        resolution), so periods of 10, 20 and 30 seconds are allowed. A metric
        filter's metric is not: CloudWatch "aggregates and reports metric values
        every minute" (CloudWatch Logs User Guide, filter pattern syntax), so
        :meth:`to_aws` refuses a period under 60 s for one.

    Examples
    --------
    >>> import pandas as pd
    >>> from flownb.monitoring import Alarm
    >>> rejects = pd.Series([0, 12, 15, 3, 20, 25],
    ...     index=pd.date_range("2026-01-01", periods=6, freq="5min", tz="UTC"))
    >>> alarm = Alarm(threshold=10, comparison=">=", period="5min",
    ...               evaluation_periods=3, datapoints_to_alarm=2)
    >>> alarm.evaluate(rejects)["state"].tolist()
    ['OK', 'OK', 'ALARM', 'ALARM', 'ALARM', 'ALARM']
    >>> alarm.transitions[["timestamp", "from_state", "to_state"]].astype(str).values.tolist()
    [['2026-01-01 00:00:00+00:00', 'INSUFFICIENT_DATA', 'OK'], ['2026-01-01 00:10:00+00:00', 'OK', 'ALARM']]
    """

    def __init__(
        self,
        *,
        threshold: float,
        comparison: Comparison,
        period: str | int,
        evaluation_periods: int,
        datapoints_to_alarm: int | None = None,
        statistic: Literal["Sum", "Average", "Minimum", "Maximum", "SampleCount"] = "Sum",
        treat_missing_data: TreatMissingData = "missing",
        evaluation_range: int | None = None,
        high_resolution: bool = False,
    ) -> None:
        try:
            self.threshold = float(threshold)
        except (TypeError, ValueError):
            raise ValueError(f"'threshold' must be a number, got {threshold!r}") from None
        if comparison in _BY_SYMBOL:
            comparison = _BY_SYMBOL[comparison]  # type: ignore[assignment]
        if comparison not in COMPARISONS:
            raise ValueError(f"'comparison' must be one of {[*COMPARISONS, *_BY_SYMBOL]}, got {comparison!r}")
        self.comparison: str = comparison
        self.period = period_seconds(period)
        self.high_resolution = bool(high_resolution)
        if self.period in (10, 20, 30) and not self.high_resolution:
            raise ValueError(
                f"a {self.period} s period is only for an alarm on a high-resolution metric (CloudWatch User "
                "Guide, 'High-resolution alarms': periods of 10, 20 or 30 seconds need a metric published "
                "at 1-second resolution, and cost more). Metric filter metrics are reported per minute: use "
                "a period of 60 s or more, or pass high_resolution=True for a metric that is high-resolution"
            )
        if not (self.period in (10, 20, 30) or self.period % 60 == 0):
            raise ValueError(
                f"'period' must be 10, 20, 30 or a multiple of 60 seconds (PutMetricAlarm), got {self.period} s"
            )
        if not isinstance(evaluation_periods, int | np.integer) or evaluation_periods < 1:
            raise ValueError(f"'evaluation_periods' must be a whole number >= 1, got {evaluation_periods!r}")
        self.evaluation_periods = int(evaluation_periods)
        m = self.evaluation_periods if datapoints_to_alarm is None else datapoints_to_alarm
        if not isinstance(m, int | np.integer) or not 1 <= m <= self.evaluation_periods:
            raise ValueError(
                f"'datapoints_to_alarm' must be between 1 and evaluation_periods "
                f"({self.evaluation_periods}), got {datapoints_to_alarm!r}"
            )
        self.datapoints_to_alarm = int(m)
        if statistic not in STATISTICS:
            raise ValueError(f"'statistic' must be one of {list(STATISTICS)}, got {statistic!r}")
        self.statistic: str = statistic
        if treat_missing_data not in TREAT_MISSING_DATA:
            raise ValueError(
                f"'treat_missing_data' must be one of {list(TREAT_MISSING_DATA)}, got {treat_missing_data!r}"
            )
        self.treat_missing_data: str = treat_missing_data
        r = self.evaluation_periods + 2 if evaluation_range is None else evaluation_range
        if not isinstance(r, int | np.integer) or r < self.evaluation_periods:
            raise ValueError(
                f"'evaluation_range' must be a whole number >= evaluation_periods ({self.evaluation_periods}), "
                f"got {evaluation_range!r}"
            )
        self.evaluation_range = int(r)
        self._last: pd.DataFrame | None = None

    # ------------------------------------------------------------------ words

    @property
    def symbol(self) -> str:
        """The comparison as a symbol (``>=``)."""
        return COMPARISONS[self.comparison]

    def breaches(self, value: float | np.ndarray) -> np.ndarray:
        """Whether values breach the threshold (NaN -> False)."""
        v = np.asarray(value, dtype=float)
        with np.errstate(invalid="ignore"):
            return {
                ">=": v >= self.threshold,
                ">": v > self.threshold,
                "<": v < self.threshold,
                "<=": v <= self.threshold,
            }[self.symbol]

    def describe(self, metric_name: str = "metric") -> str:
        """The condition as the CloudWatch console words it."""
        within = pd.Timedelta(seconds=self.period * self.evaluation_periods)
        mins = within.total_seconds() / 60
        span = f"{mins:g} minutes" if mins < 120 or mins % 60 else f"{mins / 60:g} hours"
        return (
            f"{metric_name} {self.symbol} {self.threshold:g} for {self.datapoints_to_alarm} datapoints "
            f"within {span} ({self.statistic}, period {self.period} s; "
            f"missing data treated as {self.treat_missing_data})"
        )

    def __repr__(self) -> str:
        return (
            f"Alarm(threshold={self.threshold:g}, comparison={self.comparison!r}, period={self.period}, "
            f"evaluation_periods={self.evaluation_periods}, datapoints_to_alarm={self.datapoints_to_alarm}, "
            f"statistic={self.statistic!r}, treat_missing_data={self.treat_missing_data!r})"
        )

    def _repr_html_(self) -> str:
        return f"<div><b>Alarm</b>: {html.escape(self.describe())}</div>"

    # ------------------------------------------------------------------ evaluation

    def _decide(self, window: np.ndarray, times: list[pd.Timestamp], current: str) -> tuple[str, str]:
        """State and reason for one evaluation; ``window`` holds values, oldest first, NaN = missing."""
        n, m = self.evaluation_periods, self.datapoints_to_alarm
        real = ~np.isnan(window)
        r = int(real.sum())
        br = self.breaches(window) & real
        thr = _num(self.threshold)
        words = _WORDS[self.symbol]
        treat = self.treat_missing_data

        def listing(idx: np.ndarray) -> str:
            items = [f"{_num(window[i])} ({times[i]:%d/%m/%y %H:%M:%S})" for i in idx[::-1]]
            return "[" + ", ".join(items) + "]"

        def crossed(idx: np.ndarray, filled: int, fill_breaching: bool | None) -> tuple[str, str]:
            b = int(br[idx].sum()) + (filled if fill_breaching else 0)
            state = "ALARM" if b >= m else "OK"
            total = len(idx) + filled
            if state == "ALARM":
                k, verb = b, f"{'was' if b == 1 else 'were'} {words}"
                tail = f"(minimum {_plural(m, 'datapoint')} for OK -> ALARM transition)"
            else:
                k = total - b
                verb = f"{'was' if k == 1 else 'were'} not {words}"
                tail = f"(minimum {_plural(n - m + 1, 'datapoint')} for ALARM -> OK transition)"
            if len(idx) == 0:
                text = (
                    f"Threshold Crossed: no datapoints were received for {_plural(filled, 'period')} and "
                    f"{_plural(filled, 'missing datapoint')} {'was' if filled == 1 else 'were'} treated as "
                    f"[{'Breaching' if fill_breaching else 'NonBreaching'}]."
                )
                return state, text
            text = f"Threshold Crossed: {k} out of the last {total} datapoints {listing(idx)} {verb} the threshold ({thr})"
            if filled:
                text += (
                    f" and {_plural(filled, 'missing datapoint')} {'was' if filled == 1 else 'were'} treated as "
                    f"[{'Breaching' if fill_breaching else 'NonBreaching'}]"
                )
            return state, f"{text} {tail}."

        real_idx = np.flatnonzero(real)
        if r >= n:  # enough real datapoints: the missing-data setting is not used
            return crossed(real_idx[-n:], 0, None)
        fill = n - r
        if treat == "breaching":
            return crossed(real_idx, fill, True)
        if treat == "notBreaching":
            return crossed(real_idx, fill, False)
        # missing / ignore
        if r == 0:
            if treat == "ignore":
                return (
                    current,
                    f"Missing data ignored: no datapoints in the last {_plural(len(window), 'period')}; the state is kept.",
                )
            return (
                "INSUFFICIENT_DATA",
                f"Insufficient Data: {_plural(len(window), 'datapoint')} {'was' if len(window) == 1 else 'were'} unknown.",
            )
        b = int(br.sum())
        if b >= m:
            return crossed(real_idx, 0, None)
        if (real & ~br).any():  # a real non-breaching datapoint: the alarm cannot be in ALARM
            return crossed(real_idx, 0, None)
        # all real datapoints breach, fewer than M of them: the rule against premature alarms
        oldest_age = len(window) - int(np.flatnonzero(br)[0])  # 1 = the newest period
        if oldest_age >= m:
            if treat == "ignore":
                return current, (
                    f"Missing data ignored: {_plural(b, 'breaching datapoint')} {listing(real_idx)} and "
                    f"{_plural(len(window) - r, 'missing datapoint')}; the state is kept."
                )
            return "ALARM", (
                f"Threshold Crossed: {b} out of the last {n} datapoints {listing(real_idx)} "
                f"{'was' if b == 1 else 'were'} {words} the threshold ({thr}); the oldest breaching "
                f"datapoint is {_plural(oldest_age, 'period')} old (at least {m}) and every newer one is "
                f"breaching or missing."
            )
        if treat == "ignore":
            return current, (
                f"Missing data ignored: {_plural(b, 'breaching datapoint')} {listing(real_idx)} is too recent "
                f"to decide; the state is kept."
            )
        return "INSUFFICIENT_DATA", (
            f"Insufficient Data: {_plural(b, 'breaching datapoint')} {listing(real_idx)} and "
            f"{_plural(len(window) - r, 'missing datapoint')}; the oldest breaching datapoint is "
            f"{_plural(oldest_age, 'period')} old, fewer than {m}: too early to go to ALARM."
        )

    def evaluate(
        self,
        series: pd.Series | pd.DataFrame,
        *,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        initial_state: State = "INSUFFICIENT_DATA",
    ) -> pd.DataFrame:
        """Evaluate the alarm once per period over a metric series.

        Parameters
        ----------
        series : Series
            Datapoints indexed by time (UTC assumed when naive): a metric from
            :meth:`MetricFilter.metric`, raw values from
            :meth:`MetricFilter.datapoints` (a DataFrame with ``timestamp`` and
            ``value``), or any numeric series. NaN is missing data. The
            alarm's statistic is applied within each period, so pass raw
            datapoints for ``Average`` and ``SampleCount``.
        start, end : timestamp, optional
            Evaluate from and to these times (default: the series' first and
            last index, NaN entries included); periods outside the data are
            missing.
        initial_state : {"INSUFFICIENT_DATA", "OK", "ALARM"}, default "INSUFFICIENT_DATA"
            The state before the first evaluation (a new alarm starts in
            INSUFFICIENT_DATA).

        Returns
        -------
        DataFrame
            One row per period: ``timestamp`` (start of the newest datapoint's
            period), ``evaluated_at`` (its end), ``value`` (that datapoint, NaN if
            missing), ``window`` (the evaluation range, oldest first: ``X``
            breaching, ``0`` not, ``-`` missing, as the guide writes it),
            ``state``, ``previous_state``, ``changed`` and ``reason``. The state
            changes are also kept as :attr:`transitions`.
        """
        if initial_state not in STATES:
            raise ValueError(f"'initial_state' must be one of {list(STATES)}, got {initial_state!r}")
        if isinstance(series, pd.DataFrame):
            if {"timestamp", "value"} <= set(series.columns):
                series = pd.Series(series["value"].to_numpy(), index=pd.DatetimeIndex(series["timestamp"]))
            elif series.shape[1] == 1:
                series = series.iloc[:, 0]
            else:
                raise ValueError(
                    "an alarm watches one metric: pass a Series, one column of this DataFrame "
                    f"(its columns are {list(series.columns)[:10]}), or datapoints with 'timestamp' and 'value'"
                )
        if not isinstance(series, pd.Series):
            raise TypeError(f"'series' must be a pandas Series indexed by time, got {type(series).__name__}")
        try:
            idx = pd.DatetimeIndex(series.index)
        except (TypeError, ValueError):
            raise TypeError("'series' must be indexed by time (a DatetimeIndex)") from None
        idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
        values = pd.to_numeric(pd.Series(series.to_numpy(), index=idx), errors="coerce").astype(float)
        bounds = list(idx.dropna())
        bounds += [_utc(t) for t in (start, end) if t is not None]
        grid = period_grid(pd.DatetimeIndex(bounds), self.period)
        if end is not None:
            grid = grid[grid <= _utc(end)]
        agg = aggregate(values.index, values.to_numpy(), self.period, self.statistic, grid)
        vals = agg.to_numpy(dtype=float)
        times = list(agg.index)
        step = pd.Timedelta(seconds=self.period)
        rng = self.evaluation_range
        padded = np.concatenate([np.full(rng - 1, np.nan), vals])
        ptimes = [times[0] - step * (rng - 1 - k) for k in range(rng - 1)] + times if times else []
        marks = np.where(np.isnan(padded), "-", np.where(self.breaches(padded), "X", "0"))
        rows = []
        state = initial_state
        # an alarm created at `start` still sees the datapoints from before it (the User Guide:
        # "CloudWatch retrieves the most recent data points from before the alarm was created")
        first = 0 if start is None else int(pd.DatetimeIndex(times).searchsorted(_utc(start).floor(step)))
        for k in range(first, len(vals)):
            window = padded[k : k + rng]
            new, reason = self._decide(window, ptimes[k : k + rng], state)
            rows.append(
                (
                    times[k],
                    times[k] + step,
                    vals[k],
                    " ".join(marks[k : k + rng]),
                    new,
                    state,
                    new != state,
                    reason,
                )
            )
            state = new
        out = pd.DataFrame(
            rows,
            columns=[
                "timestamp",
                "evaluated_at",
                "value",
                "window",
                "state",
                "previous_state",
                "changed",
                "reason",
            ],
        )
        if out.empty:
            out = out.astype({"value": float, "changed": bool})
        self._last = out
        return out

    @property
    def transitions(self) -> pd.DataFrame:
        """The state changes of the last :meth:`evaluate`: the notifications CloudWatch would send.

        Columns: ``timestamp``, ``evaluated_at``, ``from_state``, ``to_state``,
        ``actions`` (which action list fires: ``AlarmActions``, ``OKActions``,
        ``InsufficientDataActions``) and ``reason``.
        """
        if self._last is None:
            raise ValueError("no evaluation yet: call alarm.evaluate(series) first")
        t = self._last[self._last["changed"]]
        return pd.DataFrame(
            {
                "timestamp": t["timestamp"].to_numpy(),
                "evaluated_at": t["evaluated_at"].to_numpy(),
                "from_state": t["previous_state"].to_numpy(),
                "to_state": t["state"].to_numpy(),
                "actions": t["state"].map(_ACTIONS).to_numpy(),
                "reason": t["reason"].to_numpy(),
            }
        ).reset_index(drop=True)

    def check_metric_filter(self, metric: MetricFilter) -> None:
        """Refuse a period shorter than a minute for an alarm on a metric filter's metric.

        CloudWatch Logs "aggregates and reports metric values every minute" for a
        metric filter (CloudWatch Logs User Guide, filter pattern syntax,
        "Configuring metric values for a metric filter"), so a 10, 20 or 30 s
        period would see at most one datapoint a minute and be missing the rest.

        Examples
        --------
        >>> from flownb.monitoring import Alarm, MetricFilter
        >>> fast = Alarm(threshold=1, comparison=">=", period=10, evaluation_periods=1, high_resolution=True)
        >>> fast.check_metric_filter(MetricFilter("REJECT", metric_name="Rejects"))
        Traceback (most recent call last):
        ...
        ValueError: the metric filter 'Rejects' is reported once a minute (CloudWatch aggregates metric filter values every minute), so an alarm on it needs a period of 60 s or more, not 10 s
        """
        if self.period < 60:
            raise ValueError(
                f"the metric filter {metric.metric_name!r} is reported once a minute (CloudWatch aggregates "
                f"metric filter values every minute), so an alarm on it needs a period of 60 s or more, "
                f"not {self.period} s"
            )

    # ------------------------------------------------------------------ deploy

    def to_aws(
        self,
        alarm_name: str,
        *,
        metric: MetricFilter | None = None,
        metric_name: str | None = None,
        namespace: str = NAMESPACE,
        dimensions: dict[str, str] | None = None,
        alarm_actions: list[str] | tuple[str, ...] = (),
        ok_actions: list[str] | tuple[str, ...] = (),
        description: str | None = None,
    ) -> AwsDefinition:
        """The ``aws cloudwatch put-metric-alarm`` command and the CloudFormation resource.

        Parameters
        ----------
        alarm_name : str
        metric : MetricFilter, optional
            The metric filter whose metric the alarm watches (gives the metric name).
        metric_name : str, optional
            The metric's name, when no ``metric`` is given.
        namespace : str, default "VPCFlowLogs"
            Must match the metric filter's namespace.
        dimensions : dict, optional
            ``{"Name": "value"}``: an alarm watches one dimension value.
        alarm_actions, ok_actions : list of str
            ARNs (an SNS topic, for a notification).
        description : str, optional

        Examples
        --------
        >>> from flownb.monitoring import Alarm
        >>> alarm = Alarm(threshold=10, comparison=">=", period="5min", evaluation_periods=3,
        ...               datapoints_to_alarm=2)
        >>> print(alarm.to_aws("rejects-high", metric_name="Rejects").cli)
        aws cloudwatch put-metric-alarm \\
          --alarm-name rejects-high \\
          --namespace VPCFlowLogs \\
          --metric-name Rejects \\
          --statistic Sum \\
          --period 300 \\
          --evaluation-periods 3 \\
          --datapoints-to-alarm 2 \\
          --threshold 10 \\
          --comparison-operator GreaterThanOrEqualToThreshold \\
          --treat-missing-data missing
        """
        name = metric.metric_name if metric is not None else metric_name
        if not name:
            raise ValueError(
                "pass metric=<MetricFilter> or metric_name='...': the alarm needs a metric to watch"
            )
        if metric is not None:
            self.check_metric_filter(metric)
        thr = f"{self.threshold:g}" if float(self.threshold).is_integer() else repr(self.threshold)
        parts = [
            "aws cloudwatch put-metric-alarm",
            f"--alarm-name {shlex.quote(alarm_name)}",
        ]
        if description:
            parts.append(f"--alarm-description {shlex.quote(description)}")
        parts += [
            f"--namespace {shlex.quote(namespace)}",
            f"--metric-name {shlex.quote(name)}",
        ]
        if dimensions:
            dims = " ".join(shlex.quote(f"Name={k},Value={v}") for k, v in dimensions.items())
            parts.append(f"--dimensions {dims}")
        parts += [
            f"--statistic {self.statistic}",
            f"--period {self.period}",
            f"--evaluation-periods {self.evaluation_periods}",
            f"--datapoints-to-alarm {self.datapoints_to_alarm}",
            f"--threshold {thr}",
            f"--comparison-operator {self.comparison}",
            f"--treat-missing-data {self.treat_missing_data}",
        ]
        if alarm_actions:
            parts.append("--alarm-actions " + " ".join(shlex.quote(a) for a in alarm_actions))
        if ok_actions:
            parts.append("--ok-actions " + " ".join(shlex.quote(a) for a in ok_actions))
        cli = " \\\n  ".join(parts)
        lines = [
            "Resources:",
            f"  {_logical_id(alarm_name)}Alarm:",
            "    Type: AWS::CloudWatch::Alarm",
            "    Properties:",
            f"      AlarmName: {yaml_str(alarm_name)}",
        ]
        if description:
            lines.append(f"      AlarmDescription: {yaml_str(description)}")
        lines += [f"      Namespace: {yaml_str(namespace)}", f"      MetricName: {yaml_str(name)}"]
        if dimensions:
            lines.append("      Dimensions:")
            for k, v in dimensions.items():
                lines += [f"        - Name: {yaml_str(k)}", f"          Value: {yaml_str(v)}"]
        lines += [
            f"      Statistic: {self.statistic}",
            f"      Period: {self.period}",
            f"      EvaluationPeriods: {self.evaluation_periods}",
            f"      DatapointsToAlarm: {self.datapoints_to_alarm}",
            f"      Threshold: {yaml_str(self.threshold)}",
            f"      ComparisonOperator: {self.comparison}",
            f"      TreatMissingData: {self.treat_missing_data}",
        ]
        for key, arns in (("AlarmActions", alarm_actions), ("OKActions", ok_actions)):
            if arns:
                lines.append(f"      {key}:")
                lines += [f"        - {yaml_str(a)}" for a in arns]
        return AwsDefinition("metric alarm", cli, "\n".join(lines))
