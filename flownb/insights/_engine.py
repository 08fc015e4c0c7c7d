"""Running a parsed query on a flow log DataFrame, command by command.

Result shape follows CloudWatch Logs Insights (CloudWatch Logs User Guide,
"Query syntax"): columns are named by the query text (``count(*)``,
``sum(bytes)``) or the ``as`` alias; a query without ``fields``, ``display`` or
``stats`` shows ``@timestamp`` and ``@message``; records come newest first
unless sorted; at most 10,000 rows unless ``limit`` asks otherwise, and
``limit`` goes to 100,000 (the guide's "limit" page, both numbers).

Where the guide is silent, flownb decides (and ``SUPPORT.md`` says so):
missing ``by`` values form their own group (as SQL ``GROUP BY``); ``sort``
puts missing values last in both directions; text sorts as the guide's "sort" page
says (natural sort, ``_values.natural_key``), every other comparison of text by code point;
``limit any`` takes the first records in the order read; ``diff`` without a
time range compares the later half of the records' span with the earlier one.

Ties are settled by value, never by the order the records were read in, so the
same records give the same rows whatever their file order (and a FlowDataset
gives the rows of the frame). The guide's "sort" page defines how values
compare, not what happens to equal ones, and no page gives the order of
``stats`` groups; flownb's rule:

* records (no ``stats`` yet) come newest first; records with the same
  ``@timestamp`` follow the values of the fields the query names, then of the
  records' other fields, each ascending, in the order of the field names (the
  items ``unnest`` and ``parse ... multi`` make of one record keep their order;
  records without ``@timestamp``, a frame's own choice, keep the frame's order);
* ``stats ... by`` groups come in the order of their ``by`` values, ascending
  (missing last), the time bin of ``by bin()`` first and newest first;
* ``sort`` keeps that order among rows whose sort keys are equal.
"""

from __future__ import annotations

import csv as _csv
import fnmatch
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from . import _ast as A
from ._aggregations import group
from ._errors import InsightsQueryError, InsightsWarning
from ._evaluate import Evaluator
from ._fields import Records
from ._time import QUERY_TIME
from ._values import (
    STR,
    as_number,
    as_text,
    distinct,
    full_text,
    is_datetime,
    is_series,
    is_stringish,
    natural_ranks,
    take,
    to_series,
)

__all__ = ["DEFAULT_LIMIT", "run"]

#: Rows CloudWatch returns when a query has no limit (CloudWatch Logs User Guide, "limit").
DEFAULT_LIMIT = 10_000


class _State:
    def __init__(
        self, records: Records, tables: Mapping[str, Any] | None = None, named: tuple[str, ...] = ()
    ) -> None:
        self.records = records
        self.tables: Mapping[str, Any] = tables or {}
        self.displayed: list[str] | None = None
        self.extra_shown: list[str] = []  # fields made by addtotals/lookup shown next to the default columns
        self.aggregated = False
        self.ordered = False
        self.limited = False
        self.unknown: set[str] = set()
        self.by: list[str] = []  # the 'by' fields of the last stats
        self.time_key: str | None = None  # the by field holding a time (bin()), newest first
        self.named = named  # frame columns the query names: the first tie-breakers
        self.bin: tuple[str, float, str] | None = None  # (result column, amount, unit) of stats ... by bin()

    def evaluator(self) -> Evaluator:
        return Evaluator(self.records)

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.unknown |= self.records.unknown
        new = Records(frame.reset_index(drop=True), self.records.computed)
        new.timestamp = self.records.timestamp
        self.records = new

    def ensure_order(self, k: int | None = None) -> None:
        """Records in their settled order (see the module docstring), unless sorted already.

        With ``k`` only the first ``k`` rows are kept (what ``limit`` and the
        default row limit show), so ties are settled among those rows alone.
        """
        if self.ordered:
            if k is not None and len(self.records) > k:
                self.set_frame(self.records.frame.head(k))
            return
        self.ordered = True
        primary = self.primary_keys(None)
        if not primary and not self.aggregated:  # records without @timestamp keep the order given
            if k is not None and len(self.records) > k:
                self.set_frame(self.records.frame.head(k))
            return
        order = _order(primary, self.tie_keys, len(self.records), k)
        if k is not None or not np.array_equal(order, np.arange(len(order))):
            self.set_frame(self.records.frame.take(order))

    def primary_keys(self, rows: np.ndarray | None) -> list[np.ndarray]:
        """The keys of the settled order: @timestamp newest first, or a stats result's time bin and by fields."""
        frame = self.records.frame
        if self.aggregated:
            names = ([self.time_key] if self.time_key else []) + [b for b in self.by if b != self.time_key]
            return [
                _sort_array(_rows(frame[b], rows), descending=b == self.time_key)
                for b in names
                if b in frame.columns
            ]
        col = self.records.column("@timestamp")
        if col is None or not is_datetime(frame[col]):
            return []
        return [_sort_array(_rows(frame[col], rows), descending=True)]

    def tie_keys(self, rows: np.ndarray) -> list[np.ndarray]:
        """Keys that settle rows equal on the order's own keys: by their values, never by their position."""
        frame = self.records.frame
        keys = self.primary_keys(rows)
        if self.aggregated:  # by values are unique per group; a later stats result's own fields follow
            names = sorted((c for c in frame.columns if c not in self.by), key=str)
        else:  # the records' own fields; a query-made one derives from them (unnest and multi keep item order)
            own = [c for c in frame.columns if c not in self.records.computed]
            named = [c for c in self.named if c in own]
            names = sorted(named, key=str) + sorted((c for c in own if c not in named), key=str)
        keys += [_sort_array(_rows(frame[c], rows), descending=False) for c in names]
        return keys


