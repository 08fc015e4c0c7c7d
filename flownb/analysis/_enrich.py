"""Derived columns: names for codes, address scopes, the ENI-centric view, duration, translation.

Examples
--------
>>> import flownb
>>> from flownb.analysis import enrich
>>> df = enrich(flownb.samples.load("aws-docs/sg-nacl-ping"))
>>> df[["protocol_name", "direction", "local_addr", "remote_addr", "remote_scope"]]
  protocol_name direction     local_addr   remote_addr remote_scope
0          ICMP   ingress  172.31.16.139  203.0.113.12       public
1          ICMP    egress  172.31.16.139  203.0.113.12       public
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from .._columns import require_frame
from ._addresses import appearance_codes, codes_and_values, scope_of
from ._ports import flag_names, protocol_names

__all__ = ["ENRICHED_COLUMNS", "enrich", "local_side", "side_columns"]

#: Columns :func:`enrich` may add (each only when the fields it needs are present).
ENRICHED_COLUMNS = (
    "protocol_name",
    "tcp_flag_names",
    "traffic_path_label",
    "src_scope",
    "dst_scope",
    "direction",
    "local_addr",
    "local_port",
    "remote_addr",
    "remote_port",
    "remote_scope",
    "duration_s",
    "address_translated",
)

_NON_PUBLIC = {"private", "shared", "link-local", "loopback"}


def _address_codes(df: pd.DataFrame, columns: list[str]) -> tuple[list[np.ndarray], pd.Index]:
    """Codes of several address columns in one shared index of distinct values (-1 missing), in
    order of appearance (:func:`flownb.analysis._addresses.appearance_codes`)."""
    codes, table, _ = appearance_codes([df[c] for c in columns])
    return codes, pd.Index(table, dtype=object)


#: The fields :func:`local_side` reads, in the order it trusts them.
_SIDE_FIELDS = ("interface_id", "srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr", "flow_direction")


def side_columns(df: pd.DataFrame) -> list[str]:
    """The columns of ``df`` that :func:`local_side` reads (take only these before copying records)."""
    return [c for c in _SIDE_FIELDS if c in df]


def local_side(df: pd.DataFrame) -> np.ndarray:
    """Which side of each record is the ENI's own: 1 the source (egress), 2 the destination (ingress), 0 unknown.

    In order of trust: ``flow_direction`` when present; an address that differs
    from its ``pkt_*`` twin (NAT and transit gateway interfaces write their own
    address there); the address an ENI has in more of its records than the other
    one (its own address is on one side of every record it writes, counted over
    all its records, not only the flow asked about); then, when both ends are
    on equally many of the ENI's records (an ENI talking to a single peer), the
    more local address: a private one facing a public one (an ENI's public or
    Elastic IP never appears in its records: AWS logs the private address), or an
    IPv6 address in Amazon's blocks (where Amazon-provided VPC IPv6 CIDRs come
    from, :data:`flownb._scope.AMAZON_IPV6`) facing one outside them: a dual-stack
    ENI logs its own global IPv6 address.

    Examples
    --------
    A dual-stack ENI talking IPv6 to one internet host in the default format: both
    addresses are on every one of its IPv6 records; its address is Amazon's.

    >>> import pandas as pd
    >>> from flownb.analysis._enrich import local_side
    >>> recs = pd.DataFrame({"interface_id": ["eni-1"] * 3,
    ...     "srcaddr": ["10.0.1.5", "2600:1f18:6b5:9a03::10", "2a09:90e6::7"],
    ...     "dstaddr": ["10.0.2.9", "2a09:90e6::7", "2600:1f18:6b5:9a03::10"]})
    >>> local_side(recs).tolist()
    [0, 1, 2]
    """
    n = len(df)
    side = np.zeros(n, dtype=np.int8)
    if "flow_direction" in df:
        fd = df["flow_direction"].astype("string")
        side[(fd == "egress").fillna(False).to_numpy(dtype=bool)] = 1
        side[(fd == "ingress").fillna(False).to_numpy(dtype=bool)] = 2
    if not {"srcaddr", "dstaddr"} <= set(df.columns):
        return side
    has_pkt = "pkt_srcaddr" in df and "pkt_dstaddr" in df
    cols = ["srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr"] if has_pkt else ["srcaddr", "dstaddr"]
    codes, values = _address_codes(df, cols)
    src, dst = codes[0], codes[1]
    if has_pkt:
        psrc, pdst = codes[2], codes[3]
        src_rewritten = (psrc >= 0) & (src >= 0) & (psrc != src)
        dst_rewritten = (pdst >= 0) & (dst >= 0) & (pdst != dst)
        todo = side == 0
        side[todo & src_rewritten & ~dst_rewritten] = 1
        side[todo & dst_rewritten & ~src_rewritten] = 2
    if "interface_id" in df:
        eni, _ = codes_and_values(df["interface_id"])
        m = max(len(values), 1)
        ok = (eni >= 0) & (src >= 0) & (dst >= 0)
        key_s = eni * m + src
        key_d = eni * m + dst
        k = int(ok.sum())
        every = k == n  # (the usual case: no mask to apply)
        both = np.concatenate([key_s, key_d] if every else [key_s[ok], key_d[ok]])
        if (int(eni.max(initial=-1)) + 1) * m <= 8 * n + 4096:  # few (ENI, address) keys: count directly
            counts = np.bincount(both)
        else:
            both, _ = pd.factorize(both)
            counts = np.bincount(both)
        # per record: how many more of its ENI's records carry its source than its destination
        if every:
            lead = counts[both[:k]] - counts[both[k:]]
        else:
            lead = np.zeros(n, dtype=np.int64)
            lead[ok] = counts[both[:k]] - counts[both[k:]]
        todo = side == 0
        side[todo & (lead > 0)] = 1
        side[todo & (lead < 0)] = 2
    todo = side == 0
    if todo.any():
        seen = np.zeros(len(values) + 1, dtype=bool)  # (the last: missing, code -1)
        seen[src[todo]] = True
        seen[dst[todo]] = True
        used = np.flatnonzero(seen[:-1])
        rank_table = np.zeros(len(values) + 1, dtype=np.int8)  # _own_ranks per distinct address
        rank_table[used] = _own_ranks(np.asarray(values, dtype=object)[used])
        by_rank = _side_by_rank(
            rank_table[np.where(src < 0, len(values), src)], rank_table[np.where(dst < 0, len(values), dst)]
        )
        side[todo] = by_rank[todo]
    return side


def _own_ranks(values: np.ndarray) -> np.ndarray:
    """How local each address is, for the last step of :func:`local_side` (int8 per value): 1
    private-like (private, shared, link-local, loopback), 2 an IPv6 address in Amazon's blocks, 3 any
    other (public, multicast, reserved), 0 not an address.

    Vectorised over distinct addresses (random traffic has hundreds of thousands): IPv4 scopes are
    integer ranges (:func:`flownb._scope.scope_codes`); only IPv6 texts are looked at one by one.

    Examples
    --------
    >>> import numpy as np
    >>> _own_ranks(np.array(["10.0.0.1", "100.64.1.5", "2600:1f18::1", "8.8.8.8", "-"], dtype=object)).tolist()
    [1, 1, 2, 3, 0]
    """
    from .. import _scope as scopes

    ints = scopes.ipv4_ints(values)
    codes = scopes.scope_codes(values, ints)
    local = np.array([scopes.SCOPES.index(s) for s in sorted(_NON_PUBLIC)], dtype=np.int8)
    ranks = np.where(codes < 0, 0, np.where(np.isin(codes, local), 1, 3)).astype(np.int8)
    for i in np.flatnonzero((ranks == 3) & (ints < 0)):
        if scopes.in_amazon_ipv6(str(values[i])):
            ranks[i] = 2
    return ranks


def _side_by_rank(src_rank: np.ndarray, dst_rank: np.ndarray) -> np.ndarray:
    """The ENI's side (1 source, 2 destination, 0 unknown) from :func:`_own_ranks` of both ends: the
    more local end is the ENI's own (shared with the engine path, ``flownb.scale._ops``)."""
    known = (src_rank > 0) & (dst_rank > 0)
    out = np.zeros(len(src_rank), dtype=np.int8)
    out[known & (src_rank < dst_rank)] = 1
    out[known & (src_rank > dst_rank)] = 2
    return out


