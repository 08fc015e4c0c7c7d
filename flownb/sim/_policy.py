"""Security group, network ACL and route evaluation, vectorised over many packets at once.

Each function takes NumPy arrays (protocol numbers, ports, peer addresses as
integers) for the traffic one interface or subnet sees and returns a boolean
array: whether each is allowed. Rules are looped over (there are few); the
traffic is not.

Examples
--------
>>> import numpy as np
>>> from flownb.sim import Topology
>>> from flownb.sim._policy import nacl_allows
>>> from flownb.sim._topology import ip_int
>>> topo = Topology.default()
>>> acl = topo.network_acl_of("db-a")
>>> peer = np.array([ip_int("10.0.10.10")] * 2, dtype=np.uint32)
>>> nacl_allows(acl, "inbound", np.array([6, 6]), np.array([5432, 22]), peer).tolist()
[True, False]
"""

from __future__ import annotations

import ipaddress
from typing import Literal

import numpy as np

from ._topology import NetworkAcl, SecurityGroupRule, Topology, cidr_range, ip_int, protocol_number

__all__ = ["nacl_allows", "route_targets", "sg_allows", "sg_rule_allows"]

Direction = Literal["inbound", "outbound"]
_PORTED = (6, 17)


def _port_match(proto: np.ndarray, port: np.ndarray, rule_proto: int, ports: tuple[int, int]) -> np.ndarray:
    if rule_proto == -1 or rule_proto not in _PORTED:
        return np.ones(len(port), dtype=bool)
    lo, hi = ports
    return (port >= lo) & (port <= hi)


def _proto_match(proto: np.ndarray, rule_proto: int) -> np.ndarray:
    if rule_proto == -1:
        return np.ones(len(proto), dtype=bool)
    return proto == rule_proto


def _cidr_match(
    peer: np.ndarray, cidr: str, v6: np.ndarray | None = None, topo: Topology | None = None
) -> np.ndarray:
    """Packets whose peer is in ``cidr``: an IPv4 rule matches IPv4 packets only, an IPv6 rule IPv6 ones.

    IPv6 packets carry their addresses' IPv4 stand-ins (:meth:`Topology.ipv6_range`).
    """
    family6 = ":" in cidr
    if family6:
        if v6 is None or not v6.any():
            return np.zeros(len(peer), dtype=bool)
        lo, hi = topo.ipv6_range(cidr) if topo is not None else (0, 0xEFFFFFFF)
        if topo is None and ipaddress.IPv6Network(cidr, strict=False).prefixlen:
            raise ValueError(f"an IPv6 rule other than ::/0 ({cidr!r}) needs the topology to be evaluated")
        return v6 & (peer >= lo) & (peer <= hi)
    lo, hi = cidr_range(cidr)
    m = (peer >= lo) & (peer <= hi)
    return m if v6 is None else m & ~v6


def nacl_allows(
    acl: NetworkAcl,
    direction: Direction,
    proto: np.ndarray,
    port: np.ndarray,
    peer: np.ndarray,
    v6: np.ndarray | None = None,
    topo: Topology | None = None,
) -> np.ndarray:
    """Evaluate a network ACL: the lowest-numbered matching rule decides, else the implicit deny.

    ``port`` is the destination port of each packet, ``peer`` the address on
    the other side (the source for inbound, the destination for outbound);
    ``v6`` marks IPv6 packets, which only IPv6 rules match (the topology
    resolves their CIDRs).
    """
    n = len(port)
    decided = np.zeros(n, dtype=bool)
    allowed = np.zeros(n, dtype=bool)
    for rule in acl.rules(direction):
        rp = protocol_number(rule.protocol)
        m = ~decided & _proto_match(proto, rp) & _port_match(proto, port, rp, rule.ports)  # type: ignore[arg-type]
        m &= _cidr_match(peer, rule.cidr, v6, topo)
        allowed[m] = rule.action == "allow"
        decided |= m
        if decided.all():
            break
    return allowed


