"""Address helpers private to the detectors: one ``ipaddress`` call per distinct value.

Flow logs repeat a few thousand addresses over millions of records, so every
question about an address (is it public? is it in this CIDR list?) is answered
once per distinct string and mapped back to the records with integer codes.

Examples
--------
>>> from flownb.analysis._netclass import classify, parse_networks, in_networks
>>> classify(["10.0.0.5", "8.8.8.8", "203.0.113.7", "x"])[["is_local", "is_public"]].to_dict("list")
{'is_local': [True, False, False, False], 'is_public': [False, True, True, False]}
>>> in_networks(["8.8.8.8", "1.1.1.1"], parse_networks(["8.8.8.0/24"], "allowed")).tolist()
[True, False]
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["address_codes", "classify", "in_networks", "parse_networks"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


#: Ranges that never leave a VPC: RFC 1918, shared address space (RFC 6598, allowed as a VPC CIDR),
#: loopback, link-local, "this network", IPv6 unique-local, link-local and loopback. Every other valid
#: address counts as public, documentation ranges included (AWS's examples use them as internet hosts).
LOCAL_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "0.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
        "::/128",
    )
)


def parse_networks(values: Iterable[str] | str | None, name: str) -> tuple[Network, ...]:
    """Parse IP addresses and CIDR blocks given by a person; the error names the argument.

    Examples
    --------
    >>> parse_networks("192.0.2.7", "indicators")
    (IPv4Network('192.0.2.7/32'),)
    """
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"'{name}' must hold IP addresses or CIDR blocks such as '203.0.113.0/24', got {value!r}"
            ) from None
    return tuple(out)


def _parse(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        return None


def classify(addresses: Sequence[str], local_networks: Sequence[Network] = ()) -> pd.DataFrame:
    """Classify distinct addresses: local (inside the VPC or private) or public (internet).

    Parameters
    ----------
    addresses : sequence of str
        Distinct address strings, IPv4 or IPv6.
    local_networks : sequence of ip networks
        Extra ranges to treat as local, e.g. a VPC's public IPv6 block.

    Returns
    -------
    DataFrame
        One row per address: ``version`` (4, 6 or 0 when not an address), ``is_local``
        (inside :data:`LOCAL_RANGES` or ``local_networks``) and ``is_public`` (any other
        valid address).
    """
    n = len(addresses)
    v4 = np.zeros(n, dtype=np.int64)
    version = np.zeros(n, dtype=np.int8)
    others = []
    for i, text in enumerate(addresses):  # one call per distinct address
        try:
            v4[i] = int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
            version[i] = 4
        except (OSError, TypeError, ValueError):
            others.append(i)
    local = np.zeros(n, dtype=bool)
    is4 = version == 4
    for net in (*LOCAL_RANGES, *local_networks):
        if net.version == 4:
            lo, hi = int(net.network_address), int(net.broadcast_address)
            local |= is4 & (v4 >= lo) & (v4 <= hi)
    if others:
        parsed6 = [_parse(addresses[i]) for i in others]
        idx = np.array(others)
        version[idx] = [p.version if p is not None else 0 for p in parsed6]
        nets6 = [n_ for n_ in (*LOCAL_RANGES, *local_networks) if n_.version == 6]
        local[idx] = [p is not None and p.version == 6 and any(p in n_ for n_ in nets6) for p in parsed6]
    valid = version > 0
    return pd.DataFrame({"version": version, "is_local": local, "is_public": valid & ~local})


def in_networks(
    addresses: Sequence[str],
    networks: Sequence[Network],
    *,
    parsed: Sequence[object] | None = None,
) -> np.ndarray:
    """Boolean array: is each address inside any of ``networks``."""
    if not networks:
        return np.zeros(len(addresses), dtype=bool)
    if parsed is None:
        parsed = [_parse(a) for a in addresses]
    out = np.zeros(len(addresses), dtype=bool)
    for i, ip in enumerate(parsed):
        if ip is None:
            continue
        out[i] = any(ip.version == net.version and ip in net for net in networks)
    return out


def address_codes(columns: Sequence[pd.Series]) -> tuple[list[np.ndarray], np.ndarray]:
    """Integer codes for several address columns over one shared table of distinct values.

    Returns the codes of each column (``-1`` where missing) and the table (an object
    array of strings). Categorical columns are coded without touching their rows.

    Examples
    --------
    >>> codes, table = address_codes([pd.Series(["a", "b"]), pd.Series(["b", None])])
    >>> [c.tolist() for c in codes], table.tolist()
    ([[0, 1], [1, -1]], ['a', 'b'])
    """
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for col in columns:
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = np.asarray(col.cat.codes, dtype=np.int64)
            cats = np.asarray(col.cat.categories.astype(object), dtype=object)
        else:
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            codes = codes.astype(np.int64)
            cats = np.asarray(pd.Index(uniques).astype(object), dtype=object)
        parts.append((codes, cats))
    allcats = pd.Index(np.concatenate([c for _, c in parts]) if parts else np.array([], dtype=object))
    table = allcats.unique()
    out = []
    for codes, cats in parts:
        remap = np.append(table.get_indexer(pd.Index(cats)), -1).astype(np.int64)
        out.append(remap[codes])  # codes == -1 picks the appended -1
    return out, np.asarray(table, dtype=object)
