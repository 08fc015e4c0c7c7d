"""Running a parsed query on a flow log DataFrame, command by command.

Result shape follows CloudWatch Logs Insights (CloudWatch Logs User Guide,
"Query syntax"): columns are named by the query text (``count(*)``,
``sum(bytes)``) or the ``as`` alias; a query without ``fields``, ``display`` or
``stats`` shows ``@timestamp`` and ``@message``; records come newest first
unless sorted; at most 10,000 rows unless ``limit`` asks otherwise.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _ast as A
from ._aggregations import group
from ._errors import InsightsQueryError, InsightsWarning
from ._evaluate import Evaluator
from ._fields import Records
from ._values import as_text, distinct, is_datetime, is_series, is_stringish, take, to_series

__all__ = ["DEFAULT_LIMIT", "run"]

#: Rows CloudWatch returns when a query has no limit (CloudWatch Logs User Guide, "limit").
DEFAULT_LIMIT = 10_000


class _State:
    def __init__(self, records: Records) -> None:
        self.records = records
        self.displayed: list[str] | None = None
        self.aggregated = False
        self.ordered = False
        self.limited = False
        self.unknown: set[str] = set()

    def evaluator(self) -> Evaluator:
        return Evaluator(self.records)

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.unknown |= self.records.unknown
        new = Records(frame.reset_index(drop=True), self.records.computed)
        new.timestamp = self.records.timestamp
        self.records = new

    def ensure_order(self) -> None:
        """Records newest first (by @timestamp), as CloudWatch returns them, unless sorted already."""
        if self.ordered or self.aggregated:
            return
        self.ordered = True
        col = self.records.column("@timestamp")
        if col is None or len(self.records) < 2:
            return
        ts = self.records.frame[col]
        if not is_datetime(ts):
            return
        key = _sort_array(ts, descending=True)
        order = np.argsort(key, kind="stable")
        if not np.array_equal(order, np.arange(len(order))):
            self.set_frame(self.records.frame.take(order))


def run(parsed: A.Query, df: pd.DataFrame, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Run ``parsed`` on ``df``; see :func:`flownb.insights.query`."""
    frame = _project(parsed, df)
    state = _State(Records(frame))
    if start is not None or end is not None:
        _time_range(state, start, end)
    commands = parsed.commands
    for i, cmd in enumerate(commands):
        nxt = commands[i + 1] if i + 1 < len(commands) else None
        _COMMANDS[type(cmd)](state, cmd, nxt)
    state.ensure_order()
    if not state.limited:
        state.set_frame(state.records.frame.head(DEFAULT_LIMIT))
    if state.displayed is not None:
        names = state.displayed
    else:  # CloudWatch's default columns (no @timestamp for a format without start)
        names = [n for n in ("@timestamp", "@message") if n == "@message" or state.records.has(n)]
    out = {}
    for name in dict.fromkeys(names):
        s = state.records.get(name)
        out[name] = s.array if is_series(s) else s
    result = pd.DataFrame(out, index=pd.RangeIndex(len(state.records)))
    unknown = sorted(state.unknown | state.records.unknown)
    result.attrs["unknown_fields"] = tuple(unknown)
    if parsed.normalised:
        warnings.warn(
            "the query had "
            + " and ".join(parsed.normalised)
            + "; they were read as plain quotes and spaces",
            InsightsWarning,
            stacklevel=3,
        )
    if unknown:
        notes = []
        for name in unknown:
            close = state.records.suggestions(name) or _original_suggestions(df, name)
            notes.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        warnings.warn(
            "no such field in these records, treated as missing in every record (as CloudWatch does): "
            + ", ".join(notes),
            InsightsWarning,
            stacklevel=3,
        )
    return result


def _original_suggestions(df: pd.DataFrame, name: str) -> list[str]:
    return Records(df.iloc[:0]).suggestions(name)


