"""The verdicts: one table entry per verdict, with its meaning, when it applies, its explanation and next steps.

The table's order is the priority: the first verdict that applies is the main one
(``INCOMPLETE_DATA`` also outranks the verdicts that rest on an absence, listed in
its ``outranks``). A rule sees the :class:`Facts` of a set of records (the whole
window asked about, or one window of the timeline) and the verdicts of higher
priority already found; it returns whether it applies and may note details
(which ENIs) for its explanation.

Adding a verdict is one :class:`Verdict` entry here (and its test).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._frame import distinct, int_array, isin
from .._ports import EPHEMERAL_NACL, protocol_label
from ._records import Pair, action_codes, address_proof, enis_of, public_destination

__all__ = ["ANNOTATIONS", "TABLE", "VERDICTS", "Facts", "Options", "Verdict", "explain", "find", "next_steps"]

_ICMP = (1, 58)


@dataclass(frozen=True)
class Options:
    """The thresholds the rules use (keyword arguments of :func:`flownb.diagnose`)."""

    #: Bytes per packet of a TCP segment with no payload and no options (a RST; a SYN-ACK carries
    #: the MSS option, so it is longer): a 20-byte IPv4 header or a 40-byte IPv6 header, plus the
    #: 20-byte TCP header (RFC 791, RFC 8200, RFC 9293).
    rst_sizes: tuple[int, int] = (40, 60)
    #: Largest bytes per packet of a request that carries no data: SYNs with options (60 IPv4, 80 IPv6).
    syn_max: int = 80
    #: Seconds between the two legs of one flow on a NAT gateway's interface.
    nat_leg_window: float = 5.0
    #: Slack around a window when looking for SKIPDATA and for records of an interface: one
    #: aggregation interval at most (600 s, the VPC User Guide's longest).
    interval_slack: float = 600.0


@dataclass
class Facts:
    """What the records of one window say, per record: the pair's masks cut to the window."""

    p: Pair
    scope: np.ndarray
    lo: Any
    hi: Any
    options: Options
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p, s = self.p, self.scope
        self.req = p.req & s
        self.resp = p.resp & s
        self.rows = self.req | self.resp
        self.egress = p.egress
        action = action_codes(p.df)
        self.accept, self.reject = action == 1, action == 2
        if "reject_reason" in p.df:
            self.bpa = self.rows & np.asarray(p.df["reject_reason"].astype(object) == "BPA", dtype=bool)
        else:
            self.bpa = np.zeros(p.n, dtype=bool)
        self.direct = ~(p.nat_leg | p.translated)
        self.tcp = p.proto == 6 or (
            p.proto is None
            and "protocol" in p.df
            and self.rows.any()
            and bool((p.proto_arr[self.rows] == 6).all())
        )
        self.flags = int_array(p.df.get("tcp_flags"), p.n) if "tcp_flags" in p.df else None
        self.request_passed = bool((self.req & self.accept).any())
        self.answered = self.resp & self.accept
        self.carried_data = bool(
            self.tcp and carried_data(p.df, self.req & self.accept, self.options.syn_max)
        )

    def on(self, mask: np.ndarray) -> list[str]:
        return self.p.enis(mask)

    def enis(self, mask: np.ndarray) -> set[str]:
        return set(distinct(self.p.df["interface_id"], mask)) if "interface_id" in self.p.df else set()


# ---- the rules -------------------------------------------------------------------------------------


def _bpa(f: Facts, found: list[str]) -> bool:
    if f.bpa.any():
        f.details["bpa"] = f.on(f.bpa)
        return True
    return False


def _rejected(key: str, request: bool, egress: bool) -> Callable[[Facts, list[str]], bool]:
    def rule(f: Facts, found: list[str]) -> bool:
        mask = (f.req if request else f.resp) & (f.egress if egress else ~f.egress) & f.reject & ~f.bpa
        if mask.any():
            f.details[key] = f.on(mask)
            return True
        return False

    return rule


def _refused_rule(f: Facts, found: list[str]) -> bool:
    return bool(
        f.tcp and f.answered.any() and refused(f.p.df, f.flags, f.req & f.accept, f.answered, f.options)
    )


