"""A frame's summary: how many records, bytes and packets, over which time, how much rejected."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._cache import NAT, ColumnCache
from ._frame import cached_counter, cached_group_codes

__all__ = ["summary"]


def summary(records: pd.DataFrame | ColumnCache) -> dict[str, Any]:
    """Records, bytes, packets, time span and share rejected of a frame (or of a filtered column cache).

    The numbers of the explorer's summary line (which only words them), computed here
    below the widgets so a script, a notebook or the command line can have them too.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis._summary import summary
    >>> s = summary(flownb.samples.load("aws-docs/default-accept-reject"))
    >>> s["records"], s["rejected"]
    (2, 0.5)
    """
    rec = ColumnCache.of(records)
    n = len(rec)
    out: dict[str, Any] = {
        "records": n,
        "bytes": 0.0,
        "packets": 0.0,
        "first": None,
        "last": None,
        "rejected": None,
    }
    if n == 0:
        return out
    # the arrays top() and timeseries() read (cached for the frame, taken once per view)
    if "bytes" in rec.columns:
        out["bytes"] = float(cached_counter(rec, "bytes").sum())
    if "packets" in rec.columns:
        out["packets"] = float(cached_counter(rec, "packets").sum())
    if "start" in rec.columns:
        # NaT is the smallest int64: it never wins a maximum, and wins the minimum only when some
        # start is missing (then the known starts are looked at): no copy of the times without it
        st = rec.seconds("start")
        first = int(st.min())
        if first == NAT:
            known = st[st != NAT]
            first = int(known.min()) if len(known) else NAT
        if first != NAT:
            last = int(st.max())
            if "end" in rec.columns:
                last = max(last, int(rec.seconds("end").max()))
            out["first"] = pd.Timestamp(first, unit="s", tz="UTC")
            out["last"] = pd.Timestamp(last, unit="s", tz="UTC")
    if "action" in rec.columns:
        c, values = cached_group_codes(rec, ["action"])
        labels = np.asarray(values["action"].astype(str))
        counted = np.bincount(c + 1, minlength=len(values) + 1)[1:]  # (missing, -1, counted first: dropped)
        total = counted.sum()
        rej = counted[labels == "REJECT"].sum()
        out["rejected"] = float(rej / total) if total else None
    return out