def sg_rule_allows(
    topo: Topology,
    rule: SecurityGroupRule,
    proto: np.ndarray,
    port: np.ndarray,
    peer: np.ndarray,
    v6: np.ndarray | None = None,
) -> np.ndarray:
    """Whether one security group rule allows each packet (``peer``: the address on the other side).

    A rule naming another security group matches the private addresses of the
    interfaces in that group.
    """
    rp = protocol_number(rule.protocol)
    m = _proto_match(proto, rp) & _port_match(proto, port, rp, rule.ports)  # type: ignore[arg-type]
    if rule.group is not None:
        ref = topo.security_group(rule.group).id
        members = [ip_int(e.private_ip) for e in topo.interfaces() if ref in e.security_groups]
        inside = np.isin(peer, np.array(members, dtype=np.uint32))
        if v6 is not None:  # an IPv6 packet matches when the member has an IPv6 address
            six = [
                ip_int(e.private_ip)
                for e in topo.interfaces()
                if ref in e.security_groups and topo.has_ipv6(e)
            ]
            inside &= ~v6 | np.isin(peer, np.array(six, dtype=np.uint32))
        return m & inside
    return m & _cidr_match(peer, str(rule.cidr), v6, topo)


def sg_allows(
    topo: Topology,
    group_ids: list[str],
    direction: Direction,
    proto: np.ndarray,
    port: np.ndarray,
    peer: np.ndarray,
    v6: np.ndarray | None = None,
) -> np.ndarray:
    """Evaluate the security groups of an interface: allowed when any rule of any group allows."""
    allowed = np.zeros(len(port), dtype=bool)
    for gid in group_ids:
        group = topo.security_group(gid)
        for rule in group.inbound if direction == "inbound" else group.outbound:
            allowed |= sg_rule_allows(topo, rule, proto, port, peer, v6)
    return allowed


def route_targets(topo: Topology, subnet: str, dst: np.ndarray, v6: np.ndarray | None = None) -> np.ndarray:
    """Kind of the route each destination takes from a subnet: ``local``, ``igw``, ``nat``, ``tgw``, ``eigw``
    (an egress-only internet gateway) or ``none``.

    The longest matching prefix wins, as in a VPC route table. IPv6 packets (``v6``) follow the
    IPv6 routes (``::/0`` and the like) and the VPC's local route, which covers both families.
    """
    rt = topo.route_table_of(subnet)
    best = np.full(len(dst), -1, dtype=np.int16)
    out = np.full(len(dst), "none", dtype=object)
    nat_ids = {n.id for n in topo.nat_gateways} | {n.name for n in topo.nat_gateways}
    igw = topo.internet_gateway
    tgw = topo.transit_gateway
    eigw = topo.egress_only_gateway
    six = np.zeros(len(dst), dtype=bool) if v6 is None else v6
    for route in rt.routes:
        if ":" in route.destination:
            lo, hi = topo.ipv6_range(route.destination)
            plen = 32 - round(float(np.log2(hi - lo + 1))) if hi > lo else 32
            m = six & (dst >= lo) & (dst <= hi) & (best < plen)
        else:
            lo, hi = cidr_range(route.destination)
            plen = int(route.destination.split("/")[1]) if "/" in route.destination else 32
            m = (dst >= lo) & (dst <= hi) & (best < plen)
            if route.target != "local":
                m &= ~six
        if route.target == "local":
            kind = "local"
        elif igw is not None and route.target in (igw.id, igw.name):
            kind = "igw"
        elif route.target in nat_ids:
            kind = "nat"
        elif tgw is not None and route.target in (tgw.id, tgw.name):
            kind = "tgw"
        elif eigw is not None and route.target in (eigw.id, eigw.name):
            kind = "eigw"
        else:
            kind = "none"
        out[m] = kind
        best[m] = plen
    return out
