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

from .._addresses import codes_and_values
from .._enrich import local_side, side_columns
from .._frame import data_rows, int_array, isin, require, seconds
from .._ports import EPHEMERAL_NACL, protocol_label
from ._records import action_codes, timestamp
from ._verdicts import TABLE, Cells, Options, _is_v6, evaluate, is_v6_text

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

#: The fields of a record the report reads (after the pairing).
_READ = {
    "interface_id",
    "srcaddr",
    "dstaddr",
    "pkt_srcaddr",
    "pkt_dstaddr",
    "flow_direction",
    "action",
    "protocol",
    "reject_reason",
    "traffic_path",
    "tcp_flags",
    "packets",
    "bytes",
    "start",
    "end",
}


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
    # without a time window, the pairing's own choice of rows (the traffic records) is the same as
    # data_rows': no copy of the frame to make first
    sub = frame if (t0 is None and t1 is None) or keep.all() else frame.iloc[np.flatnonzero(keep)]
    empty = _empty()
    if not keep.any():
        return empty
    from .._traffic import _pairing

    pr = _pairing(sub)
    if pr is None:
        return empty
    idx, conv = pr["idx"], pr["conv"]
    # the traffic records, with only the fields read below (a copy of those alone)
    used = [c for c in sub.columns if c in _READ]
    rec = sub[used] if len(idx) == len(sub) else sub[used].iloc[idx]
    # the records' addresses in the pairing's table
    src_code, dst_code = pr["src"], pr["dst"]
    n = len(rec)
    # the pairs: (client, server, server port, protocol) of each conversation, as one integer
    # (hashed, not sorted: nothing below depends on the pairs' order)
    c_port = np.where(pr["conv_proto"] == 1, -1, pr["server_port"]).astype(np.int64)
    ends, _ = pd.factorize(pr["client"].astype(np.int64) * (int(pr["server"].max()) + 1) + pr["server"])
    pair_key = (ends.astype(np.int64) * 65537 + c_port + 1) * 257 + pr["conv_proto"] + 1
    st = seconds(rec["start"])
    en = seconds(rec["end"])
    from .._flows import sorted_codes
    from ._timeline import windows_of

    win = windows_of(conv.astype(np.int64), np.where(st == _MISSING, 0, st), width)
    w0 = int(win.min())
    span = int(win.max()) - w0 + 2
    # the cells: (pair, window), numbered in that order. One sort of the records' (pair key, window);
    # the pairs are numbered in order of key, as the distinct keys of the cells say
    if (int(pair_key.max()) + 1) * span < 2**62:
        cell, cell_keys = sorted_codes(pair_key[conv] * span + (win - w0))
        cell_pair_key = cell_keys // span
        new_pair = np.r_[True, cell_pair_key[1:] != cell_pair_key[:-1]]
        cell_pair = np.cumsum(new_pair) - 1
        cell_win = cell_keys % span + w0
        n_cells = len(cell_keys)
    else:  # too many pairs and windows for one key: the pairs first
        pair_of_conv = _sorted_codes(pair_key)
        cell, cell_keys = sorted_codes(pair_of_conv[conv].astype(np.int64) * span + (win - w0))
        cell_pair, cell_win = cell_keys // span, cell_keys % span + w0
        n_cells = len(cell_keys)
    n_pairs = int(cell_pair[-1]) + 1 if n_cells else 0
    one = np.zeros(n_cells, dtype=np.int64)
    one[cell] = conv  # a conversation of each cell, then of each pair (they all share its ends)
    head = np.zeros(n_pairs, dtype=np.int64)
    head[cell_pair] = one
    pairs = _Pairs(pr["client"][head], pr["server"][head], c_port[head], pr["conv_proto"][head])
    adjacent = np.r_[False, (cell_pair[1:] == cell_pair[:-1]) & (cell_win[1:] == cell_win[:-1] + 1)]

    to_server = pr["to_server"]
    side = local_side(rec[side_columns(rec)])
    egress = np.where(side == 1, True, np.where(side == 2, False, ~to_server))
    action = action_codes(rec)
    proto = int_array(rec.get("protocol"), n)
    bpa = (
        np.asarray(rec["reject_reason"].astype(object) == "BPA", dtype=bool)
        if "reject_reason" in rec
        else np.zeros(n, dtype=bool)
    )
    translated = np.zeros(n, dtype=bool)
    pkt_cols = [c for c in ("pkt_srcaddr", "pkt_dstaddr") if c in rec]
    if pkt_cols:
        from .._enrich import _address_codes

        addr_cols = ["srcaddr", "dstaddr", *pkt_cols]
        addr_codes, _ = _address_codes(rec, addr_cols)
        for a, b in ((0, "pkt_srcaddr"), (1, "pkt_dstaddr")):
            if b in addr_cols:
                cb = addr_codes[addr_cols.index(b)]
                translated |= (cb >= 0) & (cb != addr_codes[a])
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
        eni_codes, eni_names = codes_and_values(rec["interface_id"])
    else:
        eni_codes, eni_names = None, pd.Index([])
    has_sizes = "packets" in rec and "bytes" in rec
    start_s = np.where(st == _MISSING, -np.inf, st).astype(np.float64)
    end_s = np.where(en == _MISSING, np.inf, en).astype(np.float64)
    lo = (cell_win * width).astype(np.float64)

    # whose address is whose: an ENI's own address is on its own side of each of its records
    pair_server, pair_client = pairs.server, pairs.client
    own = _own_enis(frame, src_code, dst_code, len(pr["addr_values"]), side, eni_codes, eni_names)
    # every cell has its window: the SKIPDATA lookup asks per distinct window
    w_first = int(cell_win.min()) if len(cell_win) else 0
    w_bounds = (np.arange(w_first, int(cell_win.max(initial=w_first)) + 1) * width).astype(np.float64)
    windows = (cell_win - w_first, w_bounds, w_bounds + width)

    def skipped(c: Cells, a: np.ndarray, b: np.ndarray, ask: np.ndarray | None) -> np.ndarray:
        known = windows if a is cells.lo and b is cells.hi else None  # (the cells' own windows)
        return own.skipped(
            pair_client[cell_pair], pair_server[cell_pair], a, b, options.interval_slack, known, ask
        )

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
        skipped=skipped,
        main_only=True,
    )
    matrix, main = evaluate(cells)
    return _stretches(
        cells, matrix, main, cell_pair, cell_win, width, pairs, pr, conv, min_windows, empty, own
    )


