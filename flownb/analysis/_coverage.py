"""Were the flow logs complete? :func:`coverage` per ENI and time window (OK, NODATA, SKIPDATA, GAP)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._dispatch import accepts_dataset
from ._addresses import codes_and_values
from ._frame import require, seconds, value_ranks

__all__ = ["coverage"]


@accepts_dataset
def coverage(df: pd.DataFrame, freq: str = "10min") -> pd.DataFrame:
    """Per ENI and time window: were flow logs complete? OK, NODATA, SKIPDATA or GAP.

    ``SKIPDATA`` (some records were skipped: capacity or an internal error) wins
    over ``OK``; ``NODATA`` means the ENI was logged and quiet; ``GAP`` means no
    record at all, not even NODATA: the ENI was not logged then (flow log created
    later, deleted, or delivery missing).

    Parameters
    ----------
    df : DataFrame or FlowDataset
        Flow log records with ``interface_id``, ``start`` and ``log_status``.
    freq : str, default "10min"
        Window width; 10 minutes is the default (and longest) aggregation interval.

    Returns
    -------
    DataFrame
        ``interface_id``, ``window`` (start, UTC), ``status``, ``records``,
        ``ok``, ``nodata``, ``skipdata``: one row per ENI and window from the
        first to the last record; ENIs in ascending order of their id, whatever
        the order of the files.

    Examples
    --------
    >>> import flownb
    >>> flownb.analysis.coverage(flownb.samples.load("aws-docs/nodata-skipdata"))[["interface_id", "status"]]
                interface_id    status
    0  eni-11111111aaaaaaaaa  SKIPDATA
    1  eni-1235b8ca123456789    NODATA
    """
    require(df, ["interface_id", "start"], "coverage()")
    from .._durations import duration_seconds

    f = duration_seconds(freq, name="freq")
    n = len(df)
    eni, enis = codes_and_values(df["interface_id"])
    st = seconds(df["start"])
    ok_t = st != np.iinfo(np.int64).min
    valid = (eni >= 0) & ok_t
    cols = ["interface_id", "window", "status", "records", "ok", "nodata", "skipdata"]
    if not valid.any():
        return pd.DataFrame({c: [] for c in cols})
    w = st // f
    w0, w1 = int(w[valid].min()), int(w[valid].max())
    nw = w1 - w0 + 1
    ne = len(enis)
    present = np.unique(eni[valid])
    pos = np.searchsorted(present, eni)
    by_id = np.argsort(value_ranks(pd.Series(enis, dtype=object))[present], kind="stable")
    rank_of = np.empty(len(present), dtype=np.int64)
    rank_of[by_id] = np.arange(len(present))
    pos, present = rank_of[np.minimum(pos, len(present) - 1)], present[by_id]  # ENIs by id, ascending
    key = pos * nw + (w - w0)
    if "log_status" in df:
        codes, values = codes_and_values(df["log_status"])  # per distinct value, not per record
        table = np.array([{"NODATA": 1, "SKIPDATA": 2}.get(str(v), 0) for v in values] + [0])
        status = table[codes]
    else:
        status = np.zeros(n, dtype=np.int64)
    size = len(present) * nw
    total = np.bincount(key[valid], minlength=size)
    okc = np.bincount(key[valid & (status == 0)], minlength=size)
    nod = np.bincount(key[valid & (status == 1)], minlength=size)
    skp = np.bincount(key[valid & (status == 2)], minlength=size)
    label = np.where(skp > 0, "SKIPDATA", np.where(okc > 0, "OK", np.where(nod > 0, "NODATA", "GAP")))
    del ne
    out = pd.DataFrame(
        {
            "interface_id": pd.Categorical.from_codes(np.repeat(present, nw), categories=enis),
            "window": pd.to_datetime(
                (np.tile(np.arange(nw), len(present)) + w0) * f, unit="s", utc=True
            ).as_unit("s"),
            "status": pd.Categorical(label, categories=["OK", "NODATA", "SKIPDATA", "GAP"]),
            "records": total.astype(np.int64),
            "ok": okc.astype(np.int64),
            "nodata": nod.astype(np.int64),
            "skipdata": skp.astype(np.int64),
        }
    )
    return out
