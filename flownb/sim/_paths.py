"""Where each connection goes and what each interface on its way records ("legs").

A connection is evaluated the way AWS evaluates it:

* on the way out, the client's security groups (outbound) and its subnet's
  network ACL (outbound) when the packet leaves the subnet;
* on the way in, the server subnet's network ACL (inbound) and the server's
  security groups (inbound);
* on the way back, the network ACLs again, against the client's ephemeral
  port (they are stateless), but not the security groups (stateful: the
  answer to an accepted request always passes them);
* through a NAT gateway, the NAT gateway's subnet ACL both ways, and four
  records on the NAT gateway's interface with ``pkt-srcaddr``/``pkt-dstaddr``
  carrying the original addresses (VPC User Guide, "Flow log record
  examples", NAT gateway).

A leg is one direction of one connection on one interface: it becomes one
record per aggregation interval it spans. A rejected packet is recorded where
it was dropped and nowhere further along.

Examples
--------
A private instance calling an internet API through the NAT gateway: two legs
on the instance's interface, four on the NAT gateway's.

>>> import numpy as np
>>> from flownb.sim import Topology
>>> from flownb.sim._paths import connection_legs
>>> from flownb.sim._topology import ip_int
>>> from flownb.sim._traffic import Connections, Endpoints
>>> topo = Topology.default()
>>> eps = Endpoints(topo)
>>> app = eps.primary("app-1")[0]
>>> c = Connections.make(1, t0=1e9, c_ep=app, c_ip=eps.ip[app], s_ip=ip_int("52.94.236.248"),
...                      c_port=40000, s_port=443, proto=6, req_bytes=800, resp_bytes=5000)
>>> legs = connection_legs(topo, eps, c, np.random.default_rng(0))
>>> [(str(eps.enis[e].name), "out" if out else "in") for e, out in zip(legs.eni, legs.egress)]
[('app-1-eth0', 'out'), ('nat-a-eni', 'in'), ('nat-a-eni', 'out'), ('nat-a-eni', 'in'), ('nat-a-eni', 'out'), ('app-1-eth0', 'in')]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._columns import Columns
from ._policy import nacl_allows, route_targets, sg_allows
from ._topology import Topology, cidr_range, ip_int, protocol_number
from ._traffic import (
    ANSWER_AUTO,
    ANSWER_NORMAL,
    ANSWER_REFUSED,
    ANSWER_SILENT,
    KIND_FLOOD,
    KIND_PROBE,
    Connections,
    Endpoints,
)

__all__ = ["Legs", "connection_legs"]

# TCP flag bits (VPC User Guide, "TCP flag sequence").
FIN, SYN, RST, SYN_ACK = 1, 2, 4, 18
#: Linux SYN retransmission times (s after the first SYN): 1, 3, 7, 15 s.
_RETRY_SPAN = np.array([0.0, 1.0, 3.0, 7.0, 15.0, 31.0])
_MSS = 1448
_TCP_HDR, _UDP_HDR = 52, 28


@dataclass
class Legs(Columns):
    """One direction of a connection on one interface, before splitting into intervals."""

    eni: np.ndarray
    egress: np.ndarray
    accept: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    pkt_src: np.ndarray
    pkt_dst: np.ndarray
    sport: np.ndarray
    dport: np.ndarray
    proto: np.ndarray
    packets: np.ndarray
    bytes: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    f_first: np.ndarray
    f_mid: np.ndarray
    f_last: np.ndarray
    path: np.ndarray
    conn: np.ndarray
    #: The endpoint of the next hop (the receiver of an egress leg, the sender of an ingress leg); -1 none.
    hop: np.ndarray
    v6: np.ndarray


def _subnet_index(topo: Topology) -> tuple[list[str], np.ndarray, np.ndarray]:
    ids = [s.id for s in topo.subnets]
    rng = np.array([cidr_range(s.cidr) for s in topo.subnets], dtype=np.int64).reshape(-1, 2)
    return ids, rng[:, 0], rng[:, 1]


def _addr_subnet(ips: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    out = np.full(len(ips), -1, dtype=np.int32)
    for k in range(len(lo)):
        out[(ips >= lo[k]) & (ips <= hi[k])] = k
    return out


def _groups(keys: np.ndarray, active: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(key, row indices) for each key among the active rows (keys are small integers)."""
    idx = np.flatnonzero(active)
    if not len(idx):
        return []
    kk = keys[idx]
    order = np.argsort(kk, kind="stable")
    idx, kk = idx[order], kk[order]
    cuts = np.flatnonzero(np.diff(kk)) + 1
    return [(int(kk[a]), idx[a:b]) for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(kk)], strict=True)]


