"""What flow logs cost: delivery, storage and queries, from a dated price table.

VPC flow logs are billed as *vended logs*: a per-GB delivery charge that
depends on the destination (CloudWatch Logs in the Standard or the Infrequent
Access log class, S3, Firehose) and falls in tiers by monthly volume, then
storage at the destination, then whatever queries scan (CloudWatch Logs
Insights, Athena). The prices live in ``prices.json`` next to this module:
every figure with the page it comes from, the date that page was read and
whether it could be confirmed on AWS's pricing page (:func:`price_table` lists
them). They are **approximate**, for us-east-1, and :class:`CostEstimate` says
which of the prices it used are unconfirmed.

Rules from the AWS documentation the model applies (sources in prices.json):

* S3 minimum storage durations (Standard-IA and One Zone-IA 30 days, Glacier
  Instant Retrieval and Flexible Retrieval 90, Deep Archive 180): an object
  deleted earlier is charged for the whole minimum, so 7 days kept in Deep
  Archive cost 180 days;
* the 128 KB minimum billable object size of Standard-IA, One Zone-IA and
  Glacier Instant Retrieval, and the 40 KB of metadata of each object archived
  to Glacier Flexible Retrieval or Deep Archive (8 KB at S3 Standard rates):
  flow logs arrive as many small objects;
* S3 Intelligent-Tiering's monitoring fee per object of 128 KB or more;
* Athena's minimum billed scan per query (give ``queries_per_month``);
* Parquet is 20 % smaller than gzip text only above 100 KB of Parquet data per
  aggregation period (the VPC User Guide); below, flownb applies no saving.

Assumptions that are flownb's own choices (each is a keyword argument):

* a month is 30 days;
* a record's size is its text line plus a newline: measured on the records
  when a DataFrame is given, 115 bytes otherwise (a default-format IPv4 record,
  like the Amazon VPC User Guide's examples, is 110 to 120 bytes);
* stored data is compressed: S3 objects are Gzip files and CloudWatch Logs
  archives compressed data; flownb assumes Gzip shrinks flow log text to 15 %
  (``compression=0.15``);
* S3 delivery writes one object per 5-minute interval (288 a day,
  ``objects_per_day``): AWS publishes at 5-minute intervals and "multiple files
  may be published", so real flow logs may write more, smaller objects;
* objects are billed in ``s3_storage_class`` from the day they arrive (in
  practice a lifecycle rule moves them there, with its own request charges);
* the volume tiers apply to this flow log alone (whether AWS counts them over
  all the account's vended logs could not be confirmed);
* storage is the steady state: ``retention_days`` of data kept at all times.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import pandas as pd

__all__ = ["CostEstimate", "cost_scenarios", "estimate_cost", "load_prices", "price_table"]

Destination = Literal["cloudwatch", "cloudwatch-ia", "s3", "s3-parquet", "firehose"]
TrafficType = Literal["ALL", "ACCEPT", "REJECT"]
DESTINATIONS: tuple[str, ...] = ("cloudwatch", "cloudwatch-ia", "s3", "s3-parquet", "firehose")
TRAFFIC_TYPES: tuple[str, ...] = ("ALL", "ACCEPT", "REJECT")

#: flownb's defaults (see the module docstring)
DAYS_PER_MONTH = 30
DEFAULT_BYTES_PER_RECORD = 115
DEFAULT_COMPRESSION = 0.15
#: one object per 5-minute delivery interval, the fewest AWS writes: "multiple files may be published"
#: per interval (VPC User Guide, "Flow log files"), so a real flow log can write more, smaller objects
DEFAULT_OBJECTS_PER_DAY = 288
#: the default maximum aggregation interval of a flow log, seconds (EC2 API, CreateFlowLogs)
DEFAULT_AGGREGATION_INTERVAL = 600
_KB = 1024


@lru_cache(maxsize=1)
def _bundled_prices() -> str:
    return resources.files(__package__).joinpath("prices.json").read_text(encoding="utf-8")


def load_prices() -> dict:
    """The bundled price table (a fresh copy): prices with their sources, date, Region.

    Examples
    --------
    >>> from flownb.monitoring._cost import load_prices
    >>> p = load_prices()
    >>> p["as_of"], p["region"], p["approximate"]
    ('2025-06-01', 'us-east-1', True)
    >>> p["s3_storage_per_gb_month"]["STANDARD"]["source"]["url"]
    'https://aws.amazon.com/s3/pricing/'
    """
    return json.loads(_bundled_prices())


# -- reading a price table: an entry is a number (a table of your own) or {"usd": ..., "source": ...}
def _usd(value: Any) -> float | None:
    v = value.get("usd") if isinstance(value, dict) else value
    return None if v is None else float(v)


def _tiers(value: Any) -> list:
    return value["tiers_gb"] if isinstance(value, dict) else value


def _confirmed(value: Any) -> bool | None:
    """Whether a bundled figure was confirmed on AWS's page (None for a figure of your own)."""
    return bool(value.get("confirmed")) if isinstance(value, dict) and "confirmed" in value else None


