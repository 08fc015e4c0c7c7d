"""The analyses compiled to one Ibis expression each: the engine twins of ``flownb.analysis``.

Each ``build_<name>(ds, ...)`` validates the keywords with the pandas
function's own messages and returns a :class:`Plan` (the expression and how its
result becomes the pandas function's frame); ``run_<name>`` executes it.
:mod:`flownb._dispatch` calls ``run_<name>`` when the public function is given
a FlowDataset. The rules follow the pandas path exactly, and the differential
tests (``tests/scale/test_equivalence.py``) hold them to it: same rows, same
order (ties by key value, ascending), integers exact, floats within 1e-9.

Portable SQL only: integer bins (``floor(start / f)``), no exact percentile,
no unsigned types, sums cast to BIGINT, so the same expression compiles for
DuckDB, Athena (Trino) and Spark.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._columns import require_columns, unknown_column
from ..analysis._frame import _CIDR_RE
from ._dataset import FlowDataset, _ibis, to_contract

__all__ = ["Plan", "build_query", "build_timeseries", "build_top", "run_query", "run_timeseries", "run_top"]

_INT64_MIN = -(2**63)


@dataclasses.dataclass(frozen=True)
class Plan:
    """An analysis as an engine expression plus the step that turns its result into the pandas frame."""

    expr: Any
    finish: Callable[[pa.Table], pd.DataFrame]

    def run(self) -> pd.DataFrame:
        return self.finish(self.expr.to_pyarrow())


def _data_rows(t: Any, cols: set[str]) -> Any:
    """Rows that describe traffic, as ``flownb.analysis._frame.data_rows``: OK (or no status), both addresses."""
    ibis = _ibis()
    m = ibis.literal(True)
    if "log_status" in cols:
        m &= (t.log_status == "OK").fill_null(True)
    for c in ("srcaddr", "dstaddr"):
        if c in cols:
            m &= t[c].notnull()
    return m


def _keys(ds: FlowDataset, t: Any, by: list[str]) -> tuple[Any, list[str], dict[str, str]]:
    """The table with every key as a column (networks like 'srcaddr/24' joined in), and the key kinds."""
    ibis = _ibis()
    cols = list(t.columns)
    kinds: dict[str, str] = {}
    for key in by:
        m = _CIDR_RE.match(key)
        if m and m["col"] in cols:
            v4, v6 = int(m["v4"]), int(m["v6"]) if m["v6"] else 64
            if not (0 <= v4 <= 32 and 0 <= v6 <= 128):
                raise ValueError(f"by: '{key}' must use an IPv4 prefix length 0-32 (and IPv6 0-128)")
            # the network of each distinct address, computed once in Python by the pandas path's own helper
            from ..analysis._addresses import prefix_of

            col = m["col"]
            values = t.select(col).distinct().to_pyarrow()[col].to_pylist()
            values = [v for v in values if v is not None]
            nets = prefix_of(pd.Series(values, dtype=object), v4, v6)
            lookup = ibis.memtable(
                pa.table({"__addr": pa.array(values, pa.string()), key: pa.array(list(nets), pa.string())})
            )
            t = t.left_join(lookup, t[col] == lookup["__addr"]).drop("__addr")
            kinds[key] = "network"
            continue
        if key not in cols:
            raise unknown_column(
                key, list(t.columns), "by", " (write 'srcaddr/24' to group addresses by network)"
            )
        kinds[key] = "column"
    return t, by, kinds


def _key_frame(table: pa.Table, keys: list[str], kinds: dict[str, str]) -> pd.DataFrame:
    """The key columns of a result in the pandas path's dtypes (networks as categoricals)."""
    fields = to_contract(table.select([k for k in keys if kinds[k] == "column"]))
    out = {}
    for k in keys:
        if kinds[k] == "column":
            out[k] = fields[k]
        else:
            values = table[k].to_pylist()
            out[k] = pd.Series(
                pd.Categorical(values, categories=sorted({v for v in values if v is not None}))
            )
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------------------------ top


