"""Checks of detector thresholds: durations, positive numbers, ratios, port lists."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def _seconds_of(value: object, name: str) -> int:
    """A duration given as '5min', a Timedelta or a number of seconds, in whole seconds."""
    try:
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            secs = float(value)
        else:
            secs = pd.Timedelta(value).total_seconds()
    except (ValueError, TypeError):
        raise ValueError(
            f"'{name}' must be a duration such as '5min' or a number of seconds, got {value!r}"
        ) from None
    if not secs > 0:
        raise ValueError(f"'{name}' must be a positive duration, got {value!r}")
    return round(secs)


def _positive(value: float, name: str) -> None:
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"'{name}' must be a positive number, got {value!r}")


def _ratio(value: float, name: str) -> None:
    if not isinstance(value, (int, float, np.integer, np.floating)) or not 0 <= value <= 1:
        raise ValueError(f"'{name}' must be a number between 0 and 1, got {value!r}")


def _ports(values: Iterable[int] | int, name: str) -> np.ndarray:
    if isinstance(values, (int, np.integer)):
        values = [values]
    try:
        arr = np.array([int(v) for v in values], dtype=np.int64)
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must be a list of port numbers, got {values!r}") from None
    if ((arr < 0) | (arr > 65535)).any():
        raise ValueError(f"'{name}' must hold port numbers 0-65535, got {values!r}")
    return arr
