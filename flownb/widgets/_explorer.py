"""FlowExplorer: the filter panel, a summary line and three linked charts."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from .. import charts as _charts
from .._cache import ColumnCache
from .._units import human_bytes, span_text
from ..analysis._summary import summary
from ..charts._common import altair, empty_chart
from ._base import jupyter_chart, message_html, widgets
from ._panel import FilterPanel
from ._state import FilterState, filter_mask


def summary_text(s: dict[str, Any]) -> str:
    """'12,345 records · 1.2 GB · 2025-06-02 00:00 – 23:59 UTC (1 day) · 8.0 % rejected'."""
    if not s["records"]:
        return "No records match these filters."
    parts = [f"{s['records']:,} records", human_bytes(s["bytes"])]
    if s["first"] is not None:
        a, b = s["first"], s["last"]
        same_day = a.date() == b.date()
        parts.append(
            f"{a:%Y-%m-%d %H:%M} – {b:%H:%M}" if same_day else f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M}"
        )
        parts[-1] += f" UTC ({span_text((b - a).total_seconds())})"
    if s["rejected"] is not None:
        parts.append(f"{100 * s['rejected']:.1f} % rejected")
    return " · ".join(parts)


def brush_range(value: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The (start, end) of a time brush as the browser sends it (``{"time": [ms, ms]}`` or ISO texts).

    Examples
    --------
    >>> brush_range({"time": [1748822400000, 1748826000000]})
    (Timestamp('2025-06-02 00:00:00+0000', tz='UTC'), Timestamp('2025-06-02 01:00:00+0000', tz='UTC'))
    >>> brush_range(None) is None
    True
    """
    if not value:
        return None
    pair = value.get("time") if isinstance(value, dict) else None
    if not pair or len(pair) != 2:
        return None

    def ts(v: Any) -> pd.Timestamp:
        if isinstance(v, int | float | np.integer | np.floating):
            return pd.Timestamp(int(v), unit="ms", tz="UTC")
        if isinstance(v, dict) and "year" in v:  # Vega's date-time object
            return pd.Timestamp(
                year=v["year"], month=v.get("month", 1), day=v.get("date", 1), hour=v.get("hours", 0),
                minute=v.get("minutes", 0), second=v.get("seconds", 0), tz="UTC",
            )  # fmt: skip
        t = pd.Timestamp(v)
        return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")

    a, b = sorted((ts(pair[0]), ts(pair[1])))
    return (a, b) if b > a else None


