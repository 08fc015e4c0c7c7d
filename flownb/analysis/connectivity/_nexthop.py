"""What the version 11 next-hop fields and ``reject-reason`` prove about a pair's requests.

Facts used (VPC User Guide, "Flow log records", version 11 fields of June 2026, read from copies that
cite that table; see :mod:`flownb.schema`): ``next-hop-interface-id`` is the network interface of the
flow's next hop (the receiver of egress traffic, the sender of ingress traffic), with its subnet, zone,
VPC and ``next-hop-interface-type`` (``nat_gateway``, ``transit_gateway``, ``vpc_endpoint``,
``network_load_balancer``, ``regional_nat_gateway``); ``-`` where a field does not apply. An internet
gateway and a gateway endpoint (S3, DynamoDB) have no network interface, so traffic they carry has no
next-hop interface; ``traffic-path`` (version 5) tells them apart: 8 (or 2) through an internet gateway,
7 through a gateway endpoint. ``reject-reason`` (version 8) is ``BPA`` (VPC Block Public Access) or
``EC`` (VPC encryption controls) when one of them rejected the traffic.

Examples
--------
>>> import flownb
>>> from flownb.sim import simulate
>>> s = simulate("nat_gateway", duration="10min", format="v11", scale=0)
>>> d = flownb.diagnose(s.flows, "10.0.10.10", "52.94.236.248", port=443)
>>> "next hop" in d.explanation and "nat_gateway" in d.explanation
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._frame import int_array
from ._records import Pair, public_destination

if TYPE_CHECKING:
    from ._verdicts import Facts

__all__ = ["evidence", "no_route_step"]

#: AWS services a gateway endpoint carries (VPC User Guide, "Gateway endpoints"): S3 and DynamoDB.
GATEWAY_ENDPOINT_SERVICES = ("S3", "DYNAMODB")


def _values(p: Pair, column: str, rows: np.ndarray) -> list[str]:
    return _values_of(p.df[column], rows) if column in p.df else []


def _first(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values)


def _tag_of(p: Pair, enis: list[str], who: object) -> str:
    """``"<who> is <tag>"`` from the tag fields of the records of ``enis`` (the instance's, else the interface's)."""
    full = p.full
    if not enis or "interface_id" not in full:
        return ""
    for column in ("instance_tag", "interface_tag"):
        if column in full:
            rows = np.asarray(full["interface_id"].isin(enis), dtype=bool)
            values = _values_of(full[column], rows)
            if values:
                return f"{who} is {_first(values)}"
    return ""


def _values_of(col: Any, rows: np.ndarray) -> list[str]:
    if not rows.any():
        return []
    vals = col[rows].dropna().astype(str)
    return sorted({v for v in vals if v and v != "-"})


def evidence(p: Pair, f: Facts) -> list[str]:
    """Sentences the explanation cites: why AWS rejected the traffic, where the requests went next, and
    the hosts' names from the tag fields.

    Empty when the records have none of the next-hop, tag and ``reject-reason`` fields.
    """
    out = _hops(p, f)
    names = [_tag_of(p, enis, text) for enis, text in ((p.a_enis, p.a), (p.b_enis, p.b))]
    named = [n for n in names if n]
    if named:
        out.append("By their tags (instance-tag, interface-tag): " + "; ".join(named) + ".")
    return out


def _hops(p: Pair, f: Facts) -> list[str]:
    out: list[str] = []
    df = p.df
    reasons = _values(p, "reject_reason", f.rows & f.reject)
    if "EC" in reasons:
        out.append(
            "The rejected records give reject-reason EC: VPC encryption controls dropped the traffic, not a "
            "security group or network ACL (the VPC enforces encryption and this path is not encrypted)."
        )
    if "next_hop_interface_id" not in df:
        return out
    # the requests as they left the source's own interface (a NAT gateway's onward leg is its own hop)
    sent = f.req & f.egress & ~p.nat_leg
    if not sent.any():
        return out
    hops = _values(p, "next_hop_interface_id", sent)
    kinds = _values(p, "next_hop_interface_type", sent)
    services = _values(p, "pkt_dst_aws_service", sent)
    endpoint_service = [s for s in services if s in GATEWAY_ENDPOINT_SERVICES]
    src = ", ".join(f.on(sent))
    if "traffic_path" in df:
        tp = int_array(df["traffic_path"], p.n)
        igw = bool(np.isin(tp[sent], (2, 8)).any())
    else:
        igw = False
    if not hops:
        if endpoint_service and igw:
            out.append(
                f"The requests to {_first(endpoint_service)} left {src} with no next-hop interface and "
                "traffic-path 8: they went out through the internet gateway, not a gateway endpoint "
                "(traffic-path 7). Add the endpoint's prefix-list route to the source subnet's route table."
            )
        elif igw or bool(public_destination(df, sent).any()):
            out.append(
                f"The requests left {src} with no next-hop interface (next-hop-interface-id '-'): they went "
                "straight to the internet gateway."
            )
        else:
            out.append(
                f"The requests left {src} with no next hop (next-hop-interface-id '-') although the "
                "destination is not public: no route in the source subnet's route table takes them to an "
                "interface (a missing or blackhole route)."
            )
        return out
    where = _first(hops) + (f" (a {_first(kinds)} interface)" if kinds else "")
    if endpoint_service and ("nat_gateway" in kinds or "regional_nat_gateway" in kinds):
        out.append(
            f"The requests to {_first(endpoint_service)} left {src} with next hop {where}: a NAT gateway "
            "carries them, not a gateway endpoint. Add the endpoint's prefix-list route to the source "
            "subnet's route table (an endpoint is free, a NAT gateway charges per GB)."
        )
    elif set(hops) <= set(p.b_enis):
        out.append(f"The requests left {src} with next hop {where}: the destination's own interface.")
    elif not kinds and p.b_enis:
        out.append(
            f"The requests left {src} with next hop {where}, not the destination's interface "
            f"({', '.join(p.b_enis)}): a route sends them through another interface first."
        )
    else:
        out.append(f"The requests left {src} for next hop {where}, as next-hop-interface-id says.")
    return out


def no_route_step(p: Pair, f: Facts) -> str | None:
    """The route-table check to suggest when the requests left with no next hop to a non-public destination."""
    df = p.df
    if "next_hop_interface_id" not in df:
        return None
    sent = f.req & f.egress & ~p.nat_leg
    if (
        not sent.any()
        or _values(p, "next_hop_interface_id", sent)
        or bool(public_destination(df, sent).any())
    ):
        return None
    subnets = _values(p, "subnet_id", sent)
    where = (
        f"Name=association.subnet-id,Values={subnets[0]}"
        if len(subnets) == 1
        else "Name=vpc-id,Values=<vpc-id>"
    )
    return (
        f"aws ec2 describe-route-tables --filters {where} (the requests had no next hop: look for the route to "
        f"{p.b} and its state, 'blackhole' when its target is gone)"
    )
