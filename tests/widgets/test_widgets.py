"""Troubleshooter, QueryConsole, AlarmLab, DetectorBoard and Quiz, driven from Python without a browser."""

from __future__ import annotations

import json

import pytest

import flownb
from flownb import quiz as bank
from flownb.widgets import AlarmLab, DetectorBoard, QueryConsole, Quiz, Troubleshooter
from flownb.widgets._console import SAMPLE_QUERIES, auto_chart
from flownb.widgets._troubleshooter import endpoint_choices


@pytest.fixture(scope="module")
def nacl():
    return flownb.simulate("nacl_blocks_return", seed=0, duration="20min")


@pytest.fixture(scope="module")
def scan():
    return flownb.simulate("port_scan", seed=0, duration="30min").flows


# ----------------------------------------------------------------- Troubleshooter
def test_troubleshooter_diagnoses_the_chosen_pair(nacl):
    truth = nacl.truth.iloc[0]
    t = Troubleshooter(nacl.flows)
    assert truth["src"] in t.src.options and truth["dst"] in t.dst.options
    t.src.value, t.dst.value, t.port.value, t.protocol.value = (
        truth["src"],
        truth["dst"],
        str(truth["dst_port"]),
        "tcp",
    )
    t.button.click()
    assert t.diagnosis.verdict == truth["expected"]
    assert truth["expected"] in t.result.value and "Next steps" in t.result.value
    assert "Evidence:" in t.evidence_table.value
    assert t.chart.spec["title"]["text"] == "ACCEPT and REJECT per role over time"


@pytest.mark.parametrize(
    ("src", "dst", "port", "message"),
    [
        ("", "10.0.20.10", "", "choose a source and a destination"),
        ("10.0.10.999", "10.0.20.10", "", "must be an IP address"),
        ("10.0.10.10", "10.0.20.10", "http", "'port' must be a whole number"),
    ],
)
def test_troubleshooter_bad_input_shows_a_message(nacl, src, dst, port, message):
    t = Troubleshooter(nacl.flows)
    t.src.value, t.dst.value, t.port.value = src, dst, port
    assert t.run() is None
    assert message in t._message.value and "Traceback" not in t._message.value


def test_endpoint_choices_rank_busy_addresses_first(nacl):
    choices = endpoint_choices(nacl.flows)
    busiest = nacl.flows["srcaddr"].value_counts().index[0]
    assert str(busiest) in choices[:5]
    assert any(c.startswith("eni-") for c in choices)


# ----------------------------------------------------------------- QueryConsole
def test_console_runs_every_sample_query(demo):
    qc = QueryConsole(demo)
    for name in SAMPLE_QUERIES:
        qc.samples.value = name
        assert qc.result is not None, (name, qc.message.value)
        assert "row(s)" in qc.message.value


def test_console_charts_time_series_and_top_n(demo):
    qc = QueryConsole(demo)
    qc.samples.value = "Bytes every 5 minutes"
    spec = qc.chart.to_dict()
    assert spec["mark"]["type"] == "line" and spec["encoding"]["x"]["scale"]["type"] == "utc"
    qc.samples.value = "Top 20 sources of rejected requests"
    assert qc.chart.to_dict()["mark"]["type"] == "bar"
    qc.text.value = "fields srcAddr, dstAddr | limit 5"
    qc.button.click()
    assert qc.chart.to_dict()["mark"]["type"] == "text", "no chart for a plain listing: a note instead"


def test_console_shows_syntax_errors_with_the_caret(demo):
    qc = QueryConsole(demo)
    qc.text.value = "filter action = | stats count(*)"
    assert qc.run() is None
    assert "line 1, column 17" in qc.message.value and "^" in qc.message.value
    qc.text.value = "   "
    assert qc.run() is None and "type a Logs Insights query" in qc.message.value


def test_auto_chart_on_empty_result_is_none():
    import pandas as pd

    assert auto_chart(pd.DataFrame()) is None


