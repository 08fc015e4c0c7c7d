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

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema

__all__ = ["EventView", "event_views"]

_EPOCH = pd.Timestamp(0, tz="UTC")


def token_array(col: pd.Series) -> pa.Array:
    """The column's values as written in a record line (``-`` for missing), as an Arrow string array."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = pa.array(col.cat.categories.astype(str).to_numpy(dtype=object), type=pa.string())
        codes = col.cat.codes.to_numpy()
        lookup = pa.concat_arrays([cats, pa.array(["-"], type=pa.string())])
        return lookup.take(pa.array(np.where(codes < 0, len(cats), codes)))
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        arr = pa.array(epoch_seconds(col))
    else:
        arr = pa.array(col)
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return pc.fill_null(arr, "-")


def _as_bool(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def token_text(col: pd.Series) -> pd.Series:
    """The column's values as they are written in a record line (``-`` for missing)."""
    return pd.Series(token_array(col).to_pandas(), index=col.index, dtype="string")


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
    _text: dict[str, pa.Array] = field(default_factory=dict, repr=False)
    _num: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    @property
    def n_tokens(self) -> int:
        return len(self.columns)

    def token(self, i: int) -> pa.Array:
        """Text of token i (0-based) of every event, as an Arrow string array."""
        col = self.columns[i]
        if col is None:
            return pa.array(["-"] * len(self.df), type=pa.string())
        if col not in self._text:
            self._text[col] = token_array(self.df[col])
        return self._text[col]

    def test(
        self, i: int, fn: Callable[[pa.Array], pa.Array], *, numeric_can_match: bool = True
    ) -> np.ndarray:
        """Apply a string predicate to token i of every event; a boolean array.

        A categorical column is tested once per category (and ``-``) and mapped
        back through its codes. ``numeric_can_match=False`` says the predicate
        cannot hold for digits or ``-``, so number and timestamp columns are
        skipped.
        """
        n = len(self.df)
        col = self.columns[i]
        if col is None:
            return np.full(n, _as_bool(fn(pa.array(["-"], type=pa.string())))[0])
        series = self.df[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = series.cat.categories.astype(str).to_numpy(dtype=object)
            lookup = pa.array([*cats, "-"], type=pa.string())
            hits = _as_bool(fn(lookup))
            codes = series.cat.codes.to_numpy()
            return hits[np.where(codes < 0, len(cats), codes)]
        if not numeric_can_match and (
            pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_datetime64_any_dtype(series.dtype)
        ):
            return np.zeros(n, dtype=bool)
        return _as_bool(fn(self.token(i)))

    def number(self, i: int) -> pd.Series:
        """Token i as a number (<NA> where it is not one, ``-`` included)."""
        col = self.columns[i]
        if col is None:
            return pd.Series(pd.NA, index=self.df.index, dtype="Float64")
        if col not in self._num:
            self._num[col] = numeric_values(self.df[col])
        return self._num[col]

    def text(self) -> pa.Array:
        """The whole event message (the record line), as an Arrow string array."""
        if "__line__" not in self._text:
            if not self.columns:
                self._text["__line__"] = pa.array([""] * len(self.df), type=pa.string())
            else:
                parts = [self.token(i) for i in range(self.n_tokens)]
                line = pc.binary_join_element_wise(*parts, " ") if len(parts) > 1 else parts[0]
                self._text["__line__"] = line
        return self._text["__line__"]


def _format_columns(fmt: str) -> list[str]:
    return [schema.column_name(n) for n in schema.parse_format(fmt)]


def frame_formats(df: pd.DataFrame) -> list[list[str]]:
    """The record formats of a frame, as lists of columns.

    When no format is recorded (a frame built by hand), the frame's flow log
    fields in column order.
    """
    try:
        fmts = list(df.flow.formats)
    except Exception:  # pragma: no cover - accessor always registered with flownb
        fmts = []
    out = [_format_columns(f) for f in fmts if f]
    if not out:  # a frame built by hand: its flow log fields, in column order (derived columns left out)
        known = {f.column for f in schema.FIELDS.values()}
        out = [[c for c in df.columns if c in known]]
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
    out = np.empty(len(df), dtype=object)
    for pos, view in event_views(df):
        out[pos] = view.text().to_numpy(zero_copy_only=False)
    return pd.Series(out, index=df.index, dtype="string")
