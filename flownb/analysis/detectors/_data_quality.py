"""Data quality: windows the records cannot speak for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from flownb.analysis import _flows
from flownb.analysis._flows import Flows, key

from ._checks import _seconds_of
from ._findings import _RAW_COLUMNS
from ._registry import register
from ._text import _dur
from ._windows import _episodes


@register(None)
def data_quality(f: Flows, *, max_gap: str | None = None):
    """Windows the records cannot speak for: SKIPDATA records and silent gaps in an ENI's records.

    A SKIPDATA record says records of that ENI were dropped during its
    interval (an internal capacity constraint or error); NODATA records fill
    intervals without traffic, so an ENI that logs nothing at all for longer
    than ``max_gap`` between two of its records has a gap in delivery (or was
    detached, or the flow log was stopped).

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
        Findings, Low; ``src`` is the ENI (interface_id); ``label`` says which:
        ``LogStatus:SKIPDATA`` (``score`` is the records) or ``LogStatus:Gap``
        (``score`` is the seconds of silence).

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import data_quality
    >>> data_quality(flownb.samples.load("aws-docs/nodata-skipdata"))[["src", "label"]].to_dict("records")
    [{'src': 'eni-11111111aaaaaaaaa', 'label': 'LogStatus:SKIPDATA'}]
    """
    gap = 10 * f.agg if max_gap is None else _seconds_of(max_gap, "max_gap")
    st = f.status
    if st.empty:
        return None
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
        r["score"] = r["n"].astype(float)
        r["evidence_count"] = r["n"]
        r["summary"] = [
            f"{e}: {n} SKIPDATA record(s); records of this ENI were dropped over {_dur(b - a + 1)}."
            for e, n, a, b in zip(r["src"], r["n"], r["start"], r["end"], strict=True)
        ]
        out.append(r)
    order = np.argsort(
        key(st["eni"].to_numpy(), st["start"].to_numpy() - int(st["start"].min())), kind="stable"
    )
    s = st.iloc[order]
    eni = s["eni"].to_numpy()
    starts = s["start"].to_numpy()
    # running latest end within each ENI: one cumulative max over (ENI, end) packed in one number
    shift = np.int64(1) << 40
    base = int(s["end"].min())
    ends = np.maximum.accumulate(eni * shift + (s["end"].to_numpy() - base)) - eni * shift + base
    same = np.zeros(len(s), dtype=bool)
    same[1:] = eni[1:] == eni[:-1]
    silence = np.zeros(len(s), dtype=np.int64)
    silence[1:] = starts[1:] - ends[:-1]
    hole = same & (silence > gap)
    if hole.any():
        idx = np.flatnonzero(hole)
        r = pd.DataFrame({"eni": eni[idx], "start": ends[idx - 1], "end": starts[idx]})
        # evidence: the ENI's records ending as the gap opens and starting as it closes
        by_end = s.groupby(["eni", "end"]).size()
        by_start = s.groupby(["eni", "start"]).size()
        r["evidence_count"] = (
            by_end.reindex(pd.MultiIndex.from_arrays([r["eni"], r["start"]]), fill_value=0).to_numpy()
            + by_start.reindex(pd.MultiIndex.from_arrays([r["eni"], r["end"]]), fill_value=0).to_numpy()
        )
        r["src"] = f.eni_names[r["eni"].to_numpy()]
        r["score"] = (r["end"] - r["start"]).astype(float)
        r["label"] = "LogStatus:Gap"
        r["summary"] = [
            f"{e} logged nothing, not even NODATA, for {_dur(g)}."
            for e, g in zip(r["src"], r["score"], strict=True)
        ]
        out.append(r)
    if not out:
        return None
    r = pd.concat(out, ignore_index=True)
    r["dst"] = None
    r["dst_port"] = -1
    r["protocol"] = -1
    r["severity"] = "Low"
    return r[[*_RAW_COLUMNS, "evidence_count"]]
