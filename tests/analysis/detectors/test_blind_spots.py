"""The known blind spots of issue 16: slow scans, low-rate brute force, beacons with 30 % jitter."""

from __future__ import annotations

import pytest

import flownb
from flownb.analysis import detectors as D

SEEDS = range(5)


def found(sim: flownb.sim.Simulation, detector: str) -> bool:
    truth = sim.truth[sim.truth["kind"] == "detector"].iloc[-1]
    out = getattr(D, detector)(sim.flows)
    for _, f in out.iterrows():
        overlaps = f["start"] <= truth["end"] and f["end"] >= truth["start"]
        if overlaps and all(
            f[c] is None or str(f[c]) in ("<NA>", str(truth[c])) or truth[c] is None for c in ("src", "dst")
        ):
            return True
    return False


@pytest.mark.parametrize(
    ("scenario", "overrides", "detector", "duration"),
    [
        ("port_scan", {"ports": 20, "length": "20min"}, "vertical_scan", "2h"),  # 5 ports per 5 minutes
        ("port_scan", {"ports": 60, "length": "1h"}, "vertical_scan", "2h"),  # ... for an hour
        ("rdp_brute_force", {"attempts": 60, "length": "30min"}, "brute_force", "2h"),  # 10 logins per 5 min
        ("beaconing", {"jitter": 0.3}, "beaconing", "2h"),
        ("beaconing", {"jitter": 0.3}, "beaconing", "1h"),  # 12 beats only: 11 intervals to judge
    ],
)
def test_blind_spot_variants_are_found_over_five_seeds(scenario, overrides, detector, duration):
    hits = [
        found(
            flownb.simulate(["baseline", scenario], seed=s, duration=duration, **{scenario: overrides}),
            detector,
        )
        for s in SEEDS
    ]
    assert sum(hits) >= 4, hits  # recall >= 0.8


def test_slow_findings_say_they_are_slow():
    sim = flownb.simulate(
        ["baseline", "port_scan"], seed=0, duration="2h", port_scan={"ports": 20, "length": "20min"}
    )
    hit = D.vertical_scan(sim.flows).iloc[0]
    assert "slow scan" in hit["summary"] and hit["threshold"] == 20 and hit["value"] >= 20
    assert "1.0 h" in hit["measure"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_longer_windows_keep_six_hours_of_baseline_quiet(seed):
    sim = flownb.simulate("baseline", seed=seed, duration="6h")
    assert D.detect(sim.flows, ["vertical_scan", "brute_force", "beaconing"]).empty


@pytest.mark.parametrize("seed", [100, 101])
def test_the_jitter_tolerant_beacon_test_keeps_a_baseline_day_quiet(seed):
    assert D.beaconing(flownb.simulate("baseline", seed=seed, duration="24h").flows).empty
