"""Connectivity scenarios: changes that break (or explain) a path, and the verdict diagnose() should give."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._context import Context
from .._policy import sg_allows, sg_rule_allows
from .._topology import Instance, NetworkInterface, SecurityGroup, SecurityGroupRule, Service, protocol_number
from .._traffic import ANSWER_NORMAL
from . import Injector, scenario
from ._common import (
    _at_least_one,
    _change_window,
    _free_address,
    _instance,
    _remove_ephemeral_rules,
    _verdict_injector,
    _window,
)


@scenario("nacl_blocks_return", "connectivity")
def nacl_blocks_return(
    ctx: Context,
    client: str = "app-1",
    server: str = "db-1",
    port: int = 5432,
    protocol: str = "tcp",
    per_hour: float = 30,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """The server subnet's network ACL lacks the outbound ephemeral-port rule: ACCEPT in, REJECT of the answer out."""
    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    srv = _instance(ctx, server, "server")
    acl = ctx.topo.private_network_acl(srv.eni.subnet)
    rules = _remove_ephemeral_rules(ctx, acl, "outbound")
    return _verdict_injector(
        client,
        server,
        port,
        protocol,
        per_hour,
        "NACL_OUTBOUND_BLOCKS_RETURN",
        f"{acl.name} lacks the outbound ephemeral-port rule",
        f"outbound rule(s) {rules} (TCP 1024-65535) removed from {acl.name} ({acl.id}) of subnet {srv.eni.subnet}",
        window=window,
    )


