"""Periods and timestamps: ``bin()``, ``datefloor()``, ``dateceil()``.

Periods of milliseconds to weeks are fixed lengths counted from the Unix epoch,
except weeks, which start on Monday (ISO 8601); months, quarters and years are
calendar periods in UTC. These are flownb's readings of the CloudWatch Logs
User Guide, which lists the units but not the alignment.
"""

from __future__ import annotations

import contextvars

import numpy as np
import pandas as pd

__all__ = ["QUERY_TIME", "ceil", "floor", "period_ms", "query_time"]

#: When the running query started (``now()``); the engine sets it for the length of one query.
QUERY_TIME: contextvars.ContextVar[pd.Timestamp | None] = contextvars.ContextVar("query_time", default=None)


def query_time() -> pd.Timestamp:
    """The time the running query started (the wall clock outside a query)."""
    t = QUERY_TIME.get()
    return t if t is not None else pd.Timestamp.now(tz="UTC")


_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
_MONDAY_OFFSET_MS = 3 * 86_400_000  # 1970-01-01 was a Thursday; Monday 1969-12-29 is 3 days before


def period_ms(amount: float, unit: str) -> int | None:
    """Length of a fixed period in milliseconds (None for mo, q, y)."""
    return round(amount * _MS[unit]) if unit in _MS else None


def _epoch(ts: pd.Series, unit: str) -> tuple[np.ndarray, np.ndarray]:
    naive = ts.dt.tz_localize(None) if getattr(ts.dt, "tz", None) is not None else ts
    values = naive.dt.as_unit(unit).to_numpy().view("int64")
    return values, ts.isna().to_numpy()


def _result(values: np.ndarray, mask: np.ndarray, unit: str, index) -> pd.Series:
    arr = np.where(mask, np.datetime64("NaT"), values.astype(f"datetime64[{unit}]"))
    return pd.Series(pd.DatetimeIndex(arr.astype(f"datetime64[{unit}]"), tz="UTC"), index=index)


def floor(ts: pd.Series, amount: float, unit: str) -> pd.Series:
    """Timestamps rounded down to the period."""
    step = period_ms(amount, unit)
    res = "ms" if step is not None and step % 1000 else "s"
    if ts.dt.unit in ("ms", "us", "ns") and res == "s":
        res = "ms"
    values, mask = _epoch(ts, res)
    if step is not None:
        step_u = step if res == "ms" else step // 1000
        offset = 0
        if unit == "w":
            offset = _MONDAY_OFFSET_MS if res == "ms" else _MONDAY_OFFSET_MS // 1000
        floored = (values + offset) // step_u * step_u - offset
        return _result(floored, mask, res, ts.index)
    months = values.astype(f"datetime64[{res}]").astype("datetime64[M]").astype(np.int64)
    per = {"mo": 1, "q": 3, "y": 12}[unit] * int(amount)
    months = months // per * per
    starts = months.astype("datetime64[M]").astype(f"datetime64[{res}]").astype(np.int64)
    return _result(starts, mask, res, ts.index)


def ceil(ts: pd.Series, amount: float, unit: str) -> pd.Series:
    """Timestamps rounded up to the period (unchanged when already on a boundary)."""
    down = floor(ts, amount, unit)
    on_boundary = (down == ts).fillna(True).to_numpy()
    step = period_ms(amount, unit)
    if step is not None:
        up = down + pd.Timedelta(milliseconds=step)
    else:
        months = {"mo": 1, "q": 3, "y": 12}[unit] * int(amount)
        up = down + pd.DateOffset(months=months)
    return down.where(on_boundary, up)
