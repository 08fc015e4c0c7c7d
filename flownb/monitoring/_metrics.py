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

from .._dispatch import accepts_dataset
from ..analysis._frame import value_ranks
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


def _cat(s: pd.Series) -> pd.Series:
    return s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category")


def _eq(df: pd.DataFrame, col: str, value: str) -> np.ndarray:
    """``df[col] == value`` as a numpy bool array, <NA> False (cheap on categoricals)."""
    if col not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return np.array(_cat(df[col]) == value, dtype=bool)  # a writable copy: callers OR into it


def _own_address(eni: np.ndarray, src: np.ndarray, dst: np.ndarray, n_eni: int) -> np.ndarray:
    """Each interface's own address code (-1 when unknown), from the address codes in its records.

    An interface's address is in every record it logs, so the candidates are
    each interface's most frequent addresses. An address belongs to one
    interface: interfaces where a candidate is the clearest winner (the
    largest lead over their next candidate) are settled first, so two
    interfaces that only talk to each other still get one address each.
    Python works per distinct interface (its top three candidates), never per
    record.
    """
    e = np.concatenate([eni, eni])
    a = np.concatenate([src, dst])
    keep = (e >= 0) & (a >= 0)
    own = np.full(n_eni, -1, dtype=np.int64)
    if not keep.any():
        return own
    counts = pd.DataFrame({"eni": e[keep], "addr": a[keep]}).value_counts().reset_index(name="n")
    counts = counts.sort_values(["eni", "n", "addr"], ascending=[True, False, True], kind="stable")
    return _assign(counts.groupby("eni", sort=False).head(3), n_eni)


def _assign(top: pd.DataFrame, n_eni: int) -> np.ndarray:
    """Settle each interface's address from its top three candidates (``eni``, ``addr``, ``n``, sorted by
    ``eni``, then ``n`` descending, then ``addr``); codes are in ascending order of value, so that no choice
    depends on file order. The engine path (:mod:`flownb.scale._monitoring`) counts, this decides."""
    own = np.full(n_eni, -1, dtype=np.int64)
    top = top.assign(rank=top.groupby("eni").cumcount(), nxt=top.groupby("eni")["n"].shift(-1).fillna(0))
    top = top.assign(gap=top["n"] - top["nxt"]).sort_values(
        ["rank", "gap", "eni"], ascending=[True, False, True], kind="stable"
    )
    used: set[int] = set()
    for en, ad in zip(top["eni"].tolist(), top["addr"].tolist(), strict=True):
        if own[en] < 0 and ad not in used:
            own[en] = ad
            used.add(ad)
    return own


def _directions(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Boolean arrays (inbound, outbound) per record."""
    n = len(df)
    inbound = _eq(df, "flow_direction", "ingress")
    outbound = _eq(df, "flow_direction", "egress")
    known = (
        df["flow_direction"].notna().to_numpy(bool) if "flow_direction" in df.columns else np.zeros(n, bool)
    )
    if not known.all() and {"interface_id", "srcaddr", "dstaddr"} <= set(df.columns):
        eni = _cat(df["interface_id"])
        eni = eni.cat.reorder_categories(eni.cat.categories.sort_values())  # codes in order of value
        src, dst = _cat(df["srcaddr"]), _cat(df["dstaddr"])
        addrs = src.cat.categories.union(dst.cat.categories).sort_values()
        src_codes = src.cat.set_categories(addrs).cat.codes.to_numpy(np.int64)
        dst_codes = dst.cat.set_categories(addrs).cat.codes.to_numpy(np.int64)
        eni_codes = eni.cat.codes.to_numpy(np.int64)
        own = _own_address(eni_codes, src_codes, dst_codes, len(eni.cat.categories))
        mine = np.where(eni_codes >= 0, own[np.clip(eni_codes, 0, None)], -1) if len(own) else np.full(n, -1)
        dst_is = (dst_codes == mine) & (mine >= 0)
        src_is = (src_codes == mine) & (mine >= 0)
        inbound |= ~known & dst_is
        outbound |= ~known & src_is & ~dst_is
    return inbound, outbound


@accepts_dataset
def network_metrics(
    df: pd.DataFrame,
    period: str | int = "5min",
    by: str | list[str] | None = "interface_id",
) -> pd.DataFrame:
    """Bytes and packets in and out, accepted and rejected records, per ``by`` and period.

    Parameters
    ----------
    df : DataFrame or FlowDataset
        Flow log records (the DataFrame contract), or a dataset.
    period : str or int, default "5min"
        Period length (``"1min"``, ``"5m"``, ``300``). EC2's basic monitoring
        publishes every 5 minutes, hence the default.
    by : str, list of str or None, default "interface_id"
        Columns to group by (``"instance_id"``, ``"subnet_id"``, ...); None for
        one series over all records.

    Returns
    -------
    DataFrame
        One row per group and period (periods without records are absent), by
        the ``by`` values ascending, then by time:
        the ``by`` columns, ``timestamp`` (period start, UTC), ``bytes_in``,
        ``bytes_out``, ``packets_in``, ``packets_out`` (ACCEPTed traffic, the
        counterparts of EC2's NetworkIn, NetworkOut, NetworkPacketsIn,
        NetworkPacketsOut), ``bytes_through`` (accepted bytes neither to nor
        from the interface's address), ``rejected_bytes``, ``accepted_records``,
        ``rejected_records``, ``records``, ``skipdata_records``, and, for
        Transit Gateway records, the ``packets_lost_*`` sums. An approximation:
        see :mod:`flownb.monitoring._metrics`.

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
    accepted = _eq(df, "action", "ACCEPT")
    rejected = _eq(df, "action", "REJECT")

    def counter(name: str) -> np.ndarray:
        if name not in df.columns:
            return np.zeros(len(df), dtype=np.uint64)
        return df[name].fillna(0).to_numpy(dtype=np.uint64)

    nbytes, npackets = counter("bytes"), counter("packets")
    zero = np.uint64(0)
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
        "skipdata_records": _eq(df, "log_status", "SKIPDATA").astype(np.int64),
    }
    for c in LOSS_COLUMNS:
        if c in df.columns:
            parts[c] = counter(c)
    work = pd.DataFrame(parts, index=df.index)
    for k in keys:
        work[k] = df[k]
    work = work[work["timestamp"].notna()]
    out = work.groupby([*keys, "timestamp"], observed=True, sort=False).sum().reset_index()
    # by the keys' values ascending, then time (never by the order in which categories first appeared)
    order = np.lexsort(
        [pd.DatetimeIndex(out["timestamp"]).asi8, *(value_ranks(out[k]) for k in reversed(keys))]
    )
    out = out.take(order).reset_index(drop=True)
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
