"""Shared pieces of the chart builders: the optional-import helper, the theme, frame helpers.

Nothing here imports altair at module import time: :func:`altair` does, on first use.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from functools import cache
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from .._cache import epoch_seconds as seconds  # noqa: F401 - re-exported for the chart modules
from .._cache import value_codes as codes
from .._columns import require_columns
from .._durations import duration_seconds
from .._optional import import_optional
from ..analysis._paths import network_labels

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: Charts never hand Altair more rows than this (Altair's own ``MaxRowsError`` limit).
MAX_ROWS = 5000


def altair() -> Any:
    """The ``altair`` module, imported on first use (with an install hint when missing)."""
    alt = import_optional("altair", "flownb.charts")
    _offline_if_asked(alt)
    return alt


@cache
def _offline_if_asked(alt: Any) -> None:
    # FLOWNB_OFFLINE=1: JupyterChart loads its JavaScript from vl-convert's bundle
    # instead of a CDN (machines without internet, browser tests). Only the process
    # environment switches it on, so saved notebooks never embed the bundle.
    if os.environ.get("FLOWNB_OFFLINE", "") not in ("", "0") and import_optional(
        "anywidget", "offline charts"
    ):
        import_optional("vl_convert", "offline charts (FLOWNB_OFFLINE=1)")
        alt.JupyterChart.enable_offline()


def enable_jupyter_renderer() -> None:
    """Show charts as Jupyter widgets (JupyterLab, Voila): the one set-up line a notebook needs.

    Enables Altair's ``"jupyter"`` renderer, which displays each chart as an interactive widget. With
    ``FLOWNB_OFFLINE=1`` in the environment the widgets load their JavaScript from the installed packages
    instead of a CDN (machines without internet, Binder's start script, the browser tests), so a saved
    notebook never embeds it. Outside a notebook nothing is displayed, so nothing changes.

    Examples
    --------
    >>> import altair as alt
    >>> import flownb.charts
    >>> before = alt.renderers.active
    >>> flownb.charts.enable_jupyter_renderer()
    >>> alt.renderers.active
    'jupyter'
    >>> _ = alt.renderers.enable(before)
    """
    alt = altair()
    alt.renderers.enable("jupyter", offline=os.environ.get("FLOWNB_OFFLINE", "") not in ("", "0"))


def validated_once(builder: Callable[_P, _T]) -> Callable[_P, _T]:
    """Run a chart builder with Altair's validation of each object as it is made switched off.

    Altair validates every schema object it makes (each ``alt.Axis``, ``alt.Scale``,
    ``alt.Title``...) against the Vega-Lite schema, then the whole spec again in
    ``to_dict()``; a widget rebuilding three charts on every filter change pays for both.
    Built under this, a chart is still validated, once and whole, by ``to_dict()`` (what
    shows it, saves it, or hands it to a widget), with the same errors.
    """

    @functools.wraps(builder)
    def build(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with altair().utils.schemapi.debug_mode(False):
            return builder(*args, **kwargs)

    return build


# ---------------------------------------------------------------------------------- theme
#: One palette everywhere: what a colour means in one chart it means in all of them.
ACTION_COLORS = {"ACCEPT": "#4c78a8", "REJECT": "#e45756", "MIXED": "#b279a2", "other": "#bab0ac"}
STATUS_COLORS = {"OK": "#54a24b", "NODATA": "#bab0ac", "SKIPDATA": "#f58518", "GAP": "#e45756"}
ALARM_COLORS = {"OK": "#54a24b", "ALARM": "#e45756", "INSUFFICIENT_DATA": "#bab0ac"}
SEVERITY_COLORS = {"Low": "#f2cf5b", "Medium": "#f58518", "High": "#e45756", "Critical": "#9d1a1a"}
SERIES_SCHEME = "tableau10"
WIDE = 640
NARROW = 300
HEIGHT = 220
FONT = "Helvetica Neue, Arial, sans-serif"


def scale(alt: Any, colors: dict[str, str], present: list[str] | None = None) -> Any:
    """A colour scale with the theme's fixed domain, restricted to what is present."""
    keys = [k for k in colors if present is None or k in present]
    extra = [k for k in (present or []) if k not in colors]
    return alt.Scale(domain=keys + extra, range=[colors[k] for k in keys] + ["#bab0ac"] * len(extra))


def title(alt: Any, text: str, subtitle: str | None = None) -> Any:
    """A left-anchored chart title (the accessible name of the chart)."""
    kw: dict[str, Any] = {"anchor": "start", "font": FONT, "fontSize": 14}
    if subtitle:
        kw.update(subtitle=subtitle, subtitleFont=FONT, subtitleColor="#666")
    return alt.Title(text, **kw)


#: 24-hour UTC labels at every zoom level (Vega's default says '12:05' for five past midnight).
TIME_FORMAT = {
    "year": "%Y",
    "quarter": "%b %Y",
    "month": "%b %Y",
    "week": "%b %d",
    "date": "%b %d",
    "day": "%b %d",
    "hours": "%H:%M",
    "minutes": "%H:%M",
    "seconds": "%H:%M:%S",
    "milliseconds": "%H:%M:%S.%L",
}


def utc_x(alt: Any, field: str = "time", *, title: str = "time (UTC)", **kw: Any) -> Any:
    """A temporal x encoding on a UTC scale (labels in UTC, 24-hour clock, whatever the browser's zone)."""
    axis = alt.Axis(title=title, labelFont=FONT, format=TIME_FORMAT)
    return alt.X(f"{field}:T", scale=alt.Scale(type="utc"), axis=axis, **kw)


def theme() -> dict[str, Any]:
    """The flownb theme as a Vega-Lite config (register it with ``alt.theme.register``).

    Examples
    --------
    >>> from flownb.charts import theme
    >>> theme()["config"]["view"]["stroke"] is None
    True
    """
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#eee"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12},
            "range": {"category": {"scheme": SERIES_SCHEME}},
        }
    }


