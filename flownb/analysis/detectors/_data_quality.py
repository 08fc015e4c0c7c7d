"""Data quality: windows the records cannot speak for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from flownb._durations import duration_seconds
from flownb._units import span_text
from flownb.analysis import _flows
from flownb.analysis._flows import Flows, key

from ._episodes import EPISODE_GAP
from ._findings import _RAW_COLUMNS, _WHY_COLUMNS
from ._registry import register
from ._selections import ONE_WAY_MAX_PAIRED, _one_way, _pairing, _unanswered_tcp
from ._windows import _episodes


@register(None)
def data_quality(f: Flows, *, max_gap: str | None = None):
    """Records that cannot support the detectors: SKIPDATA, silent gaps, responses missing.

    A SKIPDATA record says records of that ENI were dropped during its
    interval (an internal capacity constraint or error); NODATA records fill
    intervals without traffic, so an ENI that logs nothing at all for longer
    than ``max_gap`` between two of its records has a gap in delivery (or was
    detached, or the flow log was stopped). And when (almost) no accepted TCP
    connection has records in both directions, although TCP always answers,
    the responses are not in the records (one direction logged, the records
    of one end only, or traffic that is not flow logs): one finding says so,
    and ``unidirectional_transfer``, which needs the responses, stays quiet.

    Parameters
    ----------
    df : DataFrame
        Flow log records with ``interface_id`` and ``start``/``end``.
    max_gap : str, optional
        Silence that makes a gap; by default 10 aggregation intervals (10 min
        for 1-minute flow logs). flownb's own choice.

    Returns
    -------
    DataFrame
        Findings, Low (Medium for one-way records, which no detector that
        needs responses can be trusted with); ``src`` is the ENI
        (interface_id); ``label`` says which:
        ``LogStatus:SKIPDATA`` (``score`` is the records), ``LogStatus:Gap``
        (``score`` is the seconds of silence) or ``LogStatus:OneWay`` (no
        ``src``: all the records; ``score`` is the share of accepted TCP
        connections with records both ways, the threshold 0.1 and 200
        connections at least, flownb's own choice).

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import data_quality
    >>> data_quality(flownb.samples.load("aws-docs/nodata-skipdata"))[["src", "label"]].to_dict("records")
    [{'src': 'eni-11111111aaaaaaaaa', 'label': 'LogStatus:SKIPDATA'}]
    """
    gap = 10 * f.agg if max_gap is None else duration_seconds(max_gap, name="max_gap")
    st = f.status
    out = []
    skip = st[(st["status"] == _flows.STATUS_SKIPDATA).to_numpy()]
    if len(skip):
        ep = _episodes(skip["eni"].to_numpy(), skip["start"].to_numpy(), 2 * f.agg)
        r = (
            skip.assign(ep=ep)
            .groupby("ep")
            .agg(eni=("eni", "first"), start=("start", "min"), end=("end", "max"), n=("row", "size"))
        )
        r["src"] = f.eni_names[r["eni"].to_numpy()]
        r["label"] = "LogStatus:SKIPDATA"
        r["value"], r["threshold"], r["measure"] = r["n"].astype(float), 1.0, "SKIPDATA records"
        r["score"] = r["n"].astype(float)
        r["evidence_count"] = r["n"]
        r["summary"] = [
            f"{e}: {n} SKIPDATA record(s); records of this ENI were dropped over {span_text(b - a + 1)}."
            for e, n, a, b in zip(r["src"], r["n"], r["start"], r["end"], strict=True)
        ]
        out.append(r)
    if len(st):
        out.extend(_gaps(f, st, gap))
    one_way = _one_way_finding(f)
    if one_way is not None:
        out.append(one_way)
    if not out:
        return None
    r = pd.concat(out, ignore_index=True)
    r["dst"] = None
    r["dst_port"] = -1
    r["protocol"] = -1
    r["severity"] = np.where(r["label"] == "LogStatus:OneWay", "Medium", "Low")
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS, "evidence_count"]]


def _one_way_finding(f: Flows) -> pd.DataFrame | None:
    n, paired = _pairing(f)
    if not _one_way(f):
        return None
    m = _unanswered_tcp(f)
    t = f.a["start"][m]
    share = paired / n
    return pd.DataFrame(
        {
            "src": [None],
            "label": ["LogStatus:OneWay"],
            "start": [int(t.min())],
            "end": [int(f.a["end"][m].max())],
            "score": [share],
            "value": [share],
            "threshold": [ONE_WAY_MAX_PAIRED],
            "measure": ["share of accepted TCP connections with records both ways"],
            "evidence_count": [int(m.sum())],
            "summary": [
                f"Only {paired:,} of {n:,} accepted TCP connections ({share:.1%}) have records in both "
                "directions: the responses are missing (one direction logged, or the records of one end "
                "only), so unidirectional_transfer stays quiet."
            ],
        }
    )


def _gaps(f: Flows, st: pd.DataFrame, gap: int) -> list[pd.DataFrame]:
    """Silences longer than ``gap`` between an ENI's records."""
    out = []
    st_eni, st_start, st_end = st["eni"].to_numpy(), st["start"].to_numpy(), st["end"].to_numpy()
    # one sort of (ENI, start) packed in one number; the columns taken as arrays, not as a frame
    order = np.argsort(key(st_eni, st_start - int(st_start.min())), kind="stable")
    eni, starts, s_end = st_eni[order], st_start[order], st_end[order]
    # running latest end within each ENI: one cumulative max over (ENI, end) packed in one number
    shift = np.int64(1) << 40
    base = int(s_end.min())
    ends = np.maximum.accumulate(eni * shift + (s_end - base)) - eni * shift + base
    same = np.zeros(len(eni), dtype=bool)
    same[1:] = eni[1:] == eni[:-1]
    silence = np.zeros(len(eni), dtype=np.int64)
    silence[1:] = starts[1:] - ends[:-1]
    hole = same & (silence > gap)
    if hole.any():
        idx = np.flatnonzero(hole)
        g = pd.DataFrame({"eni": eni[idx], "start": ends[idx - 1], "end": starts[idx]})
        g["secs"] = g["end"] - g["start"]
        # gaps of one ENI less than an episode gap apart are one finding (rows are in ENI, time order)
        new = np.ones(len(g), dtype=bool)
        ge = g["eni"].to_numpy()
        new[1:] = (ge[1:] != ge[:-1]) | (g["start"].to_numpy()[1:] - g["end"].to_numpy()[:-1] > EPISODE_GAP)
        r = g.groupby(np.cumsum(new)).agg(
            eni=("eni", "first"), start=("start", "min"), end=("end", "max"), n=("secs", "size"),
            longest=("secs", "max"),
        )  # fmt: skip
        # evidence: the ENI's records ending as the first gap opens, and those starting until the last closes
        lo = int(starts.min())
        width = int(max(starts.max(), s_end.max())) - lo + 2
        packed = eni * width + (starts - lo)  # sorted: the arrays are in (ENI, start) order
        re_, r0, r1 = r["eni"].to_numpy(), r["start"].to_numpy(), r["end"].to_numpy()
        inside = np.searchsorted(packed, re_ * width + (r1 - lo), "right") - np.searchsorted(
            packed, re_ * width + np.clip(r0 - lo, 0, None), "left"
        )
        timed = starts < s_end
        ends_packed = np.sort(eni[timed] * width + (s_end[timed] - lo))
        q = re_ * width + (r0 - lo)
        opening = np.searchsorted(ends_packed, q, "right") - np.searchsorted(ends_packed, q, "left")
        r["evidence_count"] = inside + opening
        r["src"] = f.eni_names[re_]
        r["score"] = r["longest"].astype(float)
        r["label"] = "LogStatus:Gap"
        r["value"], r["threshold"], r["measure"] = (
            r["score"],
            float(gap),
            "longest seconds without any record",
        )
        r["summary"] = [
            f"{e} logged nothing, not even NODATA, for {span_text(lg)}"
            + (f" ({n} such silences within {span_text(b_ - a_)})." if n > 1 else ".")
            for e, lg, n, a_, b_ in zip(r["src"], r["longest"], r["n"], r["start"], r["end"], strict=True)
        ]
        out.append(r.reset_index(drop=True))
    return out
