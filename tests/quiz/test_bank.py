"""The bundled question banks: every question sourced and mapped, and the answers that can be checked, checked."""

from __future__ import annotations

import collections
import json

import pytest

import flownb
from flownb import quiz

ALL = [(name, q) for name in quiz.banks() for q in quiz.load(name)]
#: the topics issue 19 asks the exam bank to cover, with words that mark a question as one of them
TOPICS = {
    "flow logs": ("flow log", "flow-log"),
    "CloudWatch Logs": ("cloudwatch logs", "log group"),
    "Logs Insights": ("logs insights",),
    "alarms": ("alarm",),
    "Reachability Analyzer": ("reachability analyzer",),
    "Traffic Mirroring": ("traffic mirror",),
    "cost": ("cost", "charge", "billed", "priced", "pricing"),
}


@pytest.mark.parametrize(("bank", "q"), ALL, ids=[f"{b}:{q.id}" for b, q in ALL])
def test_every_question_names_its_task_statement_and_an_aws_page_with_its_address(bank, q):
    assert q.task_statement in quiz.TASK_STATEMENTS, f"{bank} {q.id}: {q.task_statement!r}"
    assert q.references, f"{bank} {q.id} names no source"
    for r in q.references:
        assert r.title and r.url.startswith("https://"), f"{bank} {q.id}: {r}"
        assert r.url.split("/")[2].endswith(("aws.amazon.com", "docs.aws.amazon.com")), r.url
    assert q.source.startswith(q.references[0].title)  # what the Quiz widget shows under the answer


def test_the_task_statements_point_at_the_exam_guide():
    for statement, url in quiz.TASK_STATEMENTS.items():
        assert statement.startswith("Task ") and ": " in statement
        assert (
            url.startswith("https://docs.aws.amazon.com/aws-certification/") and "advanced-networking" in url
        )


def test_the_exam_bank_has_80_questions_over_the_exam_topics():
    questions = quiz.load("exam_practice")
    assert len(questions) >= 80
    covered = collections.Counter()
    for q in questions:
        text = f"{q.prompt} {q.explanation} {q.topic}".lower()
        for topic, words in TOPICS.items():
            covered[topic] += any(w in text for w in words)
    assert all(covered[t] >= 3 for t in TOPICS), covered
    ids = [q.id for _, q in ALL]
    assert len(ids) == len(set(ids))  # ids are unique across banks too


def test_right_answers_are_spread_over_the_choice_positions():
    positions = collections.Counter(
        q.answer for _, q in ALL if q.type == "multiple_choice" and len(q.choices) == 4
    )
    assert len(positions) == 4 and max(positions.values()) < 2 * min(positions.values()) + 3, positions


def test_fl_005_matches_the_nat_gateway_records_aws_documents():
    # VPC User Guide, flow log record examples, "Traffic through a NAT gateway": no record on the NAT
    # gateway's interface has srcaddr = the NAT gateway and pkt-srcaddr = the instance.
    q = {q.id: q for q in quiz.load("flow-logs-basics")}["fl-005"]
    assert q.is_correct(False)
    nat = flownb.samples.load("aws-docs/nat-gateway").astype("string")
    on_nat = nat[nat["instance_id"].isna()]
    instance, nat_ip, host = "10.0.1.5", "10.0.0.220", "203.0.113.5"
    assert not ((on_nat["srcaddr"] == nat_ip) & (on_nat["pkt_srcaddr"] == instance)).any()
    request = on_nat[on_nat["srcaddr"] == instance].iloc[0]
    reply = on_nat[on_nat["dstaddr"] == instance].iloc[0]
    assert (request["dstaddr"], request["pkt_dstaddr"]) == (nat_ip, host)  # the pair that differs
    assert (reply["srcaddr"], reply["pkt_srcaddr"]) == (nat_ip, host)  # pkt-srcaddr is the host
    internet_legs = on_nat[(on_nat["srcaddr"] != instance) & (on_nat["dstaddr"] != instance)]
    assert len(internet_legs) == 2
    assert (internet_legs["srcaddr"] == internet_legs["pkt_srcaddr"]).all()


def test_traffic_path_8_is_taught_as_nitro_only_as_the_registry_says():
    from flownb import schema

    assert "Nitro" in schema.TRAFFIC_PATHS[8]
    q = {q.id: q for q in quiz.load("exam_practice")}
    assert "Nitro" in q["ans-021"].explanation and q["ans-053"].is_correct(False)


def test_network_packets_metrics_are_taught_as_basic_monitoring_only():
    q = {q.id: q for q in quiz.load("exam_practice")}["ans-032"]
    assert "basic monitoring only" in q.explanation


def test_no_question_teaches_a_retired_name_or_a_wrong_port_range():
    for _, q in ALL:
        text = f"{q.prompt} {' '.join(q.choices)} {q.explanation}"
        assert "Network Monitor or" not in text  # renamed Network Synthetic Monitor
        assert "60999" not in text  # AWS lists 32768-61000 for Linux


def test_sources_may_be_a_title_a_page_or_a_list(tmp_path):
    base = {"type": "true_false", "prompt": "?", "answer": True, "explanation": "."}
    bank = tmp_path / "mine.json"
    bank.write_text(
        json.dumps(
            {
                "questions": [
                    {**base, "id": "a", "source": "My notes"},
                    {
                        **base,
                        "id": "b",
                        "source": {"title": "T", "url": "https://docs.aws.amazon.com/x.html"},
                    },
                    {**base, "id": "c"},
                ]
            }
        )
    )
    a, b, c = quiz.load(bank)
    assert a.references == (quiz.Reference("My notes"),) and a.source == "My notes"
    assert b.source == "T: https://docs.aws.amazon.com/x.html"
    assert c.references == () and c.source == "" and c.task_statement == ""
    bank.write_text(
        json.dumps({"questions": [{**base, "id": "d", "source": {"title": "T", "url": "ftp://x"}}]})
    )
    with pytest.raises(ValueError, match=r"question 'd': a source 'url' must be an https:// address"):
        quiz.load(bank)
    bank.write_text(json.dumps({"questions": [{**base, "id": "e", "source": [3]}]}))
    with pytest.raises(ValueError, match=r"question 'e': 'source' must be a title"):
        quiz.load(bank)
