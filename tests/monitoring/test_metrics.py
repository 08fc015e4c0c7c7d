"""network_metrics and packet_loss against sums worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb.monitoring import network_metrics, packet_loss

# 1767225600 is 2026-01-01 00:00:00 UTC. eni-web is 10.0.1.10, eni-db 10.0.2.20, eni-x 10.0.9.9.
RECORDS = """\
version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 111122223333 eni-web 203.0.113.9 10.0.1.10 50000 443 6 5 400 1767225610 1767225670 ACCEPT OK
2 111122223333 eni-web 10.0.1.10 203.0.113.9 443 50000 6 4 3000 1767225610 1767225670 ACCEPT OK
2 111122223333 eni-web 198.51.100.1 10.0.1.10 40000 22 6 2 120 1767225660 1767225720 REJECT OK
2 111122223333 eni-web 10.0.1.10 10.0.2.20 41000 5432 6 10 800 1767225960 1767226020 ACCEPT OK
2 111122223333 eni-web - - - - - - - 1767226020 1767226080 - SKIPDATA
2 111122223333 eni-db 10.0.1.10 10.0.2.20 41000 5432 6 10 800 1767225960 1767226020 ACCEPT OK
2 111122223333 eni-db 10.0.2.20 10.0.1.10 5432 41000 6 8 6000 1767225960 1767226020 ACCEPT OK
2 111122223333 eni-x 10.0.9.9 8.8.8.8 3000 53 17 1 60 1767225630 1767225690 ACCEPT OK
2 111122223333 eni-x 8.8.8.8 10.0.9.9 53 3000 17 1 90 1767225630 1767225690 ACCEPT OK
2 111122223333 eni-x 10.0.1.1 10.0.2.2 3001 80 6 3 300 1767225630 1767225690 ACCEPT OK
2 111122223333 eni-x 10.0.9.9 1.1.1.1 3002 443 6 1 70 1767225630 1767225690 REJECT OK
"""

TGW = """\
version resource-type tgw-id tgw-attachment-id srcaddr dstaddr packets bytes start end log-status packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired
6 TransitGateway tgw-1 tgw-attach-a 10.0.0.1 10.1.0.1 10 1000 1767225600 1767225660 OK 0 3 0 0
6 TransitGateway tgw-1 tgw-attach-a 10.0.0.1 10.1.0.2 5 500 1767225620 1767225680 OK 2 0 1 0
6 TransitGateway tgw-1 tgw-attach-b 10.1.0.1 10.0.0.1 4 400 1767225900 1767225960 OK 0 0 0 7
"""


@pytest.fixture
def net(tmp_path):
    p = tmp_path / "net.log"
    p.write_text(RECORDS)
    return flownb.read_flow_logs(str(p), errors="raise")


def row(m: pd.DataFrame, eni: str, hhmm: str) -> dict:
    t = pd.Timestamp(f"2026-01-01 {hhmm}", tz="UTC")
    sel = m[(m["interface_id"] == eni) & (m["timestamp"] == t)]
    assert len(sel) == 1
    return {k: int(v) for k, v in sel.drop(columns=["interface_id", "timestamp"]).iloc[0].items()}


def test_per_eni_sums_by_hand(net):
    m = network_metrics(net, period="5min")
    assert row(m, "eni-web", "00:00") == {
        "bytes_in": 400,
        "bytes_out": 3000,
        "packets_in": 5,
        "packets_out": 4,
        "bytes_through": 0,
        "rejected_bytes": 120,
        "accepted_records": 2,
        "rejected_records": 1,
        "records": 3,
        "skipdata_records": 0,
    }
    assert row(m, "eni-web", "00:05") == {
        "bytes_in": 0,
        "bytes_out": 800,
        "packets_in": 0,
        "packets_out": 10,
        "bytes_through": 0,
        "rejected_bytes": 0,
        "accepted_records": 1,
        "rejected_records": 0,
        "records": 2,
        "skipdata_records": 1,
    }
    assert row(m, "eni-db", "00:05") == {
        "bytes_in": 800,
        "bytes_out": 6000,
        "packets_in": 10,
        "packets_out": 8,
        "bytes_through": 0,
        "rejected_bytes": 0,
        "accepted_records": 2,
        "rejected_records": 0,
        "records": 2,
        "skipdata_records": 0,
    }
    # eni-x is 10.0.9.9 (in 3 of its 4 records); 10.0.1.1 -> 10.0.2.2 only passes through it
    assert row(m, "eni-x", "00:00") == {
        "bytes_in": 90,
        "bytes_out": 60,
        "packets_in": 1,
        "packets_out": 1,
        "bytes_through": 300,
        "rejected_bytes": 70,
        "accepted_records": 3,
        "rejected_records": 1,
        "records": 4,
        "skipdata_records": 0,
    }
    assert len(m) == 4  # periods without records are absent


def test_totals_and_one_minute_periods(net):
    total = network_metrics(net, period="5min", by=None)
    assert total["bytes_in"].tolist() == [400 + 90, 800]
    assert total["bytes_out"].tolist() == [3000 + 60, 800 + 6000]
    per_min = network_metrics(net, period="1min", by=None)
    assert [f"{t:%H:%M}" for t in per_min["timestamp"]] == ["00:00", "00:01", "00:06", "00:07"]
    assert per_min["rejected_bytes"].tolist() == [70, 120, 0, 0]


def test_flow_direction_is_used_when_present():
    df = flownb.samples.load("aws-docs/service-path-direction-v5")
    m = network_metrics(df)
    # the sample: 14 packets, 15044 bytes ingress from S3; 7 packets, 471 bytes egress
    assert m[["bytes_in", "bytes_out", "packets_in", "packets_out"]].iloc[0].tolist() == [15044, 471, 14, 7]


def test_group_by_other_columns_and_errors(net):
    by_account = network_metrics(net, by="account_id")
    assert by_account["records"].sum() == 11
    with pytest.raises(ValueError, match="'by' column 'instance_id' is not in the records"):
        network_metrics(net, by="instance_id")


def test_input_is_not_modified(net):
    before = net.copy()
    network_metrics(net)
    pd.testing.assert_frame_equal(net, before)


def test_transit_gateway_packet_loss(tmp_path):
    p = tmp_path / "tgw.log"
    p.write_text(TGW)
    df = flownb.read_flow_logs(str(p), errors="raise")
    loss = packet_loss(df, period="5min")
    a = loss[loss["tgw_attachment_id"] == "tgw-attach-a"].iloc[0]
    assert [
        int(a[c])
        for c in (
            "packets_lost_no_route",
            "packets_lost_blackhole",
            "packets_lost_mtu_exceeded",
            "packets_lost_ttl_expired",
            "packets_lost",
        )
    ] == [2, 3, 1, 0, 6]
    b = loss[loss["tgw_attachment_id"] == "tgw-attach-b"].iloc[0]
    assert f"{b['timestamp']:%H:%M}" == "00:05" and int(b["packets_lost"]) == 7
    with pytest.raises(ValueError, match="tgw_attachment_id, not interface_id"):
        network_metrics(df)
    m = network_metrics(df, by="tgw_attachment_id")
    assert m["packets_lost_ttl_expired"].tolist() == [0, 7]