def build_top(
    ds: FlowDataset,
    by: str | list[str] = "srcaddr",
    metric: str = "bytes",
    n: int | None = 10,
    *,
    counters: bool = True,
) -> Plan:
    """The compiled twin of :func:`flownb.analysis.top`."""
    from ..analysis._traffic import _METRICS, _check_metric

    ibis = _ibis()
    _check_metric(metric, _METRICS)
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ValueError("by must name at least one column")
    if n is not None and (not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1):
        raise ValueError(f"n must be a positive integer or None, got {n!r}")
    t = ds.table()
    cols = set(t.columns)
    has_time = "start" in cols and "end" in cols
    rows = _data_rows(t, cols)
    t, keys, kinds = _keys(ds, t, keys)
    if metric in ("bps", "pps") and not has_time:
        raise ValueError(f"metric '{metric}' needs the start and end fields, which this frame does not have")
    for k in keys:
        rows &= t[k].notnull()
    t = t.filter(rows)

    def total(col: str) -> Any:  # a missing counter counts 0, an absent one too
        return t[col].cast("int64").fill_null(0).sum().cast("int64") if col in cols else t.count() * 0

    aggs: dict[str, Any] = {"flows": t.count(), "packets": total("packets"), "bytes": total("bytes")}
    if has_time:
        aggs |= {
            "_first": t.start.min(),
            "_last": t.end.max(),
        }
    g = t.group_by(keys).aggregate(**aggs)
    packets_f, bytes_f = g.packets.cast("float64"), g.bytes.cast("float64")
    values: dict[str, Any] = {
        "flows": g.flows.cast("float64"),
        "packets": packets_f,
        "bytes": bytes_f,
        "bpp": ibis.ifelse(g.packets > 0, bytes_f / packets_f, ibis.null("float64")),
    }
    if has_time:
        # as the pandas path (flownb/analysis/_traffic.py top): the first known start and the last known
        # end (NULL, shown as NaT, when a key has none); no active time, no rates (NULL, shown as NaN)
        span = g._last - g._first  # NULL when either is (DuckDB's GREATEST would skip a NULL)
        dur = ibis.ifelse(span.isnull(), ibis.null("float64"), ibis.greatest(span, 1).cast("float64"))
        values |= {"bps": bytes_f * 8 / dur, "pps": packets_f / dur, "first": g._first, "last": g._last}
    out_cols = {k: g[k] for k in keys}
    out_cols |= {"flows": g.flows, "packets": g.packets, "bytes": g.bytes}
    if has_time:
        out_cols |= {"bps": values["bps"], "pps": values["pps"]}
    out_cols["bpp"] = values["bpp"]
    if has_time:
        out_cols |= {"first": values["first"], "last": values["last"]}
    if metric in ("flows", "packets", "bytes"):
        total = values[metric].sum().over(ibis.window())
        out_cols["share"] = ibis.ifelse(total == 0, ibis.null("float64"), values[metric] / total)
    else:
        out_cols["share"] = ibis.null("float64")
    out_cols["_rank"] = values[metric].fill_null(-1.0)
    r = g.select(**out_cols)
    r = r.order_by([ibis.desc("_rank"), *[ibis.asc(k) for k in keys]])
    if n is not None:
        r = r.limit(int(n))
    r = r.drop("_rank")

    def finish(table: pa.Table) -> pd.DataFrame:
        out = _key_frame(table, keys, kinds)
        out["flows"] = np.asarray(table["flows"].to_numpy(zero_copy_only=False), dtype=np.int64)
        for c in ("packets", "bytes"):
            out[c] = pd.array(
                np.asarray(table[c].to_numpy(zero_copy_only=False), dtype=np.int64), dtype="UInt64"
            )
        floats = ("bps", "pps", "bpp") if has_time else ("bpp",)
        for c in floats:
            out[c] = _floats(table[c])
        if has_time:
            for c in ("first", "last"):
                out[c] = _times(table[c])
        out["share"] = _floats(table["share"])
        cols_order = [*keys, "flows", "packets", "bytes", *(["bps", "pps"] if has_time else []), "bpp"]
        cols_order += (["first", "last"] if has_time else []) + ["share"]
        if not counters and metric in ("flows", "packets", "bytes"):  # the pandas path's ranking-only columns
            cols_order = [*keys, *dict.fromkeys(["flows", metric]), "share"]
        return out[cols_order]

    return Plan(r, finish)


