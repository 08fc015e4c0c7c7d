"""Metric filters: turn flow log records into CloudWatch metrics, locally.

A CloudWatch Logs metric filter watches a log group, matches each incoming log
event against a filter pattern and publishes a metric value for every match
(CloudWatch Logs User Guide, "Creating metrics from log events using filters").
:class:`MetricFilter` does the same on a flow log DataFrame, so a pattern can be
tried on real records before it is deployed, and writes the definition to
deploy (:meth:`MetricFilter.to_aws`).

What the guide says, and flownb follows:

* the metric value is published per matching event (``"1"`` to count, or a
  field such as ``$bytes``) and aggregated every minute; CloudWatch stores the
  datapoints, and a graph or alarm applies a statistic over its period;
* ``default_value`` is emitted for every event that does *not* match ("the
  value to emit when a filter pattern does not match a log event",
  PutMetricFilter API); when no events arrive at all, nothing is published and
  the metric is *missing* for that period;
* a metric filter can have up to three dimensions, whose values are fields of
  the event, and cannot have a default value when it has dimensions;
* the event time of a flow log record in CloudWatch Logs is its ``start``.
"""

from __future__ import annotations

import html
import json
import shlex
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._dispatch import accepts_dataset_method
from ._events import EventView, event_views
from ._pattern import (
    _NUMBER,
    MAX_REGEX_PATTERNS_PER_LOG_GROUP,
    FilterPatternError,
    Pattern,
    TextEvents,
    json_value,
    parse_pattern,
    parse_selector,
    text_views,
)
from ._report import AwsDefinition, period_seconds, yaml_str

__all__ = [
    "NAMESPACE",
    "FilterPatternError",
    "FilterTest",
    "MetricFilter",
    "aggregate",
    "check_regex_quota",
    "period_grid",
    "try_pattern",
]

#: Namespace used in the deployable definitions when none is given (flownb's choice).
NAMESPACE = "VPCFlowLogs"

Statistic = Literal["Sum", "Average", "Minimum", "Maximum", "SampleCount"]
STATISTICS: tuple[str, ...] = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
_AGG = {"Sum": "sum", "Average": "mean", "Minimum": "min", "Maximum": "max", "SampleCount": "count"}


def _check_statistic(statistic: str) -> str:
    if statistic not in STATISTICS:
        raise ValueError(f"'statistic' must be one of {list(STATISTICS)}, got {statistic!r}")
    return statistic


def period_grid(times: pd.Series | pd.DatetimeIndex, seconds: int) -> pd.DatetimeIndex:
    """Every period start from the first to the last time (periods aligned to the epoch, UTC)."""
    t = pd.DatetimeIndex(pd.to_datetime(times, utc=True)).dropna()
    if len(t) == 0:
        return pd.DatetimeIndex([], tz="UTC", name="timestamp")
    freq = pd.Timedelta(seconds=seconds)
    lo, hi = t.min().floor(freq), t.max().floor(freq)
    return pd.date_range(lo, hi, freq=freq, name="timestamp")


def aggregate(
    times: pd.Series | pd.DatetimeIndex,
    values: pd.Series | np.ndarray,
    seconds: int,
    statistic: str = "Sum",
    grid: pd.DatetimeIndex | None = None,
) -> pd.Series:
    """Apply a CloudWatch statistic to datapoints per period; periods without datapoints are NaN."""
    _check_statistic(statistic)
    t = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    v = pd.Series(np.asarray(values, dtype=float), index=t)
    v = v[v.notna() & ~t.isna()]
    freq = pd.Timedelta(seconds=seconds)
    buckets = v.index.floor(freq)
    agg = v.groupby(buckets).agg(_AGG[statistic])
    if grid is None:
        grid = period_grid(v.index, seconds)
    out = agg.reindex(grid).astype(float)
    out.index.name = "timestamp"
    return out


