"""Rejected traffic and unanswered requests, VPC-wide: :func:`rejections` and :func:`one_way_flows`.

A rejected *response* is a network ACL (security groups are stateful: the VPC
User Guide, "Security group rules"); a rejected *request* is a security group or
a network ACL, and the records cannot say which.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._dispatch import accepts_dataset
from ._enrich import local_side, side_columns
from ._frame import data_rows, float_array, int_array, require, value_ranks

__all__ = ["one_way_flows", "rejections"]


def one_way_flows(df: pd.DataFrame) -> pd.DataFrame:
    """Requests that got no response: conversations logged in one direction only.

    Parameters
    ----------
    df : DataFrame
        Flow log records.

    Returns
    -------
    DataFrame
        The rows of :func:`flownb.conversations` with traffic towards the server
        and none back (``action_to_client`` missing), most packets first.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> flownb.analysis.one_way_flows(df)[["client", "server", "server_port", "action_to_server"]]
              client        server  server_port action_to_server
    0  172.31.16.139  172.31.16.21           22           ACCEPT
    1    172.31.9.69   172.31.9.12         3389           REJECT
    """
    from ._traffic import conversations

    conv = conversations(df)
    one = conv[conv["action_to_server"].notna() & conv["action_to_client"].isna()]
    return one.sort_values(
        ["packets_to_server", "first"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


_CAUSES = {
    "bpa": "VPC Block Public Access",
    "response egress": "network ACL outbound rules (return traffic; security groups are stateful)",
    "response ingress": "network ACL inbound rules (return traffic; security groups are stateful)",
    "request egress": "security group or network ACL outbound rules",
    "request ingress": "security group or network ACL inbound rules",
    "request unknown": "security group or network ACL",
    "response unknown": "network ACL (return traffic)",
}


@accepts_dataset
def rejections(df: pd.DataFrame) -> pd.DataFrame:
    """Rejected traffic grouped by ENI, source, port and direction, with its likely cause.

    A rejected *response* (the server's side of a conversation) is a network ACL:
    security groups always let responses to accepted requests through. A rejected
    *request* is a security group or a network ACL; the records cannot say which.

    Parameters
    ----------
    df : DataFrame or FlowDataset
        Flow log records with ``action``.

    Returns
    -------
    DataFrame
        ``interface_id``, ``srcaddr``, ``port`` (the server's port), ``protocol``,
        ``direction`` (ingress/egress for the ENI), ``kind`` (request/response),
        ``records``, ``packets``, ``bytes``, ``destinations`` (distinct),
        ``first``, ``last``, ``likely_cause``; most records first, then most
        packets, then by the other columns ascending (whatever the order of the files).

    Examples
    --------
    >>> import flownb
    >>> r = flownb.analysis.rejections(flownb.samples.load("aws-docs/sg-nacl-ping"))
    >>> r[["srcaddr", "direction", "kind"]]
             srcaddr direction      kind
    0  172.31.16.139    egress  response
    >>> r.loc[0, "likely_cause"]
    'network ACL outbound rules (return traffic; security groups are stateful)'
    """
    require(df, ["srcaddr", "dstaddr", "action"], "rejections()")
    from ._traffic import _pairing

    n = len(df)
    rej = np.asarray(df["action"] == "REJECT", dtype=bool) & data_rows(df)
    p = _pairing(df)
    to_server = np.ones(n, dtype=bool)
    if p is not None:
        to_server[p["idx"]] = p["to_server"]
    side = local_side(df[side_columns(df)])[rej] if rej.any() else np.zeros(0, dtype=np.int8)
    sp = int_array(df.get("srcport"), n)[rej]
    dp = int_array(df.get("dstport"), n)[rej]
    return summarise(df.loc[rej], side, to_server[rej], sp, dp, columns=set(df.columns))


def summarise(
    sub: pd.DataFrame,
    side: np.ndarray,
    ts: np.ndarray,
    sp: np.ndarray,
    dp: np.ndarray,
    *,
    columns: set[str],
    records: np.ndarray | None = None,
) -> pd.DataFrame:
    """The table of :func:`rejections` from its rejected records (or groups of identical ones).

    ``side`` is :func:`~flownb.analysis._enrich.local_side` of each, ``ts`` whether
    it flows to the server, ``sp``/``dp`` its ports (-1 missing), ``columns`` the
    records' columns; ``records`` how many records each row stands for (the
    engine path, :mod:`flownb.scale._ops`, groups identical ones first), with
    ``packets``/``bytes`` their sums, ``start`` the earliest and ``end`` the latest.
    """
    n = len(sub)
    direction = np.array([None, "egress", "ingress"], dtype=object)[side]
    kind = np.where(ts, "request", "response")
    key = np.where(
        side == 0,
        np.char.add(kind.astype(str), " unknown"),
        np.char.add(np.char.add(kind.astype(str), " "), np.where(side == 1, "egress", "ingress")),
    )
    cause = pd.Series(key).map(_CAUSES).to_numpy(dtype=object)
    if "reject_reason" in columns:
        cause = np.where(
            np.asarray(sub["reject_reason"].astype(object) == "BPA", dtype=bool), _CAUSES["bpa"], cause
        )
    work = pd.DataFrame(
        {
            "interface_id": sub["interface_id"].astype(object).to_numpy()
            if "interface_id" in columns
            else None,
            "srcaddr": sub["srcaddr"].astype(object).to_numpy(),
            "dstaddr": sub["dstaddr"].astype(object).to_numpy(),
            "port": pd.array(np.where(ts, dp, sp), dtype="Int64"),
            "protocol": sub["protocol"].to_numpy(dtype=object) if "protocol" in columns else None,
            "direction": direction,
            "kind": kind,
            "likely_cause": cause,
            "packets": float_array(sub.get("packets"), len(sub)),
            "bytes": float_array(sub.get("bytes"), len(sub)),
            "start": sub["start"].to_numpy() if "start" in columns else pd.NaT,
            "end": sub["end"].to_numpy() if "end" in columns else pd.NaT,
            "records": np.ones(n, dtype=np.int64) if records is None else np.asarray(records, dtype=np.int64),
        }
    )
    work["port"] = work["port"].where(work["port"] >= 0)
    keys = ["interface_id", "srcaddr", "port", "protocol", "direction", "kind", "likely_cause"]
    out = (
        work.groupby(keys, dropna=False, sort=False)
        .agg(
            records=("records", "sum"),
            packets=("packets", "sum"),
            bytes=("bytes", "sum"),
            destinations=("dstaddr", "nunique"),
            first=("start", "min"),
            last=("end", "max"),
        )
        .reset_index()
    )
    # most records first, then most packets; equal ones by key value, ascending (never by file order)
    ties = [value_ranks(out[c]) for c in reversed(keys)]
    order = np.lexsort((*ties, -out["packets"].to_numpy(dtype=np.float64), -out["records"].to_numpy()))
    out = out.take(order).reset_index(drop=True)
    out["packets"] = out["packets"].astype("UInt64")
    out["bytes"] = out["bytes"].astype("UInt64")
    out["port"] = out["port"].astype("UInt16")
    if "protocol" in columns:
        out["protocol"] = out["protocol"].astype("UInt8")
    for c in ("interface_id", "srcaddr", "direction", "kind", "likely_cause"):
        out[c] = out[c].astype("category")
    out = out[[*keys[:6], "records", "packets", "bytes", "destinations", "first", "last", "likely_cause"]]
    return out
