"""Address scope, decided once: private, shared, link-local, loopback, multicast, reserved or public.

Every layer asks this module (``enrich``'s ``src_scope``, the detectors' "is this
peer on the internet", the charts' network labels), so 100.64.1.5 is *shared*
everywhere. The ranges, from the IANA IPv4 and IPv6 Special-Purpose Address
Registries:

=============  ==========================================================================
private        10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918); fc00::/7 (RFC 4193,
               IPv6 unique local addresses)
shared         100.64.0.0/10 (RFC 6598, carrier-grade NAT; allowed as a VPC CIDR)
link-local     169.254.0.0/16 (RFC 3927); fe80::/10 (RFC 4291)
loopback       127.0.0.0/8 (RFC 1122); ::1/128
multicast      224.0.0.0/4 (RFC 5771); ff00::/8
reserved       0.0.0.0/8 "this network" (RFC 1122), 240.0.0.0/4 (RFC 1112, with the
               broadcast address); ::/128 unspecified
public         every other valid address
=============  ==========================================================================

Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32) count as *public*: the AWS documentation uses them as stand-ins
for internet hosts. An IPv4-mapped IPv6 address (``::ffff:10.0.0.1``) has the
scope of its IPv4 address. Everything but *public* stays off the internet
(:func:`is_internet`).

Work is per distinct value (a few thousand addresses over millions of records):
IPv4 texts are parsed vectorised (pyarrow) and compared as integers; IPv6
ones go through ``ipaddress``.

Examples
--------
>>> from flownb._scope import scope, scopes
>>> scope("100.64.1.5"), scope("fd12::1"), scope("169.254.169.254"), scope("203.0.113.7")
('shared', 'private', 'link-local', 'public')
>>> scopes(["10.0.1.5", "8.8.8.8", "not an address"]).tolist()
['private', 'public', None]
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

import numpy as np

__all__ = [
    "AMAZON_IPV6",
    "SCOPES",
    "Network",
    "in_amazon_ipv6",
    "in_networks",
    "ipv4_ints",
    "is_internet",
    "scope",
    "scope_codes",
    "scopes",
]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Address scopes, in the order they are listed (codes of :func:`scope_codes` index this tuple).
SCOPES = ("private", "shared", "link-local", "loopback", "multicast", "reserved", "public")
_PUBLIC = SCOPES.index("public")

_V4 = [
    ("10.0.0.0/8", "private"),
    ("172.16.0.0/12", "private"),
    ("192.168.0.0/16", "private"),
    ("100.64.0.0/10", "shared"),
    ("169.254.0.0/16", "link-local"),
    ("127.0.0.0/8", "loopback"),
    ("224.0.0.0/4", "multicast"),
    ("0.0.0.0/8", "reserved"),
    ("240.0.0.0/4", "reserved"),
]
_V4_RANGES = [
    (int(n.network_address), int(n.broadcast_address), SCOPES.index(s))
    for n, s in ((ipaddress.ip_network(t), s) for t, s in _V4)
]
_V6 = [
    (ipaddress.ip_network("fc00::/7"), "private"),
    (ipaddress.ip_network("fe80::/10"), "link-local"),
    (ipaddress.ip_network("::1/128"), "loopback"),
    (ipaddress.ip_network("ff00::/8"), "multicast"),
    (ipaddress.ip_network("::/128"), "reserved"),
]

#: The IPv6 blocks Amazon holds, from which Amazon-provided VPC IPv6 CIDRs (a /56 per VPC) come:
#: the regional EC2 prefixes of https://ip-ranges.amazonaws.com/ip-ranges.json (2600:1f18::/33
#: us-east-1, 2406:da14::/36 ap-northeast-1, 2a05:d018::/36 eu-west-1, ...) lie in these
#: registry allocations (ARIN 2600:1f00::/24, APNIC 2406:da00::/24, RIPE NCC 2a05:d000::/25).
#: A VPC may also use its own (BYOIP) or unique local IPv6 addresses: this is a hint, not a rule.
AMAZON_IPV6 = tuple(ipaddress.IPv6Network(t) for t in ("2600:1f00::/24", "2406:da00::/24", "2a05:d000::/25"))


@functools.lru_cache(maxsize=1 << 16)
def in_amazon_ipv6(text: str) -> bool:
    """Is ``text`` an IPv6 address in one of Amazon's blocks (:data:`AMAZON_IPV6`)?

    Examples
    --------
    >>> in_amazon_ipv6("2600:1f18:6b5:9a03::10"), in_amazon_ipv6("2a09:90e6::1"), in_amazon_ipv6("10.0.0.1")
    (True, False, False)
    """
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    return addr.version == 6 and any(addr in net for net in AMAZON_IPV6)


#: A dotted-quad IPv4 text as ``inet_pton`` accepts it: four numbers 0-255, no leading zeros.
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$"


def ipv4_ints(values: Sequence[object] | np.ndarray) -> np.ndarray:
    """IPv4 texts as integers (int64), -1 where a value is not an IPv4 address.

    Vectorised with pyarrow (a regular expression, a split and a cast): random
    traffic has millions of distinct addresses, and one Python call each takes
    seconds.

    Examples
    --------
    >>> ipv4_ints(["10.0.0.1", "256.1.1.1", "01.2.3.4", None, "fd00::1"]).tolist()
    [167772161, -1, -1, -1, -1]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(values)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    objs = np.asarray(values, dtype=object)
    try:
        arr = pa.array(objs, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # values that are not texts are not addresses
        arr = pa.array(np.where([isinstance(v, str) for v in objs], objs, None), type=pa.string())
    ok = pc.fill_null(pc.match_substring_regex(arr, _DOTTED_QUAD), False)
    good = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
    if good.any():
        octets = pc.cast(pc.list_flatten(pc.split_pattern(arr.filter(ok), ".")), pa.int64())
        o = octets.to_numpy().reshape(-1, 4)
        out[good] = ((o[:, 0] * 256 + o[:, 1]) * 256 + o[:, 2]) * 256 + o[:, 3]
    return out


def _v4_codes(ints: np.ndarray) -> np.ndarray:
    codes = np.where(ints >= 0, _PUBLIC, -1).astype(np.int8)
    for lo, hi, code in _V4_RANGES:
        codes[(ints >= lo) & (ints <= hi)] = code
    return codes


@functools.lru_cache(maxsize=1 << 16)
def _scope_code(text: str) -> int:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return -1
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return int(_v4_codes(np.array([int(addr.ipv4_mapped)], dtype=np.int64))[0])
    if addr.version == 4:
        return int(_v4_codes(np.array([int(addr)], dtype=np.int64))[0])
    for net, name in _V6:
        if addr in net:
            return SCOPES.index(name)
    return _PUBLIC


def scope_codes(values: Sequence[object] | np.ndarray, ints: np.ndarray | None = None) -> np.ndarray:
    """Per value, an index into :data:`SCOPES` (int8), -1 when it is not an IP address.

    ``ints`` may pass :func:`ipv4_ints` of the same values when the caller has them.
    """
    ints = ipv4_ints(values) if ints is None else ints
    codes = _v4_codes(ints)
    for i in np.flatnonzero(ints < 0):
        codes[i] = _scope_code(str(values[i]))
    return codes


def scopes(values: Sequence[object]) -> np.ndarray:
    """Per value, its scope name (object array), ``None`` when it is not an IP address."""
    table = np.array([*SCOPES, None], dtype=object)
    return table[scope_codes(values)]


def scope(text: str) -> str | None:
    """The scope of one address text, ``None`` when it is not an IP address."""
    code = _scope_code(str(text))
    return SCOPES[code] if code >= 0 else None


def is_internet(values: Sequence[object]) -> np.ndarray:
    """Per value: is it a public (internet) address? False for every other scope and for non-addresses."""
    return scope_codes(values) == _PUBLIC


def in_networks(values: Sequence[object], networks: Sequence[Network]) -> np.ndarray:
    """Per value: is it inside one of ``networks``? IPv4 blocks are compared as integer ranges.

    Examples
    --------
    >>> import ipaddress
    >>> in_networks(["10.0.1.5", "10.0.2.5", "fd00::1"], [ipaddress.ip_network("10.0.1.0/24")]).tolist()
    [True, False, False]
    """
    out = np.zeros(len(values), dtype=bool)
    if not networks or not len(values):
        return out
    ints = ipv4_ints(values)
    for net in networks:
        if net.version == 4:
            out |= (ints >= int(net.network_address)) & (ints <= int(net.broadcast_address))
    nets6 = [n for n in networks if n.version == 6]
    if nets6:
        for i in np.flatnonzero(ints < 0):
            try:
                a = ipaddress.ip_address(str(values[i]))
            except ValueError:
                continue
            out[i] = a.version == 6 and any(a in n for n in nets6)
    return out
