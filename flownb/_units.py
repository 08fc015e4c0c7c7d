"""Human units for bytes, counts and time spans: one wording in charts, widgets and reports.

Bytes use decimal units (kB, MB, GB: 1 kB = 1000 B), as CloudWatch and AWS
billing count them.

Examples
--------
>>> from flownb._units import human_bytes, human_count, bin_text, span_text
>>> human_bytes(999), human_bytes(1_234_567), human_count(45_600)
('999 B', '1.2 MB', '45.6 k')
>>> bin_text(300), bin_text(86400 * 2), span_text(5400)
('5 min', '2 days', '1.5 h')
"""

from __future__ import annotations

from typing import Literal

__all__ = ["bin_text", "human_bytes", "human_count", "span_text", "vega_expr"]


def human_bytes(n: float) -> str:
    """'1.2 MB' style: decimal units (B, kB, MB, GB, TB, PB), one decimal above a kilobyte."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"


def human_count(n: float) -> str:
    """'950', '45.6 k', '1.2 M', '3.0 G' for counts of records or packets."""
    if abs(n) < 1000:
        return f"{n:,.0f}"
    for unit in ("k", "M", "G"):
        n /= 1000
        if abs(n) < 1000 or unit == "G":
            return f"{n:.1f} {unit}"
    return f"{n:.1f} G"  # pragma: no cover


def bin_text(seconds: int) -> str:
    """An exact bin width: '30 s', '5 min', '1 h', '1 day', '7 days'."""
    seconds = int(seconds)
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if unit == 'day' and n > 1 else ''}"
    return f"{seconds} s"


def span_text(seconds: float) -> str:
    """A length of time, rounded: '42 s', '5 min', '1.5 h', '2.0 days'."""
    secs = int(seconds)
    if secs >= 86400:
        return f"{secs / 86400:.1f} days"
    if secs >= 3600:
        return f"{secs / 3600:.1f} h"
    if secs >= 60:
        return f"{secs // 60} min"
    return f"{secs} s"


def vega_expr(value: str, kind: Literal["bytes", "count"], *, trim: bool = False) -> str:
    """A Vega expression writing ``value`` as :func:`human_bytes` or :func:`human_count` do.

    For chart axes (``labelExpr`` with ``datum.value``) and tooltips (a calculated field), so the
    browser shows the same units as the text reports. ``trim`` drops a trailing ``.0`` ('200 MB'),
    for axis ticks.

    Examples
    --------
    >>> vega_expr("datum.value", "count")
    "abs(datum.value) >= 1e9 ? format(datum.value / 1e9, '.1f') + ' G' : abs(datum.value) >= 1e6 ? format(datum.value / 1e6, '.1f') + ' M' : abs(datum.value) >= 1e3 ? format(datum.value / 1e3, '.1f') + ' k' : format(datum.value, ',.0f')"
    """
    digits = ".1~f" if trim else ".1f"
    if kind == "bytes":
        ladder = [("PB", 15), ("TB", 12), ("GB", 9), ("MB", 6), ("kB", 3)]
        last = f"format({value}, '.0f') + ' B'"
    else:
        ladder = [("G", 9), ("M", 6), ("k", 3)]
        last = f"format({value}, ',.0f')"
    steps = [f"abs({value}) >= 1e{e} ? format({value} / 1e{e}, '{digits}') + ' {u}' : " for u, e in ladder]
    return "".join(steps) + last