def inline_values(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts, column by column (times as UTC ISO texts, NaN/NA as null).

    Altair's own conversion sanitises value by value; charts redraw on every filter
    change, so they hand Altair values prepared here, vectorised per column.

    Examples
    --------
    >>> import pandas as pd
    >>> inline_values(pd.DataFrame({"time": pd.to_datetime([0], unit="s", utc=True), "v": [1.5]}))
    [{'time': '1970-01-01T00:00:00Z', 'v': 1.5}]
    """
    columns: list[list[Any]] = []
    for name in frame.columns:
        col = frame[name]
        dtype = col.dtype
        plain = not isinstance(dtype, pd.api.extensions.ExtensionDtype)
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
            t = (
                col.dt.tz_convert("UTC").dt.tz_localize(None)
                if isinstance(dtype, pd.DatetimeTZDtype)
                else col
            )
            secs = t.to_numpy(dtype="datetime64[s]")
            # 'YYYY-MM-DDTHH:MM:SSZ' in one numpy call (the 'Z' from timezone="UTC")
            out = np.datetime_as_string(secs, unit="s", timezone="UTC").tolist()
            missing = np.isnat(secs)
            if missing.any():
                out = [None if m else v for v, m in zip(out, missing.tolist(), strict=True)]
        elif plain and pd.api.types.is_float_dtype(dtype):
            a = col.to_numpy()
            out = a.tolist()
            if np.isnan(a).any():
                out = [None if v != v else v for v in out]
        elif plain and (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype)):
            out = col.to_numpy().tolist()
        elif isinstance(dtype, pd.StringDtype):  # texts (pandas' default for str columns): NA as None
            out = col.array.to_numpy(dtype=object, na_value=None).tolist()
        else:
            a = col.astype(object).to_numpy()
            out = a.tolist()
            if pd.isna(a).any() or not all(type(v) is str for v in out):
                out = [
                    None
                    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)
                    else (v.item() if isinstance(v, np.generic) else v)
                    for v in out
                ]
        columns.append(out)
    names = [str(c) for c in frame.columns]
    return [dict(zip(names, row)) for row in zip(*columns)]  # noqa: B905 - columns of one frame


def dataset_name(frame: pd.DataFrame) -> str | None:
    """A name for the inline dataset of ``frame``: the same for the same values, from pandas' row hashes.

    Altair names a chart's dataset by hashing its values written as JSON, value by
    value; this hashes the frame vectorised (a SHA-256 of pandas' per-row hashes and
    the column names). ``None`` when a column holds values pandas cannot hash (Altair
    then names the dataset itself).

    Examples
    --------
    >>> import pandas as pd
    >>> a = dataset_name(pd.DataFrame({"v": [1, 2]}))
    >>> a == dataset_name(pd.DataFrame({"v": [1, 2]})), a == dataset_name(pd.DataFrame({"v": [2, 1]}))
    (True, False)
    >>> a.startswith("data-"), len(a)
    (True, 37)
    """
    try:
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except TypeError:  # lists, dicts: unhashable cells
        return None
    head = repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode()
    return "data-" + hashlib.sha256(head + rows.tobytes()).hexdigest()[:32]


@cache
def _shared_data_class(alt: Any) -> type:
    class SharedInlineData(alt.InlineData):  # type: ignore[misc, name-defined]
        """Inline values that chart builder methods share instead of deep-copying.

        Every Altair builder method (``mark_*``, ``encode``, ``properties``) copies the
        chart, data included; the values are never changed, so sharing them is safe
        and saves a copy of thousands of rows per call.
        """

        _class_is_valid_at_instantiation = False  # the values are built by flownb: no jsonschema pass per row

        def __deepcopy__(self, memo: Any = None) -> Any:
            return self

        def to_dict(
            self, validate: bool = True, *, ignore: Any = None, context: Any = None
        ) -> dict[str, Any]:
            # the values are JSON-ready already (inline_values): handed over as they are, not walked
            # value by value; a chart's to_dict() still validates the whole spec, values included
            out = {"values": self.values}
            if self.format is not alt.Undefined:
                out["format"] = self.format.to_dict() if hasattr(self.format, "to_dict") else self.format
            if self.name is not alt.Undefined:
                out["name"] = self.name
            if validate:
                self.validate(out)
            return out

    return SharedInlineData


@cache
def _chart_class(alt: Any) -> type:
    class Chart(alt.Chart):  # type: ignore[misc, name-defined]
        """``alt.Chart`` whose inline dataset is named by :func:`dataset_name` (computed once, vectorised).

        Altair moves inline values to the spec's top-level ``datasets`` under a name it
        hashes from their JSON text on every ``to_dict()`` (each filter change of a widget
        redraws its charts): this chart does the same move under the name flownb computed
        when it built the values. Everything else is Altair's ``to_dict()``, validation included.
        """

        def to_dict(  # type: ignore[override]
            self,
            validate: bool = True,
            *,
            format: str = "vega-lite",
            ignore: list[str] | None = None,
            context: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
            data = self._get("data")
            name = getattr(data, "flownb_name", None)
            if (
                name is None
                or data.name is not alt.Undefined
                or not alt.data_transformers.consolidate_datasets
            ):
                return super().to_dict(validate, format=format, ignore=ignore, context=context)  # type: ignore[arg-type]
            context = dict(context) if context else {}  # (a parent's datasets stay the same dict)
            context.setdefault("datasets", {})[name] = data.values
            copy = self.copy(deep=False)
            kw = {} if data.format is alt.Undefined else {"format": data.format}
            copy.data = alt.NamedData(name=name, **kw)
            return super(Chart, copy).to_dict(validate, format=format, ignore=ignore, context=context)  # type: ignore[arg-type]

    return Chart


def vchart(alt: Any, frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
    """An Altair chart over ``frame`` given as inline values (see :func:`inline_values`, :func:`dataset_name`)."""
    data = _shared_data_class(alt)(values=inline_values(frame))
    object.__setattr__(data, "flownb_name", dataset_name(frame))  # not a schema property: never in the spec
    return _chart_class(alt)(data, *args, **kwargs)


def empty_chart(alt: Any, message: str, *, width: int = WIDE, height: int = HEIGHT) -> Any:
    """A chart that says why there is nothing to show (instead of an empty frame or an error)."""
    data = pd.DataFrame({"message": [message]})
    return (
        vchart(alt, data, title=title(alt, message))
        .mark_text(font=FONT, fontSize=13, color="#666")
        .encode(text=alt.Text("message:N"))
        .properties(width=width, height=60 if height > 60 else height)
    )


# ---------------------------------------------------------------------------------- frames
def need(df: pd.DataFrame, columns: list[str], what: str) -> None:
    """Raise the one missing-column error (:mod:`flownb._columns`) naming the chart."""
    require_columns(df, columns, what)


def traffic_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows that describe traffic: NODATA and SKIPDATA records describe logging (see ``coverage``)."""
    if "log_status" not in df.columns:
        return df
    st = df["log_status"]
    if isinstance(st.dtype, pd.CategoricalDtype):
        cats = st.cat.categories
        if "OK" not in cats:
            return df.iloc[:0] if len(cats) and st.notna().all() else df[st.isna()]
        ok = st.cat.codes.to_numpy() == cats.get_loc("OK")
        na = st.cat.codes.to_numpy() < 0
        keep = ok | na
    else:
        keep = (st == "OK").fillna(True).to_numpy(dtype=bool)
    return df if keep.all() else df[keep]


def numbers(df: pd.DataFrame, metric: str) -> np.ndarray:
    """The metric per row as float64: ``flows`` counts 1 per record; NA counts 0."""
    if metric == "flows":
        return np.ones(len(df))
    if metric not in df.columns:
        require_columns(df, [metric], f"'metric' {metric!r}")
    return df[metric].to_numpy(dtype="float64", na_value=0.0)


def check_metric(metric: str, allowed: tuple[str, ...]) -> None:
    if metric not in allowed:
        raise ValueError(f"'metric' must be one of {list(allowed)}, got {metric!r}")


_LADDER = [60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400]


def pick_freq(span_seconds: float, max_bins: int) -> int:
    """The smallest bin width on a ladder of round widths (1 min ... 1 week) giving <= ``max_bins`` bins."""
    for w in _LADDER:
        if span_seconds / w < max_bins:
            return w
    return int(np.ceil(span_seconds / max_bins / 86400)) * 86400


def freq_seconds(freq: str | int | pd.Timedelta) -> int:
    """A bin width in whole seconds (the one duration parser, :mod:`flownb._durations`)."""
    return duration_seconds(freq, name="freq")


def utc(seconds_array: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(seconds_array, dtype=np.int64), unit="s", utc=True)


def time_label(t: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """Tooltip text for a time: '2025-06-02 14:05 UTC' (a string, so browsers cannot shift it)."""
    times = pd.DatetimeIndex(t)
    distinct = times.unique()
    if len(distinct) == len(times):
        return np.asarray(times.strftime("%Y-%m-%d %H:%M:%S UTC"), dtype=object)
    # a heatmap repeats each bin once per row: each distinct time is written once
    text = np.asarray(distinct.strftime("%Y-%m-%d %H:%M:%S UTC"), dtype=object)
    return text[distinct.get_indexer(times)]


def networks(col: pd.Series, v4: int = 24, v6: int = 64) -> pd.Series:
    """Private addresses as their /24 (/64) network, public ones as 'internet' (work per distinct value)."""
    c, values = codes(col)
    table = np.append(network_labels(values, v4, v6), "(none)")
    return pd.Series(table[np.where(c < 0, len(values), c)], index=col.index)
