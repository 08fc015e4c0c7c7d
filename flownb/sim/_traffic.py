"""The traffic model: who opens which connections, when, and how much they carry.

Connections are generated as NumPy arrays (one element per connection), never
one Python object per connection. Rates follow a daily pattern (quiet at
night, busiest mid-afternoon UTC); arrivals are Poisson within each minute;
durations and sizes are log-normal around each :class:`~flownb.sim._topology.Demand`'s
medians. Clients pick ephemeral source ports the way their operating system
does: 32768-60999 on Linux (the kernel's default ``net.ipv4.ip_local_port_range``),
which lies inside the 32768-61000 the VPC User Guide ("Ephemeral ports") gives for
Linux and :data:`flownb._protocols.EPHEMERAL_LINUX` teaches; 49152-65535 on Windows
(the IANA dynamic range, the VPC User Guide's range for Windows Server 2008 and later).

Examples
--------
>>> import numpy as np
>>> from flownb.sim._traffic import daily_profile
>>> hours = np.array([3, 14]) * 3600.0
>>> (daily_profile(hours) < 0.5).tolist(), bool(daily_profile(hours)[1] > 0.95)
([True, False], True)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from ._columns import Columns
from ._topology import Instance, Topology, ip_int, protocol_number

__all__ = [
    "LINUX_EPHEMERAL",
    "WINDOWS_EPHEMERAL",
    "Connections",
    "Endpoints",
    "baseline_connections",
    "daily_profile",
    "ephemeral_ports",
    "poisson_times",
    "public_addresses",
]

#: The Linux kernel's default ip_local_port_range, inside AWS's 32768-61000 (flownb._protocols.EPHEMERAL_LINUX).
LINUX_EPHEMERAL = (32768, 60999)
WINDOWS_EPHEMERAL = (49152, 65535)

#: Answer codes: decided by the server's services and host firewall, or forced.
ANSWER_AUTO, ANSWER_NORMAL, ANSWER_REFUSED, ANSWER_SILENT = -1, 0, 1, 2
#: Connection kinds.
KIND_NORMAL, KIND_PROBE, KIND_FLOOD = 0, 1, 2


@dataclass
class Connections(Columns):
    """Connections as parallel arrays (times in Unix seconds, addresses as integers).

    ``c_ep``/``s_ep`` index :class:`Endpoints` (-1: outside the VPC, or an
    address where nothing is); ``r_ep`` is the interface the answer leaves
    from (normally ``s_ep``). ``answer`` forces how the server answers
    (``-1``: decided by its services and host firewall). ``event`` numbers the
    injected event a connection belongs to (-1: baseline traffic).
    """

    t0: np.ndarray
    dur: np.ndarray
    c_ep: np.ndarray
    s_ep: np.ndarray
    r_ep: np.ndarray
    c_ip: np.ndarray
    s_ip: np.ndarray
    c_port: np.ndarray
    s_port: np.ndarray
    proto: np.ndarray
    req_bytes: np.ndarray
    resp_bytes: np.ndarray
    kind: np.ndarray
    answer: np.ndarray
    event: np.ndarray
    #: IPv6 packets: the addresses are their IPv4 stand-ins (:meth:`Topology.ipv6_address` writes them).
    v6: np.ndarray

    _DTYPES: ClassVar[dict[str, type]] = {
        "t0": np.float64,
        "dur": np.float64,
        "c_ep": np.int32,
        "s_ep": np.int32,
        "r_ep": np.int32,
        "c_ip": np.uint32,
        "s_ip": np.uint32,
        "c_port": np.int32,
        "s_port": np.int32,
        "proto": np.int16,
        "req_bytes": np.int64,
        "resp_bytes": np.int64,
        "kind": np.int8,
        "answer": np.int8,
        "event": np.int32,
        "v6": np.bool_,
    }

    @classmethod
    def make(cls, n: int, **values: object) -> Connections:
        """``n`` connections; each field is a scalar (broadcast) or an array, with defaults."""
        defaults = {"dur": 1.0, "r_ep": None, "req_bytes": 0, "resp_bytes": 0, "kind": KIND_NORMAL}
        defaults |= {"answer": ANSWER_AUTO, "event": -1, "c_ep": -1, "s_ep": -1, "v6": False}
        vals = defaults | values
        if vals["r_ep"] is None:
            vals["r_ep"] = vals["s_ep"]
        out = {}
        for f in fields(cls):
            v = vals[f.name]
            arr = np.asarray(v, dtype=cls._DTYPES[f.name])
            out[f.name] = np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 else arr
        return cls(**out)

    @classmethod
    def concat(cls, parts: list[Connections]) -> Connections:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.make(0, t0=0.0, c_ip=0, s_ip=0, c_port=0, s_port=0, proto=6)
        return super().concat(parts)


class Endpoints:
    """The VPC's interfaces as arrays: address, subnet, security groups, instance, kind."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.enis = topo.interfaces()
        self.ip = np.array([ip_int(e.private_ip) for e in self.enis], dtype=np.uint32)
        self.public = np.array(
            [ip_int(e.public_ip) if e.public_ip else 0 for e in self.enis], dtype=np.uint32
        )
        nat_enis = {id(n.interface) for n in topo.nat_gateways}
        self.is_nat = np.array([id(e) in nat_enis for e in self.enis], dtype=bool)
        self.subnet = [topo.subnet(e.subnet).id for e in self.enis]
        self.instance: list[Instance | None] = []
        for e in self.enis:
            self.instance.append(next((i for i in topo.instances if e in i.interfaces), None))
        self.windows = np.array([bool(i is not None and i.os == "windows") for i in self.instance])
        self._by_ip = {int(ip): k for k, ip in enumerate(self.ip)}
        #: IPv6: which interfaces have an address, and which are reachable from the internet over it
        self.has_v6 = np.array([topo.has_ipv6(e) for e in self.enis], dtype=bool)
        igw = topo.internet_gateway
        v6_out = {
            s.id
            for s in topo.subnets
            if igw is not None
            and any(
                ":" in r.destination and r.target in (igw.id, igw.name)
                for r in topo.route_table_of(s.id).routes
            )
        }
        self.v6_public = self.has_v6 & np.array(
            [e.subnet in v6_out or topo.subnet(e.subnet).id in v6_out for e in self.enis]
        )

    def __len__(self) -> int:
        return len(self.enis)

    def index_of_ip(self, ips: np.ndarray) -> np.ndarray:
        """Endpoint index for each address (-1 where no interface has it)."""
        if not len(self._by_ip):
            return np.full(len(ips), -1, dtype=np.int32)
        keys = np.array(sorted(self._by_ip), dtype=np.uint32)
        vals = np.array([self._by_ip[int(k)] for k in keys], dtype=np.int32)
        pos = np.clip(np.searchsorted(keys, ips), 0, len(keys) - 1)
        return np.where(keys[pos] == ips, vals[pos], -1).astype(np.int32)

    def primary(self, who: str) -> list[int]:
        """Indices of the primary interfaces of instances with this role or name."""
        out = []
        for k, (eni, inst) in enumerate(zip(self.enis, self.instance, strict=True)):
            if inst is not None and who in (inst.role, inst.name, inst.id) and inst.interfaces[0] is eni:
                out.append(k)
        return out


