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
from typing import Any

import numpy as np

__all__ = [
    "AMAZON_IPV6",
    "SCOPES",
    "Network",
    "dot_digit_texts",
    "in_amazon_ipv6",
    "in_networks",
    "ipv4_ints",
    "ipv4_text_order",
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


def ipv4_ints(values: Sequence[object] | np.ndarray | Any) -> np.ndarray:
    """IPv4 texts as integers (int64), -1 where a value is not an IPv4 address.

    A dotted quad as ``inet_pton`` accepts it: four numbers 0-255, no leading
    zeros. ``values`` may be a pyarrow string array (read as it is, no copy).
    Vectorised over the texts' bytes (:func:`_dotted_quads`): random traffic has
    millions of distinct addresses, and one Python call each takes seconds.

    Examples
    --------
    >>> ipv4_ints(["10.0.0.1", "256.1.1.1", "01.2.3.4", None, "fd00::1"]).tolist()
    [167772161, -1, -1, -1, -1]
    """
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            return _dotted_quads(values)
        values = values.to_numpy(zero_copy_only=False)
    objs = np.asarray(values, dtype=object)
    if len(objs) == 0:
        return np.zeros(0, dtype=np.int64)
    try:
        arr = pa.array(objs, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # values that are not texts are not addresses
        arr = pa.array(np.where([isinstance(v, str) for v in objs], objs, None), type=pa.string())
    return _dotted_quads(arr)


def _octet_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per 16-bit field of four 4-bit characters (digits 0-9, 14 a dot, 15 past the end), read where
    a number of a dotted quad starts: the number, and how far the next one starts (in bits), as
    ``number | step << 8`` (uint16), with bit 15 set when no number 0-255 without a leading zero,
    followed by the right separator, starts there. One table for the first three numbers (a dot
    follows) and one for the last (the end follows)."""
    field = np.arange(1 << 16, dtype=np.int64)
    nib = [(field >> (4 * i)) & 15 for i in range(4)]
    tables = []
    for end in (14, 15):
        out = np.full(1 << 16, 1 << 15 | 4 << 8, dtype=np.uint16)
        number = np.zeros(1 << 16, dtype=np.int64)
        digits = np.ones(1 << 16, dtype=bool)  # the characters so far are all digits
        for n in (1, 2, 3):
            digits &= nib[n - 1] <= 9
            number = number * 10 + np.minimum(nib[n - 1], 9)
            fits = digits & (nib[n] == end) & (number <= 255) & ((n == 1) | (nib[0] > 0))
            out[fits] = (number | (4 * (n + 1)) << 8)[fits]
        tables.append(out)
    return tables[0], tables[1]


_OCTETS = _octet_tables()
#: Each number 0-255's place among the texts "0" to "255" in text order ("1" < "10" < "100" < "101").
_TEXT_RANK = np.argsort(np.argsort(np.array([str(i) for i in range(256)]))).astype(np.uint16)
#: The tables of :func:`_octet_tables` with each number's text rank instead of the number.
_OCTET_RANKS = tuple((t & np.uint16(0xFF00)) | _TEXT_RANK[t & np.uint16(0xFF)] for t in _OCTETS)
_LOW = np.uint64(0x0F0F0F0F0F0F0F0F)
_NIBBLE_ONES = np.uint64(0x1111111111111111)


def _pack_halves(words: np.ndarray) -> np.ndarray:
    """The low 4 bits of each byte of each uint64 (byte i at bits 8i) packed into 32 bits (byte i at 4i)."""
    x = words & _LOW
    x = (x | (x >> np.uint64(4))) & np.uint64(0x00FF00FF00FF00FF)
    x = (x | (x >> np.uint64(8))) & np.uint64(0x0000FFFF0000FFFF)
    return (x | (x >> np.uint64(16))) & np.uint64(0xFFFFFFFF)


def dot_digit_texts(arr: Any, shortest: int, longest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Texts of digits and dots of ``shortest`` to ``longest`` (<= 15) bytes as words of 4-bit characters.

    ``arr`` is a pyarrow (large) string array. Returns the positions of its texts that have such a
    length (not missing), each one's characters as a uint64 (character i at bits 4i: the digit,
    14 for a dot, 15 past the end) and whether all its characters are digits and dots. No Python
    per text: each text is read as 16 bytes (two 8-byte loads, nothing past its end), and the high
    halves of its bytes say whether each is a digit (3) or a dot (2).
    """
    n = len(arr)
    bufs = arr.buffers()
    if n == 0 or bufs[2] is None:
        empty = np.zeros(0, dtype=np.uint64)
        return np.zeros(0, dtype=np.int64), empty, empty.astype(bool)
    wide = np.int64 if arr.type.equals(_large_string()) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=wide)[arr.offset : arr.offset + n + 1].astype(np.int64)
    lengths = np.diff(offsets)
    ok = (lengths >= shortest) & (lengths <= longest)
    if arr.null_count:
        ok &= np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.flatnonzero(ok)
    first, end = int(offsets[0]), int(offsets[-1])
    padded = np.zeros(end - first + 16, dtype=np.uint8)
    padded[: end - first] = np.frombuffer(bufs[2], dtype=np.uint8)[first:end]
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))  # one at every byte
    at = offsets[rows] - first
    size = lengths[rows].astype(np.uint64)
    eight = np.uint64(8)
    keep_low = np.where(
        size >= eight,
        ~np.uint64(0),
        (np.uint64(1) << (eight * np.minimum(size, np.uint64(7)))) - np.uint64(1),
    )
    keep_high = (np.uint64(1) << (eight * (np.maximum(size, eight) - eight))) - np.uint64(1)
    low, high = words[at] & keep_low, words[at + 8] & keep_high
    # the low halves, 15 past the end; and the high halves (0 past the end)
    chars = _pack_halves(low | (~keep_low & _LOW)) | (
        _pack_halves(high | (~keep_high & _LOW)) << np.uint64(32)
    )
    halves = _pack_halves(low >> np.uint64(4)) | (_pack_halves(high >> np.uint64(4)) << np.uint64(32))
    # the high halves of a text of digits and dots: 3 for a digit, 2 for a dot (14), 0 past the end (15)
    top = _top(chars)
    good = halves == np.uint64(0x3333333333333333) - top - ((top & chars) << np.uint64(1))
    return rows, chars, good


