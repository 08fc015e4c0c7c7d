"""Checks of detector thresholds: positive numbers, ratios, port lists (durations: ``flownb._durations``)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


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
