"""The widgets in a real browser: Voila serving a notebook, Debian's chromium driven by Playwright."""

from __future__ import annotations

import pytest

from .conftest import SHOTS

pytestmark = pytest.mark.browser

MARKS = (
    ".vega-embed svg g.mark-rect path, .vega-embed svg g.mark-area path, .vega-embed svg g.mark-rect > path"
)


def open_notebook(page, voila, name: str) -> None:
    url, _folder = voila
    page.goto(f"{url}/voila/render/{name}.ipynb", timeout=180_000)
    page.wait_for_selector(".vega-embed svg.marks", timeout=180_000)
    page.wait_for_function("document.querySelectorAll('.vega-embed svg.marks').length >= 3", timeout=60_000)


def marks(page, index: int) -> int:
    """Number of drawn marks (paths inside mark groups) in the index-th chart."""
    return page.evaluate(
        """(i) => {
            const svg = document.querySelectorAll('.vega-embed svg.marks')[i];
            return svg.querySelectorAll('g[class^="mark-"] path').length;
        }""",
        index,
    )


def chart_titles(page) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.vega-embed svg.marks')].map(s => (s.querySelector('.role-title-text') || {}).textContent)"
    )


def test_explorer_renders_and_a_control_changes_the_charts(page, voila):
    open_notebook(page, voila, "explorer")
    assert page.locator(".vega-embed").count() == 3
    titles = chart_titles(page)
    assert titles[0].startswith("Traffic over time") and titles[1].startswith("Top 10")
    before = [marks(page, i) for i in range(3)]
    assert all(n > 0 for n in before), before
    assert "138,061 records" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "flownb-explorer.png"), full_page=True)

    # click REJECT in the action toggle: every chart is redrawn from the filtered records
    page.get_by_role("button", name="REJECT").click()
    page.wait_for_function("document.body.innerText.includes('REJECT →')", timeout=60_000)
    page.wait_for_timeout(1500)
    after = [marks(page, i) for i in range(3)]
    assert after != before
    assert "11,058 records" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "flownb-explorer-reject.png"), full_page=True)

    # type a bad CIDR: a message, no traceback, charts unchanged
    box = page.get_by_placeholder("10.0.1.0/24")
    box.fill("10.0.0.0/99")
    box.press("Enter")
    page.wait_for_function("document.body.innerText.includes('must be an IP address')", timeout=30_000)
    assert "Traceback" not in page.inner_text("body")
    assert [marks(page, i) for i in range(3)] == after
    page.screenshot(path=str(SHOTS / "flownb-explorer-bad-cidr.png"), full_page=True)
    assert page.errors == []
