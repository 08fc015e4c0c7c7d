"""The README's examples run as printed (those that need no AWS account)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_thirty_second_example_runs_and_finds_what_it_promises():
    block = next(b for b in python_blocks() if 'samples.load("demo")' in b)
    lines = block.strip().splitlines()
    namespace: dict = {}
    exec("\n".join(lines[:-4]), namespace)  # imports and the frame
    import flownb

    df = namespace["df"]
    results = [eval(line.split("  #")[0], namespace) for line in lines[-4:]]
    top, rejected, diagnosis, findings = results
    assert len(top) == 5 and top["bytes"].is_monotonic_decreasing
    assert list(rejected.columns) == ["srcAddr", "n"] and len(rejected) == 5
    # reachable now; from 10:05 to 10:50 a network ACL dropped the database's answers
    assert diagnosis.verdict == "REACHABLE"
    assert list(diagnosis.timeline["verdict"]) == ["REACHABLE", "NACL_OUTBOUND_BLOCKS_RETURN", "REACHABLE"]
    assert diagnosis.explanation.startswith(
        "Since 10:50 UTC; NACL_OUTBOUND_BLOCKS_RETURN before (10:05 UTC to 10:50 UTC)"
    )
    assert set(findings["detector"]) >= {"vertical_scan", "brute_force"}
    # the example's frame is the bundled day, typed by the DataFrame contract
    assert len(df) == len(flownb.samples.load("demo")) and str(df["dstport"].dtype) == "UInt16"


def test_quickstart_has_exactly_two_commands_and_ci_runs_the_second():
    quick = README.read_text().split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)[0].strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["python3 tasks.py lab", "python3 tasks.py test"]
    ci = (README.parent / ".ci" / "run").read_text()
    assert "python3 tasks.py test" in ci


def test_install_lines_work_today_and_every_extra_is_explained():
    import tomllib

    text = README.read_text()
    install = text.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert "pip install -e ." in install and "@ git+https://github.com/flownb/flownb" in install
    from_index = re.search(r"pip install ['\"]?flownb(?:\[[\w,]+\])?['\"]?(?=\s|$)(?!\s@)", text)
    assert not from_index, f"flownb is on no package index: {from_index.group(0)!r} fails"
    extras = tomllib.loads((README.parent / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)`.*$", install, flags=re.M)}
    for extra, packages in extras.items():
        if extra in ("test", "docs", "bench"):
            assert extra in install, extra
            continue
        assert extra in rows, f"the README's extras table lacks '{extra}'"
        # the same command the missing-dependency errors print (flownb._extras.install_command)
        command = "pip install " + " ".join(f"'{p}'" for p in packages)
        assert f"`{command}`" in rows[extra], (extra, command)


def test_the_boto3_hint_is_the_readme_command():
    from flownb._extras import install_command

    assert f"`{install_command('aws')}`" in README.read_text()


def shell_story() -> str:
    terminal = README.read_text().split("From a terminal", 1)[1]
    return re.findall(r"```bash\n(.*?)```", terminal, flags=re.S)[0]


@pytest.mark.slow  # six commands, each a fresh Python process
def test_the_terminal_story_runs_as_written(tmp_path):
    story = shell_story()
    lines = [ln for ln in story.splitlines() if ln.strip()]
    assert lines[0].startswith("flownb simulate") and all(ln.startswith("flownb ") for ln in lines)
    # `flownb` as the installed entry point runs it: `python -m flownb` of this checkout
    script = f'flownb() {{ "{sys.executable}" -m flownb "$@"; }}\nset -euo pipefail\n{story}'
    env = {**os.environ, "PYTHONPATH": str(README.parent)}
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "wrote:     12 s3 file(s) under flow-logs/" in out  # the folder the next commands read
    assert "bad lines: 0" in out and (tmp_path / "flows.parquet").exists()
    assert re.search(r"10\.0\.20\.10 10\.0\.10\.10 +\d+", out)  # the query points at the pair diagnosed next
    assert "verdict: NACL_OUTBOUND_BLOCKS_RETURN" in out
    assert "reject_spike" in out and "src=10.0.10.10 dst=10.0.20.10" in out
    assert "ALARM   <- INSUFFICIENT_DATA -> ALARM" in out
    assert "warning" not in proc.stderr
