"""What flow logs cost: delivery, storage and queries, from a dated price table.

VPC flow logs are billed as *vended logs*: a per-GB delivery charge that
depends on the destination (CloudWatch Logs, S3, Firehose) and falls in tiers
by monthly volume, then storage at the destination, then whatever queries scan
(CloudWatch Logs Insights, Athena). The prices live in ``prices.json`` next to
this module, with the date they were read, the Region and their sources; they
are **approximate** and :class:`CostEstimate` says so.

Assumptions that are flownb's own choices (each is a keyword argument):

* a month is 30 days;
* a record's size is its text line plus a newline: measured on the records
  when a DataFrame is given, 115 bytes otherwise (a default-format IPv4 record,
  like the Amazon VPC User Guide's examples, is 110 to 120 bytes);
* stored data is compressed: S3 objects are Gzip files and CloudWatch Logs
  archives compressed data; flownb assumes Gzip shrinks flow log text to 15 %
  (``compression=0.15``), and Parquet with Gzip takes 20 % less than that (the
  VPC User Guide's figure);
* storage is the steady state: ``retention_days`` of data kept at all times.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

import pandas as pd

__all__ = ["CostEstimate", "cost_scenarios", "estimate_cost", "load_prices"]

Destination = Literal["cloudwatch", "s3", "s3-parquet", "firehose"]
TrafficType = Literal["ALL", "ACCEPT", "REJECT"]
DESTINATIONS: tuple[str, ...] = ("cloudwatch", "s3", "s3-parquet", "firehose")
TRAFFIC_TYPES: tuple[str, ...] = ("ALL", "ACCEPT", "REJECT")

#: flownb's defaults (see the module docstring)
DAYS_PER_MONTH = 30
DEFAULT_BYTES_PER_RECORD = 115
DEFAULT_COMPRESSION = 0.15


@lru_cache(maxsize=1)
def _bundled_prices() -> str:
    return resources.files(__package__).joinpath("prices.json").read_text(encoding="utf-8")


def load_prices() -> dict:
    """The bundled price table (a fresh copy): prices, date, Region and sources.

    Examples
    --------
    >>> from flownb.monitoring.cost import load_prices
    >>> p = load_prices()
    >>> p["as_of"], p["region"], p["approximate"]
    ('2025-06-01', 'us-east-1', True)
    """
    return json.loads(_bundled_prices())


def _tiered(gb: float, tiers: list) -> list[tuple[float, float]]:
    """Split a monthly volume over price tiers: [(gb in tier, price per GB), ...]."""
    out = []
    left = gb
    for size, price in tiers:
        if left <= 0:
            break
        take = left if size is None else min(left, float(size))
        out.append((take, float(price)))
        left -= take
    return out


@dataclass(frozen=True)
class CostEstimate:
    """An estimated monthly bill for a flow log, item by item.

    Attributes
    ----------
    items : DataFrame
        ``item``, ``quantity``, ``unit``, ``usd_per_unit``, ``monthly_usd``.
    total : float
        Monthly total in USD.
    settings : dict
        The inputs (destination, traffic type, records per day, ...).
    assumptions : tuple of str
    as_of, region : str
        The price table's date and Region.
    """

    items: pd.DataFrame
    total: float
    settings: dict = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    as_of: str = ""
    region: str = ""

    @property
    def monthly_gb(self) -> float:
        """GB of flow log records delivered per month."""
        return float(self.settings.get("monthly_gb", 0.0))

    def _title(self) -> str:
        s = self.settings
        return (
            f"Flow log cost estimate: {s.get('traffic_type')} traffic to {s.get('destination')}, "
            f"{s.get('records_per_day', 0):,.0f} records/day, {self.monthly_gb:,.2f} GB/month, "
            f"retention {s.get('retention_days')} days"
        )

    def __repr__(self) -> str:
        lines = [self._title(), ""]
        for r in self.items.itertuples():
            lines.append(
                f"  {r.item:<40} {r.quantity:>14,.3f} {r.unit:<12} x {r.usd_per_unit:<10g} = {r.monthly_usd:>12,.2f} USD"
            )
        lines += [
            f"  {'total per month':<40} {'':>14} {'':<12}   {'':<10} = {self.total:>12,.2f} USD",
            "",
            f"Approximate: {self.region} list prices as of {self.as_of} (flownb/monitoring/prices.json).",
        ]
        lines += [f"  - {a}" for a in self.assumptions]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = self.items.to_html(index=False, float_format=lambda x: f"{x:,.4g}")
        notes = "".join(f"<li>{html.escape(a)}</li>" for a in self.assumptions)
        return (
            f"<div><b>{html.escape(self._title())}</b>{table}"
            f"<p><b>Total: {self.total:,.2f} USD per month</b> (approximate: {html.escape(self.region)} "
            f"list prices as of {html.escape(self.as_of)})</p><ul>{notes}</ul></div>"
        )


def _from_frame(df: pd.DataFrame, traffic_type: str) -> tuple[float, float, float]:
    """records per day, share of records of the traffic type, bytes per record, measured on a frame."""
    import pyarrow.compute as pc

    from ._events import event_views

    if len(df) == 0:
        raise ValueError("the DataFrame has no records to measure; pass records_per_day= instead")
    if "start" not in df.columns:
        raise ValueError("the records have no 'start' column to measure a rate from; pass records_per_day=")
    lo = pd.to_datetime(df["start"], utc=True).min()
    hi = pd.to_datetime(df["start"], utc=True).max()
    if "end" in df.columns:
        hi = max(hi, pd.to_datetime(df["end"], utc=True).max())
    span = (hi - lo).total_seconds() if pd.notna(lo) and pd.notna(hi) else 0.0
    if span <= 0:
        raise ValueError(
            "the records cover no time span (one instant), so a daily rate cannot be measured; "
            "pass records_per_day="
        )
    per_day = len(df) * 86400.0 / span
    if traffic_type == "ALL":
        share = 1.0
    else:
        if "action" not in df.columns:
            raise ValueError(
                f"traffic_type={traffic_type!r} needs the 'action' column, which the records lack"
            )
        share = float((df["action"].astype("string") == traffic_type).fillna(False).mean())
    total = sum(pc.sum(pc.binary_length(view.text())).as_py() or 0 for _pos, view in event_views(df))
    size = total / len(df) + 1.0  # the line and its newline
    return per_day, share, size


def estimate_cost(
    df: pd.DataFrame | None = None,
    *,
    records_per_day: float | None = None,
    destination: Destination = "cloudwatch",
    traffic_type: TrafficType = "ALL",
    retention_days: int = 30,
    queries_gb_scanned: float = 0.0,
    bytes_per_record: float | None = None,
    reject_fraction: float | None = None,
    s3_storage_class: str = "STANDARD",
    compression: float = DEFAULT_COMPRESSION,
    prices: dict | None = None,
) -> CostEstimate:
    """Estimate the monthly cost of a flow log.

    Parameters
    ----------
    df : DataFrame, optional
        Records to measure the rate, the record size and the share of
        accepted and rejected traffic from. Or give ``records_per_day``.
    records_per_day : float, optional
        Records a flow log capturing ALL traffic would write per day.
    destination : {"cloudwatch", "s3", "s3-parquet", "firehose"}, default "cloudwatch"
        Where the flow log delivers. ``"s3-parquet"`` is S3 with the Parquet
        file format (a conversion charge, smaller files). For Firehose only
        the vended-log delivery is counted: Firehose's own charges and its
        destination's are not.
    traffic_type : {"ALL", "ACCEPT", "REJECT"}, default "ALL"
        The flow log's filter: capturing only REJECT records writes fewer.
    retention_days : int, default 30
        Days of records kept (log group retention or S3 lifecycle expiry).
    queries_gb_scanned : float, default 0
        GB scanned per month by Logs Insights (CloudWatch) or Athena (S3).
    bytes_per_record : float, optional
        Defaults to the measured size with ``df``, 115 bytes otherwise.
    reject_fraction : float, optional
        Share of records that are REJECT, needed for ``traffic_type`` other
        than ALL when no ``df`` is given.
    s3_storage_class : str, default "STANDARD"
        A key of the price table's ``s3_storage_per_gb_month``.
    compression : float, default 0.15
        Stored size over raw size (flownb's assumption for Gzip on flow logs).
    prices : dict, optional
        A price table shaped like :func:`load_prices` (default: the bundled one).

    Returns
    -------
    CostEstimate

    Examples
    --------
    >>> from flownb.monitoring import estimate_cost
    >>> all_cw = estimate_cost(records_per_day=50_000_000, destination="cloudwatch")
    >>> rejects = estimate_cost(records_per_day=50_000_000, destination="cloudwatch",
    ...                         traffic_type="REJECT", reject_fraction=0.1)
    >>> parquet = estimate_cost(records_per_day=50_000_000, destination="s3-parquet")
    >>> [f"{e.total:.2f}" for e in (all_cw, rejects, parquet)]
    ['81.05', '8.10', '46.23']
    """
    if destination not in DESTINATIONS:
        raise ValueError(f"'destination' must be one of {list(DESTINATIONS)}, got {destination!r}")
    if traffic_type not in TRAFFIC_TYPES:
        raise ValueError(f"'traffic_type' must be one of {list(TRAFFIC_TYPES)}, got {traffic_type!r}")
    if not isinstance(retention_days, int | float) or retention_days <= 0:
        raise ValueError(f"'retention_days' must be a positive number of days, got {retention_days!r}")
    if queries_gb_scanned < 0:
        raise ValueError(f"'queries_gb_scanned' must be >= 0, got {queries_gb_scanned!r}")
    if not 0 < compression <= 1:
        raise ValueError(f"'compression' must be in (0, 1], got {compression!r}")
    p = prices if prices is not None else load_prices()
    classes = p["s3_storage_per_gb_month"]
    if s3_storage_class not in classes:
        raise ValueError(f"'s3_storage_class' must be one of {list(classes)}, got {s3_storage_class!r}")
    assumptions = [
        f"a month is {DAYS_PER_MONTH} days; storage is the steady state of {retention_days:g} days kept"
    ]

    if df is not None:
        if records_per_day is not None:
            raise ValueError("give either df or records_per_day, not both")
        per_day, share, size = _from_frame(df, traffic_type)
        assumptions.append(
            f"rate, record size ({size:.0f} bytes) and traffic mix measured on {len(df):,} records"
        )
    else:
        if records_per_day is None or records_per_day < 0:
            raise ValueError("pass df (records to measure) or records_per_day= (a number >= 0)")
        per_day = float(records_per_day)
        size = float(DEFAULT_BYTES_PER_RECORD)
        if traffic_type == "ALL":
            share = 1.0
        else:
            if reject_fraction is None or not 0 <= reject_fraction <= 1:
                raise ValueError(
                    f"traffic_type={traffic_type!r} without records to measure needs reject_fraction= "
                    f"(the share of records that are REJECT, between 0 and 1), got {reject_fraction!r}"
                )
            share = reject_fraction if traffic_type == "REJECT" else 1.0 - reject_fraction
    if bytes_per_record is not None:
        size = float(bytes_per_record)
    elif df is None:
        assumptions.append(f"{DEFAULT_BYTES_PER_RECORD} bytes per record (a default-format IPv4 line)")

    gb = float(p["gb_bytes"])
    daily_gb = per_day * share * size / gb
    monthly_gb = daily_gb * DAYS_PER_MONTH
    items: list[tuple[str, float, str, float]] = []
    tier_key = "s3" if destination == "s3-parquet" else destination
    for k, (qty, price) in enumerate(_tiered(monthly_gb, p["vended_log_delivery"][tier_key])):
        label = f"vended log delivery to {tier_key}" + (f" (tier {k + 1})" if k else "")
        items.append((label, qty, "GB", price))
    if destination == "s3-parquet":
        items.append(("Apache Parquet conversion", monthly_gb, "GB", float(p["parquet_conversion_per_gb"])))
    stored = daily_gb * compression * retention_days
    if destination == "cloudwatch":
        items.append(
            ("CloudWatch Logs storage", stored, "GB-month", float(p["cloudwatch_logs_storage_per_gb_month"]))
        )
        items.append(
            (
                "Logs Insights scanning",
                float(queries_gb_scanned),
                "GB",
                float(p["logs_insights_per_gb_scanned"]),
            )
        )
        assumptions.append(f"stored data compressed to {compression:.0%} of its raw size")
    elif destination in ("s3", "s3-parquet"):
        if destination == "s3-parquet":
            stored *= float(p["parquet_size_vs_gzip_text"])
        items.append(
            (f"S3 storage ({s3_storage_class})", stored, "GB-month", float(classes[s3_storage_class]))
        )
        items.append(
            ("Athena scanning", float(queries_gb_scanned) / 1024.0, "TB", float(p["athena_per_tb_scanned"]))
        )
        assumptions.append(
            f"Gzip text is {compression:.0%} of the raw size"
            + ("; Parquet 20% smaller than that" if destination == "s3-parquet" else "")
        )
    else:
        assumptions.append("Firehose's own ingestion charges and its destination's storage are not included")
    assumptions.append("S3 request charges, free tiers and taxes are not included")
    frame = pd.DataFrame(items, columns=["item", "quantity", "unit", "usd_per_unit"])
    frame["monthly_usd"] = frame["quantity"] * frame["usd_per_unit"]
    settings = {
        "destination": destination,
        "traffic_type": traffic_type,
        "records_per_day": per_day * share,
        "bytes_per_record": size,
        "retention_days": retention_days,
        "queries_gb_scanned": queries_gb_scanned,
        "monthly_gb": monthly_gb,
    }
    return CostEstimate(
        frame,
        float(frame["monthly_usd"].sum()),
        settings,
        tuple(assumptions),
        str(p.get("as_of", "")),
        str(p.get("region", "")),
    )


def cost_scenarios(
    df: pd.DataFrame | None = None,
    *,
    records_per_day: float | None = None,
    reject_fraction: float | None = None,
    queries_gb_scanned: float = 0.0,
    retention_days: tuple[int, ...] = (7, 30, 365),
) -> pd.DataFrame:
    """The same flow log priced several ways: destination, REJECT-only, Parquet, retention.

    Returns
    -------
    DataFrame
        ``destination``, ``traffic_type``, ``retention_days``, ``monthly_gb``,
        ``monthly_usd``, cheapest first.

    Examples
    --------
    >>> from flownb.monitoring.cost import cost_scenarios
    >>> t = cost_scenarios(records_per_day=50_000_000, reject_fraction=0.1, retention_days=(30,))
    >>> t.iloc[-1][["destination", "traffic_type"]].tolist()
    ['cloudwatch', 'ALL']
    """
    rows = []
    for dest in ("cloudwatch", "s3", "s3-parquet"):
        for traffic in ("ALL", "REJECT"):
            if traffic == "REJECT" and df is None and reject_fraction is None:
                continue
            for days in retention_days:
                e = estimate_cost(
                    df,
                    records_per_day=records_per_day,
                    destination=dest,  # type: ignore[arg-type]
                    traffic_type=traffic,  # type: ignore[arg-type]
                    retention_days=days,
                    queries_gb_scanned=queries_gb_scanned,
                    reject_fraction=reject_fraction if df is None else None,
                )
                rows.append((dest, traffic, days, e.monthly_gb, e.total))
    out = pd.DataFrame(
        rows, columns=["destination", "traffic_type", "retention_days", "monthly_gb", "monthly_usd"]
    )
    return out.sort_values("monthly_usd", kind="stable").reset_index(drop=True)