def _rule(p: dict, name: str, storage_class: str, default: float = 0) -> float:
    return float(p.get("s3_storage_rules", {}).get(name, {}).get(storage_class, default))


def price_table(prices: dict | None = None) -> pd.DataFrame:
    """Every price of a table, one row each, with its source page, the date it was read and its status.

    Returns
    -------
    DataFrame
        ``price``, ``usd``, ``unit``, ``source``, ``url``, ``read_on``, ``confirmed``, ``note``;
        ``usd`` is missing where no figure could be read.

    Examples
    --------
    >>> from flownb.monitoring._cost import price_table
    >>> t = price_table()
    >>> t.loc[t["price"] == "S3 storage, DEEP_ARCHIVE", ["usd", "confirmed"]].values.tolist()
    [[0.00099, False]]
    >>> bool(t["url"].str.startswith("https://").all())
    True
    """
    p = prices if prices is not None else load_prices()
    rows: list[dict[str, Any]] = []

    def add(label: str, entry: Any, usd: Any = None, unit: str | None = None) -> None:
        meta = entry if isinstance(entry, dict) else {}
        src = meta.get("source", {})
        rows.append(
            {
                "price": label,
                "usd": _usd(entry) if usd is None else usd,
                "unit": unit or meta.get("unit", ""),
                "source": src.get("title", ""),
                "url": src.get("url", ""),
                "read_on": meta.get("read_on"),
                "confirmed": _confirmed(entry),
                "note": meta.get("note", ""),
            }
        )

    for dest, entry in p["vended_log_delivery"].items():
        done = 0.0
        for size, price in _tiers(entry):
            span = f"above {done:,.0f} GB" if size is None else f"{done:,.0f} to {done + size:,.0f} GB"
            add(f"vended log delivery to {dest}, {span} a month", entry, float(price), "USD per GB")
            done += 0 if size is None else float(size)
    add("Apache Parquet conversion", p["parquet_conversion_per_gb"])
    storage = p["cloudwatch_logs_storage_per_gb_month"]
    for cls, entry in (
        storage.items() if isinstance(storage, dict) and "usd" not in storage else [("", storage)]
    ):
        add(f"CloudWatch Logs storage{', ' + cls if cls else ''}", entry)
    add("Logs Insights scanning", p["logs_insights_per_gb_scanned"])
    add("Athena scanning", p["athena_per_tb_scanned"])
    if "athena_minimum_mb_per_query" in p:
        e = p["athena_minimum_mb_per_query"]
        add("Athena minimum per query", e, float(e["mb"]), e["unit"])
    for cls, entry in p["s3_storage_per_gb_month"].items():
        add(f"S3 storage, {cls}", entry)
    if "s3_intelligent_tiering_monitoring_per_1000_objects" in p:
        add("S3 Intelligent-Tiering monitoring", p["s3_intelligent_tiering_monitoring_per_1000_objects"])
    return pd.DataFrame(
        rows, columns=["price", "usd", "unit", "source", "url", "read_on", "confirmed", "note"]
    )


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
        ``item``, ``quantity``, ``unit``, ``usd_per_unit``, ``monthly_usd`` and
        ``confirmed`` (whether the price could be confirmed on AWS's page; missing
        for prices of a table of your own).
    total : float
        Monthly total in USD.
    settings : dict
        The inputs (destination, traffic type, records per day, ...).
    assumptions : tuple of str
    as_of, region : str
        The price table's date and Region.

    Examples
    --------
    The bundled demo day, published to CloudWatch Logs or to S3:

    >>> import flownb
    >>> df = flownb.samples.load("demo")
    >>> cloudwatch = flownb.estimate_cost(df)
    >>> cloudwatch.items["item"].tolist()
    ['vended log delivery to cloudwatch', 'CloudWatch Logs storage', 'Logs Insights scanning']
    >>> s3 = flownb.estimate_cost(df, destination="s3")
    >>> round(cloudwatch.total, 2), round(s3.total, 2), s3.region
    (0.5, 0.25, 'us-east-1')
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

    @property
    def unconfirmed(self) -> list[str]:
        """The items whose price could not be confirmed on AWS's pricing page."""
        return [
            str(i) for i, c in zip(self.items["item"], self.items["confirmed"], strict=True) if c is False
        ]

    def _title(self) -> str:
        s = self.settings
        return (
            f"Flow log cost estimate: {s.get('traffic_type')} traffic to {s.get('destination')}, "
            f"{s.get('records_per_day', 0):,.0f} records/day, {self.monthly_gb:,.2f} GB/month, "
            f"retention {s.get('retention_days')} days"
        )

    def _caveat(self) -> str:
        n = len(self.unconfirmed)
        return (
            f"{n} of the {len(self.items)} prices used (*) could not be confirmed on AWS's pricing pages."
            if n
            else ""
        )

    def __repr__(self) -> str:
        lines = [self._title(), ""]
        for r in self.items.itertuples():
            mark = "*" if r.confirmed is False else " "
            lines.append(
                f" {mark}{r.item:<40} {r.quantity:>14,.3f} {r.unit:<12} x {r.usd_per_unit:<10g} = {r.monthly_usd:>12,.2f} USD"
            )
        lines += [
            f"  {'total per month':<40} {'':>14} {'':<12}   {'':<10} = {self.total:>12,.2f} USD",
            "",
            f"Approximate: {self.region} list prices as of {self.as_of} (flownb/monitoring/prices.json).",
        ]
        if self._caveat():
            lines.append(self._caveat())
        lines += [f"  - {a}" for a in self.assumptions]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = self.items.to_html(index=False, float_format=lambda x: f"{x:,.4g}")
        notes = "".join(f"<li>{html.escape(a)}</li>" for a in self.assumptions)
        caveat = f"<p>{html.escape(self._caveat())}</p>" if self._caveat() else ""
        return (
            f"<div><b>{html.escape(self._title())}</b>{table}"
            f"<p><b>Total: {self.total:,.2f} USD per month</b> (approximate: {html.escape(self.region)} "
            f"list prices as of {html.escape(self.as_of)})</p>{caveat}<ul>{notes}</ul></div>"
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


def _s3_storage(
    p: dict, storage_class: str, stored_gb_day: float, retention_days: float, objects_per_day: float
) -> tuple[list[tuple[str, float, str, Any]], list[str]]:
    """The S3 storage items (GB-months with the class's minimums) and what they assumed."""
    gb = float(p["gb_bytes"])
    classes = p["s3_storage_per_gb_month"]
    min_days = _rule(p, "minimum_storage_days", storage_class)
    min_kb = _rule(p, "minimum_billable_kb", storage_class)
    billed_days = max(float(retention_days), min_days)
    object_kb = stored_gb_day * gb / _KB / objects_per_day if objects_per_day else 0.0
    billed_kb = max(object_kb, min_kb)
    notes = []
    if min_days > retention_days:
        notes.append(
            f"S3 {storage_class} charges each object for at least {min_days:g} days: {retention_days:g} days kept "
            f"are billed as {min_days:g} (S3 User Guide, minimum storage duration)"
        )
    if billed_kb > object_kb:
        notes.append(
            f"objects of about {object_kb:,.0f} KB are billed as {min_kb:g} KB in S3 {storage_class} "
            "(S3 User Guide, minimum billable object size)"
        )
    gb_months = objects_per_day * billed_kb * _KB / gb * billed_days
    items: list[tuple[str, float, str, Any]] = [
        (f"S3 storage ({storage_class})", gb_months, "GB-month", classes[storage_class])
    ]
    overhead = p.get("s3_storage_rules", {}).get("archive_overhead_kb", {}).get(storage_class)
    if overhead:
        standard_kb, class_kb = overhead
        items.append(
            (
                f"{storage_class} index, {class_kb:g} KB/object",
                objects_per_day * class_kb * _KB / gb * billed_days,
                "GB-month",
                classes[storage_class],
            )
        )
        items.append(
            (
                f"S3 metadata, {standard_kb:g} KB/object (STANDARD)",
                objects_per_day * standard_kb * _KB / gb * retention_days,
                "GB-month",
                classes["STANDARD"],
            )
        )
    fee = p.get("s3_intelligent_tiering_monitoring_per_1000_objects")
    if storage_class == "INTELLIGENT_TIERING" and fee is not None:
        monitored = objects_per_day * retention_days if object_kb >= 128 else 0.0
        items.append(("S3 Intelligent-Tiering monitoring", monitored / 1000.0, "1,000 objects", fee))
        if not monitored:
            notes.append(
                "objects under 128 KB are not monitored by S3 Intelligent-Tiering (no fee, no tiering)"
            )
    return items, notes


def estimate_cost(
    df: pd.DataFrame | None = None,
    *,
    records_per_day: float | None = None,
    destination: Destination = "cloudwatch",
    traffic_type: TrafficType = "ALL",
    retention_days: int = 30,
    queries_gb_scanned: float = 0.0,
    queries_per_month: int = 0,
    bytes_per_record: float | None = None,
    reject_fraction: float | None = None,
    s3_storage_class: str = "STANDARD",
    objects_per_day: float = DEFAULT_OBJECTS_PER_DAY,
    aggregation_interval: int = DEFAULT_AGGREGATION_INTERVAL,
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
    destination : {"cloudwatch", "cloudwatch-ia", "s3", "s3-parquet", "firehose"}, default "cloudwatch"
        Where the flow log delivers. ``"cloudwatch-ia"`` is a log group in the
        Infrequent Access log class (vended-log delivery at its own rate; a
        subset of CloudWatch Logs features). ``"s3-parquet"`` is S3 with the
        Parquet file format (a conversion charge, smaller files). For Firehose
        only the vended-log delivery is counted: Firehose's own charges and its
        destination's are not.
    traffic_type : {"ALL", "ACCEPT", "REJECT"}, default "ALL"
        The flow log's filter: capturing only REJECT records writes fewer.
    retention_days : int, default 30
        Days of records kept (log group retention or S3 lifecycle expiry).
    queries_gb_scanned : float, default 0
        GB scanned per month by Logs Insights (CloudWatch) or Athena (S3).
    queries_per_month : int, default 0
        Athena queries per month, for Athena's minimum billed scan per query
        (0: the minimum is not applied).
    bytes_per_record : float, optional
        Defaults to the measured size with ``df``, 115 bytes otherwise.
    reject_fraction : float, optional
        Share of records that are REJECT, needed for ``traffic_type`` other
        than ALL when no ``df`` is given.
    s3_storage_class : str, default "STANDARD"
        A key of the price table's ``s3_storage_per_gb_month``.
    objects_per_day : float, default 288
        S3 objects the flow log writes per day (flownb's assumption: one per
        5-minute delivery), for the minimum billable object size.
    aggregation_interval : int, default 600
        The flow log's maximum aggregation interval in seconds (60 or 600),
        for Parquet's 100 KB rule.
    compression : float, default 0.15
        Stored size over raw size (flownb's assumption for Gzip on flow logs).
    prices : dict, optional
        A price table shaped like :func:`load_prices` (default: the bundled one);
        a plain number may stand for any ``{"usd": ...}`` entry.

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
    >>> week = estimate_cost(records_per_day=50_000_000, destination="s3", retention_days=7,
    ...                      s3_storage_class="DEEP_ARCHIVE")
    >>> stored_per_day = week.monthly_gb / 30 * 0.15
    >>> round(week.items.set_index("item").loc["S3 storage (DEEP_ARCHIVE)", "quantity"] / stored_per_day)
    180
    """
    if destination not in DESTINATIONS:
        raise ValueError(f"'destination' must be one of {list(DESTINATIONS)}, got {destination!r}")
    if traffic_type not in TRAFFIC_TYPES:
        raise ValueError(f"'traffic_type' must be one of {list(TRAFFIC_TYPES)}, got {traffic_type!r}")
    if not isinstance(retention_days, int | float) or retention_days <= 0:
        raise ValueError(f"'retention_days' must be a positive number of days, got {retention_days!r}")
    if queries_gb_scanned < 0:
        raise ValueError(f"'queries_gb_scanned' must be >= 0, got {queries_gb_scanned!r}")
    if queries_per_month < 0:
        raise ValueError(f"'queries_per_month' must be >= 0, got {queries_per_month!r}")
    if not objects_per_day > 0:
        raise ValueError(f"'objects_per_day' must be > 0, got {objects_per_day!r}")
    if aggregation_interval not in (60, 600):
        raise ValueError(f"'aggregation_interval' must be one of [60, 600], got {aggregation_interval!r}")
    if not 0 < compression <= 1:
        raise ValueError(f"'compression' must be in (0, 1], got {compression!r}")
    p = prices if prices is not None else load_prices()
    classes = p["s3_storage_per_gb_month"]
    if s3_storage_class not in classes:
        raise ValueError(f"'s3_storage_class' must be one of {list(classes)}, got {s3_storage_class!r}")
    if destination not in p["vended_log_delivery"] and destination not in ("s3-parquet",):
        raise ValueError(
            f"the price table has no vended-log delivery price for {destination!r}; "
            f"it has {list(p['vended_log_delivery'])}"
        )
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
    items: list[tuple[str, float, str, Any]] = []
    tier_key = "s3" if destination == "s3-parquet" else destination
    delivery = p["vended_log_delivery"][tier_key]
    for k, (qty, price) in enumerate(_tiered(monthly_gb, _tiers(delivery))):
        label = f"vended log delivery to {tier_key}" + (f" (tier {k + 1})" if k else "")
        items.append((label, qty, "GB", {**delivery, "usd": price} if isinstance(delivery, dict) else price))
    if destination == "s3-parquet":
        items.append(("Apache Parquet conversion", monthly_gb, "GB", p["parquet_conversion_per_gb"]))
    stored = daily_gb * compression  # GB a day, compressed
    if destination in ("cloudwatch", "cloudwatch-ia"):
        storage = p["cloudwatch_logs_storage_per_gb_month"]
        standard = (
            storage.get("STANDARD", storage)
            if isinstance(storage, dict) and "usd" not in storage
            else storage
        )
        rate = standard
        if destination == "cloudwatch-ia":
            ia = (
                storage.get("INFREQUENT_ACCESS")
                if isinstance(storage, dict) and "usd" not in storage
                else None
            )
            if ia is not None and _usd(ia) is not None:
                rate = ia
            else:
                assumptions.append(
                    "no Infrequent Access storage price could be read: storage is priced at the Standard log class rate"
                )
            assumptions.append(
                "the Infrequent Access log class supports a subset of CloudWatch Logs features (CloudWatch Logs "
                "concepts); Logs Insights runs every command but pattern, diff, filterIndex and unmask: check AWS's "
                "Log classes page for metric filters and subscriptions before choosing it"
            )
        items.append(("CloudWatch Logs storage", stored * retention_days, "GB-month", rate))
        items.append(
            ("Logs Insights scanning", float(queries_gb_scanned), "GB", p["logs_insights_per_gb_scanned"])
        )
        assumptions.append(f"stored data compressed to {compression:.0%} of its raw size")
    elif destination in ("s3", "s3-parquet"):
        text = f"Gzip text is {compression:.0%} of the raw size"
        if destination == "s3-parquet":
            rule = p["parquet_size_vs_gzip_text"]
            ratio = float(rule["ratio"]) if isinstance(rule, dict) else float(rule)
            floor_kb = (
                float(rule.get("below_kb_per_aggregation_period", 0)) if isinstance(rule, dict) else 0.0
            )
            per_period_kb = stored * ratio * gb / _KB * aggregation_interval / 86400.0
            if per_period_kb < floor_kb:
                ratio = 1.0
                text += (
                    f"; Parquet no smaller (about {per_period_kb:,.0f} KB per {aggregation_interval} s aggregation "
                    f"period, under AWS's {floor_kb:g} KB: it may even take more space)"
                )
            else:
                text += f"; Parquet {1 - ratio:.0%} smaller than that (VPC User Guide)"
            stored *= ratio
        s3_items, s3_notes = _s3_storage(p, s3_storage_class, stored, retention_days, objects_per_day)
        items += s3_items
        scanned = float(queries_gb_scanned)
        minimum = p.get("athena_minimum_mb_per_query")
        if queries_per_month and minimum is not None:
            floor_gb = (
                queries_per_month * float(minimum["mb"] if isinstance(minimum, dict) else minimum) / 1024.0
            )
            if floor_gb > scanned:
                assumptions.append(
                    f"{queries_per_month:,} Athena queries are billed at least {floor_gb * 1024 / queries_per_month:g} "
                    f"MB each: {floor_gb:,.3f} GB instead of {scanned:,.3f}"
                )
                scanned = floor_gb
        items.append(("Athena scanning", scanned / 1024.0, "TB", p["athena_per_tb_scanned"]))
        assumptions.append(text)
        assumptions.append(
            f"{objects_per_day:g} S3 objects a day (one per 5-minute delivery; AWS may publish more), billed in "
            f"{s3_storage_class} from the day they arrive"
        )
        assumptions += s3_notes
    else:
        assumptions.append("Firehose's own ingestion charges and its destination's storage are not included")
    assumptions.append(
        "volume tiers applied to this flow log alone (whether AWS counts all the account's vended logs together "
        "could not be confirmed)"
    )
    assumptions.append("S3 request and lifecycle-transition charges, free tiers and taxes are not included")
    frame = pd.DataFrame(
        [(label, qty, unit, _usd(price), _confirmed(price)) for label, qty, unit, price in items],
        columns=["item", "quantity", "unit", "usd_per_unit", "confirmed"],
    )
    frame["monthly_usd"] = frame["quantity"] * frame["usd_per_unit"]
    frame = frame[["item", "quantity", "unit", "usd_per_unit", "monthly_usd", "confirmed"]]
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
    >>> from flownb.monitoring._cost import cost_scenarios
    >>> t = cost_scenarios(records_per_day=50_000_000, reject_fraction=0.1, retention_days=(30,))
    >>> t.iloc[-1][["destination", "traffic_type"]].tolist()
    ['cloudwatch', 'ALL']
    """
    rows = []
    for dest in ("cloudwatch", "cloudwatch-ia", "s3", "s3-parquet"):
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