# ----------------------------------------------------------------- AlarmLab
def test_alarm_lab_redraws_on_every_change(scan):
    lab = AlarmLab(scan)
    lab.threshold.value = 50
    lab.evaluation_periods.value = 1
    assert "ALARM" in set(lab.evaluation["state"])
    assert len(lab.transitions) >= 1 and "notification(s)" in lab.notifications.value
    spec = lab.view.spec
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "line", "rule"]
    assert spec["layer"][2]["encoding"]["y"]["field"] == "threshold"
    lab.threshold.value = 1e9
    assert "ALARM" not in set(lab.evaluation["state"])
    assert "No state change" in lab.notifications.value or "OK" in lab.notifications.value


def test_alarm_lab_keeps_m_at_most_n(scan):
    lab = AlarmLab(scan)
    lab.evaluation_periods.value = 5
    lab.datapoints.value = 4
    lab.evaluation_periods.value = 2
    assert lab.datapoints.max == 2 and lab.datapoints.value == 2
    assert lab.run.alarm.datapoints_to_alarm == 2


def test_alarm_lab_bad_pattern_and_no_match(scan):
    lab = AlarmLab(scan)
    lab.pattern.value = "[version, account"
    assert lab._message.value and "Traceback" not in lab._message.value
    lab.pattern.value = '"NOTHING-MATCHES-THIS"'
    assert "matches no record" in lab._message.value


# ----------------------------------------------------------------- DetectorBoard
def test_detector_board_lists_findings_and_shows_evidence(scan):
    board = DetectorBoard(scan)
    assert len(board.list.options) == len(board.findings) > 0
    assert "vertical_scan" in str(board.timeline.spec["datasets"])
    board.list.value = 0  # a click on the first finding
    assert board.selected == 0 and len(board.evidence) > 0
    assert "Evidence:" in board.detail.value
    assert board.evidence_view.spec["title"]["text"].startswith("Traffic over time")


def test_detector_board_on_quiet_traffic_says_so():
    quiet = flownb.simulate("baseline", seed=0, duration="10min").flows
    board = DetectorBoard(quiet, detectors=["vertical_scan"])
    assert len(board.findings) == 0 and "No findings" in board._message.value
    board.select(3)
    assert "'index' must be between" in board._message.value


# ----------------------------------------------------------------- Quiz
def test_quiz_scores_explains_and_retries():
    q = Quiz("flow-logs-basics")
    first = q.question
    q.choices.value = first.choices[first.answer]
    q.check_button.click()
    assert "Right." in q.feedback.value and first.explanation[:30] in q.feedback.value
    q.next_button.click()
    wrong = next(i for i in range(len(q.question.choices)) if i != q.question.answer)
    q.choices.value = q.question.choices[wrong]
    q.check_button.click()
    assert "Not quite" in q.feedback.value
    assert q.score == (1, 2)
    q.retry_button.click()
    assert q.score == (0, 0) and q.index == 0


def test_quiz_check_without_an_answer_asks_for_one():
    q = Quiz()
    q.check_button.click()
    assert "Pick an answer first" in q.feedback.value and q.score == (0, 0)


def test_every_bundled_question_is_well_formed():
    for name in bank.banks():
        questions = bank.load(name)
        assert questions, name
        for q in questions:
            assert q.explanation and q.prompt and 0 <= q.answer < len(q.choices)


def test_bank_errors_name_the_question(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "questions": [
                    {
                        "id": "x1",
                        "type": "multiple_choice",
                        "prompt": "?",
                        "choices": ["a", "b"],
                        "answer": 5,
                        "explanation": ".",
                    }
                ]
            }
        )
    )
    with pytest.raises(
        ValueError, match=r"question 'x1': 'answer' must be a choice index from 0 to 1, got 5"
    ):
        bank.load(bad)
    with pytest.raises(ValueError, match="'name' must be one of"):
        bank.load("no-such-bank")
    with pytest.raises(ValueError, match="at least one question"):
        Quiz([])
