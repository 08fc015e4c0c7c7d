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
from ._verdicts import Facts, Options, _base, find

__all__ = ["TIMELINE_COLUMNS", "Segment", "infer_interval", "timeline", "timeline_sentence"]

#: Columns of ``Diagnosis.timeline``.
TIMELINE_COLUMNS = ["start", "end", "verdict", "windows", "records", "accepted", "rejected"]

_INTERVALS = (60, 600)  # the two maximum aggregation intervals a VPC flow log can have (VPC User Guide)


@dataclass
class Segment:
    """Consecutive windows with one verdict: the windows' numbers and the facts of their records."""

    verdict: str
    verdicts: list[str]
    first: int
    last: int
    windows: int
    facts: Facts


def infer_interval(p: Pair) -> int:
    """600 s when any record of the pair spans more than 60 s, else 60 s (a record never spans more
    than its flow log's aggregation interval)."""
    rows = p.rows
    if "start" not in p.df or "end" not in p.df or not rows.any():
        return 60
    st, en = seconds(p.df["start"])[rows], seconds(p.df["end"])[rows]
    ok = (st != np.iinfo(np.int64).min) & (en != np.iinfo(np.int64).min)
    return 600 if ok.any() and int((en[ok] - st[ok]).max()) > 60 else 60


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
    win = st // interval
    order = np.argsort(win, kind="stable")
    rows, win = rows[order], win[order]
    keys, first = np.unique(win, return_index=True)
    bounds = np.append(first, len(rows))
    accept = _accepts(p)
    per: list[tuple[int, list[str], Facts, int, int, int]] = []
    for i, k in enumerate(keys):
        idx = rows[bounds[i] : bounds[i + 1]]
        lo_i = i - 1 if i > 0 and keys[i - 1] == k - 1 else i
        hi_i = i + 1 if i + 1 < len(keys) and keys[i + 1] == k + 1 else i
        near_idx = rows[bounds[lo_i] : bounds[hi_i + 1]]
        lo = pd.Timestamp(int(k) * interval, unit="s", tz="UTC")
        hi = lo + pd.Timedelta(seconds=interval)
        f = Facts(p, _scope(p.n, idx), lo, hi, options, near=_scope(p.n, near_idx))
        found = find(f)
        if not found:
            continue
        acc = int(accept[idx].sum())
        rej = int((~accept[idx] & _rejects(p)[idx]).sum())
        per.append((int(k), found, f, len(idx), acc, rej))
    segments: list[Segment] = []
    table: list[dict] = []
    for k, found, f, n, acc, rej in per:
        if segments and segments[-1].verdict == found[0]:
            seg = segments[-1]
            seg.last = k
            seg.windows += 1
            seg.verdicts += [v for v in found if v not in seg.verdicts]
            row = table[-1]
            row["records"] += n
            row["accepted"] += acc
            row["rejected"] += rej
            row["windows"] += 1
            continue
        segments.append(Segment(found[0], list(found), k, k, 1, f))
        table.append(
            {"verdict": found[0], "windows": 1, "records": n, "accepted": acc, "rejected": rej, "k": k}
        )
    for seg, row in zip(segments, table, strict=True):
        row["start"] = pd.Timestamp(seg.first * interval, unit="s", tz="UTC")
        row["end"] = pd.Timestamp((seg.last + 1) * interval, unit="s", tz="UTC")
        # the facts of the whole segment: what its explanation names (ENIs, ports) covers all its windows
        idx = rows[(win >= seg.first) & (win <= seg.last)]
        near = rows[(win >= seg.first - 1) & (win <= seg.last + 1)]
        seg.facts = Facts(p, _scope(p.n, idx), row["start"], row["end"], options, near=_scope(p.n, near))
        find(seg.facts)  # fills the details the explanation reads
    out = pd.DataFrame(table, columns=[*TIMELINE_COLUMNS, "k"]).drop(columns="k")
    out["start"] = pd.to_datetime(out["start"], utc=True).astype("datetime64[s, UTC]")
    out["end"] = pd.to_datetime(out["end"], utc=True).astype("datetime64[s, UTC]")
    out["verdict"] = out["verdict"].astype("category")
    for c in ("windows", "records", "accepted", "rejected"):
        out[c] = out[c].astype("int64")
    return out, segments


def _accepts(p: Pair) -> np.ndarray:
    return _base(p)["accept"]


def _rejects(p: Pair) -> np.ndarray:
    return _base(p)["reject"]


def timeline_sentence(tl: pd.DataFrame) -> str:
    """When the current verdict started and what came before: "Since 10:05 UTC; REACHABLE before (from 09:00 UTC)."."""
    if len(tl) < 2:
        return ""
    date = tl["start"].iloc[0].date() != tl["end"].iloc[-1].date()
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
