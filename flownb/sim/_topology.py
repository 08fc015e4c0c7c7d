"""The VPC model: subnets, instances, ENIs, security groups, network ACLs, routes, gateways.

Plain, editable dataclasses. Change a rule and simulate again to see the
records AWS would write. :meth:`Topology.default` builds the three-tier VPC
of the AWS study guides: a public web tier, a private app tier, a private
database tier, a bastion and a Windows jump host, and a NAT gateway.

Facts used (Amazon VPC User Guide): security groups hold allow rules only and
are stateful; network ACLs hold numbered allow and deny rules, evaluated in
order from the lowest number, ending in the implicit deny ``*``, and are
stateless; a network ACL applies where traffic crosses its subnet's boundary
(not between two interfaces of the same subnet); the Amazon DNS server is the
VPC's base address plus two.

Examples
--------
>>> from flownb.sim import Topology
>>> topo = Topology.default()
>>> [i.name for i in topo.instances]
['web-1', 'web-2', 'app-1', 'app-2', 'db-1', 'db-2', 'bastion', 'win-1']
>>> topo.instance("db-1").private_ip
'10.0.20.10'
>>> nacl = topo.network_acl_of("db-a")
>>> [(r.number, r.action, r.ports) for r in nacl.outbound]
[(100, 'allow', (1024, 65535)), (110, 'allow', (443, 443))]
"""

from __future__ import annotations

import copy
import hashlib
import html
import ipaddress
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .. import _protocols

__all__ = [
    "Demand",
    "EgressOnlyInternetGateway",
    "Instance",
    "InternetGateway",
    "NatGateway",
    "NetworkAcl",
    "NetworkAclRule",
    "NetworkInterface",
    "Route",
    "RouteTable",
    "SecurityGroup",
    "SecurityGroupRule",
    "Service",
    "Subnet",
    "Topology",
    "TransitGateway",
    "protocol_number",
]

#: Protocol words the rules accept besides IANA names and numbers, as in the console (``-1`` / ``all``:
#: every protocol). Names and numbers are flownb's one protocol table (:mod:`flownb._protocols`).
ALL_PROTOCOLS = ("all", "-1")


def protocol_number(protocol: str | int) -> int:
    """IANA number of a protocol name or number; ``-1`` for all protocols.

    Examples
    --------
    >>> protocol_number("tcp"), protocol_number(17), protocol_number("all"), protocol_number("ipv6-icmp")
    (6, 17, -1, 58)
    """
    if isinstance(protocol, int | np.integer) and int(protocol) == -1:
        return -1
    if str(protocol).strip().lower() in ALL_PROTOCOLS:
        return -1
    return _protocols.protocol_number(protocol, "'protocol' (or 'all' / -1)")


def _ports(ports: int | tuple[int, int] | None) -> tuple[int, int]:
    if ports is None:
        return (0, 65535)
    if isinstance(ports, (int, np.integer)):
        return (int(ports), int(ports))
    lo, hi = ports
    return (int(lo), int(hi))


def _rid(prefix: str, name: str, digits: int = 17) -> str:
    """A stable AWS-looking id derived from a name (``eni-0a1b...``)."""
    h = hashlib.sha256(f"{prefix}:{name}".encode()).hexdigest()
    return f"{prefix}-0{h[: digits - 1]}"


def ip_int(ip: str) -> int:
    """An IPv4 address as an integer."""
    return int(ipaddress.IPv4Address(ip))


def cidr_range(cidr: str) -> tuple[int, int]:
    """First and last address of an IPv4 CIDR as integers."""
    net = ipaddress.IPv4Network(cidr, strict=False)
    return int(net.network_address), int(net.broadcast_address)


# ---------------------------------------------------------------- rules ----


def _protocol_and_ports(protocol: str | int, ports: tuple[int, int]) -> tuple[str, str]:
    """A rule's protocol as the console writes it ("TCP", "ICMPv6", "All") and its port range ("443",
    "1024-65535", "all"); the names are flownb's one protocol table (:mod:`flownb._protocols`)."""
    number = protocol_number(protocol)
    proto = "All" if number == -1 else _protocols.protocol_label(number)
    lo, hi = ports
    portless = (lo, hi) == (0, 65535) or number in (-1, 1, 58)  # all ports, or a protocol without ports
    return proto, "all" if portless else (f"{lo}" if lo == hi else f"{lo}-{hi}")


@dataclass
class SecurityGroupRule:
    """One security group rule: it allows traffic (security groups have no deny rules).

    ``ports`` is a port or an inclusive ``(first, last)`` range (``None``: all
    ports); the peer is a ``cidr`` or another security group (``group``: its id
    or name).

    Examples
    --------
    The database tier of the default VPC lets PostgreSQL in from the app tier's group only:

    >>> from flownb.sim import SecurityGroupRule, Topology
    >>> vpc = Topology.default()
    >>> names = {g.id: g.name for g in vpc.security_groups}
    >>> vpc.security_group("db-sg").inbound[0].text(names)
    'TCP 5432 app-sg (PostgreSQL from the app tier)'
    >>> SecurityGroupRule("tcp", (8000, 8100), "10.0.0.0/16").text()
    'TCP 8000-8100 10.0.0.0/16'
    """

    protocol: str | int = "tcp"
    ports: int | tuple[int, int] | None = None
    cidr: str | None = "0.0.0.0/0"
    group: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        self.ports = _ports(self.ports)
        if self.group is not None:
            self.cidr = None

    def peer(self, names: dict[str, str] | None = None) -> str:
        """The CIDR, or the security group (by name when ``names`` maps ids to names)."""
        if self.group is not None:
            return (names or {}).get(self.group, self.group)
        return str(self.cidr)

    def text(self, names: dict[str, str] | None = None) -> str:
        """The rule as one line, as the console lists it."""
        proto, port = _protocol_and_ports(self.protocol, self.ports)  # type: ignore[arg-type]
        return f"{proto} {port} {self.peer(names)}" + (f" ({self.description})" if self.description else "")


