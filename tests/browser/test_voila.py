"""The widgets in a real browser: Voila serving a notebook, Debian's chromium driven by Playwright."""

from __future__ import annotations

import pytest

import flownb

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
    demo = flownb.samples.load("demo")
    assert f"{len(demo):,} records" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "flownb-explorer.png"), full_page=True)

    # click REJECT in the action toggle: every chart is redrawn from the filtered records
    page.get_by_role("button", name="REJECT").click()
    page.wait_for_function("document.body.innerText.includes('REJECT →')", timeout=60_000)
    page.wait_for_timeout(1500)
    after = [marks(page, i) for i in range(3)]
    assert after != before
    assert f"{(demo['action'] == 'REJECT').sum():,} records" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "flownb-explorer-reject.png"), full_page=True)

    # brush an hour on the timeline: the selection comes back to Python and narrows the other charts
    box = page.locator(".vega-embed svg.marks").first.bounding_box()
    plot = page.evaluate(
        """() => { const r = document.querySelectorAll('.vega-embed svg.marks')[0]
                   .querySelector('g.mark-area').getBoundingClientRect();
                   return {x: r.x, y: r.y, width: r.width, height: r.height}; }"""
    )
    y = plot["y"] + plot["height"] / 2 if plot["height"] else box["y"] + box["height"] / 2
    x0, x1 = plot["x"] + plot["width"] * 0.30, plot["x"] + plot["width"] * 0.45
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y, steps=5)
    page.mouse.move(x1, y, steps=5)
    page.mouse.up()
    page.wait_for_function("document.body.innerText.includes('brushed')", timeout=60_000)
    page.wait_for_timeout(1500)
    brushed = [marks(page, i) for i in range(3)]
    assert brushed[2] != after[2], "the port heatmap shows the brushed hours only"
    page.screenshot(path=str(SHOTS / "flownb-explorer-brushed.png"), full_page=True)

    # type a bad CIDR: a message, no traceback, charts unchanged
    box = page.get_by_placeholder("10.0.1.0/24")
    box.fill("10.0.0.0/99")
    box.press("Enter")
    page.wait_for_function("document.body.innerText.includes('must be an IP address')", timeout=30_000)
    assert "Traceback" not in page.inner_text("body")
    assert [marks(page, i) for i in range(3)] == brushed
    page.screenshot(path=str(SHOTS / "flownb-explorer-bad-cidr.png"), full_page=True)
    assert page.errors == []


def open_widget(page, voila, name: str, charts: int) -> None:
    url, _folder = voila
    page.goto(f"{url}/voila/render/{name}.ipynb", timeout=180_000)
    if charts:
        page.wait_for_function(
            f"document.querySelectorAll('.vega-embed svg.marks').length >= {charts}", timeout=180_000
        )
    else:
        page.wait_for_selector(".widget-radio-box", timeout=180_000)
    page.wait_for_timeout(1000)


def test_troubleshooter_shows_the_verdict_and_its_evidence(page, voila):
    open_widget(page, voila, "troubleshooter", 1)
    body = page.inner_text("body")
    assert "NACL_OUTBOUND_BLOCKS_RETURN" in body and "Evidence:" in body
    assert marks(page, 0) > 0
    page.screenshot(path=str(SHOTS / "flownb-troubleshooter.png"), full_page=True)
    assert page.errors == []


def test_query_console_runs_a_sample_and_shows_errors(page, voila):
    open_widget(page, voila, "console", 1)
    page.locator("select").first.select_option(label="flownb example · Bytes every 5 minutes")
    page.wait_for_function("document.body.innerText.includes('row(s)')", timeout=60_000)
    page.wait_for_function(
        "[...document.querySelectorAll('.vega-embed svg.marks')].some(s => s.querySelector('g.mark-line'))",
        timeout=60_000,
    )
    page.screenshot(path=str(SHOTS / "flownb-console.png"), full_page=True)
    page.locator("textarea").fill("filter action = | stats count(*)")
    page.locator("textarea").blur()
    page.get_by_role("button", name="Run").click()
    page.wait_for_function("document.body.innerText.includes('column 17')", timeout=60_000)
    assert "^" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "flownb-console-error.png"), full_page=True)
    assert page.errors == []


def test_alarm_lab_draws_the_alarm_timeline(page, voila):
    open_widget(page, voila, "alarmlab", 1)
    assert "notification" in page.inner_text("body") or "No state change" in page.inner_text("body")
    assert marks(page, 0) > 0
    page.screenshot(path=str(SHOTS / "flownb-alarmlab.png"), full_page=True)
    assert page.errors == []


def test_detector_board_lists_findings_and_shows_evidence_on_click(page, voila):
    open_widget(page, voila, "board", 1)
    page.locator("select").last.select_option(index=0)
    page.wait_for_function("document.body.innerText.includes('Evidence:')", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.vega-embed svg.marks').length >= 2", timeout=60_000)
    page.screenshot(path=str(SHOTS / "flownb-board.png"), full_page=True)
    assert page.errors == []


def test_quiz_explains_an_answer(page, voila):
    open_widget(page, voila, "quiz", 0)
    page.get_by_text("One ACCEPT record inbound and one REJECT record outbound").click()
    page.get_by_role("button", name="Check").click()
    page.wait_for_function("document.body.innerText.includes('Right.')", timeout=30_000)
    assert "Score: 1 / 1" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "flownb-quiz.png"), full_page=True)
    assert page.errors == []
