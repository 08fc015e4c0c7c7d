"""Address helpers of the detectors' prepared view, on top of :mod:`flownb._scope`.

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
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import _scope as _scopes

__all__ = ["classify", "in_networks", "parse_networks"]

Network = _scopes.Network


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


def classify(addresses: Sequence[str], local_networks: Sequence[Network] = ()) -> pd.DataFrame:
    """Classify distinct addresses: local (inside the VPC or not on the internet) or public (internet).

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
        (any scope but *public* in :mod:`flownb._scope`, or inside ``local_networks``)
        and ``is_public`` (any other valid address).
    """
    values = np.asarray(addresses, dtype=object)
    ints = _scopes.ipv4_ints(values)
    codes = _scopes.scope_codes(values, ints)
    valid = codes >= 0
    version = np.where(ints >= 0, 4, np.where(valid, 6, 0)).astype(np.int8)
    local = valid & (codes != _scopes.SCOPES.index("public"))
    if local_networks:
        local |= _scopes.in_networks(values, local_networks)
    return pd.DataFrame({"version": version, "is_local": local, "is_public": valid & ~local})


def in_networks(
    addresses: Sequence[str],
    networks: Sequence[Network],
    *,
    parsed: Sequence[object] | None = None,
) -> np.ndarray:
    """Boolean array: is each address inside any of ``networks`` (see :func:`flownb._scope.in_networks`)."""
    return _scopes.in_networks(np.asarray(addresses, dtype=object), networks)
