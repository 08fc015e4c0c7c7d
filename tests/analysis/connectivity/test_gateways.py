"""NAT and transit gateways: legs joined, gateway records marked, hosts that are not gateways."""

from __future__ import annotations

import flownb
from flownb.analysis import diagnose

from ..test_traffic import T0, frame, rec


def test_nat_gateway_records_join_the_legs():
    df = flownb.samples.load("aws-docs/nat-gateway")
    d = diagnose(df, "10.0.1.5", "203.0.113.5")
    assert d.verdicts == ("REACHABLE", "VIA_NAT_GATEWAY")
    assert sorted(d.evidence.index) == [0, 1, 2, 3, 4, 5]
    legs = d.evidence.set_index(d.evidence.index)["leg"].astype(str).to_dict()
    assert legs[1] == legs[2] == "nat"  # 10.0.0.220 <-> 203.0.113.5
    assert legs[0] == legs[3] == "translated"
    assert legs[4] == legs[5] == "direct"
    assert "NAT gateway" in d.explanation


def test_transit_gateway_records():
    df = flownb.samples.load("aws-docs/transit-gateway-vpc")
    d = diagnose(df, "10.20.33.164", "10.40.2.236", port=80, protocol="tcp")
    assert d.verdict == "REACHABLE"
    assert "VIA_TRANSIT_GATEWAY" in d.verdicts and "VIA_NAT_GATEWAY" not in d.verdicts
    assert sorted(d.evidence.index) == [0, 1, 2, 3]


def test_a_host_talking_to_both_sides_is_not_a_nat_gateway():
    # app -> db:5432 and db -> replica:5432 on db's ENI, one pair of SYN-only records alike by chance
    rows = [
        rec(
            "10.0.1.1",
            "10.0.2.2",
            40000 + i,
            5432,
            eni="eni-db",
            packets=9,
            nbytes=4000 + i,
            start=T0 + 60 * i,
        )
        for i in range(6)
    ]
    rows += [rec("10.0.2.2", "10.0.1.1", 5432, 40000 + i, eni="eni-db", start=T0 + 60 * i) for i in range(6)]
    rows += [
        rec("10.0.1.1", "10.0.2.2", 50000, 5432, eni="eni-db", packets=3, nbytes=180, start=T0 + 999),
        rec("10.0.2.2", "10.0.3.3", 51000, 5432, eni="eni-db", packets=3, nbytes=180, start=T0 + 999),
    ]
    d = diagnose(frame(rows), "10.0.1.1", "10.0.3.3", port=5432)
    assert "VIA_NAT_GATEWAY" not in d.verdicts
    assert d.verdict == "NO_TRAFFIC_SEEN"
