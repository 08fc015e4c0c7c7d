"""The claims issue 19 corrected stay corrected: no notebook, quiz question or docstring teaches them again.

Each phrase below is a wrong or out-of-date claim a review against the AWS documentation found (the closing
note of issue 19 names the AWS page that proves each correction).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEACHING = sorted(
    [
        *ROOT.glob("notebooks/[0-9][0-9]_*.py"),
        *ROOT.glob("flownb/quiz/data/*.json"),
        *ROOT.glob("flownb/**/*.py"),
    ]
)

#: wrong claim -> what is true (the message a contributor sees)
RETIRED = {
    r"CloudWatch Network Monitor\b(?!ing)": (
        "renamed Network Synthetic Monitor (say 'formerly CloudWatch Network Monitor' if the old name is needed)"
    ),
    r"NetworkPackets\w*[^.]{0,80}every minute with detailed monitoring": (
        "NetworkPacketsIn/Out are for basic monitoring only (5-minute periods), EC2 User Guide"
    ),
    r"(NAT and transit gateways|transit gateways?) (rewrite|translate)s? (the )?address": (
        "a transit gateway does not rewrite addresses; its attachment interface is a hop that logs its own"
    ),
    r"one object every 5 minutes|one Parquet file per hour": (
        "AWS may publish several files per 5 minutes (VPC User Guide, Flow log files); hourly is the twin's choice"
    ),
    r"missing route sends nothing anywhere": (
        "the destination logs nothing; whether the source's interface logs the packet is not documented"
    ),
    r"Linux[^.]{0,40}32768-60999": "AWS lists 32768-61000 for many Linux kernels (VPC User Guide, ephemeral ports)",
    r"logging levels?: (interface|subnet)": "flow logs have a scope (VPC, subnet, interface), not logging levels",
}

#: words near a match that say the claim is quoted, not taught (notebook 09's myths, a former name)
EXCUSED = ("Myth", "myth", "formerly", "earlier name")


def test_the_scan_reads_the_notebooks_the_quiz_and_the_package():
    names = {p.name for p in TEACHING}
    assert {"09_exam_practice.py", "exam_practice.json", "schema.py"} <= names


@pytest.mark.parametrize("pattern", list(RETIRED))
def test_no_retired_claim_is_taught_again(pattern):
    found = []
    for path in TEACHING:
        text = path.read_text(encoding="utf-8").replace("\n#", " ").replace("\n", " ")  # lines joined
        for m in re.finditer(pattern, text):
            around = text[max(0, m.start() - 60) : m.end() + 20]
            if any(w in around for w in EXCUSED):
                continue
            found.append(f"{path.relative_to(ROOT)}: {m.group(0)!r}")
    assert not found, f"{RETIRED[pattern]}:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "wrong",
    [
        "CloudWatch Network Monitor probes between AWS and on-premises",
        "EC2 publishes NetworkPacketsIn per instance, every minute with detailed monitoring",
        "NAT and transit gateways rewrite addresses",
        "Amazon S3: gzip text, one object every 5 minutes",
        "Linux picks from 32768-60999",
    ],
)
def test_each_pattern_catches_the_claim_as_it_was_written(wrong):
    assert any(re.search(p, wrong) for p in RETIRED), wrong
