"""Logs Insights on a FlowDataset: the relational part compiled to one Ibis expression.

A query whose commands map to relational algebra runs in the engine; the rest
of it, if any, runs in the pandas Logs Insights engine on what the engine sent
back, so the result is the one :func:`flownb.query` gives on the frame (the
differential tests, ``tests/scale/test_query.py``, hold the two to it):

* **aggregating queries**: the leading ``filter`` commands (and ``fields`` that
  compute a value), then ``stats`` with ``count``, ``sum``, ``avg``, ``min``,
  ``max`` and ``count_distinct`` (exact in every engine, as here) of fields
  ``by`` fields and ``bin()`` of fixed length, then a ``sort`` of its result
  and a ``limit``: one ``GROUP BY ... ORDER BY ... LIMIT``. The commands after
  those run in pandas on the groups.
* **record queries**: the same leading commands, then an optional ``sort``
  and a ``limit`` (or the default 10,000 rows): the engine keeps only the
  records that can be shown, in the pandas engine's settled order (ties by
  value), and the pandas engine runs the whole query on them.
* a ``sort`` by a text field: text sorts naturally (the guide's "sort" page,
  ``flownb.insights._values.natural_key``), which ``ORDER BY`` cannot say; the
  engine returns every group (or every record that passes) and pandas sorts
  and limits them.
* **anything else** (``parse``, ``diff``, ``lookup``, ``dedup``, a function
  with no exact SQL twin, a comparison of text with a number...): the engine
  narrows (the columns read, the leading filters it can express, the time
  range), and the pandas engine runs the whole query.

Which of the three ran is logged at DEBUG level (logger ``flownb.scale``),
with the reason for a fallback, and ``ds.show_sql(flownb.query, query=...)``
shows the SQL.

Values follow the pandas engine: a comparison with a missing value is missing
(so ``not`` keeps it out), ``ispresent`` and ``isIpv4InSubnet`` are never
missing, ``@timestamp``/``startTime``/``endTime`` count as Unix seconds in
arithmetic, and ``stats`` without ``by`` on no records gives no row.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._dataset import FlowDataset, _ibis, to_contract

__all__ = ["Compiled", "compile_query"]

log = logging.getLogger("flownb.scale")

#: An IPv4 octet as ``flownb.insights._ip`` reads one (0-255, no leading zeros).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"

_AGGREGATIONS = {"count", "sum", "avg", "min", "max", "count_distinct"}
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MONDAY_OFFSET = 3 * 86400  # as flownb.insights._time: weeks start on Monday


class Unsupported(Exception):
    """A part of a query with no exact engine twin (the message says which)."""


@dataclasses.dataclass
class Compiled:
    """A query compiled for the engine: ``kind`` is ``"stats"``, ``"records"`` or ``"narrowed"``."""

    kind: str
    expr: Any
    finish: Callable[[pa.Table], pd.DataFrame]
    reason: str = ""
    resume: dict[str, Any] = dataclasses.field(default_factory=dict)  # stats: where the pandas engine goes on
    dataset: FlowDataset | None = None  # narrowed: the records to bring into memory
    needed: list[str] | None = None  # narrowed: their columns (None: all)


@dataclasses.dataclass
class _Value:
    expr: Any
    kind: str  # "int" (integers, times as Unix seconds), "num" (a float), "str", "bool"


class _Compiler:
    def __init__(self, ds: FlowDataset, tree: Any) -> None:
        from ..insights._fields import Records

        self.ds = ds
        self.tree = tree
        self.t = ds.table()
        self.columns = list(self.t.columns)
        self.probe = Records(pd.DataFrame({c: [] for c in self.columns}))
        self.computed: dict[str, _Value] = {}
        schema = self.t.schema()
        self.kinds: dict[str, str] = {}
        for c in self.columns:
            dt = schema[c]
            if c in ("start", "end") and dt.is_integer():
                self.kinds[c] = "time"
            elif dt.is_integer():
                self.kinds[c] = "int"
            elif dt.is_string():
                self.kinds[c] = "str"

    # -- expressions --------------------------------------------------------------------
    def column(self, name: str) -> str:
        col = self.probe.column(name)
        if col is None or col not in self.kinds:
            raise Unsupported(f"the field '{name}' is not a column the engine can compare")
        return col

    def value(self, node: Any) -> _Value:
        from ..insights import _ast as A

        ibis = _ibis()
        if isinstance(node, A.Literal):
            lit = node.value
            if isinstance(lit, bool):
                raise Unsupported("a boolean literal")
            if isinstance(lit, int):
                return _Value(ibis.literal(lit, "int64"), "int")
            if isinstance(lit, float):
                return _Value(ibis.literal(lit, "float64"), "num")
            return _Value(ibis.literal(lit, "string"), "str")
        if isinstance(node, A.Field):
            if node.name in self.computed:
                return self.computed[node.name]
            col = self.column(node.name)
            kind = self.kinds[col]
            return _Value(
                self.t[col].cast("int64") if kind != "str" else self.t[col], "int" if kind == "time" else kind
            )
        if isinstance(node, A.Unary) and node.op == "-":
            v = self.value(node.operand)
            if v.kind not in ("int", "num"):
                raise Unsupported(f"'{node.text}': minus of a non-number")
            return _Value(-v.expr, v.kind)
        if isinstance(node, A.Not):
            return _Value(~self.boolean(node.operand), "bool")
        if isinstance(node, A.Binary):
            if node.op in ("and", "or"):
                a, b = self.boolean(node.left), self.boolean(node.right)
                return _Value(a & b if node.op == "and" else a | b, "bool")
            a, b = self.value(node.left), self.value(node.right)
            if node.op in ("+", "-", "*"):
                if a.kind not in ("int", "num") or b.kind not in ("int", "num"):
                    raise Unsupported(f"'{node.text}': arithmetic on text")
                expr = {"+": a.expr + b.expr, "-": a.expr - b.expr, "*": a.expr * b.expr}[node.op]
                return _Value(expr, "int" if a.kind == b.kind == "int" else "num")
            if node.op in ("=", "!=", "<", "<=", ">", ">="):
                numeric = a.kind in ("int", "num") and b.kind in ("int", "num")
                text = a.kind == b.kind == "str" and node.op in ("=", "!=")
                if not (numeric or text):
                    raise Unsupported(f"'{node.text}': a comparison of {a.kind} with {b.kind}")
                ops = {
                    "=": lambda x, y: x == y,
                    "!=": lambda x, y: x != y,
                    "<": lambda x, y: x < y,
                    "<=": lambda x, y: x <= y,
                    ">": lambda x, y: x > y,
                    ">=": lambda x, y: x >= y,
                }
                return _Value(ops[node.op](a.expr, b.expr), "bool")
            raise Unsupported(f"the operator '{node.op}'")
        if isinstance(node, A.InList):
            v = self.value(node.operand)
            items = [self.value(i) for i in node.items]
            if not items or not all(isinstance(i, A.Literal) for i in node.items):
                raise Unsupported(f"'{node.text}': a list of other than literals")
            same = {"str": ("str",), "int": ("int", "num"), "num": ("int", "num")}.get(v.kind, ())
            if not all(i.kind in same for i in items):
                raise Unsupported(f"'{node.text}': a list of another kind than the field")
            values = [n.value for n in node.items if isinstance(n, A.Literal)]
            hit = v.expr.isin(values)
            return _Value(~hit if node.negated else hit, "bool")
        if isinstance(node, A.Like) and isinstance(node.pattern, A.Literal):
            v = self.value(node.operand)
            if v.kind != "str":
                raise Unsupported(f"'{node.text}': like on a non-text field")
            hit = v.expr.contains(str(node.pattern.value))
            return _Value(~hit if node.negated else hit, "bool")
        if isinstance(node, A.Call):
            return self.call(node)
        raise Unsupported(f"'{getattr(node, 'text', node)}'")

    def call(self, node: Any) -> _Value:
        from ..insights import _ast as A

        name = node.name.lower()
        if name == "ispresent" and len(node.args) == 1 and isinstance(node.args[0], A.Field):
            return _Value(self.value(node.args[0]).expr.notnull(), "bool")
        if name in ("isipv4insubnet", "isipinsubnet") and len(node.args) == 2:
            field, cidr = node.args
            if not isinstance(cidr, A.Literal) or not isinstance(cidr.value, str):
                raise Unsupported(f"'{node.text}': a subnet that is not a literal")
            v = self.value(field)
            try:
                net = ipaddress.ip_network(cidr.value.strip(), strict=False)
            except ValueError as e:
                raise Unsupported(f"'{node.text}': not a network") from e
            if v.kind != "str" or net.version != 4:
                raise Unsupported(f"'{node.text}': an IPv6 network or a non-text field")
            return _Value(v.expr.re_search(_ipv4_network_regex(net)).fill_null(False), "bool")
        raise Unsupported(f"the function {node.name}()")

    def compute(self, item: Any) -> None:
        """A ``fields`` value computed by the query (never one that hides a record field of that name)."""
        if self.probe.column(item.name) is not None:
            raise Unsupported(f"'{item.name}': a computed field named like a record field")
        self.computed[item.name] = self.value(item.expr)

    def boolean(self, node: Any) -> Any:
        v = self.value(node)
        if v.kind != "bool":
            raise Unsupported(f"'{node.text}' is not a condition")
        return v.expr

    def time(self) -> Any:
        if self.kinds.get("start") != "time":
            raise Unsupported("no start column")
        return self.t.start.cast("int64")


def _ipv4_network_regex(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """One regular expression for "a valid IPv4 address inside ``net``" (the pandas engine's address rule).

    The octets the prefix fixes are written out, the one it cuts lists its allowed values, the others
    are any octet: one ``regexp`` scan instead of splitting every address into numbers.
    """
    octets = [int(o) for o in str(net.network_address).split(".")]
    parts = []
    for i, value in enumerate(octets):
        bits = min(max(net.prefixlen - 8 * i, 0), 8)
        if bits == 8:
            parts.append(str(value))
        elif bits == 0:
            parts.append(_OCTET)
        else:
            size = 1 << (8 - bits)
            parts.append("(?:" + "|".join(str(x) for x in range(value, value + size)) + ")")
    return "^" + r"\.".join(parts) + "$"


def compile_query(ds: FlowDataset, tree: Any, start: Any = None, end: Any = None) -> Compiled:
    """The query as one engine expression, or the narrowing one (``kind="narrowed"``, with the reason)."""
    from ..insights import _ast as A

    if any(isinstance(c, A.Diff) for c in tree.commands):
        return _narrowed(ds, tree, start, end, "diff compares periods outside the time range")
    try:
        c = _Compiler(ds, tree)
        _time_range(c, start, end)
        i = 0
        commands = tree.commands
        while i < len(commands):  # the leading commands on records
            cmd = commands[i]
            if isinstance(cmd, A.Filter):
                c.t = c.t.filter(c.boolean(cmd.condition))
            elif isinstance(cmd, A.Fields | A.Display) and not any(
                isinstance(c2, A.Stats) for c2 in commands[i:]
            ):
                break  # shown fields of a record query: the pandas engine computes them on the rows kept
            elif isinstance(cmd, A.Fields):
                for item in cmd.items:
                    if item.alias is not None or not isinstance(item.expr, A.Field):
                        c.compute(item)
            else:
                break
            i += 1
        if i < len(commands) and isinstance(commands[i], A.Stats):
            return _stats(c, tree, i)
        return _records(c, tree, i)
    except Unsupported as e:
        return _narrowed(ds, tree, start, end, str(e))


def _time_range(c: _Compiler, start: Any, end: Any) -> None:
    """``start``/``end`` as the pandas engine keeps them: a present @timestamp within both, included."""
    from .._durations import utc_timestamp

    lo_t, hi_t = utc_timestamp(start, "start"), utc_timestamp(end, "end")
    if lo_t is None and hi_t is None:
        return
    ts = c.time()
    m = ts.notnull()
    if lo_t is not None:  # whole seconds, in integers (nanoseconds do not fit a float exactly)
        m &= ts >= -(-int(lo_t.value) // 10**9)
    if hi_t is not None:
        m &= ts <= int(hi_t.value) // 10**9
    c.t = c.t.filter(m)


# -- stats --------------------------------------------------------------------------------
def _stats(c: _Compiler, tree: Any, i: int) -> Compiled:
    from ..insights import _ast as A

    ibis = _ibis()
    cmd = tree.commands[i]
    keys: dict[str, Any] = {}
    kinds: dict[str, str] = {}  # result column -> "column:<name>", "bin" or an aggregation's dtype
    time_key = None
    for item in cmd.by:
        e = item.expr
        if (
            isinstance(e, A.Call)
            and e.name == "bin"
            and len(e.args) == 1
            and isinstance(e.args[0], A.Duration)
        ):
            d = e.args[0]
            step = d.amount * _SECONDS.get(d.unit, 0)
            if not step or step != int(step):
                raise Unsupported(f"'{item.expr.text}': a period that is not a whole number of seconds")
            step, offset = int(step), _MONDAY_OFFSET if d.unit == "w" else 0
            keys[item.name] = (c.time() + offset) // step * step - offset
            kinds[item.name] = "bin"
            time_key = time_key or item.name
        elif isinstance(e, A.Field) and e.name not in c.computed:
            col = c.column(e.name)
            if c.kinds[col] == "time":
                raise Unsupported(f"'{e.name}': a time field as a by key")
            keys[item.name] = c.t[col]
            kinds[item.name] = f"column:{col}"
        else:
            raise Unsupported(f"'{item.expr.text}': a by key that is not a field or bin()")
    aggs: dict[str, Any] = {}
    for item in cmd.aggregations:
        e = item.expr
        if not (isinstance(e, A.Call) and e.name.lower() in _AGGREGATIONS and len(e.args) == 1):
            raise Unsupported(f"'{e.text}': an aggregation engines do not compute exactly as here")
        fn, arg = e.name.lower(), e.args[0]
        if isinstance(arg, A.Star):
            if fn != "count":
                raise Unsupported(f"'{e.text}'")
            aggs[item.name], kinds[item.name] = c.t.count(), "Int64"
            continue
        if not isinstance(arg, A.Field):
            raise Unsupported(f"'{e.text}': an aggregation of an expression")
        v = c.value(arg)
        agg_col = c.probe.column(arg.name) if arg.name not in c.computed else None
        is_time = agg_col is not None and c.kinds.get(agg_col) == "time"
        if fn == "count":
            aggs[item.name], kinds[item.name] = v.expr.count(), "Int64"
        elif fn == "count_distinct":
            aggs[item.name], kinds[item.name] = v.expr.nunique(), "Int64"
        elif v.kind != "int":
            raise Unsupported(f"'{e.text}': {fn} of a {v.kind} field")
        elif fn == "sum" and not is_time:
            aggs[item.name], kinds[item.name] = v.expr.sum().cast("int64"), "Int64"
        elif fn == "avg" and not is_time:
            aggs[item.name], kinds[item.name] = v.expr.mean().cast("float64"), "Float64"
        elif fn in ("min", "max"):
            aggs[item.name] = v.expr.min() if fn == "min" else v.expr.max()
            kinds[item.name] = "time" if is_time else "Int64"
        else:
            raise Unsupported(f"'{e.text}': {fn} of a time")
    names = list(keys) + [n for n in aggs if n not in keys]
    if len(set(names)) != len(keys) + len(aggs):
        raise Unsupported("a stats result name used twice")
    t = c.t
    if keys:
        g = t.group_by(**keys).aggregate(**aggs)
    else:  # no by: one row, none when no record is left (as the pandas engine)
        g = t.aggregate(**aggs, __n=t.count())
        g = g.filter(g["__n"] > 0).drop("__n")
    done = i + 1
    ordered = limited = False
    commands = tree.commands
    settle = [ibis.desc(g[time_key])] if time_key else []
    settle += [ibis.asc(g[k]) for k in keys if k != time_key]
    order = list(settle)

    def text_key(key: Any) -> bool:
        name = key.expr.text if isinstance(key.expr, A.Call) else getattr(key.expr, "name", None)
        kind = kinds.get(name, "") if name is not None else ""
        return kind.startswith("column:") and c.kinds.get(kind.split(":", 1)[1]) == "str"

    # text sorts naturally (the guide's "sort" page; flownb.insights._values.natural_key), which the
    # engine's ORDER BY cannot say: the engine then gives every group and pandas sorts and limits them
    if (
        done < len(commands)
        and isinstance(commands[done], A.Sort)
        and not any(map(text_key, commands[done].keys))
    ):
        sort_keys = []
        for key in commands[done].keys:
            name = key.expr.text if isinstance(key.expr, A.Call) else getattr(key.expr, "name", None)
            if name not in names:
                raise Unsupported(f"sort '{key.expr.text}': not a column of the stats result")
            sort_keys.append(ibis.desc(g[name]) if key.descending else ibis.asc(g[name]))
        sorted_names = {k.expr.text if isinstance(k.expr, A.Call) else getattr(k.expr, "name", None)
                        for k in commands[done].keys}  # fmt: skip
        order = sort_keys + [o for o, k in zip(settle, [time_key] * bool(time_key) + [k for k in keys if k != time_key], strict=True)
                             if k not in sorted_names]  # fmt: skip
        ordered, done = True, done + 1
    limit = None
    if done < len(commands) and isinstance(commands[done], A.Limit) and not commands[done].any:
        limit, limited, done = commands[done].count, True, done + 1
        ordered = True
    if done == len(commands) and limit is None:  # nothing follows: the rows shown, in the settled order
        from ..insights._engine import DEFAULT_LIMIT

        limit, ordered = DEFAULT_LIMIT, True
    if ordered:
        if order:
            g = g.order_by(order)
        if limit is not None:
            g = g.limit(limit)
    g = g.select(*names)

    def finish(table: pa.Table) -> pd.DataFrame:
        return _stats_frame(table, names, kinds)

    resume = dict(done=done, by=list(keys), time_key=time_key, ordered=ordered, limited=limited)
    return Compiled("stats", g, finish, resume=resume)


def _stats_frame(table: pa.Table, names: list[str], kinds: dict[str, str]) -> pd.DataFrame:
    """The engine's groups in the dtypes the pandas engine's stats gives."""
    from ..analysis._frame import utc_seconds

    out: dict[str, Any] = {}
    for name in names:
        kind, col = kinds[name], table[name]
        if kind.startswith("column:"):
            source = kind.split(":", 1)[1]
            out[name] = to_contract(pa.table({source: col}))[source].array
        elif kind in ("bin", "time"):
            arr = col.cast(pa.int64()).fill_null(np.iinfo(np.int64).min).to_numpy(zero_copy_only=False)
            out[name] = utc_seconds(np.asarray(arr, dtype=np.int64))  # the smallest int64 is NaT
        else:
            out[name] = _masked(col, kind)
    return pd.DataFrame(out, index=pd.RangeIndex(table.num_rows))


def _masked(col: pa.ChunkedArray, dtype: str) -> Any:
    """A nullable engine column as a pandas masked array (integers exact)."""
    mask = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if dtype == "Int64":
        values = np.asarray(col.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        return pd.arrays.IntegerArray(values, mask)
    floats = np.asarray(
        col.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False), dtype=np.float64
    )
    return pd.arrays.FloatingArray(floats, mask)


# -- records ------------------------------------------------------------------------------
def _records(c: _Compiler, tree: Any, i: int) -> Compiled:
    """The rows a record query can show, in the settled order, for the pandas engine to finish.

    ``fields``/``display`` (computed values), ``filter``, one ``sort``, ``dedup``
    (the first record of each combination in the order so far, records missing
    one of the fields all kept) and a final ``limit``; the pandas engine then
    runs the whole query on the rows kept, which gives the same rows.
    """
    from ..insights import _ast as A
    from ..insights._engine import DEFAULT_LIMIT
    from ._ops import _needed_columns

    ibis = _ibis()
    commands = tree.commands
    needed = _needed_columns(tree, c.columns) or c.columns
    found = {c.probe.column(n.name) for cmd in commands for n in A.walk(cmd) if isinstance(n, A.Field)}
    named = sorted(x for x in found if x is not None)

    def settled(skip: set[str]) -> list[Any]:
        # the pandas engine's settled order (flownb.insights._engine): newest first, then the named
        # fields, then the others, ascending; missing last
        out = []
        if "start" in needed and c.kinds.get("start") == "time" and "start" not in skip:
            out.append(ibis.desc(c.t.start))
        ties = [x for x in named if x in needed and x != "start"]
        ties += sorted(x for x in needed if x not in ties and x != "start")
        return out + [ibis.asc(c.t[x]) for x in ties if x not in skip]

    sort_keys: list[Any] = []
    sorted_columns: set[str] = set()
    natural = False
    limit = DEFAULT_LIMIT
    j = i
    while j < len(commands):
        cmd = commands[j]
        if isinstance(cmd, A.Fields | A.Display):
            for item in cmd.items:  # computed here too, so a sort or a filter on them compiles
                if item.alias is not None or not isinstance(item.expr, A.Field):
                    c.compute(item)
                else:
                    c.value(item.expr)
        elif isinstance(cmd, A.Filter):
            c.t = c.t.filter(c.boolean(cmd.condition))
        elif isinstance(cmd, A.Sort):
            sort_keys, sorted_columns = [], set()
            for key in cmd.keys:
                v = c.value(key.expr)
                if isinstance(key.expr, A.Field) and key.expr.name not in c.computed:
                    col = c.column(key.expr.name)
                    if col in sorted_columns:
                        continue
                    sorted_columns.add(col)
                sort_keys.append(ibis.desc(v.expr) if key.descending else ibis.asc(v.expr))
                # text sorts naturally (the guide's "sort" page), which ORDER BY cannot say: the
                # engine keeps every record that passes and the pandas engine sorts and limits them
                natural = natural or v.kind == "str"
        elif isinstance(cmd, A.Dedup) and cmd.fields:
            if natural:
                raise Unsupported("dedup after a sort by text (natural sort runs in pandas)")
            keys = [c.value(f).expr for f in cmd.fields]
            missing = functools.reduce(lambda a, b: a | b, [k.isnull() for k in keys])
            first = ibis.row_number().over(group_by=keys, order_by=sort_keys + settled(sorted_columns))
            c.t = c.t.mutate(__first=first)
            c.t = c.t.filter((c.t["__first"] == 0) | missing).drop("__first")
        elif isinstance(cmd, A.Limit) and not cmd.any and j == len(commands) - 1:
            limit = cmd.count
        else:
            raise Unsupported(f"'{cmd.keyword}' in a record query")
        j += 1
    expr = c.t.order_by(sort_keys + settled(sorted_columns))
    if not natural:
        expr = expr.limit(limit)
    expr = expr.select(*needed)
    return Compiled("records", expr, to_contract)


def _narrowed(ds: FlowDataset, tree: Any, start: Any, end: Any, reason: str) -> Compiled:
    """The engine narrows (columns, leading filters, time range); the pandas engine runs the query."""
    from .._durations import utc_timestamp
    from ._ops import _needed_columns, _pushdown

    columns = ds.columns
    narrowed = ds
    compares = any(type(c).__name__ == "Diff" for c in tree.commands)  # diff reads the period before start
    lo_t, hi_t = utc_timestamp(start, "start"), utc_timestamp(end, "end")
    if (lo_t is not None or hi_t is not None) and "start" in columns and not compares:
        lo = None if lo_t is None else int(np.floor(lo_t.timestamp()))
        hi = None if hi_t is None else int(np.ceil(hi_t.timestamp()))

        def in_range(t: Any) -> Any:
            m = t.start.notnull()
            if lo is not None:
                m &= t.start >= lo
            if hi is not None:
                m &= t.start <= hi
            return m

        narrowed = narrowed.where(in_range, "the query's time range")
    pred = _pushdown(tree, columns)
    if pred is not None:
        narrowed = narrowed.where(pred, "the query's leading filter")
    needed = _needed_columns(tree, columns)
    if needed == [] and columns:  # the query names no field these records have: one column keeps the count
        needed = columns[:1]
    t = narrowed.table()
    expr = t if needed is None else t.select(*needed)
    return Compiled("narrowed", expr, to_contract, reason, dataset=narrowed, needed=needed)
