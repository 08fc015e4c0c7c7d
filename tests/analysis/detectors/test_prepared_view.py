"""The detectors' view of the records: pkt-* addresses, NAT gateway legs, local networks, flow direction."""

from __future__ import annotations

import io

import flownb
from flownb.analysis import detectors as D

from .helpers import T0, frame, rec


def test_pkt_addresses_replace_the_gateway_addresses():
    header = "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status pkt-srcaddr pkt-dstaddr"
    lines = [
        f"3 eni-0000000000000000t 10.40.1.{i} 10.20.33.164 40000 {p} 6 1 40 {T0 + i} {T0 + i + 2} REJECT OK 203.0.113.9 10.20.33.164"
        for i, p in enumerate(range(1, 21))
    ]
    df = flownb.read_flow_logs(io.BytesIO((header + "\n" + "\n".join(lines) + "\n").encode()))
    out = D.vertical_scan(df)
    assert out["src"].tolist() == ["203.0.113.9"]


def test_nat_gateway_legs_are_joined_to_the_instance():
    lines = []
    for i in range(25):
        t = i * 6
        sport, nport = 40000 + i, 60000 + i
        # the instance's own ENI
        lines.append(
            rec(
                "10.0.20.10",
                "192.0.2.80",
                sport,
                22,
                packets=15,
                nbytes=2500,
                t=t,
                eni="eni-000000000000000i1",
            )
        )
        lines.append(
            rec(
                "192.0.2.80",
                "10.0.20.10",
                22,
                sport,
                packets=12,
                nbytes=3000,
                t=t,
                eni="eni-000000000000000i1",
            )
        )
        # the NAT gateway's ENI: instance -> NAT, NAT -> peer, and the answers, with equal counters
        nat = "eni-00000000000000nat"
        lines.append(rec("10.0.20.10", "10.0.0.220", sport, 22, packets=15, nbytes=2500, t=t, eni=nat))
        lines.append(rec("10.0.0.220", "192.0.2.80", nport, 22, packets=15, nbytes=2500, t=t, eni=nat))
        lines.append(rec("192.0.2.80", "10.0.0.220", 22, nport, packets=12, nbytes=3000, t=t, eni=nat))
        lines.append(rec("10.0.0.220", "10.0.20.10", 22, sport, packets=12, nbytes=3000, t=t, eni=nat))
    out = D.brute_force(frame(lines))
    assert out[["src", "dst", "score"]].to_dict("records") == [
        {"src": "10.0.20.10", "dst": "192.0.2.80", "score": 25.0}
    ]
    assert out.iloc[0].severity == "High"


def test_local_networks_make_public_looking_vpc_addresses_local():
    lines = [rec("2600:1f18::5", "2001:db8::9", 40000 + i, 6667, packets=5, t=3000 + i) for i in range(3)]
    lines += [rec("2600:1f18::5", "2001:db8::9", 30000 + m, 443, packets=5, t=m * 60) for m in range(60)]
    df = frame(lines)
    assert D.new_remote_port(df).empty  # both ends look public: not egress
    out = D.new_remote_port(df, local_networks=["2600:1f18::/32"])
    assert out["dst_port"].tolist() == [6667]


def test_flow_direction_marks_the_enis_own_ipv6_addresses_local():
    header = "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction"
    lines = [
        f"5 eni-0000000000000000a 2600:1f18::5 2001:db8::9 {30000 + m} 443 6 5 400 {T0 + m * 60} {T0 + m * 60 + 5} ACCEPT OK egress"
        for m in range(60)
    ]
    lines.append(
        f"5 eni-0000000000000000a 2600:1f18::5 2001:db8::66 45000 6667 6 5 400 {T0 + 3000} {T0 + 3005} ACCEPT OK egress"
    )
    df = flownb.read_flow_logs(io.BytesIO((header + "\n" + "\n".join(lines) + "\n").encode()))
    assert D.new_remote_port(df)["dst_port"].tolist() == [6667]
