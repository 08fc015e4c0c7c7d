"""What the version 11 next-hop fields and reject-reason add to an explanation."""

from __future__ import annotations

import pandas as pd

import flownb
from flownb.analysis import diagnose
from flownb.sim import simulate

from ..test_traffic import T0, frame, rec


def _requests(dst: str, n: int = 5, **extra) -> list[dict]:
    return [
        rec(
            "10.0.1.5",
            dst,
            40000 + i,
            443,
            packets=3,
            nbytes=180,
            tcp_flags=2,
            start=T0 + 60 * i,
            flow_direction="egress",
            **extra,
        )
        for i in range(n)
    ]


def test_no_next_hop_to_a_private_destination_is_a_missing_route():
    df = frame(_requests("10.20.1.5", next_hop_interface_id=None, traffic_path=None))
    d = diagnose(df, "10.0.1.5", "10.20.1.5", port=443)
    assert d.verdict == "NO_RESPONSE"
    assert "no next hop (next-hop-interface-id '-')" in d.explanation
    assert "missing or blackhole route" in d.explanation
    assert d.next_steps[0].startswith("aws ec2 describe-route-tables --filters Name=vpc-id,Values=<vpc-id>")


def test_s3_traffic_out_through_the_internet_gateway_should_use_the_gateway_endpoint():
    rows = _requests(
        "52.216.8.10",
        next_hop_interface_id=None,
        traffic_path=8,
        pkt_dst_aws_service="S3",
        pkt_dstaddr="52.216.8.10",
    )
    d = diagnose(frame(rows), "10.0.1.5", "52.216.8.10", port=443)
    assert "through the internet gateway, not a gateway endpoint" in d.explanation
    assert "prefix-list route" in d.explanation


def test_s3_traffic_through_a_nat_gateway_should_use_the_gateway_endpoint():
    rows = _requests(
        "52.216.8.10",
        next_hop_interface_id="eni-nat",
        next_hop_interface_type="nat_gateway",
        traffic_path=1,
        pkt_dst_aws_service="S3",
        pkt_dstaddr="52.216.8.10",
    )
    d = diagnose(frame(rows), "10.0.1.5", "52.216.8.10", port=443)
    assert "next hop eni-nat (a nat_gateway interface)" in d.explanation
    assert "not a gateway endpoint" in d.explanation


def test_reject_reason_ec_names_encryption_controls():
    rows = [
        rec(
            "10.0.1.5",
            "10.0.2.9",
            40000 + i,
            443,
            start=T0 + 60 * i,
            action="REJECT",
            eni="eni-b",
            flow_direction="ingress",
            reject_reason="EC",
        )
        for i in range(3)
    ]
    d = diagnose(frame(rows), "10.0.1.5", "10.0.2.9", port=443)
    assert "reject-reason EC" in d.explanation and "encryption controls" in d.explanation


def test_the_twin_v11_next_hop_is_cited_for_a_blocked_database():
    s = simulate("sg_blocks_inbound", duration="20min", format="v11", scale=0)
    t = s.truth.iloc[0]
    d = diagnose(s.flows, t["src"], t["dst"], port=int(t["dst_port"]))
    assert d.verdict == "INBOUND_BLOCKED_SG_OR_NACL"
    db = s.topology.instance(t["dst"]).eni.id
    assert f"next hop {db}: the destination's own interface" in d.explanation
    # the tag fields name the hosts
    assert f"{t['src']} is app-1; {t['dst']} is db-2" in d.explanation
    # without the version 11 fields the explanation is what it was
    v5 = simulate("sg_blocks_inbound", duration="20min", format="v5", scale=0)
    d5 = diagnose(v5.flows, t["src"], t["dst"], port=int(t["dst_port"]))
    assert d5.verdict == d.verdict and "next hop" not in d5.explanation


def test_through_a_nat_gateway_the_next_hop_is_the_gateway():
    s = simulate("nat_gateway", duration="10min", format="v11", scale=0)
    nat = s.topology.nat_gateways[0].interface.id
    d = flownb.diagnose(s.flows, "10.0.10.10", "52.94.236.248", port=443)
    assert d.verdict == "REACHABLE"
    assert f"next hop {nat} (a nat_gateway interface)" in d.explanation
    assert isinstance(d.explanation, str) and not pd.isna(d.explanation)


def test_the_twin_blackhole_route_shows_as_no_next_hop():
    s = simulate("route_blackhole", duration="30min", format="v11", scale=0)
    t = s.truth.iloc[0]
    d = diagnose(s.flows, t["src"], t["dst"], port=int(t["dst_port"]))
    assert d.verdict == t["expected"] == "NO_RESPONSE"
    assert "no next hop (next-hop-interface-id '-')" in d.explanation
    assert "missing or blackhole route" in d.explanation
    sub = s.topology.instance(t["src"]).eni.subnet
    assert d.next_steps[0].startswith(
        f"aws ec2 describe-route-tables --filters Name=association.subnet-id,Values={s.topology.subnet(sub).id}"
    )