@dataclass
class SecurityGroup:
    """A security group: stateful allow rules, inbound and outbound.

    Examples
    --------
    >>> from flownb.sim import Topology
    >>> web = Topology.default().security_group("web-sg")
    >>> [rule.text() for rule in web.inbound][:2]
    ['TCP 443 0.0.0.0/0 (HTTPS from anywhere)', 'TCP 80 0.0.0.0/0 (HTTP from anywhere)']
    >>> [rule.text() for rule in web.outbound]  # everything out, AWS's default
    ['All all 0.0.0.0/0 (default)']
    """

    name: str
    inbound: list[SecurityGroupRule] = field(default_factory=list)
    outbound: list[SecurityGroupRule] = field(
        default_factory=lambda: [SecurityGroupRule("all", None, "0.0.0.0/0", description="default")]
    )
    description: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or _rid("sg", self.name)


@dataclass
class NetworkAclRule:
    """One numbered network ACL rule; rules are evaluated from the lowest number.

    Examples
    --------
    >>> from flownb.sim import NetworkAclRule
    >>> NetworkAclRule(90, "deny", "tcp", 22, "203.0.113.0/24").text()
    '   90 DENY  TCP 22 203.0.113.0/24'
    >>> NetworkAclRule(100, "block", "tcp", 22)
    Traceback (most recent call last):
    ...
    ValueError: 'action' must be one of ['allow', 'deny'], got 'block'
    """

    number: int
    action: Literal["allow", "deny"]
    protocol: str | int = "tcp"
    ports: int | tuple[int, int] | None = None
    cidr: str = "0.0.0.0/0"

    def __post_init__(self) -> None:
        self.ports = _ports(self.ports)
        if self.action not in ("allow", "deny"):
            raise ValueError(f"'action' must be one of ['allow', 'deny'], got {self.action!r}")

    def text(self) -> str:
        proto, port = _protocol_and_ports(self.protocol, self.ports)  # type: ignore[arg-type]
        return f"{self.number:>5} {self.action.upper():<5} {proto} {port} {self.cidr}"


@dataclass
class NetworkAcl:
    """A network ACL: stateless numbered rules, inbound and outbound, then the implicit deny ``*``.

    Examples
    --------
    The database subnets' ACL lets out the replies to the VPC, on the ephemeral ports (an ACL is
    stateless: replies need their own rule), and HTTPS:

    >>> from flownb.sim import Topology
    >>> acl = Topology.default().network_acl_of("db-a")
    >>> [rule.text() for rule in acl.rules("outbound")]
    ['  100 ALLOW TCP 1024-65535 10.0.0.0/16', '  110 ALLOW TCP 443 0.0.0.0/0']
    """

    name: str
    inbound: list[NetworkAclRule] = field(default_factory=list)
    outbound: list[NetworkAclRule] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or _rid("acl", self.name)

    def rules(self, direction: Literal["inbound", "outbound"]) -> list[NetworkAclRule]:
        """Rules of one direction in evaluation order."""
        return sorted(self.inbound if direction == "inbound" else self.outbound, key=lambda r: r.number)


@dataclass
class Route:
    """A route: destination CIDR to ``local``, an internet, NAT or transit gateway id.

    Examples
    --------
    >>> from flownb.sim import Topology
    >>> [(r.destination, r.target) for r in Topology.default().route_table_of("app-a").routes]
    [('10.0.0.0/16', 'local'), ('0.0.0.0/0', 'nat-0e94ba39c737b236a')]
    """

    destination: str
    target: str


@dataclass
class RouteTable:
    """A route table; the longest matching prefix wins.

    Examples
    --------
    The public subnets reach the internet through the internet gateway:

    >>> from flownb.sim import Topology
    >>> vpc = Topology.default()
    >>> table = vpc.route_table_of("public-a")
    >>> table.name, [r.target for r in table.routes] == ["local", vpc.internet_gateway.id]
    ('public-rt', True)
    """

    name: str
    routes: list[Route] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or _rid("rtb", self.name)


# ------------------------------------------------------------- resources ---


@dataclass
class Subnet:
    """A subnet in one Availability Zone, with its network ACL and route table (ids or names).

    Examples
    --------
    >>> from flownb.sim import Topology
    >>> vpc = Topology.default()
    >>> db = vpc.subnet("db-a")
    >>> db.cidr, db.az, db.public, vpc.network_acl_of("db-a").name
    ('10.0.20.0/24', 'us-east-1a', False, 'db-nacl')
    """

    name: str
    cidr: str
    az: str
    az_id: str
    public: bool
    network_acl: str
    route_table: str
    id: str = ""
    #: The subnet's IPv6 /64 (dual stack), or None: IPv4 only.
    ipv6_cidr: str | None = None

    def __post_init__(self) -> None:
        self.id = self.id or _rid("subnet", self.name)