def _asymmetric(f: Facts, found: list[str]) -> bool:
    # the two directions on different interfaces: requests left the source through one ENI and
    # the responses came back through another, or requests arrived at the destination on one
    # ENI and the responses left through another (gateway interfaces' legs are not counted)
    acc, eg, d = f.accept, f.egress, f.direct
    sent_on, back_on = f.enis(f.req & eg & acc & d), f.enis(f.resp & ~eg & acc & d)
    recv_on, reply_on = f.enis(f.req & ~eg & acc & d), f.enis(f.resp & eg & acc & d)
    if sent_on and back_on and not (back_on & sent_on):
        f.details["asym"] = ("source", sorted(sent_on), sorted(back_on))
        return True
    if recv_on and reply_on and not (recv_on & reply_on):
        f.details["asym"] = ("destination", sorted(recv_on), sorted(reply_on))
        return True
    return False


def _unanswered(f: Facts) -> bool:
    """Requests passed, no response logged, and nothing says the handshake completed."""
    return f.request_passed and not f.resp.any() and not f.carried_data


def _not_delivered(f: Facts, found: list[str]) -> bool:
    if not _unanswered(f):
        return False
    p = f.p
    arrived = bool((f.req & ~f.egress).any())
    if arrived or "interface_id" not in p.df:
        return False
    if not p.b_enis:
        p.b_enis = enis_of(p.full, p.nets_b, p.b, exclude=p.nets_a)
    # the destination's interface was logging in the windows of the requests (its other traffic,
    # NODATA or SKIPDATA records): a request that reached it would have been recorded there
    lo, hi = f.lo, f.hi
    if "start" in p.df and "end" in p.df:
        sent = f.req & f.accept
        lo, hi = p.df["start"][sent].min(), p.df["end"][sent].max()
    logging = [e for e in p.b_enis if logging_between(p.full, e, lo, hi, f.options.interval_slack)]
    if logging:
        f.details["b_enis"] = logging
        return True
    return False


def _no_response(f: Facts, found: list[str]) -> bool:
    if not _unanswered(f) or "NOT_DELIVERED" in found:
        return False
    if "OUTBOUND_BLOCKED_SG_OR_NACL" in found or "INBOUND_BLOCKED_SG_OR_NACL" in found:
        return False
    f.details["delivered"] = bool((f.req & ~f.egress & f.accept).any())
    f.details["b_enis_quiet"] = list(f.p.b_enis)  # the destination's ENIs, not logging at that time
    return True


def _unexpected_egress(f: Facts, found: list[str]) -> bool:
    df = f.p.df
    if "traffic_path" not in df:
        return False
    tp = int_array(df["traffic_path"], f.p.n)
    igw = f.req & f.egress & np.isin(tp, (2, 8)) & ~public_destination(df, f.req)
    if igw.any():
        f.details["igw"] = f.on(igw)
        return True
    return False


def _reachable(f: Facts, found: list[str]) -> bool:
    if f.request_passed and not f.resp.any() and f.carried_data:
        # TCP only sends data after the handshake: the responses exist, they are just not logged here
        f.details["inferred_answer"] = True
        return True
    blocking = ("NACL_OUTBOUND_BLOCKS_RETURN", "NACL_INBOUND_BLOCKS_RETURN", "CONNECTION_REFUSED")
    return bool(f.answered.any() and f.request_passed and not any(c in found for c in blocking))


def _incomplete(f: Facts, found: list[str]) -> bool:
    p = f.p
    full = p.full
    lo, hi = f.lo, f.hi
    if "start" in p.df and "end" in p.df and f.rows.any():
        lo = lo if lo is not None else p.df["start"][f.rows].min()
        hi = hi if hi is not None else p.df["end"][f.rows].max()
    slack = f.options.interval_slack
    skip_enis = skipdata(full, None, lo, hi, slack) if "interface_id" in full else []
    watch = set(p.involved_enis) | set(p.a_enis) | set(p.b_enis)
    if skip_enis and not watch & set(skip_enis):
        # is src's or dst's own ENI among those with skipped records? (searched there only)
        for eps, nets, other in ((p.a, p.nets_a, p.nets_b), (p.b, p.nets_b, p.nets_a)):
            if eps.eni is None:
                watch |= set(enis_of(full, nets, eps, exclude=other, within=skip_enis))
    skipped = skipdata(full, sorted(watch), lo, hi, slack) if skip_enis or "interface_id" not in full else []
    if skipped:
        f.details["skipped"] = skipped
        return True
    return False


