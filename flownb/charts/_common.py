"""Shared pieces of the chart builders: the optional-import helper, the theme, frame helpers.

Nothing here imports altair at module import time: :func:`altair` does, on first use.
"""

from __future__ import annotations

import importlib
import ipaddress
import os
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

#: Charts never hand Altair more rows than this (Altair's own ``MaxRowsError`` limit).
MAX_ROWS = 5000

_INSTALL = {
    "altair": 'pip install "altair>=6.0,<7"',
    "ipywidgets": 'pip install "ipywidgets>=8.1,<9"',
    "anywidget": "pip install \"anywidget>=0.9\"   (part of flownb's 'notebooks' extra)",
    "vl_convert": "pip install \"vl-convert-python>=1.6\"   (part of flownb's 'notebooks' extra)",
}


def require(module: str, what: str) -> Any:
    """Import an optional package or raise an ImportError that prints the pip command."""
    try:
        return importlib.import_module(module)
    except ImportError:
        cmd = _INSTALL.get(module, f"pip install {module}")
        raise ImportError(
            f"{what} needs the '{module}' package, which is not installed: {cmd}"
        ) from None  # one message with the command, no chained traceback


def altair() -> Any:
    """The ``altair`` module, imported on first use (with an install hint when missing)."""
    alt = require("altair", "flownb.charts")
    _offline_if_asked(alt)
    return alt