class _Checker:
    """Runs ACL and security group checks on the rows a mask selects, per subnet or interface."""

    def __init__(self, topo: Topology, eps: Endpoints, conns: Connections) -> None:
        self.topo, self.eps, self.conns = topo, eps, conns
        self.subnet_ids, self.sub_lo, self.sub_hi = _subnet_index(topo)
        self.ep_sub = np.array([self.subnet_ids.index(s) for s in eps.subnet], dtype=np.int32)
        self.any_v6 = bool(conns.v6.any())

    def nacl(
        self, sub: np.ndarray, direction: str, port: np.ndarray, peer: np.ndarray, active: np.ndarray
    ) -> np.ndarray:
        ok = np.ones(len(sub), dtype=bool)
        proto = self.conns.proto
        for k, m in _groups(sub, active):
            if k < 0:
                continue
            acl = self.topo.network_acl(self.topo.subnets[k].network_acl)
            v6 = self.conns.v6[m] if self.any_v6 else None
            ok[m] = nacl_allows(acl, direction, proto[m], port[m], peer[m], v6, self.topo)  # type: ignore[arg-type]
        return ok

    def sg(
        self, ep: np.ndarray, direction: str, port: np.ndarray, peer: np.ndarray, active: np.ndarray
    ) -> np.ndarray:
        ok = np.ones(len(ep), dtype=bool)
        proto = self.conns.proto
        for k, m in _groups(ep, active):
            if k < 0:
                continue
            groups = self.eps.enis[k].security_groups
            if not groups:  # NAT gateways have no security groups
                continue
            v6 = self.conns.v6[m] if self.any_v6 else None
            ok[m] = sg_allows(self.topo, groups, direction, proto[m], port[m], peer[m], v6)  # type: ignore[arg-type]
        return ok


def _auto_answers(topo: Topology, eps: Endpoints, c: Connections, reached: np.ndarray) -> np.ndarray:
    """How each server answers: its services (listening or not) and its host firewall decide."""
    ans = c.answer.copy()
    auto = reached & (ans == ANSWER_AUTO)
    ans[auto & (c.s_ep < 0)] = ANSWER_NORMAL
    for k, m in _groups(c.s_ep, auto):
        if k < 0:
            continue
        inst = eps.instance[k]
        if inst is None:  # a NAT gateway does not answer connections to itself
            ans[m] = ANSWER_SILENT
            continue
        port, proto, client = c.s_port[m], c.proto[m], c.c_ip[m]
        listening = proto == 1  # ICMP echo is answered by the host
        for svc in inst.services:
            if svc.listening:
                listening |= (port == svc.port) & (proto == protocol_number(svc.protocol))
        dropped = np.zeros(len(m), dtype=bool)
        for cidr, dport in inst.firewall_drops:
            lo, hi = cidr_range(cidr)
            dropped |= (client >= lo) & (client <= hi) & ((port == dport) | (dport in (None, -1)))
        closed = np.where(proto == 6, ANSWER_REFUSED, ANSWER_SILENT)
        ans[m] = np.where(dropped, ANSWER_SILENT, np.where(listening, ANSWER_NORMAL, closed))
    return ans


