"""Attack scenarios: what scans, brute force, exfiltration and C2 look like in flow logs, and the detector for each."""

from __future__ import annotations

import ipaddress
from typing import Any

import numpy as np

from .._context import Context, parse_duration
from .._topology import SecurityGroupRule, Service, protocol_number
from .._traffic import (
    ANSWER_NORMAL,
    ANSWER_SILENT,
    KIND_FLOOD,
    KIND_PROBE,
    Connections,
    ephemeral_ports,
    public_addresses,
)
from . import Injector, scenario
from ._common import _at_least_one, _detector_truth, _instance, _window

#: The ports a scan tries first (the most common TCP services), then 1-1024 and on.
TOP_PORTS = (21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1723, 3306, 3389, 5900, 8080)  # fmt: skip


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
        sg = ctx.topo.extra_security_group(inst.name, "opened-by-mistake")
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
    sg = ctx.topo.extra_security_group(inst.name, "opened-by-mistake")
    sg.inbound.append(
        SecurityGroupRule("tcp", port, "0.0.0.0/0", description="opened to the world by mistake")
    )
    inst.services.append(Service(port, "tcp", "exposed"))
    t0, t1 = _window(ctx, at, length)

    def inject(ctx: Context) -> None:

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
