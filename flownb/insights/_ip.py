"""IP address functions, evaluated once per distinct address.

IPv4 addresses are parsed with one vectorised regular expression (pyarrow) over
the distinct values; IPv6 addresses, rarer, go through :mod:`ipaddress` once
each.
"""

from __future__ import annotations

import contextlib
import ipaddress

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["in_subnet", "valid"]

_OCTET = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"^(?P<a>{_OCTET})\.(?P<b>{_OCTET})\.(?P<c>{_OCTET})\.(?P<d>{_OCTET})$".replace("(25", "(?:25")


def _ipv4_ints(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(uint32 value, is-IPv4 mask) for each string."""
    arr = pa.array(values.astype("str").to_numpy(na_value=None), type=pa.string())
    parts = pc.extract_regex(arr, _IPV4)
    ok = parts.is_valid().to_numpy(zero_copy_only=False)
    if isinstance(ok, np.ndarray) and ok.dtype != bool:
        ok = ok.astype(bool)
    out = np.zeros(len(values), dtype=np.uint64)
    if ok.any():
        for shift, name in zip((24, 16, 8, 0), "abcd", strict=True):
            field = pc.struct_field(parts, name)
            nums = pc.cast(pc.fill_null(field, "0"), pa.uint64()).to_numpy(zero_copy_only=False)
            out |= nums.astype(np.uint64) << np.uint64(shift)
    return out, ok


def _ipv6(values: pd.Series) -> list[ipaddress.IPv6Address | None]:
    out: list[ipaddress.IPv6Address | None] = [None] * len(values)
    candidates = values.str.contains(":", regex=False).fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(candidates):  # once per distinct IPv6-looking value
        with contextlib.suppress(ValueError):
            out[i] = ipaddress.IPv6Address(str(values.iloc[i]).split("%")[0])
    return out


def valid(values: pd.Series, family: int | None) -> pd.Series:
    """True where a distinct value is an IP address (of ``family`` 4 or 6 when given)."""
    result = np.zeros(len(values), dtype=bool)
    if family in (None, 4):
        result |= _ipv4_ints(values)[1]
    if family in (None, 6):
        result |= np.array([a is not None for a in _ipv6(values)], dtype=bool)
    return pd.Series(pd.array(result, dtype="boolean"))


def in_subnet(values: pd.Series, cidr: str, family: int | None) -> pd.Series:
    """True where a distinct value is an address inside ``cidr`` (False for missing or invalid)."""
    try:
        net = ipaddress.ip_network(str(cidr).strip(), strict=False)
    except ValueError:
        return pd.Series(pd.array(np.zeros(len(values), dtype=bool), dtype="boolean"))
    result = np.zeros(len(values), dtype=bool)
    if net.version == 4 and family in (None, 4):
        ints, ok = _ipv4_ints(values)
        mask = np.uint64(int(net.netmask))
        result = ok & ((ints & mask) == np.uint64(int(net.network_address)))
    elif net.version == 6 and family in (None, 6):
        result = np.array([a is not None and a in net for a in _ipv6(values)], dtype=bool)
    return pd.Series(pd.array(result, dtype="boolean"))
