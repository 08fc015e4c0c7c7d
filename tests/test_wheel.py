"""A built wheel, as a pip user gets it: the notebooks inside, and ``flownb lab`` serving them from a venv."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".ipynb_checkpoints", ".hypothesis",
    ".pytest_cache", "*.so", ".data",
)  # fmt: skip

pytestmark = pytest.mark.slow  # each builds a wheel (and the second starts JupyterLab)


def _build_requirements_met() -> bool:
    """Whether this environment's setuptools is the one pyproject.toml's build-system requires.

    (Python 3.11's venvs come with setuptools 65, which cannot read the project's license field; setuptools
    70.1 and later build wheels without the ``wheel`` package.)
    """
    import tomllib
    from importlib import metadata

    from packaging.requirements import Requirement

    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    (setuptools,) = [Requirement(r) for r in requires if Requirement(r).name == "setuptools"]
    try:
        return setuptools.specifier.contains(metadata.version("setuptools"), prereleases=True)
    except metadata.PackageNotFoundError:
        return False


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of this checkout (so parallel builds never share a build/ folder)."""
    src = tmp_path_factory.mktemp("src") / "flownb"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    out = tmp_path_factory.mktemp("dist")
    isolation = ["--no-build-isolation"] if _build_requirements_met() else []  # else pip fetches them
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *isolation, "-w", str(out), str(src)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return next(out.glob("flownb-*.whl"))


def test_the_wheel_carries_the_notebooks_and_the_dashboard(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"flownb/notebooks/{p.relative_to(ROOT / 'notebooks')}"
        for p in (ROOT / "notebooks").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    }
    assert "flownb/notebooks/00_start_here.ipynb" in shipped
    assert "flownb/notebooks/dashboards/explorer.ipynb" in shipped
    assert shipped <= names, shipped - names


def test_the_wheel_carries_the_bundled_samples_and_reads_them(wheel, tmp_path):
    # (moved here from tests/test_package.py: one wheel build, from a copy, serves every wheel test)
    assert "flownb/samples/data/aws-docs/sg-nacl-ping.log" in zipfile.ZipFile(wheel).namelist()
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import flownb; "
        "assert flownb.__file__.startswith(sys.argv[1]), flownb.__file__; "
        "df = flownb.samples.load('aws-docs/sg-nacl-ping'); print(len(df))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"


def _fresh_venv(where: Path) -> Path:
    """A new virtual environment that sees this environment's packages (not its flownb) through a .pth.

    Installing JupyterLab and flownb's dependencies anew would take minutes; the wheel itself is
    installed into the new environment as a user would, with pip.
    """
    venv.EnvBuilder(with_pip=False).create(where)
    py = where / ("Scripts" if os.name == "nt" else "bin") / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "shared-packages.pth").write_text("\n".join(sorted(shared)) + "\n")
    return py


def _lines(stream, out: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        out.put(line)


def serve_until(cmd: list[str], cwd: Path, env: dict, path: str, timeout: float = 240):
    """Start ``flownb lab`` and wait for the address it prints (``path`` a regex of its path part).

    Returns the process (still running: terminate it), the lines seen and the address (None if none came).
    """
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )  # fmt: skip
    out: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, out), daemon=True).start()
    seen: list[str] = []
    pattern = re.compile(rf"(http://127\.0\.0\.1:\d+{path}\?token=\w+)")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            seen.append(out.get(timeout=1))
        except queue.Empty:
            continue
        found = pattern.search(seen[-1])
        if found:
            return proc, seen, found.group(1)
    return proc, seen, None


def test_flownb_lab_from_an_installed_wheel_serves_the_start_notebook(wheel, tmp_path):
    py = _fresh_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_TOKEN")}  # no checkout
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True, env=env,
    )  # fmt: skip
    # the shared packages' data files (JupyterLab's page and extensions) stay under this environment
    env["JUPYTERLAB_DIR"] = str(Path(sys.prefix) / "share" / "jupyter" / "lab")
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    home = tmp_path / "home"
    home.mkdir()
    env.update(
        HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"), JUPYTER_RUNTIME_DIR=str(home / "rt")
    )
    installed = subprocess.run(
        [str(py), "-c", "import flownb; print(flownb.__file__)"], capture_output=True, text=True, env=env,
        cwd=tmp_path,
    )  # fmt: skip
    assert installed.stdout.startswith(str(tmp_path / "venv")), installed.stderr

    proc, seen, url = serve_until(
        [str(py.parent / "flownb"), "lab", "--no-browser"], tmp_path, env, r"/lab/tree/00_start_here\.ipynb"
    )
    try:
        assert url, "".join(seen)
        folder = tmp_path / "flownb-notebooks"
        assert f"notebook(s) copied to {folder}" in "".join(seen)
        assert (folder / "00_start_here.ipynb").exists() and (
            folder / "dashboards" / "explorer.ipynb"
        ).exists()
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and "JupyterLab" in page.read().decode()
        base, token = url.split("/lab/tree/")[0], url.rsplit("token=", 1)[1]
        with urllib.request.urlopen(
            f"{base}/api/contents/00_start_here.ipynb?token={token}", timeout=30
        ) as r:
            model = json.load(r)
        assert model["type"] == "notebook"
        assert "flow log" in json.dumps(model["content"]["cells"][:3]).lower()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
        if proc.stdout is not None:
            proc.stdout.close()