def _nothing(f: Facts, found: list[str]) -> bool:
    return not f.rows.any()


# ---- explanations ----------------------------------------------------------------------------------


@dataclass
class Context:
    """What explanations and next steps read: the pair, the facts, and words for both."""

    p: Pair
    f: Facts
    verdicts: list[str]

    @property
    def a_text(self) -> str:
        p = self.p
        return f"{p.a} ({', '.join(p.addrs_a)})" if p.a.eni and p.addrs_a else str(p.a)

    @property
    def b_text(self) -> str:
        p = self.p
        return f"{p.b} ({', '.join(p.addrs_b)})" if p.b.eni and p.addrs_b else str(p.b)

    @property
    def proto_name(self) -> str:
        p = self.p
        if p.proto is not None:
            return protocol_label(p.proto)
        rows = p.rows
        if "protocol" in p.df and rows.any():
            vals = p.df["protocol"][rows].dropna().unique()
            if len(vals) == 1:
                return protocol_label(int(vals[0]))
        return "the traffic"

    @property
    def is_icmp(self) -> bool:
        return self.proto_name in ("ICMP", "ICMPv6")

    def server_port(self) -> int | None:
        p = self.p
        if p.port is not None:
            return p.port
        if p.req.any() and "dstport" in p.df:
            ports = pd.unique(p.dp[p.req & (p.dp >= 0)])
            if len(ports) == 1:
                return int(ports[0])
        return None

    @property
    def service(self) -> str:
        if self.is_icmp:
            return self.proto_name
        port = self.server_port()
        if port is not None:
            return f"{self.proto_name} port {port}"
        return self.proto_name if self.proto_name != "the traffic" else "any port"

    def subnet_id(self, eni: str) -> str | None:
        df = self.p.df
        if "subnet_id" in df and "interface_id" in df:
            vals = df.loc[df["interface_id"] == eni, "subnet_id"].dropna().unique()
            if len(vals):
                return str(vals[0])
        return None

    def subnet(self, eni: str) -> str:
        sid = self.subnet_id(eni)
        return f"subnet {sid} ({eni})" if sid else f"the subnet of {eni}"

    def client_ports(self) -> str:
        p = self.p
        if self.is_icmp or "srcport" not in p.df:
            return ""
        ports = p.sp[p.req & (p.sp >= 0)]
        if not len(ports):
            return ""
        lo, hi = int(ports.min()), int(ports.max())
        return f" (the client used port {lo})" if lo == hi else f" (the client used ports {lo}-{hi})"

    @property
    def ephemeral(self) -> str:
        lo, hi = EPHEMERAL_NACL
        return "" if self.is_icmp else f" on ports {lo}-{hi}"

    def reachability_command(self) -> str:
        p = self.p
        src = p.a.eni or (p.a_enis[0] if len(p.a_enis) == 1 else f"<ENI or instance id of {p.a}>")
        parts = ["aws", "ec2", "create-network-insights-path", "--source", src]
        dst_eni = p.b.eni or (p.b_enis[0] if len(p.b_enis) == 1 else None)
        if dst_eni:
            parts += ["--destination", dst_eni]
        if p.b.network is not None and p.b.is_single_address:
            parts += ["--destination-ip", str(p.b.network.network_address)]
        elif p.addrs_b:
            parts += ["--destination-ip", p.addrs_b[0]]
        parts += ["--protocol", "udp" if self.proto_name == "UDP" else "tcp"]
        port = self.server_port()
        if port is not None and not self.is_icmp:
            parts += ["--destination-port", str(port)]
        return " ".join(x if x.startswith("<") else shlex.quote(x) for x in parts)

    def analyse(self) -> list[str]:
        return [
            self.reachability_command(),
            "aws ec2 start-network-insights-analysis --network-insights-path-id <NetworkInsightsPathId from the output>",
        ]