class MetricFilter:
    """A CloudWatch Logs metric filter, simulated on flow log records.

    Parameters
    ----------
    pattern : str
        A CloudWatch Logs filter pattern: terms (``REJECT``, ``"REJECT" -ACCEPT``,
        ``?a ?b``), a regular expression (``%REJECT|NODATA%``) or a
        space-delimited pattern (``[..., dstport=22, protocol, packets, bytes,
        start, end, action=REJECT, status]``) or, for JSON log events, a JSON
        pattern (``{ $.action = "REJECT" }``; it matches no flow log record).
        See :mod:`flownb.monitoring._pattern`.
    metric_name : str
        Name of the CloudWatch metric.
    metric_value : str, default "1"
        What each matching event publishes: a number (``"1"`` counts events) or
        a field of a space-delimited pattern, by name (``"$bytes"``) or by
        position (``"$10"``, counting from 1), or a property of a JSON pattern
        (``"$.bytes"``). Events whose field is not a number (``-``) publish
        nothing.
    default_value : float, optional
        Published for each event that does not match. Without it, periods with
        no matching event have no datapoint (the metric is missing there). With
        it, a minute that has no log events at all still publishes nothing
        (CloudWatch "aggregates and reports metric values every minute").
    dimensions : dict, optional
        Up to three ``{"DimensionName": "$field"}`` pairs, splitting the
        metric per field value (CloudWatch allows three, and no default value
        together with dimensions).

    Examples
    --------
    >>> import flownb
    >>> from flownb.monitoring import MetricFilter
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> ssh = MetricFilter(
    ...     "[version, account, eni, source, destination, srcport, destport=22, protocol=6,"
    ...     " packets, bytes, windowstart, windowend, action, flowlogstatus]",
    ...     metric_name="SSHBytes", metric_value="$bytes")
    >>> ssh.matches(df).tolist()
    [True, False]
    >>> ssh.metric(df, period="1min").tolist()
    [4249.0]
    >>> rejects = MetricFilter('"REJECT"', metric_name="Rejects", default_value=0)
    >>> rejects.metric(df).tolist()
    [1.0]
    """

    def __init__(
        self,
        pattern: str,
        *,
        metric_name: str,
        metric_value: str = "1",
        default_value: float | None = None,
        dimensions: dict[str, str] | None = None,
    ) -> None:
        self.pattern = str(pattern)
        self._parsed: Pattern = parse_pattern(self.pattern)
        if not isinstance(metric_name, str) or not metric_name.strip():
            raise ValueError(f"'metric_name' must be a non-empty str, got {metric_name!r}")
        self.metric_name = metric_name
        self.metric_value = str(metric_value).strip()
        self._value_ref = self._check_ref(self.metric_value, "metric_value", allow_number=True)
        if default_value is not None:
            try:
                default_value = float(default_value)
            except (TypeError, ValueError):
                raise ValueError(f"'default_value' must be a number or None, got {default_value!r}") from None
        self.default_value = default_value
        dims = dict(dimensions or {})
        if len(dims) > 3:
            raise ValueError(f"'dimensions': a metric filter can have at most 3 dimensions, got {len(dims)}")
        if dims and default_value is not None:
            raise ValueError(
                "a metric filter with dimensions cannot have a default value (CloudWatch refuses the "
                "combination): drop 'default_value' or 'dimensions'"
            )
        self._dim_refs: dict[str, str] = {}
        for name, ref in dims.items():
            r = self._check_ref(str(ref), f"dimensions[{name!r}]", allow_number=False)
            assert r is not None
            self._dim_refs[str(name)] = r
        self.dimensions = dims

    # ------------------------------------------------------------------ checks

    def _check_ref(self, text: str, what: str, *, allow_number: bool) -> str | None:
        """None for a constant number; the field reference (name or 1-based position) otherwise."""
        if allow_number and _NUMBER.match(text):
            return None
        if not text.startswith("$") or len(text) < 2:
            hint = (
                "a number such as '1' or a field such as '$bytes'"
                if allow_number
                else "a field such as '$eni'"
            )
            raise ValueError(f"'{what}' must be {hint}, got {text!r}")
        ref = text[1:]
        if self._parsed.kind == "json":
            if parse_selector(text) is None:
                raise ValueError(
                    f"'{what}' is {text!r}; with a JSON pattern it must be a property selector such as "
                    "'$.bytes' or '$.requests[0].size'"
                )
            return text
        if self._parsed.kind != "delimited":
            raise ValueError(
                f"'{what}' is {text!r}, a field of the log event, so the pattern must be a space-delimited "
                f"pattern that names its fields ([..., bytes, ...]); got {self.pattern!r}"
            )
        if ref.isdigit():
            return ref
        if ref not in self._parsed.field_names:
            import difflib

            close = difflib.get_close_matches(ref, self._parsed.field_names, n=3)
            hint = f"; did you mean {['$' + c for c in close]}?" if close else ""
            raise ValueError(
                f"'{what}' is {text!r} but the pattern has no field '{ref}'; its fields are "
                f"{list(self._parsed.field_names)}{hint}"
            )
        return ref

    # ------------------------------------------------------------------ matching

    def matches(self, df: pd.DataFrame) -> pd.Series:
        """Which records (log events) the pattern matches.

        Parameters
        ----------
        df : DataFrame, Series or list
            Flow log records (the DataFrame contract). Each record is matched as
            the text line CloudWatch Logs would hold, rebuilt from its columns in
            the frame's format (``df.flow.formats``). Or log events of any log
            group: their messages (a list or Series), or a frame with ``message``
            and ``timestamp`` columns as FilterLogEvents returns them.

        Returns
        -------
        Series of bool, aligned with ``df``.

        Examples
        --------
        >>> import flownb
        >>> from flownb.monitoring import MetricFilter
        >>> df = flownb.samples.load("aws-docs/sg-nacl-ping")
        >>> MetricFilter("[..., action=REJECT, status]", metric_name="R").matches(df).tolist()
        [False, True]
        """
        index, groups, _ = self._events(df)
        out = np.zeros(len(index), dtype=bool)
        for pos, view in groups:
            out[pos] = self._parsed.match(view)
        return pd.Series(out, index=index, name=self.metric_name)

    def _events(self, data) -> tuple[pd.Index, list[tuple[np.ndarray, EventView]], pd.Series | None]:
        """The log events of ``data``: flow log records, or messages (a list, a Series, or a frame with
        ``message`` and optionally ``timestamp``, as FilterLogEvents returns them)."""
        if isinstance(data, pd.DataFrame) and "message" in data.columns and "start" not in data.columns:
            messages = [str(m) for m in data["message"].astype(object).fillna("").tolist()]
            times = pd.to_datetime(data["timestamp"], utc=True) if "timestamp" in data.columns else None
            return data.index, text_views(messages, self._parsed), times
        if isinstance(data, pd.Series | list | tuple):
            messages = [str(m) for m in list(data)]
            index = data.index if isinstance(data, pd.Series) else pd.RangeIndex(len(messages))
            return index, text_views(messages, self._parsed), None
        if not isinstance(data, pd.DataFrame):
            raise TypeError(
                f"expected flow log records (a DataFrame) or log event messages, got {type(data).__name__}"
            )
        return (
            data.index,
            [(pos, self._parsed.fit(view)) for pos, view in event_views(data)],
            (pd.to_datetime(data["start"], utc=True) if "start" in data.columns else None),
        )

    def _values(self, view: EventView) -> np.ndarray:
        n = len(view.df)
        if self._value_ref is None:
            return np.full(n, float(self.metric_value))
        if self._parsed.kind == "json":
            return self._json_values(view, self._value_ref)
        tok = self._parsed.token_of(view, self._value_ref)
        if tok is None:
            return np.full(n, np.nan)
        return view.number(tok).to_numpy(dtype=float, na_value=np.nan)

    def _json_values(self, view: EventView, ref: str) -> np.ndarray:
        sel = parse_selector(ref)
        docs = getattr(view, "docs", None) or [None] * len(view.df)
        out = np.full(len(docs), np.nan)
        for k, d in enumerate(docs):
            v = json_value(d, sel)
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[k] = float(v)
        return out

    def _dimension_values(self, view: EventView, ref: str) -> np.ndarray:
        if self._parsed.kind == "json":
            sel = parse_selector(ref)
            docs = getattr(view, "docs", None) or [None] * len(view.df)
            vals = [json_value(d, sel) for d in docs]
            return np.array(["-" if v is None else str(v) for v in vals], dtype=object)
        tok = self._parsed.token_of(view, ref)
        if tok is None:
            return np.full(len(view.df), "-", dtype=object)
        return view.token(tok).to_numpy(zero_copy_only=False)

    def datapoints(self, df: pd.DataFrame) -> pd.DataFrame:
        """The values the filter publishes, one row per event that publishes one.

        Returns
        -------
        DataFrame
            ``timestamp`` (the record's ``start``), ``value``, ``matched`` and one
            column per dimension. Matching events publish the metric value
            (events whose value field is not a number publish nothing);
            non-matching events publish ``default_value`` when it is set.

        Examples
        --------
        >>> import flownb
        >>> from flownb.monitoring import MetricFilter
        >>> df = flownb.samples.load("aws-docs/default-accept-reject")
        >>> mf = MetricFilter("REJECT", metric_name="Rejects", default_value=0)
        >>> mf.datapoints(df)[["value", "matched"]].to_dict("list")
        {'value': [0.0, 1.0], 'matched': [False, True]}
        """
        index, groups, times = self._events(df)
        if times is None:
            raise ValueError(
                "the records have no 'start' column: CloudWatch Logs stamps each flow log event with its "
                "start time, so a metric needs it (read a format that includes ${start}; for log events "
                "given as messages, pass a DataFrame with 'timestamp' and 'message')"
            )
        frames = []
        for pos, view in groups:
            hit = self._parsed.match(view)
            vals = np.where(hit, self._values(view), np.nan)
            if self.default_value is not None:
                vals = np.where(hit, vals, self.default_value)
            part = pd.DataFrame(
                {"timestamp": times.iloc[pos].to_numpy(), "value": vals, "matched": hit},
                index=index[pos],
            )
            for name, ref in self._dim_refs.items():
                part[name] = self._dimension_values(view, ref)
            part["_pos"] = pos
            frames.append(part)
        cols = ["timestamp", "value", "matched", *self._dim_refs]
        if not frames:
            return pd.DataFrame({c: [] for c in cols})
        out = frames[0] if len(frames) == 1 else pd.concat(frames).sort_values("_pos", kind="stable")
        out = out[out["value"].notna() & out["timestamp"].notna()]
        if self._dim_refs:  # CloudWatch publishes no datapoint when a dimension field is missing
            out = out[out[list(self._dim_refs)].ne("-").all(axis=1)]
        out = out.drop(columns="_pos")
        out["timestamp"] = pd.to_datetime(out["timestamp"], utc=True)
        return out[cols].reset_index(drop=True)

    @accepts_dataset_method
    def metric(
        self,
        df: pd.DataFrame,
        period: str | int = "1min",
        *,
        statistic: Statistic = "Sum",
    ) -> pd.Series | pd.DataFrame:
        """The metric as CloudWatch would publish and graph it.

        Parameters
        ----------
        df : DataFrame or FlowDataset
            Flow log records (a dataset is read in batches: the same result,
            without holding the records in memory).
        period : str or int, default "1min"
            Aggregation period (``"1min"``, ``"5m"``, ``300``). CloudWatch
            aggregates metric filter values every minute; longer periods
            combine them with ``statistic``.
        statistic : {"Sum", "Average", "Minimum", "Maximum", "SampleCount"}, default "Sum"

        Returns
        -------
        Series
            Indexed by period start (UTC) over the whole time span of the
            records, named after the metric; NaN where no datapoint was
            published (CloudWatch's *missing* data). With dimensions, a
            DataFrame with one column per dimension value (a MultiIndex for
            several dimensions).

        Examples
        --------
        >>> import flownb
        >>> from flownb.monitoring import MetricFilter
        >>> df = flownb.samples.load("aws-docs/tcp-flags-sequence")
        >>> MetricFilter("[..., action=ACCEPT, flags=2, status]", metric_name="SYN").metric(df).dropna()
        timestamp
        2019-08-26 19:47:00+00:00    2.0
        Freq: min, Name: SYN, dtype: float64
        """
        secs = period_seconds(period)
        _check_statistic(statistic)
        points = self.datapoints(df)
        grid = period_grid(df["start"] if "start" in df.columns else df["timestamp"], secs)
        if not self._dim_refs:
            out = aggregate(points["timestamp"], points["value"], secs, statistic, grid)
            out.name = self.metric_name
            return out
        dims = list(self._dim_refs)
        if points.empty:
            return pd.DataFrame(index=grid)
        freq = pd.Timedelta(seconds=secs)
        points = points.assign(timestamp=pd.DatetimeIndex(points["timestamp"]).floor(freq))
        wide = points.groupby(["timestamp", *dims], observed=True)["value"].agg(_AGG[statistic]).unstack(dims)
        wide = wide.reindex(grid).astype(float)
        wide.index.name = "timestamp"
        return wide

    def test(self, df: pd.DataFrame, n: int = 5) -> FilterTest:
        """Try the pattern on records, as the console's "Test pattern" does.

        Returns a :class:`FilterTest`: how many events matched, the first
        ``n`` matching lines with the fields the pattern extracts, and why
        nothing matched when a space-delimited pattern has more fields than the
        records (with fewer, its last field takes the rest of each record).

        Examples
        --------
        >>> import flownb
        >>> from flownb.monitoring import MetricFilter
        >>> df = flownb.samples.load("aws-docs/default-accept-reject")
        >>> MetricFilter("[version, account, rest]", metric_name="X").test(df).matched
        2
        >>> MetricFilter("[" + ", ".join(f"f{i}" for i in range(15)) + "]", metric_name="X").test(df).matched
        0
        """
        notes: list[str] = []
        lines: list[pd.DataFrame] = []
        total = 0
        index, groups, _ = self._events(df)
        for _pos, view in groups:
            hit = self._parsed.match(view)
            total += int(hit.sum())
            if (
                self._parsed.kind == "delimited"
                and not isinstance(view, TextEvents)
                and self._parsed.field_positions(view.n_tokens) is None
            ):
                n_slots = len(self._parsed.slots)
                notes.append(
                    f"the pattern has {n_slots} fields and no '...', but these records have only "
                    f"{view.n_tokens} fields: none can match (add '...' or name every field)"
                )
            if hit.any() and sum(len(x) for x in lines) < n:
                lines.append(_extracted(self._parsed, view, hit).head(n))
        if (
            self._parsed.kind == "delimited"
            and total == 0
            and any(isinstance(v, TextEvents) for _, v in groups)
        ):
            counts = sorted({v.n_tokens for _, v in groups})
            notes.append(
                f"the pattern has {len(self._parsed.slots)} fields; these events have {counts} fields "
                '(characters between [] and between "" count as one field)'
            )
        sample = pd.concat(lines).head(n) if lines else pd.DataFrame({"event": []})
        return FilterTest(
            self.pattern, total, len(index), sample.reset_index(drop=True), tuple(dict.fromkeys(notes))
        )

    # ------------------------------------------------------------------ deploy

    def _transformation(self, namespace: str, unit: str | None) -> dict:
        t: dict = {
            "metricName": self.metric_name,
            "metricNamespace": namespace,
            "metricValue": self.metric_value,
        }
        if self.default_value is not None:
            t["defaultValue"] = self.default_value
        if self.dimensions:
            t["dimensions"] = dict(self.dimensions)
        if unit:
            t["unit"] = unit
        return t

    def to_aws(
        self,
        log_group: str,
        *,
        filter_name: str | None = None,
        namespace: str = NAMESPACE,
        unit: str | None = None,
    ) -> AwsDefinition:
        """The ``aws logs put-metric-filter`` command and the CloudFormation resource.

        Parameters
        ----------
        log_group : str
            The flow log's CloudWatch Logs log group.
        filter_name : str, optional
            Defaults to the metric name.
        namespace : str, default "VPCFlowLogs"
            Metric namespace (flownb's choice of default).
        unit : str, optional
            CloudWatch unit (``"Bytes"``, ``"Count"``, ...).

        Examples
        --------
        >>> import flownb
        >>> from flownb.monitoring import MetricFilter
        >>> mf = MetricFilter('"REJECT"', metric_name="Rejects", default_value=0)
        >>> print(mf.to_aws("vpc-flow-logs").cli)
        aws logs put-metric-filter \\
          --log-group-name vpc-flow-logs \\
          --filter-name Rejects \\
          --filter-pattern '"REJECT"' \\
          --metric-transformations '[{"metricName": "Rejects", "metricNamespace": "VPCFlowLogs", "metricValue": "1", "defaultValue": 0.0}]'
        """
        name = filter_name or self.metric_name
        t = self._transformation(namespace, unit)
        cli = " \\\n  ".join(
            [
                "aws logs put-metric-filter",
                f"--log-group-name {shlex.quote(log_group)}",
                f"--filter-name {shlex.quote(name)}",
                f"--filter-pattern {shlex.quote(self.pattern)}",
                f"--metric-transformations {shlex.quote(json.dumps([t]))}",
            ]
        )
        res = _logical_id(name) + "MetricFilter"
        lines = [
            "Resources:",
            f"  {res}:",
            "    Type: AWS::Logs::MetricFilter",
            "    Properties:",
            f"      FilterName: {yaml_str(name)}",
            f"      LogGroupName: {yaml_str(log_group)}",
            f"      FilterPattern: {yaml_str(self.pattern)}",
            "      MetricTransformations:",
            f"        - MetricName: {yaml_str(self.metric_name)}",
            f"          MetricNamespace: {yaml_str(namespace)}",
            f"          MetricValue: {yaml_str(self.metric_value)}",
        ]
        if self.default_value is not None:
            lines.append(f"          DefaultValue: {yaml_str(self.default_value)}")
        if self.dimensions:
            lines.append("          Dimensions:")
            for k, v in self.dimensions.items():
                lines += [f"            - Key: {yaml_str(k)}", f"              Value: {yaml_str(v)}"]
        if unit:
            lines.append(f"          Unit: {yaml_str(unit)}")
        return AwsDefinition("metric filter", cli, "\n".join(lines))

    # ------------------------------------------------------------------ display

    def _describe(self) -> list[tuple[str, str]]:
        rows = [("pattern", self.pattern), ("metric", self.metric_name), ("value", self.metric_value)]
        if self.default_value is not None:
            rows.append(("default value", f"{self.default_value:g}"))
        if self.dimensions:
            rows.append(("dimensions", ", ".join(f"{k}={v}" for k, v in self.dimensions.items())))
        return rows

    def __repr__(self) -> str:
        args = [repr(self.pattern), f"metric_name={self.metric_name!r}"]
        if self.metric_value != "1":
            args.append(f"metric_value={self.metric_value!r}")
        if self.default_value is not None:
            args.append(f"default_value={self.default_value:g}")
        if self.dimensions:
            args.append(f"dimensions={self.dimensions!r}")
        return f"MetricFilter({', '.join(args)})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td><code>{html.escape(v)}</code></td></tr>"
            for k, v in self._describe()
        )
        return f"<div><b>MetricFilter</b><table>{rows}</table></div>"


