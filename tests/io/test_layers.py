"""The readers' and the twin's imports run one way (issue 14, point 4), read from the source files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import flownb

PACKAGE = Path(flownb.__file__).parent


def imports(relative: str) -> set[str]:
    """Every module a file of the package imports (lazy imports inside functions included), absolute."""
    path = PACKAGE / relative
    here = ["flownb", *Path(relative).with_suffix("").parts]
    if path.name == "__init__.py":
        here = here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)  # `from . import s3`
    return found


def test_the_engine_and_the_sources_never_import_the_front_door():
    for name in [
        "_engine.py",
        "_s3.py",
        "_cloudwatch.py",
        "_exports.py",
        "_text.py",
        "_parquet.py",
        "_inflate.py",
    ]:
        assert "flownb.io._read" not in imports(f"io/{name}"), name
    for name in ["_s3.py", "_cloudwatch.py", "_read.py"]:
        assert "flownb.io._engine" in imports(f"io/{name}"), name
    engine = imports("io/_engine.py")
    assert not engine & {"flownb.io._s3", "flownb.io._cloudwatch"}
    assert (
        "flownb.io._exports" in engine
    )  # the content readers are asked for, not registered by a side effect


def test_readers_never_import_the_twin_and_the_twin_uses_only_public_io():
    for path in (PACKAGE / "io").glob("*.py"):
        assert not any(m.startswith("flownb.sim") for m in imports(f"io/{path.name}")), path.name
    for path in (PACKAGE / "sim").rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        private = {m for m in imports(rel) if m.startswith("flownb.io.") and m.split(".")[2].startswith("_")}
        assert not private, (rel, private)


def test_simulation_and_write_do_not_import_each_other_back():
    assert "flownb.sim._write" in imports("sim/_simulation.py")
    assert not any(m.startswith("flownb.sim._simulation") for m in imports("sim/_write.py"))


@pytest.mark.parametrize("layout", ["parquet", "s3"])
def test_the_twin_writes_what_the_readers_read_back(tmp_path, layout):
    sim = flownb.simulate("nacl_blocks_return", duration="10min")
    sim.write(str(tmp_path), layout=layout)
    back = flownb.read_flow_logs(tmp_path, errors="raise")
    assert len(back) == len(sim.flows)
    assert back["bytes"].sum() == sim.flows["bytes"].sum()
    assert set(back["interface_id"].dropna()) == set(sim.flows["interface_id"].dropna())