def _eni_arg(eni: str) -> str:
    return eni if eni.startswith("eni-") else "<eni-id>"


def _x_bpa(c: Context) -> list[str]:
    return [
        f"Traffic between {c.a_text} and {c.b_text} was rejected with reject-reason BPA on "
        f"{', '.join(c.f.details['bpa'])}: VPC Block Public Access blocks internet traffic to and from this VPC "
        "or subnet.",
        "Security groups and network ACLs are not the cause; add a BPA exclusion for the subnet or VPC if the "
        "traffic is intended.",
    ]


def _x_nacl_out(c: Context) -> list[str]:
    enis = c.f.details["nacl_out"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) was accepted, but the response was rejected "
        f"leaving {', '.join(enis)}.",
        "Security groups are stateful and always let the response to an accepted request out, so a network ACL "
        "is dropping it.",
        f"The network ACL of {c.subnet(enis[0])} must allow outbound {c.proto_name} to {c.p.a}{c.ephemeral}"
        f"{c.client_ports()}.",
    ]


def _x_nacl_in(c: Context) -> list[str]:
    enis = c.f.details["nacl_in"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) left and was answered, but the response was "
        f"rejected arriving at {', '.join(enis)}.",
        "Security groups are stateful and always let the response to an accepted request in, so a network ACL "
        "is dropping it.",
        f"The network ACL of {c.subnet(enis[0])} must allow inbound {c.proto_name} from {c.p.b}{c.ephemeral}"
        f"{c.client_ports()}.",
    ]


def _x_out_blocked(c: Context) -> list[str]:
    enis = c.f.details["out_blocked"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) was rejected leaving {', '.join(enis)}.",
        "A single REJECT cannot say whether the security group's outbound rules or the network ACL's outbound "
        f"rules of {c.subnet(enis[0])} dropped it: check both, or let Reachability Analyzer name the rule.",
    ]


def _x_in_blocked(c: Context) -> list[str]:
    enis = c.f.details["in_blocked"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) was rejected arriving at {', '.join(enis)}.",
        "A single REJECT cannot say whether the security group's inbound rules or the network ACL's inbound "
        f"rules of {c.subnet(enis[0])} dropped it: the security group must allow {c.service} from {c.p.a}, and so "
        "must the network ACL; Reachability Analyzer can name the rule.",
    ]


def _x_refused(c: Context) -> list[str]:
    return [
        f"{c.b_text} answered {c.a_text}'s connection attempts on {c.service} with a TCP reset (RST) and never "
        "with SYN-ACK: the network path is open, but nothing listens on that port.",
        "Check that the service runs and listens on the right address and port on the destination host.",
    ]


def _x_asym(c: Context) -> list[str]:
    where, one, other = c.f.details["asym"]
    if where == "source":
        first = (
            f"Requests from {c.a_text} to {c.b_text} ({c.service}) left through {', '.join(one)}, but the "
            f"responses came back through {', '.join(other)}."
        )
    else:
        first = (
            f"Requests from {c.a_text} to {c.b_text} ({c.service}) arrived on {', '.join(one)}, but the "
            f"responses left through {', '.join(other)}."
        )
    return [
        first,
        "Route tables send the two directions different ways (another interface, a firewall appliance or a "
        "different gateway); stateful devices on one path drop what they did not see start. Make the routes "
        "symmetric.",
    ]


def _x_not_delivered(c: Context) -> list[str]:
    enis = c.f.details["b_enis"]
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) left the source accepted, but "
        f"{', '.join(enis)}, which holds the destination address and was writing flow logs in the same "
        "minutes, never recorded it.",
        "; ".join(address_proof(c.p.full, e, c.p.nets_b) for e in enis) + ".",
        "Something between drops it before any security group or network ACL of the destination sees it: a "
        "missing or blackhole route, a wrong target, a firewall or gateway on the path.",
    ]