class FlowExplorer:
    """Filter flow logs and see traffic over time, top talkers and busy ports change together.

    Brushing a time range on the timeline narrows the other two charts (read back
    in Python as :attr:`brush`). Filtering happens in pandas on the full records;
    only the aggregated chart data (at most 5,000 rows a chart) goes to the browser.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    state : FilterState, optional
        Initial filters.
    metric : {"bytes", "packets", "flows"}, default "bytes"
        What the timeline and top talkers add up.
    top_by : str, default "srcaddr"
        The top talkers column.

    Attributes
    ----------
    state : FilterState
        The filters; assigning one updates the controls and charts, as a click would.
    filtered : DataFrame
        The records the filters keep (computed when asked).
    selected : DataFrame
        ``filtered`` narrowed to the brushed time range (the other charts' records).
    charts : dict of str to altair.Chart
        ``timeline``, ``top_talkers`` and ``port_heatmap`` as shown.

    Examples
    --------
    >>> import flownb
    >>> from flownb.widgets import FlowExplorer, FilterState
    >>> ex = FlowExplorer(flownb.samples.load("aws-docs/default-accept-reject"))
    >>> ex.state = FilterState(actions=("REJECT",))
    >>> len(ex.filtered), ex.panel.action.value
    (1, 'REJECT')
    >>> sorted(ex.charts)
    ['port_heatmap', 'timeline', 'top_talkers']
    """

    def __init__(
        self,
        df: pd.DataFrame,
        state: FilterState | None = None,
        *,
        metric: str = "bytes",
        top_by: str = "srcaddr",
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(
                f"FlowExplorer needs a pandas DataFrame of flow log records, got {type(df).__name__}"
            )
        w = widgets()
        self.df = df
        self.metric = metric
        self.top_by = top_by
        self.last_error: Exception | None = None
        self._records = ColumnCache(df)
        self._view = self._records
        self._brush: tuple[pd.Timestamp, pd.Timestamp] | None = None
        self._updating = False
        self.panel = FilterPanel(df)
        self.summary = w.HTML()
        self._message = w.HTML()
        self.charts: dict[str, Any] = {}
        self._cache: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self._home: dict[str, Any] = {}
        self._build_charts()
        self.views = {name: jupyter_chart(chart) for name, chart in self.charts.items()}
        self.views["timeline"].observe(self._on_selection, names="_vl_selections")
        self.panel.on_change(lambda _s: self._update())
        self._update_summary()
        self.widget = w.VBox(
            [
                self.panel.widget,
                self.summary,
                self._message,
                self.views["timeline"],
                w.HBox(
                    [self.views["top_talkers"], self.views["port_heatmap"]],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        if state is not None:
            self.state = state

    # ------------------------------------------------------------------ API
    @property
    def state(self) -> FilterState:
        return self.panel.state

    @state.setter
    def state(self, state: FilterState) -> None:
        self.panel.state = state  # notifies -> _update

    @property
    def filtered(self) -> pd.DataFrame:
        return self._view.frame()

    @property
    def brush(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The time range brushed on the timeline (None when nothing is brushed)."""
        return self._brush

    @property
    def selected(self) -> pd.DataFrame:
        return self._selected_view().frame()

    # ------------------------------------------------------------- internals
    def _selected_view(self) -> ColumnCache:
        if self._brush is None:
            return self._view
        a, b = self._brush
        return self._view.subset(filter_mask(self._records, FilterState(start=a, end=b)))

    def _build_charts(self, which: tuple[str, ...] = ("timeline", "top_talkers", "port_heatmap")) -> None:
        # Charts are immutable and depend only on (filters, brush): going back to a state
        # seen recently (Reset, undoing a click) reuses them instead of aggregating again.
        key = (self.state, self._brush, which)
        # the charts of all records (the first view, and every Reset) are kept for good
        home = self.state.is_empty and self._brush is None
        cached = self._home if home and all(n in self._home for n in which) else self._cache.get(key)
        if cached is not None:
            if not home:
                self._cache.move_to_end(key)
            self.charts.update({name: cached[name] for name in which})
            return
        sel = self._selected_view()
        builders = {
            "timeline": lambda: _charts.traffic_timeline(
                self._view, metric=self.metric, brush=True, width=540
            ),
            "top_talkers": lambda: _charts.top_talkers(sel, by=self.top_by, metric=self.metric, width=260),
            "port_heatmap": lambda: _charts.port_heatmap(sel, n=15, width=400),
        }
        for name in which:
            try:
                self.charts[name] = builders[name]()
            except (ValueError, TypeError) as exc:  # records lacking a field the chart needs
                self.last_error = exc
                self.charts[name] = empty_chart(altair(), str(exc).split(";")[0], width=400)
        if home:
            self._home.update({name: self.charts[name] for name in which})
            return
        self._remember(key, {name: self.charts[name] for name in which})

    def _remember(self, key: tuple, entry: dict[str, Any]) -> None:
        """Keep ``entry`` (charts, or a summary) for a recently seen filter state, the oldest dropped."""
        self._cache[key] = entry
        while len(self._cache) > 32:  # (16 states: their charts and their summaries)
            self._cache.popitem(last=False)

    def _assign(self, which: tuple[str, ...]) -> None:
        for name in which:
            self.views[name].chart = self.charts[name]

    def _update(self) -> None:
        self._message.value = ""
        try:
            mask = filter_mask(self._records, self.state)
        except (ValueError, TypeError) as exc:
            self.last_error = exc
            self._message.value = message_html(str(exc), "error")
            return
        self._view = self._records.subset(mask)
        self._brush = None
        self._updating = True
        try:
            self._build_charts()
            self._assign(("timeline", "top_talkers", "port_heatmap"))
        finally:
            self._updating = False
        self._update_summary()

    def _update_summary(self) -> None:
        # like the charts: the numbers of a state seen recently (Reset above all) are not counted again
        key = ("summary", self.state, self._brush)
        home = self.state.is_empty and self._brush is None
        kept = self._home if home else self._cache.get(key, {})
        s = kept.get("summary")
        if s is None:
            s = summary(self._selected_view())
            if home:
                self._home["summary"] = s
            else:
                self._remember(key, {"summary": s})
        elif not home:
            self._cache.move_to_end(key)
        text = summary_text(s)
        if self._brush is not None:
            text += f" · brushed {self._brush[0]:%H:%M}–{self._brush[1]:%H:%M} UTC"
        kind = "warning" if not s["records"] else "info"
        self.summary.value = message_html(f"{self.state.describe()} → {text}", kind)

    def _on_selection(self, change: Any) -> None:
        if self._updating:
            return
        value = (change["new"] or {}).get(_charts.BRUSH, {}).get("value")
        try:
            rng = brush_range(value)
        except (ValueError, TypeError) as exc:
            self._message.value = message_html(f"could not read the brushed range: {exc}", "error")
            return
        if rng == self._brush:
            return
        self._brush = rng
        self._build_charts(("top_talkers", "port_heatmap"))
        self._assign(("top_talkers", "port_heatmap"))
        self._update_summary()

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a notebook front end
        from IPython.display import display

        display(self.widget)
