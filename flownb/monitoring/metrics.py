"""Metrics from flow log records: bytes and packets in and out, accepted and rejected, packets lost.

EC2 publishes ``NetworkIn``, ``NetworkOut``, ``NetworkPacketsIn`` and
``NetworkPacketsOut`` per instance (Amazon EC2 User Guide, "Instance metrics").
:func:`network_metrics` computes their flow-log counterparts per network
interface (or per instance, subnet, VPC), plus the accepted and rejected
records that EC2 metrics cannot show. They are an **approximation**:

* a record covers an aggregation interval (up to 60 s or 600 s); its bytes are
  counted in the period holding its ``start`` (as a CloudWatch metric filter
  would), not spread over the interval;
* flow logs never record some traffic (the Amazon DNS server, instance
  metadata, time sync, DHCP, Windows license activation, mirrored traffic), and
  SKIPDATA records mean records were dropped: the ``skipdata_records`` column
  counts them so an undercount is visible;
* in and out come from ``flow-direction`` when the records have it (version 5),
  otherwise from the interface's own address (the address in most of its
  records, each address given to one interface); traffic passing through an interface with neither address
  (NAT and transit gateway interfaces, middleboxes) goes to ``bytes_through``.

Transit Gateway flow logs are the one place flow logs show loss:
:func:`packet_loss` sums the ``packets-lost-*`` fields per attachment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._report import period_seconds

__all__ = ["LOSS_COLUMNS", "network_metrics", "packet_loss"]

LOSS_COLUMNS = (
    "packets_lost_no_route",
    "packets_lost_blackhole",
    "packets_lost_mtu_exceeded",
    "packets_lost_ttl_expired",
)


def _need(df: pd.DataFrame, cols: list[str], what: str, hint: str = "") -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {missing}; the records have {list(df.columns)}{hint}")


def _by_list(df: pd.DataFrame, by: str | list[str] | None, what: str) -> list[str]:
    cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for c in cols:
        if c not in df.columns:
            import difflib

            close = difflib.get_close_matches(c, [str(x) for x in df.columns], n=3)
            tgw = (
                " (Transit Gateway records have tgw_attachment_id, not interface_id)"
                if c == "interface_id"
                else ""
            )
            hint = f"; did you mean {close}?" if close else ""
            raise ValueError(f"{what}: 'by' column '{c}' is not in the records{hint}{tgw}")
    return cols


def _own_address(df: pd.DataFrame) -> pd.Series:
    """Each interface's own address, from the addresses in its records (src or dst).

    An interface's address is in every record it logs, so the candidates are
    each interface's most frequent addresses. An address belongs to one
    interface: interfaces where a candidate is the clearest winner (largest
    share of their records) are settled first, so two interfaces that only
    talk to each other still get one address each. Python works per distinct
    interface (its top three candidates), never per record.
    """
    eni = df["interface_id"].astype("string")
    both = pd.DataFrame(
        {
            "eni": pd.concat([eni, eni], ignore_index=True),
            "addr": pd.concat(
                [df["srcaddr"].astype("string"), df["dstaddr"].astype("string")], ignore_index=True
            ),
        }
    ).dropna()
    if both.empty:
        return pd.Series(dtype="string")
    counts = both.groupby(["eni", "addr"]).size().reset_index(name="n")
    per_eni = eni.value_counts()
    counts["share"] = counts["n"] / counts["eni"].map(per_eni).astype(float)
    counts = counts.sort_values(["eni", "n", "addr"], ascending=[True, False, True], kind="stable")
    top = counts.groupby("eni", sort=False).head(3)
    top = top.assign(rank=top.groupby("eni").cumcount())
    # the gap to the next candidate: how clear a winner each candidate is
    nxt = top.groupby("eni")["n"].shift(-1).fillna(0)
    top = top.assign(gap=top["n"] - nxt).sort_values(
        ["rank", "gap", "share", "eni"], ascending=[True, False, False, True], kind="stable"
    )
    own: dict[str, str] = {}
    used: set[str] = set()
    for e, a in zip(top["eni"].tolist(), top["addr"].tolist(), strict=True):
        if e not in own and a not in used:
            own[e] = a
            used.add(a)
    return pd.Series(own, dtype="string")


def _directions(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Boolean arrays (inbound, outbound) per record."""
    n = len(df)
    inbound = np.zeros(n, dtype=bool)
    outbound = np.zeros(n, dtype=bool)
    known = np.zeros(n, dtype=bool)
    if "flow_direction" in df.columns:
        fd = df["flow_direction"].astype("string")
        inbound |= (fd == "ingress").fillna(False).to_numpy(bool)
        outbound |= (fd == "egress").fillna(False).to_numpy(bool)
        known = fd.notna().to_numpy(bool)
    if not known.all() and {"interface_id", "srcaddr", "dstaddr"} <= set(df.columns):
        own = _own_address(df)
        mine = df["interface_id"].astype("string").map(own)
        dst = (df["dstaddr"].astype("string") == mine).fillna(False).to_numpy(bool)
        src = (df["srcaddr"].astype("string") == mine).fillna(False).to_numpy(bool)
        inbound |= ~known & dst
        outbound |= ~known & src & ~dst
    return inbound, outbound