def _x_no_response(c: Context) -> list[str]:
    if c.f.details.get("delivered"):
        return [
            f"The request from {c.a_text} to {c.b_text} ({c.service}) reached the destination's interface and "
            "was accepted, but no response was ever logged.",
            "The security groups and network ACLs let it in; the host did not answer (service down, a host "
            "firewall, or a UDP service that stays silent).",
        ]
    quiet = c.f.details.get("b_enis_quiet")
    where = (
        f"{', '.join(quiet)}, which holds the destination address, wrote no records in those minutes"
        if quiet
        else "the destination's interface is not in these records"
    )
    return [
        f"The request from {c.a_text} to {c.b_text} ({c.service}) left the source accepted, and no response was "
        f"ever logged; {where}.",
        "Either the destination did not answer, or something beyond the source drops the traffic (routes, "
        "gateways, the remote side's firewall).",
    ]


def _x_unexpected_egress(c: Context) -> list[str]:
    return [
        f"Traffic from {c.a_text} to the private address {c.b_text} left through an internet gateway "
        f"(traffic-path 2 or 8) on {', '.join(c.f.details['igw'])}.",
        "Private destinations should be reached through the VPC, a peering, a transit gateway or a VPN; check "
        "the route table.",
    ]


def _x_reachable(c: Context) -> list[str]:
    if c.f.details.get("inferred_answer"):
        return [
            f"{c.a_text} reaches {c.b_text} ({c.service}): the requests were accepted and carried data, which TCP "
            "sends only after the server has answered the handshake.",
            "The responses themselves are not in these records (the other interface is not logged here).",
        ]
    return [f"{c.a_text} reaches {c.b_text} ({c.service}): requests and responses were both accepted."]


def _x_incomplete(c: Context) -> list[str]:
    skipped = c.f.details["skipped"]
    s = [
        f"Records were skipped (SKIPDATA) on {', '.join(skipped)} in this window, so not seeing "
        f"traffic between {c.a_text} and {c.b_text} proves nothing."
    ]
    own = [e for e in skipped if e in c.p.b_enis or e in c.p.a_enis]
    if own:
        s.append(
            "; ".join(address_proof(c.p.full, e, c.p.nets_b if e in c.p.b_enis else c.p.nets_a) for e in own)
            + "."
        )
    rest = [v for v in c.verdicts if v in VERDICTS and v != "INCOMPLETE_DATA"]
    if rest:
        s.append(f"With the records there are, it looks like {rest[0]}: {VERDICTS[rest[0]]}.")
    return s


def _x_nothing(c: Context) -> list[str]:
    p = c.p
    if (p.a.eni and not p.addrs_a) or (p.b.eni and not p.addrs_b):
        missing = [str(e.eni) for e, ad in ((p.a, p.addrs_a), (p.b, p.addrs_b)) if e.eni and not ad]
        return [
            f"{' and '.join(missing)} has no traffic records in the data, so its address is unknown.",
            "Check the interface id, the time range, and that the flow log covers that interface.",
        ]
    svc = c.service
    return [
        f"No record in the data shows traffic from {c.a_text} to {c.b_text}"
        + (f" ({svc})." if svc != "the traffic" else "."),
        "Either nothing was sent, the time window or interfaces logged do not cover it, or the traffic is of a "
        "kind flow logs never record (Amazon DNS, instance metadata, time sync, DHCP).",
    ]


# ---- next steps ------------------------------------------------------------------------------------


def _n_nacl(way: str) -> Callable[[Context], list[str]]:
    def steps(c: Context) -> list[str]:
        eni = c.f.details["nacl_out" if way == "outbound" else "nacl_in"][0]
        subnet = c.subnet_id(eni)
        lo, hi = EPHEMERAL_NACL
        return [
            f"aws ec2 describe-network-acls --filters Name=association.subnet-id,Values={subnet}"
            if subnet
            else f"aws ec2 describe-network-interfaces --network-interface-ids {_eni_arg(eni)} "
            "--query 'NetworkInterfaces[].SubnetId'",
            f"Add an {way} rule allowing {c.proto_name} "
            + ("" if c.is_icmp else f"ports {lo}-{hi} ")
            + f"{'to' if way == 'outbound' else 'from'} {c.p.a if way == 'outbound' else c.p.b}, numbered below "
            "any deny that matches.",
        ]

    return steps


