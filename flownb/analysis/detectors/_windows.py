"""Time windows and episodes: which records lie in a window that fires, and how firing rows group into one finding."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from flownb.analysis._flows import factorize, key, nunique


def _fire_windows(
    gkey: np.ndarray,
    t: np.ndarray,
    window: int,
    stat: Callable[[np.ndarray, int, np.ndarray], np.ndarray],
    necessary: Callable[[np.ndarray, int, np.ndarray], np.ndarray] | None = None,
    groups: tuple[np.ndarray, int] | None = None,
) -> np.ndarray:
    """Rows lying in a firing window of their group.

    Windows are ``window`` seconds long, anchored at the Unix epoch (so a
    finding does not depend on where the records start), in two phases offset by half a window,
    so activity shorter than half a window never straddles two windows unseen.
    ``stat(group_codes, n_groups, rows)`` says which (group, window) pairs fire,
    ``rows`` being the positions of the rows grouped. ``necessary`` (same
    signature, over whole groups without windows) may rule out groups that
    could never fire in any window, which skips most of the work; ``groups``
    (the dense codes of ``gkey`` and their number) saves factorizing ``gkey``
    again when a detector tries several windows.
    """
    fired = np.zeros(len(t), dtype=bool)
    if len(t) == 0:
        return fired
    rows = np.arange(len(t))
    codes = gkey
    if necessary is not None:
        g, ng = factorize(gkey) if groups is None else groups
        rows = rows[necessary(g, ng, rows)[g]]
        if len(rows) == 0:
            return fired
        codes = g  # dense codes: narrower keys with the windows
    tr, gr = t[rows], codes[rows]
    for phase in (0, window // 2):
        b = (tr + phase) // window  # anchored at the Unix epoch, not at the first record
        g, ng = factorize(key(gr, b - b.min()))
        fired[rows] |= stat(g, ng, rows)[g]
    return fired


def _fire_distinct(
    gk: np.ndarray,
    t: np.ndarray,
    w: int,
    counted: np.ndarray,
    failed: np.ndarray,
    min_count: int,
    min_failed_ratio: float,
    groups: tuple[np.ndarray, int] | None = None,
    distinct: np.ndarray | None = None,
) -> np.ndarray:
    """Rows in a window where one key reached ``min_count`` distinct ``counted`` values, enough of them failed.

    The shared rule of the scan detectors: distinct ports per (source, host) for a
    vertical scan, distinct hosts per (source, port) for a horizontal sweep.
    ``distinct`` (the distinct ``counted`` values of each of ``groups`` over all
    the rows) saves counting them again when a detector tries several windows.
    """

    def stat(g: np.ndarray, ng: int, rows: np.ndarray) -> np.ndarray:
        value, bad = counted[rows], failed[rows]
        total = nunique(g, value, ng)
        failed_total = nunique(g[bad], value[bad], ng)
        return (total >= min_count) & (failed_total >= min_failed_ratio * total)

    def necessary(g: np.ndarray, ng: int, rows: np.ndarray) -> np.ndarray:
        if distinct is not None and groups is not None and len(rows) == len(counted):
            return distinct >= min_count
        return nunique(g, counted[rows], ng) >= min_count

    return _fire_windows(gk, t, w, stat, necessary, groups)


def _episodes(gkey: np.ndarray, t: np.ndarray, gap: int) -> np.ndarray:
    """Episode number per row: runs of one group's rows with no silence longer than ``gap``."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((t, gkey))
    gs, ts = gkey[order], t[order]
    new = np.ones(len(t), dtype=bool)
    new[1:] = (gs[1:] != gs[:-1]) | (ts[1:] - ts[:-1] > gap)
    ep = np.empty(len(t), dtype=np.int64)
    ep[order] = np.cumsum(new) - 1
    return ep


def _single(first: pd.Series, distinct: pd.Series) -> np.ndarray:
    """The value when a group holds one distinct value, else -1 (many)."""
    return np.where(distinct.to_numpy() == 1, first.to_numpy(), -1)
