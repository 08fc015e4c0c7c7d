"""Detectors: each fires on the behaviour it is named for, stays quiet on ordinary traffic, and shows its evidence."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import flownb
from flownb.analysis import detectors as D
from flownb.analysis.detectors import detect, evidence

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
T0 = 1_750_000_000  # 2025-06-15 15:06:40 UTC


def rec(
    src: str,
    dst: str,
    sport: int,
    dport: int,
    *,
    proto: int = 6,
    packets: int = 1,
    nbytes: int = 40,
    t: int = 0,
    dur: int = 5,
    action: str = "ACCEPT",
    eni: str = "eni-0000000000000000a",
) -> str:
    return f"2 123456789012 {eni} {src} {dst} {sport} {dport} {proto} {packets} {nbytes} {T0 + t} {T0 + t + dur} {action} OK"


def status(eni: str, t: int, what: str, dur: int = 59) -> str:
    return f"2 123456789012 {eni} - - - - - - - {T0 + t} {T0 + t + dur} - {what}"


def frame(lines: list[str]) -> pd.DataFrame:
    text = HEADER + "\n" + "\n".join(lines) + "\n"
    return flownb.read_flow_logs(io.BytesIO(text.encode()))


def web_traffic(n: int = 40, server: str = "10.0.0.10", t0: int = 0) -> list[str]:
    """Ordinary HTTPS: internet clients, each a request and its answer."""
    out = []
    for i in range(n):
        client = f"198.51.100.{i % 200 + 1}"
        port = 40000 + i
        t = t0 + i * 30
        out.append(rec(client, server, port, 443, packets=12, nbytes=2000, t=t))
        out.append(rec(server, client, 443, port, packets=10, nbytes=9000, t=t))
    return out


def names(findings: pd.DataFrame) -> list[str]:
    return sorted(set(findings["detector"]))


# --------------------------------------------------------------------------------------------
# the findings frame
# --------------------------------------------------------------------------------------------


def test_findings_have_the_documented_columns_and_types():
    lines = [rec("203.0.113.9", "10.0.0.10", 50000, p, action="REJECT", t=p) for p in range(1, 31)]
    out = detect(frame(lines))
    assert list(out.columns) == list(D.FINDING_COLUMNS)
    assert str(out["dst_port"].dtype) == "UInt16" and str(out["protocol"].dtype) == "UInt8"
    assert str(out["start"].dtype) == "datetime64[s, UTC]"
    assert list(out["severity"].cat.categories) == ["Low", "Medium", "High"]
    assert out["summary"].str.endswith(".").all()


def test_empty_frame_gives_empty_findings_with_columns():
    out = detect(frame([]))
    assert out.empty and list(out.columns) == list(D.FINDING_COLUMNS)


def test_detector_names_are_the_documented_ones():
    assert sorted(D.DETECTORS) == sorted(
        [
            "vertical_scan",
            "horizontal_sweep",
            "exposed_port_probe",
            "brute_force",
            "outbound_flood",
            "new_remote_port",
            "volume_anomaly",
            "unidirectional_transfer",
            "beaconing",
            "reject_spike",
            "intel_match",
            "unusual_protocol",
            "unapproved_dns",
            "data_quality",
        ]
    )
    for name in D.DETECTORS:
        func = getattr(D, name)
        assert func.__name__ == name and "Parameters" in func.__doc__


def test_every_default_threshold_cites_its_source():
    import inspect

    for name in D.DETECTORS:
        func = getattr(D, name)
        doc = func.__doc__
        for p in inspect.signature(func).parameters.values():
            if p.default is inspect.Parameter.empty or p.name == "local_networks":
                continue
            after = doc.split(f"\n    {p.name} :", 1)[1].splitlines()[1:]
            body = []
            for line in after:
                if not line.startswith("        "):
                    break
                body.append(line.strip())
            text = " ".join(body)
            assert any(
                w in text
                for w in (
                    "own choice",
                    "Zeek",
                    "GuardDuty",
                    "RITA",
                    "Panther",
                    "Iglewicz",
                    "AWS",
                    "EC2",
                    "Splunk",
                )
            ) or p.default in (None, ()), (name, p.name)


def test_detect_does_not_modify_its_input():
    df = frame(
        web_traffic() + [rec("203.0.113.9", "10.0.0.10", 50000, p, action="REJECT") for p in range(1, 31)]
    )
    before = df.copy()
    detect(df)
    pd.testing.assert_frame_equal(df, before)


def test_unknown_detector_and_threshold_are_explained():
    df = frame(web_traffic(4))
    with pytest.raises(ValueError, match="'detectors' must be names from"):
        detect(df, ["vertical_scans"])
    with pytest.raises(ValueError, match="not a threshold"):
        detect(df, min_portz=3)
    with pytest.raises(ValueError, match=r"vertical_scan\(\) takes"):
        detect(df, vertical_scan__min_hosts=3)
    with pytest.raises(ValueError, match="'window' must be a duration"):
        D.vertical_scan(df, window="soon")
    with pytest.raises(TypeError, match="unknown threshold"):
        D.vertical_scan(df, min_hosts=3)


def test_thresholds_route_to_one_detector_with_double_underscore():
    lines = [rec("203.0.113.9", "10.0.0.10", 50000, p, action="REJECT", t=p) for p in range(1, 11)]
    df = frame(lines)
    assert detect(df, ["vertical_scan"]).empty
    hit = detect(df, ["vertical_scan", "horizontal_sweep"], vertical_scan__min_ports=10)
    assert names(hit) == ["vertical_scan"]


def test_frames_without_ports_or_addresses_find_nothing_instead_of_failing():
    df = flownb.samples.load("aws-docs/nat-gateway")  # no ports, no protocol, no times
    assert detect(df[[c for c in df.columns if c != "start"]]).empty


# --------------------------------------------------------------------------------------------
# each detector on hand-built records
# --------------------------------------------------------------------------------------------


def test_vertical_scan_finds_rejected_probes_of_many_ports():
    lines = web_traffic() + [
        rec("203.0.113.9", "10.0.0.10", 50000, p, action="REJECT", t=i * 3)
        for i, p in enumerate(range(1, 41))
    ]
    out = D.vertical_scan(frame(lines))
    assert len(out) == 1
    hit = out.iloc[0]
    assert (hit.src, hit.dst, hit.protocol, hit.score) == ("203.0.113.9", "10.0.0.10", 6, 40.0)
    assert hit.label == "Recon:EC2/Portscan" and hit.severity == "Low"  # the internet scanning us
    assert hit.evidence_count == 40 and "40 TCP ports" in hit.summary


def test_vertical_scan_ignores_a_server_answering_many_client_ports():
    # one client, many connections to 443: the answers go to 40 distinct ports but are answers
    assert D.vertical_scan(frame(web_traffic(60))).empty


def test_vertical_scan_needs_failed_attempts():
    # a client really using 20 services of one host (answers come back) is not a scan
    lines = []
    for i, p in enumerate(range(8000, 8020)):
        lines.append(rec("10.0.0.5", "10.0.0.6", 40000 + i, p, packets=20, nbytes=3000, t=i))
        lines.append(rec("10.0.0.6", "10.0.0.5", p, 40000 + i, packets=20, nbytes=3000, t=i))
    assert D.vertical_scan(frame(lines)).empty
    assert len(D.vertical_scan(frame(lines), min_failed_ratio=0)) == 1


def test_vertical_scan_split_across_a_window_boundary_is_still_found():
    # 16 ports in 3 minutes starting 4 minutes into a 5-minute window
    start = 240 - (T0 % 300)
    lines = [
        rec("203.0.113.9", "10.0.0.10", 50000, p, action="REJECT", t=start + i * 10)
        for i, p in enumerate(range(1, 17))
    ]
    assert len(D.vertical_scan(frame(lines))) == 1


def test_horizontal_sweep_finds_one_port_on_many_hosts():
    lines = [rec("10.0.1.10", f"10.0.2.{h}", 40000 + h, 22, action="REJECT", t=h) for h in range(1, 31)]
    out = D.horizontal_sweep(frame(lines))
    assert len(out) == 1
    hit = out.iloc[0]
    assert (hit.src, pd.isna(hit.dst), hit.dst_port, hit.score) == ("10.0.1.10", True, 22, 30.0)
    assert hit.label == "Impact:EC2/PortSweep" and hit.severity == "Medium"
    assert D.horizontal_sweep(frame(lines[:20])).empty


def test_exposed_port_probe_rates_elasticsearch_high_and_skips_web_ports():
    probes = [rec(f"203.0.113.{i}", "10.0.0.10", 50000 + i, 9200, t=i * 60) for i in range(1, 8)]
    web = [rec(f"203.0.113.{i}", "10.0.0.10", 51000 + i, 443, t=i * 60) for i in range(1, 8)]
    out = D.exposed_port_probe(frame(probes + web))
    assert len(out) == 1
    hit = out.iloc[0]
    assert (hit.dst, hit.dst_port, hit.severity, hit.score) == ("10.0.0.10", 9200, "High", 7.0)
    assert hit.label == "Recon:EC2/PortProbeUnprotectedPort" and pd.isna(hit.src)
    assert len(D.exposed_port_probe(frame(probes + web), ignore_ports=())) == 2
    # rejected probes are not exposure
    assert D.exposed_port_probe(frame([ln.replace("ACCEPT", "REJECT") for ln in probes])).empty


def ssh_attempts(n: int, src: str = "198.51.100.7", dst: str = "10.0.2.10", port: int = 22) -> list[str]:
    out = []
    for i in range(n):
        out.append(rec(src, dst, 40000 + i, port, packets=15, nbytes=2500, t=i * 6))
        out.append(rec(dst, src, port, 40000 + i, packets=13, nbytes=3000, t=i * 6))
    return out


def test_brute_force_counts_short_connections_to_ssh():
    out = D.brute_force(frame(ssh_attempts(30)))
    assert len(out) == 1
    hit = out.iloc[0]
    assert (hit.src, hit.dst, hit.dst_port, hit.score) == ("198.51.100.7", "10.0.2.10", 22, 30.0)
    assert hit.label == "UnauthorizedAccess:EC2/SSHBruteForce" and hit.severity == "Low"
    assert "target" in hit.summary
    assert D.brute_force(frame(ssh_attempts(15))).empty


def test_brute_force_by_our_instance_is_high_and_rdp_is_labelled():
    out = D.brute_force(frame(ssh_attempts(25, src="10.0.1.10", dst="198.51.100.7", port=3389)))
    hit = out.iloc[0]
    assert (
        hit.severity == "High"
        and hit.label == "UnauthorizedAccess:EC2/RDPBruteForce"
        and "actor" in hit.summary
    )


def test_a_connection_logged_by_two_enis_counts_once():
    one = ssh_attempts(15, src="10.0.1.10", dst="10.0.2.10")
    both = one + [ln.replace("eni-0000000000000000a", "eni-0000000000000000b") for ln in one]
    assert D.brute_force(frame(both)).empty  # 15 connections, not 30
    out = D.brute_force(frame(both), min_connections=15)
    assert out.iloc[0].score == 15 and out.iloc[0].evidence_count == 15


def test_outbound_flood_against_the_instances_own_baseline():
    lines = [
        rec("10.0.1.10", "198.51.100.20", 40000 + m, 443, packets=30, nbytes=9000, t=m * 60)
        for m in range(60)
    ]
    lines += [
        rec(
            "10.0.1.10",
            "192.0.2.77",
            50000 + m,
            80,
            packets=60_000,
            nbytes=2_400_000,
            t=3000 + m * 60,
            dur=59,
        )
        for m in range(5)
    ]
    out = D.outbound_flood(frame(lines))
    assert len(out) == 1
    hit = out.iloc[0]
    assert (hit.src, hit.dst, hit.protocol, hit.severity) == ("10.0.1.10", "192.0.2.77", 6, "High")
    assert hit.label == "Backdoor:EC2/DenialOfService.Tcp" and hit.score == pytest.approx(60_000)
    assert hit.dst_port == 80


def test_outbound_flood_labels_udp_to_dns_and_tcp_ports():
    assert D._dos_label(17, 53).endswith(".Dns")
    assert D._dos_label(17, 80).endswith(".UdpOnTcpPorts")
    assert D._dos_label(17, 9999).endswith(".Udp")
    assert D._dos_label(47, -1).endswith(".UnusualProtocol")


def test_new_remote_port_after_the_learning_period_and_smtp_always():
    lines = [rec("10.0.1.10", "198.51.100.20", 40000 + m, 443, packets=10, t=m * 60) for m in range(60)]
    lines.append(rec("10.0.1.10", "198.51.100.66", 45000, 6667, packets=10, t=3000))
    lines.append(rec("10.0.1.10", "198.51.100.25", 45001, 25, packets=10, t=100))
    out = D.new_remote_port(frame(lines))
    assert sorted(out["dst_port"].tolist()) == [25, 6667]
    assert set(out["label"]) == {"Behavior:EC2/NetworkPortUnusual"}
    # a port first used inside the learning period is part of the baseline
    early = [*lines[:-2], rec("10.0.1.10", "198.51.100.66", 45000, 6667, packets=10, t=120)]
    assert D.new_remote_port(frame(early)).empty


def test_new_remote_port_ignores_answers_to_clients():
    assert D.new_remote_port(frame(web_traffic(80))).empty


def test_volume_anomaly_against_history_and_peers():
    lines = []
    for h in range(6):
        for d in range(6):
            lines.append(
                rec(
                    "10.0.1.10",
                    f"198.51.100.{d + 1}",
                    40000 + h * 10 + d,
                    443,
                    packets=100,
                    nbytes=200_000,
                    t=h * 3600 + d,
                )
            )
    lines.append(
        rec("10.0.1.10", "192.0.2.50", 50000, 443, packets=400_000, nbytes=600_000_000, t=5 * 3600 + 100)
    )
    out = D.volume_anomaly(frame(lines))
    assert len(out) == 1
    hit = out.iloc[0]
    assert (hit.src, hit.dst, hit.label) == ("10.0.1.10", "192.0.2.50", "Behavior:EC2/TrafficVolumeUnusual")
    assert "own volumes" in hit.summary


def test_unidirectional_transfer_needs_nothing_back():
    udp = [
        rec("10.0.1.10", "192.0.2.9", 5000, 5001, proto=17, packets=1000, nbytes=1_400_000, t=m * 60)
        for m in range(3)
    ]
    out = D.unidirectional_transfer(frame(udp))
    assert len(out) == 1 and out.iloc[0].score == pytest.approx(4.2) and out.iloc[0].severity == "Medium"
    answered = [*udp, rec("192.0.2.9", "10.0.1.10", 5001, 5000, proto=17, packets=3, nbytes=200, t=0)]
    assert D.unidirectional_transfer(frame(answered)).empty


def beacon(n: int = 12, every: int = 300, jitter: int = 0, size: int = 1200, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = i * every + int(rng.integers(-jitter, jitter + 1))
        out.append(
            rec(
                "10.0.11.10",
                "193.42.33.14",
                40000 + i,
                443,
                packets=8,
                nbytes=size + int(rng.integers(0, 20)),
                t=t,
            )
        )
        out.append(rec("193.42.33.14", "10.0.11.10", 443, 40000 + i, packets=6, nbytes=900, t=t))
    return out


def test_beaconing_finds_regular_similar_connections():
    out = D.beaconing(frame(beacon(jitter=10)))
    assert len(out) == 1
    hit = out.iloc[0]
    assert (hit.src, hit.dst, hit.dst_port) == ("10.0.11.10", "193.42.33.14", 443)
    assert hit.score > 0.6 and "every 5 min" in hit.summary


def test_beaconing_ignores_irregular_connections_and_short_intervals():
    rng = np.random.default_rng(1)
    times = np.cumsum(rng.exponential(400, 15)).astype(int)
    sizes = rng.integers(200, 20000, 15)
    lines = [
        rec("10.0.11.10", "193.42.33.14", 40000 + i, 443, packets=8, nbytes=int(s), t=int(t))
        for i, (t, s) in enumerate(zip(times, sizes, strict=True))
    ]
    assert D.beaconing(frame(lines)).empty
    same_size = [ln.replace(f" {s} ", " 1200 ") for ln, s in zip(lines, sizes, strict=True)]
    assert D.beaconing(frame(same_size)).empty  # one size, random times: not a beacon
    assert D.beaconing(frame(beacon(every=60))).empty  # closer than two aggregation intervals


def test_reject_spike_pair_rule_and_history_rule():
    noisy = [rec("198.51.100.3", "10.0.0.10", 40000 + i, 23, action="REJECT", t=i * 20) for i in range(60)]
    out = D.reject_spike(frame(noisy))
    assert len(out) == 1 and out.iloc[0].dst == "10.0.0.10" and out.iloc[0].score == 60
    quiet_then_loud = [
        rec("10.0.5.5", "10.0.6.6", 40000 + i, 5432, action="REJECT", t=i * 300) for i in range(10)
    ]
    quiet_then_loud += [
        rec("10.0.5.5", f"10.0.6.{h}", 41000 + h, 5432, action="REJECT", t=3000 + h) for h in range(30)
    ]
    out = D.reject_spike(frame(quiet_then_loud))
    assert len(out) == 1 and pd.isna(out.iloc[0].dst) and out.iloc[0].severity == "Medium"


def test_reject_spike_charges_rejected_answers_to_the_client():
    # a network ACL drops the database's answers: the records rejected go server -> client
    lines = []
    for i in range(60):
        lines.append(rec("10.0.10.10", "10.0.20.10", 40000 + i, 5432, packets=3, t=i * 30))
        lines.append(rec("10.0.20.10", "10.0.10.10", 5432, 40000 + i, packets=3, t=i * 30, action="REJECT"))
    out = D.reject_spike(frame(lines))
    assert out[["src", "dst"]].to_dict("records") == [{"src": "10.0.10.10", "dst": "10.0.20.10"}]
    assert set(evidence(frame(lines), out.iloc[0])["srcaddr"]) == {"10.0.20.10"}


def test_intel_match_needs_a_list_and_orients_the_conversation():
    lines = web_traffic(5)
    df = frame(lines)
    assert D.intel_match(df).empty
    out = D.intel_match(df, indicators=["198.51.100.0/30"])
    assert sorted(out["src"]) == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    assert set(out["dst"]) == {"10.0.0.10"} and set(out["dst_port"]) == {443}
    assert out["evidence_count"].tolist() == [2, 2, 2]  # request and answer
    with pytest.raises(ValueError, match="'indicators' must hold IP addresses"):
        D.intel_match(df, indicators=["evil.example"])


def test_unusual_protocol_and_allow_list():
    gre = [
        rec("10.0.0.10", "193.29.57.9", 0, 0, proto=47, packets=100, nbytes=50000, t=m * 60) for m in range(3)
    ]
    out = D.unusual_protocol(frame(gre + web_traffic(3)))
    assert len(out) == 1 and out.iloc[0].protocol == 47 and out.iloc[0].severity == "Medium"
    assert D.unusual_protocol(frame(gre), allowed=[1, 6, 17, 47]).empty


def test_unapproved_dns_with_allow_list():
    q = [rec("10.0.1.10", "8.8.8.8", 40000 + i, 53, proto=17, t=i * 10) for i in range(5)]
    q += [rec("8.8.8.8", "10.0.1.10", 53, 40000 + i, proto=17, t=i * 10) for i in range(5)]
    out = D.unapproved_dns(frame(q))
    assert len(out) == 1 and (out.iloc[0].src, out.iloc[0].dst, out.iloc[0].score) == (
        "10.0.1.10",
        "8.8.8.8",
        5.0,
    )
    assert D.unapproved_dns(frame(q), allowed_resolvers=["8.8.8.0/24"]).empty


def test_data_quality_skipdata_windows_and_gaps():
    eni, other = "eni-0000000000000000a", "eni-0000000000000000b"
    lines = [status(eni, m * 60, "NODATA") for m in range(10)]
    lines += [status(eni, 600 + m * 60, "SKIPDATA") for m in range(3)]
    lines += [status(eni, 780 + m * 60, "NODATA") for m in range(5)]
    lines += [status(other, 0, "NODATA"), status(other, 2400, "NODATA")]  # 39 min of silence
    out = D.data_quality(frame(lines))
    by = {r.label: r for r in out.itertuples()}
    assert by["LogStatus:SKIPDATA"].src == eni and by["LogStatus:SKIPDATA"].evidence_count == 3
    assert by["LogStatus:Gap"].src == other and by["LogStatus:Gap"].score == 2400 - 59
    df = frame(lines)
    for i in range(len(out)):
        assert len(evidence(df, out.iloc[i])) == out.iloc[i].evidence_count


# --------------------------------------------------------------------------------------------
# addresses: pkt-srcaddr, NAT gateways, IPv6
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# evidence
# --------------------------------------------------------------------------------------------


def test_evidence_returns_the_counted_records_of_the_original_frame():
    lines = web_traffic() + [
        rec("203.0.113.9", "10.0.0.10", 50000, p, action="REJECT", t=p) for p in range(1, 31)
    ]
    df = frame(lines)
    out = detect(df)
    for i in range(len(out)):
        rows = evidence(df, out.iloc[i])
        assert len(rows) == out.iloc[i].evidence_count
        assert set(rows.columns) == set(df.columns)
        assert rows["start"].is_monotonic_increasing
    scan = out[out["detector"] == "vertical_scan"].iloc[0]
    assert set(evidence(df, scan)["srcaddr"]) == {"203.0.113.9"}
    assert evidence(df, scan.to_dict()).index.equals(evidence(df, scan).index)


def test_evidence_rejects_unknown_detectors():
    with pytest.raises(ValueError, match="'detector' must be one of"):
        evidence(frame(web_traffic(2)), {"detector": "nope", "start": T0, "end": T0})


# --------------------------------------------------------------------------------------------
# on the VPC twin: each attack scenario is found by its detector, the baseline stays quiet
# --------------------------------------------------------------------------------------------

ATTACKS = [
    "port_scan",
    "port_sweep",
    "ssh_brute_force",
    "rdp_brute_force",
    "exposed_port_probe",
    "exfiltration",
    "outbound_dos",
    "beaconing",
    "unusual_port",
    "unusual_protocol",
    "skipdata_gap",
]


def matches(finding: pd.Series, truth: pd.Series) -> bool:
    """A finding explains a truth row: same detector, overlapping time, the addresses it names agree."""
    if finding.detector != truth.expected:
        return False
    if finding.start > truth.end or finding.end < truth.start:
        return False
    if finding.detector == "data_quality":
        return finding.src == truth.interface_id
    for f_col, t_col in (("src", "src"), ("dst", "dst"), ("dst_port", "dst_port")):
        a, b = finding[f_col], truth[t_col]
        if not pd.isna(a) and not pd.isna(b) and str(a) != str(b):
            return False
    return True


@pytest.mark.parametrize("scenario", ATTACKS)
def test_each_attack_scenario_is_found_by_its_detector(scenario):
    sim = flownb.simulate(["baseline", scenario], seed=1, duration="1h")
    expected = sim.truth[sim.truth["kind"] == "detector"]
    assert len(expected)
    found = detect(sim.flows)
    for t in expected.itertuples(index=False):
        truth = pd.Series(t._asdict())
        assert any(matches(f, truth) for _, f in found.iterrows()), (scenario, truth.expected, found)
    for i in range(len(found)):
        assert len(evidence(sim.flows, found.iloc[i])) == found.iloc[i].evidence_count


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_baseline_stays_quiet(seed):
    sim = flownb.simulate("baseline", seed=seed, duration="2h")
    found = detect(sim.flows)
    assert found.empty, found[["detector", "src", "dst", "dst_port", "summary"]]


def test_formats_with_tcp_flags_and_pkt_fields_find_the_same_attacks():
    sim = flownb.simulate(["baseline", "port_scan", "exfiltration"], seed=3, duration="1h", format="v5")
    found = set(detect(sim.flows)["detector"])
    assert {"vertical_scan", "volume_anomaly"} <= found


# --------------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------------


def test_cli_prints_findings(tmp_path):
    lines = [rec("203.0.113.9", "10.0.0.10", 50000, p, action="REJECT", t=p) for p in range(1, 31)]
    path = tmp_path / "flows.log"
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n")
    out = tmp_path / "findings.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "flownb",
            "detect",
            str(path),
            "--detectors",
            "vertical_scan",
            "--to",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1 finding(s): 1 Low" in run.stdout
    assert (
        "vertical_scan [Recon:EC2/Portscan]" in run.stdout and "203.0.113.9 probed 30 TCP ports" in run.stdout
    )
    assert pd.read_csv(out)["detector"].tolist() == ["vertical_scan"]


def test_cli_thresholds_and_intel_file(tmp_path, capsys):
    from flownb.cli import main

    path = tmp_path / "flows.log"
    path.write_text(HEADER + "\n" + "\n".join(web_traffic(3)) + "\n")
    intel = tmp_path / "bad.txt"
    intel.write_text("# my list\n198.51.100.2\n")
    assert main(["detect", str(path), "--intel", str(intel)]) == 0
    assert "MaliciousIPCaller.Custom" in capsys.readouterr().out
    assert main(["detect", str(path), "--set", "min_portz=3"]) == 1
    assert "not a threshold" in capsys.readouterr().err