def _packet_model(
    c: Connections, established: np.ndarray, answer: np.ndarray, rng: np.random.Generator
) -> dict:
    """Packets, bytes, flags and end times of the request and response directions."""
    n = len(c)
    tcp = c.proto == 6
    probe = c.kind == KIND_PROBE
    flood = c.kind == KIND_FLOOD
    retries = rng.integers(2, 6, n)  # drawn for every connection, so the stream does not depend on outcomes
    # established TCP: handshake, data, ACKs (about one per two segments), FIN
    data_req = -(-c.req_bytes // _MSS)
    data_resp = -(-c.resp_bytes // _MSS)
    req_p = 3 + data_req + (data_resp + 1) // 2
    resp_p = 2 + data_resp + (data_req + 1) // 2
    req_b = c.req_bytes + _TCP_HDR * req_p + 8
    resp_b = c.resp_bytes + _TCP_HDR * resp_p + 8
    t1 = c.t0 + c.dur
    rf = np.where(tcp, SYN, 0).astype(np.int16)
    rm = np.zeros(n, np.int16)
    rl = np.where(tcp, FIN, 0).astype(np.int16)
    sf = np.where(tcp, SYN_ACK, 0).astype(np.int16)
    sm = np.zeros(n, np.int16)
    sl = rl.copy()

    def put(mask: np.ndarray, **values: object) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        arrays = {"req_p": req_p, "req_b": req_b, "resp_p": resp_p, "resp_b": resp_b, "t1": t1}
        arrays |= {"rf": rf, "rm": rm, "rl": rl, "sf": sf, "sm": sm, "sl": sl}
        for key, v in values.items():
            arr = arrays[key]
            arr[idx] = v[idx] if isinstance(v, np.ndarray) and v.shape == (n,) else v

    refused = tcp & (answer == ANSWER_REFUSED) & ~probe & ~flood
    # TCP that never got going: SYN retransmissions (and SYN-ACKs answering them)
    fail = tcp & ~established & ~probe & ~flood & ~refused
    span = c.t0 + _RETRY_SPAN[retries - 1]
    put(fail, req_p=retries, req_b=60 * retries, resp_p=retries, resp_b=60 * retries, t1=span)
    put(fail, rf=SYN, rm=SYN, rl=SYN, sf=SYN_ACK, sm=SYN_ACK, sl=SYN_ACK)
    # refused: one SYN, one RST
    put(refused, req_p=1, req_b=60, resp_p=1, resp_b=40, t1=c.t0)
    put(refused, rf=SYN, rm=SYN, rl=SYN, sf=RST, sm=RST, sl=RST)
    # scan probes: SYN; an open port answers SYN-ACK and the scanner resets (SYN|RST on its side)
    open_probe = probe & tcp & established
    put(probe, req_p=1, req_b=44, resp_p=1, resp_b=44, t1=c.t0, rf=SYN, rm=SYN, rl=SYN)
    put(open_probe, req_p=2, req_b=84, rf=SYN | RST, rm=SYN | RST, rl=SYN | RST)
    put(probe, sf=SYN_ACK, sm=SYN_ACK, sl=SYN_ACK)
    put(probe & (answer == ANSWER_REFUSED), sf=RST, sm=RST, sl=RST)
    # UDP, ICMP and other protocols: datagrams, no handshake
    other = ~tcp & ~flood
    if other.any():
        hdr = np.where(c.proto == 1, 28, _UDP_HDR)
        oreq = np.maximum(1, -(-c.req_bytes // 1400))
        oresp = np.maximum(1, -(-c.resp_bytes // 1400))
        put(
            other, req_p=oreq, resp_p=oresp, req_b=c.req_bytes + hdr * oreq, resp_b=c.resp_bytes + hdr * oresp
        )
    # floods: a one-way stream of small packets (TCP SYNs of 60 bytes, or UDP datagrams of 540)
    if flood.any():
        fsize = np.where(tcp, 60, 540)
        fp = np.maximum(1, c.req_bytes // fsize)
        ff = np.where(tcp, SYN, 0).astype(np.int16)
        put(flood, req_p=fp, req_b=fp * fsize, rf=ff, rm=ff, rl=ff)
    return {"req": (req_p, req_b, rf, rm, rl), "resp": (resp_p, resp_b, sf, sm, sl), "t1": t1}


#: What became of a connection, in the connectivity verdicts' words (:data:`OUTCOMES` ``[code]``); 0: it worked.
OUTCOMES = (
    "",
    "OUTBOUND_BLOCKED_SG_OR_NACL",
    "INBOUND_BLOCKED_SG_OR_NACL",
    "NO_RESPONSE",
    "NACL_OUTBOUND_BLOCKS_RETURN",
    "ASYMMETRIC_PATH",
    "NACL_INBOUND_BLOCKS_RETURN",
    "CONNECTION_REFUSED",
    "NOT_DELIVERED",
)


def connection_legs(
    topo: Topology,
    eps: Endpoints,
    c: Connections,
    rng: np.random.Generator,
    outcome: np.ndarray | None = None,
) -> Legs:
    """Evaluate every connection and return the legs the interfaces on its path record.

    ``outcome``, when given (an int8 array of one element per connection), receives what became
    of each connection: the index in :data:`OUTCOMES` of the first thing that stopped it on its
    way there and back (0: it worked).
    """
    n = len(c)
    chk = _Checker(topo, eps, c)
    ep_sub = chk.ep_sub
    c_in = c.c_ep >= 0
    csub = np.where(c_in, ep_sub[np.maximum(c.c_ep, 0)], -1)
    # routing from the client's subnet
    kind = np.full(n, "inbound", dtype=object)
    kind[~c_in & (c.s_ep < 0)] = "outside"
    nat_ep = np.full(n, -1, dtype=np.int32)
    nat_ids = {}
    for k, eni in enumerate(eps.enis):
        for nat in topo.nat_gateways:
            if nat.interface is eni:
                nat_ids[nat.id] = k
                nat_ids[nat.name] = k
    any_v6 = bool(c.v6.any())
    for k, m in _groups(csub, c_in):
        targets = route_targets(topo, topo.subnets[k].id, c.s_ip[m], c.v6[m] if any_v6 else None)
        kind[m] = targets
        rt = topo.route_table_of(topo.subnets[k].id)
        nat_route = next((r.target for r in rt.routes if r.target in nat_ids), None)
        if nat_route is not None:
            nat_ep[m] = nat_ids[nat_route]
    tgw_ep = np.full(n, -1, dtype=np.int32)
    tgw_enis = {id(e) for e in topo.transit_gateway_interfaces()}
    if tgw_enis:  # the attachment interface in the client's zone (else the first one)
        zone: dict[str, int] = {}
        for k, eni in enumerate(eps.enis):
            if id(eni) in tgw_enis:
                zone.setdefault(topo.subnet(eni.subnet).az, k)
        first = next(iter(zone.values()))
        for k, m in _groups(csub, c_in):
            tgw_ep[m] = zone.get(topo.subnets[k].az, first)
    local, via_nat = kind == "local", kind == "nat"
    via_igw, via_tgw, inbound = kind == "igw", kind == "tgw", kind == "inbound"
    via_eigw = kind == "eigw"
    ssub = np.where(c.s_ep >= 0, ep_sub[np.maximum(c.s_ep, 0)], _addr_subnet(c.s_ip, chk.sub_lo, chk.sub_hi))
    nsub = np.where(nat_ep >= 0, ep_sub[np.maximum(nat_ep, 0)], -1)
    hop = np.where(local, ssub, np.where(via_nat, nsub, -2))

    # ---- request, client side
    c_out = chk.sg(c.c_ep, "outbound", c.s_port, c.s_ip, c_in) & chk.nacl(
        csub, "outbound", c.s_port, c.s_ip, c_in & (hop != csub)
    )
    # ---- request, server side (inside the VPC)
    s_public = np.where(c.s_ep >= 0, eps.public[np.maximum(c.s_ep, 0)] != 0, False)
    if (
        any_v6
    ):  # over IPv6 every address is public: reachable where the subnet routes ::/0 to the internet gateway
        s_public = np.where(
            c.v6, np.where(c.s_ep >= 0, eps.v6_public[np.maximum(c.s_ep, 0)], False), s_public
        )
    reach_s = (local & c_out & (c.s_ep >= 0)) | (inbound & s_public)
    s_acc = chk.nacl(ssub, "inbound", c.s_port, c.c_ip, reach_s & (ssub != csub)) & chk.sg(
        c.s_ep, "inbound", c.s_port, c.c_ip, reach_s
    )
    # ---- request through the NAT gateway or the internet gateway
    reach_nat = via_nat & c_out & (nat_ep >= 0)
    n_in_req = chk.nacl(nsub, "inbound", c.s_port, c.c_ip, reach_nat & (nsub != csub))
    n_out_req = chk.nacl(nsub, "outbound", c.s_port, c.s_ip, reach_nat & n_in_req)
    has_public = np.where(c_in, eps.public[np.maximum(c.c_ep, 0)] != 0, False)
    if any_v6:
        has_public = np.where(c.v6, np.where(c_in, eps.has_v6[np.maximum(c.c_ep, 0)], False), has_public)
    sent_out = (reach_nat & n_in_req & n_out_req) | (via_igw & c_out & has_public) | (via_tgw & c_out)
    sent_out |= via_eigw & c_out & has_public  # IPv6 out through the egress-only internet gateway

    delivered = (reach_s & s_acc) | sent_out
    answer = _auto_answers(topo, eps, c, delivered)
    answers = delivered & ((answer == ANSWER_NORMAL) | (answer == ANSWER_REFUSED))

    # ---- the answer, inside the VPC
    r_in = answers & (c.r_ep >= 0) & (local | inbound)
    rsub = np.where(c.r_ep >= 0, ep_sub[np.maximum(c.r_ep, 0)], -1)
    asym = r_in & (c.r_ep != c.s_ep)
    r_out = chk.sg(c.r_ep, "outbound", c.c_port, c.c_ip, asym) & chk.nacl(
        rsub, "outbound", c.c_port, c.c_ip, r_in & (rsub != csub)
    )
    # ---- the answer through the NAT gateway
    nat_port = rng.integers(1024, 65536, n).astype(np.int32)
    back_nat = answers & via_nat
    n_in_resp = chk.nacl(nsub, "inbound", nat_port, c.s_ip, back_nat)
    n_out_resp = chk.nacl(nsub, "outbound", c.c_port, c.c_ip, back_nat & n_in_resp & (nsub != csub))
    # ---- the answer reaching the client's subnet
    at_client = c_in & (
        (r_in & r_out) | (back_nat & n_in_resp & n_out_resp) | (answers & (via_igw | via_tgw | via_eigw))
    )
    from_sub = np.where(local, rsub, np.where(via_nat, nsub, -2))
    c_back = chk.nacl(csub, "inbound", c.c_port, c.s_ip, at_client & (from_sub != csub))

    normal = answer == ANSWER_NORMAL
    established = np.where(c_in, at_client & c_back & normal, r_in & r_out & normal)
    if outcome is not None:  # the first failure along the path, there and back
        refused = answer == ANSWER_REFUSED
        steps: list[tuple[np.ndarray, np.ndarray | int]] = [
            (c_in & (kind != "outside") & ~c_out, 1),
            (reach_nat & ~(n_in_req & n_out_req), 1),
            (reach_s & ~s_acc, 2),
            (c_in & c_out & ~delivered, 8),  # no route, or an address no interface has
            (delivered & ~answers, 3),
            (r_in & ~r_out, np.where(asym, 5, 4)),
            (back_nat & ~(n_in_resp & n_out_resp), 6),
            (at_client & ~c_back, 6),
            (delivered & refused, 7),
        ]
        outcome[:] = 0
        for mask, code in steps:
            outcome[:] = np.where((outcome == 0) & mask, code, outcome)
    pm = _packet_model(c, established, answer, rng)
    req, resp, t1 = pm["req"], pm["resp"], pm["t1"]
    if any_v6:  # an IPv6 header is 20 bytes longer than an IPv4 one (RFC 8200, RFC 791)
        extra = np.where(c.v6, 20, 0)
        req = (req[0], req[1] + extra * req[0], *req[2:])
        resp = (resp[0], resp[1] + extra * resp[0], *resp[2:])
    conn_idx = np.arange(n, dtype=np.int64)

    parts: list[Legs] = []

    def emit(mask, eni, egress, accept, src, dst, psrc, pdst, sport, dport, counts, path, hop):
        idx = np.flatnonzero(mask)
        if not len(idx):
            return

        def pick(v):
            return np.broadcast_to(np.asarray(v), (n,))[idx] if np.ndim(v) == 0 or len(v) != n else v[idx]

        p, b, ff, fm, fl = counts
        parts.append(
            Legs(
                eni=pick(eni).astype(np.int32),
                egress=np.full(len(idx), egress, dtype=bool),
                accept=pick(accept).astype(bool),
                src=pick(src).astype(np.uint32),
                dst=pick(dst).astype(np.uint32),
                pkt_src=pick(psrc).astype(np.uint32),
                pkt_dst=pick(pdst).astype(np.uint32),
                sport=pick(sport).astype(np.int32),
                dport=pick(dport).astype(np.int32),
                proto=c.proto[idx],
                packets=p[idx],
                bytes=b[idx],
                t0=c.t0[idx],
                t1=t1[idx],
                f_first=ff[idx],
                f_mid=fm[idx],
                f_last=fl[idx],
                path=pick(path).astype(np.int8),
                conn=conn_idx[idx],
                hop=pick(hop).astype(np.int32),
                v6=c.v6[idx],
            )
        )

    nat_ip = np.where(nat_ep >= 0, eps.ip[np.maximum(nat_ep, 0)], 0).astype(np.uint32)
    tgw_ip = np.where(tgw_ep >= 0, eps.ip[np.maximum(tgw_ep, 0)], 0).astype(np.uint32)
    out_path = np.where(local | via_nat | via_tgw, 1, np.where(via_igw, 8, 0))
    # the next hop: the interface the request goes to from the client, and the answer comes from
    gateway_hop = np.where(via_nat, nat_ep, np.where(via_tgw, tgw_ep, -1))
    c_hop = np.where(local, c.s_ep, gateway_hop)
    c_back_hop = np.where(local, c.r_ep, gateway_hop)
    peer_hop = np.where(c_in, c.c_ep, -1)
    # client egress: the request
    emit(
        c_in & (kind != "outside"),
        c.c_ep,
        True,
        c_out,
        c.c_ip,
        c.s_ip,
        c.c_ip,
        c.s_ip,
        c.c_port,
        c.s_port,
        req,
        out_path,
        c_hop,
    )
    # server ingress: the request
    emit(reach_s, c.s_ep, False, s_acc, c.c_ip, c.s_ip, c.c_ip, c.s_ip, c.c_port, c.s_port, req, 0, peer_hop)
    # answering interface egress: the response
    r_path = np.where(c_in, 1, 8)
    emit(
        r_in, c.r_ep, True, r_out, c.s_ip, c.c_ip, c.s_ip, c.c_ip, c.s_port, c.c_port, resp, r_path, peer_hop
    )
    # NAT gateway: in from the instance, out to the internet, the answer in, and back to the instance
    emit(
        reach_nat, nat_ep, False, n_in_req, c.c_ip, nat_ip, c.c_ip, c.s_ip, c.c_port, c.s_port, req, 0, c.c_ep
    )
    emit(
        reach_nat & n_in_req,
        nat_ep,
        True,
        n_out_req,
        nat_ip,
        c.s_ip,
        nat_ip,
        c.s_ip,
        nat_port,
        c.s_port,
        req,
        8,
        -1,
    )
    emit(back_nat, nat_ep, False, n_in_resp, c.s_ip, nat_ip, c.s_ip, nat_ip, c.s_port, nat_port, resp, 0, -1)
    emit(
        back_nat & n_in_resp,
        nat_ep,
        True,
        n_out_resp,
        nat_ip,
        c.c_ip,
        c.s_ip,
        c.c_ip,
        c.s_port,
        c.c_port,
        resp,
        1,
        c.c_ep,
    )
    # transit gateway attachment interface: the request in from the instance, the answer out to it
    to_tgw = via_tgw & c_out & (tgw_ep >= 0)
    emit(to_tgw, tgw_ep, False, True, c.c_ip, tgw_ip, c.c_ip, c.s_ip, c.c_port, c.s_port, req, 0, c.c_ep)
    emit(
        to_tgw & answers,
        tgw_ep,
        True,
        True,
        tgw_ip,
        c.c_ip,
        c.s_ip,
        c.c_ip,
        c.s_port,
        c.c_port,
        resp,
        1,
        c.c_ep,
    )
    # client ingress: the response
    emit(
        at_client,
        c.c_ep,
        False,
        c_back,
        c.s_ip,
        c.c_ip,
        c.s_ip,
        c.c_ip,
        c.s_port,
        c.c_port,
        resp,
        0,
        c_back_hop,
    )
    if not parts:
        z = np.zeros(0)
        return Legs(*(z.astype(t) for t in _LEG_TYPES))
    return Legs.concat(parts)


_LEG_TYPES = [
    np.int32, bool, bool, np.uint32, np.uint32, np.uint32, np.uint32, np.int32, np.int32,
    np.int16, np.int64, np.int64, np.float64, np.float64, np.int16, np.int16, np.int16, np.int8, np.int64,
    np.int32, bool,
]  # fmt: skip


def never_logged_mask(topo: Topology, legs: Legs) -> np.ndarray:
    """Legs AWS never logs: Amazon DNS, instance metadata, time sync, license activation, DHCP."""
    from ._traffic import NEVER_LOGGED

    special = np.array([ip_int(a) for a in (*NEVER_LOGGED, topo.dns_server)], dtype=np.uint32)
    m = np.isin(legs.dst, special) | np.isin(legs.src, special)
    m |= np.isin(legs.pkt_dst, special) | np.isin(legs.pkt_src, special)  # the NAT gateway's legs too
    dhcp = (legs.proto == 17) & np.isin(legs.dport, (67, 68)) & np.isin(legs.sport, (67, 68))
    return m | dhcp
