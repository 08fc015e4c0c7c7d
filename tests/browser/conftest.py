"""A Voila server on 127.0.0.1 and Debian's chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("FLOWNB_SCREENSHOTS", "/tmp"))


def pytest_collection_modifyitems(items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, source: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


@pytest.fixture(scope="session")
def voila(tmp_path_factory):
    """Start Voila on a free port serving a folder of small test notebooks; yields (base url, folder)."""
    pytest.importorskip("voila")
    folder = tmp_path_factory.mktemp("notebooks")
    from .notebooks import NOTEBOOKS

    for name, source in NOTEBOOKS.items():
        write_notebook(folder / f"{name}.ipynb", source)
    port = free_port()
    env = {
        **os.environ,
        "FLOWNB_OFFLINE": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    log = open(folder / "voila.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            "--show_tracebacks=True", "--Voila.root_dir=" + str(folder), str(folder),
        ],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    else:  # pragma: no cover
        proc.kill()
        pytest.fail(f"Voila did not start: {(folder / 'voila.log').read_text()[-2000:]}")
    if proc.poll() is not None:
        pytest.fail(f"Voila exited: {(folder / 'voila.log').read_text()[-2000:]}")
    yield url, folder
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
    log.close()


def _serve(cmd: list[str], folder: Path, url: str, name: str):
    env = {
        **os.environ,
        "FLOWNB_OFFLINE": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    log = open(folder / f"{name}.log", "w")  # noqa: SIM115 - closed by the caller
    proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, log
        except OSError:
            time.sleep(0.5)
    proc.kill()
    log.close()
    pytest.fail(f"{name} did not start: {(folder / f'{name}.log').read_text()[-2000:]}")


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """JupyterLab on a free port (no token, no update checks) over the same small notebooks."""
    pytest.importorskip("jupyterlab")
    folder = tmp_path_factory.mktemp("lab")
    from .notebooks import NOTEBOOKS

    for name, source in NOTEBOOKS.items():
        write_notebook(folder / f"{name}.ipynb", source)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={folder}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.disable_check_xsrf=True", "--ServerApp.allow_root=True",
    ]  # fmt: skip
    proc, log = _serve(cmd, folder, f"{url}/api", "jupyterlab")
    yield url, folder
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser_context():
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="flownb-chromium-")
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1200, "height": 1100},
        )
        yield ctx
        ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    page.errors = []  # uncaught exceptions in the page
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    page.close()
