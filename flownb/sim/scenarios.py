"""Scenarios: a change to the VPC or an injected behaviour, with the ground truth of what it causes.

Each scenario is a function registered with :func:`scenario`. It runs in two
phases: called with the :class:`~flownb.sim.context.Context` while the
topology may still be edited (remove a network ACL rule, stop a service), it
returns an injector called once the topology is final, which adds the
scenario's own connections and its rows of ground truth. Parameters are
keyword arguments with defaults (which host, which port, how strong), so
``flownb.simulate("port_scan", target="web-2")`` overrides one.

The expected answers use the exact verdict codes and detector names of
DESIGN.md: connectivity scenarios name the verdict ``flownb.diagnose`` should
give (``kind="verdict"``, or ``"annotation"`` for VIA_NAT_GATEWAY), attack
scenarios the detector that should find them (``kind="detector"``).

Examples
--------
>>> from flownb.sim.scenarios import SCENARIOS
>>> SCENARIOS["port_scan"].parameters["target"], SCENARIOS["port_scan"].category
('web-1', 'attack')
>>> import flownb.sim as sim
>>> sim.simulate("ssh_brute_force", duration="30min", scale=0).truth["expected"].tolist()
['brute_force']
"""

from __future__ import annotations

import difflib
import inspect
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .context import Context, Target, parse_duration
from .policy import sg_allows, sg_rule_allows
from .topology import (
    Instance,
    NetworkInterface,
    SecurityGroup,
    SecurityGroupRule,
    Service,
    protocol_number,
)
from .traffic import ANSWER_NORMAL, ANSWER_SILENT, KIND_FLOOD, KIND_PROBE

__all__ = ["SCENARIOS", "Scenario", "scenario", "scenario_table"]

Injector = Callable[[Context], None]


@dataclass(frozen=True)
class Scenario:
    """A registered scenario: its name, one-line description, category and parameters."""

    name: str
    description: str
    category: str
    func: Callable[..., Injector | None]

    @property
    def parameters(self) -> dict[str, Any]:
        """Keyword parameters and their defaults."""
        sig = inspect.signature(self.func)
        return {k: p.default for k, p in list(sig.parameters.items())[1:]}


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str, category: str
) -> Callable[[Callable[..., Injector | None]], Callable[..., Injector | None]]:
    """Register a scenario function; its docstring's first line is its description."""

    def wrap(func: Callable[..., Injector | None]) -> Callable[..., Injector | None]:
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else name
        SCENARIOS[name] = Scenario(name, doc, category, func)
        return func

    return wrap


def scenario_table() -> list[tuple[str, str, str, dict[str, Any]]]:
    return [(s.name, s.category, s.description, s.parameters) for s in SCENARIOS.values()]


def check_names(names: list[str]) -> None:
    for n in names:
        if n not in SCENARIOS:
            close = difflib.get_close_matches(str(n), list(SCENARIOS), n=3)
            hint = f"; did you mean {close}?" if close else ""
            raise ValueError(f"'scenario' must be one of {list(SCENARIOS)}, got {n!r}{hint}")


# ----------------------------------------------------------------- helpers --


def _instance(ctx: Context, who: str, what: str) -> Instance:
    t = ctx.target(who)
    if t.instance is None:
        raise ValueError(f"{ctx.scenario}: {what} must be an instance of the topology, got {who!r}")
    return t.instance


def _ephemeral_rules(rules: list, lo_min: int = 1024) -> list:
    return [
        r
        for r in rules
        if r.action == "allow"
        and protocol_number(r.protocol) in (6, -1)
        and r.ports[1] == 65535
        and lo_min <= r.ports[0] <= 49152
    ]


def _window(ctx: Context, at: Any, length: Any) -> tuple[float, float]:
    t0 = ctx.time(at)
    t1 = min(ctx.end, t0 + parse_duration(length, "length"))
    if t0 >= ctx.end:
        raise ValueError(f"{ctx.scenario}: 'at' falls after the end of the simulation")
    return t0, t1


def _free_address(cidr: str, used: set[str], host: int = 50) -> str:
    """An address of the subnet no interface has (from .50 on; AWS reserves the first four and the last)."""
    net = ipaddress.IPv4Network(cidr)
    for k in range(host, net.num_addresses - 1):
        ip = str(net.network_address + k)
        if ip not in used:
            used.add(ip)
            return ip
    raise ValueError(f"subnet {cidr} has no free address left")


