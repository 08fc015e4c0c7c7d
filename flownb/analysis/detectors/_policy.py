"""Policy and intel: threat-list matches, unusual protocols and resolvers outside the VPC."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from flownb._units import human_bytes
from flownb.analysis._flows import Flows
from flownb.analysis._netclass import in_networks, parse_networks

from ._checks import _ports
from ._findings import _RAW_COLUMNS, _WHY_COLUMNS
from ._registry import register
from ._selections import _accepted, _all, _egress_requests, _in, _rows
from ._text import _proto_name


@register(_accepted, oriented=True)
def intel_match(f: Flows, *, indicators: Iterable[str] | str | None = None):
    """Accepted traffic with addresses on your own threat list.

    flownb ships no threat intelligence: pass the addresses and CIDR blocks
    of a list you trust (a GuardDuty threat list, an abuse feed) as
    ``indicators``. One finding per conversation (client, server, service
    port, protocol) that has an accepted record and an indicator at either end.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    indicators : list of str
        IP addresses or CIDR blocks. Without them the detector finds nothing.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Medium (High when our instance started the conversation);
        ``src`` is the client, ``dst`` the server, ``dst_port`` the service
        port; ``score`` is the number of connections; label
        ``UnauthorizedAccess:EC2/MaliciousIPCaller.Custom`` (GuardDuty's
        finding for custom threat lists).

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import intel_match
    >>> df = flownb.samples.load("aws-docs/default-accept-reject")
    >>> intel_match(df, indicators=["172.31.16.139"])[["src", "dst", "dst_port"]].to_dict("records")
    [{'src': '172.31.16.139', 'dst': '172.31.16.21', 'dst_port': 22}]
    """
    nets = parse_networks(indicators, "indicators")
    if not nets or f.n == 0:
        return None
    bad = in_networks(list(f.addr), nets)
    a = f.a
    m = _accepted(f) & (bad[a["cli"]] | bad[a["srv"]])
    if not m.any():
        return None
    d = _rows(
        a, m, src="cli", dst="srv", dst_port="svc", protocol="proto", conv="conv", start="start", end="end",
        bytes="bytes",
    )  # fmt: skip
    r = (
        d.groupby(["src", "dst", "dst_port", "protocol"], sort=False)
        .agg(start=("start", "min"), end=("end", "max"), conns=("conv", "nunique"), bytes=("bytes", "sum"))
        .reset_index()
    )
    r["score"] = r["conns"].astype(float)
    r["label"] = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"
    r["severity"] = np.where(f.addr_local[r["src"]] & bad[r["dst"]], "High", "Medium")
    r["summary"] = [
        f"{f.addr[s]} {'(on the list) ' if bad[s] else ''}talked to {f.addr[dd]} "
        f"{'(on the list) ' if bad[dd] else ''}on {_proto_name(pr)} port {p}: {c} connection(s), {human_bytes(b)}."
        for s, dd, pr, p, c, b in zip(
            r["src"], r["dst"], r["protocol"], r["dst_port"], r["conns"], r["bytes"], strict=True
        )
    ]
    r["value"], r["threshold"], r["measure"] = (
        r["conns"].astype(float),
        1.0,
        "connections with a listed address",
    )
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]


@register(_all, oriented=True)
def unusual_protocol(f: Flows, *, allowed: Sequence[int] = (1, 6, 17, 58)):
    """Traffic using an IP protocol other than TCP, UDP and ICMP.

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    allowed : list of int, default (1, 6, 17, 58)
        Protocol numbers considered usual: ICMP, TCP, UDP, ICMPv6. flownb's own
        choice (GuardDuty's ``DenialOfService.UnusualProtocol`` calls anything
        else unusual); add 47 (GRE) or 50 (ESP) where you run VPNs.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Low (Medium when accepted to or from a public address);
        one per (client, server, protocol); ``score`` is the packets.

    Examples
    --------
    >>> import flownb
    >>> from flownb.analysis.detectors import unusual_protocol
    >>> unusual_protocol(flownb.samples.load("aws-docs/sg-nacl-ping"), allowed=[6, 17]).shape[0]
    1
    """
    allow = _ports(allowed, "allowed")
    a = f.a
    m = (a["proto"] >= 0) & ~_in(a["proto"], allow)
    if not m.any():
        return None
    d = _rows(
        a, m, src="cli", dst="srv", protocol="proto", packets="packets",
        public=(a["src_public"] | a["dst_public"]) & a["accept"], start="start", end="end",
    )  # fmt: skip
    r = (
        d.groupby(["src", "dst", "protocol"], sort=False)
        .agg(start=("start", "min"), end=("end", "max"), packets=("packets", "sum"), public=("public", "any"))
        .reset_index()
    )
    r["dst_port"] = -1
    r["score"] = r["packets"].astype(float)
    r["label"] = None
    r["severity"] = np.where(r["public"], "Medium", "Low")
    r["summary"] = [
        f"{f.addr[s]} and {f.addr[dd]} exchanged {int(p):,} packets of {_proto_name(pr)}, "
        "a protocol outside the allowed list."
        for s, dd, pr, p in zip(r["src"], r["dst"], r["protocol"], r["packets"], strict=True)
    ]
    r["value"], r["threshold"], r["measure"] = (
        r["packets"].astype(float),
        1.0,
        "packets of a protocol not allowed",
    )
    return r[[*_RAW_COLUMNS, *_WHY_COLUMNS]]


@register(_egress_requests)
def unapproved_dns(
    f: Flows, *, allowed_resolvers: Iterable[str] | str | None = None, ports: Sequence[int] = (53,)
):
    """Instances asking public DNS resolvers instead of the VPC's resolver.

    Queries to the Amazon-provided resolver (the VPC base + 2 address,
    169.254.169.253) are never logged, so any logged DNS request from a local
    address to a public one bypasses Route 53 Resolver (and its DNS Firewall
    and query logs).

    Parameters
    ----------
    df : DataFrame
        Flow log records.
    allowed_resolvers : list of str, optional
        Resolver addresses or CIDR blocks you approve.
    ports : list of int, default (53,)
        DNS ports (add 853 for DNS over TLS); 53 is flownb's own choice.
    local_networks : list of str, optional
        CIDR blocks to treat as local.

    Returns
    -------
    DataFrame
        Findings, Low; one per (client, resolver, port, protocol); ``score`` is
        the number of requests.

    Examples
    --------
    >>> import flownb
    >>> import io
    >>> from flownb.analysis.detectors import unapproved_dns
    >>> text = (
    ...     "version srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\\n"
    ...     "2 10.0.1.10 8.8.8.8 40000 53 17 1 60 1750000000 1750000005 ACCEPT OK\\n"
    ...     "2 8.8.8.8 10.0.1.10 53 40000 17 1 90 1750000000 1750000005 ACCEPT OK\\n"
    ... )
    >>> print(unapproved_dns(flownb.read_flow_logs(io.BytesIO(text.encode())))["summary"].iloc[0])
    10.0.1.10 sent 1 DNS record(s) to the public resolver 8.8.8.8 (UDP 53).
    """
    nets = parse_networks(allowed_resolvers, "allowed_resolvers")
    port_arr = _ports(ports, "ports")
    a = f.a
    m = _egress_requests(f) & _in(a["dport"], port_arr) & ((a["proto"] == 17) | (a["proto"] == 6))
    if nets:
        ok = in_networks(list(f.addr), nets)
        m &= ~ok[a["dst"]]
    if not m.any():
        return None
    d = _rows(a, m, src="src", dst="dst", dst_port="dport", protocol="proto", start="start", end="end")
    r = (
        d.groupby(["src", "dst", "dst_port", "protocol"], sort=False)
        .agg(start=("start", "min"), end=("end", "max"), n=("start", "size"))
        .reset_index()
    )
    r["score"] = r["n"].astype(float)
    r["label"] = None
    r["severity"] = "Low"

    def summarize(rows: pd.DataFrame) -> list[str]:  # for the findings kept only
        return [
            f"{f.addr[s]} sent {n} DNS record(s) to the public resolver {f.addr[dd]} ({_proto_name(pr)} {p})."
            for s, dd, p, pr, n in zip(
                rows["src"], rows["dst"], rows["dst_port"], rows["protocol"], rows["n"], strict=True
            )
        ]

    r["value"], r["threshold"], r["measure"] = r["n"].astype(float), 1.0, "DNS records to a public resolver"
    out = r[[*(c for c in (*_RAW_COLUMNS, *_WHY_COLUMNS) if c != "summary"), "n"]]
    out.attrs["summarize"] = summarize
    return out