@dataclass(frozen=True)
class FilterTest:
    """The result of :meth:`MetricFilter.test`: matches, sample lines and notes."""

    pattern: str
    matched: int
    total: int
    sample: pd.DataFrame
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        out = [f"Filter pattern {self.pattern!r}: {self.matched:,} of {self.total:,} events matched"]
        out += [f"  note: {n}" for n in self.notes]
        if len(self.sample):
            out.append(self.sample.to_string(index=False, max_colwidth=120))
        return "\n".join(out)

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<div><b>Filter pattern</b> <code>{html.escape(self.pattern)}</code>: "
            f"{self.matched:,} of {self.total:,} events matched"
            + (f"<ul>{notes}</ul>" if notes else "")
            + (self.sample.to_html(index=False) if len(self.sample) else "")
            + "</div>"
        )


def _extracted(parsed: Pattern, view: EventView, hit: np.ndarray) -> pd.DataFrame:
    """The matching events' text and the fields a space-delimited pattern extracts (``$name``)."""
    part = pd.DataFrame({"event": view.text().to_numpy(zero_copy_only=False)[hit]})
    if parsed.kind == "delimited":
        for name in parsed.field_names:
            tok = parsed.token_of(view, name)
            if tok is not None:
                part["$" + name] = view.token(tok).to_numpy(zero_copy_only=False)[hit]
    return part


