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

#: Longest a record may span from ``start`` to ``end``: the 10-minute maximum aggregation interval
#: (AWS VPC user guide, "Flow log records": a record covers one flow within one aggregation interval,
#: at most 10 minutes, 1 minute or less on Nitro) and half of it again: real 1-minute records span up
#: to 1.2 intervals (72 s in ``conformance/opensearch``). flownb's own choice of slack.
MAX_RECORD_SPAN = 900
#: Share of the records out of order above which the finding is Medium: flownb's own choice.
OUT_OF_ORDER_MEDIUM = 0.01


def _out_of_order(f: Flows) -> np.ndarray:
    """Prepared records whose times no capture window allows: ``end`` before ``start``, or too far after."""
    a = f.a
    nat = np.iinfo(np.int64).min
    timed = (a["start"] != nat) & (a["end"] != nat)
    span = a["end"] - a["start"]
    return timed & ((span < 0) | (span > MAX_RECORD_SPAN))


@register(None)
def data_quality(f: Flows, *, max_gap: str | None = None):
    """Records that cannot support the detectors: SKIPDATA, silent gaps, responses missing, times out of order.

    A SKIPDATA record says records of that ENI were dropped during its
    interval (an internal capacity constraint or error); NODATA records fill
    intervals without traffic, so an ENI that logs nothing at all for longer
    than ``max_gap`` between two of its records has a gap in delivery (or was
    detached, or the flow log was stopped). And when (almost) no accepted TCP
    connection has records in both directions, although TCP always answers,
    the responses are not in the records (one direction logged, the records
    of one end only, or traffic that is not flow logs): one finding says so,
    and ``unidirectional_transfer``, which needs the responses, stays quiet.

    Timestamps out of order: a record's ``start`` and ``end`` are the times
    of the first and the last packet of its flow within one aggregation
    interval (AWS VPC user guide, "Flow log records"), so ``end`` is never
    before ``start`` and never further after it than one interval (10
    minutes at most). A record breaking that (``end`` before ``start``, or
    more than ``MAX_RECORD_SPAN`` = 15 minutes after it) had its times changed
    after AWS wrote it (a conversion, a time zone, a join of two files' columns);
    time-based detectors place it in the window of its ``start``, take rates
    over its span (``outbound_flood``) and its ``end`` as last seen, and
    none of that can be trusted for it. One finding counts them (Medium when
    they are 1 % of the records or more). Records *in no time order in the
    file* are not a finding: AWS publishes S3 files every 5 minutes, each
    with "some or all" of the records of the previous 5 minutes (user guide,
    "Flow log files"), and CloudWatch Logs stamps each event with the
    record's start, not its delivery ("Publish flow logs to CloudWatch
    Logs"); real files go back in time by minutes (160 s in
    ``conformance/opensearch``), and the detectors sort by time, so the
    order of the rows changes no finding.

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
        (``score`` is the seconds of silence), ``LogStatus:OneWay`` (no
        ``src``: all the records; ``score`` is the share of accepted TCP
        connections with records both ways, the threshold 0.1 and 200
        connections at least, flownb's own choice) or
        ``LogStatus:OutOfOrder`` (no ``src``; ``score`` is the records whose
        times are out of order, ``value`` their share).

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import data_quality
    >>> data_quality(flownb.samples.load("aws-docs/nodata-skipdata"))[["src", "label"]].to_dict("records")
    [{'src': 'eni-11111111aaaaaaaaa', 'label': 'LogStatus:SKIPDATA'}]

    A conversion that swapped ``start`` and ``end``:

    >>> sim = flownb.simulate("baseline", seed=0, duration="10min")
    >>> swapped = sim.flows.rename(columns={"start": "end", "end": "start"})
    >>> found = data_quality(swapped)
    >>> found[["label", "severity", "count"]].to_dict("records")
    [{'label': 'LogStatus:OutOfOrder', 'severity': 'Medium', 'count': 257}]
    >>> print(found["summary"].iloc[0][:95])
    257 of 352 records (73.0%) end before they start or span more than 15 min, which no capture win
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
    disorder = _out_of_order_finding(f)
    if disorder is not None:
        out.append(disorder)
    if not out:
        return None
    r = pd.concat(out, ignore_index=True)
    r["dst"] = None
    r["dst_port"] = -1
    r["protocol"] = -1
    medium = (r["label"] == "LogStatus:OneWay") | (
        (r["label"] == "LogStatus:OutOfOrder") & (r["value"] >= OUT_OF_ORDER_MEDIUM)
    )
    r["severity"] = np.where(medium, "Medium", "Low")
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


def _out_of_order_finding(f: Flows) -> pd.DataFrame | None:
    bad = _out_of_order(f)
    k = int(bad.sum())
    if k == 0:
        return None
    a = f.a
    share = k / max(f.n, 1)
    backwards = int((a["end"][bad] < a["start"][bad]).sum())
    return pd.DataFrame(
        {
            "src": [None],
            "label": ["LogStatus:OutOfOrder"],
            "start": [int(a["start"][bad].min())],
            "end": [int(a["start"][bad].max())],
            "score": [float(k)],
            "value": [share],
            "threshold": [0.0],
            "measure": ["share of the records whose end is before their start or 15 min after it"],
            "evidence_count": [k],
            "summary": [
                f"{k:,} of {f.n:,} records ({share:.1%}) end before they start or span more than "
                f"{span_text(MAX_RECORD_SPAN)}, which no capture window allows ({backwards:,} end before they "
                "start): their times were changed after AWS wrote them. Windows place them at their start; "
                "their rates and last-seen times cannot be trusted."
            ],
        }
    )


def _gaps(f: Flows, st: pd.DataFrame, gap: int) -> list[pd.DataFrame]:
    """Silences longer than ``gap`` between an ENI's records."""
    out = []
    st_eni, st_start, st_end = st["eni"].to_numpy(), st["start"].to_numpy(), st["end"].to_numpy()
    # one sort of (ENI, start) packed in one number; the columns taken as arrays, not as a frame
    if len(f.eni_names) < 2**16:  # by start, then a radix sort by ENI (16-bit keys): no 64-bit sort of pairs
        by_time = np.argsort(st_start, kind="stable")  # timsort: fast on the usual time-ordered files
        order = by_time[np.argsort(st_eni[by_time].astype(np.uint16), kind="stable")]
    else:
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