@dataclass
class NetworkInterface:
    """An elastic network interface (ENI): where flow logs record traffic.

    Examples
    --------
    The records of ``db-1`` carry its primary ENI's id in ``interface_id``:

    >>> import flownb.sim as sim
    >>> s = sim.simulate("baseline", duration="10min", scale=0.1)
    >>> eni = s.topology.instance("db-1").eni
    >>> eni.private_ip, eni.id in set(s.flows["interface_id"])
    ('10.0.20.10', True)
    """

    name: str
    subnet: str
    private_ip: str
    public_ip: str | None = None
    security_groups: list[str] = field(default_factory=list)
    description: str = ""
    source_dest_check: bool = True
    instance_id: str | None = None
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or _rid("eni", self.name)


@dataclass
class Service:
    """Something listening on an instance (``listening=False``: the port is closed, answered by RST).

    Examples
    --------
    >>> from flownb.sim import Topology
    >>> [(s.name, s.port, s.listening) for s in Topology.default().instance("db-1").services]
    [('postgres', 5432, True), ('ssh', 22, True)]
    """

    port: int
    protocol: str = "tcp"
    name: str = ""
    listening: bool = True


@dataclass
class Instance:
    """An EC2 instance with one or more network interfaces (the first is the primary).

    ``firewall_drops`` lists ``(cidr, port)`` pairs the host's own firewall
    drops silently (security groups and network ACLs let them in, so flow logs
    show the request ACCEPTed and no answer).

    Examples
    --------
    >>> from flownb.sim import Topology
    >>> web = Topology.default().instance("web-1")
    >>> web.role, web.private_ip, web.public_ip, web.eni.id == web.interfaces[0].id
    ('web', '10.0.0.10', '54.90.12.34', True)
    """

    name: str
    role: str
    interfaces: list[NetworkInterface]
    os: Literal["linux", "windows"] = "linux"
    services: list[Service] = field(default_factory=list)
    firewall_drops: list[tuple[str, int]] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or _rid("i", self.name)
        for eni in self.interfaces:
            eni.instance_id = self.id

    @property
    def eni(self) -> NetworkInterface:
        """The primary network interface."""
        return self.interfaces[0]

    @property
    def private_ip(self) -> str:
        return self.eni.private_ip

    @property
    def public_ip(self) -> str | None:
        return self.eni.public_ip


@dataclass
class InternetGateway:
    """The VPC's internet gateway (it maps public IPs to private ones; it has no ENI).

    Examples
    --------
    The subnets that route the internet to it: the public ones and the management subnet, whose bastion
    the admins reach over the internet:

    >>> from flownb.sim import Topology
    >>> vpc = Topology.default()
    >>> igw = vpc.internet_gateway.id
    >>> [s.name for s in vpc.subnets if any(r.target == igw for r in vpc.route_table_of(s.name).routes)]
    ['public-a', 'public-b', 'mgmt-a']
    """

    name: str = "igw"
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or _rid("igw", self.name)


@dataclass
class EgressOnlyInternetGateway:
    """An egress-only internet gateway: IPv6 out to the internet and the answers back, nothing initiated in.

    Examples
    --------
    >>> from flownb.sim._topology import EgressOnlyInternetGateway
    >>> EgressOnlyInternetGateway("eigw").id.startswith("eigw-")
    True
    """

    name: str = "eigw"
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.id or _rid("eigw", self.name)


@dataclass
class NatGateway:
    """A public NAT gateway: an ENI in a public subnet and an Elastic IP.

    Examples
    --------
    Traffic from the private subnets to the internet leaves with the NAT gateway's addresses, which its own
    ENI records:

    >>> from flownb.sim import Topology
    >>> nat = Topology.default().nat_gateways[0]
    >>> nat.subnet, nat.private_ip, nat.public_ip
    ('public-a', '10.0.0.220', '3.213.52.18')
    >>> nat.interface.description == f"Interface for NAT Gateway {nat.id}"
    True
    """

    name: str
    subnet: str
    private_ip: str
    public_ip: str
    id: str = ""
    interface: NetworkInterface | None = None

    def __post_init__(self) -> None:
        self.id = self.id or _rid("nat", self.name)
        if self.interface is None:
            self.interface = NetworkInterface(
                f"{self.name}-eni",
                self.subnet,
                self.private_ip,
                self.public_ip,
                [],
                f"Interface for NAT Gateway {self.id}",
            )


@dataclass
class TransitGateway:
    """A transit gateway attachment reaching other networks (``cidrs``).

    The attachment has one network interface in each of its ``subnets`` (one per Availability Zone;
    by default the first private subnet of each zone), and these interfaces write flow log records
    of their own, as in the VPC User Guide's transit gateway example ("Flow log record examples"):
    ``srcaddr``/``dstaddr`` name the attachment interface's own address on one side and
    ``pkt-srcaddr``/``pkt-dstaddr`` the original ones. Their network ACLs are not evaluated (AWS's
    advice is a dedicated attachment subnet with open ACLs).

    Examples
    --------
    >>> from flownb.sim import TransitGateway
    >>> tgw = TransitGateway("corp", cidrs=["10.20.0.0/16", "192.168.0.0/16"])
    >>> tgw.id.startswith("tgw-"), tgw.attachment_id.startswith("tgw-attach-")
    (True, True)
    """

    name: str = "tgw"
    cidrs: list[str] = field(default_factory=lambda: ["10.20.0.0/16"])
    id: str = ""
    attachment_id: str = ""
    subnets: list[str] = field(default_factory=list)
    interfaces: list[NetworkInterface] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.id = self.id or _rid("tgw", self.name)
        self.attachment_id = self.attachment_id or _rid("tgw-attach", self.name)