def network_metrics(
    df: pd.DataFrame,
    period: str | int = "5min",
    by: str | list[str] | None = "interface_id",
) -> pd.DataFrame:
    """Bytes and packets in and out, accepted and rejected records, per ``by`` and period.

    Parameters
    ----------
    df : DataFrame
        Flow log records (the DataFrame contract).
    period : str or int, default "5min"
        Period length (``"1min"``, ``"5m"``, ``300``). EC2's basic monitoring
        publishes every 5 minutes, hence the default.
    by : str, list of str or None, default "interface_id"
        Columns to group by (``"instance_id"``, ``"subnet_id"``, ...); None for
        one series over all records.

    Returns
    -------
    DataFrame
        One row per group and period (periods without records are absent):
        the ``by`` columns, ``timestamp`` (period start, UTC), ``bytes_in``,
        ``bytes_out``, ``packets_in``, ``packets_out`` (ACCEPTed traffic, the
        counterparts of EC2's NetworkIn, NetworkOut, NetworkPacketsIn,
        NetworkPacketsOut), ``bytes_through`` (accepted bytes neither to nor
        from the interface's address), ``rejected_bytes``, ``accepted_records``,
        ``rejected_records``, ``records``, ``skipdata_records``, and, for
        Transit Gateway records, the ``packets_lost_*`` sums. An approximation:
        see :mod:`flownb.monitoring.metrics`.

    Examples
    --------
    >>> import flownb
    >>> from flownb.monitoring import network_metrics
    >>> df = flownb.samples.load("aws-docs/sg-nacl-ping")
    >>> m = network_metrics(df, period="5min")
    >>> m[["bytes_in", "bytes_out", "accepted_records", "rejected_records", "rejected_bytes"]].to_dict("records")
    [{'bytes_in': 336, 'bytes_out': 0, 'accepted_records': 1, 'rejected_records': 1, 'rejected_bytes': 336}]
    """
    secs = period_seconds(period)
    keys = _by_list(df, by, "network_metrics")
    _need(df, ["start"], "network_metrics", ": every record needs its start time")
    inbound, outbound = _directions(df)
    action = df["action"].astype("string") if "action" in df.columns else pd.Series(pd.NA, index=df.index)
    accepted = (action == "ACCEPT").fillna(False).to_numpy(bool)
    rejected = (action == "REJECT").fillna(False).to_numpy(bool)

    def counter(name: str) -> np.ndarray:
        if name not in df.columns:
            return np.zeros(len(df), dtype=np.uint64)
        return df[name].fillna(0).to_numpy(dtype=np.uint64)

    nbytes, npackets = counter("bytes"), counter("packets")
    zero = np.uint64(0)
    status = df["log_status"].astype("string") if "log_status" in df.columns else None
    parts = {
        "timestamp": pd.DatetimeIndex(pd.to_datetime(df["start"], utc=True)).floor(
            pd.Timedelta(seconds=secs)
        ),
        "bytes_in": np.where(accepted & inbound, nbytes, zero),
        "bytes_out": np.where(accepted & outbound, nbytes, zero),
        "packets_in": np.where(accepted & inbound, npackets, zero),
        "packets_out": np.where(accepted & outbound, npackets, zero),
        "bytes_through": np.where(accepted & ~inbound & ~outbound, nbytes, zero),
        "rejected_bytes": np.where(rejected, nbytes, zero),
        "accepted_records": accepted.astype(np.int64),
        "rejected_records": rejected.astype(np.int64),
        "records": np.ones(len(df), dtype=np.int64),
        "skipdata_records": (
            (status == "SKIPDATA").fillna(False).to_numpy(np.int64)
            if status is not None
            else np.zeros(len(df), int)
        ),
    }
    for c in LOSS_COLUMNS:
        if c in df.columns:
            parts[c] = counter(c)
    work = pd.DataFrame(parts, index=df.index)
    for k in keys:
        work[k] = df[k]
    work = work[work["timestamp"].notna()]
    out = work.groupby([*keys, "timestamp"], observed=True, sort=True).sum().reset_index()
    for c in (
        "bytes_in",
        "bytes_out",
        "packets_in",
        "packets_out",
        "bytes_through",
        "rejected_bytes",
        *LOSS_COLUMNS,
    ):
        if c in out.columns:
            out[c] = out[c].astype("UInt64")
    for c in ("accepted_records", "rejected_records", "records", "skipdata_records"):
        out[c] = out[c].astype("Int64")
    return out


