"""The Diagnosis: errors for people, its text and HTML, the command line."""

from __future__ import annotations

import pytest

import flownb
from flownb.analysis import Diagnosis, diagnose


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"src": "not-an-ip", "dst": "10.0.0.1"}, "src must be an IP address"),
        ({"src": "10.0.0.1", "dst": "10.0.0.2", "protocol": "tcpp"}, "protocol must be"),
        ({"src": "10.0.0.1", "dst": "10.0.0.2", "port": 70000}, "port must be a number 0-65535"),
        ({"src": "10.0.0.1", "dst": "10.0.0.2", "start": "yesterday-ish"}, "'start' must be a time"),
    ],
)
def test_errors_are_for_people(kwargs, message):
    with pytest.raises(ValueError, match=message):
        diagnose(flownb.samples.load("aws-docs/sg-nacl-ping"), **kwargs)


def test_diagnosis_shows_itself():
    d = diagnose(flownb.samples.load("aws-docs/sg-nacl-ping"), "203.0.113.12", "172.31.16.139")
    assert isinstance(d, Diagnosis)
    assert repr(d).startswith("<Diagnosis NACL_OUTBOUND_BLOCKS_RETURN")
    text = str(d)
    assert "verdict: NACL_OUTBOUND_BLOCKS_RETURN" in text and "request ingress" in text
    page = d._repr_html_()
    assert "NACL_OUTBOUND_BLOCKS_RETURN" in page and "<table" in page and "Next steps" in page
    assert "<script" not in page


def test_cli_diagnose_prints_verdict_and_evidence(capsys):
    from flownb.cli import main
    from flownb.samples import path

    rc = main(["diagnose", path("aws-docs/sg-nacl-ping"), "--src", "203.0.113.12", "--dst", "172.31.16.139"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "NACL_OUTBOUND_BLOCKS_RETURN" in out and "response egress" in out


def test_cli_diagnose_reports_bad_input(capsys):
    from flownb.cli import main
    from flownb.samples import path

    assert main(["diagnose", path("aws-docs/sg-nacl-ping"), "--src", "x", "--dst", "10.0.0.1"]) == 1
    assert "src must be an IP address" in capsys.readouterr().err


def test_displays_start_with_the_records_that_prove_the_verdict():
    import flownb

    df = flownb.samples.load("demo")
    d = flownb.diagnose(df, "10.0.10.10", "10.0.20.10", port=5432, end="2025-06-02 10:30")
    assert d.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
    # a day of healthy traffic comes first in time, but the display leads with the rejected responses
    assert (d.evidence.head(20)["action"] == "ACCEPT").all()
    first = d.evidence_first(5)
    assert (first["action"] == "REJECT").all()
    assert first["start"].is_monotonic_increasing
    assert "rejected ones first" in str(d)
    first_printed = str(d).split("rejected ones first\n", 1)[1].splitlines()[1]
    assert "REJECT" in first_printed
