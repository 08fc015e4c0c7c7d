"""The one conversation model in Ibis: ``conversations`` and ``service_view`` on a dataset, out of core.

This mirrors, rule for rule, the pandas pairing of
:func:`flownb.analysis._traffic._pairing` and :func:`~flownb.analysis._traffic._tallies`
(which ask :mod:`flownb.analysis._conversations` which side is the server and
which ENI's copy of a direction counts); the differential suite
(``tests/scale/test_equivalence.py``) keeps the two equal. Change a rule there,
change it here.

The records are read once: one ``GROUP BY`` folds them into one row per
conversation, direction and ENI (:func:`directions`); everything else (the
handshake votes, who spoke first, the ENI whose copy counts, the labels) works
on that much smaller table. So the engine needs memory for the conversations,
never for the records, and spills beyond its ``memory_limit``.

Portable SQL only (the same expression compiles for DuckDB, Athena and Spark):
flags tested with integer division and modulo, not bitwise operators; missing
ports and protocols are -1 inside (a join or a comparison never meets a NULL)
and missing again in the result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._protocols import EPHEMERAL_LINUX
from ..analysis._ports import SERVICE_PORTS
from ._dataset import FlowDataset, _ibis, to_contract

__all__ = [
    "build_conversations",
    "build_service_view",
    "data_rows",
    "directions",
    "endpoints",
    "oriented",
    "run_conversations",
    "run_service_view",
]

_MIN = -(2**63)  # a missing time, as flownb.analysis._frame.seconds gives it (NaT)
_MAX = 2**63 - 1
_KEY = ["_lo", "_lo_p", "_hi", "_hi_p", "_pr"]


def _port_score(port: Any) -> Any:
    """:func:`flownb.analysis._ports.port_score` in SQL (``port`` is -1 when missing)."""
    ibis = _ibis()
    low = sorted(p for p in SERVICE_PORTS if p < EPHEMERAL_LINUX[0])
    high = sorted(p for p in SERVICE_PORTS if p >= EPHEMERAL_LINUX[0])
    return ibis.cases(
        (port < 0, -1),
        (port.isin(low), 3),
        (port.isin(high), 1),
        (port < 1024, 2),
        (port < EPHEMERAL_LINUX[0], 1),
        else_=0,
    )


def _int_or(t: Any, cols: set[str], col: str, fill: int) -> Any:
    ibis = _ibis()
    return t[col].cast("int64").fill_null(fill) if col in cols else ibis.literal(fill, "int64")


def data_rows(t: Any, cols: set[str]) -> Any:
    """Records that describe traffic (``flownb.analysis._frame.data_rows``): OK or no status, both addresses."""
    m = t.srcaddr.notnull() & t.dstaddr.notnull()
    if "log_status" in cols:
        m &= (t.log_status == "OK").fill_null(True)
    return m


def endpoints(t: Any, cols: set[str]) -> dict[str, Any]:
    """Each record's conversation key and direction, as ``_pairing`` codes them.

    ``_lo``/``_lo_p`` and ``_hi``/``_hi_p``: the lower and the higher endpoint by
    (address by value, port with -1 missing), ``_pr`` the protocol (-1 missing),
    ``_fwd``: the record flows from the lower end (its source endpoint is not the greater).
    """
    ibis = _ibis()
    sa, da = t.srcaddr, t.dstaddr
    sp, dp = _int_or(t, cols, "srcport", -1), _int_or(t, cols, "dstport", -1)
    fwd = (sa < da) | ((sa == da) & (sp <= dp))
    return {
        "_lo": ibis.ifelse(fwd, sa, da),
        "_lo_p": ibis.ifelse(fwd, sp, dp),
        "_hi": ibis.ifelse(fwd, da, sa),
        "_hi_p": ibis.ifelse(fwd, dp, sp),
        "_pr": _int_or(t, cols, "protocol", -1),
        "_fwd": fwd,
    }


def directions(ds: FlowDataset) -> tuple[Any, dict[str, bool]]:
    """The records folded into one row per conversation end pair, protocol, direction and ENI.

    Columns: the conversation key (``_lo``, ``_lo_p``, ``_hi``, ``_hi_p``,
    ``_pr``: the lower and higher endpoint by (address, port) and the
    protocol, as ``_pairing`` codes them), ``_fwd`` (the records flow from the
    lower end), ``_eni``, and per group ``_n`` records, ``_pk``/``_by`` summed
    counters (missing 0), ``_acc``/``_rej`` ACCEPT and REJECT records,
    ``_votes`` the handshake votes seen from the lower end, ``_t0`` the
    earliest start (a missing start is the smallest int64, as in the pandas
    path's who-spoke-first), ``_s0`` the earliest known start (NULL when none)
    and ``_t1`` the latest end (the smallest int64 when none is known). Also says which optional fields the records have.

    The one pass over the records groups them by the columns as stored (``srcaddr``, ``dstaddr``,
    the ports, the protocol, ``interface_id``): Parquet keeps the texts dictionary-encoded, so the
    engine hashes small codes, never a text it computed. A group is one ENI's copy of one direction
    of one conversation, so orienting the groups (far fewer than the records when conversations
    repeat) gives the rows above without a second ``GROUP BY``.
    """
    ibis = _ibis()
    t = ds.table()
    cols = set(t.columns)
    has = {
        "start": "start" in cols,
        "times": "start" in cols and "end" in cols,
        "flags": "tcp_flags" in cols,
        "action": "action" in cols,
    }
    t = t.filter(data_rows(t, cols))
    if has["flags"]:
        f = t.tcp_flags.cast("int64")
        syn, ack = ((f // 2) % 2) == 1, ((f // 16) % 2) == 1  # SYN 2, ACK 16 (VPC User Guide)
        vote = ibis.cases((f.isnull(), 0), (syn & ack, -1), (syn, 1), else_=0)  # > 0: dst is the server
    else:
        vote = ibis.literal(0, "int64")

    def is_action(value: str) -> Any:
        if not has["action"]:
            return ibis.literal(0, "int64")
        return (t.action == value).fill_null(False).cast("int64")

    def stored(col: str, kind: str) -> Any:  # the column as stored, or the missing value everywhere
        return t[col] if col in cols else ibis.null(kind)

    x = t.select(
        _sa=t.srcaddr,
        _da=t.dstaddr,
        _sp0=stored("srcport", "int32"),
        _dp0=stored("dstport", "int32"),
        _pr0=stored("protocol", "int32"),
        _eni=stored("interface_id", "string"),
        _pk=_int_or(t, cols, "packets", 0),
        _by=_int_or(t, cols, "bytes", 0),
        _acc=is_action("ACCEPT"),
        _rej=is_action("REJECT"),
        _vote=vote.cast("int64"),
        _st=t.start.cast("int64").fill_null(_MIN) if has["start"] else ibis.literal(_MIN, "int64"),
        _s=t.start.cast("int64") if has["start"] else ibis.null("int64"),
        _en=t.end.cast("int64").fill_null(_MIN) if has["times"] else ibis.literal(_MIN, "int64"),
    )
    g = x.group_by(["_sa", "_da", "_sp0", "_dp0", "_pr0", "_eni"]).aggregate(
        # sums cast back to BIGINT at each level: an engine's SUM of BIGINT is wider (DuckDB's HUGEINT),
        # and summing those again is several times slower
        _n=x.count(),
        _pk=x._pk.sum().cast("int64"),
        _by=x._by.sum().cast("int64"),
        _acc=x._acc.sum().cast("int64"),
        _rej=x._rej.sum().cast("int64"),
        _vote=x._vote.sum().cast("int64"),
        _t0=x._st.min(),
        _s0=x._s.min(),
        _t1=x._en.max(),
    )
    # orient the groups as endpoints() orients records (missing ports and protocols are -1 inside)
    sa, da = g._sa, g._da
    sp, dp = g._sp0.cast("int64").fill_null(-1), g._dp0.cast("int64").fill_null(-1)
    fwd = (sa < da) | ((sa == da) & (sp <= dp))
    d = g.select(
        _lo=ibis.ifelse(fwd, sa, da),
        _lo_p=ibis.ifelse(fwd, sp, dp),
        _hi=ibis.ifelse(fwd, da, sa),
        _hi_p=ibis.ifelse(fwd, dp, sp),
        _pr=g._pr0.cast("int64").fill_null(-1),
        _fwd=fwd,
        _eni=g._eni,
        _n=g._n,
        _pk=g._pk,
        _by=g._by,
        _acc=g._acc,
        _rej=g._rej,
        _votes=ibis.ifelse(fwd, g._vote, -g._vote),
        _t0=g._t0,
        _s0=g._s0,
        _t1=g._t1,
    )
    return d, has


def oriented(ds: FlowDataset) -> tuple[Any, dict[str, bool]]:
    """One row per conversation (its key), its tallies by direction, and ``_srv_hi``: is the higher end the server."""
    ibis = _ibis()
    d, has = directions(ds)
    # the ENI whose copy of a direction counts (flownb.analysis._conversations.counted_eni): one that
    # rejected it if any did, else the one that logged the most bytes, ties by ENI id ascending;
    # records without an ENI always count
    best = ibis.row_number().over(
        group_by=[*_KEY, "_fwd", d._eni.isnull()],
        order_by=[(d._rej > 0).desc(), d._by.desc(), d._eni.asc()],
    )
    d = d.mutate(_counted=d._eni.isnull() | (best == 0))

    def way(value: Any, fwd: bool, counted: bool = False) -> Any:
        cond = d._fwd if fwd else ~d._fwd
        if counted:
            cond &= d._counted
        return ibis.ifelse(cond, value, 0).sum().cast("int64")

    # two plain GROUP BYs (both spill), no COUNT(DISTINCT): per conversation and ENI, then per conversation
    e = d.group_by([*_KEY, "_eni"]).aggregate(
        _votes=d._votes.sum(),
        _t_f=ibis.ifelse(d._fwd, d._t0, ibis.null("int64")).min(),
        _t_r=ibis.ifelse(~d._fwd, d._t0, ibis.null("int64")).min(),
        _pk_f=way(d._pk, True, True),
        _by_f=way(d._by, True, True),
        _pk_r=way(d._pk, False, True),
        _by_r=way(d._by, False, True),
        _acc_f=way(d._acc, True),
        _rej_f=way(d._rej, True),
        _acc_r=way(d._acc, False),
        _rej_r=way(d._rej, False),
        _n=d._n.sum().cast("int64"),
        _first=d._s0.min(),
        _last=d._t1.max(),
    )
    sums = ["_votes", "_pk_f", "_by_f", "_pk_r", "_by_r", "_acc_f", "_rej_f", "_acc_r", "_rej_r"]
    c = e.group_by(_KEY).aggregate(
        **{k: e[k].sum().cast("int64") for k in sums},
        _t_f=e._t_f.min(),
        _t_r=e._t_r.min(),
        records=e._n.sum().cast("int64"),
        _first=e._first.min(),
        _last=e._last.max(),
        _e_lo=e._eni.min(),
        _e_hi=e._eni.max(),
        n_interfaces=e._eni.count(),  # one row per ENI: the distinct ENIs that logged it
    )
    # which side is the server: flownb.analysis._conversations.server_is_hi, rule by rule
    score = _port_score(c._hi_p) - _port_score(c._lo_p)
    if has["start"]:
        tf, tr = c._t_f.fill_null(_MAX), c._t_r.fill_null(_MAX)
        spoke = ibis.cases((tr > tf, 1), (tr < tf, -1), else_=0)  # +1: the lower end sent first
    else:
        spoke = ibis.literal(0)
    lower = (c._lo_p > c._hi_p) | ((c._lo_p == c._hi_p) & (c._lo >= c._hi))
    hi_server = ibis.cases(
        (c._votes != 0, c._votes > 0),
        (score != 0, score > 0),
        (spoke != 0, spoke > 0),
        else_=lower,
    )
    return c.mutate(_srv_hi=hi_server), has


def _per_conversation(ds: FlowDataset) -> tuple[Any, dict[str, bool]]:
    """One row per conversation: client, server, protocol, the tallies each way, ENIs, first and last."""
    ibis = _ibis()
    c, has = oriented(ds)
    s = c._srv_hi

    def label(acc: Any, rej: Any) -> Any:
        return ibis.cases(
            ((acc > 0) & (rej > 0), "MIXED"),
            (acc > 0, "ACCEPT"),
            (rej > 0, "REJECT"),
            else_=ibis.null("string"),
        )

    more = (c.n_interfaces - 2).cast("string")
    interfaces = ibis.cases(
        (c.n_interfaces == 1, c._e_lo),
        (c.n_interfaces == 2, c._e_lo.concat(", ", c._e_hi)),
        (c.n_interfaces > 2, c._e_lo.concat(", ", c._e_hi, " (+", more, " more)")),
        else_=ibis.null("string"),
    )
    out = c.select(
        client=ibis.ifelse(s, c._lo, c._hi),
        client_port=ibis.ifelse(s, c._lo_p, c._hi_p),
        server=ibis.ifelse(s, c._hi, c._lo),
        server_port=ibis.ifelse(s, c._hi_p, c._lo_p),
        protocol=c._pr,
        packets_to_server=ibis.ifelse(s, c._pk_f, c._pk_r).cast("int64"),
        bytes_to_server=ibis.ifelse(s, c._by_f, c._by_r).cast("int64"),
        packets_to_client=ibis.ifelse(s, c._pk_r, c._pk_f).cast("int64"),
        bytes_to_client=ibis.ifelse(s, c._by_r, c._by_f).cast("int64"),
        action_to_server=ibis.ifelse(s, label(c._acc_f, c._rej_f), label(c._acc_r, c._rej_r)),
        action_to_client=ibis.ifelse(s, label(c._acc_r, c._rej_r), label(c._acc_f, c._rej_f)),
        records=c.records.cast("int64"),
        interfaces=interfaces,
        n_interfaces=c.n_interfaces.cast("int64"),
        # as the pandas path: the earliest known start and the latest known end, NaT (the smallest
        # int64) when none is known
        _first=c._first.fill_null(_MIN) if has["times"] else ibis.literal(0, "int64"),
        _last=c._last if has["times"] else ibis.literal(_MIN, "int64"),
    )
    return out, has


def _empty_conversations() -> pd.DataFrame:
    from ..analysis._traffic import _empty_conversations

    return _empty_conversations(pd.DataFrame(), _CONVERSATION_COLUMNS)


_CONVERSATION_COLUMNS = [
    "client",
    "client_port",
    "server",
    "server_port",
    "protocol",
    "packets_to_server",
    "bytes_to_server",
    "packets_to_client",
    "bytes_to_client",
    "action_to_server",
    "action_to_client",
    "records",
    "interfaces",
    "n_interfaces",
    "first",
    "last",
]


def _require(ds: FlowDataset, what: str) -> None:
    from .._columns import require_columns

    require_columns(ds, ["srcaddr", "dstaddr"], what)


def build_conversations(ds: FlowDataset) -> Any:
    """The compiled twin of :func:`flownb.analysis.conversations` (a :class:`~flownb.scale._ops.Plan`)."""
    from ._ops import Plan

    _require(ds, "conversations()")
    out, has = _per_conversation(ds)
    ordered = out.order_by(["_first", "client", "client_port", "server", "server_port", "protocol"])

    def finish(table: pa.Table) -> pd.DataFrame:
        if table.num_rows == 0:
            return _empty_conversations()
        frame = _frame(table)
        if has["times"]:
            frame["first"] = _times(table["_first"])
            frame["last"] = _times(table["_last"])
        else:
            frame["first"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s, UTC]")
            frame["last"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s, UTC]")
        return frame[_CONVERSATION_COLUMNS]

    return Plan(ordered, finish)


def _frame(table: pa.Table) -> pd.DataFrame:
    """The columns every conversation result shares, in the pandas path's dtypes."""
    from ..analysis._traffic import _action_label

    def ints(name: str) -> np.ndarray:
        return np.asarray(table[name].cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)

    out: dict[str, Any] = {}
    for name in ("client", "server"):
        out[name] = pd.Categorical(_sorted_categories(table[name]))
    for name, dtype in (("client_port", "UInt16"), ("server_port", "UInt16"), ("protocol", "UInt8")):
        if name in table.column_names:
            v = ints(name)
            out[name] = pd.arrays.IntegerArray(np.where(v < 0, 0, v).astype(dtype.lower()), v < 0)
    for name in ("packets_to_server", "bytes_to_server", "packets_to_client", "bytes_to_client"):
        v = ints(name)
        out[name] = pd.arrays.IntegerArray(v.astype(np.uint64), np.zeros(len(v), dtype=bool))
    for name in ("action_to_server", "action_to_client"):
        col = table[name]
        acc = pc.is_in(col, pa.array(["ACCEPT", "MIXED"])).fill_null(False)
        rej = pc.is_in(col, pa.array(["REJECT", "MIXED"])).fill_null(False)
        out[name] = _action_label(
            np.asarray(acc.to_numpy(zero_copy_only=False), dtype=np.int64),
            np.asarray(rej.to_numpy(zero_copy_only=False), dtype=np.int64),
        )
    for name in ("records", "n_interfaces", "connections"):
        if name in table.column_names:
            out[name] = ints(name)
    if "interfaces" in table.column_names:
        out["interfaces"] = pd.Categorical(_sorted_categories(table["interfaces"]))
    return pd.DataFrame(out)


def _sorted_categories(col: pa.ChunkedArray) -> pd.Categorical:
    return to_contract(pa.table({"srcaddr": col}))["srcaddr"].array  # strings as sorted categories


def _times(col: pa.ChunkedArray) -> Any:
    from ..analysis._frame import utc_seconds

    return utc_seconds(np.asarray(col.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64))


def run_conversations(ds: FlowDataset) -> pd.DataFrame:
    """:func:`flownb.analysis.conversations` on a dataset."""
    result: pd.DataFrame = build_conversations(ds).run()
    return result


# -------------------------------------------------------------------------------------- service_view


def build_service_view(ds: FlowDataset) -> Any:
    """The compiled twin of :func:`flownb.analysis.service_view`: the conversations, client ports collapsed."""
    from ._ops import Plan

    ibis = _ibis()
    _require(ds, "conversations()")
    c, has = _per_conversation(ds)
    keys = ["client", "server", "server_port", "protocol"]

    def either(side: str, *labels: str) -> Any:
        return c[f"action_{side}"].isin(list(labels)).fill_null(False).cast("int64").sum()

    g = c.group_by(keys).aggregate(
        connections=c.count(),
        packets_to_server=c.packets_to_server.sum(),
        bytes_to_server=c.bytes_to_server.sum(),
        packets_to_client=c.packets_to_client.sum(),
        bytes_to_client=c.bytes_to_client.sum(),
        _acc_s=either("to_server", "ACCEPT", "MIXED"),
        _rej_s=either("to_server", "REJECT", "MIXED"),
        _acc_c=either("to_client", "ACCEPT", "MIXED"),
        _rej_c=either("to_client", "REJECT", "MIXED"),
        _first=ibis.ifelse(c._first == _MIN, ibis.null("int64"), c._first).min().fill_null(_MIN),
        _last=c._last.max(),
    )

    def label(acc: Any, rej: Any) -> Any:
        return ibis.cases(
            ((acc > 0) & (rej > 0), "MIXED"),
            (acc > 0, "ACCEPT"),
            (rej > 0, "REJECT"),
            else_=ibis.null("string"),
        )

    g = g.mutate(action_to_server=label(g._acc_s, g._rej_s), action_to_client=label(g._acc_c, g._rej_c))
    # most connections, then most bytes to the server, then the keys ascending with missing values last
    # (value_ranks' order in the pandas path)
    order = [ibis.desc("connections"), ibis.desc("bytes_to_server"), "client", "server"]
    order += [(g.server_port < 0).asc(), "server_port", (g.protocol < 0).asc(), "protocol"]
    ordered = g.order_by(order)

    def finish(table: pa.Table) -> pd.DataFrame:
        from ..analysis._traffic import _service_names

        if table.num_rows == 0:
            conv = _empty_conversations()
            out = conv[keys].copy()
            out["service"] = pd.Series([], dtype="category")
            return out
        frame = _frame(table)
        out = frame[keys].copy()
        out["service"] = _service_names(out["server_port"].astype("Int64"), out["protocol"].astype("Int64"))
        out["connections"] = frame["connections"]
        for name in ("packets_to_server", "bytes_to_server", "packets_to_client", "bytes_to_client"):
            out[name] = frame[name]
        out["action_to_server"] = frame["action_to_server"]
        out["action_to_client"] = frame["action_to_client"]
        first = np.asarray(table["_first"].cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
        last = np.asarray(table["_last"].cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
        if not has["times"]:
            first = np.full(len(first), _MIN, dtype=np.int64)
        # as the pandas path: the last time is NaT when no conversation of the group had an end
        last = np.where((last == _MIN + 1) | (last == _MIN), _MIN, last)
        out["first"] = pd.array(first.astype("datetime64[s]")).tz_localize("UTC")
        out["last"] = pd.array(last.astype("datetime64[s]")).tz_localize("UTC")
        return out

    return Plan(ordered, finish)


def run_service_view(ds: FlowDataset) -> pd.DataFrame:
    """:func:`flownb.analysis.service_view` on a dataset."""
    result: pd.DataFrame = build_service_view(ds).run()
    return result
