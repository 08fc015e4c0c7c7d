"""Windows anchored at the Unix epoch: findings do not depend on where the records start."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb.analysis import detectors as D
from flownb.analysis.detectors import detect

from .helpers import T0, frame, rec

COLUMNS = ["detector", "src", "dst", "dst_port", "protocol", "start", "end", "score", "evidence_count"]


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    key = ["detector", "start", "src", "dst"]
    a = a[COLUMNS].sort_values(key, ignore_index=True)
    b = b[COLUMNS].sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("earlier", range(0, 300, 20))
def test_a_scan_is_found_whatever_the_first_record_of_its_source(earlier):
    # 16 ports in 4 minutes, inside one 5-minute window of the epoch; an earlier probe from the same
    # scanner (an hour and some seconds before) must not move the windows
    begin = T0 - T0 % 300 + 300 + 20
    scan = [
        rec("203.0.113.9", "10.0.0.10", 50000, p, action="REJECT", t=begin - T0 + i * 16)
        for i, p in enumerate(range(1, 17))
    ]
    probe = rec("203.0.113.9", "10.0.0.10", 50000, 8443, action="REJECT", t=begin - T0 - 3600 - earlier)
    out = D.vertical_scan(frame([probe, *scan]))
    assert len(out) == 1, earlier
    assert out.iloc[0].end == pd.Timestamp(T0 + begin - T0 + 15 * 16 + 5, unit="s", tz="UTC")


def test_one_run_over_two_days_finds_what_two_runs_over_one_day_each_find():
    attacks = ["baseline", "port_scan", "port_sweep", "ssh_brute_force", "rdp_brute_force"]
    day1 = flownb.simulate(attacks, seed=0, start="2025-06-02T00:00:00Z", duration="1 day", scale=0.1).flows
    day2 = flownb.simulate(attacks, seed=1, start="2025-06-03T00:00:00Z", duration="1 day", scale=0.1).flows
    both = detect(pd.concat([day1, day2], ignore_index=True))
    assert {"vertical_scan", "horizontal_sweep", "brute_force"} <= set(both["detector"])
    same(both, pd.concat([detect(day1), detect(day2)], ignore_index=True))


def test_starting_the_query_later_keeps_the_findings_after_the_cut():
    sim = flownb.simulate(["baseline", "port_scan", "ssh_brute_force"], seed=2, duration="2h", scale=0.2)
    df = sim.flows
    cut = df["start"].min() + pd.Timedelta("17min")  # before the attacks, at no window boundary
    later = df[df["start"] >= cut]
    chosen = ["vertical_scan", "horizontal_sweep", "brute_force", "exposed_port_probe"]
    found = detect(later, chosen)
    assert {"vertical_scan", "brute_force"} <= set(found["detector"])
    same(detect(df, chosen), found)
