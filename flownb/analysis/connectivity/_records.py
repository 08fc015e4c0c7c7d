"""The records of one pair of endpoints, and which side of each record is its ENI's own.

:func:`select` finds the records between ``src`` and ``dst`` (both directions,
through gateways too: one end of every leg is an original address) and sorts them
into requests and responses; :func:`place` says, per record, whether it was
written on its way out of its ENI (egress) or in (ingress), and which ENIs hold
the two endpoints' addresses.

An ENI's own address is known from *all* its records: it is on one side of every
record the ENI writes (the VPC User Guide, "Flow log records": ``srcaddr`` is the
interface's address for outgoing traffic, ``dstaddr`` for incoming), so the ENI
attribution looks at every record of the interface, not only those of the pair.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._addresses import Endpoint, codes_and_values, matches, scope_of
from .._enrich import local_side, side_columns
from .._frame import data_rows, distinct, int_array, isin

__all__ = ["Pair", "place", "select"]

_ICMP = (1, 58)


def timestamp(value: Any, name: str) -> pd.Timestamp | None:
    """A user's time as a UTC timestamp (naive times are UTC); None stays None (:mod:`flownb._durations`)."""
    from ..._durations import utc_timestamp

    return utc_timestamp(value, name)


def eni_addresses(df: pd.DataFrame, eni: str) -> tuple[list[str], int]:
    """The addresses an ENI has in its records (its own side of each record), and how many records say so."""
    if "interface_id" not in df:
        raise ValueError(f"'{eni}' is an ENI id, but the records have no interface-id field to find it by")
    rows = np.asarray(df["interface_id"] == eni, dtype=bool) & data_rows(df)
    if not rows.any():
        return [], 0
    sub = df.loc[rows, side_columns(df)]
    side = local_side(sub)
    addrs = pd.concat(
        [sub["srcaddr"].astype(object)[side == 1], sub["dstaddr"].astype(object)[side == 2]]
    ).dropna()
    if addrs.empty:  # cannot tell: the address present in most records
        addrs = pd.concat([sub["srcaddr"].astype(object), sub["dstaddr"].astype(object)]).dropna()
        top = addrs.value_counts()
        return ([str(top.index[0])], int(top.iloc[0])) if len(top) else ([], 0)
    return sorted({str(a) for a in addrs}), len(addrs)


def match(df: pd.DataFrame, column: str, nets: list) -> np.ndarray:
    if column not in df:
        return np.zeros(len(df), dtype=bool)
    return matches(df[column], nets)


def address_set(col: pd.Series) -> list:
    """The distinct addresses of a column, as single-address networks."""
    out = []
    for v in col.dropna().unique():
        try:
            out.append(ipaddress.ip_network(str(v)))
        except ValueError:
            continue
    return out


def action_codes(df: pd.DataFrame) -> np.ndarray:
    """1 ACCEPT, 2 REJECT, 0 missing."""
    if "action" not in df:
        return np.ones(len(df), dtype=np.int8)  # no action field: traffic that was logged passed
    codes, values = codes_and_values(df["action"])
    table = np.array([1 if v == "ACCEPT" else 2 if v == "REJECT" else 0 for v in values] + [0], dtype=np.int8)
    return table[np.where(codes < 0, len(values), codes)]


def net_private(net: Any) -> bool:
    """Is the network's first address anything but an internet address (:func:`flownb._scope.is_internet`)?"""
    from ..._scope import is_internet

    return not bool(is_internet([str(net.network_address)])[0])


def any_public(nets: list) -> bool:
    """Is any of these networks public (neither private, shared, link-local nor loopback)?"""
    return any(not net_private(n) for n in nets)