def enrich(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with derived columns added (the input is not changed).

    Each column is added only when the fields it needs are in the frame:

    ``protocol_name``
        IANA keyword of ``protocol`` (TCP, UDP, ICMP, ICMPv6, ...).
    ``tcp_flag_names``
        ``tcp_flags`` decoded ("SYN", "SYN-ACK,FIN", ...); the flags are OR-ed
        over the aggregation interval, so 3 is "SYN,FIN" (a whole short connection).
    ``traffic_path_label``
        What ``traffic_path`` means (VPC User Guide): "Through an internet gateway ...".
    ``src_scope``, ``dst_scope``
        private (RFC 1918, IPv6 unique local), shared (RFC 6598 carrier-grade NAT),
        link-local, loopback, multicast, reserved or public.
    ``direction``
        ingress or egress relative to the ENI that recorded it: ``flow_direction``
        when the format has it, otherwise inferred (see :func:`local_side`); missing
        when the records cannot tell.
    ``local_addr``, ``local_port``, ``remote_addr``, ``remote_port``, ``remote_scope``
        The record seen from the ENI: its own side and the other side.
    ``duration_s``
        ``end - start`` in seconds.
    ``address_translated``
        True when ``srcaddr != pkt_srcaddr`` or ``dstaddr != pkt_dstaddr``: the
        record was written by a NAT gateway or transit gateway interface (or an
        ENI that receives translated traffic) and ``pkt_*`` hold the original
        addresses.

    Parameters
    ----------
    df : DataFrame
        Flow log records (the DataFrame contract).

    Returns
    -------
    DataFrame
        The records with the derived columns appended.

    Examples
    --------
    >>> import flownb
    >>> df = flownb.analysis.enrich(flownb.samples.load("aws-docs/tcp-flags-sequence"))
    >>> df[["tcp_flags", "tcp_flag_names", "direction", "duration_s"]].head(3)
       tcp_flags tcp_flag_names direction  duration_s
    0          2            SYN   ingress          58
    1         18        SYN-ACK    egress          58
    2          2            SYN   ingress          58
    >>> flownb.analysis.enrich(flownb.samples.load("aws-docs/nat-gateway"))["address_translated"].tolist()
    [True, False, False, True, False, False]
    """
    require_frame(df, "enrich()", strict=True)
    out = df.copy(deep=False)
    new: dict[str, pd.Series] = {}
    if "protocol" in df:
        new["protocol_name"] = protocol_names(df["protocol"])
    if "tcp_flags" in df:
        new["tcp_flag_names"] = flag_names(df["tcp_flags"])
    if "traffic_path" in df:
        tp = df["traffic_path"].to_numpy(dtype=np.int64, na_value=0)
        table = np.full(256, -1, dtype=np.int64)
        table[list(schema.TRAFFIC_PATHS)] = np.arange(len(schema.TRAFFIC_PATHS))
        new["traffic_path_label"] = pd.Series(
            pd.Categorical.from_codes(
                table[np.clip(tp, 0, 255)],
                categories=pd.Index(list(schema.TRAFFIC_PATHS.values()), dtype=object),
            ),
            index=df.index,
        )
    if "srcaddr" in df:
        new["src_scope"] = scope_of(df["srcaddr"]).rename("src_scope")
    if "dstaddr" in df:
        new["dst_scope"] = scope_of(df["dstaddr"]).rename("dst_scope")
    if {"srcaddr", "dstaddr"} <= set(df.columns):
        side = local_side(df)
        dirs = list(schema.FLOW_DIRECTIONS)
        codes = np.array([-1, dirs.index("egress"), dirs.index("ingress")], dtype=np.int64)[side]
        new["direction"] = pd.Series(
            pd.Categorical.from_codes(codes, categories=pd.Index(dirs, dtype=object)), index=df.index
        )
        egress, ingress = side == 1, side == 2
        new["local_addr"] = _pick(df["srcaddr"], df["dstaddr"], egress, ingress, "local_addr")
        new["remote_addr"] = _pick(df["dstaddr"], df["srcaddr"], egress, ingress, "remote_addr")
        if {"srcport", "dstport"} <= set(df.columns):
            new["local_port"] = _pick(df["srcport"], df["dstport"], egress, ingress, "local_port")
            new["remote_port"] = _pick(df["dstport"], df["srcport"], egress, ingress, "remote_port")
        new["remote_scope"] = scope_of(new["remote_addr"]).rename("remote_scope")
    if {"start", "end"} <= set(df.columns):
        dur = (df["end"] - df["start"]).dt.total_seconds()
        new["duration_s"] = dur.astype("Int64")
    if {"srcaddr", "pkt_srcaddr", "dstaddr", "pkt_dstaddr"} <= set(df.columns):
        (s, d, ps, pd_), _ = _address_codes(df, ["srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr"])
        translated = ((ps >= 0) & (s >= 0) & (ps != s)) | ((pd_ >= 0) & (d >= 0) & (pd_ != d))
        new["address_translated"] = pd.Series(translated, index=df.index)
    for name, col in new.items():
        out[name] = col.array
    return out


def _pick(a: pd.Series, b: pd.Series, take_a: np.ndarray, take_b: np.ndarray, name: str) -> pd.Series:
    """``a`` where take_a, ``b`` where take_b, missing elsewhere; keeps a category or integer dtype."""
    if isinstance(a.dtype, pd.CategoricalDtype) or isinstance(b.dtype, pd.CategoricalDtype):
        (ca, cb), values = _address_codes(pd.DataFrame({"a": a, "b": b}), ["a", "b"])
        codes = np.where(take_a, ca, np.where(take_b, cb, -1))
        return pd.Series(pd.Categorical.from_codes(codes, categories=values), index=a.index, name=name)
    out = a.where(pd.Series(take_a, index=a.index), b).astype(a.dtype)
    out = out.mask(pd.Series(~(take_a | take_b), index=a.index))
    return out.rename(name)