@scenario("nacl_blocks_inbound", "connectivity")
def nacl_blocks_inbound(
    ctx: Context,
    client: str = "bastion",
    server: str = "app-2",
    port: int = 22,
    protocol: str = "tcp",
    per_hour: float = 20,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """The client subnet's network ACL lacks the inbound ephemeral-port rule: the answers are REJECTed coming back."""
    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    cl = _instance(ctx, client, "client")
    acl = ctx.topo.private_network_acl(cl.eni.subnet)
    rules = _remove_ephemeral_rules(ctx, acl, "inbound")
    return _verdict_injector(
        client,
        server,
        port,
        protocol,
        per_hour,
        "NACL_INBOUND_BLOCKS_RETURN",
        f"{acl.name} lacks the inbound ephemeral-port rule",
        f"inbound rule(s) {rules} (TCP 1024-65535) removed from {acl.name} ({acl.id}) of subnet {cl.eni.subnet}",
        window=window,
    )


def _sg_allows_one(ctx: Context, groups: list[str], direction: str, proto: int, port: int, peer: int) -> bool:
    return bool(
        sg_allows(
            ctx.topo,
            groups,
            direction,
            np.array([proto]),
            np.array([port]),
            np.array([peer], dtype=np.uint32),
        )[0]  # type: ignore[arg-type]
    )


@scenario("sg_blocks_inbound", "connectivity")
def sg_blocks_inbound(
    ctx: Context,
    client: str = "app-1",
    server: str = "db-2",
    port: int = 5432,
    protocol: str = "tcp",
    per_hour: float = 30,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """The server's security group lacks the inbound rule: a single REJECT on the server, no answer."""
    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    srv = _instance(ctx, server, "server")
    peer = ctx.target(client).ip
    proto = protocol_number(protocol)
    sg = ctx.topo.private_security_group(srv.name)
    one = (np.array([proto]), np.array([port]), np.array([peer], dtype=np.uint32))
    kept = [rule for rule in sg.inbound if not sg_rule_allows(ctx.topo, rule, *one)[0]]
    removed = len(sg.inbound) - len(kept)
    sg.inbound = kept
    if _sg_allows_one(ctx, srv.eni.security_groups, "inbound", proto, port, peer):
        raise ValueError(f"{ctx.scenario}: another security group of {srv.name} still allows port {port}")
    return _verdict_injector(
        client,
        server,
        port,
        protocol,
        per_hour,
        "INBOUND_BLOCKED_SG_OR_NACL",
        f"{sg.name} does not allow {protocol} {port} from {client}",
        f"{removed} inbound rule(s) allowing {client} on port {port} removed from security group {sg.name} ({sg.id})",
        window=window,
    )


@scenario("sg_blocks_outbound", "connectivity")
def sg_blocks_outbound(
    ctx: Context,
    client: str = "app-2",
    server: str = "apis",
    port: int = 443,
    protocol: str = "tcp",
    per_hour: float = 30,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """The client's security group allows outbound traffic to the VPC only: a single REJECT on the client."""
    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    cl = _instance(ctx, client, "client")
    sg = ctx.topo.private_security_group(cl.name)
    sg.outbound = [SecurityGroupRule("all", None, ctx.topo.cidr, description="VPC only")]
    dst = ctx.target(server)
    return _verdict_injector(
        client,
        server,
        port,
        protocol,
        per_hour,
        "OUTBOUND_BLOCKED_SG_OR_NACL",
        f"{sg.name} allows outbound traffic to {ctx.topo.cidr} only",
        f"outbound rules of security group {sg.name} ({sg.id}) replaced by 'all traffic to {ctx.topo.cidr}'; "
        f"{client} cannot reach {dst.address}",
        window=window,
    )


@scenario("connection_refused", "connectivity")
def connection_refused(
    ctx: Context,
    client: str = "web-1",
    server: str = "app-2",
    port: int = 8080,
    protocol: str = "tcp",
    per_hour: float = 30,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """Nothing listens on the server's port: the SYN is ACCEPTed and answered by a RST."""
    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    srv = _instance(ctx, server, "server")
    proto = protocol_number(protocol)
    hit = [s for s in srv.services if s.port == port and protocol_number(s.protocol) == proto]
    for s in hit:
        s.listening = False
    if not hit:
        srv.services.append(Service(port, protocol, "stopped", listening=False))
    return _verdict_injector(
        client,
        server,
        port,
        protocol,
        per_hour,
        "CONNECTION_REFUSED",
        f"nothing listens on {server}:{port}",
        f"the service on {server} port {port} is stopped; the host answers with RST",
        window=window,
    )


@scenario("no_response", "connectivity")
def no_response(
    ctx: Context,
    client: str = "web-2",
    server: str = "app-1",
    port: int = 8080,
    protocol: str = "tcp",
    per_hour: float = 30,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """The server's host firewall silently drops the client: SYNs ACCEPTed, no answer at all."""
    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    srv = _instance(ctx, server, "server")
    c = ctx.target(client)
    srv.firewall_drops.append((f"{c.address}/32", port))
    return _verdict_injector(
        client,
        server,
        port,
        protocol,
        per_hour,
        "NO_RESPONSE",
        f"{server}'s host firewall drops {client}",
        f"iptables on {server} drops {c.address} to port {port} without answering",
        window=window,
    )


@scenario("asymmetric_path", "connectivity")
def asymmetric_path(
    ctx: Context,
    client: str = "web-1",
    port: int = 8443,
    protocol: str = "tcp",
    per_hour: float = 30,
    appliance: str = "proxy-1",
) -> Injector:
    """A dual-homed proxy answers through its other interface: request in on eth0, response out of eth1."""
    _at_least_one(ctx, per_hour=per_hour)
    topo = ctx.topo
    cl = _instance(ctx, client, "client")
    csub = topo.subnet(cl.eni.subnet)
    other = next(s for s in topo.subnets if not s.public and s.az == csub.az)
    sg = SecurityGroup(f"{appliance}-sg", [SecurityGroupRule("tcp", port, topo.cidr, description="proxy")])
    topo.security_groups.append(sg)
    used = {e.private_ip for e in topo.interfaces()}
    eth0 = NetworkInterface(
        f"{appliance}-eth0",
        other.id,
        _free_address(other.cidr, used),
        None,
        [sg.id],
        f"{appliance} eth0",
        False,
    )
    eth1 = NetworkInterface(
        f"{appliance}-eth1",
        csub.id,
        _free_address(csub.cidr, used),
        None,
        [sg.id],
        f"{appliance} eth1",
        False,
    )
    topo.instances.append(
        Instance(appliance, "proxy", [eth0, eth1], "linux", [Service(port, protocol, "proxy")])
    )

    def inject(ctx: Context) -> None:
        r_ep = ctx.ep_of_interface(eth1.id)
        _verdict_injector(
            client,
            appliance,
            port,
            protocol,
            per_hour,
            "ASYMMETRIC_PATH",
            f"{appliance} answers through {eth1.id}, not the interface the request came in on",
            f"{appliance} has {eth0.id} ({eth0.private_ip}, {other.name}) and {eth1.id} ({eth1.private_ip}, "
            f"{csub.name}); its route to {csub.cidr} leaves through eth1, so answers skip eth0",
            r_ep=r_ep,
        )(ctx)

    return inject


@scenario("nat_gateway", "connectivity")
def nat_gateway(
    ctx: Context,
    client: str = "app-1",
    server: str = "52.94.236.248",
    port: int = 443,
    protocol: str = "tcp",
    per_hour: float = 60,
) -> Injector:
    """A private instance reaches an internet API through the NAT gateway: four records on the NAT gateway's ENI."""
    _at_least_one(ctx, per_hour=per_hour)
    _instance(ctx, client, "client")

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        c, s = ctx.target(client), ctx.target(server)
        times = ctx.arrivals(rng, per_hour)
        n = len(times)
        ctx.connect(
            c,
            s,
            port,
            protocol,
            times,
            rng,
            event=ctx.new_event(),
            dur=1.5 * np.exp(0.5 * rng.standard_normal(n)),
            req_bytes=(1200 * np.exp(0.5 * rng.standard_normal(n))).astype(np.int64),
            resp_bytes=(9000 * np.exp(0.5 * rng.standard_normal(n))).astype(np.int64),
            answer=ANSWER_NORMAL,
        )
        nat = ctx.topo.nat_gateways[0]
        for kind, expected in (("verdict", "REACHABLE"), ("annotation", "VIA_NAT_GATEWAY")):
            ctx.add_truth(
                f"{client} reaches {s.address} through {nat.name}",
                kind,
                expected,
                c.address,
                s.address,
                port,
                protocol,
                float(times.min()),
                float(times.max()),
                interface_id=nat.interface.id if nat.interface else None,
                src_name=c.name,
                dst_name=s.name,
                details=f"NAT gateway {nat.id} ({nat.private_ip}, EIP {nat.public_ip}) rewrites the source",
            )

    return inject


@scenario("skipdata_gap", "connectivity")
def skipdata_gap(
    ctx: Context,
    interface: str = "web-1",
    at: Any = 0.5,
    length: Any = "10min",
    client: str = "89.34.120.7",
    port: int = 443,
) -> Injector:
    """An interface's records are skipped for a while (SKIPDATA): what happened then cannot be told."""
    inst = _instance(ctx, interface, "interface")
    t0, t1 = _window(ctx, at, length)
    ctx.skip.append((inst.eni.id, t0, t1))

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        c, s = ctx.target(client), ctx.target(interface)
        times = t0 + rng.random(max(3, int((t1 - t0) / 120))) * (t1 - t0)
        times.sort()
        ctx.connect(
            c, s, port, "tcp", times, rng, event=ctx.new_event(), dur=1.0, req_bytes=900, resp_bytes=12000
        )
        common = dict(interface_id=inst.eni.id, src_name=c.name, dst_name=inst.name)
        ctx.add_truth(
            f"records of {inst.eni.id} skipped",
            "verdict",
            "INCOMPLETE_DATA",
            c.address,
            s.address,
            port,
            "tcp",
            t0,
            t1,
            details=f"SKIPDATA on {inst.eni.id} from {t0:.0f} to {t1:.0f}; {len(times)} connections from {c.address} fell in it",
            **common,
        )
        ctx.add_truth(
            f"SKIPDATA on {inst.eni.id}",
            "detector",
            "data_quality",
            None,
            s.address,
            None,
            None,
            t0,
            t1,
            details="SKIPDATA records: the interface's records were dropped for these intervals",
            **common,
        )

    return inject


def _changing_injector(
    client: str,
    server: str,
    port: int,
    protocol: str,
    per_hour: float,
    now: str,
    stretches: list[tuple[str, float, float, str]],
    label: str,
    details: str,
) -> Injector:
    """Traffic all through the simulation while a rule changes: the truth names the verdict at the end
    (kind ``verdict``) and each stretch of time with its own verdict (kind ``timeline``)."""
    steady = _verdict_injector(client, server, port, protocol, per_hour, now, label, details)

    def inject(ctx: Context) -> None:
        steady(ctx)
        c, s = ctx.target(client), ctx.target(server)
        eni = s.instance.eni.id if s.instance is not None else None
        for expected, t0, t1, what in stretches:
            ctx.add_truth(
                what,
                "timeline",
                expected,
                c.address,
                s.address,
                port,
                protocol,
                t0,
                t1,
                interface_id=eni,
                src_name=c.name,
                dst_name=s.name,
                details=details,
            )

    return inject


@scenario("nacl_change_midday", "connectivity")
def nacl_change_midday(
    ctx: Context,
    client: str = "app-1",
    server: str = "db-1",
    port: int = 5432,
    protocol: str = "tcp",
    per_hour: float = 60,
    at: Any = 0.5,
) -> Injector:
    """Someone edits the server subnet's network ACL at ``at`` (half-way by default): REACHABLE until then,
    the answers REJECTed leaving the server after (NACL_OUTBOUND_BLOCKS_RETURN)."""
    _at_least_one(ctx, per_hour=per_hour)
    t0, t1 = _change_window(ctx, at, None) or (ctx.start, ctx.end)
    srv = _instance(ctx, server, "server")
    acl = ctx.topo.private_network_acl(srv.eni.subnet)
    rules = _remove_ephemeral_rules(ctx, acl, "outbound")
    return _changing_injector(
        client,
        server,
        port,
        protocol,
        per_hour,
        "NACL_OUTBOUND_BLOCKS_RETURN",
        [
            ("REACHABLE", ctx.start, t0, "before the edit"),
            ("NACL_OUTBOUND_BLOCKS_RETURN", t0, t1, "after the edit"),
        ],
        f"{acl.name} loses its outbound ephemeral-port rule mid-day",
        f"outbound rule(s) {rules} (TCP 1024-65535) removed from {acl.name} ({acl.id}) of subnet {srv.eni.subnet} "
        f"at {pd.Timestamp(t0, unit='s', tz='UTC'):%Y-%m-%d %H:%M:%S} UTC",
    )


@scenario("sg_fix_after_incident", "connectivity")
def sg_fix_after_incident(
    ctx: Context,
    client: str = "app-1",
    server: str = "db-2",
    port: int = 5432,
    protocol: str = "tcp",
    per_hour: float = 60,
    at: Any = 0.25,
    fixed: Any = 0.6,
) -> Injector:
    """The server's security group loses the inbound rule at ``at`` and gets it back at ``fixed``:
    REACHABLE, then INBOUND_BLOCKED_SG_OR_NACL during the incident, then REACHABLE again."""
    _at_least_one(ctx, per_hour=per_hour)
    start, fix = ctx.time(at), ctx.time(fixed, "fixed")
    if not start < fix:
        raise ValueError(f"{ctx.scenario}: 'fixed' must come after 'at', got at={at!r}, fixed={fixed!r}")
    t0, t1 = _change_window(ctx, at, fix - start) or (ctx.start, ctx.end)
    srv = _instance(ctx, server, "server")
    peer = ctx.target(client).ip
    proto = protocol_number(protocol)
    sg = ctx.topo.private_security_group(srv.name)
    one = (np.array([proto]), np.array([port]), np.array([peer], dtype=np.uint32))
    kept = [rule for rule in sg.inbound if not sg_rule_allows(ctx.topo, rule, *one)[0]]
    removed = len(sg.inbound) - len(kept)
    sg.inbound = kept
    if _sg_allows_one(ctx, srv.eni.security_groups, "inbound", proto, port, peer):
        raise ValueError(f"{ctx.scenario}: another security group of {srv.name} still allows port {port}")
    when = f"{pd.Timestamp(t0, unit='s', tz='UTC'):%H:%M:%S} to {pd.Timestamp(t1, unit='s', tz='UTC'):%H:%M:%S} UTC"
    return _changing_injector(
        client,
        server,
        port,
        protocol,
        per_hour,
        "REACHABLE",
        [
            ("REACHABLE", ctx.start, t0, "before the incident"),
            ("INBOUND_BLOCKED_SG_OR_NACL", t0, t1, "during the incident"),
            ("REACHABLE", t1, ctx.end, "after the fix"),
        ],
        f"{sg.name} blocked {protocol} {port} from {client} for a while, then was fixed",
        f"{removed} inbound rule(s) allowing {client} on port {port} removed from security group {sg.name} "
        f"({sg.id}) from {when}",
    )


def _ipv6_truth(inner: Injector) -> Injector:
    """The injector, with the truth rows it adds written in the IPv6 addresses of the traffic."""

    def inject(ctx: Context) -> None:
        first = len(ctx.truth)
        inner(ctx)
        for row in ctx.truth[first:]:
            for key in ("src", "dst"):
                if row[key]:
                    row[key] = ctx.topo.ipv6_address(row[key])

    return inject


def _dual_stack_nacl(acl: Any, inbound: list[tuple[str, Any]], outbound: list[tuple[str, Any]]) -> None:
    """Add IPv6 (``::/0``) allow rules to a network ACL, numbered from 200; an ACL's rules are per family."""
    from .._topology import NetworkAclRule

    for rules, wanted in ((acl.inbound, inbound), (acl.outbound, outbound)):
        for k, (proto, ports) in enumerate(wanted):
            if not any(
                r.cidr == "::/0" and r.ports == NetworkAclRule(0, "allow", proto, ports).ports for r in rules
            ):
                rules.append(NetworkAclRule(200 + 10 * k, "allow", proto, ports, "::/0"))


@scenario("ipv6_sg_missing_rule", "connectivity")
def ipv6_sg_missing_rule(
    ctx: Context,
    client: str = "81.2.69.142",
    server: str = "web-1",
    port: int = 443,
    per_hour: float = 40,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """The web tier goes dual stack (IPv6 /64s, a ::/0 route, IPv6 ACL rules) but its security group
    allows 0.0.0.0/0 only: IPv6 clients are REJECTed (INBOUND_BLOCKED_SG_OR_NACL), IPv4 ones still get in.

    ``client`` is the IPv4 stand-in of the IPv6 host (its IPv6 address is derived from it)."""
    from .._topology import Route

    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    srv = _instance(ctx, server, "server")
    topo = ctx.topo
    sub = topo.subnet(srv.eni.subnet)
    topo.enable_ipv6([s.name for s in topo.subnets if s.route_table == sub.route_table])
    rt = topo.route_table_of(sub.id)
    igw = topo.internet_gateway
    if igw is None:
        raise ValueError(f"{ctx.scenario}: the VPC has no internet gateway for IPv6 clients to come through")
    if not any(r.destination == "::/0" for r in rt.routes):
        rt.routes.append(Route("::/0", igw.id))
    eph = (1024, 65535)
    _dual_stack_nacl(
        topo.network_acl_of(sub.id), [("tcp", port), ("tcp", eph)], [("tcp", eph), ("tcp", port)]
    )
    groups = [topo.security_group(g) for g in srv.eni.security_groups]
    if any(r.cidr is not None and ":" in r.cidr for g in groups for r in g.inbound):
        raise ValueError(f"{ctx.scenario}: a security group of {srv.name} already has IPv6 inbound rules")
    return _ipv6_truth(
        _verdict_injector(
            client,
            server,
            port,
            "tcp",
            per_hour,
            "INBOUND_BLOCKED_SG_OR_NACL",
            f"{groups[0].name} allows IPv4 only: IPv6 clients of {server}:{port} are rejected",
            f"{sub.name} is dual stack ({sub.ipv6_cidr}, ::/0 to {igw.id}, IPv6 rules in its network ACL), but "
            f"the security groups of {srv.name} have no ::/0 inbound rule for TCP {port}",
            window=window,
            v6=True,
        )
    )


@scenario("ipv6_nacl_blocks_return", "connectivity")
def ipv6_nacl_blocks_return(
    ctx: Context,
    client: str = "app-1",
    server: str = "151.101.1.69",
    port: int = 443,
    per_hour: float = 40,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """The app tier calls an IPv6 API through an egress-only internet gateway; its network ACL got an
    IPv6 outbound rule but no IPv6 inbound ephemeral-port rule: the answers are REJECTed coming back
    (NACL_INBOUND_BLOCKS_RETURN), while IPv4 traffic still works.

    ``server`` is the IPv4 stand-in of the IPv6 API host (its IPv6 address is derived from it)."""
    from .._topology import EgressOnlyInternetGateway, Route

    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    cli = _instance(ctx, client, "client")
    topo = ctx.topo
    sub = topo.subnet(cli.eni.subnet)
    topo.enable_ipv6([s.name for s in topo.subnets if s.route_table == sub.route_table])
    if topo.egress_only_gateway is None:
        topo.egress_only_gateway = EgressOnlyInternetGateway(f"{topo.name}-eigw")
    rt = topo.route_table_of(sub.id)
    if not any(r.destination == "::/0" for r in rt.routes):
        rt.routes.append(Route("::/0", topo.egress_only_gateway.id))
    acl = topo.network_acl_of(sub.id)
    _dual_stack_nacl(acl, [], [("tcp", port)])
    for group in (topo.security_group(g) for g in cli.eni.security_groups[:1]):
        if not any(r.cidr == "::/0" for r in group.outbound):
            group.outbound.append(SecurityGroupRule("all", None, "::/0", description="default (IPv6)"))
    return _ipv6_truth(
        _verdict_injector(
            client,
            server,
            port,
            "tcp",
            per_hour,
            "NACL_INBOUND_BLOCKS_RETURN",
            f"{acl.name} has no IPv6 inbound ephemeral-port rule",
            f"{sub.name} is dual stack ({sub.ipv6_cidr}, ::/0 to {topo.egress_only_gateway.id}); network ACL "
            f"{acl.name} ({acl.id}) allows TCP {port} out to ::/0 but nothing back in from ::/0 on 1024-65535",
            window=window,
            v6=True,
        )
    )


@scenario("route_blackhole", "connectivity")
def route_blackhole(
    ctx: Context,
    client: str = "app-1",
    server: str = "10.20.1.5",
    port: int = 443,
    per_hour: float = 30,
    at: Any = None,
    length: Any = None,
) -> Injector:
    """The route to the on-premises network points at a transit gateway that was deleted (a blackhole
    route): the requests leave accepted and nothing answers (NO_RESPONSE); in a version 11 format their
    next hop is '-'."""
    from .._topology import Route, _rid

    _at_least_one(ctx, per_hour=per_hour)
    window = _change_window(ctx, at, length)
    cli = _instance(ctx, client, "client")
    rt = ctx.topo.route_table_of(cli.eni.subnet)
    dead = _rid("tgw", "deleted")
    net = "10.20.0.0/16"
    rt.routes = [r for r in rt.routes if r.destination != net] + [Route(net, dead)]
    return _verdict_injector(
        client,
        server,
        port,
        "tcp",
        per_hour,
        "NO_RESPONSE",
        f"{rt.name} sends {net} to a deleted transit gateway",
        f"route {net} -> {dead} in route table {rt.name} ({rt.id}): the target no longer exists (blackhole)",
        window=window,
    )