def public_destination(df: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
    """Per record: is the request's real destination (pkt_dstaddr, else dstaddr) public?"""
    col = "pkt_dstaddr" if "pkt_dstaddr" in df else "dstaddr"
    out = np.zeros(len(df), dtype=bool)
    if mask.any():
        out[mask] = np.asarray(scope_of(df[col][mask]).astype(object) == "public", dtype=bool)
    return out


def enis_of(
    df: pd.DataFrame, nets: list, ep: Endpoint, exclude: list, within: list[str] | None = None
) -> list[str]:
    """ENIs whose own address is in ``nets`` (or the ENI itself when ``ep`` is an ENI id),
    looking only at the ENIs ``within`` when given. Every record of a candidate ENI votes."""
    if ep.eni is not None:
        return [ep.eni]
    if "interface_id" not in df or not nets:
        return []
    rows = data_rows(df)
    if within is not None:
        rows &= isin(df["interface_id"], within)
    s_in = match(df, "srcaddr", nets)
    d_in = match(df, "dstaddr", nets)
    cand = rows & (s_in | d_in) & ~match(df, "srcaddr", exclude) & ~match(df, "dstaddr", exclude)
    if not cand.any():
        return []
    enis = df["interface_id"][cand].dropna().unique()
    eni_rows = isin(df["interface_id"], list(enis)) & rows
    side = np.zeros(len(df), dtype=np.int8)
    side[eni_rows] = local_side(df.loc[eni_rows, side_columns(df)])
    own = eni_rows & (((side == 1) & s_in) | ((side == 2) & d_in))
    return sorted({str(e) for e in df["interface_id"][own].dropna().unique()})


@dataclass
class Pair:
    """The records between two endpoints, as masks over ``df`` (the records naming either of them).

    ``full`` is the whole frame (for questions about interfaces: their address, whether they were
    logging, SKIPDATA); ``df`` = ``full.iloc[keep_idx]``.
    """

    full: pd.DataFrame
    df: pd.DataFrame
    keep_idx: np.ndarray
    a: Endpoint
    b: Endpoint
    nets_a: list
    nets_b: list
    addrs_a: list[str]
    addrs_b: list[str]
    port: int | None
    proto: int | None
    t0: pd.Timestamp | None
    t1: pd.Timestamp | None
    base: np.ndarray
    proto_arr: np.ndarray
    sp: np.ndarray
    dp: np.ndarray
    req: np.ndarray
    resp: np.ndarray
    m: dict[str, np.ndarray]
    #: set by the gateways: NAT legs, records on a gateway interface, annotations
    nat_leg: np.ndarray = field(default=None)  # type: ignore[assignment]
    translated: np.ndarray = field(default=None)  # type: ignore[assignment]
    via_nat: bool = False
    via_tgw: bool = False
    #: set by place(): 1 the ENI's own address is the source (egress), 2 the destination
    side: np.ndarray = field(default=None)  # type: ignore[assignment]
    egress: np.ndarray = field(default=None)  # type: ignore[assignment]
    assumed: bool = False
    involved_enis: list[str] = field(default_factory=list)
    a_enis: list[str] = field(default_factory=list)
    b_enis: list[str] = field(default_factory=list)
    #: what the rules compute once per diagnosis and share between the windows of the timeline
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.df)

    @property
    def rows(self) -> np.ndarray:
        return self.req | self.resp

    @property
    def is_icmp(self) -> bool:
        return self.proto in _ICMP

    def enis(self, mask: np.ndarray) -> list[str]:
        """The ENIs that wrote the records of ``mask``, or a placeholder when the format has no interface-id."""
        names = distinct(self.df["interface_id"], mask) if "interface_id" in self.df else []
        return names or ["the interface"]


def _networks(ep: Endpoint, df: pd.DataFrame) -> tuple[list, list[str]]:
    if ep.eni is None:
        return [ep.network], []
    addrs, _ = eni_addresses(df, ep.eni)
    return [ipaddress.ip_network(a) for a in addrs], addrs