def daily_profile(t: np.ndarray) -> np.ndarray:
    """Relative traffic rate at Unix times ``t``: about 0.25 at 03:00 UTC, 1.0 at 14:00 UTC.

    flownb's own choice: a smooth day curve, enough to make hourly baselines
    and day-night differences visible.
    """
    hour = (np.asarray(t, dtype=np.float64) % 86400.0) / 3600.0
    return 0.25 + 0.75 * (0.5 + 0.5 * np.cos((hour - 14.0) / 24.0 * 2 * np.pi)) ** 2


def poisson_times(
    rng: np.random.Generator, start: float, end: float, per_minute: float, profile: bool = True
) -> np.ndarray:
    """Sorted arrival times of a Poisson process with ``per_minute`` at the daily peak."""
    if per_minute <= 0 or end <= start:
        return np.empty(0, dtype=np.float64)
    edges = np.arange(start, end, 60.0)
    width = np.minimum(edges + 60.0, end) - edges
    lam = per_minute * width / 60.0 * (daily_profile(edges + width / 2) if profile else 1.0)
    counts = rng.poisson(lam)
    t = np.repeat(edges, counts) + rng.random(int(counts.sum())) * np.repeat(width, counts)
    return np.sort(t)


def ephemeral_ports(rng: np.random.Generator, windows: np.ndarray) -> np.ndarray:
    """A source port per connection from the client's operating system range."""
    n = len(windows)
    lin = rng.integers(LINUX_EPHEMERAL[0], LINUX_EPHEMERAL[1] + 1, n)
    win = rng.integers(WINDOWS_EPHEMERAL[0], WINDOWS_EPHEMERAL[1] + 1, n)
    return np.where(windows, win, lin).astype(np.int32)


