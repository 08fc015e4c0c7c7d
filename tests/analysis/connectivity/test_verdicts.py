"""The verdict table: every verdict, from the AWS documentation examples and hand-written records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import flownb
from flownb.analysis import VERDICTS, diagnose
from flownb.analysis.connectivity import ANNOTATIONS

from ..test_traffic import T0, frame, rec

DESIGN_VERDICTS = {
    "REACHABLE",
    "NACL_OUTBOUND_BLOCKS_RETURN",
    "NACL_INBOUND_BLOCKS_RETURN",
    "INBOUND_BLOCKED_SG_OR_NACL",
    "OUTBOUND_BLOCKED_SG_OR_NACL",
    "NO_RESPONSE",
    "CONNECTION_REFUSED",
    "NOT_DELIVERED",
    "ASYMMETRIC_PATH",
    "BLOCKED_BY_VPC_BPA",
    "UNEXPECTED_EGRESS_PATH",
    "INCOMPLETE_DATA",
    "NO_TRAFFIC_SEEN",
}


def test_verdict_codes_are_exactly_designs():
    assert set(VERDICTS) == DESIGN_VERDICTS
    assert set(ANNOTATIONS) == {"VIA_NAT_GATEWAY", "VIA_TRANSIT_GATEWAY"}


def test_ping_accepted_in_reply_rejected_out_is_the_network_acl():
    df = flownb.samples.load("aws-docs/sg-nacl-ping")
    d = diagnose(df, "203.0.113.12", "172.31.16.139", protocol="icmp")
    assert d.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
    assert d.verdicts == ("NACL_OUTBOUND_BLOCKS_RETURN",)
    assert d.evidence.index.tolist() == [0, 1]
    assert d.evidence["role"].tolist() == ["request ingress", "response egress"]
    assert "stateful" in d.explanation and "network ACL" in d.explanation
    assert "outbound ICMP to 203.0.113.12" in d.explanation


def test_two_accepts_are_reachable():
    df = flownb.samples.load("aws-docs/service-path-direction-v5")
    d = diagnose(df, "10.0.0.71", "52.95.128.179", port=80, protocol="tcp")
    assert d.verdict == "REACHABLE"
    assert sorted(d.evidence["role"].astype(str)) == ["request egress", "response ingress"]


def test_a_single_reject_is_inbound_blocked_by_sg_or_nacl():
    df = flownb.samples.load("aws-docs/default-accept-reject")
    d = diagnose(df, "172.31.9.69", "172.31.9.12", port=3389)
    assert d.verdict == "INBOUND_BLOCKED_SG_OR_NACL"
    assert d.evidence.index.tolist() == [1]
    assert "cannot say whether the security group" in d.explanation
    cmd = [s for s in d.next_steps if s.startswith("aws ec2 create-network-insights-path")]
    assert cmd and "--destination-ip 172.31.9.12" in cmd[0] and "--protocol tcp" in cmd[0]
    assert "--destination-port 3389" in cmd[0]


def test_a_single_accept_with_data_is_reachable():
    # 20 packets, 4249 bytes: data flowed, which TCP does only after the handshake
    df = flownb.samples.load("aws-docs/default-accept-reject")
    d = diagnose(df, "172.31.16.139", "172.31.16.21", port=22)
    assert d.verdict == "REACHABLE"
    assert "not in these records" in d.explanation


def test_tcp_flag_sequence_is_reachable_with_the_handshake_shown():
    df = flownb.samples.load("aws-docs/tcp-flags-sequence")
    d = diagnose(df, "52.213.180.42", "10.0.0.62", port=5001, protocol="tcp")
    assert d.verdict == "REACHABLE"
    assert len(d.evidence) == len(df)
    flags = dict(zip(d.evidence["role"].astype(str), d.evidence["tcp_flags"], strict=False))
    first = d.evidence.iloc[:2]
    assert first["tcp_flags"].tolist() == [2, 18]  # SYN in, SYN-ACK out
    assert flags


def test_nothing_seen_with_skipdata_is_inconclusive():
    df = flownb.samples.load("aws-docs/nodata-skipdata")
    d = diagnose(df, "10.0.0.1", "10.0.0.2")
    assert d.verdict == "INCOMPLETE_DATA"
    assert "NO_TRAFFIC_SEEN" in d.verdicts
    assert d.evidence.empty


def test_no_traffic_seen():
    d = diagnose(frame([rec("10.0.0.1", "10.0.0.2", 1, 2)]), "10.9.9.9", "10.8.8.8", port=22)
    assert d.verdict == "NO_TRAFFIC_SEEN" and d.evidence.empty
    assert any("create-network-insights-path" in s for s in d.next_steps)


def test_outbound_reject_at_the_source():
    df = frame(
        [
            rec("10.0.0.5", "10.0.9.9", 40000, 443, action="REJECT", eni="eni-src"),
            rec("10.0.0.5", "10.0.1.1", 40001, 80, eni="eni-src"),
            rec("10.0.1.1", "10.0.0.5", 80, 40001, eni="eni-src"),
        ]
    )
    d = diagnose(df, "10.0.0.5", "10.0.9.9", port=443)
    assert d.verdict == "OUTBOUND_BLOCKED_SG_OR_NACL"
    assert d.evidence.index.tolist() == [0]
    assert any("--source eni-src" in s for s in d.next_steps)


def test_reply_rejected_coming_back_is_the_source_network_acl():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 22, eni="eni-src"),
            rec("10.0.1.1", "10.0.0.5", 22, 40000, eni="eni-src", action="REJECT"),
            rec("10.0.0.5", "10.0.2.2", 40001, 443, eni="eni-src"),
        ]
    )
    d = diagnose(df, "10.0.0.5", "10.0.1.1", port=22)
    assert d.verdict == "NACL_INBOUND_BLOCKS_RETURN"
    assert "inbound TCP from 10.0.1.1 on ports 1024-65535" in d.explanation


def test_reset_answers_are_a_refused_connection():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 8080, tcp_flags=2, packets=1, nbytes=60),
            rec("10.0.1.1", "10.0.0.5", 8080, 40000, tcp_flags=4, packets=1, nbytes=40),
        ]
    )
    assert diagnose(df, "10.0.0.5", "10.0.1.1", port=8080).verdict == "CONNECTION_REFUSED"
    syn_ack = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 8080, tcp_flags=3),
            rec("10.0.1.1", "10.0.0.5", 8080, 40000, tcp_flags=19),
        ]
    )
    assert diagnose(syn_ack, "10.0.0.5", "10.0.1.1", port=8080).verdict == "REACHABLE"


def test_block_public_access_reason():
    df = frame([rec("198.51.100.7", "10.0.0.5", 40000, 443, action="REJECT", reject_reason="BPA")])
    d = diagnose(df, "198.51.100.7", "10.0.0.5", port=443)
    assert d.verdict == "BLOCKED_BY_VPC_BPA"
    assert "Block Public Access" in d.explanation


def test_request_sent_but_never_arriving_at_a_logged_interface():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 5432, eni="eni-a", packets=3, nbytes=180),
            # eni-b holds 10.0.1.1 and was logging (other traffic) but never saw the request
            rec("10.0.1.1", "10.0.3.3", 41000, 443, eni="eni-b"),
            rec("10.0.3.3", "10.0.1.1", 443, 41000, eni="eni-b"),
            rec("10.0.1.1", "10.0.4.4", 41001, 443, eni="eni-b"),
        ]
    )
    d = diagnose(df, "10.0.0.5", "10.0.1.1", port=5432)
    assert d.verdict == "NOT_DELIVERED"
    assert "eni-b" in d.explanation


def test_accepted_but_unanswered():
    df = frame([rec("10.0.0.5", "10.0.1.1", 40000, 8080, packets=3, nbytes=180, eni="eni-b")])
    d = diagnose(df, "10.0.0.5", "10.0.1.1", port=8080)
    assert d.verdict == "NO_RESPONSE"


def test_skipdata_on_the_destination_makes_absence_inconclusive():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 8080, packets=3, nbytes=180, eni="eni-a"),
            rec("10.0.1.1", "10.0.5.5", 41000, 443, eni="eni-b"),
            rec("10.0.5.5", "10.0.1.1", 443, 41000, eni="eni-b"),
            rec("10.0.1.1", "10.0.6.6", 41001, 443, eni="eni-b"),
            {"interface_id": "eni-b", "start": T0, "end": T0 + 60, "log_status": "SKIPDATA"},
        ]
    )
    d = diagnose(df, "10.0.0.5", "10.0.1.1", port=8080)
    assert d.verdict == "INCOMPLETE_DATA"
    assert "NOT_DELIVERED" in d.verdicts
    assert "eni-b" in d.explanation


def test_private_destination_through_an_internet_gateway_is_unexpected():
    df = frame(
        [
            rec("10.0.0.5", "10.1.0.9", 40000, 443, eni="eni-a", flow_direction="egress", traffic_path=8),
            rec("10.1.0.9", "10.0.0.5", 443, 40000, eni="eni-a", flow_direction="ingress"),
        ]
    )
    d = diagnose(df, "10.0.0.5", "10.1.0.9", port=443)
    assert d.verdict == "UNEXPECTED_EGRESS_PATH"
    assert "REACHABLE" in d.verdicts
    assert "internet gateway" in d.explanation


# ---- hand-written record files (tests/analysis/connectivity/records) ---------------------------------

RECORDS = Path(__file__).parent / "records"


def test_a_request_the_logging_destination_never_saw_is_not_delivered():
    # eni-0b2b... holds 10.0.2.9 (on one side of each of its records) and logs other traffic in
    # the same minutes, but never records the client's SYNs
    d = diagnose(flownb.read_flow_logs(RECORDS / "not-delivered.log"), "10.0.1.5", "10.0.2.9")
    assert d.verdicts == ("NOT_DELIVERED",)
    assert d.evidence["role"].astype(str).tolist() == ["request egress"] * 3
    # the explanation says which records prove whose address is whose
    assert "eni-0b2b2b2b2b2b2b2b2 holds 10.0.2.9: 6 of its 6 records" in d.explanation
    assert "10:00 UTC to 10:02 UTC" in d.explanation


def test_a_destination_that_was_not_logging_then_proves_no_delivery_failure():
    # the same requests, but the destination's interface wrote its last record two hours earlier
    d = diagnose(flownb.read_flow_logs(RECORDS / "destination-not-logged-then.log"), "10.0.1.5", "10.0.2.9")
    assert d.verdict == "NO_RESPONSE"
    assert "NOT_DELIVERED" not in d.verdicts
    assert "eni-0b2b2b2b2b2b2b2b2, which holds the destination address, wrote no records" in d.explanation


def test_skipdata_on_the_destination_eni_makes_the_absence_unprovable():
    # the SKIPDATA records carry no address: the ENI is known to hold 10.0.2.9 from its records an hour earlier
    d = diagnose(flownb.read_flow_logs(RECORDS / "incomplete-data.log"), "10.0.1.5", "10.0.2.9", port=8080)
    assert d.verdict == "INCOMPLETE_DATA"
    assert "NOT_DELIVERED" in d.verdicts
    assert "SKIPDATA) on eni-0b2b2b2b2b2b2b2b2" in d.explanation
    assert (
        "holds 10.0.2.9: 4 of its 4 records carry it on its own side (09:00 UTC to 09:01 UTC)"
        in d.explanation
    )


# ---- options with their sources ---------------------------------------------------------------------


def test_rst_sizes_decide_a_refused_connection_without_tcp_flags():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 8080, packets=2, nbytes=120),
            rec("10.0.1.1", "10.0.0.5", 8080, 40000, packets=2, nbytes=80),  # two bare 40-byte segments
        ]
    )
    assert diagnose(df, "10.0.0.5", "10.0.1.1", port=8080).verdict == "CONNECTION_REFUSED"
    assert diagnose(df, "10.0.0.5", "10.0.1.1", port=8080, rst_sizes=(52, 72)).verdict == "REACHABLE"
    with pytest.raises(ValueError, match="'rst_sizes' must be two"):
        diagnose(df, "10.0.0.5", "10.0.1.1", rst_sizes=40)


def test_nat_leg_window_decides_which_legs_are_joined():
    df = flownb.samples.load("aws-docs/nat-gateway")
    t = pd.Timestamp("2026-06-01 10:00", tz="UTC")
    df["start"] = [t, t + pd.Timedelta(seconds=3), t + pd.Timedelta(seconds=3), t, t, t]
    df["end"] = df["start"] + pd.Timedelta(seconds=50)
    joined = diagnose(df, "10.0.1.5", "203.0.113.5")
    assert "nat" in set(joined.evidence["leg"].astype(str))
    apart = diagnose(df, "10.0.1.5", "203.0.113.5", nat_leg_window=1)
    assert "nat" not in set(apart.evidence["leg"].astype(str))
    with pytest.raises(ValueError, match="'nat_leg_window' must be a number of seconds"):
        diagnose(df, "10.0.1.5", "203.0.113.5", nat_leg_window=-1)
