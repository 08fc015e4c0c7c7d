"""The records of a pair: endpoints as IPs, CIDRs or ENIs, time windows, frames without interface ids."""

from __future__ import annotations

import pandas as pd

import flownb
from flownb.analysis import diagnose

from ..test_traffic import frame


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