def packet_loss(
    df: pd.DataFrame,
    period: str | int = "5min",
    by: str | list[str] | None = "tgw_attachment_id",
) -> pd.DataFrame:
    """Packets a transit gateway dropped, per reason, per ``by`` and period.

    Transit Gateway flow logs (version 6) count dropped packets in
    ``packets-lost-no-route``, ``packets-lost-blackhole``,
    ``packets-lost-mtu-exceeded`` and ``packets-lost-ttl-expired`` (Amazon VPC
    Transit Gateways guide, "Transit Gateway Flow Logs records").

    Returns
    -------
    DataFrame
        The ``by`` columns, ``timestamp``, one column per loss reason the
        records carry, and ``packets_lost`` (their total).

    Examples
    --------
    >>> import flownb
    >>> from flownb.monitoring import packet_loss
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> packet_loss(df)
    Traceback (most recent call last):
    ...
    ValueError: these records have no packets-lost-* fields: only Transit Gateway flow logs (version 6) carry them
    """
    secs = period_seconds(period)
    loss = [c for c in LOSS_COLUMNS if c in df.columns]
    if not loss:
        raise ValueError(
            "these records have no packets-lost-* fields: only Transit Gateway flow logs (version 6) carry them"
        )
    keys = _by_list(df, by, "packet_loss")
    _need(df, ["start"], "packet_loss")
    work = pd.DataFrame(
        {c: df[c].fillna(0).to_numpy(dtype=np.uint64) for c in loss},
        index=df.index,
    )
    work["timestamp"] = pd.DatetimeIndex(pd.to_datetime(df["start"], utc=True)).floor(
        pd.Timedelta(seconds=secs)
    )
    for k in keys:
        work[k] = df[k]
    work = work[work["timestamp"].notna()]
    out = work.groupby([*keys, "timestamp"], observed=True, sort=True)[loss].sum().reset_index()
    out["packets_lost"] = out[loss].sum(axis=1)
    for c in [*loss, "packets_lost"]:
        out[c] = out[c].astype("UInt64")
    return out