def select(
    full: pd.DataFrame,
    a: Endpoint,
    b: Endpoint,
    port: int | None,
    proto: int | None,
    t0: pd.Timestamp | None,
    t1: pd.Timestamp | None,
) -> Pair:
    """The records between ``a`` and ``b``: requests (a to b) and responses (b to a), before gateways."""
    nets_a, addrs_a = _networks(a, full)
    nets_b, addrs_b = _networks(b, full)
    # Every record that matters names src or dst in one of its address fields (a gateway's
    # legs too: one end is always an original address). Work on those; keep the whole
    # frame for questions about interfaces (whose address, logging, SKIPDATA).
    keep = np.zeros(len(full), dtype=bool)
    for col in ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr"):
        keep |= match(full, col, nets_a + nets_b)
    keep_idx = np.flatnonzero(keep)
    df = full.iloc[keep_idx]
    n = len(df)
    base = data_rows(df)
    if t1 is not None:
        base &= np.asarray(df["start"].fillna(t1) <= t1, dtype=bool)
    if t0 is not None:
        base &= np.asarray(df["end"].fillna(t0) >= t0, dtype=bool)
    proto_arr = int_array(df.get("protocol"), n)
    if proto is not None and "protocol" in df:
        base &= proto_arr == proto
    icmp = proto in _ICMP
    m = {
        f"{col}_{side}": match(df, col, nets)
        for col in ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr")
        for side, nets in (("a", nets_a), ("b", nets_b))
    }
    sp = int_array(df.get("srcport"), n)
    dp = int_array(df.get("dstport"), n)
    req = base & (m["srcaddr_a"] | m["pkt_srcaddr_a"]) & (m["dstaddr_b"] | m["pkt_dstaddr_b"])
    resp = base & (m["srcaddr_b"] | m["pkt_srcaddr_b"]) & (m["dstaddr_a"] | m["pkt_dstaddr_a"])
    if port is not None and not icmp and "dstport" in df:
        icmp_rows = (proto_arr == 1) | (proto_arr == 58)  # ICMP records carry port 0
        req &= (dp == port) | icmp_rows
        resp &= (sp == port) | icmp_rows
    elif port is None and "dstport" in df and not icmp:
        req, resp = _opened_by_src(df, req, resp)
    both = req & resp  # src and dst overlap (e.g. the same CIDR): call it a request
    resp &= ~both
    return Pair(
        full=full,
        df=df,
        keep_idx=keep_idx,
        a=a,
        b=b,
        nets_a=nets_a,
        nets_b=nets_b,
        addrs_a=addrs_a,
        addrs_b=addrs_b,
        port=port,
        proto=proto,
        t0=t0,
        t1=t1,
        base=base,
        proto_arr=proto_arr,
        sp=sp,
        dp=dp,
        req=req,
        resp=resp,
        m=m,
        nat_leg=np.zeros(n, dtype=bool),
        translated=np.zeros(n, dtype=bool),
    )


