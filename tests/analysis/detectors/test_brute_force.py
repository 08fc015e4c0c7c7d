"""Brute force: many short connections to a remote-login port."""

from __future__ import annotations

from flownb.analysis import detectors as D

from .helpers import frame, rec


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