def _floats(col: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def _times(col: pa.ChunkedArray) -> Any:
    from ..analysis._frame import utc_seconds

    arr = col.cast(pa.int64()).fill_null(_INT64_MIN).to_numpy(zero_copy_only=False)
    return utc_seconds(np.asarray(arr, dtype=np.int64))


def run_top(
    ds: FlowDataset,
    by: str | list[str] = "srcaddr",
    metric: str = "bytes",
    n: int | None = 10,
    *,
    counters: bool = True,
) -> pd.DataFrame:
    """:func:`flownb.analysis.top` on a dataset."""
    return build_top(ds, by=by, metric=metric, n=n, counters=counters).run()


# ----------------------------------------------------------------------------------------- timeseries


def build_timeseries(
    ds: FlowDataset, freq: str = "1min", metric: str = "bytes", by: str | None = None
) -> Plan:
    """The compiled twin of :func:`flownb.analysis.timeseries`."""
    from ..analysis._traffic import _check_metric, _freq_seconds

    ibis = _ibis()
    t = ds.table()
    cols = set(t.columns)
    require_columns(ds, ["start", "end"], "timeseries()")
    _check_metric(metric, ("flows", "packets", "bytes", "bps", "pps"))
    f = _freq_seconds(freq)
    rows = _data_rows(t, cols) & t.start.notnull() & t.end.notnull()
    keys, kinds = [], {}
    if by is not None:
        t, keys, kinds = _keys(ds, t, [by])
        rows &= t[by].notnull()
    t = t.filter(rows)
    s = t.start.cast("int64")
    e = ibis.greatest(t.end.cast("int64"), s)
    if metric == "flows":
        base = ibis.literal(1.0)
    else:
        col = "bytes" if metric in ("bytes", "bps") else "packets"
        base = t[col].cast("float64").fill_null(0.0) if col in cols else ibis.literal(0.0)
    x = t.select(_s=s, _e=e, _v=base, **{k: t[k] for k in keys})
    length = x._e - x._s
    b0 = x._s // f
    b1 = ibis.ifelse(length > 0, -((-x._e) // f) - 1, b0)
    x = x.mutate(_len=length, _b0=b0, _b1=ibis.greatest(b1, b0))
    y = x.select("_s", "_e", "_v", "_len", *keys, _k=ibis.range(x._b0, x._b1 + 1).unnest())
    lo = ibis.greatest(y._s, y._k * f)
    hi = ibis.least(y._e, (y._k + 1) * f)
    weight = ibis.ifelse(y._len == 0, ibis.literal(1.0), (hi - lo).cast("float64") / y._len.cast("float64"))
    value = y._v if metric == "flows" else y._v * weight  # flows: the records active in the bin
    if metric == "bps":
        value = value * 8 / f
    elif metric == "pps":
        value = value / f
    y = y.mutate(_m=value)
    sums = y.group_by(["_k", *keys]).aggregate(_sum=y._m.sum())
    bounds = y.aggregate(_kmin=y._k.min(), _kmax=y._k.max())
    bins = bounds.select(_k=ibis.range(bounds._kmin, bounds._kmax + 1).unnest())
    if keys:
        grid = bins.cross_join(sums.select(*keys).distinct())
        cond = [grid._k == sums._k, *[grid[k] == sums[k] for k in keys]]
    else:
        grid, cond = bins, [bins._k == sums._k]
    joined = grid.left_join(sums, cond)
    out = joined.select(
        _time=joined._k * f, **{k: joined[k] for k in keys}, _value=joined._sum.fill_null(0.0)
    )
    out = out.order_by(["_time", *keys])

    def finish(table: pa.Table) -> pd.DataFrame:
        from ..analysis._frame import utc_seconds

        times = np.asarray(table["_time"].cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
        cols_out: dict[str, Any] = {"time": utc_seconds(times)}
        if by is not None:
            cols_out[by] = _key_frame(table, keys, kinds)[by].reset_index(drop=True)
        vals = _floats(table["_value"])
        # as the pandas path: flows are whole numbers, except in an empty result (float64 there)
        cols_out[metric] = np.rint(vals).astype(np.int64) if metric == "flows" and len(vals) else vals
        df = pd.DataFrame(cols_out)
        if not len(df):
            df["time"] = pd.Series([], dtype="datetime64[s, UTC]")
        return df

    return Plan(out, finish)


def run_timeseries(
    ds: FlowDataset, freq: str = "1min", metric: str = "bytes", by: str | None = None
) -> pd.DataFrame:
    """:func:`flownb.analysis.timeseries` on a dataset."""
    return build_timeseries(ds, freq=freq, metric=metric, by=by).run()


# ---------------------------------------------------------------------------------------------- query


def _needed_columns(tree: Any, columns: list[str]) -> list[str] | None:
    """The dataset columns a Logs Insights query reads, as the pandas engine resolves its fields
    (None: all of them, for ``@message`` or a query that shows whole records)."""
    from ..insights import _ast as A
    from ..insights._fields import Records

    shows_fields = any(isinstance(c, (A.Fields, A.Display, A.Stats)) for c in tree.commands)
    if not shows_fields:
        return None
    names = {n.name for c in tree.commands for n in A.walk(c) if isinstance(n, A.Field)}
    if "@message" in names:
        return None
    records = Records(pd.DataFrame({c: [] for c in columns}))
    needed = {records.column(n) for n in names} - {None}
    if "start" in columns:
        needed.add("start")  # @timestamp: the default order, and the query's start/end range
    return [c for c in columns if c in needed]


def _pushdown(tree: Any, columns: list[str]) -> Callable[[Any], Any] | None:
    """A predicate implied by the query's leading ``filter`` commands (a superset of what they keep), or None.

    Only comparisons of a field with a literal of the column's kind, ``in [...]``, ``and`` and ``or`` are
    compiled; a conjunct that is not is left out (the predicate only narrows: the pandas engine then runs
    the whole query on what is left, so the result is the same by construction).
    """
    from ..insights import _ast as A
    from ..insights._fields import Records

    records = Records(pd.DataFrame({c: [] for c in columns}))
    ints = {c for c in columns if _is_int_field(c)}
    strings = {c for c in columns if not _is_int_field(c) and c not in ("start", "end")}

    def field_col(node: Any) -> str | None:
        return (
            records.column(node.name) if isinstance(node, A.Field) and not node.name.startswith("@") else None
        )

    def literal_for(col: str, node: Any) -> Any:
        if not isinstance(node, A.Literal):
            return None
        v = node.value
        if col in ints and isinstance(v, int) and not isinstance(v, bool):
            return v
        if col in strings and isinstance(v, str):
            return v
        return None

    def compile_(node: Any) -> Callable[[Any], Any] | None:
        if isinstance(node, A.Binary) and node.op in ("and", "or"):
            left, right = compile_(node.left), compile_(node.right)
            if node.op == "and":
                if left is None or right is None:
                    return left or right
                return lambda t: left(t) & right(t)
            if left is None or right is None:
                return None
            return lambda t: left(t) | right(t)
        if isinstance(node, A.Binary) and node.op in ("=", "!=", "<", "<=", ">", ">="):
            col, lit = field_col(node.left), None
            op = node.op
            if col is not None:
                lit = literal_for(col, node.right)
            else:
                col = field_col(node.right)
                if col is not None:
                    lit = literal_for(col, node.left)
                    op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
            if col is None or lit is None or (op not in ("=", "!=") and col not in ints):
                return None
            ops = {
                "=": lambda c: c == lit,
                "!=": lambda c: c != lit,
                "<": lambda c: c < lit,
                "<=": lambda c: c <= lit,
                ">": lambda c: c > lit,
                ">=": lambda c: c >= lit,
            }
            return lambda t: ops[op](t[col]).fill_null(False)
        if isinstance(node, A.InList) and not node.negated:
            col = field_col(node.operand)
            values = [literal_for(col, i) for i in node.items] if col is not None else [None]
            if col is None or any(v is None for v in values):
                return None
            return lambda t: t[col].isin(values).fill_null(False)
        return None

    preds = []
    for command in tree.commands:
        if not isinstance(command, A.Filter):
            break
        p = compile_(command.condition)
        if p is not None:
            preds.append(p)
    if not preds:
        return None
    return lambda t: functools.reduce(lambda a, b: a & b, (p(t) for p in preds))


def _is_int_field(column: str) -> bool:
    from .. import schema

    try:
        return schema.field(column).is_integer
    except KeyError:
        return False


def build_query(
    ds: FlowDataset,
    query: str,
    *,
    start: Any = None,
    end: Any = None,
    tables: Any = None,
    now: Any = None,
) -> Any:
    """The engine expression of a Logs Insights query (see :mod:`flownb.scale._query`)."""
    from ..insights._parser import parse
    from ._query import compile_query

    return compile_query(ds, parse(query), start, end)


def run_query(
    ds: FlowDataset,
    query: str,
    *,
    start: Any = None,
    end: Any = None,
    tables: Any = None,
    now: Any = None,
) -> pd.DataFrame:
    """:func:`flownb.query` on a dataset: compiled to the engine where exact, the pandas engine for the rest.

    :mod:`flownb.scale._query` says which commands compile. A query that does
    not compile is narrowed by the engine (the columns it reads, the records
    its leading ``filter`` commands and its ``start``/``end`` range can keep)
    and run by the pandas Logs Insights engine; what is left must fit in
    memory (:data:`flownb.scale._dataset.ROW_CAP`): filter first. Either way
    the result is the one of ``flownb.query`` on the full frame.
    """
    import flownb.insights as insights

    from ..insights._engine import resume
    from ..insights._parser import parse
    from ._query import compile_query, log

    tree = parse(query)
    compiled = compile_query(ds, tree, start, end)
    on_frame = getattr(insights.query, "__wrapped__", insights.query)  # the pandas function itself
    if compiled.kind == "narrowed":
        log.debug("query narrowed by the engine, run in pandas: %s", compiled.reason)
        assert compiled.dataset is not None
        frame = compiled.dataset.to_pandas(columns=compiled.needed)
        result: pd.DataFrame = on_frame(frame, query, start=start, end=end, tables=tables, now=now)
        return result
    table = compiled.expr.to_pyarrow()
    if compiled.kind == "records":
        log.debug(
            "query compiled: the engine keeps the %d records shown, pandas computes their fields", len(table)
        )
        return on_frame(compiled.finish(table), query, start=start, end=end, tables=tables, now=now)
    rest = len(tree.commands) - compiled.resume["done"]
    log.debug(
        "query compiled to one expression%s", f"; {rest} command(s) after it run in pandas" if rest else ""
    )
    return resume(tree, compiled.finish(table), columns=ds.columns, tables=tables, now=now, **compiled.resume)


# ------------------------------------------------------------------------------------------- coverage


def build_coverage(ds: FlowDataset, freq: str = "10min") -> Plan:
    """The compiled twin of :func:`flownb.analysis.connectivity.coverage` (``_coverage.coverage``)."""
    from .._durations import duration_seconds

    ibis = _ibis()
    require_columns(ds, ["interface_id", "start"], "coverage()")
    f = duration_seconds(freq, name="freq")
    t = ds.table()
    cols = set(t.columns)
    t = t.filter(t.interface_id.notnull() & t.start.notnull())
    if "log_status" in cols:
        status = ibis.cases((t.log_status == "NODATA", 1), (t.log_status == "SKIPDATA", 2), else_=0)
    else:
        status = ibis.literal(0)
    x = t.select(interface_id=t.interface_id, _w=t.start.cast("int64") // f, _s=status)
    counts = x.group_by(["interface_id", "_w"]).aggregate(
        records=x.count(),
        ok=(x._s == 0).cast("int64").sum(),
        nodata=(x._s == 1).cast("int64").sum(),
        skipdata=(x._s == 2).cast("int64").sum(),
    )
    bounds = x.aggregate(_w0=x._w.min(), _w1=x._w.max())
    windows = bounds.select(_k=ibis.range(bounds._w0, bounds._w1 + 1).unnest())
    grid = x.select("interface_id").distinct().cross_join(windows)
    j = grid.left_join(counts, [grid.interface_id == counts.interface_id, grid._k == counts._w])
    out = j.select(
        interface_id=grid.interface_id,
        _window=grid._k * f,
        records=j.records.fill_null(0),
        ok=j.ok.fill_null(0),
        nodata=j.nodata.fill_null(0),
        skipdata=j.skipdata.fill_null(0),
    ).order_by(["interface_id", "_window"])

    def finish(table: pa.Table) -> pd.DataFrame:
        names = ["interface_id", "window", "status", "records", "ok", "nodata", "skipdata"]
        if table.num_rows == 0:  # as the pandas path: no ENI with a time
            return pd.DataFrame({c: [] for c in names})
        ints = {c: _ints(table[c]) for c in ("records", "ok", "nodata", "skipdata")}
        label = np.where(
            ints["skipdata"] > 0,
            "SKIPDATA",
            np.where(ints["ok"] > 0, "OK", np.where(ints["nodata"] > 0, "NODATA", "GAP")),
        )
        return pd.DataFrame(
            {
                "interface_id": to_contract(table.select(["interface_id"]))["interface_id"],
                "window": pd.to_datetime(_ints(table["_window"]), unit="s", utc=True).as_unit("s"),
                "status": pd.Categorical(label, categories=["OK", "NODATA", "SKIPDATA", "GAP"]),
                **ints,
            }
        )

    return Plan(out, finish)


def run_coverage(ds: FlowDataset, freq: str = "10min") -> pd.DataFrame:
    """:func:`flownb.analysis.connectivity.coverage` on a dataset."""
    return build_coverage(ds, freq=freq).run()


def _ints(col: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(col.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


# ----------------------------------------------------------------------------------------- rejections


def build_rejections(ds: FlowDataset) -> Plan:
    """The compiled twin of :func:`flownb.analysis.connectivity.rejections` (``_rejections.rejections``).

    The engine pairs every record into its conversation (which side is the server, from all the
    records: :mod:`flownb.scale._conversations`), finds each rejected record's own side as
    :func:`flownb.analysis._enrich.local_side` does (``flow-direction``, then the ``pkt-*`` rewrite, then
    the address the ENI has in more of its records) and groups identical rejected records; the pandas
    function's own last step (``_rejections.summarise``) labels and groups what comes back, deciding
    the one rule that needs Python (the scope of an address) once per distinct address.
    """
    from . import _conversations as C

    ibis = _ibis()
    require_columns(ds, ["srcaddr", "dstaddr", "action"], "rejections()")
    t = ds.table()
    cols = set(t.columns)
    conv, _ = C.oriented(ds)
    conv = conv.select(*C._KEY, "_srv_hi")
    r = t.filter(C.data_rows(t, cols) & (t.action == "REJECT").fill_null(False))
    e = C.endpoints(r, cols)
    has_eni, has_pkt = "interface_id" in cols, {"pkt_srcaddr", "pkt_dstaddr"} <= cols
    keep = ["srcaddr", "dstaddr"] + [
        c for c in ("interface_id", "protocol", "reject_reason", "flow_direction") if c in cols
    ]
    if has_pkt:
        keep += ["pkt_srcaddr", "pkt_dstaddr"]
    r = r.select(
        *keep,
        **e,
        _sp=C._int_or(r, cols, "srcport", -1),
        _dp=C._int_or(r, cols, "dstport", -1),
        _pk=C._int_or(r, cols, "packets", 0),
        _by=C._int_or(r, cols, "bytes", 0),
        **({"_st": r.start} if "start" in cols else {}),
        **({"_en": r.end} if "end" in cols else {}),
    )
    j = r.inner_join(conv, [r[k] == conv[k] for k in C._KEY])
    r = j.mutate(_ts=j._fwd == j._srv_hi)
    # local_side, the engine's part: the ENI's own side from flow-direction, pkt-* and the address counts
    side = ibis.literal(0)
    if "flow_direction" in cols:
        side = ibis.cases((r.flow_direction == "egress", 1), (r.flow_direction == "ingress", 2), else_=0)
    if has_pkt:
        src_rw = r.pkt_srcaddr.notnull() & (r.pkt_srcaddr != r.srcaddr).fill_null(False)
        dst_rw = r.pkt_dstaddr.notnull() & (r.pkt_dstaddr != r.dstaddr).fill_null(False)
        side = ibis.cases((side != 0, side), (src_rw & ~dst_rw, 1), (dst_rw & ~src_rw, 2), else_=0)
    if has_eni:
        # how often each (ENI, address) appears as either end of the ENI's records (all of them)
        a = t.filter(t.interface_id.notnull() & t.srcaddr.notnull() & t.dstaddr.notnull())
        ends = a.select(_e=a.interface_id, _a=a.srcaddr).union(
            a.select(_e=a.interface_id, _a=a.dstaddr), distinct=False
        )
        counts = ends.group_by(["_e", "_a"]).aggregate(_c=ends.count())
        cs = counts.rename(_cs="_c", _es="_e", _as="_a")
        cd = counts.rename(_cd="_c", _ed="_e", _ad="_a")
        r = r.left_join(cs, [r.interface_id == cs._es, r.srcaddr == cs._as]).drop("_es", "_as")
        r = r.left_join(cd, [r.interface_id == cd._ed, r.dstaddr == cd._ad]).drop("_ed", "_ad")
        n_s, n_d = r._cs.fill_null(0), r._cd.fill_null(0)
        known = r.interface_id.notnull()
        side = ibis.cases((side != 0, side), (known & (n_s > n_d), 1), (known & (n_d > n_s), 2), else_=0)
    r = r.mutate(_side=side.cast("int64"))
    keys = ["srcaddr", "dstaddr", *(c for c in ("interface_id", "protocol", "reject_reason") if c in cols)]
    keys += ["_ts", "_side", "_sp", "_dp"]
    g = r.group_by(keys).aggregate(
        _n=r.count(),
        packets=r._pk.sum(),
        bytes=r._by.sum(),
        **({"start": r._st.min()} if "start" in cols else {}),
        **({"end": r._en.max()} if "end" in cols else {}),
    )

    def finish(table: pa.Table) -> pd.DataFrame:
        from ..analysis._enrich import _own_ranks, _side_by_rank
        from ..analysis._rejections import summarise

        fields = [c for c in table.column_names if not c.startswith("_")]
        sub = to_contract(table.select(fields))
        side = np.asarray(table["_side"].to_numpy(zero_copy_only=False), dtype=np.int8)
        todo = np.flatnonzero(side == 0)
        if len(todo):  # the more local address (private, Amazon IPv6): decided once per distinct address
            src = sub["srcaddr"].astype(object).to_numpy()[todo]
            dst = sub["dstaddr"].astype(object).to_numpy()[todo]
            distinct, inverse = np.unique(np.concatenate([src, dst]).astype(str), return_inverse=True)
            ranks = _own_ranks(distinct.astype(object))[inverse]
            ss, sd = ranks[: len(src)], ranks[len(src) :]
            side[todo] = _side_by_rank(ss, sd)
        return summarise(
            sub,
            side,
            np.asarray(table["_ts"].to_numpy(zero_copy_only=False), dtype=bool),
            _ints(table["_sp"]),
            _ints(table["_dp"]),
            columns=cols,
            records=_ints(table["_n"]),
        )

    return Plan(g, finish)


def run_rejections(ds: FlowDataset) -> pd.DataFrame:
    """:func:`flownb.analysis.connectivity.rejections` on a dataset."""
    return build_rejections(ds).run()