class _Owners:
    """Which ENIs hold which address, known from every record of the frame; their logging and SKIPDATA.

    The (address, ENI) pairs are kept sorted by address (then ENI code), as arrays: the ENIs of
    address ``a`` are ``eni[first[a] : first[a] + count[a]]``. Every lookup below is one sorted
    search for all cells at once, never a loop over addresses or ENIs.
    """

    def __init__(
        self, addr: np.ndarray, eni: np.ndarray, eni_names: pd.Index, n_addr: int, frame: pd.DataFrame
    ) -> None:
        self.addr = addr  # address codes (of the pairing's table), ascending
        self.eni = eni  # the ENI code (into eni_names) of each
        self.eni_names = eni_names
        self.frame = frame
        self.count = np.bincount(addr, minlength=n_addr + 1)
        self.first = np.r_[0, np.cumsum(self.count)[:-1]]
        self.first_eni = np.full(n_addr + 1, -1, dtype=np.int64)  # the lowest-coded ENI of each address
        self.first_eni[addr[::-1]] = eni[::-1]

    @property
    def addresses(self) -> np.ndarray:
        """The addresses some ENI holds (codes, ascending, distinct)."""
        return np.flatnonzero(self.count[:-1])

    def _expand(self, who: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For the positions ``at`` (of ``who``, address codes): each (position, ENI code) it holds."""
        k = self.count[who[at]]
        if len(k) and int(k.max()) == 1:  # one ENI an address at most (the usual case)
            pos = at[k > 0]
            return pos, self.eni[self.first[who[pos]]]
        pos = np.repeat(at, k)
        if not len(pos):
            return pos, pos
        offset = np.arange(len(pos)) - np.repeat(np.cumsum(k) - k, k)
        return pos, self.eni[self.first[who[pos]] + offset]

    def logging(self, server: np.ndarray, lo: np.ndarray, hi: np.ndarray, slack: float) -> np.ndarray:
        """Per cell: did an ENI holding its server's address write any record (traffic, NODATA or
        SKIPDATA) overlapping [lo, hi], give or take ``slack``? NaN bounds: not asked (False)."""
        out = np.zeros(len(lo), dtype=bool)
        ask = np.flatnonzero(~np.isnan(lo))
        if not len(ask) or "interface_id" not in self.frame:
            return out
        pos, eni = self._expand(server, ask)
        if not len(pos):
            return out
        # the frame's records of the ENIs asked about (by name: the frame may code them otherwise)
        codes, names = codes_and_values(self.frame["interface_id"])
        of_name = pd.Index(names).get_indexer(self.eni_names)  # report's ENI code -> the frame's
        wanted = np.zeros(len(names) + 1, dtype=bool)
        wanted[of_name[np.unique(eni)]] = True
        wanted[-1] = False  # (ENIs the frame does not have: no records)
        rows = np.flatnonzero(wanted[codes])
        from ._verdicts import _times

        st, en = _times(self.frame, rows)
        hit = _overlapping(codes[rows], st, en, of_name[eni], lo[pos] - slack, hi[pos] + slack)
        out[pos[hit]] = True
        return out

    def skipped(
        self,
        client: np.ndarray,
        server: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        slack: float,
        window: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        ask: np.ndarray | None = None,
    ) -> np.ndarray:
        """Per cell: SKIPDATA on an ENI holding its client's or server's address, in its window.

        ``window`` may give each cell's window number and the windows' bounds (``lo`` and ``hi`` of
        window ``k`` are its ``[k]``); else the distinct (lo, hi) are found. When there are few
        skipping ENIs and windows, a table of every (ENI, window) is made first. With ``ask``, only
        those cells are looked up (the others stay False).
        """
        out = np.zeros(len(lo), dtype=bool)
        f = self.frame
        if not ("log_status" in f and "interface_id" in f):
            return out
        from ._verdicts import _times

        rows = np.flatnonzero(isin(f["log_status"], ["SKIPDATA"]))
        codes, names = pd.factorize(f["interface_id"].iloc[rows], use_na_sentinel=True)
        keep = codes >= 0
        if not keep.any():
            return out
        rows, codes = rows[keep], codes[keep]
        st, en = _times(f, rows)
        # the report's ENI code -> its number among the skipping ENIs (-1: never skipped)
        number = pd.Index([str(x) for x in names]).get_indexer(pd.Index([str(x) for x in self.eni_names]))
        if not (number >= 0).any():
            return out
        if window is None:
            c_lo, u_lo = pd.factorize(np.where(np.isnan(lo), -np.inf, lo))
            c_hi, u_hi = pd.factorize(np.where(np.isnan(hi), np.inf, hi))
            win, bounds = pd.factorize(c_lo.astype(np.int64) * len(u_hi) + c_hi)
            bounds = np.asarray(bounds)
            w_lo = np.asarray(u_lo)[bounds // len(u_hi)]
            w_hi = np.asarray(u_hi)[bounds % len(u_hi)]
        else:
            win, w_lo, w_hi = window
        w_lo, w_hi = w_lo - slack, w_hi + slack
        n_skip, m = len(names), len(w_lo)
        dense: np.ndarray | None = None
        if n_skip * m <= len(lo):  # a table of every (ENI, window): fewer lookups than the cells'
            e_all = np.repeat(np.arange(n_skip), m)
            w_all = np.tile(np.arange(m), n_skip)
            dense = _overlapping(codes, st, en, e_all, w_lo[w_all], w_hi[w_all]).reshape(n_skip, m)
        # only the owners that skipped: (address, skipping ENI) pairs
        skipping = number[self.eni] >= 0
        sub = _Owners.__new__(_Owners)
        sub.addr, sub.eni = self.addr[skipping], number[self.eni[skipping]]
        sub.count = np.bincount(sub.addr, minlength=len(self.count))
        sub.first = np.r_[0, np.cumsum(sub.count)[:-1]]
        for who in (client, server):
            todo = ~out & (sub.count[who] > 0)  # cells whose end has a skipping owner
            at = np.flatnonzero(todo if ask is None else todo & ask)
            pos, e = sub._expand(who, at)
            if not len(pos):
                continue
            w = win[pos]
            hit = dense[e, w] if dense is not None else _overlapping(codes, st, en, e, w_lo[w], w_hi[w])
            out[pos[hit]] = True
        return out


def _overlapping(
    group: np.ndarray, st: np.ndarray, en: np.ndarray, q_group: np.ndarray, q_lo: np.ndarray, q_hi: np.ndarray
) -> np.ndarray:
    """Per query: has group ``q_group`` a record [st, en] (of ``group``) overlapping [q_lo, q_hi]?

    One sorted search for all queries: the records' times are keyed by group number x span + time
    (times clipped into [t0, t1], strictly beyond every finite time, so that no comparison changes;
    -inf and inf are missing times). A record overlaps when it started by the query's end and did not
    end before its start (the count of :func:`._verdicts._counts_overlapping`); NaN query bounds are
    unbounded.
    """
    if not len(q_group):
        return np.zeros(0, dtype=bool)
    q_lo = np.where(np.isnan(q_lo), -np.inf, q_lo)
    q_hi = np.where(np.isnan(q_hi), np.inf, q_hi)
    finite = [x[np.isfinite(x)] for x in (st, en, q_lo, q_hi)]
    t0 = min((float(x.min()) for x in finite if len(x)), default=0.0)
    t1 = max((float(x.max()) for x in finite if len(x)), default=0.0)
    t0, t1 = np.floor(t0) - 1, np.ceil(t1) + 1
    span = t1 - t0 + 1

    def keyed(g: np.ndarray, t: np.ndarray) -> np.ndarray:
        return g.astype(np.float64) * span + (np.clip(t, t0, t1) - t0)

    st_keys = np.sort(keyed(group, st))
    en_keys = np.sort(keyed(group, en))
    started = np.searchsorted(st_keys, keyed(q_group, q_hi), side="right")
    return started - np.searchsorted(en_keys, keyed(q_group, q_lo), side="left") > 0


def _own_enis(
    frame: pd.DataFrame,
    src: np.ndarray,
    dst: np.ndarray,
    n_addr: int,
    side: np.ndarray,
    eni_codes: np.ndarray | None,
    eni_names: pd.Index,
) -> _Owners:
    """Each (address, ENI) where the ENI's own side of its records carries the address (``src`` and
    ``dst``: codes of the pairing's address table, ``n_addr`` long)."""
    if eni_codes is None:
        empty = np.zeros(0, dtype=np.int64)
        return _Owners(empty, empty, eni_names, n_addr, frame)
    own_addr = np.where(side == 1, src, np.where(side == 2, dst, -1))
    ok = (own_addr >= 0) & (eni_codes >= 0)
    base = len(eni_names) + 1
    keys = np.sort(own_addr[ok].astype(np.int64) * base + eni_codes[ok])
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys  # distinct, ascending
    return _Owners(keys // base, keys % base, eni_names, n_addr, frame)


class _Pairs:
    """Per pair: client and server (address codes), server port (-1 for ICMP) and protocol."""

    def __init__(self, client: np.ndarray, server: np.ndarray, port: np.ndarray, proto: np.ndarray) -> None:
        self.client = np.asarray(client, dtype=np.int64)
        self.server = np.asarray(server, dtype=np.int64)
        self.port = np.asarray(port, dtype=np.int64)
        self.proto = np.asarray(proto, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.client)


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
    own: _Owners,
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
    p_client, p_server = pairs.client, pairs.server
    # wanted pairs: worked at some other time, or their server answered someone else on that port
    worked_pair = np.zeros(len(pairs), dtype=bool)
    worked_pair[cell_pair[reachable]] = True
    # the server is its interface: a dual-stack ENI that answers IPv4 clients on a port serves it
    # over IPv6 too (the key is the server's first ENI, else its address)
    n_addr = len(pr["addr_values"])
    srv_eni = own.first_eni[pairs.server]
    host = np.where(srv_eni >= 0, n_addr + srv_eni, pairs.server)
    svc_code, _ = pd.factorize((host * 65537 + pairs.port + 1) * 257 + pairs.proto + 1)
    svc_ok = np.bincount(svc_code[worked_pair], minlength=int(svc_code.max()) + 1)
    others_ok = svc_ok[svc_code] - worked_pair.astype(np.int64) > 0
    # a pair is wanted when it worked at another time; or its client kept trying over min_windows
    # windows, inside the network (neither end on the internet) or to a server that answered others
    # on that port; one-off attempts (scans, sweeps, probes) are traffic meant to be blocked
    values_all = np.asarray(pr["addr_values"], dtype=object)
    kept_trying = seg_windows >= min_windows
    # where the scopes decide: failing stretches of pairs that kept trying, never worked and whose
    # server answered no one else there; only their addresses are asked about
    open_question = bad & kept_trying & ~worked_pair[seg_pair] & ~others_ok[seg_pair]
    asked = np.zeros(n_addr, dtype=bool)
    asked[p_client[seg_pair[open_question]]] = True
    asked[p_server[seg_pair[open_question]]] = True
    asked = np.flatnonzero(asked)
    public = np.zeros(n_addr, dtype=bool)
    public[asked] = _public(values_all[asked])
    # an interface's own IPv6 address is inside, though global unicast (its own IPv4 one is always private:
    # AWS logs the private address, never the public or Elastic IP)
    mine = own.addresses
    mine = mine[public[mine]]
    public[mine[is_v6_text(values_all[mine])]] = False
    inside = ~public[p_client] & ~public[p_server]
    # an answer that came back and was dropped, to a client inside the network, is never a probe's
    returns = [
        j
        for j, t in enumerate(TABLE)
        if t.code in ("NACL_INBOUND_BLOCKS_RETURN", "NACL_OUTBOUND_BLOCKS_RETURN")
    ]
    answered = np.isin(seg_verdict, returns)
    ours = answered & ~public[p_client][seg_pair]
    wanted = worked_pair[seg_pair] | (kept_trying & (inside[seg_pair] | others_ok[seg_pair] | ours))
    keep = np.flatnonzero(bad & wanted)
    if not len(keep):
        return empty
    # per stretch: records and failed connections (distinct conversations with requests)
    cell_seg = np.full(cells.n, -1, dtype=np.int64)
    cell_seg[c_idx] = seg
    rseg = cell_seg[cells.cell]
    kept = np.zeros(n_seg + 1, dtype=bool)  # (the last: in no stretch)
    kept[keep] = True
    in_kept = kept[rseg]  # only the reported stretches' records and connections are counted
    records = np.bincount(rseg[in_kept], minlength=n_seg)
    req = cells.req & in_kept
    conv_keys = pd.unique(rseg[req] * (int(conv.max()) + 1) + conv[req])
    failed = np.bincount(conv_keys // (int(conv.max()) + 1), minlength=n_seg)[keep]
    k_client = pairs.client[seg_pair[keep]]
    k_server = pairs.server[seg_pair[keep]]
    port = pairs.port[seg_pair[keep]]
    proto = pairs.proto[seg_pair[keep]]
    k_verdict = seg_verdict[keep]
    duration = seg_end[keep] - seg_start[keep]
    # distinct clients failing with the same verdict on the same server, port and protocol
    group, _ = pd.factorize(((k_server * 65537 + port + 1) * 256 + proto) * len(TABLE) + k_verdict)
    group = np.asarray(group, dtype=np.int64)
    pairs_seen = np.unique(group * (n_addr + 1) + k_client) // (n_addr + 1)
    clients = np.bincount(pairs_seen, minlength=int(group.max()) + 1)[group]
    # ranked by failed connections, clients and duration (most first), then client, server and port
    # (addresses are coded in ascending order of value; a missing port, ICMP's, last); stable
    order = np.lexsort((np.where(port >= 0, port, 1 << 16), k_server, k_client, -duration, -clients, -failed))
    values = np.asarray(pr["addr_values"], dtype=object)
    client, server = values[k_client[order]], values[k_server[order]]
    port, proto, k_verdict = port[order], proto[order], k_verdict[order]
    ports = pd.array(np.where(port >= 0, port, 0), dtype="UInt16")
    ports[port < 0] = pd.NA
    by_code = {v.code: v for v in TABLE}
    start = pd.to_datetime(seg_start[keep][order], unit="s", utc=True).astype("datetime64[s, UTC]")
    end = pd.to_datetime(seg_end[keep][order], unit="s", utc=True).astype("datetime64[s, UTC]")
    out = pd.DataFrame(
        {
            "client": client.astype(str),
            "server": server.astype(str),
            "port": ports,
            "protocol": pd.array(proto, dtype="UInt8"),
            "verdict": pd.Series(codes[k_verdict]).astype("category"),
            "start": start,
            "end": end,
            "duration": end - start,
            "windows": seg_windows[keep][order].astype(np.int64),
            "failed": failed[order].astype(np.int64),
            "clients": clients[order].astype(np.int64),
            "records": records[keep][order].astype(np.int64),
            "meaning": np.array([t.meaning for t in TABLE], dtype=object)[k_verdict],
            "fix": _fixes([by_code[c].fix for c in codes], k_verdict, client, server, proto, port),
        }
    )
    return out[REPORT_COLUMNS]


def _public(values: np.ndarray) -> np.ndarray:
    """Per distinct address: is it on the internet (public scope)?"""
    from ..._scope import is_internet

    return np.asarray(is_internet(list(values)), dtype=bool)


def _fix_words(proto: str, port: int) -> dict[str, str]:
    """What a fix's template says of the service: ``{service}``, ``{proto}`` and ``{ephemeral}``."""
    icmp = proto in ("ICMP", "ICMPv6")
    lo, hi = EPHEMERAL_NACL
    return {
        "service": proto if icmp or port < 0 else f"{proto} port {port}",
        "proto": proto,
        "ephemeral": "" if icmp else f" ports {lo}-{hi}",
    }


def _fixes(
    templates: list[str],
    verdict: np.ndarray,
    client: np.ndarray,
    server: np.ndarray,
    proto: np.ndarray,
    port: np.ndarray,
) -> np.ndarray:
    """The fix of each row: ``templates[verdict]`` filled in with its client, server and service.

    Rows with the same verdict, protocol and port share all but their client and server: each such
    group's template is filled once, and its texts are joined for all its rows at once (pyarrow).
    """
    import string

    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.empty(len(verdict), dtype=object)
    if not len(out):
        return out
    group, keys = pd.factorize((verdict.astype(np.int64) * 256 + proto) * 65537 + port + 1)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(keys) + 1))
    labels = {int(x): protocol_label(int(x)) for x in pd.unique(proto)}
    for g in range(len(keys)):
        rows = order[bounds[g] : bounds[g + 1]]
        r0 = rows[0]
        words = _fix_words(labels[int(proto[r0])], int(port[r0]))
        texts: dict[str, Any] = {
            "client": pa.array(client[rows].astype(str).tolist(), type=pa.string()),
            "server": pa.array(server[rows].astype(str).tolist(), type=pa.string()),
        }
        pieces: list[Any] = []
        for literal, name, spec, conv in string.Formatter().parse(templates[int(verdict[r0])]):
            pieces.append(literal)
            if name is not None:
                value = texts.get(name, words.get(name))
                if value is None or spec or conv:
                    raise ValueError(
                        f"the fix template {templates[int(verdict[r0])]!r} has a field "
                        f"flownb does not fill: {{{name}}} (a bug in the verdict table)"
                    )
                pieces.append(value)
        parts = [
            pa.scalar(x, pa.string()) if isinstance(x, str) else x
            for x in pieces
            if not isinstance(x, str) or x
        ]
        if not any(isinstance(x, pa.Array) for x in parts):
            parts.append(pa.array([""] * len(rows), type=pa.string()))
        joined = pc.binary_join_element_wise(*parts, "")
        out[rows] = joined.to_numpy(zero_copy_only=False)
    return out


def _sorted_codes(values: np.ndarray) -> np.ndarray:
    """Dense codes of integer keys in ascending order of key."""
    from .._flows import sorted_codes

    return sorted_codes(values)[0]
