"""The curated notebooks in a real browser: the dashboard in Voila, a notebook in JupyterLab.

Both servers run on 127.0.0.1 on free ports with ``FLOWNB_OFFLINE=1`` (charts load their JavaScript from
the installed packages, never from a CDN) and serve a temporary copy of ``notebooks/`` (JupyterLab saves
what it opens). Debian's chromium is driven by Playwright (see ``conftest.py``); screenshots go to
``$FLOWNB_SCREENSHOTS`` (default ``/tmp``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import SHOTS, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CHARTS = ".vega-embed svg.marks"


def _serve(cmd: list[str], cwd: Path, url: str, log_path: Path, extra_env: dict[str, str]):
    env = {
        **os.environ,
        "FLOWNB_OFFLINE": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        **extra_env,
    }
    log = open(log_path, "w")  # noqa: SIM115 - closed by the fixture
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, log
        except OSError:
            time.sleep(0.5)
    proc.kill()
    log.close()
    pytest.fail(f"{cmd[2]} did not start: {log_path.read_text()[-3000:]}")


def _stop(proc, log) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def copy_of_notebooks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("curated")
    shutil.copytree(
        NOTEBOOKS, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.py", ".ipynb_checkpoints")
    )
    return folder


@pytest.fixture(scope="module")
def dashboard(copy_of_notebooks, tmp_path_factory):
    """Voila serving the dashboard notebook, as the README's Binder badge does; yields its URL."""
    pytest.importorskip("voila")
    port = free_port()
    folder = copy_of_notebooks / "dashboards"
    cmd = [
        sys.executable, "-m", "voila", "explorer.ipynb", "--no-browser", f"--port={port}",
        "--Voila.ip=127.0.0.1", "--show_tracebacks=True",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    proc, log = _serve(cmd, folder, url, tmp_path_factory.mktemp("logs") / "voila.log", {})
    yield url
    _stop(proc, log)


@pytest.fixture(scope="module")
def jupyterlab(copy_of_notebooks, tmp_path_factory):
    """JupyterLab without a token on the copy of the notebooks; yields its base URL."""
    pytest.importorskip("jupyterlab")
    port = free_port()
    home = tmp_path_factory.mktemp("jupyter-home")
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
        "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={copy_of_notebooks}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--allow-root",
    ]  # fmt: skip
    # Render every cell (JupyterLab 4 virtualises cells out of view by default) and ask about no news.
    settings = home / "settings"
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}'
    )
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false"}'
    )
    env = {
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
    }
    url = f"http://127.0.0.1:{port}"
    proc, log = _serve(cmd, copy_of_notebooks, f"{url}/lab", tmp_path_factory.mktemp("logs") / "lab.log", env)
    yield url
    _stop(proc, log)


def _accept_kernel_dialog(page) -> None:
    """JupyterLab sometimes asks which kernel to start: take the notebook's own (Python 3)."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible():
        dialog.get_by_role("button", name="Select").click()


def _charts(page) -> int:
    return page.evaluate(f"document.querySelectorAll('{CHARTS}').length")


def _marks(page, index: int) -> int:
    return page.evaluate(
        f"""(i) => {{
            const svg = document.querySelectorAll('{CHARTS}')[i];
            return svg ? svg.querySelectorAll('g[class^="mark-"] path, g[class^="mark-"] line').length : 0;
        }}""",
        index,
    )


def test_dashboard_shows_three_tabs_without_code_and_its_controls_work(page, dashboard):
    page.goto(dashboard, timeout=240_000)
    page.wait_for_function(f"document.querySelectorAll('{CHARTS}').length >= 3", timeout=240_000)
    page.wait_for_timeout(1500)
    body = page.inner_text("body")
    assert "VPC Flow Logs dashboard" in body
    assert "import flownb" not in body and "FlowExplorer(" not in body  # no code shown
    assert "Traceback" not in body and "Error" not in body.split("dashboard", 1)[0]
    for title in ("Explore", "Detectors", "Troubleshoot"):
        assert page.get_by_role("tab", name=title).count() == 1
    before = [_marks(page, i) for i in range(3)]
    assert all(n > 0 for n in before), before
    page.screenshot(path=str(SHOTS / "flownb-dashboard-explore.png"), full_page=True)

    # a control works: REJECT in the explorer's action toggle redraws the charts from fewer records
    page.get_by_role("button", name="REJECT").first.click()
    page.wait_for_function("document.body.innerText.includes('REJECT →')", timeout=60_000)
    page.wait_for_timeout(1500)
    assert [_marks(page, i) for i in range(3)] != before
    page.screenshot(path=str(SHOTS / "flownb-dashboard-explore-reject.png"), full_page=True)

    page.get_by_role("tab", name="Detectors").click()
    page.wait_for_timeout(1500)
    assert "vertical_scan" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "flownb-dashboard-detectors.png"), full_page=True)

    page.get_by_role("tab", name="Troubleshoot").click()
    page.wait_for_timeout(1500)
    assert "NACL_OUTBOUND_BLOCKS_RETURN" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "flownb-dashboard-troubleshoot.png"), full_page=True)
    assert page.errors == []


def test_start_here_runs_in_jupyterlab_and_its_explorer_responds(page, jupyterlab):
    page.goto(f"{jupyterlab}/lab/tree/00_start_here.ipynb", timeout=120_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    # the saved notebook shows its text outputs before anything runs, and no saved widget or script
    page.wait_for_function(
        "document.body.innerText.includes('records from 9 network interfaces')", timeout=60_000
    )
    assert _charts(page) == 0
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)

    page.wait_for_timeout(2000)
    _accept_kernel_dialog(page)
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
    page.wait_for_timeout(2000)
    _accept_kernel_dialog(page)
    # two charts in the story, three in the FlowExplorer
    try:
        page.wait_for_function(f"document.querySelectorAll('{CHARTS}').length >= 5", timeout=240_000)
    except Exception:
        page.screenshot(path=str(SHOTS / "flownb-lab-start-here-failed.png"))
        raise
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=240_000)
    page.wait_for_timeout(2000)
    body = page.inner_text("body")
    assert "Traceback" not in body and "AssertionError" not in body
    assert all(_marks(page, i) > 0 for i in range(_charts(page)))

    explorer = page.locator(".jp-Cell", has_text="explorer = FlowExplorer(ok)").first
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "flownb-lab-start-here.png"))
    explorer.get_by_role("button", name="REJECT").click()
    page.wait_for_function("document.body.innerText.includes('REJECT →')", timeout=60_000)
    page.wait_for_timeout(1500)
    explorer.screenshot(path=str(SHOTS / "flownb-lab-start-here-explorer-reject.png"))