def try_pattern(pattern: str, messages: list[str] | pd.Series) -> pd.DataFrame:
    """Match a filter pattern against log event messages, as CloudWatch's TestMetricFilter API does.

    Any log events, not only flow logs: JSON events for JSON patterns, lines
    whose fields are split on spaces (``[...]`` and ``"..."`` being one field
    each) for space-delimited patterns, whole messages for terms.

    Returns
    -------
    DataFrame
        One row per matching event: ``eventNumber`` (1-based, as the API
        numbers them), ``eventMessage`` and, for a space-delimited pattern, the
        extracted values ``$name`` as text.

    Examples
    --------
    From the guide's page on filter pattern syntax (an Apache access log line has 7 fields):

    >>> from flownb.monitoring import try_pattern
    >>> line = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
    >>> out = try_pattern("[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", [line])
    >>> out[["$request", "$status_code", "$bytes"]].values.tolist()
    [['GET /index.html HTTP/1.0', '404', '1534']]
    >>> try_pattern('{ $.eventType = "UpdateTrail" }', ['{"eventType": "UpdateTrail"}', "not json"])["eventNumber"].tolist()
    [1]
    """
    parsed = parse_pattern(pattern)
    msgs = [str(m) for m in (messages.tolist() if isinstance(messages, pd.Series) else list(messages))]
    rows = []
    for pos, view in text_views(msgs, parsed):
        hit = parsed.match(view)
        if hit.any():
            part = _extracted(parsed, view, hit).rename(columns={"event": "eventMessage"})
            part.insert(0, "eventNumber", pos[hit] + 1)
            rows.append(part)
    if not rows:
        return pd.DataFrame(
            {"eventNumber": pd.Series([], dtype="int64"), "eventMessage": pd.Series([], dtype=object)}
        )
    return pd.concat(rows).sort_values("eventNumber", kind="stable").reset_index(drop=True)