def _project(parsed: A.Query, df: pd.DataFrame) -> pd.DataFrame:
    """Only the columns the query can reach, so filters copy less (all of them when @message is used)."""
    frame = df.reset_index(drop=True)
    shows_default = not any(isinstance(c, A.Fields | A.Display | A.Stats) for c in parsed.commands)
    names = {"@timestamp"}
    for cmd in parsed.commands:
        if isinstance(cmd, A.Parse) and cmd.source is None:
            names.add("@message")
        for node in A.walk(cmd):
            if isinstance(node, A.Field):
                names.add(node.name)
    if shows_default or "@message" in names:
        return frame
    probe = Records(frame.iloc[:0])
    keep = {probe.column(n) for n in names} - {None}
    return frame[[c for c in frame.columns if c in keep]]


def _time_range(state: _State, start: Any, end: Any) -> None:
    ts = state.records.get("@timestamp")
    if not is_datetime(ts):
        raise InsightsQueryError("start= and end= need @timestamp, and these records have no 'start' column")
    keep = ts.notna()
    for bound, op in ((start, "ge"), (end, "le")):
        if bound is not None:
            t = pd.Timestamp(bound)
            t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
            keep &= getattr(ts, op)(t)
    state.set_frame(state.records.frame[keep.to_numpy(dtype=bool)])


# -- commands ---------------------------------------------------------------------------------
def _assign(state: _State, name: str, value: Any) -> None:
    """Add (or replace) the query-made field ``name``; the caller's frame is never touched."""
    frame = state.records.frame.copy(deep=False)
    frame[name] = pd.Series(to_series(value, len(frame)).array, index=frame.index)
    state.records.frame = frame
    state.records.computed.add(name)


def _items(state: _State, items: tuple[A.Item, ...]) -> list[str]:
    names = []
    for item in items:
        plain = isinstance(item.expr, A.Field) and item.alias is None
        if not plain:
            _assign(state, item.name, state.evaluator()(item.expr))
        names.append(item.name)
    return names


def _fields(state: _State, cmd: A.Fields, nxt) -> None:
    names = _items(state, cmd.items)
    state.displayed = (state.displayed or []) + [n for n in names if n not in (state.displayed or [])]
    if state.aggregated:
        state.displayed = names


def _display(state: _State, cmd: A.Display, nxt) -> None:
    state.displayed = _items(state, cmd.items)


def _filter(state: _State, cmd: A.Filter, nxt) -> None:
    from ._values import as_bool

    v = as_bool(state.evaluator()(cmd.condition))
    frame = state.records.frame
    if not is_series(v):
        if not v:
            state.set_frame(frame.iloc[:0])
        return
    mask = v.to_numpy(dtype=bool, na_value=False)
    if not mask.all():
        state.set_frame(frame[mask])


def _stats(state: _State, cmd: A.Stats, nxt) -> None:
    records = state.records
    ev = state.evaluator()
    n = len(records)
    keys = []
    time_key = None
    for item in cmd.by:
        v = to_series(ev(item.expr), n)
        keys.append(v.reset_index(drop=True))
        if time_key is None and is_datetime(v):
            time_key = item.name
    groups = group(keys, n)
    if not cmd.by and n == 0:
        groups = group([], 0)
    agg_ev = Evaluator(records, groups)
    out: dict[str, Any] = {}
    for item, key in zip(cmd.by, keys, strict=True):
        out[item.name] = key.take(groups.first).array
    for item in cmd.aggregations:
        v = agg_ev(item.expr)
        out[item.name] = to_series(v, groups.n).array
    result = pd.DataFrame(out, index=pd.RangeIndex(groups.n))
    if time_key is not None and len(result) > 1:
        order = np.argsort(_sort_array(result[time_key], descending=True), kind="stable")
        result = result.take(order)
    state.unknown |= records.unknown
    new = Records(result.reset_index(drop=True), set(out))
    new.timestamp = time_key
    state.records = new
    state.displayed = list(out)
    state.aggregated = True
    state.ordered = True


