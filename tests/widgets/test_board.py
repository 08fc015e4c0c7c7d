"""DetectorBoard with many findings: an overview, a paged list, and why each finding fired."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb.widgets import DetectorBoard


@pytest.fixture(scope="module")
def sim():
    return flownb.simulate(["baseline", "port_scan", "ssh_brute_force"], seed=0, duration="30min", scale=0.3)


def test_ten_thousand_findings_are_summarised_and_paged(sim):
    board = DetectorBoard(sim.flows, page_size=50)
    one = board.findings
    many = pd.concat([one] * (10_000 // len(one) + 1), ignore_index=True).head(10_000)
    board.show(many)
    assert len(board.list.options) == 50 and board.pages() == 200
    assert "findings 1-50 of 10,000" in board.page_label.value and board.prev_button.disabled
    # the overview counts every finding by detector and severity
    assert "vertical_scan" in board.overview.value and "brute_force" in board.overview.value
    # the timeline hands the browser at most 5,000 findings
    assert len(board.timeline.spec["datasets"][next(iter(board.timeline.spec["datasets"]))]) <= 5000
    board.next_button.click()
    assert board.page == 1 and board.list.options[0][1] == 50
    board.show_page(10_000)  # past the end: the last page
    assert board.page == 199 and not board.prev_button.disabled and board.next_button.disabled
    board.select(1234)  # a finding on another page: its page comes up
    assert board.page == 1234 // 50 and board.list.value == 1234


def test_the_detail_says_why_the_finding_fired(sim):
    board = DetectorBoard(sim.flows, detectors=["vertical_scan"])
    board.select(0)
    row = board.findings.iloc[0]
    assert "Why:" in board.detail.value and f"threshold {row['threshold']:,.0f}" in board.detail.value
    assert "distinct ports per 5 min" in board.detail.value and "first seen" in board.detail.value


def test_page_size_must_be_a_positive_whole_number(sim):
    with pytest.raises(ValueError, match="'page_size' must be"):
        DetectorBoard(sim.flows, run=False, page_size=0)
