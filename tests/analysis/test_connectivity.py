"""diagnose() and friends: the AWS documentation cases, hand-built cases, and the VPC twin's scenarios."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb.analysis import VERDICTS, Diagnosis, coverage, diagnose, one_way_flows, rejections
from flownb.analysis.connectivity import ANNOTATIONS

from .test_traffic import T0, frame, rec

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


# ---- the AWS documentation examples ----------------------------------------------------------


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


def test_nothing_seen_with_skipdata_is_inconclusive():
    df = flownb.samples.load("aws-docs/nodata-skipdata")
    d = diagnose(df, "10.0.0.1", "10.0.0.2")
    assert d.verdict == "INCOMPLETE_DATA"
    assert "NO_TRAFFIC_SEEN" in d.verdicts
    assert d.evidence.empty


# ---- hand-built cases ---------------------------------------------------------------------------


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


def test_enis_and_cidrs_as_endpoints():
    df = flownb.samples.load("aws-docs/sg-nacl-ping")
    by_eni = diagnose(df, "203.0.113.0/24", "eni-1235b8ca123456789")
    assert by_eni.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
    assert "172.31.16.139" in by_eni.explanation


def test_time_window_limits_the_records():
    df = flownb.samples.load("aws-docs/tcp-flags-sequence")
    d = diagnose(df, "52.213.180.42", "10.0.0.62", port=5001, start="2019-08-27", end="2019-08-28")
    assert d.evidence.index.tolist() == [6, 7]
    gone = diagnose(df, "52.213.180.42", "10.0.0.62", start="2030-01-01")
    assert gone.verdict == "NO_TRAFFIC_SEEN"


def test_diagnose_does_not_mutate_its_input():
    df = flownb.samples.load("aws-docs/nat-gateway")
    before = df.copy()
    diagnose(df, "10.0.1.5", "203.0.113.5")
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"src": "not-an-ip", "dst": "10.0.0.1"}, "src must be an IP address"),
        ({"src": "10.0.0.1", "dst": "10.0.0.2", "protocol": "tcpp"}, "protocol must be"),
        ({"src": "10.0.0.1", "dst": "10.0.0.2", "port": 70000}, "port must be a number 0-65535"),
        ({"src": "10.0.0.1", "dst": "10.0.0.2", "start": "yesterday-ish"}, "start must be a time"),
    ],
)
def test_errors_are_for_people(kwargs, message):
    with pytest.raises(ValueError, match=message):
        diagnose(flownb.samples.load("aws-docs/sg-nacl-ping"), **kwargs)


def test_diagnosis_shows_itself():
    d = diagnose(flownb.samples.load("aws-docs/sg-nacl-ping"), "203.0.113.12", "172.31.16.139")
    assert isinstance(d, Diagnosis)
    assert repr(d).startswith("<Diagnosis NACL_OUTBOUND_BLOCKS_RETURN")
    text = str(d)
    assert "verdict: NACL_OUTBOUND_BLOCKS_RETURN" in text and "request ingress" in text
    page = d._repr_html_()
    assert "NACL_OUTBOUND_BLOCKS_RETURN" in page and "<table" in page and "Next steps" in page
    assert "<script" not in page


def test_cli_diagnose_prints_verdict_and_evidence(capsys):
    from flownb.cli import main
    from flownb.samples import path

    rc = main(["diagnose", path("aws-docs/sg-nacl-ping"), "--src", "203.0.113.12", "--dst", "172.31.16.139"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "NACL_OUTBOUND_BLOCKS_RETURN" in out and "response egress" in out


def test_cli_diagnose_reports_bad_input(capsys):
    from flownb.cli import main
    from flownb.samples import path

    assert main(["diagnose", path("aws-docs/sg-nacl-ping"), "--src", "x", "--dst", "10.0.0.1"]) == 1
    assert "src must be an IP address" in capsys.readouterr().err


# ---- one-way flows, rejections, coverage ------------------------------------------------------


def test_one_way_flows_are_requests_without_answers():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 443),
            rec("10.0.1.1", "10.0.0.5", 443, 40000),
            rec("10.0.0.5", "10.0.1.2", 40001, 8080, packets=3),
        ]
    )
    one = one_way_flows(df)
    assert one["server"].astype(str).tolist() == ["10.0.1.2"]
    assert one["server_port"].tolist() == [8080]


def test_rejections_name_the_likely_cause():
    df = frame(
        [
            # on eni-db: requests in accepted, answers out rejected (network ACL)
            rec("10.0.0.5", "10.0.1.1", 40000, 5432, eni="eni-db"),
            rec("10.0.1.1", "10.0.0.5", 5432, 40000, eni="eni-db", action="REJECT"),
            rec("10.0.0.6", "10.0.1.1", 40001, 5432, eni="eni-db"),
            rec("10.0.1.1", "10.0.0.6", 5432, 40001, eni="eni-db", action="REJECT"),
            # a request rejected arriving (security group or network ACL)
            rec("198.51.100.7", "10.0.1.1", 50000, 22, eni="eni-db", action="REJECT"),
        ]
    )
    r = rejections(df)
    assert r["records"].sum() == 3
    causes = dict(zip(r["kind"].astype(str), r["likely_cause"].astype(str), strict=True))
    assert causes["response"].startswith("network ACL outbound")
    assert causes["request"] == "security group or network ACL inbound rules"
    assert set(r["port"]) == {5432, 22}


def test_coverage_marks_ok_nodata_skipdata_and_gaps():
    df = frame(
        [
            rec("10.0.0.5", "10.0.1.1", 40000, 443, eni="eni-a", start=T0 - T0 % 600),
            {"interface_id": "eni-a", "start": T0 - T0 % 600 + 1200, "end": T0 - T0 % 600 + 1260,
             "log_status": "NODATA"},
            {"interface_id": "eni-b", "start": T0 - T0 % 600 + 600, "end": T0 - T0 % 600 + 660,
             "log_status": "SKIPDATA"},
        ]
    )  # fmt: skip
    c = coverage(df, freq="10min")
    got = {
        (str(e), i): s
        for (e, s), i in zip(zip(c["interface_id"], c["status"], strict=True), [0, 1, 2] * 2, strict=True)
    }
    assert got == {
        ("eni-a", 0): "OK",
        ("eni-a", 1): "GAP",
        ("eni-a", 2): "NODATA",
        ("eni-b", 0): "GAP",
        ("eni-b", 1): "SKIPDATA",
        ("eni-b", 2): "GAP",
    }


# ---- the VPC twin -----------------------------------------------------------------------------

SCENARIOS = [
    "nacl_blocks_return",
    "nacl_blocks_inbound",
    "sg_blocks_inbound",
    "sg_blocks_outbound",
    "connection_refused",
    "no_response",
    "asymmetric_path",
    "nat_gateway",
    "skipdata_gap",
]
SEEDS = [0, 1, 2, 7]
V5 = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr flow-direction traffic-path"
)


@pytest.fixture(scope="module")
def sim():
    return pytest.importorskip("flownb.sim", reason="the VPC twin (flownb.sim) has not landed yet")


def _diagnose_truth(flows: pd.DataFrame, truth: pd.DataFrame) -> tuple[Diagnosis, pd.Series]:
    rows = truth[truth["kind"].isin(["verdict", "annotation"])]
    t = rows.iloc[0]
    d = diagnose(
        flows,
        t["src"],
        t["dst"],
        port=None if pd.isna(t["dst_port"]) else int(t["dst_port"]),
        protocol=None if pd.isna(t["protocol"]) else int(t["protocol"]),
        start=t["start"],
        end=t["end"],
    )
    return d, rows


def _check_evidence(d: Diagnosis, t: pd.Series, flows: pd.DataFrame) -> None:
    ev = d.evidence
    assert ev.index.isin(flows.index).all()
    pd.testing.assert_frame_equal(ev[flows.columns], flows.loc[ev.index, flows.columns])
    src, dst, port = str(t["src"]), str(t["dst"]), int(t["dst_port"])
    s, dd = ev["srcaddr"].astype(str), ev["dstaddr"].astype(str)
    direct = ((s == src) & (dd == dst) & (ev["dstport"] == port)) | (
        (s == dst) & (dd == src) & (ev["srcport"] == port)
    )
    leg = ev["leg"].astype(str) != "direct"
    # legs through a gateway: on the gateway's interface, with one original endpoint and the port
    gateway_leg = (
        leg
        & (ev["interface_id"].astype(str) == str(t["interface_id"]))
        & ((s == src) | (dd == src) | (s == dst) | (dd == dst))
        & ((ev["dstport"] == port) | (ev["srcport"] == port))
    )
    assert (direct | gateway_leg).all(), ev[~(direct | gateway_leg)]
    assert (ev["protocol"] == int(t["protocol"])).all()
    assert (ev["log_status"] == "OK").all()
    assert (ev["end"] >= t["start"]).all() and (ev["start"] <= t["end"]).all()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_twin_scenarios_give_the_verdict_their_truth_names(sim, scenario, seed):
    s = sim.simulate(scenario, seed=seed, duration="1h")
    d, truth = _diagnose_truth(s.flows, s.truth)
    main = truth.loc[truth["kind"] == "verdict", "expected"].iloc[0]
    assert d.verdict == main, str(d)
    assert set(truth["expected"]) <= set(d.verdicts), str(d)
    if main == "INCOMPLETE_DATA":
        assert d.evidence.empty or (d.evidence["log_status"] == "OK").all()
    else:
        assert len(d.evidence) > 0
        _check_evidence(d, truth.iloc[0], s.flows)


@pytest.mark.parametrize(
    "scenario", ["nat_gateway", "nacl_blocks_return", "asymmetric_path", "connection_refused"]
)
def test_twin_scenarios_in_a_version_5_format(sim, scenario):
    s = sim.simulate(scenario, seed=3, duration="30min", format=V5)
    assert "flow_direction" in s.flows
    d, truth = _diagnose_truth(s.flows, s.truth)
    assert d.verdict == truth.loc[truth["kind"] == "verdict", "expected"].iloc[0], str(d)
    assert set(truth["expected"]) <= set(d.verdicts)
    _check_evidence(d, truth.iloc[0], s.flows)


@pytest.mark.parametrize("seed", [0, 1])
def test_twin_baseline_demands_are_reachable(sim, seed):
    s = sim.simulate("baseline", seed=seed, duration="30min")
    view = flownb.analysis.service_view(s.flows)
    inside = view[
        view["client"].astype(str).str.startswith("10.")
        & view["server"].astype(str).str.startswith("10.")
        & (view["connections"] >= 3)
    ].head(6)
    assert len(inside) >= 3
    for row in inside.itertuples():
        d = diagnose(s.flows, str(row.client), str(row.server), port=int(row.server_port), protocol="tcp")
        assert d.verdict == "REACHABLE", str(d)


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


def test_an_eni_that_is_not_in_the_records():
    d = diagnose(flownb.samples.load("aws-docs/sg-nacl-ping"), "eni-0123456789abcdef0", "172.31.16.139")
    assert d.verdict == "NO_TRAFFIC_SEEN"
    assert "eni-0123456789abcdef0 has no traffic records" in d.explanation


def test_frames_without_interface_ids_still_get_an_answer():
    df = frame(
        [
            {"srcaddr": "10.0.0.1", "dstaddr": "10.0.0.2", "action": "ACCEPT"},
            {"srcaddr": "10.0.0.2", "dstaddr": "10.0.0.1", "action": "REJECT"},
        ]
    )
    d = diagnose(df, "10.0.0.1", "10.0.0.2")
    assert d.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
    assert all("--network-interface-ids <eni-id>" in s or "eni" not in s for s in d.next_steps)


def test_twin_scenarios_all_at_once(sim):
    # the scenarios change one VPC together: each verdict must still come out
    s = sim.simulate(SCENARIOS, seed=5, duration="2h")
    for t in s.truth[s.truth["kind"] == "verdict"].itertuples():
        d = diagnose(
            s.flows, t.src, t.dst, port=int(t.dst_port), protocol=int(t.protocol), start=t.start, end=t.end
        )
        assert d.verdict == t.expected, (t.scenario, str(d))


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


def test_displays_start_with_the_records_that_prove_the_verdict():
    import flownb

    df = flownb.samples.load("demo")
    d = flownb.diagnose(df, "10.0.10.10", "10.0.20.10", port=5432)
    assert d.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
    # a day of healthy traffic comes first in time, but the display leads with the rejected responses
    assert (d.evidence.head(20)["action"] == "ACCEPT").all()
    first = d.evidence_first(5)
    assert (first["action"] == "REJECT").all()
    assert first["start"].is_monotonic_increasing
    assert "rejected ones first" in str(d)
    first_printed = str(d).split("rejected ones first\n", 1)[1].splitlines()[1]
    assert "REJECT" in first_printed
