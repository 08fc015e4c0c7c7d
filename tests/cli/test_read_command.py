"""`flownb read` as a user runs it: summary, bad lines, typed output, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from flownb.cli import main
from flownb.samples import path

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


def test_read_prints_a_summary(capsys):
    assert main(["read", path("aws-docs/default-accept-reject")]) == 0
    out = capsys.readouterr().out
    assert "records: 2" in out
    assert "time:    2014-12-14 04:06:50 to 2014-12-14 04:07:50 UTC" in out
    assert "actions: ACCEPT 1, REJECT 1" in out
    assert "bad lines: 0" in out


def test_read_lists_bad_lines_and_writes_typed_parquet(tmp_path, capsys):
    src = tmp_path / "flows.log"
    good = "2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 443 6 3 300 1700000000 1700000060 ACCEPT OK"
    src.write_text(f"{HEADER}\n{good}\n{good.replace(' 443 ', ' 99999 ')}\n")
    out_file = tmp_path / "out.parquet"
    assert main(["read", str(src), "--to", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert "bad lines: 1" in out
    assert f"{src}:3: dstport: '99999' is not in the range 0-65535" in out
    back = pd.read_parquet(out_file)
    assert back["dstport"].tolist() == [443]
    assert str(back["start"].dtype).startswith("datetime64")


def test_read_error_is_one_line_not_a_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "flownb", "read", str(tmp_path / "missing.log")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("flownb read: error: ")
    assert "no such file or directory" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_format_option(tmp_path, capsys):
    src = tmp_path / "custom.log"
    src.write_text("eni-1 10.0.0.1 443\n")
    assert main(["read", str(src), "--format", "${interface-id} ${srcaddr} ${dstport}"]) == 0
    assert "format:  ${interface-id} ${srcaddr} ${dstport}" in capsys.readouterr().out
