"""Durations, frequencies and timestamps as people write them: the one parser every layer uses.

A bin width, an alarm period or a detector window may be written as a number of
seconds (``300``), a pandas time span (``"5min"``, ``"5m"``, ``"1h"``, ``"30s"``),
an ISO 8601 duration (``"PT5M"``, which pandas reads) or a ``Timedelta``. Every
function that takes one calls :func:`duration_seconds`, so they accept the same
forms and refuse the others with the same sentence (narwhals keeps one
``_duration`` module for the same reason).

Examples
--------
>>> from flownb._durations import duration_seconds, utc_timestamp
>>> duration_seconds(300), duration_seconds("5min"), duration_seconds("5m"), duration_seconds("PT5M")
(300, 300, 300, 300)
>>> utc_timestamp("2025-06-02 14:00", "start")
Timestamp('2025-06-02 14:00:00+0000', tz='UTC')
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["duration_seconds", "utc_timestamp"]

_FORMS = "a number of seconds (300), '5min', '5m', '1h', '30s' or 'PT5M'"

#: Units people write after a number, in seconds, read by flownb itself so that "1d", "1H" and "2w"
#: keep working whatever pandas deprecates in its own aliases (pandas 3 warns on "d", "H" and "w").
#: Months and years are not durations of a fixed length, so they are left to be refused.
_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "wk", "week", "weeks"), 604800),
}
_SIMPLE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)", re.IGNORECASE)


def duration_seconds(value: Any, *, name: str = "freq", minimum: int = 1) -> int:
    """A duration in whole seconds, at least ``minimum``.

    Parameters
    ----------
    value : int, float, str, Timedelta or datetime.timedelta
        ``300``, ``"5min"``, ``"5m"`` (minutes, as AWS consoles write it), ``"1h"``,
        ``"PT5M"`` (ISO 8601), ``pd.Timedelta("5min")``.
    name : str
        The argument's name, for the error message.
    minimum : int, default 1
        The smallest accepted value, in seconds (0 allows an empty duration).

    Raises
    ------
    ValueError
        Naming the argument, the accepted forms and the value given.

    Examples
    --------
    >>> duration_seconds("1h", name="period")
    3600
    >>> duration_seconds("soon", name="period")
    Traceback (most recent call last):
    ...
    ValueError: 'period' must be a duration: a number of seconds (300), '5min', '5m', '1h', '30s' or 'PT5M'; got 'soon'
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"'{name}' must be a duration: {_FORMS}; got {value!r}")
    if isinstance(value, int | float | np.integer | np.floating):
        secs = float(value)
    else:
        if isinstance(value, str):
            value = value.strip()
        simple = _SIMPLE.fullmatch(value) if isinstance(value, str) else None
        if simple and simple.group(2) == "M":
            raise ValueError(
                f"'{name}' is ambiguous: {value!r} could mean months or minutes; write 'min' for minutes"
            )
        if simple and simple.group(2).lower() in _UNITS:
            secs = float(simple.group(1)) * _UNITS[simple.group(2).lower()]
        else:
            try:
                with warnings.catch_warnings():
                    # pandas' deprecated aliases still parse; the user's text is not theirs to change
                    warnings.simplefilter("ignore")
                    td = pd.Timedelta(value)
            except (ValueError, TypeError, OverflowError):
                raise ValueError(f"'{name}' must be a duration: {_FORMS}; got {value!r}") from None
            if td is pd.NaT:
                raise ValueError(f"'{name}' must be a duration: {_FORMS}; got {value!r}")
            secs = td.total_seconds()
    if secs != secs or secs in (float("inf"), float("-inf")) or not float(secs).is_integer():
        raise ValueError(f"'{name}' must be a whole number of seconds, got {value!r}")
    if secs < minimum:
        raise ValueError(
            f"'{name}' must be at least {minimum} second{'s' if minimum != 1 else ''}, got {value!r}"
        )
    return int(secs)


def utc_timestamp(value: Any, name: str) -> pd.Timestamp | None:
    """A time as a UTC ``Timestamp`` (a time without a zone is taken as UTC); ``None`` for empty.

    Accepts ISO texts (``"2025-06-02T14:00:00Z"``), ``"2025-06-02 14:00"``,
    ``datetime``, ``Timestamp`` and epoch seconds (an ``int``), as flow log
    records carry them.

    Examples
    --------
    >>> utc_timestamp(1748872800, "end")
    Timestamp('2025-06-02 14:00:00+0000', tz='UTC')
    >>> utc_timestamp("", "end") is None
    True
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, int | np.integer) and not isinstance(value, bool):
            t = pd.Timestamp(int(value), unit="s")
        elif isinstance(value, _dt.date | str | np.datetime64 | pd.Timestamp):
            t = pd.Timestamp(value)
        else:
            raise TypeError
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"'{name}' must be a time such as '2025-06-02 14:00' or '2025-06-02T14:00:00Z' (UTC), got {value!r}"
        ) from None
    if t is pd.NaT:
        return None
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