#: First octets of public, globally routed IPv4 space the internet hosts are drawn from.
_PUBLIC_FIRST_OCTETS = np.array(
    [
        *(23, 31, 37, 45, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95),
        *(
            103,
            104,
            109,
            110,
            111,
            112,
            113,
            114,
            115,
            116,
            117,
            118,
            119,
            121,
            122,
            123,
            124,
            125,
            151,
            176,
            177,
        ),
        *(178, 179, 180, 181, 182, 183, 185, 186, 187, 188, 189, 190, 193, 194, 195, 196, 197, 200, 201, 202),
        *(210, 211, 212, 213, 217, 218, 219, 220, 221, 222),
    ],
    dtype=np.uint32,
)


def public_addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct random public IPv4 addresses (integers), never AWS's or special ranges."""
    out = np.empty(0, dtype=np.uint32)
    while len(out) < n:
        m = (n - len(out)) * 2 + 16
        first = _PUBLIC_FIRST_OCTETS[rng.integers(0, len(_PUBLIC_FIRST_OCTETS), m)]
        rest = rng.integers(1 << 8, (1 << 24) - 1, m, dtype=np.uint32)
        cand = (first << np.uint32(24)) | rest
        cand = cand[(cand & 0xFF) != 0]
        out = np.concatenate([out, cand])
        _, idx = np.unique(out, return_index=True)
        out = out[np.sort(idx)]
    return out[:n]


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


@dataclass
class _Side:
    ep: np.ndarray  # endpoint index per choice (-1 external)
    ip: np.ndarray
    windows: np.ndarray
    weights: np.ndarray | None = None


def _side(topo: Topology, eps: Endpoints, who: str, rng: np.random.Generator, pool: np.ndarray) -> _Side:
    if who == "internet":
        weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.7
        return _Side(
            np.full(len(pool), -1, np.int32), pool, rng.random(len(pool)) < 0.6, weights / weights.sum()
        )
    if who in topo.external:
        ips = np.array([ip_int(a) for a in topo.external[who]], dtype=np.uint32)
        return _Side(np.full(len(ips), -1, np.int32), ips, np.zeros(len(ips), bool))
    idx = eps.primary(who)
    if not idx:
        roles = sorted({i.role for i in topo.instances} | {i.name for i in topo.instances})
        raise ValueError(
            f"no instance has the role or name {who!r}; use one of {roles}, "
            f"an external group {sorted(topo.external)} or 'internet'"
        )
    arr = np.array(idx, dtype=np.int32)
    return _Side(arr, eps.ip[arr], eps.windows[arr])


def demand_connections(
    topo: Topology,
    eps: Endpoints,
    demand_index: int,
    rng: np.random.Generator,
    start: float,
    end: float,
    scale: float,
    pool: np.ndarray,
) -> Connections:
    """The connections of one demand of the topology between ``start`` and ``end``."""
    d = topo.demands[demand_index]
    t0 = poisson_times(rng, start, end, d.per_minute * scale)
    n = len(t0)
    if n == 0:
        return Connections.concat([])
    cl = _side(topo, eps, d.clients, rng, pool)
    sv = _side(topo, eps, d.servers, rng, pool)
    ci = rng.choice(len(cl.ip), n, p=cl.weights) if len(cl.ip) > 1 else np.zeros(n, dtype=np.int64)
    si = rng.choice(len(sv.ip), n, p=sv.weights) if len(sv.ip) > 1 else np.zeros(n, dtype=np.int64)
    s_ep = sv.ep[si]
    s_ip = sv.ip[si]
    proto = protocol_number(d.protocol)
    c_port = ephemeral_ports(rng, cl.windows[ci]) if proto in (6, 17) else np.zeros(n, np.int32)
    s_port = d.port if proto in (6, 17) else 0
    return Connections.make(
        n,
        t0=t0,
        dur=np.minimum(_lognormal(rng, d.duration, 0.9, n), 6 * 3600.0),
        c_ep=cl.ep[ci],
        s_ep=s_ep,
        c_ip=cl.ip[ci],
        s_ip=s_ip,
        c_port=c_port,
        s_port=s_port,
        proto=proto,
        req_bytes=np.maximum(_lognormal(rng, d.request, 0.8, n), 1).astype(np.int64),
        resp_bytes=np.maximum(_lognormal(rng, d.response, 0.8, n), 1).astype(np.int64),
    )