@cache
def _offline_if_asked(alt: Any) -> None:
    # FLOWNB_OFFLINE=1: JupyterChart loads its JavaScript from vl-convert's bundle
    # instead of a CDN (machines without internet, browser tests). Only the process
    # environment switches it on, so saved notebooks never embed the bundle.
    if os.environ.get("FLOWNB_OFFLINE", "") not in ("", "0") and require("anywidget", "offline charts"):
        require("vl_convert", "offline charts (FLOWNB_OFFLINE=1)")
        alt.JupyterChart.enable_offline()


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
    change, so they hand Altair values prepared here in a few milliseconds.

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
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
            t = (
                col.dt.tz_convert("UTC").dt.tz_localize(None)
                if isinstance(dtype, pd.DatetimeTZDtype)
                else col
            )
            text = np.datetime_as_string(t.to_numpy(dtype="datetime64[s]"), unit="s").astype(object)
            out = [None if v == "NaT" else v + "Z" for v in text.tolist()]
        elif pd.api.types.is_float_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
            a = col.to_numpy()
            out = a.tolist()
            if np.isnan(a).any():
                out = [None if v != v else v for v in out]
        elif (
            pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype)
        ) or (
            pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype)
        ):
            out = col.to_numpy().tolist()
        else:
            a = col.astype(object).to_numpy()
            out = [
                None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                for v in a.tolist()
            ]
            out = [v.item() if isinstance(v, np.generic) else v for v in out]
        columns.append(out)
    names = [str(c) for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


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

    return SharedInlineData


def vchart(alt: Any, frame: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
    """``alt.Chart`` over ``frame`` given as inline values (see :func:`inline_values`)."""
    return alt.Chart(_shared_data_class(alt)(values=inline_values(frame)), *args, **kwargs)


def empty_chart(alt: Any, message: str, *, width: int = WIDE, height: int = HEIGHT) -> Any:
    """A chart that says why there is nothing to show (instead of an empty frame or an error)."""
    data = pd.DataFrame({"message": [message]})
    return (
        vchart(alt, data, title=title(alt, message))
        .mark_text(font=FONT, fontSize=13, color="#666")
        .encode(text="message:N")
        .properties(width=width, height=60 if height > 60 else height)
    )


# ---------------------------------------------------------------------------------- frames
def need(df: pd.DataFrame, columns: list[str], what: str) -> None:
    """Raise a ValueError naming the columns a chart needs and the frame lacks."""
    if not isinstance(df, pd.DataFrame) and not hasattr(df, "columns"):
        raise TypeError(f"{what} needs a pandas DataFrame of flow log records, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what} needs the column(s) {missing}, which this frame lacks; it has {list(df.columns)}. "
            "Read the records with a format that includes those fields."
        )


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


def seconds(col: pd.Series) -> np.ndarray:
    """Epoch seconds as int64 (NaT -> the int64 minimum)."""
    if not isinstance(col.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(col.dtype):
        col = pd.to_datetime(col, utc=True)
    a = col.array.asi8
    unit = col.dtype.unit if hasattr(col.dtype, "unit") else "ns"
    div = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    if div == 1:
        return a
    nat = a == np.iinfo(np.int64).min
    out = a // div
    out[nat] = np.iinfo(np.int64).min
    return out


def numbers(df: pd.DataFrame, metric: str) -> np.ndarray:
    """The metric per row as float64: ``flows`` counts 1 per record; NA counts 0."""
    if metric == "flows":
        return np.ones(len(df))
    if metric not in df.columns:
        raise ValueError(f"'metric' {metric!r} needs the column {metric!r}, which this frame lacks")
    return df[metric].to_numpy(dtype="float64", na_value=0.0)


def codes(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the distinct values, without touching every row in Python."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int64), col.cat.categories
    c, u = pd.factorize(col, use_na_sentinel=True)
    return c.astype(np.int64), pd.Index(u)


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
    if isinstance(freq, int | np.integer):
        s = int(freq)
    else:
        try:
            s = int(pd.Timedelta(freq).total_seconds())
        except (TypeError, ValueError):
            raise ValueError(
                f"'freq' must be a time span such as '1min', '5min' or '1h', got {freq!r}"
            ) from None
    if s < 1:
        raise ValueError(f"'freq' must be at least one second, got {freq!r}")
    return s


def utc(seconds_array: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(seconds_array, dtype=np.int64), unit="s", utc=True)


def time_label(t: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """Tooltip text for a time: '2025-06-02 14:05 UTC' (a string, so browsers cannot shift it)."""
    return np.asarray(pd.DatetimeIndex(t).strftime("%Y-%m-%d %H:%M:%S UTC"), dtype=object)


def span_text(seconds: int) -> str:
    """'5 min', '1 h', '1 day' for a bin width in seconds."""
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if unit == 'day' and n > 1 else ''}"
    return f"{seconds} s"


def human_bytes(n: float) -> str:
    """'1.2 MB' style (decimal units, as CloudWatch bills)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"  # pragma: no cover


def _private_v4(text: str) -> bool:
    if text.startswith(("10.", "192.168.", "127.", "169.254.")):
        return True
    if text.startswith("172."):
        second = text[4:].split(".", 1)[0]
        return second.isdigit() and 16 <= int(second) <= 31
    return False


def _network(text: str, v4: int, v6: int) -> str | None:
    """'10.0.1.0/24' for a private address, 'internet' for a public one, None if not an address."""
    if text.count(".") == 3 and ":" not in text:
        if not _private_v4(text):
            return "internet"
        if v4 == 24:  # the common case, without ipaddress (16,000 distinct addresses in a few ms)
            return text.rsplit(".", 1)[0] + ".0/24"
    try:
        a = ipaddress.ip_address(text)
    except ValueError:
        return None
    if not (a.is_private or a.is_loopback or a.is_link_local):
        return "internet"
    prefix = v4 if a.version == 4 else v6
    return str(ipaddress.ip_network(f"{a}/{prefix}", strict=False))


_PRIVATE_V4 = r"^(?:10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|127\.|169\.254\.)"
_DOTTED = r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$"


def network_labels(values: pd.Index | np.ndarray, v4: int = 24, v6: int = 64) -> np.ndarray:
    """Per distinct address: its /24 (/64) network when private, 'internet' when public, 'other' when not an address.

    IPv4 /24 labels are computed with vectorised string operations; IPv6 and other
    prefixes go through ``ipaddress`` one distinct value at a time.

    Examples
    --------
    >>> network_labels(["10.0.1.7", "52.94.236.248", "fd00::1", "nonsense"]).tolist()
    ['10.0.1.0/24', 'internet', 'fd00::/64', 'other']
    """
    text = pd.Series(np.asarray(values, dtype=object)).astype(str)
    out = np.full(len(text), "other", dtype=object)
    dotted = text.str.match(_DOTTED).to_numpy(dtype=bool)
    if v4 == 24:
        private = text.str.match(_PRIVATE_V4).to_numpy(dtype=bool) & dotted
        out[dotted] = "internet"
        out[private] = (text[private].str.rsplit(".", n=1).str[0] + ".0/24").to_numpy(dtype=object)
        rest = ~dotted
    else:
        rest = np.ones(len(text), dtype=bool)
    for i in np.nonzero(rest)[0]:
        out[i] = _network(text.iat[i], v4, v6) or "other"
    return out


def networks(col: pd.Series, v4: int = 24, v6: int = 64) -> pd.Series:
    """Private addresses as their /24 (/64) network, public ones as 'internet' (work per distinct value)."""
    c, values = codes(col)
    table = np.append(network_labels(values, v4, v6), "(none)")
    return pd.Series(table[np.where(c < 0, len(values), c)], index=col.index)
