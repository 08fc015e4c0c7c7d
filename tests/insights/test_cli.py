"""``flownb query FILES... -q QUERY [--format F] [--csv|--json]``."""

from __future__ import annotations

import io
import json

import pandas as pd

import flownb
from flownb.cli import main


def test_query_prints_a_table(capsys):
    path = flownb.samples.path("aws-docs/default-accept-reject")
    assert main(["query", path, "-q", "stats count(*) as n by action | sort action"]) == 0
    out = capsys.readouterr().out.split("\n")
    assert out[0].split() == ["action", "n"]
    assert out[1].split() == ["ACCEPT", "1"] and out[2].split() == ["REJECT", "1"]


def test_query_csv_and_json(capsys):
    path = flownb.samples.path("aws-docs/sg-nacl-ping")
    assert main(["query", path, "-q", "fields srcAddr, bytes | sort bytes desc, srcAddr", "--csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert frame.to_dict("list") == {"srcAddr": ["172.31.16.139", "203.0.113.12"], "bytes": [336, 336]}
    assert main(["query", path, "-q", "filter action = ‘REJECT’", "--json"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert rows[0]["@message"].endswith("REJECT OK")
    assert "typographic quotes" in captured.err


def test_query_with_a_format_on_files_without_a_header(tmp_path, capsys):
    f = tmp_path / "flows.log"
    f.write_text("eni-1 10.0.0.1 10.0.0.2 443\neni-1 10.0.0.1 10.0.0.3 22\n")
    code = main(
        ["query", str(f), "--format", "${interface-id} ${srcaddr} ${dstaddr} ${dstport}", "-q",
         "filter dstPort = 22 | fields dstAddr", "--csv"]
    )  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.split() == ["dstAddr", "10.0.0.3"]


def test_a_malformed_query_is_reported_with_its_caret(capsys):
    path = flownb.samples.path("aws-docs/default-accept-reject")
    assert main(["query", path, "-q", "stats count(*) by"]) == 1
    err = capsys.readouterr().err
    assert "after 'by'" in err and "^" in err
