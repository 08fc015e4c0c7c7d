"""The Binder recipe (``binder/``), tested the way mybinder uses it.

``test_requirements_are_pinned_exactly`` always runs. ``test_binder_recipe_builds_and_runs_every_notebook``
builds a fresh virtual environment from ``binder/`` alone (``requirements.txt``, then ``postBuild`` in a
copy of the repository, then ``start`` around every command) and executes every curated notebook in it.
It downloads the pinned packages from PyPI and takes several minutes, so it is opt-in:

    FLOWNB_BINDER_TEST=1 python -m pytest tests/test_binder.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+$")

RUN_NOTEBOOKS = r"""
import sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

for path in sorted(Path("notebooks").rglob("*.ipynb")):
    if ".ipynb_checkpoints" in path.parts:
        continue
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    print(f"{path}: {time.perf_counter() - t0:.1f} s", flush=True)
"""


def requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]


def test_requirements_are_pinned_exactly():
    lines = requirement_lines()
    assert lines, "binder/requirements.txt is empty"
    for line in lines:
        assert PIN.match(line), f"binder/requirements.txt: {line!r} is not pinned as name==version"
        assert "/" not in line and not line.startswith(("-e", ".", "file:")), f"a local path: {line!r}"
    names = {re.split(r"[\[=]", ln)[0].lower() for ln in lines}
    assert {"jupyterlab", "voila", "ipywidgets", "altair", "pandas", "pyarrow"} <= names
    post = (BINDER / "postBuild").read_text()
    assert "pip install" in post and os.access(BINDER / "postBuild", os.X_OK)
    assert os.access(BINDER / "start", os.X_OK)


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("FLOWNB_BINDER_TEST") != "1",
    reason="opt-in (downloads the pinned packages, several minutes): set FLOWNB_BINDER_TEST=1",
)
def test_binder_recipe_builds_and_runs_every_notebook(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv*",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".ipynb_checkpoints",
            ".pytest_cache",
        ),
    )
    env_dir = tmp_path / "binder-env"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_", "FLOWNB_"))
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(env_dir)

    def run(*cmd: str | Path, timeout: int = 1800, cwd: Path = repo) -> str:
        proc = subprocess.run(
            [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
        assert proc.returncode == 0, (
            f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
        return proc.stdout

    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "-r", repo / "binder" / "requirements.txt")
    run("bash", repo / "binder" / "postBuild")
    # flownb comes from the environment (outside the repository, as the notebooks' kernels see it)
    where = run(
        bin_dir / "python",
        "-c",
        "import flownb, voila, jupyterlab; print(flownb.__file__)",
        timeout=120,
        cwd=tmp_path,
    )
    assert str(env_dir) in where
    out = run(repo / "binder" / "start", bin_dir / "python", "-c", RUN_NOTEBOOKS)
    ran = [ln for ln in out.splitlines() if ln.endswith(" s")]
    expected = sorted(p for p in (repo / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    assert len(ran) == len(expected), out
    print(out, file=sys.stderr)