def _n_blocked(key: str) -> Callable[[Context], list[str]]:
    def steps(c: Context) -> list[str]:
        eni = c.f.details[key][0]
        return [
            f"aws ec2 describe-network-interfaces --network-interface-ids {_eni_arg(eni)} "
            "--query 'NetworkInterfaces[].[SubnetId,Groups]'",
            "Check the security group rules and the subnet's network ACL rules for this traffic, or let "
            "Reachability Analyzer say which:",
            *c.analyse(),
        ]

    return steps


def _n_refused(c: Context) -> list[str]:
    return [f"On {c.p.b}: check that the service listens (ss -ltnp / netstat -an) on {c.service}."]


_ROUTES = (
    "Compare the route tables of both subnets: aws ec2 describe-route-tables --filters "
    "Name=association.subnet-id,Values=<subnet>"
)


def _n_path(first: Callable[[Context], list[str]]) -> Callable[[Context], list[str]]:
    def steps(c: Context) -> list[str]:
        return [*first(c), "Reachability Analyzer checks the configuration along the path:", *c.analyse()]

    return steps


def _n_bpa(c: Context) -> list[str]:
    return [
        "aws ec2 describe-vpc-block-public-access-options",
        "aws ec2 describe-vpc-block-public-access-exclusions",
    ]


def _n_egress(c: Context) -> list[str]:
    return ["aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=<the source's subnet>"]


def _n_none(c: Context) -> list[str]:
    return []


# ---- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One verdict: its code, what it means, when it applies, and what to say and do about it."""

    code: str
    meaning: str
    applies: Callable[[Facts, list[str]], bool]
    explain: Callable[[Context], list[str]]
    next_steps: Callable[[Context], list[str]]
    #: verdicts of higher priority that this one outranks when both apply
    outranks: tuple[str, ...] = ()
    #: does the verdict say something is broken (the connectivity report lists those)
    failing: bool = True


#: Every verdict, in priority order (most decisive first).
TABLE: tuple[Verdict, ...] = (
    Verdict("BLOCKED_BY_VPC_BPA", "VPC Block Public Access rejected the traffic", _bpa, _x_bpa, _n_bpa),
    Verdict(
        "NACL_OUTBOUND_BLOCKS_RETURN",
        "the destination's network ACL drops the response on its way out",
        _rejected("nacl_out", request=False, egress=True),
        _x_nacl_out,
        _n_nacl("outbound"),
    ),
    Verdict(
        "NACL_INBOUND_BLOCKS_RETURN",
        "the source's network ACL drops the response on its way in",
        _rejected("nacl_in", request=False, egress=False),
        _x_nacl_in,
        _n_nacl("inbound"),
    ),
    Verdict(
        "OUTBOUND_BLOCKED_SG_OR_NACL",
        "the request is rejected leaving the source (security group or network ACL)",
        _rejected("out_blocked", request=True, egress=True),
        _x_out_blocked,
        _n_blocked("out_blocked"),
    ),
    Verdict(
        "INBOUND_BLOCKED_SG_OR_NACL",
        "the request is rejected arriving at the destination (security group or network ACL)",
        _rejected("in_blocked", request=True, egress=False),
        _x_in_blocked,
        _n_blocked("in_blocked"),
    ),
    Verdict(
        "CONNECTION_REFUSED",
        "the destination answered with a TCP reset: nothing listens on the port",
        _refused_rule,
        _x_refused,
        _n_refused,
    ),
    Verdict(
        "ASYMMETRIC_PATH",
        "the response comes back on a different path than the request left on",
        _asymmetric,
        _x_asym,
        _n_path(lambda c: [_ROUTES]),
    ),
    Verdict(
        "NOT_DELIVERED",
        "the request left the source but never reached the destination's interface",
        _not_delivered,
        _x_not_delivered,
        _n_path(lambda c: [_ROUTES]),
    ),
    Verdict(
        "NO_RESPONSE",
        "the request was accepted but nothing answered",
        _no_response,
        _x_no_response,
        _n_path(
            lambda c: [
                f"On {c.p.b}: check that the service runs and that no host firewall drops {c.service}."
            ]
        ),
    ),
    Verdict(
        "UNEXPECTED_EGRESS_PATH",
        "traffic to a private address left through an internet gateway",
        _unexpected_egress,
        _x_unexpected_egress,
        _n_egress,
    ),
    Verdict(
        "REACHABLE", "requests and responses both pass", _reachable, _x_reachable, _n_none, failing=False
    ),
    Verdict(
        "INCOMPLETE_DATA",
        "records were skipped (SKIPDATA): the absence of traffic proves nothing",
        _incomplete,
        _x_incomplete,
        _n_path(
            lambda c: [
                "Read the records of a window without SKIPDATA (flownb.coverage(df) shows which windows are complete)."
            ]
        ),
        outranks=("NOT_DELIVERED", "NO_RESPONSE", "NO_TRAFFIC_SEEN"),
        failing=False,
    ),
    Verdict(
        "NO_TRAFFIC_SEEN",
        "no records between the two in the data",
        _nothing,
        _x_nothing,
        _n_path(
            lambda c: [
                "Check the time window and that flow logs are enabled on both interfaces (flownb.coverage(df))."
            ]
        ),
        failing=False,
    ),
)