def _sort_array(v: Any, descending: bool) -> np.ndarray:
    """A float64 key that sorts like the values (missing last in both directions)."""
    s = v
    if is_datetime(s):
        from ._values import epoch_numbers

        keys = epoch_numbers(s, "ms").to_numpy(dtype="float64", na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        keys = s.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    else:
        codes, uniques = distinct(s if is_stringish(s) else s.astype("str"))
        ranks = np.empty(len(uniques), dtype=np.float64)
        ranks[np.argsort(uniques.astype("str").to_numpy(), kind="stable")] = np.arange(len(uniques))
        keys = np.where(codes < 0, np.nan, ranks[np.maximum(codes, 0)] if len(ranks) else np.nan)
    if descending:
        keys = -keys
    return np.where(np.isnan(keys), np.inf, keys)


def _sort(state: _State, cmd: A.Sort, nxt) -> None:
    ev = state.evaluator()
    n = len(state.records)
    arrays = []
    for key in cmd.keys:
        v = ev(key.expr)
        if is_series(v):
            arrays.append(_sort_array(v, key.descending))
    state.ordered = True
    if not arrays or n < 2:
        return
    k = nxt.count if isinstance(nxt, A.Limit) else None
    if k is not None and n > 4 * k and n > 1000:
        first = arrays[0]
        threshold = np.partition(first, k - 1)[k - 1]
        candidates = np.flatnonzero(first <= threshold)
        sub = [a[candidates] for a in arrays]
        order = candidates[np.lexsort(sub[::-1])][:k]
    else:
        order = np.lexsort(arrays[::-1])
    state.set_frame(state.records.frame.take(order))


def _limit(state: _State, cmd: A.Limit, nxt) -> None:
    state.ensure_order()
    state.limited = True
    if len(state.records) > cmd.count:
        state.set_frame(state.records.frame.head(cmd.count))


def _dedup(state: _State, cmd: A.Dedup, nxt) -> None:
    """Keep the first record of each combination of the fields; records missing one are all kept."""
    state.ensure_order()
    records = state.records
    n = len(records)
    keys = [to_series(records.get(f.name), n).reset_index(drop=True) for f in cmd.fields]
    any_missing = np.zeros(n, dtype=bool)
    for k in keys:
        any_missing |= k.isna().to_numpy()
    ids = group(keys, n).ids
    keep = ~pd.Series(ids).duplicated(keep="first").to_numpy() | any_missing
    if not keep.all():
        state.set_frame(records.frame[keep])


def _parse(state: _State, cmd: A.Parse, nxt) -> None:
    """Extract fields; a record that does not match keeps its other fields and gets missing ones."""
    records = state.records
    source = state.evaluator()(cmd.source) if cmd.source is not None else records.get("@message")
    source = to_series(as_text(source), len(records))
    codes, uniques = distinct(source)
    texts = pa.array(uniques.astype("str").to_numpy(na_value=None), type=pa.string())
    rx = re.compile(cmd.regex)
    groups_in_order = list(rx.groupindex)
    try:
        struct = pc.extract_regex(texts, cmd.regex)
        columns = {g: pd.Series(pd.array(pc.struct_field(struct, g), dtype="str")) for g in groups_in_order}
    except (
        pa.ArrowInvalid,
        pa.ArrowNotImplementedError,
    ):  # not RE2 syntax: Python re, once per distinct text
        found = [rx.search(t) if t is not None else None for t in texts.to_pylist()]
        columns = {
            g: pd.Series(pd.array([m.group(g) if m else None for m in found], dtype="str"))
            for g in groups_in_order
        }
    for name, g in zip(cmd.names, groups_in_order, strict=True):
        _assign(state, name, take(columns[g], codes))


_COMMANDS = {
    A.Fields: _fields,
    A.Display: _display,
    A.Filter: _filter,
    A.Stats: _stats,
    A.Sort: _sort,
    A.Limit: _limit,
    A.Dedup: _dedup,
    A.Parse: _parse,
}