def _rows(s: pd.Series, rows: np.ndarray | None) -> pd.Series:
    return s if rows is None else s.iloc[rows]


def _order(primary: list[np.ndarray], tie, n: int, k: int | None) -> np.ndarray:
    """Row positions sorted by ``primary`` (float keys, ascending), equal rows settled by ``tie(rows)``.

    With ``k``, only the first ``k`` positions are returned, and only the rows
    that can reach them are sorted or settled.
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if k is not None and primary and n > 4 * k and n > 1000:
        threshold = np.partition(primary[0], k - 1)[k - 1]
        rows = np.flatnonzero(primary[0] <= threshold)
    else:
        rows = np.arange(n, dtype=np.int64)
    if primary:
        rows = rows[np.lexsort([a[rows] for a in primary][::-1])]
        same = np.ones(len(rows) - 1, dtype=bool)
        for a in primary:
            v = a[rows]
            same &= v[1:] == v[:-1]
    else:
        same = np.ones(len(rows) - 1, dtype=bool)
    stop = len(rows) if k is None else min(k, len(rows))
    if stop and same.any():
        run = np.concatenate(([0], np.cumsum(~same)))  # equal neighbours share a run id
        sizes = np.bincount(run)
        tied = np.flatnonzero((run <= run[stop - 1]) & (sizes[run] > 1))
        if len(tied):
            subset = rows[tied]
            keys = tie(subset)
            if keys:
                rows[tied] = subset[np.lexsort([*keys[::-1], run[tied]])]
    return rows[:stop]


def run(
    parsed: A.Query,
    df: pd.DataFrame,
    start: Any = None,
    end: Any = None,
    *,
    tables: Mapping[str, Any] | None = None,
    now: Any = None,
) -> pd.DataFrame:
    """Run ``parsed`` on ``df``; see :func:`flownb.insights.query`."""
    when = _utc(now) if now is not None else pd.Timestamp.now(tz="UTC")
    token = QUERY_TIME.set(when)
    try:
        return _run(parsed, df, start, end, tables or {})
    finally:
        QUERY_TIME.reset(token)


def _run(parsed: A.Query, df: pd.DataFrame, start: Any, end: Any, tables: Mapping[str, Any]) -> pd.DataFrame:
    frame = _project(parsed, df)
    commands = parsed.commands
    diff_at = next((i for i, c in enumerate(commands) if isinstance(c, A.Diff)), None)
    periods = None
    named = _named_columns(parsed, frame)
    if diff_at is None:
        state = _State(Records(frame), tables, named)
        if start is not None or end is not None:
            _time_range(state, start, end)
        _pipeline(state, commands)
    else:
        diff = commands[diff_at]
        assert isinstance(diff, A.Diff)
        current, previous, periods = _diff_periods(Records(frame), diff, start, end)
        now_state = _pipeline(_State(Records(current), tables, named), commands[:diff_at])
        then_state = _pipeline(_State(Records(previous), tables, named), commands[:diff_at])
        state = _diff(now_state, then_state, diff)
        _pipeline(state, commands[diff_at + 1 :])
    return _finish(parsed, state, df, periods, stacklevel=5)


def resume(
    parsed: A.Query,
    frame: pd.DataFrame,
    *,
    done: int,
    by: list[str],
    time_key: str | None,
    ordered: bool = False,
    limited: bool = False,
    columns: Sequence[str] = (),
    tables: Mapping[str, Any] | None = None,
    now: Any = None,
) -> pd.DataFrame:
    """Go on with ``parsed`` after its first ``done`` commands, which an engine ran up to a ``stats``.

    ``frame`` is what the pandas engine's ``stats`` (and the ``sort``/``limit``
    right after it, when ``ordered``/``limited``) would hold: the ``by`` fields,
    then the aggregations, named and typed as here. ``columns`` are the
    records' columns (for "did you mean" in a warning). Used by
    :mod:`flownb.scale` so that a query compiled to an engine ends exactly as
    :func:`run` would.
    """
    when = _utc(now) if now is not None else pd.Timestamp.now(tz="UTC")
    token = QUERY_TIME.set(when)
    try:
        state = _State(Records(frame.reset_index(drop=True), set(frame.columns)), tables or {})
        state.records.timestamp = time_key
        state.displayed = list(frame.columns)
        state.aggregated = True
        state.ordered = ordered
        state.limited = limited
        state.by = list(by)
        state.time_key = time_key
        stats = next((c for c in reversed(parsed.commands[:done]) if isinstance(c, A.Stats)), None)
        for item in stats.by if stats is not None else ():
            if isinstance(item.expr, A.Call) and item.expr.name == "bin" and item.name == time_key:
                period = item.expr.args[0]
                assert isinstance(period, A.Duration)
                state.bin = (item.name, period.amount, period.unit)
        _pipeline(state, parsed.commands[done:])
        return _finish(parsed, state, pd.DataFrame({c: [] for c in columns}), None, stacklevel=6)
    finally:
        QUERY_TIME.reset(token)


def _finish(parsed: A.Query, state: _State, df: pd.DataFrame, periods: Any, stacklevel: int) -> pd.DataFrame:
    """The rows shown (settled order, the default limit), with the query's warnings."""
    state.ensure_order(None if state.limited else DEFAULT_LIMIT)
    if not state.limited:
        state.set_frame(state.records.frame.head(DEFAULT_LIMIT))
    result = _output(state)
    unknown = sorted(state.unknown | state.records.unknown)
    result.attrs["unknown_fields"] = tuple(unknown)
    if periods is not None:
        result.attrs["diff_periods"] = periods
    if parsed.normalised:
        warnings.warn(
            "the query had "
            + " and ".join(parsed.normalised)
            + "; they were read as plain quotes and spaces",
            InsightsWarning,
            stacklevel=stacklevel,
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
            stacklevel=stacklevel,
        )
    return result