_BY_CODE = {v.code: v for v in TABLE}

#: Verdict codes (DESIGN.md) and what each means, most decisive first.
VERDICTS: dict[str, str] = {v.code: v.meaning for v in TABLE}

#: Annotations that appear in ``Diagnosis.verdicts`` only, never as the main verdict.
ANNOTATIONS: dict[str, str] = {
    "VIA_NAT_GATEWAY": "the traffic goes through a NAT gateway (legs joined on pkt-* fields and time)",
    "VIA_TRANSIT_GATEWAY": "the traffic goes through a transit gateway (original addresses in pkt-* fields)",
}


def find(f: Facts) -> list[str]:
    """Every verdict that applies to these facts, the main one first."""
    found: list[str] = []
    for v in TABLE:
        if v.applies(f, found):
            found.append(v.code)
    main = found[0]
    for v in TABLE:
        if v.code in found and v.outranks and main in v.outranks:
            main = v.code
            break
    return [main, *[c for c in found if c != main]]


def explain(main: str, verdicts: list[str], f: Facts) -> str:
    """The explanation of the main verdict, with what the gateways and missing directions add."""
    p = f.p
    c = Context(p, f, verdicts)
    s = _BY_CODE[main].explain(c)
    if p.via_nat and main != "NO_TRAFFIC_SEEN":
        s.append(
            "The traffic goes through a NAT gateway: its records carry the original addresses in pkt-srcaddr and "
            "pkt-dstaddr, and its leg to the destination was joined on address, port and time."
        )
    if p.via_tgw and main != "NO_TRAFFIC_SEEN":
        s.append(
            "The traffic crosses a transit gateway, which does not change the addresses: its attachment "
            "interface is a hop that writes its own address in srcaddr/dstaddr and the packet's in "
            "pkt-srcaddr/pkt-dstaddr."
        )
    if p.assumed and main not in ("REACHABLE", "NO_TRAFFIC_SEEN"):
        s.append(
            "Some records do not say which side their interface is on (no flow-direction field); they were read "
            "from the destination's interface, as in the AWS examples."
        )
    return " ".join(s[:5])


def next_steps(main: str, verdicts: list[str], f: Facts) -> list[str]:
    c = Context(f.p, f, verdicts)
    steps = _BY_CODE[main].next_steps(c)
    if c.is_icmp and c.reachability_command() in steps:
        steps.append(
            "Reachability Analyzer analyses TCP and UDP only: test the ping's path with the port of a service."
        )
    return steps


# ---- record tests the rules share ------------------------------------------------------------------


