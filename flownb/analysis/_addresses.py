"""Address work done once per distinct value, then mapped back to every record.

``ipaddress`` is pure Python, so nothing here calls it per record: a column's
distinct values (its categories, or ``pd.factorize`` of it) are classified, and
the answer is spread over the records with an integer ``take``.

Scopes are decided once, in :mod:`flownb._scope` (IANA special-purpose
registries, RFC 1918 / RFC 6598 / RFC 4193; documentation ranges are *public*).

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

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _scope as _scopes

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

#: Address scopes, in the order they are listed (decided in :mod:`flownb._scope`).
SCOPES = _scopes.SCOPES
_scope = _scopes.scope  # one address's scope, for a single endpoint


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
    """Address scope of each address: private, shared, link-local, loopback, multicast, reserved, public.

    The scopes are decided in :mod:`flownb._scope`, once per distinct address.
    """
    codes, values = codes_and_values(col)
    per_value = _scopes.scope_codes(np.asarray(values, dtype=object)).astype(np.int64)
    used = np.unique(per_value[per_value >= 0])
    remap = np.full(len(SCOPES) + 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    table = np.append(remap[per_value], -1)  # a missing address (code -1) picks the trailing -1
    return pd.Series(
        pd.Categorical.from_codes(table[codes], categories=pd.Index([SCOPES[i] for i in used], dtype=object)),
        index=col.index,
        name=col.name,
    )


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
        todo = used[~table[used]]
        table[todo] = _scopes.in_networks(np.asarray(values, dtype=object)[todo].astype(str), blocks)
    return table[codes]
