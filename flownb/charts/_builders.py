"""The chart builders: aggregate in pandas (``_aggregate``), then describe the chart in Altair."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from .._units import bin_text, human_bytes, human_count, vega_expr
from . import _aggregate as agg
from ._common import (
    ACTION_COLORS,
    ALARM_COLORS,
    FONT,
    HEIGHT,
    NARROW,
    SERIES_SCHEME,
    SEVERITY_COLORS,
    STATUS_COLORS,
    WIDE,
    altair,
    empty_chart,
    need,
    scale,
    time_label,
    title,
    utc_x,
    validated_once,
    vchart,
)

Metric = Literal["flows", "packets", "bytes"]
_UNITS = {"flows": "records", "packets": "packets", "bytes": "bytes"}
#: The name of the time brush on :func:`traffic_timeline` (``brush=True``).
BRUSH = "brush"
#: The checkbox on :func:`traffic_timeline` that clips a burst so the rest of the day shows.
CLIP = "clip_burst"
#: A timeline gets the checkbox when its busiest bin is more than this many times its 95th percentile bin;
#: clipped, the y axis goes up to twice that percentile. flownb's own choice: on the demo day one
#: exfiltration burst is 117 times the 95th percentile and flattens every other hour.
BURST_RATIO = 4


def _kind(metric: str) -> str:
    return "bytes" if metric == "bytes" else "count"


def _human_axis(alt: Any, metric: str, title: str, **kw: Any) -> Any:
    """An axis whose tick labels are in human units (kB, MB, GB; k, M), as the text reports write them."""
    return alt.Axis(title=title, labelExpr=vega_expr("datum.value", _kind(metric), trim=True), **kw)


def _with_human_value(chart: Any, metric: str, field: str = "value") -> Any:
    """Add ``<field>_text``: the value in human units, computed by the browser for the tooltip."""
    return chart.transform_calculate(**{f"{field}_text": vega_expr(f"datum.{field}", _kind(metric))})


def _color(alt: Any, field: str, by: str | None, present: list[str], legend_title: str) -> Any:
    if by == "action":
        return alt.Color(f"{field}:N", scale=scale(alt, ACTION_COLORS, present), title=legend_title)
    return alt.Color(f"{field}:N", scale=alt.Scale(scheme=SERIES_SCHEME), title=legend_title, sort=present)


@validated_once
def traffic_timeline(
    df: pd.DataFrame,
    metric: Metric = "bytes",
    by: str | None = "action",
    freq: str | None = None,
    *,
    brush: bool = False,
    max_series: int = 8,
    width: int = WIDE,
    height: int = HEIGHT,
) -> Any:
    """Bytes, packets or records over time, stacked by action (or any column).

    Each record is spread over its ``start``-``end`` window, so a 10-minute record
    does not draw a spike at its start. NODATA and SKIPDATA records are left out
    (they describe logging, see :func:`coverage`).

    Parameters
    ----------
    df : DataFrame
        Flow log records with ``start`` (and ``end``).
    metric : {"bytes", "packets", "flows"}, default "bytes"
        What to add up; ``flows`` counts records.
    by : str or None, default "action"
        Column splitting the series (the ``max_series`` largest, the rest ``other``).
    freq : str, optional
        Bin width ("1min", "1h"); by default the roundest width giving at most 300 bins.
    brush : bool, default False
        Add an interval selection named ``"brush"`` on the time axis (read back in Python
        by :class:`flownb.widgets.FlowExplorer`).
    max_series, width, height : int
        Series kept; size in pixels.

    Returns
    -------
    altair.Chart

    Examples
    --------
    >>> import flownb
    >>> chart = flownb.charts.traffic_timeline(flownb.samples.load("aws-docs/default-accept-reject"))
    >>> spec = chart.to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["x"]["scale"]["type"]
    ('area', 'utc')
    """
    alt = altair()
    data = agg.timeline_data(df, metric=metric, by=by, freq=freq, max_series=max_series)
    what = _UNITS[metric]
    if data.empty:
        return empty_chart(alt, f"No traffic to show: no {what} in these records", width=width)
    w = data.attrs["freq_seconds"]
    present = pd.unique(data["series"].to_numpy(dtype=object)).tolist()  # (in order, no Python loop per row)
    label = by or "series"
    totals = data.groupby("time", sort=False)["value"].sum()
    busiest, usual = float(totals.max()), float(totals.quantile(0.95))
    burst = usual > 0 and busiest > BURST_RATIO * usual
    y_scale = (
        alt.Scale(domainMax=alt.ExprRef(f"{CLIP} ? {2 * usual!r} : {busiest!r}")) if burst else alt.Undefined
    )
    chart = _with_human_value(
        vchart(
            alt,
            data,
            title=title(alt, f"Traffic over time ({what})", f"per {bin_text(w)} bin, by {label}, UTC"),
        ),
        metric,
    )
    chart = (
        chart.mark_area(interpolate="step-after", opacity=0.85, clip=True)
        .encode(
            x=utc_x(alt),
            y=alt.Y("value:Q", stack="zero", scale=y_scale, axis=_human_axis(alt, metric, f"{what} per bin")),
            color=_color(alt, "series", by, present, label),
            order=alt.Order("series:N"),
            tooltip=[
                alt.Tooltip("time_utc:N", title="bin start"),
                alt.Tooltip("series:N", title=label),
                alt.Tooltip("value_text:N", title=what),
                alt.Tooltip("value:Q", title=f"{what} (exact)", format=",.0f"),
            ],
        )
        .properties(width=width, height=height)
    )
    if brush:
        chart = chart.add_params(alt.selection_interval(name=BRUSH, encodings=["x"]))
    if burst:
        check = alt.binding_checkbox(name="clip the burst (y axis up to twice the 95th percentile bin) ")
        chart = chart.add_params(alt.param(name=CLIP, value=False, bind=check))
    return chart


@validated_once
def top_talkers(
    df: pd.DataFrame,
    by: str = "srcaddr",
    metric: Metric = "bytes",
    n: int = 10,
    *,
    width: int = NARROW,
    height: int | None = None,
) -> Any:
    """The ``n`` largest sources (or any column) by bytes, packets or records, split by action.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    by : str, default "srcaddr"
        Column to rank (``dstaddr``, ``interface_id``, ``dstport``...).
    metric : {"bytes", "packets", "flows"}, default "bytes"
    n : int, default 10

    Returns
    -------
    altair.Chart

    Examples
    --------
    >>> import flownb
    >>> spec = flownb.charts.top_talkers(flownb.samples.load("aws-docs/default-accept-reject")).to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["y"]["field"]
    ('bar', 'key')
    """
    alt = altair()
    data = agg.top_data(df, by=by, metric=metric, n=n)
    what = _UNITS[metric]
    if data.empty:
        return empty_chart(alt, f"No {what} to rank", width=width)
    order = list(dict.fromkeys(data.sort_values("rank")["key"]))
    present = list(dict.fromkeys(data["action"]))
    data = data.assign(
        total_text=[human_bytes(t) if metric == "bytes" else human_count(t) for t in data["total"]]
    )
    return (
        _with_human_value(vchart(alt, data, title=title(alt, f"Top {len(order)} {by} by {what}")), metric)
        .mark_bar()
        .encode(
            y=alt.Y("key:N", sort=order, title=by, axis=alt.Axis(labelLimit=160)),
            x=alt.X("value:Q", stack="zero", axis=_human_axis(alt, metric, what)),
            color=alt.Color("action:N", scale=scale(alt, ACTION_COLORS, present), title="action"),
            tooltip=[
                alt.Tooltip("key:N", title=by),
                alt.Tooltip("action:N"),
                alt.Tooltip("value_text:N", title=what),
                alt.Tooltip("total_text:N", title="total"),
            ],
        )
        .properties(width=width, height=height or max(120, 22 * len(order)))
    )


@validated_once
def port_heatmap(
    df: pd.DataFrame,
    port: str = "dstport",
    metric: Metric = "flows",
    n: int = 20,
    freq: str | None = None,
    *,
    width: int = WIDE,
    height: int | None = None,
) -> Any:
    """Destination port by time: which services were busy (or probed) when.

    Parameters
    ----------
    df : DataFrame
        Flow log records with ``start`` and the port column.
    port : str, default "dstport"
    metric : {"flows", "packets", "bytes"}, default "flows"
    n : int, default 20
        Busiest ports shown.
    freq : str, optional
        Bin width; by default at most 300 bins.

    Returns
    -------
    altair.Chart

    Examples
    --------
    >>> import flownb
    >>> spec = flownb.charts.port_heatmap(flownb.samples.load("aws-docs/default-accept-reject")).to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["y"]["field"]
    ('rect', 'port')
    """
    alt = altair()
    data = agg.heatmap_data(df, port=port, metric=metric, n=n, freq=freq)
    what = _UNITS[metric]
    if data.empty:
        return empty_chart(alt, f"No {port} values to show", width=width)
    w = data.attrs["freq_seconds"]
    data = data.assign(time_end=data["time"] + pd.Timedelta(seconds=w))
    # the ports by rank (each port has one rank): one per rank, without sorting every cell
    _ranks, first = np.unique(data["rank"].to_numpy(), return_index=True)
    order = data["port"].to_numpy(dtype=object)[first].tolist()
    legend = alt.Legend(title=what, labelExpr=vega_expr("datum.value", _kind(metric), trim=True))
    return (
        _with_human_value(
            vchart(
                alt,
                data.drop(columns="rank"),  # (the y axis is sorted by it already: not sent to the browser)
                title=title(alt, f"{port} by time ({what})", f"{len(order)} busiest, per {bin_text(w)}, UTC"),
            ),
            metric,
        )
        .mark_rect()
        .encode(
            x=utc_x(alt),
            x2=alt.X2("time_end:T"),
            y=alt.Y("port:N", sort=order, title=port),
            color=alt.Color("value:Q", scale=alt.Scale(scheme="orangered", type="sqrt"), legend=legend),
            tooltip=[
                alt.Tooltip("port:N", title=port),
                alt.Tooltip("time_utc:N", title="bin start"),
                alt.Tooltip("value_text:N", title=what),
            ],
        )
        .properties(width=width, height=height or max(100, 16 * len(order)))
    )


@validated_once
def accept_reject(df: pd.DataFrame, freq: str | None = None, *, width: int = WIDE, height: int = 160) -> Any:
    """Share of records accepted and rejected over time (100 % stacked).

    Examples
    --------
    >>> import flownb
    >>> spec = flownb.charts.accept_reject(flownb.samples.load("aws-docs/default-accept-reject")).to_dict()
    >>> spec["encoding"]["y"]["stack"]
    'normalize'
    """
    alt = altair()
    data = agg.accept_reject_data(df, freq=freq)
    if data.empty:
        return empty_chart(alt, "No accepted or rejected records to show", width=width)
    w = data.attrs["freq_seconds"]
    present = list(dict.fromkeys(sorted(data["action"])))
    return (
        vchart(alt, data, title=title(alt, "Accepted and rejected records", f"share per {bin_text(w)}, UTC"))
        .mark_area(interpolate="step-after")
        .encode(
            x=utc_x(alt),
            y=alt.Y("flows:Q", stack="normalize", title="share of records", axis=alt.Axis(format="%")),
            color=alt.Color("action:N", scale=scale(alt, ACTION_COLORS, present), title="action"),
            order=alt.Order("action:N"),
            tooltip=[
                alt.Tooltip("time_utc:N", title="bin start"),
                alt.Tooltip("action:N"),
                alt.Tooltip("flows:Q", title="records", format=",.0f"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(width=width, height=height)
    )


@validated_once
def conversation_graph(
    df: pd.DataFrame, n: int = 25, *, seed: int = 0, width: int = 480, height: int = 400
) -> Any:
    """Hosts as nodes, their conversations as edges sized by bytes and coloured by action.

    Vega-Lite has no graph layout: the positions come from a seeded force layout
    computed in Python on the ``n`` largest host pairs (either direction).

    Examples
    --------
    >>> import flownb
    >>> spec = flownb.charts.conversation_graph(flownb.samples.load("aws-docs/default-accept-reject")).to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rule', 'circle', 'text']
    """
    alt = altair()
    nodes, edges = agg.graph_data(df, n=n, seed=seed)
    if edges.empty:
        return empty_chart(alt, "No conversations to draw", width=width)
    edges = edges.assign(bytes_text=[human_bytes(b) for b in edges["bytes"]])
    nodes = nodes.assign(bytes_text=[human_bytes(b) for b in nodes["bytes"]])
    hidden = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    xs = alt.Scale(domain=[0, 1])
    present = list(dict.fromkeys(edges["action"]))
    base_title = title(
        alt, f"Conversations: the {len(edges)} largest host pairs", "edge width = bytes, colour = action"
    )
    lines = (
        vchart(alt, edges)
        .mark_rule(opacity=0.7)
        .encode(
            x=alt.X("x:Q", axis=hidden, scale=xs),
            y=alt.Y("y:Q", axis=hidden, scale=xs),
            x2="x2:Q",
            y2="y2:Q",
            strokeWidth=alt.StrokeWidth("bytes:Q", scale=alt.Scale(range=[1, 10]), legend=None),
            color=alt.Color("action:N", scale=scale(alt, ACTION_COLORS, present), title="action"),
            tooltip=[
                alt.Tooltip("a:N", title="host"),
                alt.Tooltip("b:N", title="peer"),
                alt.Tooltip("bytes_text:N", title="bytes"),
                alt.Tooltip("flows:Q", title="records", format=",.0f"),
                alt.Tooltip("rejected:Q", title="rejected records", format=",.0f"),
            ],
        )
    )
    dots = (
        vchart(alt, nodes)
        .mark_circle(color="#333", opacity=0.9)
        .encode(
            x=alt.X("x:Q", axis=hidden, scale=xs),
            y=alt.Y("y:Q", axis=hidden, scale=xs),
            size=alt.Size("bytes:Q", scale=alt.Scale(range=[30, 400]), legend=None),
            tooltip=[
                alt.Tooltip("host:N"),
                alt.Tooltip("bytes_text:N", title="bytes"),
                alt.Tooltip("peers:Q", title="peers shown"),
            ],
        )
    )
    labels = (
        vchart(alt, nodes)
        .mark_text(dy=-10, fontSize=10, font=FONT, color="#333")
        .encode(x=alt.X("x:Q", axis=hidden, scale=xs), y=alt.Y("y:Q", axis=hidden, scale=xs), text="host:N")
    )
    return alt.layer(lines, dots, labels, title=base_title).properties(width=width, height=height)


@validated_once
def flow_paths(
    df: pd.DataFrame, n: int = 8, metric: Metric = "bytes", *, width: int = WIDE, height: int = 360
) -> Any:
    """Sankey-like paths: source network -> destination network -> destination port.

    Private addresses group by /24 (IPv6 /64), public ones as ``internet``; each
    column keeps its ``n`` largest values. Ribbons are red when most of their
    records were rejected.

    Examples
    --------
    >>> import flownb
    >>> spec = flownb.charts.flow_paths(flownb.samples.load("aws-docs/default-accept-reject")).to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['area', 'bar', 'text', 'text']
    """
    alt = altair()
    nodes, ribbons = agg.paths_data(df, n=n, metric=metric)
    what = _UNITS[metric]
    if ribbons.empty:
        return empty_chart(alt, "No paths to draw", width=width)
    ribbons = ribbons.assign(
        value_text=[human_bytes(v) if metric == "bytes" else f"{v:,.0f}" for v in ribbons["value"]]
    )
    nodes = nodes.assign(
        x0=nodes["x"] - 0.03,
        x1=nodes["x"] + 0.03,
        ymid=(nodes["y0"] + nodes["y1"]) / 2,
        value_text=[human_bytes(v) if metric == "bytes" else f"{v:,.0f}" for v in nodes["value"]],
        tx=np.where(nodes["x"] >= 2, nodes["x"] - 0.04, nodes["x"] + 0.04),
    )
    xs = alt.Scale(domain=[-0.05, 2.05])
    ys = alt.Scale(domain=[0, 1], reverse=True)
    hidden = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    present = list(dict.fromkeys(ribbons["action"]))
    bands = (
        vchart(alt, ribbons)
        .mark_area(opacity=0.45)
        .encode(
            x=alt.X("x:Q", scale=xs, axis=hidden),
            y=alt.Y("y0:Q", scale=ys, axis=hidden),
            y2="y1:Q",
            detail="link:N",
            color=alt.Color("action:N", scale=scale(alt, ACTION_COLORS, present), title="mostly"),
            tooltip=[
                alt.Tooltip("source:N", title="from"),
                alt.Tooltip("target:N", title="to"),
                alt.Tooltip("value_text:N", title=what),
                alt.Tooltip("rejected_share:Q", title="rejected", format=".0%"),
            ],
        )
    )
    bars = (
        vchart(alt, nodes)
        .mark_bar(color="#555")
        .encode(
            x=alt.X("x0:Q", scale=xs, axis=hidden),
            x2="x1:Q",
            y=alt.Y("y0:Q", scale=ys, axis=hidden),
            y2="y1:Q",
            tooltip=[alt.Tooltip("stage:N"), alt.Tooltip("label:N"), alt.Tooltip("value_text:N", title=what)],
        )
    )

    def labels(frame: pd.DataFrame, align: str) -> Any:
        return (
            vchart(alt, frame)
            .mark_text(fontSize=10, font=FONT, baseline="middle", align=align)
            .encode(
                x=alt.X("tx:Q", scale=xs, axis=hidden),
                y=alt.Y("ymid:Q", scale=ys, axis=hidden),
                text="label:N",
            )
        )

    left, right = labels(nodes[nodes["x"] < 2], "left"), labels(nodes[nodes["x"] >= 2], "right")
    return alt.layer(
        bands,
        bars,
        left,
        right,
        title=title(alt, f"Flow paths by {what}", "source network → destination network → destination port"),
    ).properties(width=width, height=height)


@validated_once
def findings_timeline(findings: pd.DataFrame, *, width: int = WIDE, height: int | None = None) -> Any:
    """Detector findings on a time line: one row per detector, coloured by severity.

    Parameters
    ----------
    findings : DataFrame
        What :func:`flownb.detect` returns (``detector``, ``severity``, ``start``, ``end``, ``summary``).

    Examples
    --------
    >>> import flownb
    >>> sim = flownb.simulate("port_scan", seed=0, duration="30min")
    >>> spec = flownb.charts.findings_timeline(flownb.detect(sim.flows)).to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rule', 'point']
    """
    alt = altair()
    need(findings, ["detector", "start", "end"], "findings_timeline()")
    if findings.empty:
        return empty_chart(alt, "No findings: the detectors found nothing in these records", width=width)
    f = findings.reset_index(drop=True)
    f = f.nlargest(5000, "score") if len(f) > 5000 and "score" in f else f.head(5000)
    data = pd.DataFrame(
        {
            "finding": f.index.to_numpy(),
            "detector": f["detector"].astype(str).to_numpy(),
            "severity": f["severity"].astype(str).to_numpy() if "severity" in f else "Low",
            "start": f["start"].to_numpy(),
            "end": f["end"].to_numpy(),
            "start_utc": time_label(f["start"]),
            "summary": f["summary"].astype(str).to_numpy() if "summary" in f else "",
            "src": f["src"].astype(str).to_numpy() if "src" in f else "",
            "dst": f["dst"].astype(str).to_numpy() if "dst" in f else "",
        }
    )
    present = list(dict.fromkeys(data["severity"]))
    tip = [
        alt.Tooltip("detector:N"),
        alt.Tooltip("severity:N"),
        alt.Tooltip("start_utc:N", title="start"),
        alt.Tooltip("src:N"),
        alt.Tooltip("dst:N"),
        alt.Tooltip("summary:N"),
    ]
    sev = alt.Color("severity:N", scale=scale(alt, SEVERITY_COLORS, present), title="severity")
    detectors = sorted(data["detector"].unique())
    y = alt.Y("detector:N", sort=detectors, title=None)
    base = vchart(alt, data)
    span = base.mark_rule(strokeWidth=4, opacity=0.6).encode(
        x=utc_x(alt, "start"), x2="end:T", y=y, color=sev, tooltip=tip
    )
    dots = base.mark_point(filled=True, size=70).encode(x=utc_x(alt, "start"), y=y, color=sev, tooltip=tip)
    return alt.layer(span, dots, title=title(alt, f"{len(data)} findings", "by detector, UTC")).properties(
        width=width, height=height or max(80, 28 * len(detectors))
    )


@validated_once
def alarm_timeline(
    series: pd.Series | pd.DataFrame,
    alarm: Any,
    *,
    metric_name: str | None = None,
    width: int = WIDE,
    height: int = HEIGHT,
) -> Any:
    """A metric, the alarm's threshold and the alarm state over time.

    Parameters
    ----------
    series : Series or DataFrame
        The metric (a Series with a UTC time index, as ``MetricFilter.metric`` returns),
        or the frame ``alarm.evaluate(series)`` returned.
    alarm : flownb.monitoring.Alarm
        Evaluated on ``series`` (the threshold line comes from it).

    Examples
    --------
    >>> import pandas as pd
    >>> from flownb.monitoring import Alarm
    >>> from flownb.charts import alarm_timeline
    >>> rejects = pd.Series([0, 12, 15, 3, 20, 25],
    ...     index=pd.date_range("2026-01-01", periods=6, freq="5min", tz="UTC"), name="Rejects")
    >>> alarm = Alarm(threshold=10, comparison=">=", period="5min", evaluation_periods=3, datapoints_to_alarm=2)
    >>> spec = alarm_timeline(rejects, alarm).to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rect', 'line', 'rule']
    """
    alt = altair()
    if isinstance(series, pd.DataFrame) and {"timestamp", "value", "state"} <= set(series.columns):
        ev = series
        name = metric_name or "metric"
    else:
        if not isinstance(series, pd.Series):
            raise TypeError(
                f"'series' must be a pandas Series of metric values (or an evaluation frame), got {type(series).__name__}"
            )
        name = metric_name or (str(series.name) if series.name is not None else "metric")
        if series.empty:
            return empty_chart(
                alt, f"No datapoints for {name}: the metric filter matched nothing", width=width
            )
        ev = alarm.evaluate(series)
    if ev.empty:
        return empty_chart(alt, f"No datapoints for {name}", width=width)
    period = pd.Timedelta(seconds=int(getattr(alarm, "period", 300)))
    n = len(ev)
    step = max(1, int(np.ceil(n / 2000)))  # three layers share the 5,000-row budget
    ev = ev.iloc[::step] if step > 1 else ev
    data = pd.DataFrame(
        {
            "timestamp": ev["timestamp"].to_numpy(),
            "timestamp_end": (ev["timestamp"] + period * step).to_numpy(),
            "value": ev["value"].to_numpy(dtype="float64"),
            "state": ev["state"].astype(str).to_numpy(),
            "reason": ev["reason"].astype(str).to_numpy() if "reason" in ev else "",
            "time_utc": time_label(ev["timestamp"]),
        }
    )
    present = list(dict.fromkeys(data["state"]))
    tip = [
        alt.Tooltip("time_utc:N", title="period start"),
        alt.Tooltip("value:Q", title=name, format=",.2f"),
        alt.Tooltip("state:N"),
        alt.Tooltip("reason:N"),
    ]
    band = (
        vchart(alt, data)
        .mark_rect(opacity=0.18)
        .encode(
            x=utc_x(alt, "timestamp"),
            x2="timestamp_end:T",
            color=alt.Color("state:N", scale=scale(alt, ALARM_COLORS, present), title="alarm state"),
            tooltip=tip,
        )
    )
    line = (
        vchart(alt, data)
        .mark_line(point=True, color="#333", interpolate="step-after")
        .encode(x=utc_x(alt, "timestamp"), y=alt.Y("value:Q", title=name), tooltip=tip)
    )
    thr = float(getattr(alarm, "threshold", np.nan))
    rule = (
        vchart(
            alt,
            pd.DataFrame(
                {"threshold": [thr], "label": [f"threshold {getattr(alarm, 'symbol', '')} {thr:g}"]}
            ),
        )
        .mark_rule(color=ALARM_COLORS["ALARM"], strokeDash=[6, 4], strokeWidth=2)
        .encode(y="threshold:Q", tooltip=[alt.Tooltip("label:N", title="threshold")])
    )
    states = ev["state"].astype(str)
    alarms = int(((states == "ALARM") & (states.shift() != "ALARM")).sum())
    return alt.layer(
        band,
        line,
        rule,
        title=title(alt, f"Alarm on {name}", f"{alarms} time(s) into ALARM; shaded by state, UTC"),
    ).properties(width=width, height=height)


@validated_once
def coverage(
    df: pd.DataFrame, freq: str = "10min", *, max_enis: int = 40, width: int = WIDE, height: int | None = None
) -> Any:
    """Were flow logs complete? ENI by time: OK, NODATA, SKIPDATA or GAP (no record at all).

    Parameters
    ----------
    df : DataFrame
        Flow log records (``interface_id``, ``start``, ``log_status``), or what
        :func:`flownb.coverage` returned.
    freq : str, default "10min"
        Window width when computing coverage from records.
    max_enis : int, default 40
        ENIs shown: those with the most non-OK windows first.

    Examples
    --------
    >>> import flownb
    >>> spec = flownb.charts.coverage(flownb.samples.load("aws-docs/nodata-skipdata")).to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["color"]["field"]
    ('rect', 'status')
    """
    alt = altair()
    if {"interface_id", "window", "status"} <= set(df.columns):
        cov = df
    else:
        need(df, ["interface_id", "start"], "coverage()")
        cov = agg.coverage_records(df, freq=freq)
    if cov.empty:
        return empty_chart(alt, "No records: nothing to say about coverage", width=width)
    data = agg.coverage_data(cov, max_enis=max_enis)
    present = [s for s in STATUS_COLORS if s in set(data["status"])]
    enis = data["interface_id"].nunique()
    return (
        vchart(
            alt,
            data,
            title=title(
                alt,
                "Flow log coverage by ENI",
                "OK · NODATA (quiet) · SKIPDATA (records skipped) · GAP (no record), UTC",
            ),
        )
        .mark_rect()
        .encode(
            x=utc_x(alt, "window"),
            x2="window_end:T",
            y=alt.Y("interface_id:N", title="ENI", axis=alt.Axis(labelLimit=200)),
            color=alt.Color("status:N", scale=scale(alt, STATUS_COLORS, present), title="status"),
            tooltip=[
                alt.Tooltip("interface_id:N", title="ENI"),
                alt.Tooltip("time_utc:N", title="window"),
                alt.Tooltip("status:N"),
                alt.Tooltip("records:Q", format=",.0f"),
            ],
        )
        .properties(width=width, height=height or max(60, 16 * enis))
    )