def _opened_by_src(df: pd.DataFrame, req: np.ndarray, resp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Without a port: keep the connections src opened (not those dst opened to src)."""
    from .._traffic import _pairing

    pair_rows = req | resp
    if not pair_rows.any():
        return req, resp
    sub = df.loc[pair_rows]
    p = _pairing(sub)
    if p is None:
        return req, resp
    to_server = np.zeros(len(sub), dtype=bool)
    to_server[p["idx"]] = p["to_server"]
    idx = np.flatnonzero(pair_rows)
    keep = np.zeros(len(df), dtype=bool)
    keep[idx] = np.where(req[idx], to_server, ~to_server)
    if (keep & req).any():
        return req & keep, resp & keep
    return req, resp


def place(p: Pair) -> None:
    """Per record, the side that is its ENI's own (``p.side``, ``p.egress``), and the ENIs of src and dst."""
    df, full = p.df, p.full
    n = p.n
    rows = p.rows
    evidence_idx = np.flatnonzero(rows)
    side = np.zeros(n, dtype=np.int8)
    if len(evidence_idx) and "interface_id" in df:
        p.involved_enis = distinct(df["interface_id"], rows)
        # the ENI's own address is told by all its records, not only those about src and dst
        eni_rows = isin(full["interface_id"], p.involved_enis) & data_rows(full)
        side_full = np.zeros(len(full), dtype=np.int8)
        side_full[eni_rows] = local_side(full.loc[eni_rows, side_columns(full)])
        side = side_full[p.keep_idx]
    elif len(evidence_idx):
        side[evidence_idx] = local_side(
            df.iloc[evidence_idx][[c for c in ("srcaddr", "dstaddr", "flow_direction") if c in df]]
        )
    req, resp, m = p.req, p.resp, p.m
    assumed = rows & (side == 0)
    if assumed.any() and "interface_id" in df:
        # the record does not say which side its ENI is on: ask the other records whose ENIs
        # src and dst are; a record on src's ENI, or not on dst's known ENI, is the source side
        known_a = enis_of(full, p.nets_a, p.a, exclude=p.nets_b)
        known_b = enis_of(full, p.nets_b, p.b, exclude=p.nets_a)
        on_a = assumed & isin(df["interface_id"], known_a)
        on_b = assumed & isin(df["interface_id"], known_b)
        source = on_a | (assumed & ~on_b & bool(known_b))
        side[source & req] = 1
        side[source & resp] = 2
        side[on_b & ~source & req] = 2
        side[on_b & ~source & resp] = 1
        assumed = rows & (side == 0)
    p.side = side
    p.assumed = bool(assumed.any())
    # a record whose ENI side is still unknown is read from the destination's ENI (the
    # usual vantage point of the AWS examples): request ingress, response egress
    p.egress = np.where(side == 1, True, np.where(side == 2, False, resp))

    # the ENIs of src and dst (where the address is the ENI's own): from the evidence when it
    # shows them (cheap), else searched in all records (only when needed)
    a_local = ((side == 1) & req & (m["srcaddr_a"] | m["pkt_srcaddr_a"])) | (
        (side == 2) & resp & (m["dstaddr_a"] | m["pkt_dstaddr_a"])
    )
    b_local = ((side == 2) & req & m["dstaddr_b"]) | ((side == 1) & resp & m["srcaddr_b"])
    p.a_enis = [p.a.eni] if p.a.eni else sorted({str(e) for e in _eni_names(df, a_local)})
    p.b_enis = [p.b.eni] if p.b.eni else sorted({str(e) for e in _eni_names(df, b_local)})


def _eni_names(df: pd.DataFrame, mask: np.ndarray) -> list:
    if "interface_id" not in df or not mask.any():
        return []
    return list(df["interface_id"][mask].dropna().unique())


def evidence(p: Pair) -> pd.DataFrame:
    """The pair's records (rows of the input), with ``role`` and ``leg``, in time order."""
    e = np.flatnonzero(p.rows)
    out = p.full.iloc[p.keep_idx[e]].copy()
    if len(e):
        leg = np.where(p.nat_leg[e], 2, np.where(p.translated[e], 1, 0))
        role = np.where(p.req[e], 0, 2) + np.where(p.egress[e], 0, 1)
        out["role"] = pd.Categorical.from_codes(
            role, categories=["request egress", "request ingress", "response egress", "response ingress"]
        )
        out["leg"] = pd.Categorical.from_codes(leg, categories=["direct", "translated", "nat"])
        if "start" in out:
            out = out.sort_values("start", kind="stable")
    return out


def when(ts: Any, *, date: bool = False) -> str:
    """A time in words: ``10:05 UTC`` (with the date when ``date``)."""
    ts = pd.Timestamp(ts)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%d %H:%M UTC" if date else "%H:%M UTC")


def address_proof(full: pd.DataFrame, eni: str, nets: list) -> str:
    """Which records prove that ``eni`` holds an address of ``nets``: how many of its records carry it on
    the interface's own side, and when. An ENI's own address is on one side of every record it writes."""
    if "interface_id" not in full or not nets:
        return f"{eni} holds the address"
    rows = isin(full["interface_id"], [eni]) & data_rows(full)
    if not rows.any():
        return f"{eni} holds the address"
    sub = full.loc[rows, side_columns(full)]
    side = local_side(sub)
    s_in, d_in = match(sub, "srcaddr", nets), match(sub, "dstaddr", nets)
    own = ((side == 1) & s_in) | ((side == 2) & d_in)
    if not own.any():
        return f"{eni} holds the address"
    addrs = sorted(
        {str(a) for a in pd.concat([sub["srcaddr"][(side == 1) & s_in], sub["dstaddr"][(side == 2) & d_in]])}
    )
    text = f"{eni} holds {', '.join(addrs)}: {int(own.sum())} of its {int(rows.sum())} records carry it on its own side"
    if "start" in full and "end" in full:
        times = full.loc[rows]
        lo, hi = times["start"][own].min(), times["end"][own].max()
        if not pd.isna(lo) and not pd.isna(hi):
            date = lo.date() != hi.date()
            text += f" ({when(lo, date=date)} to {when(hi, date=date)})"
    return text


def compact(p: Pair) -> None:
    """Keep only the pair's own records (requests and responses): the rules and the timeline read
    nothing else, and a busy server's other records can outnumber them many times."""
    keep = np.flatnonzero(p.rows)
    if len(keep) == p.n:
        return
    p.df = p.df.iloc[keep]
    p.keep_idx = p.keep_idx[keep]
    for name in ("base", "proto_arr", "sp", "dp", "req", "resp", "nat_leg", "translated", "side", "egress"):
        setattr(p, name, getattr(p, name)[keep])
    p.m = {k: v[keep] for k, v in p.m.items()}
    p.cache.pop("base", None)
