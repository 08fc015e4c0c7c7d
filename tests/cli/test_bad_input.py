"""The command line with bad input: what a user sees for empty, binary, CSV and mixed inputs."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import flownb
from flownb.cli import main
from flownb.cli._common import SafeStream, printable
from flownb.samples import path

READING = {
    "read": [],
    "query": ["-q", "stats count(*)"],
    "diagnose": ["--src", "10.0.0.1", "--dst", "10.0.0.2"],
    "detect": [],
    "top": [],
    "alarm": ["--pattern", "REJECT", "--threshold", "1", "--evaluation-periods", "1"],
}


@pytest.fixture
def empty(tmp_path):
    f = tmp_path / "empty.log"
    f.write_bytes(b"")
    return str(f)


@pytest.mark.parametrize("command", sorted(READING))
def test_an_empty_file_warns_and_strict_exits_1(command, empty, capsys):
    assert main([command, empty, *READING[command]]) == 0
    err = capsys.readouterr().err
    assert f"flownb {command}: warning: no records were read from 1 file(s): they are empty" in err
    assert main([command, empty, *READING[command], "--strict"]) == 1
    assert "no records were read" in capsys.readouterr().err


def test_ingest_warns_on_an_empty_source_and_strict_exits_1(empty, tmp_path, capsys):
    assert main(["ingest", empty, str(tmp_path / "store")]) == 0
    assert "flownb ingest: warning: no records were read from 1 new source(s)" in capsys.readouterr().err
    assert main(["ingest", empty, str(tmp_path / "store2"), "--strict"]) == 1


def test_strict_also_fails_on_bad_lines_after_the_report(tmp_path, capsys):
    src = tmp_path / "one-bad.log"
    src.write_text(Path(path("aws-docs/default-accept-reject")).read_text() + "not a record\n")
    assert main(["read", str(src)]) == 0
    capsys.readouterr()
    assert main(["read", str(src), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "records: 2" in out and "bad lines: 1" in out  # the summary is printed before failing


@pytest.mark.parametrize("command", ["detect", "diagnose"])
def test_detect_and_diagnose_say_nothing_was_read(command, empty, capsys):
    assert main([command, empty, *READING[command]]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nothing was read: 0 records in 1 file(s)")
    assert "no findings" not in out and "NO_TRAFFIC_SEEN" not in out


def test_a_binary_file_is_one_message_with_its_first_bytes(tmp_path, capsys):
    blob = tmp_path / "x.bin"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400)  # 100 kB: several chunks of 'lines'
    assert main(["read", str(blob)]) == 0
    out = capsys.readouterr().out
    assert "bad lines: 1\n" in out
    assert f"{blob}:1: not text: first bytes 89 50 4e 47 0d 0a 1a 0a 00 01 02 03" in out
    assert "\x1a" not in out and "\x00" not in out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flownb.FlowLogParseWarning)
        df = flownb.read_flow_logs(blob)  # the API says the same in one bad line
    assert len(df) == 0 and len(df.flow.bad_lines) == 1


def test_control_characters_from_a_file_are_escaped(tmp_path, capsys):
    src = tmp_path / "esc.log"
    src.write_text("2 123456789010 eni-1\x1b[2J\x1b[31m 10.0.0.1\n")
    assert main(["read", str(src)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "eni-1\\x1b[2J\\x1b[31m" in out
    assert printable("a\rb\u202ec") == "a\\x0db\\u202ec"
    term = io.StringIO()
    SafeStream(term).write("ok\x07\n")
    assert term.getvalue() == "ok\\x07\n"


def test_comma_separated_bad_lines_name_the_cause(tmp_path, capsys):
    src = tmp_path / "flows.csv"
    src.write_text(
        "version,account-id,interface-id,srcaddr\n2,123456789010,eni-1,10.0.0.1\n2,1,eni-2,10.0.0.2\n"
    )
    assert main(["read", str(src)]) == 0
    captured = capsys.readouterr()
    cause = "fields are separated by ','; flow logs are space-separated"
    assert f"bad lines: 3 ({cause})" in captured.out
    assert cause in captured.err


def test_tab_separated_bad_lines_name_the_cause(tmp_path, capsys):
    src = tmp_path / "flows.tsv"  # a spreadsheet export: missing values left empty, not '-'
    src.write_text(
        "version\taccount-id\tinterface-id\tsrcaddr\n2\t123456789010\t\t10.0.0.1\n2\t1\t\t10.0.0.2\n"
    )
    assert main(["read", str(src)]) == 0
    assert (
        "bad lines: 2 (fields are separated by tabs; flow logs are space-separated)"
        in capsys.readouterr().out
    )


def test_a_directory_skips_what_is_not_a_flow_log_in_one_line(tmp_path, capsys):
    logs = tmp_path / "flow-logs"
    logs.mkdir()
    shutil.copy(path("aws-docs/default-accept-reject"), logs / "eni-1.log")
    (logs / "README.md").write_text("# Our flow logs\n\nCollected for the audit.\n")
    (logs / "notes.txt").write_text("ask Sam about the 10.0.9.0/24 rejects\n")
    (logs / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (logs / "export.txt").write_text(Path(path("aws-docs/default-accept-reject")).read_text())  # a log: kept
    assert main(["read", str(logs)]) == 0
    captured = capsys.readouterr()
    notes = [ln for ln in captured.err.splitlines() if "skipped" in ln]
    assert len(notes) == 1
    for name in ("README.md", "notes.txt", "diagram.png"):
        assert name in notes[0]
    assert "export.txt" not in notes[0]
    assert "records: 4" in captured.out and "bad lines: 0" in captured.out
    with pytest.warns(flownb.io.FlowLogSkipWarning, match="skipped 3 file"):
        assert len(flownb.read_flow_logs(logs)) == 4
    assert main(["read", str(logs / "notes.txt")]) == 0  # a file named explicitly is read
    assert "bad lines: 1" in capsys.readouterr().out


def test_a_missing_optional_dependency_is_one_line_with_the_install_command():
    code = (
        "import sys; sys.modules['boto3'] = None\n"
        "from flownb.cli import main\n"
        "raise SystemExit(main(['read', 's3://bucket/AWSLogs/']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("flownb read: error: Reading flow logs from AWS")
    assert proc.stderr.rstrip().endswith("pip install 'boto3>=1.34'")
    api = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['boto3'] = None\nimport flownb\n"
         "flownb.read_flow_logs('s3://bucket/AWSLogs/')"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert api.stderr.count("Traceback") == 1  # no "During handling of the above exception"
    assert api.stderr.rstrip().splitlines()[-1].endswith("pip install 'boto3>=1.34'")


def test_a_misspelled_scenario_suggests_the_closest_name(tmp_path, capsys):
    assert main(["simulate", "--scenario", "nacl_block_return", "--out", str(tmp_path / "o")]) == 1
    assert "did you mean 'nacl_blocks_return'?" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["read", "MISSING.log", "--to", "out.xlsx"],
        ["detect", "MISSING.log", "--to", "findings.txt"],
        ["top", "MISSING.log", "--to", "top"],
        ["simulate", "--out", "o", "--truth", "truth.txt"],
    ],
)
def test_an_unknown_output_extension_is_refused_before_reading(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "must end in .parquet, .csv" in err or "must end in .csv or .parquet" in err
    assert "no such file" not in err  # refused before looking at the input


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_records_holding_control_characters_reach_a_terminal_escaped(tmp_path, monkeypatch):
    src = tmp_path / "esc.log"
    good = "2 123456789010 eni-1\x1b]0;pwned\x07 10.0.0.1 10.0.0.2 40000 443 6 3 300 1700000000 1700000060 ACCEPT OK"
    src.write_text(good + "\n")
    term = _Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    assert main(["top", str(src), "--by", "interface_id"]) == 0
    shown = term.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown
    assert "eni-1\\x1b]0;pwned\\x07" in shown
    assert sys.stdout is term  # restored after the command
