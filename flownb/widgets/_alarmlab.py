"""AlarmLab: a metric filter and a CloudWatch alarm on flow logs, redrawn as you move the sliders."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from .. import charts as _charts
from ..monitoring._evaluate import REJECT_PATTERN, AlarmRun, evaluate_alarm
from ._base import jupyter_chart, message_html, shown_errors, table_html, widgets

PERIODS = {"1 min": 60, "5 min": 300, "10 min": 600, "15 min": 900, "1 h": 3600}
MISSING = ("missing", "notBreaching", "breaching", "ignore")
COMPARISONS = (">=", ">", "<", "<=")


def notifications_html(transitions: pd.DataFrame) -> str:
    """The alarm's state changes as the notifications SNS would send."""
    if transitions is None or len(transitions) == 0:
        return message_html("No state change: no notification would be sent.", "info")
    t = transitions.copy()
    t["timestamp"] = pd.DatetimeIndex(t["timestamp"]).strftime("%Y-%m-%d %H:%M UTC")
    cols = [c for c in ("timestamp", "from_state", "to_state", "reason") if c in t.columns]
    return f"<b>{len(t)} notification(s)</b>" + table_html(t[cols], 30)


class AlarmLab:
    """Try a metric filter and an alarm on flow logs: every slider move re-evaluates and redraws.

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets import AlarmLab
    >>> lab = AlarmLab(flownb.simulate("port_scan", seed=0, duration="30min").flows)
    >>> lab.threshold.value = 50
    >>> "ALARM" in set(lab.run.evaluation["state"])
    True
    >>> lab.threshold.value = 1_000_000
    >>> "ALARM" in set(lab.run.evaluation["state"])
    False
    """

    def __init__(self, df: pd.DataFrame, pattern: str = REJECT_PATTERN) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"AlarmLab needs a pandas DataFrame of flow log records, got {type(df).__name__}")
        w = widgets()
        self.df = df
        self.run: AlarmRun | None = None
        self.last_error: Exception | None = None
        style = {"description_width": "170px"}
        wide = w.Layout(width="720px")
        self.pattern = w.Text(
            value=pattern, description="filter pattern", continuous_update=False, layout=wide, style=style
        )
        self.metric_value = w.Text(value="1", description="metric value", continuous_update=False, style=style,
                                   layout=w.Layout(width="300px"))  # fmt: skip
        self.comparison = w.Dropdown(options=COMPARISONS, value=">=", description="alarm when", style=style,
                                     layout=w.Layout(width="240px"))  # fmt: skip
        self.threshold = w.FloatText(value=10, description="threshold", continuous_update=False, style=style,
                                     layout=w.Layout(width="260px"))  # fmt: skip
        self.period = w.Dropdown(options=list(PERIODS.items()), value=300, description="period", style=style,
                                 layout=w.Layout(width="260px"))  # fmt: skip
        self.evaluation_periods = w.IntSlider(value=3, min=1, max=10, description="evaluation periods (N)",
                                              continuous_update=False, style=style, layout=w.Layout(width="420px"))  # fmt: skip
        self.datapoints = w.IntSlider(value=1, min=1, max=3, description="datapoints to alarm (M)",
                                      continuous_update=False, style=style, layout=w.Layout(width="420px"))  # fmt: skip
        self.missing = w.Dropdown(options=MISSING, value="missing", description="treat missing data", style=style,
                                  layout=w.Layout(width="320px"))  # fmt: skip
        self._message = w.HTML()
        self.summary = w.HTML()
        self.notifications = w.HTML()
        self.view = jupyter_chart(_charts._common.empty_chart(_charts._common.altair(), "…", height=40))
        self.evaluation_periods.observe(self._on_n, names="value")
        for c in (
            self.pattern,
            self.metric_value,
            self.comparison,
            self.threshold,
            self.period,
            self.datapoints,
            self.missing,
        ):
            c.observe(lambda _c: self.update(), names="value")
        self.widget = w.VBox(
            [
                self.pattern,
                w.HBox([self.metric_value, self.comparison, self.threshold]),
                w.HBox([self.period, self.missing]),
                w.HBox([self.evaluation_periods, self.datapoints]),
                self._message,
                self.summary,
                self.view,
                self.notifications,
            ]
        )
        self.update()

    def _on_n(self, change: Any) -> None:
        n = change["new"]
        keep = min(self.datapoints.value, n)
        with self.datapoints.hold_trait_notifications():
            self.datapoints.max = n
            self.datapoints.value = keep
        self.update()

    @shown_errors()
    def update(self) -> AlarmRun:
        """Re-evaluate with the current controls and redraw."""
        self._message.value = ""
        run = evaluate_alarm(
            self.df,
            self.pattern.value,
            metric_value=self.metric_value.value,
            threshold=self.threshold.value,
            comparison=self.comparison.value,
            period=self.period.value,
            evaluation_periods=self.evaluation_periods.value,
            datapoints_to_alarm=self.datapoints.value,
            treat_missing_data=self.missing.value,
        )
        self.run = run
        a = run.alarm
        if run.metric.notna().sum() == 0:
            self._message.value = message_html(
                "The filter pattern matches no record: the metric has no datapoint.", "warning"
            )
        self.summary.value = message_html(
            f"ALARM when {a.datapoints_to_alarm} of the last {a.evaluation_periods} periods of {a.period // 60} min have "
            f"{a.statistic} {a.symbol} {a.threshold:g} (missing data: {a.treat_missing_data}).",
            "info",
        )
        self.view.chart = _charts.alarm_timeline(
            run.evaluation if len(run.evaluation) else run.metric, a, metric_name=html.unescape("metric")
        )
        self.notifications.value = notifications_html(run.transitions)
        return run

    @property
    def evaluation(self) -> pd.DataFrame | None:
        return None if self.run is None else self.run.evaluation

    @property
    def transitions(self) -> pd.DataFrame | None:
        return None if self.run is None else self.run.transitions

    def _ipython_display_(self) -> None:  # pragma: no cover
        from IPython.display import display

        display(self.widget)
