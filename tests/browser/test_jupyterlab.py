"""The FlowExplorer in JupyterLab itself (not only Voila): run the cell, the charts draw, a click redraws them."""

from __future__ import annotations

import pytest

from .conftest import SHOTS
from .test_voila import marks

pytestmark = pytest.mark.browser


def test_flow_explorer_in_jupyterlab(page, lab_server):
    url, _folder = lab_server
    page.goto(f"{url}/lab/tree/explorer.ipynb", timeout=180_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=180_000)
    # wait for the kernel to be ready (the status bar says Idle), then run the cell
    page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=180_000)
    page.wait_for_timeout(2000)
    page.locator(".jp-Notebook .jp-Cell .cm-content").first.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("document.querySelectorAll('.vega-embed svg.marks').length >= 3", timeout=240_000)
    page.wait_for_timeout(1500)
    before = [marks(page, i) for i in range(3)]
    assert all(n > 0 for n in before), before
    page.screenshot(path=str(SHOTS / "flownb-jupyterlab-explorer.png"), full_page=True)
    page.get_by_role("button", name="REJECT").click()
    page.wait_for_function("document.body.innerText.includes('REJECT →')", timeout=60_000)
    page.wait_for_timeout(1500)
    assert [marks(page, i) for i in range(3)] != before
    page.screenshot(path=str(SHOTS / "flownb-jupyterlab-explorer-reject.png"), full_page=True)
    assert page.errors == []