def refused(
    df: pd.DataFrame, flags: np.ndarray | None, requests: np.ndarray, answers: np.ndarray, options: Options
) -> bool:
    """Did the server answer with resets only? From tcp-flags (RST, never SYN-ACK) when the format has
    them; otherwise from sizes: every answer packet a bare header (``options.rst_sizes``) and no data sent."""
    if flags is not None and (flags[answers] >= 0).any():
        fl = flags[answers]
        rst = (fl >= 0) & (fl & 4 == 4)
        synack = (fl >= 0) & (fl & 18 == 18)
        return bool(rst.any() and not synack.any())
    if "packets" not in df or "bytes" not in df:
        return False
    rows = np.flatnonzero(answers)
    pk = df["packets"].iloc[rows].to_numpy(dtype=np.float64, na_value=0.0)
    by = df["bytes"].iloc[rows].to_numpy(dtype=np.float64, na_value=0.0)
    ok = pk > 0
    if not ok.any():
        return False
    v6 = np.array([":" in str(v) for v in df["srcaddr"].iloc[rows].astype(object)], dtype=bool)
    bare = np.where(v6, options.rst_sizes[1], options.rst_sizes[0]) * pk
    if not np.all(by[ok] == bare[ok]):
        return False
    return not carried_data(df, requests, options.syn_max)


def carried_data(df: pd.DataFrame, requests: np.ndarray, syn_max: int) -> bool:
    """Did the client send data (more bytes per packet than a SYN) in most request records?
    Then the handshake had completed: TCP sends data only after the SYN-ACK."""
    if "packets" not in df or "bytes" not in df or not requests.any():
        return False
    rows = np.flatnonzero(requests)
    pk = df["packets"].iloc[rows].to_numpy(dtype=np.float64, na_value=0.0)
    by = df["bytes"].iloc[rows].to_numpy(dtype=np.float64, na_value=0.0)
    ok = pk > 0
    # most records, not one: a lone odd-sized packet (a retransmission with data, a middlebox)
    # is no proof of a completed handshake
    return bool(ok.any() and (by[ok] / pk[ok] > syn_max).mean() > 0.5)


def _window_rows(df: pd.DataFrame, rows: np.ndarray, lo: Any, hi: Any, slack: float) -> np.ndarray:
    """Of ``rows`` (indices), which overlap [lo - slack, hi + slack]; lo or hi None is unbounded."""
    keep = np.ones(len(rows), dtype=bool)
    if "start" not in df or "end" not in df:
        return keep
    pad = pd.Timedelta(seconds=slack)
    if lo is not None and not pd.isna(lo):
        keep &= np.asarray(df["end"].iloc[rows].fillna(lo) >= lo - pad, dtype=bool)
    if hi is not None and not pd.isna(hi):
        keep &= np.asarray(df["start"].iloc[rows].fillna(hi) <= hi + pad, dtype=bool)
    return keep


def skipdata(df: pd.DataFrame, enis: list[str] | None, lo: Any, hi: Any, slack: float) -> list[str]:
    """ENIs (of ``enis``, or any when None) with SKIPDATA records between ``lo`` and ``hi``
    (give or take ``slack`` seconds; either may be None: unbounded)."""
    if "log_status" not in df:
        return []
    skip = isin(df["log_status"], ["SKIPDATA"])
    if not skip.any():
        return []
    rows = np.flatnonzero(skip)  # few: compare times on those only
    skip[rows[~_window_rows(df, rows, lo, hi, slack)]] = False
    if "interface_id" in df and enis is None:
        return distinct(df["interface_id"], skip)
    if "interface_id" in df and enis:
        return distinct(df["interface_id"], skip & isin(df["interface_id"], enis))
    return ["(an ENI of these records)"] if skip.any() else []


def logging_between(df: pd.DataFrame, eni: str, lo: Any, hi: Any, slack: float) -> bool:
    """Did ``eni`` write any record (traffic, NODATA or SKIPDATA) overlapping [lo, hi], give or take ``slack``?"""
    if "interface_id" not in df:
        return False
    rows = np.flatnonzero(isin(df["interface_id"], [eni]))
    if not len(rows):
        return False
    return bool(_window_rows(df, rows, lo, hi, slack).any())