def _at_least_one(ctx: Context, **values: Any) -> None:
    for name, value in values.items():
        rate = name.startswith("per_") or name.endswith("_per_minute")
        if not isinstance(value, (int, float, np.integer, np.floating)) or (
            value <= 0 if rate else value < 1
        ):
            what = "more than 0" if rate else "1 or more"
            raise ValueError(f"{ctx.scenario}: '{name}' must be {what}, got {value!r}")


def _change_window(ctx: Context, at: Any, length: Any) -> tuple[float, float] | None:
    """The time a change is in force (``at``/``length``), or None for the whole simulation."""
    if at is None and length is None:
        return None
    t0 = ctx.time(0.0 if at is None else at)
    t1 = ctx.end if length is None else min(ctx.end, t0 + parse_duration(length, "length"))
    if not ctx.start <= t0 < ctx.end:
        raise ValueError(f"{ctx.scenario}: 'at' must fall inside the simulation, got {at!r}")
    ctx.windows[ctx.scenario] = (t0, t1)
    return (t0, t1)


def _verdict_injector(
    client: str,
    server: str,
    port: int,
    protocol: str,
    per_hour: float,
    expected: str,
    label: str,
    details: str,
    kind: str = "verdict",
    duration: float = 1.0,
    window: tuple[float, float] | None = None,
    **conn: Any,
) -> Injector:
    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        c, s = ctx.target(client), ctx.target(server)
        times = ctx.arrivals(rng, per_hour, *(window or (None, None)))
        ev = ctx.new_event()
        n = len(times)
        ctx.connect(
            c,
            s,
            port,
            protocol,
            times,
            rng,
            event=ev,
            dur=duration * np.exp(0.5 * rng.standard_normal(n)),
            req_bytes=(800 * np.exp(0.5 * rng.standard_normal(n))).astype(np.int64),
            resp_bytes=(6000 * np.exp(0.5 * rng.standard_normal(n))).astype(np.int64),
            **conn,
        )
        eni = s.instance.eni.id if s.instance is not None else (c.instance.eni.id if c.instance else None)
        when = ""
        if window is not None:
            lo, hi = (pd.Timestamp(t, unit="s", tz="UTC") for t in window)
            when = f"; in force from {lo:%Y-%m-%d %H:%M:%S} to {hi:%Y-%m-%d %H:%M:%S} UTC only"
        ctx.add_truth(
            label,
            kind,
            expected,
            c.address,
            s.address,
            port,
            protocol,
            float(times.min()),
            float(times.max()),
            interface_id=eni,
            src_name=c.name,
            dst_name=s.name,
            details=details + when,
        )

    return inject


# -------------------------------------------------------------- baseline ----


@scenario("baseline", "baseline")
def baseline(ctx: Context) -> Injector | None:
    """Normal traffic of the topology's demands: web, app, database, APIs via NAT, admin SSH and RDP."""
    return None


# --------------------------------------------------------- connectivity ----


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
    gone = _ephemeral_rules(acl.outbound)
    if not gone:
        raise ValueError(
            f"{ctx.scenario}: the network ACL {acl.name} has no outbound ephemeral-port rule to remove"
        )
    acl.outbound = [r for r in acl.outbound if r not in gone]
    rules = ", ".join(str(r.number) for r in gone)
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
    gone = _ephemeral_rules(acl.inbound)
    if not gone:
        raise ValueError(
            f"{ctx.scenario}: the network ACL {acl.name} has no inbound ephemeral-port rule to remove"
        )
    acl.inbound = [r for r in acl.inbound if r not in gone]
    rules = ", ".join(str(r.number) for r in gone)
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


# --------------------------------------------------------------- attacks ----

#: The ports a scan tries first (the most common TCP services), then 1-1024 and on.
TOP_PORTS = (
    21,
    22,
    23,
    25,
    53,
    80,
    110,
    111,
    135,
    139,
    143,
    443,
    445,
    993,
    995,
    1723,
    3306,
    3389,
    5900,
    8080,
)


