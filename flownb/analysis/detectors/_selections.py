"""Record selections shared by detection and evidence: which prepared records a detector looks at."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from flownb.analysis._flows import Flows


def _cached(select: Callable[[Flows], np.ndarray]) -> Callable[[Flows], np.ndarray]:
    """Compute a selection once per prepared view (detect runs every detector on one), read-only."""
    name = select.__name__

    def cached(f: Flows) -> np.ndarray:
        memo = f.__dict__.setdefault("_selections", {})
        if name not in memo:
            mask = select(f)
            mask.flags.writeable = False  # shared by the detectors: combine it, never change it in place
            memo[name] = mask
        return memo[name]

    cached.__name__ = cached.__qualname__ = name
    cached.__doc__ = select.__doc__
    return cached


@_cached
def _requests(f: Flows) -> np.ndarray:
    return ~f.a["resp"]


@_cached
def _tcp_udp_requests(f: Flows) -> np.ndarray:
    p = f.a["proto"]
    return ~f.a["resp"] & ((p == 6) | (p == 17))


@_cached
def _inbound_public_accepted(f: Flows) -> np.ndarray:
    a = f.a
    return ~a["resp"] & a["accept"] & a["src_public"] & a["dst_local"]


@_cached
def _accepted_tcp_requests(f: Flows) -> np.ndarray:
    return ~f.a["resp"] & f.a["accept"] & (f.a["proto"] == 6)


@_cached
def _egress(f: Flows) -> np.ndarray:
    return f.a["src_local"] & f.a["dst_public"]


@_cached
def _egress_accepted(f: Flows) -> np.ndarray:
    return f.a["src_local"] & f.a["dst_public"] & f.a["accept"]


@_cached
def _egress_requests(f: Flows) -> np.ndarray:
    return ~f.a["resp"] & f.a["src_local"] & f.a["dst_public"]


def _take(a: dict[str, np.ndarray], m: np.ndarray, *columns: str | np.ndarray) -> list[np.ndarray]:
    """The rows of mask ``m`` of each column (a key of ``a`` or a full-length array), in order.

    The mask is turned into row numbers once: gathering several columns by them is two to three
    times faster than masking each (numpy scans a boolean mask again for every array).
    """
    rows = np.flatnonzero(m)
    return [(a[c] if isinstance(c, str) else c)[rows] for c in columns]


def _rows(a: dict[str, np.ndarray], m: np.ndarray, **columns: str | np.ndarray) -> pd.DataFrame:
    """The rows of ``m`` as a frame: each column is a key of ``a`` or a full-length array, renamed."""
    return pd.DataFrame(dict(zip(columns, _take(a, m, *columns.values()), strict=True)))


@_cached
def _accepted(f: Flows) -> np.ndarray:
    return f.a["accept"]


@_cached
def _rejected(f: Flows) -> np.ndarray:
    return f.a["reject"]


def _all(f: Flows) -> np.ndarray:
    return np.ones(f.n, dtype=bool)


@_cached
def _failed(f: Flows) -> np.ndarray:
    """Attempts that did not become a conversation: rejected, unanswered, answered by RST or blocked back."""
    a = f.a
    rst_back = (a["rev_flags"] >= 0) & ((a["rev_flags"] & 4) > 0) & ((a["rev_flags"] & 16) == 0)
    return a["reject"] | ~a["rev"] | rst_back | a["rev_reject"]


#: Accepted TCP connections needed before their pairing is judged, and the share of them with records in
#: both directions below which the records are called one-way. flownb's own choice: every accepted TCP
#: connection is answered (acknowledgements), so a low share means responses are not logged; real
#: samples of a few minutes hold a third or more (their other halves fall outside the sample).
ONE_WAY_MIN_CONNECTIONS = 200
ONE_WAY_MAX_PAIRED = 0.1


@_cached
def _accepted_tcp(f: Flows) -> np.ndarray:
    return f.a["accept"] & (f.a["proto"] == 6)


def _pairing(f: Flows) -> tuple[int, int]:
    """Accepted TCP connections, and how many of them have records in both directions (computed once per view)."""
    cached = getattr(f, "_pairing_counts", None)
    if cached is not None:
        return cached
    m = _accepted_tcp(f)
    counts = (0, 0)
    if m.any():
        conv = f.a["conv"]  # dense codes: a bincount tells which connections occur
        seen = np.bincount(conv[m], minlength=int(conv.max()) + 1)
        both = np.bincount(conv[m & f.a["rev"]], minlength=len(seen))
        counts = (int(np.count_nonzero(seen)), int(np.count_nonzero(both)))
    f._pairing_counts = counts  # type: ignore[attr-defined]
    return counts


def _one_way(f: Flows) -> bool:
    """The records hold (almost) no responses: detectors that need them must stay quiet."""
    n, paired = _pairing(f)
    return n >= ONE_WAY_MIN_CONNECTIONS and paired < ONE_WAY_MAX_PAIRED * n


@_cached
def _unanswered_tcp(f: Flows) -> np.ndarray:
    """Accepted TCP records whose connection has no record in the other direction (a one-way finding's evidence)."""
    return _accepted_tcp(f) & ~f.a["rev"]


def _enough(m: np.ndarray, least: int, *codes: np.ndarray) -> np.ndarray:
    """``m`` narrowed to rows whose every code (an address, a port) has at least ``least`` rows in ``m``.

    A cheap necessary condition for rules like "``least`` distinct ports of one (source, host)": a
    group cannot reach it unless its source and its host each have that many records. One bincount
    per code, no hashing: on traffic of many one-off addresses it leaves few rows for the windows.
    When a code would drop less than a fifth of the rows, it is skipped (narrowing costs more than
    it saves); the result is then a superset, which the detectors' own rules decide.
    """
    out = m
    for c in codes:
        sub = c[out]
        if len(sub) == 0:
            return out
        if sub.min() < 0:
            continue
        counts = np.bincount(sub)
        few = (counts > 0) & (counts < least)
        if counts[few].sum() < 0.2 * len(sub):
            continue
        lut = np.zeros(max(len(counts), int(c.max()) + 1), dtype=bool)
        lut[: len(counts)] = ~few
        out = out & lut[c]
    return out


def _in(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``np.isin`` for ports or protocol numbers (0..65535) by a lookup table; -1 (none) is never in."""
    lut = np.zeros(65537, dtype=bool)
    w = np.asarray(wanted, dtype=np.int64)
    lut[w[(w >= 0) & (w <= 65535)]] = True
    return lut[np.clip(values, -1, 65535)]
