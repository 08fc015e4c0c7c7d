"""Verdicts over time: the verdict of each aggregation interval, merged while it stays the same.

Windows are anchored at the Unix epoch (the same windows on every engine and
whatever the data's first record). A record belongs to the window its ``start``
falls in. Each window with records of the pair gets the verdict the table gives
its records (whether a request was answered is looked for one window either
side, since an interface's intervals need not line up with the windows);
consecutive windows with the same verdict are one row of the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._frame import seconds
from ._records import Pair, when
from ._verdicts import Facts, Options, _base, codes_of, evaluate, notes, pair_cells

__all__ = ["TIMELINE_COLUMNS", "Segment", "infer_interval", "timeline", "timeline_sentence", "windows_of"]

#: Columns of ``Diagnosis.timeline``.
TIMELINE_COLUMNS = ["start", "end", "verdict", "windows", "records", "accepted", "rejected"]

_INTERVALS = (60, 600)  # the two maximum aggregation intervals a VPC flow log can have (VPC User Guide)


@dataclass
class Segment:
    """Consecutive windows with one verdict: its codes, its windows' numbers, and the facts of their records."""

    verdict: str
    verdicts: list[str]
    first: int
    last: int
    windows: int
    facts: Facts | None = None


def infer_interval(df: pd.DataFrame) -> int:
    """600 s when any record spans more than 60 s, else 60 s: a record never spans more than its flow
    log's maximum aggregation interval, and in a VPC some flow lasts longer than a minute."""
    if "start" not in df or "end" not in df or not len(df):
        return 60
    st, en = seconds(df["start"]), seconds(df["end"])
    ok = (st != np.iinfo(np.int64).min) & (en != np.iinfo(np.int64).min)
    return 600 if ok.any() and int((en[ok] - st[ok]).max()) > 60 else 60


