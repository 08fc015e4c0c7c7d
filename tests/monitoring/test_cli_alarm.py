"""`flownb alarm`: the state timeline a user reads in the terminal."""

from __future__ import annotations

import pytest

from flownb.cli import main

from .conftest import HAND_RECORDS


@pytest.fixture
def hand_file(tmp_path):
    p = tmp_path / "hand.log"
    p.write_text(HAND_RECORDS)
    return str(p)


def test_prints_the_state_timeline(hand_file, capsys):
    rc = main(
        [
            "alarm",
            hand_file,
            "--pattern",
            "[..., action=REJECT, status]",
            "--threshold",
            "1",
            "--period",
            "1m",
            "--evaluation-periods",
            "3",
            "--datapoints",
            "2",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "matched: 3 of 6 records" in out
    lines = [x for x in out.splitlines() if x.startswith("2023-11-14")]
    # REJECTs at 22:13, 22:14 and 22:17; nothing at 22:15 and 22:16 (missing)
    assert [x.split()[1] for x in lines] == ["22:13:00", "22:14:00", "22:15:00", "22:16:00", "22:17:00"]
    assert lines[0].endswith("INSUFFICIENT_DATA")
    assert "- - - X X" in lines[1] and lines[1].endswith("ALARM   <- INSUFFICIENT_DATA -> ALARM")
    assert "notifications: 1" in out


def test_changes_only_and_deployable_output(hand_file, capsys):
    rc = main(
        [
            "alarm",
            hand_file,
            "--pattern",
            "REJECT",
            "--threshold",
            "2",
            "--period",
            "5m",
            "--evaluation-periods",
            "1",
            "--changes",
            "--aws",
            "/vpc/flow-logs",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    # 5-minute sums: 22:10 -> 2 REJECTs (ALARM), 22:15 -> 1 (OK)
    lines = [x for x in out.splitlines() if x.startswith("2023-11-14")]
    assert [x.split()[1] for x in lines] == ["22:10:00", "22:15:00"]
    assert "aws logs put-metric-filter" in out and "aws cloudwatch put-metric-alarm" in out
    assert "--log-group-name /vpc/flow-logs" in out


def test_pattern_errors_are_reported_with_a_caret(hand_file, capsys):
    rc = main(
        [
            "alarm",
            hand_file,
            "--pattern",
            "[..., action=REJECT status]",
            "--threshold",
            "1",
            "--evaluation-periods",
            "3",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("flownb alarm: error: unexpected 's'")
    assert err.splitlines()[-1].index("^") == err.splitlines()[-2].index("status")


def test_no_match_gives_missing_data(hand_file, capsys):
    rc = main(
        [
            "alarm",
            hand_file,
            "--pattern",
            "SKIPDATA",
            "--threshold",
            "1",
            "--period",
            "1m",
            "--evaluation-periods",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "matched: 0 of 6 records" in out
    assert "periods: OK 0, ALARM 0, INSUFFICIENT_DATA 5" in out