def _pipeline(state: _State, commands) -> _State:
    for i, cmd in enumerate(commands):
        nxt = commands[i + 1] if i + 1 < len(commands) else None
        _COMMANDS[type(cmd)](state, cmd, nxt)
    return state


def _output(state: _State) -> pd.DataFrame:
    """The fields shown: those of fields/display/stats, else CloudWatch's @timestamp and @message."""
    if state.displayed is not None:
        names = state.displayed
    else:  # CloudWatch's default columns (no @timestamp for a format without start)
        names = [n for n in ("@timestamp", "@message") if n == "@message" or state.records.has(n)]
        names += [n for n in state.extra_shown if n not in names]
    out = {}
    for name in dict.fromkeys(names):
        s = state.records.get(name)
        out[name] = s.array if is_series(s) else s
    return pd.DataFrame(out, index=pd.RangeIndex(len(state.records)))


def _utc(t: Any) -> pd.Timestamp:
    t = pd.Timestamp(t)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


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
        if isinstance(cmd, A.Filldown | A.Addtotals):
            wanted = cmd.patterns if isinstance(cmd, A.Filldown) else cmd.fields
            if not wanted or any("*" in w for w in wanted):
                return frame  # every field may be meant
            names.update(wanted)
        if isinstance(cmd, A.Lookup):
            names.update(field for _, field in cmd.keys)
        for node in A.walk(cmd):
            if isinstance(node, A.Field):
                names.add(node.name)
    if shows_default or "@message" in names:
        return frame
    probe = Records(frame.iloc[:0])
    keep = {probe.column(n) for n in names} - {None}
    return frame[[c for c in frame.columns if c in keep]]


def _named_columns(parsed: A.Query, frame: pd.DataFrame) -> tuple[str, ...]:
    """The frame's columns that the query names (the tie-breakers that come first, see the docstring)."""
    probe = Records(frame.iloc[:0])
    names = {node.name for cmd in parsed.commands for node in A.walk(cmd) if isinstance(node, A.Field)}
    return tuple(sorted({probe.column(n) for n in names} - {None}, key=str))


def _time_range(state: _State, start: Any, end: Any) -> None:
    ts = state.records.get("@timestamp")
    if not is_datetime(ts):
        raise InsightsQueryError("start= and end= need @timestamp, and these records have no 'start' column")
    keep = ts.notna()
    for bound, op in ((start, "ge"), (end, "le")):
        if bound is not None:
            keep &= getattr(ts, op)(_utc(bound))
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
    state.unknown |= records.unknown
    new = Records(result.reset_index(drop=True), set(out))
    new.timestamp = time_key
    state.records = new
    state.displayed = list(out)
    state.aggregated = True
    state.ordered = False  # groups are settled by their by values when order matters (ensure_order)
    state.by = [item.name for item in cmd.by]
    state.time_key = time_key
    state.bin = None
    for item in cmd.by:
        if isinstance(item.expr, A.Call) and item.expr.name == "bin" and item.name == time_key:
            period = item.expr.args[0]
            assert isinstance(period, A.Duration)
            state.bin = (item.name, period.amount, period.unit)


