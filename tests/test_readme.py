"""The README's examples run as printed (those that need no AWS account)."""

from __future__ import annotations

import re
from pathlib import Path

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
    assert diagnosis.verdict == "NACL_OUTBOUND_BLOCKS_RETURN"
    assert set(findings["detector"]) >= {"vertical_scan", "brute_force"}
    assert isinstance(df, type(flownb.samples.load("aws-docs/ipv6")))


def test_quickstart_has_exactly_two_commands_and_ci_runs_the_second():
    quick = README.read_text().split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)[0].strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["python3 tasks.py lab", "python3 tasks.py test"]
    ci = (README.parent / ".ci" / "run").read_text()
    assert "python3 tasks.py test" in ci
