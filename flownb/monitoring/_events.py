"""Flow log records as CloudWatch Logs sees them: log events, one text line each.

Metric filters match log *events*. A flow log record delivered to CloudWatch
Logs is one event whose message is the record's line, fields in the flow log's
format separated by single spaces, ``-`` for a missing value, and whose
timestamp is the record's ``start`` (Amazon VPC User Guide, "Publish flow logs
to CloudWatch Logs": "the timestamp field corresponds to the start time that's
captured in the flow log record").

Everything here works column by column (no Python loop per record).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import schema

__all__ = ["EventView", "event_views"]

_EPOCH = pd.Timestamp(0, tz="UTC")


def token_text(col: pd.Series) -> pd.Series:
    """The column's values as they are written in a record line (``-`` for missing)."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = col.cat.categories.astype(str)
        codes = col.cat.codes.to_numpy()
        lookup = np.append(cats.to_numpy(dtype=object), "-")
        return pd.Series(lookup[np.where(codes < 0, len(cats), codes)], index=col.index, dtype="string")
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        secs = epoch_seconds(col)
        return secs.astype("string").fillna("-")
    if pd.api.types.is_bool_dtype(dtype):
        return col.astype("string").fillna("-")
    return col.astype("string").fillna("-")


def epoch_seconds(col: pd.Series) -> pd.Series:
    """Timestamps as whole seconds since 1970 (``Int64``), as flow log lines write them."""
    ts = pd.to_datetime(col, utc=True)
    out = (ts - _EPOCH) // pd.Timedelta(seconds=1)
    return out.astype("Int64")


def numeric_values(col: pd.Series) -> pd.Series:
    """The column as numbers (``Float64``); values that are not numbers are <NA>."""
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return epoch_seconds(col).astype("Float64")
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return col.astype("Float64")
    if isinstance(dtype, pd.CategoricalDtype):
        cats = pd.to_numeric(pd.Series(col.cat.categories.astype(str)), errors="coerce").to_numpy(float)
        codes = col.cat.codes.to_numpy()
        vals = np.where(codes < 0, np.nan, cats[np.clip(codes, 0, None)] if len(cats) else np.nan)
        return pd.Series(vals, index=col.index, dtype="Float64")
    return pd.to_numeric(col.astype("string"), errors="coerce").astype("Float64")


@dataclass
class EventView:
    """The rows of a frame that share one record format, seen as log events.

    ``columns[i]`` is the DataFrame column of the i-th space-separated token
    of each event (None when the format names a field the frame lacks, whose
    token is then ``-``).
    """

    df: pd.DataFrame
    columns: list[str | None]
    _text: dict[str, pd.Series] = field(default_factory=dict, repr=False)
    _num: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    @property
    def n_tokens(self) -> int:
        return len(self.columns)

    def token(self, i: int) -> pd.Series:
        """Text of token i (0-based) of every event."""
        col = self.columns[i]
        if col is None:
            return pd.Series("-", index=self.df.index, dtype="string")
        if col not in self._text:
            self._text[col] = token_text(self.df[col])
        return self._text[col]

    def number(self, i: int) -> pd.Series:
        """Token i as a number (<NA> where it is not one, ``-`` included)."""
        col = self.columns[i]
        if col is None:
            return pd.Series(pd.NA, index=self.df.index, dtype="Float64")
        if col not in self._num:
            self._num[col] = numeric_values(self.df[col])
        return self._num[col]

    def text(self) -> pd.Series:
        """The whole event message: the record line."""
        if "__line__" not in self._text:
            if not self.columns:
                self._text["__line__"] = pd.Series("", index=self.df.index, dtype="string")
            else:
                parts = [self.token(i) for i in range(self.n_tokens)]
                line = parts[0].str.cat(parts[1:], sep=" ") if len(parts) > 1 else parts[0]
                self._text["__line__"] = line.astype("string")
        return self._text["__line__"]


def _format_columns(fmt: str) -> list[str]:
    return [schema.column_name(n) for n in schema.parse_format(fmt)]


def frame_formats(df: pd.DataFrame) -> list[list[str]]:
    """The record formats of a frame, as lists of columns (the column order when none is recorded)."""
    try:
        fmts = list(df.flow.formats)
    except Exception:  # pragma: no cover - accessor always registered with flownb
        fmts = []
    out = [_format_columns(f) for f in fmts if f]
    if not out:
        out = [list(df.columns)]
    return out


def event_views(df: pd.DataFrame) -> list[tuple[np.ndarray, EventView]]:
    """Split a frame into groups of rows sharing a record format.

    Returns ``(positions, view)`` pairs; ``positions`` are row positions in
    ``df``. A frame read from one format is one group. When several formats
    were combined, a row belongs to the first format whose fields cover every
    column the row has a value in (a column of another format that is <NA> in
    the row does not count); rows that fit none go with the last format.
    """
    formats = frame_formats(df)
    n = len(df)
    if len(formats) == 1:
        cols = [c if c in df.columns else None for c in formats[0]]
        return [(np.arange(n), EventView(df, cols))]
    assigned = np.full(n, -1)
    all_cols = set(df.columns)
    for k, cols in enumerate(formats):
        others = sorted(all_cols - set(cols))
        fits = df[others].isna().all(axis=1).to_numpy() if others else np.ones(n, dtype=bool)
        assigned[(assigned < 0) & fits] = k
    assigned[assigned < 0] = len(formats) - 1
    groups = []
    for k, cols in enumerate(formats):
        pos = np.flatnonzero(assigned == k)
        if len(pos):
            sub = df.iloc[pos]
            groups.append((pos, EventView(sub, [c if c in df.columns else None for c in cols])))
    return groups


def event_text(df: pd.DataFrame) -> pd.Series:
    """Each record's line as CloudWatch Logs would hold it (the log event message).

    Examples
    --------
    >>> import flownb
    >>> from flownb.monitoring._events import event_text
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> event_text(df).iloc[1]
    '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK'
    """
    out = pd.Series(pd.NA, index=df.index, dtype="string")
    for pos, view in event_views(df):
        out.iloc[pos] = view.text().to_numpy()
    return out
