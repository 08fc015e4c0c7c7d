"""The monitoring analyses on a dataset: :func:`flownb.network_metrics` and :meth:`MetricFilter.metric`.

``network_metrics`` is one Ibis expression (one ``GROUP BY`` per key and
period), with the one step that needs Python, settling each interface's own
address from its three most frequent candidates
(:func:`flownb.monitoring._metrics._assign`), done on the engine's small table of
candidates. ``MetricFilter.metric`` matches filter patterns, which only the
pandas code does: the engine streams the records in batches, each batch's
datapoints are folded into per-period sums, counts, minimums and maximums, and
the folds combine into the same series (two-step aggregation), so memory holds
one batch and the periods, never the records.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._dataset import FlowDataset, _ibis, to_contract
from ._ops import Plan, _ints

__all__ = ["build_network_metrics", "run_network_metrics"]


def _own_addresses(t: Any) -> pd.DataFrame:
    """Each interface's own address, as ``flownb.monitoring._metrics._own_address`` settles it."""
    from ..monitoring._metrics import _assign

    ibis = _ibis()
    src = t.filter(t.interface_id.notnull() & t.srcaddr.notnull()).select(_e=t.interface_id, _a=t.srcaddr)
    dst = t.filter(t.interface_id.notnull() & t.dstaddr.notnull()).select(_e=t.interface_id, _a=t.dstaddr)
    ends = src.union(dst, distinct=False)
    counts = ends.group_by(["_e", "_a"]).aggregate(_n=ends.count())
    rank = ibis.row_number().over(group_by="_e", order_by=[ibis.desc("_n"), ibis.asc("_a")])
    top = counts.mutate(_r=rank).filter(lambda c: c._r < 3).to_pyarrow()
    if top.num_rows == 0:
        return pd.DataFrame({"_eni": pd.Series([], dtype=object), "_own": pd.Series([], dtype=object)})
    enis = sorted(set(top["_e"].to_pylist()))
    addrs = sorted(set(top["_a"].to_pylist()))
    e_code = {v: i for i, v in enumerate(enis)}
    a_code = {v: i for i, v in enumerate(addrs)}
    cand = pd.DataFrame(
        {
            "eni": [e_code[v] for v in top["_e"].to_pylist()],
            "addr": [a_code[v] for v in top["_a"].to_pylist()],
            "n": _ints(top["_n"]),
        }
    )
    cand = cand.sort_values(["eni", "n", "addr"], ascending=[True, False, True], kind="stable")
    own = _assign(cand.reset_index(drop=True), len(enis))
    got = own >= 0
    return pd.DataFrame(
        {
            "_eni": np.asarray(enis, dtype=object)[got],
            "_own": np.asarray(addrs, dtype=object)[own[got]],
        }
    )


