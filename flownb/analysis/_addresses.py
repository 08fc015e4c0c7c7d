"""Address work done once per distinct value, then mapped back to every record.

``ipaddress`` is pure Python, so nothing here calls it per record: a column's
distinct values (its categories, or ``pd.factorize`` of it) are classified, and
the answer is spread over the records with an integer ``take``.

Scopes follow the IANA special-purpose address registries and RFC 1918 /
RFC 6598 / RFC 4193. Documentation ranges (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24, 2001:db8::/32) count as *public*: the AWS documentation uses
them as stand-ins for internet addresses.

Examples
--------
>>> import pandas as pd
>>> from flownb.analysis._addresses import scope_of, prefix_of
>>> s = pd.Series(["10.0.1.5", "203.0.113.5", "100.64.0.1", "fe80::1", None], dtype="category")
>>> scope_of(s).tolist()
['private', 'public', 'shared', 'link-local', nan]
>>> prefix_of(s, 24, 64).tolist()[:2]
['10.0.1.0/24', '203.0.113.0/24']
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SCOPES",
    "Endpoint",
    "codes_and_values",
    "map_distinct",
    "matches",
    "parse_endpoint",
    "prefix_of",
    "scope_of",
]

#: Address scopes, in the order they are listed.
SCOPES = ("private", "shared", "link-local", "loopback", "multicast", "reserved", "public")

_V4 = [
    (ipaddress.ip_network("10.0.0.0/8"), "private"),
    (ipaddress.ip_network("172.16.0.0/12"), "private"),
    (ipaddress.ip_network("192.168.0.0/16"), "private"),
    (ipaddress.ip_network("100.64.0.0/10"), "shared"),  # RFC 6598 carrier-grade NAT
    (ipaddress.ip_network("169.254.0.0/16"), "link-local"),
    (ipaddress.ip_network("127.0.0.0/8"), "loopback"),
    (ipaddress.ip_network("224.0.0.0/4"), "multicast"),
    (ipaddress.ip_network("0.0.0.0/8"), "reserved"),
    (ipaddress.ip_network("240.0.0.0/4"), "reserved"),
]
_V6 = [
    (ipaddress.ip_network("fc00::/7"), "private"),  # RFC 4193 unique local
    (ipaddress.ip_network("fe80::/10"), "link-local"),
    (ipaddress.ip_network("::1/128"), "loopback"),
    (ipaddress.ip_network("ff00::/8"), "multicast"),
    (ipaddress.ip_network("::/128"), "reserved"),
]


@functools.lru_cache(maxsize=1 << 18)
def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 18)
def _scope(text: str) -> str | None:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    table = _V4 if addr.version == 4 else _V6
    for net, name in table:
        if addr in net:
            return name
    return "public"


def codes_and_values(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the distinct values they index."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        values = pd.Index(np.asarray(cats, dtype=object), dtype=object) if cats.dtype != object else cats
        return np.asarray(col.cat.codes, dtype=np.int64), values
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def map_distinct(col: pd.Series, func: Callable[[Any], Any], *, dtype: str | None = None) -> pd.Series:
    """Apply ``func`` to each distinct value of ``col`` and spread the answers over its rows.

    ``func`` sees each value once; missing values stay missing. The result is a
    ``category`` column unless ``dtype`` says otherwise.
    """
    codes, values = codes_and_values(col)
    answers = [func(v) for v in values]
    if dtype in (None, "category"):
        cats = list(dict.fromkeys(a for a in answers if a is not None))
        pos = {c: i for i, c in enumerate(cats)}
        table = np.array([pos[a] if a is not None else -1 for a in answers] + [-1], dtype=np.int64)
        out_codes = table[codes]  # codes == -1 picks the trailing -1
        return pd.Series(
            pd.Categorical.from_codes(out_codes, categories=pd.Index(cats, dtype=object)),
            index=col.index,
            name=col.name,
        )
    arr = pd.array([*answers, None], dtype=dtype)
    taken = arr.take(np.where(codes < 0, len(answers), codes))
    return pd.Series(taken, index=col.index, name=col.name)


def scope_of(col: pd.Series) -> pd.Series:
    """Address scope of each address: private, shared, link-local, loopback, multicast, reserved, public."""
    return map_distinct(col, lambda v: _scope(str(v)))


def _prefix(text: str, v4: int, v6: int) -> str | None:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    bits = v4 if addr.version == 4 else v6
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


def prefix_of(col: pd.Series, v4: int, v6: int) -> pd.Series:
    """The network (``"10.0.1.0/24"``) each address belongs to, for IPv4 /v4 and IPv6 /v6 prefixes."""
    return map_distinct(col, lambda v: _prefix(str(v), v4, v6))


@dataclass(frozen=True)
class Endpoint:
    """What ``diagnose`` was asked about: an ENI id, or an address / CIDR block."""

    text: str
    eni: str | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    @property
    def is_single_address(self) -> bool:
        return self.network is not None and self.network.num_addresses == 1

    def __str__(self) -> str:
        return self.text


def parse_endpoint(value: Any, *, name: str) -> Endpoint:
    """Read an IP address, a CIDR block or an ENI id (``eni-...``).

    Raises
    ------
    ValueError
        Naming the argument and the forms it accepts.
    """
    text = str(value).strip()
    if text.startswith("eni-"):
        return Endpoint(text, eni=text)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{name} must be an IP address ('10.0.1.5'), a CIDR block ('10.0.1.0/24') or an ENI id "
            f"('eni-0123456789abcdef0'), got {value!r}"
        ) from None
    return Endpoint(text if "/" in text else str(net.network_address), network=net)


def matches(col: pd.Series, networks: list) -> np.ndarray:
    """Boolean array: is each address in one of ``networks`` (``ipaddress`` networks)?

    Single addresses are looked up in a hash of the column's distinct values;
    CIDR blocks parse only the distinct values the column actually uses. Addresses
    are compared as AWS writes them (the canonical text form).
    """
    if not networks or len(col) == 0:
        return np.zeros(len(col), dtype=bool)
    if isinstance(col.dtype, pd.CategoricalDtype):  # the codes as they are: no int64 copy
        codes, values = col.cat.codes.to_numpy(), col.cat.categories
    else:
        codes, values = codes_and_values(col)
    singles = sorted({str(n.network_address) for n in networks if n.num_addresses == 1})
    blocks = [n for n in networks if n.num_addresses > 1]
    table = np.zeros(len(values) + 1, dtype=bool)  # the last entry: code -1, a missing value
    if singles:
        table[:-1] = np.asarray(pd.Index(values).isin(singles), dtype=bool)
    if blocks:
        used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(values)))
        for i in used:
            if table[i]:
                continue
            a = _parse(str(values[i]))
            table[i] = a is not None and any(a.version == n.version and a in n for n in blocks)
    return table[codes]