def windows_of(conv: np.ndarray, start: np.ndarray, interval: int) -> np.ndarray:
    """The window of each record: that of the connection's first record when the connection started
    at most one window earlier, else its own.

    A connection whose packets straddle a window edge is logged in two records (one per
    aggregation interval, and each ENI's intervals start at their own moment): its request
    and the REJECT of its answer can fall on either side. Counting a connection's records in
    the window it started in keeps the proof together; a long-lived connection still moves on
    with time. ``conv`` identifies the connection (its 5-tuple), ``start`` is in epoch seconds.
    A run of records of one connection is one connection while each starts within an
    interval of the previous one (ports are reused over a day).
    """
    own = start // interval
    if not len(start):
        return own
    if int(conv.min()) >= 0 and int(conv.max()) < 2 * len(conv) + 1024:  # numbered connections
        # a connection of one record is in its own window: only the others need sorting
        several = np.flatnonzero(np.bincount(conv)[conv] > 1)
        if len(several) < len(conv):
            out = own.copy()
            if len(several):
                out[several] = windows_of(conv[several], start[several], interval)
            return out
    lo, hi = int(start.min()), int(start.max())
    span = hi - lo + 1
    if int(conv.min()) >= 0 and (int(conv.max()) + 1) * span < 2**62:  # one int64 key: one argsort
        order = np.argsort(conv * span + (start - lo))
    else:
        order = np.lexsort((start, conv))
    c, t = conv[order], start[order]
    new = np.r_[True, (c[1:] != c[:-1]) | (t[1:] - t[:-1] > interval)]
    run = np.cumsum(new) - 1
    first = (t[new] // interval)[run]
    mine = own[order]
    win = np.where(mine - first <= 1, first, mine)
    out = np.empty_like(own)
    out[order] = win
    return out


def _scope(n: int, idx: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[idx] = True
    return out


def timeline(p: Pair, options: Options, interval: int) -> tuple[pd.DataFrame, list[Segment]]:
    """The pair's verdict per window of ``interval`` seconds, consecutive equal verdicts merged."""
    rows = np.flatnonzero(p.rows)
    empty = pd.DataFrame({c: [] for c in TIMELINE_COLUMNS})
    if not len(rows) or "start" not in p.df:
        return empty, []
    st = seconds(p.df["start"])[rows]
    ok = st != np.iinfo(np.int64).min
    rows, st = rows[ok], st[ok]
    if not len(rows):
        return empty, []
    # a connection of the pair: its client port (the request's source port, the response's
    # destination port) and protocol
    conn = np.where(p.req[rows], p.sp[rows], p.dp[rows]).astype(np.int64) * 256 + p.proto_arr[rows]
    codes, uniq = pd.factorize(windows_of(conn, st, interval))
    order = np.argsort(uniq, kind="stable")
    keys = np.asarray(uniq)[order]
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    inv = rank[codes]
    cell = np.full(p.n, -1, dtype=np.int64)
    cell[rows] = inv
    lo = (keys * interval).astype(np.float64)
    adjacent = np.r_[False, np.diff(keys) == 1]
    cells = pair_cells(p, cell, len(keys), lo, lo + interval, options, adjacent=adjacent)
    matrix, main = evaluate(cells)  # every rule, every window at once
    base = _base(p)
    n_rec = np.bincount(inv, minlength=len(keys))
    n_acc = np.bincount(inv[base["accept"][rows]], minlength=len(keys))
    n_rej = np.bincount(inv[base["reject"][rows]], minlength=len(keys))

    segments: list[Segment] = []
    table: list[dict] = []
    for i in np.flatnonzero(main >= 0):
        codes = codes_of(matrix[i], int(main[i]))
        k = int(keys[i])
        if segments and segments[-1].verdict == codes[0]:
            seg, row = segments[-1], table[-1]
            seg.last = k
            seg.windows += 1
            seg.verdicts += [c for c in codes if c not in seg.verdicts]
            row["windows"] += 1
        else:
            seg = Segment(codes[0], list(codes), k, k, 1)
            row = {"verdict": codes[0], "windows": 1, "records": 0, "accepted": 0, "rejected": 0}
            segments.append(seg)
            table.append(row)
        row["records"] += int(n_rec[i])
        row["accepted"] += int(n_acc[i])
        row["rejected"] += int(n_rej[i])
    win = keys[inv]  # the window each record is counted in
    for seg, row in zip(segments, table, strict=True):
        row["start"] = pd.Timestamp(seg.first * interval, unit="s", tz="UTC")
        row["end"] = pd.Timestamp((seg.last + 1) * interval, unit="s", tz="UTC")
        # the facts of the whole segment: what its explanation names (ENIs, ports) covers all its windows
        idx = rows[(win >= seg.first) & (win <= seg.last)]
        near = rows[(win >= seg.first - 1) & (win <= seg.last + 1)]
        seg.facts = Facts(p, _scope(p.n, idx), row["start"], row["end"], options, near=_scope(p.n, near))
        notes(seg.facts, seg.verdicts)
    out = pd.DataFrame(table, columns=TIMELINE_COLUMNS)
    out["start"] = pd.to_datetime(out["start"], utc=True).astype("datetime64[s, UTC]")
    out["end"] = pd.to_datetime(out["end"], utc=True).astype("datetime64[s, UTC]")
    out["verdict"] = out["verdict"].astype("category")
    for c in ("windows", "records", "accepted", "rejected"):
        out[c] = out[c].astype("int64")
    return out, segments


def timeline_sentence(tl: pd.DataFrame) -> str:
    """When the current verdict started and what came before: "Since 10:05 UTC; REACHABLE before (from 09:00 UTC)."."""
    if len(tl) < 2:
        return ""
    date = tl["start"].iloc[0].date() != (tl["end"].iloc[-1] - pd.Timedelta(seconds=1)).date()
    text = f"Since {when(tl['start'].iloc[-1], date=date)}"
    earlier = list(tl.iloc[-2::-1].head(2).itertuples())
    for i, row in enumerate(earlier):
        first = i == len(earlier) - 1 and len(tl) <= 3
        span = (
            f"from {when(row.start, date=date)}"
            if first
            else f"{when(row.start, date=date)} to {when(row.end, date=date)}"
        )
        text += f"; {row.verdict} before{' that' if i else ''} ({span})"
    if len(tl) > 3:
        text += f"; {len(tl) - 1} earlier states in all (see .timeline)"
    return text + "."
