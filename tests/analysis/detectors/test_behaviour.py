"""Behaviour over time: new remote ports, beacons, reject spikes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from flownb.analysis import detectors as D
from flownb.analysis.detectors import evidence

from .helpers import frame, rec, web_traffic


def test_new_remote_port_after_the_learning_period_and_smtp_always():
    lines = [rec("10.0.1.10", "198.51.100.20", 40000 + m, 443, packets=10, t=m * 60) for m in range(60)]
    lines.append(rec("10.0.1.10", "198.51.100.66", 45000, 6667, packets=10, t=3000))
    lines.append(rec("10.0.1.10", "198.51.100.25", 45001, 25, packets=10, t=100))
    df = frame(lines)
    out = D.new_remote_port(df)
    # one episode of the source: both new ports, named in the summary and in the evidence
    assert len(out) == 1 and pd.isna(out.iloc[0].dst_port) and out.iloc[0].entity == "10.0.1.10"
    assert "ports 25, 6667" in out.iloc[0].summary
    assert {25, 6667} <= set(evidence(df, out.iloc[0])["dstport"])
    assert set(out["label"]) == {"Behavior:EC2/NetworkPortUnusual"}
    assert D.new_remote_port(frame(lines[:-1]))["dst_port"].tolist() == [6667]
    # a port first used inside the learning period is part of the baseline
    early = [*lines[:-2], rec("10.0.1.10", "198.51.100.66", 45000, 6667, packets=10, t=120)]
    assert D.new_remote_port(frame(early)).empty


def test_new_remote_port_ignores_answers_to_clients():
    assert D.new_remote_port(frame(web_traffic(80))).empty


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


def test_beaconing_tolerates_the_jitter_implants_add_to_their_sleep():
    # 30 % of a 5-minute period, every beat moved at random: the dispersion of 11 intervals is large
    # by chance alone, but all of them stay within twice the jitter of the median
    hits = [len(D.beaconing(frame(beacon(jitter=90, seed=s)))) for s in range(10)]
    assert hits == [1] * 10
    hit = D.beaconing(frame(beacon(jitter=90)))
    assert "of the intervals within 60%" in hit["summary"].iloc[0] and hit["value"].iloc[0] >= 0.8


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