@dataclass
class Demand:
    """A stream of connections in the baseline traffic.

    ``clients`` and ``servers`` name instance roles or names (``"web"``,
    ``"db-1"``), a group of external hosts in :attr:`Topology.external`
    (``"admins"``), or ``"internet"`` (random public addresses).
    ``per_minute`` is the mean rate at the daily peak; ``duration`` the median
    connection length in seconds; ``request``/``response`` the median bytes of
    application data each way.

    Examples
    --------
    >>> from flownb.sim import Demand, Topology
    >>> queries = next(d for d in Topology.default().demands if d.port == 5432)
    >>> queries.name, queries.clients, queries.servers, queries.per_minute
    ('queries', 'app', 'db', 14)
    >>> Demand("backup", "app", "db", 5432, per_minute=2).response  # median bytes back, by default
    4000
    """

    name: str
    clients: str
    servers: str
    port: int
    protocol: str = "tcp"
    per_minute: float = 1.0
    duration: float = 1.0
    request: int = 600
    response: int = 4000


# -------------------------------------------------------------- topology ---


@dataclass
class Topology:
    """A VPC: the resources that decide which traffic flows and what its flow logs show.

    ``external`` names groups of outside hosts the demands refer to;
    ``demands`` is the normal traffic; ``noise_per_minute`` the rate (at the
    daily peak and ``scale=1``) of single probes from random internet hosts to
    the public interfaces, the background every public IP address receives.

    Examples
    --------
    >>> from flownb.sim import Topology
    >>> vpc = Topology.default()
    >>> vpc
    <Topology three-tier 10.0.0.0/16: 7 subnets, 8 instances, 1 NAT gateways>
    >>> vpc.instance("app-1").eni.subnet == vpc.subnet("app-a").id
    True
    """

    name: str
    cidr: str
    subnets: list[Subnet]
    security_groups: list[SecurityGroup]
    network_acls: list[NetworkAcl]
    route_tables: list[RouteTable]
    instances: list[Instance]
    nat_gateways: list[NatGateway] = field(default_factory=list)
    internet_gateway: InternetGateway | None = None
    transit_gateway: TransitGateway | None = None
    external: dict[str, list[str]] = field(default_factory=dict)
    demands: list[Demand] = field(default_factory=list)
    noise_per_minute: float = 1.5
    account_id: str = "123456789012"
    region: str = "us-east-1"
    flow_log_id: str = ""
    id: str = ""
    #: The VPC's IPv6 block (a /56, as Amazon assigns), or None: IPv4 only.
    ipv6_cidr: str | None = None
    egress_only_gateway: EgressOnlyInternetGateway | None = None

    def __post_init__(self) -> None:
        self.id = self.id or _rid("vpc", self.name)
        self.flow_log_id = self.flow_log_id or _rid("fl", self.name)

    # -- IPv6 ---------------------------------------------------------------
    def enable_ipv6(self, subnets: list[str] | None = None, block: str = "2600:1f18:6b5:9a00::/56") -> None:
        """Make the VPC dual stack: an IPv6 /56 for the VPC, a /64 for each of ``subnets`` (default all).

        The twin keeps one address per interface internally: an interface's IPv6 address is its
        subnet's /64 and an interface id derived from its IPv4 address, and an IPv6 rule or route
        may name ``::/0``, the VPC's block or a subnet's /64 (:meth:`ipv6_range`).

        Examples
        --------
        >>> from flownb.sim import Topology
        >>> topo = Topology.default()
        >>> topo.enable_ipv6(["public-a"])
        >>> topo.subnet("public-a").ipv6_cidr, topo.ipv6_address(topo.instance("web-1").private_ip)
        ('2600:1f18:6b5:9a00::/64', '2600:1f18:6b5:9a00:c939:6f6b:da6d:6eed')
        """
        net = ipaddress.IPv6Network(block)
        self.ipv6_cidr = str(net)
        chosen = {self.subnet(s).id for s in subnets} if subnets is not None else {s.id for s in self.subnets}
        for k, sub in enumerate(self.subnets):
            if sub.id in chosen and sub.ipv6_cidr is None:
                sub.ipv6_cidr = str(list(net.subnets(new_prefix=64))[k])

    def ipv6_range(self, cidr: str) -> tuple[int, int]:
        """The IPv4 addresses (integers) standing for an IPv6 CIDR of this VPC's rules and routes."""
        net = ipaddress.IPv6Network(cidr, strict=False)
        if net.prefixlen == 0:
            return (0, 0xEFFFFFFF)  # every unicast address (240/4 is never used)
        if self.ipv6_cidr is not None and net == ipaddress.IPv6Network(self.ipv6_cidr):
            return cidr_range(self.cidr)
        for sub in self.subnets:
            if sub.ipv6_cidr is not None and net == ipaddress.IPv6Network(sub.ipv6_cidr):
                return cidr_range(sub.cidr)
        raise ValueError(
            f"the VPC twin models IPv6 rules and routes for ::/0, the VPC's block ({self.ipv6_cidr}) and its "
            f"subnets' /64s; got {cidr!r}"
        )

    def ipv6_address(self, ip: str | int) -> str:
        """The IPv6 address the twin gives an IPv4 address in IPv6 traffic.

        Inside a dual-stack subnet: the subnet's /64 and an interface id derived from the IPv4
        address (Amazon assigns interface ids at random); outside the VPC: a global unicast address
        derived from it, outside Amazon's and the documentation ranges.
        """
        v4 = str(ipaddress.IPv4Address(ip))
        h = hashlib.sha256(f"ipv6:{v4}".encode()).digest()
        iid = int.from_bytes(h[:8], "big")
        value = int(ipaddress.IPv4Address(v4))
        for sub in self.subnets:
            lo, hi = cidr_range(sub.cidr)
            if sub.ipv6_cidr is not None and lo <= value <= hi:
                return str(ipaddress.IPv6Network(sub.ipv6_cidr).network_address + iid)
        # 2a00::/12 (RIPE NCC's block) and the hash for the rest: global, never 2600:1f00::/24 or 2001:db8::/32
        rest = int.from_bytes(h[8:24], "big") & ((1 << 116) - 1)
        return str(ipaddress.IPv6Address((0x2A0 << 116) | rest))

    def has_ipv6(self, eni: NetworkInterface) -> bool:
        """Whether an interface has an IPv6 address (its subnet is dual stack)."""
        return self.subnet(eni.subnet).ipv6_cidr is not None

    # -- look-ups ---------------------------------------------------------
    def copy(self) -> Topology:
        """A deep copy to edit without changing this one."""
        return copy.deepcopy(self)

    @staticmethod
    def _find(items: list, key: str, what: str, attrs: tuple[str, ...] = ("name", "id")):
        for it in items:
            if any(getattr(it, a, None) == key for a in attrs):
                return it
        import difflib

        names = [getattr(it, "name", "") for it in items]
        close = difflib.get_close_matches(str(key), names, n=3)
        hint = f"; did you mean {close}?" if close else f"; the {what}s are {names}"
        raise KeyError(f"'{key}' is not a {what} of this topology{hint}")

    def instance(self, key: str) -> Instance:
        """An instance by name, id or private IP."""
        for inst in self.instances:
            if key in (inst.name, inst.id) or any(
                key in (e.private_ip, e.public_ip, e.id) for e in inst.interfaces
            ):
                return inst
        return self._find(self.instances, key, "instance")

    def subnet(self, key: str) -> Subnet:
        """A subnet by name or id."""
        return self._find(self.subnets, key, "subnet")

    def security_group(self, key: str) -> SecurityGroup:
        """A security group by name or id."""
        return self._find(self.security_groups, key, "security group")

    def network_acl(self, key: str) -> NetworkAcl:
        """A network ACL by name or id."""
        return self._find(self.network_acls, key, "network ACL")

    def route_table(self, key: str) -> RouteTable:
        """A route table by name or id."""
        return self._find(self.route_tables, key, "route table")

    def network_acl_of(self, subnet: str) -> NetworkAcl:
        """The network ACL associated with a subnet (name or id)."""
        return self.network_acl(self.subnet(subnet).network_acl)

    def route_table_of(self, subnet: str) -> RouteTable:
        """The route table associated with a subnet (name or id)."""
        return self.route_table(self.subnet(subnet).route_table)

    def interfaces(self) -> list[NetworkInterface]:
        """Every ENI in the VPC (instances first, then NAT gateways): the ones flow logs record."""
        out = [e for inst in self.instances for e in inst.interfaces]
        out += [n.interface for n in self.nat_gateways if n.interface is not None]
        out += self.transit_gateway_interfaces()
        return out

    def transit_gateway_interfaces(self) -> list[NetworkInterface]:
        """The transit gateway attachment's interfaces, one per attachment subnet (made on first use).

        Examples
        --------
        >>> from flownb.sim import Topology, TransitGateway
        >>> topo = Topology.default()
        >>> topo.transit_gateway = TransitGateway("tgw-main")
        >>> [(topo.subnet(e.subnet).name, e.private_ip) for e in topo.transit_gateway_interfaces()]
        [('app-a', '10.0.10.254'), ('app-b', '10.0.11.254')]
        """
        tgw = self.transit_gateway
        if tgw is None:
            return []
        if not tgw.interfaces:
            subnets = [self.subnet(s) for s in tgw.subnets]
            if not subnets:
                for pick_private in (True, False):
                    zones: dict[str, Subnet] = {}
                    for sub in self.subnets:
                        if not sub.public or not pick_private:
                            zones.setdefault(sub.az, sub)
                    if zones:
                        subnets = list(zones.values())
                        break
            used = {e.private_ip for inst in self.instances for e in inst.interfaces}
            used |= {n.private_ip for n in self.nat_gateways}
            for sub in subnets:
                net = ipaddress.IPv4Network(sub.cidr)
                # from the top of the subnet down (AWS reserves the last address)
                ip = next(
                    str(net.network_address + k)
                    for k in range(net.num_addresses - 2, 3, -1)
                    if str(net.network_address + k) not in used
                )
                tgw.interfaces.append(
                    NetworkInterface(
                        f"{tgw.name}-{sub.name}-eni",
                        sub.id,
                        ip,
                        None,
                        [],
                        f"Network Interface for Transit Gateway Attachment {tgw.attachment_id}",
                    )
                )
        return list(tgw.interfaces)

    @property
    def dns_server(self) -> str:
        """The Amazon DNS server: the VPC's base address plus two (never in flow logs)."""
        return str(ipaddress.IPv4Network(self.cidr).network_address + 2)

    def private_security_group(self, instance: str) -> SecurityGroup:
        """Give an instance its own copy of its first security group (to edit it alone) and return it."""
        inst = self.instance(instance)
        base = self.security_group(inst.eni.security_groups[0])
        name = f"{base.name}-{inst.name}"
        if base.name == name or any(g.name == name for g in self.security_groups):
            return self.security_group(name)
        new = SecurityGroup(name, copy.deepcopy(base.inbound), copy.deepcopy(base.outbound), base.description)
        self.security_groups.append(new)
        inst.eni.security_groups[0] = new.id
        return new

    def extra_security_group(self, instance: str, purpose: str) -> SecurityGroup:
        """Attach a new, empty security group to an instance's ENI and return it (to add rules).

        Rules of all the groups on an ENI add up (AWS evaluates their union), and the
        instance stays a member of its original groups, so rules elsewhere that refer
        to those groups keep matching it.
        """
        inst = self.instance(instance)
        name = f"{inst.name}-{purpose}"
        if any(g.name == name for g in self.security_groups):
            return self.security_group(name)
        new = SecurityGroup(name, [], [], f"{purpose} for {inst.name}")
        self.security_groups.append(new)
        inst.eni.security_groups.append(new.id)
        return new

    def private_network_acl(self, subnet: str) -> NetworkAcl:
        """Give a subnet its own copy of its network ACL (to edit it alone) and return it."""
        sub = self.subnet(subnet)
        base = self.network_acl(sub.network_acl)
        if sum(s.network_acl in (base.id, base.name) for s in self.subnets) == 1:
            return base
        new = NetworkAcl(f"{sub.name}-nacl", copy.deepcopy(base.inbound), copy.deepcopy(base.outbound))
        self.network_acls.append(new)
        sub.network_acl = new.id
        return new

    # -- display ------------------------------------------------------------
    def describe(self) -> str:
        """The topology as text, the way a study-guide diagram would label it.

        Examples
        --------
        >>> from flownb.sim import Topology
        >>> print(Topology.default().describe().splitlines()[0])
        VPC three-tier (vpc-0...) 10.0.0.0/16, account 123456789012, us-east-1
        """
        lines = [f"VPC {self.name} ({self.id}) {self.cidr}, account {self.account_id}, {self.region}"]
        for sub in self.subnets:
            kind = "public" if sub.public else "private"
            lines.append(
                f"  subnet {sub.name} ({sub.id}) {sub.cidr} {kind} {sub.az}; "
                f"ACL {self.network_acl(sub.network_acl).name}, routes {self.route_table(sub.route_table).name}"
            )
            for inst in self.instances:
                for eni in inst.interfaces:
                    if eni.subnet in (sub.name, sub.id):
                        pub = f" public {eni.public_ip}" if eni.public_ip else ""
                        sgs = ", ".join(self.security_group(g).name for g in eni.security_groups)
                        svc = ", ".join(f"{s.port}/{s.protocol}" for s in inst.services)
                        lines.append(
                            f"    {inst.name} ({inst.id}, {inst.os}) {eni.id} {eni.private_ip}{pub}"
                            f" SG [{sgs}] listens [{svc}]"
                        )
            for nat in self.nat_gateways:
                if nat.subnet in (sub.name, sub.id):
                    lines.append(
                        f"    NAT gateway {nat.name} ({nat.id}) {nat.private_ip} EIP {nat.public_ip}"
                    )
        group_names = {g.id: g.name for g in self.security_groups}
        for sg in self.security_groups:
            lines.append(f"  security group {sg.name} ({sg.id})")
            lines += [f"    in  {r.text(group_names)}" for r in sg.inbound]
            lines += [f"    out {r.text(group_names)}" for r in sg.outbound]
        for acl in self.network_acls:
            lines.append(f"  network ACL {acl.name} ({acl.id})")
            lines += [f"    in  {r.text()}" for r in acl.rules("inbound")] + [
                "    in      * DENY  All all 0.0.0.0/0"
            ]
            lines += [f"    out {r.text()}" for r in acl.rules("outbound")] + [
                "    out     * DENY  All all 0.0.0.0/0"
            ]
        for rt in self.route_tables:
            lines.append(
                f"  route table {rt.name} ({rt.id}): "
                + ", ".join(f"{r.destination} -> {r.target}" for r in rt.routes)
            )
        for d in self.demands:
            lines.append(
                f"  traffic {d.name}: {d.clients} -> {d.servers}:{d.port}/{d.protocol}, {d.per_minute:g}/min at peak"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Topology {self.name} {self.cidr}: {len(self.subnets)} subnets, {len(self.instances)} instances, "
            f"{len(self.nat_gateways)} NAT gateways>"
        )

    def _repr_html_(self) -> str:
        rows = []
        for inst in self.instances:
            for eni in inst.interfaces:
                sub = self.subnet(eni.subnet)
                sgs = ", ".join(self.security_group(g).name for g in eni.security_groups)
                rows.append(
                    (
                        inst.name,
                        inst.role,
                        sub.name,
                        "public" if sub.public else "private",
                        eni.id,
                        eni.private_ip,
                        eni.public_ip or "",
                        sgs,
                        self.network_acl(sub.network_acl).name,
                    )
                )
        for nat in self.nat_gateways:
            sub = self.subnet(nat.subnet)
            eni_id = nat.interface.id if nat.interface else ""
            rows.append(
                (
                    nat.name,
                    "NAT gateway",
                    sub.name,
                    "public",
                    eni_id,
                    nat.private_ip,
                    nat.public_ip,
                    "",
                    self.network_acl(sub.network_acl).name,
                )
            )
        head = (
            "name",
            "role",
            "subnet",
            "",
            "ENI",
            "private IP",
            "public IP",
            "security groups",
            "network ACL",
        )
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        th = "".join(f"<th>{h}</th>" for h in head)
        detail = html.escape(self.describe())
        return (
            f"<div><b>VPC {html.escape(self.name)}</b> {self.cidr} ({self.id})"
            f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
            f"<details><summary>rules and routes</summary><pre>{detail}</pre></details></div>"
        )

    # -- the default --------------------------------------------------------
    @classmethod
    def default(cls) -> Topology:
        """The three-tier VPC of the AWS study guides.

        Two public subnets (web servers behind the internet gateway and the
        NAT gateway), a management subnet (a Linux bastion and a Windows jump
        host reachable from the admins' network), two private app subnets and
        two private database subnets, over two Availability Zones. Each tier
        has its own network ACL with the usual ephemeral-port rules
        (1024-65535) for return traffic.
        """
        admin = "81.141.20.0/28"  # the admins' office network (flownb's own choice)
        vpc = "10.0.0.0/16"
        web_nets, app_nets, db_nets, mgmt_net = "10.0.0.0/23", "10.0.10.0/23", "10.0.20.0/23", "10.0.2.0/24"
        eph = (1024, 65535)
        sgs = [
            SecurityGroup(
                "web-sg",
                [
                    SecurityGroupRule("tcp", 443, "0.0.0.0/0", description="HTTPS from anywhere"),
                    SecurityGroupRule("tcp", 80, "0.0.0.0/0", description="HTTP from anywhere"),
                    SecurityGroupRule("tcp", 22, group="bastion-sg", description="SSH from the bastion"),
                ],
                description="web tier",
            ),
            SecurityGroup(
                "app-sg",
                [
                    SecurityGroupRule("tcp", 8080, group="web-sg", description="app port from the web tier"),
                    SecurityGroupRule("tcp", 22, group="bastion-sg", description="SSH from the bastion"),
                ],
                description="app tier",
            ),
            SecurityGroup(
                "db-sg",
                [
                    SecurityGroupRule(
                        "tcp", 5432, group="app-sg", description="PostgreSQL from the app tier"
                    ),
                    SecurityGroupRule("tcp", 5432, group="db-sg", description="replication"),
                    SecurityGroupRule("tcp", 22, group="bastion-sg", description="SSH from the bastion"),
                ],
                description="database tier",
            ),
            SecurityGroup(
                "bastion-sg",
                [
                    SecurityGroupRule("tcp", 22, admin, description="SSH from the admins"),
                    SecurityGroupRule("icmp", None, vpc, description="ping from the VPC"),
                ],
                description="bastion",
            ),
            SecurityGroup(
                "rdp-sg",
                [SecurityGroupRule("tcp", 3389, admin, description="RDP from the admins")],
                description="Windows jump host",
            ),
        ]
        nacls = [
            NetworkAcl(
                "public-nacl",
                [
                    NetworkAclRule(100, "allow", "tcp", 443),
                    NetworkAclRule(110, "allow", "tcp", 80),
                    NetworkAclRule(120, "allow", "tcp", 22, vpc),
                    NetworkAclRule(130, "allow", "tcp", eph),
                    NetworkAclRule(140, "allow", "icmp", None, vpc),
                ],
                [
                    NetworkAclRule(100, "allow", "tcp", 443),
                    NetworkAclRule(110, "allow", "tcp", 80),
                    NetworkAclRule(120, "allow", "tcp", 8080, app_nets),
                    NetworkAclRule(130, "allow", "tcp", eph),
                    NetworkAclRule(140, "allow", "icmp", None, vpc),
                ],
            ),
            NetworkAcl(
                "mgmt-nacl",
                [
                    NetworkAclRule(100, "allow", "tcp", 22),
                    NetworkAclRule(110, "allow", "tcp", 3389),
                    NetworkAclRule(120, "allow", "tcp", eph),
                    NetworkAclRule(130, "allow", "icmp", None, vpc),
                ],
                [
                    NetworkAclRule(100, "allow", "tcp", 22, vpc),
                    NetworkAclRule(110, "allow", "tcp", 443),
                    NetworkAclRule(120, "allow", "tcp", eph),
                    NetworkAclRule(130, "allow", "icmp", None, vpc),
                ],
            ),
            NetworkAcl(
                "app-nacl",
                [
                    NetworkAclRule(100, "allow", "tcp", 8080, web_nets),
                    NetworkAclRule(110, "allow", "tcp", 22, mgmt_net),
                    NetworkAclRule(120, "allow", "tcp", eph),
                    NetworkAclRule(130, "allow", "icmp", None, vpc),
                ],
                [
                    NetworkAclRule(100, "allow", "tcp", 5432, db_nets),
                    NetworkAclRule(110, "allow", "tcp", 443),
                    NetworkAclRule(120, "allow", "tcp", 80),
                    NetworkAclRule(130, "allow", "tcp", eph, vpc),
                    NetworkAclRule(140, "allow", "icmp", None, vpc),
                ],
            ),
            NetworkAcl(
                "db-nacl",
                [
                    NetworkAclRule(100, "allow", "tcp", 5432, app_nets),
                    NetworkAclRule(105, "allow", "tcp", 5432, db_nets),
                    NetworkAclRule(110, "allow", "tcp", 22, mgmt_net),
                    NetworkAclRule(120, "allow", "tcp", eph),
                ],
                [
                    NetworkAclRule(100, "allow", "tcp", eph, vpc),
                    NetworkAclRule(110, "allow", "tcp", 443),
                ],
            ),
        ]
        rts = [
            RouteTable("public-rt", [Route(vpc, "local"), Route("0.0.0.0/0", "igw")]),
            RouteTable("private-rt", [Route(vpc, "local"), Route("0.0.0.0/0", "nat")]),
        ]
        subnets = [
            Subnet("public-a", "10.0.0.0/24", "us-east-1a", "use1-az1", True, "public-nacl", "public-rt"),
            Subnet("public-b", "10.0.1.0/24", "us-east-1b", "use1-az2", True, "public-nacl", "public-rt"),
            Subnet("mgmt-a", mgmt_net, "us-east-1a", "use1-az1", True, "mgmt-nacl", "public-rt"),
            Subnet("app-a", "10.0.10.0/24", "us-east-1a", "use1-az1", False, "app-nacl", "private-rt"),
            Subnet("app-b", "10.0.11.0/24", "us-east-1b", "use1-az2", False, "app-nacl", "private-rt"),
            Subnet("db-a", "10.0.20.0/24", "us-east-1a", "use1-az1", False, "db-nacl", "private-rt"),
            Subnet("db-b", "10.0.21.0/24", "us-east-1b", "use1-az2", False, "db-nacl", "private-rt"),
        ]
        # resolve names to ids
        by_name = {g.name: g.id for g in sgs}
        for g in sgs:
            for r in g.inbound + g.outbound:
                if r.group in by_name:
                    r.group = by_name[r.group]
        acl_id = {a.name: a.id for a in nacls}
        rt_id = {r.name: r.id for r in rts}
        igw = InternetGateway("three-tier-igw")
        nat = NatGateway("nat-a", "public-a", "10.0.0.220", "3.213.52.18")
        for s in subnets:
            s.network_acl, s.route_table = acl_id[s.network_acl], rt_id[s.route_table]
        for rt in rts:
            for r in rt.routes:
                r.target = {"igw": igw.id, "nat": nat.id}.get(r.target, r.target)
        sub = {s.name: s.id for s in subnets}

        def inst(name, role, subnet, ip, sg, public=None, os="linux", services=()):
            eni = NetworkInterface(f"{name}-eth0", sub[subnet], ip, public, [by_name[sg]], f"{name} primary")
            return Instance(name, role, [eni], os, [Service(*s) for s in services])

        instances = [
            inst(
                "web-1",
                "web",
                "public-a",
                "10.0.0.10",
                "web-sg",
                "54.90.12.34",
                services=[(443, "tcp", "https"), (80, "tcp", "http")],
            ),
            inst(
                "web-2",
                "web",
                "public-b",
                "10.0.1.10",
                "web-sg",
                "54.90.77.201",
                services=[(443, "tcp", "https"), (80, "tcp", "http")],
            ),
            inst("app-1", "app", "app-a", "10.0.10.10", "app-sg", services=[(8080, "tcp", "app")]),
            inst("app-2", "app", "app-b", "10.0.11.10", "app-sg", services=[(8080, "tcp", "app")]),
            inst("db-1", "db", "db-a", "10.0.20.10", "db-sg", services=[(5432, "tcp", "postgres")]),
            inst("db-2", "db-replica", "db-b", "10.0.21.10", "db-sg", services=[(5432, "tcp", "postgres")]),
            inst(
                "bastion",
                "bastion",
                "mgmt-a",
                "10.0.2.10",
                "bastion-sg",
                "44.201.9.77",
                services=[(22, "tcp", "ssh")],
            ),
            inst(
                "win-1",
                "jump",
                "mgmt-a",
                "10.0.2.20",
                "rdp-sg",
                "44.201.9.78",
                os="windows",
                services=[(3389, "tcp", "rdp")],
            ),
        ]
        for i in instances:  # every Linux host runs sshd
            if i.os == "linux" and not any(svc.port == 22 for svc in i.services):
                i.services.append(Service(22, "tcp", "ssh"))
        external = {
            "admins": ["81.141.20.2", "81.141.20.3", "81.141.20.4"],
            "apis": ["52.94.236.248", "52.119.161.5", "151.101.1.69", "140.82.113.4"],
            "updates": ["91.189.91.81", "185.125.190.36"],
        }
        demands = [
            Demand("https", "internet", "web", 443, per_minute=24, duration=2.0, request=900, response=18000),
            Demand("http", "internet", "web", 80, per_minute=3, duration=0.4, request=400, response=600),
            Demand("app-calls", "web", "app", 8080, per_minute=20, duration=0.8, request=1500, response=9000),
            Demand("queries", "app", "db", 5432, per_minute=14, duration=0.6, request=800, response=12000),
            Demand(
                "replica-reads",
                "app",
                "db-replica",
                5432,
                per_minute=3,
                duration=0.5,
                request=700,
                response=30000,
            ),
            Demand(
                "replication",
                "db",
                "db-replica",
                5432,
                per_minute=0.5,
                duration=40,
                request=600000,
                response=4000,
            ),
            Demand("api-calls", "app", "apis", 443, per_minute=4, duration=1.5, request=2500, response=7000),
            Demand(
                "db-updates", "db", "updates", 443, per_minute=0.05, duration=6, request=900, response=250000
            ),
            Demand(
                "web-updates", "web", "updates", 443, per_minute=0.1, duration=5, request=900, response=200000
            ),
            Demand(
                "admin-ssh",
                "admins",
                "bastion",
                22,
                per_minute=0.1,
                duration=600,
                request=40000,
                response=120000,
            ),
            Demand(
                "admin-rdp",
                "admins",
                "jump",
                3389,
                per_minute=0.03,
                duration=1200,
                request=300000,
                response=3000000,
            ),
            Demand(
                "bastion-ssh",
                "bastion",
                "app",
                22,
                per_minute=0.08,
                duration=300,
                request=20000,
                response=60000,
            ),
        ]
        return cls(
            "three-tier",
            vpc,
            subnets,
            sgs,
            nacls,
            rts,
            instances,
            [nat],
            igw,
            None,
            external,
            demands,
        )
