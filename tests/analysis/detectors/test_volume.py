"""Volume: outbound floods, volume anomalies, one-way transfers."""

from __future__ import annotations

import pytest

from flownb.analysis import detectors as D
from flownb.analysis.detectors._volume import _dos_label

from .helpers import frame, rec


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
    assert _dos_label(17, 53).endswith(".Dns")
    assert _dos_label(17, 80).endswith(".UdpOnTcpPorts")
    assert _dos_label(17, 9999).endswith(".Udp")
    assert _dos_label(47, -1).endswith(".UnusualProtocol")


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
