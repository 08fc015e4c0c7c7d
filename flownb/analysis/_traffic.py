"""Traffic summaries in the vocabulary of NetFlow tools: top talkers, time series, conversations.

``top`` follows nfdump's statistics (``-s srcip/bytes``) and SiLK's ``rwstats``:
flows, packets, bytes and the rates bps, pps and bpp per key, keys being any
column, several columns, or addresses aggregated to networks (``"srcaddr/24"``).
``conversations`` pairs the two directions of each connection the way nfdump's
bidirectional mode (``-B``) does, guessing the server from ports, and from the
TCP handshake when ``tcp_flags`` is in the format.

All functions skip NODATA and SKIPDATA records (they carry no traffic) and never
change their input.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from .._cache import ColumnCache
from .._dispatch import accepts_dataset
from .._durations import duration_seconds
from ._addresses import codes_and_values, ranked_codes
from ._conversations import conversation_codes, conversation_table, counted_eni, handshake_votes, server_is_hi
from ._flows import lexorder
from ._frame import (
    cached_counter,
    cached_data_rows,
    cached_group_codes,
    code_sums,
    counter_buffers,
    counter_weights,
    data_rows,
    int_array,
    require,
    seconds,
    utc_seconds,
    value_ranks,
)
from ._ports import SERVICE_PORTS

__all__ = ["conversations", "service_view", "timeseries", "top"]

Metric = Literal["flows", "packets", "bytes", "bps", "pps", "bpp"]
_METRICS = ("flows", "packets", "bytes", "bps", "pps", "bpp")
_ADDITIVE = ("flows", "packets", "bytes")
_NAT = np.iinfo(np.int64).min


def _check_metric(metric: str, allowed: tuple[str, ...]) -> None:
    if metric not in allowed:
        raise ValueError(f"metric must be one of {list(allowed)}, got {metric!r}")


@accepts_dataset
def top(
    df: pd.DataFrame | ColumnCache,
    by: str | list[str] = "srcaddr",
    metric: Metric = "bytes",
    n: int | None = 10,
    *,
    counters: bool = True,
) -> pd.DataFrame:
    """The ``n`` keys with the largest ``metric``: top talkers, top ports, top networks.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    by : str or list of str, default "srcaddr"
        Column(s) to group by. An address column with a prefix length groups
        addresses by network: ``"srcaddr/24"`` (IPv6 addresses use /64 unless
        written ``"srcaddr/24/48"``).
    metric : {"flows", "packets", "bytes", "bps", "pps", "bpp"}, default "bytes"
        What to rank by: records, packets, bytes, bits per second, packets per
        second or bytes per packet. Rates divide by the key's active time, from
        its first ``start`` to its last ``end`` (at least one second), as nfdump does;
        a key whose records have no ``start`` (or no ``end``) has no active time: its
        rates are missing and its ``first`` (or ``last``) is NaT.
    n : int or None, default 10
        How many rows to return; ``None`` for all.
    counters : bool, default True
        ``False`` when only the ranking is wanted: with an additive ``metric`` (records,
        packets, bytes), the result has the key column(s), ``flows``, the metric and
        ``share`` only (the same keys, order and numbers), and the other counters and
        active times of the keys shown are not computed. Rates are ranked on every
        counter: with them it changes nothing.

    Returns
    -------
    DataFrame
        The key column(s), then ``flows``, ``packets``, ``bytes``, ``bps``, ``pps``,
        ``bpp``, ``first``, ``last`` and ``share`` (the key's fraction of the total
        ``metric``; missing for rates), largest first; keys with equal ``metric``
        in ascending order of their value(s), whatever the order of the files.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/tcp-flags-sequence")
    >>> flownb.analysis.top(df, by="srcaddr", metric="bytes")[["srcaddr", "flows", "bytes", "share"]]
             srcaddr  flows     bytes     share
    0  52.213.180.42      4  23397117  0.997214
    1      10.0.0.62      4     65363  0.002786
    >>> flownb.analysis.top(df, by=["dstaddr", "dstport"], metric="flows", n=1)[["dstaddr", "dstport", "flows"]]
         dstaddr  dstport  flows
    0  10.0.0.62     5001      4
    """
    _check_metric(metric, _METRICS)
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ValueError("by must name at least one column")
    if n is not None and (not isinstance(n, (int, np.integer)) or n < 1):
        raise ValueError(f"n must be a positive integer or None, got {n!r}")
    rec = ColumnCache.of(df, "top()")  # a frame, or a filtered view of one (the widgets' cached columns)
    view_rows = None
    if rec.rows is not None and len(rec) >= _MASKED_SHARE * len(rec.df):
        # a large view: the frame's own arrays, the other records in the dropped bucket (no copy)
        view_rows, rec = rec.rows, ColumnCache(rec.df, None, rec._base)
    rows = cached_data_rows(rec) if view_rows is None else cached_data_rows(rec) & view_rows
    raw, labels = cached_group_codes(rec, keys)
    k = len(labels)
    # ranked by an additive metric, the other counters are needed for the keys shown only: summed over
    # those keys' records (all of them, in record order: the same floats as over every record)
    shown_only = metric in _ADDITIVE
    # records and the ranking counter per key in one pass (rows without traffic or without a key left out)
    first_sum = "bytes" if metric in ("bytes", "bps", "bpp") else "packets" if metric != "flows" else None

    def weights(name: str) -> np.ndarray | pd.Series:
        """A counter's weights: the frame's column itself (missing values read as 0), or the view's."""
        return rec.df[name] if rec.rows is None and name in rec.df else cached_counter(rec, name)

    flows, summed = code_sums(raw, rows, k, None if first_sum is None else weights(first_sum))
    bucketed: list[np.ndarray] = []

    def codes_of_all() -> np.ndarray:
        """Every record's key code, the records without traffic or without a key in a bucket k."""
        if not bucketed:
            bucketed.append(np.where(rows & (raw >= 0), raw, k))
        return bucketed[0]

    def counter(name: str, rows_of: np.ndarray | None = None) -> np.ndarray:
        if rows_of is None:
            total = code_sums(raw, rows, k, weights(name))[1]
            assert total is not None
            return total
        if rec.rows is None:  # the frame's column at those rows only
            w = counter_weights(rec.df.get(name), len(rec), rows=rows_of)
        else:
            w = cached_counter(rec, name)[rows_of]
        return np.bincount(raw[rows_of], weights=w, minlength=k + 1)[:k]

    packets = nbytes = None
    if not shown_only or metric == "packets":
        packets = summed if first_sum == "packets" and summed is not None else counter("packets")
    if not shown_only or metric == "bytes":
        nbytes = summed if first_sum == "bytes" and summed is not None else counter("bytes")
    has_time = "start" in rec.columns and "end" in rec.columns
    if metric in ("bps", "pps") and not has_time:
        # (scale's engine path gives the same sentence: flownb/scale/_ops.py build_top)
        raise ValueError(f"metric '{metric}' needs the start and end fields, which this frame does not have")
    seen = flows > 0

    def records_of(keys_of: np.ndarray) -> np.ndarray:
        """Positions of the records of some keys, in record order."""
        pick = np.zeros(k + 1, dtype=bool)  # the last entry: code -1 (no key)
        pick[keys_of] = True
        return np.flatnonzero(pick[raw] & rows)

    def active_time(sel: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """First known start and last known end per key, over all records or only those at ``sel``;
        the smallest int64 (NaT) for a key with no start (or no end) at all."""
        big = np.iinfo(np.int64).max
        first = np.full(k + 1, big, dtype=np.int64)
        last = np.full(k + 1, -big, dtype=np.int64)
        s, e = rec.seconds("start"), rec.seconds("end")
        if sel is not None:
            s, e, c = s[sel], e[sel], raw[sel]
        else:
            c = codes_of_all()
        np.minimum.at(first, c, np.where(s == _NAT, big, s))  # a missing start (NaT) is no first start
        np.maximum.at(last, c, e)  # NaT is the smallest int64: it never wins a maximum
        first, last = first[:k], last[:k]
        return np.where(seen & (first != big), first, _NAT), np.where(seen & (last != -big), last, _NAT)

    def rates(
        first: np.ndarray, last: np.ndarray, nbytes: np.ndarray, packets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """bps and pps over the active time (at least one second); missing when a key has no start or end."""
        known = (first != _NAT) & (last != _NAT)
        dur = np.where(known, np.maximum(last - np.where(known, first, 0), 1), 1).astype(np.float64)
        return np.where(known, nbytes * 8 / dur, np.nan), np.where(known, packets / dur, np.nan)

    def per_packet(nbytes: np.ndarray, packets: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(packets > 0, nbytes / np.where(packets > 0, packets, 1), np.nan)

    values = {"flows": flows.astype(np.float64)}
    if packets is not None:
        values["packets"] = packets
    if nbytes is not None:
        values["bytes"] = nbytes
    if not shown_only:
        assert packets is not None and nbytes is not None
        values["bpp"] = per_packet(nbytes, packets)
    if metric in ("bps", "pps"):  # rates need every key's active time to rank
        assert packets is not None and nbytes is not None
        first, last = active_time(None)
        bps, pps = rates(first, last, nbytes, packets)
        values |= {"bps": bps, "pps": pps}
    ranked = np.where(seen, np.nan_to_num(values[metric], nan=-1.0), -np.inf)
    order = _largest(ranked, int(seen.sum()) if n is None else min(n, int(seen.sum())), labels)
    if not counters and shown_only:  # the ranking only: no other counter, no active time
        return _ranking_frame(labels, order, flows, values[metric], metric)
    need_sel = packets is None or nbytes is None or (has_time and metric not in ("bps", "pps"))
    sel = records_of(order) if need_sel else None
    if packets is None:
        packets = counter("packets", sel)
    if nbytes is None:
        nbytes = counter("bytes", sel)
    bpp = values["bpp"] if "bpp" in values else per_packet(nbytes, packets)
    if has_time and metric not in ("bps", "pps"):  # only the keys shown need their active time
        first, last = active_time(sel)
    if has_time:
        bps, pps = rates(first, last, nbytes, packets)
    keyed = labels.take(order).reset_index(drop=True)
    cols: dict[str, Any] = {
        c: keyed[c] for c in keyed.columns
    }  # one frame built at once, not column by column
    cols["flows"] = flows[order].astype(np.int64)
    cols["packets"] = pd.array(packets[order].astype(np.uint64), dtype="UInt64")
    cols["bytes"] = pd.array(nbytes[order].astype(np.uint64), dtype="UInt64")
    if has_time:
        cols["bps"] = bps[order]
        cols["pps"] = pps[order]
    cols["bpp"] = bpp[order]
    if has_time:
        cols["first"] = utc_seconds(first[order])
        cols["last"] = utc_seconds(last[order])
    if metric in _ADDITIVE:
        total = values[metric].sum()
        cols["share"] = values[metric][order] / total if total else np.full(len(order), np.nan)
    else:
        cols["share"] = np.full(len(order), np.nan)
    return pd.DataFrame(cols)


def _ranking_frame(
    labels: pd.DataFrame, order: np.ndarray, flows: np.ndarray, value: np.ndarray, metric: str
) -> pd.DataFrame:
    """top(counters=False)'s result: the keys at ``order``, their records, ``metric`` and share (the
    columns of the full result, with the same types)."""
    keyed = labels.take(order).reset_index(drop=True)
    cols: dict[str, Any] = {c: keyed[c] for c in keyed.columns}
    cols["flows"] = flows[order].astype(np.int64)
    if metric != "flows":
        cols[metric] = pd.array(value[order].astype(np.uint64), dtype="UInt64")
    total = value.sum()
    cols["share"] = value[order] / total if total else np.full(len(order), np.nan)
    return pd.DataFrame(cols)


def _largest(ranked: np.ndarray, count: int, labels: pd.DataFrame) -> np.ndarray:
    """Positions of the ``count`` largest ``ranked``, largest first; equal values in ascending order of
    their ``labels`` (by value, never by file order: issue 15).

    Only the candidates are sorted: the keys ranked at least as high as the ``count``-th largest (by
    ``np.partition``), so a top 10 of a million keys sorts ten or so.
    """
    k = len(ranked)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if count < k:
        cut = np.partition(ranked, k - count)[k - count]  # the count-th largest value
        cand = np.flatnonzero(ranked >= cut)
    else:
        cand = np.arange(k)
    # ranks by value among the candidates order them as among all keys
    ties = [value_ranks(labels[c].take(cand).reset_index(drop=True)) for c in reversed(labels.columns)]
    return cand[np.lexsort([*ties, -ranked[cand]])][:count]


def _freq_seconds(freq: str | int | pd.Timedelta) -> int:
    """A bin width in whole seconds (the one duration parser, :mod:`flownb._durations`)."""
    return duration_seconds(freq, name="freq")


@accepts_dataset
def timeseries(
    df: pd.DataFrame | ColumnCache,
    freq: str | int | pd.Timedelta = "1min",
    metric: Literal["flows", "packets", "bytes", "bps", "pps"] = "bytes",
    by: str | None = None,
) -> pd.DataFrame:
    """Traffic per time bin, each record spread over its ``start``-``end`` window.

    A record says ``bytes`` crossed the ENI between ``start`` and ``end``; putting
    them all at ``start`` draws spikes that never happened. Here each record adds
    to every bin its window overlaps, in proportion to the overlap (a record with
    ``start == end`` falls in one bin).

    Parameters
    ----------
    df : DataFrame
        Flow log records with ``start`` and ``end``.
    freq : str, int or Timedelta, default "1min"
        Bin width: a pandas time span ("30s", "1min", "5min", "1h"), an ISO 8601
        duration ("PT5M") or a number of seconds (300); bins start at the Unix epoch.
    metric : {"flows", "packets", "bytes", "bps", "pps"}, default "bytes"
        ``flows`` counts the records active in each bin; ``bps``/``pps`` are the
        spread bytes*8 / packets divided by the bin width.
    by : str, optional
        A column (or ``"srcaddr/24"``) to split the series by.

    Returns
    -------
    DataFrame
        Tidy: ``time`` (bin start, UTC), the ``by`` column when given, and the
        metric; every bin from the first to the last is present (zero when quiet).
        Within a bin, the ``by`` values are in ascending order of value.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/sg-nacl-ping")
    >>> flownb.analysis.timeseries(df, freq="1min", metric="bytes")
                           time       bytes
    0 2015-05-29 16:30:00+00:00   96.417391
    1 2015-05-29 16:31:00+00:00  357.304348
    2 2015-05-29 16:32:00+00:00  218.278261
    """
    rec = ColumnCache.of(df, "timeseries()")  # a frame, or a filtered view of one (the widgets' cache)
    require(rec.df, ["start", "end"], "timeseries()")
    _check_metric(metric, ("flows", "packets", "bytes", "bps", "pps"))
    f = _freq_seconds(freq)
    if rec.rows is not None and len(rec) >= _MASKED_SHARE * len(rec.df):
        return _timeseries_masked(rec, f, metric, by)
    rows = cached_data_rows(rec)
    if by is not None:
        gcodes, labels = cached_group_codes(rec, [by])
        rows = rows & (gcodes >= 0)
    s = rec.seconds("start")
    e = rec.seconds("end")
    rows = rows & (s != np.iinfo(np.int64).min) & (e != np.iinfo(np.int64).min)
    idx = np.flatnonzero(rows)
    s, e = s[idx], np.maximum(e[idx], s[idx])
    length = e - s
    b0 = s // f
    b1 = np.maximum(e - 1, s) // f  # last bin the window reaches into (the first one when e == s)
    if len(idx) == 0:
        cols = {"time": pd.Series([], dtype="datetime64[s, UTC]")}
        if by is not None:
            cols[by] = labels[by].iloc[:0]
        cols[metric] = pd.Series([], dtype="float64")
        return pd.DataFrame(cols)
    kmin, kmax = int(b0.min()), int(b1.max())
    nb = kmax - kmin + 1
    if by is None:
        gpos, present, ng = np.zeros(len(idx), dtype=np.int64), None, 1
    else:
        g = gcodes[idx]
        present = np.flatnonzero(np.bincount(g, minlength=len(labels)))  # (no sort of every row)
        ranks = rec.table(("ranks", by), lambda _f: [value_ranks(labels[by])])[0]
        present = present[np.argsort(ranks[present], kind="stable")]  # by value
        where = np.zeros(len(labels), dtype=np.int64)
        where[present] = np.arange(len(present))
        gpos = where[g]
        ng = len(present)
    # per (group, bin) cell, without a row per record and bin: a record within one bin adds to it;
    # a longer one adds its head and tail parts to its first and last bins and a difference array
    # carries its rate through the bins in between (the same overlap shares as bin by bin)
    r0, r1 = b0 - kmin, b1 - kmin
    width = nb + 1
    if metric == "flows":  # records active in each bin
        diff = np.bincount(gpos * width + r0, minlength=ng * width).astype(np.float64)
        diff -= np.bincount(gpos * width + r1 + 1, minlength=ng * width)
        cells = np.cumsum(diff.reshape(ng, width), axis=1)[:, :nb]
    else:
        base = "bytes" if metric in ("bytes", "bps") else "packets"
        v = cached_counter(rec, base)[idx]
        multi = r1 > r0
        cells = np.bincount(gpos * nb + r0, weights=np.where(multi, 0.0, v), minlength=ng * nb)
        if multi.any():
            m_ = np.flatnonzero(multi)
            gm, rm0, rm1 = gpos[m_], r0[m_], r1[m_]
            rate = v[m_] / length[m_]
            head, tail = (b0[m_] + 1) * f - s[m_], e[m_] - b1[m_] * f
            _spread_over_bins(cells, gm, rm0, rm1, head, tail, rate, f, ng, nb, width)
        cells = cells.reshape(ng, nb)
        if metric == "bps":
            cells = cells * 8 / f
        elif metric == "pps":
            cells = cells / f
    return _series_frame(cells, kmin, nb, f, metric, by, labels if by is not None else None, present)


def _series_frame(
    cells: np.ndarray,
    kmin: int,
    nb: int,
    f: int,
    metric: str,
    by: str | None,
    labels: pd.DataFrame | None,
    present: np.ndarray | None,
) -> pd.DataFrame:
    """timeseries()'s tidy result from its (group, bin) cells."""
    if by is None or labels is None or present is None:
        times = utc_seconds((np.arange(nb) + kmin) * f)
        out = pd.DataFrame({"time": times, metric: cells[0]})
    else:
        times = utc_seconds((np.repeat(np.arange(nb), len(present)) + kmin) * f)
        out = pd.DataFrame(
            {
                "time": times,
                by: labels[by].take(np.tile(present, nb)).reset_index(drop=True),
                metric: cells.T.ravel(),
            }
        )
    if metric == "flows":
        out[metric] = np.rint(out[metric].to_numpy()).astype(np.int64)
    return out


#: A filtered view keeping at least this share of its frame's records is aggregated on the frame's own
#: arrays, the other records weighing nothing (no copy of most of the frame); a smaller one is copied.
_MASKED_SHARE = 0.4


def _timeseries_masked(rec: ColumnCache, f: int, metric: str, by: str | None) -> pd.DataFrame:
    """:func:`timeseries` of a large filtered view, from the full frame's cached arrays and bins (made
    once per frame and bin width), taken at the view's records: the same sums, added in the same record
    order (so the same floats) as on a copy of the view, without recomputing every record's bins."""
    full = ColumnCache(rec.df, None, rec._base)
    assert rec.rows is not None
    nat = np.iinfo(np.int64).min
    s, e = full.seconds("start"), full.seconds("end")

    def bins(_frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        ok = (s != nat) & (e != nat)
        s0, e0 = np.where(ok, s, 0), np.where(ok, np.maximum(e, s), 0)
        b0 = s0 // f
        b1 = np.maximum(e0 - 1, s0) // f
        return b0, b1, b1 > b0, ok

    b0, b1, multi, timed = full.table(("timeseries bins", f), bins)
    rows = cached_data_rows(full) & rec.rows & timed
    labels = None
    if by is not None:
        gcodes, labels = cached_group_codes(full, [by])
        rows &= gcodes >= 0
    idx = np.flatnonzero(rows)
    if len(idx) == 0:  # (as the copying path says it)
        cols = {"time": pd.Series([], dtype="datetime64[s, UTC]")}
        if by is not None and labels is not None:
            cols[by] = labels[by].iloc[:0]
        cols[metric] = pd.Series([], dtype="float64")
        return pd.DataFrame(cols)
    r0, r1 = b0.take(idx), b1.take(idx)
    kmin, kmax = int(r0.min()), int(r1.max())
    r0 -= kmin
    r1 -= kmin
    nb = kmax - kmin + 1
    present = None
    if by is None or labels is None:
        gpos = np.zeros(len(idx), dtype=np.int64)
        ng = 1
    else:
        g = gcodes.take(idx)
        present = np.flatnonzero(np.bincount(g, minlength=len(labels)))
        ranks = full.table(("ranks", by), lambda _f: [value_ranks(labels[by])])[0]
        present = present[np.argsort(ranks[present], kind="stable")]
        where = np.zeros(len(labels), dtype=np.int64)
        where[present] = np.arange(len(present))
        gpos = where[g]
        ng = len(present)
    width = nb + 1
    if metric == "flows":
        diff = np.bincount(gpos * width + r0, minlength=ng * width).astype(np.float64)
        diff -= np.bincount(gpos * width + r1 + 1, minlength=ng * width)
        cells = np.cumsum(diff.reshape(ng, width), axis=1)[:, :nb]
    else:
        base = "bytes" if metric in ("bytes", "bps") else "packets"
        v = cached_counter(full, base).take(idx)
        mi = multi.take(idx)
        cells = np.bincount(gpos * nb + r0, weights=np.where(mi, 0.0, v), minlength=ng * nb)
        m_ = np.flatnonzero(mi)
        if len(m_):
            at = idx[m_]
            sm, em = s.take(at), np.maximum(e.take(at), s.take(at))
            rm0, rm1 = r0[m_], r1[m_]
            bm0, bm1 = rm0 + kmin, rm1 + kmin
            rate = np.asarray(v[m_], dtype=np.float64) / (em - sm)
            head, tail = (bm0 + 1) * f - sm, em - bm1 * f
            _spread_over_bins(cells, gpos[m_], rm0, rm1, head, tail, rate, f, ng, nb, width)
        cells = cells.reshape(ng, nb)
        if metric == "bps":
            cells = cells * 8 / f
        elif metric == "pps":
            cells = cells / f
    return _series_frame(cells, kmin, nb, f, metric, by, labels, present)


def _traffic_rows(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index] | None:
    """The traffic records' positions and their source and destination address codes, with the address
    table (``None`` when there is no traffic record): what :func:`_pairing` and
    :func:`_host_pair_tallies` start from. Addresses are coded in ascending order of value, so that
    no rule built on them depends on file order."""
    idx = np.flatnonzero(data_rows(df))
    if len(idx) == 0:
        return None
    (src, dst), addr_values = ranked_codes([df["srcaddr"], df["dstaddr"]])
    return idx, src[idx], dst[idx], addr_values


def _pairing(df: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """Per traffic record: conversation id, whether it flows to the server, and the arrays behind them."""
    rows = _traffic_rows(df)
    if rows is None:
        return None
    idx, src, dst, addr_values = rows
    n = len(df)
    sp = int_array(df.get("srcport"), n, rows=idx)
    dp = int_array(df.get("dstport"), n, rows=idx)
    proto = int_array(df.get("protocol"), n, rows=idx)
    # each record's conversation, and each conversation's endpoints and protocol
    table = conversation_table(src, sp, dst, dp, proto)
    conv, m, fwd = table.conv, table.m, table.fwd
    lo_addr, hi_addr, lo_port, hi_port = table.lo_addr, table.hi_addr, table.lo_port, table.hi_port
    proto_c = table.proto
    # which side is the server: the one rule of flownb.analysis._conversations
    flags = int_array(df["tcp_flags"], n, rows=idx) if "tcp_flags" in df else None
    votes = handshake_votes(conv, fwd, flags, m)

    def spoke(undecided: np.ndarray) -> np.ndarray:
        """+1 where the lo end's earliest record starts first (so the hi end is the server)."""
        if "start" not in df:
            return np.zeros(len(undecided), dtype=np.int64)
        pick = np.zeros(m, dtype=bool)
        pick[undecided] = True
        rows_u = np.flatnonzero(pick[conv])
        c_u, f_u = conv[rows_u], fwd[rows_u]
        st = seconds(df["start"])[idx[rows_u]]
        big = np.iinfo(np.int64).max
        t_f = np.full(m, big, dtype=np.int64)
        t_r = np.full(m, big, dtype=np.int64)
        np.minimum.at(t_f, c_u[f_u], st[f_u])
        np.minimum.at(t_r, c_u[~f_u], st[~f_u])
        return np.sign(t_r - t_f)[undecided]

    hi_server = server_is_hi(
        lo_port=lo_port, hi_port=hi_port, lo_addr=lo_addr, hi_addr=hi_addr, votes=votes, spoke=spoke
    )
    to_server = fwd == hi_server[conv]
    return {
        "idx": idx,
        "conv": conv,
        "n_conv": np.array(m),
        "to_server": to_server,
        "addr_values": np.asarray(addr_values, dtype=object),
        # per traffic record: its source and destination address codes (into addr_values)
        "src": src,
        "dst": dst,
        # per conversation: client and server endpoints, protocol
        "client": np.where(hi_server, lo_addr, hi_addr),
        "client_port": np.where(hi_server, lo_port, hi_port),
        "server": np.where(hi_server, hi_addr, lo_addr),
        "server_port": np.where(hi_server, hi_port, lo_port),
        "conv_proto": proto_c,
    }


def _action_label(accepts: np.ndarray, rejects: np.ndarray) -> pd.Categorical:
    """ACCEPT, REJECT or MIXED from counts; missing when both are zero."""
    # ACCEPT only -> 0, REJECT only -> 1, both -> 2, neither -> -1
    codes = (accepts > 0).astype(np.int8) + 2 * (rejects > 0).astype(np.int8) - 1
    return pd.Categorical.from_codes(codes, categories=["ACCEPT", "REJECT", "MIXED"], validate=False)


def _eni_codes(df: pd.DataFrame, idx: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """The rows ``idx``'s ENI codes, in ascending order of ENI id (-1 missing), and the ids they index."""
    raw, table, eni_values = _eni_table(df)
    if not len(raw):
        return np.full(len(idx), -1, dtype=np.int64), eni_values
    return table[raw[idx]], eni_values


def _eni_table(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """The frame's ENI column as codes (a categorical's as they are; empty without the column), each
    code's ENI rank by id (its last entry -1: the code -1 of a missing id), and the ids by rank."""
    if "interface_id" not in df:
        return np.zeros(0, dtype=np.int64), np.array([-1], dtype=np.int64), pd.Index([])
    eni, eni_values = _raw_codes(df["interface_id"])
    # ENIs coded in ascending order of their id, so that labels do not depend on file order
    eni_rank = value_ranks(pd.Series(np.asarray(eni_values, dtype=object), dtype=object))
    eni_values = pd.Index(np.asarray(eni_values, dtype=object)[np.argsort(eni_rank)], dtype=object)
    return eni, np.append(eni_rank, -1).astype(np.int64), eni_values


def _action_is(df: pd.DataFrame, idx: np.ndarray, action: str) -> np.ndarray:
    """Whether the rows ``idx`` have ``action`` (missing: no); ``df`` must have the column."""
    acodes, avalues = codes_and_values(df["action"])
    amap = np.array([v == action for v in avalues] + [False])
    acodes = acodes[idx]
    return amap[np.where(acodes < 0, len(avalues), acodes)]


def _host_pair_tallies(df: pd.DataFrame) -> dict[str, Any] | None:
    """Per pair of hosts (either direction): the sums over its conversations that ``_tallies`` counts.

    Bytes and packets (one ENI's copy of each conversation-direction, as in :func:`conversations`),
    records and rejected records of the traffic records between two addresses. What the
    conversation graph draws; it needs no client/server decision (the pair's sums over both
    directions do not depend on it), so it skips that part of ``_pairing``. Pairs are
    ``lo * len(hosts) + hi`` over the ascending address codes of ``hosts``, in order of first record.
    """
    rows = _traffic_rows(df)
    if rows is None:
        return None
    idx, src, dst, addr_values = rows
    n = len(df)
    nh = len(addr_values)
    key = np.minimum(src, dst) * nh + np.maximum(src, dst)
    # a 32-bit hash table is about twice as quick as a 64-bit one (up to 46,340 hosts)
    inv, pairs = pd.factorize(key.astype(np.int32) if nh * nh < 2**31 else key)
    inv = np.asarray(inv, dtype=np.int64)
    k = len(pairs)
    packets = counter_weights(df.get("packets"), n)[idx]
    nbytes = counter_weights(df.get("bytes"), n)[idx]
    rej = _action_is(df, idx, "REJECT") if "action" in df else np.zeros(len(idx), dtype=bool)
    eni, _eni_values = _eni_codes(df, idx)
    w: np.ndarray | None = None
    if (eni >= 0).any():
        # only the records of pairs that more than one ENI logged can have a copy that does not count
        ne = int(eni.max()) + 1
        eni_k = np.where(eni < 0, ne, eni)
        emin = np.full(k, ne + 1, dtype=np.int64)
        emax = np.full(k, -1, dtype=np.int64)
        np.minimum.at(emin, inv, eni_k)
        np.maximum.at(emax, inv, eni_k)
        sub = np.flatnonzero((emin != emax)[inv])
        if len(sub):
            sp = int_array(df.get("srcport"), n)[idx[sub]]
            dp = int_array(df.get("dstport"), n)[idx[sub]]
            proto = int_array(df.get("protocol"), n)[idx[sub]]
            conv, m, fwd = conversation_codes(src[sub], sp, dst[sub], dp, proto)
            # the two directions of a conversation apart (which one is the server's does not matter)
            keep = counted_eni(conv * 2 + fwd, eni[sub], nbytes[sub], rej[sub], 2 * m)
            if not keep.all():
                w = np.ones(len(idx), dtype=np.float64)
                w[sub[~keep]] = 0.0
    return {
        "hosts": pd.Index(np.asarray(addr_values, dtype=object), dtype=object),
        "pairs": np.asarray(pairs, dtype=np.int64),
        "bytes": np.bincount(inv, weights=nbytes if w is None else nbytes * w, minlength=k),
        "packets": np.bincount(inv, weights=packets if w is None else packets * w, minlength=k),
        "records": np.bincount(inv, minlength=k).astype(np.float64),
        "rejects": np.bincount(inv, weights=rej, minlength=k),
    }


def _tallies(df: pd.DataFrame, p: dict[str, np.ndarray]) -> dict[str, Any]:
    """What ``conversations`` counts: per conversation its records; per direction (row 0 to the client,
    row 1 to the server, one column per conversation) its packets and bytes (uint64: one ENI's copy,
    :func:`~flownb.analysis._conversations.counted_eni`), its actions (uint8: 1 some record accepted,
    2 some rejected) and its lowest and highest ENI code (behind the ``interfaces`` label).

    In one pass of the C extension over the records (``tally_directions``) when it is built, else by
    numpy (the same numbers: the sums are added in record order either way).
    """
    idx, conv, m, to_server = p["idx"], p["conv"], int(p["n_conv"]), p["to_server"]
    eni_raw, eni_table, eni_values = _eni_table(df)
    ne = len(eni_values) + 1
    t = _native_tallies(df, idx, conv, to_server, m, eni_raw, eni_table, ne)
    if t is None:
        t = _numpy_tallies(df, idx, conv, to_server, m, eni_table[eni_raw[idx]] if len(eni_raw) else None, ne)
    else:
        several = (t["emin"] != t["emax"]).reshape(-1)
        if several.any():  # directions that more than one ENI logged: one ENI's copy counts
            d = to_server * m + conv
            sub = np.flatnonzero(several[d])
            d_s, rows = d[sub], idx[sub]
            eni = eni_table[eni_raw[rows]] if len(eni_raw) else np.full(len(rows), -1, dtype=np.int64)
            nbytes = counter_weights(df.get("bytes"), len(df))[rows]
            rej = _action_is(df, rows, "REJECT") if "action" in df else np.zeros(len(rows), dtype=bool)
            keep = counted_eni(d_s, eni, nbytes, rej, 2 * m, several=several)
            if not keep.all():
                # those directions summed again over their counted records (in record order, as numpy)
                dirs = np.unique(d_s)
                packets = counter_weights(df.get("packets"), len(df))[rows]
                t["packets"].reshape(-1)[dirs] = np.bincount(d_s, weights=packets * keep, minlength=2 * m)[
                    dirs
                ]
                t["bytes"].reshape(-1)[dirs] = np.bincount(d_s, weights=nbytes * keep, minlength=2 * m)[dirs]
    return t | {"idx": idx, "conv": conv, "m": m, "ne": ne, "eni_values": eni_values}


def _numpy_tallies(
    df: pd.DataFrame,
    idx: np.ndarray,
    conv: np.ndarray,
    to_server: np.ndarray,
    m: int,
    eni: np.ndarray | None,
    ne: int,
) -> dict[str, np.ndarray]:
    """:func:`_tallies` without the C extension (``eni``: the records' ENI ranks, -1 missing)."""
    n = len(df)
    m2 = 2 * m
    cd = conv * 2 + to_server.astype(np.int64)  # conversation-direction: 1 = towards the server
    packets = counter_weights(df.get("packets"), n)[idx]
    nbytes = counter_weights(df.get("bytes"), n)[idx]
    if eni is None:
        eni = np.full(len(idx), -1, dtype=np.int64)
    eni_k = np.where(eni < 0, ne - 1, eni)
    emin = np.full(m2, ne, dtype=np.int64)
    emax = np.full(m2, -1, dtype=np.int64)
    np.minimum.at(emin, cd, eni_k)
    np.maximum.at(emax, cd, eni_k)
    if "action" in df:
        acc = _action_is(df, idx, "ACCEPT")
        rej = _action_is(df, idx, "REJECT")
        actions = (np.bincount(cd[acc], minlength=m2) > 0).astype(np.uint8)
        actions |= (np.bincount(cd[rej], minlength=m2) > 0).astype(np.uint8) << 1
    else:
        actions = np.zeros(m2, dtype=np.uint8)
        rej = np.zeros(len(idx), dtype=bool)
    # bytes and packets each way: where both ends' ENIs logged a direction, one ENI's copy counts
    # (the one conversation model, flownb.analysis._conversations)
    counted = counted_eni(cd, eni, nbytes, rej, m2, several=emin != emax)
    w = counted if not counted.all() else None
    pk = np.bincount(cd, weights=packets if w is None else packets * w, minlength=m2)
    by = np.bincount(cd, weights=nbytes if w is None else nbytes * w, minlength=m2)

    def per_direction(values: np.ndarray, dtype: type) -> np.ndarray:
        return np.ascontiguousarray(values.reshape(m, 2).T, dtype=dtype)

    return {
        "records": np.bincount(conv, minlength=m),
        "packets": per_direction(pk, np.uint64),
        "bytes": per_direction(by, np.uint64),
        "actions": per_direction(actions, np.uint8),
        "emin": per_direction(emin, np.int64),
        "emax": per_direction(emax, np.int64),
    }


def _native_tallies(
    df: pd.DataFrame,
    idx: np.ndarray,
    conv: np.ndarray,
    to_server: np.ndarray,
    m: int,
    eni_raw: np.ndarray,
    eni_table: np.ndarray,
    ne: int,
) -> dict[str, np.ndarray] | None:
    """:func:`_tallies`'s sums by the C extension, every record counted (``None`` without it)."""
    from ..io import _native

    ext = _native._tokenize
    if ext is None or ne >= 2**31 - 1:
        return None
    pk_v, pk_m, pk_kind = counter_buffers(df.get("packets"), len(df))
    by_v, by_m, by_kind = counter_buffers(df.get("bytes"), len(df))
    if "action" in df:
        a_raw, a_values = _raw_codes(df["action"])
        a_table = np.zeros(len(a_values) + 1, dtype=np.int8)
        a_table[:-1] = [1 if v == "ACCEPT" else 2 if v == "REJECT" else 0 for v in a_values]
    else:
        a_raw, a_table = np.zeros(0, dtype=np.int8), np.zeros(1, dtype=np.int8)
    out = {
        "records": np.empty(m, dtype=np.int64),
        "packets": np.empty((2, m), dtype=np.uint64),
        "bytes": np.empty((2, m), dtype=np.uint64),
        "actions": np.empty((2, m), dtype=np.uint8),
        "emin": np.empty((2, m), dtype=np.int32),
        "emax": np.empty((2, m), dtype=np.int32),
    }
    ext.tally_directions(
        np.ascontiguousarray(idx, dtype=np.int64),
        np.ascontiguousarray(conv, dtype=np.int64),
        np.ascontiguousarray(to_server, dtype=bool),
        pk_v,
        pk_m,
        pk_kind,
        by_v,
        by_m,
        by_kind,
        a_raw,
        a_raw.itemsize,
        a_table,
        eni_raw if len(eni_raw) else np.zeros(0, dtype=np.int8),
        eni_raw.itemsize if len(eni_raw) else 1,
        np.ascontiguousarray(eni_table, dtype=np.int64),
        ne,
        *out.values(),
    )
    return out


def _raw_codes(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A column's codes as they are (a categorical's, any width; else factorized), -1 missing, and values."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return np.ascontiguousarray(col.cat.codes.to_numpy()), pd.Index(col.cat.categories)
    codes, values = codes_and_values(col)
    return codes, values


@accepts_dataset
def conversations(df: pd.DataFrame) -> pd.DataFrame:
    """Each connection once, both directions side by side: who is the client, who the server.

    Records are paired on the 5-tuple in either direction. The server is the side
    the TCP handshake names (SYN from the client, SYN-ACK from the server) when
    ``tcp_flags`` is present; otherwise the side with the more service-like port
    (a known service port, then below 1024, then below 32768: nfdump's ``-B``
    heuristic, refined); otherwise the side that did not send first; otherwise
    the lower port; otherwise the lower address.

    A connection between two ENIs of the VPC is logged on both; bytes and packets
    each way are those of the ENI that saw the most, so they are not counted twice.

    Parameters
    ----------
    df : DataFrame or FlowDataset
        Flow log records with ``srcaddr`` and ``dstaddr`` (ports and protocol when present).
        On a dataset the engine pairs the records out of core (:mod:`flownb.scale._conversations`).

    Returns
    -------
    DataFrame
        ``client``, ``client_port``, ``server``, ``server_port``, ``protocol``,
        ``packets_to_server``, ``bytes_to_server``, ``packets_to_client``,
        ``bytes_to_client``, ``action_to_server``, ``action_to_client`` (ACCEPT,
        REJECT, MIXED, or missing when that direction was never logged),
        ``records``, ``interfaces`` (the ENIs that logged it), ``n_interfaces``,
        ``first``, ``last`` (its earliest known start and latest known end; NaT
        when none of its records has one); in order of ``first``, then of ``client``,
        ``client_port``, ``server``, ``server_port`` and ``protocol`` (ascending
        by value), whatever the order of the files.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/sg-nacl-ping")
    >>> conv = flownb.analysis.conversations(df)
    >>> conv[["client", "server", "protocol", "bytes_to_server", "bytes_to_client"]]
             client         server  protocol  bytes_to_server  bytes_to_client
    0  203.0.113.12  172.31.16.139         1              336              336
    >>> conv[["action_to_server", "action_to_client"]]
      action_to_server action_to_client
    0           ACCEPT           REJECT
    """
    require(df, ["srcaddr", "dstaddr"], "conversations()")
    p = _pairing(df)
    columns = [
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
    if p is None:
        return _empty_conversations(df, columns)
    times = "start" in df and "end" in df
    first, last = _first_last(df, p) if times else (np.zeros(int(p["n_conv"]), dtype=np.int64), None)
    # conversations in their output order from here on (by first, then by key value: addresses are
    # coded in ascending order of value), so every per-conversation count below comes out in order
    p, first, last = _in_order(p, first, last)
    t = _tallies(df, p)
    conv, m = t["conv"], t["m"]
    pk, by, actions = t["packets"], t["bytes"], t["actions"]
    emin, emax, ne, eni_values = t["emin"], t["emax"], t["ne"], t["eni_values"]
    # ENIs per conversation: the lowest and highest ENI code, and how many distinct ones
    lo_e = np.minimum(emin[0], emin[1])
    hi_e = np.maximum(emax[0], emax[1])
    n_if = np.where(lo_e == hi_e, 1, 2).astype(np.int64)
    several = np.flatnonzero((lo_e != hi_e)[conv])
    if len(several):
        eni_s = _eni_codes(df, t["idx"][several])[0]
        _, u2 = pd.factorize(conv[several] * ne + np.where(eni_s < 0, ne - 1, eni_s))
        u2 = np.asarray(u2, dtype=np.int64)
        counts = np.bincount(u2 // ne, weights=(u2 % ne) < ne - 1, minlength=m).astype(np.int64)
        n_if = np.where(lo_e != hi_e, counts, n_if)
    no_eni = lo_e >= ne - 1  # only records without an interface id
    n_if = np.where(no_eni, 0, n_if)
    hi_e = np.where(hi_e >= ne - 1, lo_e, hi_e)  # a missing interface id is not a second ENI
    lo_e = np.where(no_eni, ne, lo_e)
    hi_e = np.where(no_eni, -1, hi_e)
    # label each distinct (first ENI, second ENI, count) once, then spread by code: one ENI
    # (the common case) is the ENI's name; the rare others are labelled one combination at a time
    names = np.asarray(eni_values, dtype=object)
    single = (n_if == 1) & (lo_e < ne - 1)
    codes = np.where(single, lo_e, -1)
    cats = [str(x) for x in names]
    several_c = np.flatnonzero(n_if >= 2)
    if len(several_c):
        lo_s, hi_s = lo_e[several_c].astype(np.int64), hi_e[several_c].astype(np.int64)
        combo = (lo_s * ne + hi_s) * (ne + 1) + np.minimum(n_if[several_c], ne)
        kc, uc = pd.factorize(combo, sort=True)
        extra_labels = []
        for c in np.asarray(uc, dtype=np.int64):
            pair, k = divmod(int(c), ne + 1)
            e_one, e_two = divmod(pair, ne)
            more = f" (+{k - 2} more)" if k > 2 else ""
            extra_labels.append(f"{names[e_one]}, {names[e_two]}{more}")
        codes[several_c] = len(cats) + np.asarray(kc, dtype=np.int64)
        cats += extra_labels
    interfaces = pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))
    cl_addr, sv_addr = p["client"], p["server"]
    cl_port, sv_port, proto = p["client_port"], p["server_port"], p["conv_proto"]
    addr_cats = pd.Index(p["addr_values"])
    out = pd.DataFrame(
        {
            "client": pd.Categorical.from_codes(cl_addr, categories=addr_cats, validate=False),
            "client_port": _nullable(cl_port, "UInt16"),
            "server": pd.Categorical.from_codes(sv_addr, categories=addr_cats, validate=False),
            "server_port": _nullable(sv_port, "UInt16"),
            "protocol": _nullable(proto, "UInt8"),
            "packets_to_server": _counter(pk[1]),
            "bytes_to_server": _counter(by[1]),
            "packets_to_client": _counter(pk[0]),
            "bytes_to_client": _counter(by[0]),
            "action_to_server": _action_label(actions[1] & 1, actions[1] & 2),
            "action_to_client": _action_label(actions[0] & 1, actions[0] & 2),
            "records": t["records"],
            "interfaces": interfaces,
            "n_interfaces": n_if,
        },
        copy=False,
    )
    if times:
        out["first"] = utc_seconds(first)
        out["last"] = utc_seconds(last)
    else:
        out["first"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[s, UTC]")
        out["last"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[s, UTC]")
    return out


def _first_last(df: pd.DataFrame, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per conversation: the earliest known start and the latest known end of its records (epoch
    seconds); the smallest int64 (NaT) for a conversation with no start (or no end) at all, as ``top``."""
    m = int(p["n_conv"])
    big = np.iinfo(np.int64).max
    first = np.full(m, big, dtype=np.int64)
    last = np.full(m, -big, dtype=np.int64)
    st = seconds(df["start"])[p["idx"]]
    missing = st == _NAT
    if missing.any():
        st[missing] = big  # a missing start is no first start
    np.minimum.at(first, p["conv"], st)
    np.maximum.at(last, p["conv"], seconds(df["end"])[p["idx"]])  # NaT is the smallest: it never wins
    first[first == big] = _NAT
    last[last == -big] = _NAT
    return first, last


_PER_CONVERSATION = ("client", "client_port", "server", "server_port", "conv_proto")


def _in_order(
    p: dict[str, np.ndarray], first: np.ndarray, last: np.ndarray | None
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray | None]:
    """Renumber the conversations in the order ``conversations`` lists them: by ``first``, then by
    client, client port, server, server port and protocol (addresses coded in ascending order)."""
    m = int(p["n_conv"])
    if m < 2:
        return p, first, last
    order = lexorder(first, p["client"], p["client_port"], p["server"], p["server_port"], p["conv_proto"])
    if not (order[1:] < order[:-1]).any():
        return p, first, last
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(m)
    q = dict(p)
    q["conv"] = rank[p["conv"]]
    for k in _PER_CONVERSATION:
        q[k] = p[k][order]
    return q, first[order], None if last is None else last[order]


def _nullable(values: np.ndarray, dtype: str) -> pd.arrays.IntegerArray:
    """Integer array with -1 as missing, in a masked dtype (UInt8, UInt16)."""
    return pd.arrays.IntegerArray(np.where(values < 0, 0, values).astype(dtype.lower()), values < 0)


def _counter(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Summed counters (uint64; or float64, exact to 2**53) as UInt64; 0 when a direction was never logged."""
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.uint64), np.zeros(len(values), dtype=bool))


def _empty_conversations(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    dtypes = {
        "client": "category",
        "client_port": "UInt16",
        "server": "category",
        "server_port": "UInt16",
        "protocol": "UInt8",
        "packets_to_server": "UInt64",
        "bytes_to_server": "UInt64",
        "packets_to_client": "UInt64",
        "bytes_to_client": "UInt64",
        "action_to_server": pd.CategoricalDtype(["ACCEPT", "REJECT", "MIXED"]),
        "action_to_client": pd.CategoricalDtype(["ACCEPT", "REJECT", "MIXED"]),
        "records": "int64",
        "interfaces": "category",
        "n_interfaces": "int64",
        "first": "datetime64[s, UTC]",
        "last": "datetime64[s, UTC]",
    }
    return pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in columns})


@accepts_dataset
def service_view(df: pd.DataFrame) -> pd.DataFrame:
    """Conversations with the client's ephemeral port collapsed: who uses which service.

    One row per client, server, server port and protocol, with the number of
    connections (distinct client ports) and the traffic each way.

    Parameters
    ----------
    df : DataFrame or FlowDataset
        Flow log records.

    Returns
    -------
    DataFrame
        ``client``, ``server``, ``server_port``, ``protocol``, ``service`` (the
        well-known name of the port, when it has one), ``connections``,
        ``packets_to_server``, ``bytes_to_server``, ``packets_to_client``,
        ``bytes_to_client``, ``action_to_server``, ``action_to_client``,
        ``first``, ``last``; most connections first, then most bytes to the
        server, then by ``client``, ``server``, ``server_port`` and ``protocol``
        ascending.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/tcp-flags-sequence")
    >>> view = flownb.analysis.service_view(df)
    >>> view[["client", "server", "server_port", "service", "connections", "bytes_to_server"]]
              client     server  server_port service  connections  bytes_to_server
    0  52.213.180.42  10.0.0.62         5001   iperf            3         23397117
    """
    conv = conversations(df)
    keys = ["client", "server", "server_port", "protocol"]
    if conv.empty:
        out = conv[keys].copy()
        for c in ("service",):
            out[c] = pd.Series([], dtype="category")
        return out
    # one integer per (client, server, server port, protocol), then numpy reductions per group
    cl = np.asarray(conv["client"].cat.codes, dtype=np.int64)
    sv = np.asarray(conv["server"].cat.codes, dtype=np.int64)
    sp = conv["server_port"].to_numpy(dtype=np.int64, na_value=-1) + 1
    pr = conv["protocol"].to_numpy(dtype=np.int64, na_value=-1) + 1
    n_addr = len(conv["client"].cat.categories) + 1
    key = ((cl * n_addr + sv) * 65537 + sp) * 257 + pr
    g, uniq = pd.factorize(key)
    g = np.asarray(g, dtype=np.int64)
    k = len(uniq)
    first_row = np.zeros(k, dtype=np.int64)
    first_row[g[::-1]] = np.arange(len(g))[::-1]
    out = conv[keys].take(first_row).reset_index(drop=True)
    out["connections"] = np.bincount(g, minlength=k).astype(np.int64)
    for c in ("packets_to_server", "bytes_to_server", "packets_to_client", "bytes_to_client"):
        sums = np.bincount(g, weights=counter_weights(conv[c], len(conv)), minlength=k)
        out[c] = pd.array(sums.astype(np.uint64), dtype="UInt64")
    for side in ("to_server", "to_client"):
        codes = np.asarray(conv[f"action_{side}"].cat.codes, dtype=np.int64)  # 0 ACCEPT 1 REJECT 2 MIXED
        acc = np.bincount(g, weights=(codes == 0) | (codes == 2), minlength=k)
        rej = np.bincount(g, weights=(codes == 1) | (codes == 2), minlength=k)
        out[f"action_{side}"] = _action_label(acc, rej)
    big = np.iinfo(np.int64).max
    first = np.full(k, big, dtype=np.int64)
    last = np.full(k, -big, dtype=np.int64)
    st, en = seconds(conv["first"]), seconds(conv["last"])
    np.minimum.at(first, g, np.where(st == _NAT, big, st))  # a conversation without a start: no first
    np.maximum.at(last, g, en)
    nat = np.iinfo(np.int64).min
    first = np.where(first == big, nat, first)
    last = np.where((last == -big) | (last == nat), nat, last)
    out["first"] = pd.array(first.astype("datetime64[s]")).tz_localize("UTC")
    out["last"] = pd.array(last.astype("datetime64[s]")).tz_localize("UTC")
    port = out["server_port"].astype("Int64")
    proto = out["protocol"].astype("Int64")
    out.insert(4, "service", _service_names(port, proto))
    ties = [value_ranks(out[c]) for c in reversed(keys)]  # equal counts: by key value, ascending
    order = np.lexsort(
        (*ties, -out["bytes_to_server"].to_numpy(dtype=np.float64), -out["connections"].to_numpy())
    )
    return out.take(order).reset_index(drop=True)


def _service_names(port: pd.Series, proto: pd.Series) -> pd.Categorical:
    """Well-known service name of each TCP/UDP/SCTP port (missing for others), as a categorical."""
    names = sorted(set(SERVICE_PORTS.values()))
    pos = {n: i for i, n in enumerate(names)}
    table = np.full(65536, -1, dtype=np.int64)
    for k, v in SERVICE_PORTS.items():
        table[k] = pos[v]
    p = port.to_numpy(dtype=np.int64, na_value=-1)
    pr = proto.to_numpy(dtype=np.int64, na_value=-1)
    codes = np.where((p < 0) | ~np.isin(pr, [6, 17, 132]), -1, table[np.clip(p, 0, 65535)])
    used = np.unique(codes[codes >= 0])
    remap = np.full(len(names) + 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return pd.Categorical.from_codes(
        remap[np.where(codes < 0, len(names), codes)],
        categories=pd.Index([names[i] for i in used], dtype=object),
    )


def _spread_over_bins(
    cells: np.ndarray,
    g: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
    head: np.ndarray,
    tail: np.ndarray,
    rate: np.ndarray,
    f: int,
    ng: int,
    nb: int,
    width: int,
) -> None:
    """Add records that span several bins to ``cells`` (``ng * nb``, flat), in place, at ``rate`` a second.

    A record of group ``g`` runs from bin ``r0`` to bin ``r1``: ``head`` seconds of it fall in the first
    bin, ``tail`` in the last, ``f`` in every bin between (added as a running sum of ``width`` columns).
    Both routes of :func:`timeseries` (a copy of the view, or the frame's arrays under a mask) use it.
    """
    cells += np.bincount(g * nb + r0, weights=head * rate, minlength=ng * nb)
    cells += np.bincount(g * nb + r1, weights=tail * rate, minlength=ng * nb)
    mid = r1 - r0 > 1
    if mid.any():
        step = rate[mid] * f
        diff = np.bincount(g[mid] * width + r0[mid] + 1, weights=step, minlength=ng * width)
        diff -= np.bincount(g[mid] * width + r1[mid], weights=step, minlength=ng * width)
        cells += np.cumsum(diff.reshape(ng, width), axis=1)[:, :nb].ravel()