def _detector_truth(
    ctx: Context,
    label: str,
    detector: str,
    src: Target,
    dst: Target | None,
    port: int | None,
    protocol: str | int | None,
    t0: float,
    t1: float,
    details: str,
    interface: str | None = None,
) -> None:
    if interface is None:
        inst = dst.instance if dst is not None and dst.instance is not None else src.instance
        interface = inst.eni.id if inst is not None else None
    ctx.add_truth(
        label,
        "detector",
        detector,
        src.address,
        None if dst is None else dst.address,
        port,
        protocol,
        t0,
        t1,
        interface_id=interface,
        src_name=src.name,
        dst_name=None if dst is None else dst.name,
        details=details,
    )


def _scan_ports(n: int) -> np.ndarray:
    rest = [p for p in range(1, 65536) if p not in TOP_PORTS]
    return np.array((list(TOP_PORTS) + rest)[:n], dtype=np.int32)


@scenario("port_scan", "attack")
def port_scan(
    ctx: Context,
    source: str = "185.220.101.45",
    target: str = "web-1",
    ports: int = 500,
    at: Any = 0.5,
    length: Any = "2min",
) -> Injector:
    """One source probes many ports of one host (a SYN scan): mostly REJECTs, SYN-ACKs from the open ports."""
    if not 1 <= int(ports) <= 65535:
        raise ValueError(f"port_scan: 'ports' must be between 1 and 65535, got {ports!r}")
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        src, dst = ctx.target(source), ctx.target(target)
        plist = rng.permutation(_scan_ports(int(ports)))
        times = np.sort(t0 + rng.random(len(plist)) * (t1 - t0))
        sport = int(rng.integers(32768, 61000))
        ctx.connect(
            src, dst, plist, "tcp", times, rng, event=ctx.new_event(), sport=sport, dur=0.0, kind=KIND_PROBE
        )
        _detector_truth(
            ctx,
            f"{src.name} scans {int(ports)} ports of {dst.name}",
            "vertical_scan",
            src,
            dst,
            None,
            "tcp",
            times[0],
            times[-1],
            f"SYN scan of {int(ports)} TCP ports from source port {sport}; Recon:EC2/Portscan",
        )

    return inject


@scenario("port_sweep", "attack")
def port_sweep(
    ctx: Context, source: str = "app-1", port: int = 22, hosts: int = 64, at: Any = 0.5, length: Any = "2min"
) -> Injector:
    """One source tries one port on many hosts of the VPC (a sweep from a compromised instance)."""
    _at_least_one(ctx, hosts=hosts)
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        src = ctx.target(source)
        real = [ip for inst in ctx.topo.instances for ip in [inst.private_ip] if ip != src.address]
        pool: list[str] = []
        for sub in ctx.topo.subnets:
            net = ipaddress.IPv4Network(sub.cidr)
            first, last = (
                int(net.network_address) + 4,
                min(int(net.broadcast_address) - 1, int(net.network_address) + 254),
            )
            pool += [
                str(ipaddress.IPv4Address(a)) for a in range(first, last + 1)
            ]  # AWS reserves .0-.3 and the last
        pool = [p for p in pool if p not in real and p != src.address]
        n_fake = max(0, int(hosts) - len(real))
        if n_fake > len(pool):
            raise ValueError(
                f"port_sweep: 'hosts' must be at most {len(real) + len(pool)} (the addresses of the VPC's subnets), "
                f"got {hosts!r}"
            )
        picks = list(real[: int(hosts)]) + [pool[i] for i in rng.choice(len(pool), n_fake, replace=False)]
        times = np.sort(t0 + rng.random(len(picks)) * (t1 - t0))
        ev = ctx.new_event()
        order = rng.permutation(len(picks))
        for k, i in enumerate(order):
            ctx.connect(
                src,
                ctx.target(picks[i]),
                port,
                "tcp",
                times[k : k + 1],
                rng,
                event=ev,
                dur=0.0,
                kind=KIND_PROBE,
            )
        _detector_truth(
            ctx,
            f"{src.name} sweeps port {port} on {len(picks)} hosts",
            "horizontal_sweep",
            src,
            None,
            port,
            "tcp",
            times[0],
            times[-1],
            f"TCP {port} tried on {len(picks)} addresses of {ctx.topo.cidr} ({len(real[: int(hosts)])} of them instances); "
            "Impact:EC2/PortSweep",
            interface=src.instance.eni.id if src.instance is not None else None,
        )

    return inject


