"""NAT gateways and transit gateways: which records are a gateway's, and the NAT gateway's two legs joined.

What the VPC User Guide's "Flow log record examples" show:

* A **NAT gateway** rewrites the packet: the source address (and port) of a request
  becomes the gateway's own. Its interface logs two legs of each connection: the
  instance to the gateway's address (``pkt-dstaddr`` = the real destination when
  the format has it) and the gateway's address to the destination. The legs are
  joined on interface, port, protocol, packets, bytes and time, which also works
  without ``pkt-*`` fields.
* A **transit gateway does not rewrite addresses**: the destination sees the
  client's own address. Its attachment interface in each subnet is a hop that
  writes its own address in ``srcaddr``/``dstaddr`` of the records it logs, and the
  packet's addresses in ``pkt-srcaddr``/``pkt-dstaddr`` ("Traffic through a
  transit gateway").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._records import Pair, address_set, any_public, match

__all__ = ["LEG_SHARE", "LEG_TIME_S", "join_legs", "pair_legs"]

#: Seconds between the start (and end) times of a NAT gateway's two legs of one flow: the
#: gateway logs both legs of a packet in the same aggregation interval, so their times
#: differ by the gateway's processing only. flownb's own choice (the AWS examples show
#: equal times), loose enough for clock rounding.
LEG_TIME_S = 5
#: Share of the flows sent to a candidate gateway that must pair with a leg out of it
#: (flownb's own choice: a gateway pairs almost always, a host talking to both sides rarely).
LEG_SHARE = 0.5


def pair_legs(
    df: pd.DataFrame,
    near: np.ndarray,
    far: np.ndarray,
    port_col: str,
    gw_col: str,
    *,
    leg_time_s: float = LEG_TIME_S,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``near`` and ``far`` that are the two legs of one translated flow.

    Same interface, ``port_col``, protocol, packets and bytes (a NAT gateway
    changes addresses and ports, not packets), start and end within
    ``leg_time_s`` seconds. A host that merely talks to both sides matches now
    and then by chance (SYN-only records look alike); a gateway matches almost
    always: the pairs count only where at least half the flows into the
    candidate gateway (its address in ``gw_col`` of the near rows, on one
    interface) found a twin.
    """
    n = len(df)
    out_near = np.zeros(n, dtype=bool)
    out_far = np.zeros(n, dtype=bool)
    if not near.any() or not far.any():
        return out_near, out_far
    keys = [c for c in ("interface_id", port_col, "protocol", "packets", "bytes") if c in df]
    times = [c for c in ("start", "end") if c in df]
    group = [c for c in ("interface_id", gw_col) if c in df]
    a = df.loc[near, list(dict.fromkeys(keys + times + group))].reset_index(drop=True)
    a["_row"] = np.flatnonzero(near)
    b = df.loc[far, keys + times].reset_index(drop=True)
    b["_row"] = np.flatnonzero(far)
    if keys:
        m = a.merge(b, on=keys, suffixes=("_near", "_far"))
    else:
        m = a.merge(b, how="cross", suffixes=("_near", "_far"))
    for t in times:
        m = m[(m[f"{t}_near"] - m[f"{t}_far"]).abs() <= pd.Timedelta(seconds=leg_time_s)]
    if len(m) and group:
        gcols = [g if g in keys else f"{g}_near" if f"{g}_near" in m else g for g in group]
        matched = m.drop_duplicates("_row_near").groupby(gcols, observed=True, dropna=False).size()
        total = a.groupby(group, observed=True, dropna=False).size()
        total.index.names = matched.index.names
        share = (matched / total.reindex(matched.index)).fillna(0)
        good = share[share >= LEG_SHARE].index
        key = pd.MultiIndex.from_frame(m[gcols]) if len(gcols) > 1 else pd.Index(m[gcols[0]])
        m = m[np.asarray(key.isin(good), dtype=bool)]
    out_near[m["_row_near"].to_numpy()] = True
    out_far[m["_row_far"].to_numpy()] = True
    return out_near, out_far


def join_legs(p: Pair, *, leg_time_s: float = LEG_TIME_S) -> None:
    """Add a NAT gateway's legs to the pair's requests and responses; mark gateway records and annotations."""
    df, m, base = p.df, p.m, p.base
    req, resp = p.req, p.resp
    filter_port = p.port is not None and not p.is_icmp and "dstport" in df
    translated_b = req & ~m["dstaddr_b"] & m["pkt_dstaddr_b"]  # sent to a gateway's own address, for dst
    translated_b |= resp & ~m["srcaddr_b"] & m["pkt_srcaddr_b"]
    translated_a = req & ~m["srcaddr_a"] & m["pkt_srcaddr_a"]  # delivered by a gateway interface, from src
    translated_a |= resp & ~m["dstaddr_a"] & m["pkt_dstaddr_a"]
    far_req = base & m["dstaddr_b"] & ~m["srcaddr_a"] & ~m["pkt_srcaddr_a"]
    near_req = base & (m["srcaddr_a"] | m["pkt_srcaddr_a"]) & ~m["dstaddr_b"]
    if filter_port:
        far_req &= p.dp == p.port
        near_req &= p.dp == p.port
    nat_leg = np.zeros(p.n, dtype=bool)
    leg_near = np.zeros(p.n, dtype=bool)
    if far_req.any() and near_req.any():
        gw = address_set(df["srcaddr"][far_req])
        near_req &= match(df, "dstaddr", gw)
        if near_req.any():
            a_rows, b_rows = pair_legs(df, near_req, far_req, "dstport", "dstaddr", leg_time_s=leg_time_s)
            if b_rows.any():
                gw = address_set(df["srcaddr"][b_rows])
                far_resp = base & m["srcaddr_b"] & match(df, "dstaddr", gw)
                near_resp = (
                    base & match(df, "srcaddr", gw) & (m["dstaddr_a"] | m["pkt_dstaddr_a"]) & ~m["srcaddr_b"]
                )
                if filter_port and "srcport" in df:
                    far_resp &= p.sp == p.port
                    near_resp &= p.sp == p.port
                c_rows, d_rows = pair_legs(
                    df, near_resp, far_resp, "srcport", "srcaddr", leg_time_s=leg_time_s
                )
                nat_leg = b_rows | d_rows
                leg_near = a_rows | c_rows
                p.req = req | a_rows | b_rows
                p.resp = resp | c_rows | d_rows
    p.via_nat = bool(nat_leg.any()) or (bool(translated_b.any()) and any_public(p.nets_b))
    p.via_tgw = bool(translated_a.any()) or (bool(translated_b.any()) and not p.via_nat)
    translated_b |= leg_near & ~nat_leg
    p.nat_leg = nat_leg
    p.translated = translated_a | translated_b
