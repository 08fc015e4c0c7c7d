"""Traffic by path: source network -> destination network -> destination service (what a Sankey draws)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd

from .. import _scope
from .._cache import ColumnCache
from .._protocols import protocol_name
from ._frame import cached_counter, cached_data_rows, require, value_ranks

__all__ = ["network_labels", "network_paths"]

_STAGES = ("src_network", "dst_network", "service")
_COUNTERS = ("flows", "packets", "bytes")


def network_labels(values: pd.Index | np.ndarray | list, v4: int = 24, v6: int = 64) -> np.ndarray:
    """Per distinct address: its /24 (/64) network when not public, 'internet' when public, 'other' when not an address.

    Public means the scope :mod:`flownb._scope` calls public, so 100.64.0.0/10
    (shared) is labelled by its network, as ``enrich`` and the detectors see it.

    Examples
    --------
    >>> network_labels(["10.0.1.7", "52.94.236.248", "fd00::1", "100.64.1.5", "nonsense"]).tolist()
    ['10.0.1.0/24', 'internet', 'fd00::/64', '100.64.1.0/24', 'other']
    """
    text = np.asarray(pd.Series(np.asarray(values, dtype=object)).astype(str), dtype=object)
    codes = _scope.scope_codes(cast(Sequence[object], text))
    out = np.full(len(text), "other", dtype=object)
    out[codes == _scope.SCOPES.index("public")] = "internet"
    local = np.flatnonzero((codes >= 0) & (codes != _scope.SCOPES.index("public")))
    if not len(local):
        return out
    ints = _scope.ipv4_ints(cast(Sequence[object], text[local]))
    v4_rows = ints >= 0
    if v4 == 24 and v4_rows.any():  # the common case, without ipaddress
        dotted = pd.Series(text[local[v4_rows]])
        out[local[v4_rows]] = (dotted.str.rsplit(".", n=1).str[0] + ".0/24").to_numpy(dtype=object)
        rest = local[~v4_rows]
    else:
        rest = local
    for i in rest:
        a = ipaddress.ip_address(text[i])
        prefix = v4 if a.version == 4 else v6
        out[i] = str(ipaddress.ip_network(f"{a}/{prefix}", strict=False))
    return out


def _network_codes(rec: ColumnCache, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a code into network labels, the labels computed once per distinct address."""
    c, values = rec.codes(col)

    def table(_frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        lc, names = pd.factorize(np.append(network_labels(values), "(none)"))
        return np.asarray(lc, dtype=np.int64), np.asarray(names, dtype=object)

    lc, names = rec.table(("network", col), table)
    return lc[np.where(c < 0, len(lc) - 1, c)], names


def _small_int(col: pd.Series) -> np.ndarray:
    """A small nullable integer column (port, protocol) as int32, missing -> -1."""
    return np.asarray(col.to_numpy(dtype="int32", na_value=-1), dtype=np.int32)


def _service_codes(rec: ColumnCache) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a code into 'port/protocol' labels ('443/tcp'; the protocol alone when it has no ports)."""

    def make(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        port = _small_int(frame["dstport"])
        proto = (
            _small_int(frame["protocol"]) if "protocol" in frame else np.full(len(port), 6, dtype=np.int32)
        )
        # protocol -> small code (a 258-entry table), then one dense key per (protocol, port):
        # bincount + a lookup table instead of hashing a million keys
        pcode = np.full(258, -1, dtype=np.int32)
        present = np.nonzero(np.bincount(proto + 1, minlength=258))[0]
        pcode[present] = np.arange(len(present), dtype=np.int32)
        with_port = ((proto == 6) | (proto == 17)) & (port >= 0)
        key = pcode[proto + 1] * 65537 + np.where(with_port, port + 1, 0)
        used = np.nonzero(np.bincount(key, minlength=len(present) * 65537))[0]
        lut = np.full(len(present) * 65537, -1, dtype=np.int32)
        lut[used] = np.arange(len(used), dtype=np.int32)
        names = np.empty(len(used), dtype=object)
        protos, ports = present[used // 65537] - 1, used % 65537 - 1
        for pr in np.unique(protos).tolist():  # a few protocols, each with its ports at once
            here = np.flatnonzero(protos == pr)
            label = (protocol_name(pr) or str(pr)) if pr >= 0 else "(none)"
            bare = (protocol_name(pr) or f"protocol {pr}") if pr >= 0 else "(none)"
            names[here] = [f"{po}/{label}" if po >= 0 else bare for po in ports[here].tolist()]
        return lut[key], names

    full = rec.table("services", make)
    return rec.array("service_codes", lambda _frame: full[0]), full[1]


def _cap(codes: np.ndarray, names: np.ndarray, weight: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` largest values by ``weight`` (ties by label, ascending); the others become 'other'."""
    tot = np.bincount(codes, weights=weight, minlength=len(names))
    ranks = value_ranks(pd.Series(names, dtype=object))
    order = np.lexsort((ranks, -tot))
    keep = [i for i in order[:n] if tot[i] > 0]
    remap = np.full(len(names), len(keep), dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    return remap[codes], np.append(names[keep], "other").astype(object)


def network_paths(
    df: pd.DataFrame | ColumnCache,
    metric: Literal["flows", "packets", "bytes"] = "bytes",
    n: int | None = None,
) -> pd.DataFrame:
    """Traffic by path: source network -> destination network -> destination service.

    Addresses that are not public (private, shared 100.64.0.0/10, link-local...) group
    by their /24 network (IPv6 /64), public ones as ``internet`` (scopes as
    :mod:`flownb._scope` decides them). The service is the destination port and
    protocol (``443/tcp``), or the protocol alone when it has no ports (``icmp``).
    NODATA and SKIPDATA records carry no traffic and are left out.

    Parameters
    ----------
    df : DataFrame
        Flow log records with ``srcaddr``, ``dstaddr`` and ``dstport`` (``protocol`` and
        ``action`` when the format has them).
    metric : {"flows", "packets", "bytes"}, default "bytes"
        What orders the paths (and, with ``n``, picks the values kept).
    n : int, optional
        Keep the ``n`` largest values of each of the three columns by ``metric``; the
        others are grouped as ``other`` (what :func:`flownb.charts.flow_paths` draws).

    Returns
    -------
    DataFrame
        ``src_network``, ``dst_network``, ``service``, then ``flows``, ``packets``,
        ``bytes`` and ``rejected_flows``, ``rejected_packets``, ``rejected_bytes``
        (those of REJECT records), one row per path with traffic, largest ``metric``
        first; equal ones in ascending order of the three labels.

    Examples
    --------
    >>> import flownb
    >>> paths = flownb.analysis.network_paths(flownb.samples.load("aws-docs/default-accept-reject"))
    >>> paths[["src_network", "dst_network", "service", "bytes", "rejected_bytes"]]
          src_network     dst_network   service  bytes  rejected_bytes
    0  172.31.16.0/24  172.31.16.0/24    22/tcp   4249               0
    1   172.31.9.0/24   172.31.9.0/24  3389/tcp   4249            4249
    """
    if metric not in _COUNTERS:
        raise ValueError(f"metric must be one of {list(_COUNTERS)}, got {metric!r}")
    if n is not None and (not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1):
        raise ValueError(f"n must be a positive integer or None, got {n!r}")
    rec = ColumnCache.of(df, "network_paths()")
    require(rec.df, ["srcaddr", "dstaddr", "dstport"], "network_paths()")
    rows = cached_data_rows(rec).astype(np.float64)
    counters = {"flows": rows, **{c: cached_counter(rec, c) * rows for c in ("packets", "bytes")}}
    rejected = rec.equals("action", "REJECT") if "action" in rec.columns else np.zeros(len(rec), dtype=bool)
    stages = [_network_codes(rec, "srcaddr"), _network_codes(rec, "dstaddr"), _service_codes(rec)]
    if n is not None:
        stages = [_cap(c, names, counters[metric], n) for c, names in stages]
    (c0, l0), (c1, l1), (c2, l2) = stages
    k1, k2 = len(l1), len(l2)
    key = (c0 * k1 + c1) * k2 + c2
    size = len(l0) * k1 * k2
    if size <= 1 << 22:  # few combinations: counts in a dense table
        inv, m = key, size
    else:
        found, uniques = pd.factorize(key)
        inv, m = np.asarray(found, dtype=np.int64), len(uniques)
        key = np.asarray(uniques, dtype=np.int64)
    sums = {c: np.bincount(inv, weights=w, minlength=m) for c, w in counters.items()}
    rej = {f"rejected_{c}": np.bincount(inv, weights=w * rejected, minlength=m) for c, w in counters.items()}
    hit = np.flatnonzero(sums["flows"] > 0)
    combo = hit if size <= 1 << 22 else key[hit]
    i0, rest = np.divmod(combo, k1 * k2)
    i1, i2 = np.divmod(rest, k2)
    labels = [l0[i0], l1[i1], l2[i2]]
    ranks = [value_ranks(pd.Series(lab, dtype=object)) for lab in labels]
    order = np.lexsort((ranks[2], ranks[1], ranks[0], -sums[metric][hit]))
    out = pd.DataFrame({name: lab[order] for name, lab in zip(_STAGES, labels, strict=True)})
    for name, values in (*sums.items(), *rej.items()):  # records as int64, packets and bytes as UInt64
        whole = np.rint(values[hit][order])
        out[name] = (
            whole.astype(np.int64)
            if name.endswith("flows")
            else pd.array(whole.astype(np.uint64), dtype="UInt64")
        )
    return out