def _brute(
    ctx: Context,
    scen: str,
    source: str,
    target: str,
    port: int,
    attempts: int,
    at: Any,
    length: Any,
    open_to_world: bool,
    label: str,
) -> Injector:
    _at_least_one(ctx, attempts=attempts)
    inst = _instance(ctx, target, "target")
    if open_to_world:
        sg = ctx.topo.private_security_group(inst.name)
        sg.inbound.append(
            SecurityGroupRule("tcp", port, "0.0.0.0/0", description="opened to the world by mistake")
        )
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        src, dst = ctx.target(source), ctx.target(target)
        n = int(attempts)
        times = np.sort(t0 + rng.random(n) * (t1 - t0))
        ctx.connect(
            src,
            dst,
            port,
            "tcp",
            times,
            rng,
            event=ctx.new_event(),
            dur=rng.uniform(1.5, 6.0, n),
            req_bytes=rng.integers(1800, 3200, n),
            resp_bytes=rng.integers(2500, 4200, n),
        )
        _detector_truth(
            ctx,
            f"{src.name} tries {n} logins on {dst.name}:{port}",
            "brute_force",
            src,
            dst,
            port,
            "tcp",
            times[0],
            times[-1],
            f"{n} short connections to port {port} in {(t1 - t0) / 60:.0f} min; {label}"
            + ("; the security group was opened to 0.0.0.0/0" if open_to_world else ""),
        )

    return inject


@scenario("ssh_brute_force", "attack")
def ssh_brute_force(
    ctx: Context,
    source: str = "45.141.84.120",
    target: str = "bastion",
    port: int = 22,
    attempts: int = 150,
    at: Any = 0.5,
    length: Any = "10min",
    open_to_world: bool = True,
) -> Injector:
    """Password guessing against SSH: many short connections from one source (the bastion's SG opened to the world)."""
    return _brute(
        ctx,
        "ssh_brute_force",
        source,
        target,
        port,
        attempts,
        at,
        length,
        open_to_world,
        "UnauthorizedAccess:EC2/SSHBruteForce",
    )


@scenario("rdp_brute_force", "attack")
def rdp_brute_force(
    ctx: Context,
    source: str = "91.240.118.7",
    target: str = "win-1",
    port: int = 3389,
    attempts: int = 120,
    at: Any = 0.5,
    length: Any = "10min",
    open_to_world: bool = True,
) -> Injector:
    """Password guessing against RDP on the Windows jump host, its SG opened to the world."""
    return _brute(
        ctx,
        "rdp_brute_force",
        source,
        target,
        port,
        attempts,
        at,
        length,
        open_to_world,
        "UnauthorizedAccess:EC2/RDPBruteForce",
    )


@scenario("exposed_port_probe", "attack")
def exposed_port_probe(
    ctx: Context,
    target: str = "web-1",
    port: int = 9200,
    sources: int = 12,
    at: Any = 0.25,
    length: Any = "45min",
) -> Injector:
    """A port opened to the world by mistake (Elasticsearch 9200) is found by internet scanners: ACCEPTed probes."""
    _at_least_one(ctx, sources=sources)
    inst = _instance(ctx, target, "target")
    sg = ctx.topo.private_security_group(inst.name)
    sg.inbound.append(
        SecurityGroupRule("tcp", port, "0.0.0.0/0", description="opened to the world by mistake")
    )
    inst.services.append(Service(port, "tcp", "exposed"))
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:
        from .traffic import public_addresses

        rng = ctx.rng(ctx.scenario)
        dst = ctx.target(target)
        ips = public_addresses(rng, int(sources))
        per = rng.integers(1, 3, len(ips))
        src_ip = np.repeat(ips, per)
        times = t0 + rng.random(len(src_ip)) * (t1 - t0)
        order = np.argsort(times)
        times, src_ip = times[order], src_ip[order]
        ev = ctx.new_event()
        n = len(times)
        from .traffic import Connections, ephemeral_ports

        conns = Connections.make(
            n,
            t0=times,
            dur=rng.uniform(0.1, 0.8, n),
            s_ep=dst.ep,
            c_ip=src_ip,
            s_ip=dst.ip,
            c_port=ephemeral_ports(rng, rng.random(n) < 0.5),
            s_port=port,
            proto=6,
            req_bytes=rng.integers(80, 300, n),
            resp_bytes=rng.integers(200, 700, n),
            event=ev,
        )
        ctx.conns.append(conns)
        ctx.add_truth(
            f"{int(sources)} internet hosts probe {dst.name}:{port}",
            "detector",
            "exposed_port_probe",
            None,
            dst.address,
            port,
            "tcp",
            float(times[0]),
            float(times[-1]),
            interface_id=inst.eni.id,
            src_name="internet",
            dst_name=dst.name,
            details=f"security group {sg.name} allows TCP {port} from 0.0.0.0/0; Recon:EC2/PortProbeUnprotectedPort",
        )

    return inject