def check_regex_quota(patterns: list[str] | tuple[str, ...]) -> None:
    """Refuse more filter patterns with a regular expression than one log group may have.

    CloudWatch Logs User Guide, "Supported regular expressions (regex) syntax",
    quotas: a log group can have at most 5 filter patterns that contain a
    regular expression (metric filters and subscription filters together).

    Examples
    --------
    >>> from flownb.monitoring import check_regex_quota
    >>> check_regex_quota(["%REJECT%", "ACCEPT", "[..., action=%REJ%, status]"])
    >>> check_regex_quota([f"%a{i}%" for i in range(6)])
    Traceback (most recent call last):
    ...
    ValueError: 6 filter patterns contain a regular expression, but a log group can have at most 5 (CloudWatch Logs quota): patterns 1, 2, 3, 4, 5, 6
    """
    with_regex = [i for i, p in enumerate(patterns, 1) if parse_pattern(p).n_regex > 0]
    if len(with_regex) > MAX_REGEX_PATTERNS_PER_LOG_GROUP:
        raise ValueError(
            f"{len(with_regex)} filter patterns contain a regular expression, but a log group can have at most "
            f"{MAX_REGEX_PATTERNS_PER_LOG_GROUP} (CloudWatch Logs quota): patterns "
            + ", ".join(map(str, with_regex))
        )


def _logical_id(name: str) -> str:
    """A CloudFormation logical ID (letters and digits) from a name."""
    parts = [p for p in "".join(c if c.isalnum() else " " for c in name).split() if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts)
    return out or "FlowLog"