def _top(chars: np.ndarray) -> np.ndarray:
    """1 in each 4-bit character that is 14 or 15 (a dot, past the end), else 0."""
    one = np.uint64(1)
    return (chars >> one) & (chars >> np.uint64(2)) & (chars >> np.uint64(3)) & _NIBBLE_ONES


def _dotted_quads(arr: Any) -> np.ndarray:
    """:func:`ipv4_ints` of a pyarrow (large) string array: its texts as 4-bit characters
    (:func:`dot_digit_texts`), the four numbers read one after the other, each from a 16-bit field
    by a table lookup (:func:`_octet_tables`)."""
    return _quads(arr, _OCTETS)


def ipv4_text_order(arr: Any) -> np.ndarray:
    """Integers (int64) that sort as dotted IPv4 texts do as texts, -1 where a value is not one.

    ``arr`` is a pyarrow string array. "10.0.0.10" < "10.0.0.9" as texts, and so are their
    integers: each number's rank among the texts "0" to "255" takes its byte (a text compares
    as its four numbers' texts do, one after the other, since a dot sorts before any digit).

    Examples
    --------
    >>> import pyarrow as pa
    >>> ipv4_text_order(pa.array(["10.0.0.9", "10.0.0.10", "fd00::1"])).tolist()
    [33554677, 33554434, -1]
    """
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return _quads(arr, _OCTET_RANKS)


def _quads(arr: Any, tables: tuple[np.ndarray, ...]) -> np.ndarray:
    out = np.full(len(arr), -1, dtype=np.int64)
    for at in range(0, len(arr), BLOCK):  # blocks that stay in the processor's cache
        out[at : at + BLOCK] = _dotted_quads_block(arr.slice(at, BLOCK), tables)
    return out


#: Texts read at a time by :func:`dot_digit_texts`' callers: its dozens of array operations then work
#: on arrays that stay in the processor's cache (one pass over the data instead of dozens).
BLOCK = 1 << 15


def _dotted_quads_block(arr: Any, tables: tuple[np.ndarray, ...]) -> np.ndarray:
    out = np.full(len(arr), -1, dtype=np.int64)
    rows, chars, good = dot_digit_texts(arr, 7, 15)
    if len(rows) == 0:
        return out
    shift = np.zeros(len(rows), dtype=np.uint64)  # where the next number starts, in bits
    flags = np.zeros(len(rows), dtype=np.uint16)
    numbers = []
    field = np.uint64(0xFFFF)
    for k in range(4):
        hit = tables[k == 3][((chars >> shift) if k else chars) & field]
        flags |= hit
        numbers.append(hit & np.uint16(0xFF))
        if k < 3:
            shift += ((hit >> np.uint16(8)) & np.uint16(0x7F)).astype(np.uint64)
    good &= flags < np.uint16(1 << 15)
    value = numbers[0].astype(np.int64) << 24
    value |= numbers[1].astype(np.int64) << 16
    value |= numbers[2].astype(np.int64) << 8
    value |= numbers[3]
    out[rows[good]] = value[good]
    return out


def _large_string() -> Any:
    import pyarrow as pa

    return pa.large_string()


def _v4_scope_by_top16() -> np.ndarray:
    """The scope code of every IPv4 /16 (every range of :data:`_V4` is a /16 or wider), and -1 last."""
    top = np.arange(1 << 16, dtype=np.int64) << 16
    table = np.full((1 << 16) + 1, _PUBLIC, dtype=np.int8)
    for lo, hi, code in _V4_RANGES:
        table[:-1][(top >= lo) & (top <= hi)] = code
    table[-1] = -1
    return table


_V4_BY_TOP16 = _v4_scope_by_top16()


def _v4_codes(ints: np.ndarray) -> np.ndarray:
    """Scope codes of IPv4 integers (-1 where an int is -1): one lookup of its first 16 bits."""
    return _V4_BY_TOP16[np.where(ints >= 0, ints >> 16, 1 << 16)]


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