@scenario("exfiltration", "attack")
def exfiltration(
    ctx: Context,
    source: str = "db-1",
    destination: str = "104.243.37.152",
    port: int = 443,
    gigabytes: float = 3.0,
    streams: int = 4,
    at: Any = 0.6,
    length: Any = "30min",
) -> Injector:
    """An internal host sends an unusual volume out (through the NAT gateway) to one internet address."""
    _at_least_one(ctx, streams=streams)
    _instance(ctx, source, "source")
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        src, dst = ctx.target(source), ctx.target(destination)
        k = max(1, int(streams))
        starts = t0 + np.sort(rng.random(k)) * min(60.0, (t1 - t0) / 4)
        total = float(gigabytes) * 2**30
        ctx.connect(
            src,
            dst,
            port,
            "tcp",
            starts,
            rng,
            event=ctx.new_event(),
            dur=t1 - starts - rng.random(k) * 30,
            req_bytes=np.full(k, int(total / k)),
            resp_bytes=np.full(k, int(total / k / 200)),
            answer=ANSWER_NORMAL,
        )
        _detector_truth(
            ctx,
            f"{src.name} sends {gigabytes:g} GiB to {dst.address}",
            "volume_anomaly",
            src,
            dst,
            port,
            "tcp",
            starts[0],
            t1,
            f"{k} TLS streams carrying {gigabytes:g} GiB out in {(t1 - t0) / 60:.0f} min; Behavior:EC2/TrafficVolumeUnusual",
            interface=src.instance.eni.id if src.instance is not None else None,
        )

    return inject


@scenario("outbound_dos", "attack")
def outbound_dos(
    ctx: Context,
    source: str = "web-2",
    target: str = "109.71.40.12",
    port: int = 80,
    protocol: str = "tcp",
    packets_per_minute: int = 60000,
    flows: int = 8,
    at: Any = 0.5,
    length: Any = "10min",
) -> Injector:
    """A compromised instance floods one internet address (a SYN flood from a few sockets)."""
    _at_least_one(ctx, flows=flows, packets_per_minute=packets_per_minute)
    _instance(ctx, source, "source")
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        src, dst = ctx.target(source), ctx.target(target)
        k = max(1, int(flows))
        size = 60 if protocol_number(protocol) == 6 else 540
        per_flow = packets_per_minute / k * (t1 - t0) / 60.0
        ctx.connect(
            src,
            dst,
            port,
            protocol,
            np.full(k, t0) + rng.random(k),
            rng,
            event=ctx.new_event(),
            dur=(t1 - t0) - 1.0,
            req_bytes=np.full(k, int(per_flow * size)),
            kind=KIND_FLOOD,
            answer=ANSWER_SILENT,
        )
        sub = "Tcp" if protocol_number(protocol) == 6 else ("Dns" if port == 53 else "Udp")
        _detector_truth(
            ctx,
            f"{src.name} floods {dst.address}:{port}",
            "outbound_flood",
            src,
            dst,
            port,
            protocol,
            t0,
            t1,
            f"{packets_per_minute:,} packets/min over {k} flows; Backdoor:EC2/DenialOfService.{sub}",
            interface=src.instance.eni.id if src.instance is not None else None,
        )

    return inject


