"""enrich(): names for codes, scopes, the ENI's point of view, duration, translation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import flownb
from flownb.analysis import enrich
from flownb.analysis._enrich import ENRICHED_COLUMNS, local_side

from .test_traffic import T0, frame, rec


def test_enrich_adds_columns_and_leaves_the_input_alone():
    df = flownb.samples.load("aws-docs/service-path-direction-v5")
    before = df.copy()
    out = enrich(df)
    pd.testing.assert_frame_equal(df, before)
    assert list(out.columns[: len(df.columns)]) == list(df.columns)
    added = [c for c in out.columns if c not in df.columns]
    assert set(added) <= set(ENRICHED_COLUMNS)
    assert not set(added) & {f.column for f in flownb.schema.FIELDS.values()}


def test_the_accessor_calls_enrich():
    df = flownb.samples.load("aws-docs/sg-nacl-ping")
    pd.testing.assert_frame_equal(df.flow.enrich(), enrich(df))


def test_codes_get_names():
    out = enrich(flownb.samples.load("aws-docs/service-path-direction-v5"))
    assert out["protocol_name"].tolist() == ["TCP", "TCP"]
    assert out["tcp_flag_names"].tolist() == ["SYN-ACK,FIN", "SYN,FIN"]
    assert out["traffic_path_label"].tolist()[1] == flownb.schema.TRAFFIC_PATHS[8]
    assert pd.isna(out["traffic_path_label"].tolist()[0])


@pytest.mark.parametrize(
    ("address", "scope"),
    [
        ("10.1.2.3", "private"),
        ("172.31.255.1", "private"),
        ("192.168.0.1", "private"),
        ("172.32.0.1", "public"),
        ("100.64.1.1", "shared"),
        ("169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("224.0.0.251", "multicast"),
        ("203.0.113.5", "public"),  # documentation range: a stand-in for the internet in AWS examples
        ("52.95.128.179", "public"),
        ("fd00:ec2::254", "private"),
        ("fe80::1", "link-local"),
        ("2600:1f18::1", "public"),
        ("::1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
    ],
)
def test_address_scopes(address, scope):
    df = frame([rec(address, "10.0.0.1", 1, 2)])
    assert enrich(df)["src_scope"].tolist() == [scope]


def test_direction_comes_from_flow_direction_when_present():
    out = enrich(flownb.samples.load("aws-docs/service-path-direction-v5"))
    assert out["direction"].tolist() == ["ingress", "egress"]
    assert out["local_addr"].astype(str).tolist() == ["10.0.0.71", "10.0.0.71"]
    assert out["remote_port"].tolist() == [80, 80]
    assert str(out["local_port"].dtype) == "UInt16"


def test_direction_is_inferred_from_the_enis_own_address():
    # the ENI's address is in all three of its records; the peers vary
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 443),
            rec("10.0.1.1", "10.0.0.5", 443, 40000),
            rec("10.0.2.2", "10.0.0.5", 50000, 22),
        ]
    )
    out = enrich(df)
    assert out["direction"].tolist() == ["egress", "ingress", "ingress"]
    assert out["remote_addr"].astype(str).tolist() == ["10.0.1.1", "10.0.1.1", "10.0.2.2"]


def test_private_side_is_local_when_counts_tie():
    out = enrich(flownb.samples.load("aws-docs/sg-nacl-ping"))
    assert out["direction"].tolist() == ["ingress", "egress"]
    assert out["remote_scope"].tolist() == ["public", "public"]


DUAL_STACK = Path(__file__).parent / "connectivity" / "records" / "dual-stack-eni.log"


def test_a_dual_stack_enis_own_ipv6_address_is_its_side_in_the_default_format():
    # eni-0d5d... holds 10.0.1.20 (on every IPv4 record, facing two peers) and two IPv6 addresses,
    # each talking to one internet host only: both ends of those records are on all of them, so the
    # counts tie; the ENI's addresses are in Amazon's IPv6 blocks, the hosts' are not
    out = enrich(flownb.read_flow_logs(DUAL_STACK))
    v6 = out["srcaddr"].astype(str).str.contains(":")
    assert set(out["local_addr"].astype(str)) == {
        "10.0.1.20",
        "2600:1f18:6b5:9a01::20",
        "2600:1f18:6b5:9a01::21",
    }
    to_host = out["dstaddr"].astype(str).str.startswith("2a01:")
    assert (out.loc[v6 & to_host, "direction"] == "egress").all()
    assert (out.loc[v6 & ~to_host, "direction"] == "ingress").all()
    assert out["direction"].notna().all()


def test_the_rejected_answer_on_a_dual_stack_eni_is_its_inbound_network_acl():
    d = flownb.diagnose(
        flownb.read_flow_logs(DUAL_STACK),
        "2600:1f18:6b5:9a01::20",
        "2a01:4f8:c17:1::7",
        port=443,
        protocol="tcp",
    )
    assert d.verdict == "NACL_INBOUND_BLOCKS_RETURN", str(d)
    assert sorted(d.evidence["role"].astype(str)) == ["request egress"] * 3 + ["response ingress"] * 3


def test_two_public_ipv6_ends_outside_amazons_blocks_stay_unknown():
    # nothing tells which of two non-Amazon global addresses is the ENI's (BYOIP, or a peer in AWS)
    df = frame(
        [rec("2a01:4f8::1", "2a09:90e6::2", 40000, 443), rec("2a09:90e6::2", "2a01:4f8::1", 443, 40000)]
    )
    assert local_side(df).tolist() == [0, 0]


def test_unknown_side_stays_missing():
    out = enrich(frame([rec("10.0.0.1", "10.0.0.2", 40000, 22)]))
    assert out["direction"].isna().all() and out["local_addr"].isna().all()


def test_nat_gateway_records_are_marked_translated():
    out = enrich(flownb.samples.load("aws-docs/nat-gateway"))
    assert out["address_translated"].tolist() == [True, False, False, True, False, False]
    # the NAT gateway's ENI writes its own address where the original one was rewritten
    assert out["local_addr"].astype(str).tolist()[:4] == ["10.0.0.220"] * 4


def test_duration_in_seconds():
    out = enrich(frame([rec("10.0.0.1", "10.0.0.2", 1, 2, start=T0, end=T0 + 59)]))
    assert out["duration_s"].tolist() == [59]


def test_nodata_records_keep_missing_values():
    out = enrich(flownb.samples.load("aws-docs/nodata-skipdata"))
    assert out["src_scope"].isna().all() and out["direction"].isna().all()
    assert out["duration_s"].tolist() == [58, 58]


def test_local_side_codes():
    df = flownb.samples.load("aws-docs/sg-nacl-ping")
    assert local_side(df).tolist() == [2, 1]


def test_enrich_rejects_what_is_not_a_frame():
    with pytest.raises(TypeError, match="flow log DataFrame"):
        enrich([1, 2, 3])
