"""Scans and probes: vertical scans, horizontal sweeps, exposed port probes."""

from __future__ import annotations

import pandas as pd

from flownb.analysis import detectors as D

from .helpers import T0, frame, rec, web_traffic


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
    # the web port too: one episode of the target, both ports named
    both = D.exposed_port_probe(frame(probes + web), ignore_ports=())
    assert len(both) == 1 and both.iloc[0].entity == "10.0.0.10" and pd.isna(both.iloc[0].dst_port)
    assert "ports 443, 9200" in both.iloc[0].summary and both.iloc[0].severity == "High"
    # rejected probes are not exposure
    assert D.exposed_port_probe(frame([ln.replace("ACCEPT", "REJECT") for ln in probes])).empty