@scenario("beaconing", "attack")
def beaconing(
    ctx: Context,
    source: str = "app-2",
    destination: str = "193.42.33.14",
    port: int = 443,
    period: Any = None,
    jitter: float = 0.1,
    at: Any = 0.0,
    length: Any = None,
) -> Injector:
    """Malware calls home: small connections at a regular period (5 min, or 5 intervals for 600 s logs) with jitter."""
    _instance(ctx, source, "source")
    t0 = ctx.time(at)
    t1 = ctx.end if length is None else min(ctx.end, t0 + parse_duration(length, "length"))
    every = parse_duration(period, "period") if period is not None else max(300.0, 3.0 * ctx.interval)
    if every <= 0:
        raise ValueError(f"beaconing: 'period' must be positive, got {period!r}")

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        src, dst = ctx.target(source), ctx.target(destination)
        base = np.arange(t0 + every * rng.random(), t1, every)
        times = np.clip(base + jitter * every * rng.uniform(-1, 1, len(base)), t0, t1 - 1)
        n = len(times)
        if n == 0:
            return
        ctx.connect(
            src,
            dst,
            port,
            "tcp",
            times,
            rng,
            event=ctx.new_event(),
            dur=rng.uniform(0.3, 0.6, n),
            req_bytes=(420 * np.exp(0.03 * rng.standard_normal(n))).astype(np.int64),
            resp_bytes=(1150 * np.exp(0.03 * rng.standard_normal(n))).astype(np.int64),
            answer=ANSWER_NORMAL,
        )
        _detector_truth(
            ctx,
            f"{src.name} beacons to {dst.address} every {every / 60:g} min",
            "beaconing",
            src,
            dst,
            port,
            "tcp",
            times[0],
            times[-1],
            f"{n} connections, period {every:g} s, jitter ±{jitter:.0%}, about 420 bytes out and 1150 back each",
            interface=src.instance.eni.id if src.instance is not None else None,
        )

    return inject


@scenario("unusual_port", "attack")
def unusual_port(
    ctx: Context,
    source: str = "web-1",
    destination: str = "178.62.60.21",
    port: int = 6667,
    connections: int = 6,
    at: Any = 0.7,
    length: Any = "10min",
) -> Injector:
    """An instance talks to an internet host on a port it never used before (IRC 6667)."""
    _at_least_one(ctx, connections=connections)
    _instance(ctx, source, "source")
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        src, dst = ctx.target(source), ctx.target(destination)
        n = max(1, int(connections))
        times = np.sort(t0 + rng.random(n) * (t1 - t0))
        ctx.connect(
            src,
            dst,
            port,
            "tcp",
            times,
            rng,
            event=ctx.new_event(),
            dur=rng.uniform(5, 40, n),
            req_bytes=rng.integers(300, 2000, n),
            resp_bytes=rng.integers(500, 5000, n),
            answer=ANSWER_NORMAL,
        )
        _detector_truth(
            ctx,
            f"{src.name} connects to {dst.address}:{port}",
            "new_remote_port",
            src,
            dst,
            port,
            "tcp",
            times[0],
            times[-1],
            f"{n} connections to remote port {port}, never used by {src.name} before; Behavior:EC2/NetworkPortUnusual",
            interface=src.instance.eni.id if src.instance is not None else None,
        )

    return inject


@scenario("unusual_protocol", "attack")
def unusual_protocol(
    ctx: Context,
    source: str = "web-1",
    destination: str = "193.29.57.9",
    protocol: int = 47,
    packets_per_minute: int = 300,
    at: Any = 0.5,
    length: Any = "15min",
) -> Injector:
    """An instance sends a protocol other than TCP, UDP or ICMP (GRE, 47) to the internet; the ACL rejects it."""
    _at_least_one(ctx, packets_per_minute=packets_per_minute)
    _instance(ctx, source, "source")
    proto = protocol_number(protocol)
    if proto in (1, 6, 17):
        raise ValueError(f"unusual_protocol: 'protocol' must not be TCP, UDP or ICMP, got {protocol!r}")
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:
        rng = ctx.rng(ctx.scenario)
        src, dst = ctx.target(source), ctx.target(destination)
        total = int(packets_per_minute * (t1 - t0) / 60.0)
        ctx.connect(
            src,
            dst,
            0,
            proto,
            np.array([t0 + rng.random()]),
            rng,
            event=ctx.new_event(),
            dur=(t1 - t0) - 2.0,
            req_bytes=total * 1200,
            resp_bytes=0,
            answer=ANSWER_SILENT,
        )
        _detector_truth(
            ctx,
            f"{src.name} sends protocol {proto} to {dst.address}",
            "unusual_protocol",
            src,
            dst,
            None,
            proto,
            t0,
            t1,
            f"IP protocol {proto} at {packets_per_minute} packets/min; the subnet's ACL allows only TCP and ICMP out",
            interface=src.instance.eni.id if src.instance is not None else None,
        )

    return inject
