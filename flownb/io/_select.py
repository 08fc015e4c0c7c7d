"""What a read keeps: a time range, accounts and regions, applied to keys and to records.

Two levels, so a read touches as little as possible:

* **keys** (S3 prefixes and objects, local paths laid out as S3 delivers them):
  a delivery folder or file is skipped when its account, region or time says
  none of its records can match. AWS names folders and files by *delivery*
  time, which is never before a record's start and usually within minutes
  after it; :data:`DELIVERY_SLACK` bounds how late a record may arrive and
  :data:`EARLY_SLACK` how early a file may be named;
* **records**: a record is kept when its ``start`` is in ``[start, end)``
  (half-open, so consecutive ranges never count a record twice), its
  ``account_id`` is one of ``accounts`` and its ``region`` one of ``regions``
  (each check only when the column is present).

Examples
--------
>>> sel = Selection.make(start="2024-05-01", end="2024-05-02", accounts="123456789012")
>>> sel.keeps_key("AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/x.log.gz")
True
>>> sel.keeps_key("AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/04/28/x.log.gz")
False
>>> sel.keeps_key("AWSLogs/210987654321/vpcflowlogs/us-east-1/2024/05/01/x.log.gz")
False
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import _arrow
from ._layout import key_info
from ._text import Part

__all__ = ["DELIVERY_SLACK", "EARLY_SLACK", "Selection", "TimeLike", "to_utc"]

TimeLike: TypeAlias = str | datetime | date | pd.Timestamp | np.datetime64 | int | float

#: How long after its start a record may still be delivered. AWS aggregates for up to 10 minutes and
#: publishes to S3 about every 5 minutes (VPC User Guide, "Flow log records" and "Publish flow logs to
#: Amazon S3"); flownb allows an hour so that late deliveries are not missed (flownb's own choice).
DELIVERY_SLACK = pd.Timedelta(hours=1)

#: How long before its records start a file may be named. AWS names a file by its delivery time,
#: after the records in it started (VPC User Guide, "Flow log files"), but to the minute only; tools
#: that write the same layout (flownb's VPC twin among them) name files by the start of the
#: 5-minute period they hold. Ten minutes covers both (flownb's own choice).
EARLY_SLACK = pd.Timedelta(minutes=10)
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


def to_utc(value: TimeLike | None, what: str) -> pd.Timestamp | None:
    """A time as a UTC ``pd.Timestamp``; naive times are taken as UTC; numbers are Unix seconds."""
    if value is None:
        return None
    problem = (
        f"'{what}' must be a time: a datetime, a pandas Timestamp, an ISO-8601 string such as "
        f"'2024-05-01T12:00Z', or Unix seconds; got {value!r}"
    )
    if isinstance(value, bool):
        raise TypeError(problem)
    try:
        if isinstance(value, (int, float, np.integer, np.floating)):
            ts = pd.Timestamp(float(value), unit="s", tz="UTC")
        else:
            ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(problem) from exc
    if ts is pd.NaT:
        raise ValueError(problem)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _names(values: str | Iterable[str] | None, what: str, rx: re.Pattern, example: str) -> frozenset | None:
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    for v in items:
        if not isinstance(v, str) or not rx.match(v):
            raise ValueError(f"'{what}' must hold {example}, got {v!r} ({type(v).__name__})")
    if not items:
        raise ValueError(f"'{what}' is empty: pass None to read every one of them")
    return frozenset(items)


@dataclass(frozen=True)
class Selection:
    """A time range and account/region filters, checked against keys and records."""

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    accounts: frozenset[str] | None = None
    regions: frozenset[str] | None = None

    @classmethod
    def make(
        cls,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        accounts: str | Iterable[str] | None = None,
        regions: str | Iterable[str] | None = None,
    ) -> Selection:
        """Validate the user's filters."""
        lo, hi = to_utc(start, "start"), to_utc(end, "end")
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(f"'start' must be before 'end', got start={lo} and end={hi}")
        return cls(
            lo,
            hi,
            _names(accounts, "accounts", _ACCOUNT, "12-digit AWS account IDs as strings ('123456789012')"),
            _names(regions, "regions", _REGION, "AWS region names ('us-east-1')"),
        )

    @property
    def active(self) -> bool:
        """True when anything is filtered."""
        return self.timed or self.accounts is not None or self.regions is not None

    @property
    def timed(self) -> bool:
        """True when a time range is given."""
        return self.start is not None or self.end is not None

    # ------------------------------------------------------------------ keys (delivery times)

    def _window(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        lo = None if self.start is None else self.start - EARLY_SLACK
        hi = None if self.end is None else self.end + DELIVERY_SLACK
        return lo, hi

    def overlaps(self, a: pd.Timestamp, b: pd.Timestamp) -> bool:
        """Could files delivered in ``[a, b)`` hold records in the range?"""
        lo, hi = self._window()
        return (lo is None or b > lo) and (hi is None or a < hi)

    def covers(self, a: pd.Timestamp, b: pd.Timestamp) -> bool:
        """Could every file delivered in ``[a, b)`` hold records in the range (nothing to prune inside)?"""
        lo, hi = self._window()
        return (lo is None or a >= lo) and (hi is None or b <= hi)

    def keeps_account(self, account: str | None) -> bool:
        return account is None or self.accounts is None or account in self.accounts

    def keeps_region(self, region: str | None) -> bool:
        return region is None or self.regions is None or region in self.regions

    def keeps_key(self, key: str) -> bool:
        """False when the key's account, region or delivery time rules all its records out."""
        info = key_info(key)
        if not (self.keeps_account(info.account_id) and self.keeps_region(info.region)):
            return False
        if not self.timed:
            return True
        if info.file_time is not None:
            t = pd.Timestamp(info.file_time)
            return self.overlaps(t, t + pd.Timedelta(minutes=1))  # names are to the minute
        if info.day is not None:
            day = pd.Timestamp(info.day)
            if info.hour is not None:
                a = day + pd.Timedelta(hours=info.hour)
                return self.overlaps(a, a + pd.Timedelta(hours=1))
            return self.overlaps(day, day + pd.Timedelta(days=1))
        return True

    # ------------------------------------------------------------------ records

    def filter_table(self, table: pa.Table) -> pa.Table:
        """Keep the records in the range and of the accounts and regions (where the columns say)."""
        mask = None

        def both(m: Any) -> Any:
            return m if mask is None else pc.and_(mask, m)

        cols = table.column_names
        if self.timed and "start" in cols:
            col = table["start"]
            if self.start is not None:
                mask = both(pc.greater_equal(col, _scalar(self.start)))
            if self.end is not None:
                mask = both(pc.less(col, _scalar(self.end)))
        if self.accounts is not None and "account_id" in cols:
            mask = both(pc.is_in(table["account_id"].cast(pa.string()), pa.array(sorted(self.accounts))))
        if self.regions is not None and "region" in cols:
            mask = both(pc.is_in(table["region"].cast(pa.string()), pa.array(sorted(self.regions))))
        if mask is None:
            return table
        return table.filter(pc.fill_null(mask, False))

    def filter_part(self, part: Part) -> Part:
        """The part with only the selected records (bad lines and notes are kept as they are)."""
        if not self.active:
            return part
        part.table = self.filter_table(part.table)
        return part


def _scalar(ts: pd.Timestamp) -> pa.Scalar:
    # Records hold whole seconds: comparing with the next whole second is exact for both bounds.
    return pa.scalar(int(ts.ceil("s").timestamp()), pa.int64()).cast(_arrow.TIMESTAMP)
