"""What is broken right now, anywhere? Every failing (client, server, port, protocol) of a VPC.

The records are paired into conversations (:func:`flownb.conversations`' rule for
who is the client and who the server), grouped by (client, server, server port,
protocol) and by aggregation interval, and the verdict table decides every
(pair, window) cell at once, exactly as :func:`flownb.diagnose` decides the
windows of one pair's timeline. Consecutive windows of a pair with the same
verdict are one stretch; the report lists the stretches with a failing verdict.

A failure counts as a connectivity fault, not as traffic that is meant to be
blocked (scanners, probes, sweeps), when the pair is wanted: it worked at some
other time, or its client kept trying over ``min_windows`` windows or more
between two addresses inside the network, or to a server that answered other
clients on that port.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._frame import data_rows, int_array, require, seconds
from .._ports import EPHEMERAL_NACL, protocol_label
from ..enrich import local_side
from ._records import action_codes, timestamp
from ._verdicts import TABLE, Cells, Options, _counts_overlapping, _is_v6, evaluate

__all__ = ["REPORT_COLUMNS", "connectivity_report"]

#: Columns of :func:`connectivity_report`, in order.
REPORT_COLUMNS = [
    "client",
    "server",
    "port",
    "protocol",
    "verdict",
    "start",
    "end",
    "duration",
    "windows",
    "failed",
    "clients",
    "records",
    "meaning",
    "fix",
]

_MISSING = np.iinfo(np.int64).min


def connectivity_report(
    df: pd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    interval: int | None = None,
    min_windows: int = 5,
) -> pd.DataFrame:
    """Every (client, server, port, protocol) with a failing verdict, the worst first.

    Parameters
    ----------
    df : DataFrame
        Flow log records (the DataFrame contract).
    start, end : str or datetime, optional
        Only records overlapping this window (UTC unless the time says otherwise).
    interval : {60, 600}, optional
        The flow log's aggregation interval in seconds, the width of a window
        (by default inferred as in :func:`flownb.diagnose`).
    min_windows : int, default 5
        A pair that never worked is reported only when its client kept trying
        in this many windows or more (and both ends are inside the network, or
        the server answered others on that port): a scanner's, a sweep's or a
        probe's one-off attempts are traffic meant to be blocked, not a fault.
        flownb's own choice (five minutes of retries at the 60 s interval).

    Returns
    -------
    DataFrame
        One row per stretch of time a pair failed: ``client``, ``server``,
        ``port``, ``protocol``, ``verdict``, ``start``, ``end``, ``duration``,
        ``windows`` (with records), ``failed`` (connections: distinct client
        ports with requests), ``clients`` (distinct clients failing with the
        same verdict on that server and port), ``records``, ``meaning`` and
        ``fix`` (one line). Ranked by failed connections, distinct clients and
        duration, then by client, server and port ascending.

    Examples
    --------
    >>> import flownb
    >>> r = flownb.connectivity_report(flownb.samples.load("demo"))
    >>> r[["client", "server", "port", "verdict"]].head(4)
           client      server  port                     verdict
    0  10.0.10.10  10.0.21.10  5432  INBOUND_BLOCKED_SG_OR_NACL
    1  10.0.11.10  10.0.21.10  5432  INBOUND_BLOCKED_SG_OR_NACL
    2   10.0.2.10  10.0.11.10    22  NACL_INBOUND_BLOCKS_RETURN
    3  10.0.10.10  10.0.20.10  5432  NACL_OUTBOUND_BLOCKS_RETURN
    >>> r.loc[3, ["start", "end"]].astype(str).tolist()
    ['2025-06-02 10:05:00+00:00', '2025-06-02 10:50:00+00:00']
    """
    require(df, ["srcaddr", "dstaddr", "start", "end"], "connectivity_report()")
    if isinstance(min_windows, bool) or not isinstance(min_windows, (int, np.integer)) or min_windows < 1:
        raise ValueError(f"'min_windows' must be a whole number, 1 or more, got {min_windows!r}")
    t0, t1 = timestamp(start, "start"), timestamp(end, "end")
    if t0 is not None and t1 is not None and t1 < t0:
        raise ValueError(f"end ({t1}) is before start ({t0})")
    from . import _interval
    from ._timeline import infer_interval

    width = _interval(interval) or infer_interval(df)
    options = Options()
    frame = df
    keep = data_rows(frame)
    if t1 is not None:
        keep &= np.asarray(frame["start"].fillna(t1) <= t1, dtype=bool)
    if t0 is not None:
        keep &= np.asarray(frame["end"].fillna(t0) >= t0, dtype=bool)
    sub = frame.iloc[np.flatnonzero(keep)]
    empty = _empty()
    if not len(sub):
        return empty
    from ..traffic import _pairing

    pr = _pairing(sub)
    if pr is None:
        return empty
    idx, conv = pr["idx"], pr["conv"]
    rec = sub.iloc[idx]
    n = len(rec)
    # the pairs: (client, server, server port, protocol) of each conversation
    pair_key = pd.MultiIndex.from_arrays(
        [pr["client"], pr["server"], np.where(pr["conv_proto"] == 1, -1, pr["server_port"]), pr["conv_proto"]]
    )
    pair_of_conv, pairs = pd.factorize(pair_key, sort=True)
    pair = pair_of_conv[conv].astype(np.int64)
    st = seconds(rec["start"])
    en = seconds(rec["end"])
    from ._timeline import windows_of

    win = windows_of(conv.astype(np.int64), np.where(st == _MISSING, 0, st), width)
    cell_key = pair * (int(win.max()) + 2) + (win - int(win.min()))
    cell, cells_keys = pd.factorize(cell_key, sort=True)
    cell = cell.astype(np.int64)
    n_cells = len(cells_keys)
    first = np.zeros(n_cells, dtype=np.int64)
    first[cell[::-1]] = np.arange(n)[::-1]
    cell_pair, cell_win = pair[first], win[first]
    adjacent = np.r_[False, (cell_pair[1:] == cell_pair[:-1]) & (cell_win[1:] == cell_win[:-1] + 1)]

    to_server = pr["to_server"]
    side = local_side(
        rec[
            [
                c
                for c in (
                    "interface_id",
                    "srcaddr",
                    "dstaddr",
                    "pkt_srcaddr",
                    "pkt_dstaddr",
                    "flow_direction",
                )
                if c in rec
            ]
        ]
    )
    egress = np.where(side == 1, True, np.where(side == 2, False, ~to_server))
    action = action_codes(rec)
    proto = int_array(rec.get("protocol"), n)
    bpa = (
        np.asarray(rec["reject_reason"].astype(object) == "BPA", dtype=bool)
        if "reject_reason" in rec
        else np.zeros(n, dtype=bool)
    )
    translated = np.zeros(n, dtype=bool)
    for a, b in (("srcaddr", "pkt_srcaddr"), ("dstaddr", "pkt_dstaddr")):
        if b in rec:
            translated |= np.asarray(
                rec[b].notna() & (rec[b].astype(object) != rec[a].astype(object)), dtype=bool
            )
    igw = np.zeros(n, dtype=bool)
    if "traffic_path" in rec:
        from .._addresses import scope_of

        col = "pkt_dstaddr" if "pkt_dstaddr" in rec else "dstaddr"
        tp = int_array(rec["traffic_path"], n)
        igw = (
            to_server
            & egress
            & np.isin(tp, (2, 8))
            & np.asarray(scope_of(rec[col]).astype(object) != "public")
        )
    if "interface_id" in rec:
        eni_codes, eni_names = pd.factorize(rec["interface_id"].astype(object), use_na_sentinel=True)
        eni_codes = eni_codes.astype(np.int64)
    else:
        eni_codes, eni_names = None, pd.Index([])
    has_sizes = "packets" in rec and "bytes" in rec
    start_s = np.where(st == _MISSING, -np.inf, st).astype(np.float64)
    end_s = np.where(en == _MISSING, np.inf, en).astype(np.float64)
    lo = (cell_win * width).astype(np.float64)

    # whose address is whose: an ENI's own address is on its own side of each of its records
    pair_server = np.asarray(pairs.get_level_values(1), dtype=np.int64)
    pair_client = np.asarray(pairs.get_level_values(0), dtype=np.int64)
    own = _own_enis(frame, pr, sub, idx, side, eni_codes, eni_names)

    cells = Cells(
        n=n_cells,
        cell=cell,
        req=to_server,
        resp=~to_server,
        egress=egress,
        accept=action == 1,
        reject=action == 2,
        bpa=bpa,
        direct=~translated,
        igw=igw,
        v6=_is_v6(rec["srcaddr"]),
        tcp=np.bincount(cell[proto != 6], minlength=n_cells) == 0,
        eni=eni_codes,
        flags=int_array(rec["tcp_flags"], n) if "tcp_flags" in rec else None,
        packets=rec["packets"].to_numpy(dtype=np.float64, na_value=0.0) if has_sizes else None,
        nbytes=rec["bytes"].to_numpy(dtype=np.float64, na_value=0.0) if has_sizes else None,
        start=start_s,
        end=end_s,
        lo=lo,
        hi=lo + width,
        options=options,
        adjacent=adjacent,
        dst_logging=lambda c, a, b: own.logging(pair_server[cell_pair], a, b, options.interval_slack),
        skipped=lambda c, a, b: own.skipped(
            pair_client[cell_pair], pair_server[cell_pair], a, b, options.interval_slack
        ),
    )
    matrix, main = evaluate(cells)
    return _stretches(cells, matrix, main, cell_pair, cell_win, width, pairs, pr, conv, min_windows, empty)


class _Owners:
    """Which ENI holds which address, known from every record of the frame; their logging and SKIPDATA."""

    def __init__(self, by_addr: dict[int, list[str]], frame: pd.DataFrame) -> None:
        self.by_addr = by_addr
        self.frame = frame
        self._times: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._skip: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    def times(self, eni: str) -> tuple[np.ndarray, np.ndarray]:
        if eni not in self._times:
            from ._verdicts import _times

            rows = np.flatnonzero(np.asarray(self.frame["interface_id"].astype(object) == eni, dtype=bool))
            self._times[eni] = _times(self.frame, rows)
        return self._times[eni]

    def skip_table(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        if self._skip is None:
            from ._verdicts import _times

            self._skip = {}
            f = self.frame
            if "log_status" in f and "interface_id" in f:
                rows = np.flatnonzero(np.asarray(f["log_status"].astype(object) == "SKIPDATA", dtype=bool))
                enis = f["interface_id"].iloc[rows].astype(object).to_numpy()
                for e in pd.unique(enis):
                    if e is None or pd.isna(e):
                        continue
                    self._skip[str(e)] = _times(f, rows[enis == e])
        return self._skip

    def logging(self, server: np.ndarray, lo: np.ndarray, hi: np.ndarray, slack: float) -> np.ndarray:
        out = np.zeros(len(lo), dtype=bool)
        ask = np.flatnonzero(~np.isnan(lo))
        for addr in np.unique(server[ask]):
            at = ask[server[ask] == addr]
            for eni in self.by_addr.get(int(addr), []):
                st, en = self.times(eni)
                out[at] |= _counts_overlapping(st, en, lo[at] - slack, hi[at] + slack) > 0
        return out

    def skipped(
        self, client: np.ndarray, server: np.ndarray, lo: np.ndarray, hi: np.ndarray, slack: float
    ) -> np.ndarray:
        out = np.zeros(len(lo), dtype=bool)
        table = self.skip_table()
        if not table:
            return out
        for who in (client, server):
            for addr in np.unique(who):
                enis = [e for e in self.by_addr.get(int(addr), []) if e in table]
                if not enis:
                    continue
                at = np.flatnonzero(who == addr)
                for e in enis:
                    st, en = table[e]
                    out[at] |= _counts_overlapping(st, en, lo[at] - slack, hi[at] + slack) > 0
        return out


def _own_enis(
    frame: pd.DataFrame,
    pr: dict[str, np.ndarray],
    sub: pd.DataFrame,
    idx: np.ndarray,
    side: np.ndarray,
    eni_codes: np.ndarray | None,
    eni_names: pd.Index,
) -> _Owners:
    """Address code (of ``pr["addr_values"]``) -> the ENIs whose own side of their records carries it."""
    if eni_codes is None:
        return _Owners({}, frame)
    values = pd.Index(pr["addr_values"])
    rec = sub.iloc[idx]
    own_addr = np.full(len(rec), -1, dtype=np.int64)
    for s, col in ((1, "srcaddr"), (2, "dstaddr")):
        m = side == s
        if m.any():
            own_addr[m] = values.get_indexer(rec[col].astype(object).to_numpy()[m])
    ok = (own_addr >= 0) & (eni_codes >= 0)
    pairs = np.unique(own_addr[ok] * (len(eni_names) + 1) + eni_codes[ok])
    by_addr: dict[int, list[str]] = {}
    for key in pairs:
        a, e = divmod(int(key), len(eni_names) + 1)
        by_addr.setdefault(a, []).append(str(eni_names[e]))
    return _Owners(by_addr, frame)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in REPORT_COLUMNS})


def _stretches(
    cells: Cells,
    matrix: np.ndarray,
    main: np.ndarray,
    cell_pair: np.ndarray,
    cell_win: np.ndarray,
    width: int,
    pairs: Any,
    pr: dict[str, np.ndarray],
    conv: np.ndarray,
    min_windows: int,
    empty: pd.DataFrame,
) -> pd.DataFrame:
    codes = np.array([v.code for v in TABLE], dtype=object)
    failing = np.array([v.failing for v in TABLE], dtype=bool)
    reachable = main == [v.code for v in TABLE].index("REACHABLE")
    ok = main >= 0
    c_idx = np.flatnonzero(ok)  # cells are sorted by pair, then window
    if not len(c_idx):
        return empty
    v = main[c_idx]
    pp = cell_pair[c_idx]
    new = np.r_[True, (pp[1:] != pp[:-1]) | (v[1:] != v[:-1])]
    seg = np.cumsum(new) - 1
    n_seg = int(seg[-1]) + 1
    seg_first = np.flatnonzero(new)
    seg_last = np.r_[seg_first[1:] - 1, len(c_idx) - 1]
    seg_pair = pp[seg_first]
    seg_verdict = v[seg_first]
    seg_windows = np.bincount(seg, minlength=n_seg)
    seg_start = cell_win[c_idx[seg_first]] * width
    seg_end = (cell_win[c_idx[seg_last]] + 1) * width
    bad = failing[seg_verdict]
    if not bad.any():
        return empty
    # wanted pairs: worked at some other time, or their server answered someone else on that port
    worked_pair = np.zeros(len(pairs), dtype=bool)
    worked_pair[cell_pair[reachable]] = True
    service = pd.MultiIndex.from_arrays(
        [pairs.get_level_values(1), pairs.get_level_values(2), pairs.get_level_values(3)]
    )
    svc_code, _ = pd.factorize(service)
    svc_ok = np.zeros(int(svc_code.max()) + 1, dtype=np.int64)
    np.add.at(svc_ok, svc_code[worked_pair], 1)
    others_ok = svc_ok[svc_code] - worked_pair.astype(np.int64) > 0
    # a pair is wanted when it worked at another time; or its client kept trying over min_windows
    # windows, inside the network (neither end on the internet) or to a server that answered others
    # on that port; one-off attempts (scans, sweeps, probes) are traffic meant to be blocked
    values_all = np.asarray(pr["addr_values"], dtype=object)
    public = _public(values_all)
    p_client = np.asarray(pairs.get_level_values(0), dtype=np.int64)
    p_server = np.asarray(pairs.get_level_values(1), dtype=np.int64)
    inside = ~public[p_client] & ~public[p_server]
    kept_trying = seg_windows >= min_windows
    wanted = worked_pair[seg_pair] | (kept_trying & (inside[seg_pair] | others_ok[seg_pair]))
    keep = np.flatnonzero(bad & wanted)
    if not len(keep):
        return empty
    # per stretch: records and failed connections (distinct conversations with requests)
    cell_seg = np.full(cells.n, -1, dtype=np.int64)
    cell_seg[c_idx] = seg
    rseg = cell_seg[cells.cell]
    records = np.bincount(rseg[rseg >= 0], minlength=n_seg)
    req = cells.req & (rseg >= 0)
    conv_keys = np.unique(rseg[req] * (int(conv.max()) + 1) + conv[req])
    failed = np.bincount(conv_keys // (int(conv.max()) + 1), minlength=n_seg)
    values = np.asarray(pr["addr_values"], dtype=object)
    client = values[np.asarray(pairs.get_level_values(0), dtype=np.int64)[seg_pair[keep]]]
    server = values[np.asarray(pairs.get_level_values(1), dtype=np.int64)[seg_pair[keep]]]
    port = np.asarray(pairs.get_level_values(2), dtype=np.int64)[seg_pair[keep]]
    proto = np.asarray(pairs.get_level_values(3), dtype=np.int64)[seg_pair[keep]]
    verdict = codes[seg_verdict[keep]]
    out = pd.DataFrame(
        {
            "client": client.astype(str),
            "server": server.astype(str),
            "port": pd.array(np.where(port >= 0, port, 0), dtype="UInt16"),
            "protocol": pd.array(proto, dtype="UInt8"),
            "verdict": verdict,
            "start": pd.to_datetime(seg_start[keep], unit="s", utc=True).astype("datetime64[s, UTC]"),
            "end": pd.to_datetime(seg_end[keep], unit="s", utc=True).astype("datetime64[s, UTC]"),
            "windows": seg_windows[keep].astype(np.int64),
            "failed": failed[keep].astype(np.int64),
            "records": records[keep].astype(np.int64),
        }
    )
    out.loc[port[: len(out)] < 0, "port"] = pd.NA
    out["duration"] = out["end"] - out["start"]
    out["clients"] = out.groupby(["server", "port", "protocol", "verdict"], dropna=False)["client"].transform(
        "nunique"
    )
    by_code = {v.code: v for v in TABLE}
    out["meaning"] = [by_code[c].meaning for c in out["verdict"]]
    out["fix"] = [_fix(by_code[r.verdict].fix, r) for r in out.itertuples()]
    out = out.sort_values(
        ["failed", "clients", "duration", "client", "server", "port"],
        ascending=[False, False, False, True, True, True],
        kind="stable",
    ).reset_index(drop=True)
    out["verdict"] = out["verdict"].astype("category")
    return out[REPORT_COLUMNS]


def _public(values: np.ndarray) -> np.ndarray:
    """Per distinct address: is it on the internet (public scope)?"""
    from .._addresses import scope_of

    return np.asarray(scope_of(pd.Series(values, dtype=object)).astype(object) == "public", dtype=bool)


def _fix(template: str, row: Any) -> str:
    proto = protocol_label(int(row.protocol)) if not pd.isna(row.protocol) else "the traffic"
    icmp = proto in ("ICMP", "ICMPv6")
    service = proto if icmp or pd.isna(row.port) else f"{proto} port {int(row.port)}"
    lo, hi = EPHEMERAL_NACL
    return template.format(
        client=row.client,
        server=row.server,
        service=service,
        proto=proto,
        ephemeral="" if icmp else f" ports {lo}-{hi}",
    )