def build_network_metrics(
    ds: FlowDataset, period: str | int = "5min", by: str | list[str] | None = "interface_id"
) -> Plan:
    """The compiled twin of :func:`flownb.monitoring.network_metrics`."""
    from ..monitoring._metrics import LOSS_COLUMNS, _by_list, _need
    from ..monitoring._report import period_seconds

    ibis = _ibis()
    secs = period_seconds(period)
    keys = _by_list(ds, by, "network_metrics")  # type: ignore[arg-type]  # reads .columns only
    _need(ds, ["start"], "network_metrics", ": every record needs its start time")  # type: ignore[arg-type]
    t = ds.table()
    cols = set(t.columns)

    def eq(col: str, value: str) -> Any:
        return (t[col] == value).fill_null(False) if col in cols else ibis.literal(False)

    inbound, outbound = eq("flow_direction", "ingress"), eq("flow_direction", "egress")
    if {"interface_id", "srcaddr", "dstaddr"} <= cols:
        # records without flow-direction: the interface's own address says which way they went
        own = _own_addresses(t)
        lookup = ibis.memtable(
            pa.table(
                {
                    "_eni": pa.array(own["_eni"].tolist(), pa.string()),
                    "_own": pa.array(own["_own"].tolist(), pa.string()),
                }
            )
        )
        t = t.left_join(lookup, t.interface_id == lookup._eni).drop("_eni")
        known = t.flow_direction.notnull() if "flow_direction" in cols else ibis.literal(False)
        inbound = (t.flow_direction == "ingress").fill_null(False) if "flow_direction" in cols else inbound
        outbound = (t.flow_direction == "egress").fill_null(False) if "flow_direction" in cols else outbound
        dst_is = (t.dstaddr == t._own).fill_null(False)
        src_is = (t.srcaddr == t._own).fill_null(False)
        inbound = inbound | (~known & dst_is)
        outbound = outbound | (~known & src_is & ~dst_is)

    def counter(col: str) -> Any:
        return t[col].cast("int64").fill_null(0) if col in cols else ibis.literal(0, "int64")

    accepted = (t.action == "ACCEPT").fill_null(False) if "action" in cols else ibis.literal(False)
    rejected = (t.action == "REJECT").fill_null(False) if "action" in cols else ibis.literal(False)
    nbytes, npackets = counter("bytes"), counter("packets")

    def when(cond: Any, value: Any) -> Any:
        return ibis.ifelse(cond, value, 0)

    values = {
        "bytes_in": when(accepted & inbound, nbytes),
        "bytes_out": when(accepted & outbound, nbytes),
        "packets_in": when(accepted & inbound, npackets),
        "packets_out": when(accepted & outbound, npackets),
        "bytes_through": when(accepted & ~inbound & ~outbound, nbytes),
        "rejected_bytes": when(rejected, nbytes),
        "accepted_records": accepted.cast("int64"),
        "rejected_records": rejected.cast("int64"),
        "records": ibis.literal(1, "int64"),
        "skipdata_records": (t.log_status == "SKIPDATA").fill_null(False).cast("int64")
        if "log_status" in cols
        else ibis.literal(0, "int64"),
    }
    loss = [c for c in LOSS_COLUMNS if c in cols]
    values |= {c: counter(c) for c in loss}
    rows = t.start.notnull()
    for k in keys:
        rows &= t[k].notnull()  # as pandas' groupby: records without a key are left out
    x = t.mutate(_keep=rows).select(
        "_keep", **{k: t[k] for k in keys}, _ts=(t.start.cast("int64") // secs) * secs, **values
    )
    x = x.filter(x._keep)
    g = x.group_by([*keys, "_ts"]).aggregate(**{c: x[c].sum() for c in values})
    g = g.order_by([*keys, "_ts"])

    def finish(table: pa.Table) -> pd.DataFrame:
        out = to_contract(table.select(keys)) if keys else pd.DataFrame(index=range(table.num_rows))
        out["timestamp"] = pd.to_datetime(_ints(table["_ts"]), unit="s", utc=True).as_unit("s")
        for c in values:
            v = _ints(table[c])
            out[c] = (
                pd.array(v.astype(np.uint64), dtype="UInt64") if c not in _COUNTS else pd.array(v, "Int64")
            )
        return out

    return Plan(g, finish)


_COUNTS = ("accepted_records", "rejected_records", "records", "skipdata_records")


def run_network_metrics(
    ds: FlowDataset, period: str | int = "5min", by: str | list[str] | None = "interface_id"
) -> pd.DataFrame:
    """:func:`flownb.monitoring.network_metrics` on a dataset."""
    return build_network_metrics(ds, period=period, by=by).run()


# ------------------------------------------------------------------------------- MetricFilter.metric

#: Records per batch when a metric filter reads a dataset (flownb's choice: ~100 MB as a frame).
BATCH_ROWS = 1_000_000


def _batches(ds: FlowDataset, t: Any) -> Any:
    """The records of ``t`` as Arrow record batches of at most :data:`BATCH_ROWS`, streamed."""
    if ds.engine == "duckdb":  # Ibis 12's DuckDB batch reader calls an API DuckDB 2 no longer has
        con = ds._engine.con
        con._run_pre_execute_hooks(t)  # registers the in-memory tables it reads (an empty dataset's)
        return con.con.sql(con.compile(t)).fetch_record_batch(BATCH_ROWS)
    return t.to_pyarrow_batches(chunk_size=BATCH_ROWS)


def run_MetricFilter_metric(
    mf: Any, ds: FlowDataset, period: str | int = "1min", *, statistic: str = "Sum"
) -> pd.Series | pd.DataFrame:
    """:meth:`flownb.monitoring.MetricFilter.metric` on a dataset, one batch of records at a time.

    Each batch is a contract frame (with the dataset's formats, so each record is matched as the
    line CloudWatch Logs would hold); its datapoints (``MetricFilter.datapoints``, the pandas code)
    are folded per period and dimension values into sum, count, minimum and maximum, and the
    folds combine into the statistic. The same periods as the pandas path: every one from the
    first record's ``start`` to the last one's.
    """
    from .._provenance import attach
    from ..monitoring._metric_filter import _check_statistic, period_grid
    from ..monitoring._report import period_seconds

    secs = period_seconds(period)
    _check_statistic(statistic)
    dims = list(mf._dim_refs)
    provenance = ds.provenance()
    t = ds.table()
    if "start" not in t.columns:
        mf.datapoints(attach(ds.to_pandas(limit=0), provenance))  # the pandas path's message
    span = t.aggregate(lo=t.start.min(), hi=t.start.max()).to_pyarrow()
    ends = [v for v in (span["lo"][0].as_py(), span["hi"][0].as_py()) if v is not None]
    grid = period_grid(pd.Series(pd.to_datetime(ends, unit="s", utc=True).as_unit("s")), secs)
    folds = []
    for batch in _batches(ds, t):
        frame = attach(to_contract(pa.Table.from_batches([batch])), provenance)
        points = mf.datapoints(frame)
        if points.empty:
            continue
        stamp = pd.DatetimeIndex(points["timestamp"]).floor(pd.Timedelta(seconds=secs))
        parts = points.assign(timestamp=stamp)[["timestamp", *dims, "value"]]
        folds.append(
            parts.groupby(["timestamp", *dims], observed=True)["value"].agg(["sum", "count", "min", "max"])
        )
    if not folds:
        if dims:
            return pd.DataFrame(index=grid)
        empty = pd.Series(np.nan, index=grid, dtype=float, name=mf.metric_name)
        empty.index.name = "timestamp"
        return empty
    both = pd.concat(folds)
    level = list(range(both.index.nlevels))
    combined = both.groupby(level=level).agg({"sum": "sum", "count": "sum", "min": "min", "max": "max"})
    value = {
        "Sum": combined["sum"],
        "SampleCount": combined["count"].astype(float),
        "Minimum": combined["min"],
        "Maximum": combined["max"],
        "Average": combined["sum"] / combined["count"],
    }[statistic]
    if not dims:
        out = value.reindex(grid).astype(float)
        out.index.name = "timestamp"
        out.name = mf.metric_name
        return out
    wide = value.unstack(dims).reindex(grid).astype(float)
    wide.index.name = "timestamp"
    return wide