def _sort_array(v: Any, descending: bool, natural: bool = False) -> np.ndarray:
    """A float64 key that sorts like the values (missing last in both directions).

    Text sorts by code point, or with ``natural`` as the guide's ``sort`` command sorts it
    (:func:`natural_ranks`); the settled order of ties keeps code points (flownb's own rule).
    """
    s = v
    if is_datetime(s):
        from ._values import epoch_numbers

        keys = epoch_numbers(s, "ms").to_numpy(dtype="float64", na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        keys = s.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    else:
        codes, uniques = distinct(s if is_stringish(s) else s.astype("str"))
        if natural:
            ranks = natural_ranks(uniques)
        else:
            ranks = np.empty(len(uniques), dtype=np.float64)
            ranks[np.argsort(uniques.astype("str").to_numpy(), kind="stable")] = np.arange(len(uniques))
        keys = np.where(codes < 0, np.nan, ranks[np.maximum(codes, 0)] if len(ranks) else np.nan)
    if descending:
        keys = -keys
    return np.where(np.isnan(keys), np.inf, keys)


def _sort(state: _State, cmd: A.Sort, nxt) -> None:
    """Rows by the sort keys (missing last either way); equal rows keep the settled order (by value)."""
    ev = state.evaluator()
    n = len(state.records)
    arrays = []
    for key in cmd.keys:
        v = ev(key.expr)
        if is_series(v):
            arrays.append(_sort_array(v, key.descending, natural=True))
    if not arrays:  # constant keys: every row ties
        state.ensure_order()
        return
    state.ordered = True
    if n < 2:
        return
    k = nxt.count if isinstance(nxt, A.Limit) else DEFAULT_LIMIT if nxt is None else None
    order = _order(arrays, state.tie_keys, n, k)
    state.set_frame(state.records.frame.take(order))


def _limit(state: _State, cmd: A.Limit, nxt) -> None:
    """``limit N``: the first N in the order so far (newest first by default); ``limit any N``: any N.

    CloudWatch stops a ``limit any`` query as soon as N records match, so which
    N is not defined; flownb returns the first N in the order the records were
    read (CloudWatch Logs User Guide, "limit", "limit any").
    """
    if not cmd.any:
        state.ensure_order(cmd.count)
    else:
        state.ordered = True
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
    if cmd.mode == "logfmt":
        _parse_logfmt(state, cmd)
        return
    if cmd.mode == "csv":
        _parse_csv(state, cmd)
        return
    rx = re.compile(cmd.regex)
    groups_in_order = list(rx.groupindex)
    if cmd.multi:
        _parse_multi(state, cmd, rx, groups_in_order)
        return
    records = state.records
    source = state.evaluator()(cmd.source) if cmd.source is not None else records.get("@message")
    source = to_series(as_text(source), len(records))
    codes, uniques = distinct(source)
    texts = pa.array(uniques.astype("str").to_numpy(na_value=None), type=pa.string())
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


#: One logfmt pair: a key (no space, ``=`` or ``"``), then ``=`` and a bare or double-quoted value, or nothing.
_LOGFMT_PAIR = re.compile(r'([^\s="]+)(?:=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*)))?')
_LOGFMT_ESCAPE = re.compile(r"\\(.)")


def logfmt_map(text: Any) -> dict[str, str] | None:
    """One logfmt line as a MAP (the guide's "parse" page, logfmt mode: "space-separated key=value pairs").

    The page gives the syntax (``parse fieldName logfmt as alias``) and says the result is a map read
    with dot notation; the rest is flownb's reading of the logfmt convention: a value may be
    double-quoted (``msg="disk full"``, ``\"`` and ``\\`` escaped inside), ``key=`` is the empty
    text, a word without ``=`` is not a pair and is skipped, a repeated key keeps its last value,
    values are text (compare them with numbers as with any text field), and a text with no pair
    gives a missing value (as a record that does not match a glob gets no fields).

    Examples
    --------
    >>> logfmt_map('level=error msg="disk full" retry')
    {'level': 'error', 'msg': 'disk full'}
    """
    if not isinstance(text, str):
        return None
    out: dict[str, str] = {}
    for m in _LOGFMT_PAIR.finditer(text):
        key, quoted, bare = m.groups()
        if quoted is not None:
            out[key] = _LOGFMT_ESCAPE.sub(r"\1", quoted)
        elif bare is not None:
            out[key] = bare
    return out or None


def _parse_logfmt(state: _State, cmd: A.Parse) -> None:
    """``parse [field] logfmt as m``: a MAP per record (missing where the text holds no pair)."""
    records = state.records
    source = state.evaluator()(cmd.source) if cmd.source is not None else records.get("@message")
    source = to_series(as_text(source), len(records))
    codes, uniques = distinct(source)
    parsed = np.empty(len(uniques) + 1, dtype=object)
    parsed[: len(uniques)] = [logfmt_map(u) for u in uniques.astype(object).tolist()]
    parsed[len(uniques)] = None
    _assign(state, cmd.names[0], pd.Series(parsed[np.where(codes < 0, len(uniques), codes)], dtype=object))


def csv_values(text: Any) -> list[str] | None:
    """One CSV line as its values (the guide's "parse" page, CSV mode).

    The page says "Each comma-separated value is assigned to the corresponding alias" and gives the
    syntax (``parse fieldName csv as alias1, alias2, alias3``); the rest is flownb's reading, the CSV
    convention of RFC 4180: a value may be double-quoted (``"a, b"``, ``""`` for a quote inside),
    spaces around a value are kept, and a text that is not a string gives no values. A line with
    fewer values than aliases leaves the last aliases missing; values beyond the last alias are not
    kept (the page does not say).

    Examples
    --------
    >>> csv_values('web-1,"GET, HEAD",200')
    ['web-1', 'GET, HEAD', '200']
    """
    if not isinstance(text, str):
        return None
    try:
        return next(_csv.reader([text]), [])
    except _csv.Error:  # a quote left open: the line as plain comma-separated text
        return text.split(",")


def _parse_csv(state: _State, cmd: A.Parse) -> None:
    """``parse [field] csv as a, b``: the k-th comma-separated value of each record goes to the k-th alias."""
    records = state.records
    source = state.evaluator()(cmd.source) if cmd.source is not None else records.get("@message")
    source = to_series(as_text(source), len(records))
    codes, uniques = distinct(source)
    split = [csv_values(u) or [] for u in uniques.astype(object).tolist()]
    lookup = np.where(codes < 0, len(split), codes)
    for k, name in enumerate(cmd.names):
        column = pd.array([v[k] if k < len(v) else None for v in split] + [None], dtype="str")
        _assign(state, name, pd.Series(column.take(lookup)))


def _json_field(state: _State, cmd: A.JsonField, nxt) -> None:
    """``json field=f "a.b" as x``: the value at key path ``a.b`` of each record's JSON text (or MAP).

    The guide's "parse" page ("JSON field extraction"): "explicit chained JSON extraction from a
    previously parsed object field". The field is read as ``jsonParse`` reads it (a MAP stays a MAP)
    and walked as ``map.a.b`` is (:mod:`flownb.insights._structures`); a record whose field is not
    JSON, or has no such key, gets a missing value.
    """
    from ._structures import get_path, parse_json

    records = state.records
    values = to_series(state.evaluator()(cmd.source), len(records)).reset_index(drop=True)
    _assign(state, cmd.name, get_path(parse_json(values, len(records)), list(cmd.path)))


def _parse_multi(state: _State, cmd: A.Parse, rx: re.Pattern, groups: list[str]) -> None:
    """``parse f /re/ multi``: one record per match (a record with no match is kept, without the fields)."""
    state.ensure_order()  # the matches of a record then follow it in the order found
    records = state.records
    source = state.evaluator()(cmd.source) if cmd.source is not None else records.get("@message")
    source = to_series(as_text(source), len(records))
    codes, uniques = distinct(source)
    found = [list(rx.finditer(t)) if isinstance(t, str) else [] for t in uniques.astype(object).tolist()]
    per_value = np.array([max(len(f), 1) for f in found] + [1], dtype=np.int64)
    lookup = np.where(codes < 0, len(found), codes)
    repeats = per_value[lookup]
    rows = np.repeat(np.arange(len(source)), repeats)
    which = np.concatenate([np.arange(r) for r in repeats]) if len(repeats) else np.zeros(0, dtype=np.int64)
    frame = state.records.frame.take(rows).reset_index(drop=True)
    values = {g: [] for g in groups}
    for value_code, k in zip(lookup[rows], which, strict=True):
        matches = found[value_code] if value_code < len(found) else []
        m = matches[k] if k < len(matches) else None
        for g in groups:
            values[g].append(m.group(g) if m is not None else None)
    state.set_frame(frame)
    for name, g in zip(cmd.names, groups, strict=True):
        _assign(state, name, pd.Series(pd.array(values[g], dtype="str")))


def _unnest(state: _State, cmd: A.Unnest, nxt) -> None:
    """One record per element of a LIST; a MAP, string or number is a list of one item (as the guide says).

    A record whose list is empty gives no record; a record without the field is
    kept once, without the new field (flownb's choice: never lose a record the
    guide does not say to drop).
    """
    from ._structures import from_python

    state.ensure_order()  # each record's items then follow it in their list order
    source = to_series(state.evaluator()(cmd.source), len(state.records)).reset_index(drop=True)
    items = source.tolist() if source.dtype == object else source.astype(object).tolist()
    lists = [v if isinstance(v, list) else [None] if v is None or v is pd.NA else [v] for v in items]
    repeats = np.array([len(v) for v in lists], dtype=np.int64)
    rows = np.repeat(np.arange(len(lists)), repeats)
    flat = [x for v in lists for x in v]
    state.set_frame(state.records.frame.take(rows))
    _assign(state, cmd.name, from_python(flat))


def _candidates(state: _State) -> list[str]:
    """Field names a wildcard may match: the fields shown, else every field of the records."""
    if state.displayed is not None:
        return list(state.displayed)
    names = list(state.records.computed)
    insights = {f.column: f.insights for f in schema.FIELDS.values()}
    names += [insights.get(c, c) for c in state.records.frame.columns if c not in state.records.computed]
    return [n for n in dict.fromkeys(names) if isinstance(n, str)]


def _filldown(state: _State, cmd: A.Filldown, nxt) -> None:
    """The last non-missing value carried forward, in the order the records are shown (CloudWatch's "filldown")."""
    state.ensure_order()
    candidates = _candidates(state)
    if cmd.patterns:
        names = [n for p in cmd.patterns for n in (fnmatch.filter(candidates, p) if "*" in p else [p])]
    else:
        names = candidates
    frame = state.records.frame
    filled = False
    for name in dict.fromkeys(names):
        col = state.records.column(name)
        if col is None:
            state.records.unknown.add(name)
            continue
        if not filled:
            frame = frame.copy(deep=False)
            filled = True
        frame[col] = frame[col].ffill()
    state.records.frame = frame


def _fillmissing(state: _State, cmd: A.Fillmissing, nxt) -> None:
    """A row for every empty bin between the first and the last one of ``stats ... by bin()``."""
    if state.bin is None:
        raise InsightsQueryError(
            "fillmissing inserts rows for empty time bins: it needs a stats ... by bin() before it"
        )
    from ._time import floor, period_ms

    column, amount, unit = state.bin
    frame = state.records.frame
    times = frame[column]
    present = times.dropna()
    if present.empty:
        return
    first, last = present.min(), present.max()
    ms = period_ms(amount, unit)
    if ms is not None and unit != "w":
        grid = pd.date_range(first, last, freq=pd.Timedelta(milliseconds=ms))
    else:  # calendar periods: step generously, then floor to the period and keep the distinct ones
        step = {"w": "1D", "mo": "1D", "q": "1D", "y": "1D"}.get(unit, "1D")
        raw = pd.Series(pd.date_range(first, last, freq=step))
        grid = pd.DatetimeIndex(floor(raw, amount, unit).drop_duplicates())
    grid = pd.Series(grid).astype(times.dtype)
    others = [c for c in state.by if c != column and c in frame.columns]
    if others:
        combos = frame[others].drop_duplicates()
        full = combos.merge(pd.DataFrame({column: grid}), how="cross")
    else:
        full = pd.DataFrame({column: grid})
    keys = [column, *others]
    have = pd.MultiIndex.from_frame(frame[keys].astype(object)) if others else pd.Index(times)
    want = pd.MultiIndex.from_frame(full[keys].astype(object)) if others else pd.Index(full[column])
    missing_rows = full[~want.isin(have)]
    if missing_rows.empty:
        return
    added = pd.DataFrame(index=pd.RangeIndex(len(missing_rows)))
    for c in frame.columns:
        if c in keys:
            added[c] = pd.Series(missing_rows[c].to_numpy(), dtype=frame[c].dtype)
        else:
            added[c] = pd.Series([None] * len(missing_rows), dtype=frame[c].dtype)
    ev = state.evaluator()
    for name, value in cmd.values:
        if name in added.columns:
            v = ev(value)
            added[name] = pd.Series([v] * len(added)).astype(frame[name].dtype, errors="ignore")
    state.records.frame = pd.concat([frame, added], ignore_index=True)
    state.ordered = False  # the new rows take their places by their bin and by values


def _addtotals(state: _State, cmd: A.Addtotals, nxt) -> None:
    """Row totals in ``fieldname`` (default ``Total``) and, with ``col=true``, a summary row at the bottom.

    CloudWatch Logs User Guide, "addtotals": without a field list every numeric
    field is summed. A named field is summed when its values are numbers (text
    that reads as numbers, such as a ``parse`` result, counts). A missing value
    counts as nothing in a row total.
    """
    state.ensure_order()
    records = state.records
    names = list(cmd.fields) if cmd.fields else _candidates(state)
    numeric: list[str] = []
    for name in names:
        col = records.column(name)
        if col is None:
            if cmd.fields:
                records.unknown.add(name)
            continue
        s = records.frame[col]
        if is_datetime(s) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        if pd.api.types.is_numeric_dtype(s.dtype):
            numeric.append(col)
        elif cmd.fields and s.dtype != object:
            as_num = as_number(s)
            if int(as_num.notna().sum()) == int(s.notna().sum()) > 0:
                numeric.append(col)
    numbers = {c: as_number(records.frame[c]).reset_index(drop=True) for c in dict.fromkeys(numeric)}
    if cmd.row:
        total = pd.Series(pd.array(np.zeros(len(records)), dtype="Float64"))
        for v in numbers.values():
            total = total + v.astype("Float64").fillna(0)
        if not numbers:
            total[:] = pd.NA
        elif all(pd.api.types.is_integer_dtype(v.dtype) for v in numbers.values()):
            total = total.astype("Int64")
        _assign(state, cmd.fieldname, total)
        _show(state, cmd.fieldname)
        numbers[cmd.fieldname] = total
    if cmd.col:
        frame = state.records.frame.reset_index(drop=True)
        columns = {}
        for c in frame.columns:
            if c in numbers:
                v = numbers[c]
                if pd.api.types.is_integer_dtype(v.dtype):
                    v = v.astype("Int64")  # a sum outgrows the field's own width (UInt8, UInt16)
                columns[c] = pd.concat(
                    [v, pd.Series([v.sum(skipna=True, min_count=1)], dtype=v.dtype)], ignore_index=True
                )
            else:
                columns[c] = pd.concat([frame[c], pd.Series([None], dtype=frame[c].dtype)], ignore_index=True)
        state.records.frame = pd.DataFrame({c: v.array for c, v in columns.items()})


def _show(state: _State, name: str) -> None:
    if state.displayed is not None:
        if name not in state.displayed:
            state.displayed.append(name)
    elif name not in state.extra_shown:
        state.extra_shown.append(name)


def _lookup(state: _State, cmd: A.Lookup, nxt) -> None:
    """Fields of a lookup table added to each record whose key fields match exactly (case-sensitive).

    CloudWatch Logs User Guide, "lookup": the match is exact and case-sensitive;
    ``OUTPUT`` overwrites a field of the same name. A record that matches no row
    gets the output fields missing; when the table has several rows for one key
    the first one is used (flownb's choices: the guide does not say).
    """
    table = _table(state, cmd.table)
    for lookup_field, _ in cmd.keys:
        if lookup_field not in table.columns:
            raise InsightsQueryError(
                f"lookup table '{cmd.table}' has no column '{lookup_field}'; its columns are "
                + ", ".join(map(str, table.columns))
            )
    for out in cmd.outputs:
        if out not in table.columns:
            raise InsightsQueryError(
                f"lookup table '{cmd.table}' has no column '{out}' to OUTPUT; its columns are "
                + ", ".join(map(str, table.columns))
            )
    records = state.records
    n = len(records)
    keys = [to_series(records.get(field), n).reset_index(drop=True) for _, field in cmd.keys]
    if len(keys) == 1:  # the usual case: once per distinct value of the one key field
        codes, uniques = distinct(keys[0])
        texts = full_text(uniques.reset_index(drop=True)).astype(object)
        table_keys = right_table(table, cmd)
        for j, out in enumerate(cmd.outputs):
            lut = {k[0]: v[j] for k, v in table_keys.items()}
            hits = [
                lut.get(t) if isinstance(t, str) else None for t in texts.tolist()
            ]  # once per distinct value
            mapped = pd.Series([None if v is None or pd.isna(v) else str(v) for v in hits], dtype=object)
            # few distinct outputs: a categorical, so take() and a later stats ... by stay cheap
            per_value = pd.Series(
                pd.Categorical(mapped, categories=pd.Index(pd.unique(mapped.dropna()), dtype="str"))
            )
            _assign(state, out, take(per_value, codes))
            _show(state, out)
        return
    groups = group(keys, n)  # once per distinct key combination, then back to every record
    firsts = [full_text(k.take(groups.first)).astype(object) for k in keys]
    firsts = [f.where(f.notna(), None).tolist() for f in firsts]
    index = right_table(table, cmd)
    found = []
    for g in range(groups.n):  # once per distinct key, not per record
        key = tuple(f[g] for f in firsts)
        found.append(None if None in key else index.get(key))
    for j, out in enumerate(cmd.outputs):
        per_group = pd.Series(pd.array([None if r is None else r[j] for r in found], dtype="str"))
        _assign(state, out, take(per_group, groups.ids))
        _show(state, out)


def right_table(table: pd.DataFrame, cmd: A.Lookup) -> dict[tuple, tuple]:
    """The lookup table as {key values (text): output values}, the first row of each key winning."""
    key_cols = [lf for lf, _ in cmd.keys]
    right = table[key_cols + list(cmd.outputs)].dropna(subset=key_cols)
    right = right.drop_duplicates(subset=key_cols, keep="first")
    return {
        tuple(str(v) for v in row[: len(key_cols)]): row[len(key_cols) :]
        for row in right.itertuples(index=False, name=None)
    }


def _table(state: _State, name: str) -> pd.DataFrame:
    if name not in state.tables:
        known = ", ".join(sorted(state.tables)) or "none"
        raise InsightsQueryError(
            f"no lookup table named '{name}' (tables given: {known}); pass it as "
            f"query(df, q, tables={{'{name}': a DataFrame or the path of a CSV file}})"
        )
    table = state.tables[name]
    if isinstance(table, pd.DataFrame):
        return table.astype(object).where(table.notna(), None)
    import os

    if isinstance(table, str | os.PathLike):
        # CloudWatch's lookup tables are CSV files with a header row, UTF-8 (CloudWatch Logs User Guide, "lookup")
        return pd.read_csv(table, dtype=str, keep_default_na=False, encoding="utf-8").replace("", None)
    raise InsightsQueryError(
        f"lookup table '{name}' must be a pandas DataFrame or the path of a CSV file, got {type(table).__name__}"
    )


def _diff_periods(records: Records, cmd: A.Diff, start: Any, end: Any):
    """The records of the current period and of the one it is compared with, and both periods.

    With ``start``/``end`` the current period is that range, as in CloudWatch.
    Without them it ends at the latest record and is the later half of the
    records' time span (``diff``) or the last day, week or month (``diff
    previousDay`` ...): flownb's choice, so that "what is new today" works on the
    records at hand. The previous period is the current one shifted back by its
    own length (``diff``) or by a day, a week or a calendar month, or by the
    ``timeshift`` of ``logcompare`` (whose current period, without a time
    range, is the last ``timeshift`` of the records).
    """
    ts = records.get("@timestamp")
    if not is_datetime(ts) or ts.notna().sum() == 0:
        raise InsightsQueryError("diff compares time periods: it needs @timestamp (a 'start' column)")
    last = ts.max()
    hi = _utc(end) if end is not None else last
    shifts = {"previousDay": pd.DateOffset(days=1), "previousWeek": pd.DateOffset(weeks=1),
              "previousMonth": pd.DateOffset(months=1)}  # fmt: skip
    if cmd.shift is not None:  # logcompare timeshift <duration>
        amount, unit = cmd.shift
        calendar = {"mo": "months", "q": "months", "y": "years", "w": "weeks", "d": "days"}
        if unit in calendar:
            n = amount * (3 if unit == "q" else 1)
            shifts["timeshift"] = pd.DateOffset(**{calendar[unit]: int(n)}) if float(n).is_integer() else (
                pd.Timedelta(days=n * {"months": 30, "years": 365, "weeks": 7, "days": 1}[calendar[unit]]))  # fmt: skip
        else:
            shifts["timeshift"] = pd.Timedelta(seconds=amount * {"s": 1, "m": 60, "h": 3600}[unit])
    if start is not None:
        lo = _utc(start)
    elif cmd.modifier:
        lo = hi - shifts[cmd.modifier]
    else:
        lo = ts.min() + (hi - ts.min()) / 2
    if lo > hi:
        raise InsightsQueryError(f"diff: the period starts ({lo}) after it ends ({hi})")
    if cmd.modifier:
        p_lo, p_hi = lo - shifts[cmd.modifier], hi - shifts[cmd.modifier]
    else:
        p_lo, p_hi = lo - (hi - lo), lo
    current = (ts >= lo) & (ts <= hi)
    previous = (ts >= p_lo) & (ts < p_hi)
    frame = records.frame
    periods = {"current": (lo, hi), "previous": (p_lo, p_hi)}
    return (
        frame[current.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True),
        frame[previous.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True),
        periods,
    )


def _diff(now: _State, then: _State, cmd: A.Diff) -> _State:
    """The current period's rows next to the previous period's, matched on their keys.

    Keys are the ``by`` fields of the stats before ``diff``; without stats they
    are the fields shown and each period counts its records (``@count``). For
    each value ``v``: ``v`` (current period), ``v.previous`` and, for numbers,
    ``v.change``; ``@diff`` says whether the key is ``new`` (only now), ``gone``
    (only before) or in ``both``.
    """
    if now.aggregated:
        keys = list(now.by)
        now.ensure_order()  # the groups by value, so the rows below come in that order
        then.ensure_order()
        a, b = _output(now), _output(then)
        values = [c for c in a.columns if c not in keys]
    else:
        if now.displayed is None:
            raise InsightsQueryError(
                "diff compares rows of two periods: put a stats ... by or a fields command before it"
            )
        keys = list(dict.fromkeys(now.displayed))
        a, b = (_count_rows(_output(s), keys) for s in (now, then))
        values = ["@count"]
    if not keys:
        a["@all"], b["@all"] = "", ""
        keys = ["@all"]
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    na, nb = len(a), len(b)
    joined = {k: _concat_keys(a[k], b[k]) for k in keys}
    g = group(list(joined.values()), na + nb)  # one id per key combination across both periods
    ids_a, ids_b = g.ids[:na], g.ids[na:]
    pos_a = np.full(g.n, -1, dtype=np.int64)
    pos_a[ids_a[::-1]] = np.arange(na, dtype=np.int64)[::-1]  # first row of each key in a
    pos_b = np.full(g.n, -1, dtype=np.int64)
    pos_b[ids_b[::-1]] = np.arange(nb, dtype=np.int64)[::-1]
    seen_a = ids_a[np.sort(np.unique(ids_a, return_index=True)[1])] if na else ids_a
    first_b = ids_b[np.sort(np.unique(ids_b, return_index=True)[1])] if nb else ids_b
    groups_in_order = np.concatenate([seen_a, first_b[pos_a[first_b] < 0]])  # now's order, then the gone ones
    ia, ib = pos_a[groups_in_order], pos_b[groups_in_order]
    has_a, has_b = ia >= 0, ib >= 0
    out: dict[str, Any] = {}
    for k in keys:
        rows = np.where(has_a, ia, na + np.where(has_b, ib, 0)).astype(np.int64)
        out[k] = take(joined[k], rows)
    for v in values:
        cur = take(a[v], ia)
        prev = take(b[v], ib)
        out[v] = cur
        out[f"{v}.previous"] = prev
        if (
            pd.api.types.is_numeric_dtype(cur.dtype) and not pd.api.types.is_bool_dtype(cur.dtype)
        ) or v == "@count":
            out[f"{v}.change"] = as_number(cur) - as_number(prev)
    label = np.where(has_a & has_b, 2, np.where(has_a, 0, 1)).astype(np.int8)
    out["@diff"] = pd.Series(
        pd.Categorical.from_codes(label, categories=pd.Index(["new", "gone", "both"], dtype=STR))
    )
    out.pop("@all", None)
    result = pd.DataFrame({k: (v.array if is_series(v) else v) for k, v in out.items()})
    state = _State(Records(result, set(result.columns)), now.tables)
    state.displayed = list(result.columns)
    state.aggregated = True
    state.ordered = True
    state.by = [k for k in keys if k != "@all"]
    state.unknown = now.unknown | then.unknown | now.records.unknown | then.records.unknown
    return state


def _concat_keys(x: pd.Series, y: pd.Series) -> pd.Series:
    """The key values of both periods in one column (one dtype, one set of categories)."""
    if isinstance(x.dtype, pd.CategoricalDtype) and isinstance(y.dtype, pd.CategoricalDtype):
        from pandas.api.types import union_categoricals

        return pd.Series(union_categoricals([x.array, y.array], ignore_order=True))
    both = pd.concat([x, y], ignore_index=True)
    if isinstance(both.dtype, pd.CategoricalDtype):
        both = both.astype(both.cat.categories.dtype) if len(both.cat.categories) else both.astype(STR)
    return both


def _count_rows(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Distinct rows of ``frame`` over ``keys`` with how many records each had, by key value ascending."""
    if frame.empty:
        return frame[keys].assign(**{"@count": pd.Series([], dtype="Int64")})
    codes = group([frame[k].reset_index(drop=True) for k in keys], len(frame))
    counts = np.bincount(codes.ids, minlength=codes.n)
    out = frame[keys].take(codes.first).reset_index(drop=True)
    out["@count"] = pd.array(counts, dtype="Int64")
    order = np.lexsort([_sort_array(out[k], descending=False) for k in keys][::-1])
    return out.take(order).reset_index(drop=True)


_COMMANDS = {
    A.Fields: _fields,
    A.Display: _display,
    A.Filter: _filter,
    A.Stats: _stats,
    A.Sort: _sort,
    A.Limit: _limit,
    A.Dedup: _dedup,
    A.Parse: _parse,
    A.Unnest: _unnest,
    A.Filldown: _filldown,
    A.Fillmissing: _fillmissing,
    A.Addtotals: _addtotals,
    A.Lookup: _lookup,
    A.JsonField: _json_field,
}