#: Addresses whose traffic AWS never logs (VPC User Guide, "Flow log limitations"):
#: instance metadata, Amazon Time Sync, Windows license activation, the Amazon DNS (added per VPC).
NEVER_LOGGED = ("169.254.169.254", "169.254.169.123", "169.254.169.250", "169.254.169.251", "169.254.169.253")


def service_chatter(
    topo: Topology, eps: Endpoints, rng: np.random.Generator, start: float, end: float, scale: float
) -> Connections:
    """DNS lookups, metadata and time-sync requests every instance makes: traffic AWS never logs."""
    parts = []
    targets = [(topo.dns_server, 53, 17), ("169.254.169.254", 80, 6), ("169.254.169.123", 123, 17)]
    inst_eps = [k for k, inst in enumerate(eps.instance) if inst is not None]
    for k in inst_eps:
        for ip, port, proto in targets:
            t0 = poisson_times(rng, start, end, 0.5 * scale, profile=False)
            n = len(t0)
            parts.append(
                Connections.make(
                    n,
                    t0=t0,
                    dur=0.01,
                    c_ep=k,
                    c_ip=eps.ip[k],
                    s_ip=ip_int(ip),
                    c_port=ephemeral_ports(rng, np.full(n, eps.windows[k])),
                    s_port=port,
                    proto=proto,
                    req_bytes=60,
                    resp_bytes=120,
                    answer=ANSWER_NORMAL,
                )
            )
    return Connections.concat(parts)


#: Ports internet background scanners knock on most (flownb's own pick from public honeypot reports).
NOISE_PORTS = np.array([22, 23, 80, 443, 445, 3389, 8080, 3306, 5900, 6379, 1433, 25, 21, 8443, 9200, 2375])
_NOISE_WEIGHTS = np.array([20, 14, 8, 6, 10, 10, 6, 4, 3, 3, 3, 2, 2, 2, 2, 2], dtype=np.float64)


def internet_noise(
    topo: Topology, eps: Endpoints, rng: np.random.Generator, start: float, end: float, scale: float
) -> Connections:
    """Single SYN probes from random internet hosts to the public interfaces (most are REJECTed)."""
    targets = np.flatnonzero((eps.public != 0) & ~eps.is_nat)
    t0 = poisson_times(rng, start, end, topo.noise_per_minute * scale, profile=False)
    n = len(t0)
    if n == 0 or not len(targets):
        return Connections.concat([])
    ep = targets[rng.integers(0, len(targets), n)].astype(np.int32)
    port = NOISE_PORTS[rng.choice(len(NOISE_PORTS), n, p=_NOISE_WEIGHTS / _NOISE_WEIGHTS.sum())]
    return Connections.make(
        n,
        t0=t0,
        dur=0.0,
        s_ep=ep,
        c_ip=public_addresses(rng, n),
        s_ip=eps.ip[ep],
        c_port=rng.integers(1024, 65536, n),
        s_port=port,
        proto=6,
        kind=KIND_PROBE,
    )


def baseline_connections(
    topo: Topology, eps: Endpoints, rng: np.random.Generator, start: float, end: float, scale: float
) -> Connections:
    """Every demand of the topology, plus the never-logged service chatter."""
    if scale <= 0:
        return Connections.concat([])
    pool = public_addresses(rng, 4000)
    parts = [demand_connections(topo, eps, k, rng, start, end, scale, pool) for k in range(len(topo.demands))]
    parts.append(service_chatter(topo, eps, rng, start, end, scale))
    parts.append(internet_noise(topo, eps, rng, start, end, scale))
    return Connections.concat(parts)
